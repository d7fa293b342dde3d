/* tests/nginx/test_nginx_proxy.c — a real L7 proxy in front of cgrpc:
 * nginx (Debian nginx-light) with grpc_pass to two cgrpc servers, one over
 * plaintext and one over TLS (grpc_pass grpcs://, verified against the test
 * CA of tests/tls/make_certs.sh). cgrpc clients go through nginx for the
 * four kinds of call, to both, and see statuses, messages and metadata as
 * the servers sent them.
 *
 * nginx runs unprivileged as the test's user: the test writes its config
 * into CGRPC_NGINX_DIR (the -p prefix, in the build tree) with free ports,
 * `daemon off`, a pid file and every temp path inside the prefix, starts it
 * with test_child_spawn and stops it by its pid.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child_process.h"
#include "cgrpc/tls.h"
#include "unit/rpc/rpc_test_util.h"

/* ---- The servers: echo for each kind of call -------------------------------------- */

static void h_unary(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  cgrpc_metadata_t md = CGRPC_METADATA_INIT;
  cgrpc_metadata_add_str(&md, cgrpc_server_call_arena(call), "x-upstream", ud);
  cgrpc_server_call_send_initial_metadata(call, &md);
  if (req->num < 0) {
    cgrpc_server_call_finishf(call, CGRPC_STATUS_NOT_FOUND, "no item %d", -req->num);
    return;
  }
  test_Msg resp = {.text = req->text, .num = req->num + 1};
  cgrpc_server_call_reply(call, &resp);
}

static void h_server_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  const test_Msg *req = request;
  for (int i = 0; i < req->num; i++) {
    test_Msg resp = {.text = test_str(ud), .num = i};
    if (!cgrpc_server_call_write(call, &resp, 0, NULL, NULL)) break;
  }
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void h_client_stream(cgrpc_server_call_t *call, const void *request, void *ud) {
  test_Msg m;
  int sum = 0;
  while (cgrpc_server_call_read(call, &m, cgrpc_server_call_arena(call), NULL, NULL)) sum += m.num;
  test_Msg resp = {.text = test_str(ud), .num = sum};
  cgrpc_server_call_reply(call, &resp);
}

static void h_bidi(cgrpc_server_call_t *call, const void *request, void *ud) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  test_Msg m;
  while (cgrpc_server_call_read(call, &m, &arena, NULL, NULL)) {
    m.num *= 2;
    if (!cgrpc_server_call_write(call, &m, 0, NULL, NULL)) break;
  }
  cgrpc_arena_free(&arena);
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static char certs[512];

static const char *cert(const char *name) {
  static char paths[4][640];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, sizeof paths[0], "%s/%s", certs, name);
  return p;
}

