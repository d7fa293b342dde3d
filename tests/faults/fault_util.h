/* tests/faults/fault_util.h — the misbehaving peers and the clock the client
 * fault tests share.
 *
 * A fault test puts a cgrpc channel in front of a peer that fails in one
 * particular way and checks what the application sees: which status, with
 * which message, and how soon. The peers are:
 *
 *   - raw TCP listeners on 127.0.0.1, run by a thread of the test: one that
 *     reads and never writes, one that answers every connection with fixed
 *     bytes (an HTTP/1.1 error, random bytes) and then closes or keeps quiet;
 *   - child processes: a cgrpc server run by the test binary itself in a
 *     child, which the test kills with SIGKILL to lose a server mid-call,
 *     and the scripted HTTP/2 server (h2_script_server.py, on python3-h2),
 *     which sends GOAWAY and RST_STREAM exactly when a scenario says.
 *
 * Children print "PORT <n>" on stdout once they listen; fault_proc_spawn()
 * waits for that line, so a test never races a server that is not up yet.
 *
 * Timing checks in these tests use bounds generous enough for a loaded
 * 2-core machine (the call's own deadline plus 200 ms at most) while still
 * failing for a client that hangs or waits for the wrong timer.
 */
#ifndef CGRPC_TESTS_FAULTS_FAULT_UTIL_H
#define CGRPC_TESTS_FAULTS_FAULT_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgrpc/channel.h"
#include "loopback_channel.h"

/* ---- Time ---------------------------------------------------------------------------- */

/* Milliseconds on cgrpc_clock_now()'s clock. */
int64_t fault_now_ms(void);

/* ---- Raw TCP peers --------------------------------------------------------------------- */

typedef enum fault_peer_mode {
  FAULT_PEER_SILENT,      /* accepts, reads everything, never writes */
  FAULT_PEER_REPLY_CLOSE, /* after the first bytes arrive: writes `reply`, closes */
  FAULT_PEER_REPLY_HOLD,  /* after the first bytes arrive: writes `reply`, then only reads */
} fault_peer_mode_t;

typedef struct fault_peer {
  fault_peer_mode_t mode;
  const uint8_t *reply;
  size_t reply_len;
  int listen_fd;
  int port;
  int wake[2]; /* a byte here stops the thread */
  pthread_t thread;
  atomic_int connections; /* accepted so far */
} fault_peer_t;

/* Starts a peer on 127.0.0.1 (a free port, in p->port). `reply` must live
 * until fault_peer_stop(). Returns false (with a message on stderr) when
 * the socket or thread cannot be made. */
bool fault_peer_start(fault_peer_t *p, fault_peer_mode_t mode, const void *reply, size_t reply_len);

/* Closes the listener and every connection, joins the thread. */
void fault_peer_stop(fault_peer_t *p);

/* ---- Child processes ------------------------------------------------------------------- */

typedef struct fault_proc {
  pid_t pid;
  int out_fd; /* the child's stdout, after its PORT line */
  int port;
} fault_proc_t;

/* Runs argv[0] with argv (NULL-terminated) and waits up to 10 s for its
 * "PORT <n>" line. Returns false (child reaped, message on stderr) when it
 * does not come. */
bool fault_proc_spawn(fault_proc_t *p, const char *const argv[]);

/* Sends `sig` and reaps the child; returns its wait status. */
int fault_proc_stop(fault_proc_t *p, int sig);

/* Reads what the child printed after its PORT line until it exits (call
 * after fault_proc_stop) into buf (NUL-terminated, truncated to size). */
void fault_proc_output(fault_proc_t *p, char *buf, size_t size);

/* Runs `exe` with "--serve <port>": a test binary's own server mode (so the
 * test can kill its server), on 127.0.0.1:`port` (0: a free one). */
bool fault_self_spawn(fault_proc_t *p, const char *exe, int port);

/* The scripted HTTP/2 server running `scenario` (see h2_script_server.py). */
bool fault_script_spawn(fault_proc_t *p, const char *scenario);

/* fault_script_spawn() and a channel to it; NULL (message on stderr, the
 * script stopped) when either fails. */
cgrpc_channel_t *fault_script_channel(fault_proc_t *p, const char *scenario);

/* Stops a child with SIGTERM and closes its output unread. */
void fault_proc_end(fault_proc_t *p);

#endif /* CGRPC_TESTS_FAULTS_FAULT_UTIL_H */
