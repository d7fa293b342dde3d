/* Metadata rules: key and value character tables, -bin detection, reserved
 * names, and header-list size accounting. */
#include "h2/metadata_check.h"

#include <string.h>

#include "test.h"

#define S(lit) lit, (sizeof(lit) - 1)

/* The rules restated independently of the implementation's tables. */
static int is_key_char(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '-';
}

static void test_key_characters_table(void) {
  for (int c = 0; c < 256; c++) {
    char key[3] = {'a', (char)c, 'z'};
    CHECK_EQ_INT(cgrpc_metadata_key_is_valid(key, 3), is_key_char(c));
    CHECK_EQ_INT(cgrpc_metadata_key_is_valid(key + 1, 1), is_key_char(c));
  }
}

static void test_key_examples(void) {
  CHECK(cgrpc_metadata_key_is_valid(S("x-grpc-test-echo-initial")));
  CHECK(cgrpc_metadata_key_is_valid(S("trace.id_2")));
  CHECK(cgrpc_metadata_key_is_valid(S("0")));
  CHECK(!cgrpc_metadata_key_is_valid(S("")));
  CHECK(!cgrpc_metadata_key_is_valid(S("X-Request-Id")));
  CHECK(!cgrpc_metadata_key_is_valid(S(":path")));
  CHECK(!cgrpc_metadata_key_is_valid(S("a b")));
  CHECK(!cgrpc_metadata_key_is_valid(S("a\0b")));
}

static void test_binary_suffix(void) {
  CHECK(cgrpc_metadata_key_is_binary(S("x-grpc-test-echo-trailing-bin")));
  CHECK(cgrpc_metadata_key_is_binary(S("-bin")));
  CHECK(cgrpc_metadata_key_is_binary(S("grpc-status-details-bin")));
  CHECK(!cgrpc_metadata_key_is_binary(S("bin")));
  CHECK(!cgrpc_metadata_key_is_binary(S("x-bin-value")));
  CHECK(!cgrpc_metadata_key_is_binary(S("x-BIN")));
  CHECK(!cgrpc_metadata_key_is_binary(S("xbin")));
  CHECK(!cgrpc_metadata_key_is_binary(S("")));
}

static void test_value_tables(void) {
  for (int c = 0; c < 256; c++) {
    char v[3] = {'v', (char)c, 'v'};
    int printable = c >= 0x20 && c <= 0x7e;
    int http_ok = printable || c == '\t' || c >= 0x80;
    CHECK_EQ_INT(cgrpc_metadata_value_is_printable(v, 3), printable);
    CHECK_EQ_INT(cgrpc_metadata_value_is_acceptable(v, 3), http_ok);
  }
  CHECK(cgrpc_metadata_value_is_printable(S("")));
  CHECK(cgrpc_metadata_value_is_acceptable(S("")));
  CHECK(cgrpc_metadata_value_is_acceptable(S("caf\xc3\xa9\tbar")));
  CHECK(!cgrpc_metadata_value_is_printable(S("caf\xc3\xa9")));
  CHECK(!cgrpc_metadata_value_is_acceptable(S("a\r\nb")));
}

static void check_class(const char *name, cgrpc_metadata_class_t want) {
  CHECK_EQ_INT(cgrpc_metadata_classify(name, strlen(name)), want);
}

static void test_reserved_names(void) {
  const char *reserved[] = {":path",
                            ":authority",
                            ":status",
                            ":method",
                            ":scheme",
                            ":x",
                            "content-type",
                            "te",
                            "grpc-status",
                            "grpc-message",
                            "grpc-timeout",
                            "grpc-encoding",
                            "grpc-accept-encoding",
                            "grpc-message-type"};
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
    check_class(reserved[i], CGRPC_METADATA_RESERVED);
  }
  check_class("grpc-previous-rpc-attempts", CGRPC_METADATA_PASSTHROUGH);
  check_class("grpc-retry-pushback-ms", CGRPC_METADATA_PASSTHROUGH);
  check_class("grpc-status-details-bin", CGRPC_METADATA_PASSTHROUGH);
  check_class("connection", CGRPC_METADATA_FORBIDDEN);
  check_class("keep-alive", CGRPC_METADATA_FORBIDDEN);
  check_class("proxy-connection", CGRPC_METADATA_FORBIDDEN);
  check_class("transfer-encoding", CGRPC_METADATA_FORBIDDEN);
  check_class("upgrade", CGRPC_METADATA_FORBIDDEN);
  const char *application[] = {"user-agent",
                               "authorization",
                               "x-grpc-test-echo-initial",
                               "grpc-trace-bin",
                               "grpc-statusx",
                               "grpc-statu",
                               "tee",
                               "t",
                               ""};
  for (size_t i = 0; i < sizeof application / sizeof application[0]; i++) {
    check_class(application[i], CGRPC_METADATA_APPLICATION);
  }
}

