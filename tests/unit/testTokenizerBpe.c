/* testTokenizerBpe.c — tokenizers built from the neutral GGUF spec with
 * hand-made vocabularies: GPT-2 byte-level BPE (merge order, tie-breaking,
 * pre-tokenisation, ignore_merges) and SentencePiece-style "llama" BPE
 * (score order, ▁ prefix, byte fallback), special tokens, BOS/EOS, round
 * trips over invalid UTF-8, empty, long and non-Latin input, and spec errors.
 * Expected ids are derived by hand from the algorithm definitions; each test
 * says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/tokenizer.h"
#include "runtime/tokenizerInt.h"

#define META "\xe2\x96\x81"

/* ---- helpers ---- */

typedef struct Vocab {
    char *tok[600];
    float score[600];
    int32_t type[600];
    size_t n;
    const char *merges[64];
    size_t nMerges;
} Vocab;

static int32_t add(Vocab *v, const char *text, float score, int32_t type) {
    v->tok[v->n] = strdup(text);
    v->score[v->n] = score;
    v->type[v->n] = type;
    return (int32_t)v->n++;
}

static void freeVocab(Vocab *v) {
    for (size_t i = 0; i < v->n; i++) free(v->tok[i]);
}

static int32_t idOf(const HgnTokenizer *tok, const char *text) {
    int32_t id = hgnTokenizerFind(tok, text, strlen(text));
    if (id < 0) fail_msg("no token %s", text);
    return id;
}

static void expectIds(const HgnTokenizer *tok, const char *text, size_t len, unsigned flags, const int32_t *want,
                      size_t nWant) {
    int32_t *ids = NULL;
    size_t n = 0;
    HgnStatus st = hgnTokenizerEncode(tok, text, len, flags, &ids, &n);
    if (st) fail_msg("encode: %s", hgnStatusMessage(st));
    assert_non_null(ids);
    if (n != nWant || memcmp(ids, want, n * sizeof *ids) != 0) {
        fprintf(stderr, "got:");
        for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\nwant:");
        for (size_t i = 0; i < nWant; i++) fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
        fail_msg("encoding of \"%.*s\" differs", (int)len, text);
    }
    hgnFree(ids);
}

#define EXPECT(tok, text, flags, ...)                                                                                  \
    do {                                                                                                               \
        const int32_t want_[] = {__VA_ARGS__};                                                                         \
        expectIds(tok, text, strlen(text), flags, want_, sizeof want_ / sizeof want_[0]);                              \
    } while (0)

static void roundTrip(const HgnTokenizer *tok, const char *text, size_t len, unsigned encFlags) {
    int32_t *ids = NULL;
    size_t n = 0;
    assert_null(hgnTokenizerEncode(tok, text, len, encFlags, &ids, &n));
    char *back = NULL;
    size_t backLen = 0;
    assert_null(hgnTokenizerDecode(tok, ids, n, HGN_DECODE_SKIP_SPECIAL, &back, &backLen));
    if (backLen != len || memcmp(back, text, len) != 0)
        fail_msg("round trip of %zu bytes gave %zu bytes: \"%.*s\"", len, backLen, (int)(backLen < 80 ? backLen : 80),
                 back);
    hgnFree(ids);
    hgnFree(back);
}

/* GPT-2 style: ids 0..255 are the byte-level characters of bytes 0..255. */
static void byteLevelBase(Vocab *v) {
    for (int b = 0; b < 256; b++) {
        char s[3] = {0};
        tokByteToUnicode((uint8_t)b, s);
        add(v, s, 0, HGN_TOKEN_NORMAL);
    }
}

