/* web/static_files.h — helpers of the static file route (web/static_files.c),
 * here for the unit tests. */
#ifndef CGRPC_WEB_STATIC_FILES_H
#define CGRPC_WEB_STATIC_FILES_H

#include <stddef.h>
#include <time.h>

/* The Content-Type for a file name by its extension (octet-stream if unknown). */
const char *static_content_type(const char *path);

/* Percent-decodes a URL path below a route's prefix into out (NUL-ended).
 * Returns its length, or -1 when it holds a bad escape, a NUL or backslash,
 * a "." or ".." segment, or an empty segment before the end, or does not fit. */
int static_relative_path(const char *url, size_t len, char *out, size_t cap);

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void static_http_date(time_t t, char out[32]);

#endif /* CGRPC_WEB_STATIC_FILES_H */
