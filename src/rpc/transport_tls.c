/* rpc/transport_tls.c — the transport over a TLS session (tls/tls.h).
 *
 * Reading: ciphertext from the socket goes into the session; until the
 * handshake is done it only advances the handshake, then the plaintext it
 * yields goes to the engine. Writing: once the handshake is done, the
 * engine's output is gathered into the loop's buffer up to 64 KiB at a time
 * (fewer, fuller records than one per frame) and encrypted behind whatever
 * ciphertext the session has pending (handshake messages, the session
 * ticket, alerts, records) while that is under 64 KiB; then all of it goes
 * to the socket in one write. A short socket write leaves the rest in the
 * session's buffer and waits for the socket, as the plaintext path does.
 *
 * A handshake that fails closes the connection at once after the alert
 * OpenSSL queued (if any) had one chance to leave; a server logs it with
 * the client's address, so garbage instead of a ClientHello costs one read.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "io/error.h"
#include "io/socket.h"
#include "rpc/transport_tls.h"

#define IOV_BATCH 64

struct cgrpc_transport_tls {
  cgrpc_tls_session_t *session;
  cgrpc_timer_t handshake_timer;
  atomic_uint *handshakes; /* counted while ours runs */
  bool counted;
  bool server;
  const char *peer;
  cgrpc_tls_identity_t *identity;
};

static void uncount(cgrpc_transport_tls_t *tls) {
  if (tls->counted) atomic_fetch_sub(tls->handshakes, 1);
  tls->counted = false;
}

/* Writes pending ciphertext once, without waiting: an alert before close. */
static void send_best_effort(cgrpc_transport_t *t) {
  const uint8_t *p;
  size_t n = cgrpc_tls_session_pending(t->tls->session, &p);
  if (n == 0 || t->fd < 0) return;
  struct iovec v = {(void *)p, n};
  ssize_t w = cgrpc_socket_writev(t->fd, &v, 1);
  if (w > 0) cgrpc_tls_session_consume(t->tls->session, (size_t)w);
}

/* A plaintext HTTP/2 client (its preface starts "PRI ") on a TLS port is
 * told in its own protocol: a GOAWAY (INADEQUATE_SECURITY) whose debug
 * data says what is wrong, which gRPC clients show in their error. */
static void tell_plaintext_client(cgrpc_transport_t *t) {
  static const char kDebug[] = "this port requires TLS";
  /* An empty SETTINGS (the preface a client waits for), then the GOAWAY. */
  uint8_t frame[9 + 9 + 8 + sizeof kDebug - 1] = {
      0, 0, 0, 0x4, 0, 0, 0, 0, 0, 0, 0,  8 + sizeof kDebug - 1, 0x7, 0, 0,
      0, 0, 0, 0,   0, 0, 0, 0, 0, 0, 0xc};
  memcpy(frame + 26, kDebug, sizeof kDebug - 1);
  struct iovec v = {frame, sizeof frame};
  (void)cgrpc_socket_writev(t->fd, &v, 1);
}

/* Handshake failures are logged, but a flood of bad clients must not become
 * a flood of log lines: at most LOG_BURST a second for the process, and the
 * next line that gets through says how many were left out. */
#define LOG_BURST 10
static _Atomic int64_t log_window_start;
static atomic_int log_in_window, log_dropped;

static void log_failure(const char *peer, const char *why) {
  int64_t now = cgrpc_now_ns();
  int64_t start = atomic_load(&log_window_start);
  if (now - start >= CGRPC_NS_PER_SEC &&
      atomic_compare_exchange_strong(&log_window_start, &start, now)) {
    atomic_store(&log_in_window, 0);
  }
  if (atomic_fetch_add(&log_in_window, 1) >= LOG_BURST) {
    atomic_fetch_add(&log_dropped, 1);
    return;
  }
  int dropped = atomic_exchange(&log_dropped, 0);
  if (dropped > 0) {
    cgrpc_log(CGRPC_LOG_WARNING, "TLS: client %s: %s (and %d more TLS failures not logged)", peer,
              why, dropped);
  } else {
    cgrpc_log(CGRPC_LOG_WARNING, "TLS: client %s: %s", peer, why);
  }
}

static void handshake_failed(cgrpc_transport_t *t, const char *why) {
  if (t->tls->server) log_failure(t->tls->peer, why);
  if (t->tls->server && cgrpc_tls_session_first_byte(t->tls->session) == 'P') {
    tell_plaintext_client(t);
  }
  send_best_effort(t);
  cgrpc_transport_close(t, why);
}

static void on_handshake_timeout(void *arg) {
  cgrpc_transport_t *t = arg;
  handshake_failed(t, "TLS handshake timed out");
}