static HgnTokenizer *makeGpt2(Vocab *v, const char *pre) {
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = HGN_TOKENIZER_GPT2;
    spec.nTokens = v->n;
    spec.tokens = (const char *const *)v->tok;
    spec.types = v->type;
    spec.merges = v->merges;
    spec.nMerges = v->nMerges;
    spec.pre = pre;
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerCreate(&spec, &tok);
    if (st) fail_msg("create: %s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    return tok;
}

/* ---- GPT-2 byte-level BPE ---- */

static void testByteLevelTable(void **state) {
    (void)state;
    char s[3] = {0};
    /* Published mapping: ' '→Ġ (U+0120), '\n'→Ċ (U+010A), 'A'→'A', 0xAD→U+0143, 0xFF→ÿ. */
    assert_int_equal(tokByteToUnicode(' ', s), 2);
    assert_memory_equal(s, "\xc4\xa0", 2);
    tokByteToUnicode('\n', s);
    assert_memory_equal(s, "\xc4\x8a", 2);
    assert_int_equal(tokByteToUnicode('A', s), 1);
    assert_int_equal(s[0], 'A');
    tokByteToUnicode(0xad, s);
    assert_memory_equal(s, "\xc5\x83", 2);
    tokByteToUnicode(0xff, s);
    assert_memory_equal(s, "\xc3\xbf", 2);
    /* All 256 map to distinct code points and back. */
    for (int b = 0; b < 256; b++) {
        char u[3] = {0}, back[4];
        size_t n = tokByteToUnicode((uint8_t)b, u);
        assert_int_equal(tokByteLevelDecode(u, n, back), 1);
        assert_int_equal((unsigned char)back[0], b);
    }
}

static void testGpt2MergeOrder(void **state) {
    (void)state;
    Vocab v = {0};
    byteLevelBase(&v);
    int32_t Gt = add(&v, "\xc4\xa0t", 0, 1), he = add(&v, "he", 0, 1), Gthe = add(&v, "\xc4\xa0the", 0, 1);
    int32_t aa = add(&v, "aa", 0, 1), bc = add(&v, "bc", 0, 1), ab = add(&v, "ab", 0, 1);
    add(&v, "<|endoftext|>", 0, HGN_TOKEN_CONTROL);
    const char *merges[] = {"\xc4\xa0 t", "h e", "\xc4\xa0t he", "a a", "b c", "a b"};
    memcpy(v.merges, merges, sizeof merges);
    v.nMerges = 6;
    HgnTokenizer *tok = makeGpt2(&v, "gpt2");
    assert_int_equal(hgnTokenizerVocabSize(tok), v.n);
    /* " the" → Ġ t h e: rank 0 "Ġ t" then rank 1 "h e" then rank 2 "Ġt he". */
    EXPECT(tok, " the", 0, Gthe);
    /* "the the" pre-splits into "the" | " the"; "the" only gets "h e" (no "t he" merge). */
    EXPECT(tok, "the the", 0, 't', he, Gthe);
    /* "aaa": the two "a a" pairs tie on rank; the leftmost merges first → aa a. */
    EXPECT(tok, "aaa", 0, aa, 'a');
    /* "abc": "b c" (rank 4) beats "a b" (rank 5) although it is further right → a bc. */
    EXPECT(tok, "abc", 0, 'a', bc);
    EXPECT(tok, "ab", 0, ab);
    (void)Gt;
    /* Pre-tokenisation keeps spaces with the following word: "a  b" → "a" | " " | " b". */
    EXPECT(tok, "a  b", 0, 'a', ' ', ' ', 'b');
    /* Special tokens are split out only when asked. */
    EXPECT(tok, "a<|endoftext|>", HGN_ENCODE_PARSE_SPECIAL, 'a', idOf(tok, "<|endoftext|>"));
    EXPECT(tok, "<|e", HGN_ENCODE_PARSE_SPECIAL, '<', '|', 'e');
    {
        int32_t *ids;
        size_t n;
        assert_null(hgnTokenizerEncode(tok, "a<|endoftext|>", 14, 0, &ids, &n));
        assert_true(n > 2); /* spelled out byte by byte */
        for (size_t i = 0; i < n; i++) assert_int_not_equal(ids[i], idOf(tok, "<|endoftext|>"));
        hgnFree(ids);
    }
    assert_true(hgnTokenizerIsEog(tok, idOf(tok, "<|endoftext|>")));
    assert_false(hgnTokenizerIsEog(tok, 'a'));
    /* Decoding maps Ġ back to a space; the control token prints unless skipped. */
    int32_t ids[] = {'t', he, Gthe, idOf(tok, "<|endoftext|>")};
    char *text = NULL;
    size_t len = 0;
    assert_null(hgnTokenizerDecode(tok, ids, 4, 0, &text, &len));
    assert_string_equal(text, "the the<|endoftext|>");
    hgnFree(text);
    assert_null(hgnTokenizerDecode(tok, ids, 4, HGN_DECODE_SKIP_SPECIAL, &text, &len));
    assert_string_equal(text, "the the");
    assert_int_equal(len, 7);
    hgnFree(text);
    /* No ids: an empty, terminated string (a fresh reserved buffer once came back unterminated). */
    assert_null(hgnTokenizerDecode(tok, ids, 0, 0, &text, &len));
    assert_int_equal(len, 0);
    assert_int_equal(strlen(text), 0);
    hgnFree(text);
    /* Out-of-range id. */
    int32_t bad = (int32_t)v.n;
    HgnStatus st = hgnTokenizerDecode(tok, &bad, 1, 0, &text, &len);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    /* Streaming piece: no allocation, reports the needed size. */
    char piece[2];
    assert_int_equal(hgnTokenizerPiece(tok, Gthe, false, 0, piece, sizeof piece), 4);
    assert_memory_equal(piece, " t", 2);
    hgnTokenizerFree(tok);
    freeVocab(&v);
}

static void testGpt2RoundTrips(void **state) {
    (void)state;
    Vocab v = {0};
    byteLevelBase(&v);
    add(&v, "\xc4\xa0t", 0, 1);
    add(&v, "he", 0, 1);
    const char *merges[] = {"\xc4\xa0 t", "h e"};
    memcpy(v.merges, merges, sizeof merges);
    v.nMerges = 2;
    const char *pres[] = {"gpt2", "llama3", "qwen2"};
    for (int p = 0; p < 3; p++) {
        HgnTokenizer *tok = makeGpt2(&v, pres[p]);
        const char *texts[] = {"",
                               "hello world",
                               "  leading and trailing  \n\n\t",
                               "CJK \xe4\xb8\x96\xe7\x95\x8c\xe4\xbd\xa0\xe5\xa5\xbd",
                               "emoji \xf0\x9f\x99\x82\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
                               "combining cafe\xcc\x81 n\xcc\x83",
                               "invalid \xff\xfe \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 end",
                               "digits 1234567 and 'quotes' I'm YOU'LL"};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) roundTrip(tok, texts[i], strlen(texts[i]), 0);
        /* Every byte value, including NUL. */
        char all[256];
        for (int b = 0; b < 256; b++) all[b] = (char)b;
        roundTrip(tok, all, sizeof all, 0);
        /* Empty input: no ids, non-NULL array. */
        int32_t *ids = NULL;
        size_t n = 7;
        assert_null(hgnTokenizerEncode(tok, "", 0, HGN_ENCODE_ADD_SPECIAL, &ids, &n));
        assert_non_null(ids);
        assert_int_equal(n, 0);
        hgnFree(ids);
        /* 100 KB of mixed text round-trips (speed is measured in bench/benchTokenizer.c). */
        size_t big = 100 * 1024;
        char *text = malloc(big);
        uint64_t x = 88172645463325252ull;
        for (size_t i = 0; i < big; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *alphabet = "the quick brown fox  \n\xe4\xb8\x96";
            text[i] = alphabet[x % 25];
        }
        roundTrip(tok, text, big, 0);
        free(text);
        hgnTokenizerFree(tok);
    }
    freeVocab(&v);
}

