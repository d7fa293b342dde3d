/* The health service (cgrpc/health.h) over loopback: Check, Watch, statuses
 * set from other threads, Watch streams ending on cancel, deadline, the
 * client going away and graceful shutdown, and every documented error. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>

#include "cgrpc/arena.h"
#include "grpc/health/v1/health.pb.h"
#include "services/health_internal.h"
#include "services_test_util.h"

typedef grpc_health_v1_HealthCheckRequest request_t;
typedef grpc_health_v1_HealthCheckResponse response_t;

/* Check(service): the status code, and the serving status in *out. */
static cgrpc_status_code_t check(svc_pair_t *p, const char *service, int *out, char *message,
                                 size_t message_size) {
  char room[512];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, room, sizeof room);
  request_t req = {.service = cgrpc_str(service)};
  response_t resp;
  cgrpc_status_t st;
  cgrpc_status_code_t code =
      grpc_health_v1_Health_Check_into(p->ch, &req, &resp, &arena, NULL, &st);
  *out = code == CGRPC_STATUS_OK ? (int)resp.status : -1;
  if (message) snprintf(message, message_size, "%.*s", CGRPC_STR_ARGS(st.message));
  cgrpc_arena_free(&arena);
  return code;
}

/* The number of open Watch streams the service holds. */
static size_t watch_count(cgrpc_health_t *h) {
  pthread_mutex_lock(&h->mu);
  size_t n = 0;
  for (health_watch_t *w = h->watches; w; w = w->next) n++;
  pthread_mutex_unlock(&h->mu);
  return n;
}

/* Waits up to 5 s for the service to hold no Watch stream. */
static bool watches_gone(cgrpc_health_t *h) {
  for (int64_t end = svc_now_ms() + 5000; svc_now_ms() < end; svc_sleep_ms(5)) {
    if (watch_count(h) == 0) return true;
  }
  return false;
}

/* A Watch stream and its next message (blocking). */
typedef struct watch {
  cgrpc_call_t *call;
  cgrpc_arena_t arena;
} watch_t;

static void watch_start(watch_t *w, cgrpc_channel_t *ch, const char *service,
                        const cgrpc_call_options_t *opts) {
  cgrpc_arena_init(&w->arena, NULL, 0);
  request_t req = {.service = cgrpc_str(service)};
  w->call = grpc_health_v1_Health_Watch_start(ch, &req, opts);
}

/* The next status sent, or -1 when the stream ended. */
static int watch_next(watch_t *w) {
  response_t resp;
  if (!grpc_health_v1_Health_Watch_recv(w->call, &resp, &w->arena, NULL, NULL)) return -1;
  return (int)resp.status;
}

/* Ends the stream (cancelling it first when `cancel`): its status code and
 * message. */
static cgrpc_status_code_t watch_end(watch_t *w, bool cancel, char *message, size_t size) {
  if (cancel) cgrpc_call_cancel(w->call);
  cgrpc_status_t st;
  cgrpc_status_code_t code = cgrpc_call_finish(w->call, &w->arena, &st);
  if (message) snprintf(message, size, "%.*s", CGRPC_STR_ARGS(st.message));
  cgrpc_arena_free(&w->arena);
  return code;
}

