/* gzip/deflate per message, with capped inflate. See h2/compress.h.
 *
 * zlib counts in uInt (32 bits), so inputs are fed in pieces of at most
 * UINT_MAX bytes; output room is handed out the same way. */
#include "h2/compress.h"

#include <limits.h>
#include <string.h>

#include "base/alloc.h"

/* First decompression buffer, and the largest kept between messages. */
#define MIN_OUTPUT 4096
#define RETAINED_OUTPUT (64 * 1024)

#define WINDOW_BITS 15
#define GZIP_WRAPPER 16 /* added to windowBits: gzip header instead of zlib's */
#define MEM_LEVEL 8

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  if (size != 0 && items > SIZE_MAX / size) return Z_NULL;
  return cgrpc_malloc((size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  cgrpc_free(p);
}

static int window_bits(cgrpc_compression_t alg) {
  return alg == CGRPC_COMPRESSION_GZIP ? WINDOW_BITS + GZIP_WRAPPER : WINDOW_BITS;
}

static bool is_zlib_alg(cgrpc_compression_t alg) {
  return alg == CGRPC_COMPRESSION_DEFLATE || alg == CGRPC_COMPRESSION_GZIP;
}

static uInt clamp_uint(size_t n) { return n > UINT_MAX ? UINT_MAX : (uInt)n; }

static void prepare_stream(z_stream *zs) {
  memset(zs, 0, sizeof *zs);
  zs->zalloc = z_alloc;
  zs->zfree = z_free;
}

void cgrpc_compressor_init(cgrpc_compressor_t *c, int level) {
  memset(c, 0, sizeof *c);
  c->level = level < -1 ? -1 : level > 9 ? 9 : level;
}

void cgrpc_compressor_destroy(cgrpc_compressor_t *c) {
  for (int i = 0; i < CGRPC_COMPRESSION_COUNT; i++) {
    if (c->deflate_ready[i]) deflateEnd(&c->deflate[i]);
    c->deflate_ready[i] = false;
  }
  if (c->inflate_ready) inflateEnd(&c->inflate);
  c->inflate_ready = false;
  cgrpc_free(c->output);
  c->output = NULL;
  c->output_cap = 0;
  c->release_output = false;
}

static cgrpc_status_code_t unknown_alg(cgrpc_compression_t alg, cgrpc_wire_error_t *err) {
  return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL, "unknown compression algorithm %d",
                              (int)alg);
}

/* The deflate stream for `alg`, created on first use and always left freshly
 * reset after a message; NULL without memory. */
static z_stream *deflate_stream(cgrpc_compressor_t *c, cgrpc_compression_t alg) {
  z_stream *zs = &c->deflate[alg];
  if (!c->deflate_ready[alg]) {
    prepare_stream(zs);
    if (deflateInit2(zs, c->level, Z_DEFLATED, window_bits(alg), MEM_LEVEL, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      return NULL;
    }
    c->deflate_ready[alg] = true;
  }
  return zs;
}

size_t cgrpc_compressor_bound(cgrpc_compressor_t *c, cgrpc_compression_t alg, size_t len) {
  if (!is_zlib_alg(alg)) return len;
  z_stream *zs = deflate_stream(c, alg);
  return zs ? deflateBound(zs, len) : 0;
}

cgrpc_status_code_t cgrpc_compress(cgrpc_compressor_t *c, cgrpc_compression_t alg,
                                   const uint8_t *src, size_t len, uint8_t *dst, size_t dst_cap,
                                   size_t *out_len, cgrpc_wire_error_t *err) {
  if (alg == CGRPC_COMPRESSION_IDENTITY) {
    if (len > dst_cap) {
      return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                  "compression output buffer of %zu bytes is too small", dst_cap);
    }
    if (len > 0) memcpy(dst, src, len);
    *out_len = len;
    return CGRPC_STATUS_OK;
  }
  if (!is_zlib_alg(alg)) return unknown_alg(alg, err);
  z_stream *zs = deflate_stream(c, alg);
  if (!zs) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "out of memory creating a %s compressor",
                                cgrpc_compression_name(alg));
  }
  zs->next_in = (Bytef *)(uintptr_t)src;
  zs->avail_in = 0;
  zs->next_out = dst;
  zs->avail_out = 0;
  size_t in_left = len, out_left = dst_cap;
  int ret;
  do {
    if (zs->avail_in == 0) {
      zs->avail_in = clamp_uint(in_left);
      in_left -= zs->avail_in;
    }
    if (zs->avail_out == 0) {
      zs->avail_out = clamp_uint(out_left);
      out_left -= zs->avail_out;
    }
    ret = deflate(zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
  } while (ret == Z_OK && (zs->avail_out > 0 || out_left > 0));
  size_t written = (size_t)(zs->next_out - dst);
  /* Reset now rather than before the next message: a finished stream
   * reports a wrong deflateBound() (it counts a zlib wrapper, not gzip's). */
  deflateReset(zs);
  if (ret != Z_STREAM_END) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "compression output buffer of %zu bytes is too small", dst_cap);
  }
  *out_len = written;
  return CGRPC_STATUS_OK;
}

