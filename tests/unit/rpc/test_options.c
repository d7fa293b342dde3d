/* tests/unit/rpc/test_options.c — server and channel options: the INIT
 * macros and init functions agree, every option out of its range is refused
 * with a message naming it, zero is a value like any other, a struct not
 * initialised from the defaults is refused, and the connection options are
 * derived from the public ones. */
#include <stdio.h>
#include <string.h>

#include "h2/options.h"
#include "io/loop_internal.h"
#include "rpc/channel_internal.h"
#include "rpc/options.h"
#include "rpc/server_internal.h"
#include "test.h"

static bool contains(const char *s, const char *part) { return strstr(s, part) != NULL; }

/* Writes `v` into the option `spec` describes. */
static void option_set(const cgrpc_option_spec_t *spec, void *opts, int64_t v) {
  char *p = (char *)opts + spec->offset;
  switch (spec->type) {
    case CGRPC_OPTION_INT: {
      int x = (int)v;
      memcpy(p, &x, sizeof x);
      break;
    }
    case CGRPC_OPTION_COUNT:
    case CGRPC_OPTION_BYTES: {
      uint32_t x = (uint32_t)v;
      memcpy(p, &x, sizeof x);
      break;
    }
    case CGRPC_OPTION_NS:
      memcpy(p, &v, sizeof v);
      break;
    case CGRPC_OPTION_BOOL:
    case CGRPC_OPTION_STR:
      break;
  }
}

/* The smallest and largest values the C type of `spec` holds. */
static int64_t type_min(const cgrpc_option_spec_t *spec) {
  return spec->type == CGRPC_OPTION_INT ? INT32_MIN : spec->type == CGRPC_OPTION_NS ? INT64_MIN : 0;
}
static int64_t type_max(const cgrpc_option_spec_t *spec) {
  return spec->type == CGRPC_OPTION_INT  ? INT32_MAX
         : spec->type == CGRPC_OPTION_NS ? INT64_MAX
                                         : UINT32_MAX;
}

static cgrpc_status_code_t server_try(const cgrpc_server_options_t *o, cgrpc_error_t *err) {
  cgrpc_server_t *srv = NULL;
  cgrpc_status_code_t code = cgrpc_server_new(o, &srv, err);
  if (code == CGRPC_STATUS_OK) cgrpc_server_free(srv);
  return code;
}

static cgrpc_status_code_t channel_try(const cgrpc_channel_options_t *o, cgrpc_error_t *err) {
  cgrpc_channel_t *ch = NULL;
  cgrpc_status_code_t code = cgrpc_channel_new("ipv4:127.0.0.1:1", o, &ch, err);
  cgrpc_channel_free(ch); /* a channel even when the options were refused */
  return code;
}

/* ---- Defaults ------------------------------------------------------------------------------ */

/* Field by field (padding bytes may differ): every option and the mark. */
static bool same_options(const cgrpc_option_table_t *table, const void *a, const void *b) {
  for (size_t i = 0; i < table->count; i++) {
    const cgrpc_option_spec_t *spec = &table->specs[i];
    if (spec->type == CGRPC_OPTION_STR) {
      const char *x, *y;
      memcpy(&x, (const char *)a + spec->offset, sizeof x);
      memcpy(&y, (const char *)b + spec->offset, sizeof y);
      if (x != y) return false;
    } else if (cgrpc_option_get(spec, a) != cgrpc_option_get(spec, b)) {
      return false;
    }
  }
  return memcmp((const char *)a + table->magic_offset, (const char *)b + table->magic_offset,
                sizeof(uint32_t)) == 0;
}

static void test_init_macro_and_function_agree(void) {
  cgrpc_server_options_t a = CGRPC_SERVER_OPTIONS_INIT, b;
  memset(&b, 0xa5, sizeof b);
  cgrpc_server_options_init(&b);
  CHECK(same_options(&cgrpc_server_option_table, &a, &b));
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT, d;
  memset(&d, 0xa5, sizeof d);
  cgrpc_channel_options_init(&d);
  CHECK(same_options(&cgrpc_channel_option_table, &c, &d));
}