/* The handshake is done: the engine may talk. False when the transport
 * closed (no memory for the identity). */
static bool handshake_done(cgrpc_transport_t *t) {
  cgrpc_transport_tls_t *tls = t->tls;
  cgrpc_timer_cancel(&tls->handshake_timer);
  uncount(tls);
  tls->identity = cgrpc_tls_session_identity(tls->session);
  if (!tls->identity) {
    cgrpc_transport_close(t, "out of memory");
    return false;
  }
  cgrpc_transport_kick(t); /* the engine's preface and SETTINGS */
  return true;
}

int cgrpc_transport_tls_attach(cgrpc_transport_t *t, const cgrpc_transport_tls_config_t *cfg,
                               bool server) {
  cgrpc_transport_tls_t *tls = cgrpc_malloc(sizeof *tls);
  if (!tls) {
    cgrpc_tls_session_free(cfg->session);
    if (cfg->handshakes) atomic_fetch_sub(cfg->handshakes, 1);
    return -ENOMEM;
  }
  memset(tls, 0, sizeof *tls);
  tls->session = cfg->session;
  tls->handshakes = cfg->handshakes;
  tls->counted = cfg->handshakes != NULL;
  tls->server = server;
  tls->peer = cfg->peer ? cfg->peer : "";
  cgrpc_timer_init(&tls->handshake_timer, on_handshake_timeout, t);
  t->tls = tls;
  if (cfg->handshake_timeout_ns != CGRPC_INFINITE &&
      cgrpc_timer_start(t->loop, &tls->handshake_timer,
                        cgrpc_time_add(cgrpc_loop_now(t->loop), cfg->handshake_timeout_ns)) != 0) {
    return -ENOMEM;
  }
  /* A client speaks first: its ClientHello is pending after this. A
   * server has nothing to do before the ClientHello arrives, and a call
   * now would only set up state the first read sets up anyway. */
  if (!server) (void)cgrpc_tls_session_handshake(tls->session);
  return 0;
}

/* Decrypts what the session holds into the engine. False when closed. */
static bool drain_plaintext(cgrpc_transport_t *t) {
  for (;;) {
    size_t n = 0;
    cgrpc_tls_result_t r =
        cgrpc_tls_session_read(t->tls->session, t->rbuf, CGRPC_TRANSPORT_READ_BUFFER_SIZE, &n);
    if (r == CGRPC_TLS_WANT) return true;
    if (r == CGRPC_TLS_CLOSED) {
      cgrpc_transport_close_ended(t, "the peer closed the connection");
      return false;
    }
    if (r == CGRPC_TLS_FAILED) {
      send_best_effort(t);
      cgrpc_transport_close_ended(t, cgrpc_tls_session_error(t->tls->session));
      return false;
    }
    if (cgrpc_h2_conn_recv(t->h2, t->rbuf, n) != 0) {
      t->broken = true;
      return true;
    }
  }
}

bool cgrpc_transport_tls_read(cgrpc_transport_t *t) {
  cgrpc_tls_session_t *s = t->tls->session;
  for (int i = 0; i < CGRPC_TRANSPORT_READS_PER_WAKEUP; i++) {
    ssize_t n = cgrpc_socket_read(t->fd, t->rbuf, CGRPC_TRANSPORT_READ_BUFFER_SIZE);
    if (n == -EAGAIN) break;
    if (n <= 0) {
      bool shaking = !cgrpc_tls_session_handshake_done(s);
      /* A TLS 1.3 client is done with the handshake before the server
       * has checked its certificate: a server that then hangs up without
       * an alert most likely refused it. */
      bool refused = !shaking && !t->tls->server && !cgrpc_h2_conn_ready(t->h2);
      char why[160];
      snprintf(why, sizeof why, "%s%s",
               n == 0 ? "the peer closed the connection" : cgrpc_io_strerror((int)n),
               shaking   ? " during the TLS handshake"
               : refused ? " right after the TLS handshake (does it require a client certificate?)"
                         : "");
      if (shaking && t->tls->server) {
        cgrpc_log(CGRPC_LOG_DEBUG, "TLS: client %s: %s", t->tls->peer, why);
      }
      cgrpc_transport_close_ended(t, why);
      return false;
    }
    if (!cgrpc_tls_session_feed(s, t->rbuf, (size_t)n)) {
      cgrpc_transport_close(t, "out of memory");
      return false;
    }
    if (!cgrpc_tls_session_handshake_done(s)) {
      cgrpc_tls_result_t r = cgrpc_tls_session_handshake(s);
      if (r == CGRPC_TLS_FAILED) {
        handshake_failed(t, cgrpc_tls_session_error(s));
        return false;
      }
      if (r == CGRPC_TLS_OK && !handshake_done(t)) return false;
    }
    if (cgrpc_tls_session_handshake_done(s)) {
      if (!drain_plaintext(t)) return false;
      if (t->broken) break;
    }
    if ((size_t)n < CGRPC_TRANSPORT_READ_BUFFER_SIZE) break;
  }
  return true;
}

