/* tools/cgrpc/cli_args.c — the command line: a subcommand, then flags and
 * positional arguments in any order ("--" ends the flags). Flags take their
 * value as the next argument or after '=' (--timeout=2s, -d@file too).
 * Every mistake is a usage error that names the flag and the fix. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef enum flag_id {
  F_DATA,
  F_HEADER,
  F_VERBOSE,
  F_TIMEOUT,
  F_CONNECT_TIMEOUT,
  F_RPC_TIMEOUT,
  F_TLS,
  F_PLAINTEXT,
  F_CACERT,
  F_CERT,
  F_KEY,
  F_SERVERNAME,
  F_AUTHORITY,
  F_PROTOSET,
  F_PROTO,
  F_IMPORT_PATH,
  F_FORMAT,
  F_EMIT_DEFAULTS,
  F_PROTO_NAMES,
  F_HELP,
  F_VERSION,
} flag_id_t;

typedef struct flag {
  const char *name; /* long name, without "--" */
  char short_name;  /* 0: none */
  bool takes_value;
  flag_id_t id;
} flag_t;

static const flag_t flags[] = {
    {"data", 'd', true, F_DATA},
    {"header", 'H', true, F_HEADER},
    {"verbose", 'v', false, F_VERBOSE},
    {"timeout", 0, true, F_TIMEOUT},
    {"connect-timeout", 0, true, F_CONNECT_TIMEOUT},
    {"rpc-timeout", 0, true, F_RPC_TIMEOUT},
    {"tls", 0, false, F_TLS},
    {"plaintext", 0, false, F_PLAINTEXT},
    {"cacert", 0, true, F_CACERT},
    {"cert", 0, true, F_CERT},
    {"key", 0, true, F_KEY},
    {"servername", 0, true, F_SERVERNAME},
    {"authority", 0, true, F_AUTHORITY},
    {"protoset", 0, true, F_PROTOSET},
    {"proto", 0, true, F_PROTO},
    {"import-path", 'I', true, F_IMPORT_PATH},
    {"format", 0, true, F_FORMAT},
    {"emit-defaults", 0, false, F_EMIT_DEFAULTS},
    {"proto-names", 0, false, F_PROTO_NAMES},
    {"help", 'h', false, F_HELP},
    {"version", 0, false, F_VERSION},
};
#define FLAG_COUNT (sizeof flags / sizeof flags[0])

static const char *const commands[] = {"list", "describe", "call", "health"};

/* "1.5s", "250ms", "2m", "100us", "3" (seconds) into nanoseconds. */
static bool parse_duration(const char *text, int64_t *out) {
  errno = 0;
  char *end = NULL;
  double value = strtod(text, &end);
  if (end == text || errno || !(value >= 0) || isinf(value)) return false;
  static const struct {
    const char *suffix;
    double ns;
  } units[] = {{"", 1e9}, {"s", 1e9},  {"ms", 1e6},  {"us", 1e3},
               {"ns", 1}, {"m", 60e9}, {"h", 3600e9}};
  double scale = 0;
  for (size_t i = 0; i < sizeof units / sizeof units[0] && !scale; i++)
    if (!strcmp(end, units[i].suffix)) scale = units[i].ns;
  if (!scale) return false;
  double ns = value * scale;
  if (ns >= 9.2e18) return false;
  *out = ns < 1 ? 1 : (int64_t)ns;
  return true;
}

static bool add_repeated(const char **list, size_t *count, const char *value) {
  if (*count == CLI_MAX_REPEATED) return false;
  list[(*count)++] = value;
  return true;
}

static const flag_t *find_long(const char *name, size_t len) {
  for (size_t i = 0; i < FLAG_COUNT; i++)
    if (strlen(flags[i].name) == len && !strncmp(flags[i].name, name, len)) return &flags[i];
  return NULL;
}

static const flag_t *find_short(char c) {
  for (size_t i = 0; i < FLAG_COUNT; i++)
    if (flags[i].short_name == c) return &flags[i];
  return NULL;
}

