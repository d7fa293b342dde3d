/* Compression algorithm names and grpc-accept-encoding lists.
 * See h2/encoding.h. */
#include "h2/encoding.h"

#include <string.h>

#include "h2/value_list.h"

static const char *const kNames[CGRPC_COMPRESSION_COUNT] = {"identity", "deflate", "gzip"};

/* Every subset that contains identity, indexed by the set's bits. */
static const char *const kAcceptValues[1u << CGRPC_COMPRESSION_COUNT] = {
    "identity",      "identity",      "identity,deflate",      "identity,deflate",
    "identity,gzip", "identity,gzip", "identity,deflate,gzip", "identity,deflate,gzip",
};

const char *cgrpc_compression_name(cgrpc_compression_t alg) {
  return (unsigned)alg < CGRPC_COMPRESSION_COUNT ? kNames[alg] : NULL;
}

bool cgrpc_compression_from_name(const char *name, size_t len, cgrpc_compression_t *alg) {
  for (int i = 0; i < CGRPC_COMPRESSION_COUNT; i++) {
    if (strlen(kNames[i]) == len && memcmp(kNames[i], name, len) == 0) {
      *alg = (cgrpc_compression_t)i;
      return true;
    }
  }
  return false;
}

cgrpc_compression_set_t cgrpc_compression_parse_accept(const char *value, size_t len) {
  cgrpc_compression_set_t set = CGRPC_COMPRESSION_SET_OF(CGRPC_COMPRESSION_IDENTITY);
  cgrpc_value_list_t list;
  const char *elem;
  size_t elem_len;
  cgrpc_compression_t alg;
  cgrpc_value_list_init(&list, value, len);
  while (cgrpc_value_list_next(&list, &elem, &elem_len)) {
    if (cgrpc_compression_from_name(elem, elem_len, &alg)) set |= CGRPC_COMPRESSION_SET_OF(alg);
  }
  return set;
}

const char *cgrpc_compression_format_accept(cgrpc_compression_set_t set) {
  return kAcceptValues[set & CGRPC_COMPRESSION_SET_ALL];
}

cgrpc_compression_t cgrpc_compression_choose(cgrpc_compression_set_t peer_accepts,
                                             const cgrpc_compression_t *preferred, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if ((unsigned)preferred[i] < CGRPC_COMPRESSION_COUNT &&
        (peer_accepts & CGRPC_COMPRESSION_SET_OF(preferred[i]))) {
      return preferred[i];
    }
  }
  return CGRPC_COMPRESSION_IDENTITY;
}
