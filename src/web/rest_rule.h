/* src/web/rest_rule.h — google.api.http rules read from descriptors.
 *
 * protoc-gen-cgrpc embeds each file's FileDescriptorProto with the options
 * as protoc wrote them, so a method's `option (google.api.http)` is there as
 * extension 72295728 of google.protobuf.MethodOptions, in the options'
 * unknown fields. This file finds it and decodes the HttpRule (and its
 * additional_bindings, one level deep as http.proto allows) into rules with
 * parsed path templates, together with the method's idempotency_level, which
 * the Connect protocol's GET requests need. */
#ifndef CGRPC_WEB_REST_RULE_H
#define CGRPC_WEB_REST_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/rest_template.h"

/* The field number of the google.api.http extension of MethodOptions. */
#define REST_HTTP_EXTENSION 72295728u

typedef struct rest_rule {
  const char *http_method; /* "GET", "PUT", "POST", "DELETE", "PATCH", or a custom kind */
  rest_template_t tpl;
  cgrpc_str_t body;          /* "" no body, "*" the whole request, or a top-level field */
  cgrpc_str_t response_body; /* "" the whole response, or a top-level field */
} rest_rule_t;

typedef struct rest_method_rules {
  const char *full_name; /* "pkg.Service.Method" */
  rest_rule_t *rules;    /* the rule, then its additional_bindings */
  size_t rule_count;
  bool no_side_effects; /* idempotency_level = NO_SIDE_EFFECTS */
} rest_method_rules_t;

/* Reads every method of a serialized FileDescriptorProto: *methods gets one
 * entry per method (with rule_count 0 for a method without google.api.http),
 * in the arena. INVALID_ARGUMENT with a sentence naming the method for a
 * descriptor or HttpRule that does not decode, a rule without a pattern, an
 * additional binding that has bindings of its own, or a path template that
 * does not parse; RESOURCE_EXHAUSTED when the arena refuses. */
cgrpc_status_code_t rest_rules_from_file(const uint8_t *descriptor, size_t len,
                                         cgrpc_arena_t *arena, rest_method_rules_t **methods,
                                         size_t *count, cgrpc_error_t *err);

/* Decodes one serialized HttpRule (and its additional bindings) into up to
 * `cap` rules at out[]; *count is how many. Errors as above, `method` names
 * the method in messages. */
cgrpc_status_code_t rest_rules_decode(const uint8_t *bytes, size_t len, const char *method,
                                      cgrpc_arena_t *arena, rest_rule_t **out, size_t *count,
                                      cgrpc_error_t *err);

#endif /* CGRPC_WEB_REST_RULE_H */