static cgrpc_server_t *server_start(bool tls, const char *name, int *port) {
  cgrpc_error_t err;
  cgrpc_server_options_t so = CGRPC_SERVER_OPTIONS_INIT;
  so.loop_threads = 1;
  cgrpc_server_t *srv;
  CHECK_EQ_INT(cgrpc_server_new(&so, &srv, &err), CGRPC_STATUS_OK);
  *port = 0;
  if (tls) {
    cgrpc_server_credentials_t *creds;
    CHECK_EQ_INT(cgrpc_server_credentials_from_files(cert("server.pem"), cert("server.key"), NULL,
                                                     CGRPC_TLS_CLIENT_CERT_NONE, &creds, &err),
                 CGRPC_STATUS_OK);
    CHECK_EQ_INT(cgrpc_server_listen_tls(srv, "127.0.0.1:0", creds, port, &err), CGRPC_STATUS_OK);
    cgrpc_server_credentials_free(creds);
  } else {
    CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", port, &err), CGRPC_STATUS_OK);
  }
  static const struct {
    int method;
    cgrpc_server_handler_fn fn;
  } routes[] = {{M_UNARY, h_unary},
                {M_SERVER_STREAM, h_server_stream},
                {M_CLIENT_STREAM, h_client_stream},
                {M_BIDI, h_bidi}};
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    CHECK_EQ_INT(cgrpc_server_register(srv, &test_methods[routes[i].method], routes[i].fn,
                                       (void *)name, CGRPC_HANDLER_BLOCKING, &err),
                 CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  return srv;
}

/* ---- nginx ------------------------------------------------------------------------ */

/* A port free right now (bound to 0, then released). */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  socklen_t len = sizeof a;
  CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

static bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static void write_config(const char *dir, int plain_port, int plain_upstream, int tls_port,
                         int tls_upstream) {
  char path[700];
  snprintf(path, sizeof path, "%s/nginx.conf", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  fprintf(f,
          "daemon off;\n"
          "master_process on;\n"
          "worker_processes 1;\n"
          "pid %s/nginx.pid;\n"
          "error_log %s/error.log warn;\n"
          "events { worker_connections 64; }\n"
          "http {\n"
          "  access_log off;\n"
          "  client_body_temp_path %s/tmp/body;\n"
          "  proxy_temp_path %s/tmp/proxy;\n"
          "  fastcgi_temp_path %s/tmp/fastcgi;\n"
          "  uwsgi_temp_path %s/tmp/uwsgi;\n"
          "  scgi_temp_path %s/tmp/scgi;\n"
          "  server {\n"
          "    listen 127.0.0.1:%d http2;\n"
          "    location / { grpc_pass grpc://127.0.0.1:%d; }\n"
          "  }\n"
          "  server {\n"
          "    listen 127.0.0.1:%d http2;\n"
          "    location / {\n"
          "      grpc_pass grpcs://127.0.0.1:%d;\n"
          "      grpc_ssl_verify on;\n"
          "      grpc_ssl_trusted_certificate %s;\n"
          "      grpc_ssl_name localhost;\n"
          "      grpc_ssl_server_name on;\n"
          "    }\n"
          "  }\n"
          "}\n",
          dir, dir, dir, dir, dir, dir, dir, plain_port, plain_upstream, tls_port, tls_upstream,
          cert("ca.pem"));
  fclose(f);
}

typedef struct proxy {
  pid_t pid;
  int out_fd;
  int plain_port, tls_port;
} proxy_t;

static void proxy_start(proxy_t *p, const char *nginx, const char *dir, int plain_upstream,
                        int tls_upstream) {
  char tmp[700];
  mkdir(dir, 0700);
  snprintf(tmp, sizeof tmp, "%s/tmp", dir);
  mkdir(tmp, 0700);
  for (int attempt = 0; attempt < 5; attempt++) {
    p->plain_port = free_port();
    p->tls_port = free_port();
    write_config(dir, p->plain_port, plain_upstream, p->tls_port, tls_upstream);
    char conf[700], err_log[700];
    snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
    snprintf(err_log, sizeof err_log, "%s/error.log", dir);
    const char *argv[] = {nginx, "-p", dir, "-c", conf, "-e", err_log, NULL};
    p->pid = test_child_spawn(argv, &p->out_fd);
    CHECK(p->pid > 0);
    for (int i = 0; i < 200; i++) {
      if (port_open(p->plain_port) && port_open(p->tls_port)) return;
      test_sleep_ms(25);
    }
    /* A port taken meanwhile (another test), or nginx failed: try again. */
    test_child_reap(p->pid, SIGKILL);
    close(p->out_fd);
  }
  TEST_FAIL_("nginx did not start; see %s/error.log", dir);
}

static void proxy_stop(proxy_t *p) {
  test_child_reap(p->pid, SIGQUIT);
  close(p->out_fd);
}

/* ---- Calls through the proxy ----------------------------------------------------- */

static void four_kinds(const char *target, const char *upstream) {
  cgrpc_channel_t *ch;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_channel_new(target, NULL, &ch, &err), CGRPC_STATUS_OK);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);

  /* Unary: response, initial metadata, and an error status. */
  test_Msg req = {.text = test_str("via nginx"), .num = 41}, resp;
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(resp.num, 42);
  CHECK(test_str_is(resp.text, "via nginx"));
  const char *up = cgrpc_metadata_get_cstr(&st.initial_metadata, "x-upstream");
  CHECK(up && strcmp(up, upstream) == 0);
  req.num = -7;
  CHECK_EQ_INT(cgrpc_unary(ch, &test_methods[M_UNARY], &req, &resp, &arena, NULL, &st),
               CGRPC_STATUS_NOT_FOUND);
  CHECK(test_str_is(st.message, "no item 7"));

  /* Server streaming. */
  cgrpc_call_t *call = cgrpc_call_start(ch, &test_methods[M_SERVER_STREAM], NULL);
  req.num = 5;
  CHECK(cgrpc_call_send(call, &req, 0, NULL, NULL));
  cgrpc_call_half_close(call);
  test_Msg m;
  int n = 0;
  while (cgrpc_call_recv(call, &m, &arena, NULL, NULL)) {
    CHECK_EQ_INT(m.num, n);
    CHECK(test_str_is(m.text, upstream));
    n++;
  }
  CHECK_EQ_INT(n, 5);
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);

  /* Client streaming. */
  call = cgrpc_call_start(ch, &test_methods[M_CLIENT_STREAM], NULL);
  for (int i = 1; i <= 10; i++) {
    m = (test_Msg){.num = i};
    CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
  }
  cgrpc_call_half_close(call);
  CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK_EQ_INT(m.num, 55);
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);

  /* Bidi, one message at a time. */
  call = cgrpc_call_start(ch, &test_methods[M_BIDI], NULL);
  for (int i = 1; i <= 3; i++) {
    m = (test_Msg){.num = i};
    CHECK(cgrpc_call_send(call, &m, 0, NULL, NULL));
    CHECK(cgrpc_call_recv(call, &m, &arena, NULL, NULL));
    CHECK_EQ_INT(m.num, 2 * i);
  }
  cgrpc_call_half_close(call);
  CHECK(!cgrpc_call_recv(call, &m, &arena, NULL, NULL));
  CHECK_EQ_INT(cgrpc_call_finish(call, &arena, NULL), CGRPC_STATUS_OK);

  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
}

int main(void) {
  const char *nginx = getenv("CGRPC_NGINX");
  const char *dir = getenv("CGRPC_NGINX_DIR");
  const char *c = getenv("CGRPC_TEST_CERTS");
  if (!nginx || !dir || !c) {
    fprintf(stderr, "CGRPC_NGINX, CGRPC_NGINX_DIR and CGRPC_TEST_CERTS must be set (ctest does)\n");
    return 1;
  }
  snprintf(certs, sizeof certs, "%s", c);
  int plain_upstream, tls_upstream;
  cgrpc_server_t *plain = server_start(false, "plaintext", &plain_upstream);
  cgrpc_server_t *tls = server_start(true, "tls", &tls_upstream);
  proxy_t p;
  proxy_start(&p, nginx, dir, plain_upstream, tls_upstream);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", p.plain_port);
  printf("nginx -> plaintext upstream\n");
  four_kinds(target, "plaintext");
  snprintf(target, sizeof target, "127.0.0.1:%d", p.tls_port);
  printf("nginx -> TLS upstream (grpcs)\n");
  four_kinds(target, "tls");
  proxy_stop(&p);
  cgrpc_server_shutdown(plain, CGRPC_NS_PER_SEC);
  cgrpc_server_free(plain);
  cgrpc_server_shutdown(tls, CGRPC_NS_PER_SEC);
  cgrpc_server_free(tls);
  return TEST_DONE();
}
