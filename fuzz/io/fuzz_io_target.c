/* Target parser fuzz: any bytes parse or fail cleanly; a parsed target's
 * addresses format within bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/address.h"
#include "io/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  cgrpc_target_t t;
  char err[160];
  int rc = cgrpc_target_parse(text, &t, err, sizeof err);
  if (rc == 0) {
    char buf[CGRPC_ADDRESS_STRLEN];
    for (size_t i = 0; i < t.addrs.count; i++) {
      cgrpc_address_format(&t.addrs.items[i], buf);
      if (strlen(buf) >= sizeof buf) abort();
    }
  } else if (rc != CGRPC_IO_EBADTARGET && rc != -12) {
    abort();
  } else if (t.addrs.count != 0 || strlen(err) == 0) {
    abort();
  }
  cgrpc_target_free(&t);
  free(text);
  return 0;
}
