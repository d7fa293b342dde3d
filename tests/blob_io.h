/* blob_io — the record files the differential tests exchange with their
 * Python references (pb_diff, json_diff): whole files read into memory, and
 * blobs, each a 4-byte little-endian length followed by that many bytes.
 */
#ifndef CGRPC_TESTS_BLOB_IO_H
#define CGRPC_TESTS_BLOB_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct blob {
  const uint8_t *data;
  size_t len;
} blob_t;

/* The whole file at `path`, in memory from cgrpc_malloc() (the caller frees
 * it with cgrpc_free()); NULL when it cannot be opened or memory runs out. */
uint8_t *blob_read_file(const char *path, size_t *len);

/* The blob at *p, advancing *p past it; false at the end of the data or when
 * the blob's length runs past `end` (a truncated file). */
bool blob_next(const uint8_t **p, const uint8_t *end, blob_t *out);

/* Appends one blob to `f`. */
void blob_write(FILE *f, const void *data, size_t len);

#endif /* CGRPC_TESTS_BLOB_IO_H */