static void test_check_whole_server_and_unknown(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  int status;
  char msg[256];
  CHECK_EQ_INT(check(&p, "", &status, msg, sizeof msg), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(check(&p, "no.Such", &status, msg, sizeof msg), CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_STR(msg, "unknown service \"no.Such\"");
  svc_pair_stop(&p);
}

static void test_set_status_then_check(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  cgrpc_error_t err;
  int status;
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_NOT_SERVING, &err),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(check(&p, "shop.Products", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, "shop.Products"), CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_SERVING, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(check(&p, "shop.Products", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "", CGRPC_HEALTH_NOT_SERVING, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(check(&p, "", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "odd", CGRPC_HEALTH_UNKNOWN, NULL),
               CGRPC_STATUS_OK);
  CHECK_EQ_INT(check(&p, "odd", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_UNKNOWN);
  /* Cleared: NOT_FOUND again. */
  cgrpc_health_clear_status(p.health, "shop.Products");
  cgrpc_health_clear_status(p.health, "never.Set"); /* no error */
  CHECK_EQ_INT(check(&p, "shop.Products", &status, NULL, 0), CGRPC_STATUS_NOT_FOUND);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, "shop.Products"), CGRPC_HEALTH_SERVICE_UNKNOWN);
  /* Many services: the table grows. */
  for (int i = 0; i < 40; i++) {
    char name[32];
    snprintf(name, sizeof name, "svc.S%d", i);
    CHECK_EQ_INT(cgrpc_health_set_status(
                     p.health, name, i % 2 ? CGRPC_HEALTH_SERVING : CGRPC_HEALTH_NOT_SERVING, NULL),
                 CGRPC_STATUS_OK);
  }
  CHECK_EQ_INT(check(&p, "svc.S37", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(check(&p, "svc.S12", &status, NULL, 0), CGRPC_STATUS_OK);
  CHECK_EQ_INT(status, CGRPC_HEALTH_NOT_SERVING);
  svc_pair_stop(&p);
}

static void test_set_status_errors(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_health_set_status(NULL, "", CGRPC_HEALTH_SERVING, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "service name") != NULL);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, NULL, CGRPC_HEALTH_SERVING, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "x", CGRPC_HEALTH_SERVICE_UNKNOWN, &err),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "status 3") != NULL);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "x", (cgrpc_health_status_t)42, NULL),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_INT(cgrpc_health_get_status(NULL, ""), CGRPC_HEALTH_SERVICE_UNKNOWN);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, NULL), CGRPC_HEALTH_SERVICE_UNKNOWN);
  cgrpc_health_clear_status(NULL, "x"); /* no-ops */
  cgrpc_health_clear_status(p.health, NULL);
  /* A server never started: free works, and frees the service too. */
  cgrpc_server_free(p.srv);
}

static void test_enable_errors(void) {
  cgrpc_error_t err;
  cgrpc_health_t *h = (cgrpc_health_t *)&err;
  CHECK_EQ_INT(cgrpc_server_enable_health(NULL, &h, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(h == NULL);
  cgrpc_server_t *srv;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_health(srv, NULL, &err), CGRPC_STATUS_OK); /* no handle */
  CHECK_EQ_INT(cgrpc_server_enable_health(srv, &h, &err), CGRPC_STATUS_ALREADY_EXISTS);
  CHECK(strstr(err.message, "/grpc.health.v1.Health/Check is already registered") != NULL);
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", NULL, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, NULL), CGRPC_STATUS_OK);
  cgrpc_server_t *srv2;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv2, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(srv2, "127.0.0.1:0", NULL, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv2, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_enable_health(srv2, &h, &err), CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "started") != NULL);
  cgrpc_server_free(srv2);
  cgrpc_server_free(srv);
}

typedef struct setter {
  cgrpc_health_t *h;
  const char *name;
  cgrpc_health_status_t status;
} setter_t;

static void *set_in_thread(void *arg) {
  setter_t *s = arg;
  cgrpc_health_set_status(s->h, s->name, s->status, NULL);
  return NULL;
}

static void test_watch_sees_changes_from_another_thread(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_SERVING, NULL),
               CGRPC_STATUS_OK);
  watch_t w;
  watch_start(&w, p.ch, "shop.Products", NULL);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVING);
  setter_t s = {p.health, "shop.Products", CGRPC_HEALTH_NOT_SERVING};
  pthread_t t;
  pthread_create(&t, NULL, set_in_thread, &s);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_NOT_SERVING);
  pthread_join(t, NULL);
  /* Setting the same status again sends nothing; another service's change
   * neither; the next real change does. */
  cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_NOT_SERVING, NULL);
  cgrpc_health_set_status(p.health, "other", CGRPC_HEALTH_NOT_SERVING, NULL);
  cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_SERVING, NULL);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVING);
  char msg[256];
  CHECK_EQ_INT(watch_end(&w, true, msg, sizeof msg), CGRPC_STATUS_CANCELLED);
  CHECK(watches_gone(p.health));
  svc_pair_stop(&p);
}

