/* tokenizerPretok.c — regex pre-tokenisation with PCRE2 (8-bit, UTF + UCP so
 * \p{L}, \p{N} and \s are Unicode classes; MATCH_INVALID_UTF so invalid bytes
 * never match and simply end up in the gaps). The published patterns for
 * GPT-2, Llama 3 and Qwen2 live here, keyed by GGUF tokenizer.ggml.pre names. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/tokenizerInt.h"

struct TokRegex {
    pcre2_code *code;
};

/* OpenAI GPT-2 encoder.py. */
#define PAT_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
/* Meta Llama 3 tokenizer (tiktoken cl100k-style). */
#define PAT_LLAMA3                                                                                                     \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "                                         \
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"                                                                     \
    "\\s+(?!\\S)|\\s+"
/* Qwen2: as Llama 3 but single digits. */
#define PAT_QWEN2                                                                                                      \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"  \
    "\\s+(?!\\S)|\\s+"

const char *tokPretokPattern(const char *name) {
    if (!name || !strcmp(name, "default") || !strcmp(name, "gpt2") || !strcmp(name, "gpt-2")) return PAT_GPT2;
    if (!strcmp(name, "llama3") || !strcmp(name, "llama-bpe") || !strcmp(name, "llama-v3")) return PAT_LLAMA3;
    if (!strcmp(name, "qwen2")) return PAT_QWEN2;
    return NULL;
}

HgnStatus tokRegexCompile(const char *pattern, const char *field, TokRegex **out) {
    *out = NULL;
    TokRegex *re = hgnCalloc(1, sizeof *re);
    if (!re) return hgnStatusNew(HGN_CODE_OutOfMemory, field, NULL, "out of memory");
    int err = 0;
    PCRE2_SIZE off = 0;
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        hgnFree(re);
        return hgnStatusNew(HGN_CODE_TokenizerMismatch, field, "use a PCRE2-compatible pattern",
                            "pre-tokenizer regex does not compile at offset %zu: %s", (size_t)off, (char *)msg);
    }
    *out = re;
    return HGN_OK;
}

void tokRegexFree(TokRegex *re) {
    if (!re) return;
    pcre2_code_free(re->code);
    hgnFree(re);
}

/* pcre2_match in MATCH_INVALID_UTF mode checks the UTF-8 of the whole rest of
 * the subject on every call, which would make splitting O(n^2). Each match is
 * therefore tried on a window of the text; a match (or a failure) that comes
 * within WINDOW_MARGIN bytes of the window's end could depend on what lies
 * beyond, so the window is doubled and the match retried. The published
 * patterns look at most a few bytes past a match. */
#define WINDOW_START  1024
#define WINDOW_MARGIN 64

HgnStatus tokRegexSplit(const TokRegex *re, const char *text, size_t len, TokPieceFn fn, void *ctx) {
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md) return hgnStatusNew(HGN_CODE_OutOfMemory, "tokenizer", NULL, "out of memory");
    HgnStatus st = HGN_OK;
    size_t pos = 0, gap = 0; /* gap: start of text not yet handed out */
    size_t window = WINDOW_START;
    while (pos < len && !st) {
        size_t end = len - pos > window ? pos + window : len;
        int rc = pcre2_match(re->code, (PCRE2_SPTR)text, end, pos, 0, md, NULL);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            st = hgnStatusNew(HGN_CODE_InvalidInput, "tokenizer", NULL, "pre-tokenizer match failed: %s", (char *)msg);
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (end < len && (rc == PCRE2_ERROR_NOMATCH || ov[1] + WINDOW_MARGIN > end)) {
            window *= 2; /* the answer may depend on text past the window */
            continue;
        }
        window = WINDOW_START;
        if (rc == PCRE2_ERROR_NOMATCH) break;
        size_t s = ov[0], e = ov[1];
        if (e <= s) { /* empty match: step over one character */
            pos = s + tokUtf8CharLen(text + s, len - s);
            continue;
        }
        if (s > gap) st = fn(ctx, text + gap, s - gap);
        if (!st) st = fn(ctx, text + s, e - s);
        gap = pos = e;
    }
    if (!st && gap < len) st = fn(ctx, text + gap, len - gap);
    pcre2_match_data_free(md);
    return st;
}
