/* testUtil.h — helpers shared by the unit tests: asserting an HGN error's
 * code and the fragments its rendering names, asserting success, scratch
 * directories, writing and reading whole files, and reaching into JSON
 * documents by dotted path. Header-only (static
 * functions) because every test is its own program; include after cmocka.h's
 * prerequisites (it includes them itself). */
#ifndef HGN_TESTS_TESTUTIL_H
#define HGN_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/status.h"

/* Asserts st has code, and that its rendering names every given fragment
 * (file path, field, offset…); then frees st. */
static inline void expectErrorV(HgnStatus st, HgnCode code, const char *const *frags, int line) {
    if (!st) fail_msg("line %d: expected error %s, got OK", line, hgnCodeName(code));
    char *s = hgnStatusToString(st);
    if (hgnStatusCode(st) != code) fail_msg("line %d: expected %s, got: %s", line, hgnCodeName(code), s);
    for (int i = 0; frags[i]; i++)
        if (!strstr(s, frags[i])) fail_msg("line %d: error does not mention '%s': %s", line, frags[i], s);
    hgnFree(s);
    hgnStatusFree(st);
}
#define expectError(st, code, ...)                                                                                     \
    do {                                                                                                               \
        const char *const frags_[] = {__VA_ARGS__, NULL};                                                              \
        expectErrorV((st), (code), frags_, __LINE__);                                                                  \
    } while (0)

#define assertOk(expr)                                                                                                 \
    do {                                                                                                               \
        HgnStatus st_ = (expr);                                                                                        \
        if (st_) {                                                                                                     \
            char *s_ = hgnStatusToString(st_);                                                                         \
            fail_msg("%s failed: %s", #expr, s_);                                                                      \
        }                                                                                                              \
    } while (0)

static inline int rmEntry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}
static inline void removeTree(const char *dir) { nftw(dir, rmEntry, 16, FTW_DEPTH | FTW_PHYS); }

/* mkdtemp under $TMPDIR or /tmp (fails the test when it cannot); caller
 * frees with removeTree + free. */
static inline char *makeScratchDir(const char *tag) {
    const char *base = getenv("TMPDIR");
    char *p = NULL;
    if (asprintf(&p, "%s/hgn-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0) fail_msg("asprintf failed");
    if (!mkdtemp(p)) fail_msg("mkdtemp %s failed", p);
    return p;
}

static inline char *pathJoin(const char *dir, const char *name) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) return NULL;
    return p;
}

static inline void writeBytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void writeText(const char *path, const char *text) { writeBytes(path, text, strlen(text)); }

/* The whole file, NUL-terminated (malloc'd; free with free), its length in
 * *len when len is not NULL; NULL when it cannot be opened. */
static inline char *readFile(const char *path, size_t *len) {
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* The value at a dotted path with numeric array indices ("gpus.0.name"),
 * NULL when there is none. */
static inline const json_t *jsonAt(const json_t *doc, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = doc;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
        if (json_is_array(cur))
            cur = json_array_get(cur, strtoul(tok, NULL, 10));
        else
            cur = json_object_get(cur, tok);
    return cur;
}
static inline const char *jsonAtStr(const json_t *doc, const char *path) {
    return json_string_value(jsonAt(doc, path));
}
/* Fails the test unless the value is an integer. */
static inline long long jsonAtInt(const json_t *doc, const char *path) {
    const json_t *v = jsonAt(doc, path);
    if (!json_is_integer(v)) fail_msg("%s is not an integer", path);
    return json_integer_value(v);
}

#endif
