/* rpc/lb_policy.c — the load-balancing policies and the channel state that
 * follows from their subchannels.
 *
 *   pick_first     connects to one address at a time, in list order
 *                  (shuffled per list with gRFC A62's shuffleAddressList),
 *                  and sends every call to the first that is READY. After
 *                  losing it the channel goes IDLE until a call comes.
 *   round_robin    keeps a connection to every address and sends each call
 *                  to the next READY one in turn; a lost connection is
 *                  made again at once (within its backoff).
 *   least_request  connects like round_robin; each call goes to the one of
 *                  two randomly chosen READY subchannels that has fewer
 *                  calls outstanding (power of two choices). The name is
 *                  Envoy's and gRPC's (gRFC A48) for this policy.
 *
 * The channel's state aggregates the subchannels' (as gRPC's round_robin
 * does): READY if one is, else CONNECTING if one is, else IDLE when the
 * policy is not connecting, else TRANSIENT_FAILURE. With health checking a
 * READY subchannel counts as CONNECTING until its Watch answers and as
 * TRANSIENT_FAILURE while not SERVING.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json_tree.h"
#include "base/log.h"
#include "rpc/channel_internal.h"

double lb_rand_unit(cgrpc_channel_t *ch) { return cgrpc_channel_random(ch); }

double cgrpc_channel_random(cgrpc_channel_t *ch) {
  ch->rng ^= ch->rng << 13;
  ch->rng ^= ch->rng >> 7;
  ch->rng ^= ch->rng << 17;
  return (double)(ch->rng >> 11) / (double)(UINT64_C(1) << 53);
}

static size_t rand_below(cgrpc_channel_t *ch, size_t n) {
  size_t i = (size_t)(lb_rand_unit(ch) * (double)n);
  return i < n ? i : n - 1;
}

int lb_policy_parse(const char *name, lb_policy_kind_t *out) {
  if (!name || strcmp(name, "pick_first") == 0) {
    *out = LB_PICK_FIRST;
  } else if (strcmp(name, "round_robin") == 0) {
    *out = LB_ROUND_ROBIN;
  } else if (strcmp(name, "least_request") == 0) {
    *out = LB_LEAST_REQUEST;
  } else {
    return -1;
  }
  return 0;
}

const char *lb_policy_name(lb_policy_kind_t kind) {
  switch (kind) {
    case LB_ROUND_ROBIN:
      return "round_robin";
    case LB_LEAST_REQUEST:
      return "least_request";
    default:
      return "pick_first";
  }
}

/* pick_first's config: {"shuffleAddressList": true}. */
static bool shuffle_of(const char *config_json, size_t len) {
  char room[512];
  cgrpc_arena_t arena;
  cgrpc_arena_init(&arena, room, sizeof room);
  const cgrpc_json_tree_t *root = NULL;
  bool on = false;
  if (cgrpc_json_tree_parse(config_json, len, 8, &arena, &root, NULL) == CGRPC_STATUS_OK) {
    const cgrpc_json_tree_t *v = cgrpc_json_tree_get(root, "shuffleAddressList");
    on = v && v->kind == CGRPC_JSON_TREE_BOOL && v->boolean;
  }
  cgrpc_arena_free(&arena);
  return on;
}

