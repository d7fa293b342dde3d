/* h2/options.h — a connection's options from a server's or a channel's.
 *
 * The public option tables (cgrpc/server.h, cgrpc/channel.h) are the one
 * place defaults are written; the rpc layer validates what the user gave and
 * hands it here once, when the server or channel is created, and every
 * connection then copies the result. Pure functions, any thread.
 */
#ifndef CGRPC_SRC_H2_OPTIONS_H
#define CGRPC_SRC_H2_OPTIONS_H

#include "cgrpc/channel.h"
#include "cgrpc/server.h"
#include "h2/conn.h"

/* Fills every field of `h` from a server's validated options. */
void cgrpc_h2_options_from_server(cgrpc_h2_options_t *h, const cgrpc_server_options_t *o);

/* Fills every field of `h` from a channel's validated options; what a
 * channel has no option for keeps cgrpc_h2_options_init()'s value. */
void cgrpc_h2_options_from_channel(cgrpc_h2_options_t *h, const cgrpc_channel_options_t *o);

#endif /* CGRPC_SRC_H2_OPTIONS_H */
