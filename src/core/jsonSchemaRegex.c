/* jsonSchemaRegex.c — ECMA-262 regular expressions for "pattern",
 * "patternProperties" and format "regex", on PCRE2 (UTF mode). Patterns are
 * rewritten where ECMA-262 and PCRE2 differ (\s, ".", escapes ECMA lacks such
 * as \Z or \A are rejected) and JIT-compiled once; matching uses per-thread
 * match data so a compiled schema can be shared between threads. All PCRE2
 * memory goes through the hgn allocator. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "core/alloc.h"
#include "core/jsonSchemaInt.h"

struct SchemaRegex {
    pcre2_code *code;
};

struct SchemaMatchData {
    pcre2_general_context *gctx;
    pcre2_match_data *md;
};

static void *pcreAlloc(PCRE2_SIZE n, void *ud) {
    (void)ud;
    return hgnMalloc(n);
}
static void pcreFree(void *p, void *ud) {
    (void)ud;
    hgnFree(p);
}

/* ECMA-262 WhiteSpace and LineTerminator code points (for \s). */
static const char ecmaSpace[] =
    "\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

/* True when s starts with a {n}, {n,} or {n,m} quantifier. */
static bool isBraceQuantifier(const char *s, size_t len) {
    size_t i = 1, digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (digits == 0) return false;
    if (i < len && s[i] == ',') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    }
    return i < len && s[i] == '}';
}

/* Rewrites an ECMA-262 pattern into PCRE2 syntax; false (with err) when the
 * pattern uses syntax ECMA-262 does not have (escapes such as \\Z, inline
 * flags and other PCRE-only groups, possessive quantifiers). */
static bool translate(const char *p, size_t len, HgnBuf *out, HgnBuf *err) {
    bool inClass = false, afterQuantifier = false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        bool wasQuantifier = afterQuantifier;
        afterQuantifier = false;
        if (c == '\\') {
            if (i + 1 >= len) {
                if (err) hgnBufAppendf(err, "pattern ends with a lone backslash");
                return false;
            }
            char e = p[++i];
            if (e == 's' || e == 'S') {
                if (inClass) {
                    if (e == 'S') {
                        /* [\S] inside a class: keep PCRE2's (ASCII) meaning */
                        hgnBufAppend(out, "\\S", 2);
                    } else {
                        hgnBufAppendStr(out, ecmaSpace);
                    }
                } else {
                    hgnBufAppendStr(out, e == 's' ? "[" : "[^");
                    hgnBufAppendStr(out, ecmaSpace);
                    hgnBufAppendChar(out, ']');
                }
                continue;
            }
            bool letter = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z');
            if (letter && !strchr("dDwWbBtnvfrcxukpP", e)) {
                if (err) hgnBufAppendf(err, "\\%c is not an ECMA-262 escape (at offset %zu)", e, i - 1);
                return false;
            }
            if (e == 'v') {
                hgnBufAppend(out, "\\u000B", 6);
                continue;
            }
            if (e == 'b' && inClass) { /* [\b] is backspace in ECMA-262 */
                hgnBufAppend(out, "\\u0008", 6);
                continue;
            }
            hgnBufAppendChar(out, '\\');
            hgnBufAppendChar(out, e);
            continue;
        }
        if (inClass) {
            if (c == ']') inClass = false;
            hgnBufAppendChar(out, c);
            continue;
        }
        if (c == '[') {
            /* ECMA-262: "[]" matches nothing and "[^]" anything; PCRE2 would
             * read the ']' as a literal */
            if (i + 1 < len && p[i + 1] == ']') {
                hgnBufAppendStr(out, "(?!)");
                i++;
                continue;
            }
            if (i + 2 < len && p[i + 1] == '^' && p[i + 2] == ']') {
                hgnBufAppendStr(out, "[\\u0000-\\u{10FFFF}]");
                i += 2;
                continue;
            }
            inClass = true;
            hgnBufAppendChar(out, c);
            if (i + 1 < len && p[i + 1] == '^') {
                hgnBufAppendChar(out, '^');
                i++;
            }
            continue;
        }
        if (c == '.') {
            hgnBufAppendStr(out, "[^\\n\\r\\u2028\\u2029]");
            continue;
        }
        if (c == '(' && i + 1 < len && p[i + 1] == '?') {
            /* ECMA-262 groups: (?: (?= (?! (?<= (?<! (?<name> ; PCRE2 has many more */
            char g = i + 2 < len ? p[i + 2] : '\0';
            bool ok = g == ':' || g == '=' || g == '!' || g == '<';
            if (g == '<' && i + 3 < len) {
                char h = p[i + 3];
                ok = h == '=' || h == '!' || (h >= 'a' && h <= 'z') || (h >= 'A' && h <= 'Z') || h == '_' || h == '$';
            }
            if (!ok) {
                if (err) hgnBufAppendf(err, "group syntax \"(?%c\" is not ECMA-262 (at offset %zu)", g ? g : ' ', i);
                return false;
            }
            hgnBufAppend(out, "(?", 2);
            i++;
            continue;
        }
        if (c == '*' || c == '+' || c == '?' || (c == '{' && isBraceQuantifier(p + i, len - i))) {
            afterQuantifier = wasQuantifier;
            if (afterQuantifier && c == '+') {
                /* possessive quantifiers (a*+, a++, a?+, a{2}+) are PCRE-only */
                if (err) hgnBufAppendf(err, "possessive quantifier at offset %zu is not ECMA-262", i);
                return false;
            }
            if (afterQuantifier && c == '?') { /* lazy: a*? */
                hgnBufAppendChar(out, c);
                afterQuantifier = false;
                continue;
            }
            if (c == '{') {
                while (p[i] != '}') hgnBufAppendChar(out, p[i++]);
                hgnBufAppendChar(out, '}');
            } else {
                hgnBufAppendChar(out, c);
            }
            afterQuantifier = true;
            continue;
        }
        hgnBufAppendChar(out, c);
    }
    return true;
}

