/* tests/oom/oom_alloc.h — out-of-memory injection in the style of SQLite's
 * malloc tests.
 *
 * oom_install() routes every cgrpc heap allocation (cgrpc_set_allocator, so
 * nghttp2's and zlib's too) through a counting allocator. oom_arm(n, mode)
 * makes the n-th allocation from then on fail (n counts from 1), and in
 * OOM_PERSISTENT mode every one after it too, as when the machine is really
 * out of memory; OOM_TRANSIENT fails only the n-th, so the code's recovery
 * after a failure is exercised as well. The allocator also counts live
 * blocks, so a test can check that everything taken was given back.
 *
 * A test loops n = 1, 2, ...: arm, run the operation, check that it either
 * succeeded or failed the documented way, disarm, check the live count, and
 * stops at the first n for which no failure was injected (the operation then
 * ran to completion without reaching its n-th allocation).
 *
 * Counters are atomic: allocations come from every thread of the process.
 * To count one side of a connection only, run the other side in another
 * process (oom_fork()).
 *
 * Debugging: OOM_TRACE=1 in the environment prints a backtrace where the
 * first allocation of each run is refused (OOM_TRACE=all: every refusal);
 * addr2line turns its offsets into source lines. */
#ifndef CGRPC_TESTS_OOM_OOM_ALLOC_H
#define CGRPC_TESTS_OOM_OOM_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum oom_mode {
  OOM_TRANSIENT = 0,  /* only the n-th allocation fails */
  OOM_PERSISTENT = 1, /* the n-th and every later one fail */
} oom_mode_t;

/* Installs the counting allocator. Call before any other cgrpc function. */
void oom_install(void);

/* Counts allocations from 0 again and fails the n-th from now on (n >= 1);
 * n = 0 disarms (nothing fails, counting goes on). */
void oom_arm(size_t n, oom_mode_t mode);
static inline void oom_disarm(void) { oom_arm(0, OOM_TRANSIENT); }

/* Allocations made while one of these functions (exported symbols, NULL
 * terminated; NULL for none) is on the stack are neither counted nor
 * failed: a way to leave out a known bug outside cgrpc whose failure path
 * would crash every run past it. Slow (a backtrace per allocation). */
void oom_spare_callers(const char *const *names);

/* Between these two, allocations made by the calling thread are neither
 * counted nor failed (they nest). For leaving out a known bug on a path
 * the test can bracket. */
void oom_spare_begin(void);
void oom_spare_end(void);

/* Memory comes back: nothing fails any more, the counts stay. */
void oom_stop_failing(void);

/* Allocation calls (malloc, and realloc) since the last oom_arm(). */
size_t oom_calls(void);
/* Allocations refused since the last oom_arm(). */
size_t oom_failures(void);
/* Blocks allocated and not yet freed, since oom_install(). */
long oom_live_blocks(void);

/* Waits up to `ms` milliseconds for the live count to reach `want` (memory
 * freed by threads that finish just after the call that stopped them
 * returned); returns the last count seen. */
long oom_wait_live(long want, int ms);

/* Aborts the process after `seconds` unless called again (0 cancels): a
 * hang becomes a crash with a message rather than a ctest timeout. */
void oom_watchdog(unsigned seconds, const char *what);

/* fork() with a pipe from the child to the parent. In the child (return 0)
 * *fd is the write end, in the parent (return pid) the read end. The child
 * dies with the parent. -1 on failure. Fork only while the process has no
 * threads besides the caller. */
pid_t oom_fork(int *fd);

/* Reads exactly `len` bytes from fd (false on EOF or error). */
bool oom_read_all(int fd, void *buf, size_t len);
/* Writes exactly `len` bytes to fd. */
bool oom_write_all(int fd, const void *buf, size_t len);

/* Reaps a child; its exit code, or 128 + signal when it was killed. */
int oom_wait_child(pid_t pid);

#endif /* CGRPC_TESTS_OOM_OOM_ALLOC_H */
