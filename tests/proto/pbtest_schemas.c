/* pbtest_schemas.c — the list of test message tables (see the header). */
#include "pbtest_schemas.h"

#include <string.h>

const cgrpc_pb_msg_table_t *const pbtest_schemas[] = {
    &pbtest_p3_AllTypes_table,   &pbtest_p2_AllTypes2_table, &pbtest_evo_v1_Record_table,
    &pbtest_evo_v2_Record_table, &pbtest_p3_Empty_table,
};
const size_t pbtest_schema_count = sizeof pbtest_schemas / sizeof pbtest_schemas[0];

const cgrpc_pb_msg_table_t *pbtest_schema_find(const char *full_name) {
  for (size_t i = 0; i < pbtest_schema_count; i++) {
    if (strcmp(pbtest_schemas[i]->full_name, full_name) == 0) return pbtest_schemas[i];
  }
  return NULL;
}
