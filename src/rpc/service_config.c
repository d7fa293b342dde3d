/* rpc/service_config.c — service config JSON into cgrpc_service_config_t
 * (see service_config.h).
 *
 * The JSON is read by base/json_tree (strict RFC 8259, depth-bounded) and
 * then walked field by field. The walk keeps the JSON path of where it is
 * ("methodConfig[2].retryPolicy"), so every error names the field. The
 * config, its strings and the source text share one arena: one free.
 */
#include "rpc/service_config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json_tree.h"

#define SC_MAX_DEPTH 32
#define PATH_MAX_LEN 160

typedef struct walk {
  cgrpc_arena_t *arena;
  cgrpc_error_t *err;
  char path[PATH_MAX_LEN];
  size_t path_len;
} walk_t;

typedef const cgrpc_json_tree_t json_t;

/* ---- Errors and paths -------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static cgrpc_status_code_t
invalid(walk_t *w, const char *fmt, ...) {
  if (w->err) {
    char *out = w->err->message;
    size_t size = sizeof w->err->message;
    int n = snprintf(out, size, "service config: %s: ", w->path_len ? w->path : "(top level)");
    if (n > 0 && (size_t)n < size) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(out + n, size - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

static cgrpc_status_code_t no_memory(walk_t *w) {
  if (w->err) {
    snprintf(w->err->message, sizeof w->err->message, "service config: out of memory");
  }
  return CGRPC_STATUS_RESOURCE_EXHAUSTED;
}

/* Appends ".name" (or "[i]" when name is NULL) to the path; returns the
 * length to restore. */
static size_t push(walk_t *w, const char *name, size_t index) {
  size_t old = w->path_len;
  int n;
  if (name) {
    n = snprintf(w->path + old, sizeof w->path - old, "%s%s", old ? "." : "", name);
  } else {
    n = snprintf(w->path + old, sizeof w->path - old, "[%zu]", index);
  }
  if (n > 0) w->path_len = old + (size_t)n < sizeof w->path ? old + (size_t)n : sizeof w->path - 1;
  return old;
}

static void pop(walk_t *w, size_t old) {
  w->path_len = old;
  w->path[old] = '\0';
}

static const char *kind_name(const json_t *v) {
  switch (v->kind) {
    case CGRPC_JSON_TREE_NULL:
      return "null";
    case CGRPC_JSON_TREE_BOOL:
      return "a boolean";
    case CGRPC_JSON_TREE_NUMBER:
      return "a number";
    case CGRPC_JSON_TREE_STRING:
      return "a string";
    case CGRPC_JSON_TREE_ARRAY:
      return "an array";
    case CGRPC_JSON_TREE_OBJECT:
      return "an object";
  }
  return "a value";
}

static cgrpc_status_code_t want(walk_t *w, const json_t *v, cgrpc_json_tree_kind_t kind,
                                const char *what) {
  if (v->kind == kind) return CGRPC_STATUS_OK;
  return invalid(w, "must be %s, not %s", what, kind_name(v));
}

/* ---- Scalars ----------------------------------------------------------------------- */

bool cgrpc_sc_parse_duration(const char *s, size_t len, int64_t *ns) {
  if (len < 2 || s[len - 1] != 's') return false;
  size_t i = 0, end = len - 1;
  bool negative = s[0] == '-';
  if (negative) i++;
  int64_t secs = 0;
  size_t digits = 0;
  while (i < end && s[i] >= '0' && s[i] <= '9') {
    if (secs > 315576000000 / 10) return false; /* Duration's own limit: 10,000 years */
    secs = secs * 10 + (s[i++] - '0');
    digits++;
  }
  if (digits == 0 || secs > 315576000000) return false;
  int64_t frac = 0;
  if (i < end && s[i] == '.') {
    i++;
    size_t fd = 0;
    while (i < end && s[i] >= '0' && s[i] <= '9' && fd < 9) {
      frac = frac * 10 + (s[i++] - '0');
      fd++;
    }
    if (fd == 0) return false;
    for (; fd < 9; fd++) frac *= 10;
  }
  if (i != end) return false;
  /* Nanoseconds in int64 reach 292 years: longer is "never" in practice. */
  if (secs > INT64_MAX / 1000000000 - 1) {
    *ns = negative ? INT64_MIN : INT64_MAX;
  } else {
    *ns = secs * 1000000000 + frac;
    if (negative) *ns = -*ns;
  }
  return true;
}

