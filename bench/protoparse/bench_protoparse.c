/* bench_protoparse — cgrpc's .proto parser on a set of files, for
 * bench/protoparse/run.sh, which compares it with `protoc -o /dev/null`.
 *
 *   bench_protoparse once OUT -I DIR FILE...       parse once, write the
 *       descriptor set (with imports) to OUT: the whole-process measurement
 *   bench_protoparse time ROUNDS PASSES -I DIR FILE...   in-process: each
 *       pass parses every file with a new parser (nothing cached); prints
 *       the median wall and CPU microseconds per pass over ROUNDS rounds
 *   bench_protoparse spawn ROUNDS -I DIR FILE...   whole processes,
 *       interleaved: `protoc -I DIR -o /dev/null FILE...` and this program's
 *       `once /dev/null ...`; prints the median wall and CPU (user + system,
 *       from wait4) microseconds of each and the ratios. CPU time is the
 *       figure that survives a loaded machine; wall time includes waiting
 *       for a core.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgrpc/proto_parser.h"

static const char *include_dir_;
static const char *const *files_;
static size_t file_count_;

static int pass(const char *out_path) {
  cgrpc_proto_parser_t *parser;
  cgrpc_error_t err;
  if (cgrpc_proto_parser_new(NULL, &parser, &err) != CGRPC_STATUS_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  cgrpc_proto_parser_add_import_path(parser, include_dir_, NULL);
  uint8_t *set;
  size_t len;
  int rc = 0;
  if (cgrpc_proto_parser_descriptor_set(parser, files_, file_count_, &set, &len, &err) !=
      CGRPC_STATUS_OK) {
    fprintf(stderr, "%s\n", err.message);
    rc = 1;
  } else {
    if (out_path) {
      FILE *f = fopen(out_path, "wb");
      if (!f || fwrite(set, 1, len, f) != len || fclose(f) != 0) rc = 1;
    }
    free(set);
  }
  cgrpc_proto_parser_free(parser);
  return rc;
}

static double clock_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}
static double now_us(void) { return clock_us(CLOCK_MONOTONIC); }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int usage(void) {
  fprintf(stderr, "usage: bench_protoparse once OUT -I DIR FILE...\n"
                  "       bench_protoparse time ROUNDS PASSES -I DIR FILE...\n"
                  "       bench_protoparse spawn ROUNDS -I DIR FILE...\n");
  return 2;
}

/* Runs argv to completion; wall and CPU microseconds. */
static int run_process(char **argv, double *wall_us, double *cpu_us) {
  double start = now_us();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) return -1;
  *wall_us = now_us() - start;
  *cpu_us = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
            (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static int spawn(int rounds) {
  size_t n = file_count_;
  char **protoc = calloc(n + 5, sizeof *protoc);
  char **ours = calloc(n + 6, sizeof *ours);
  double *pw = calloc((size_t)rounds, sizeof(double)), *pc = calloc((size_t)rounds, sizeof(double));
  double *ow = calloc((size_t)rounds, sizeof(double)), *oc = calloc((size_t)rounds, sizeof(double));
  if (!protoc || !ours || !pw || !pc || !ow || !oc) return 1;
  protoc[0] = "protoc";
  protoc[1] = "-I";
  protoc[2] = (char *)include_dir_;
  protoc[3] = "-o/dev/null";
  ours[0] = "/proc/self/exe";
  ours[1] = "once";
  ours[2] = "/dev/null";
  ours[3] = "-I";
  ours[4] = (char *)include_dir_;
  for (size_t i = 0; i < n; i++) protoc[4 + i] = ours[5 + i] = (char *)files_[i];
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return 1;
  self[len] = '\0';
  ours[0] = self;
  for (int r = 0; r < rounds; r++) {
    if (run_process(protoc, &pw[r], &pc[r]) != 0 || run_process(ours, &ow[r], &oc[r]) != 0) {
      fprintf(stderr, "bench_protoparse: a process failed\n");
      return 1;
    }
  }
  double mpw = median(pw, rounds), mpc = median(pc, rounds);
  double mow = median(ow, rounds), moc = median(oc, rounds);
  printf("whole process, median of %d: protoc wall %.0f us, CPU %.0f us; cgrpc wall %.0f us, CPU "
         "%.0f us; cgrpc faster by %.1fx (wall), %.1fx (CPU)\n",
         rounds, mpw, mpc, mow, moc, mpw / mow, mpc / (moc > 0 ? moc : 1));
  free(protoc);
  free(ours);
  free(pw);
  free(pc);
  free(ow);
  free(oc);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  bool timing = strcmp(argv[1], "time") == 0, spawning = strcmp(argv[1], "spawn") == 0;
  if (!timing && !spawning && strcmp(argv[1], "once") != 0) return usage();
  int first = timing ? 4 : 3;
  if (argc < first + 3 || strcmp(argv[first], "-I") != 0) return usage();
  include_dir_ = argv[first + 1];
  files_ = (const char *const *)argv + first + 2;
  file_count_ = (size_t)(argc - first - 2);
  if (spawning) {
    int rounds = atoi(argv[2]);
    return rounds < 1 || rounds > 10000 ? usage() : spawn(rounds);
  }
  if (!timing) return pass(argv[2]);

  int rounds = atoi(argv[2]), passes = atoi(argv[3]);
  if (rounds < 1 || rounds > 1000 || passes < 1) return usage();
  if (pass(NULL) != 0) return 1; /* warm the page cache, check it parses */
  double *samples = calloc((size_t)rounds, sizeof *samples);
  double *cpu = calloc((size_t)rounds, sizeof *cpu);
  if (!samples || !cpu) return 1;
  for (int r = 0; r < rounds; r++) {
    double start = now_us(), cpu_start = clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (int p = 0; p < passes; p++)
      if (pass(NULL) != 0) return 1;
    samples[r] = (now_us() - start) / passes;
    cpu[r] = (clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu_start) / passes;
  }
  qsort(samples, (size_t)rounds, sizeof *samples, cmp_double);
  qsort(cpu, (size_t)rounds, sizeof *cpu, cmp_double);
  printf("in-process: %zu files parsed (with their imports) in %.1f us per pass, CPU %.1f us "
         "(median of %d rounds of %d passes)\n",
         file_count_, samples[rounds / 2], cpu[rounds / 2], rounds, passes);
  free(cpu);
  free(samples);
  return 0;
}
