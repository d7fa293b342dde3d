/* emit_stubs.c — writes the typed client and server code of a service into
 * foo.pb.h.
 *
 * Everything here is a static inline wrapper over the generic gRPC API
 * (cgrpc/call.h, cgrpc/server.h) that only adds types: a program that uses
 * the messages of a file but not its services compiles none of it and needs
 * no gRPC runtime at link time.
 *
 * Client side, per method: for a unary method a blocking call whose memory
 * a cgrpc_result_t manages (the short form a newcomer meets first), one into
 * the caller's arena and one with a callback; for a streaming method a start
 * function returning the call (server streaming sends the one request and
 * half-closes too) and typed send/recv. Server side: typed reply, write and
 * read. The typed message functions exist so that passing a message of the
 * wrong type is a compile error rather than a garbled encoding.
 *
 * Server side: a struct of typed handler pointers plus user_data, and a
 * register function. The generic handler type takes `const void *request`,
 * and calling a function through a pointer of another type is undefined
 * behaviour (trapped by clang's -fsanitize=function and CFI), so each method
 * gets a small dispatcher of the generic type that finds the typed handler
 * in the struct the server hands it as user_data (passed through uintptr_t:
 * the server API takes a plain void *, and users compile with -Wcast-qual
 * too). The struct is the only state: registering allocates nothing and
 * calls allocate nothing extra.
 */
#include <stdbool.h>
#include <string.h>

#include "emit.h"

/* "rpc Get(a.Req) returns (stream a.Resp)", as the .proto says it. */
static const char *rpc_line(cgrpc_arena_t *a, const gen_method_t *m) {
  return gen_strprintf(a, "rpc %s(%s%s) returns (%s%s)", m->name,
                       m->client_streaming ? "stream " : "", m->input->full_name,
                       m->server_streaming ? "stream " : "", m->output->full_name);
}

/* `head` followed by the items, wrapped, and ` {`: a function's first line(s). */
static void put_signature(gen_text_t *t, const char *head, const char *const *params, size_t n) {
  gen_text_put_wrapped(t, head, params, n, ") {");
}

/* `  <lhs> = <rhs>;`, broken after `=` when it does not fit in 100 columns. */
static void put_assignment(gen_text_t *t, const char *lhs, const char *rhs) {
  bool fits = 2 + strlen(lhs) + 3 + strlen(rhs) + 1 <= 100;
  gen_text_printf(t, "  %s =%s%s;\n", lhs, fits ? " " : "\n      ", rhs);
}

static void emit_method_table(gen_text_t *t, const gen_service_t *s) {
  gen_text_printf(t, "extern const cgrpc_pb_method_t %s_methods[%zu];\n", s->c_name,
                  s->method_count);
  for (size_t i = 0; i < s->method_count; i++) {
    gen_text_printf(t, "#define %s_method (%s_methods[%zu])\n", s->methods[i].c_name, s->c_name, i);
  }
}

/* `static inline RET NAME(PARAMS) { [return ]CALLEE(ARGS); }`, each list
 * wrapped at 100 columns: the shape of every typed wrapper. */
static void emit_wrapper(gen_text_t *t, const char *ret, const char *name,
                         const char *const *params, size_t nparams, const char *callee,
                         const char *const *args, size_t nargs) {
  cgrpc_arena_t *a = t->arena;
  put_signature(t, gen_strprintf(a, "static inline %s %s(", ret, name), params, nparams);
  const char *call = gen_strprintf(a, "  %s%s(", strcmp(ret, "void") ? "return " : "", callee);
  gen_text_put_wrapped(t, call, args, nargs, ");");
  gen_text_put(t, "}\n");
}

/* Unary: the short blocking call (memory managed by a cgrpc_result_t), its
 * typed response accessor, the blocking call into the caller's arena and
 * the callback one. */
static void emit_unary_client(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *in = gen_strprintf(a, "const %s *request", m->input->c_name);
  const char *out = gen_strprintf(a, "%s *response", m->output->c_name);
  const char *method = gen_strprintf(a, "&%s_method", m->c_name);

  const char *short_params[] = {"cgrpc_channel_t *ch", in, "const cgrpc_call_options_t *opts"};
  const char *short_args[] = {"ch", method, "request", "opts"};
  emit_wrapper(t, "cgrpc_result_t *", m->c_name, short_params, 3, "cgrpc_unary_result",
               short_args, 4);

  put_signature(t,
                gen_strprintf(a, "static inline const %s *%s_response(", m->output->c_name,
                              m->c_name),
                (const char *const[]){"const cgrpc_result_t *result"}, 1);
  gen_text_printf(t,
                  "  return cgrpc_result_method(result) == %s\n"
                  "             ? (const %s *)cgrpc_result_response(result)\n"
                  "             : NULL;\n}\n",
                  method, m->output->c_name);

  const char *into_params[] = {
      "cgrpc_channel_t *ch",   in, out, "cgrpc_arena_t *arena", "const cgrpc_call_options_t *opts",
      "cgrpc_status_t *status"};
  const char *into_args[] = {"ch", method, "request", "response", "arena", "opts", "status"};
  emit_wrapper(t, "cgrpc_status_code_t", gen_strprintf(a, "%s_into", m->c_name), into_params, 6,
               "cgrpc_unary", into_args, 7);

  const char *async_params[] = {"cgrpc_channel_t *ch",
                                in,
                                out,
                                "cgrpc_arena_t *arena",
                                "const cgrpc_call_options_t *opts",
                                "cgrpc_status_fn done",
                                "void *user_data"};
  const char *async_args[] = {"ch",    method, "request", "response",
                              "arena", "opts", "done",    "user_data"};
  emit_wrapper(t, "void", gen_strprintf(a, "%s_async", m->c_name), async_params, 7,
               "cgrpc_unary_async", async_args, 8);
}

