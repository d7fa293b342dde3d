/* rpc/options.c — the option tables as specs, and their validation.
 *
 * The specs are generated from the X-macro rows of cgrpc/server.h and
 * cgrpc/channel.h, so a new option is one new row there: its field, default,
 * range check and documentation line follow from it.
 */
#include "rpc/options.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TYPE_INT CGRPC_OPTION_INT
#define TYPE_COUNT CGRPC_OPTION_COUNT
#define TYPE_BYTES CGRPC_OPTION_BYTES
#define TYPE_NS CGRPC_OPTION_NS
#define TYPE_BOOL CGRPC_OPTION_BOOL
#define TYPE_STR CGRPC_OPTION_STR

#define SPEC(strct, type, name, def, lo, hi, doc) \
  {#name, TYPE_##type, offsetof(strct, name), (int64_t)(lo), (int64_t)(hi), doc},
#define SERVER_SPEC(...) SPEC(cgrpc_server_options_t, __VA_ARGS__)
#define CHANNEL_SPEC(...) SPEC(cgrpc_channel_options_t, __VA_ARGS__)

static const cgrpc_option_spec_t kServerSpecs[] = {CGRPC_SERVER_OPTIONS(SERVER_SPEC)};
static const cgrpc_option_spec_t kChannelSpecs[] = {CGRPC_CHANNEL_OPTIONS(CHANNEL_SPEC)};

const cgrpc_option_table_t cgrpc_server_option_table = {
    "server",
    "CGRPC_SERVER_OPTIONS_INIT",
    "cgrpc_server_options_init()",
    kServerSpecs,
    sizeof kServerSpecs / sizeof kServerSpecs[0],
    offsetof(cgrpc_server_options_t, _init_magic),
};

const cgrpc_option_table_t cgrpc_channel_option_table = {
    "channel",
    "CGRPC_CHANNEL_OPTIONS_INIT",
    "cgrpc_channel_options_init()",
    kChannelSpecs,
    sizeof kChannelSpecs / sizeof kChannelSpecs[0],
    offsetof(cgrpc_channel_options_t, _init_magic),
};

void cgrpc_server_options_init(cgrpc_server_options_t *opts) {
  *opts = (cgrpc_server_options_t)CGRPC_SERVER_OPTIONS_INIT;
}

void cgrpc_channel_options_init(cgrpc_channel_options_t *opts) {
  *opts = (cgrpc_channel_options_t)CGRPC_CHANNEL_OPTIONS_INIT;
}

int64_t cgrpc_option_get(const cgrpc_option_spec_t *spec, const void *opts) {
  const char *p = (const char *)opts + spec->offset;
  switch (spec->type) {
    case CGRPC_OPTION_INT: {
      int v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case CGRPC_OPTION_COUNT:
    case CGRPC_OPTION_BYTES: {
      uint32_t v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case CGRPC_OPTION_NS: {
      int64_t v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case CGRPC_OPTION_BOOL: {
      bool v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case CGRPC_OPTION_STR:
      break;
  }
  return 0;
}

void cgrpc_option_format(cgrpc_option_type_t type, int64_t v, char *buf, size_t size) {
  if (type == CGRPC_OPTION_NS && v == CGRPC_INFINITE) {
    snprintf(buf, size, "CGRPC_INFINITE");
  } else if ((type == CGRPC_OPTION_COUNT || type == CGRPC_OPTION_BYTES) && v == CGRPC_UNLIMITED) {
    snprintf(buf, size, "CGRPC_UNLIMITED");
  } else {
    snprintf(buf, size, "%" PRId64, v);
  }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static cgrpc_status_code_t
invalid(cgrpc_error_t *err, const char *fmt, ...);

static cgrpc_status_code_t invalid(cgrpc_error_t *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return CGRPC_STATUS_INVALID_ARGUMENT;
}

cgrpc_status_code_t cgrpc_options_check(const cgrpc_option_table_t *table, const void *opts,
                                        cgrpc_error_t *err) {
  uint32_t magic;
  memcpy(&magic, (const char *)opts + table->magic_offset, sizeof magic);
  if (magic != CGRPC_OPTIONS_INIT_MAGIC_) {
    return invalid(err, "%s options not initialised: start from %s or %s", table->what,
                   table->init_macro, table->init_function);
  }
  for (size_t i = 0; i < table->count; i++) {
    const cgrpc_option_spec_t *s = &table->specs[i];
    if (s->type == CGRPC_OPTION_STR || s->type == CGRPC_OPTION_BOOL) continue;
    int64_t v = cgrpc_option_get(s, opts);
    if (v >= s->min && v <= s->max) continue;
    char value[24], lo[24], hi[24];
    cgrpc_option_format(s->type, v, value, sizeof value);
    cgrpc_option_format(s->type, s->min, lo, sizeof lo);
    cgrpc_option_format(s->type, s->max, hi, sizeof hi);
    return invalid(err, "%s option %s is %s, outside its range %s to %s", table->what, s->name,
                   value, lo, hi);
  }
  return CGRPC_STATUS_OK;
}
