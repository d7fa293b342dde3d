/* Starting and stopping helper programs from tests; see child_process.h. */
#define _GNU_SOURCE
#include "child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t test_child_spawn(const char *const argv[], int *out_fd) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    perror("pipe2");
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    close(out[0]);
    close(out[1]);
    return -1;
  }
  if (pid == 0) {
    /* Only async-signal-safe calls between fork and exec: the parent has
     * threads (channels, servers) whose locks the child must not touch. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(out[1]);
  *out_fd = out[0];
  return pid;
}

int test_child_reap(pid_t pid, int sig) {
  int status = 0;
  kill(pid, sig);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}