static void test_watch_unknown_service_keeps_watching(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  watch_t w;
  watch_start(&w, p.ch, "later.Service", NULL);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVICE_UNKNOWN);
  cgrpc_health_set_status(p.health, "later.Service", CGRPC_HEALTH_SERVING, NULL);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVING);
  cgrpc_health_clear_status(p.health, "later.Service");
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVICE_UNKNOWN);
  CHECK_EQ_INT(watch_end(&w, true, NULL, 0), CGRPC_STATUS_CANCELLED);
  svc_pair_stop(&p);
}

typedef struct flipper {
  cgrpc_health_t *h;
  int rounds;
} flipper_t;

static void *flip(void *arg) {
  flipper_t *f = arg;
  for (int i = 0; i < f->rounds; i++) {
    cgrpc_health_set_status(f->h, "flappy", i % 2 ? CGRPC_HEALTH_SERVING : CGRPC_HEALTH_NOT_SERVING,
                            NULL);
  }
  cgrpc_health_set_status(f->h, "flappy", CGRPC_HEALTH_UNKNOWN, NULL);
  return NULL;
}

/* Many changes from several threads at once: every watch ends on the last
 * status (changes in between may be merged), and nothing races. */
static void test_watch_many_changes_end_on_latest(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  enum { WATCHES = 4, THREADS = 3 };
  watch_t w[WATCHES];
  for (int i = 0; i < WATCHES; i++) {
    watch_start(&w[i], p.ch, "flappy", NULL);
    CHECK_EQ_INT(watch_next(&w[i]), CGRPC_HEALTH_SERVICE_UNKNOWN);
  }
  flipper_t f = {p.health, 300};
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, flip, &f);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < WATCHES; i++) {
    int last = -2, got, n = 0;
    while ((got = watch_next(&w[i])) != CGRPC_HEALTH_UNKNOWN && got >= 0 && n < 100000) {
      CHECK(got != last); /* a change, each time */
      last = got;
      n++;
    }
    CHECK_EQ_INT(got, CGRPC_HEALTH_UNKNOWN);
    CHECK_EQ_INT(watch_end(&w[i], true, NULL, 0), CGRPC_STATUS_CANCELLED);
  }
  CHECK(watches_gone(p.health));
  svc_pair_stop(&p);
}

static void test_watch_deadline_and_client_going_away(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  /* The deadline passes: the stream ends, the service forgets it. */
  cgrpc_call_options_t opts = {.timeout_ns = 200 * CGRPC_NS_PER_MS};
  watch_t w;
  watch_start(&w, p.ch, "", &opts);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(watch_next(&w), -1);
  CHECK_EQ_INT(watch_end(&w, false, NULL, 0), CGRPC_STATUS_DEADLINE_EXCEEDED);
  CHECK(watches_gone(p.health));
  /* A second client opens watches and closes its connection with them open. */
  cgrpc_channel_t *ch2;
  CHECK_EQ_INT(cgrpc_channel_new(p.target, NULL, &ch2, NULL), CGRPC_STATUS_OK);
  watch_t gone[3];
  for (int i = 0; i < 3; i++) {
    watch_start(&gone[i], ch2, i ? "x" : "", NULL);
    CHECK(watch_next(&gone[i]) >= 0);
  }
  CHECK_EQ_INT(watch_count(p.health), 3);
  for (int i = 0; i < 3; i++) cgrpc_call_finish_async(gone[i].call, NULL, NULL, NULL);
  cgrpc_channel_free(ch2);
  for (int i = 0; i < 3; i++) cgrpc_arena_free(&gone[i].arena);
  CHECK(watches_gone(p.health));
  /* Changes after they left reach nobody, and nothing breaks. */
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "x", CGRPC_HEALTH_SERVING, NULL), CGRPC_STATUS_OK);
  svc_pair_stop(&p);
}

typedef struct shutdown_arg {
  cgrpc_server_t *srv;
  int64_t took_ms;
} shutdown_arg_t;

