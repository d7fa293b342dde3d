/* rpc/lb.h — load balancing inside a channel: subchannels (one per backend
 * address, shared by every address list that names it), the policy that
 * connects them and picks one per call, connection backoff, and the
 * resolver state that feeds the policy address lists.
 *
 *   resolver.c      where addresses come from (static, dns, registered)
 *   resolver_dns.c  DNS lookups with c-ares, on the channel's worker thread
 *   subchannel.c    one backend: connect, back off, health watch, READY
 *   lb_policy.c     pick_first, round_robin, least_request; the channel's
 *                   aggregate state; starting and failing waiting calls
 *   lb_backoff.c    gRPC's connection backoff, as pure arithmetic
 *   lb_health.c     client-side health checking (gRFC A17)
 *
 * Everything here runs on the channel's loop thread.
 */
#ifndef CGRPC_SRC_RPC_LB_H
#define CGRPC_SRC_RPC_LB_H

#include <stdbool.h>
#include <stdint.h>

#include "cgrpc/connectivity.h"
#include "cgrpc/resolver.h"
#include "io/address.h"
#include "io/connect.h"
#include "io/loop.h"
#include "io/resolve.h"

struct subchannel;
struct cgrpc_channel;

/* ---- Backoff (gRPC doc/connection-backoff.md) ------------------------------------ */

typedef struct lb_backoff {
  int64_t initial, max; /* INITIAL_BACKOFF, MAX_BACKOFF */
  double multiplier;    /* 1.6 */
  double jitter;        /* 0.2 */
  int64_t current;      /* 0: no attempt yet */
} lb_backoff_t;

void lb_backoff_init(lb_backoff_t *b, int64_t initial, int64_t max);
/* After a success: the next attempt starts again from INITIAL_BACKOFF. */
void lb_backoff_reset(lb_backoff_t *b);
/* How long after the start of the attempt now starting the next one may
 * start: INITIAL_BACKOFF the first time, then the previous backoff times
 * the multiplier, capped at MAX_BACKOFF, with +-jitter. `unit` is a random
 * number in [0, 1). */
int64_t lb_backoff_next(lb_backoff_t *b, double unit);

/* ---- Subchannels ------------------------------------------------------------------ */

typedef enum lb_health {
  LB_HEALTH_OFF,         /* no health checking: a READY subchannel is usable */
  LB_HEALTH_UNKNOWN,     /* the Watch has not answered yet */
  LB_HEALTH_SERVING,     /* SERVING, or the server has no health service */
  LB_HEALTH_NOT_SERVING, /* anything else */
} lb_health_t;

typedef struct lb_sub {
  struct cgrpc_channel *ch;
  cgrpc_address_t addr;
  char name[CGRPC_ADDRESS_STRLEN];
  cgrpc_connectivity_state_t state; /* of the connection, not of health */
  struct subchannel *conn;          /* the connection being set up, or READY */
  cgrpc_connect_t connect;
  cgrpc_timer_t connect_timer;
  cgrpc_timer_t backoff_timer;
  lb_backoff_t backoff;
  int64_t next_attempt; /* when the next attempt may start (backoff) */
  uint32_t outstanding; /* calls on this subchannel's connections */
  lb_health_t health;
  struct lb_health_watch *watch; /* lb_health.c */
  cgrpc_timer_t health_timer;    /* a failed Watch starts again */
  lb_backoff_t health_backoff;
  bool listed; /* scratch: still in the new address list */
  char last_error[256];
} lb_sub_t;

lb_sub_t *lb_sub_new(struct cgrpc_channel *ch, const cgrpc_address_t *addr);
/* Starts connecting when IDLE; does nothing in any other state. */
void lb_sub_connect(lb_sub_t *s);
/* The address is gone: stops connecting, drains its connection (calls in
 * flight finish), frees the subchannel. */
void lb_sub_free(lb_sub_t *s);
/* Idle mode (channel_keepalive.c): stops connecting and lets go of the
 * connection (the caller closes it); the subchannel is IDLE, its backoff
 * reset, until the policy connects it again. */
void lb_sub_enter_idle(lb_sub_t *s);
/* Whether a call may be sent on it now. */
bool lb_sub_pickable(const lb_sub_t *s);
/* The state the policy sees: READY only when health allows it. */
cgrpc_connectivity_state_t lb_sub_lb_state(const lb_sub_t *s);

/* lb_health.c: starts or stops the Watch of a READY subchannel. */
void lb_health_init(lb_sub_t *s);
void lb_health_start(lb_sub_t *s);
void lb_health_stop(lb_sub_t *s);

/* ---- The policy ------------------------------------------------------------------- */

typedef enum lb_policy_kind {
  LB_PICK_FIRST,
  LB_ROUND_ROBIN,
  LB_LEAST_REQUEST,
} lb_policy_kind_t;

/* 0 with *out set for "pick_first", "round_robin", "least_request" (and
 * NULL: pick_first); -1 otherwise. */
int lb_policy_parse(const char *name, lb_policy_kind_t *out);
const char *lb_policy_name(lb_policy_kind_t kind);

