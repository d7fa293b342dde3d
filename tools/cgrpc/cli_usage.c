/* tools/cgrpc/cli_usage.c — `cgrpc --help`, `cgrpc COMMAND --help`, and the
 * one-line complaints every mistake ends with. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char overview[] =
    "cgrpc: call gRPC servers from the command line.\n"
    "\n"
    "Usage:\n"
    "  cgrpc list ADDRESS [SERVICE]          services (or a service's methods), by reflection\n"
    "  cgrpc list --protoset FILE [SERVICE]   ... or from a descriptor set / .proto files\n"
    "  cgrpc describe ADDRESS [SYMBOL]       a service, method, message or enum, as .proto\n"
    "  cgrpc call ADDRESS METHOD [-d JSON]   call a method: JSON in, JSON out\n"
    "  cgrpc health ADDRESS [SERVICE]        grpc.health.v1 check: exit 0 only when SERVING\n"
    "\n"
    "ADDRESS is host:port, dns:///host:port, ipv4:, ipv6:, unix:/path or unix-abstract:name.\n"
    "Connections are plaintext unless --tls (or a certificate flag) is given.\n"
    "Schemas come from server reflection unless --protoset or --proto is given.\n"
    "\n"
    "Run 'cgrpc COMMAND --help' for a command's flags; docs/cli.md has examples.\n"
    "Exit codes: 0 success, 1 local failure, 2 usage, 3 not SERVING (health),\n"
    "64+N the call ended with gRPC status N (e.g. 78 UNAVAILABLE).\n";

static const char schema_flags[] =
    "Schema flags:\n"
    "  --protoset FILE      a descriptor set (protoc -o FILE --include_imports); repeatable\n"
    "  --proto FILE         a .proto file, parsed natively; repeatable\n"
    "  -I, --import-path DIR  where --proto looks for files and imports; repeatable\n";

static const char connection_flags[] =
    "Connection flags:\n"
    "  --plaintext          no TLS (the default)\n"
    "  --tls                TLS, verifying the server against the system's CAs\n"
    "  --cacert FILE        TLS, verifying the server against the CAs in FILE\n"
    "  --cert FILE --key FILE  a client certificate and its key (mutual TLS)\n"
    "  --servername NAME    the name to verify the server's certificate against (SNI)\n"
    "  --authority NAME     the :authority header\n"
    "  --connect-timeout D  give up connecting after D (e.g. 2s, 500ms)\n";

static const char call_usage[] =
    "Usage: cgrpc call [flags] ADDRESS METHOD\n"
    "\n"
    "Calls METHOD (pkg.Service/Method or pkg.Service.Method) on the server at ADDRESS.\n"
    "Unary and server-streaming methods take one request (default {}); client-streaming\n"
    "and bidirectional ones a stream of JSON requests, each response printed as it arrives.\n"
    "\n"
    "Call flags:\n"
    "  -d, --data JSON      the request(s): JSON text, @FILE, or @ for stdin\n"
    "  -H, --header 'K: V'  request metadata; repeatable (K ending in -bin: base64 value)\n"
    "  --timeout D          the call's deadline (e.g. 2s, 500ms, 1.5)\n"
    "  -v, --verbose        print response headers and trailers (to stderr)\n"
    "  --format json|text   output as JSON (default) or protobuf text format\n"
    "  --emit-defaults      JSON: print fields that hold their default value\n"
    "  --proto-names        JSON: field names as in the .proto, not lowerCamelCase\n";

static const char list_usage[] =
    "Usage: cgrpc list [flags] ADDRESS [SERVICE]\n"
    "       cgrpc list --protoset FILE | --proto FILE [SERVICE]\n"
    "\n"
    "Lists the services (without SERVICE) or the methods of SERVICE, one full name a line.\n"
    "With --protoset or --proto the schema comes from files and ADDRESS is left out.\n";

static const char describe_usage[] =
    "Usage: cgrpc describe [flags] ADDRESS [SYMBOL]\n"
    "       cgrpc describe --protoset FILE | --proto FILE [SYMBOL]\n"
    "\n"
    "Prints the definition of SYMBOL (a service, method, message, enum or field, by full\n"
    "name) as .proto text; without SYMBOL, every service.\n";

static const char health_usage[] =
    "Usage: cgrpc health [flags] ADDRESS [SERVICE]\n"
    "\n"
    "Asks grpc.health.v1.Health/Check about SERVICE (default: the whole server). Prints\n"
    "the status; exits 0 only when it is SERVING: a Kubernetes exec probe.\n"
    "Exit codes: 0 SERVING, 3 another status, 64+N the check failed with status N\n"
    "(69 NOT_FOUND: unknown service, 76 UNIMPLEMENTED: no health service, 78 UNAVAILABLE).\n"
    "\n"
    "Health flags:\n"
    "  --connect-timeout D  give up connecting after D (default 1s)\n"
    "  --rpc-timeout D      the whole check's deadline (default 1s; --timeout is the same)\n"
    "  -H, --header 'K: V'  request metadata; repeatable\n";

void cli_usage_print(const char *command) {
  if (!command) {
    fputs(overview, stdout);
    return;
  }
  if (!strcmp(command, "call")) {
    printf("%s\n%s\n%s", call_usage, schema_flags, connection_flags);
  } else if (!strcmp(command, "list")) {
    printf("%s\n%s\n%s", list_usage, schema_flags, connection_flags);
  } else if (!strcmp(command, "describe")) {
    printf("%s\n%s\n%s", describe_usage, schema_flags, connection_flags);
  } else {
    printf("%s\n%s", health_usage, connection_flags);
  }
}

int cli_usage_error(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("cgrpc: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (command)
    fprintf(stderr, "\nRun 'cgrpc %s --help' for its usage.\n", command);
  else
    fputs("\nRun 'cgrpc --help' for usage.\n", stderr);
  return CLI_EXIT_USAGE;
}

int cli_fail(int exit_code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("cgrpc: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return exit_code;
}
