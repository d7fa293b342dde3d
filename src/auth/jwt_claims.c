/* auth/jwt_claims.c — what a handler reads from a verified token. */
#include <string.h>

#include "auth/jwt_internal.h"

const char *cgrpc_jwt_claims_get_string(const cgrpc_jwt_claims_t *c, const char *name) {
  return c ? cgrpc_json_tree_get_string(c->payload, name) : NULL;
}

bool cgrpc_jwt_claims_get_int(const cgrpc_jwt_claims_t *c, const char *name, int64_t *out) {
  const cgrpc_json_tree_t *m = c ? cgrpc_json_tree_get(c->payload, name) : NULL;
  if (!m || m->kind != CGRPC_JSON_TREE_NUMBER || !m->is_int) return false;
  if (out) *out = m->integer;
  return true;
}

bool cgrpc_jwt_claims_get_bool(const cgrpc_jwt_claims_t *c, const char *name, bool *out) {
  const cgrpc_json_tree_t *m = c ? cgrpc_json_tree_get(c->payload, name) : NULL;
  if (!m || m->kind != CGRPC_JSON_TREE_BOOL) return false;
  if (out) *out = m->boolean;
  return true;
}

/* True when `scope` is one of the space-separated words of `list`. */
static bool word_in(const char *list, const char *scope) {
  size_t n = strlen(scope);
  for (const char *p = list; *p;) {
    while (*p == ' ') p++;
    const char *end = p;
    while (*end && *end != ' ') end++;
    if ((size_t)(end - p) == n && n > 0 && memcmp(p, scope, n) == 0) return true;
    p = end;
  }
  return false;
}

bool cgrpc_jwt_claims_has_scope(const cgrpc_jwt_claims_t *c, const char *scope) {
  if (!c || !scope || !*scope) return false;
  const char *words = cgrpc_json_tree_get_string(c->payload, "scope");
  if (words && word_in(words, scope)) return true;
  const cgrpc_json_tree_t *scp = cgrpc_json_tree_get(c->payload, "scp");
  if (scp && scp->kind == CGRPC_JSON_TREE_STRING) return word_in(scp->str, scope);
  if (scp && scp->kind == CGRPC_JSON_TREE_ARRAY)
    for (const cgrpc_json_tree_t *s = scp->child; s; s = s->next)
      if (s->kind == CGRPC_JSON_TREE_STRING && strcmp(s->str, scope) == 0) return true;
  return false;
}

cgrpc_str_t cgrpc_jwt_claims_json(const cgrpc_jwt_claims_t *c) {
  cgrpc_str_t none = {"", 0};
  return c ? c->json : none;
}