void lb_apply_config(cgrpc_channel_t *ch) {
  lb_state_t *lb = &ch->lb;
  const cgrpc_service_config_t *sc = ch->config;
  lb_policy_kind_t kind = lb->option_policy;
  bool shuffle = lb->option_shuffle;
  bool chosen = false;
  /* loadBalancingConfig: the first policy this library has wins (gRPC's
   * rule); then the deprecated loadBalancingPolicy, in any case. */
  for (size_t i = 0; sc && i < sc->lb_config_count && !chosen; i++) {
    const cgrpc_sc_lb_config_t *c = &sc->lb_configs[i];
    chosen = lb_policy_parse(c->policy, &kind) == 0;
    if (chosen && kind == LB_PICK_FIRST) shuffle = shuffle_of(c->config_json, c->config_len);
  }
  if (sc && !chosen && sc->lb_policy) {
    char lower[32];
    size_t n = 0;
    for (; sc->lb_policy[n] && n < sizeof lower - 1; n++) {
      char c = sc->lb_policy[n];
      lower[n] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    lower[n] = '\0';
    chosen = lb_policy_parse(lower, &kind) == 0;
    if (!chosen) {
      cgrpc_log(CGRPC_LOG_WARNING, "%s: loadBalancingPolicy \"%s\" is not known: %s is used",
                ch->authority, sc->lb_policy, lb_policy_name(lb->option_policy));
      kind = lb->option_policy;
    }
  }
  lb->policy = kind;
  lb->shuffle = shuffle;
  if (sc && sc->health_check_service) {
    lb->health_check = true;
    snprintf(lb->health_service, sizeof lb->health_service, "%s", sc->health_check_service);
  } else {
    lb->health_check = lb->option_health_check;
    memcpy(lb->health_service, lb->option_health_service, sizeof lb->health_service);
  }
}

/* ---- Connecting ------------------------------------------------------------------- */

static void policy_connect(cgrpc_channel_t *ch) {
  lb_state_t *lb = &ch->lb;
  if (!lb->active || ch->state == CH_SHUTDOWN) return;
  if (lb->policy == LB_PICK_FIRST) {
    for (size_t i = 0; i < lb->count; i++) {
      cgrpc_connectivity_state_t st = lb->subs[i]->state;
      if (st == CGRPC_CHANNEL_READY || st == CGRPC_CHANNEL_CONNECTING) return;
    }
    for (size_t i = 0; i < lb->count; i++) {
      if (lb->subs[i]->state == CGRPC_CHANNEL_IDLE) {
        lb_sub_connect(lb->subs[i]);
        return;
      }
    }
    return;
  }
  /* A failed attempt made synchronously (out of memory) re-enters through
   * lb_on_sub_change; the index keeps this loop safe, the count rechecked. */
  for (size_t i = 0; i < lb->count; i++) {
    if (lb->subs[i]->state == CGRPC_CHANNEL_IDLE) lb_sub_connect(lb->subs[i]);
  }
}

void lb_exit_idle(cgrpc_channel_t *ch) {
  if (ch->state == CH_SHUTDOWN || ch->state == CH_FAILED) return;
  ch->lb.active = true;
  if (!ch->res.started) cgrpc_resolver_start(ch);
  policy_connect(ch);
  lb_refresh(ch);
}

static bool same_address(const cgrpc_address_t *a, const cgrpc_address_t *b) {
  return a->len == b->len && memcmp(&a->u, &b->u, a->len) == 0;
}

static lb_sub_t *find_sub(lb_sub_t **subs, size_t n, const cgrpc_address_t *addr) {
  for (size_t i = 0; i < n; i++) {
    if (same_address(&subs[i]->addr, addr)) return subs[i];
  }
  return NULL;
}

bool lb_update(cgrpc_channel_t *ch, const cgrpc_address_list_t *addrs) {
  lb_state_t *lb = &ch->lb;
  lb_sub_t **next = addrs->count ? cgrpc_malloc(addrs->count * sizeof *next) : NULL;
  if (addrs->count && !next) {
    snprintf(ch->last_error, sizeof ch->last_error, "out of memory for the address list");
    return false; /* keep the old list */
  }
  for (size_t i = 0; i < lb->count; i++) lb->subs[i]->listed = false;
  size_t n = 0;
  bool ok = true;
  for (size_t i = 0; i < addrs->count && ok; i++) {
    const cgrpc_address_t *addr = &addrs->items[i];
    if (find_sub(next, n, addr)) continue; /* listed twice: one subchannel */
    lb_sub_t *s = find_sub(lb->subs, lb->count, addr);
    if (!s) s = lb_sub_new(ch, addr);
    if (!s) {
      ok = false;
      break;
    }
    s->listed = true;
    next[n++] = s;
  }
  if (!ok) {
    /* Out of memory: undo the new subchannels, keep the old list. */
    for (size_t i = 0; i < n; i++) {
      if (!find_sub(lb->subs, lb->count, &next[i]->addr)) lb_sub_free(next[i]);
    }
    for (size_t i = 0; i < lb->count; i++) lb->subs[i]->listed = true;
    cgrpc_free(next);
    snprintf(ch->last_error, sizeof ch->last_error, "out of memory for the address list");
    return false;
  }
  for (size_t i = 0; i < lb->count; i++) {
    if (!lb->subs[i]->listed) lb_sub_free(lb->subs[i]);
  }
  if (lb->policy == LB_PICK_FIRST && lb->shuffle) {
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
      size_t j = rand_below(ch, i);
      lb_sub_t *t = next[i - 1];
      next[i - 1] = next[j];
      next[j] = t;
    }
  }
  cgrpc_free(lb->subs);
  lb->subs = next;
  lb->count = n;
  lb->rr_next = n ? rand_below(ch, n) : 0; /* gRPC starts round_robin at random too */
  if (n == 0) snprintf(ch->last_error, sizeof ch->last_error, "the resolver returned no addresses");
  policy_connect(ch);
  lb_refresh(ch);
  return true;
}

void lb_kick(cgrpc_channel_t *ch) {
  if (ch->state == CH_SHUTDOWN || ch->state == CH_FAILED) return;
  cgrpc_resolver_kick(ch);
  policy_connect(ch);
  lb_refresh(ch);
}

