/* tools/cgrpc/cmd_call.c — `cgrpc call ADDRESS METHOD`: every kind of call
 * through one path.
 *
 * The main thread drives the call (the one-driver rule of cgrpc/call.h):
 * it sends requests one at a time and keeps one receive outstanding, both
 * with callbacks that only note their outcome and wake it, and it prints
 * each response as it arrives. Requests come decoded from a queue: for
 * unary and server-streaming methods the one request is decoded before the
 * call starts (a JSON mistake costs no connection); for client-streaming
 * and bidirectional methods a reader thread decodes them as they arrive on
 * stdin (or from -d), so responses print while the user is still typing.
 * When the requests end, the call half-closes; when the responses end, the
 * call is finished and its status decides the exit code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"
#include "cli_requests.h"
#include "cli_schema.h"
#include "cli_status.h"

typedef struct request {
  struct request *next;
  cgrpc_arena_t arena;
  void *msg;
} request_t;

typedef struct call_run {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  /* Under mu: what the reader and the callbacks report. */
  request_t *head, *tail;
  bool requests_end;
  int requests_rc;
  bool sent_event, sent_ok;
  bool recv_event, recv_ok;
  /* The main thread's. */
  const cli_args_t *args;
  const cgrpc_method_desc_t *method;
  cli_output_t output;
  cgrpc_json_options_t parse;
  cli_requests_t source;
  cli_schema_t schema;
  bool reader_detached; /* still reading stdin, after the call ended */
} call_run_t;

/* A run whose reader thread still waits on stdin: kept, with everything the
 * reader uses, until the process exits. */
static call_run_t *still_reading;

static void request_free(request_t *req) {
  if (!req) return;
  cgrpc_arena_free(&req->arena);
  free(req);
}

/* Decodes the JSON of request `index` (from 1). NULL after saying why. */
static request_t *decode_request(call_run_t *run, const char *json, size_t len, size_t index) {
  request_t *req = calloc(1, sizeof *req);
  if (!req) return NULL;
  cgrpc_arena_init(&req->arena, NULL, 0);
  const cgrpc_msg_desc_t *input = run->method->input;
  req->msg = cgrpc_pb_msg_new(input->table, &req->arena);
  cgrpc_error_t err;
  if (!req->msg ||
      cgrpc_json_decode(json, len, req->msg, input->table, &req->arena, &run->parse, &err)) {
    cli_fail(CLI_EXIT_FAILURE, "request %zu is not a valid %s: %s", index, input->full_name,
             req->msg ? err.message : "out of memory");
    request_free(req);
    return NULL;
  }
  return req;
}

static void push_request(call_run_t *run, request_t *req) {
  pthread_mutex_lock(&run->mu);
  if (run->tail)
    run->tail->next = req;
  else
    run->head = req;
  run->tail = req;
  pthread_cond_signal(&run->cv);
  pthread_mutex_unlock(&run->mu);
}

static void end_requests(call_run_t *run, int rc) {
  pthread_mutex_lock(&run->mu);
  run->requests_end = true;
  run->requests_rc = rc;
  pthread_cond_signal(&run->cv);
  pthread_mutex_unlock(&run->mu);
}

