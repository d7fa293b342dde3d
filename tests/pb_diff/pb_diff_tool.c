/* pb_diff_tool — the C side of the differential tests (pb_reference.py).
 *
 *   pb_diff_tool check FILE
 *       For each record (label, type, input, expected) written by the
 *       reference: decode the input with cgrpc (copy and alias modes),
 *       re-encode deterministically, and require exactly the expected bytes,
 *       or, where the label says "expect=", require the decode to fail.
 *       Where the label says "recheck", records whose bytes differ go to
 *       FILE.recheck for the reference to judge instead.
 *       Prints a summary per family (the label's "family=" part) and, for
 *       the first failures of each family, the label and a hex dump at the
 *       first difference.
 *   pb_diff_tool generate SEEDS FILE
 *       Writes records (label, type, encoding) of random messages of every
 *       test type for seeds 0..SEEDS-1, filled by walking their tables, for
 *       the reference to parse and re-serialize.
 *   pb_diff_tool text-check CASE IN OUT
 *       Decodes IN (protoc --encode of text/CASE.txtpb), checks the decoded
 *       values, and writes to OUT the same message built in C.
 *
 * A record is a sequence of blobs, each a 4-byte little-endian length and
 * the bytes. Exit status 0 means every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_io.h"
#include "cgrpc/alloc.h"
#include "cgrpc/pb.h"
#include "encoding_tools.h"
#include "pbtest_schemas.h"
#include "random_message.h"
#include "text_cases.h"

enum { MAX_PRINTED_PER_FAMILY = 3, MAX_FAMILIES = 32 };

/* ---- check -------------------------------------------------------------- */

typedef struct family {
  char name[40];
  long checked;
  long failed;
  long rechecks; /* left for the reference to judge (see "recheck") */
} family_t;

static family_t *family_of(family_t *fams, size_t *count, const char *label) {
  const char *p = strstr(label, "family=");
  char name[40] = "-";
  if (p) sscanf(p + 7, "%39s", name);
  for (size_t i = 0; i < *count; i++) {
    if (strcmp(fams[i].name, name) == 0) return &fams[i];
  }
  if (*count == MAX_FAMILIES) return &fams[MAX_FAMILIES - 1];
  family_t *f = &fams[(*count)++];
  *f = (family_t){.checked = 0};
  snprintf(f->name, sizeof f->name, "%s", name);
  return f;
}

/* What a record asks for, from the flags in its label. */
typedef struct expectation {
  int decode_options; /* CGRPC_PB_DECODE_PARTIAL with "decode=partial" */
  int encode_options;
  bool must_fail;     /* "expect=error": the reference refuses the input */
  int must_fail_with; /* "expect=bad-utf8": and this is the error */
  bool recheck;       /* "recheck": different bytes go back to the reference */
} expectation_t;

static expectation_t expectation_of(const char *label) {
  expectation_t x = {0, CGRPC_PB_ENCODE_DETERMINISTIC, false, 0, false};
  if (strstr(label, " decode=partial")) {
    x.decode_options = CGRPC_PB_DECODE_PARTIAL;
    x.encode_options |= CGRPC_PB_ENCODE_PARTIAL;
  }
  if (strstr(label, " expect=error")) x.must_fail = true;
  if (strstr(label, " recheck")) x.recheck = true;
  if (strstr(label, " expect=bad-utf8")) {
    x.must_fail = true;
    x.must_fail_with = CGRPC_PB_ERR_BAD_UTF8;
  }
  return x;
}

typedef enum verdict { SAME, DIFFERENT, RECHECK } verdict_t;

/* Decodes `in` in one mode (extra decode options) and checks the outcome
 * against the reference: the same bytes after a deterministic re-encode, or
 * a refusal. Prints the first differences when `print`. Where the record
 * asks for it, different bytes are not a verdict yet: the record goes to
 * `recheck` as (label, type, cgrpc's bytes, expected) for the reference to
 * say whether they mean the same (it re-encodes unknown fields it received
 * in a non-canonical form; cgrpc keeps them byte for byte). */
