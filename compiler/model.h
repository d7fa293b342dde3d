/* model.h — the generator's view of a CodeGeneratorRequest.
 *
 * protoc hands the plugin raw FileDescriptorProtos. Before any code is
 * written, the model resolves them into what the emitters need: every
 * message, enum and service with its C name, every field with its C member
 * name, resolved type, table flags and presence, and the list of problems
 * (unknown syntax, C name clashes) that must go back to protoc as an error.
 * Keeping every decision here means the header and source emitters agree by
 * construction and contain only formatting.
 *
 * All model memory lives in one arena; nothing is freed piecemeal.
 */
#ifndef CGRPC_COMPILER_MODEL_H
#define CGRPC_COMPILER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/pb_table.h"
#include "google/protobuf/compiler/plugin.pb.h"
#include "google/protobuf/descriptor.pb.h"

typedef struct gen_file gen_file_t;
typedef struct gen_msg gen_msg_t;
typedef struct gen_enum gen_enum_t;

typedef struct gen_enum_value {
  const char *proto_name; /* "RED" */
  const char *c_name;     /* "a_b_RED" */
  int32_t number;
} gen_enum_value_t;

struct gen_enum {
  const char *full_name; /* "a.b.Color" */
  const char *c_name;    /* "a_b_Color" */
  const gen_file_t *file;
  bool closed;              /* declared in a proto2 file */
  gen_enum_value_t *values; /* declaration order */
  size_t value_count;
  gen_enum_value_t *sorted; /* by number, first name of each number only */
  size_t sorted_count;
  gen_enum_value_t *aliases; /* the other names of numbers (allow_alias), in order */
  size_t alias_count;
};

typedef struct gen_oneof {
  const char *proto_name;  /* "kind" */
  const char *member;      /* union member name in the struct */
  const char *case_member; /* "kind_case" */
  const char *case_type;   /* "a_b_Msg_kind_case" (enum of case constants) */
  const char *not_set;     /* "a_b_Msg_kind_NOT_SET" */
} gen_oneof_t;

typedef struct gen_field {
  const google_protobuf_FieldDescriptorProto *d;
  const char *proto_name;
  const char *json_name;
  const char *member;     /* C member (inside the oneof union when `oneof`) */
  const char *has_member; /* "has_x", or NULL without explicit presence */
  const char *case_const; /* oneof case constant "a_b_Msg_kind_x", or NULL */
  const char *setter;     /* "a_b_Msg_set_x", or NULL when none is emitted */
  const char *map_prefix; /* "a_b_Msg_x" of the map accessors (_get, ...), or NULL */
  gen_oneof_t *oneof;     /* real (not synthetic) oneof, or NULL */
  bool oneof_first;       /* first member of `oneof` in declaration order */
  const gen_msg_t *msg;   /* message or group type */
  const gen_enum_t *enm;  /* enum type */
  const char *default_c;  /* C initialiser of a non-zero default, or NULL */
  uint32_t number;
  int type;      /* cgrpc_pb_type_t */
  uint8_t flags; /* CGRPC_PB_FIELD_* */
  uint16_t sub;  /* index into the message's subs */
} gen_field_t;

/* A table a message's fields refer to: a message table or a closed enum's. */
typedef struct gen_sub {
  const gen_msg_t *msg;
  const gen_enum_t *enm;
} gen_sub_t;

struct gen_msg {
  const google_protobuf_DescriptorProto *d;
  const char *full_name; /* "a.b.Outer.Inner" */
  const char *c_name;    /* "a_b_Outer_Inner" */
  const gen_file_t *file;
  bool map_entry;
  uint8_t flags;       /* CGRPC_PB_MSG_* */
  gen_field_t *fields; /* declaration order */
  size_t field_count;
  gen_field_t **by_number; /* the same fields sorted by number */
  gen_oneof_t *oneofs;     /* real oneofs only */
  size_t oneof_count;
  gen_sub_t *subs; /* sub-tables in the order fields (by number) use them */
  size_t sub_count;
  bool has_defaults; /* some field has a non-zero default */
};

typedef struct gen_method {
  const char *name;   /* "SayHello" */
  const char *path;   /* "/helloworld.Greeter/SayHello" */
  const char *c_name; /* "helloworld_Greeter_SayHello": the client stub, prefix of the rest */
  const char *member; /* "SayHello": its member in the service's handler struct */
  const gen_msg_t *input;
  const gen_msg_t *output;
  bool client_streaming;
  bool server_streaming;
} gen_method_t;

typedef struct gen_service {
  const char *full_name; /* "helloworld.Greeter" */
  const char *c_name;    /* "helloworld_Greeter" */
  gen_method_t *methods;
  size_t method_count;
} gen_service_t;

struct gen_file {
  const google_protobuf_FileDescriptorProto *d;
  const char *name;    /* "a/b/foo.proto" */
  const char *package; /* "a.b", or "" */
  const char *symbol;  /* "a_b_foo_proto": prefix of the file's own symbols */
  bool proto3;
  const gen_file_t **deps;
  size_t dep_count;
  gen_msg_t **msgs; /* every message, nested ones after their parent */
  size_t msg_count;
  gen_enum_t **enums; /* every enum, file-level first */
  size_t enum_count;
  gen_service_t *services;
  size_t service_count;
  bool needs_math; /* some default is inf or nan */
};

typedef struct gen_model {
  cgrpc_arena_t *arena;
  gen_file_t **files; /* in request order (dependencies first) */
  size_t file_count;
  struct gen_type_entry *types; /* every message and enum, sorted by full name */
  size_t type_count;
  const char *error; /* first problem found, or NULL */
} gen_model_t;

/* Builds the model of every file of the request: messages, enums and
 * services with their C names, and every field resolved (type, member names,
 * table flags, defaults). Returns false and sets model->error on the first
 * problem (unsupported syntax, unknown type, bad default), naming the file
 * and the element. */
bool gen_model_build(gen_model_t *model, cgrpc_arena_t *arena,
                     const google_protobuf_compiler_CodeGeneratorRequest *req);

/* The model file named `name`, or NULL. */
const gen_file_t *gen_model_find_file(const gen_model_t *model, const char *name);

/* Checks that the C identifiers `file` declares, together with those of
 * every file it includes, are unique. Returns false and sets model->error,
 * naming both elements, on the first clash. */
bool gen_model_check_names(gen_model_t *model, const gen_file_t *file);

/* The C type of a field's single value: "int32_t", "cgrpc_str_t",
 * "a_b_Other *", ... */
const char *gen_field_ctype(cgrpc_arena_t *arena, const gen_field_t *f);

/* The suffixes of a map field's accessors, appended to its map_prefix. */
extern const char *const gen_map_accessors[4];

/* True for a repeated field (maps included). */
static inline bool gen_field_repeated(const gen_field_t *f) {
  return (f->flags & CGRPC_PB_FIELD_REPEATED) != 0;
}

/* True for a method with no stream on either side. */
static inline bool gen_method_unary(const gen_method_t *m) {
  return !m->client_streaming && !m->server_streaming;
}

#endif /* CGRPC_COMPILER_MODEL_H */