/* The reader thread of streaming requests. */
static void *read_requests(void *arg) {
  call_run_t *run = arg;
  const char *json;
  size_t len;
  int got;
  while ((got = cli_requests_next(&run->source, &json, &len)) == 1) {
    request_t *req = decode_request(run, json, len, run->source.count);
    if (!req) break;
    push_request(run, req);
  }
  end_requests(run, got == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
  return NULL;
}

/* The one request of a unary or server-streaming call: {} without -d. */
static int read_single_request(call_run_t *run) {
  const char *json = "{}";
  size_t len = 2;
  int got = cli_requests_next(&run->source, &json, &len);
  if (got < 0) return CLI_EXIT_FAILURE;
  if (got == 0 && run->source.count == 0) {
    if (run->args->data) return cli_fail(CLI_EXIT_FAILURE, "%s holds no request", run->source.name);
    json = "{}";
    len = 2;
  }
  request_t *req = decode_request(run, json, len, 1);
  if (!req) return CLI_EXIT_FAILURE;
  const char *more;
  size_t more_len;
  if (cli_requests_next(&run->source, &more, &more_len) != 0) {
    request_free(req);
    return cli_fail(CLI_EXIT_FAILURE, "%s takes one request, and %s holds more",
                    run->method->full_name, run->source.name);
  }
  push_request(run, req);
  end_requests(run, CLI_EXIT_OK);
  return CLI_EXIT_OK;
}

static void on_sent(void *arg, bool ok) {
  call_run_t *run = arg;
  pthread_mutex_lock(&run->mu);
  run->sent_event = true;
  run->sent_ok = ok;
  pthread_cond_signal(&run->cv);
  pthread_mutex_unlock(&run->mu);
}

static void on_received(void *arg, bool ok) {
  call_run_t *run = arg;
  pthread_mutex_lock(&run->mu);
  run->recv_event = true;
  run->recv_ok = ok;
  pthread_cond_signal(&run->cv);
  pthread_mutex_unlock(&run->mu);
}

static void print_headers(cgrpc_call_t *call, cgrpc_arena_t *arena, bool *printed) {
  if (*printed) return;
  *printed = true;
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_call_initial_metadata(call, arena, &md);
  cli_print_metadata(stderr, "Response headers", &md);
}

/* Drives the started call until its responses end. Returns the exit code
 * of a local failure (a bad request, a response that cannot be printed),
 * or CLI_EXIT_OK to let the status decide. */
static int drive(call_run_t *run, cgrpc_call_t *call, bool *headers_printed) {
  const cgrpc_msg_desc_t *output = run->method->output;
  cgrpc_arena_t recv_arena;
  cgrpc_arena_init(&recv_arena, NULL, 0);
  void *response = cgrpc_pb_msg_new(output->table, &recv_arena);
  bool receiving = response && cgrpc_call_recv(call, response, &recv_arena, on_received, run);
  bool sending = false, half_closed = false, stop_sending = false;
  int rc = CLI_EXIT_OK;
  pthread_mutex_lock(&run->mu);
  for (;;) {
    if (!sending && !half_closed && !stop_sending && run->head) {
      request_t *req = run->head;
      run->head = req->next;
      if (!run->head) run->tail = NULL;
      pthread_mutex_unlock(&run->mu);
      sending = cgrpc_call_send(call, req->msg, 0, on_sent, run); /* encoded already */
      if (!sending) stop_sending = true;
      request_free(req);
      pthread_mutex_lock(&run->mu);
      continue;
    }
    if (!sending && !half_closed && !stop_sending && !run->head && run->requests_end) {
      if (run->requests_rc) { /* a bad request: the call must not go on without it */
        rc = run->requests_rc;
        cgrpc_call_cancel(call);
        stop_sending = true;
      } else {
        cgrpc_call_half_close(call);
        half_closed = true;
      }
      continue;
    }
    if (!receiving && !sending) break;
    if (run->sent_event) {
      run->sent_event = false;
      sending = false;
      if (!run->sent_ok) stop_sending = true;
      continue;
    }
    if (run->recv_event) {
      run->recv_event = false;
      bool ok = run->recv_ok;
      pthread_mutex_unlock(&run->mu);
      if (ok && run->args->verbose) print_headers(call, &recv_arena, headers_printed);
      if (ok && !rc) rc = cli_output_message(&run->output, stdout, response, output, &recv_arena);
      receiving = false;
      if (ok) {
        cgrpc_arena_reset(&recv_arena, 1);
        response = cgrpc_pb_msg_new(output->table, &recv_arena);
        receiving = response && cgrpc_call_recv(call, response, &recv_arena, on_received, run);
      }
      pthread_mutex_lock(&run->mu);
      continue;
    }
    pthread_cond_wait(&run->cv, &run->mu);
  }
  pthread_mutex_unlock(&run->mu);
  cgrpc_arena_free(&recv_arena);
  return rc;
}

static int run_call(call_run_t *run) {
  const cgrpc_method_desc_t *m = run->method;
  cgrpc_pb_method_t method = {m->name,
                              m->path,
                              m->input->table,
                              m->output->table,
                              m->client_streaming,
                              m->server_streaming};
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  int rc = cli_metadata_from_args(run->args, &arena, &md);
  pthread_t reader;
  bool reader_started = false;
  if (!rc && !m->client_streaming) rc = read_single_request(run);
  if (rc) {
    cgrpc_arena_free(&arena);
    return rc;
  }
  cgrpc_call_options_t opts = {.timeout_ns = run->args->timeout_ns, .metadata = &md};
  cgrpc_call_t *call = cgrpc_call_start(run->schema.ch, &method, &opts);
  if (m->client_streaming) {
    reader_started = !pthread_create(&reader, NULL, read_requests, run);
    if (!reader_started) end_requests(run, cli_fail(CLI_EXIT_FAILURE, "cannot start a thread"));
  }
  bool headers_printed = false;
  rc = drive(run, call, &headers_printed);
  cgrpc_status_t status;
  cgrpc_status_code_t code = cgrpc_call_finish(call, &arena, &status);
  if (run->args->verbose) {
    if (!headers_printed) cli_print_metadata(stderr, "Response headers", &status.initial_metadata);
    cli_print_metadata(stderr, "Response trailers", &status.trailing_metadata);
  }
  if (code != CGRPC_STATUS_OK && !rc) cli_print_status_error(&status, &run->output, &arena);
  if (!rc) rc = cli_exit_for_status(code);
  /* A reader still waiting on stdin after the server ended the call is
   * left to the process's exit; one that finished is joined. */
  pthread_mutex_lock(&run->mu);
  bool reader_done = run->requests_end;
  pthread_mutex_unlock(&run->mu);
  if (reader_started) {
    if (reader_done)
      pthread_join(reader, NULL);
    else
      run->reader_detached = !pthread_detach(reader);
  }
  if (reader_done) {
    for (request_t *req = run->head, *next; req; req = next) {
      next = req->next;
      request_free(req);
    }
    run->head = run->tail = NULL;
  }
  cgrpc_arena_free(&arena);
  return rc;
}

int cli_cmd_call(const cli_args_t *args) {
  if (args->positional_count != 2)
    return cli_usage_error("call", "call wants ADDRESS METHOD (got %zu argument%s)",
                           args->positional_count, args->positional_count == 1 ? "" : "s");
  cgrpc_arena_t scratch;
  cgrpc_arena_init(&scratch, NULL, 0);
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  int rc = cli_metadata_from_args(args, &scratch, &md); /* a bad -H is a usage error: first */
  cgrpc_arena_free(&scratch);
  if (rc) return rc;

  call_run_t *run = calloc(1, sizeof *run);
  if (!run) return cli_fail(CLI_EXIT_FAILURE, "out of memory");
  pthread_mutex_init(&run->mu, NULL);
  pthread_cond_init(&run->cv, NULL);
  run->args = args;
  cli_schema_t *schema = &run->schema;
  rc = cli_schema_open(schema, args, args->positional[0]);
  if (!rc) rc = cli_schema_find_method(schema, args->positional[1], &run->method);
  if (!rc) rc = cli_requests_open(&run->source, args->data);
  if (!rc) {
    cli_output_init(&run->output, args, schema->pool, schema->tool_pool);
    run->parse = run->output.json; /* the same Any resolver and extensions */
    run->parse.resolve_ctx = &run->output;
    run->parse.flags = 0;
    run->parse.indent = 0;
    rc = run_call(run);
  }
  if (run->reader_detached) {
    still_reading = run;
    return rc;
  }
  cli_schema_close(schema);
  cli_requests_close(&run->source);
  pthread_cond_destroy(&run->cv);
  pthread_mutex_destroy(&run->mu);
  free(run);
  return rc;
}
