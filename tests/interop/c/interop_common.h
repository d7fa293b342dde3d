/* interop_common.h — what the cgrpc interop client and server share.
 *
 * Both programs speak the flag style of grpc/grpc
 * doc/interop-test-descriptions.md (--name=value), look methods up by name
 * in the generated grpc.testing service tables, and fill payloads with zero
 * bytes. Keeping these here lets each program read as the test description
 * it implements.
 */
#ifndef CGRPC_INTEROP_COMMON_H
#define CGRPC_INTEROP_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "cgrpc/arena.h"
#include "cgrpc/metadata.h"
#include "cgrpc/pb_table.h"
#include "grpc/testing/messages.pb.h"

#define INTEROP_ECHO_INITIAL_KEY "x-grpc-test-echo-initial"
#define INTEROP_ECHO_TRAILING_KEY "x-grpc-test-echo-trailing-bin"

/* One command-line flag: its name (without "--") and its value, which
 * starts as the default (NULL: required) and is replaced from argv. */
typedef struct interop_flag {
  const char *name;
  const char *value;
} interop_flag_t;

/* Fills `flags` from argv ("--name=value" or "--name value"). Prints a
 * message naming the problem and exits with status 2 on an unknown flag, a
 * missing value or a required flag left unset. */
void interop_flags_parse(int argc, char **argv, interop_flag_t *flags, size_t count);

/* The value of flag `name` (which must be one of `flags`). */
const char *interop_flag(const interop_flag_t *flags, size_t count, const char *name);

/* Parses a flag value as a port (0-65535) or a boolean (true/false);
 * prints a message and exits with status 2 when it is not one. */
int interop_flag_port(const char *name, const char *value);
bool interop_flag_bool(const char *name, const char *value);

/* The method called `name` in `service`; exits with status 2 if the
 * generated table has no such method (the protos and the code disagree). */
const cgrpc_pb_method_t *interop_method(const cgrpc_pb_service_t *service, const char *name);

/* `size` zero bytes: a view of shared static memory when small enough,
 * otherwise zeroed memory from `arena`. NULL data only if the arena fails. */
cgrpc_str_t interop_zeros(cgrpc_arena_t *arena, size_t size);

/* True when all `len` bytes at `data` are zero. */
bool interop_all_zero(const char *data, size_t len);

/* A COMPRESSABLE payload of `size` zero bytes, allocated in `arena`. */
grpc_testing_Payload *interop_payload(cgrpc_arena_t *arena, size_t size);

/* A BoolValue holding `value`, allocated in `arena`. */
grpc_testing_BoolValue *interop_bool(cgrpc_arena_t *arena, bool value);

#endif /* CGRPC_INTEROP_COMMON_H */
