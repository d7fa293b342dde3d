/* tests/oom/test_services.c — the built-in services when the heap runs out.
 *
 * Setting a server up with health and reflection (enable, statuses for new
 * names, files and a pool added) with the n-th allocation failing, once or
 * from then on, for every n: each step returns OK or RESOURCE_EXHAUSTED
 * with a message, and freeing the server gives every block back. Then the
 * reflection answers themselves (src/services/reflection_answer.c: lists,
 * file closures, errors) under the same sweep: an answer is built or the
 * builder says memory ran out, and the arenas give everything back. */
#include <stdio.h>
#include <string.h>

#include "cgrpc/health.h"
#include "cgrpc/reflection.h"
#include "grpc/health/v1/health.pb.h"
#include "oom_alloc.h"
#include "services/reflection_internal.h"
#include "test.h"

static bool allowed(cgrpc_status_code_t code, const cgrpc_error_t *err, const char *what,
                    size_t n) {
  if (code == CGRPC_STATUS_OK) return true;
  if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED && err->message[0] != '\0') return true;
  TEST_FAIL_("%s, n=%zu: %s: \"%s\"", what, n, cgrpc_status_code_name(code), err->message);
  return false;
}

/* One set-up; the status of the first step that failed. */
static cgrpc_status_code_t set_up(cgrpc_server_t **out, cgrpc_error_t *err) {
  cgrpc_health_t *health;
  cgrpc_reflection_t *reflection;
  cgrpc_pool_t *pool = NULL;
  cgrpc_status_code_t code = cgrpc_server_new(NULL, out, err);
  if (code) return code;
  if (!code) code = cgrpc_server_enable_health(*out, &health, err);
  if (!code) code = cgrpc_health_set_status(health, "a.Service", CGRPC_HEALTH_SERVING, err);
  if (!code) code = cgrpc_health_set_status(health, "b.Service", CGRPC_HEALTH_NOT_SERVING, err);
  if (!code) code = cgrpc_server_enable_reflection(*out, &reflection, err);
  if (!code) code = cgrpc_reflection_add_file(reflection, &grpc_health_v1_health_proto_file, err);
  if (!code) code = cgrpc_pool_new(&pool, err);
  if (!code) code = cgrpc_pool_add_generated(pool, &grpc_health_v1_health_proto_file, err);
  if (!code) code = cgrpc_reflection_add_pool(reflection, pool, err);
  cgrpc_pool_free(pool);
  return code;
}

static size_t sweep_setup(oom_mode_t mode) {
  long baseline = oom_live_blocks();
  size_t n;
  for (n = 1;; n++) {
    oom_watchdog(30, "services set-up");
    cgrpc_server_t *srv = NULL;
    cgrpc_error_t err = {0};
    oom_arm(n, mode);
    allowed(set_up(&srv, &err), &err, "services set-up", n);
    size_t failures = oom_failures();
    oom_disarm();
    cgrpc_server_free(srv);
    long live = oom_wait_live(baseline, 1000);
    if (live != baseline) TEST_FAIL_("set-up, n=%zu: %ld blocks leaked", n, live - baseline);
    if (failures == 0) break;
    if (n > 5000) {
      TEST_FAIL_("set-up: still allocating at n=%zu", n);
      break;
    }
  }
  oom_watchdog(0, "");
  return n - 1;
}

static void test_setup(void) {
  size_t t = sweep_setup(OOM_TRANSIENT);
  size_t p = sweep_setup(OOM_PERSISTENT);
  fprintf(stderr, "  set-up: %zu / %zu allocation points\n", t, p);
  CHECK(t > 0);
}

/* The requests of one stream, each answered in turn. */
static bool answer_all(const cgrpc_reflection_t *r, cgrpc_arena_t *stream_arena) {
  static const char *const kSymbols[] = {"grpc.health.v1.Health", "google.protobuf.Api",
                                         "google.protobuf.Type", "no.Such"};
  reflection_sent_t sent = {0};
  bool all = true;
  for (size_t i = 0; i < 6; i++) {
    cgrpc_arena_t arena;
    cgrpc_arena_init(&arena, NULL, 0);
    grpc_reflection_v1_ServerReflectionRequest req;
    grpc_reflection_v1_ServerReflectionRequest_init(&req);
    if (i < 4) {
      grpc_reflection_v1_ServerReflectionRequest_set_file_containing_symbol(&req,
                                                                            cgrpc_str(kSymbols[i]));
    } else if (i == 4) {
      grpc_reflection_v1_ServerReflectionRequest_set_list_services(&req, cgrpc_str(""));
    } else {
      grpc_reflection_v1_ServerReflectionRequest_set_all_extension_numbers_of_type(
          &req, cgrpc_str("google.protobuf.FieldOptions"));
    }
    grpc_reflection_v1_ServerReflectionResponse resp;
    bool ok = reflection_answer(r, &req, &resp, &sent, &arena, stream_arena);
    if (ok && resp.message_response_case ==
                  grpc_reflection_v1_ServerReflectionResponse_message_response_NOT_SET) {
      TEST_FAIL_("request %zu: an answer of nothing", i);
    }
    all = all && ok;
    cgrpc_arena_free(&arena);
  }
  return all;
}

static size_t sweep_answers(const cgrpc_reflection_t *r, oom_mode_t mode) {
  long baseline = oom_live_blocks();
  size_t n;
  for (n = 1;; n++) {
    cgrpc_arena_t stream_arena;
    cgrpc_arena_init(&stream_arena, NULL, 0);
    oom_arm(n, mode);
    bool all = answer_all(r, &stream_arena);
    size_t failures = oom_failures();
    oom_disarm();
    if (failures == 0 && !all) TEST_FAIL_("answers, n=%zu: failed with no failure", n);
    cgrpc_arena_free(&stream_arena);
    long live = oom_wait_live(baseline, 100);
    if (live != baseline) TEST_FAIL_("answers, n=%zu: %ld blocks leaked", n, live - baseline);
    if (failures == 0) break;
    if (n > 5000) {
      TEST_FAIL_("answers: still allocating at n=%zu", n);
      break;
    }
  }
  return n - 1;
}

static void test_answers(void) {
  static const char *kServices[] = {"grpc.health.v1.Health"};
  cgrpc_reflection_t r;
  memset(&r, 0, sizeof r);
  CHECK_EQ_INT(cgrpc_pool_new(&r.pool, NULL), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_pool_add_generated(r.pool, &grpc_health_v1_health_proto_file, NULL),
               CGRPC_STATUS_OK);
  r.services = kServices;
  r.service_count = 1;
  size_t t = sweep_answers(&r, OOM_TRANSIENT);
  size_t p = sweep_answers(&r, OOM_PERSISTENT);
  fprintf(stderr, "  reflection answers: %zu / %zu allocation points\n", t, p);
  CHECK(t > 0);
  cgrpc_pool_free(r.pool);
}

int main(void) {
  oom_install();
  TEST_RUN(test_setup);
  TEST_RUN(test_answers);
  return TEST_DONE();
}
