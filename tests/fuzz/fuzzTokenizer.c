/* fuzzTokenizer.c — libFuzzer target for tokenizer.json loading and for
 * encoding/decoding arbitrary bytes. Input: a tokenizer.json document, then a
 * NUL byte, then text (without a NUL the whole input is both). The document
 * must load or fail with HGN-0600/HGN-0108 and a location; a loaded tokenizer
 * must encode the text to in-range ids that decode without error. Two fixed
 * tokenizers (GPT-2 byte-level, SentencePiece llama with byte fallback) must
 * round-trip the text byte for byte, and the UTF-8 streaming helper must cut
 * valid text only at character ends. Any other outcome traps. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/tokenizer.h"
#include "runtime/tokenizerInt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static HgnTokenizer *gpt2, *llama;

static HgnTokenizer *build(HgnTokenizerModel model) {
    static char texts[300][8];
    const char *tokens[300];
    int32_t types[300];
    float scores[300];
    size_t n = 0;
    const char *extra[] = {"<|endoftext|>", "he", "ll", "\xc4\xa0t"};
    for (int b = 0; b < 256; b++) {
        if (model == HGN_TOKENIZER_GPT2)
            tokByteToUnicode((uint8_t)b, texts[n]);
        else
            snprintf(texts[n], sizeof texts[n], "<0x%02X>", b);
        types[n] = model == HGN_TOKENIZER_GPT2 ? HGN_TOKEN_NORMAL : HGN_TOKEN_BYTE;
        scores[n] = 0;
        tokens[n] = texts[n];
        n++;
    }
    for (int i = 0; i < 4; i++) {
        tokens[n] = extra[i];
        types[n] = i == 0 ? HGN_TOKEN_CONTROL : HGN_TOKEN_NORMAL;
        scores[n] = (float)-i;
        n++;
    }
    const char *llamaPieces[] = {"\xe2\x96\x81", "h", "e", "l", "\xe2\x96\x81h", "ll"};
    if (model == HGN_TOKENIZER_LLAMA)
        for (int i = 0; i < 6; i++) {
            tokens[n] = llamaPieces[i];
            types[n] = HGN_TOKEN_NORMAL;
            scores[n] = (float)-i;
            n++;
        }
    const char *merges[] = {"h e", "l l", "\xc4\xa0 t"};
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = model;
    spec.nTokens = n;
    spec.tokens = tokens;
    spec.types = types;
    spec.scores = scores;
    spec.merges = merges;
    spec.nMerges = model == HGN_TOKENIZER_GPT2 ? 3 : 0;
    spec.pre = "llama3";
    spec.addSpacePrefix = true;
    HgnTokenizer *tok = NULL;
    if (hgnTokenizerCreate(&spec, &tok)) __builtin_trap();
    return tok;
}

/* The llama tokenizer writes spaces as U+2581 "▁" and so decodes a literal ▁ in
 * the text as a space (as SentencePiece does); expected is text with that
 * substitution, or text itself. */
static void roundTrip(const HgnTokenizer *tok, const char *text, size_t len, unsigned flags, bool metaIsSpace) {
    char *expected = malloc(len + 1);
    size_t expectedLen = 0;
    for (size_t i = 0; i < len; i++) {
        if (metaIsSpace && i + 3 <= len && memcmp(text + i, "\xe2\x96\x81", 3) == 0) {
            expected[expectedLen++] = ' ';
            i += 2;
        } else {
            expected[expectedLen++] = text[i];
        }
    }
    int32_t *ids = NULL;
    size_t n = 0;
    char *back = NULL;
    size_t backLen = 0;
    if (hgnTokenizerEncode(tok, text, len, flags, &ids, &n)) __builtin_trap();
    if (hgnTokenizerDecode(tok, ids, n, 0, &back, &backLen)) __builtin_trap();
    if (backLen != expectedLen || memcmp(back, expected, expectedLen) != 0) {
        fprintf(stderr, "round trip changed %zu bytes into %zu\n", len, backLen);
        __builtin_trap();
    }
    free(expected);
    hgnFree(ids);
    hgnFree(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!gpt2) gpt2 = build(HGN_TOKENIZER_GPT2);
    if (!llama) llama = build(HGN_TOKENIZER_LLAMA);
    const char *json = (const char *)data, *text = json;
    size_t jsonLen = size, textLen = size;
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        jsonLen = (size_t)(nul - data);
        text = (const char *)nul + 1;
        textLen = size - jsonLen - 1;
    }
    /* Streaming helper: every cut of valid text is held back to a valid prefix, at most 3 bytes short. */
    if (hgnUtf8Valid(text, textLen, NULL)) {
        if (hgnUtf8Complete(text, textLen) != textLen) __builtin_trap();
        for (size_t cut = 0; cut <= textLen && cut < 64; cut++) {
            size_t ok = hgnUtf8Complete(text, cut);
            if (ok > cut || cut - ok > 3 || !hgnUtf8Valid(text, ok, NULL)) __builtin_trap();
        }
    }
    roundTrip(gpt2, text, textLen, HGN_ENCODE_PARSE_SPECIAL, false);
    roundTrip(llama, text, textLen, 0, true);

    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerParseJson(json, jsonLen, "fuzz", &tok);
    if (st) {
        HgnCode code = hgnStatusCode(st);
        const char *where = hgnStatusWhere(st);
        if (tok || (code != HGN_CODE_InvalidJson && code != HGN_CODE_TokenizerMismatch) || !where ||
            strncmp(where, "fuzz", 4) != 0)
            __builtin_trap();
        hgnStatusFree(st);
        return 0;
    }
    for (unsigned flags = 0; flags < 4; flags++) {
        int32_t *ids = NULL;
        size_t n = 0;
        if (hgnTokenizerEncode(tok, text, textLen, flags, &ids, &n)) __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= hgnTokenizerVocabSize(tok)) __builtin_trap();
        char *back = NULL;
        size_t backLen = 0;
        if (hgnTokenizerDecode(tok, ids, n, flags & 1 ? HGN_DECODE_SKIP_SPECIAL : 0, &back, &backLen)) __builtin_trap();
        if (strlen(back) > backLen) __builtin_trap();
        hgnFree(ids);
        hgnFree(back);
    }
    hgnTokenizerFree(tok);
    return 0;
}
