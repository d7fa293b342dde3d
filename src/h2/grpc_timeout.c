/* grpc-timeout encoding and parsing. See h2/grpc_timeout.h.
 *
 * The encoder walks the units from the finest up and stops at the first one
 * in which the rounded-up value has at most 8 digits. INT64_MAX ns is about
 * 2.56 million hours, so hours always fit and the walk always ends. */
#include "h2/grpc_timeout.h"

#include "cgrpc/time.h"

#define MAX_DIGITS 8
#define MAX_VALUE 99999999

typedef struct unit {
  char letter;
  int64_t ns;
} unit_t;

/* Finest first: the order the encoder tries them in. */
static const unit_t kUnits[] = {
    {'n', 1},
    {'u', 1000},
    {'m', 1000000},
    {'S', 1000000000},
    {'M', 60 * (int64_t)1000000000},
    {'H', 3600 * (int64_t)1000000000},
};
#define UNIT_COUNT (sizeof kUnits / sizeof kUnits[0])

size_t cgrpc_grpc_timeout_encode(int64_t ns, char out[CGRPC_GRPC_TIMEOUT_BUFSIZE]) {
  int64_t value = 0;
  char letter = 'n';
  if (ns > 0) {
    for (size_t i = 0; i < UNIT_COUNT; i++) {
      value = ns / kUnits[i].ns + (ns % kUnits[i].ns != 0);
      letter = kUnits[i].letter;
      if (value <= MAX_VALUE) break;
    }
  }
  char digits[MAX_DIGITS];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  size_t len = 0;
  while (n > 0) out[len++] = digits[--n];
  out[len++] = letter;
  out[len] = '\0';
  return len;
}

static const unit_t *find_unit(char letter) {
  for (size_t i = 0; i < UNIT_COUNT; i++) {
    if (kUnits[i].letter == letter) return &kUnits[i];
  }
  return NULL;
}

static cgrpc_status_code_t malformed(cgrpc_wire_error_t *err, const char *why) {
  return cgrpc_wire_error_set(err, CGRPC_STATUS_INTERNAL, "malformed grpc-timeout: %s", why);
}

cgrpc_status_code_t cgrpc_grpc_timeout_parse(const char *value, size_t len, int64_t *ns,
                                             cgrpc_wire_error_t *err) {
  if (len == 0) return malformed(err, "empty value");
  size_t digits = 0;
  int64_t n = 0;
  while (digits < len && value[digits] >= '0' && value[digits] <= '9') {
    if (digits == MAX_DIGITS) return malformed(err, "more than 8 digits");
    n = n * 10 + (value[digits] - '0');
    digits++;
  }
  if (digits == 0) return malformed(err, "expected 1 to 8 digits and a unit (H M S m u n)");
  if (digits == len) return malformed(err, "missing unit (H M S m u n)");
  const unit_t *unit = find_unit(value[digits]);
  if (!unit) return malformed(err, "unknown unit, expected one of H M S m u n");
  if (digits + 1 != len) return malformed(err, "unexpected bytes after the unit");
  *ns = n > INT64_MAX / unit->ns ? CGRPC_INFINITE : n * unit->ns;
  return CGRPC_STATUS_OK;
}
