/* protoparse/pp.h — the inside of the .proto parser (cgrpc/proto_parser.h).
 *
 * One file goes through five steps, each in its own source file:
 *   lexer.c    source bytes -> an array of tokens (comments dropped)
 *   parse.c    tokens -> a model of the FileDescriptorProto (pp_file_t),
 *              names as written, options not yet interpreted
 *   resolve.c  type names -> ".pkg.Type" by protobuf's scoping rules, with
 *              the file's own symbols and the pool's (the imports)
 *   options.c  options -> encoded fields of the *Options messages, the way
 *              protoc's option interpreter encodes them
 *   write.c    the model -> serialized FileDescriptorProto bytes
 * Everything of one file lives in one arena; an error anywhere longjmps
 * back to parser.c with the message already written, so no step needs
 * cleanup code.
 */
#ifndef CGRPC_PROTOPARSE_PP_H
#define CGRPC_PROTOPARSE_PP_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgrpc/arena.h"
#include "cgrpc/descriptor.h"
#include "cgrpc/error.h"

/* ---- Growable arrays in the arena ---------------------------------------- */

#define PP_VEC(T)   \
  struct {          \
    T *items;       \
    size_t n, cap;  \
  }

typedef struct pp_ctx pp_ctx_t;

/* Appends one zeroed element of `size` bytes; returns it. */
void *pp_vec_push(pp_ctx_t *c, void *vec, size_t size);
#define PP_PUSH(c, v) ((__typeof__((v)->items))pp_vec_push((c), (v), sizeof *(v)->items))

/* ---- Tokens -------------------------------------------------------------- */

typedef enum pp_tok_kind {
  PP_TOK_END = 0,
  PP_TOK_IDENT,
  PP_TOK_INT,
  PP_TOK_FLOAT,
  PP_TOK_STRING,
  PP_TOK_SYMBOL,
} pp_tok_kind_t;

typedef struct pp_token {
  pp_tok_kind_t kind;
  const char *text; /* into the source; strings keep their quotes */
  size_t len;
  int line, col; /* 1-based */
} pp_token_t;

typedef struct pp_pos {
  int line, col;
} pp_pos_t;

/* Tokenizes src into c->toks (ending with a PP_TOK_END token). */
void pp_lex(pp_ctx_t *c, const char *src, size_t len);

/* The bytes of a string literal token (quotes and escapes resolved). */
void pp_unescape(pp_ctx_t *c, const pp_token_t *t, char **out, size_t *out_len);

/* Integer literal value (decimal, 0x hex, 0 octal); false past UINT64_MAX. */
bool pp_parse_uint(const pp_token_t *t, uint64_t *out);

/* ---- The model ----------------------------------------------------------- */

typedef struct pp_bytes {
  uint8_t *data;
  size_t len, cap;
} pp_bytes_t;

/* An option as written: name parts and the value's tokens. */
typedef struct pp_opt_part {
  const char *name; /* "foo" or, for an extension, "pkg.ext" (without parentheses) */
  bool extension;
  pp_pos_t pos;
} pp_opt_part_t;

typedef struct pp_option {
  PP_VEC(pp_opt_part_t) parts;
  pp_pos_t pos;
  size_t value_tok; /* first token of the value */
  size_t value_end; /* one past its last token */
  bool negative;    /* a leading "-" (value_tok is past it) */
  /* Filled by options.c: the encoded field (tag and value). */
  bool custom;      /* first part is an extension: goes after the known fields */
  uint32_t number;  /* field number of the first part */
  bool repeated;    /* the first part is a repeated field */
  pp_bytes_t encoded;
  bool done;
} pp_option_t;

typedef PP_VEC(pp_option_t) pp_options_t;

typedef struct pp_range {
  int64_t start, end; /* as written: end inclusive */
  bool to_max;        /* "to max": its end depends on message_set_wire_format */
  pp_pos_t pos;
  pp_options_t options; /* extension ranges only */
} pp_range_t;

typedef struct pp_field {
  const char *name;
  pp_pos_t pos, number_pos, type_pos;
  int64_t number;
  int label;             /* 1 optional, 2 required, 3 repeated */
  int type;              /* FieldDescriptorProto.Type; 0 until a named type is resolved */
  const char *type_name; /* as written, then ".full.Name" */
  const char *extendee;  /* as written, then ".full.Name"; NULL for a plain field */
  pp_pos_t extendee_pos;
  const char *scope;     /* full name of the enclosing message or package, for lookups */
  /* default: the tokens of its value */
  bool has_default;
  size_t default_tok;
  bool default_negative;
  pp_pos_t default_pos;
  const char *default_text; /* formatted as protoc does (write.c); may hold NULs */
  size_t default_len;
  const char *json_name;    /* explicit json_name, or NULL */
  int oneof_index;          /* -1 when none */
  bool proto3_optional;
  pp_options_t options;
} pp_field_t;

typedef struct pp_oneof {
  const char *name;
  pp_pos_t pos;
  pp_options_t options;
} pp_oneof_t;

typedef struct pp_enum_value {
  const char *name;
  pp_pos_t pos;
  int64_t number;
  pp_options_t options;
} pp_enum_value_t;

typedef struct pp_enum {
  const char *name, *full_name;
  pp_pos_t pos;
  PP_VEC(pp_enum_value_t) values;
  PP_VEC(pp_range_t) reserved;
  PP_VEC(const char *) reserved_names;
  pp_options_t options;
} pp_enum_t;