typedef struct lb_state {
  lb_policy_kind_t policy;
  bool shuffle;    /* pick_first: gRFC A62 */
  bool active;     /* the policy connects (a call or get_state asked) */
  lb_sub_t **subs; /* in address-list order (shuffled for A62) */
  size_t count;
  size_t rr_next; /* round_robin: where the next pick starts */
  char health_service[200];
  bool health_check; /* health_service names the service to watch */
  /* The channel options' choices, used when the service config makes none. */
  lb_policy_kind_t option_policy;
  bool option_shuffle;
  bool option_health_check;
  char option_health_service[200];
} lb_state_t;

/* Takes the policy, A62's shuffleAddressList and the health-check service
 * name from the channel's service config when it names them, else from the
 * options. A new health-check setting applies to subchannels created from
 * then on. */
void lb_apply_config(struct cgrpc_channel *ch);
/* Replaces the address list: subchannels of addresses still listed stay
 * (one per distinct address), new ones are created, the others freed. */
bool lb_update(struct cgrpc_channel *ch, const cgrpc_address_list_t *addrs); /* false: no memory */
/* A call has to wait: whatever stalled for lack of memory (a resolution
 * with no timer to retry it, a subchannel idle for the same reason) starts
 * again, as "the next call connects" promises. */
void lb_kick(struct cgrpc_channel *ch);
/* The channel leaves IDLE: the policy starts connecting. */
void lb_exit_idle(struct cgrpc_channel *ch);
/* A subchannel changed state (or health): the policy reacts, the channel's
 * state follows, waiting calls start or fail. */
void lb_on_sub_change(struct cgrpc_channel *ch, lb_sub_t *s, cgrpc_connectivity_state_t old);
/* Recomputes the channel's state and serves the waiting calls. */
void lb_refresh(struct cgrpc_channel *ch);
/* The subchannel for a new call, or NULL (none usable now). */
lb_sub_t *lb_pick(struct cgrpc_channel *ch);
/* Frees every subchannel (channel shutdown). */
void lb_clear(struct cgrpc_channel *ch);
/* A random number in [0, 1) from the channel's generator. */
double lb_rand_unit(struct cgrpc_channel *ch);

/* ---- Resolvers -------------------------------------------------------------------- */

typedef struct resolver_entry resolver_entry_t; /* resolver.c: a registered scheme */

struct cgrpc_resolver_sink {
  struct cgrpc_channel *ch;
};

typedef struct resolver_state {
  bool started;        /* a first resolution was asked for */
  bool have_result;    /* an address list arrived */
  bool failing;        /* the last resolution failed (last_error says why) */
  struct dns_req *dns; /* a DNS lookup in flight */
  int64_t last_start;  /* when the last resolution started */
  cgrpc_timer_t timer; /* a re-resolution held back by the interval */
  bool timer_armed;
  lb_backoff_t backoff;           /* after failed resolutions */
  char dns_server[64];            /* dns://server:port/: the server, "" the system's */
  const resolver_entry_t *custom; /* a registered scheme, or NULL */
  void *custom_state;
  cgrpc_resolver_sink_t sink;
} resolver_state_t;

/* resolver.c */
/* Before anything else (channel creation, after the options). */
void cgrpc_resolver_init(struct cgrpc_channel *ch);
/* Whether `target` starts with a registered scheme. Any thread. */
bool cgrpc_resolver_is_custom(const char *target);
/* channel.c: a service config a resolver pushed (JSON text). */
void cgrpc_channel_apply_resolver_config(struct cgrpc_channel *ch, const char *json);
/* Sets up `ch->res` for a target of a registered scheme: true when
 * `target` has one (then *code and err tell how start() went). */
bool cgrpc_resolver_setup_custom(struct cgrpc_channel *ch, const char *target,
                                 cgrpc_status_code_t *code, cgrpc_error_t *err);
/* The first resolution (on leaving IDLE). */
void cgrpc_resolver_start(struct cgrpc_channel *ch);
/* Resolves again at once when no result arrived and nothing is pending
 * (a resolution that failed with no memory for its retry timer). */
void cgrpc_resolver_kick(struct cgrpc_channel *ch);
/* Asks for a re-resolution, at most once per min_resolution_interval_ns. */
void cgrpc_resolver_request(struct cgrpc_channel *ch);
/* Loop thread, at shutdown: cancels lookups and timers. */
void cgrpc_resolver_shutdown(struct cgrpc_channel *ch);
/* Application thread, in cgrpc_channel_free(): stops a registered resolver. */
void cgrpc_resolver_stop_custom(struct cgrpc_channel *ch);

/* resolver_dns.c: looks `host` up (A and AAAA) at `server` ("ip:port"; ""
 * or NULL: the system's servers). Blocks: a worker job. Returns 0,
 * CGRPC_IO_ENOTFOUND, CGRPC_IO_ERESOLVE, -ENOMEM; *out filled on 0. */
int cgrpc_dns_lookup(const char *server, const char *host, uint16_t port,
                     cgrpc_address_list_t *out);

#endif /* CGRPC_SRC_RPC_LB_H */
