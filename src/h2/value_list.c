/* Comma-separated header value cursor. See h2/value_list.h. */
#include "h2/value_list.h"

#include <string.h>

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

void cgrpc_value_list_init(cgrpc_value_list_t *list, const char *value, size_t len) {
  list->next = value;
  list->left = len;
  list->done = false;
}

bool cgrpc_value_list_next(cgrpc_value_list_t *list, const char **elem, size_t *elem_len) {
  if (list->done) return false;
  const char *start = list->next;
  const char *comma = list->left ? memchr(start, ',', list->left) : NULL;
  size_t len = comma ? (size_t)(comma - start) : list->left;
  if (comma) {
    list->next = comma + 1;
    list->left -= len + 1;
  } else {
    list->done = true;
  }
  while (len > 0 && is_ows(*start)) start++, len--;
  while (len > 0 && is_ows(start[len - 1])) len--;
  *elem = start;
  *elem_len = len;
  return true;
}
