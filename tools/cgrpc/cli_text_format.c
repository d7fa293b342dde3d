/* tools/cgrpc/cli_text_format.c — protobuf text format for dynamic
 * messages, as protoc and the C++ library print it: fields in number order,
 * `name: value` for scalars, `name {` ... `}` for messages (groups by their
 * type name), map entries as messages of key and value, enums by name,
 * strings and bytes double-quoted with C escapes and octal for every byte
 * outside printable ASCII, floats in the shortest form that reads back,
 * and a google.protobuf.Any as its two fields (as `protoc --decode`
 * prints it: the cli.text test compares the two). Unknown fields are left
 * out, as in JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"

static void indent_to(FILE *out, int indent) {
  for (int i = 0; i < indent; i++) fputs("  ", out);
}

static void print_quoted(FILE *out, cgrpc_str_t s) {
  fputc('"', out);
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    switch (c) {
      case '\n':
        fputs("\\n", out);
        break;
      case '\r':
        fputs("\\r", out);
        break;
      case '\t':
        fputs("\\t", out);
        break;
      case '"':
        fputs("\\\"", out);
        break;
      case '\'':
        fputs("\\'", out);
        break;
      case '\\':
        fputs("\\\\", out);
        break;
      default:
        if (c < 0x20 || c >= 0x7f)
          fprintf(out, "\\%03o", c);
        else
          fputc(c, out);
    }
  }
  fputc('"', out);
}

/* The shortest %g text that reads back to the same value. */
static void print_double(FILE *out, double v, bool is_float) {
  if (isnan(v)) {
    fputs("nan", out);
    return;
  }
  if (isinf(v)) {
    fputs(v < 0 ? "-inf" : "inf", out);
    return;
  }
  char buf[40];
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
  }
  fputs(buf, out);
}

static void print_message_body(const cli_output_t *o, FILE *out, const void *msg,
                               const cgrpc_msg_desc_t *desc, int indent, cgrpc_arena_t *arena);

static void print_scalar(FILE *out, const cgrpc_field_desc_t *f, cgrpc_dyn_value_t v) {
  switch (f->type) {
    case CGRPC_PB_DOUBLE:
      print_double(out, v.f64, false);
      break;
    case CGRPC_PB_FLOAT:
      print_double(out, v.f32, true);
      break;
    case CGRPC_PB_BOOL:
      fputs(v.b ? "true" : "false", out);
      break;
    case CGRPC_PB_STRING:
    case CGRPC_PB_BYTES:
      print_quoted(out, v.str);
      break;
    case CGRPC_PB_ENUM: {
      const cgrpc_enum_value_desc_t *ev =
          f->enum_type ? cgrpc_enum_desc_value_by_number(f->enum_type, v.i32) : NULL;
      if (ev)
        fputs(ev->name, out);
      else
        fprintf(out, "%d", v.i32);
      break;
    }
    default:
      switch (cgrpc_dyn_kind_of(f->type)) {
        case CGRPC_DYN_I64:
          fprintf(out, "%lld", (long long)v.i64);
          break;
        case CGRPC_DYN_U64:
          fprintf(out, "%llu", (unsigned long long)v.u64);
          break;
        case CGRPC_DYN_U32:
          fprintf(out, "%u", v.u32);
          break;
        default:
          fprintf(out, "%d", v.i32);
          break;
      }
  }
}

static void print_value(const cli_output_t *o, FILE *out, const cgrpc_field_desc_t *f,
                        cgrpc_dyn_value_t v, int indent, cgrpc_arena_t *arena) {
  indent_to(out, indent);
  fputs(f->type == CGRPC_PB_GROUP && f->message ? f->message->name : f->name, out);
  if (cgrpc_dyn_kind_of(f->type) == CGRPC_DYN_MSG) {
    fputs(" {\n", out);
    if (v.msg) print_message_body(o, out, v.msg, f->message, indent + 1, arena);
    indent_to(out, indent);
    fputs("}\n", out);
    return;
  }
  fputs(": ", out);
  print_scalar(out, f, v);
  fputc('\n', out);
}

static int by_number(const void *a, const void *b) {
  const cgrpc_field_desc_t *fa = *(const cgrpc_field_desc_t *const *)a;
  const cgrpc_field_desc_t *fb = *(const cgrpc_field_desc_t *const *)b;
  return fa->number < fb->number ? -1 : fa->number > fb->number;
}

static void print_message_body(const cli_output_t *o, FILE *out, const void *msg,
                               const cgrpc_msg_desc_t *desc, int indent, cgrpc_arena_t *arena) {
  const cgrpc_field_desc_t **sorted = cgrpc_arena_alloc(arena, desc->field_count * sizeof *sorted);
  if (!sorted) return;
  for (size_t i = 0; i < desc->field_count; i++) sorted[i] = &desc->fields[i];
  qsort(sorted, desc->field_count, sizeof *sorted, by_number);
  for (size_t i = 0; i < desc->field_count; i++) {
    const cgrpc_field_desc_t *f = sorted[i];
    if (f->label == CGRPC_LABEL_REPEATED) {
      size_t n = cgrpc_dyn_count(msg, f);
      for (size_t k = 0; k < n; k++)
        print_value(o, out, f, cgrpc_dyn_get_at(msg, f, k), indent, arena);
    } else if (cgrpc_dyn_has(msg, f)) {
      print_value(o, out, f, cgrpc_dyn_get(msg, f), indent, arena);
    }
  }
}

void cli_text_format_print(const cli_output_t *o, FILE *out, const void *msg,
                           const cgrpc_msg_desc_t *desc, int indent, cgrpc_arena_t *arena) {
  print_message_body(o, out, msg, desc, indent, arena);
}
