/* emit_openapi.c — an OpenAPI 3 document (`<file>.openapi.json`) for the
 * REST routes of a file's services, from their google.api.http rules
 * (`--cgrpc_opt=openapi`).
 *
 * One path per rule: "{var}" for each variable, whatever segments it spans
 * (OpenAPI has no multi-segment parameters; a pattern on the parameter
 * says what it matches), the custom verb as written. Parameters: the path
 * variables, and for the fields no variable and no body takes, query
 * parameters named with dots for nested fields, as the server reads them.
 * Request bodies and responses refer to schemas of the messages in the
 * proto3 JSON mapping (64-bit integers as strings, enums by name,
 * well-known types in their JSON forms); errors are google.rpc.Status. */
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "web/rest_rule.h"

/* Messages a document refers to, collected while paths are written. */
typedef struct openapi_refs {
  const gen_msg_t **msgs;
  size_t count, cap;
  cgrpc_arena_t *arena;
} openapi_refs_t;

static void put_json_string(gen_text_t *t, const char *s, size_t n) {
  gen_text_put(t, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      gen_text_printf(t, "\\%c", c);
    else if (c < 0x20)
      gen_text_printf(t, "\\u%04x", c);
    else
      gen_text_putn(t, (const char *)&s[i], 1);
  }
  gen_text_put(t, "\"");
}

static void put_str(gen_text_t *t, const char *s) { put_json_string(t, s, strlen(s)); }

static void add_ref(openapi_refs_t *r, const gen_msg_t *m) {
  for (size_t i = 0; i < r->count; i++)
    if (r->msgs[i] == m) return;
  if (r->count == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    const gen_msg_t **grown = gen_calloc(r->arena, cap, sizeof *grown);
    if (r->count) memcpy(grown, r->msgs, r->count * sizeof *grown);
    r->msgs = grown;
    r->cap = cap;
  }
  r->msgs[r->count++] = m;
}

