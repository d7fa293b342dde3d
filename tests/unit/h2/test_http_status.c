/* Status synthesis: HTTP status, RST_STREAM error codes, grpc-status values. */
#include "h2/http_status.h"

#include <nghttp2/nghttp2.h>
#include <string.h>

#include "test.h"

static void test_http_status_table(void) {
  static const struct {
    int http;
    cgrpc_status_code_t want;
  } table[] = {
      {400, CGRPC_STATUS_INTERNAL},
      {401, CGRPC_STATUS_UNAUTHENTICATED},
      {403, CGRPC_STATUS_PERMISSION_DENIED},
      {404, CGRPC_STATUS_UNIMPLEMENTED},
      {429, CGRPC_STATUS_UNAVAILABLE},
      {502, CGRPC_STATUS_UNAVAILABLE},
      {503, CGRPC_STATUS_UNAVAILABLE},
      {504, CGRPC_STATUS_UNAVAILABLE},
      {431, CGRPC_STATUS_INTERNAL},
      {200, CGRPC_STATUS_UNKNOWN},
      {204, CGRPC_STATUS_UNKNOWN},
      {301, CGRPC_STATUS_UNKNOWN},
      {402, CGRPC_STATUS_UNKNOWN},
      {405, CGRPC_STATUS_UNKNOWN},
      {415, CGRPC_STATUS_UNKNOWN},
      {500, CGRPC_STATUS_UNKNOWN},
      {501, CGRPC_STATUS_UNKNOWN},
      {505, CGRPC_STATUS_UNKNOWN},
      {0, CGRPC_STATUS_UNKNOWN},
      {-1, CGRPC_STATUS_UNKNOWN},
      {999, CGRPC_STATUS_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    CHECK_EQ_INT(cgrpc_status_from_http(table[i].http), table[i].want);
  }
}

static void test_h2_error_table(void) {
  static const struct {
    uint32_t h2;
    cgrpc_status_code_t want;
  } table[] = {
      {NGHTTP2_NO_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_PROTOCOL_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_INTERNAL_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_FLOW_CONTROL_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_SETTINGS_TIMEOUT, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_STREAM_CLOSED, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_FRAME_SIZE_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_REFUSED_STREAM, CGRPC_STATUS_UNAVAILABLE},
      {NGHTTP2_CANCEL, CGRPC_STATUS_CANCELLED},
      {NGHTTP2_COMPRESSION_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_CONNECT_ERROR, CGRPC_STATUS_INTERNAL},
      {NGHTTP2_ENHANCE_YOUR_CALM, CGRPC_STATUS_RESOURCE_EXHAUSTED},
      {NGHTTP2_INADEQUATE_SECURITY, CGRPC_STATUS_PERMISSION_DENIED},
      {NGHTTP2_HTTP_1_1_REQUIRED, CGRPC_STATUS_INTERNAL},
      {0x0e, CGRPC_STATUS_INTERNAL},
      {0xffffffffu, CGRPC_STATUS_INTERNAL},
  };
  /* The numbers are RFC 9113's; pin the ones the mapping singles out. */
  CHECK_EQ_UINT(NGHTTP2_REFUSED_STREAM, 0x7);
  CHECK_EQ_UINT(NGHTTP2_CANCEL, 0x8);
  CHECK_EQ_UINT(NGHTTP2_ENHANCE_YOUR_CALM, 0xb);
  CHECK_EQ_UINT(NGHTTP2_INADEQUATE_SECURITY, 0xc);
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    CHECK_EQ_INT(cgrpc_status_from_h2_error(table[i].h2), table[i].want);
  }
}

static void check_grpc_status(const char *value, cgrpc_status_code_t want) {
  CHECK_EQ_INT(cgrpc_status_from_grpc_status(value, strlen(value)), want);
}

static void test_grpc_status_values(void) {
  check_grpc_status("0", CGRPC_STATUS_OK);
  check_grpc_status("4", CGRPC_STATUS_DEADLINE_EXCEEDED);
  check_grpc_status("13", CGRPC_STATUS_INTERNAL);
  check_grpc_status("16", CGRPC_STATUS_UNAUTHENTICATED);
  check_grpc_status("006", CGRPC_STATUS_ALREADY_EXISTS);
  check_grpc_status("", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("17", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("99999999999999999999", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("-1", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("+1", CGRPC_STATUS_UNKNOWN);
  check_grpc_status(" 1", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("1 ", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("0x1", CGRPC_STATUS_UNKNOWN);
  check_grpc_status("OK", CGRPC_STATUS_UNKNOWN);
  for (int code = 0; code < CGRPC_STATUS_CODE_COUNT; code++) {
    char buf[4];
    int n = snprintf(buf, sizeof buf, "%d", code);
    CHECK_EQ_INT(cgrpc_status_from_grpc_status(buf, (size_t)n), code);
  }
}

int main(void) {
  TEST_RUN(test_http_status_table);
  TEST_RUN(test_h2_error_table);
  TEST_RUN(test_grpc_status_values);
  return TEST_DONE();
}
