/* src/web/rest_template.h — google.api.http path templates: parse and match.
 *
 * The grammar is the one google/api/http.proto documents:
 *
 *   Template  = "/" Segments [ Verb ] ;
 *   Segments  = Segment { "/" Segment } ;
 *   Segment   = "*" | "**" | LITERAL | Variable ;
 *   Variable  = "{" FieldPath [ "=" Segments ] "}" ;
 *   FieldPath = IDENT { "." IDENT } ;
 *   Verb      = ":" LITERAL ;
 *
 * `**` matches zero or more segments and must be the last segment (the verb
 * aside); a variable holds no other variable; `{var}` means `{var=*}`.
 *
 * Matching works on the raw request path (before percent-decoding), so an
 * encoded slash "%2F" never splits a segment. Values are then decoded as
 * http.proto says: a variable of exactly one segment is fully decoded
 * ("%2F" becomes "/"); a variable of several segments is decoded except
 * "%2F" and "%2f", which stay as they are. A literal segment matches the
 * fully decoded segment. The verb is the text after the last ':' of the last
 * segment, and only when the template has a verb: for a template without
 * one, "/v1/{name}" matches "/v1/a:b" with name = "a:b" (grpc-gateway
 * #224/#1373). The query string must already be cut off.
 *
 * Everything lives in the arena given; nothing else is allocated. Thread-
 * safety: a parsed template is read-only, so any number of threads may
 * match against it at once.
 */
#ifndef CGRPC_WEB_REST_TEMPLATE_H
#define CGRPC_WEB_REST_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/status.h"

typedef enum rest_seg_kind {
  REST_SEG_LITERAL,
  REST_SEG_ONE, /* "*" */
  REST_SEG_ANY, /* "**" */
} rest_seg_kind_t;

typedef struct rest_segment {
  rest_seg_kind_t kind;
  cgrpc_str_t literal; /* REST_SEG_LITERAL: decoded text */
} rest_segment_t;

typedef struct rest_variable {
  cgrpc_str_t field_path; /* "book.name" */
  size_t first, end;      /* the segments it spans: [first, end) */
  bool multi;             /* spans more than one segment, or "**" */
} rest_variable_t;

typedef struct rest_template {
  cgrpc_str_t text; /* the template as written */
  rest_segment_t *segments;
  size_t segment_count;
  rest_variable_t *variables;
  size_t variable_count;
  cgrpc_str_t verb; /* without ':'; len 0 when none */
  bool has_any;     /* ends with "**" (the last segment) */
} rest_template_t;

/* One variable's value after a match: decoded, in the arena. */
typedef struct rest_binding {
  cgrpc_str_t field_path;
  cgrpc_str_t value;
} rest_binding_t;

/* The longest template and the most segments a template or path may have. */
#define REST_TEMPLATE_MAX_LEN 4096
#define REST_PATH_MAX_SEGMENTS 256

/* Parses `text` into *out (memory from `arena`). INVALID_ARGUMENT with a
 * sentence naming the offset and what was expected for text outside the
 * grammar, a "**" that is not last, nested or repeated variables, an empty
 * field path or an identifier that is not [A-Za-z_][A-Za-z0-9_]*;
 * RESOURCE_EXHAUSTED when the arena refuses. */
cgrpc_status_code_t rest_template_parse(const char *text, size_t len, cgrpc_arena_t *arena,
                                        rest_template_t *out, cgrpc_error_t *err);

/* Matches a raw request path (starting with '/', no query string). Returns
 * true and fills bindings[0..tpl->variable_count) (values decoded into
 * `arena`) when it matches; false when it does not, or when a value is not
 * valid percent-encoding, or the arena refuses (then *bad_escape is set for
 * the encoding case when bad_escape is not NULL). */
bool rest_template_match(const rest_template_t *tpl, const char *path, size_t len,
                         cgrpc_arena_t *arena, rest_binding_t *bindings, bool *bad_escape);

/* Percent-decodes src into dst (room for len bytes); keeps "%2F"/"%2f"
 * encoded when keep_slash. Returns the decoded length, or (size_t)-1 for a
 * '%' not followed by two hex digits. */
size_t rest_percent_decode(const char *src, size_t len, char *dst, bool keep_slash);

#endif /* CGRPC_WEB_REST_TEMPLATE_H */