static cgrpc_status_code_t get_duration(walk_t *w, const json_t *v, int64_t *ns) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_STRING, "a duration string such as \"1.5s\"");
  if (rc != CGRPC_STATUS_OK) return rc;
  if (!cgrpc_sc_parse_duration(v->str, v->str_len, ns)) {
    return invalid(w, "\"%s\" is not a duration (seconds with an \"s\", such as \"0.25s\")",
                   v->str);
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t get_positive_duration(walk_t *w, const json_t *v, int64_t *ns) {
  cgrpc_status_code_t rc = get_duration(w, v, ns);
  if (rc == CGRPC_STATUS_OK && *ns <= 0) return invalid(w, "must be greater than zero");
  return rc;
}

/* A uint64 in JSON (a number, or a string as proto3 JSON writes it). */
static cgrpc_status_code_t get_uint64(walk_t *w, const json_t *v, uint64_t *out) {
  if (v->kind == CGRPC_JSON_TREE_NUMBER) {
    if (!v->is_int || v->integer < 0) return invalid(w, "must be a whole number of at least 0");
    *out = (uint64_t)v->integer;
    return CGRPC_STATUS_OK;
  }
  if (v->kind == CGRPC_JSON_TREE_STRING && v->str_len > 0 && v->str_len <= 20) {
    uint64_t n = 0;
    for (size_t i = 0; i < v->str_len; i++) {
      char c = v->str[i];
      if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
        return invalid(w, "\"%s\" is not a whole number", v->str);
      }
      n = n * 10 + (uint64_t)(c - '0');
    }
    *out = n;
    return CGRPC_STATUS_OK;
  }
  return invalid(w, "must be a whole number, not %s", kind_name(v));
}

static cgrpc_status_code_t get_bytes(walk_t *w, const json_t *v, uint32_t *out) {
  uint64_t n = 0;
  cgrpc_status_code_t rc = get_uint64(w, v, &n);
  if (rc == CGRPC_STATUS_OK) *out = n < UINT32_MAX - 1 ? (uint32_t)n : UINT32_MAX - 1;
  return rc;
}

static cgrpc_status_code_t get_max_attempts(walk_t *w, const json_t *v, int *out) {
  if (v->kind != CGRPC_JSON_TREE_NUMBER || !v->is_int) {
    return invalid(w, "must be a whole number, not %s",
                   v->kind == CGRPC_JSON_TREE_NUMBER ? "a fraction" : kind_name(v));
  }
  if (v->integer < 2) return invalid(w, "must be at least 2, not %lld", (long long)v->integer);
  *out = v->integer > CGRPC_SC_MAX_ATTEMPTS ? CGRPC_SC_MAX_ATTEMPTS : (int)v->integer;
  return CGRPC_STATUS_OK;
}

/* An array of status codes, by name ("UNAVAILABLE") or number (14). */
static cgrpc_status_code_t get_codes(walk_t *w, const json_t *v, cgrpc_sc_codes_t *out) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_ARRAY, "an array of status codes");
  if (rc != CGRPC_STATUS_OK) return rc;
  *out = 0;
  size_t i = 0;
  for (const json_t *c = v->child; c; c = c->next, i++) {
    size_t old = push(w, NULL, i);
    cgrpc_status_code_t code;
    if (c->kind == CGRPC_JSON_TREE_STRING) {
      if (!cgrpc_status_code_from_name(c->str, c->str_len, &code)) {
        return invalid(w, "\"%s\" is not a status code name (such as \"UNAVAILABLE\")", c->str);
      }
    } else if (c->kind == CGRPC_JSON_TREE_NUMBER && c->is_int && c->integer >= 0 &&
               c->integer <= 16) {
      code = (cgrpc_status_code_t)c->integer;
    } else {
      return invalid(w, "must be a status code name or a number from 0 to 16");
    }
    if (code == CGRPC_STATUS_OK) return invalid(w, "OK is not a failure");
    *out |= CGRPC_SC_CODE(code);
    pop(w, old);
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t get_string(walk_t *w, const json_t *v, const char **out) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_STRING, "a string");
  if (rc == CGRPC_STATUS_OK) *out = v->str; /* in the arena already */
  return rc;
}

