/* tools/cgrpc/cli_describe.c — see cli_describe.h. The text is the .proto
 * a reader would write: labels as the file's syntax needs them, maps as
 * map<K, V>, real oneofs as blocks, nested messages and enums inside their
 * parent, type names in full (no leading dot). Options other than a proto2
 * default are left out. */
#include <string.h>

#include "cli_describe.h"

static void pad(FILE *out, int indent) {
  for (int i = 0; i < indent; i++) fputs("  ", out);
}

static const char *scalar_name(cgrpc_pb_type_t t) {
  static const char *const names[] = {
      [CGRPC_PB_DOUBLE] = "double",     [CGRPC_PB_FLOAT] = "float",
      [CGRPC_PB_INT64] = "int64",       [CGRPC_PB_UINT64] = "uint64",
      [CGRPC_PB_INT32] = "int32",       [CGRPC_PB_FIXED64] = "fixed64",
      [CGRPC_PB_FIXED32] = "fixed32",   [CGRPC_PB_BOOL] = "bool",
      [CGRPC_PB_STRING] = "string",     [CGRPC_PB_BYTES] = "bytes",
      [CGRPC_PB_UINT32] = "uint32",     [CGRPC_PB_SFIXED32] = "sfixed32",
      [CGRPC_PB_SFIXED64] = "sfixed64", [CGRPC_PB_SINT32] = "sint32",
      [CGRPC_PB_SINT64] = "sint64",
  };
  return (size_t)t < sizeof names / sizeof names[0] && names[t] ? names[t] : "?";
}

static const char *type_name(const cgrpc_field_desc_t *f) {
  if (f->message) return f->message->full_name;
  if (f->enum_type) return f->enum_type->full_name;
  return scalar_name(f->type);
}

void cli_describe_field(FILE *out, const cgrpc_field_desc_t *f, int indent) {
  pad(out, indent);
  if (f->is_map) {
    const cgrpc_field_desc_t *k = &f->message->fields[0], *v = &f->message->fields[1];
    fprintf(out, "map<%s, %s> %s = %u;\n", type_name(k), type_name(v), f->name, f->number);
    return;
  }
  bool proto3 = f->containing && f->containing->file->proto3;
  if (f->scope && f->is_extension) proto3 = f->scope->file->proto3;
  if (f->label == CGRPC_LABEL_REPEATED)
    fputs("repeated ", out);
  else if (f->label == CGRPC_LABEL_REQUIRED)
    fputs("required ", out);
  else if (f->proto3_optional || (!proto3 && !f->oneof))
    fputs("optional ", out);
  fprintf(out, "%s %s = %u", type_name(f), f->name, f->number);
  if (f->default_text) {
    if (f->type == CGRPC_PB_STRING || f->type == CGRPC_PB_BYTES)
      fprintf(out, " [default = \"%s\"]", f->default_text);
    else
      fprintf(out, " [default = %s]", f->default_text);
  }
  fputs(";\n", out);
}

void cli_describe_enum(FILE *out, const cgrpc_enum_desc_t *e, int indent) {
  pad(out, indent);
  fprintf(out, "enum %s {\n", e->name);
  for (size_t i = 0; i < e->value_count; i++) {
    pad(out, indent + 1);
    fprintf(out, "%s = %d;\n", e->values[i].name, e->values[i].number);
  }
  pad(out, indent);
  fputs("}\n", out);
}

void cli_describe_message(FILE *out, const cgrpc_pool_t *pool, const cgrpc_msg_desc_t *m,
                          int indent) {
  pad(out, indent);
  fprintf(out, "message %s {\n", m->name);
  for (size_t i = 0; i < m->field_count; i++) {
    const cgrpc_field_desc_t *f = &m->fields[i];
    if (!f->oneof) {
      cli_describe_field(out, f, indent + 1);
      continue;
    }
    if (f->oneof->fields[0] != f) continue; /* printed with its oneof's first member */
    pad(out, indent + 1);
    fprintf(out, "oneof %s {\n", f->oneof->name);
    for (size_t k = 0; k < f->oneof->field_count; k++)
      cli_describe_field(out, f->oneof->fields[k], indent + 2);
    pad(out, indent + 1);
    fputs("}\n", out);
  }
  const cgrpc_file_desc_t *file = m->file;
  for (size_t i = 0; i < file->message_count; i++) {
    const cgrpc_msg_desc_t *nested = file->messages[i];
    if (nested->containing == m && !nested->map_entry)
      cli_describe_message(out, pool, nested, indent + 1);
  }
  for (size_t i = 0; i < file->enum_count; i++)
    if (file->enums[i]->containing == m) cli_describe_enum(out, file->enums[i], indent + 1);
  pad(out, indent);
  fputs("}\n", out);
}

void cli_describe_method(FILE *out, const cgrpc_method_desc_t *m, int indent) {
  pad(out, indent);
  fprintf(out, "rpc %s(%s%s) returns (%s%s);\n", m->name, m->client_streaming ? "stream " : "",
          m->input->full_name, m->server_streaming ? "stream " : "", m->output->full_name);
}

void cli_describe_service(FILE *out, const cgrpc_service_desc_t *s) {
  fprintf(out, "service %s {\n", s->name);
  for (size_t i = 0; i < s->method_count; i++) cli_describe_method(out, &s->methods[i], 1);
  fputs("}\n", out);
}
