/* testTokenizerJson.c — Hugging Face tokenizer.json loading: a GPT-2-style
 * byte-level BPE (merges in both string and array form, added special tokens,
 * TemplateProcessing BOS, ByteLevel add_prefix_space), a Llama-2-style BPE
 * with byte fallback (Prepend/Replace normalizers, Replace/ByteFallback/Fuse/
 * Strip decoder), a Metaspace variant, a Split+ByteLevel sequence; errors
 * that name the JSON pointer; file loading; allocation failures. Expected ids
 * follow from the merge ranks, as each test explains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/tokenizer.h"
#include "runtime/tokenizerInt.h"

#define META "\xe2\x96\x81"

static HgnTokenizer *parse(json_t *doc) {
    char *text = json_dumps(doc, JSON_COMPACT);
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerParseJson(text, strlen(text), "t.json", &tok);
    free(text);
    if (st) fail_msg("parse: %s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    return tok;
}

static void expectError(json_t *doc, HgnCode code, const char *where) {
    char *text = json_dumps(doc, JSON_COMPACT);
    HgnTokenizer *tok = (HgnTokenizer *)1;
    HgnStatus st = hgnTokenizerParseJson(text, strlen(text), "t.json", &tok);
    free(text);
    assert_non_null(st);
    assert_null(tok);
    if (hgnStatusCode(st) != code || !hgnStatusWhere(st) || strcmp(hgnStatusWhere(st), where) != 0)
        fail_msg("got code %d at %s (%s), expected %d at %s", hgnStatusCode(st), hgnStatusWhere(st),
                 hgnStatusMessage(st), code, where);
    hgnStatusFree(st);
}

static void expectIds(const HgnTokenizer *tok, const char *text, unsigned flags, const int32_t *want, size_t nWant) {
    int32_t *ids = NULL;
    size_t n = 0;
    assert_null(hgnTokenizerEncode(tok, text, strlen(text), flags, &ids, &n));
    bool same = n == nWant && memcmp(ids, want, n * sizeof *ids) == 0;
    if (!same) {
        for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
        fail_msg("encoding of \"%s\" differs", text);
    }
    hgnFree(ids);
}

#define EXPECT(tok, text, flags, ...)                                                                                  \
    do {                                                                                                               \
        const int32_t want_[] = {__VA_ARGS__};                                                                         \
        expectIds(tok, text, flags, want_, sizeof want_ / sizeof want_[0]);                                            \
    } while (0)

static void expectDecode(const HgnTokenizer *tok, const int32_t *ids, size_t n, unsigned flags, const char *want) {
    char *text = NULL;
    size_t len = 0;
    assert_null(hgnTokenizerDecode(tok, ids, n, flags, &text, &len));
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    hgnFree(text);
}

static json_t *addedToken(int id, const char *content, bool special) {
    return json_pack("{s:i,s:s,s:b,s:b,s:b,s:b,s:b}", "id", id, "content", content, "single_word", 0, "lstrip", 0,
                     "rstrip", 0, "normalized", 0, "special", special);
}

static json_t *template(const char *bos, int bosId) {
    return json_pack("{s:s,s:[{s:{s:s,s:i}},{s:{s:s,s:i}}],s:{s:{s:s,s:[i],s:[s]}}}", "type", "TemplateProcessing",
                     "single", "SpecialToken", "id", bos, "type_id", 0, "Sequence", "id", "A", "type_id", 0,
                     "special_tokens", bos, "id", bos, "ids", bosId, "tokens", bos);
}

/* GPT-2 style: ids 0..255 are byte-level characters; 256 Ġt, 257 he, 258 Ġthe,
 * 259 <|endoftext|> (special, also in vocab), 260 <s> (added only). */