/* Typed cgrpc_call_send() and cgrpc_call_recv() for a streaming method: a
 * message of the wrong type is a compile error. */
static void emit_stream_messages_client(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  if (m->client_streaming) {
    const char *params[] = {"cgrpc_call_t *call",
                            gen_strprintf(a, "const %s *msg", m->input->c_name), "unsigned flags",
                            "cgrpc_done_fn done", "void *user_data"};
    const char *args[] = {"call", "msg", "flags", "done", "user_data"};
    emit_wrapper(t, "bool", gen_strprintf(a, "%s_send", m->c_name), params, 5, "cgrpc_call_send",
                 args, 5);
  }
  if (m->server_streaming) {
    const char *params[] = {"cgrpc_call_t *call", gen_strprintf(a, "%s *msg", m->output->c_name),
                            "cgrpc_arena_t *arena", "cgrpc_done_fn done", "void *user_data"};
    const char *args[] = {"call", "msg", "arena", "done", "user_data"};
    emit_wrapper(t, "bool", gen_strprintf(a, "%s_recv", m->c_name), params, 5, "cgrpc_call_recv",
                 args, 5);
  }
}

static void emit_streaming_client(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *head = gen_strprintf(a, "static inline cgrpc_call_t *%s_start(", m->c_name);
  const char *start = gen_strprintf(a, "cgrpc_call_start(ch, &%s_method, opts)", m->c_name);
  if (m->client_streaming) {
    const char *params[] = {"cgrpc_channel_t *ch", "const cgrpc_call_options_t *opts"};
    put_signature(t, head, params, 2);
    gen_text_printf(t, "  return %s;\n}\n", start);
  } else {
    const char *params[] = {"cgrpc_channel_t *ch",
                            gen_strprintf(a, "const %s *request", m->input->c_name),
                            "const cgrpc_call_options_t *opts"};
    put_signature(t, head, params, 3);
    put_assignment(t, "cgrpc_call_t *call", start);
    gen_text_put(t,
                 "  cgrpc_call_send(call, request, 0, NULL, NULL);\n"
                 "  cgrpc_call_half_close(call);\n"
                 "  return call;\n"
                 "}\n");
  }
  emit_stream_messages_client(t, m);
}

static void emit_client(gen_text_t *t, const gen_service_t *s) {
  gen_text_printf(t,
                  "\n/* Client of %s (see cgrpc/call.h).\n"
                  " * Unary: <method>() waits and returns a cgrpc_result_t (read the response\n"
                  " * with <method>_response(), free with cgrpc_result_free()); <method>_into()\n"
                  " * decodes into your arena; <method>_async() takes a callback.\n"
                  " * Streaming: <method>_start() returns the call; go on with <method>_send(),\n"
                  " * <method>_recv() and cgrpc_call_finish(). For server streaming it sends\n"
                  " * the request and half-closes, blocking like cgrpc_call_send() does. */\n",
                  s->full_name);
  for (size_t i = 0; i < s->method_count; i++) {
    const gen_method_t *m = &s->methods[i];
    gen_text_printf(t, "/* %s */\n", rpc_line(t->arena, m));
    if (gen_method_unary(m)) {
      emit_unary_client(t, m);
    } else {
      emit_streaming_client(t, m);
    }
  }
}

/* Typed server-side message functions: <method>_reply() where one response
 * ends the call, _write() where responses stream, _read() where requests do. */
