/* rpc/status_details.c — google.rpc.Status in grpc-status-details-bin
 * (cgrpc/status_details.h): the two message tables, Any packing, encoding
 * for servers, decoding and the code-and-message check for both sides.
 *
 * The tables are written here, in the generator's layout, so the library
 * carries no generated code of its own and a program that generates
 * google/rpc/status.proto itself defines no symbol twice. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cgrpc/pb.h"
#include "cgrpc/status_details.h"
#include "rpc/status_details_internal.h"

static const cgrpc_pb_field_t any_fields[] = {
    {1, offsetof(cgrpc_any_t, type_url), 0, 0, CGRPC_PB_STRING, CGRPC_PB_FIELD_UTF8, 0},
    {2, offsetof(cgrpc_any_t, value), 0, 0, CGRPC_PB_BYTES, 0, 0},
};
static const char *const any_names[] = {"type_url", "value"};
static const char *const any_json_names[] = {"typeUrl", "value"};
const cgrpc_pb_msg_table_t cgrpc_any_table = {
    .full_name = "google.protobuf.Any",
    .fields = any_fields,
    .field_names = any_names,
    .json_names = any_json_names,
    .size = sizeof(cgrpc_any_t),
    .field_count = 2,
    .dense_count = 2,
};

static const cgrpc_pb_field_t status_fields[] = {
    {1, offsetof(cgrpc_rpc_status_t, code), 0, 0, CGRPC_PB_INT32, 0, 0},
    {2, offsetof(cgrpc_rpc_status_t, message), 0, 0, CGRPC_PB_STRING, CGRPC_PB_FIELD_UTF8, 0},
    {3, offsetof(cgrpc_rpc_status_t, details), 0, 0, CGRPC_PB_MESSAGE, CGRPC_PB_FIELD_REPEATED, 0},
};
static const cgrpc_pb_sub_t status_subs[] = {{.msg = &cgrpc_any_table}};
static const char *const status_names[] = {"code", "message", "details"};
const cgrpc_pb_msg_table_t cgrpc_rpc_status_table = {
    .full_name = "google.rpc.Status",
    .fields = status_fields,
    .subs = status_subs,
    .field_names = status_names,
    .json_names = status_names,
    .size = sizeof(cgrpc_rpc_status_t),
    .field_count = 3,
    .dense_count = 3,
};

#define TYPE_URL_PREFIX "type.googleapis.com/"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static cgrpc_status_code_t
fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static cgrpc_status_code_t ok(cgrpc_error_t *err) {
  if (err) err->message[0] = '\0';
  return CGRPC_STATUS_OK;
}

/* A pb layer failure as a status: out of memory, or bad data. */
static cgrpc_status_code_t pb_fail(cgrpc_error_t *err, const char *what,
                                   const cgrpc_pb_error_t *pe) {
  char why[160];
  cgrpc_pb_error_format(pe, why, sizeof why);
  return fail(err,
              pe->code == CGRPC_PB_ERR_NO_MEMORY ? CGRPC_STATUS_RESOURCE_EXHAUSTED
                                                 : CGRPC_STATUS_INVALID_ARGUMENT,
              "%s: %s", what, why);
}

/* ---- Any ----------------------------------------------------------------------------- */

cgrpc_status_code_t cgrpc_any_pack(const cgrpc_pb_msg_table_t *table, const void *msg,
                                   cgrpc_arena_t *arena, cgrpc_any_t *out, cgrpc_error_t *err) {
  memset(out, 0, sizeof *out);
  if (!table || !msg)
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "a detail needs a table and a message");
  cgrpc_str_t url = cgrpc_arena_printf(arena, TYPE_URL_PREFIX "%s", table->full_name);
  if (!url.data) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory packing an Any");
  uint8_t *bytes;
  size_t len;
  cgrpc_pb_error_t pe;
  if (cgrpc_pb_encode(msg, table, arena, 0, &bytes, &len, &pe) != CGRPC_PB_OK) {
    return pb_fail(err, "cannot pack the message into an Any", &pe);
  }
  out->type_url = url;
  out->value = (cgrpc_str_t){(const char *)bytes, len};
  return ok(err);
}

bool cgrpc_any_is(const cgrpc_any_t *any, const cgrpc_pb_msg_table_t *table) {
  size_t n = strlen(table->full_name);
  cgrpc_str_t url = any->type_url;
  return url.len > n && url.data[url.len - n - 1] == '/' &&
         memcmp(url.data + url.len - n, table->full_name, n) == 0;
}

cgrpc_status_code_t cgrpc_any_unpack(const cgrpc_any_t *any, const cgrpc_pb_msg_table_t *table,
                                     void *msg, cgrpc_arena_t *arena, cgrpc_error_t *err) {
  cgrpc_pb_msg_init(msg, table);
  if (!cgrpc_any_is(any, table)) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "the Any holds \"%.*s\", not %s",
                (int)(any->type_url.len > 120 ? 120 : any->type_url.len), any->type_url.data,
                table->full_name);
  }
  cgrpc_pb_error_t pe;
  if (cgrpc_pb_decode(any->value.data, any->value.len, msg, table, arena, 0, &pe) != CGRPC_PB_OK) {
    return pb_fail(err, "the Any's message does not parse", &pe);
  }
  return ok(err);
}

