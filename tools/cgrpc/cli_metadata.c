/* tools/cgrpc/cli_metadata.c — -H 'key: value' into request metadata. Keys
 * are lower-cased as HTTP/2 requires; spaces around the value are dropped. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_metadata_from_args(const cli_args_t *args, cgrpc_arena_t *arena, cgrpc_metadata_t *md) {
  for (size_t i = 0; i < args->header_count; i++) {
    const char *h = args->headers[i];
    const char *colon = strchr(h, ':');
    size_t key_len = (size_t)(colon - h);
    while (key_len && h[key_len - 1] == ' ') key_len--;
    char key[256];
    if (key_len == 0 || key_len >= sizeof key)
      return cli_usage_error(args->command, "-H '%s': the key is empty or too long", h);
    for (size_t k = 0; k < key_len; k++) key[k] = (char)tolower((unsigned char)h[k]);
    key[key_len] = '\0';
    const char *value = colon + 1;
    while (*value == ' ') value++;
    size_t value_len = strlen(value);
    bool ok;
    if (key_len > 4 && !strcmp(key + key_len - 4, "-bin")) {
      unsigned char *raw = cgrpc_arena_alloc(arena, value_len + 1);
      long n = raw ? cli_base64_decode(value, value_len, raw) : -1;
      if (n < 0)
        return cli_usage_error(args->command, "-H '%s': a -bin key wants its value in base64", h);
      ok = cgrpc_metadata_add(md, arena, key, raw, (size_t)n);
    } else {
      ok = cgrpc_metadata_add(md, arena, key, value, value_len);
    }
    if (!ok)
      return cli_usage_error(args->command,
                             "-H '%s': not a valid header (keys are [0-9a-z_.-], not grpc-* or "
                             "reserved; values printable ASCII)",
                             h);
  }
  return CLI_EXIT_OK;
}