static void emit_call_messages_server(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  if (!m->server_streaming) {
    const char *params[] = {"cgrpc_server_call_t *call",
                            gen_strprintf(a, "const %s *response", m->output->c_name)};
    const char *args[] = {"call", "response"};
    emit_wrapper(t, "void", gen_strprintf(a, "%s_reply", m->c_name), params, 2,
                 "cgrpc_server_call_reply", args, 2);
  } else {
    const char *params[] = {"cgrpc_server_call_t *call",
                            gen_strprintf(a, "const %s *msg", m->output->c_name), "unsigned flags",
                            "cgrpc_done_fn done", "void *user_data"};
    const char *args[] = {"call", "msg", "flags", "done", "user_data"};
    emit_wrapper(t, "bool", gen_strprintf(a, "%s_write", m->c_name), params, 5,
                 "cgrpc_server_call_write", args, 5);
  }
  if (m->client_streaming) {
    const char *params[] = {"cgrpc_server_call_t *call",
                            gen_strprintf(a, "%s *msg", m->input->c_name), "cgrpc_arena_t *arena",
                            "cgrpc_done_fn done", "void *user_data"};
    const char *args[] = {"call", "msg", "arena", "done", "user_data"};
    emit_wrapper(t, "bool", gen_strprintf(a, "%s_read", m->c_name), params, 5,
                 "cgrpc_server_call_read", args, 5);
  }
}

/* The typed handler pointer of `m`: client-streaming and bidi handlers read
 * their requests, so they get none (the generic API passes NULL). */
static void emit_handler_member(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *params[3] = {"cgrpc_server_call_t *call"};
  size_t n = 1;
  if (!m->client_streaming) {
    params[n++] = gen_strprintf(a, "const %s *request", m->input->c_name);
  }
  params[n++] = "void *user_data";
  gen_text_put_wrapped(t, gen_strprintf(a, "  void (*%s)(", m->member), params, n, ");");
}

static void emit_dispatch(gen_text_t *t, const gen_service_t *s, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *params[] = {"cgrpc_server_call_t *call", "const void *request", "void *handlers"};
  put_signature(t, gen_strprintf(a, "static inline void %s_dispatch(", m->c_name), params, 3);
  put_assignment(t, gen_strprintf(a, "const %s_handlers *h", s->c_name),
                 gen_strprintf(a, "(const %s_handlers *)handlers", s->c_name));
  const char *args[3] = {"call"};
  size_t n = 1;
  if (m->client_streaming) {
    gen_text_put(t, "  (void)request;\n");
  } else {
    args[n++] = gen_strprintf(a, "(const %s *)request", m->input->c_name);
  }
  args[n++] = "h->user_data";
  gen_text_put_wrapped(t, gen_strprintf(a, "  h->%s(", m->member), args, n, ");");
  gen_text_put(t, "}\n");
}

static void emit_server(gen_text_t *t, const gen_service_t *s) {
  cgrpc_arena_t *a = t->arena;
  const char *n = s->c_name;
  gen_text_printf(t,
                  "\n/* Server of %s (see cgrpc/server.h).\n"
                  " * Set the handlers you implement; the others answer UNIMPLEMENTED. Each\n"
                  " * handler must end its call: <method>_reply() or cgrpc_server_call_finish().\n"
                  " * Streaming handlers use <method>_write() and <method>_read(). */\n",
                  s->full_name);
  gen_text_printf(t, "typedef struct %s_handlers {\n", n);
  for (size_t i = 0; i < s->method_count; i++) emit_handler_member(t, &s->methods[i]);
  gen_text_printf(t, "  void *user_data; /* passed to every handler */\n} %s_handlers;\n", n);

  for (size_t i = 0; i < s->method_count; i++) {
    emit_dispatch(t, s, &s->methods[i]);
    emit_call_messages_server(t, &s->methods[i]);
  }

  gen_text_printf(
      t,
      "/* Registers the handlers set in `handlers`, which must outlive the server, with\n"
      " * cgrpc_server_register_service(). */\n");
  const char *params[] = {"cgrpc_server_t *srv", gen_strprintf(a, "const %s_handlers *handlers", n),
                          "cgrpc_handler_mode_t mode", "cgrpc_error_t *err"};
  put_signature(t, gen_strprintf(a, "static inline cgrpc_status_code_t %s_register(", n), params,
                4);
  const char **fns = gen_calloc(a, s->method_count, sizeof(*fns));
  for (size_t i = 0; i < s->method_count; i++) {
    const gen_method_t *m = &s->methods[i];
    fns[i] = gen_strprintf(a, "handlers->%s ? %s_dispatch : NULL", m->member, m->c_name);
  }
  gen_text_put_wrapped(
      t, gen_strprintf(a, "  const cgrpc_server_handler_fn fns[%zu] = {", s->method_count), fns,
      s->method_count, "};");
  const char *args[] = {"srv",  gen_strprintf(a, "&%s_service", n),
                        "fns",  "(void *)(uintptr_t)handlers",
                        "mode", "err"};
  gen_text_put_wrapped(t, "  return cgrpc_server_register_service(", args, 6, ");");
  gen_text_put(t, "}\n");
}

void gen_emit_service(gen_text_t *t, const gen_service_t *s) {
  gen_text_printf(t, "\n/* Service %s */\nextern const cgrpc_pb_service_t %s_service;\n",
                  s->full_name, s->c_name);
  if (!s->method_count) return;
  emit_method_table(t, s);
  emit_client(t, s);
  emit_server(t, s);
}