const cgrpc_any_t *cgrpc_rpc_status_find(const cgrpc_rpc_status_t *status,
                                         const cgrpc_pb_msg_table_t *table) {
  for (size_t i = 0; i < status->details.count; i++) {
    if (cgrpc_any_is(status->details.data[i], table)) return status->details.data[i];
  }
  return NULL;
}

/* ---- Encoding ------------------------------------------------------------------------- */

cgrpc_status_code_t cgrpc_status_details_encode(cgrpc_status_code_t code, const char *message,
                                                const cgrpc_status_detail_t *details, size_t count,
                                                cgrpc_arena_t *arena, cgrpc_str_t *out,
                                                cgrpc_error_t *err) {
  *out = (cgrpc_str_t){"", 0};
  cgrpc_rpc_status_t st = {.code = (int32_t)code, .message = cgrpc_str(message)};
  if (count) {
    st.details.data = cgrpc_arena_alloc(arena, count * sizeof *st.details.data);
    if (!st.details.data) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    st.details.count = st.details.capacity = count;
  }
  for (size_t i = 0; i < count; i++) {
    cgrpc_any_t *any = cgrpc_arena_alloc(arena, sizeof *any);
    if (!any) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    cgrpc_status_code_t c = cgrpc_any_pack(details[i].table, details[i].msg, arena, any, err);
    if (c != CGRPC_STATUS_OK) return c;
    st.details.data[i] = any;
  }
  uint8_t *bytes;
  size_t len;
  cgrpc_pb_error_t pe;
  if (cgrpc_pb_encode(&st, &cgrpc_rpc_status_table, arena, 0, &bytes, &len, &pe) != CGRPC_PB_OK) {
    return pb_fail(err, "cannot serialize the status details", &pe);
  }
  *out = (cgrpc_str_t){(const char *)bytes, len};
  return ok(err);
}

/* ---- Decoding and the check ------------------------------------------------------------ */

/* Decodes `bytes` and compares code and message with the call's. */
static cgrpc_status_code_t decode_matching(cgrpc_str_t bytes, cgrpc_status_code_t code,
                                           cgrpc_str_t message, cgrpc_arena_t *arena,
                                           cgrpc_rpc_status_t *out, cgrpc_error_t *err) {
  cgrpc_pb_msg_init(out, &cgrpc_rpc_status_table);
  cgrpc_pb_error_t pe;
  if (cgrpc_pb_decode(bytes.data, bytes.len, out, &cgrpc_rpc_status_table, arena, 0, &pe) !=
      CGRPC_PB_OK) {
    cgrpc_status_code_t c = pb_fail(err, CGRPC_STATUS_DETAILS_KEY " does not parse", &pe);
    cgrpc_pb_msg_init(out, &cgrpc_rpc_status_table);
    return c;
  }
  if (out->code != (int32_t)code || out->message.len != message.len ||
      (message.len && memcmp(out->message.data, message.data, message.len) != 0)) {
    cgrpc_status_code_t c = fail(
        err, CGRPC_STATUS_FAILED_PRECONDITION,
        "the status details (%s \"%.*s\") do not match the call's status (%s \"%.*s\"); they are "
        "ignored",
        cgrpc_status_code_name((cgrpc_status_code_t)out->code),
        (int)(out->message.len > 60 ? 60 : out->message.len), out->message.data,
        cgrpc_status_code_name(code), (int)(message.len > 60 ? 60 : message.len),
        message.data ? message.data : "");
    cgrpc_pb_msg_init(out, &cgrpc_rpc_status_table);
    return c;
  }
  return ok(err);
}

cgrpc_status_code_t cgrpc_status_details_get(const cgrpc_status_t *status, cgrpc_arena_t *arena,
                                             cgrpc_rpc_status_t *out, cgrpc_error_t *err) {
  cgrpc_pb_msg_init(out, &cgrpc_rpc_status_table);
  const cgrpc_str_t *bytes =
      cgrpc_metadata_get(&status->trailing_metadata, CGRPC_STATUS_DETAILS_KEY);
  if (!bytes) return fail(err, CGRPC_STATUS_NOT_FOUND, "the call carries no status details");
  return decode_matching(*bytes, status->code, status->message, arena, out, err);
}

cgrpc_status_code_t cgrpc_result_status_details(const cgrpc_result_t *result, cgrpc_arena_t *arena,
                                                cgrpc_rpc_status_t *out, cgrpc_error_t *err) {
  return cgrpc_status_details_get(cgrpc_result_status(result), arena, out, err);
}

bool cgrpc_status_details_check(cgrpc_status_code_t code, const char *message,
                                const cgrpc_metadata_t *trailers, cgrpc_error_t *err) {
  const cgrpc_str_t *bytes = cgrpc_metadata_get(trailers, CGRPC_STATUS_DETAILS_KEY);
  if (!bytes) return true;
  char room[1024];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, room, sizeof room);
  cgrpc_rpc_status_t st;
  bool match =
      decode_matching(*bytes, code, cgrpc_str(message), &arena, &st, err) == CGRPC_STATUS_OK;
  cgrpc_arena_free(&arena);
  return match;
}