static void testIgnoreMerges(void **state) {
    (void)state;
    Vocab v = {0};
    byteLevelBase(&v);
    /* "Ġhello" is in the vocabulary but no merges build it: only llama3's
     * ignore_merges emits it whole. */
    int32_t hello = add(&v, "\xc4\xa0hello", 0, 1);
    HgnTokenizer *tok = makeGpt2(&v, "llama3");
    EXPECT(tok, " hello", 0, hello);
    hgnTokenizerFree(tok);
    tok = makeGpt2(&v, "gpt2");
    EXPECT(tok, " hello", 0, ' ', 'h', 'e', 'l', 'l', 'o');
    hgnTokenizerFree(tok);
    freeVocab(&v);
}

/* ---- SentencePiece-style llama ---- */

typedef struct Llama {
    Vocab v;
    int32_t meta, h, e, l, o, metaH, el, ll, lo, metaHe, llo, metaHello, w, metaW;
} Llama;

static HgnTokenizer *makeLlama(Llama *L, bool addSpacePrefix) {
    memset(L, 0, sizeof *L);
    Vocab *v = &L->v;
    add(v, "<unk>", 0, HGN_TOKEN_UNKNOWN);
    add(v, "<s>", 0, HGN_TOKEN_CONTROL);
    add(v, "</s>", 0, HGN_TOKEN_CONTROL);
    for (int b = 0; b < 256; b++) {
        char s[8];
        snprintf(s, sizeof s, "<0x%02X>", b);
        add(v, s, 0, HGN_TOKEN_BYTE);
    }
    L->meta = add(v, META, -10, 1);
    L->h = add(v, "h", -10, 1);
    L->e = add(v, "e", -10, 1);
    L->l = add(v, "l", -10, 1);
    L->o = add(v, "o", -10, 1);
    L->w = add(v, "w", -10, 1);
    L->metaH = add(v, META "h", -1, 1);
    L->el = add(v, "el", -3, 1);
    L->ll = add(v, "ll", -2, 1);
    L->lo = add(v, "lo", -4, 1);
    L->metaHe = add(v, META "he", -1.5f, 1);
    L->llo = add(v, "llo", -1.2f, 1);
    L->metaHello = add(v, META "hello", -0.5f, 1);
    L->metaW = add(v, META "w", -0.1f, 1);
    add(v, "<s", 5.0f, HGN_TOKEN_UNUSED); /* never produced: not NORMAL */
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = HGN_TOKENIZER_LLAMA;
    spec.nTokens = v->n;
    spec.tokens = (const char *const *)v->tok;
    spec.scores = v->score;
    spec.types = v->type;
    spec.bosId = 1;
    spec.eosId = 2;
    spec.unkId = 0;
    spec.addBos = true;
    spec.addSpacePrefix = addSpacePrefix;
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerCreate(&spec, &tok);
    if (st) fail_msg("create: %s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
    return tok;
}

#define BYTE(b) (3 + (b))

static void testLlamaScores(void **state) {
    (void)state;
    Llama L;
    HgnTokenizer *tok = makeLlama(&L, true);
    /* "▁hello": best scores in turn ▁h(-1), ▁he(-1.5), ll(-2), llo(-1.2), ▁hello(-0.5). A
     * greedy longest-match or leftmost-first order would stop at ▁he|llo. */
    EXPECT(tok, "hello", 0, L.metaHello);
    EXPECT(tok, "hello", HGN_ENCODE_ADD_SPECIAL, 1, L.metaHello);
    /* "hell": ▁h, ▁he, then ll (-2) → ▁he ll; "▁hell" is not a token. */
    EXPECT(tok, "hell", 0, L.metaHe, L.ll);
    /* "ello": e l l o → ll(-2) beats el(-3) and lo(-4), then llo(-1.2) → e llo, with ▁ alone in front. */
    EXPECT(tok, "ello", 0, L.meta, L.e, L.llo);
    /* Spaces become ▁: "hello w" → ▁hello ▁w. */
    EXPECT(tok, "hello w", 0, L.metaHello, L.metaW);
    /* Characters not in the vocabulary fall back to their UTF-8 bytes. */
    EXPECT(tok, "h\xc3\xa9", 0, L.metaH, BYTE(0xc3), BYTE(0xa9));
    /* Invalid UTF-8: each bad byte is its own byte token. */
    EXPECT(tok, "\xff", 0, L.meta, BYTE(0xff));
    /* Control tokens in text: matched only with PARSE_SPECIAL; the segment after one gets ▁ again. */
    EXPECT(tok, "<s>hello", HGN_ENCODE_PARSE_SPECIAL, 1, L.metaHello);
    EXPECT(tok, "<s>", 0, L.meta, BYTE('<'), BYTE('s'), BYTE('>'));
    /* Empty input: only BOS when special tokens are added. */
    EXPECT(tok, "", HGN_ENCODE_ADD_SPECIAL, 1);
    assert_true(hgnTokenizerAddsBos(tok));
    assert_false(hgnTokenizerAddsEos(tok));
    assert_int_equal(hgnTokenizerBos(tok), 1);
    assert_int_equal(hgnTokenizerEos(tok), 2);
    assert_int_equal(hgnTokenizerUnk(tok), 0);
    assert_true(hgnTokenizerIsEog(tok, 2));
    /* Decode: ▁ → space, leading space of the output dropped (add_space_prefix). */
    int32_t ids[] = {1, L.metaHello, L.metaW, BYTE(0xc3), BYTE(0xa9)};
    char *text;
    size_t len;
    assert_null(hgnTokenizerDecode(tok, ids, 5, HGN_DECODE_SKIP_SPECIAL, &text, &len));
    assert_string_equal(text, "hello w\xc3\xa9");
    hgnFree(text);
    assert_null(hgnTokenizerDecode(tok, ids, 5, 0, &text, &len));
    assert_string_equal(text, "<s> hello w\xc3\xa9");
    hgnFree(text);
    assert_null(hgnTokenizerDecode(tok, ids + 2, 1, HGN_DECODE_CONTINUE, &text, &len));
    assert_string_equal(text, " w");
    hgnFree(text);
    /* Round trips (the prefix ▁ is removed again on decode). */
    const char *texts[] = {"hello",        " hello",
                           "two  spaces ", "\xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x99\x82",
                           "e\xcc\x81",    "bad \xff\xc3\x28 \xed\xa0\x80",
                           "\n\t"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) roundTrip(tok, texts[i], strlen(texts[i]), 0);
    roundTrip(tok, "", 0, HGN_ENCODE_ADD_SPECIAL);
    size_t big = 100 * 1024;
    char *long_ = malloc(big);
    for (size_t i = 0; i < big; i++) long_[i] = "hello world \xc3\xa9"[i % 14];
    long_[big - 1] = 'x';
    roundTrip(tok, long_, big, HGN_ENCODE_ADD_SPECIAL);
    free(long_);
    hgnTokenizerFree(tok);
    freeVocab(&L.v);

    /* Without add_space_prefix nothing is prepended or stripped. */
    tok = makeLlama(&L, false);
    EXPECT(tok, "hello", 0, L.h, L.e, L.llo);
    EXPECT(tok, " hello", 0, L.metaHello);
    roundTrip(tok, " hello", 6, 0);
    hgnTokenizerFree(tok);
    freeVocab(&L.v);
}

/* ---- spec errors ---- */

static void expectSpecError(HgnTokenizerSpec *spec, const char *where) {
    HgnTokenizer *tok = (HgnTokenizer *)1;
    HgnStatus st = hgnTokenizerCreate(spec, &tok);
    assert_non_null(st);
    assert_null(tok);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TokenizerMismatch);
    if (!hgnStatusWhere(st) || strcmp(hgnStatusWhere(st), where) != 0)
        fail_msg("where %s, expected %s (%s)", hgnStatusWhere(st), where, hgnStatusMessage(st));
    hgnStatusFree(st);
}

