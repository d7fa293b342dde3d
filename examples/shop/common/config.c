/* config.c — see config.h. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define MAX_ENTRIES 64

struct shop_config {
  char *path;
  size_t count;
  char *keys[MAX_ENTRIES];
  char *values[MAX_ENTRIES];
};

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

cgrpc_status_code_t shop_config_load(const char *path, shop_config_t **out, cgrpc_error_t *err) {
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (!f)
    return shop_error(err, CGRPC_STATUS_INVALID_ARGUMENT, "cannot read the configuration %s", path);
  shop_config_t *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup(path))) {
    fclose(f);
    free(c);
    return shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory reading %s", path);
  }
  char line[1024];
  int number = 0;
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  while (!code && fgets(line, sizeof line, f)) {
    number++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *text = trim(line);
    if (!*text) continue;
    char *eq = strchr(text, '=');
    if (!eq || c->count == MAX_ENTRIES) {
      code = shop_error(err, CGRPC_STATUS_INVALID_ARGUMENT,
                        "%s:%d: expected `key = value` (at most %d entries)", path, number,
                        MAX_ENTRIES);
      break;
    }
    *eq = '\0';
    c->keys[c->count] = strdup(trim(text));
    c->values[c->count] = strdup(trim(eq + 1));
    if (!c->keys[c->count] || !c->values[c->count]) {
      free(c->keys[c->count]);
      code = shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory reading %s", path);
      break;
    }
    c->count++;
  }
  fclose(f);
  if (code) {
    shop_config_free(c);
    return code;
  }
  *out = c;
  return CGRPC_STATUS_OK;
}

const char *shop_config_get(const shop_config_t *c, const char *key, const char *fallback) {
  /* The last line wins, so a file can be extended by appending to it. */
  for (size_t i = c->count; i-- > 0;)
    if (strcmp(c->keys[i], key) == 0) return c->values[i];
  return fallback;
}

cgrpc_status_code_t shop_config_require(const shop_config_t *c, const char *key, const char **out,
                                        cgrpc_error_t *err) {
  *out = shop_config_get(c, key, NULL);
  if (*out && **out) return CGRPC_STATUS_OK;
  return shop_error(err, CGRPC_STATUS_NOT_FOUND, "%s does not set `%s`; add a line `%s = ...`",
                    c->path, key, key);
}

void shop_config_free(shop_config_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->count; i++) {
    free(c->keys[i]);
    free(c->values[i]);
  }
  free(c->path);
  free(c);
}
