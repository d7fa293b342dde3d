/* rpc/client_retry.c — what the service config does to a client call, and
 * the retry decisions of gRFC A6.
 *
 * A call looks up its method config once, on the loop, as it starts: the
 * timeout shortens its deadline (the earlier of the two wins), waitForReady
 * applies unless the call asked for it itself, the message size limits
 * lower the channel's, and a retry policy makes the call keep its sent
 * messages (as the transparent retry already does) until it commits.
 *
 * After a failed attempt of an uncommitted call, the next one waits a
 * random time in [0, backoff), where backoff starts at initialBackoff and
 * grows by backoffMultiplier up to maxBackoff; a server's
 * grpc-retry-pushback-ms replaces that wait (and resets the backoff), and a
 * negative or unreadable pushback ends the retries. Retry throttling is a
 * token bucket per channel: each failed attempt takes a token, each other
 * outcome gives back tokenRatio; at or below half the bucket no retry is
 * made.
 */
#include <string.h>

#include "base/time.h"
#include "rpc/channel_internal.h"

/* The method config of `method` in the channel's config, from the cache
 * when it was looked up before. */
static const cgrpc_sc_method_config_t *method_config(cgrpc_channel_t *ch,
                                                     const cgrpc_pb_method_t *method) {
  size_t slot = ((uintptr_t)method >> 4) % (sizeof ch->mc_cache / sizeof ch->mc_cache[0]);
  if (ch->mc_cache[slot].method == method && ch->mc_cache[slot].path == method->path) {
    return ch->mc_cache[slot].mc;
  }
  const cgrpc_sc_method_config_t *mc = cgrpc_service_config_lookup(ch->config, method->path);
  ch->mc_cache[slot].method = method;
  ch->mc_cache[slot].path = method->path;
  ch->mc_cache[slot].mc = mc;
  return mc;
}

void cgrpc_call_apply_config(cgrpc_call_t *call) {
  cgrpc_channel_t *ch = call->ch;
  const cgrpc_sc_method_config_t *mc = method_config(ch, call->method);
  if (!mc) return;
  if (mc->has_timeout) {
    int64_t deadline = cgrpc_time_add(cgrpc_loop_now(ch->loop), mc->timeout_ns);
    if (deadline < call->deadline) call->deadline = deadline;
  }
  if (mc->has_wait_for_ready && !call->wait_for_ready) call->wait_for_ready = mc->wait_for_ready;
  if (mc->has_max_request_bytes) call->max_send = mc->max_request_bytes;
  if (mc->has_max_response_bytes) call->io.max_recv = mc->max_response_bytes;
  if (mc->hedging && call->io.expect_one) {
    call->config = cgrpc_service_config_ref(ch->config);
    call->hedging = mc->hedging;
  }
  if (mc->retry) {
    call->config = cgrpc_service_config_ref(ch->config);
    call->policy = mc->retry;
    call->backoff_ns = mc->retry->initial_backoff_ns;
  }
}

/* ---- Throttling ---------------------------------------------------------------------- */

void cgrpc_channel_throttle_setup(cgrpc_channel_t *ch) {
  const cgrpc_service_config_t *sc = ch->config;
  uint32_t max = sc ? sc->max_milli_tokens : 0;
  uint32_t ratio = sc ? sc->token_ratio_milli : 0;
  if (max == ch->throttle_max && ratio == ch->throttle_ratio) return;
  /* A new bucket keeps the fill ratio of the old one (as gRPC does). */
  int64_t tokens = max;
  if (ch->throttle_max) tokens = ch->throttle_tokens * (int64_t)max / (int64_t)ch->throttle_max;
  ch->throttle_max = max;
  ch->throttle_ratio = ratio;
  ch->throttle_tokens = tokens;
}

static void throttle_failure(cgrpc_channel_t *ch) {
  if (!ch->throttle_max) return;
  ch->throttle_tokens = ch->throttle_tokens > 1000 ? ch->throttle_tokens - 1000 : 0;
}

static void throttle_success(cgrpc_channel_t *ch) {
  if (!ch->throttle_max) return;
  ch->throttle_tokens += ch->throttle_ratio;
  if (ch->throttle_tokens > ch->throttle_max) ch->throttle_tokens = ch->throttle_max;
}

bool cgrpc_retry_throttled(cgrpc_channel_t *ch, int outcome) {
  if (outcome < 0) throttle_failure(ch);
  if (outcome > 0) throttle_success(ch);
  return ch->throttle_max && ch->throttle_tokens <= ch->throttle_max / 2;
}

static bool throttled(const cgrpc_channel_t *ch) {
  return ch->throttle_max && ch->throttle_tokens <= ch->throttle_max / 2;
}

void cgrpc_retry_on_end(cgrpc_call_t *call, cgrpc_status_code_t code) {
  if (call->policy && !(call->policy->retryable_codes & CGRPC_SC_CODE(code))) {
    throttle_success(call->ch);
  }
}

/* ---- Pushback ------------------------------------------------------------------------ */

typedef enum { PUSHBACK_NONE, PUSHBACK_DELAY, PUSHBACK_STOP } pushback_t;

/* The server's grpc-retry-pushback-ms: a delay in ms (decimal digits), or
 * anything else, which means "do not retry". */
static pushback_t read_pushback(const cgrpc_metadata_t *md, int64_t *ns) {
  static const char kKey[] = "grpc-retry-pushback-ms";
  for (size_t i = 0; md && i < md->count; i++) {
    const cgrpc_metadata_entry_t *e = &md->entries[i];
    if (e->key.len != sizeof kKey - 1 || memcmp(e->key.data, kKey, sizeof kKey - 1) != 0) continue;
    if (e->value.len == 0 || e->value.len > 10) return PUSHBACK_STOP;
    int64_t ms = 0;
    for (size_t j = 0; j < e->value.len; j++) {
      char c = e->value.data[j];
      if (c < '0' || c > '9') return PUSHBACK_STOP;
      ms = ms * 10 + (c - '0');
    }
    *ns = ms * CGRPC_NS_PER_MS;
    return PUSHBACK_DELAY;
  }
  return PUSHBACK_NONE;
}

int64_t cgrpc_retry_next_delay(cgrpc_call_t *call, cgrpc_status_code_t code) {
  const cgrpc_sc_retry_policy_t *p = call->policy;
  cgrpc_channel_t *ch = call->ch;
  call->attempts++;
  if (!(p->retryable_codes & CGRPC_SC_CODE(code))) return -1; /* cgrpc_retry_on_end counts it */
  throttle_failure(ch);
  int64_t pushback = 0;
  pushback_t pb = read_pushback(cgrpc_h2_stream_trailers(&call->stream), &pushback);
  if (pb == PUSHBACK_STOP || call->attempts >= p->max_attempts || throttled(ch)) return -1;
  if (pb == PUSHBACK_DELAY) {
    call->backoff_ns = p->initial_backoff_ns;
    return pushback;
  }
  int64_t delay = (int64_t)((double)call->backoff_ns * cgrpc_channel_random(ch));
  double next = (double)call->backoff_ns * p->backoff_multiplier;
  call->backoff_ns = next < (double)p->max_backoff_ns ? (int64_t)next : p->max_backoff_ns;
  return delay;
}
