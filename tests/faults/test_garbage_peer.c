/* tests/faults/test_garbage_peer.c — peers that do not speak HTTP/2: an
 * HTTP/1.1 server, random bytes, a connection closed at once, and an
 * HTTP/2 server that turns to garbage in the middle of a response.
 *
 * The client must end the call with UNAVAILABLE (no connection could be
 * made) or INTERNAL (the connection broke protocol), with a message that
 * says what went wrong, without crashing and without waiting for a
 * timer: every call here carries a 10 s deadline only as a safety net, and
 * must end long before it.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>

#include "fault_calls.h"

/* A broken peer is detected from the bytes it sends, not from a timer. */
#define PROMPT_MS 1000

static const cgrpc_call_options_t kSafetyNet = {.timeout_ns = 10 * CGRPC_NS_PER_SEC};

static fault_result_t call_peer(fault_peer_mode_t mode, const void *reply, size_t len) {
  fault_peer_t peer;
  fault_result_t r = {.code = CGRPC_STATUS_OK};
  if (!fault_peer_start(&peer, mode, reply, len)) {
    CHECK(false);
    return r;
  }
  cgrpc_channel_t *ch = test_loopback_channel(peer.port, NULL);
  r = fault_unary(ch, M_UNARY, 1, &kSafetyNet);
  cgrpc_channel_free(ch);
  fault_peer_stop(&peer);
  return r;
}

static void check_failed_promptly(const fault_result_t *r) {
  CHECK(r->code == CGRPC_STATUS_UNAVAILABLE || r->code == CGRPC_STATUS_INTERNAL);
  CHECK(r->took_ms < PROMPT_MS);
}

static const char kHttp1[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

static void test_http1_server_that_closes(void) {
  fault_result_t r = call_peer(FAULT_PEER_REPLY_CLOSE, kHttp1, sizeof kHttp1 - 1);
  fault_report("HTTP/1.1 400, then close", &r);
  check_failed_promptly(&r);
  CHECK(strstr(r.message, "not an HTTP/2 server") != NULL);
  CHECK(strstr(r.message, "HTTP/1.1 400 Bad Request") != NULL);
}

static void test_http1_server_that_stays(void) {
  fault_result_t r = call_peer(FAULT_PEER_REPLY_HOLD, kHttp1, sizeof kHttp1 - 1);
  fault_report("HTTP/1.1 400, connection kept open", &r);
  check_failed_promptly(&r);
  CHECK(strstr(r.message, "not an HTTP/2 server") != NULL);
}

static void test_random_bytes(void) {
  uint8_t noise[4096];
  srand(7);
  for (size_t i = 0; i < sizeof noise; i++) noise[i] = (uint8_t)rand();
  fault_result_t r = call_peer(FAULT_PEER_REPLY_HOLD, noise, sizeof noise);
  fault_report("4 KiB of random bytes", &r);
  check_failed_promptly(&r);
  CHECK(strstr(r.message, "failed to connect") != NULL);
  CHECK(strstr(r.message, "HTTP/2") != NULL);
}

/* Closed as soon as the client spoke: no SETTINGS ever came. */
static void test_closed_before_settings(void) {
  fault_result_t r = call_peer(FAULT_PEER_REPLY_CLOSE, "", 0);
  fault_report("closed at once", &r);
  CHECK_EQ_INT(r.code, CGRPC_STATUS_UNAVAILABLE);
  CHECK(r.took_ms < PROMPT_MS);
  CHECK(strstr(r.message, "closed") != NULL);
}

/* A valid HTTP/2 server sends response headers, then noise. */
static void test_garbage_after_response_headers(void) {
  fault_proc_t script;
  cgrpc_channel_t *ch = fault_script_channel(&script, "garbage");
  if (!ch) {
    CHECK(false);
    return;
  }
  fault_result_t r = fault_unary(ch, M_UNARY, 1, &kSafetyNet);
  fault_report("garbage after the response headers", &r);
  check_failed_promptly(&r);
  CHECK(strstr(r.message, "HTTP/2") != NULL);
  cgrpc_channel_free(ch);
  fault_proc_end(&script);
}

int main(void) {
  TEST_RUN(test_http1_server_that_closes);
  TEST_RUN(test_http1_server_that_stays);
  TEST_RUN(test_random_bytes);
  TEST_RUN(test_closed_before_settings);
  TEST_RUN(test_garbage_after_response_headers);
  return TEST_DONE();
}
