/* tests/oom/oom_alloc.c — see oom_alloc.h. */
#define _GNU_SOURCE
#include "oom_alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgrpc/alloc.h"

static atomic_size_t g_calls;    /* allocations since oom_arm() */
static atomic_size_t g_failures; /* refused since oom_arm() */
static atomic_size_t g_fail_at;  /* 0: never */
static atomic_bool g_persistent;
static atomic_long g_live;

static const char *const *g_spared;     /* oom_spare_callers() */
static _Thread_local int g_spare_depth; /* oom_spare_begin() nesting */

void oom_spare_begin(void) { g_spare_depth++; }
void oom_spare_end(void) { g_spare_depth--; }

/* Whether a function named in g_spared is on the stack. */
static bool spared(void) {
  void *frames[32];
  int count = backtrace(frames, 32);
  for (int i = 1; i < count; i++) {
    Dl_info info;
    if (!dladdr(frames[i], &info) || !info.dli_sname) continue;
    for (const char *const *name = g_spared; *name; name++) {
      if (strcmp(info.dli_sname, *name) == 0) return true;
    }
  }
  return false;
}

void oom_spare_callers(const char *const *names) { g_spared = names; }

/* Whether this allocation is the one (or one of those) to refuse. */
static bool should_fail(void) {
  if (g_spare_depth > 0) return false;
  if (g_spared && atomic_load(&g_fail_at) != 0 && spared()) return false;
  size_t n = atomic_fetch_add(&g_calls, 1) + 1;
  size_t at = atomic_load(&g_fail_at);
  if (at == 0) return false;
  if (n == at || (n > at && atomic_load(&g_persistent))) {
    size_t before = atomic_fetch_add(&g_failures, 1);
    const char *trace = getenv("OOM_TRACE");
    if (trace && (before == 0 || strcmp(trace, "all") == 0)) {
      /* Where the first refusal hit, for debugging: addr2line turns the
       * offsets into lines. */
      void *frames[32];
      int count = backtrace(frames, 32);
      fprintf(stderr, "oom: allocation %zu (armed at %zu) refused at:\n", n, at);
      backtrace_symbols_fd(frames, count, STDERR_FILENO);
    }
    return true;
  }
  return false;
}

static void *oom_malloc(void *ctx, size_t size) {
  (void)ctx;
  if (should_fail()) return NULL;
  void *p = malloc(size);
  if (p) atomic_fetch_add(&g_live, 1);
  return p;
}

static void *oom_realloc(void *ctx, void *p, size_t size) {
  (void)ctx;
  if (should_fail()) return NULL;
  void *q = realloc(p, size);
  if (q && !p) atomic_fetch_add(&g_live, 1);
  return q;
}

static void oom_free(void *ctx, void *p) {
  (void)ctx;
  if (!p) return;
  atomic_fetch_sub(&g_live, 1);
  free(p);
}

void oom_install(void) {
  static const cgrpc_allocator_t allocator = {oom_malloc, oom_realloc, oom_free, NULL};
  cgrpc_set_allocator(&allocator);
}

void oom_arm(size_t n, oom_mode_t mode) {
  atomic_store(&g_fail_at, 0);
  atomic_store(&g_calls, 0);
  atomic_store(&g_failures, 0);
  atomic_store(&g_persistent, mode == OOM_PERSISTENT);
  atomic_store(&g_fail_at, n);
}

void oom_stop_failing(void) { atomic_store(&g_fail_at, 0); }

size_t oom_calls(void) { return atomic_load(&g_calls); }
size_t oom_failures(void) { return atomic_load(&g_failures); }
long oom_live_blocks(void) { return atomic_load(&g_live); }

long oom_wait_live(long want, int ms) {
  long live = oom_live_blocks();
  for (int i = 0; i < ms && live != want; i++) {
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
    live = oom_live_blocks();
  }
  return live;
}

static const char *g_watchdog_what = "";

static void on_alarm(int sig) {
  (void)sig;
  static const char head[] = "oom: watchdog: hung in ";
  (void)!write(STDERR_FILENO, head, sizeof head - 1);
  (void)!write(STDERR_FILENO, g_watchdog_what, strlen(g_watchdog_what));
  (void)!write(STDERR_FILENO, "\n", 1);
  abort();
}

void oom_watchdog(unsigned seconds, const char *what) {
  g_watchdog_what = what;
  signal(SIGALRM, on_alarm);
  alarm(seconds);
}

pid_t oom_fork(int *fd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    perror("pipe2");
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(p[0]);
    *fd = p[1];
    return 0;
  }
  close(p[1]);
  *fd = p[0];
  return pid;
}

bool oom_read_all(int fd, void *buf, size_t len) {
  char *b = buf;
  while (len > 0) {
    ssize_t n = read(fd, b, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b += n;
    len -= (size_t)n;
  }
  return true;
}

bool oom_write_all(int fd, const void *buf, size_t len) {
  const char *b = buf;
  while (len > 0) {
    ssize_t n = write(fd, b, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b += n;
    len -= (size_t)n;
  }
  return true;
}

int oom_wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
