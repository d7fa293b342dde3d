/* shop-user — accounts, login and the feed of account changes.
 *
 *   shop-user CONFIG_FILE     (common/service_main.h; and token.ttl_seconds,
 *                              default 3600)
 *
 * Database: users(id, email UNIQUE, display_name, password_hash,
 * created_ms, updated_ms); passwords only as scrypt hashes. synchronous=
 * NORMAL: WAL keeps the file whole through a crash; an account made in the
 * last moment before a power cut may have to be made again, which its
 * owner notices at once (Login fails), and no money depends on it.
 *
 * CreateUser and Login are open; the other methods need a token, and
 * GetUser, UpdateUser and DeleteUser act on the caller's own account only
 * (PERMISSION_DENIED for another's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "password.h"
#include "service_main.h"
#include "user/v1/user.pb.h"

static const char *const kMigrations[] = {
    "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
    " display_name TEXT NOT NULL, password_hash TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL);",
    NULL};

static const shop_access_rule_t kRules[] = {
    {"CreateUser", SHOP_ACCESS_PUBLIC}, {"Login", SHOP_ACCESS_PUBLIC}, {NULL, 0}};

typedef struct user_state {
  shop_feed_t events; /* UserEvent */
  int64_t token_ttl_s;
} user_state_t;

static user_v1_User *row_to_user(sqlite3_stmt *st, cgrpc_arena_t *arena) {
  user_v1_User *u = user_v1_User_new(arena);
  if (!u) return NULL;
  u->id = shop_column_str(st, 0, arena);
  u->email = shop_column_str(st, 1, arena);
  u->display_name = shop_column_str(st, 2, arena);
  u->created_at = shop_timestamp(arena, sqlite3_column_int64(st, 3));
  u->updated_at = shop_timestamp(arena, sqlite3_column_int64(st, 4));
  return u;
}

/* The user with `id`; *out NULL when none; false on a database error. */
static bool load_user(shop_db_t *db, cgrpc_str_t id, cgrpc_arena_t *arena, user_v1_User **out) {
  static const char kSql[] =
      "SELECT id, email, display_name, created_ms, updated_ms FROM users WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(db, kSql);
  if (!st) return false;
  shop_bind_str(st, 1, id);
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? row_to_user(st, arena) : NULL;
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static bool email_ok(cgrpc_str_t e) {
  return e.len >= 3 && shop_text_ok(e, 254) && memchr(e.data, '@', e.len) != NULL;
}

static bool password_ok(cgrpc_str_t p) { return p.len >= 8 && shop_text_ok(p, 1024); }

static void publish(shop_service_t *svc, user_v1_UserEvent_Type type, user_v1_User *u,
                    cgrpc_arena_t *arena) {
  user_v1_UserEvent e = {.type = type, .user = u, .at = shop_timestamp(arena, shop_now_ms())};
  shop_feed_publish(&((user_state_t *)svc->state)->events, "", &user_v1_UserEvent_table, &e);
}

/* True when the call's user is `id`; else ends the call PERMISSION_DENIED. */
static bool is_self(cgrpc_server_call_t *call, cgrpc_str_t id) {
  const char *me = shop_access_user(call);
  if (strlen(me) == id.len && memcmp(me, id.data, id.len) == 0) return true;
  shop_fail_reason(call, CGRPC_STATUS_PERMISSION_DENIED, "NOT_OWNER",
                   "a user may only read and change their own account");
  return false;
}

static void create_user(cgrpc_server_call_t *call, const user_v1_CreateUserRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, email_ok(req->email), "email", "3 to 254 bytes with an @, no NUL");
  shop_require(&v, req->display_name.len > 0 && shop_text_ok(req->display_name, 200),
               "display_name", "1 to 200 bytes, no NUL");
  shop_require(&v, password_ok(req->password), "password", "8 to 1024 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  char hash[SHOP_PASSWORD_HASH_MAX];
  cgrpc_error_t err;
  if (shop_password_hash(req->password, hash, &err))
    return cgrpc_server_call_finish(call, CGRPC_STATUS_INTERNAL, err.message, NULL);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  char id[SHOP_ID_MAX];
  shop_new_id("u", id);
  int64_t now = shop_now_ms();
  static const char kSql[] = "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  shop_bind_str(st, 2, req->email);
  shop_bind_str(st, 3, req->display_name);
  sqlite3_bind_text(st, 4, hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, now);
  sqlite3_bind_int64(st, 6, now);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_CONSTRAINT)
    return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "EMAIL_TAKEN",
                            "an account with this email already exists");
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  user_v1_User *u = user_v1_User_new(arena);
  if (!u) return cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, NULL, NULL);
  u->id = cgrpc_arena_printf(arena, "%s", id);
  u->email = req->email;
  u->display_name = req->display_name;
  u->created_at = u->updated_at = shop_timestamp(arena, now);
  publish(svc, user_v1_UserEvent_CREATED, u, arena);
  user_v1_UserService_CreateUser_reply(call, u);
}