/* Grows the output buffer towards `limit` bytes: first to a guess of 4x the
 * input, then doubling. */
static bool grow_output(cgrpc_compressor_t *c, size_t in_len, size_t limit) {
  size_t cap;
  if (c->output_cap == 0) {
    cap = in_len > SIZE_MAX / 4 ? SIZE_MAX : in_len * 4;
    if (cap < MIN_OUTPUT) cap = MIN_OUTPUT;
  } else {
    cap = c->output_cap > SIZE_MAX / 2 ? SIZE_MAX : c->output_cap * 2;
  }
  if (cap > limit) cap = limit;
  uint8_t *p = cgrpc_realloc(c->output, cap);
  if (!p) return false;
  c->output = p;
  c->output_cap = cap;
  return true;
}

static void drop_large_output(cgrpc_compressor_t *c) {
  if (c->output_cap > RETAINED_OUTPUT) {
    cgrpc_free(c->output);
    c->output = NULL;
    c->output_cap = 0;
  }
}

cgrpc_status_code_t cgrpc_decompress(cgrpc_compressor_t *c, cgrpc_compression_t alg,
                                     const uint8_t *src, size_t len, size_t max_len,
                                     const uint8_t **out, size_t *out_len,
                                     cgrpc_wire_error_t *err) {
  if (c->release_output) {
    drop_large_output(c);
    c->release_output = false;
  }
  if (alg == CGRPC_COMPRESSION_IDENTITY) {
    if (len > max_len) {
      return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                  "message of %zu bytes exceeds the limit of %zu bytes", len,
                                  max_len);
    }
    *out = src;
    *out_len = len;
    return CGRPC_STATUS_OK;
  }
  if (!is_zlib_alg(alg)) return unknown_alg(alg, err);

  z_stream *zs = &c->inflate;
  int ret;
  if (c->inflate_ready) {
    ret = inflateReset2(zs, window_bits(alg));
  } else {
    prepare_stream(zs);
    ret = inflateInit2(zs, window_bits(alg));
    c->inflate_ready = ret == Z_OK;
  }
  if (ret != Z_OK) {
    return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                "out of memory creating a %s decompressor",
                                cgrpc_compression_name(alg));
  }

  /* One byte past the cap is enough to know the cap was passed. */
  size_t limit = max_len < SIZE_MAX ? max_len + 1 : SIZE_MAX;
  const char *name = cgrpc_compression_name(alg);
  size_t in_left = len, produced = 0;
  zs->next_in = (Bytef *)(uintptr_t)src;
  zs->avail_in = 0;
  for (;;) {
    size_t room = (c->output_cap < limit ? c->output_cap : limit) - produced;
    if (room == 0) {
      if (!grow_output(c, len, limit)) {
        return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                    "out of memory decompressing a %s message", name);
      }
      continue;
    }
    if (zs->avail_in == 0) {
      zs->avail_in = clamp_uint(in_left);
      in_left -= zs->avail_in;
    }
    zs->next_out = c->output + produced;
    zs->avail_out = clamp_uint(room);
    ret = inflate(zs, Z_NO_FLUSH);
    produced = (size_t)(zs->next_out - c->output);
    if (produced > max_len) {
      drop_large_output(c);
      return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                  "decompressed %s message exceeds the limit of %zu bytes", name,
                                  max_len);
    }
    if (ret == Z_STREAM_END) break;
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR && zs->avail_out == 0) continue;
    drop_large_output(c);
    if (ret == Z_BUF_ERROR) {
      return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL, "%s message is truncated", name);
    }
    if (ret == Z_MEM_ERROR) {
      return cgrpc_wire_error_set(err, CGRPC_STATUS_RESOURCE_EXHAUSTED,
                                  "out of memory decompressing a %s message", name);
    }
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL, "corrupt %s message: %s", name,
                                zs->msg ? zs->msg : "invalid compressed data");
  }
  size_t trailing = zs->avail_in + in_left;
  if (trailing > 0) {
    drop_large_output(c);
    return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL,
                                "%zu unexpected bytes after the end of a %s message", trailing,
                                name);
  }
  c->release_output = c->output_cap > RETAINED_OUTPUT;
  *out = c->output;
  *out_len = produced;
  return CGRPC_STATUS_OK;
}
