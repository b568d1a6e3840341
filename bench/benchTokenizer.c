/* benchTokenizer.c — tokenizer and sampler speed. Encode throughput at 1x,
 * 2x, 4x and 8x input size for a SentencePiece-style llama tokenizer (the
 * whole text is one merge sequence), a GPT-2 byte-level tokenizer, and a
 * worst case of one 100 KB+ pre-token ("aaaa…" with doubling merges): time
 * per byte should stay flat (O(n log n) heap BPE, not O(n^2)). Then sampler
 * latency per token for 32k and 128k vocabularies with llama.cpp defaults
 * (top-k 40) and with top-k off (full sort for top-p). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/sampler.h"
#include "huginn/tokenizer.h"
#include "runtime/tokenizerInt.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char names[2000][16];

/* Byte tokens plus "a"-runs of length 2,4,...,1024 and common bigrams of the text alphabet. */
static HgnTokenizer *makeTokenizer(HgnTokenizerModel model) {
    static const char *tokens[2000];
    static int32_t types[2000];
    static float scores[2000];
    static const char *merges[2000];
    static char mergeText[2000][40];
    size_t n = 0, nm = 0;
    for (int b = 0; b < 256; b++) {
        memset(names[n], 0, sizeof names[n]);
        if (model == HGN_TOKENIZER_GPT2)
            tokByteToUnicode((uint8_t)b, names[n]);
        else
            snprintf(names[n], sizeof names[n], "<0x%02X>", b);
        types[n] = model == HGN_TOKENIZER_GPT2 ? HGN_TOKEN_NORMAL : HGN_TOKEN_BYTE;
        tokens[n] = names[n];
        n++;
    }
    const char *alphabet = "abcdefghijklmnopqrstuvwxyz";
    if (model == HGN_TOKENIZER_LLAMA)
        for (int i = 0; i < 27; i++) {
            if (i < 26)
                snprintf(names[n], sizeof names[n], "%c", alphabet[i]);
            else
                snprintf(names[n], sizeof names[n], "\xe2\x96\x81");
            tokens[n] = names[n], types[n] = HGN_TOKEN_NORMAL, scores[n] = -100;
            n++;
        }
    for (int i = 0; i < 26; i++)
        for (int j = 0; j < 26; j += 3) {
            snprintf(names[n], sizeof names[n], "%c%c", alphabet[i], alphabet[j]);
            snprintf(mergeText[nm], sizeof mergeText[nm], "%c %c", alphabet[i], alphabet[j]);
            merges[nm] = mergeText[nm], nm++;
            tokens[n] = names[n], types[n] = HGN_TOKEN_NORMAL, scores[n] = -(float)n;
            n++;
        }
    static char runs[10][1100];
    for (int k = 1; k <= 9; k++) { /* a^(2^k) */
        size_t len = (size_t)1 << k;
        memset(runs[k], 'a', len);
        runs[k][len] = 0;
        if (len > 2) { /* "aa" already exists as a bigram */
            tokens[n] = runs[k], types[n] = HGN_TOKEN_NORMAL, scores[n] = (float)k;
            n++;
        }
        snprintf(mergeText[nm], sizeof mergeText[nm], "%.*s %.*s", (int)(len / 2 < 16 ? len / 2 : 0), runs[k],
                 (int)(len / 2 < 16 ? len / 2 : 0), runs[k]);
        if (len / 2 < 16) merges[nm] = mergeText[nm], nm++;
    }
    HgnTokenizerSpec spec;
    hgnTokenizerSpecInit(&spec);
    spec.model = model;
    spec.nTokens = n;
    spec.tokens = tokens;
    spec.types = types;
    spec.scores = scores;
    spec.merges = merges;
    spec.nMerges = model == HGN_TOKENIZER_GPT2 ? nm : 0;
    spec.pre = "gpt2";
    spec.addSpacePrefix = true;
    HgnTokenizer *tok = NULL;
    HgnStatus st = hgnTokenizerCreate(&spec, &tok);
    if (st) {
        fprintf(stderr, "%s at %s\n", hgnStatusMessage(st), hgnStatusWhere(st));
        exit(1);
    }
    return tok;
}

static void benchEncode(const char *label, HgnTokenizer *tok, bool worst) {
    size_t base = 100 * 1024;
    double first = 0;
    for (int scale = 1; scale <= 8; scale *= 2) {
        size_t len = base * (size_t)scale;
        char *text = malloc(len);
        uint64_t x = 12345;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[i] = worst ? 'a' : (x % 6 == 0 ? ' ' : "etaoinshrdlucmfwyp"[x % 18]);
        }
        int32_t *ids;
        size_t n;
        double t0 = now();
        HgnStatus st = hgnTokenizerEncode(tok, text, len, 0, &ids, &n);
        double dt = now() - t0;
        if (st) exit(1);
        double nsPerByte = dt * 1e9 / (double)len;
        if (scale == 1) first = nsPerByte;
        printf("%-22s %6zu KB %9zu ids %9.2f ms %8.1f MB/s  ns/byte x%.2f of 1x\n", label, len / 1024, n, dt * 1e3,
               (double)len / dt / 1e6, nsPerByte / first);
        hgnFree(ids);
        free(text);
    }
}

static void benchSampler(size_t nVocab, int topK) {
    float *logits = malloc(nVocab * sizeof *logits);
    for (size_t i = 0; i < nVocab; i++) logits[i] = 8.0f * sinf((float)i * 0.731f) * cosf((float)i * 0.013f);
    HgnSamplerParams p;
    hgnSamplerParamsInit(&p);
    p.topK = topK;
    p.repeatPenalty = 1.1f;
    HgnSampler *s = NULL;
    if (hgnSamplerCreate(&p, nVocab, &s)) exit(1);
    int iters = 200;
    double t0 = now();
    for (int i = 0; i < iters; i++) {
        int32_t t;
        if (hgnSamplerSample(s, logits, &t)) exit(1);
        hgnSamplerAccept(s, t);
    }
    double dt = (now() - t0) / iters;
    printf("sampler vocab %7zu top-k %3d: %8.1f us/token\n", nVocab, topK, dt * 1e6);
    hgnSamplerFree(s);
    free(logits);
}

int main(void) {
    HgnTokenizer *llama = makeTokenizer(HGN_TOKENIZER_LLAMA), *gpt2 = makeTokenizer(HGN_TOKENIZER_GPT2);
    benchEncode("llama (SentencePiece)", llama, false);
    benchEncode("gpt2 (byte-level)", gpt2, false);
    benchEncode("llama one run 'aaa…'", llama, true);
    benchEncode("gpt2 one run 'aaa…'", gpt2, true);
    hgnTokenizerFree(llama);
    hgnTokenizerFree(gpt2);
    benchSampler(32000, 40);
    benchSampler(32000, 0);
    benchSampler(128256, 40);
    benchSampler(128256, 0);
    return 0;
}
