/* cgrpc/version.h — the library's version, for user-agent strings and checks. */
#ifndef CGRPC_VERSION_H
#define CGRPC_VERSION_H

#define CGRPC_VERSION_MAJOR 0
#define CGRPC_VERSION_MINOR 1
#define CGRPC_VERSION_PATCH 0
#define CGRPC_VERSION_STRING "0.1.0"

/* The user-agent cgrpc clients send, as gRPC implementations name themselves. */
#define CGRPC_USER_AGENT "grpc-c-cgrpc/" CGRPC_VERSION_STRING

#endif /* CGRPC_VERSION_H */
