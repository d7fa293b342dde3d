/* json/json_internal.h — what the JSON printer and parser share: the
 * well-known-type recognition, number and base64 helpers, RFC 3339 time
 * conversion, and the parser's state (the lexer, the message parser and the
 * well-known-type parsers are separate files over one parser_t).
 */
#ifndef CGRPC_SRC_JSON_INTERNAL_H
#define CGRPC_SRC_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/json.h"
#include "pb/table.h"

#if defined(__GNUC__)
#define JSON_LIKELY(x) __builtin_expect(!!(x), 1)
#define JSON_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define JSON_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define JSON_LIKELY(x) (x)
#define JSON_UNLIKELY(x) (x)
#define JSON_PRINTF(a, b)
#endif

/* ---- Well-known types (wkt.c) ------------------------------------------ */

typedef enum json_wkt {
  JSON_WKT_NONE = 0,
  JSON_WKT_ANY,
  JSON_WKT_TIMESTAMP,
  JSON_WKT_DURATION,
  JSON_WKT_FIELD_MASK,
  JSON_WKT_STRUCT,
  JSON_WKT_VALUE,
  JSON_WKT_LIST_VALUE,
  JSON_WKT_WRAPPER, /* the nine google.protobuf.*Value wrappers: field 1 */
  JSON_WKT_EMPTY,
} json_wkt_t;

/* Which well-known type a table is, by its full name. */
json_wkt_t cgrpc_json_wkt_of(const cgrpc_pb_msg_table_t *t);

/* Whether an Any holding a message of this kind carries it as
 * {"@type": url, "value": <special form>} rather than as the payload's own
 * fields beside "@type". protobuf gives "value" to the types with a special
 * JSON form (Any, Timestamp, Duration, FieldMask, Struct, Value, ListValue
 * and the wrappers); Empty, though a well-known type, prints as an ordinary
 * message: {"@type": ".../google.protobuf.Empty"}. */
static inline bool cgrpc_json_any_uses_value(json_wkt_t kind) {
  return kind != JSON_WKT_NONE && kind != JSON_WKT_EMPTY;
}

/* Whether an enum table is google.protobuf.NullValue. */
bool cgrpc_json_is_null_value_enum(const cgrpc_pb_enum_table_t *e);

/* The library's own table of a well-known type named by its full name
 * ("google.protobuf.Duration"), or NULL. */
const cgrpc_pb_msg_table_t *cgrpc_json_wkt_table(cgrpc_str_t full_name);

/* The table for an Any's type URL: the options' resolver first, then the
 * well-known types. NULL when neither knows it. */
const cgrpc_pb_msg_table_t *cgrpc_json_resolve_any(const cgrpc_json_options_t *o, cgrpc_str_t url);

/* A field's enum table (NULL when the table does not carry one). */
static inline const cgrpc_pb_enum_table_t *cgrpc_json_field_enum(const cgrpc_pb_msg_table_t *t,
                                                                 const cgrpc_pb_field_t *f) {
  return t->subs ? t->subs[f->sub].enm : NULL;
}

/* ---- Extensions (extension.c) ------------------------------------------ */

/* The message an extension's value goes through: the unknown fields (every
 * table's first member), the value, its presence. */
typedef struct json_ext_holder {
  cgrpc_str_t _unknown;
  union {
    uint64_t u64;
    double d;
    cgrpc_str_t s;
    void *msg;
    cgrpc_pb_array_t arr;
  } v;
  bool has;
} json_ext_holder_t;

/* A one-field table for an extension (field name: its full name). It
 * points into itself: initialise it where it stays. */
typedef struct json_ext_table {
  cgrpc_pb_msg_table_t table;
  cgrpc_pb_field_t field;
  cgrpc_pb_sub_t sub;
  const char *name;
} json_ext_table_t;

void cgrpc_json_ext_table_init(json_ext_table_t *et, const cgrpc_json_extension_t *ext);
/* Whether a resolver's answer can be used (a type, a number in range, the
 * table its type needs). */
bool cgrpc_json_ext_usable(const cgrpc_json_extension_t *ext);
/* The distinct field numbers in wire bytes, ascending, into *out (in the
 * arena) and *count; stops at malformed bytes. False when out of memory. */