/* ---- Objects ------------------------------------------------------------------------- */

/* Runs `fn` on member `name` of obj when present, with the path extended. */
#define FIELD(w, obj, name, call)                          \
  do {                                                     \
    const json_t *v_ = cgrpc_json_tree_get((obj), (name)); \
    if (v_ && v_->kind != CGRPC_JSON_TREE_NULL) {          \
      size_t old_ = push((w), (name), 0);                  \
      const json_t *v = v_;                                \
      cgrpc_status_code_t rc_ = (call);                    \
      if (rc_ != CGRPC_STATUS_OK) return rc_;              \
      pop((w), old_);                                      \
    }                                                      \
  } while (0)

static bool has(const json_t *obj, const char *name) {
  const json_t *v = cgrpc_json_tree_get(obj, name);
  return v && v->kind != CGRPC_JSON_TREE_NULL;
}

static cgrpc_status_code_t missing(walk_t *w, const char *name) {
  return invalid(w, "%s is required", name);
}

static cgrpc_status_code_t parse_retry(walk_t *w, const json_t *o, cgrpc_sc_retry_policy_t **out) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  cgrpc_sc_retry_policy_t *p = cgrpc_arena_calloc(w->arena, sizeof *p);
  if (!p) return no_memory(w);
  static const char *const required[] = {"maxAttempts", "initialBackoff", "maxBackoff",
                                         "backoffMultiplier", "retryableStatusCodes"};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    if (!has(o, required[i])) return missing(w, required[i]);
  }
  FIELD(w, o, "maxAttempts", get_max_attempts(w, v, &p->max_attempts));
  FIELD(w, o, "initialBackoff", get_positive_duration(w, v, &p->initial_backoff_ns));
  FIELD(w, o, "maxBackoff", get_positive_duration(w, v, &p->max_backoff_ns));
  FIELD(w, o, "backoffMultiplier",
        v->kind != CGRPC_JSON_TREE_NUMBER || !(v->number > 0) || !isfinite(v->number)
            ? invalid(w, "must be a number greater than zero")
            : (p->backoff_multiplier = v->number, CGRPC_STATUS_OK));
  FIELD(w, o, "retryableStatusCodes", get_codes(w, v, &p->retryable_codes));
  if (p->retryable_codes == 0) {
    size_t old = push(w, "retryableStatusCodes", 0);
    rc = invalid(w, "must name at least one status code");
    pop(w, old);
    return rc;
  }
  *out = p;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_hedging(walk_t *w, const json_t *o,
                                         cgrpc_sc_hedging_policy_t **out) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  cgrpc_sc_hedging_policy_t *p = cgrpc_arena_calloc(w->arena, sizeof *p);
  if (!p) return no_memory(w);
  if (!has(o, "maxAttempts")) return missing(w, "maxAttempts");
  FIELD(w, o, "maxAttempts", get_max_attempts(w, v, &p->max_attempts));
  FIELD(w, o, "hedgingDelay", get_duration(w, v, &p->hedging_delay_ns));
  if (p->hedging_delay_ns < 0) {
    size_t old = push(w, "hedgingDelay", 0);
    rc = invalid(w, "must not be negative");
    pop(w, old);
    return rc;
  }
  FIELD(w, o, "nonFatalStatusCodes", get_codes(w, v, &p->non_fatal_codes));
  *out = p;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_name(walk_t *w, const json_t *o, cgrpc_sc_name_t *n) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  n->service = "";
  n->method = "";
  FIELD(w, o, "service", get_string(w, v, &n->service));
  FIELD(w, o, "method", get_string(w, v, &n->method));
  if (n->service[0] == '\0' && n->method[0] != '\0') {
    return invalid(w, "a method (\"%s\") needs its service", n->method);
  }
  return CGRPC_STATUS_OK;
}

/* A JSON array parsed element by element into a new arena array of
 * `size`-byte elements, each by `parse` with its index on the error path. */
