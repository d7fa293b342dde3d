/* protoparse/parser.c — the public parser object (cgrpc/proto_parser.h):
 * finding files (callback, import paths, the pool's built-in well-known
 * types), parsing each after its imports, adding it to the pool, and
 * writing descriptor sets. Each file is parsed in an arena of its own, freed
 * when the file is done; its serialized descriptor is kept in the parser's
 * arena. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrpc/alloc.h"
#include "cgrpc/proto_parser.h"
#include "protoparse/pp.h"

#define MAX_SOURCE_BYTES (64u << 20)
#define MAX_IMPORT_DEPTH 100

typedef enum file_state { FILE_PARSING = 1, FILE_DONE } file_state_t;

typedef struct file_rec {
  const char *name;
  file_state_t state;
  const uint8_t *bytes; /* serialized FileDescriptorProto */
  size_t len;
  const char **deps;
  size_t dep_count;
  const char **public_deps; /* the imports marked public */
  size_t public_dep_count;
  bool builtin; /* the pool's own copy, not parsed */
  bool emitted; /* scratch for descriptor_set */
} file_rec_t;

struct cgrpc_proto_parser {
  cgrpc_pool_t *pool;
  bool own_pool;
  cgrpc_arena_t arena; /* paths, file records and their bytes */
  const char **paths;
  size_t path_count, path_cap;
  cgrpc_proto_source_fn source;
  void *source_data;
  file_rec_t **files;
  size_t file_count, file_cap;
};

/* ---- Helpers of the per-file context ------------------------------------- */

void pp_fail_at(pp_ctx_t *c, pp_pos_t pos, const char *fmt, ...) {
  int n = snprintf(c->err->message, sizeof c->err->message, "%s:%d:%d: ", c->file_name, pos.line,
                   pos.col);
  if (n < 0 || (size_t)n >= sizeof c->err->message) n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err->message + n, sizeof c->err->message - (size_t)n, fmt, ap);
  va_end(ap);
  c->code = CGRPC_STATUS_INVALID_ARGUMENT;
  longjmp(c->fail, 1);
}

void pp_fail_plain(pp_ctx_t *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
  va_end(ap);
  c->code = CGRPC_STATUS_INVALID_ARGUMENT;
  longjmp(c->fail, 1);
}

void pp_fail_oom(pp_ctx_t *c) {
  snprintf(c->err->message, sizeof c->err->message, "%s: out of memory while parsing",
           c->file_name);
  c->code = CGRPC_STATUS_RESOURCE_EXHAUSTED;
  longjmp(c->fail, 1);
}

void *pp_alloc(pp_ctx_t *c, size_t size) {
  void *p = cgrpc_arena_calloc(&c->arena, size ? size : 1);
  if (!p) pp_fail_oom(c);
  return p;
}

char *pp_strndup(pp_ctx_t *c, const char *s, size_t len) {
  char *p = pp_alloc(c, len + 1);
  memcpy(p, s, len);
  return p;
}

char *pp_strcat3(pp_ctx_t *c, const char *a, const char *b, const char *d) {
  size_t la = strlen(a), lb = strlen(b), ld = strlen(d);
  char *p = pp_alloc(c, la + lb + ld + 1);
  memcpy(p, a, la);
  memcpy(p + la, b, lb);
  memcpy(p + la + lb, d, ld);
  return p;
}

void *pp_vec_push(pp_ctx_t *c, void *vec, size_t size) {
  struct {
    char *items;
    size_t n, cap;
  } *v = vec;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4;
    char *grown = cgrpc_arena_realloc(&c->arena, v->items, v->cap * size, cap * size);
    if (!grown) pp_fail_oom(c);
    v->items = grown;
    v->cap = cap;
  }
  char *slot = v->items + v->n * size;
  memset(slot, 0, size);
  v->n++;
  return slot;
}

/* ---- The parser object ---------------------------------------------------- */

