/* Descriptor pools: the well-known types in a new pool, name resolution by
 * the protobuf scoping rules, lookups, services, extensions, descriptor sets
 * in any order, and every documented failure (bad bytes, missing import,
 * duplicate symbol, unresolvable or wrong-kind reference, bad numbers,
 * unsupported syntax), each leaving the pool as it was. Files are written
 * with the generated descriptor.proto structs and encoded. */
#include <stdio.h>
#include <string.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "test.h"

static cgrpc_arena_t arena;

static cgrpc_str_t s(const char *text) { return cgrpc_str(text); }

/* Appends to a repeated field, doubling its capacity in the arena. */
#define PUSH(arr, value)                                                                  \
  do {                                                                                    \
    size_t n_ = (arr).count;                                                              \
    if (n_ == (arr).capacity) {                                                           \
      size_t cap_ = n_ ? 2 * n_ : 4;                                                      \
      void *d_ = cgrpc_arena_realloc(&arena, (arr).data, n_ * sizeof(*(arr).data),        \
                                     cap_ * sizeof(*(arr).data));                         \
      (arr).data = d_;                                                                    \
      (arr).capacity = cap_;                                                              \
    }                                                                                     \
    (arr).data[n_] = (value);                                                             \
    (arr).count = n_ + 1;                                                                 \
  } while (0)

static google_protobuf_FileDescriptorProto *new_file(const char *name, const char *package,
                                                     const char *syntax) {
  google_protobuf_FileDescriptorProto *f = google_protobuf_FileDescriptorProto_new(&arena);
  f->has_name = true;
  f->name = s(name);
  if (package) {
    f->has_package = true;
    f->package = s(package);
  }
  if (syntax) {
    f->has_syntax = true;
    f->syntax = s(syntax);
  }
  return f;
}

static google_protobuf_DescriptorProto *new_msg(const char *name) {
  google_protobuf_DescriptorProto *m = google_protobuf_DescriptorProto_new(&arena);
  m->has_name = true;
  m->name = s(name);
  return m;
}

static google_protobuf_DescriptorProto *add_msg(google_protobuf_FileDescriptorProto *f,
                                                const char *name) {
  google_protobuf_DescriptorProto *m = new_msg(name);
  PUSH(f->message_type, m);
  return m;
}

static google_protobuf_DescriptorProto *add_nested(google_protobuf_DescriptorProto *parent,
                                                   const char *name) {
  google_protobuf_DescriptorProto *m = new_msg(name);
  PUSH(parent->nested_type, m);
  return m;
}

static google_protobuf_FieldDescriptorProto *new_field(const char *name, int number, int type,
                                                       const char *type_name) {
  google_protobuf_FieldDescriptorProto *fd = google_protobuf_FieldDescriptorProto_new(&arena);
  fd->has_name = fd->has_number = fd->has_label = fd->has_type = true;
  fd->name = s(name);
  fd->number = number;
  fd->label = CGRPC_LABEL_OPTIONAL;
  fd->type = type;
  if (type_name) {
    fd->has_type_name = true;
    fd->type_name = s(type_name);
  }
  return fd;
}

static google_protobuf_FieldDescriptorProto *add_field(google_protobuf_DescriptorProto *m,
                                                       const char *name, int number, int type,
                                                       const char *type_name) {
  google_protobuf_FieldDescriptorProto *fd = new_field(name, number, type, type_name);
  PUSH(m->field, fd);
  return fd;
}

static void add_enum(google_protobuf_FileDescriptorProto *f, const char *name, const char *value) {
  google_protobuf_EnumDescriptorProto *e = google_protobuf_EnumDescriptorProto_new(&arena);
  e->has_name = true;
  e->name = s(name);
  google_protobuf_EnumValueDescriptorProto *v = google_protobuf_EnumValueDescriptorProto_new(&arena);
  v->has_name = v->has_number = true;
  v->name = s(value);
  PUSH(e->value, v);
  PUSH(f->enum_type, e);
}