typedef cgrpc_status_code_t (*parse_elem_fn)(walk_t *w, const json_t *v, void *elem);

static cgrpc_status_code_t parse_elements(walk_t *w, const json_t *v, size_t size,
                                          parse_elem_fn parse, void **out) {
  uint8_t *elems = cgrpc_arena_calloc(w->arena, v->count * size);
  if (!elems) return no_memory(w);
  size_t i = 0;
  for (const json_t *c = v->child; c; c = c->next, i++) {
    size_t old = push(w, NULL, i);
    cgrpc_status_code_t rc = parse(w, c, elems + i * size);
    if (rc != CGRPC_STATUS_OK) return rc;
    pop(w, old);
  }
  *out = elems;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_name_elem(walk_t *w, const json_t *v, void *elem) {
  return parse_name(w, v, elem);
}

static cgrpc_status_code_t parse_names(walk_t *w, const json_t *v, cgrpc_sc_method_config_t *mc) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_ARRAY, "an array of names");
  if (rc != CGRPC_STATUS_OK) return rc;
  if (v->count == 0) return invalid(w, "must name at least one service");
  void *names;
  rc = parse_elements(w, v, sizeof *mc->names, parse_name_elem, &names);
  if (rc != CGRPC_STATUS_OK) return rc;
  mc->names = names;
  mc->name_count = v->count;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_method_config(walk_t *w, const json_t *o,
                                               cgrpc_sc_method_config_t *mc) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  FIELD(w, o, "name", parse_names(w, v, mc));
  FIELD(w, o, "timeout", (mc->has_timeout = true, get_positive_duration(w, v, &mc->timeout_ns)));
  FIELD(w, o, "waitForReady",
        want(w, v, CGRPC_JSON_TREE_BOOL, "true or false") != CGRPC_STATUS_OK
            ? CGRPC_STATUS_INVALID_ARGUMENT
            : (mc->has_wait_for_ready = true, mc->wait_for_ready = v->boolean, CGRPC_STATUS_OK));
  FIELD(w, o, "maxRequestMessageBytes",
        (mc->has_max_request_bytes = true, get_bytes(w, v, &mc->max_request_bytes)));
  FIELD(w, o, "maxResponseMessageBytes",
        (mc->has_max_response_bytes = true, get_bytes(w, v, &mc->max_response_bytes)));
  if (has(o, "retryPolicy") && has(o, "hedgingPolicy")) {
    return invalid(w, "retryPolicy and hedgingPolicy cannot both be set");
  }
  cgrpc_sc_retry_policy_t *retry = NULL;
  cgrpc_sc_hedging_policy_t *hedging = NULL;
  FIELD(w, o, "retryPolicy", parse_retry(w, v, &retry));
  FIELD(w, o, "hedgingPolicy", parse_hedging(w, v, &hedging));
  mc->retry = retry;
  mc->hedging = hedging;
  return CGRPC_STATUS_OK;
}

static bool same_name(const cgrpc_sc_name_t *a, const cgrpc_sc_name_t *b) {
  return strcmp(a->service, b->service) == 0 && strcmp(a->method, b->method) == 0;
}

/* gRPC refuses a config that names a method (or service, or the default)
 * twice: which entry applies would be a guess. */
