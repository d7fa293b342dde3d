/* Logging: the default line on stderr, handlers, levels, long messages,
 * and messages from many threads at once. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "base/log.h"
#include "test.h"

typedef struct captured {
  int count;
  cgrpc_log_level_t level;
  char message[CGRPC_LOG_MESSAGE_MAX + 16];
} captured_t;

static void capture(void *user_data, cgrpc_log_level_t level, const char *message) {
  captured_t *c = user_data;
  c->count++;
  c->level = level;
  snprintf(c->message, sizeof c->message, "%s", message);
}

/* Runs cgrpc_log() with stderr sent to a file; returns what was written. */
static void stderr_of_log(cgrpc_log_level_t level, const char *text, char *out, size_t size) {
  FILE *tmp = tmpfile();
  CHECK(tmp != NULL);
  if (!tmp) return;
  fflush(stderr);
  int saved = dup(fileno(stderr));
  dup2(fileno(tmp), fileno(stderr));
  cgrpc_log(level, "%s", text);
  fflush(stderr);
  dup2(saved, fileno(stderr));
  close(saved);
  rewind(tmp);
  size_t n = fread(out, 1, size - 1, tmp);
  out[n] = '\0';
  fclose(tmp);
}

static void test_default_handler_writes_one_line_to_stderr(void) {
  char out[256];
  stderr_of_log(CGRPC_LOG_WARNING, "disk almost full", out, sizeof out);
  CHECK_EQ_STR(out, "cgrpc: WARNING: disk almost full\n");
  stderr_of_log(CGRPC_LOG_ERROR, "broken", out, sizeof out);
  CHECK_EQ_STR(out, "cgrpc: ERROR: broken\n");
  /* INFO and DEBUG are off by default. */
  stderr_of_log(CGRPC_LOG_INFO, "hello", out, sizeof out);
  CHECK_EQ_STR(out, "");
}

static void test_handler_receives_formatted_messages(void) {
  captured_t c = {0};
  cgrpc_log_set_handler(capture, &c);
  cgrpc_log(CGRPC_LOG_ERROR, "method %s failed %d times", "/a.B/C", 3);
  CHECK_EQ_INT(c.count, 1);
  CHECK_EQ_INT(c.level, CGRPC_LOG_ERROR);
  CHECK_EQ_STR(c.message, "method /a.B/C failed 3 times");
  /* NULL restores stderr: the old handler sees nothing more. */
  cgrpc_log_set_handler(NULL, NULL);
  char out[128];
  stderr_of_log(CGRPC_LOG_WARNING, "back", out, sizeof out);
  CHECK_EQ_STR(out, "cgrpc: WARNING: back\n");
  CHECK_EQ_INT(c.count, 1);
}

static void test_level_filters_before_formatting(void) {
  captured_t c = {0};
  cgrpc_log_set_handler(capture, &c);
  CHECK(cgrpc_log_enabled(CGRPC_LOG_WARNING));
  CHECK(!cgrpc_log_enabled(CGRPC_LOG_INFO));
  cgrpc_log(CGRPC_LOG_DEBUG, "dropped");
  CHECK_EQ_INT(c.count, 0);
  cgrpc_log_set_level(CGRPC_LOG_DEBUG);
  cgrpc_log(CGRPC_LOG_DEBUG, "kept");
  CHECK_EQ_INT(c.count, 1);
  CHECK_EQ_INT(c.level, CGRPC_LOG_DEBUG);
  cgrpc_log_set_level(CGRPC_LOG_ERROR);
  cgrpc_log(CGRPC_LOG_WARNING, "dropped");
  cgrpc_log(CGRPC_LOG_ERROR, "kept");
  CHECK_EQ_INT(c.count, 2);
  cgrpc_log_set_level(CGRPC_LOG_WARNING);
  cgrpc_log_set_handler(NULL, NULL);
}

static void test_long_messages_are_cut_with_an_ellipsis(void) {
  captured_t c = {0};
  static char big[CGRPC_LOG_MESSAGE_MAX * 2];
  memset(big, 'x', sizeof big - 1);
  cgrpc_log_set_handler(capture, &c);
  cgrpc_log(CGRPC_LOG_ERROR, "%s", big);
  cgrpc_log_set_handler(NULL, NULL);
  size_t len = strlen(c.message);
  CHECK_EQ_UINT(len, CGRPC_LOG_MESSAGE_MAX - 1);
  CHECK_EQ_STR(c.message + len - 3, "...");
}

static void test_level_names(void) {
  CHECK_EQ_STR(cgrpc_log_level_name(CGRPC_LOG_ERROR), "ERROR");
  CHECK_EQ_STR(cgrpc_log_level_name(CGRPC_LOG_WARNING), "WARNING");
  CHECK_EQ_STR(cgrpc_log_level_name(CGRPC_LOG_INFO), "INFO");
  CHECK_EQ_STR(cgrpc_log_level_name(CGRPC_LOG_DEBUG), "DEBUG");
  CHECK_EQ_STR(cgrpc_log_level_name((cgrpc_log_level_t)9), "UNKNOWN");
}

/* The handler runs one message at a time: a plain counter stays exact. */
static void count(void *user_data, cgrpc_log_level_t level, const char *message) {
  (*(int *)user_data)++;
}

static void *log_many(void *arg) {
  for (int i = 0; i < 1000; i++) cgrpc_log(CGRPC_LOG_WARNING, "thread message %d", i);
  return NULL;
}

static void test_many_threads_log_one_message_at_a_time(void) {
  int n = 0;
  cgrpc_log_set_handler(count, &n);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, log_many, NULL);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  cgrpc_log_set_handler(NULL, NULL);
  CHECK_EQ_INT(n, 4000);
}

/* A handler that causes a message (as one calling into cgrpc might) does
 * not wait for itself: that message goes to stderr. */
static void reentrant(void *user_data, cgrpc_log_level_t level, const char *message) {
  (*(int *)user_data)++;
  cgrpc_log(CGRPC_LOG_WARNING, "from inside the handler");
}

static void test_a_message_from_inside_the_handler_goes_to_stderr(void) {
  int n = 0;
  cgrpc_log_set_handler(reentrant, &n);
  char out[256];
  stderr_of_log(CGRPC_LOG_ERROR, "outer", out, sizeof out);
  cgrpc_log_set_handler(NULL, NULL);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_STR(out, "cgrpc: WARNING: from inside the handler\n");
}

int main(void) {
  TEST_RUN(test_default_handler_writes_one_line_to_stderr);
  TEST_RUN(test_handler_receives_formatted_messages);
  TEST_RUN(test_level_filters_before_formatting);
  TEST_RUN(test_long_messages_are_cut_with_an_ellipsis);
  TEST_RUN(test_level_names);
  TEST_RUN(test_many_threads_log_one_message_at_a_time);
  TEST_RUN(test_a_message_from_inside_the_handler_goes_to_stderr);
  return TEST_DONE();
}
