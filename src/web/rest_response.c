/* src/web/rest_response.c — REST responses: the reply message (or its
 * response_body field) as JSON, and errors as google.rpc.Status JSON with
 * the HTTP status grpc-gateway gives each gRPC code (rest_router.h). */
#include <stdio.h>
#include <string.h>

#include "cgrpc/pb.h"
#include "google/protobuf/any.pb.h"
#include "pb/wire.h"
#include "web/rest_router.h"

int rest_http_status(cgrpc_status_code_t code) {
  /* grpc-gateway v2 runtime.HTTPStatusFromCode. */
  switch (code) {
    case CGRPC_STATUS_OK:
      return 200;
    case CGRPC_STATUS_CANCELLED:
      return 499;
    case CGRPC_STATUS_INVALID_ARGUMENT:
      return 400;
    case CGRPC_STATUS_DEADLINE_EXCEEDED:
      return 504;
    case CGRPC_STATUS_NOT_FOUND:
      return 404;
    case CGRPC_STATUS_ALREADY_EXISTS:
      return 409;
    case CGRPC_STATUS_PERMISSION_DENIED:
      return 403;
    case CGRPC_STATUS_UNAUTHENTICATED:
      return 401;
    case CGRPC_STATUS_RESOURCE_EXHAUSTED:
      return 429;
    case CGRPC_STATUS_FAILED_PRECONDITION:
      return 400;
    case CGRPC_STATUS_ABORTED:
      return 409;
    case CGRPC_STATUS_OUT_OF_RANGE:
      return 400;
    case CGRPC_STATUS_UNIMPLEMENTED:
      return 501;
    case CGRPC_STATUS_UNAVAILABLE:
      return 503;
    default:
      return 500; /* UNKNOWN, INTERNAL, DATA_LOSS */
  }
}

cgrpc_str_t rest_error_json(cgrpc_status_code_t code, cgrpc_str_t message, const char *details_json,
                            cgrpc_arena_t *arena) {
  const char *details = details_json ? details_json : "[]";
  size_t cap = message.len * 6 + strlen(details) + 64;
  char *buf = cgrpc_arena_alloc(arena, cap);
  if (!buf) return (cgrpc_str_t){0};
  int n = snprintf(buf, cap, "{\"code\":%d,\"message\":", (int)code);
  size_t len = rest_json_quote(buf, (size_t)n, cap, message.data ? message.data : "", message.len);
  int m = snprintf(buf + len, cap - len, ",\"details\":%s}", details);
  return (cgrpc_str_t){buf, len + (size_t)m};
}

/* Skips one JSON value at s[i] (text the codec printed: valid, compact).
 * Returns the index after it. */
static size_t skip_value(const char *s, size_t len, size_t i) {
  int depth = 0;
  bool in_string = false;
  for (; i < len; i++) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return i;
}

cgrpc_status_code_t rest_response_json(const rest_route_t *route, const void *msg,
                                       cgrpc_arena_t *arena, cgrpc_str_t *out, cgrpc_error_t *err) {
  cgrpc_json_options_t opts;
  const cgrpc_field_desc_t *f = route->response_field;
  if (!f) {
    rest_json_options(route->pool, 0, &opts);
    return cgrpc_json_encode(msg, route->method->output->table, &opts, arena, out, err);
  }
  if (f->type == CGRPC_PB_MESSAGE && f->label != CGRPC_LABEL_REPEATED) {
    const void *sub = cgrpc_dyn_get_msg(msg, f);
    rest_json_options(route->pool, 0, &opts);
    if (!sub) {
      /* Absent: its default, an empty message ({} or the WKT's zero form). */
      void *empty = cgrpc_pb_msg_new(f->message->table, arena);
      if (!empty) return CGRPC_STATUS_RESOURCE_EXHAUSTED;
      sub = empty;
    }
    return cgrpc_json_encode(sub, f->message->table, &opts, arena, out, err);
  }
  /* A scalar or repeated field: print the whole message with defaults and
   * cut out that member's value. */
  rest_json_options(route->pool, CGRPC_JSON_EMIT_DEFAULTS, &opts);
  cgrpc_str_t whole;
  cgrpc_status_code_t code =
      cgrpc_json_encode(msg, route->method->output->table, &opts, arena, &whole, err);
  if (code) return code;
  char key[160];
  int klen = snprintf(key, sizeof key, "\"%s\":", f->json_name);
  for (size_t i = 1; i + (size_t)klen <= whole.len;) {
    /* At a member's key: compare, else skip key and value. */
    if (memcmp(whole.data + i, key, (size_t)klen) == 0) {
      size_t start = i + (size_t)klen, stop = skip_value(whole.data, whole.len, start);
      *out = (cgrpc_str_t){whole.data + start, stop - start};
      return CGRPC_STATUS_OK;
    }
    i = skip_value(whole.data, whole.len, i);         /* the key string */
    i = skip_value(whole.data, whole.len, i + 1) + 1; /* ':' then the value, then ',' */
  }
  *out = (cgrpc_str_t){"null", 4};
  return CGRPC_STATUS_OK;
}

/* The next length-delimited field of number `want` at *p (others skipped);
 * 1 found, 0 at the end, -1 malformed. */
static int next_field(const char **p, const char *end, uint32_t want, cgrpc_str_t *out) {
  while (*p < end) {
    uint64_t tag, v;
    const char *q = cgrpc_pb_read_varint(*p, end, &tag);
    if (!q) return -1;
    switch (tag & 7) {
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
        if ((tag >> 3) == want) {
          *out = (cgrpc_str_t){q, (size_t)v};
          *p = q + v;
          return 1;
        }
        q += v;
        break;
      default:
        return -1;
    }
    *p = q;
  }
  return 0;
}

const char *rest_details_json(const cgrpc_pool_t *pool, const void *status, size_t len,
                              cgrpc_arena_t *arena) {
  cgrpc_json_options_t opts;
  rest_json_options(pool, 0, &opts);
  size_t cap = 2, n = 0;
  char *out = cgrpc_arena_alloc(arena, cap + 1);
  if (!out) return NULL;
  out[n++] = '[';
  const char *p = status, *end = (const char *)status + len;
  cgrpc_str_t detail;
  int r;
  while ((r = next_field(&p, end, 3, &detail)) > 0) {
    google_protobuf_Any any = google_protobuf_Any_INIT;
    cgrpc_str_t json;
    if (cgrpc_pb_decode(detail.data, detail.len, &any, &google_protobuf_Any_table, arena, 0,
                        NULL) != CGRPC_PB_OK ||
        cgrpc_json_encode(&any, &google_protobuf_Any_table, &opts, arena, &json, NULL) !=
            CGRPC_STATUS_OK)
      continue; /* a type this server does not know: left out */
    char *grown = cgrpc_arena_realloc(arena, out, cap + 1, cap + json.len + 2);
    if (!grown) return NULL;
    out = grown;
    cap += json.len + 1;
    if (n > 1) out[n++] = ',';
    memcpy(out + n, json.data, json.len);
    n += json.len;
  }
  if (r < 0) return NULL;
  out[n++] = ']';
  out[n] = '\0';
  return out;
}
