/* http1/parser.h — a small, strict HTTP/1.1 request parser (RFC 9112), for
 * the server's HTTP/1.1 side (h2/http1_bridge.c).
 *
 * Two pieces, both over bytes in memory and allocation-free:
 *  - the request head (request line and header fields), parsed once it is
 *    whole: cgrpc_http1_head_parse() says "need more" until the blank line
 *    arrives, and refuses a head longer than the limit without waiting for
 *    its end;
 *  - the chunked transfer coding of a body, decoded incrementally over
 *    chunks split anywhere.
 * Strict means: one space between request-line parts, a token for the
 * method, HTTP/1.0 or HTTP/1.1 only, CRLF line ends (a bare LF is
 * accepted as the RFC allows a recipient to), no obsolete line folding,
 * no whitespace before a header's colon, no control bytes in values, one
 * Content-Length (or equal repeats), never both it and Transfer-Encoding,
 * and "chunked" as the only transfer coding. What it refuses is what
 * request smuggling is made of.
 */
#ifndef CGRPC_SRC_HTTP1_PARSER_H
#define CGRPC_SRC_HTTP1_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"

#define CGRPC_HTTP1_MAX_HEADERS 100

typedef struct cgrpc_http1_field {
  cgrpc_str_t name;  /* as sent (case kept): compare with cgrpc_http1_name_is() */
  cgrpc_str_t value; /* surrounding whitespace removed */
} cgrpc_http1_field_t;

typedef struct cgrpc_http1_head {
  cgrpc_str_t method, target;
  int minor; /* HTTP/1.<minor>: 0 or 1 */
  cgrpc_http1_field_t fields[CGRPC_HTTP1_MAX_HEADERS];
  size_t field_count;
  /* Derived from the fields. */
  int64_t content_length; /* -1: none */
  bool chunked;
  bool keep_alive;      /* HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive */
  bool expect_continue; /* "Expect: 100-continue" */
  cgrpc_str_t host;     /* {NULL,0} when absent */
} cgrpc_http1_head_t;

typedef enum cgrpc_http1_result {
  CGRPC_HTTP1_NEED_MORE = 0,
  CGRPC_HTTP1_DONE = 1,
  CGRPC_HTTP1_BAD = -400,       /* malformed: 400 */
  CGRPC_HTTP1_TOO_LARGE = -431, /* head over the limit, or too many fields: 431 */
  CGRPC_HTTP1_BAD_VERSION = -505,
  CGRPC_HTTP1_NOT_IMPLEMENTED = -501, /* a transfer coding other than chunked */
} cgrpc_http1_result_t;

/* Scans buf[0..len) for a whole head (at most `max` bytes). DONE: *head
 * is filled (its strings point into buf) and *used is the head's length;
 * NEED_MORE: not whole yet (call again with more bytes; *scanned, 0 at
 * first, remembers how far the search went); else an error and, in *why,
 * a static phrase. */
cgrpc_http1_result_t cgrpc_http1_head_parse(const uint8_t *buf, size_t len, size_t max,
                                            size_t *scanned, cgrpc_http1_head_t *head, size_t *used,
                                            const char **why);

/* Case-insensitive comparison of a field name with a lower-case literal. */
bool cgrpc_http1_name_is(cgrpc_str_t name, const char *lower);

/* Chunked body decoding, incremental. Zero-initialise to start. */
typedef struct cgrpc_http1_chunked {
  int state;
  uint64_t remaining; /* bytes left in the current chunk */
  size_t line;        /* bytes of the current size or trailer line */
  bool any_digit;
} cgrpc_http1_chunked_t;

/* Decodes from (*in, *len), advancing both. DONE: the last chunk and the
 * trailers are through (the rest of the input is the next request);
 * NEED_MORE with *data_len > 0: body bytes at *data (within the input);
 * NEED_MORE with *data_len == 0: input used up; BAD: malformed (*why). */
cgrpc_http1_result_t cgrpc_http1_chunked_next(cgrpc_http1_chunked_t *d, const uint8_t **in,
                                              size_t *len, const uint8_t **data, size_t *data_len,
                                              const char **why);

/* The reason phrase for a status code ("OK", "Not Found", ...; "" when unknown). */
const char *cgrpc_http1_reason(int status);

#endif /* CGRPC_SRC_HTTP1_PARSER_H */
