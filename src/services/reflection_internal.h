/* services/reflection_internal.h — server reflection's pieces:
 * reflection.c (enabling, the descriptor pool and the service list),
 * reflection_answer.c (one request, one response) and
 * reflection_stream.c (the bidirectional stream that carries them).
 *
 * v1 and v1alpha are the same protocol under two package names: their
 * generated C structs have the same layout (checked in reflection_answer.c),
 * so the code works on the v1 structs and each method's own tables do the
 * decoding and encoding.
 */
#ifndef CGRPC_SRC_SERVICES_REFLECTION_INTERNAL_H
#define CGRPC_SRC_SERVICES_REFLECTION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "cgrpc/reflection.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "rpc/server_internal.h"

struct cgrpc_reflection {
  cgrpc_server_t *srv;
  /* Filled by cgrpc_reflection_add_*() before start, and with the files of
   * the registered services by the first stream (reflection_ready()); read
   * without the mutex once `ready`. */
  cgrpc_pool_t *pool;
  const char **services; /* registered service names, sorted, unique */
  size_t service_count;
  pthread_mutex_t mu;
  bool ready;
  cgrpc_server_hook_t hook; /* frees this with the server */
};

/* Completes the pool and the service list on first use (any loop thread);
 * false when memory ran out. */
bool reflection_ready(cgrpc_reflection_t *r);

/* The files already sent on one stream (each is sent once per stream). */
typedef struct reflection_sent {
  const cgrpc_file_desc_t **files;
  size_t count, cap;
} reflection_sent_t;

/* Fills `resp` with the answer to `req`: memory from `arena` (the
 * message's), the sent-files set grown in `stream_arena`. False when memory
 * ran out. */
bool reflection_answer(const cgrpc_reflection_t *r,
                       const grpc_reflection_v1_ServerReflectionRequest *req,
                       grpc_reflection_v1_ServerReflectionResponse *resp, reflection_sent_t *sent,
                       cgrpc_arena_t *arena, cgrpc_arena_t *stream_arena);

/* The ServerReflectionInfo handler (INLINE; user_data is the reflection). */
void reflection_stream_handler(cgrpc_server_call_t *call, const void *request, void *user_data);

#endif /* CGRPC_SRC_SERVICES_REFLECTION_INTERNAL_H */