typedef struct pp_msg pp_msg_t;
struct pp_msg {
  const char *name, *full_name;
  pp_pos_t pos;
  PP_VEC(pp_field_t) fields;
  PP_VEC(pp_msg_t *) nested;
  PP_VEC(pp_enum_t *) enums;
  PP_VEC(pp_range_t) ext_ranges;
  PP_VEC(pp_field_t) extensions;
  PP_VEC(pp_oneof_t) oneofs;
  PP_VEC(pp_range_t) reserved;
  PP_VEC(const char *) reserved_names;
  pp_options_t options;
  bool map_entry; /* synthesized for a map field: option map_entry = true */
};

typedef struct pp_method {
  const char *name;
  pp_pos_t pos, input_pos, output_pos;
  const char *input, *output;
  bool client_streaming, server_streaming;
  bool has_body; /* "{...}" instead of ";": protoc then writes options, even empty */
  pp_options_t options;
} pp_method_t;

typedef struct pp_service {
  const char *name, *full_name;
  pp_pos_t pos;
  PP_VEC(pp_method_t) methods;
  pp_options_t options;
} pp_service_t;

typedef struct pp_file {
  const char *name;
  const char *package; /* "" when none */
  bool proto3;
  PP_VEC(const char *) deps;
  PP_VEC(pp_pos_t) dep_pos;
  PP_VEC(int32_t) public_deps;
  PP_VEC(int32_t) weak_deps;
  PP_VEC(pp_msg_t *) messages;
  PP_VEC(pp_enum_t *) enums;
  PP_VEC(pp_service_t *) services;
  PP_VEC(pp_field_t) extensions;
  pp_options_t options;
} pp_file_t;

/* ---- Symbols of the file being parsed ------------------------------------ */

typedef enum pp_sym_kind {
  PP_SYM_NONE = 0,
  PP_SYM_PACKAGE,
  PP_SYM_MESSAGE,
  PP_SYM_ENUM,
  PP_SYM_SERVICE,
  PP_SYM_EXTENSION,
  PP_SYM_OTHER, /* a field, enum value, oneof or method: names that can clash */
} pp_sym_kind_t;

typedef struct pp_sym {
  const char *name;
  pp_sym_kind_t kind;
  void *item; /* pp_msg_t, pp_enum_t, pp_field_t ... of this file */
} pp_sym_t;

/* ---- The context of one file -------------------------------------------- */

struct pp_ctx {
  cgrpc_arena_t arena; /* everything of this file */
  jmp_buf fail;
  cgrpc_error_t *err;
  cgrpc_status_code_t code;
  const char *file_name;
  PP_VEC(pp_token_t) toks;
  size_t pos; /* next token */
  pp_file_t *file;
  cgrpc_pool_t *pool; /* the imports are in it */
  /* The files whose symbols this one may use (protoc's rule): its imports
   * and, recursively, what they import publicly. The pool's other files are
   * invisible to name lookups. */
  const char *const *visible;
  size_t visible_count;
  const char *undeclared; /* a file that defines a name looked up, not imported */
  pp_sym_t *syms;     /* open addressing, power of two */
  size_t sym_cap, sym_count;
};

/* Records "file:line:col: message" and unwinds to parser.c. */
_Noreturn void pp_fail_at(pp_ctx_t *c, pp_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same without a place (for what the pool refuses). */
_Noreturn void pp_fail_plain(pp_ctx_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void pp_fail_oom(pp_ctx_t *c);

void *pp_alloc(pp_ctx_t *c, size_t size); /* zeroed */
char *pp_strndup(pp_ctx_t *c, const char *s, size_t len);
char *pp_strcat3(pp_ctx_t *c, const char *a, const char *b, const char *d);

void pp_parse(pp_ctx_t *c);   /* parse.c */
void pp_resolve(pp_ctx_t *c); /* resolve.c */

/* Symbol table (resolve.c). */
const pp_sym_t *pp_sym_find(pp_ctx_t *c, const char *full_name);
/* Resolves `name` as written, relative to `scope` (a full name), protobuf's
 * way. Sets *full (without a leading dot). types_only skips symbols that are
 * not types. Returns the kind found, or PP_SYM_NONE. */
pp_sym_kind_t pp_lookup(pp_ctx_t *c, const char *name, const char *scope, bool types_only,
                        const char **full);

/* options.c: interprets every option; returns whether some custom option
 * needs the file itself in the pool (its own extensions): then call again
 * with `pool` holding the file once serialized without them. */
bool pp_interpret_options(pp_ctx_t *c, cgrpc_pool_t *pool, bool final);

/* write.c */
void pp_bytes_append(pp_ctx_t *c, pp_bytes_t *b, const void *data, size_t len);
void pp_put_varint(pp_ctx_t *c, pp_bytes_t *b, uint64_t v);
void pp_put_tag(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, int wire_type);
void pp_put_lenbytes(pp_ctx_t *c, pp_bytes_t *b, uint32_t number, const void *data, size_t len);
void pp_format_defaults(pp_ctx_t *c);
float pp_double_to_float(double v); /* rounding as protoc does, no overflow UB */
void pp_write_file(pp_ctx_t *c, pp_bytes_t *out);

#endif /* CGRPC_PROTOPARSE_PP_H */
