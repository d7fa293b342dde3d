/* h2/http1_bridge.h — HTTP/1.1 on a server connection (http1_bridge.c
 * explains how). The engine's public functions (h2/conn.h) switch to these
 * once a connection turned out to speak HTTP/1.1; nothing outside src/h2
 * calls them. */
#ifndef CGRPC_SRC_H2_HTTP1_BRIDGE_H
#define CGRPC_SRC_H2_HTTP1_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct cgrpc_h2_conn cgrpc_h2_conn_t;
typedef struct cgrpc_h2_http1 cgrpc_h2_http1_t;

/* Whether a connection's first bytes are an HTTP/1.x request line (a
 * method token and a space) rather than the HTTP/2 preface. *need_more:
 * too few bytes to tell. */
bool cgrpc_h2_http1_detect(const uint8_t *data, size_t len, bool *need_more);

int cgrpc_h2_http1_new(cgrpc_h2_conn_t *c, cgrpc_h2_http1_t **out);
void cgrpc_h2_http1_free(cgrpc_h2_http1_t *b);
int cgrpc_h2_http1_recv(cgrpc_h2_http1_t *b, const uint8_t *data, size_t len);
int cgrpc_h2_http1_flush(cgrpc_h2_http1_t *b);
size_t cgrpc_h2_http1_output(cgrpc_h2_http1_t *b, struct iovec *iov, size_t max);
size_t cgrpc_h2_http1_output_size(const cgrpc_h2_http1_t *b);
void cgrpc_h2_http1_written(cgrpc_h2_http1_t *b, size_t n);
bool cgrpc_h2_http1_finished(const cgrpc_h2_http1_t *b);
int64_t cgrpc_h2_http1_next_deadline(const cgrpc_h2_http1_t *b);
void cgrpc_h2_http1_expire(cgrpc_h2_http1_t *b, int64_t now);

#endif /* CGRPC_SRC_H2_HTTP1_BRIDGE_H */