static void *shutdown_in_thread(void *arg) {
  shutdown_arg_t *a = arg;
  int64_t start = svc_now_ms();
  cgrpc_server_shutdown(a->srv, 10 * CGRPC_NS_PER_SEC);
  a->took_ms = svc_now_ms() - start;
  return NULL;
}

/* Graceful shutdown: every watch sees NOT_SERVING, then its stream ends
 * UNAVAILABLE, before the server goes away; the watches do not hold the
 * shutdown for its grace period; statuses stay NOT_SERVING. */
static void test_shutdown_turns_everything_not_serving(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  cgrpc_health_set_status(p.health, "shop.Products", CGRPC_HEALTH_SERVING, NULL);
  watch_t whole, svc, unknown;
  watch_start(&whole, p.ch, "", NULL);
  watch_start(&svc, p.ch, "shop.Products", NULL);
  watch_start(&unknown, p.ch, "nobody", NULL);
  CHECK_EQ_INT(watch_next(&whole), CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(watch_next(&svc), CGRPC_HEALTH_SERVING);
  CHECK_EQ_INT(watch_next(&unknown), CGRPC_HEALTH_SERVICE_UNKNOWN);
  shutdown_arg_t a = {p.srv, -1};
  pthread_t t;
  pthread_create(&t, NULL, shutdown_in_thread, &a);
  CHECK_EQ_INT(watch_next(&whole), CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(watch_next(&svc), CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(watch_next(&whole), -1);
  CHECK_EQ_INT(watch_next(&svc), -1);
  CHECK_EQ_INT(watch_next(&unknown), -1);
  char msg[256];
  CHECK_EQ_INT(watch_end(&whole, false, msg, sizeof msg), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_STR(msg, "the server is shutting down");
  CHECK_EQ_INT(watch_end(&svc, false, NULL, 0), CGRPC_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(watch_end(&unknown, false, NULL, 0), CGRPC_STATUS_UNAVAILABLE);
  pthread_join(t, NULL);
  CHECK(a.took_ms >= 0 && a.took_ms < 5000);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, ""), CGRPC_HEALTH_NOT_SERVING);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, "shop.Products"), CGRPC_HEALTH_NOT_SERVING);
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_health_set_status(p.health, "", CGRPC_HEALTH_SERVING, &err),
               CGRPC_STATUS_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "shutting down") != NULL);
  CHECK_EQ_INT(cgrpc_health_get_status(p.health, ""), CGRPC_HEALTH_NOT_SERVING);
  CHECK(watches_gone(p.health));
  cgrpc_channel_free(p.ch);
  cgrpc_server_free(p.srv);
}

/* cgrpc_server_free() with watches open (no graceful shutdown first). */
static void test_free_with_watches_open(void) {
  svc_pair_t p;
  svc_pair_new(&p);
  svc_pair_start(&p);
  watch_t w;
  watch_start(&w, p.ch, "", NULL);
  CHECK_EQ_INT(watch_next(&w), CGRPC_HEALTH_SERVING);
  cgrpc_server_free(p.srv);
  /* The shutdown's NOT_SERVING may or may not get out before the close. */
  int next = watch_next(&w);
  if (next == CGRPC_HEALTH_NOT_SERVING) next = watch_next(&w);
  CHECK_EQ_INT(next, -1);
  CHECK(watch_end(&w, false, NULL, 0) != CGRPC_STATUS_OK);
  cgrpc_channel_free(p.ch);
}

int main(void) {
  TEST_RUN(test_check_whole_server_and_unknown);
  TEST_RUN(test_set_status_then_check);
  TEST_RUN(test_set_status_errors);
  TEST_RUN(test_enable_errors);
  TEST_RUN(test_watch_sees_changes_from_another_thread);
  TEST_RUN(test_watch_unknown_service_keeps_watching);
  TEST_RUN(test_watch_many_changes_end_on_latest);
  TEST_RUN(test_watch_deadline_and_client_going_away);
  TEST_RUN(test_shutdown_turns_everything_not_serving);
  TEST_RUN(test_free_with_watches_open);
  return TEST_DONE();
}
