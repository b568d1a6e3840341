/* testTokenizerPretok.c — the PCRE2 pre-tokenizer with the published GPT-2,
 * Llama 3 and Qwen2 patterns: expected splits derived by hand from the
 * regex alternatives (each case says which alternative matches), Unicode
 * classes (CJK, emoji, combining marks), invalid UTF-8 in the gaps, and
 * pattern compile errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/tokenizerInt.h"

typedef struct Pieces {
    char text[64][32];
    size_t n;
} Pieces;

static HgnStatus collect(void *ctx, const char *piece, size_t len) {
    Pieces *p = ctx;
    if (p->n < 64 && len < 32) {
        memcpy(p->text[p->n], piece, len);
        p->text[p->n][len] = '\0';
    }
    p->n++;
    return HGN_OK;
}

static void expectSplit(const char *pre, const char *text, const char *const *want, size_t nWant) {
    TokRegex *re = NULL;
    assert_null(tokRegexCompile(tokPretokPattern(pre), "test", &re));
    Pieces p = {0};
    assert_null(tokRegexSplit(re, text, strlen(text), collect, &p));
    bool same = p.n == nWant;
    for (size_t i = 0; same && i < nWant; i++) same = strcmp(p.text[i], want[i]) == 0;
    if (!same) {
        for (size_t i = 0; i < p.n && i < 64; i++) fprintf(stderr, "[%s]", p.text[i]);
        fprintf(stderr, "\n");
        fail_msg("%s split of \"%s\" differs", pre, text);
    }
    tokRegexFree(re);
}

#define SPLIT(pre, text, ...)                                                                                          \
    do {                                                                                                               \
        const char *const want_[] = {__VA_ARGS__};                                                                     \
        expectSplit(pre, text, want_, sizeof want_ / sizeof want_[0]);                                                 \
    } while (0)

static void testGpt2(void **state) {
    (void)state;
    /* Contractions, " ?\p{L}+", " ?\p{N}+", and "\s+(?!\S)" which leaves the
     * last space of a run to the next word. */
    SPLIT("gpt2", "Hello world's 123  x\n", "Hello", " world", "'s", " 123", " ", " x", "\n");
    /* Punctuation run " ?[^\s\p{L}\p{N}]+"; upper-case contraction is not one in GPT-2. */
    SPLIT("gpt2", "wait...! I'M", "wait", "...!", " I", "'", "M");
    /* CJK letters are \p{L}; emoji are neither L nor N; a combining mark (Mn) is not \p{L}. */
    SPLIT("gpt2", "hi \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x99\x82!", "hi", " \xe4\xb8\x96\xe7\x95\x8c",
          " \xf0\x9f\x99\x82!");
    SPLIT("gpt2", "cafe\xcc\x81s", "cafe", "\xcc\x81", "s");
    /* Invalid bytes never match: they come out as gaps of their own. */
    SPLIT("gpt2",
          "ab\xff"
          "cd \xc3",
          "ab", "\xff", "cd", " ", "\xc3");
    SPLIT("gpt2", "\xfe\xff", "\xfe\xff");
}

static void testLlama3(void **state) {
    (void)state;
    /* "I" via [^\r\n\p{L}\p{N}]?\p{L}+; "'m" case-insensitive contraction; the lone space
     * before digits via \s+; digits in groups of three; "\n\n" via \s*[\r\n]+; then
     * \s+(?!\S) leaves one space for " ok". */
    SPLIT("llama3", "I'm 12345 HELLO'S\n\n  ok", "I", "'m", " ", "123", "45", " HELLO", "'S", "\n\n", " ", " ok");
    /* A non-letter glued to a word: "(word" is one piece; punctuation swallows trailing newlines. */
    SPLIT("llama3", "(word) x.\n\ny", "(word", ")", " x", ".\n\n", "y");
    SPLIT("qwen2", "12345", "1", "2", "3", "4", "5");
}

static void testPatterns(void **state) {
    (void)state;
    assert_non_null(tokPretokPattern(NULL));
    assert_non_null(tokPretokPattern("default"));
    assert_non_null(tokPretokPattern("llama-bpe"));
    assert_null(tokPretokPattern("unknown"));
    TokRegex *re = (TokRegex *)1;
    HgnStatus st = tokRegexCompile("(unclosed", "field.x", &re);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TokenizerMismatch);
    assert_string_equal(hgnStatusWhere(st), "field.x");
    assert_non_null(strstr(hgnStatusMessage(st), "offset"));
    hgnStatusFree(st);
    assert_null(re);
    /* A pattern that can match empty must still make progress. */
    assert_null(tokRegexCompile("x*", "t", &re));
    Pieces p = {0};
    assert_null(tokRegexSplit(re, "abxxc", 5, collect, &p));
    assert_int_equal(p.n, 3);
    assert_string_equal(p.text[0], "ab");
    assert_string_equal(p.text[1], "xx");
    assert_string_equal(p.text[2], "c");
    tokRegexFree(re);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testGpt2),
        cmocka_unit_test(testLlama3),
        cmocka_unit_test(testPatterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
