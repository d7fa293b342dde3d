/* base/log.h — the library's logger (public half: cgrpc/log.h).
 *
 * Library code reports through cgrpc_log(); the message goes to the handler
 * the application set, or as one line to stderr. A level below the current
 * one costs an atomic load and a branch: nothing is formatted.
 */
#ifndef CGRPC_SRC_BASE_LOG_H
#define CGRPC_SRC_BASE_LOG_H

#include <stdbool.h>

#include "cgrpc/log.h"

/* Longest message a handler receives; longer ones are cut (and end in "..."). */
#define CGRPC_LOG_MESSAGE_MAX 1024

/* True when messages of `level` are delivered: to skip preparing one. */
bool cgrpc_log_enabled(cgrpc_log_level_t level);

/* Formats and delivers a message (no trailing newline). Any thread. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cgrpc_log(cgrpc_log_level_t level, const char *fmt, ...);

#endif /* CGRPC_SRC_BASE_LOG_H */
