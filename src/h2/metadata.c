/* h2/metadata.c — the public metadata array (cgrpc/metadata.h).
 *
 * An array of key/value views whose bytes live in an arena. It sits in the
 * h2 layer because the transport both fills it (received headers) and reads
 * it (headers to send); the checks on what an application may add come from
 * h2/metadata_check.h, so an entry that passed cgrpc_metadata_add() can go on
 * the wire without being looked at again. Every key and value stored is
 * followed by a NUL (the public header promises it): one byte more of the
 * arena, so C strings cost no copy.
 */
#include "cgrpc/metadata.h"

#include <string.h>

#include "h2/metadata.h"
#include "h2/metadata_check.h"

bool cgrpc_h2_metadata_append(cgrpc_metadata_t *md, cgrpc_arena_t *arena, cgrpc_str_t key,
                              cgrpc_str_t value) {
  if (md->count == md->capacity) {
    size_t cap = md->capacity ? md->capacity * 2 : 8;
    cgrpc_metadata_entry_t *grown =
        cgrpc_arena_realloc(arena, md->entries, md->capacity * sizeof *grown, cap * sizeof *grown);
    if (!grown) return false;
    md->entries = grown;
    md->capacity = cap;
  }
  md->entries[md->count].key = key;
  md->entries[md->count].value = value;
  md->count++;
  return true;
}

/* Copies `len` bytes plus a NUL, so keys and text values can be printed. */
static const char *arena_strndup(cgrpc_arena_t *arena, const void *src, size_t len) {
  char *p = cgrpc_arena_alloc(arena, len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, src, len);
  p[len] = '\0';
  return p;
}

bool cgrpc_h2_metadata_append_copy(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const void *key,
                                   size_t key_len, const void *value, size_t value_len) {
  const char *k = arena_strndup(arena, key, key_len);
  const char *v = k ? arena_strndup(arena, value, value_len) : NULL;
  if (!v) return false;
  return cgrpc_h2_metadata_append(md, arena, (cgrpc_str_t){k, key_len},
                                  (cgrpc_str_t){v, value_len});
}

bool cgrpc_h2_metadata_key_sendable(const char *key, size_t len) {
  if (cgrpc_metadata_classify(key, len) == CGRPC_METADATA_PASSTHROUGH) return true;
  return cgrpc_metadata_check_send_key(key, len, NULL) == CGRPC_STATUS_OK;
}

bool cgrpc_metadata_add(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const char *key,
                        const void *value, size_t value_len) {
  size_t key_len = strlen(key);
  if (!cgrpc_h2_metadata_key_sendable(key, key_len)) return false;
  if (!cgrpc_metadata_key_is_binary(key, key_len) &&
      !cgrpc_metadata_value_is_printable(value, value_len)) {
    return false;
  }
  return cgrpc_h2_metadata_append_copy(md, arena, key, key_len, value, value_len);
}

bool cgrpc_metadata_add_str(cgrpc_metadata_t *md, cgrpc_arena_t *arena, const char *key,
                            const char *value) {
  return cgrpc_metadata_add(md, arena, key, value, strlen(value));
}

static bool key_equals(const cgrpc_metadata_entry_t *e, const char *key, size_t len) {
  return e->key.len == len && memcmp(e->key.data, key, len) == 0;
}

const cgrpc_str_t *cgrpc_metadata_get(const cgrpc_metadata_t *md, const char *key) {
  size_t len = strlen(key);
  for (size_t i = 0; i < md->count; i++) {
    if (key_equals(&md->entries[i], key, len)) return &md->entries[i].value;
  }
  return NULL;
}

const char *cgrpc_metadata_get_cstr(const cgrpc_metadata_t *md, const char *key) {
  const cgrpc_str_t *v = cgrpc_metadata_get(md, key);
  return v ? v->data : NULL;
}

cgrpc_status_code_t cgrpc_metadata_get_int(const cgrpc_metadata_t *md, const char *key,
                                           int64_t *out) {
  const cgrpc_str_t *v = cgrpc_metadata_get(md, key);
  if (!v) return CGRPC_STATUS_NOT_FOUND;
  const char *p = v->data, *end = v->data + v->len;
  bool negative = p < end && *p == '-';
  if (negative) p++;
  if (p == end) return CGRPC_STATUS_INVALID_ARGUMENT;
  /* Accumulate as a negative number: its range holds INT64_MIN too. */
  int64_t n = 0;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return CGRPC_STATUS_INVALID_ARGUMENT;
    int digit = *p - '0';
    if (n < (INT64_MIN + digit) / 10) return CGRPC_STATUS_INVALID_ARGUMENT;
    n = n * 10 - digit;
  }
  if (!negative && n == INT64_MIN) return CGRPC_STATUS_INVALID_ARGUMENT;
  *out = negative ? n : -n;
  return CGRPC_STATUS_OK;
}

size_t cgrpc_metadata_count(const cgrpc_metadata_t *md, const char *key) {
  size_t len = strlen(key), n = 0;
  for (size_t i = 0; i < md->count; i++) n += key_equals(&md->entries[i], key, len);
  return n;
}

bool cgrpc_metadata_copy(cgrpc_metadata_t *dst, cgrpc_arena_t *arena, const cgrpc_metadata_t *src) {
  for (size_t i = 0; i < src->count; i++) {
    const cgrpc_metadata_entry_t *e = &src->entries[i];
    if (!cgrpc_h2_metadata_append_copy(dst, arena, e->key.data, e->key.len, e->value.data,
                                       e->value.len)) {
      return false;
    }
  }
  return true;
}
