/* h2/value_list.h — walking the elements of a comma-separated header value.
 *
 * HTTP lets a sender or a proxy join repeated header fields into one value
 * separated by commas (RFC 9110 §5.3), with optional spaces or tabs around
 * each comma. gRPC meets this in two places: `grpc-accept-encoding` is a list
 * by definition, and a joined `-bin` header holds several base64 values, each
 * of which is a separate metadata entry. This cursor hands out the elements
 * as views into the original value: no copy, no allocation.
 *
 * "" is one empty element, "a,,b" is three elements with an empty middle one:
 * whether an empty element means something is the caller's decision.
 */
#ifndef CGRPC_SRC_H2_VALUE_LIST_H
#define CGRPC_SRC_H2_VALUE_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Cursor state; fields are private. Lives on the caller's stack. */
typedef struct cgrpc_value_list {
  const char *next;
  size_t left;
  bool done;
} cgrpc_value_list_t;

/* Starts walking `value` (`len` bytes, which must stay alive meanwhile). */
void cgrpc_value_list_init(cgrpc_value_list_t *list, const char *value, size_t len);

/* Stores the next element, without surrounding spaces and tabs, in
 * *elem / *elem_len and returns true; returns false when all elements have
 * been handed out. */
bool cgrpc_value_list_next(cgrpc_value_list_t *list, const char **elem, size_t *elem_len);

#endif /* CGRPC_SRC_H2_VALUE_LIST_H */
