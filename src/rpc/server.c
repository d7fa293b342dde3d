/* rpc/server.c — the server object: methods, listening sockets, loop and
 * worker threads, graceful shutdown.
 *
 * Methods live in an open-addressing hash table keyed by path, filled before
 * start and read-only afterwards, so loops look methods up without locks.
 * Listening sockets are accepted on loop 0, which hands connections to the
 * loops round robin (posting the fd), so one listener serves every loop and
 * works the same for TCP and unix sockets.
 *
 * Shutdown is the two-phase GOAWAY of the gRPC spec, run on each loop: stop
 * accepting, GOAWAY every connection, wait up to the grace period for the
 * calls in flight, then end what is left (handlers see cancellation), wait
 * for the worker pool to drain, and stop the loops. Its steps reach the
 * loops by node posts (io/loop.h), which need no memory and cannot fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "h2/options.h"
#include "io/error.h"
#include "io/resolve.h"
#include "io/socket.h"
#include "rpc/options.h"
#include "rpc/server_internal.h"
#include "tls/tls.h"

/* Free blocks a loop keeps for reuse: well above what the calls of a busy
 * loop have in flight at once, well below what would matter for memory. */
#define LOOP_CACHE_BYTES (512 * 1024)

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static cgrpc_status_code_t
fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt, ...);

static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static void ok(cgrpc_error_t *err) {
  if (err) err->message[0] = '\0';
}

static int cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Connections stop short of the descriptor limit, so a flood of them
 * leaves the process descriptors for its own files, databases and
 * outgoing channels. */
static uint32_t default_max_connections(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur > UINT32_MAX) {
    return CGRPC_UNLIMITED;
  }
  uint32_t n = (uint32_t)(rl.rlim_cur - rl.rlim_cur / 10);
  return n > 16 ? n : 16;
}