bool cgrpc_json_unknown_numbers(cgrpc_str_t unknown, cgrpc_arena_t *arena, uint32_t **out,
                                size_t *count);

/* ---- Numbers (number.c) ------------------------------------------------ */

/* Writes the shortest decimal that reads back as exactly `v` (finite) into
 * buf (at least 32 bytes); returns its length. */
size_t cgrpc_json_format_double(double v, char *buf);
size_t cgrpc_json_format_float(float v, char *buf);
/* Decimal text of an integer; buf needs 24 bytes. Returns the length. */
size_t cgrpc_json_format_u64(uint64_t v, char *buf);
size_t cgrpc_json_format_i64(int64_t v, char *buf);

/* The length of the JSON number at s[0..n) (0 when there is none); *is_int
 * says it has neither fraction nor exponent. */
size_t cgrpc_json_scan_number(const char *s, size_t n, bool *is_int);

/* Converts a whole JSON number token. Return false when it is out of range
 * for the type or (for the integer kinds) not an exact integer; `why` then
 * says which. */
bool cgrpc_json_number_to_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out,
                              const char **why);
bool cgrpc_json_number_to_u64(const char *s, size_t n, uint64_t max, uint64_t *out,
                              const char **why);
bool cgrpc_json_number_to_double(const char *s, size_t n, double *out);

/* ---- Base64 (base64.c) ------------------------------------------------- */

/* Standard base64 with padding; dst needs 4 * ((n + 2) / 3) bytes. */
size_t cgrpc_json_base64_encode(const uint8_t *src, size_t n, char *dst);
/* Standard or URL-safe, padded or not; dst needs n * 3 / 4 + 3 bytes.
 * Returns false on a character outside the alphabet or a bad length. */
bool cgrpc_json_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_len);

/* ---- Time (timefmt.c) -------------------------------------------------- */

#define JSON_TIMESTAMP_MIN_SECONDS (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define JSON_TIMESTAMP_MAX_SECONDS 253402300799LL   /* 9999-12-31T23:59:59Z */
#define JSON_DURATION_MAX_SECONDS 315576000000LL

/* Formats a Timestamp as RFC 3339 ("1972-01-01T10:00:20.021Z"); buf needs
 * 40 bytes. False when out of range. */
bool cgrpc_json_format_timestamp(int64_t seconds, int32_t nanos, char *buf, size_t *len);
bool cgrpc_json_parse_timestamp(const char *s, size_t n, int64_t *seconds, int32_t *nanos);
/* "1.5s", "-0.000000001s"; buf needs 40 bytes. */
bool cgrpc_json_format_duration(int64_t seconds, int32_t nanos, char *buf, size_t *len);
bool cgrpc_json_parse_duration(const char *s, size_t n, int64_t *seconds, int32_t *nanos);

/* ---- The parser -------------------------------------------------------- */

/* A step of the path to the value being parsed, for error messages. */
typedef struct json_path_seg {
  const char *name; /* a field name or map key (NULL: an array index) */
  size_t len;
  size_t index; /* for a name: 1 when it is a map key, shown as ["key"] */
} json_path_seg_t;

#define JSON_PATH_KEEP 32 /* steps remembered; deeper ones show as "..." */

typedef struct json_parser {
  const char *p, *end, *start;
  cgrpc_arena_t *arena;
  const cgrpc_json_options_t *opts;
  uint32_t flags;
  int depth, max_depth;
  int npath;
  json_path_seg_t path[JSON_PATH_KEEP];
  cgrpc_error_t *err;
  cgrpc_status_code_t code; /* OK until the first failure */
} json_parser_t;

/* Records the first failure ("<path>: <what>") and returns false. */
JSON_PRINTF(2, 3) bool cgrpc_json_fail(json_parser_t *ps, const char *fmt, ...);
bool cgrpc_json_fail_oom(json_parser_t *ps);
/* "expected X, got <what the next token is>" */
bool cgrpc_json_fail_expected(json_parser_t *ps, const char *expected);