static verdict_t check_one(const char *label, const cgrpc_pb_msg_table_t *t, blob_t in, blob_t want,
                           const expectation_t *x, int mode_options, bool print, FILE *recheck) {
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  /* An exact-size copy of the input, so a sanitizer sees reads past its end. */
  uint8_t *buf = cgrpc_malloc(in.len ? in.len : 1);
  memcpy(buf, in.data, in.len);
  void *m = cgrpc_pb_msg_new(t, &a);
  cgrpc_pb_error_t err = {0};
  int rc = cgrpc_pb_decode(buf, in.len, m, t, &a, x->decode_options | mode_options, &err);
  verdict_t verdict = DIFFERENT;
  char full[300], why[200] = "";
  snprintf(full, sizeof full, "%s (%s decode)", label,
           (mode_options & CGRPC_PB_DECODE_ALIAS) ? "alias" : "copy");
  if (rc != CGRPC_PB_OK) cgrpc_pb_error_format(&err, why, sizeof why);
  if (x->must_fail) {
    if (rc != CGRPC_PB_OK && (x->must_fail_with == 0 || rc == x->must_fail_with)) verdict = SAME;
    if (verdict != SAME && print) {
      fprintf(stderr, "FAIL %s: the reference refuses this input; cgrpc %s%s\n", full,
              rc == CGRPC_PB_OK ? "accepts it" : "refuses it with another error: ", why);
      pbt_same_bytes(full, in.data, in.len, "input", "", 0, "nothing");
    }
  } else if (rc != CGRPC_PB_OK) {
    if (print) {
      fprintf(stderr, "FAIL %s: cgrpc cannot decode what the reference accepts: %s\n", full, why);
    }
  } else {
    uint8_t *out;
    size_t out_len;
    rc = cgrpc_pb_encode(m, t, &a, x->encode_options, &out, &out_len, NULL);
    if (rc != CGRPC_PB_OK) {
      if (print) fprintf(stderr, "FAIL %s: re-encoding failed: %s\n", full, cgrpc_pb_strerror(rc));
    } else if (out_len == want.len && memcmp(out, want.data, out_len) == 0) {
      verdict = SAME;
    } else if (x->recheck) {
      verdict = RECHECK;
      blob_write(recheck, full, strlen(full));
      blob_write(recheck, t->full_name, strlen(t->full_name));
      blob_write(recheck, out, out_len);
      blob_write(recheck, want.data, want.len);
    } else if (print) {
      pbt_same_bytes(full, out, out_len, "cgrpc", want.data, want.len, "reference");
      if (want.len != in.len || memcmp(want.data, in.data, in.len) != 0) {
        pbt_same_bytes("  the input, for comparison,", in.data, in.len, "input", want.data,
                       want.len, "reference");
      }
    }
  }
  cgrpc_free(buf);
  cgrpc_arena_free(&a);
  return verdict;
}

static int run_check(const char *path) {
  size_t len;
  uint8_t *data = blob_read_file(path, &len);
  char recheck_path[4096];
  snprintf(recheck_path, sizeof recheck_path, "%s.recheck", path);
  FILE *recheck = data ? fopen(recheck_path, "wb") : NULL;
  if (!recheck) {
    fprintf(stderr, "pb_diff_tool: cannot read %s or write %s\n", path, recheck_path);
    cgrpc_free(data);
    return 2;
  }
  family_t fams[MAX_FAMILIES];
  size_t nfam = 0;
  long total = 0, failed = 0, rechecks = 0;
  const uint8_t *p = data, *end = data + len;
  blob_t label, type, in, want;
  while (blob_next(&p, end, &label) && blob_next(&p, end, &type) && blob_next(&p, end, &in) &&
         blob_next(&p, end, &want)) {
    char lbl[200], tname[100];
    snprintf(lbl, sizeof lbl, "%.*s", (int)label.len, (const char *)label.data);
    snprintf(tname, sizeof tname, "%.*s", (int)type.len, (const char *)type.data);
    const cgrpc_pb_msg_table_t *t = pbtest_schema_find(tname);
    family_t *fam = family_of(fams, &nfam, lbl);
    fam->checked++;
    total++;
    bool print = fam->failed < MAX_PRINTED_PER_FAMILY;
    verdict_t copy = DIFFERENT, alias = DIFFERENT;
    if (!t) {
      fprintf(stderr, "FAIL %s: no test table named %s\n", lbl, tname);
    } else {
      expectation_t x = expectation_of(lbl);
      copy = check_one(lbl, t, in, want, &x, 0, print, recheck);
      alias = check_one(lbl, t, in, want, &x, CGRPC_PB_DECODE_ALIAS, print && copy != DIFFERENT,
                        recheck);
    }
    if (copy == DIFFERENT || alias == DIFFERENT) {
      fam->failed++;
      failed++;
    } else if (copy == RECHECK || alias == RECHECK) {
      fam->rechecks++;
      rechecks++;
    }
  }
  if (p != end) {
    fprintf(stderr, "pb_diff_tool: %s ends with a partial record\n", path);
    failed++;
  }
  for (size_t i = 0; i < nfam; i++) {
    printf("  %-20s %5ld checked, %5ld differ", fams[i].name, fams[i].checked, fams[i].failed);
    if (fams[i].rechecks) printf(", %ld left to the reference", fams[i].rechecks);
    putchar('\n');
  }
  printf(
      "reference -> cgrpc: %ld encodings decoded (copy and alias) and re-encoded, %ld identical, "
      "%ld different, %ld left to the reference\n",
      total, total - failed - rechecks, failed, rechecks);
  fclose(recheck);
  cgrpc_free(data);
  return failed || total == 0 ? 1 : 0;
}

