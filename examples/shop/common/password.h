/* password.h — password hashes with scrypt (OpenSSL's EVP_KDF "SCRYPT"):
 * slow and memory-hard, so a stolen database does not give the passwords
 * back cheaply. Stored as "scrypt$N$r$p$<salt hex>$<hash hex>". */
#ifndef SHOP_PASSWORD_H
#define SHOP_PASSWORD_H

#include <stdbool.h>

#include "cgrpc/cgrpc.h"

#define SHOP_PASSWORD_HASH_MAX 192

/* Hashes `password` with a fresh random salt into `out`. INTERNAL when
 * OpenSSL fails. */
cgrpc_status_code_t shop_password_hash(cgrpc_str_t password, char out[SHOP_PASSWORD_HASH_MAX],
                                       cgrpc_error_t *err);

/* True when `password` matches `stored` (compared in constant time). */
bool shop_password_check(cgrpc_str_t password, const char *stored);

#endif
