/* cgrpc/cgrpc.h — everything: include this one header to use cgrpc.
 *
 *   arena.h        region allocator for messages and calls
 *   alloc.h        the heap hooks
 *   pb.h           protobuf encode/decode (pb_table.h: the generated tables)
 *   status.h       gRPC status codes
 *   metadata.h     call metadata (headers and trailers)
 *   compression.h  message compression choices
 *   error.h        library error values
 *   time.h         durations, deadlines, CGRPC_INFINITE
 *   options.h      how server and channel options are set
 *   call.h         client calls: options, status, streaming
 *   channel.h      client channels
 *   server.h       servers and server calls
 *   log.h          where the library's diagnostics go
 *   version.h      library version
 */
#ifndef CGRPC_CGRPC_H
#define CGRPC_CGRPC_H

#include "cgrpc/alloc.h"
#include "cgrpc/arena.h"
#include "cgrpc/call.h"
#include "cgrpc/channel.h"
#include "cgrpc/compression.h"
#include "cgrpc/error.h"
#include "cgrpc/log.h"
#include "cgrpc/metadata.h"
#include "cgrpc/options.h"
#include "cgrpc/pb.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/server.h"
#include "cgrpc/status.h"
#include "cgrpc/time.h"
#include "cgrpc/version.h"

#endif /* CGRPC_CGRPC_H */
