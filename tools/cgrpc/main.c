/* tools/cgrpc/main.c — the `cgrpc` command: parse the command line, run the
 * command, exit with its code (the table is in cli.h and docs/cli.md). */
#include <signal.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv) {
  /* A closed stdout (cgrpc call ... | head) ends the output, not the process. */
  signal(SIGPIPE, SIG_IGN);
  cli_args_t args;
  int rc = cli_args_parse(argc, argv, &args);
  if (rc < 0) return CLI_EXIT_OK; /* --help, --version */
  if (rc) return rc;
  if (!strcmp(args.command, "list")) return cli_cmd_list(&args);
  if (!strcmp(args.command, "describe")) return cli_cmd_describe(&args);
  if (!strcmp(args.command, "call")) return cli_cmd_call(&args);
  return cli_cmd_health(&args);
}