cgrpc_status_code_t cgrpc_server_new(const cgrpc_server_options_t *opts, cgrpc_server_t **out,
                                     cgrpc_error_t *err) {
  static const cgrpc_server_options_t kDefaults = CGRPC_SERVER_OPTIONS_INIT;
  if (!opts) opts = &kDefaults;
  cgrpc_status_code_t code = cgrpc_options_check(&cgrpc_server_option_table, opts, err);
  if (code != CGRPC_STATUS_OK) return code;
  cgrpc_server_t *srv = cgrpc_malloc(sizeof *srv);
  if (!srv) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  memset(srv, 0, sizeof *srv);
  srv->opts = *opts;
  /* The two options whose zero means "size it to this machine". */
  if (srv->opts.loop_threads == 0) srv->opts.loop_threads = cores();
  srv->max_connections =
      srv->opts.max_connections ? srv->opts.max_connections : default_max_connections();
  cgrpc_h2_options_from_server(&srv->h2opts, &srv->opts);
  if (!cgrpc_server_web_init(srv, err)) {
    cgrpc_server_web_free(srv);
    cgrpc_free(srv);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  pthread_mutex_init(&srv->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&srv->cv, &ca);
  pthread_condattr_destroy(&ca);
  *out = srv;
  ok(err);
  return CGRPC_STATUS_OK;
}

/* ---- Listening ------------------------------------------------------------------ */

static cgrpc_status_code_t listen_on(cgrpc_server_t *srv, const char *address,
                                     cgrpc_server_credentials_t *creds, int *bound_port,
                                     cgrpc_error_t *err) {
  if (srv->started) {
    return fail(err, CGRPC_STATUS_FAILED_PRECONDITION, "listen on \"%s\": the server is started",
                address);
  }
  cgrpc_target_t target;
  char why[192];
  int rv = cgrpc_target_parse(address, &target, why, sizeof why);
  if (rv == -ENOMEM) {
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "cannot listen on \"%s\": out of memory",
                address);
  }
  if (rv != 0) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "cannot listen on \"%s\": %s", address,
                rv == CGRPC_IO_EBADTARGET ? why : cgrpc_io_strerror(rv));
  }
  /* A host name is resolved here, before the server runs (this blocks). */
  cgrpc_address_list_t addrs = {0};
  if (target.addrs.count == 0) rv = cgrpc_resolve(&target, &addrs);
  if (rv == 0 && target.addrs.count == 0 && addrs.count == 0) rv = CGRPC_IO_ENOTFOUND;
  if (rv != 0) {
    cgrpc_target_free(&target);
    return fail(err,
                rv == -ENOMEM ? CGRPC_STATUS_RESOURCE_EXHAUSTED : CGRPC_STATUS_INVALID_ARGUMENT,
                "cannot listen on \"%s\": %s", address, cgrpc_io_strerror(rv));
  }
  const cgrpc_address_t *addr = target.addrs.count ? &target.addrs.items[0] : &addrs.items[0];
  server_listener_t *grown =
      cgrpc_realloc(srv->listeners, (srv->listener_count + 1) * sizeof *grown);
  if (!grown) {
    cgrpc_address_list_free(&addrs);
    cgrpc_target_free(&target);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  }
  srv->listeners = grown;
  server_listener_t *l = &srv->listeners[srv->listener_count];
  memset(l, 0, sizeof *l);
  rv = cgrpc_socket_listen(addr, NULL, &l->fd);
  if (rv == 0 && addr->u.sa.sa_family == AF_UNIX && addr->u.un.sun_path[0] != '\0') {
    snprintf(l->unix_path, sizeof l->unix_path, "%s", addr->u.un.sun_path);
  }
  /* The address as bound (the real port), falling back to the one asked for. */
  cgrpc_address_t local;
  char text[CGRPC_ADDRESS_STRLEN];
  if (rv == 0) {
    bool known = cgrpc_socket_local_address(l->fd, &local) == 0;
    cgrpc_address_format(known ? &local : addr, text);
    if (bound_port) *bound_port = known ? cgrpc_address_port(&local) : 0;
    l->address = cgrpc_malloc(strlen(text) + 1);
    if (l->address) {
      memcpy(l->address, text, strlen(text) + 1);
    } else {
      cgrpc_socket_close(l->fd);
      if (l->unix_path[0]) unlink(l->unix_path);
      rv = -ENOMEM;
    }
  }
  cgrpc_address_list_free(&addrs);
  cgrpc_target_free(&target);
  if (rv == -ENOMEM) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  if (rv != 0) {
    return fail(err, CGRPC_STATUS_UNAVAILABLE, "cannot listen on \"%s\": %s", address,
                cgrpc_io_strerror(rv));
  }
  l->srv = srv;
  l->creds = creds ? cgrpc_server_credentials_ref(creds) : NULL;
  srv->listener_count++;
  ok(err);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_server_listen(cgrpc_server_t *srv, const char *address, int *bound_port,
                                        cgrpc_error_t *err) {
  return listen_on(srv, address, NULL, bound_port, err);
}

cgrpc_status_code_t cgrpc_server_listen_tls(cgrpc_server_t *srv, const char *address,
                                            cgrpc_server_credentials_t *creds, int *bound_port,
                                            cgrpc_error_t *err) {
  if (!creds) {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "listen on \"%s\" with TLS: the server credentials are NULL", address);
  }
  return listen_on(srv, address, creds, bound_port, err);
}

const char *cgrpc_server_listen_address(const cgrpc_server_t *srv, size_t index) {
  return index < srv->listener_count ? srv->listeners[index].address : NULL;
}

/* ---- Methods -------------------------------------------------------------------- */

static size_t path_hash(const char *p, size_t len) {
  size_t h = 1469598103934665603u;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211u;
  return h;
}

const method_entry_t *cgrpc_server_lookup(const cgrpc_server_t *srv, const char *path, size_t len) {
  if (srv->method_slots == 0) return NULL;
  for (size_t i = path_hash(path, len) & (srv->method_slots - 1);;
       i = (i + 1) & (srv->method_slots - 1)) {
    const method_entry_t *e = &srv->methods[i];
    if (!e->method) return NULL;
    if (e->path_len == len && memcmp(e->method->path, path, len) == 0) return e;
  }
}

