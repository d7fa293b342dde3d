/* interop_common.c — flags, method lookup and zero payloads for the interop
 * programs (see interop_common.h).
 *
 * Payloads are all zeros, so one static zero block serves every payload up
 * to its size without allocating; only the 10 MiB request of
 * very_large_request takes arena memory.
 */
#include "interop_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char zero_block[1 << 20];

static void die_usage(const char *program, const char *what, const char *arg) {
  fprintf(stderr, "%s: %s%s\n", program, what, arg);
  exit(2);
}

void interop_flags_parse(int argc, char **argv, interop_flag_t *flags, size_t count) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0) die_usage(argv[0], "unexpected argument ", arg);
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    interop_flag_t *flag = NULL;
    for (size_t j = 0; j < count; j++) {
      if (strlen(flags[j].name) == name_len && strncmp(flags[j].name, name, name_len) == 0) {
        flag = &flags[j];
      }
    }
    if (!flag) die_usage(argv[0], "unknown flag ", arg);
    if (eq) {
      flag->value = eq + 1;
    } else if (i + 1 < argc) {
      flag->value = argv[++i];
    } else {
      die_usage(argv[0], "missing value for ", arg);
    }
  }
  for (size_t j = 0; j < count; j++) {
    if (!flags[j].value) die_usage(argv[0], "required flag missing: --", flags[j].name);
  }
}

const char *interop_flag(const interop_flag_t *flags, size_t count, const char *name) {
  for (size_t j = 0; j < count; j++) {
    if (strcmp(flags[j].name, name) == 0) return flags[j].value;
  }
  fprintf(stderr, "interop: no flag named --%s\n", name);
  abort();
}

int interop_flag_port(const char *name, const char *value) {
  char *end;
  long port = strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || port < 0 || port > 65535) {
    fprintf(stderr, "--%s: not a port number: %s\n", name, value);
    exit(2);
  }
  return (int)port;
}

bool interop_flag_bool(const char *name, const char *value) {
  if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) return true;
  if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) return false;
  fprintf(stderr, "--%s: expected true or false, got %s\n", name, value);
  exit(2);
}

const cgrpc_pb_method_t *interop_method(const cgrpc_pb_service_t *service, const char *name) {
  for (size_t i = 0; i < service->method_count; i++) {
    if (strcmp(service->methods[i].name, name) == 0) return &service->methods[i];
  }
  fprintf(stderr, "interop: %s has no method %s\n", service->full_name, name);
  exit(2);
}

cgrpc_str_t interop_zeros(cgrpc_arena_t *arena, size_t size) {
  if (size <= sizeof zero_block) return (cgrpc_str_t){zero_block, size};
  return (cgrpc_str_t){cgrpc_arena_calloc(arena, size), size};
}

bool interop_all_zero(const char *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (data[i] != 0) return false;
  }
  return true;
}

grpc_testing_Payload *interop_payload(cgrpc_arena_t *arena, size_t size) {
  grpc_testing_Payload *payload = grpc_testing_Payload_new(arena);
  if (payload) {
    payload->type = grpc_testing_COMPRESSABLE;
    payload->body = interop_zeros(arena, size);
  }
  return payload;
}

grpc_testing_BoolValue *interop_bool(cgrpc_arena_t *arena, bool value) {
  grpc_testing_BoolValue *b = grpc_testing_BoolValue_new(arena);
  if (b) b->value = value;
  return b;
}