static cgrpc_status_code_t check_duplicates(walk_t *w, const cgrpc_sc_method_config_t *mcs,
                                            size_t count) {
  for (size_t i = 0; i < count; i++) {
    for (size_t j = 0; j < mcs[i].name_count; j++) {
      const cgrpc_sc_name_t *n = &mcs[i].names[j];
      for (size_t k = 0; k <= i; k++) {
        size_t end = k == i ? j : mcs[k].name_count;
        for (size_t l = 0; l < end; l++) {
          if (!same_name(n, &mcs[k].names[l])) continue;
          size_t old = push(w, "methodConfig", 0);
          push(w, NULL, i);
          push(w, "name", 0);
          push(w, NULL, j);
          cgrpc_status_code_t rc;
          if (n->service[0] == '\0') {
            rc = invalid(w, "the default (empty name) is given twice");
          } else {
            rc = invalid(w, "\"%s/%s\" is named twice (also in methodConfig[%zu])", n->service,
                         n->method, k);
          }
          pop(w, old);
          return rc;
        }
      }
    }
  }
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_method_config_elem(walk_t *w, const json_t *v, void *elem) {
  return parse_method_config(w, v, elem);
}

static cgrpc_status_code_t parse_method_configs(walk_t *w, const json_t *v,
                                                cgrpc_service_config_t *sc) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_ARRAY, "an array");
  if (rc != CGRPC_STATUS_OK) return rc;
  if (v->count == 0) return CGRPC_STATUS_OK;
  void *mcs;
  rc = parse_elements(w, v, sizeof *sc->methods, parse_method_config_elem, &mcs);
  if (rc != CGRPC_STATUS_OK) return rc;
  sc->methods = mcs;
  sc->method_count = v->count;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_throttling(walk_t *w, const json_t *o,
                                            cgrpc_service_config_t *sc) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  if (!has(o, "maxTokens")) return missing(w, "maxTokens");
  if (!has(o, "tokenRatio")) return missing(w, "tokenRatio");
  FIELD(w, o, "maxTokens",
        v->kind != CGRPC_JSON_TREE_NUMBER || !v->is_int || v->integer <= 0 || v->integer > 1000
            ? invalid(w, "must be a whole number from 1 to 1000")
            : (sc->max_milli_tokens = (uint32_t)v->integer * 1000, CGRPC_STATUS_OK));
  /* Three decimal places count; more are dropped (gRFC A6). */
  FIELD(
      w, o, "tokenRatio",
      v->kind != CGRPC_JSON_TREE_NUMBER || !(v->number > 0) || v->number > 1e6
          ? invalid(w, "must be a number greater than zero")
          : (sc->token_ratio_milli = (uint32_t)(v->number * 1000.0 + 1e-9),
             sc->token_ratio_milli == 0 ? invalid(w, "must be at least 0.001") : CGRPC_STATUS_OK));
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_lb_configs(walk_t *w, const json_t *v,
                                            cgrpc_service_config_t *sc) {
  cgrpc_status_code_t rc = want(w, v, CGRPC_JSON_TREE_ARRAY, "an array of policies");
  if (rc != CGRPC_STATUS_OK) return rc;
  if (v->count == 0) return CGRPC_STATUS_OK;
  cgrpc_sc_lb_config_t *lbs = cgrpc_arena_calloc(w->arena, v->count * sizeof *lbs);
  if (!lbs) return no_memory(w);
  size_t i = 0;
  for (const json_t *c = v->child; c; c = c->next, i++) {
    size_t old = push(w, NULL, i);
    rc = want(w, c, CGRPC_JSON_TREE_OBJECT, "an object with one policy");
    if (rc != CGRPC_STATUS_OK) return rc;
    if (c->count != 1) {
      return invalid(w, "must hold exactly one policy, not %zu", c->count);
    }
    const json_t *cfg = c->child;
    push(w, cfg->key, 0);
    rc = want(w, cfg, CGRPC_JSON_TREE_OBJECT, "an object (the policy's config; {} for none)");
    if (rc != CGRPC_STATUS_OK) return rc;
    lbs[i].policy = cfg->key;
    char *text = cgrpc_arena_alloc(w->arena, cfg->text_len + 1);
    if (!text) return no_memory(w);
    memcpy(text, cfg->text, cfg->text_len);
    text[cfg->text_len] = '\0';
    lbs[i].config_json = text;
    lbs[i].config_len = cfg->text_len;
    pop(w, old);
  }
  sc->lb_configs = lbs;
  sc->lb_config_count = v->count;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_health(walk_t *w, const json_t *o, cgrpc_service_config_t *sc) {
  cgrpc_status_code_t rc = want(w, o, CGRPC_JSON_TREE_OBJECT, "an object");
  if (rc != CGRPC_STATUS_OK) return rc;
  FIELD(w, o, "serviceName", get_string(w, v, &sc->health_check_service));
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t parse_root(walk_t *w, const json_t *root, cgrpc_service_config_t *sc) {
  cgrpc_status_code_t rc = want(w, root, CGRPC_JSON_TREE_OBJECT, "a JSON object");
  if (rc != CGRPC_STATUS_OK) return rc;
  FIELD(w, root, "methodConfig", parse_method_configs(w, v, sc));
  rc = check_duplicates(w, sc->methods, sc->method_count);
  if (rc != CGRPC_STATUS_OK) return rc;
  FIELD(w, root, "retryThrottling", parse_throttling(w, v, sc));
  FIELD(w, root, "loadBalancingConfig", parse_lb_configs(w, v, sc));
  FIELD(w, root, "loadBalancingPolicy", get_string(w, v, &sc->lb_policy));
  FIELD(w, root, "healthCheckConfig", parse_health(w, v, sc));
  return CGRPC_STATUS_OK;
}

/* ---- Public (internal) API --------------------------------------------------------- */

cgrpc_status_code_t cgrpc_service_config_parse(const char *json, size_t len,
                                               cgrpc_service_config_t **out, cgrpc_error_t *err) {
  *out = NULL;
  cgrpc_service_config_t *sc = cgrpc_malloc(sizeof *sc);
  walk_t w = {.err = err};
  if (!sc) return no_memory(&w);
  memset(sc, 0, sizeof *sc);
  atomic_init(&sc->refs, 1);
  cgrpc_arena_init(&sc->arena, NULL, 0);
  w.arena = &sc->arena;
  char *copy = cgrpc_arena_alloc(&sc->arena, len + 1);
  cgrpc_status_code_t rc = CGRPC_STATUS_OK;
  if (!copy) {
    rc = no_memory(&w);
  } else {
    memcpy(copy, json, len);
    copy[len] = '\0';
    sc->json = copy;
    sc->json_len = len;
    const json_t *root = NULL;
    cgrpc_error_t jerr = {{0}};
    rc = cgrpc_json_tree_parse(copy, len, SC_MAX_DEPTH, &sc->arena, &root, &jerr);
    if (rc == CGRPC_STATUS_RESOURCE_EXHAUSTED) {
      rc = no_memory(&w);
    } else if (rc != CGRPC_STATUS_OK) {
      if (err) snprintf(err->message, sizeof err->message, "service config: %.200s", jerr.message);
    } else {
      rc = parse_root(&w, root, sc);
    }
  }
  if (rc != CGRPC_STATUS_OK) {
    cgrpc_service_config_unref(sc);
    return rc;
  }
  *out = sc;
  return CGRPC_STATUS_OK;
}

cgrpc_service_config_t *cgrpc_service_config_ref(cgrpc_service_config_t *sc) {
  if (sc) atomic_fetch_add_explicit(&sc->refs, 1, memory_order_relaxed);
  return sc;
}

void cgrpc_service_config_unref(cgrpc_service_config_t *sc) {
  if (!sc || atomic_fetch_sub_explicit(&sc->refs, 1, memory_order_acq_rel) != 1) return;
  cgrpc_arena_free(&sc->arena);
  cgrpc_free(sc);
}

const cgrpc_sc_method_config_t *cgrpc_service_config_lookup(const cgrpc_service_config_t *sc,
                                                            const char *path) {
  if (!sc || sc->method_count == 0 || !path) return NULL;
  /* "/service/method": split without copying. */
  const char *service = path[0] == '/' ? path + 1 : path;
  const char *slash = strchr(service, '/');
  size_t service_len = slash ? (size_t)(slash - service) : strlen(service);
  const char *method = slash ? slash + 1 : "";
  const cgrpc_sc_method_config_t *for_service = NULL, *fallback = NULL;
  for (size_t i = 0; i < sc->method_count; i++) {
    const cgrpc_sc_method_config_t *mc = &sc->methods[i];
    for (size_t j = 0; j < mc->name_count; j++) {
      const cgrpc_sc_name_t *n = &mc->names[j];
      if (n->service[0] == '\0') {
        fallback = mc;
        continue;
      }
      if (strncmp(n->service, service, service_len) != 0 || n->service[service_len] != '\0') {
        continue;
      }
      if (n->method[0] == '\0') {
        for_service = mc;
      } else if (strcmp(n->method, method) == 0) {
        return mc;
      }
    }
  }
  return for_service ? for_service : fallback;
}