static json_t *gpt2Doc(void) {
    json_t *vocab = json_object();
    for (int b = 0; b < 256; b++) {
        char s[3] = {0};
        tokByteToUnicode((uint8_t)b, s);
        json_object_set_new(vocab, s, json_integer(b));
    }
    json_object_set_new(vocab, "\xc4\xa0t", json_integer(256));
    json_object_set_new(vocab, "he", json_integer(257));
    json_object_set_new(vocab, "\xc4\xa0the", json_integer(258));
    json_object_set_new(vocab, "<|endoftext|>", json_integer(259));
    json_t *merges = json_pack("[s,[s,s],s]", "\xc4\xa0 t", "h", "e", "\xc4\xa0t he");
    json_t *model = json_pack("{s:s,s:n,s:n,s:b,s:b,s:o,s:o}", "type", "BPE", "dropout", "unk_token", "byte_fallback",
                              0, "ignore_merges", 0, "vocab", vocab, "merges", merges);
    return json_pack("{s:s,s:[o,o],s:n,s:{s:s,s:b,s:b,s:b},s:o,s:{s:s},s:o}", "version", "1.0", "added_tokens",
                     addedToken(259, "<|endoftext|>", true), addedToken(260, "<s>", true), "normalizer",
                     "pre_tokenizer", "type", "ByteLevel", "add_prefix_space", 0, "trim_offsets", 1, "use_regex", 1,
                     "post_processor", template("<s>", 260), "decoder", "type", "ByteLevel", "model", model);
}

static void testByteLevelJson(void **state) {
    (void)state;
    json_t *doc = gpt2Doc();
    HgnTokenizer *tok = parse(doc);
    assert_int_equal(hgnTokenizerVocabSize(tok), 261);
    assert_int_equal(hgnTokenizerModel(tok), HGN_TOKENIZER_GPT2);
    assert_int_equal(hgnTokenizerBos(tok), 260);
    assert_int_equal(hgnTokenizerEos(tok), 259); /* by name: <|endoftext|> */
    assert_true(hgnTokenizerAddsBos(tok));
    assert_int_equal(hgnTokenizerTokenType(tok, 259), HGN_TOKEN_CONTROL);
    /* " the" → Ġ t h e → "Ġ t" (rank 0), "h e" (rank 1, array form), "Ġt he" (rank 2). */
    EXPECT(tok, " the the", 0, 258, 258);
    EXPECT(tok, "the", HGN_ENCODE_ADD_SPECIAL, 260, 't', 257);
    EXPECT(tok, "x<|endoftext|>", HGN_ENCODE_PARSE_SPECIAL, 'x', 259);
    const int32_t ids[] = {260, 't', 257, 258, 259};
    expectDecode(tok, ids, 5, 0, "<s>the the<|endoftext|>");
    expectDecode(tok, ids, 5, HGN_DECODE_SKIP_SPECIAL, "the the");
    hgnTokenizerFree(tok);

    /* add_prefix_space: a space goes in front of each segment that lacks one; the
     * ByteLevel decoder keeps it. */
    json_object_set_new(json_object_get(doc, "pre_tokenizer"), "add_prefix_space", json_true());
    tok = parse(doc);
    EXPECT(tok, "the", 0, 258);
    EXPECT(tok, " the", 0, 258);
    const int32_t one[] = {258};
    expectDecode(tok, one, 1, 0, " the");
    hgnTokenizerFree(tok);

    /* Sequence[Split(llama3 regex), ByteLevel(use_regex false)] with ignore_merges (Llama 3 layout). */
    json_object_set_new(doc, "pre_tokenizer",
                        json_pack("{s:s,s:[{s:s,s:{s:s},s:s,s:b},{s:s,s:b,s:b,s:b}]}", "type", "Sequence",
                                  "pretokenizers", "type", "Split", "pattern", "Regex", tokPretokPattern("llama3"),
                                  "behavior", "Isolated", "invert", 0, "type", "ByteLevel", "add_prefix_space", 0,
                                  "trim_offsets", 1, "use_regex", 0));
    json_object_set_new(json_object_get(doc, "model"), "ignore_merges", json_true());
    json_object_set_new(json_object_get(json_object_get(doc, "model"), "vocab"), "\xc4\xa0hello", json_integer(261));
    tok = parse(doc);
    EXPECT(tok, " hello the", 0, 261, 258);
    /* 12345 splits as 123|45 under the Llama 3 regex. */
    EXPECT(tok, "12345", 0, '1', '2', '3', '4', '5');
    hgnTokenizerFree(tok);
    json_decref(doc);
}

