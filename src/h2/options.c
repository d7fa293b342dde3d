/* h2/options.c — a connection's options from the public option tables; see
 * h2/options.h. Only the three settings no user sees are written here. */
#include "h2/options.h"

#include <stdint.h>
#include <string.h>

/* Output produced ahead of the socket before producers pause: enough to keep
 * a fast link busy between two loop iterations. */
#define OUTPUT_HIGH_WATER (256 * 1024)

/* A byte limit in the public tables is a uint32_t whose CGRPC_UNLIMITED
 * means none; this layer counts in size_t, with SIZE_MAX for none. */
static size_t bytes(uint32_t limit) { return limit == CGRPC_UNLIMITED ? SIZE_MAX : limit; }

void cgrpc_h2_options_init(cgrpc_h2_options_t *o) {
  static const cgrpc_server_options_t kDefaults = CGRPC_SERVER_OPTIONS_INIT;
  cgrpc_h2_options_from_server(o, &kDefaults);
}

void cgrpc_h2_options_from_server(cgrpc_h2_options_t *h, const cgrpc_server_options_t *o) {
  memset(h, 0, sizeof *h);
  h->output_high_water = OUTPUT_HIGH_WATER;
  h->accept_encodings = CGRPC_COMPRESSION_SET_ALL;
  h->secure = false;
  h->max_concurrent_streams = o->max_concurrent_streams;
  h->stream_window = o->stream_window;
  h->connection_window = o->connection_window;
  h->max_header_list = o->max_header_list_size;
  h->max_recv_message = bytes(o->max_receive_message_size);
  h->max_send_message = bytes(o->max_send_message_size);
  h->compression_level = o->compression_level;
  h->max_header_fields = o->max_header_fields;
  h->handshake_timeout = o->handshake_timeout_ns;
  h->settings_timeout = o->settings_timeout_ns;
  h->keepalive_time = o->keepalive_time_ns;
  h->keepalive_timeout = o->keepalive_timeout_ns;
  h->permit_keepalive_time = o->permit_keepalive_time_ns;
  h->permit_keepalive_without_calls = o->permit_keepalive_without_calls;
  h->max_ping_strikes = o->max_ping_strikes;
  h->max_connection_idle = o->max_connection_idle_ns;
  h->max_connection_age = o->max_connection_age_ns;
  h->max_connection_age_grace = o->max_connection_age_grace_ns;
  h->max_settings_per_second = o->max_settings_per_second;
  h->max_resets_per_second = o->max_resets_per_second;
  h->max_empty_frames_per_second = o->max_empty_frames_per_second;
  h->max_outbound_bytes = bytes(o->max_outbound_bytes);
  h->write_stall_timeout = o->write_stall_timeout_ns;
  h->http1 = o->http1;
  h->http1_max_header_bytes = o->http1_max_header_size;
  h->http1_max_body_bytes = bytes(o->http1_max_body_size);
  h->http1_header_timeout = o->http1_header_timeout_ns;
  h->http1_idle_timeout = o->http1_idle_timeout_ns;
}

void cgrpc_h2_options_from_channel(cgrpc_h2_options_t *h, const cgrpc_channel_options_t *o) {
  cgrpc_h2_options_init(h);
  h->stream_window = o->stream_window;
  h->connection_window = o->connection_window;
  h->max_recv_message = bytes(o->max_receive_message_size);
  h->max_send_message = bytes(o->max_send_message_size);
  h->compression_level = o->compression_level;
}