static void get_user(cgrpc_server_call_t *call, const user_v1_GetUserRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v) || !is_self(call, req->id)) return;
  user_v1_User *u;
  if (!load_user(svc->db, req->id, cgrpc_server_call_arena(call), &u))
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (!u) return shop_fail_not_found(call, "user", req->id);
  user_v1_UserService_GetUser_reply(call, u);
}

static void update_user(cgrpc_server_call_t *call, const user_v1_UpdateUserRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  shop_require(&v, !req->has_email || email_ok(req->email), "email",
               "3 to 254 bytes with an @, no NUL");
  shop_require(
      &v,
      !req->has_display_name || (req->display_name.len > 0 && shop_text_ok(req->display_name, 200)),
      "display_name", "1 to 200 bytes, no NUL");
  shop_require(&v, !req->has_password || password_ok(req->password), "password",
               "8 to 1024 bytes, no NUL");
  if (shop_fail_violations(call, &v) || !is_self(call, req->id)) return;
  char hash[SHOP_PASSWORD_HASH_MAX] = "";
  cgrpc_error_t err;
  if (req->has_password && shop_password_hash(req->password, hash, &err))
    return cgrpc_server_call_finish(call, CGRPC_STATUS_INTERNAL, err.message, NULL);
  /* proto3 optional: a field that is not set keeps its stored value. */
  static const char kSql[] =
      "UPDATE users SET email = CASE WHEN ?1 THEN ?2 ELSE email END,"
      " display_name = CASE WHEN ?3 THEN ?4 ELSE display_name END,"
      " password_hash = CASE WHEN ?5 THEN ?6 ELSE password_hash END, updated_ms = ?7"
      " WHERE id = ?8";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  sqlite3_bind_int(st, 1, req->has_email);
  shop_bind_str(st, 2, req->email);
  sqlite3_bind_int(st, 3, req->has_display_name);
  shop_bind_str(st, 4, req->display_name);
  sqlite3_bind_int(st, 5, req->has_password);
  sqlite3_bind_text(st, 6, hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 7, shop_now_ms());
  shop_bind_str(st, 8, req->id);
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(shop_db_conn(svc->db));
  sqlite3_reset(st);
  if (rc == SQLITE_CONSTRAINT)
    return shop_fail_reason(call, CGRPC_STATUS_ALREADY_EXISTS, "EMAIL_TAKEN",
                            "an account with this email already exists");
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (changed == 0) return shop_fail_not_found(call, "user", req->id);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  user_v1_User *u;
  if (!load_user(svc->db, req->id, arena, &u) || !u)
    return shop_fail_db(call, shop_db_errmsg(svc->db));
  publish(svc, user_v1_UserEvent_UPDATED, u, arena);
  user_v1_UserService_UpdateUser_reply(call, u);
}

static void delete_user(cgrpc_server_call_t *call, const user_v1_DeleteUserRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->id.len > 0 && shop_text_ok(req->id, 64), "id", "1 to 64 bytes, no NUL");
  if (shop_fail_violations(call, &v) || !is_self(call, req->id)) return;
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  user_v1_User *u;
  if (!load_user(svc->db, req->id, arena, &u)) return shop_fail_db(call, shop_db_errmsg(svc->db));
  if (!u) return shop_fail_not_found(call, "user", req->id);
  static const char kSql[] = "DELETE FROM users WHERE id = ?";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  shop_bind_str(st, 1, req->id);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  publish(svc, user_v1_UserEvent_DELETED, u, arena);
  google_protobuf_Empty empty = google_protobuf_Empty_INIT;
  user_v1_UserService_DeleteUser_reply(call, &empty);
}

static void list_users(cgrpc_server_call_t *call, const user_v1_ListUsersRequest *req, void *ud) {
  shop_service_t *svc = ud;
  shop_violations_t v = {0};
  shop_require(&v, req->page_size >= 0, "page_size", "must not be negative");
  if (shop_fail_violations(call, &v)) return;
  static const char kSql[] =
      "SELECT id, email, display_name, created_ms, updated_ms FROM users ORDER BY created_ms, id"
      " LIMIT ?";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  sqlite3_bind_int(st, 1, req->page_size ? req->page_size : -1);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    user_v1_User *u = row_to_user(st, &arena);
    if (!u || !user_v1_UserService_ListUsers_write(call, u, 0, NULL, NULL)) break;
    cgrpc_arena_reset(&arena, 1);
  }
  sqlite3_reset(st);
  cgrpc_arena_free(&arena);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  cgrpc_server_call_finish(call, CGRPC_STATUS_OK, NULL, NULL);
}

