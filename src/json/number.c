/* json/number.c — numbers between their C types and JSON text.
 *
 * Output: integers by hand (they are most numbers in most messages), floats
 * and doubles as the shortest decimal that reads back to the same bits.
 * For a double, printing with 15 significant digits (%.15g) gives the
 * shortest form whenever one of 15 digits or fewer exists, because a
 * double's half-ulp is smaller than half a unit in the 15th digit; when that
 * does not read back, 16 digits are tried, then 17, which always does. The
 * same holds for a float with 6, 7, 8 and 9 digits.
 *
 * Input: the JSON number grammar checked exactly, integers converted without
 * floating point when they have no fraction or exponent, other forms
 * ("1e2", "1.0") through strtod and accepted for integer fields only when
 * the value is an exact integer in range, as protobuf does. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include <string.h>

#include "json/json_internal.h"

size_t cgrpc_json_format_u64(uint64_t v, char *buf) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

size_t cgrpc_json_format_i64(int64_t v, char *buf) {
  if (v < 0) {
    buf[0] = '-';
    return 1 + cgrpc_json_format_u64((uint64_t)0 - (uint64_t)v, buf + 1);
  }
  return cgrpc_json_format_u64((uint64_t)v, buf);
}

size_t cgrpc_json_format_double(double v, char *buf) {
  if (v == 0) { /* keeps the sign of -0 */
    size_t n = 0;
    if (signbit(v)) buf[n++] = '-';
    buf[n++] = '0';
    return n;
  }
  if (fabs(v) < 1e15 && v == (double)(int64_t)v) return cgrpc_json_format_i64((int64_t)v, buf);
  int n = 0;
  /* Subnormals have fewer significant bits, so the 15-digit argument does
   * not hold for them: they try every precision. */
  for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
    n = snprintf(buf, 32, "%.*g", prec, v);
    if (prec == 17 || strtod(buf, NULL) == v) break;
  }
  return (size_t)n;
}

size_t cgrpc_json_format_float(float v, char *buf) {
  if (v == 0) {
    size_t n = 0;
    if (signbit(v)) buf[n++] = '-';
    buf[n++] = '0';
    return n;
  }
  if (fabsf(v) < 1e6f && v == (float)(int32_t)v) return cgrpc_json_format_i64((int32_t)v, buf);
  int n = 0;
  for (int prec = fabsf(v) < FLT_MIN ? 1 : 6; prec <= 9; prec++) {
    n = snprintf(buf, 32, "%.*g", prec, (double)v);
    if (prec == 9 || strtof(buf, NULL) == v) break;
  }
  return (size_t)n;
}

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t cgrpc_json_scan_number(const char *s, size_t n, bool *is_int) {
  size_t i = 0;
  *is_int = true;
  if (i < n && s[i] == '-') i++;
  if (i >= n || !is_digit(s[i])) return 0;
  if (s[i] == '0') {
    i++;
  } else {
    while (i < n && is_digit(s[i])) i++;
  }
  if (i < n && s[i] == '.') {
    *is_int = false;
    i++;
    if (i >= n || !is_digit(s[i])) return 0;
    while (i < n && is_digit(s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    *is_int = false;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !is_digit(s[i])) return 0;
    while (i < n && is_digit(s[i])) i++;
  }
  return i;
}

/* strtod over a token that is not NUL-terminated. Tokens have been checked
 * against the JSON grammar, so strtod reads all of it. */
static bool token_to_double(const char *s, size_t n, double *out) {
  char stack[64];
  char *buf = n < sizeof stack ? stack : cgrpc_malloc(n + 1);
  if (!buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  double d = strtod(buf, NULL);
  bool overflow = errno == ERANGE && isinf(d);
  if (buf != stack) cgrpc_free(buf);
  *out = d;
  return !overflow;
}

bool cgrpc_json_number_to_double(const char *s, size_t n, double *out) {
  return token_to_double(s, n, out);
}

/* The magnitude of an integer token (no fraction, no exponent), or false on
 * overflow of uint64_t. */
static bool integer_magnitude(const char *s, size_t n, bool *neg, uint64_t *mag) {
  size_t i = 0;
  *neg = n && s[0] == '-';
  if (*neg) i++;
  uint64_t v = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *mag = v;
  return true;
}

bool cgrpc_json_number_to_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out,
                              const char **why) {
  bool is_int;
  cgrpc_json_scan_number(s, n, &is_int);
  *why = "is out of range";
  if (is_int) {
    bool neg;
    uint64_t mag;
    if (!integer_magnitude(s, n, &neg, &mag)) return false;
    if (neg) {
      if (mag > (uint64_t)0 - (uint64_t)min) return false;
      *out = (int64_t)((uint64_t)0 - mag);
    } else {
      if (mag > (uint64_t)max) return false;
      *out = (int64_t)mag;
    }
    return true;
  }
  double d;
  if (!token_to_double(s, n, &d)) return false;
  /* 2^63 is exact as a double; every double in range converts exactly,
   * so a fraction shows as a difference after the round trip. */
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  if ((double)(int64_t)d != d) {
    *why = "is not an integer";
    return false;
  }
  if ((int64_t)d < min || (int64_t)d > max) return false;
  *out = (int64_t)d;
  return true;
}

bool cgrpc_json_number_to_u64(const char *s, size_t n, uint64_t max, uint64_t *out,
                              const char **why) {
  bool is_int;
  cgrpc_json_scan_number(s, n, &is_int);
  *why = "is out of range";
  if (is_int) {
    bool neg;
    uint64_t mag;
    if (!integer_magnitude(s, n, &neg, &mag)) return false;
    if ((neg && mag != 0) || mag > max) return false;
    *out = mag;
    return true;
  }
  double d;
  if (!token_to_double(s, n, &d)) return false;
  if (d < 0 && d > -1) { /* -0.5; but -0.0 is zero, and not below 0 */
    *why = "is not an integer";
    return false;
  }
  if (!(d >= 0 && d < 18446744073709551616.0)) return false;
  if ((double)(uint64_t)d != d) {
    *why = "is not an integer";
    return false;
  }
  if ((uint64_t)d > max) return false;
  *out = (uint64_t)d;
  return true;
}
