/* json/timefmt.c — google.protobuf.Timestamp and Duration as text.
 *
 * Timestamps are RFC 3339 in UTC ("2017-01-15T01:30:15.010Z"), from
 * 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z; on input any
 * offset ("+01:00") is accepted and applied, and 1 to 9 fractional digits.
 * Durations are seconds with a trailing "s" ("1.5s", "-0.25s"), up to
 * 315,576,000,000 s (10,000 years) either way. Output uses 0, 3, 6 or 9
 * fractional digits, the fewest that are exact, as protobuf does.
 *
 * Days and dates convert with Howard Hinnant's civil-from-days algorithms,
 * exact over the whole proleptic Gregorian range needed here. */
#include <string.h>

#include "json/json_internal.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *o, unsigned v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    o[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return o + width;
}

/* ".123", ".123456", ".123456789" or nothing. */
static char *put_nanos(char *o, uint32_t nanos) {
  if (nanos == 0) return o;
  *o++ = '.';
  if (nanos % 1000000 == 0) return put_digits(o, nanos / 1000000, 3);
  if (nanos % 1000 == 0) return put_digits(o, nanos / 1000, 6);
  return put_digits(o, nanos, 9);
}

bool cgrpc_json_format_timestamp(int64_t seconds, int32_t nanos, char *buf, size_t *len) {
  if (seconds < JSON_TIMESTAMP_MIN_SECONDS || seconds > JSON_TIMESTAMP_MAX_SECONDS || nanos < 0 ||
      nanos > 999999999) {
    return false;
  }
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t sod = seconds - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char *o = buf;
  o = put_digits(o, (unsigned)y, 4);
  *o++ = '-';
  o = put_digits(o, m, 2);
  *o++ = '-';
  o = put_digits(o, d, 2);
  *o++ = 'T';
  o = put_digits(o, (unsigned)(sod / 3600), 2);
  *o++ = ':';
  o = put_digits(o, (unsigned)(sod / 60 % 60), 2);
  *o++ = ':';
  o = put_digits(o, (unsigned)(sod % 60), 2);
  o = put_nanos(o, (uint32_t)nanos);
  *o++ = 'Z';
  *o = '\0';
  *len = (size_t)(o - buf);
  return true;
}

/* Reads exactly `width` digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, int width, unsigned *out) {
  unsigned v = 0;
  for (int k = 0; k < width; k++, (*i)++) {
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return false;
    v = v * 10 + (unsigned)(s[*i] - '0');
  }
  *out = v;
  return true;
}

/* Reads ".d{1,9}" when present, as nanoseconds. */
static bool fraction(const char *s, size_t n, size_t *i, int32_t *nanos) {
  *nanos = 0;
  if (*i >= n || s[*i] != '.') return true;
  (*i)++;
  int count = 0;
  int32_t v = 0;
  while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
    if (++count > 9) return false;
    v = v * 10 + (s[*i] - '0');
    (*i)++;
  }
  if (count == 0) return false;
  for (; count < 9; count++) v *= 10;
  *nanos = v;
  return true;
}

static bool is_leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool cgrpc_json_parse_timestamp(const char *s, size_t n, int64_t *seconds, int32_t *nanos) {
  static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  size_t i = 0;
  unsigned y, mo, d, h, mi, se;
  if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &mo) ||
      i >= n || s[i++] != '-' || !digits(s, n, &i, 2, &d) || i >= n || s[i++] != 'T' ||
      !digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &mi) ||
      i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &se) || !fraction(s, n, &i, nanos)) {
    return false;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
      d > mdays[mo - 1] + (mo == 2 && is_leap(y) ? 1u : 0u) || h > 23 || mi > 59 || se > 59) {
    return false;
  }
  int64_t offset = 0;
  if (i < n && s[i] == 'Z') {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i++] == '-' ? -1 : 1;
    unsigned oh, om;
    if (!digits(s, n, &i, 2, &oh) || i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset = sign * (int64_t)(oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (i != n) return false;
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  if (t < JSON_TIMESTAMP_MIN_SECONDS || t > JSON_TIMESTAMP_MAX_SECONDS) return false;
  *seconds = t;
  return true;
}

bool cgrpc_json_format_duration(int64_t seconds, int32_t nanos, char *buf, size_t *len) {
  if (seconds < -JSON_DURATION_MAX_SECONDS || seconds > JSON_DURATION_MAX_SECONDS ||
      nanos <= -1000000000 || nanos >= 1000000000 || (seconds > 0 && nanos < 0) ||
      (seconds < 0 && nanos > 0)) {
    return false;
  }
  char *o = buf;
  if (seconds < 0 || nanos < 0) *o++ = '-';
  o += cgrpc_json_format_u64(seconds < 0 ? (uint64_t)-seconds : (uint64_t)seconds, o);
  o = put_nanos(o, (uint32_t)(nanos < 0 ? -nanos : nanos));
  *o++ = 's';
  *o = '\0';
  *len = (size_t)(o - buf);
  return true;
}

bool cgrpc_json_parse_duration(const char *s, size_t n, int64_t *seconds, int32_t *nanos) {
  size_t i = 0;
  bool neg = i < n && s[i] == '-';
  if (neg) i++;
  size_t start = i;
  int64_t v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (v > JSON_DURATION_MAX_SECONDS) return false;
    v = v * 10 + (s[i] - '0');
    i++;
  }
  if (i == start) return false;
  int32_t ns;
  if (!fraction(s, n, &i, &ns) || i + 1 != n || s[i] != 's') return false;
  if (v > JSON_DURATION_MAX_SECONDS) return false;
  *seconds = neg ? -v : v;
  *nanos = neg ? -ns : ns;
  return true;
}