static void testSpecErrors(void **state) {
    (void)state;
    const char *tokens[] = {"a", "b", "ab", NULL};
    const char *badMerge[] = {"a b", "a c"};
    const char *noSpace[] = {"ab"};
    int32_t badType[] = {1, 1, 9};
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = HGN_TOKENIZER_GPT2;
    spec.tokens = tokens;
    spec.nTokens = 0;
    expectSpecError(&spec, "tokenizer.ggml.tokens");
    spec.nTokens = 4;
    expectSpecError(&spec, "tokenizer.ggml.tokens[3]");
    spec.nTokens = 3;
    spec.merges = badMerge;
    spec.nMerges = 2;
    expectSpecError(&spec, "tokenizer.ggml.merges[1]");
    spec.merges = noSpace;
    spec.nMerges = 1;
    expectSpecError(&spec, "tokenizer.ggml.merges[0]");
    spec.nMerges = 0;
    spec.pre = "no-such-pre";
    expectSpecError(&spec, "tokenizer.ggml.pre");
    spec.pre = NULL;
    spec.types = badType;
    expectSpecError(&spec, "tokenizer.ggml.token_type[2]");
    spec.types = NULL;
    spec.eosId = 3;
    expectSpecError(&spec, "tokenizer.ggml.eos_token_id");
    spec.eosId = -1;
    spec.model = (HgnTokenizerModel)7;
    expectSpecError(&spec, "tokenizer.ggml.model");
    spec.model = HGN_TOKENIZER_GPT2;
    HgnTokenizer *tok = NULL;
    assert_null(hgnTokenizerCreate(&spec, &tok));
    HgnTokenizerModel model = HGN_TOKENIZER_GPT2;
    assert_null(hgnTokenizerModelParse("llama", &model));
    assert_int_equal(model, HGN_TOKENIZER_LLAMA);
    assert_null(hgnTokenizerModelParse("gpt2", &model));
    assert_int_equal(model, HGN_TOKENIZER_GPT2);
    HgnStatus st = hgnTokenizerModelParse("bert", &model);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TokenizerMismatch);
    assert_string_equal(hgnStatusWhere(st), "tokenizer.ggml.model");
    assert_non_null(strstr(hgnStatusMessage(st), "bert"));
    hgnStatusFree(st);
    st = hgnTokenizerModelParse(NULL, &model);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_TokenizerMismatch);
    hgnStatusFree(st);
    hgnTokenizerFree(tok);
    hgnTokenizerFree(NULL);
}

