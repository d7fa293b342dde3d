/* rpc/transport_tls.h — the TLS half of the transport, and the pieces of
 * transport.c it shares. Internal to transport.c and transport_tls.c. */
#ifndef CGRPC_SRC_RPC_TRANSPORT_TLS_H
#define CGRPC_SRC_RPC_TRANSPORT_TLS_H

#include "rpc/transport.h"

/* Reads per wakeup before letting other connections of the loop run. */
#define CGRPC_TRANSPORT_READS_PER_WAKEUP 8

/* transport.c */
void cgrpc_transport_set_interest(cgrpc_transport_t *t, unsigned interest);
void cgrpc_transport_wait_writable(cgrpc_transport_t *t);
void cgrpc_transport_close_ended(cgrpc_transport_t *t, const char *fallback);

/* transport_tls.c */
/* Sets up t->tls (before the watch is added). 0 or -ENOMEM. */
int cgrpc_transport_tls_attach(cgrpc_transport_t *t, const cgrpc_transport_tls_config_t *cfg,
                               bool server);
/* Reads, decrypts, feeds the engine. False when the transport closed. */
bool cgrpc_transport_tls_read(cgrpc_transport_t *t);
/* write_out() for TLS. False when the transport closed. */
bool cgrpc_transport_tls_write_out(cgrpc_transport_t *t);
/* True when no ciphertext waits for the socket. */
bool cgrpc_transport_tls_sent(cgrpc_transport_t *t);
/* The transport is closing: say close_notify if it can, stop the timer,
 * end the handshake's count. Before the socket is closed. */
void cgrpc_transport_tls_closing(cgrpc_transport_t *t);
/* Frees t->tls. */
void cgrpc_transport_tls_release(cgrpc_transport_t *t);

#endif /* CGRPC_SRC_RPC_TRANSPORT_TLS_H */
