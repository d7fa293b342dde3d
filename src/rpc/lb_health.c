/* rpc/lb_health.c — client-side health checking (gRFC A17). */
#include "rpc/channel_internal.h"

void lb_health_start(lb_sub_t *s) {
  if (s->health == LB_HEALTH_OFF) return;
  s->health = LB_HEALTH_SERVING;
}

void lb_health_stop(lb_sub_t *s) {
  if (s->health == LB_HEALTH_OFF) return;
  s->health = LB_HEALTH_UNKNOWN;
}
