/* tests/test.h — the project's tiny unit-test harness.
 *
 * A test file defines functions `static void test_x(void)` and lists them in
 * main() with TEST_RUN(test_x). CHECK* macros record a failure (file, line,
 * what was expected) and carry on; the process exits non-zero when any check
 * failed, and prints "N passed, N failed" for CI.
 *
 *   static void test_add(void) { CHECK_EQ_INT(2 + 2, 4); }
 *   int main(void) { TEST_RUN(test_add); return TEST_DONE(); }
 */
#ifndef CGRPC_TESTS_TEST_H
#define CGRPC_TESTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_checks_failed_;
static int test_current_failed_;
static int tests_passed_;
static int tests_failed_;

#define TEST_FAIL_(...)                                         \
  do {                                                          \
    fprintf(stderr, "  FAIL %s:%d: ", __FILE__, __LINE__);      \
    fprintf(stderr, __VA_ARGS__);                               \
    fputc('\n', stderr);                                        \
    test_checks_failed_++;                                      \
    test_current_failed_ = 1;                                   \
  } while (0)

#define CHECK(cond)                                      \
  do {                                                   \
    if (!(cond)) TEST_FAIL_("expected %s", #cond);       \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                         \
  do {                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                            \
    if (a_ != b_) TEST_FAIL_("%s == %s: got %lld, want %lld", #a, #b, a_, b_);     \
  } while (0)

#define CHECK_EQ_UINT(a, b)                                                                \
  do {                                                                                     \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);         \
    if (a_ != b_) TEST_FAIL_("%s == %s: got %llu, want %llu", #a, #b, a_, b_);             \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
  do {                                                                         \
    const char *a_ = (a), *b_ = (b);                                           \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                     \
      TEST_FAIL_("%s == %s: got \"%s\", want \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                 b_ ? b_ : "(null)");                                          \
  } while (0)

/* Compares two byte ranges; prints the first differing offset. */
#define CHECK_EQ_MEM(a, alen, b, blen)                                                    \
  do {                                                                                    \
    const unsigned char *a_ = (const unsigned char *)(a), *b_ = (const unsigned char *)(b); \
    size_t al_ = (size_t)(alen), bl_ = (size_t)(blen), i_ = 0;                             \
    while (i_ < al_ && i_ < bl_ && a_[i_] == b_[i_]) i_++;                                \
    if (al_ != bl_ || i_ != al_)                                                          \
      TEST_FAIL_("%s vs %s: lengths %zu/%zu, first difference at byte %zu", #a, #b, al_, bl_, i_); \
  } while (0)

#define TEST_RUN(fn)                                            \
  do {                                                          \
    test_current_failed_ = 0;                                   \
    fn();                                                       \
    if (test_current_failed_) {                                 \
      tests_failed_++;                                          \
      fprintf(stderr, "not ok %s\n", #fn);                      \
    } else {                                                    \
      tests_passed_++;                                          \
      fprintf(stderr, "ok %s\n", #fn);                          \
    }                                                           \
  } while (0)

#define TEST_DONE() \
  (fprintf(stderr, "%d passed, %d failed\n", tests_passed_, tests_failed_), tests_failed_ ? 1 : 0)

#endif /* CGRPC_TESTS_TEST_H */