static void check_send_key(const char *key, size_t len, const char *why) {
  cgrpc_wire_error_t err = {0};
  cgrpc_status_code_t code = cgrpc_metadata_check_send_key(key, len, &err);
  if (!why) {
    CHECK_EQ_INT(code, CGRPC_STATUS_OK);
    return;
  }
  CHECK_EQ_INT(code, CGRPC_STATUS_INTERNAL);
  CHECK(strstr(err.message, why) != NULL);
  if (!strstr(err.message, why)) fprintf(stderr, "    message: %s\n", err.message);
}

static void test_send_key_rules(void) {
  check_send_key(S("x-request-id"), NULL);
  check_send_key(S("authorization"), NULL);
  check_send_key(S("x-grpc-test-echo-trailing-bin"), NULL);
  check_send_key(S(""), "empty");
  check_send_key(S("X-Request-Id"), "upper-case 'X' at offset 0");
  check_send_key(S("x-request-iD"), "upper-case 'D' at offset 11");
  check_send_key(S("x request"), "byte 0x20 at offset 1");
  check_send_key(S(":path"), "byte 0x3a at offset 0");
  check_send_key(S("grpc-custom"), "reserved for gRPC");
  check_send_key(S("grpc-status-details-bin"), "reserved for gRPC");
  check_send_key(S("content-type"), "\"content-type\" is a reserved header name");
  check_send_key(S("te"), "reserved header name");
  check_send_key(S("connection"), "reserved header name");
}

static void test_field_sizes(void) {
  CHECK_EQ_UINT(cgrpc_header_field_size(0, 0), 32);
  CHECK_EQ_UINT(cgrpc_header_field_size(4, 10), 46);
  CHECK_EQ_UINT(cgrpc_header_field_size(SIZE_MAX, 1), SIZE_MAX);
  CHECK_EQ_UINT(cgrpc_header_field_size(SIZE_MAX - 40, 0), SIZE_MAX - 8);
  CHECK_EQ_UINT(cgrpc_header_field_size(SIZE_MAX - 20, 0), SIZE_MAX);
  /* A binary value counts as its base64: 3 raw bytes -> 4, 4 -> 6. */
  CHECK_EQ_UINT(cgrpc_metadata_entry_size(S("x-trace-bin"), 3), 11 + 4 + 32);
  CHECK_EQ_UINT(cgrpc_metadata_entry_size(S("x-trace-bin"), 4), 11 + 6 + 32);
  CHECK_EQ_UINT(cgrpc_metadata_entry_size(S("x-trace"), 4), 7 + 4 + 32);
  CHECK_EQ_UINT(cgrpc_metadata_entry_size(S("x-bin"), SIZE_MAX - 1), SIZE_MAX);
}

static void test_budget_counts_to_the_limit(void) {
  cgrpc_header_budget_t b;
  cgrpc_wire_error_t err = {0};
  cgrpc_header_budget_init(&b, 100, SIZE_MAX);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 10, 20, &err), CGRPC_STATUS_OK); /* 62 */
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 2, 4, &err), CGRPC_STATUS_OK);   /* 100: at the limit */
  CHECK_EQ_UINT(b.used, 100);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 0, 0, &err), CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_INT(err.code, CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "100 bytes") != NULL);
  /* Stays over the limit. */
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 0, 0, NULL), CGRPC_STATUS_RESOURCE_EXHAUSTED);
}

static void test_budget_field_count_and_saturation(void) {
  cgrpc_header_budget_t b;
  cgrpc_wire_error_t err = {0};
  cgrpc_header_budget_init(&b, SIZE_MAX, 2);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 1, 1, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 1, 1, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 1, 1, &err), CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK(strstr(err.message, "more than 2 fields") != NULL);

  cgrpc_header_budget_init(&b, 8192, SIZE_MAX);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, SIZE_MAX - 10, SIZE_MAX - 10, &err),
               CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_UINT(b.used, SIZE_MAX);
  CHECK_EQ_INT(cgrpc_header_budget_add(&b, 5, 5, &err), CGRPC_STATUS_RESOURCE_EXHAUSTED);
  CHECK_EQ_UINT(b.used, SIZE_MAX);
}

int main(void) {
  TEST_RUN(test_key_characters_table);
  TEST_RUN(test_key_examples);
  TEST_RUN(test_binary_suffix);
  TEST_RUN(test_value_tables);
  TEST_RUN(test_reserved_names);
  TEST_RUN(test_send_key_rules);
  TEST_RUN(test_field_sizes);
  TEST_RUN(test_budget_counts_to_the_limit);
  TEST_RUN(test_budget_field_count_and_saturation);
  return TEST_DONE();
}