static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                ...) __attribute__((format(printf, 3, 4)));
static cgrpc_status_code_t fail(cgrpc_error_t *err, cgrpc_status_code_t code, const char *fmt,
                                ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

cgrpc_status_code_t cgrpc_proto_parser_new(cgrpc_pool_t *pool, cgrpc_proto_parser_t **parser,
                                           cgrpc_error_t *err) {
  *parser = NULL;
  cgrpc_proto_parser_t *p = cgrpc_malloc(sizeof *p);
  if (!p) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory creating a parser");
  memset(p, 0, sizeof *p);
  cgrpc_arena_init(&p->arena, NULL, 0);
  if (pool) {
    p->pool = pool;
  } else {
    cgrpc_status_code_t code = cgrpc_pool_new(&p->pool, err);
    if (code != CGRPC_STATUS_OK) {
      cgrpc_free(p);
      return code;
    }
    p->own_pool = true;
  }
  *parser = p;
  return CGRPC_STATUS_OK;
}

void cgrpc_proto_parser_free(cgrpc_proto_parser_t *parser) {
  if (!parser) return;
  if (parser->own_pool) cgrpc_pool_free(parser->pool);
  cgrpc_arena_free(&parser->arena);
  cgrpc_free(parser);
}

cgrpc_pool_t *cgrpc_proto_parser_pool(cgrpc_proto_parser_t *parser) { return parser->pool; }

static bool grow_array(cgrpc_arena_t *arena, void *items_ptr, size_t *cap, size_t elem) {
  void **items = items_ptr;
  size_t new_cap = *cap ? *cap * 2 : 8;
  void *grown = cgrpc_arena_realloc(arena, *items, *cap * elem, new_cap * elem);
  if (!grown) return false;
  *items = grown;
  *cap = new_cap;
  return true;
}

static char *arena_strdup(cgrpc_arena_t *arena, const char *s) {
  return cgrpc_arena_memdup(arena, s, strlen(s) + 1);
}

cgrpc_status_code_t cgrpc_proto_parser_add_import_path(cgrpc_proto_parser_t *parser,
                                                       const char *dir, cgrpc_error_t *err) {
  if (parser->path_count == parser->path_cap &&
      !grow_array(&parser->arena, &parser->paths, &parser->path_cap, sizeof *parser->paths))
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory adding an import path");
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  char *copy = cgrpc_arena_alloc(&parser->arena, len + 1);
  if (!copy) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory adding an import path");
  memcpy(copy, dir, len);
  copy[len] = '\0';
  parser->paths[parser->path_count++] = copy;
  return CGRPC_STATUS_OK;
}

void cgrpc_proto_parser_set_source(cgrpc_proto_parser_t *parser, cgrpc_proto_source_fn fn,
                                   void *user_data) {
  parser->source = fn;
  parser->source_data = user_data;
}

static file_rec_t *find_rec(const cgrpc_proto_parser_t *p, const char *name) {
  for (size_t i = 0; i < p->file_count; i++)
    if (strcmp(p->files[i]->name, name) == 0) return p->files[i];
  return NULL;
}

static size_t path_count(const cgrpc_proto_parser_t *p) { return p->path_count ? p->path_count : 1; }
static const char *path_at(const cgrpc_proto_parser_t *p, size_t i) {
  return p->path_count ? p->paths[i] : ".";
}

/* Reads `name` through the callback or the import paths into the context's
 * arena. Returns false when no one has it. */
static bool read_source(cgrpc_proto_parser_t *p, pp_ctx_t *c, const char *name, const char **src,
                        size_t *len) {
  if (p->source) {
    const char *data;
    size_t n;
    if (p->source(p->source_data, name, &data, &n)) {
      *src = pp_strndup(c, data, n);
      *len = n;
      return true;
    }
  }
  for (size_t i = 0; i < path_count(p); i++) {
    char *path = pp_strcat3(c, path_at(p, i), "/", name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    pp_bytes_t b = {0};
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
      if (b.len + n > MAX_SOURCE_BYTES) {
        fclose(f);
        pp_fail_at(c, (pp_pos_t){1, 1}, "file is larger than %u bytes", MAX_SOURCE_BYTES);
      }
      pp_bytes_append(c, &b, chunk, n);
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) continue; /* a directory, or unreadable: keep searching */
    pp_bytes_append(c, &b, "", 1);
    *src = (const char *)b.data;
    *len = b.len - 1;
    return true;
  }
  return false;
}

static void searched_paths(const cgrpc_proto_parser_t *p, const char *name, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < path_count(p) && n < cap; i++) {
    int w = snprintf(out + n, cap - n, "%s%s/%s", i ? ", " : "", path_at(p, i), name);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static file_rec_t *new_rec(cgrpc_proto_parser_t *p, const char *name) {
  if (p->file_count == p->file_cap &&
      !grow_array(&p->arena, &p->files, &p->file_cap, sizeof *p->files))
    return NULL;
  file_rec_t *r = cgrpc_arena_calloc(&p->arena, sizeof *r);
  if (!r || !(r->name = arena_strdup(&p->arena, name))) return NULL;
  p->files[p->file_count++] = r;
  return r;
}

static cgrpc_status_code_t load(cgrpc_proto_parser_t *p, const char *name, const char *importer,
                                pp_pos_t import_pos, cgrpc_error_t *err);

/* Interprets the options that use extensions of the file itself: with a
 * scratch pool holding what the main one holds, plus this file as it is so
 * far (its own extensions declared). */
static void interpret_with_self(cgrpc_proto_parser_t *p, pp_ctx_t *c) {
  pp_bytes_t draft = {0};
  pp_write_file(c, &draft);
  cgrpc_pool_t *scratch;
  cgrpc_error_t perr;
  if (cgrpc_pool_new(&scratch, &perr) != CGRPC_STATUS_OK) pp_fail_oom(c);
  /* The main pool's files in its order (each after its imports); the
   * well-known ones are in the scratch pool already and are skipped. */
  size_t builtin = cgrpc_pool_file_count(scratch);
  cgrpc_status_code_t code = CGRPC_STATUS_OK;
  for (size_t i = builtin; i < cgrpc_pool_file_count(p->pool) && !code; i++) {
    const cgrpc_file_desc_t *f = cgrpc_pool_file(p->pool, i);
    code = cgrpc_pool_add_file(scratch, f->descriptor, f->descriptor_len, &perr);
  }
  if (!code) code = cgrpc_pool_add_file(scratch, draft.data, draft.len, &perr);
  if (code) {
    cgrpc_pool_free(scratch);
    if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED) pp_fail_oom(c);
    pp_fail_plain(c, "%s: the descriptor pool refuses the file: %s", c->file_name, perr.message);
  }
  /* A failure longjmps past the free: run it with a context of our own. */
  jmp_buf saved;
  memcpy(saved, c->fail, sizeof saved);
  if (setjmp(c->fail)) {
    cgrpc_pool_free(scratch);
    memcpy(c->fail, saved, sizeof saved);
    longjmp(c->fail, 1);
  }
  pp_interpret_options(c, scratch, true);
  cgrpc_pool_free(scratch);
  memcpy(c->fail, saved, sizeof saved);
}

/* The imports of the file and, recursively, their public imports. */
static void visible_files(cgrpc_proto_parser_t *p, pp_ctx_t *c) {
  PP_VEC(const char *) v = {0};
  for (size_t i = 0; i < c->file->deps.n; i++) *PP_PUSH(c, &v) = c->file->deps.items[i];
  for (size_t i = 0; i < v.n; i++) {
    const file_rec_t *r = find_rec(p, v.items[i]);
    for (size_t k = 0; r && k < r->public_dep_count; k++) {
      bool seen = false;
      for (size_t j = 0; j < v.n && !seen; j++) seen = strcmp(v.items[j], r->public_deps[k]) == 0;
      if (!seen) *PP_PUSH(c, &v) = r->public_deps[k];
    }
  }
  c->visible = v.items;
  c->visible_count = v.n;
}

static cgrpc_status_code_t parse_one(cgrpc_proto_parser_t *p, file_rec_t *rec, const char *src,
                                     size_t len, pp_ctx_t *c) {
  c->file = pp_alloc(c, sizeof *c->file);
  c->file->name = rec->name;
  pp_lex(c, src, len);
  pp_parse(c);
  pp_file_t *f = c->file;
  for (size_t i = 0; i < f->deps.n; i++) {
    cgrpc_status_code_t code = load(p, f->deps.items[i], rec->name, f->dep_pos.items[i], c->err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  visible_files(p, c);
  pp_resolve(c);
  pp_format_defaults(c);
  if (pp_interpret_options(c, p->pool, false)) interpret_with_self(p, c);
  pp_bytes_t out = {0};
  pp_write_file(c, &out);
  cgrpc_error_t perr;
  cgrpc_status_code_t code = cgrpc_pool_add_file(p->pool, out.data, out.len, &perr);
  if (code == CGRPC_STATUS_RESOURCE_EXHAUSTED) pp_fail_oom(c);
  if (code != CGRPC_STATUS_OK)
    pp_fail_plain(c, "%s: the descriptor pool refuses the file: %s", rec->name, perr.message);
  uint8_t *bytes = cgrpc_arena_memdup(&p->arena, out.data, out.len ? out.len : 1);
  const char **deps = cgrpc_arena_calloc(&p->arena, (f->deps.n + 1) * sizeof *deps);
  if (!bytes || !deps) pp_fail_oom(c);
  const char **public_deps = cgrpc_arena_calloc(&p->arena, (f->public_deps.n + 1) * sizeof *deps);
  if (!public_deps) pp_fail_oom(c);
  for (size_t i = 0; i < f->deps.n; i++) deps[i] = find_rec(p, f->deps.items[i])->name;
  for (size_t i = 0; i < f->public_deps.n; i++) public_deps[i] = deps[f->public_deps.items[i]];
  rec->public_deps = public_deps;
  rec->public_dep_count = f->public_deps.n;
  rec->bytes = bytes;
  rec->len = out.len;
  rec->deps = deps;
  rec->dep_count = f->deps.n;
  return CGRPC_STATUS_OK;
}

static cgrpc_status_code_t use_builtin(cgrpc_proto_parser_t *p, file_rec_t *rec,
                                       const cgrpc_file_desc_t *fd, cgrpc_error_t *err) {
  const char **deps = cgrpc_arena_calloc(&p->arena, (fd->dep_count + 1) * sizeof *deps);
  if (!deps) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  for (size_t i = 0; i < fd->dep_count; i++) {
    cgrpc_status_code_t code = load(p, fd->deps[i]->name, rec->name, (pp_pos_t){1, 1}, err);
    if (code != CGRPC_STATUS_OK) return code;
    deps[i] = find_rec(p, fd->deps[i]->name)->name;
  }
  rec->builtin = true;
  rec->bytes = fd->descriptor;
  rec->len = fd->descriptor_len;
  rec->deps = deps;
  rec->dep_count = fd->dep_count;
  rec->state = FILE_DONE;
  return CGRPC_STATUS_OK;
}

static void forget(cgrpc_proto_parser_t *p, file_rec_t *rec) {
  for (size_t i = 0; i < p->file_count; i++) {
    if (p->files[i] != rec) continue;
    memmove(&p->files[i], &p->files[i + 1], (p->file_count - i - 1) * sizeof *p->files);
    p->file_count--;
    return;
  }
}

/* The part of load() that may longjmp back here: nothing in this frame
 * changes after setjmp. */
static cgrpc_status_code_t load_guarded(cgrpc_proto_parser_t *p, file_rec_t *rec, pp_ctx_t *c,
                                        const char *importer, pp_pos_t import_pos) {
  if (setjmp(c->fail) != 0) return c->code;
  const char *name = rec->name;
  const char *src;
  size_t len;
  if (read_source(p, c, name, &src, &len)) return parse_one(p, rec, src, len, c);
  const cgrpc_file_desc_t *builtin = cgrpc_pool_find_file(p->pool, name);
  if (builtin) return use_builtin(p, rec, builtin, c->err);
  char searched[160];
  searched_paths(p, name, searched, sizeof searched);
  if (importer)
    return fail(c->err, CGRPC_STATUS_INVALID_ARGUMENT,
                "%s:%d:%d: import \"%s\" was not found (searched %s)", importer, import_pos.line,
                import_pos.col, name, searched);
  return fail(c->err, CGRPC_STATUS_INVALID_ARGUMENT,
              "%s: file not found (searched %s); add its directory with -I", name, searched);
}

/* Loads `name` (imported by `importer` at import_pos, or the top file when
 * importer is NULL) and everything it imports. */
static cgrpc_status_code_t load(cgrpc_proto_parser_t *p, const char *name, const char *importer,
                                pp_pos_t import_pos, cgrpc_error_t *err) {
  file_rec_t *rec = find_rec(p, name);
  if (rec && rec->state == FILE_DONE) return CGRPC_STATUS_OK;
  if (rec)
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "%s:%d:%d: import cycle: \"%s\" imports \"%s\", which is still being parsed",
                importer ? importer : name, import_pos.line, import_pos.col,
                importer ? importer : name, name);
  size_t open_files = 0;
  for (size_t i = 0; i < p->file_count; i++) open_files += p->files[i]->state == FILE_PARSING;
  if (open_files >= MAX_IMPORT_DEPTH)
    return fail(err, CGRPC_STATUS_INVALID_ARGUMENT,
                "%s:%d:%d: imports are nested more than %d deep (at \"%s\")",
                importer ? importer : name, import_pos.line, import_pos.col, MAX_IMPORT_DEPTH, name);
  rec = new_rec(p, name);
  if (!rec) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  rec->state = FILE_PARSING;

  pp_ctx_t *c = cgrpc_malloc(sizeof *c);
  if (!c) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  memset(c, 0, sizeof *c);
  cgrpc_arena_init(&c->arena, NULL, 0);
  cgrpc_error_t local;
  c->err = err ? err : &local;
  c->file_name = rec->name;
  c->pool = p->pool;
  c->code = CGRPC_STATUS_OK;
  cgrpc_status_code_t code = load_guarded(p, rec, c, importer, import_pos);
  cgrpc_arena_free(&c->arena);
  cgrpc_free(c);
  if (code == CGRPC_STATUS_OK)
    rec->state = FILE_DONE;
  else
    forget(p, rec); /* a later call may try again */
  return code;
}

/* protoc's mapping of a path on disk to an import name: strip an import
 * path it lies under. */
static const char *import_name(const cgrpc_proto_parser_t *p, const char *name) {
  while (name[0] == '.' && name[1] == '/') name += 2;
  if (p->source) return name;
  for (size_t i = 0; i < path_count(p); i++) {
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/%s", path_at(p, i), name);
    FILE *f = fopen(probe, "rb");
    if (f) {
      fclose(f);
      return name;
    }
  }
  /* A file on disk under an import path, compared as canonical paths
   * ("/abs/protos/a.proto" or "protos//a.proto" under "protos"). */
  static _Thread_local char file_real[PATH_MAX];
  char dir_real[PATH_MAX];
  if (realpath(name, file_real)) {
    for (size_t i = 0; i < path_count(p); i++) {
      if (!realpath(path_at(p, i), dir_real)) continue;
      size_t n = strlen(dir_real);
      if (n == 1) n = 0; /* "/" */
      if (strncmp(file_real, dir_real, n) == 0 && file_real[n] == '/') return file_real + n + 1;
    }
  }
  /* Not on disk (yet): strip an import path it starts with. */
  for (size_t i = 0; i < path_count(p); i++) {
    const char *dir = path_at(p, i);
    while (dir[0] == '.' && dir[1] == '/') dir += 2;
    size_t n = strlen(dir);
    if (strcmp(dir, ".") != 0 && strncmp(name, dir, n) == 0 && name[n] == '/') return name + n + 1;
  }
  return name;
}

cgrpc_status_code_t cgrpc_proto_parser_parse_file(cgrpc_proto_parser_t *parser, const char *name,
                                                  const cgrpc_file_desc_t **file,
                                                  cgrpc_error_t *err) {
  if (file) *file = NULL;
  name = import_name(parser, name);
  cgrpc_status_code_t code = load(parser, name, NULL, (pp_pos_t){0, 0}, err);
  if (code != CGRPC_STATUS_OK) return code;
  if (file) *file = cgrpc_pool_find_file(parser->pool, name);
  return CGRPC_STATUS_OK;
}

cgrpc_status_code_t cgrpc_proto_parser_file_bytes(const cgrpc_proto_parser_t *parser,
                                                  const char *name, const uint8_t **bytes,
                                                  size_t *len, cgrpc_error_t *err) {
  const file_rec_t *r = find_rec(parser, import_name(parser, name));
  if (!r || r->state != FILE_DONE)
    return fail(err, CGRPC_STATUS_NOT_FOUND, "\"%s\" has not been parsed by this parser", name);
  *bytes = r->bytes;
  *len = r->len;
  return CGRPC_STATUS_OK;
}

typedef struct set_writer {
  uint8_t *data;
  size_t len, cap;
  bool oom;
} set_writer_t;

static void set_append(set_writer_t *w, const void *data, size_t len) {
  if (w->oom) return;
  if (w->len + len > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 4096;
    while (cap < w->len + len) cap *= 2;
    uint8_t *grown = realloc(w->data, cap);
    if (!grown) {
      w->oom = true;
      return;
    }
    w->data = grown;
    w->cap = cap;
  }
  memcpy(w->data + w->len, data, len);
  w->len += len;
}

static void emit(cgrpc_proto_parser_t *p, file_rec_t *r, set_writer_t *w) {
  if (r->emitted) return;
  r->emitted = true;
  for (size_t i = 0; i < r->dep_count; i++) emit(p, find_rec(p, r->deps[i]), w);
  uint8_t head[11];
  size_t n = 0;
  head[n++] = 0x0a; /* FileDescriptorSet.file, field 1, length-delimited */
  uint64_t v = r->len;
  do {
    head[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) head[n] |= 0x80;
    n++;
  } while (v);
  set_append(w, head, n);
  set_append(w, r->bytes, r->len);
}

cgrpc_status_code_t cgrpc_proto_parser_descriptor_set(cgrpc_proto_parser_t *parser,
                                                      const char *const *names, size_t count,
                                                      uint8_t **out, size_t *out_len,
                                                      cgrpc_error_t *err) {
  *out = NULL;
  *out_len = 0;
  for (size_t i = 0; i < count; i++) {
    cgrpc_status_code_t code = cgrpc_proto_parser_parse_file(parser, names[i], NULL, err);
    if (code != CGRPC_STATUS_OK) return code;
  }
  for (size_t i = 0; i < parser->file_count; i++) parser->files[i]->emitted = false;
  set_writer_t w = {0};
  for (size_t i = 0; i < count; i++)
    emit(parser, find_rec(parser, import_name(parser, names[i])), &w);
  if (w.oom) {
    free(w.data);
    return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory writing a descriptor set");
  }
  if (!w.data) w.data = malloc(1);
  if (!w.data) return fail(err, CGRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  *out = w.data;
  *out_len = w.len;
  return CGRPC_STATUS_OK;
}
