/* rpc/interceptor_logging.c — the ready-made logging interceptor: one
 * structured line per call, from on_end alone, so it keeps no state. */
#include "base/log.h"
#include "rpc/interceptor_internal.h"

static void log_call(cgrpc_interceptor_call_t *call, const cgrpc_call_summary_t *s,
                     void *user_data) {
  (void)user_data;
  cgrpc_log_level_t level = s->code == CGRPC_STATUS_OK ? CGRPC_LOG_INFO : CGRPC_LOG_WARNING;
  if (!cgrpc_log_enabled(level)) return;
  int64_t us = (s->end_ns - s->start_ns) / 1000;
  cgrpc_log(level,
            "%s call %s peer=%s status=%s duration_us=%lld bytes_in=%llu bytes_out=%llu "
            "message=\"%.*s\"",
            cgrpc_interceptor_call_is_client(call) ? "client" : "server",
            cgrpc_interceptor_call_method(call)->path, cgrpc_interceptor_call_peer(call),
            cgrpc_status_code_name(s->code), (long long)us, (unsigned long long)s->bytes_received,
            (unsigned long long)s->bytes_sent, (int)(s->message.len > 200 ? 200 : s->message.len),
            s->message.data);
}

static const cgrpc_interceptor_t kLogging = {.name = "logging", .on_end = log_call};

const cgrpc_interceptor_t *cgrpc_logging_interceptor(void) { return &kLogging; }
