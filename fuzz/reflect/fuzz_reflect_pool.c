/* fuzz_reflect_pool — arbitrary bytes as a FileDescriptorProto into a pool.
 *
 * Each input goes to cgrpc_pool_add_file() of a fresh pool (which holds the
 * well-known types, so imports of them resolve), and, when it is accepted,
 * every message of the file, whose run-time table the pool built, is put to
 * work: a fixed input with every wire type is decoded into it (partial, so
 * required fields do not stop it), the result is encoded, copied and
 * compared, and every field is read through the cgrpc_dyn_* accessors. The
 * same bytes then go to cgrpc_pool_add_file_set(). Failure must come back as
 * INVALID_ARGUMENT with a message and leave the pool usable. No crash, no
 * out-of-bounds access, no leak, no UB, whatever the descriptor says.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/descriptor.h"
#include "cgrpc/pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "fuzz_reflect_pool: %s\n", what);
  abort();
}

/* Fields 1-15 with every wire type, a nested message, a group, a packed run
 * and a string that is not UTF-8. */
static const uint8_t kInput[] = {
    0x08, 0x96, 0x01,                                     /* 1: varint 150 */
    0x11, 1, 2, 3, 4, 5, 6, 7, 8,                         /* 2: fixed64 */
    0x1a, 0x03, 'a', 'b', 'c',                            /* 3: "abc" */
    0x25, 0x00, 0x00, 0x80, 0x3f,                         /* 4: fixed32 1.0f */
    0x2a, 0x04, 0x08, 0x01, 0x10, 0x02,                   /* 5: message {1: 1, 2: 2} */
    0x33, 0x38, 0x07, 0x34,                               /* 6: group {7: 7} */
    0x3a, 0x03, 0x01, 0x02, 0x03,                         /* 7: packed 1, 2, 3 */
    0x42, 0x02, 0xff, 0xfe,                               /* 8: bytes, not UTF-8 */
    0x48, 0xff, 0xff, 0xff, 0xff, 0x0f,                   /* 9: varint 2^32-1 */
    0x50, 0x01, 0x58, 0x7f,                               /* 10, 11: small varints */
    0x62, 0x06, 0x0a, 0x01, 'k', 0x10, 0x05, 0x00,        /* 12: a map entry {1: "k", 2: 5} */
    0x68, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, /* 13: -1 as varint */
    0x72, 0x00,                                           /* 14: empty */
    0x79, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f,                   /* 15: fixed64 +inf */
};

static void read_fields(const cgrpc_msg_desc_t *m, const void *msg, int depth) {
  if (!msg || depth > 4) return;
  for (size_t i = 0; i < m->field_count; i++) {
    const cgrpc_field_desc_t *f = &m->fields[i];
    (void)cgrpc_dyn_has(msg, f);
    if (f->label == CGRPC_LABEL_REPEATED) {
      size_t n = cgrpc_dyn_count(msg, f);
      for (size_t k = 0; k < n; k++) {
        cgrpc_dyn_value_t v = cgrpc_dyn_get_at(msg, f, k);
        if (f->message) read_fields(f->message, v.msg, depth + 1);
      }
    } else {
      cgrpc_dyn_value_t v = cgrpc_dyn_get(msg, f);
      if (f->message) read_fields(f->message, v.msg, depth + 1);
    }
  }
  for (size_t i = 0; i < m->oneof_count; i++) (void)cgrpc_dyn_which_oneof(msg, &m->oneofs[i]);
}

static void exercise(const cgrpc_msg_desc_t *m) {
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  cgrpc_arena_set_limit(&arena, 64 << 20);
  void *msg = cgrpc_pb_msg_new(m->table, &arena);
  if (msg) {
    int rc = cgrpc_pb_decode(kInput, sizeof kInput, msg, m->table, &arena,
                             CGRPC_PB_DECODE_PARTIAL, NULL);
    require(rc <= 0, "decode returned a positive code");
    read_fields(m, msg, 0);
    uint8_t *out;
    size_t len;
    if (cgrpc_pb_encode(msg, m->table, &arena, CGRPC_PB_ENCODE_PARTIAL, &out, &len, NULL) ==
        CGRPC_PB_OK) {
      require(len == cgrpc_pb_encoded_size(msg, m->table, CGRPC_PB_ENCODE_PARTIAL),
              "encoded_size disagrees with encode");
    }
    void *copy = cgrpc_pb_msg_new(m->table, &arena);
    if (copy && cgrpc_pb_msg_copy(copy, msg, m->table, &arena) == CGRPC_PB_OK) {
      require(cgrpc_pb_msg_equal(copy, msg, m->table), "a copy differs from its source");
    }
  }
  cgrpc_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cgrpc_pool_t *pool = NULL;
  cgrpc_error_t err;
  require(cgrpc_pool_new(&pool, &err) == CGRPC_STATUS_OK, "cgrpc_pool_new failed");
  size_t before = cgrpc_pool_file_count(pool);
  err.message[0] = '\0';
  cgrpc_status_code_t code = cgrpc_pool_add_file(pool, data, size, &err);
  if (code == CGRPC_STATUS_OK) {
    if (cgrpc_pool_file_count(pool) > before) {
      const cgrpc_file_desc_t *f = cgrpc_pool_file(pool, before);
      for (size_t i = 0; i < f->message_count; i++) {
        require(cgrpc_pool_find_message(pool, f->messages[i]->full_name) == f->messages[i],
                "an added message is not found by name");
        exercise(f->messages[i]);
      }
    }
  } else {
    require(code == CGRPC_STATUS_INVALID_ARGUMENT, "failure other than INVALID_ARGUMENT");
    require(err.message[0] != '\0', "failure without a message");
    require(cgrpc_pool_file_count(pool) == before, "a failed add changed the file list");
  }
  code = cgrpc_pool_add_file_set(pool, data, size, &err);
  require(code == CGRPC_STATUS_OK || code == CGRPC_STATUS_INVALID_ARGUMENT,
          "descriptor set: failure other than INVALID_ARGUMENT");
  cgrpc_pool_free(pool);
  return 0;
}