static void testAllocationFailures(void **state) {
    (void)state;
    Llama L;
    HgnTokenizer *ref = makeLlama(&L, true);
    hgnTokenizerFree(ref);
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = HGN_TOKENIZER_LLAMA;
    spec.nTokens = L.v.n;
    spec.tokens = (const char *const *)L.v.tok;
    spec.scores = L.v.score;
    spec.types = L.v.type;
    spec.addSpacePrefix = true;
    int failures = 0;
    for (uint64_t nth = 1;; nth++) {
        HgnTokenizer *tok = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnTokenizerCreate(&spec, &tok);
        int32_t *ids = NULL;
        size_t n = 0;
        if (!st) st = hgnTokenizerEncode(tok, "hello h\xc3\xa9", 8, 0, &ids, &n);
        char *text = NULL;
        if (!st) st = hgnTokenizerDecode(tok, ids, n, 0, &text, NULL);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        hgnFree(ids);
        hgnFree(text);
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
    assert_true(failures > 5);
    freeVocab(&L.v);
}

static void testUtf8Helpers(void **state) {
    (void)state;
    size_t bad = 99;
    assert_true(hgnUtf8Valid("", 0, &bad));
    assert_true(hgnUtf8Valid("a\xc3\xa9\xe4\xb8\x96\xf0\x9f\x99\x82", 10, NULL));
    assert_false(hgnUtf8Valid("ab\xff", 3, &bad));
    assert_int_equal(bad, 2);
    assert_false(hgnUtf8Valid("\xc0\xaf", 2, &bad)); /* overlong '/' */
    assert_int_equal(bad, 0);
    assert_false(hgnUtf8Valid("x\xed\xa0\x80", 4, &bad)); /* surrogate */
    assert_int_equal(bad, 1);
    assert_false(hgnUtf8Valid("\xf4\x90\x80\x80", 4, &bad)); /* above U+10FFFF */
    assert_false(hgnUtf8Valid("\xe4\xb8", 2, &bad));         /* truncated */
    /* Streaming: an incomplete tail is held back, complete or invalid input is not. */
    assert_int_equal(hgnUtf8Complete("ab", 2), 2);
    assert_int_equal(hgnUtf8Complete("a\xe4", 2), 1);
    assert_int_equal(hgnUtf8Complete("a\xe4\xb8", 3), 1);
    assert_int_equal(hgnUtf8Complete("a\xe4\xb8\x96", 4), 4);
    assert_int_equal(hgnUtf8Complete("\xf0\x9f\x99", 3), 0);
    assert_int_equal(hgnUtf8Complete("a\xff", 2), 2);
    assert_int_equal(hgnUtf8Complete("a\x80", 2), 2);     /* stray continuation: nothing to wait for */
    assert_int_equal(hgnUtf8Complete("a\xed\xa0", 3), 3); /* would be a surrogate */
    assert_int_equal(hgnUtf8Complete("a\xe0\x80", 3), 3); /* overlong start */
    assert_int_equal(hgnUtf8Complete("\xc3", 1), 0);
    assert_int_equal(hgnUtf8Complete("", 0), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testByteLevelTable),     cmocka_unit_test(testGpt2MergeOrder),
        cmocka_unit_test(testGpt2RoundTrips),     cmocka_unit_test(testIgnoreMerges),
        cmocka_unit_test(testLlamaScores),        cmocka_unit_test(testSpecErrors),
        cmocka_unit_test(testAllocationFailures), cmocka_unit_test(testUtf8Helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