/* Llama-2 style: <unk> 0, <s> 1, </s> 2, <0x00>..<0xFF> 3..258, then ▁ 259, h 260,
 * e 261, l 262, o 263, ▁h 264, ll 265, llo 266, ▁he 267, ▁hello 268. */
static json_t *llamaDoc(void) {
    json_t *vocab = json_pack("{s:i,s:i,s:i}", "<unk>", 0, "<s>", 1, "</s>", 2);
    for (int b = 0; b < 256; b++) {
        char s[8];
        snprintf(s, sizeof s, "<0x%02X>", b);
        json_object_set_new(vocab, s, json_integer(3 + b));
    }
    const char *pieces[] = {META, "h", "e", "l", "o", META "h", "ll", "llo", META "he", META "hello"};
    for (int i = 0; i < 10; i++) json_object_set_new(vocab, pieces[i], json_integer(259 + i));
    json_t *merges = json_pack("[s,s,s,s,s]", META " h", "l l", "ll o", META "h e", META "he llo");
    json_t *model = json_pack("{s:s,s:s,s:b,s:b,s:o,s:o}", "type", "BPE", "unk_token", "<unk>", "byte_fallback", 1,
                              "fuse_unk", 1, "vocab", vocab, "merges", merges);
    json_t *normalizer =
        json_pack("{s:s,s:[{s:s,s:s},{s:s,s:{s:s},s:s}]}", "type", "Sequence", "normalizers", "type", "Prepend",
                  "prepend", META, "type", "Replace", "pattern", "String", " ", "content", META);
    json_t *decoder = json_pack("{s:s,s:[{s:s,s:{s:s},s:s},{s:s},{s:s},{s:s,s:s,s:i,s:i}]}", "type", "Sequence",
                                "decoders", "type", "Replace", "pattern", "String", META, "content", " ", "type",
                                "ByteFallback", "type", "Fuse", "type", "Strip", "content", " ", "start", 1, "stop", 0);
    return json_pack("{s:[o,o,o],s:o,s:n,s:o,s:o,s:o}", "added_tokens", addedToken(0, "<unk>", true),
                     addedToken(1, "<s>", true), addedToken(2, "</s>", true), "normalizer", normalizer, "pre_tokenizer",
                     "post_processor", template("<s>", 1), "decoder", decoder, "model", model);
}