SchemaRegex *schemaRegexCompile(const char *pattern, size_t len, HgnBuf *err, bool *oom) {
    if (oom) *oom = false;
    HgnBuf src;
    hgnBufInit(&src);
    if (!translate(pattern, len, &src, err)) {
        hgnBufFree(&src);
        return NULL;
    }
    if (!hgnBufOk(&src)) goto nomem;
    pcre2_general_context *gctx = pcre2_general_context_create(pcreAlloc, pcreFree, NULL);
    if (!gctx) goto nomem;
    pcre2_compile_context *cctx = pcre2_compile_context_create(gctx);
    if (!cctx) {
        pcre2_general_context_free(gctx);
        goto nomem;
    }
    pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
    int errCode = 0;
    PCRE2_SIZE errOffset = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)hgnBufStr(&src), src.len,
                                     PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX, &errCode, &errOffset, cctx);
    pcre2_compile_context_free(cctx);
    pcre2_general_context_free(gctx);
    hgnBufFree(&src);
    if (!code) {
        if (errCode == PCRE2_ERROR_HEAP_FAILED || errCode == PCRE2_ERROR_NOMEMORY) {
            if (oom) *oom = true;
            return NULL;
        }
        if (err) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(errCode, msg, sizeof msg) < 0) strcpy((char *)msg, "unknown error");
            hgnBufAppendf(err, "%s", (const char *)msg);
        }
        return NULL;
    }
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
    SchemaRegex *re = hgnMalloc(sizeof *re);
    if (!re) {
        pcre2_code_free(code);
        if (oom) *oom = true;
        return NULL;
    }
    re->code = code;
    return re;
nomem:
    hgnBufFree(&src);
    if (oom) *oom = true;
    return NULL;
}

void schemaRegexFree(SchemaRegex *re) {
    if (!re) return;
    pcre2_code_free(re->code);
    hgnFree(re);
}

SchemaMatchData *schemaMatchDataCreate(void) {
    SchemaMatchData *m = hgnCalloc(1, sizeof *m);
    if (!m) return NULL;
    m->gctx = pcre2_general_context_create(pcreAlloc, pcreFree, NULL);
    if (m->gctx) m->md = pcre2_match_data_create(1, m->gctx);
    if (!m->md) {
        schemaMatchDataFree(m);
        return NULL;
    }
    return m;
}

void schemaMatchDataFree(SchemaMatchData *m) {
    if (!m) return;
    pcre2_match_data_free(m->md);
    pcre2_general_context_free(m->gctx);
    hgnFree(m);
}

int schemaRegexSearch(const SchemaRegex *re, SchemaMatchData *m, const char *s, size_t len) {
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK, m->md, NULL);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    return -1;
}

bool schemaRegexIsValid(const char *pattern, size_t len) {
    bool oom = false;
    SchemaRegex *re = schemaRegexCompile(pattern, len, NULL, &oom);
    if (!re) return oom; /* on OOM we cannot tell; do not report a violation */
    schemaRegexFree(re);
    return true;
}
