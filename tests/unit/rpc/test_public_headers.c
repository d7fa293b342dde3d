/* The umbrella header compiles on its own, and the version macros agree. */
#include <stdio.h>

#include "cgrpc/cgrpc.h"
#include "test.h"

static void test_version_string_matches_components(void) {
  char expect[32];
  snprintf(expect, sizeof expect, "%d.%d.%d", CGRPC_VERSION_MAJOR, CGRPC_VERSION_MINOR,
           CGRPC_VERSION_PATCH);
  CHECK_EQ_STR(CGRPC_VERSION_STRING, expect);
}

static void test_user_agent_names_cgrpc(void) {
  CHECK_EQ_STR(CGRPC_USER_AGENT, "grpc-c-cgrpc/" CGRPC_VERSION_STRING);
}

int main(void) {
  TEST_RUN(test_version_string_matches_components);
  TEST_RUN(test_user_agent_names_cgrpc);
  return TEST_DONE();
}