static inline void cgrpc_json_path_push_name(json_parser_t *ps, const char *name, size_t len) {
  if (ps->npath < JSON_PATH_KEEP) ps->path[ps->npath] = (json_path_seg_t){name, len, 0};
  ps->npath++;
}
static inline void cgrpc_json_path_push_key(json_parser_t *ps, const char *key, size_t len) {
  if (ps->npath < JSON_PATH_KEEP) ps->path[ps->npath] = (json_path_seg_t){key, len, 1};
  ps->npath++;
}
static inline void cgrpc_json_path_push_index(json_parser_t *ps, size_t i) {
  if (ps->npath < JSON_PATH_KEEP) ps->path[ps->npath] = (json_path_seg_t){NULL, 0, i};
  ps->npath++;
}
static inline void cgrpc_json_path_pop(json_parser_t *ps) { ps->npath--; }

/* Lexer (lexer.c). All of them skip the whitespace before their token. */
static inline void cgrpc_json_skip_ws(json_parser_t *ps) {
  const char *p = ps->p, *end = ps->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  ps->p = p;
}
/* The next token's first byte (whitespace skipped), or 0 at the end. */
static inline char cgrpc_json_peek(json_parser_t *ps) {
  cgrpc_json_skip_ws(ps);
  return ps->p < ps->end ? *ps->p : 0;
}
/* Consumes `c` when it is the next token; else fails. */
bool cgrpc_json_expect(json_parser_t *ps, char c);
/* A string token: *out views its bytes (unescaped: in the input when there
 * was no escape, else in the arena). Validates UTF-8 and escapes. */
bool cgrpc_json_string(json_parser_t *ps, cgrpc_str_t *out);
/* A number token (no quotes): *tok views it, *is_int as scan_number. */
bool cgrpc_json_number_token(json_parser_t *ps, cgrpc_str_t *tok, bool *is_int);
/* Consumes the literal `word` (true, false, null). */
bool cgrpc_json_literal(json_parser_t *ps, const char *word, size_t len);
/* Skips a whole value, checking its syntax and depth. */
bool cgrpc_json_skip_value(json_parser_t *ps);
/* Object iteration: begin consumes '{' (counting depth); next returns true
 * with *key set while there is a member (the ':' consumed), false at '}'
 * (consumed; depth restored) or on failure (ps->code set). */
bool cgrpc_json_object_begin(json_parser_t *ps);
bool cgrpc_json_object_next(json_parser_t *ps, bool *first, cgrpc_str_t *key);
bool cgrpc_json_array_begin(json_parser_t *ps);
bool cgrpc_json_array_next(json_parser_t *ps, bool *first);

/* Message parser (parse.c) and well-known types (parse_wkt.c). */
/* Parses the value at ps->p as message `t` into msg (any JSON form the
 * type has: an object, or a well-known type's special form). */
bool cgrpc_json_parse_message(json_parser_t *ps, void *msg, const cgrpc_pb_msg_table_t *t);
/* The members of an object, '{' already consumed, into msg. `skip_type`
 * passes over an "@type" member (the fields of an Any's payload). */
bool cgrpc_json_parse_members(json_parser_t *ps, void *msg, const cgrpc_pb_msg_table_t *t,
                              bool skip_type);
bool cgrpc_json_parse_wkt(json_parser_t *ps, json_wkt_t kind, void *msg,
                          const cgrpc_pb_msg_table_t *t);
/* One value of field f (not repeated handling: one element) into dst. Sets
 * *skipped when IGNORE_UNKNOWN dropped an unknown enum name. */
bool cgrpc_json_parse_scalar(json_parser_t *ps, const cgrpc_pb_msg_table_t *t,
                             const cgrpc_pb_field_t *f, void *dst, bool *skipped);
/* Appends a zeroed element of `size` bytes to a repeated field. */
void *cgrpc_json_array_push(json_parser_t *ps, cgrpc_pb_array_t *a, size_t size);
/* Fails when the entries [start, count) of a map added by one JSON object
 * repeat a key. */
bool cgrpc_json_check_map_keys(json_parser_t *ps, const cgrpc_pb_array_t *a, size_t start,
                               const cgrpc_pb_msg_table_t *entry);
/* A string copied into the arena when it still points into the input. */
bool cgrpc_json_own(json_parser_t *ps, cgrpc_str_t *s);

#endif /* CGRPC_SRC_JSON_INTERNAL_H */