static bool table_insert(method_entry_t *slots, size_t nslots, const method_entry_t *e) {
  for (size_t i = path_hash(e->method->path, e->path_len) & (nslots - 1);;
       i = (i + 1) & (nslots - 1)) {
    if (!slots[i].method) {
      slots[i] = *e;
      return true;
    }
    if (slots[i].path_len == e->path_len &&
        memcmp(slots[i].method->path, e->method->path, e->path_len) == 0) {
      return false;
    }
  }
}

static cgrpc_status_code_t register_method(cgrpc_server_t *srv, const cgrpc_pb_method_t *method,
                                           const cgrpc_pb_service_t *service,
                                           cgrpc_server_handler_fn handler, void *user_data,
                                           cgrpc_handler_mode_t mode, cgrpc_error_t *err);

cgrpc_status_code_t cgrpc_server_register(cgrpc_server_t *srv, const cgrpc_pb_method_t *method,
                                          cgrpc_server_handler_fn handler, void *user_data,
                                          cgrpc_handler_mode_t mode, cgrpc_error_t *err) {
  return register_method(srv, method, NULL, handler, user_data, mode, err);
}

static cgrpc_status_code_t register_method(cgrpc_server_t *srv, const cgrpc_pb_method_t *method,
                                           const cgrpc_pb_service_t *service,
                                           cgrpc_server_handler_fn handler, void *user_data,
                                           cgrpc_handler_mode_t mode, cgrpc_error_t *err) {
  if (srv->started) {
    return fail(err, CGRPC_STATUS_FAILED_PRECONDITION, "register %s: the server is started",
                method->path);
  }
  if (!handler || !method->path || method->path[0] != '/') {
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT, "register: a method needs a path and handler");
  }
  method_entry_t e = {method, handler, user_data, mode, strlen(method->path), service};
  if (cgrpc_server_lookup(srv, method->path, e.path_len)) {
    return fail(err, CGRPC_STATUS_ALREADY_EXISTS, "method %s is already registered", method->path);
  }
  /* Keep the table at most half full so probes stay short. */
  if ((srv->method_count + 1) * 2 > srv->method_slots) {
    size_t nslots = srv->method_slots ? srv->method_slots * 2 : 16;
    method_entry_t *slots = cgrpc_malloc(nslots * sizeof *slots);
    if (!slots) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    memset(slots, 0, nslots * sizeof *slots);
    for (size_t i = 0; i < srv->method_slots; i++) {
      if (srv->methods[i].method) table_insert(slots, nslots, &srv->methods[i]);
    }
    cgrpc_free(srv->methods);
    srv->methods = slots;
    srv->method_slots = nslots;
  }
  table_insert(srv->methods, srv->method_slots, &e);
  srv->method_count++;
  ok(err);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_server_register_service(cgrpc_server_t *srv,
                                                  const cgrpc_pb_service_t *service,
                                                  const cgrpc_server_handler_fn *handlers,
                                                  void *user_data, cgrpc_handler_mode_t mode,
                                                  cgrpc_error_t *err) {
  for (size_t i = 0; i < service->method_count; i++) {
    if (!handlers[i]) continue;
    cgrpc_status_code_t code =
        register_method(srv, &service->methods[i], service, handlers[i], user_data, mode, err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  ok(err);
  return CGRPC_STATUS_OK;
}

void cgrpc_server_add_hook(cgrpc_server_t *srv, cgrpc_server_hook_t *hook) {
  cgrpc_server_hook_t **tail = &srv->hooks;
  while (*tail) tail = &(*tail)->next;
  hook->next = NULL;
  *tail = hook;
}

/* ---- Threads -------------------------------------------------------------------- */

static void on_accept(void *arg, int fd, const cgrpc_address_t *peer) {
  server_listener_t *l = arg;
  cgrpc_server_t *srv = l->srv;
  server_loop_t *sl = &srv->loops[srv->next_loop++ % srv->loop_count];
  cgrpc_server_conn_accept(sl, fd, peer, l->creds);
}

static void *loop_main(void *arg) {
  server_loop_t *sl = arg;
  cgrpc_h2_block_cache_bind(&sl->blocks);
  cgrpc_loop_run(sl->loop);
  cgrpc_h2_block_cache_bind(NULL);
  return NULL;
}

cgrpc_status_code_t cgrpc_server_start(cgrpc_server_t *srv, cgrpc_error_t *err) {
  if (srv->started) return fail(err, CGRPC_STATUS_FAILED_PRECONDITION, "the server is started");
  cgrpc_status_code_t web = cgrpc_server_web_start(srv, err);
  if (web != CGRPC_STATUS_OK) return web;
  size_t n = (size_t)srv->opts.loop_threads;
  srv->loops = cgrpc_malloc(n * sizeof *srv->loops);
  if (!srv->loops) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  memset(srv->loops, 0, n * sizeof *srv->loops);
  srv->loop_count = n;
  int rv = cgrpc_workers_new((size_t)srv->opts.worker_threads, &srv->workers);
  for (size_t i = 0; i < n && rv == 0; i++) {
    server_loop_t *sl = &srv->loops[i];
    sl->srv = srv;
    cgrpc_h2_block_cache_init(&sl->blocks, LOOP_CACHE_BYTES);
    sl->rbuf = cgrpc_malloc(CGRPC_TRANSPORT_READ_BUFFER_SIZE);
    rv = sl->rbuf ? cgrpc_loop_new(&sl->loop) : -ENOMEM;
    if (rv == 0) cgrpc_loop_set_busy_poll(sl->loop, srv->opts.busy_poll_ns);
  }
  /* A shutdown from another thread (one that saw the server answer, say)
   * waits until every thread this start creates is recorded. */
  pthread_mutex_lock(&srv->mu);
  srv->started = srv->starting = true;
  pthread_mutex_unlock(&srv->mu);
  /* The listeners join the first loop before it runs, so that a failure
   * (out of memory) is reported here rather than leaving a server that
   * never accepts. */
  for (size_t i = 0; i < srv->listener_count && rv == 0; i++) {
    rv = cgrpc_listener_start(&srv->listeners[i].listener, srv->loops[0].loop, srv->listeners[i].fd,
                              on_accept, &srv->listeners[i]);
  }
  for (size_t i = 0; i < n && rv == 0; i++) {
    rv = -pthread_create(&srv->loops[i].thread, NULL, loop_main, &srv->loops[i]);
    srv->loops[i].thread_started = rv == 0;
  }
  pthread_mutex_lock(&srv->mu);
  srv->starting = false;
  pthread_cond_broadcast(&srv->cv);
  pthread_mutex_unlock(&srv->mu);
  if (rv != 0) {
    cgrpc_server_shutdown(srv, 0);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "cannot start the server: %s",
                cgrpc_io_strerror(rv));
  }
  ok(err);
  return CGRPC_STATUS_OK;
}

/* ---- Shutdown ------------------------------------------------------------------- */

void cgrpc_server_conn_gone(cgrpc_server_t *srv) {
  pthread_mutex_lock(&srv->mu);
  srv->live_conns--;
  pthread_cond_broadcast(&srv->cv);
  pthread_mutex_unlock(&srv->mu);
}

/* Closing the sockets (not only no longer accepting) makes new connection
 * attempts fail at once instead of waiting in the kernel's backlog. */
static void close_listeners(cgrpc_server_t *srv) {
  for (size_t i = 0; i < srv->listener_count; i++) {
    server_listener_t *l = &srv->listeners[i];
    cgrpc_listener_stop(&l->listener);
    cgrpc_socket_close(l->fd);
    l->fd = -1;
    if (l->unix_path[0]) unlink(l->unix_path);
    l->unix_path[0] = '\0';
  }
}

static void stop_listeners(void *arg) { close_listeners(arg); }

static void goaway_all(void *arg) { cgrpc_server_conn_shutdown_all(arg, false); }
static void close_all(void *arg) { cgrpc_server_conn_shutdown_all(arg, true); }

/* Waits until no connection is left or `deadline` passes. */
static void wait_conns(cgrpc_server_t *srv, int64_t deadline) {
  pthread_mutex_lock(&srv->mu);
  while (srv->live_conns > 0) {
    int64_t now = cgrpc_now_ns();
    if (now >= deadline) break;
    int64_t wake = deadline - now > CGRPC_NS_PER_SEC ? now + CGRPC_NS_PER_SEC : deadline;
    struct timespec ts = {(time_t)(wake / CGRPC_NS_PER_SEC), (long)(wake % CGRPC_NS_PER_SEC)};
    pthread_cond_timedwait(&srv->cv, &srv->mu, &ts);
  }
  pthread_mutex_unlock(&srv->mu);
}

/* Shutdown's steps, each posted with its own node in every loop (a post
 * that cannot fail: with memory gone, a lost step would leave shutdown
 * waiting for connections nobody closes). */
enum { POST_STOP_LISTENERS, POST_GOAWAY, POST_CLOSE, POST_CLOSE_AGAIN };

static void each_loop(cgrpc_server_t *srv, int step, cgrpc_loop_fn fn) {
  for (size_t i = 0; i < srv->loop_count; i++) {
    server_loop_t *sl = &srv->loops[i];
    if (!sl->loop) continue;
    sl->shutdown_posts[step] = (cgrpc_post_node_t){.fn = fn, .arg = sl};
    cgrpc_loop_post_node(sl->loop, &sl->shutdown_posts[step]);
  }
}

/* Wakes cgrpc_server_run() once with a signal meant for its thread alone
 * (the signal is blocked there, so it waits for sigwait). Under srv->mu. */
static void wake_run_locked(cgrpc_server_t *srv) {
  srv->stop_requested = true;
  if (srv->run_waiting && !srv->stop_signalled) {
    srv->stop_signalled = true;
    pthread_kill(srv->run_thread, SIGTERM);
  }
}

void cgrpc_server_shutdown(cgrpc_server_t *srv, int64_t grace_ns) {
  pthread_mutex_lock(&srv->mu);
  while (srv->starting) pthread_cond_wait(&srv->cv, &srv->mu);
  bool run = srv->started && !srv->shutting_down;
  srv->shutting_down = true;
  wake_run_locked(srv);
  /* Another thread is shutting the server down: done when it is. */
  while (!run && srv->started && !srv->stopped) pthread_cond_wait(&srv->cv, &srv->mu);
  pthread_mutex_unlock(&srv->mu);
  if (!run) return;
  for (cgrpc_server_hook_t *h = srv->hooks; h; h = h->next) {
    if (h->on_shutdown) h->on_shutdown(h->user_data);
  }
  if (srv->loops[0].loop) {
    cgrpc_post_node_t *node = &srv->loops[0].shutdown_posts[POST_STOP_LISTENERS];
    *node = (cgrpc_post_node_t){.fn = stop_listeners, .arg = srv};
    cgrpc_loop_post_node(srv->loops[0].loop, node);
  }
  each_loop(srv, POST_GOAWAY, goaway_all);
  wait_conns(srv, cgrpc_time_add(cgrpc_now_ns(), grace_ns));
  /* Grace is over: end every call still running, then give the GOAWAYs a
   * moment to leave before the sockets are closed regardless. */
  each_loop(srv, POST_CLOSE, close_all);
  wait_conns(srv, cgrpc_now_ns() + CGRPC_NS_PER_SEC);
  each_loop(srv, POST_CLOSE_AGAIN, close_all);
  wait_conns(srv, CGRPC_INFINITE);
  /* Handlers still running see their calls cancelled; their last posts
   * reach loops that still run. */
  if (srv->workers) cgrpc_workers_shutdown(srv->workers);
  for (size_t i = 0; i < srv->loop_count; i++) {
    if (!srv->loops[i].thread_started) continue;
    cgrpc_loop_stop(srv->loops[i].loop);
    pthread_join(srv->loops[i].thread, NULL);
    srv->loops[i].thread_started = false;
  }
  pthread_mutex_lock(&srv->mu);
  srv->stopped = true;
  pthread_cond_broadcast(&srv->cv);
  pthread_mutex_unlock(&srv->mu);
}

/* ---- Serving until a signal ---------------------------------------------------------- */

/* Takes a stop signal this thread was sent (or one pending for the process)
 * so that it is not delivered when the caller's mask comes back. */
static void consume_pending(int signo) {
  sigset_t pending, one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  struct timespec now = {0, 0};
  while (sigpending(&pending) == 0 && sigismember(&pending, signo)) {
    if (sigtimedwait(&one, NULL, &now) < 0) break;
  }
}

cgrpc_status_code_t cgrpc_server_run(cgrpc_server_t *srv, int64_t grace_ns, cgrpc_error_t *err) {
  sigset_t stop_signals, caller_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_mutex_lock(&srv->mu);
  bool busy = srv->running || srv->shutting_down;
  if (!busy) {
    srv->running = true;
    srv->run_thread = pthread_self();
  }
  pthread_mutex_unlock(&srv->mu);
  if (busy) {
    return fail(err, CGRPC_STATUS_FAILED_PRECONDITION,
                "cgrpc_server_run: the server is already running or shut down");
  }
  /* Blocked before any server thread exists, so every thread inherits the
   * mask and the signals reach only the sigwait below. */
  pthread_sigmask(SIG_BLOCK, &stop_signals, &caller_mask);
  cgrpc_status_code_t code = srv->started ? CGRPC_STATUS_OK : cgrpc_server_start(srv, err);
  if (code != CGRPC_STATUS_OK) {
    pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
    return code;
  }
  pthread_mutex_lock(&srv->mu);
  srv->run_waiting = !srv->stop_requested;
  pthread_mutex_unlock(&srv->mu);
  int signo = 0;
  if (srv->run_waiting) sigwait(&stop_signals, &signo);
  pthread_mutex_lock(&srv->mu);
  srv->run_waiting = false;
  bool signalled = srv->stop_signalled;
  pthread_mutex_unlock(&srv->mu);
  if (signalled) consume_pending(SIGTERM);
  /* The caller's mask comes back before the grace period, so a second
   * Ctrl-C acts as it normally does (by default it ends the process). */
  pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
  const char *why = "asked to stop";
  if (signo == SIGINT) why = "SIGINT";
  if (signo == SIGTERM && !signalled) why = "SIGTERM";
  cgrpc_log(CGRPC_LOG_INFO, "%s: shutting down the server", why);
  cgrpc_server_shutdown(srv, grace_ns);
  ok(err);
  return CGRPC_STATUS_OK;
}

void cgrpc_server_stop_run(cgrpc_server_t *srv) {
  pthread_mutex_lock(&srv->mu);
  wake_run_locked(srv);
  pthread_mutex_unlock(&srv->mu);
}

void cgrpc_server_free(cgrpc_server_t *srv) {
  if (!srv) return;
  cgrpc_server_shutdown(srv, 0);
  for (size_t i = 0; i < srv->loop_count; i++) {
    cgrpc_loop_free(srv->loops[i].loop);
    cgrpc_free(srv->loops[i].rbuf);
    cgrpc_server_call_free_spares(&srv->loops[i]);
    cgrpc_h2_block_cache_destroy(&srv->loops[i].blocks);
  }
  cgrpc_workers_free(srv->workers);
  close_listeners(srv);
  for (size_t i = 0; i < srv->listener_count; i++) {
    cgrpc_free(srv->listeners[i].address);
    cgrpc_server_credentials_free(srv->listeners[i].creds);
  }
  cgrpc_free(srv->listeners);
  cgrpc_free(srv->loops);
  cgrpc_free(srv->methods);
  while (srv->hooks) {
    cgrpc_server_hook_t *h = srv->hooks;
    srv->hooks = h->next;
    if (h->on_free) h->on_free(h->user_data);
  }
  cgrpc_server_web_free(srv);
  pthread_cond_destroy(&srv->cv);
  pthread_mutex_destroy(&srv->mu);
  cgrpc_free(srv);
}
