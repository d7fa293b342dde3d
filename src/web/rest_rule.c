/* src/web/rest_rule.c — HttpRule from a method's options (rest_rule.h).
 *
 * HttpRule is decoded straight from the wire here (it is seven string fields,
 * one small message and one repeated message), so the library needs no
 * generated code of google/api/http.proto. */
#include "web/rest_rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "google/protobuf/descriptor.pb.h"
#include "pb/wire.h"

static cgrpc_status_code_t fail(cgrpc_error_t *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

/* One field of a message on the wire; wire_type 2 values in `bytes`. */
typedef struct wire_field {
  uint32_t number;
  unsigned wire_type;
  cgrpc_str_t bytes;
} wire_field_t;

/* Reads the next field at *p; returns 1 with a field, 0 at the end, -1 when
 * malformed (groups included: HttpRule and the options here have none). */
static int next_field(const char **p, const char *end, wire_field_t *f) {
  if (*p == end) return 0;
  uint64_t tag, v;
  const char *q = cgrpc_pb_read_varint(*p, end, &tag);
  if (!q || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) return -1;
  f->number = (uint32_t)(tag >> 3);
  f->wire_type = (unsigned)(tag & 7);
  f->bytes = (cgrpc_str_t){0};
  switch (f->wire_type) {
    case CGRPC_PB_WT_VARINT:
      if (!(q = cgrpc_pb_read_varint(q, end, &v))) return -1;
      break;
    case CGRPC_PB_WT_I64:
      if (end - q < 8) return -1;
      q += 8;
      break;
    case CGRPC_PB_WT_I32:
      if (end - q < 4) return -1;
      q += 4;
      break;
    case CGRPC_PB_WT_LEN:
      if (!(q = cgrpc_pb_read_varint(q, end, &v)) || v > (uint64_t)(end - q)) return -1;
      f->bytes = (cgrpc_str_t){q, (size_t)v};
      q += v;
      break;
    default:
      return -1;
  }
  *p = q;
  return 1;
}

static const char *arena_cstr(cgrpc_arena_t *arena, cgrpc_str_t s) {
  char *c = cgrpc_arena_alloc(arena, s.len + 1);
  if (!c) return NULL;
  if (s.len) memcpy(c, s.data, s.len);
  c[s.len] = '\0';
  return c;
}

/* Decodes one HttpRule into *rule; appends additional bindings' bytes to
 * extra[] when `extra` is not NULL (else they are an error). */
static cgrpc_status_code_t decode_one(cgrpc_str_t bytes, const char *method, cgrpc_arena_t *arena,
                                      rest_rule_t *rule, cgrpc_str_t *extra, size_t *extra_count,
                                      size_t extra_cap, cgrpc_error_t *err) {
  static const char *const verbs[] = {NULL, NULL, "GET", "PUT", "POST", "DELETE", "PATCH"};
  memset(rule, 0, sizeof *rule);
  cgrpc_str_t path = {0};
  const char *p = bytes.data, *end = bytes.data + bytes.len;
  wire_field_t f;
  int r;
  while ((r = next_field(&p, end, &f)) > 0) {
    if (f.number >= 2 && f.number <= 6 && f.wire_type == CGRPC_PB_WT_LEN) {
      rule->http_method = verbs[f.number];
      path = f.bytes;
    } else if (f.number == 8 && f.wire_type == CGRPC_PB_WT_LEN) { /* custom */
      const char *cp = f.bytes.data, *cend = f.bytes.data + f.bytes.len;
      wire_field_t c;
      int cr;
      cgrpc_str_t kind = {0};
      path = (cgrpc_str_t){0};
      while ((cr = next_field(&cp, cend, &c)) > 0) {
        if (c.number == 1 && c.wire_type == CGRPC_PB_WT_LEN) kind = c.bytes;
        if (c.number == 2 && c.wire_type == CGRPC_PB_WT_LEN) path = c.bytes;
      }
      if (cr < 0)
        return fail(err, "%s: its google.api.http custom pattern does not decode", method);
      if (!kind.len) return fail(err, "%s: a google.api.http custom pattern needs a kind", method);
      if (!(rule->http_method = arena_cstr(arena, kind))) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
    } else if (f.number == 7 && f.wire_type == CGRPC_PB_WT_LEN) {
      rule->body = f.bytes;
    } else if (f.number == 12 && f.wire_type == CGRPC_PB_WT_LEN) {
      rule->response_body = f.bytes;
    } else if (f.number == 11 && f.wire_type == CGRPC_PB_WT_LEN) {
      if (!extra)
        return fail(err, "%s: an additional binding of google.api.http has bindings of its own",
                    method);
      if (*extra_count == extra_cap)
        return fail(err, "%s: more than %zu additional bindings", method, extra_cap);
      extra[(*extra_count)++] = f.bytes;
    }
  }
  if (r < 0) return fail(err, "%s: its google.api.http option does not decode", method);
  if (!rule->http_method)
    return fail(err,
                "%s: a google.api.http rule needs a pattern (get, put, post, delete, patch "
                "or custom)",
                method);
  if ((rule->body.len && !(rule->body.data = arena_cstr(arena, rule->body))) ||
      (rule->response_body.len &&
       !(rule->response_body.data = arena_cstr(arena, rule->response_body))))
    return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  cgrpc_error_t tpl_err;
  cgrpc_status_code_t code = rest_template_parse(path.data, path.len, arena, &rule->tpl, &tpl_err);
  if (code == CGRPC_STATUS_INVALID_ARGUMENT) return fail(err, "%s: %s", method, tpl_err.message);
  return code;
}

#define MAX_BINDINGS 16

cgrpc_status_code_t rest_rules_decode(const uint8_t *bytes, size_t len, const char *method,
                                      cgrpc_arena_t *arena, rest_rule_t **out, size_t *count,
                                      cgrpc_error_t *err) {
  cgrpc_str_t extra[MAX_BINDINGS];
  size_t extra_count = 0;
  rest_rule_t first;
  cgrpc_status_code_t code = decode_one((cgrpc_str_t){(const char *)bytes, len}, method, arena,
                                        &first, extra, &extra_count, MAX_BINDINGS, err);
  if (code) return code;
  rest_rule_t *rules = cgrpc_arena_alloc(arena, (extra_count + 1) * sizeof *rules);
  if (!rules) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  rules[0] = first;
  for (size_t i = 0; i < extra_count; i++)
    if ((code = decode_one(extra[i], method, arena, &rules[i + 1], NULL, NULL, 0, err)))
      return code;
  *out = rules;
  *count = extra_count + 1;
  return CGRPC_STATUS_OK;
}

/* The last google.api.http value in a MethodOptions' unknown fields. */
static bool find_http_option(cgrpc_str_t unknown, cgrpc_str_t *value, bool *malformed) {
  const char *p = unknown.data, *end = unknown.data + unknown.len;
  wire_field_t f;
  int r;
  bool found = false;
  while ((r = next_field(&p, end, &f)) > 0)
    if (f.number == REST_HTTP_EXTENSION && f.wire_type == CGRPC_PB_WT_LEN) {
      *value = f.bytes;
      found = true;
    }
  *malformed = r < 0;
  return found;
}

cgrpc_status_code_t rest_rules_from_file(const uint8_t *descriptor, size_t len,
                                         cgrpc_arena_t *arena, rest_method_rules_t **methods,
                                         size_t *count, cgrpc_error_t *err) {
  google_protobuf_FileDescriptorProto *file =
      cgrpc_pb_msg_new(&google_protobuf_FileDescriptorProto_table, arena);
  if (!file) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  if (cgrpc_pb_decode(descriptor, len, file, &google_protobuf_FileDescriptorProto_table, arena, 0,
                      NULL) != CGRPC_PB_OK)
    return fail(err, "a file descriptor does not decode: pass the bytes generated code embeds");
  size_t n = 0;
  for (size_t s = 0; s < file->service.count; s++) n += file->service.data[s]->method.count;
  rest_method_rules_t *out = cgrpc_arena_calloc(arena, (n ? n : 1) * sizeof *out);
  if (!out) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
  size_t k = 0;
  for (size_t s = 0; s < file->service.count; s++) {
    const google_protobuf_ServiceDescriptorProto *svc = file->service.data[s];
    for (size_t m = 0; m < svc->method.count; m++, k++) {
      const google_protobuf_MethodDescriptorProto *md = svc->method.data[m];
      cgrpc_str_t full =
          cgrpc_arena_printf(arena, "%.*s%s%.*s.%.*s", (int)file->package.len, file->package.data,
                             file->package.len ? "." : "", (int)svc->name.len, svc->name.data,
                             (int)md->name.len, md->name.data);
      if (!full.data) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
      out[k].full_name = full.data;
      if (!md->options) continue;
      out[k].no_side_effects =
          md->options->has_idempotency_level &&
          md->options->idempotency_level == google_protobuf_MethodOptions_NO_SIDE_EFFECTS;
      cgrpc_str_t value;
      bool malformed;
      if (find_http_option(md->options->_unknown, &value, &malformed)) {
        cgrpc_status_code_t code =
            rest_rules_decode((const uint8_t *)value.data, value.len, full.data, arena,
                              &out[k].rules, &out[k].rule_count, err);
        if (code) return code;
      } else if (malformed) {
        return fail(err, "%s: its options do not decode", full.data);
      }
    }
  }
  *methods = out;
  *count = n;
  return CGRPC_STATUS_OK;
}
