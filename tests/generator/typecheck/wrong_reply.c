/* Must NOT compile: a Number handler replying with a request-side type of
 * another service's message. typecheck.sh builds it with and without
 * -DWRONG_TYPE and expects only the second to fail. */
#include "cgrpc_test/stubs.pb.h"

typedef struct unrelated {
  int x;
} unrelated_t;

void reply_it(cgrpc_server_call_t *call, cgrpc_call_t *client_call) {
#ifdef WRONG_TYPE
  unrelated_t wrong = {1};
  cgrpc_test_stubs_Counter_Add_reply(call, &wrong);
  cgrpc_test_stubs_Counter_Sum_send(client_call, &wrong, 0, NULL, NULL);
#else
  cgrpc_test_stubs_Number right = cgrpc_test_stubs_Number_INIT;
  cgrpc_test_stubs_Counter_Add_reply(call, &right);
  cgrpc_test_stubs_Counter_Sum_send(client_call, &right, 0, NULL, NULL);
#endif
}
