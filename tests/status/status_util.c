/* tests/status/status_util.c — the child processes and small helpers of
 * the status tests. See status_util.h.
 *
 * Children are started with fork/exec rather than popen so a test can wait
 * for a server's "PORT" line with a timeout and kill it by its pid; between
 * fork and exec only async-signal-safe calls run, because the test process
 * has library threads whose locks the child must not touch.
 */
#define _GNU_SOURCE

#include "status_util.h"

#include "child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int64_t status_now_ms(void) { return cgrpc_clock_now() / CGRPC_NS_PER_MS; }

static bool spawn(status_proc_t *p, const char *const argv[]) {
  memset(p, 0, sizeof *p);
  p->pid = test_child_spawn(argv, &p->out_fd);
  if (p->pid < 0) {
    p->pid = 0;
    p->out_fd = -1;
    return false;
  }
  return true;
}

/* Appends what the child writes to buf (from *len) until it closes its
 * stdout, `until` appears, or the deadline passes. True if it stopped for
 * one of the first two reasons. */
static bool read_until(int fd, char *buf, size_t size, size_t *len, const char *until,
                       int64_t deadline_ms) {
  while (*len + 1 < size) {
    if (until && strstr(buf, until)) return true;
    int64_t left = deadline_ms - status_now_ms();
    if (left <= 0) return false;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int rv = poll(&pfd, 1, (int)left);
    if (rv < 0 && errno == EINTR) continue;
    if (rv <= 0) return false;
    ssize_t n = read(fd, buf + *len, size - 1 - *len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return until == NULL;
    *len += (size_t)n;
    buf[*len] = '\0';
  }
  return until ? strstr(buf, until) != NULL : true;
}

bool status_peer_server_start(status_proc_t *p) {
  const char *argv[] = {STATUS_PYTHON, STATUS_PEER_SCRIPT, "server", NULL};
  if (!spawn(p, argv)) return false;
  char line[64] = "";
  size_t len = 0;
  if (!read_until(p->out_fd, line, sizeof line, &len, "\n", status_now_ms() + 10000) ||
      sscanf(line, "PORT %d", &p->port) != 1) {
    fprintf(stderr, "  status_peer.py server did not report its port (said \"%s\")\n", line);
    status_proc_stop(p);
    return false;
  }
  return true;
}

void status_proc_stop(status_proc_t *p) {
  if (p->pid > 0) {
    test_child_reap(p->pid, SIGKILL);
    p->pid = 0;
  }
  if (p->out_fd >= 0) close(p->out_fd);
  p->out_fd = -1;
}

bool status_peer_client_run(int port, const char *scenario, char *out, size_t size) {
  char port_arg[16];
  snprintf(port_arg, sizeof port_arg, "%d", port);
  const char *argv[] = {STATUS_PYTHON, STATUS_PEER_SCRIPT, "client", port_arg, scenario, NULL};
  status_proc_t p;
  out[0] = '\0';
  if (!spawn(&p, argv)) return false;
  size_t len = 0;
  bool ended = read_until(p.out_fd, out, size, &len, "END\n", status_now_ms() + 20000);
  status_proc_stop(&p);
  if (!ended) fprintf(stderr, "  client %s did not finish; it said:\n%s\n", scenario, out);
  return ended;
}

bool status_message_has(const status_result_t *r, const char *needle) {
  if (strstr(r->message, needle)) return true;
  fprintf(stderr, "  status message \"%s\" does not mention \"%s\"\n", r->message, needle);
  return false;
}
