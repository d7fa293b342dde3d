/* cgrpc/status.h — the gRPC status codes.
 *
 * Every call ends with one of these 17 codes (grpc/grpc doc/statuscodes.md).
 * The numbers are the wire values of the `grpc-status` trailer and must never
 * change; the names are the canonical upper-case spellings used in service
 * config JSON (`retryableStatusCodes`), logs and the CLI.
 *
 * Which codes the library itself produces, and when, is listed in
 * docs/status-codes.md; in short it never generates INVALID_ARGUMENT, NOT_FOUND,
 * ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE or DATA_LOSS:
 * those belong to applications.
 */
#ifndef CGRPC_STATUS_H
#define CGRPC_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum cgrpc_status_code {
  CGRPC_STATUS_OK = 0,                  /* not an error */
  CGRPC_STATUS_CANCELLED = 1,           /* cancelled, typically by the caller */
  CGRPC_STATUS_UNKNOWN = 2,             /* error without a better code */
  CGRPC_STATUS_INVALID_ARGUMENT = 3,    /* the request itself is bad */
  CGRPC_STATUS_DEADLINE_EXCEEDED = 4,   /* the deadline passed */
  CGRPC_STATUS_NOT_FOUND = 5,           /* a requested entity does not exist */
  CGRPC_STATUS_ALREADY_EXISTS = 6,      /* the entity to create already exists */
  CGRPC_STATUS_PERMISSION_DENIED = 7,   /* caller lacks permission */
  CGRPC_STATUS_RESOURCE_EXHAUSTED = 8,  /* a quota or size limit was hit */
  CGRPC_STATUS_FAILED_PRECONDITION = 9, /* system not in the state the call needs */
  CGRPC_STATUS_ABORTED = 10,            /* concurrency conflict; retry at a higher level */
  CGRPC_STATUS_OUT_OF_RANGE = 11,       /* past the valid range (e.g. end of file) */
  CGRPC_STATUS_UNIMPLEMENTED = 12,      /* method, service or feature not supported */
  CGRPC_STATUS_INTERNAL = 13,           /* an invariant broke: protocol or framing error */
  CGRPC_STATUS_UNAVAILABLE = 14,        /* transient: retrying may succeed */
  CGRPC_STATUS_DATA_LOSS = 15,          /* unrecoverable data loss or corruption */
  CGRPC_STATUS_UNAUTHENTICATED = 16,    /* no valid credentials */
} cgrpc_status_code_t;

/* Number of defined codes: valid codes are 0 .. CGRPC_STATUS_CODE_COUNT - 1. */
#define CGRPC_STATUS_CODE_COUNT 17

/* True when `code` is one of the 17 defined codes. */
bool cgrpc_status_code_is_valid(int code);

/* The canonical name of a code, e.g. "DEADLINE_EXCEEDED". Returns NULL for a
 * value outside 0..16. The string is static; thread-safe. */
const char *cgrpc_status_code_name(cgrpc_status_code_t code);

/* Parses a canonical name (exact, upper case, `len` bytes, no NUL needed)
 * into *code. Returns true on success; false, leaving *code untouched, when
 * the name is not one of the 17. Thread-safe. */
bool cgrpc_status_code_from_name(const char *name, size_t len, cgrpc_status_code_t *code);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_STATUS_H */
