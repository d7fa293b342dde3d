/* tests/oom/oom_rpc.h — what the rpc out-of-memory tests share: a server
 * with one handler of each kind, the four calls against it, and a server
 * process driven over pipes so that allocations can be counted (and
 * failed) on one side of the connection only. */
#ifndef CGRPC_TESTS_OOM_OOM_RPC_H
#define CGRPC_TESTS_OOM_OOM_RPC_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgrpc/channel.h"
#include "cgrpc/server.h"
#include "oom_alloc.h"

/* The calls, one of each kind. */
enum { OOM_UNARY, OOM_SERVER_STREAM, OOM_CLIENT_STREAM, OOM_BIDI, OOM_CALL_KINDS };
extern const char *const oom_call_names[OOM_CALL_KINDS];

/* Every call has this deadline: a call that hangs ends DEADLINE_EXCEEDED,
 * which the tests report as a hang. */
#define OOM_CALL_TIMEOUT_NS (3 * CGRPC_NS_PER_SEC)

typedef struct oom_call_result {
  cgrpc_status_code_t code;
  bool content_ok; /* when OK: the responses were the expected ones */
  char message[128];
} oom_call_result_t;

/* Runs call `kind` on `ch` and waits for its end. */
void oom_run_call(cgrpc_channel_t *ch, int kind, bool wait_for_ready, oom_call_result_t *out);

/* Creates, registers and starts the test server on 127.0.0.1:0 (one loop,
 * two workers). Returns the status of the first step that failed, with
 * *srv NULL then (what it created is freed); *port gets the port. */
cgrpc_status_code_t oom_server_start(cgrpc_server_t **srv, int *port, cgrpc_error_t *err);
void oom_server_stop(cgrpc_server_t *srv);

/* Opens a channel to 127.0.0.1:port with a short reconnect backoff. */
cgrpc_status_code_t oom_channel_new(int port, cgrpc_channel_t **ch, cgrpc_error_t *err);

/* A server in a child process, commanded over pipes. The child inherits
 * the counting allocator; `arm` commands make it fail its own allocations. */
typedef struct oom_server_proc {
  pid_t pid;
  int to_child, from_child;
  int port;
} oom_server_proc_t;

/* Forks the server process; false on failure. Only while the caller's
 * process has no other threads. */
bool oom_server_proc_start(oom_server_proc_t *p);
/* Arms (n > 0) or disarms (n == 0) the allocator in the server process;
 * when disarming, returns the failures injected since it was armed. */
size_t oom_server_proc_arm(oom_server_proc_t *p, size_t n, oom_mode_t mode);
/* Shuts the server down and frees it; returns the blocks the server
 * process still has live afterwards (0 expected), or -1 when it died. */
long oom_server_proc_stop(oom_server_proc_t *p);

/* ---- Sweeps -------------------------------------------------------------- */

/* Whose allocations fail: the test process's (the client) or the server
 * process's. */
typedef enum oom_side { OOM_CLIENT, OOM_SERVER } oom_side_t;

typedef struct oom_sweep {
  oom_side_t side;
  int kind; /* OOM_UNARY ... */
  oom_mode_t mode;
  bool warm; /* run one call of each kind before arming: steady state */
  /* For OOM_CLIENT: the server process every run uses. For OOM_SERVER a
   * fresh one is started for each n (the client then runs no threads when
   * it forks). */
  oom_server_proc_t *server;
} oom_sweep_t;

/* Fails the n-th allocation on `side` for n = 1, 2, ... while call `kind`
 * runs, until a run needs no more than n - 1. Each run checks that the call
 * succeeded (with the right responses) or ended with one of the statuses
 * out-of-memory may cause, that a call made after the failure succeeds
 * (the channel and server recover), and that both sides give back every
 * block. Prints each problem to stderr; returns their number. *points gets
 * the number of runs that had a failure injected. */
int oom_sweep_call(const oom_sweep_t *sweep, size_t *points);

/* Whether to run this sweep: all of them, unless OOM_ONLY="kind warm mode"
 * (numbers, e.g. "0 1 0": unary, steady state, transient) picks one, for
 * debugging. */
bool oom_selected(int kind, int warm, int mode);

/* Leaves out the known bug the sweeps would otherwise hit on every run:
 * allocations inside nghttp2_submit_data() (a bug of nghttp2 1.52.0, see
 * oom_rpc.c). */
void oom_spare_known_bugs(void);

#endif /* CGRPC_TESTS_OOM_OOM_RPC_H */
