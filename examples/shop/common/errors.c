/* errors.c — see errors.h. */
#define _POSIX_C_SOURCE 200809L
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *g_service = "shop";
static bool g_verbose = true;

cgrpc_status_code_t shop_error(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static void vlog(const char *level, const char *fmt, va_list ap) {
  char text[1024];
  vsnprintf(text, sizeof text, fmt, ap);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  /* One fprintf per line, so lines of different threads do not mix. */
  fprintf(stderr, "%02d:%02d:%02d.%03ld %-9s %-7s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
          ts.tv_nsec / 1000000, g_service, level, text);
}

void shop_log(const char *level, const char *fmt, ...) {
  if (!g_verbose && strcmp(level, "INFO") == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

static void library_log(void *user_data, cgrpc_log_level_t level, const char *message) {
  (void)user_data;
  shop_log(cgrpc_log_level_name(level), "%s", message);
}

void shop_log_init(const char *service, bool verbose) {
  g_service = service;
  g_verbose = verbose;
  cgrpc_log_set_handler(library_log, NULL);
  /* INFO shows the logging interceptor's line per call. */
  cgrpc_log_set_level(verbose ? CGRPC_LOG_INFO : CGRPC_LOG_WARNING);
}

void shop_require(shop_violations_t *v, bool ok, const char *field, const char *description) {
  if (ok || v->count == SHOP_MAX_VIOLATIONS) return;
  google_rpc_BadRequest_FieldViolation *fv = &v->items[v->count++];
  memset(fv, 0, sizeof *fv);
  fv->field = cgrpc_str(field);
  fv->description = cgrpc_str(description);
}

bool shop_fail_violations(cgrpc_server_call_t *call, const shop_violations_t *v) {
  if (v->count == 0) return false;
  google_rpc_BadRequest_FieldViolation *ptrs[SHOP_MAX_VIOLATIONS];
  for (size_t i = 0; i < v->count; i++)
    ptrs[i] = (google_rpc_BadRequest_FieldViolation *)&v->items[i];
  google_rpc_BadRequest bad = {.field_violations = {ptrs, v->count, v->count}};
  cgrpc_status_detail_t d[] = {{&google_rpc_BadRequest_table, &bad}};
  char message[256];
  snprintf(message, sizeof message, "invalid %.*s: %.*s%s", CGRPC_STR_ARGS(v->items[0].field),
           CGRPC_STR_ARGS(v->items[0].description),
           v->count > 1 ? " (and more; see the BadRequest details)" : "");
  cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_INVALID_ARGUMENT, message, d, 1, NULL);
  return true;
}

void shop_fail_not_found(cgrpc_server_call_t *call, const char *type, cgrpc_str_t name) {
  cgrpc_str_t message = cgrpc_server_call_printf(call, "%s \"%.*s\" not found", type,
                                                 (int)(name.len > 200 ? 200 : name.len), name.data);
  google_rpc_ResourceInfo info = {.resource_type = cgrpc_str(type),
                                  .resource_name = name,
                                  .description = CGRPC_STR("no such resource")};
  cgrpc_status_detail_t d[] = {{&google_rpc_ResourceInfo_table, &info}};
  cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_NOT_FOUND, message.data, d, 1, NULL);
}

void shop_fail_precondition(cgrpc_server_call_t *call, const char *type, const char *subject,
                            const char *description) {
  google_rpc_PreconditionFailure_Violation v = {.type = cgrpc_str(type),
                                                .subject = cgrpc_str(subject),
                                                .description = cgrpc_str(description)};
  google_rpc_PreconditionFailure_Violation *vs[] = {&v};
  google_rpc_PreconditionFailure pf = {.violations = {vs, 1, 1}};
  cgrpc_status_detail_t d[] = {{&google_rpc_PreconditionFailure_table, &pf}};
  cgrpc_server_call_finish_with_details(call, CGRPC_STATUS_FAILED_PRECONDITION, description, d, 1,
                                        NULL);
}

void shop_fail_reason(cgrpc_server_call_t *call, cgrpc_status_code_t code, const char *reason,
                      const char *fmt, ...) {
  char message[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  google_rpc_ErrorInfo info = {.reason = cgrpc_str(reason), .domain = CGRPC_STR(SHOP_ERROR_DOMAIN)};
  cgrpc_status_detail_t d[] = {{&google_rpc_ErrorInfo_table, &info}};
  cgrpc_server_call_finish_with_details(call, code, message, d, 1, NULL);
}

void shop_fail_db(cgrpc_server_call_t *call, const char *what) {
  shop_log("ERROR", "database: %s", what);
  shop_fail_reason(call, CGRPC_STATUS_INTERNAL, "DATABASE", "database error");
}

bool shop_text_ok(cgrpc_str_t s, size_t max) {
  return s.len <= max && (s.len == 0 || memchr(s.data, '\0', s.len) == NULL);
}

void shop_fail_rollback(cgrpc_server_call_t *call, shop_db_t *db) {
  char what[256];
  snprintf(what, sizeof what, "%s", shop_db_errmsg(db)); /* before ROLLBACK replaces it */
  shop_db_exec(db, "ROLLBACK");
  shop_fail_db(call, what);
}
