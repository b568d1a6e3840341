/* testTokenizerSpm.c — cross-check of the "llama" (SentencePiece BPE)
 * tokenizer against real SentencePiece: tests/data/tokenizer/spmBpe.vocab is
 * a 600-piece BPE model trained by Debian's spm_train (byte fallback,
 * identity normalisation, dummy prefix) and spmBpe.jsonl holds spm_encode's
 * ids for lines with repeated spaces, accents, CJK, emoji that only byte
 * fallback covers, digits, tabs and single characters (regenerate with
 * tools/tokenizer/makeSpmData.sh). The vocabulary is fed through the GGUF
 * spec exactly as a converted model would carry it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/tokenizer.h"

#define DATA HGN_TEST_DATA "/tokenizer/"

static HgnTokenizer *loadSpm(void) {
    FILE *f = fopen(DATA "spmBpe.vocab", "r");
    assert_non_null(f);
    static char *tokens[1000];
    static float scores[1000];
    static int32_t types[1000];
    size_t n = 0;
    char line[512];
    while (fgets(line, sizeof line, f) && n < 1000) {
        char *tab = strrchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        tokens[n] = strdup(line);
        scores[n] = strtof(tab + 1, NULL);
        if (!strcmp(line, "<unk>"))
            types[n] = HGN_TOKEN_UNKNOWN;
        else if (!strcmp(line, "<s>") || !strcmp(line, "</s>"))
            types[n] = HGN_TOKEN_CONTROL;
        else if (strlen(line) == 6 && !strncmp(line, "<0x", 3))
            types[n] = HGN_TOKEN_BYTE;
        else
            types[n] = HGN_TOKEN_NORMAL;
        n++;
    }
    fclose(f);
    assert_int_equal(n, 600);
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = HGN_TOKENIZER_LLAMA;
    spec.nTokens = n;
    spec.tokens = (const char *const *)tokens;
    spec.scores = scores;
    spec.types = types;
    spec.unkId = 0;
    spec.bosId = 1;
    spec.eosId = 2;
    spec.addBos = true;
    spec.addSpacePrefix = true;
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerCreate(&spec, &tok);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    for (size_t i = 0; i < n; i++) free(tokens[i]);
    return tok;
}

static void testMatchesSentencePiece(void **state) {
    (void)state;
    HgnTokenizer *tok = loadSpm();
    FILE *f = fopen(DATA "spmBpe.jsonl", "r");
    assert_non_null(f);
    char line[8192];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *c = json_loads(line, 0, &err);
        assert_non_null(c);
        const char *text = json_string_value(json_object_get(c, "text"));
        const json_t *want = json_object_get(c, "ids");
        int32_t *ids = NULL;
        size_t n = 0;
        assert_null(hgnTokenizerEncode(tok, text, strlen(text), 0, &ids, &n));
        bool same = n == json_array_size(want);
        for (size_t i = 0; same && i < n; i++) same = ids[i] == json_integer_value(json_array_get(want, i));
        if (!same) {
            fprintf(stderr, "ours:");
            for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
            fprintf(stderr, "\n");
            fail_msg("differs from spm_encode for \"%s\"", text);
        }
        /* With BOS, and back to the same text. */
        hgnFree(ids);
        assert_null(hgnTokenizerEncode(tok, text, strlen(text), HGN_ENCODE_ADD_SPECIAL, &ids, &n));
        assert_int_equal(ids[0], 1);
        char *back = NULL;
        assert_null(hgnTokenizerDecode(tok, ids, n, HGN_DECODE_SKIP_SPECIAL, &back, NULL));
        assert_string_equal(back, text);
        hgnFree(back);
        hgnFree(ids);
        json_decref(c);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 10);
    hgnTokenizerFree(tok);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testMatchesSentencePiece)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