/* ---- generate ----------------------------------------------------------- */

static int run_generate(const char *seeds_arg, const char *path) {
  long seeds = strtol(seeds_arg, NULL, 10);
  FILE *f = fopen(path, "wb");
  if (!f || seeds <= 0) {
    fprintf(stderr, "pb_diff_tool: bad arguments or cannot write %s\n", path);
    return 2;
  }
  static const pbt_fill_options_t fill = {.max_depth = 3, .unknown_fields = true};
  int failed = 0;
  for (long seed = 0; seed < seeds; seed++) {
    for (size_t i = 0; i < pbtest_schema_count; i++) {
      const cgrpc_pb_msg_table_t *t = pbtest_schemas[i];
      char label[160];
      snprintf(label, sizeof label, "type=%s seed=%ld (pb_diff_tool generate)", t->full_name, seed);
      cgrpc_arena_t a;
      cgrpc_arena_init(&a, NULL, 0);
      pbt_rng_t rng;
      pbt_rng_seed(&rng, (uint64_t)seed);
      void *m = cgrpc_pb_msg_new(t, &a);
      uint8_t *out;
      size_t out_len;
      cgrpc_pb_error_t err = {0};
      if (!m || !pbt_fill(&rng, m, t, &a, &fill) ||
          cgrpc_pb_encode(m, t, &a, CGRPC_PB_ENCODE_DETERMINISTIC, &out, &out_len, &err) != 0) {
        char why[200];
        cgrpc_pb_error_format(&err, why, sizeof why);
        fprintf(stderr, "FAIL %s: cannot build and encode: %s\n", label, why);
        failed++;
      } else {
        blob_write(f, label, strlen(label));
        blob_write(f, t->full_name, strlen(t->full_name));
        blob_write(f, out, out_len);
      }
      cgrpc_arena_free(&a);
    }
  }
  fclose(f);
  return failed ? 1 : 0;
}

/* ---- text-check --------------------------------------------------------- */

static int run_text_check(const char *name, const char *in_path, const char *out_path) {
  const pbt_text_case_t *c = pbt_text_case_find(name);
  size_t len;
  uint8_t *in = blob_read_file(in_path, &len);
  if (!c || !in) {
    fprintf(stderr, "pb_diff_tool: unknown case %s or cannot read %s\n", name, in_path);
    cgrpc_free(in);
    return 2;
  }
  cgrpc_arena_t a;
  cgrpc_arena_init(&a, NULL, 0);
  int failed = 0;
  void *m = cgrpc_pb_msg_new(c->table, &a);
  cgrpc_pb_error_t err = {0};
  if (cgrpc_pb_decode(in, len, m, c->table, &a, 0, &err) != CGRPC_PB_OK) {
    char why[200];
    cgrpc_pb_error_format(&err, why, sizeof why);
    fprintf(stderr, "FAIL %s: cannot decode protoc --encode output: %s\n", name, why);
    failed++;
  } else {
    failed += c->check(m);
  }
  void *built = cgrpc_pb_msg_new(c->table, &a);
  uint8_t *out;
  size_t out_len;
  c->build(built, &a);
  if (cgrpc_pb_encode(built, c->table, &a, CGRPC_PB_ENCODE_DETERMINISTIC, &out, &out_len, NULL)) {
    fprintf(stderr, "FAIL %s: cannot encode the message built in C\n", name);
    failed++;
  } else {
    FILE *f = fopen(out_path, "wb");
    if (f) {
      fwrite(out, 1, out_len, f);
      fclose(f);
    }
    if (failed == 0 && !cgrpc_pb_msg_equal(m, built, c->table)) {
      fprintf(stderr, "FAIL %s: decoded and built messages differ (cgrpc_pb_msg_equal)\n", name);
      failed++;
    }
  }
  printf("%s: %d value checks failed\n", name, failed);
  cgrpc_arena_free(&a);
  cgrpc_free(in);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "check") == 0) return run_check(argv[2]);
  if (argc == 4 && strcmp(argv[1], "generate") == 0) return run_generate(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "text-check") == 0) {
    return run_text_check(argv[2], argv[3], argv[4]);
  }
  fprintf(stderr,
          "usage: pb_diff_tool check FILE | generate SEEDS FILE | text-check CASE IN OUT\n");
  return 2;
}
