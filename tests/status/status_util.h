/* tests/status/status_util.h — what the status tests share: the scripted
 * HTTP/2 peer (status_peer.py) as a child process, channels to it, and one
 * unary call reduced to the code and message the application saw.
 *
 * Every status test asserts two things about a call: the exact code, and
 * that the message names what happened (so a user reading it knows what to
 * fix). status_call() keeps both, plus how long the call took, so a test can
 * also insist that a failure came from the event and not from a timer.
 */
#ifndef CGRPC_TESTS_STATUS_STATUS_UTIL_H
#define CGRPC_TESTS_STATUS_STATUS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgrpc/channel.h"
#include "loopback_channel.h"

/* A child process whose stdout the test reads. */
typedef struct status_proc {
  pid_t pid;
  int out_fd;
  int port; /* from its "PORT <n>" line, for servers */
} status_proc_t;

/* Starts status_peer.py in server mode and waits (up to 10 s) for its port.
 * Returns false, with a message on stderr, when it does not come up. */
bool status_peer_server_start(status_proc_t *p);

/* Kills and reaps a child started here. */
void status_proc_stop(status_proc_t *p);

/* Runs status_peer.py as a misbehaving client of 127.0.0.1:port with
 * `scenario` and puts what it printed in `out` (NUL-terminated, truncated
 * to `size`). The client gives up after 10 s on its own; this waits at
 * most 20 s. Returns false when the script failed to run or did not end
 * its report with "END". */
bool status_peer_client_run(int port, const char *scenario, char *out, size_t size);

/* Milliseconds on cgrpc_clock_now()'s clock. */
int64_t status_now_ms(void);

/* What a finished call reported. */
typedef struct status_result {
  cgrpc_status_code_t code;
  char message[256];
  int64_t took_ms;
} status_result_t;

/* True when the message contains `needle`; prints the message otherwise,
 * so a failing check says what the library did say. */
bool status_message_has(const status_result_t *r, const char *needle);

#endif /* CGRPC_TESTS_STATUS_STATUS_UTIL_H */