/* Sends the pending ciphertext. 1: all sent; 0: the socket is full (now
 * watched for writability); -1: the transport closed. */
static int send_pending(cgrpc_transport_t *t) {
  for (;;) {
    const uint8_t *p;
    size_t n = cgrpc_tls_session_pending(t->tls->session, &p);
    if (n == 0) return 1;
    struct iovec v = {(void *)p, n};
    ssize_t w = cgrpc_socket_writev(t->fd, &v, 1);
    if (w == -EAGAIN) {
      cgrpc_transport_wait_writable(t);
      return 0;
    }
    if (w < 0) {
      char why[96];
      snprintf(why, sizeof why, "write failed: %s", cgrpc_io_strerror((int)w));
      cgrpc_transport_close_ended(t, why);
      return -1;
    }
    cgrpc_tls_session_consume(t->tls->session, (size_t)w);
    if ((size_t)w < n) {
      cgrpc_transport_wait_writable(t);
      return 0;
    }
  }
}

/* Encrypts up to one buffer of the engine's output into the session. The
 * number of plaintext bytes taken (0: the engine has nothing to send). */
static size_t encrypt_some(cgrpc_transport_t *t) {
  if (cgrpc_h2_conn_flush(t->h2) != 0) t->broken = true;
  struct iovec iov[IOV_BATCH];
  size_t n = cgrpc_h2_conn_output(t->h2, iov, IOV_BATCH);
  size_t staged = 0;
  for (size_t i = 0; i < n && staged < CGRPC_TRANSPORT_READ_BUFFER_SIZE; i++) {
    size_t take = iov[i].iov_len;
    if (take > CGRPC_TRANSPORT_READ_BUFFER_SIZE - staged) {
      take = CGRPC_TRANSPORT_READ_BUFFER_SIZE - staged;
    }
    memcpy(t->rbuf + staged, iov[i].iov_base, take);
    staged += take;
  }
  if (staged == 0) return 0;
  if (!cgrpc_tls_session_write(t->tls->session, t->rbuf, staged)) {
    cgrpc_transport_close(t, cgrpc_tls_session_error(t->tls->session));
    return SIZE_MAX;
  }
  cgrpc_h2_conn_written(t->h2, staged);
  return staged;
}

/* The engine's output is encrypted behind whatever ciphertext the session
 * already holds (the session ticket that follows a handshake, say) while
 * that is under one buffer, so both leave in one write: one system call
 * and one TCP segment where sending first would take two. */
bool cgrpc_transport_tls_write_out(cgrpc_transport_t *t) {
  cgrpc_tls_session_t *s = t->tls->session;
  for (;;) {
    const uint8_t *p;
    if (cgrpc_tls_session_handshake_done(s) &&
        cgrpc_tls_session_pending(s, &p) < CGRPC_TRANSPORT_READ_BUFFER_SIZE &&
        encrypt_some(t) == SIZE_MAX) {
      return false;
    }
    if (cgrpc_tls_session_pending(s, &p) == 0) {
      cgrpc_transport_set_interest(t, CGRPC_IO_READ);
      return true;
    }
    int sent = send_pending(t);
    if (sent < 0) return false;
    if (sent == 0) return true;
  }
}

bool cgrpc_transport_tls_sent(cgrpc_transport_t *t) {
  const uint8_t *p;
  return cgrpc_tls_session_pending(t->tls->session, &p) == 0;
}

void cgrpc_transport_tls_closing(cgrpc_transport_t *t) {
  cgrpc_transport_tls_t *tls = t->tls;
  cgrpc_timer_cancel(&tls->handshake_timer);
  uncount(tls);
  if (cgrpc_tls_session_handshake_done(tls->session)) {
    cgrpc_tls_session_shutdown(tls->session);
    send_best_effort(t);
  }
}

void cgrpc_transport_tls_release(cgrpc_transport_t *t) {
  cgrpc_transport_tls_t *tls = t->tls;
  if (!tls) return;
  cgrpc_timer_cancel(&tls->handshake_timer);
  uncount(tls);
  cgrpc_tls_identity_unref(tls->identity);
  cgrpc_tls_session_free(tls->session);
  cgrpc_free(tls);
  t->tls = NULL;
}

bool cgrpc_transport_is_secure(const cgrpc_transport_t *t) { return t->tls != NULL; }

cgrpc_tls_identity_t *cgrpc_transport_identity(const cgrpc_transport_t *t) {
  return t->tls ? t->tls->identity : NULL;
}
