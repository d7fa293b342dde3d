/* message_only.c — generated code of a file without services must not need
 * the gRPC runtime: its header includes cgrpc/pb.h but not the channel and
 * server API. Compiled into test_generated, so the build fails when that
 * breaks. */
#include "cgrpc_test/sample2.pb.h"

#if defined(CGRPC_CHANNEL_H) || defined(CGRPC_SERVER_H) || defined(CGRPC_CALL_H)
#error "sample2.pb.h declares no service but includes the gRPC API"
#endif