static cgrpc_status_code_t add(cgrpc_pool_t *pool, google_protobuf_FileDescriptorProto *f,
                               cgrpc_error_t *err) {
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(f, &google_protobuf_FileDescriptorProto_table, &arena, 0, &bytes,
                               &len, NULL),
               0);
  memset(err->message, 0, sizeof err->message);
  return cgrpc_pool_add_file(pool, bytes, len, err);
}

#define CHECK_CONTAINS(text, part)                                               \
  do {                                                                           \
    if (!strstr((text), (part))) TEST_FAIL_("\"%s\" lacks \"%s\"", (text), (part)); \
  } while (0)

static cgrpc_pool_t *new_pool(void) {
  cgrpc_pool_t *pool = NULL;
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_pool_new(&pool, &err), CGRPC_STATUS_OK);
  return pool;
}

static void test_well_known_types(void) {
  cgrpc_pool_t *pool = new_pool();
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), 11);
  const char *files[] = {"any", "api", "descriptor", "duration", "empty", "field_mask",
                         "source_context", "struct", "timestamp", "type", "wrappers"};
  for (size_t i = 0; i < 11; i++) {
    char name[64];
    snprintf(name, sizeof name, "google/protobuf/%s.proto", files[i]);
    const cgrpc_file_desc_t *f = cgrpc_pool_find_file(pool, name);
    CHECK(f != NULL);
    if (f) CHECK(f->generated != NULL);
  }
  const cgrpc_msg_desc_t *ts = cgrpc_pool_find_message(pool, "google.protobuf.Timestamp");
  CHECK(ts && ts->table == &google_protobuf_Timestamp_table);
  CHECK(cgrpc_pool_find_message_by_table(pool, &google_protobuf_Timestamp_table) == ts);
  const cgrpc_field_desc_t *secs = ts ? cgrpc_msg_desc_field(ts, "seconds") : NULL;
  CHECK(secs && secs->type == CGRPC_PB_INT64 && secs->slot);
  /* Accessors work on generated messages through the mapped rows. */
  google_protobuf_Timestamp t = {.seconds = 1700000000, .nanos = 5};
  if (secs) CHECK_EQ_INT(cgrpc_dyn_get_int64(&t, secs), 1700000000);
  CHECK(cgrpc_pool_find_message(pool, "google.protobuf.FileDescriptorProto") != NULL);
  CHECK(cgrpc_pool_find_enum(pool, "google.protobuf.NullValue") != NULL);
  const cgrpc_file_desc_t *api = cgrpc_pool_find_file(pool, "google/protobuf/api.proto");
  CHECK(api && api->dep_count == 2);
  /* Adding a generated well-known type again is accepted and changes nothing. */
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_pool_add_generated(pool, &google_protobuf_timestamp_proto_file, &err), 0);
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), 11);
  cgrpc_pool_free(pool);
}