void lb_on_sub_change(cgrpc_channel_t *ch, lb_sub_t *s, cgrpc_connectivity_state_t old) {
  if (ch->state == CH_SHUTDOWN) return;
  if (ch->lb.policy == LB_PICK_FIRST && old == CGRPC_CHANNEL_READY &&
      s->state == CGRPC_CHANNEL_IDLE) {
    /* pick_first lost its connection: IDLE until a call needs one. */
    ch->lb.active = ch->waiting_head != NULL;
  }
  policy_connect(ch);
  lb_refresh(ch);
}

void lb_clear(cgrpc_channel_t *ch) {
  for (size_t i = 0; i < ch->lb.count; i++) lb_sub_free(ch->lb.subs[i]);
  cgrpc_free(ch->lb.subs);
  ch->lb.subs = NULL;
  ch->lb.count = 0;
}

/* ---- Picking ---------------------------------------------------------------------- */

static lb_sub_t *random_pickable(cgrpc_channel_t *ch) {
  lb_state_t *lb = &ch->lb;
  size_t start = rand_below(ch, lb->count);
  for (size_t i = 0; i < lb->count; i++) {
    size_t idx = start + i < lb->count ? start + i : start + i - lb->count;
    if (lb_sub_pickable(lb->subs[idx])) return lb->subs[idx];
  }
  return NULL;
}

lb_sub_t *lb_pick(cgrpc_channel_t *ch) {
  lb_state_t *lb = &ch->lb;
  size_t n = lb->count;
  if (n == 0) return NULL;
  switch (lb->policy) {
    case LB_ROUND_ROBIN:
      for (size_t i = 0; i < n; i++) {
        size_t idx = lb->rr_next + i < n ? lb->rr_next + i : lb->rr_next + i - n;
        if (lb_sub_pickable(lb->subs[idx])) {
          lb->rr_next = idx + 1 < n ? idx + 1 : 0;
          return lb->subs[idx];
        }
      }
      return NULL;
    case LB_LEAST_REQUEST: {
      lb_sub_t *a = random_pickable(ch);
      if (!a) return NULL;
      lb_sub_t *b = random_pickable(ch);
      return b && b->outstanding < a->outstanding ? b : a;
    }
    default:
      for (size_t i = 0; i < n; i++) {
        if (lb_sub_pickable(lb->subs[i])) return lb->subs[i];
      }
      return NULL;
  }
}

/* ---- The channel's state ------------------------------------------------------------ */

static channel_state_t aggregate(cgrpc_channel_t *ch) {
  lb_state_t *lb = &ch->lb;
  bool any_connecting = false, any_idle = false;
  for (size_t i = 0; i < lb->count; i++) {
    cgrpc_connectivity_state_t st = lb_sub_lb_state(lb->subs[i]);
    if (st == CGRPC_CHANNEL_READY) return CH_READY;
    any_connecting |= st == CGRPC_CHANNEL_CONNECTING;
    any_idle |= st == CGRPC_CHANNEL_IDLE;
  }
  if (any_connecting) return CH_CONNECTING;
  if (!lb->active) return CH_IDLE;
  if (!ch->res.have_result) return ch->res.failing ? CH_TRANSIENT_FAILURE : CH_CONNECTING;
  if (any_idle) return CH_CONNECTING;
  return CH_TRANSIENT_FAILURE;
}

static void fail_message(cgrpc_channel_t *ch, char *buf, size_t size) {
  snprintf(buf, size, "failed to connect to %s: %s", ch->authority, ch->last_error);
}

/* Ending a call takes it off the list and can run callbacks that start
 * calls (which fail at once or join the list): look from the start. */
static void fail_waiting(cgrpc_channel_t *ch) {
  char msg[CGRPC_TARGET_HOST_MAX + 448];
  fail_message(ch, msg, sizeof msg);
  for (;;) {
    cgrpc_call_t *call = ch->waiting_head;
    while (call && call->wait_for_ready) call = call->wait_next;
    if (!call) break;
    cgrpc_call_end(call, CGRPC_STATUS_UNAVAILABLE, msg);
  }
}

static void start_waiting(cgrpc_channel_t *ch) {
  while (ch->waiting_head && ch->state == CH_READY) {
    lb_sub_t *s = lb_pick(ch);
    if (!s) break;
    cgrpc_call_attach(ch->waiting_head, s->conn); /* it leaves the list */
  }
}

void lb_refresh(cgrpc_channel_t *ch) {
  if (ch->state == CH_SHUTDOWN || ch->state == CH_FAILED) return;
  cgrpc_channel_set_state(ch, aggregate(ch));
  if (ch->state == CH_READY) {
    start_waiting(ch);
  } else if (ch->state == CH_TRANSIENT_FAILURE) {
    fail_waiting(ch);
  }
}

void cgrpc_channel_fail_message(cgrpc_channel_t *ch, char *buf, size_t size) {
  fail_message(ch, buf, size);
}
