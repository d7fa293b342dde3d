/* cgrpc/compression.h — choosing how messages are compressed on the wire.
 *
 * gRPC compresses each message on its own, with the algorithm named in the
 * call's `grpc-encoding` header. A client picks one per call
 * (cgrpc_call_options_t.compression); a server picks one per call for its
 * responses (cgrpc_server_call_set_compression()), used only if the client
 * said it accepts it. Either side can still send a single message
 * uncompressed (CGRPC_WRITE_NO_COMPRESS). Receiving needs no setting: every
 * algorithm below is understood.
 */
#ifndef CGRPC_COMPRESSION_H
#define CGRPC_COMPRESSION_H

#pragma GCC visibility push(default) /* exported: see cgrpc/cgrpc.h */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum cgrpc_encoding {
  CGRPC_ENCODING_IDENTITY = 0, /* no compression (the default) */
  CGRPC_ENCODING_DEFLATE = 1,  /* zlib format, as gRPC means "deflate" */
  CGRPC_ENCODING_GZIP = 2,     /* gzip */
} cgrpc_encoding_t;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif

#endif /* CGRPC_COMPRESSION_H */