static void test_defaults(void) {
  cgrpc_server_options_t s = CGRPC_SERVER_OPTIONS_INIT;
  CHECK_EQ_INT(s.loop_threads, 0);
  CHECK_EQ_INT(s.worker_threads, 16);
  CHECK_EQ_UINT(s.max_receive_message_size, 4 * 1024 * 1024);
  CHECK_EQ_UINT(s.max_send_message_size, CGRPC_UNLIMITED);
  CHECK_EQ_UINT(s.max_concurrent_streams, 100);
  CHECK_EQ_INT(s.keepalive_time_ns, 2 * 3600 * CGRPC_NS_PER_SEC);
  CHECK_EQ_UINT(s.max_ping_strikes, 2);
  CHECK_EQ_INT(s.max_connection_idle_ns, CGRPC_INFINITE);
  CHECK_EQ_INT(s.compression_level, 6);
  CHECK_EQ_INT(s.busy_poll_ns, 0);
  CHECK(!s.permit_keepalive_without_calls);
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  CHECK(c.authority == NULL);
  CHECK_EQ_INT(c.connect_timeout_ns, 20 * CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(c.initial_backoff_ns, CGRPC_NS_PER_SEC);
  CHECK_EQ_INT(c.max_backoff_ns, 120 * CGRPC_NS_PER_SEC);
  CHECK_EQ_UINT(c.stream_window, 256 * 1024);
}

/* Every default lies within its own range, so INIT always validates. */
static void test_defaults_within_ranges(void) {
  static const cgrpc_server_options_t s = CGRPC_SERVER_OPTIONS_INIT;
  static const cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  const cgrpc_option_table_t *tables[] = {&cgrpc_server_option_table, &cgrpc_channel_option_table};
  const void *values[] = {&s, &c};
  for (int t = 0; t < 2; t++) {
    CHECK(tables[t]->count > 0);
    for (size_t i = 0; i < tables[t]->count; i++) {
      const cgrpc_option_spec_t *spec = &tables[t]->specs[i];
      if (spec->type == CGRPC_OPTION_STR || spec->type == CGRPC_OPTION_BOOL) continue;
      int64_t v = cgrpc_option_get(spec, values[t]);
      if (v < spec->min || v > spec->max) TEST_FAIL_("%s default out of range", spec->name);
    }
  }
  cgrpc_error_t err;
  CHECK_EQ_INT(server_try(&s, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_OK);
}

static void test_null_means_defaults(void) {
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(NULL, &srv, &err), CGRPC_STATUS_OK);
  cgrpc_server_options_t want = CGRPC_SERVER_OPTIONS_INIT;
  CHECK_EQ_UINT(srv->opts.max_concurrent_streams, want.max_concurrent_streams);
  CHECK_EQ_INT(srv->opts.keepalive_time_ns, want.keepalive_time_ns);
  CHECK(srv->opts.loop_threads >= 1); /* 0: one per core */
  CHECK(srv->max_connections >= 16);  /* 0: from RLIMIT_NOFILE */
  cgrpc_h2_options_t h2;
  cgrpc_h2_options_init(&h2);
  CHECK(memcmp(&srv->h2opts, &h2, sizeof h2) == 0);
  cgrpc_server_free(srv);
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new("ipv4:127.0.0.1:1", NULL, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(ch->opts.connect_timeout_ns, 20 * CGRPC_NS_PER_SEC);
  cgrpc_channel_free(ch);
}

/* ---- Validation ----------------------------------------------------------------------------- */

/* For every numeric option: one below its minimum and one above its
 * maximum (where its type can hold them) are refused, naming the option and
 * its value; the minimum and maximum themselves are taken. */
static void check_ranges(const cgrpc_option_table_t *table, const void *defaults, size_t size,
                         cgrpc_status_code_t (*try_new)(const void *, cgrpc_error_t *)) {
  char opts[512];
  CHECK(size <= sizeof opts);
  for (size_t i = 0; i < table->count; i++) {
    const cgrpc_option_spec_t *spec = &table->specs[i];
    if (spec->type == CGRPC_OPTION_STR || spec->type == CGRPC_OPTION_BOOL) continue;
    int64_t bad[2] = {spec->min - 1, spec->max + (spec->max < type_max(spec) ? 1 : 0)};
    bool tried[2] = {spec->min > type_min(spec), spec->max < type_max(spec)};
    for (int k = 0; k < 2; k++) {
      if (!tried[k]) continue;
      memcpy(opts, defaults, size);
      option_set(spec, opts, bad[k]);
      cgrpc_error_t err = {0};
      CHECK_EQ_INT(try_new(opts, &err), CGRPC_STATUS_INVALID_ARGUMENT);
      char want[160], value[24];
      cgrpc_option_format(spec->type, bad[k], value, sizeof value);
      snprintf(want, sizeof want, "%s option %s is %s, outside its range", table->what, spec->name,
               value);
      if (!contains(err.message, want)) {
        TEST_FAIL_("%s: message \"%s\" lacks \"%s\"", spec->name, err.message, want);
      }
    }
    int64_t good[2] = {spec->min, spec->max};
    for (int k = 0; k < 2; k++) {
      memcpy(opts, defaults, size);
      option_set(spec, opts, good[k]);
      cgrpc_error_t err = {0};
      cgrpc_status_code_t code = try_new(opts, &err);
      /* The one rule joining two options may refuse an extreme value. */
      if (code != CGRPC_STATUS_OK && !contains(err.message, "above max_backoff_ns")) {
        TEST_FAIL_("%s = %lld: %s", spec->name, (long long)good[k], err.message);
      }
    }
  }
}

static cgrpc_status_code_t server_try_any(const void *o, cgrpc_error_t *err) {
  return server_try(o, err);
}
static cgrpc_status_code_t channel_try_any(const void *o, cgrpc_error_t *err) {
  return channel_try(o, err);
}

static void test_server_ranges(void) {
  static const cgrpc_server_options_t defaults = CGRPC_SERVER_OPTIONS_INIT;
  check_ranges(&cgrpc_server_option_table, &defaults, sizeof defaults, server_try_any);
}

static void test_channel_ranges(void) {
  static const cgrpc_channel_options_t defaults = CGRPC_CHANNEL_OPTIONS_INIT;
  check_ranges(&cgrpc_channel_option_table, &defaults, sizeof defaults, channel_try_any);
}

/* The messages, word for word, for a few options. */
static void test_messages(void) {
  cgrpc_server_options_t s = CGRPC_SERVER_OPTIONS_INIT;
  s.handshake_timeout_ns = 0;
  cgrpc_error_t err;
  CHECK_EQ_INT(server_try(&s, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message,
               "server option handshake_timeout_ns is 0, outside its range 1 to CGRPC_INFINITE");
  s = (cgrpc_server_options_t)CGRPC_SERVER_OPTIONS_INIT;
  s.compression_level = -1;
  CHECK_EQ_INT(server_try(&s, NULL), CGRPC_STATUS_INVALID_ARGUMENT); /* err may be NULL */
  CHECK_EQ_INT(server_try(&s, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "server option compression_level is -1, outside its range 0 to 9");
  s = (cgrpc_server_options_t)CGRPC_SERVER_OPTIONS_INIT;
  s.max_concurrent_streams = 0;
  CHECK_EQ_INT(server_try(&s, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message,
               "server option max_concurrent_streams is 0, outside its range 1 to CGRPC_UNLIMITED");
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  c.busy_poll_ns = -5;
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "channel option busy_poll_ns is -5, outside its range 0 to 1000000000");
}

static void test_backoff_order(void) {
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  c.initial_backoff_ns = 5 * CGRPC_NS_PER_SEC;
  c.max_backoff_ns = 2 * CGRPC_NS_PER_SEC;
  cgrpc_error_t err;
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(
      err.message,
      "channel option initial_backoff_ns is 5000000000, above max_backoff_ns (2000000000)");
  c.max_backoff_ns = c.initial_backoff_ns; /* equal is fine */
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_OK);
  c.initial_backoff_ns = c.max_backoff_ns = CGRPC_INFINITE; /* never retry: legal */
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_OK);
}

static void test_authority_length(void) {
  char long_name[1024];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  c.authority = long_name;
  cgrpc_error_t err;
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(err.message, "channel option authority is 1023 bytes long, over the limit of"));
  long_name[262] = '\0'; /* one over the documented 261 */
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  long_name[261] = '\0';
  CHECK_EQ_INT(channel_try(&c, &err), CGRPC_STATUS_OK);
  c.authority = "example.com:443";
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new("ipv4:127.0.0.1:1", &c, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_STR(ch->authority, "example.com:443");
  cgrpc_channel_free(ch);
}

/* ---- Not initialised ------------------------------------------------------------------------ */

static void test_uninitialised_refused(void) {
  cgrpc_error_t err;
  cgrpc_server_options_t s = {0};
  s.loop_threads = 1;
  cgrpc_server_t *srv = NULL;
  CHECK_EQ_INT(cgrpc_server_new(&s, &srv, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(srv == NULL);
  CHECK(contains(err.message,
                 "options not initialised: start from CGRPC_SERVER_OPTIONS_INIT or "
                 "cgrpc_server_options_init()"));
  cgrpc_server_options_t garbage;
  memset(&garbage, 0x5a, sizeof garbage);
  CHECK_EQ_INT(server_try(&garbage, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(err.message, "not initialised"));

  cgrpc_channel_options_t c = {.connect_timeout_ns = CGRPC_NS_PER_SEC};
  cgrpc_channel_t *ch = NULL;
  CHECK_EQ_INT(cgrpc_channel_new("ipv4:127.0.0.1:1", &c, &ch, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(err.message,
                 "options not initialised: start from CGRPC_CHANNEL_OPTIONS_INIT or "
                 "cgrpc_channel_options_init()"));
  /* The channel exists and every call on it says what was wrong (before
   * any message would be encoded: the method needs no tables). */
  static const cgrpc_pb_method_t kNeverSent = {.name = "M", .path = "/t.S/M"};
  CHECK(ch != NULL);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_status_t st;
  CHECK_EQ_INT(cgrpc_call_finish(cgrpc_call_start(ch, &kNeverSent, NULL), &arena, &st),
               CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK(contains(st.message.data, "options not initialised"));
  cgrpc_arena_free(&arena);
  cgrpc_channel_free(ch);
}

/* ---- Zero is a value ------------------------------------------------------------------------ */

static void test_zero_means_zero(void) {
  cgrpc_server_options_t s = CGRPC_SERVER_OPTIONS_INIT;
  s.loop_threads = 1;
  s.max_ping_strikes = 0;
  s.permit_keepalive_time_ns = 0;
  s.compression_level = 0;
  s.max_receive_message_size = 0;
  s.max_connection_age_grace_ns = 0;
  s.busy_poll_ns = 0;
  cgrpc_server_t *srv;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_server_new(&s, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(srv->h2opts.max_ping_strikes, 0);
  CHECK_EQ_INT(srv->h2opts.permit_keepalive_time, 0);
  CHECK_EQ_INT(srv->h2opts.compression_level, 0);
  CHECK_EQ_UINT(srv->h2opts.max_recv_message, 0);
  CHECK_EQ_INT(srv->h2opts.max_connection_age_grace, 0);
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(srv->loops[0].loop->busy_poll_ns, 0);
  cgrpc_server_free(srv);

  /* The same server with busy polling on: the value reaches the loop. */
  s.busy_poll_ns = 50 * CGRPC_NS_PER_US;
  CHECK_EQ_INT(cgrpc_server_new(&s, &srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_listen(srv, "127.0.0.1:0", NULL, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(cgrpc_server_start(srv, &err), CGRPC_STATUS_OK);
  CHECK_EQ_INT(srv->loops[0].loop->busy_poll_ns, 50 * CGRPC_NS_PER_US);
  cgrpc_server_free(srv);

  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  c.max_receive_message_size = 0;
  c.compression_level = 0;
  cgrpc_channel_t *ch;
  CHECK_EQ_INT(cgrpc_channel_new("ipv4:127.0.0.1:1", &c, &ch, &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(ch->h2opts.max_recv_message, 0);
  CHECK_EQ_INT(ch->h2opts.compression_level, 0);
  cgrpc_channel_free(ch);
}

/* ---- The connection's options ---------------------------------------------------------------- */

static void test_h2_options_from_server(void) {
  cgrpc_server_options_t s = CGRPC_SERVER_OPTIONS_INIT;
  s.max_receive_message_size = CGRPC_UNLIMITED;
  s.max_outbound_bytes = 1000;
  s.max_header_list_size = 2048;
  s.keepalive_time_ns = CGRPC_INFINITE;
  s.permit_keepalive_without_calls = true;
  s.max_resets_per_second = CGRPC_UNLIMITED;
  cgrpc_h2_options_t h;
  cgrpc_h2_options_from_server(&h, &s);
  CHECK_EQ_UINT(h.max_recv_message, SIZE_MAX); /* CGRPC_UNLIMITED for bytes */
  CHECK_EQ_UINT(h.max_send_message, SIZE_MAX);
  CHECK_EQ_UINT(h.max_outbound_bytes, 1000);
  CHECK_EQ_UINT(h.max_header_list, 2048);
  CHECK_EQ_INT(h.keepalive_time, CGRPC_INFINITE);
  CHECK(h.permit_keepalive_without_calls);
  CHECK_EQ_UINT(h.max_resets_per_second, CGRPC_UNLIMITED);
  CHECK_EQ_UINT(h.max_concurrent_streams, 100);
  CHECK(!h.secure);
}

static void test_h2_options_from_channel(void) {
  cgrpc_channel_options_t c = CGRPC_CHANNEL_OPTIONS_INIT;
  c.stream_window = 70000;
  c.connection_window = 80000;
  c.max_send_message_size = 99;
  cgrpc_h2_options_t h, d;
  cgrpc_h2_options_from_channel(&h, &c);
  cgrpc_h2_options_init(&d);
  CHECK_EQ_UINT(h.stream_window, 70000);
  CHECK_EQ_UINT(h.connection_window, 80000);
  CHECK_EQ_UINT(h.max_send_message, 99);
  CHECK_EQ_UINT(h.max_recv_message, 4 * 1024 * 1024);
  CHECK_EQ_UINT(h.max_header_list, d.max_header_list); /* no channel option: the default */
}

int main(void) {
  TEST_RUN(test_init_macro_and_function_agree);
  TEST_RUN(test_defaults);
  TEST_RUN(test_defaults_within_ranges);
  TEST_RUN(test_null_means_defaults);
  TEST_RUN(test_server_ranges);
  TEST_RUN(test_channel_ranges);
  TEST_RUN(test_messages);
  TEST_RUN(test_backoff_order);
  TEST_RUN(test_authority_length);
  TEST_RUN(test_uninitialised_refused);
  TEST_RUN(test_zero_means_zero);
  TEST_RUN(test_h2_options_from_server);
  TEST_RUN(test_h2_options_from_channel);
  return TEST_DONE();
}
