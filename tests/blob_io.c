/* blob_io — see blob_io.h. */
#include "blob_io.h"

#include "cgrpc/alloc.h"

uint8_t *blob_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, got;
  uint8_t *buf = cgrpc_malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *bigger = cgrpc_realloc(buf, cap *= 2);
      if (!bigger) cgrpc_free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

bool blob_next(const uint8_t **p, const uint8_t *end, blob_t *out) {
  if (end - *p < 4) return false;
  uint32_t n = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
               (uint32_t)(*p)[3] << 24;
  if ((size_t)(end - *p - 4) < n) return false;
  *out = (blob_t){*p + 4, n};
  *p += 4 + n;
  return true;
}

void blob_write(FILE *f, const void *data, size_t len) {
  uint8_t n[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
  fwrite(n, 1, 4, f);
  fwrite(data, 1, len, f);
}