static int set_flag(cli_args_t *a, const flag_t *f, const char *value, const char *spelled) {
  const char *cmd = a->command;
  switch (f->id) {
    case F_DATA:
      a->data = value;
      return 0;
    case F_HEADER:
      if (!strchr(value, ':'))
        return cli_usage_error(cmd, "%s wants 'key: value', got '%s'", spelled, value);
      if (!add_repeated(a->headers, &a->header_count, value))
        return cli_usage_error(cmd, "at most %d %s flags", CLI_MAX_REPEATED, spelled);
      return 0;
    case F_VERBOSE:
      a->verbose = true;
      return 0;
    case F_TIMEOUT:
    case F_RPC_TIMEOUT:
    case F_CONNECT_TIMEOUT: {
      int64_t ns;
      if (!parse_duration(value, &ns))
        return cli_usage_error(cmd, "%s wants a duration such as 2s, 500ms or 1.5, got '%s'",
                               spelled, value);
      *(f->id == F_CONNECT_TIMEOUT ? &a->connect_timeout_ns : &a->timeout_ns) = ns;
      return 0;
    }
    case F_TLS:
      a->tls = true;
      return 0;
    case F_PLAINTEXT:
      a->plaintext = true;
      return 0;
    case F_CACERT:
      a->cacert = value;
      a->tls = true;
      return 0;
    case F_CERT:
      a->cert = value;
      a->tls = true;
      return 0;
    case F_KEY:
      a->key = value;
      a->tls = true;
      return 0;
    case F_SERVERNAME:
      a->servername = value;
      a->tls = true;
      return 0;
    case F_AUTHORITY:
      a->authority = value;
      return 0;
    case F_PROTOSET:
      if (!add_repeated(a->protosets, &a->protoset_count, value))
        return cli_usage_error(cmd, "at most %d %s flags", CLI_MAX_REPEATED, spelled);
      return 0;
    case F_PROTO:
      if (!add_repeated(a->protos, &a->proto_count, value))
        return cli_usage_error(cmd, "at most %d %s flags", CLI_MAX_REPEATED, spelled);
      return 0;
    case F_IMPORT_PATH:
      if (!add_repeated(a->import_paths, &a->import_path_count, value))
        return cli_usage_error(cmd, "at most %d %s flags", CLI_MAX_REPEATED, spelled);
      return 0;
    case F_FORMAT:
      if (!strcmp(value, "json"))
        a->format = CLI_FORMAT_JSON;
      else if (!strcmp(value, "text"))
        a->format = CLI_FORMAT_TEXT;
      else
        return cli_usage_error(cmd, "--format is json or text, not '%s'", value);
      return 0;
    case F_EMIT_DEFAULTS:
      a->emit_defaults = true;
      return 0;
    case F_PROTO_NAMES:
      a->proto_names = true;
      return 0;
    case F_HELP:
      cli_usage_print(cmd);
      return -1;
    case F_VERSION:
      printf("cgrpc %s\n", CGRPC_VERSION_STRING);
      return -1;
  }
  return 0;
}

static bool is_command(const char *word) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(word, commands[i])) return true;
  return false;
}

/* One argument that starts with '-': returns how many argv entries it used
 * (1 or 2), or a negative value / CLI_EXIT_USAGE code through *rc. */
static int parse_flag(cli_args_t *a, int argc, char **argv, int i, int *rc) {
  const char *arg = argv[i];
  const flag_t *f;
  const char *value = NULL;
  char spelled[64];
  if (arg[1] == '-') {
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    f = find_long(name, len);
    snprintf(spelled, sizeof spelled, "--%.*s", (int)len, name);
    if (!f) {
      *rc = cli_usage_error(a->command, "unknown flag %s", spelled);
      return 0;
    }
    if (eq) {
      if (!f->takes_value) {
        *rc = cli_usage_error(a->command, "%s takes no value", spelled);
        return 0;
      }
      value = eq + 1;
    }
  } else {
    f = find_short(arg[1]);
    snprintf(spelled, sizeof spelled, "-%c", arg[1]);
    if (!f) {
      *rc = cli_usage_error(a->command, "unknown flag %s", arg);
      return 0;
    }
    if (arg[2]) {
      if (!f->takes_value) {
        *rc = cli_usage_error(a->command, "unknown flag %s (%s takes no value)", arg, spelled);
        return 0;
      }
      value = arg[2] == '=' ? arg + 3 : arg + 2;
    }
  }
  int used = 1;
  if (f->takes_value && !value) {
    if (i + 1 >= argc) {
      *rc = cli_usage_error(a->command, "%s needs a value", spelled);
      return 0;
    }
    value = argv[i + 1];
    used = 2;
  }
  *rc = set_flag(a, f, value, spelled);
  return used;
}

int cli_args_parse(int argc, char **argv, cli_args_t *a) {
  memset(a, 0, sizeof *a);
  bool flags_done = false;
  for (int i = 1; i < argc;) {
    const char *arg = argv[i];
    if (!flags_done && !strcmp(arg, "--")) {
      flags_done = true;
      i++;
      continue;
    }
    if (!flags_done && arg[0] == '-' && arg[1]) {
      int rc = 0;
      int used = parse_flag(a, argc, argv, i, &rc);
      if (rc) return rc;
      i += used;
      continue;
    }
    if (!a->command) {
      if (!is_command(arg))
        return cli_usage_error(NULL, "unknown command '%s': use list, describe, call or health",
                               arg);
      a->command = arg;
    } else {
      if (a->positional_count == sizeof a->positional / sizeof a->positional[0])
        return cli_usage_error(a->command, "too many arguments ('%s')", arg);
      a->positional[a->positional_count++] = arg;
    }
    i++;
  }
  if (!a->command) return cli_usage_error(NULL, "no command given");
  if (a->plaintext && a->tls)
    return cli_usage_error(a->command,
                           "--plaintext cannot go with --tls, --cacert, --cert, --key or "
                           "--servername");
  if (!a->cert != !a->key) return cli_usage_error(a->command, "--cert and --key go together");
  return 0;
}
