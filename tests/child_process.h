/* tests/child_process.h — start a helper program (a scripted peer, a server)
 * from a test and stop it again; shared by the suites that need one. */
#ifndef CGRPC_TESTS_CHILD_PROCESS_H
#define CGRPC_TESTS_CHILD_PROCESS_H

#include <sys/types.h>

/* Runs argv[0] with argv (NULL-terminated), its stdout on a pipe whose read
 * end goes to *out_fd. The child is killed if the test dies, so a crashing
 * test leaves no peers behind. Returns the child's pid, or -1 (message on
 * stderr). */
pid_t test_child_spawn(const char *const argv[], int *out_fd);

/* Sends `sig` to the child and reaps it; returns its wait status. */
int test_child_reap(pid_t pid, int sig);

#endif /* CGRPC_TESTS_CHILD_PROCESS_H */