static void test_name_resolution(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *f = new_file("res.proto", "a.b", "proto3");
  google_protobuf_DescriptorProto *outer = add_msg(f, "Outer");
  google_protobuf_DescriptorProto *inner = add_nested(outer, "Inner");
  add_msg(f, "Other");
  add_enum(f, "Color", "COLOR_NONE");
  add_field(outer, "inner", 1, CGRPC_PB_MESSAGE, "Inner");          /* a.b.Outer.Inner */
  add_field(outer, "other", 2, CGRPC_PB_MESSAGE, "b.Other");        /* via package a.b */
  add_field(outer, "full", 3, CGRPC_PB_MESSAGE, ".a.b.Other");      /* fully qualified */
  add_field(inner, "up", 1, CGRPC_PB_MESSAGE, "Other");             /* outward to a.b */
  add_field(inner, "color", 2, CGRPC_PB_ENUM, "Color");
  add_field(inner, "ts", 3, CGRPC_PB_MESSAGE, "google.protobuf.Timestamp");
  PUSH(f->dependency, s("google/protobuf/timestamp.proto"));
  cgrpc_error_t err;
  cgrpc_status_code_t code = add(pool, f, &err);
  if (code) fprintf(stderr, "  %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  const cgrpc_msg_desc_t *o = cgrpc_pool_find_message(pool, "a.b.Outer");
  CHECK(o != NULL);
  if (!o) return;
  CHECK_EQ_STR(cgrpc_msg_desc_field(o, "inner")->message->full_name, "a.b.Outer.Inner");
  CHECK_EQ_STR(cgrpc_msg_desc_field(o, "other")->message->full_name, "a.b.Other");
  CHECK_EQ_STR(cgrpc_msg_desc_field(o, "full")->message->full_name, "a.b.Other");
  const cgrpc_msg_desc_t *in = cgrpc_pool_find_message(pool, "a.b.Outer.Inner");
  CHECK(in && in->containing == o);
  CHECK_EQ_STR(cgrpc_msg_desc_field(in, "up")->message->full_name, "a.b.Other");
  CHECK_EQ_STR(cgrpc_msg_desc_field(in, "color")->enum_type->full_name, "a.b.Color");
  CHECK(cgrpc_msg_desc_field(in, "ts")->message->table == &google_protobuf_Timestamp_table);
  CHECK_EQ_STR(cgrpc_pool_find_file_containing(pool, "a.b.COLOR_NONE")->name, "res.proto");
  CHECK(cgrpc_pool_find_file_containing(pool, "a.b") == NULL); /* a package is no symbol */

  /* The first component binds to the innermost match ("b" = a.b.Outer2.b),
   * and protoc does not search further out when the rest is not inside it. */
  google_protobuf_FileDescriptorProto *g = new_file("shadow.proto", "a.b", "proto3");
  PUSH(g->dependency, s("res.proto"));
  google_protobuf_DescriptorProto *o2 = add_msg(g, "Outer2");
  add_nested(o2, "b");
  add_field(o2, "x", 1, CGRPC_PB_MESSAGE, "b.Other");
  CHECK_EQ_INT(add(pool, g, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "shadow.proto: field a.b.Outer2.x: type \"b.Other\" is not defined");
  cgrpc_pool_free(pool);
}

static void test_missing_import(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *f = new_file("app/a.proto", "app", "proto3");
  PUSH(f->dependency, s("app/b.proto"));
  cgrpc_error_t err;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message,
               "app/a.proto: imports app/b.proto, which is not in the descriptor pool; add it first");
  CHECK(cgrpc_pool_find_file(pool, "app/a.proto") == NULL);
  cgrpc_pool_free(pool);
}

static void test_duplicate_symbol(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *f = new_file("one.proto", "dup", "proto3");
  add_msg(f, "Thing");
  cgrpc_error_t err;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_OK);
  google_protobuf_FileDescriptorProto *g = new_file("two.proto", "dup", "proto3");
  add_msg(g, "Fine");
  add_enum(g, "Thing", "THING_ZERO");
  CHECK_EQ_INT(add(pool, g, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message,
               "two.proto: enum \"dup.Thing\" is already defined, as a message in one.proto");
  /* Nothing of two.proto stayed: its other symbols are gone too. */
  CHECK(cgrpc_pool_find_message(pool, "dup.Fine") == NULL);
  CHECK(cgrpc_pool_find_file(pool, "two.proto") == NULL);
  CHECK(cgrpc_pool_find_message(pool, "dup.Thing") != NULL);
  /* A field and a nested message of one name clash inside one file. */
  google_protobuf_FileDescriptorProto *h = new_file("three.proto", "dup", "proto3");
  google_protobuf_DescriptorProto *m = add_msg(h, "M");
  add_field(m, "x", 1, CGRPC_PB_INT32, NULL);
  add_nested(m, "x");
  CHECK_EQ_INT(add(pool, h, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "three.proto: message \"dup.M.x\" is already defined, as a field");
  /* The same file name with another content. */
  google_protobuf_FileDescriptorProto *again = new_file("one.proto", "dup", "proto3");
  add_msg(again, "Different");
  CHECK_EQ_INT(add(pool, again, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "one.proto is already in the descriptor pool with a different content");
  /* The same file again: accepted, nothing changes. */
  size_t n = cgrpc_pool_file_count(pool);
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), n);
  cgrpc_pool_free(pool);
}

static void test_bad_references(void) {
  cgrpc_pool_t *pool = new_pool();
  cgrpc_error_t err;
  google_protobuf_FileDescriptorProto *f = new_file("ref.proto", "ref", "proto2");
  google_protobuf_DescriptorProto *m = add_msg(f, "M");
  add_enum(f, "E", "E_ZERO");
  google_protobuf_FieldDescriptorProto *fd = add_field(m, "thing", 1, CGRPC_PB_MESSAGE, "Nope");
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "ref.proto: field ref.M.thing: type \"Nope\" is not defined");
  CHECK(cgrpc_pool_find_message(pool, "ref.M") == NULL);
  fd->type_name = s("E"); /* an enum where a message is declared */
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "ref.proto: field ref.M.thing: type ref.E is not a message");
  fd->type_name = s("M");
  fd->number = 0;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "ref.proto: field ref.M.thing: number 0 is out of range");
  fd->number = 1;
  add_field(m, "twin", 1, CGRPC_PB_INT32, NULL);
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "ref.proto: message ref.M: fields thing and twin have the same number 1");
  m->field.data[1]->number = 2;
  m->field.data[1]->has_default_value = true;
  m->field.data[1]->default_value = s("twelve");
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "ref.proto: field ref.M.twin: cannot use default value \"twelve\"");
  m->field.data[1]->default_value = s("12");
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_OK); /* fixed, the same name now goes in */
  const cgrpc_msg_desc_t *md = cgrpc_pool_find_message(pool, "ref.M");
  CHECK(md != NULL);
  if (md) {
    void *msg = cgrpc_pb_msg_new(md->table, &arena);
    CHECK_EQ_INT(cgrpc_dyn_get_int32(msg, cgrpc_msg_desc_field(md, "twin")), 12);
  }

  google_protobuf_FileDescriptorProto *bad_name = new_file("n.proto", "n", "proto3");
  add_msg(bad_name, "has space");
  CHECK_EQ_INT(add(pool, bad_name, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "n.proto: message name \"has space\" in n is not a valid identifier");
  google_protobuf_FileDescriptorProto *editions = new_file("e.proto", "e", "editions");
  CHECK_EQ_INT(add(pool, editions, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "e.proto: syntax \"editions\" is not supported (only proto2 and proto3)");
  cgrpc_pool_free(pool);
}

static void test_bad_bytes(void) {
  cgrpc_pool_t *pool = new_pool();
  cgrpc_error_t err;
  CHECK_EQ_INT(cgrpc_pool_add_file(pool, "\x0a\x05" "ab", 4, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "not a serialized FileDescriptorProto: ");
  CHECK_EQ_INT(cgrpc_pool_add_file(pool, "", 0, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "descriptor: the file has no valid name");
  CHECK_EQ_INT(cgrpc_pool_add_file_set(pool, "\xff", 1, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "not a serialized FileDescriptorSet: ");
  CHECK_EQ_INT(cgrpc_pool_add_file(pool, "\x0a\x05" "ab", 4, NULL), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), 11);
  cgrpc_pool_free(pool);
}

static void test_services_and_extensions(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *f = new_file("svc.proto", "shop", "proto2");
  google_protobuf_DescriptorProto *req = add_msg(f, "Req");
  google_protobuf_DescriptorProto_ExtensionRange *range =
      google_protobuf_DescriptorProto_ExtensionRange_new(&arena);
  range->has_start = range->has_end = true;
  range->start = 100;
  range->end = 200;
  PUSH(req->extension_range, range);
  add_msg(f, "Resp");
  google_protobuf_ServiceDescriptorProto *svc = google_protobuf_ServiceDescriptorProto_new(&arena);
  svc->has_name = true;
  svc->name = s("Shop");
  google_protobuf_MethodDescriptorProto *meth = google_protobuf_MethodDescriptorProto_new(&arena);
  meth->has_name = meth->has_input_type = meth->has_output_type = true;
  meth->name = s("Watch");
  meth->input_type = s("Req");
  meth->output_type = s(".shop.Resp");
  meth->has_server_streaming = true;
  meth->server_streaming = true;
  PUSH(svc->method, meth);
  PUSH(f->service, svc);
  google_protobuf_FieldDescriptorProto *ext = new_field("note", 100, CGRPC_PB_STRING, NULL);
  ext->has_extendee = true;
  ext->extendee = s("Req");
  PUSH(f->extension, ext);
  cgrpc_error_t err;
  cgrpc_status_code_t code = add(pool, f, &err);
  if (code) fprintf(stderr, "  %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  const cgrpc_service_desc_t *sd = cgrpc_pool_find_service(pool, "shop.Shop");
  CHECK(sd && sd->method_count == 1);
  const cgrpc_method_desc_t *md = cgrpc_pool_find_method(pool, "shop.Shop.Watch");
  CHECK(md && md->service == sd);
  if (md) {
    CHECK_EQ_STR(md->path, "/shop.Shop/Watch");
    CHECK_EQ_STR(md->input->full_name, "shop.Req");
    CHECK_EQ_STR(md->output->full_name, "shop.Resp");
    CHECK(md->server_streaming && !md->client_streaming);
  }
  CHECK_EQ_STR(cgrpc_pool_find_file_containing(pool, "shop.Shop.Watch")->name, "svc.proto");
  const cgrpc_field_desc_t *e = cgrpc_pool_find_extension_by_number(pool, "shop.Req", 100);
  CHECK(e && e->is_extension && !e->slot && e->scope == NULL);
  CHECK(cgrpc_pool_find_extension(pool, "shop.note") == e);
  /* Values of extensions stay in the unknown fields: the accessors refuse. */
  cgrpc_dyn_value_t v = {.str = CGRPC_STR("x")};
  const cgrpc_msg_desc_t *rq = cgrpc_pool_find_message(pool, "shop.Req");
  void *msg = cgrpc_pb_msg_new(rq->table, &arena);
  CHECK_EQ_INT(cgrpc_dyn_set(msg, e, CGRPC_DYN_STR, v, &err), CGRPC_STATUS_INVALID_ARGUMENT);

  /* A second extension with the same number of the same message. */
  google_protobuf_FileDescriptorProto *g = new_file("ext2.proto", "other", "proto2");
  PUSH(g->dependency, s("svc.proto"));
  google_protobuf_FieldDescriptorProto *ext2 = new_field("clash", 100, CGRPC_PB_INT32, NULL);
  ext2->has_extendee = true;
  ext2->extendee = s("shop.Req");
  PUSH(g->extension, ext2);
  CHECK_EQ_INT(add(pool, g, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "ext2.proto: extension other.clash: number 100 of shop.Req is already "
                            "used by extension shop.note");
  CHECK_EQ_UINT(cgrpc_pool_extensions_of(pool, "shop.Req", NULL, 0), 1);
  /* A method whose input does not resolve. */
  meth->input_type = s("Missing");
  f->name = s("svc2.proto");
  f->package = s("shop2");
  ext->extendee = s("shop.Req");
  ext->number = 101;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "svc2.proto: method shop2.Shop.Watch: input type \"Missing\" is not defined");
  cgrpc_pool_free(pool);
}

static cgrpc_status_code_t add_set(cgrpc_pool_t *pool, google_protobuf_FileDescriptorProto **files,
                                   size_t n, cgrpc_error_t *err) {
  google_protobuf_FileDescriptorSet *set = google_protobuf_FileDescriptorSet_new(&arena);
  for (size_t i = 0; i < n; i++) PUSH(set->file, files[i]);
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(set, &google_protobuf_FileDescriptorSet_table, &arena, 0, &bytes,
                               &len, NULL),
               0);
  return cgrpc_pool_add_file_set(pool, bytes, len, err);
}

static void test_file_set_order(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *base = new_file("base.proto", "p", "proto3");
  add_msg(base, "Base");
  google_protobuf_FileDescriptorProto *top = new_file("top.proto", "p", "proto3");
  PUSH(top->dependency, s("base.proto"));
  add_field(add_msg(top, "Top"), "base", 1, CGRPC_PB_MESSAGE, "Base");
  google_protobuf_FileDescriptorProto *files[2] = {top, base}; /* importer first */
  cgrpc_error_t err;
  CHECK_EQ_INT(add_set(pool, files, 2, &err), CGRPC_STATUS_OK);
  CHECK(cgrpc_pool_find_message(pool, "p.Top") != NULL);
  CHECK_EQ_STR(cgrpc_pool_file(pool, 11)->name, "base.proto");
  /* Again: every file is already there. */
  CHECK_EQ_INT(add_set(pool, files, 2, &err), CGRPC_STATUS_OK);
  CHECK_EQ_UINT(cgrpc_pool_file_count(pool), 13);

  google_protobuf_FileDescriptorProto *lost = new_file("lost.proto", "q", "proto3");
  PUSH(lost->dependency, s("nowhere.proto"));
  CHECK_EQ_INT(add_set(pool, &lost, 1, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "lost.proto imports nowhere.proto, which is neither in the descriptor "
                            "pool nor in the set; add it (protoc --include_imports)");
  google_protobuf_FileDescriptorProto *x = new_file("x.proto", "c", "proto3");
  google_protobuf_FileDescriptorProto *y = new_file("y.proto", "c", "proto3");
  PUSH(x->dependency, s("y.proto"));
  PUSH(y->dependency, s("x.proto"));
  google_protobuf_FileDescriptorProto *cycle[2] = {x, y};
  CHECK_EQ_INT(add_set(pool, cycle, 2, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "x.proto is part of an import cycle in the descriptor set");
  cgrpc_pool_free(pool);
}

/* A map entry that is not one, and a message that refers to itself. */
static void test_maps_and_recursion(void) {
  cgrpc_pool_t *pool = new_pool();
  google_protobuf_FileDescriptorProto *f = new_file("m.proto", "m", "proto3");
  google_protobuf_DescriptorProto *node = add_msg(f, "Node");
  add_field(node, "next", 1, CGRPC_PB_MESSAGE, "Node");
  google_protobuf_DescriptorProto *entry = add_nested(node, "KidsEntry");
  entry->options = google_protobuf_MessageOptions_new(&arena);
  entry->options->has_map_entry = entry->options->map_entry = true;
  add_field(entry, "key", 1, CGRPC_PB_DOUBLE, NULL);
  add_field(entry, "value", 2, CGRPC_PB_MESSAGE, "Node");
  google_protobuf_FieldDescriptorProto *kids = add_field(node, "kids", 2, CGRPC_PB_MESSAGE, "KidsEntry");
  kids->label = CGRPC_LABEL_REPEATED;
  cgrpc_error_t err;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_INVALID_ARGUMENT);
  CHECK_CONTAINS(err.message, "m.proto: map entry m.Node.KidsEntry must have a singular key = 1");
  entry->field.data[0]->type = CGRPC_PB_STRING;
  CHECK_EQ_INT(add(pool, f, &err), CGRPC_STATUS_OK);
  const cgrpc_msg_desc_t *m = cgrpc_pool_find_message(pool, "m.Node");
  CHECK(m && m->table->subs[0].msg == m->table); /* itself */
  const cgrpc_field_desc_t *k = cgrpc_msg_desc_field(m, "kids");
  CHECK(k && k->is_map && (k->slot->flags & CGRPC_PB_FIELD_MAP));
  void *msg = cgrpc_pb_msg_new(m->table, &arena);
  void *child = cgrpc_pb_msg_new(m->table, &arena);
  cgrpc_dyn_value_t key = {.str = CGRPC_STR("a")}, value = {.msg = child}, out;
  CHECK_EQ_INT(cgrpc_dyn_map_put(msg, k, key, value, &arena, &err), 0);
  uint8_t *bytes;
  size_t len;
  CHECK_EQ_INT(cgrpc_pb_encode(msg, m->table, &arena, 0, &bytes, &len, NULL), 0);
  void *back = cgrpc_pb_msg_new(m->table, &arena);
  CHECK_EQ_INT(cgrpc_pb_decode(bytes, len, back, m->table, &arena, 0, NULL), 0);
  CHECK(cgrpc_dyn_map_get(back, k, key, &out) && out.msg != NULL);
  CHECK(cgrpc_pb_msg_equal(msg, back, m->table));
  cgrpc_pool_free(pool);
}

/* Sizes that a quadratic step would turn into a hang: many fields, enum
 * values and extensions in one file, and a long chain of imports in a set
 * listed importers first. */
static void test_large_inputs(void) {
  cgrpc_pool_t *pool = new_pool();
  enum { FIELDS = 20000, CHAIN = 3000 };
  google_protobuf_FileDescriptorProto *f = new_file("big.proto", "big", "proto2");
  google_protobuf_DescriptorProto *m = add_msg(f, "Big");
  google_protobuf_EnumDescriptorProto *e = google_protobuf_EnumDescriptorProto_new(&arena);
  e->has_name = true;
  e->name = s("Many");
  for (int i = 0; i < FIELDS; i++) {
    const char *name = cgrpc_arena_printf(&arena, "f%d", i).data;
    google_protobuf_FieldDescriptorProto *fd = add_field(m, name, FIELDS - i, CGRPC_PB_ENUM, "Many");
    (void)fd;
    google_protobuf_EnumValueDescriptorProto *v = google_protobuf_EnumValueDescriptorProto_new(&arena);
    v->has_name = v->has_number = true;
    v->name = cgrpc_arena_printf(&arena, "V%d", i);
    v->number = (i * 7919) % FIELDS;
    PUSH(e->value, v);
    google_protobuf_FieldDescriptorProto *ext =
        new_field(cgrpc_arena_printf(&arena, "x%d", i).data, 100000 + i, CGRPC_PB_INT32, NULL);
    ext->has_extendee = true;
    ext->extendee = s("Big");
    PUSH(f->extension, ext);
  }
  PUSH(f->enum_type, e);
  cgrpc_error_t err;
  cgrpc_status_code_t code = add(pool, f, &err);
  if (code) fprintf(stderr, "  %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  const cgrpc_msg_desc_t *big = cgrpc_pool_find_message(pool, "big.Big");
  CHECK(big && big->table->field_count == FIELDS && big->table->dense_count == 255);
  CHECK(cgrpc_pool_find_extension_by_number(pool, "big.Big", 100000 + FIELDS - 1) != NULL);

  google_protobuf_FileDescriptorProto **chain = cgrpc_arena_alloc(&arena, CHAIN * sizeof(*chain));
  for (int i = 0; i < CHAIN; i++) {
    /* chain[i] imports chain[i + 1]: the set lists every importer first. */
    chain[i] = new_file(cgrpc_arena_printf(&arena, "c%d.proto", i).data, "chain", "proto3");
    if (i + 1 < CHAIN) PUSH(chain[i]->dependency, cgrpc_arena_printf(&arena, "c%d.proto", i + 1));
  }
  code = add_set(pool, chain, CHAIN, &err);
  if (code) fprintf(stderr, "  %s\n", err.message);
  CHECK_EQ_INT(code, CGRPC_STATUS_OK);
  CHECK_EQ_STR(cgrpc_pool_file(pool, 12)->name, "c2999.proto");
  cgrpc_pool_free(pool);
}

int main(void) {
  cgrpc_arena_init(&arena, NULL, 0);
  TEST_RUN(test_well_known_types);
  TEST_RUN(test_name_resolution);
  TEST_RUN(test_missing_import);
  TEST_RUN(test_duplicate_symbol);
  TEST_RUN(test_bad_references);
  TEST_RUN(test_bad_bytes);
  TEST_RUN(test_services_and_extensions);
  TEST_RUN(test_file_set_order);
  TEST_RUN(test_maps_and_recursion);
  TEST_RUN(test_large_inputs);
  cgrpc_arena_free(&arena);
  return TEST_DONE();
}