static void testLlamaJson(void **state) {
    (void)state;
    json_t *doc = llamaDoc();
    HgnTokenizer *tok = parse(doc);
    assert_int_equal(hgnTokenizerModel(tok), HGN_TOKENIZER_LLAMA);
    assert_int_equal(hgnTokenizerUnk(tok), 0);
    assert_int_equal(hgnTokenizerEos(tok), 2);
    assert_int_equal(hgnTokenizerTokenType(tok, 3 + 'A'), HGN_TOKEN_BYTE);
    /* "▁hello": ranks ▁ h (0), l l (1), ll o (2), ▁h e (3), ▁he llo (4). */
    EXPECT(tok, "hello", HGN_ENCODE_ADD_SPECIAL, 1, 268);
    /* é is not in the vocabulary: byte fallback to <0xC3><0xA9>. */
    EXPECT(tok, "h\xc3\xa9", 0, 264, 3 + 0xc3, 3 + 0xa9);
    /* Invalid UTF-8 falls back byte by byte too. */
    EXPECT(tok, "\xff", 0, 259, 3 + 0xff);
    /* Prepend applies to every segment between special tokens. */
    EXPECT(tok, "hello</s>hello", HGN_ENCODE_PARSE_SPECIAL, 268, 2, 268);
    const int32_t ids[] = {1, 268, 264, 3 + 0xc3, 3 + 0xa9};
    expectDecode(tok, ids, 5, HGN_DECODE_SKIP_SPECIAL, "hello h\xc3\xa9");
    const char *texts[] = {"hello", " lead", "bad \xff\xfe", "\xe4\xb8\x96 \xf0\x9f\x99\x82 e\xcc\x81", ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int32_t *out;
        size_t n;
        char *back;
        size_t len;
        assert_null(hgnTokenizerEncode(tok, texts[i], strlen(texts[i]), HGN_ENCODE_ADD_SPECIAL, &out, &n));
        assert_null(hgnTokenizerDecode(tok, out, n, HGN_DECODE_SKIP_SPECIAL, &back, &len));
        assert_string_equal(back, texts[i]);
        hgnFree(out);
        hgnFree(back);
    }
    hgnTokenizerFree(tok);

    /* Without byte fallback, unknown characters become <unk>, fused when adjacent. */
    json_object_set_new(json_object_get(doc, "model"), "byte_fallback", json_false());
    tok = parse(doc);
    EXPECT(tok, "h\xc3\xa9\xc3\xa9", 0, 264, 0);
    hgnTokenizerFree(tok);

    /* Metaspace pre-tokenizer, prepend_scheme "first", with its decoder. */
    json_object_set_new(doc, "normalizer", json_null());
    json_object_set_new(doc, "pre_tokenizer",
                        json_pack("{s:s,s:s,s:s,s:b}", "type", "Metaspace", "replacement", META, "prepend_scheme",
                                  "first", "split", 0));
    json_object_set_new(
        doc, "decoder",
        json_pack("{s:s,s:s,s:s}", "type", "Metaspace", "replacement", META, "prepend_scheme", "first"));
    json_object_set_new(json_object_get(doc, "model"), "byte_fallback", json_true());
    tok = parse(doc);
    /* Only the first segment gets ▁: "hello " → ▁hello ▁; after <s>, "hello" → h e llo ("h e" is no merge). */
    EXPECT(tok, "hello <s>hello", HGN_ENCODE_PARSE_SPECIAL, 268, 259, 1, 260, 261, 266);
    /* A leading space already is the ▁: nothing is prepended, and the decoder strips it (HF behaviour). */
    EXPECT(tok, " hello", 0, 268);
    const int32_t one[] = {268};
    expectDecode(tok, one, 1, 0, "hello");
    hgnTokenizerFree(tok);
    json_decref(doc);
}

