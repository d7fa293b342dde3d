/* tools/cgrpc/cli_describe.h — descriptors printed back as .proto text. */
#ifndef CGRPC_TOOL_CLI_DESCRIBE_H
#define CGRPC_TOOL_CLI_DESCRIBE_H

#include <stdio.h>

#include "cli.h"

void cli_describe_service(FILE *out, const cgrpc_service_desc_t *s);
void cli_describe_method(FILE *out, const cgrpc_method_desc_t *m, int indent);
void cli_describe_message(FILE *out, const cgrpc_pool_t *pool, const cgrpc_msg_desc_t *m,
                          int indent);
void cli_describe_enum(FILE *out, const cgrpc_enum_desc_t *e, int indent);
void cli_describe_field(FILE *out, const cgrpc_field_desc_t *f, int indent);

#endif /* CGRPC_TOOL_CLI_DESCRIBE_H */
