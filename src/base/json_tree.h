/* base/json_tree.h — a small strict JSON reader into a tree: JWT headers,
 * claims and JWKS (auth/), service configs (rpc/service_config.c).
 *
 * Reads RFC 8259 JSON into a tree in an arena, and refuses everything the
 * RFC leaves to interpretation, because two readers that disagree about a
 * token are a security hole: duplicate member names (RFC 7515 §4 allows a
 * reader to take the last; we take neither), invalid UTF-8, lone surrogates,
 * \u0000 (claims are handed out as C strings), leading zeros, trailing
 * commas, comments, bytes after the value. Nesting deeper than `max_depth`
 * and objects with more than CGRPC_JSON_TREE_MAX_MEMBERS members are
 * refused too, so memory and time stay proportional to the input.
 *
 * Numbers keep an exact int64 when the literal is an integer that fits, and
 * an approximate double always (computed without the C locale's strtod, so
 * an application's LC_NUMERIC cannot change a result).
 */
#ifndef CGRPC_SRC_BASE_JSON_TREE_H
#define CGRPC_SRC_BASE_JSON_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/error.h"

#define CGRPC_JSON_TREE_MAX_MEMBERS 256

typedef enum cgrpc_json_tree_kind {
  CGRPC_JSON_TREE_NULL,
  CGRPC_JSON_TREE_BOOL,
  CGRPC_JSON_TREE_NUMBER,
  CGRPC_JSON_TREE_STRING,
  CGRPC_JSON_TREE_ARRAY,
  CGRPC_JSON_TREE_OBJECT,
} cgrpc_json_tree_kind_t;

typedef struct cgrpc_json_tree cgrpc_json_tree_t;
struct cgrpc_json_tree {
  cgrpc_json_tree_kind_t kind;
  bool boolean;    /* BOOL */
  bool is_int;     /* NUMBER: an integer literal that fits int64 */
  int64_t integer; /* NUMBER when is_int */
  double number;   /* NUMBER, always */
  const char *str; /* STRING: decoded UTF-8, NUL-terminated, no NUL inside */
  size_t str_len;
  const char *key; /* set on members of an object: the decoded name */
  size_t key_len;
  cgrpc_json_tree_t *child; /* ARRAY, OBJECT: first element or member */
  cgrpc_json_tree_t *next;  /* next element or member of the parent */
  size_t count;             /* ARRAY, OBJECT: number of children */
  const char *text;         /* the value's own bytes in the input (not NUL-terminated) */
  size_t text_len;
};

/* Parses `len` bytes into a tree allocated in `arena`. OK with *root set;
 * INVALID_ARGUMENT with "at byte N: what" in err; RESOURCE_EXHAUSTED when
 * the arena refuses memory. */
cgrpc_status_code_t cgrpc_json_tree_parse(const char *text, size_t len, int max_depth,
                                          cgrpc_arena_t *arena, const cgrpc_json_tree_t **root,
                                          cgrpc_error_t *err);

/* The member `name` of an object, or NULL (also when `obj` is NULL or not an
 * object). */
const cgrpc_json_tree_t *cgrpc_json_tree_get(const cgrpc_json_tree_t *obj, const char *name);

/* The string value of member `name`, or NULL when absent or not a string. */
const char *cgrpc_json_tree_get_string(const cgrpc_json_tree_t *obj, const char *name);

#endif /* CGRPC_SRC_BASE_JSON_TREE_H */