static void testErrors(void **state) {
    (void)state;
    HgnTokenizer *tok = (HgnTokenizer *)1;
    HgnStatus st = hgnTokenizerParseJson("{\"model\": [1,\n }", 16, "t.json", &tok);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidJson);
    assert_non_null(strstr(hgnStatusWhere(st), "t.json:2:"));
    assert_null(tok);
    hgnStatusFree(st);

    json_t *doc = json_pack("[]");
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#");
    json_decref(doc);
    doc = json_pack("{}");
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model");
    json_decref(doc);

    doc = gpt2Doc();
    json_t *model = json_object_get(doc, "model");
    json_object_set_new(model, "type", json_string("WordPiece"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/type");
    json_object_set_new(model, "type", json_string("BPE"));
    json_array_append_new(json_object_get(model, "merges"), json_string("q zz"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/merges/3");
    json_array_remove(json_object_get(model, "merges"), 3);
    json_array_append_new(json_object_get(model, "merges"), json_string("nospace"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/merges/3");
    json_array_remove(json_object_get(model, "merges"), 3);
    json_object_set_new(model, "dropout", json_real(0.1));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/dropout");
    json_object_set_new(model, "dropout", json_null());
    json_object_set_new(json_object_get(model, "vocab"), "n/e~g", json_integer(-4));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/vocab/n~1e~0g");
    json_object_del(json_object_get(model, "vocab"), "n/e~g");
    json_object_set_new(json_object_get(model, "vocab"), "far", json_integer(1000000));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/vocab");
    json_object_del(json_object_get(model, "vocab"), "far");
    json_object_set_new(json_object_get(model, "vocab"), "dup", json_integer(5));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/model/vocab/dup");
    json_object_del(json_object_get(model, "vocab"), "dup");

    json_object_set_new(doc, "pre_tokenizer",
                        json_pack("{s:s,s:[{s:s,s:{s:s},s:s}]}", "type", "Sequence", "pretokenizers", "type", "Split",
                                  "pattern", "Regex", "\\s+", "behavior", "Removed"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/pre_tokenizer/pretokenizers/0/behavior");
    json_object_set_new(
        doc, "pre_tokenizer",
        json_pack("{s:s,s:{s:s},s:s}", "type", "Split", "pattern", "Regex", "(bad", "behavior", "Isolated"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/pre_tokenizer/pattern");
    json_object_set_new(doc, "pre_tokenizer", json_pack("{s:s}", "type", "BertPreTokenizer"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/pre_tokenizer/type");
    json_object_set_new(doc, "pre_tokenizer", json_pack("{s:s}", "type", "ByteLevel"));
    json_object_set_new(doc, "decoder", json_pack("{s:s}", "type", "WordPiece"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/decoder/type");
    json_object_set_new(doc, "decoder", json_pack("{s:s}", "type", "ByteLevel"));
    json_object_set_new(doc, "normalizer", json_pack("{s:s}", "type", "Lowercase"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/normalizer");
    json_object_set_new(doc, "normalizer", json_pack("{s:s}", "type", "NFC"));
    json_object_set_new(doc, "post_processor", json_pack("{s:s}", "type", "RobertaProcessing"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/post_processor/type");
    json_object_set_new(doc, "post_processor", json_null());
    json_object_set_new(doc, "added_tokens", json_pack("[{s:s}]", "content", "x"));
    expectError(doc, HGN_CODE_TokenizerMismatch, "t.json#/added_tokens/0");
    json_object_set_new(doc, "added_tokens", json_array());
    tok = parse(doc); /* everything restored: loads */
    hgnTokenizerFree(tok);
    json_decref(doc);
}

static void testLoadFile(void **state) {
    (void)state;
    HgnTokenizer *tok = (HgnTokenizer *)1;
    HgnStatus st = hgnTokenizerLoadJson("/nonexistent/tokenizer.json", &tok);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_NotFound);
    assert_null(tok);
    hgnStatusFree(st);
    char path[] = "/tmp/hgnTokXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    json_t *doc = gpt2Doc();
    assert_int_equal(json_dumpfd(doc, fd, 0), 0);
    close(fd);
    assert_null(hgnTokenizerLoadJson(path, &tok));
    assert_int_equal(hgnTokenizerVocabSize(tok), 261);
    hgnTokenizerFree(tok);
    unlink(path);
    json_decref(doc);
}

static void testAllocationFailures(void **state) {
    (void)state;
    json_t *doc = llamaDoc();
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int failures = 0;
    for (uint64_t nth = 1;; nth++) {
        HgnTokenizer *tok = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnTokenizerParseJson(text, strlen(text), "t.json", &tok);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        hgnTokenizerFree(tok);
        if (!injected) {
            assert_null(st);
            break;
        }
        assert_non_null(st);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
        failures++;
    }
    assert_true(failures > 100);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testByteLevelJson), cmocka_unit_test(testLlamaJson),          cmocka_unit_test(testErrors),
        cmocka_unit_test(testLoadFile),      cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
