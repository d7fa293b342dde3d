/* emit_stubs.c — writes the typed client and server code of a service into
 * foo.pb.h.
 *
 * Everything here is a static inline wrapper over the generic gRPC API
 * (cgrpc/call.h, cgrpc/server.h) that only adds types: a program that uses
 * the messages of a file but not its services compiles none of it and needs
 * no gRPC runtime at link time.
 *
 * Client side, per method: for a unary method a blocking call and one with a
 * callback; for a streaming method a start function returning the call
 * (server streaming sends the one request and half-closes too). Messages of
 * streams go through cgrpc_call_send()/cgrpc_call_recv() unchanged: typed
 * copies of those would be no shorter.
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

static void emit_unary_client(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *in = gen_strprintf(a, "const %s *request", m->input->c_name);
  const char *out = gen_strprintf(a, "%s *response", m->output->c_name);
  const char *method = gen_strprintf(a, "&%s_method", m->c_name);

  const char *params[] = {
      "cgrpc_channel_t *ch",   in, out, "cgrpc_arena_t *arena", "const cgrpc_call_options_t *opts",
      "cgrpc_status_t *status"};
  put_signature(t, gen_strprintf(a, "static inline cgrpc_status_code_t %s(", m->c_name), params, 6);
  const char *args[] = {"ch", method, "request", "response", "arena", "opts", "status"};
  gen_text_put_wrapped(t, "  return cgrpc_unary(", args, 7, ");");
  gen_text_put(t, "}\n");

  const char *async_params[] = {"cgrpc_channel_t *ch",
                                in,
                                out,
                                "cgrpc_arena_t *arena",
                                "const cgrpc_call_options_t *opts",
                                "cgrpc_status_fn done",
                                "void *user_data"};
  put_signature(t, gen_strprintf(a, "static inline void %s_async(", m->c_name), async_params, 7);
  const char *async_args[] = {"ch",    method, "request", "response",
                              "arena", "opts", "done",    "user_data"};
  gen_text_put_wrapped(t, "  cgrpc_unary_async(", async_args, 8, ");");
  gen_text_put(t, "}\n");
}

static void emit_streaming_client(gen_text_t *t, const gen_method_t *m) {
  cgrpc_arena_t *a = t->arena;
  const char *head = gen_strprintf(a, "static inline cgrpc_call_t *%s_start(", m->c_name);
  const char *start = gen_strprintf(a, "cgrpc_call_start(ch, &%s_method, opts)", m->c_name);
  if (m->client_streaming) {
    const char *params[] = {"cgrpc_channel_t *ch", "const cgrpc_call_options_t *opts"};
    put_signature(t, head, params, 2);
    gen_text_printf(t, "  return %s;\n}\n", start);
    return;
  }
  const char *params[] = {"cgrpc_channel_t *ch",
                          gen_strprintf(a, "const %s *request", m->input->c_name),
                          "const cgrpc_call_options_t *opts"};
  put_signature(t, head, params, 3);
  put_assignment(t, "cgrpc_call_t *call", start);
  gen_text_put(t,
               "  if (call) {\n"
               "    cgrpc_call_send(call, request, 0, NULL, NULL);\n"
               "    cgrpc_call_half_close(call);\n"
               "  }\n"
               "  return call;\n"
               "}\n");
}

static void emit_client(gen_text_t *t, const gen_service_t *s) {
  gen_text_printf(t,
                  "\n/* Client of %s (see cgrpc/call.h).\n"
                  " * Unary: a blocking call, and <method>_async() with a callback.\n"
                  " * Streaming: <method>_start() returns the call; go on with cgrpc_call_send(),\n"
                  " * cgrpc_call_recv() and cgrpc_call_finish(). For server streaming it sends\n"
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
                  " * handler must end its call (cgrpc_server_call_reply() or _finish()).\n"
                  " * Client-streaming and bidi handlers read their requests themselves. */\n",
                  s->full_name);
  gen_text_printf(t, "typedef struct %s_handlers {\n", n);
  for (size_t i = 0; i < s->method_count; i++) emit_handler_member(t, &s->methods[i]);
  gen_text_printf(t, "  void *user_data; /* passed to every handler */\n} %s_handlers;\n", n);

  for (size_t i = 0; i < s->method_count; i++) emit_dispatch(t, s, &s->methods[i]);

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
