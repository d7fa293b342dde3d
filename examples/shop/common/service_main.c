/* service_main.c — see service_main.h. */
#define _POSIX_C_SOURCE 200809L
#include "service_main.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cgrpc_status_code_t setup(shop_service_t *s, const char *config_path, cgrpc_error_t *err) {
  const char *db_path, *secret_path, *listen;
  cgrpc_status_code_t code = shop_config_load(config_path, &s->config, err);
  if (code) return code;
  shop_log_init(s->desc->name, strcmp(shop_config_get(s->config, "log", "info"), "info") == 0);
  if (!code) code = shop_config_require(s->config, "db", &db_path, err);
  if (!code) code = shop_config_require(s->config, "token.secret_file", &secret_path, err);
  if (!code) code = shop_config_require(s->config, "listen", &listen, err);
  if (!code) code = shop_db_open(db_path, s->desc->synchronous, s->desc->migrations, &s->db, err);
  if (!code) code = shop_secret_load(secret_path, s->secret, &s->secret_len, err);
  if (!code) code = shop_token_verifier(s->secret, s->secret_len, &s->verifier, err);
  if (code) return code;
  s->access = (shop_access_t){s->desc->rules, s->desc->internal_callers, s->verifier};

  cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
  /* Requests are small here; a bigger one is an attack or a bug, and ends
   * RESOURCE_EXHAUSTED before any handler runs. */
  opts.max_receive_message_size =
      (size_t)strtoull(shop_config_get(s->config, "max_request_bytes", "65536"), NULL, 10);
  /* Watch and chat handlers hold a worker each while they stream. */
  opts.worker_threads = 32;
  opts.loop_threads = 1;
  code = cgrpc_server_new(&opts, &s->server, err);
  if (!code) code = cgrpc_server_add_interceptor(s->server, cgrpc_logging_interceptor(), NULL, err);
  if (!code)
    code = cgrpc_server_add_interceptor(s->server, shop_request_id_interceptor(), NULL, err);
  if (!code)
    code = cgrpc_server_add_interceptor(s->server, shop_access_interceptor(), &s->access, err);
  if (code) return code;

  cgrpc_server_credentials_t *creds = NULL;
  code = shop_tls_server(s->config, &creds, err);
  if (!code) code = cgrpc_server_listen_tls(s->server, listen, creds, NULL, err);
  cgrpc_server_credentials_free(creds);
  if (!code) code = cgrpc_server_enable_health(s->server, &s->health, err);
  if (!code) code = cgrpc_server_enable_reflection(s->server, NULL, err);
  if (!code) code = s->desc->start(s, err);
  if (!code && s->desc->service)
    code =
        cgrpc_health_set_status(s->health, s->desc->service->full_name, CGRPC_HEALTH_SERVING, err);
  return code;
}

int shop_service_main(int argc, char **argv, const shop_service_desc_t *desc) {
  if (argc != 2) {
    fprintf(stderr, "usage: shop-%s CONFIG_FILE\n", desc->name);
    return 2;
  }
  shop_service_t svc = {.desc = desc};
  cgrpc_error_t err = {{0}};
  bool started = false;
  /* Threads made during setup (channels' loops, a service's own) inherit
   * SIGINT and SIGTERM blocked, so only cgrpc_server_run() takes them. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  cgrpc_status_code_t code = setup(&svc, argv[1], &err);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!code) {
    started = true;
    printf("%s service listening on %s\n", desc->name, cgrpc_server_listen_address(svc.server, 0));
    fflush(stdout);
    code = cgrpc_server_run(svc.server, 5 * CGRPC_NS_PER_SEC, &err);
  }
  if (code) shop_log("ERROR", "%s", err.message);
  if (svc.server) cgrpc_server_shutdown(svc.server, 0);
  if (started && desc->stop) desc->stop(&svc);
  cgrpc_server_free(svc.server);
  cgrpc_jwt_verifier_free(svc.verifier);
  shop_db_close(svc.db);
  shop_config_free(svc.config);
  if (!code) printf("%s service stopped\n", desc->name);
  return code ? 1 : 0;
}
