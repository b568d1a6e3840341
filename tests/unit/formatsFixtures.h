/* formatsFixtures.h — helpers shared by the format reader tests: a raw byte
 * builder for hand-made (often malformed) files, scratch directories, and an
 * assertion that an error has the expected code and names file and field.
 * Header-only (static functions) because every test is its own program. */
#ifndef HGN_TESTS_FORMATSFIXTURES_H
#define HGN_TESTS_FORMATSFIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/status.h"

static inline void putU8(HgnBuf *b, uint8_t v) { hgnBufAppend(b, (const char *)&v, 1); }
static inline void putU32(HgnBuf *b, uint32_t v) {
    for (int k = 0; k < 4; k++) putU8(b, (uint8_t)(v >> (8 * k)));
}
static inline void putU64(HgnBuf *b, uint64_t v) {
    for (int k = 0; k < 8; k++) putU8(b, (uint8_t)(v >> (8 * k)));
}
static inline void putStr(HgnBuf *b, const char *s) {
    putU64(b, strlen(s));
    hgnBufAppendStr(b, s);
}
static inline void putZeros(HgnBuf *b, size_t n) {
    for (size_t i = 0; i < n; i++) putU8(b, 0);
}

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

static int rmEntry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}
static inline void removeTree(const char *dir) { nftw(dir, rmEntry, 16, FTW_DEPTH | FTW_PHYS); }

/* mkdtemp under $TMPDIR or /tmp; caller frees with removeTree + free. */
static inline char *makeScratchDir(const char *tag) {
    const char *base = getenv("TMPDIR");
    char *p = NULL;
    if (asprintf(&p, "%s/hgn-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0) return NULL;
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
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

#endif
