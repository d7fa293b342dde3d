/* tools/cgrpc/cli_status.c — see cli_status.h. Everything goes to stderr
 * but the metadata -v asks for, so stdout holds only responses. */
#include <stdlib.h>
#include <string.h>

#include "cli_status.h"

void cli_print_metadata(FILE *out, const char *title, const cgrpc_metadata_t *md) {
  fprintf(out, "%s:\n", title);
  for (size_t i = 0; i < md->count; i++) {
    const cgrpc_metadata_entry_t *e = &md->entries[i];
    bool binary = e->key.len > 4 && !memcmp(e->key.data + e->key.len - 4, "-bin", 4);
    if (!binary) {
      fprintf(out, "%.*s: %.*s\n", CGRPC_STR_ARGS(e->key), CGRPC_STR_ARGS(e->value));
      continue;
    }
    char *b64 = malloc(4 * ((e->value.len + 2) / 3) + 1);
    if (!b64) continue;
    cli_base64_encode(e->value.data, e->value.len, b64);
    fprintf(out, "%.*s: %s\n", CGRPC_STR_ARGS(e->key), b64);
    free(b64);
  }
  if (!md->count) fputs("(none)\n", out);
}

/* One detail: its JSON when the type is known, else its type and size. */
static void print_detail(const cgrpc_any_t *any, const cli_output_t *output, cgrpc_arena_t *arena) {
  const cgrpc_msg_desc_t *type = output ? cli_output_find_message(output, any->type_url) : NULL;
  if (type) {
    void *msg = cgrpc_pb_msg_new(type->table, arena);
    if (msg &&
        cgrpc_pb_decode(any->value.data, any->value.len, msg, type->table, arena, 0, NULL) == 0) {
      fprintf(stderr, "  %.*s ", CGRPC_STR_ARGS(any->type_url));
      cli_output_t compact = *output;
      compact.format = CLI_FORMAT_JSON;
      compact.json.indent = 0;
      compact.json.resolve_ctx = &compact;
      cli_output_message(&compact, stderr, msg, type, arena);
      return;
    }
  }
  fprintf(stderr, "  %.*s (%zu bytes; its schema is not known here)\n",
          CGRPC_STR_ARGS(any->type_url), any->value.len);
}

void cli_print_status_error(const cgrpc_status_t *status, const cli_output_t *output,
                            cgrpc_arena_t *arena) {
  const char *name = cgrpc_status_code_name(status->code);
  fprintf(stderr, "ERROR: %s", name ? name : "UNKNOWN");
  if (status->message.len) fprintf(stderr, ": %.*s", CGRPC_STR_ARGS(status->message));
  fputc('\n', stderr);
  cgrpc_rpc_status_t details;
  if (cgrpc_status_details_get(status, arena, &details, NULL) != CGRPC_STATUS_OK ||
      !details.details.count)
    return;
  fputs("Details:\n", stderr);
  for (size_t i = 0; i < details.details.count; i++)
    print_detail(details.details.data[i], output, arena);
}
