/* db.c — see db.h. */
#define _POSIX_C_SOURCE 200809L
#include "db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define STMT_CACHE 48

typedef struct thread_conn {
  sqlite3 *conn;
  size_t count;
  const char *sql[STMT_CACHE];
  sqlite3_stmt *stmt[STMT_CACHE];
} thread_conn_t;

struct shop_db {
  char *path;
  char synchronous[16];
  pthread_key_t key;
};

static void thread_conn_free(void *p) {
  thread_conn_t *tc = p;
  if (!tc) return;
  for (size_t i = 0; i < tc->count; i++) sqlite3_finalize(tc->stmt[i]);
  sqlite3_close(tc->conn);
  free(tc);
}

static thread_conn_t *thread_conn(shop_db_t *db) {
  thread_conn_t *tc = pthread_getspecific(db->key);
  if (tc) return tc;
  tc = calloc(1, sizeof *tc);
  if (!tc) return NULL;
  if (sqlite3_open_v2(db->path, &tc->conn,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    shop_log("ERROR", "cannot open %s: %s", db->path,
             tc->conn ? sqlite3_errmsg(tc->conn) : "out of memory");
    thread_conn_free(tc);
    return NULL;
  }
  /* Writers wait for each other up to 5 s instead of failing SQLITE_BUSY;
   * WAL lets readers run while one writes. */
  sqlite3_busy_timeout(tc->conn, 5000);
  char pragmas[128];
  snprintf(pragmas, sizeof pragmas,
           "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",
           db->synchronous);
  char *msg = NULL;
  if (sqlite3_exec(tc->conn, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
    shop_log("ERROR", "%s: %s", db->path, msg ? msg : "pragmas failed");
    sqlite3_free(msg);
    thread_conn_free(tc);
    return NULL;
  }
  pthread_setspecific(db->key, tc);
  return tc;
}

sqlite3 *shop_db_conn(shop_db_t *db) {
  thread_conn_t *tc = thread_conn(db);
  return tc ? tc->conn : NULL;
}

sqlite3_stmt *shop_db_stmt(shop_db_t *db, const char *sql) {
  thread_conn_t *tc = thread_conn(db);
  if (!tc) return NULL;
  for (size_t i = 0; i < tc->count; i++) {
    if (tc->sql[i] == sql) {
      sqlite3_reset(tc->stmt[i]);
      sqlite3_clear_bindings(tc->stmt[i]);
      return tc->stmt[i];
    }
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(tc->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    shop_log("ERROR", "cannot prepare `%s`: %s", sql, sqlite3_errmsg(tc->conn));
    return NULL;
  }
  if (tc->count < STMT_CACHE) {
    tc->sql[tc->count] = sql;
    tc->stmt[tc->count++] = st;
  } else {
    shop_log("WARNING", "statement cache full; `%s` is prepared again next time", sql);
  }
  return st;
}

bool shop_db_exec(shop_db_t *db, const char *sql) {
  sqlite3 *conn = shop_db_conn(db);
  char *msg = NULL;
  if (!conn) return false;
  if (sqlite3_exec(conn, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
  shop_log("ERROR", "`%s`: %s", sql, msg ? msg : sqlite3_errmsg(conn));
  sqlite3_free(msg);
  return false;
}

bool shop_db_step_and_commit(shop_db_t *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE && shop_db_exec(db, "COMMIT");
}

const char *shop_db_errmsg(shop_db_t *db) {
  sqlite3 *conn = shop_db_conn(db);
  return conn ? sqlite3_errmsg(conn) : "no connection";
}

static cgrpc_status_code_t migrate(shop_db_t *db, const char *const *migrations,
                                   cgrpc_error_t *err) {
  if (!shop_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
    return shop_error(err, CGRPC_STATUS_INTERNAL, "%s: cannot create schema_version", db->path);
  for (int target = 1; migrations[target - 1]; target++) {
    /* BEGIN IMMEDIATE: two processes starting on one file migrate in turn. */
    if (!shop_db_exec(db, "BEGIN IMMEDIATE"))
      return shop_error(err, CGRPC_STATUS_INTERNAL, "%s: cannot begin a migration", db->path);
    sqlite3_stmt *st = shop_db_stmt(db, "SELECT coalesce(max(version), 0) FROM schema_version");
    int version = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    if (st) sqlite3_reset(st);
    bool ok = version >= 0;
    if (ok && version < target) {
      ok = shop_db_exec(db, migrations[target - 1]);
      sqlite3_stmt *ins = ok ? shop_db_stmt(db, "INSERT INTO schema_version VALUES (?)") : NULL;
      if (ins) sqlite3_bind_int(ins, 1, target);
      ok = ins && sqlite3_step(ins) == SQLITE_DONE;
    }
    if (!ok || !shop_db_exec(db, "COMMIT")) {
      shop_db_exec(db, "ROLLBACK");
      return shop_error(err, CGRPC_STATUS_INTERNAL, "%s: migration to version %d failed: %s",
                        db->path, target, shop_db_errmsg(db));
    }
  }
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t shop_db_open(const char *path, const char *synchronous,
                                 const char *const *migrations, shop_db_t **out,
                                 cgrpc_error_t *err) {
  *out = NULL;
  shop_db_t *db = calloc(1, sizeof *db);
  if (!db || !(db->path = strdup(path))) {
    free(db);
    return shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory opening %s", path);
  }
  snprintf(db->synchronous, sizeof db->synchronous, "%s", synchronous);
  if (pthread_key_create(&db->key, thread_conn_free) != 0) {
    free(db->path);
    free(db);
    return shop_error(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "no thread key for %s", path);
  }
  if (!shop_db_conn(db)) {
    shop_db_close(db);
    return shop_error(err, CGRPC_STATUS_UNAVAILABLE, "cannot open the database %s", path);
  }
  cgrpc_status_code_t code = migrate(db, migrations, err);
  if (code) {
    shop_db_close(db);
    return code;
  }
  *out = db;
  return CGRPC_STATUS_OK;
}

void shop_db_close(shop_db_t *db) {
  if (!db) return;
  thread_conn_free(pthread_getspecific(db->key));
  pthread_setspecific(db->key, NULL);
  pthread_key_delete(db->key);
  free(db->path);
  free(db);
}

void shop_bind_str(sqlite3_stmt *st, int index, cgrpc_str_t s) {
  sqlite3_bind_text(st, index, s.len ? s.data : "", (int)s.len, SQLITE_TRANSIENT);
}

cgrpc_str_t shop_column_str(sqlite3_stmt *st, int column, cgrpc_arena_t *arena) {
  const unsigned char *text = sqlite3_column_text(st, column);
  int len = sqlite3_column_bytes(st, column);
  if (!text || len <= 0) return (cgrpc_str_t){"", 0};
  char *copy = cgrpc_arena_alloc(arena, (size_t)len + 1);
  if (!copy) return (cgrpc_str_t){"", 0};
  memcpy(copy, text, (size_t)len);
  copy[len] = '\0';
  return (cgrpc_str_t){copy, (size_t)len};
}