static void watch_users(cgrpc_server_call_t *call, const user_v1_WatchUserUpdatesRequest *req,
                        void *ud) {
  (void)req;
  shop_service_t *svc = ud;
  user_state_t *state = svc->state;
  uint64_t cursor = shop_feed_cursor(&state->events);
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, NULL, 0);
  /* Headers now, so the client knows the watch is on before any event. */
  cgrpc_server_call_send_initial_metadata(call, NULL);
  while (!cgrpc_server_call_cancelled(call)) {
    user_v1_UserEvent e;
    char key[SHOP_FEED_KEY_MAX];
    cgrpc_arena_reset(&arena, 1);
    if (shop_feed_next(&state->events, &cursor, CGRPC_NS_PER_SEC / 5, &user_v1_UserEvent_table, &e,
                       &arena, key) &&
        !user_v1_UserService_WatchUserUpdates_write(call, &e, 0, NULL, NULL))
      break;
  }
  cgrpc_arena_free(&arena);
  /* Watches end when the client cancels or the server shuts down. */
}

static void login(cgrpc_server_call_t *call, const user_v1_LoginRequest *req, void *ud) {
  shop_service_t *svc = ud;
  user_state_t *state = svc->state;
  shop_violations_t v = {0};
  shop_require(&v, email_ok(req->email), "email", "3 to 254 bytes with an @, no NUL");
  shop_require(&v, req->password.len > 0 && shop_text_ok(req->password, 1024), "password",
               "1 to 1024 bytes, no NUL");
  if (shop_fail_violations(call, &v)) return;
  static const char kSql[] = "SELECT id, password_hash FROM users WHERE email = ?";
  sqlite3_stmt *st = shop_db_stmt(svc->db, kSql);
  if (!st) return shop_fail_db(call, shop_db_errmsg(svc->db));
  shop_bind_str(st, 1, req->email);
  cgrpc_arena_t *arena = cgrpc_server_call_arena(call);
  int rc = sqlite3_step(st);
  cgrpc_str_t id = rc == SQLITE_ROW ? shop_column_str(st, 0, arena) : (cgrpc_str_t){"", 0};
  cgrpc_str_t stored = rc == SQLITE_ROW ? shop_column_str(st, 1, arena) : (cgrpc_str_t){"", 0};
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return shop_fail_db(call, shop_db_errmsg(svc->db));
  /* An unknown email costs the same scrypt as a wrong password, and gets
   * the same answer: the answer does not tell which emails have accounts. */
  static const char kDummy[] =
      "scrypt$16384$8$1$00000000000000000000000000000000$"
      "0000000000000000000000000000000000000000000000000000000000000000";
  bool ok = shop_password_check(req->password, rc == SQLITE_ROW ? stored.data : kDummy);
  if (rc != SQLITE_ROW || !ok)
    return shop_fail_reason(call, CGRPC_STATUS_UNAUTHENTICATED, "INVALID_CREDENTIALS",
                            "wrong email or password");
  int64_t now = shop_now_ms() / 1000;
  char *token = cgrpc_arena_alloc(arena, SHOP_TOKEN_MAX);
  cgrpc_error_t err;
  if (!token) return cgrpc_server_call_finish(call, CGRPC_STATUS_RESOURCE_EXHAUSTED, NULL, NULL);
  if (shop_token_sign(svc->secret, svc->secret_len, id.data, now, now + state->token_ttl_s, token,
                      &err))
    return cgrpc_server_call_finish(call, CGRPC_STATUS_INTERNAL, err.message, NULL);
  user_v1_LoginResponse resp = {
      .access_token = cgrpc_str(token),
      .expires_at = shop_timestamp(arena, (now + state->token_ttl_s) * 1000),
      .user_id = id};
  user_v1_UserService_Login_reply(call, &resp);
}

static cgrpc_status_code_t start(shop_service_t *svc, cgrpc_error_t *err) {
  (void)err;
  static user_state_t state;
  shop_feed_init(&state.events);
  state.token_ttl_s = strtoll(shop_config_get(svc->config, "token.ttl_seconds", "3600"), NULL, 10);
  svc->state = &state;
  static user_v1_UserService_handlers handlers = {
      .CreateUser = create_user,
      .GetUser = get_user,
      .UpdateUser = update_user,
      .DeleteUser = delete_user,
      .ListUsers = list_users,
      .WatchUserUpdates = watch_users,
      .Login = login,
  };
  handlers.user_data = svc;
  return user_v1_UserService_register(svc->server, &handlers, CGRPC_HANDLER_BLOCKING, err);
}

static void stop(shop_service_t *svc) { shop_feed_destroy(&((user_state_t *)svc->state)->events); }

int main(int argc, char **argv) {
  static const shop_service_desc_t desc = {
      .name = "user",
      .service = &user_v1_UserService_service,
      .synchronous = "NORMAL",
      .migrations = kMigrations,
      .rules = kRules,
      .start = start,
      .stop = stop,
  };
  return shop_service_main(argc, argv, &desc);
}