/* The JSON form of a well-known type, or NULL for an ordinary message. */
static const char *wkt_schema(const char *full_name) {
  static const char *const map[][2] = {
      {"google.protobuf.Timestamp", "{\"type\": \"string\", \"format\": \"date-time\"}"},
      {"google.protobuf.Duration", "{\"type\": \"string\", \"example\": \"1.5s\"}"},
      {"google.protobuf.FieldMask", "{\"type\": \"string\", \"example\": \"a,b.c\"}"},
      {"google.protobuf.StringValue", "{\"type\": \"string\", \"nullable\": true}"},
      {"google.protobuf.BytesValue",
       "{\"type\": \"string\", \"format\": \"byte\", \"nullable\": true}"},
      {"google.protobuf.BoolValue", "{\"type\": \"boolean\", \"nullable\": true}"},
      {"google.protobuf.Int32Value",
       "{\"type\": \"integer\", \"format\": \"int32\", \"nullable\": true}"},
      {"google.protobuf.UInt32Value",
       "{\"type\": \"integer\", \"format\": \"uint32\", \"nullable\": true}"},
      {"google.protobuf.Int64Value",
       "{\"type\": \"string\", \"format\": \"int64\", \"nullable\": true}"},
      {"google.protobuf.UInt64Value",
       "{\"type\": \"string\", \"format\": \"uint64\", \"nullable\": true}"},
      {"google.protobuf.FloatValue",
       "{\"type\": \"number\", \"format\": \"float\", \"nullable\": true}"},
      {"google.protobuf.DoubleValue",
       "{\"type\": \"number\", \"format\": \"double\", \"nullable\": true}"},
      {"google.protobuf.Struct", "{\"type\": \"object\", \"additionalProperties\": true}"},
      {"google.protobuf.Value", "{}"},
      {"google.protobuf.ListValue", "{\"type\": \"array\", \"items\": {}}"},
      {"google.protobuf.Empty", "{\"type\": \"object\"}"},
      {"google.protobuf.Any",
       "{\"type\": \"object\", \"properties\": {\"@type\": {\"type\": \"string\"}}, "
       "\"additionalProperties\": true}"},
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (strcmp(full_name, map[i][0]) == 0) return map[i][1];
  return NULL;
}

static void put_value_schema(gen_text_t *t, const gen_field_t *f, openapi_refs_t *refs) {
  switch (f->type) {
    case CGRPC_PB_INT32:
    case CGRPC_PB_SINT32:
    case CGRPC_PB_SFIXED32:
      gen_text_put(t, "{\"type\": \"integer\", \"format\": \"int32\"}");
      return;
    case CGRPC_PB_UINT32:
    case CGRPC_PB_FIXED32:
      gen_text_put(t, "{\"type\": \"integer\", \"format\": \"uint32\"}");
      return;
    case CGRPC_PB_INT64:
    case CGRPC_PB_SINT64:
    case CGRPC_PB_SFIXED64:
      gen_text_put(t, "{\"type\": \"string\", \"format\": \"int64\"}");
      return;
    case CGRPC_PB_UINT64:
    case CGRPC_PB_FIXED64:
      gen_text_put(t, "{\"type\": \"string\", \"format\": \"uint64\"}");
      return;
    case CGRPC_PB_FLOAT:
      gen_text_put(t, "{\"type\": \"number\", \"format\": \"float\"}");
      return;
    case CGRPC_PB_DOUBLE:
      gen_text_put(t, "{\"type\": \"number\", \"format\": \"double\"}");
      return;
    case CGRPC_PB_BOOL:
      gen_text_put(t, "{\"type\": \"boolean\"}");
      return;
    case CGRPC_PB_STRING:
      gen_text_put(t, "{\"type\": \"string\"}");
      return;
    case CGRPC_PB_BYTES:
      gen_text_put(t, "{\"type\": \"string\", \"format\": \"byte\"}");
      return;
    case CGRPC_PB_ENUM:
      gen_text_put(t, "{\"type\": \"string\", \"enum\": [");
      for (size_t i = 0; i < f->enm->value_count; i++) {
        if (i) gen_text_put(t, ", ");
        put_str(t, f->enm->values[i].proto_name);
      }
      gen_text_put(t, "]}");
      return;
    default: {
      const char *wkt = wkt_schema(f->msg->full_name);
      if (wkt) {
        gen_text_put(t, wkt);
        return;
      }
      add_ref(refs, f->msg);
      gen_text_printf(t, "{\"$ref\": \"#/components/schemas/%s\"}", f->msg->full_name);
    }
  }
}

static bool is_repeated(const gen_field_t *f) {
  return f->d->label == google_protobuf_FieldDescriptorProto_LABEL_REPEATED;
}

static void put_field_schema(gen_text_t *t, const gen_field_t *f, openapi_refs_t *refs) {
  if (f->msg && f->msg->map_entry) {
    gen_text_put(t, "{\"type\": \"object\", \"additionalProperties\": ");
    put_value_schema(t, &f->msg->fields[1], refs);
    gen_text_put(t, "}");
  } else if (is_repeated(f)) {
    gen_text_put(t, "{\"type\": \"array\", \"items\": ");
    put_value_schema(t, f, refs);
    gen_text_put(t, "}");
  } else {
    put_value_schema(t, f, refs);
  }
}

static const gen_field_t *field_named(const gen_msg_t *m, const char *name, size_t len) {
  for (size_t i = 0; i < m->field_count; i++) {
    const gen_field_t *f = &m->fields[i];
    if ((strlen(f->proto_name) == len && memcmp(f->proto_name, name, len) == 0) ||
        (strlen(f->json_name) == len && memcmp(f->json_name, name, len) == 0))
      return f;
  }
  return NULL;
}

static bool bound_by_path(const rest_rule_t *rule, const char *path) {
  for (size_t v = 0; v < rule->tpl.variable_count; v++) {
    cgrpc_str_t fp = rule->tpl.variables[v].field_path;
    if (strlen(path) == fp.len && memcmp(path, fp.data, fp.len) == 0) return true;
  }
  return false;
}

/* Query parameters: scalar (and repeated scalar) fields, nested messages
 * flattened with dots up to a small depth (recursive types stop there). */
static void put_query_params(gen_text_t *t, const gen_msg_t *m, const char *prefix,
                             const rest_rule_t *rule, int depth, bool *first, openapi_refs_t *refs,
                             cgrpc_arena_t *arena) {
  for (size_t i = 0; i < m->field_count; i++) {
    const gen_field_t *f = &m->fields[i];
    const char *path = gen_strprintf(arena, "%s%s", prefix, f->proto_name);
    if (bound_by_path(rule, path)) continue;
    if (!prefix[0] && rule->body.len && strlen(f->proto_name) == rule->body.len &&
        memcmp(f->proto_name, rule->body.data, rule->body.len) == 0)
      continue;
    if (f->msg && f->msg->map_entry) continue;
    if (f->msg && !wkt_schema(f->msg->full_name)) {
      if (depth < 3 && !is_repeated(f))
        put_query_params(t, f->msg, gen_strprintf(arena, "%s.", path), rule, depth + 1, first, refs,
                         arena);
      continue;
    }
    gen_text_put(t, *first ? "\n" : ",\n");
    *first = false;
    gen_text_put(t, "          {\"name\": ");
    put_str(t, path);
    gen_text_put(t, ", \"in\": \"query\", \"schema\": ");
    put_field_schema(t, f, refs);
    if (is_repeated(f)) gen_text_put(t, ", \"explode\": true");
    gen_text_put(t, "}");
  }
}

/* "^shelves/[^/]+/books/[^/]+$" for the segments of a variable. */
static const char *variable_pattern(const rest_template_t *tpl, const rest_variable_t *v,
                                    cgrpc_arena_t *arena) {
  gen_text_t p;
  gen_text_init(&p, arena);
  gen_text_put(&p, "^");
  for (size_t s = v->first; s < v->end; s++) {
    if (s > v->first) gen_text_put(&p, "/");
    const rest_segment_t *seg = &tpl->segments[s];
    if (seg->kind == REST_SEG_ONE)
      gen_text_put(&p, "[^/]+");
    else if (seg->kind == REST_SEG_ANY)
      gen_text_put(&p, ".*");
    else
      gen_text_putn(&p, seg->literal.data, seg->literal.len);
  }
  gen_text_put(&p, "$");
  return gen_strndup(arena, p.data, p.len);
}

static const char *openapi_path(const rest_template_t *tpl, cgrpc_arena_t *arena) {
  gen_text_t p;
  gen_text_init(&p, arena);
  for (size_t s = 0; s < tpl->segment_count;) {
    gen_text_put(&p, "/");
    const rest_variable_t *var = NULL;
    for (size_t v = 0; v < tpl->variable_count; v++)
      if (tpl->variables[v].first == s) var = &tpl->variables[v];
    if (var) {
      gen_text_printf(&p, "{%.*s}", (int)var->field_path.len, var->field_path.data);
      s = var->end;
      continue;
    }
    const rest_segment_t *seg = &tpl->segments[s++];
    if (seg->kind == REST_SEG_LITERAL)
      gen_text_putn(&p, seg->literal.data, seg->literal.len);
    else
      gen_text_put(&p, seg->kind == REST_SEG_ONE ? "*" : "**");
  }
  if (tpl->verb.len) gen_text_printf(&p, ":%.*s", (int)tpl->verb.len, tpl->verb.data);
  return gen_strndup(arena, p.data, p.len);
}

static const gen_method_t *method_of(const gen_file_t *file, const char *full_name,
                                     const gen_service_t **svc) {
  for (size_t s = 0; s < file->service_count; s++)
    for (size_t m = 0; m < file->services[s].method_count; m++) {
      const gen_method_t *gm = &file->services[s].methods[m];
      size_t sl = strlen(file->services[s].full_name);
      if (strncmp(full_name, file->services[s].full_name, sl) == 0 && full_name[sl] == '.' &&
          strcmp(full_name + sl + 1, gm->name) == 0) {
        *svc = &file->services[s];
        return gm;
      }
    }
  return NULL;
}

static void put_operation(gen_text_t *t, const gen_file_t *file, const rest_method_rules_t *mr,
                          size_t k, openapi_refs_t *refs, cgrpc_arena_t *arena) {
  const rest_rule_t *rule = &mr->rules[k];
  const gen_service_t *svc = NULL;
  const gen_method_t *m = method_of(file, mr->full_name, &svc);
  const char *short_svc =
      strrchr(svc->full_name, '.') ? strrchr(svc->full_name, '.') + 1 : svc->full_name;
  char verb[16];
  size_t i = 0;
  for (; rule->http_method[i] && i + 1 < sizeof verb; i++)
    verb[i] = (char)(rule->http_method[i] | 0x20);
  verb[i] = '\0';
  gen_text_printf(t, "      \"%s\": {\n", verb);
  gen_text_printf(t, "        \"operationId\": \"%s_%s%s\",\n", short_svc, m->name,
                  k ? gen_strprintf(arena, "%zu", k + 1) : "");
  gen_text_printf(t, "        \"tags\": [\"%s\"],\n", short_svc);
  gen_text_put(t, "        \"parameters\": [");
  bool first = true;
  for (size_t v = 0; v < rule->tpl.variable_count; v++) {
    const rest_variable_t *var = &rule->tpl.variables[v];
    gen_text_put(t, first ? "\n" : ",\n");
    first = false;
    gen_text_put(t, "          {\"name\": ");
    put_json_string(t, var->field_path.data, var->field_path.len);
    gen_text_put(t, ", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"");
    if (var->multi || rule->tpl.segments[var->first].kind != REST_SEG_ONE) {
      gen_text_put(t, ", \"pattern\": ");
      put_str(t, variable_pattern(&rule->tpl, var, arena));
    }
    gen_text_put(t, "}}");
  }
  if (!(rule->body.len == 1 && rule->body.data[0] == '*'))
    put_query_params(t, m->input, "", rule, 0, &first, refs, arena);
  gen_text_put(t, first ? "],\n" : "\n        ],\n");
  if (rule->body.len) {
    gen_text_put(
        t,
        "        \"requestBody\": {\"required\": true, \"content\": {\"application/json\": "
        "{\"schema\": ");
    const gen_field_t *bf =
        rule->body.data[0] == '*' ? NULL : field_named(m->input, rule->body.data, rule->body.len);
    if (bf) {
      put_field_schema(t, bf, refs);
    } else {
      add_ref(refs, m->input);
      gen_text_printf(t, "{\"$ref\": \"#/components/schemas/%s\"}", m->input->full_name);
    }
    gen_text_put(t, "}}},\n");
  }
  gen_text_put(t, "        \"responses\": {\n          \"200\": {\"description\": ");
  put_str(t, m->server_streaming
                 ? "A stream of {\"result\": message} lines (newline-delimited JSON)"
                 : "OK");
  gen_text_put(t, ", \"content\": {\"application/json\": {\"schema\": ");
  const gen_field_t *rf = rule->response_body.len ? field_named(m->output, rule->response_body.data,
                                                                rule->response_body.len)
                                                  : NULL;
  if (rf) {
    put_field_schema(t, rf, refs);
  } else {
    add_ref(refs, m->output);
    gen_text_printf(t, "{\"$ref\": \"#/components/schemas/%s\"}", m->output->full_name);
  }
  gen_text_put(t, "}}},\n");
  gen_text_put(
      t,
      "          \"default\": {\"description\": \"An error: google.rpc.Status with the HTTP "
      "status of its code\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": "
      "\"#/components/schemas/google.rpc.Status\"}}}}\n");
  gen_text_put(t, "        }\n      }");
}

static void put_message_schema(gen_text_t *t, const gen_msg_t *m, openapi_refs_t *refs) {
  gen_text_put(t, "      ");
  put_str(t, m->full_name);
  gen_text_put(t, ": {\"type\": \"object\", \"properties\": {");
  for (size_t i = 0; i < m->field_count; i++) {
    const gen_field_t *f = &m->fields[i];
    gen_text_put(t, i ? ",\n        " : "\n        ");
    put_str(t, f->json_name);
    gen_text_put(t, ": ");
    put_field_schema(t, f, refs);
  }
  gen_text_put(t, m->field_count ? "\n      }}" : "}}");
}

bool gen_emit_openapi(gen_text_t *t, const gen_file_t *file, const uint8_t *descriptor,
                      size_t descriptor_len, cgrpc_arena_t *arena, const char **error) {
  rest_method_rules_t *methods;
  size_t count;
  cgrpc_error_t err;
  if (rest_rules_from_file(descriptor, descriptor_len, arena, &methods, &count, &err) !=
      CGRPC_STATUS_OK) {
    *error = gen_strprintf(arena, "%s: %s", file->name, err.message);
    return false;
  }
  size_t rules = 0;
  for (size_t i = 0; i < count; i++) rules += methods[i].rule_count;
  if (!rules) return false;
  openapi_refs_t refs = {.arena = arena};
  gen_text_put(t, "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\"title\": ");
  put_str(t, file->name);
  gen_text_put(t, ", \"version\": ");
  put_str(t, file->package[0] ? file->package : "1");
  gen_text_put(t,
               ", \"description\": \"REST/JSON routes from google.api.http, written by "
               "protoc-gen-cgrpc\"},\n  \"paths\": {");
  /* One path object per distinct path, its operations together. */
  bool first_path = true;
  for (size_t i = 0; i < count; i++)
    for (size_t k = 0; k < methods[i].rule_count; k++) {
      const char *path = openapi_path(&methods[i].rules[k].tpl, arena);
      bool seen = false;
      for (size_t j = 0; j <= i && !seen; j++)
        for (size_t l = 0; l < (j == i ? k : methods[j].rule_count) && !seen; l++)
          seen = strcmp(openapi_path(&methods[j].rules[l].tpl, arena), path) == 0;
      if (seen) continue;
      gen_text_put(t, first_path ? "\n    " : ",\n    ");
      first_path = false;
      put_str(t, path);
      gen_text_put(t, ": {\n");
      bool first_op = true;
      for (size_t j = i; j < count; j++)
        for (size_t l = (j == i ? k : 0); l < methods[j].rule_count; l++) {
          if (strcmp(openapi_path(&methods[j].rules[l].tpl, arena), path) != 0) continue;
          if (!first_op) gen_text_put(t, ",\n");
          first_op = false;
          put_operation(t, file, &methods[j], l, &refs, arena);
        }
      gen_text_put(t, "\n    }");
    }
  gen_text_put(t, "\n  },\n  \"components\": {\"schemas\": {\n");
  gen_text_put(t,
               "      \"google.rpc.Status\": {\"type\": \"object\", \"properties\": {\"code\": "
               "{\"type\": \"integer\", \"format\": \"int32\"}, \"message\": {\"type\": "
               "\"string\"}, \"details\": {\"type\": \"array\", \"items\": {\"type\": "
               "\"object\", \"properties\": {\"@type\": {\"type\": \"string\"}}, "
               "\"additionalProperties\": true}}}}");
  for (size_t i = 0; i < refs.count; i++) { /* grows while it runs: nested messages */
    gen_text_put(t, ",\n");
    put_message_schema(t, refs.msgs[i], &refs);
  }
  gen_text_put(t, "\n  }}\n}\n");
  return true;
}
