/* config.h — a service's configuration file: one `key = value` per line,
 * `#` starts a comment. Peers are named `peer.<service> = host:port`, so no
 * address is ever written into the code. */
#ifndef SHOP_CONFIG_H
#define SHOP_CONFIG_H

#include "cgrpc/cgrpc.h"

typedef struct shop_config shop_config_t;

/* Reads `path`. INVALID_ARGUMENT (with the line number) when the file
 * cannot be read or a line is not `key = value`. */
cgrpc_status_code_t shop_config_load(const char *path, shop_config_t **out, cgrpc_error_t *err);

/* The value of `key`, or `fallback` when the file does not set it. */
const char *shop_config_get(const shop_config_t *c, const char *key, const char *fallback);

/* The value of `key`; NOT_FOUND with a sentence naming the key and the file
 * when it is missing. */
cgrpc_status_code_t shop_config_require(const shop_config_t *c, const char *key, const char **out,
                                        cgrpc_error_t *err);

void shop_config_free(shop_config_t *c);

#endif
