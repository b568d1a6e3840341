/* testTokenizerGpt2Ref.c — cross-check of byte-level BPE from tokenizer.json
 * against an independent reference: tests/data/tokenizer/gpt2Bpe.json is a
 * 300-merge byte-level BPE, and gpt2Bpe.jsonl holds the ids that OpenAI's
 * GPT-2 encoder.py algorithm gives (Python `regex` pre-tokenizer, "merge the
 * lowest-rank pair everywhere" loop) under the GPT-2 pattern and under the
 * Llama 3 pattern (Split + ByteLevel). Lines cover contractions in both
 * cases, whitespace runs, newlines and CR, digits, accents, CJK, emoji with
 * a skin-tone modifier and combining marks. Regenerate with
 * tools/tokenizer/makeGpt2Data.py. */
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
#include "runtime/tokenizerInt.h"

#define DATA HGN_TEST_DATA "/tokenizer/"

static void check(const HgnTokenizer *tok, const char *key) {
    FILE *f = fopen(DATA "gpt2Bpe.jsonl", "r");
    assert_non_null(f);
    char line[16384];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *c = json_loads(line, 0, &err);
        assert_non_null(c);
        const char *text = json_string_value(json_object_get(c, "text"));
        const json_t *want = json_object_get(c, key);
        int32_t *ids = NULL;
        size_t n = 0;
        assert_null(hgnTokenizerEncode(tok, text, strlen(text), 0, &ids, &n));
        bool same = n == json_array_size(want);
        for (size_t i = 0; same && i < n; i++) same = ids[i] == json_integer_value(json_array_get(want, i));
        if (!same) {
            fprintf(stderr, "ours:");
            for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
            fprintf(stderr, "\n");
            fail_msg("%s: differs from the reference for \"%s\"", key, text);
        }
        char *back = NULL;
        assert_null(hgnTokenizerDecode(tok, ids, n, 0, &back, NULL));
        assert_string_equal(back, text);
        hgnFree(back);
        hgnFree(ids);
        json_decref(c);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 10);
}

static void testGpt2Pattern(void **state) {
    (void)state;
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerLoadJson(DATA "gpt2Bpe.json", &tok);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    check(tok, "gpt2");
    hgnTokenizerFree(tok);
}

static void testLlama3Pattern(void **state) {
    (void)state;
    json_error_t err;
    json_t *doc = json_load_file(DATA "gpt2Bpe.json", 0, &err);
    assert_non_null(doc);
    json_object_set_new(doc, "pre_tokenizer",
                        json_pack("{s:s,s:[{s:s,s:{s:s},s:s,s:b},{s:s,s:b,s:b,s:b}]}", "type", "Sequence",
                                  "pretokenizers", "type", "Split", "pattern", "Regex", tokPretokPattern("llama3"),
                                  "behavior", "Isolated", "invert", 0, "type", "ByteLevel", "add_prefix_space", 0,
                                  "trim_offsets", 1, "use_regex", 0));
    char *text = json_dumps(doc, 0);
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerParseJson(text, strlen(text), "llama3.json", &tok);
    if (st) fail_msg("%s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    check(tok, "llama3");
    hgnTokenizerFree(tok);
    free(text);
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testGpt2Pattern), cmocka_unit_test(testLlama3Pattern)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
