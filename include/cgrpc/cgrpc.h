/* cgrpc/cgrpc.h — everything: include this one header to use cgrpc.
 *
 *   arena.h        region allocator for messages and calls
 *   alloc.h        the heap hooks
 *   pb.h           protobuf encode/decode (pb_table.h: the generated tables)
 *   json.h         protobuf messages as JSON (the proto3 JSON mapping)
 *   status.h       gRPC status codes
 *   metadata.h     call metadata (headers and trailers)
 *   compression.h  message compression choices
 *   descriptor.h   descriptor pools and dynamic messages
 *   proto_parser.h .proto files parsed at run time, no protoc needed
 *   error.h        library error values
 *   jwt.h          verifying JSON Web Tokens (bearer tokens)
 *   time.h         durations, deadlines, CGRPC_INFINITE
 *   options.h      how server and channel options are set
 *   call.h         client calls: options, status, streaming
 *   channel.h      client channels
 *   connectivity.h a channel's connectivity state, to read and wait on
 *   resolver.h     plugging a name registry into channels
 *   server.h       servers and server calls
 *   health.h       the standard health service (grpc.health.v1)
 *   reflection.h   server reflection (grpc.reflection.v1 and v1alpha)
 *   log.h          where the library's diagnostics go
 *   version.h      library version
 */
#ifndef CGRPC_CGRPC_H
#define CGRPC_CGRPC_H

/* Exports. libcgrpc is compiled with -fvisibility=hidden, so libcgrpc.so
 * exports only what the public headers declare: each one wraps its
 * declarations in `#pragma GCC visibility push(default)` ... `pop` (gcc and
 * clang), which gives them default visibility both where the library defines
 * them and where a program calls them. A new public header needs the same
 * two lines, or its functions stay hidden; ctest's library.exported_symbols
 * compares the library's exports with these headers' declarations. */

#include "cgrpc/alloc.h"
#include "cgrpc/arena.h"
#include "cgrpc/call.h"
#include "cgrpc/channel.h"
#include "cgrpc/compression.h"
#include "cgrpc/connectivity.h"
#include "cgrpc/descriptor.h"
#include "cgrpc/error.h"
#include "cgrpc/health.h"
#include "cgrpc/interceptor.h"
#include "cgrpc/json.h"
#include "cgrpc/jwt.h"
#include "cgrpc/log.h"
#include "cgrpc/metadata.h"
#include "cgrpc/options.h"
#include "cgrpc/pb.h"
#include "cgrpc/pb_table.h"
#include "cgrpc/reflection.h"
#include "cgrpc/proto_parser.h"
#include "cgrpc/resolver.h"
#include "cgrpc/server.h"
#include "cgrpc/status_details.h"
#include "cgrpc/status.h"
#include "cgrpc/time.h"
#include "cgrpc/tls.h"
#include "cgrpc/version.h"

#endif /* CGRPC_CGRPC_H */
