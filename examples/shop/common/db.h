/* db.h — a service's SQLite database: WAL, migrations recorded in a
 * schema_version table, one connection per thread (SQLite connections must
 * not be shared between threads that run at once), and prepared statements
 * cached per connection. Every query binds its parameters: no request text
 * is ever pasted into SQL. */
#ifndef SHOP_DB_H
#define SHOP_DB_H

#include <sqlite3.h>
#include <stdbool.h>

#include "cgrpc/cgrpc.h"

typedef struct shop_db shop_db_t;

/* Opens (creating) the database at `path` and applies, in one transaction
 * each, the migrations the schema has not had yet: migrations[i] brings the
 * schema to version i + 1 (the list ends with NULL). `synchronous` is
 * SQLite's PRAGMA synchronous for every connection ("FULL" or "NORMAL"; the
 * services say why they chose theirs). UNAVAILABLE when the file cannot be
 * opened, INTERNAL when a migration fails. */
cgrpc_status_code_t shop_db_open(const char *path, const char *synchronous,
                                 const char *const *migrations, shop_db_t **out,
                                 cgrpc_error_t *err);

/* The calling thread's connection, opened on first use (closed when the
 * thread exits, or by shop_db_close() for the opening thread). NULL when it
 * cannot be opened (logged). */
sqlite3 *shop_db_conn(shop_db_t *db);

/* The calling thread's prepared statement for `sql` (a string literal: the
 * cache is keyed by its address), reset and with its bindings cleared.
 * NULL when it does not compile (logged). */
sqlite3_stmt *shop_db_stmt(shop_db_t *db, const char *sql);

/* Runs SQL without results on this thread's connection (BEGIN IMMEDIATE,
 * COMMIT, ROLLBACK); false (logged) when it fails. */
bool shop_db_exec(shop_db_t *db, const char *sql);

/* Steps `st`, a statement that returns no rows, resets it and commits the
 * open transaction. False (logged) when either fails; the transaction is
 * then still open, for the caller's ROLLBACK (shop_fail_rollback()). */
bool shop_db_step_and_commit(shop_db_t *db, sqlite3_stmt *st);

/* The last error of this thread's connection, for logs. */
const char *shop_db_errmsg(shop_db_t *db);

/* Closes the calling thread's connection and frees the handle; other
 * threads' connections must be gone (their threads joined). */
void shop_db_close(shop_db_t *db);

/* Binding and reading helpers. */
void shop_bind_str(sqlite3_stmt *st, int index, cgrpc_str_t s);
/* A text column copied into `arena` (NUL-terminated). */
cgrpc_str_t shop_column_str(sqlite3_stmt *st, int column, cgrpc_arena_t *arena);

#endif
