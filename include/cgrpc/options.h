/* cgrpc/options.h — how option structs are declared, initialised and checked.
 *
 * The server's and the channel's options (cgrpc/server.h, cgrpc/channel.h)
 * are each written once, as a table: one row per option with its type, name,
 * default, legal range and a line of documentation. The struct, its
 * initialiser, the validation in cgrpc_server_new()/cgrpc_channel_new() and
 * the table in docs/options.md all come from that row, so they cannot
 * disagree.
 *
 * Start from the defaults, then change what you need:
 *
 *   cgrpc_server_options_t opts = CGRPC_SERVER_OPTIONS_INIT;
 *   opts.max_ping_strikes = 0;                 (zero means zero)
 *   opts.keepalive_time_ns = CGRPC_INFINITE;   (a timer off)
 *   opts.max_concurrent_streams = CGRPC_UNLIMITED;
 *
 * A struct that did not start from its INIT macro or init function (a `{0}`
 * or a designated initialiser alone) is refused with INVALID_ARGUMENT, so a
 * zero can never be mistaken for "the default".
 *
 * The option types:
 *   INT    int
 *   COUNT  uint32_t: a count or a rate; CGRPC_UNLIMITED: no limit
 *   BYTES  uint32_t: a size in bytes; CGRPC_UNLIMITED: no limit
 *   NS     int64_t nanoseconds (cgrpc/time.h); CGRPC_INFINITE: off, never
 *   BOOL   bool
 *   STR    const char *, copied when the object is created; NULL: unset
 */
#ifndef CGRPC_OPTIONS_H
#define CGRPC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/time.h"

/* No limit, for a count, a rate or a size (COUNT and BYTES options). A limit in
 * time has its own word: CGRPC_INFINITE. */
#define CGRPC_UNLIMITED UINT32_MAX

/* The C type of each option type. */
#define CGRPC_OPTION_TYPE_INT int
#define CGRPC_OPTION_TYPE_COUNT uint32_t
#define CGRPC_OPTION_TYPE_BYTES uint32_t
#define CGRPC_OPTION_TYPE_NS int64_t
#define CGRPC_OPTION_TYPE_BOOL bool
#define CGRPC_OPTION_TYPE_STR const char *

/* Row expanders for the tables: a struct field, a positional initialiser. */
#define CGRPC_OPTION_FIELD_(type, name, def, lo, hi, doc) CGRPC_OPTION_TYPE_##type name;
#define CGRPC_OPTION_DEFAULT_(type, name, def, lo, hi, doc) def,

/* Set only by the INIT macros and init functions: a struct without it was
 * not initialised from them. Not a version number; do not set it. */
#define CGRPC_OPTIONS_INIT_MAGIC_ 0x6f707431u /* "opt1" */

#endif /* CGRPC_OPTIONS_H */
