/* errors.h — failing calls with the right code and google.rpc details, and
 * the shop's log lines.
 *
 *   INVALID_ARGUMENT    BadRequest, one field violation per bad field
 *   NOT_FOUND           ResourceInfo naming the resource
 *   FAILED_PRECONDITION PreconditionFailure (no stock, refunded twice)
 *   others              ErrorInfo with a reason (domain "shop.example")
 */
#ifndef SHOP_ERRORS_H
#define SHOP_ERRORS_H

#include <stdbool.h>

#include "cgrpc/cgrpc.h"
#include "db.h"
#include "google/rpc/error_details.pb.h"

#define SHOP_ERROR_DOMAIN "shop.example"
#define SHOP_MAX_VIOLATIONS 8

/* Writes the formatted sentence to err (may be NULL) and returns code. */
__attribute__((format(printf, 3, 4))) cgrpc_status_code_t shop_error(cgrpc_error_t *err,
                                                                     cgrpc_status_code_t code,
                                                                     const char *fmt, ...);

/* One line on stderr: "<service> LEVEL message". */
__attribute__((format(printf, 2, 3))) void shop_log(const char *level, const char *fmt, ...);
/* The service name shop_log() and the library's log lines start with;
 * INFO lines (one per call) only when `verbose`. */
void shop_log_init(const char *service, bool verbose);

/* Field violations collected while checking a request. */
typedef struct shop_violations {
  google_rpc_BadRequest_FieldViolation items[SHOP_MAX_VIOLATIONS];
  size_t count;
} shop_violations_t;

/* Records a violation of `field` (a literal) unless `ok`. */
void shop_require(shop_violations_t *v, bool ok, const char *field, const char *description);

/* When violations were recorded, ends the call INVALID_ARGUMENT with a
 * BadRequest holding them and returns true; else false. */
bool shop_fail_violations(cgrpc_server_call_t *call, const shop_violations_t *v);

/* NOT_FOUND "<type> \"<name>\" not found" with a ResourceInfo. */
void shop_fail_not_found(cgrpc_server_call_t *call, const char *type, cgrpc_str_t name);

/* FAILED_PRECONDITION with one PreconditionFailure violation. */
void shop_fail_precondition(cgrpc_server_call_t *call, const char *type, const char *subject,
                            const char *description);

/* Any code with an ErrorInfo{reason, domain}. */
__attribute__((format(printf, 4, 5))) void shop_fail_reason(cgrpc_server_call_t *call,
                                                            cgrpc_status_code_t code,
                                                            const char *reason, const char *fmt,
                                                            ...);

/* INTERNAL "database error" (the details go to the log, not to the client). */
void shop_fail_db(cgrpc_server_call_t *call, const char *what);

/* Rolls back the transaction open on this thread's connection of `db` and
 * ends the call with shop_fail_db() and the database's error. */
void shop_fail_rollback(cgrpc_server_call_t *call, shop_db_t *db);

/* True when a string is valid as a stored text field: at most `max` bytes
 * and no NUL (SQL metacharacters are fine: every query binds parameters). */
bool shop_text_ok(cgrpc_str_t s, size_t max);

#endif
