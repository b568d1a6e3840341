/* bpeVocab.c — builds makeModel's synthetic byte-level BPE vocabulary (see
 * bpeVocab.h): special tokens, the 256 GPT-2 byte tokens, then merges that
 * extend tokens one lower-case letter at a time. */
#include "bpeVocab.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the
 * others (0–32, 127–160, 173) to U+0100 upward in byte order. */
static uint32_t byteCodePoint(unsigned b) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) return b;
    uint32_t n = 0;
    for (unsigned c = 0; c < b; c++)
        if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174)) n++;
    return 256 + n;
}

static size_t putUtf8(char *p, uint32_t cp) {
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    p[0] = (char)(0xc0 | (cp >> 6)); /* every GPT-2 byte code point is below U+0800 */
    p[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
}

static char *concat(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *s = hgnMalloc(na + nb + 1);
    if (!s) return NULL;
    memcpy(s, a, na);
    memcpy(s + na, b, nb + 1);
    return s;
}

static char *joinMerge(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *s = hgnMalloc(na + nb + 2);
    if (!s) return NULL;
    memcpy(s, a, na);
    s[na] = ' ';
    memcpy(s + na + 1, b, nb + 1);
    return s;
}

void bpeVocabFree(BpeVocab *v) {
    if (!v) return;
    for (uint32_t i = 0; v->tokens && i < v->nTokens; i++) hgnFree(v->tokens[i]);
    for (uint32_t i = 0; v->merges && i < v->nMerges; i++) hgnFree(v->merges[i]);
    hgnFree(v->tokens);
    hgnFree(v->types);
    hgnFree(v->merges);
    memset(v, 0, sizeof *v);
}

HgnStatus bpeVocabBuild(uint32_t nTokens, BpeVocab *out) {
    memset(out, 0, sizeof *out);
    if (nTokens < BPE_VOCAB_MIN || nTokens > BPE_VOCAB_MAX)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "--vocab", "choose a vocabulary of 260 to 4194304 tokens",
                            "vocabulary size %u is out of range (3 special + 256 byte tokens + at least 1 merge)",
                            nTokens);
    BpeVocab v = {0};
    v.tokens = hgnCalloc(nTokens, sizeof *v.tokens);
    v.types = hgnCalloc(nTokens, sizeof *v.types);
    v.merges = hgnCalloc(nTokens - 259u, sizeof *v.merges);
    if (!v.tokens || !v.types || !v.merges) goto oom;
    static const char *const specials[BPE_VOCAB_SPECIALS] = {"<unk>", "<s>", "</s>"};
    for (uint32_t i = 0; i < BPE_VOCAB_SPECIALS; i++) {
        if (!(v.tokens[i] = hgnStrdup(specials[i]))) goto oom;
        v.nTokens = i + 1;
        v.types[i] = 3;
    }
    for (unsigned b = 0; b < 256; b++) {
        char buf[4];
        size_t n = putUtf8(buf, byteCodePoint(b));
        uint32_t id = BPE_VOCAB_SPECIALS + b;
        if (!(v.tokens[id] = hgnStrndup(buf, n))) goto oom;
        v.nTokens = id + 1;
        v.types[id] = 1;
    }
    /* Merges: for each existing word token t (in creation order, starting with
     * "Ġ" and then the letters), append each letter: t + c. A word token is a
     * letter, "Ġ", or a merge result; no two merges yield the same string since
     * t + c determines t and c. */
    const uint32_t firstLetter = BPE_VOCAB_SPECIALS + 'a', spaceTok = BPE_VOCAB_SPECIALS + ' ';
    uint32_t next = 259;
    /* the sequence of word tokens to extend: Ġ, a..z, then merge results in order */
    for (uint32_t w = 0; next < nTokens; w++) {
        uint32_t base = w == 0 ? spaceTok : w <= 26 ? firstLetter + (w - 1) : 259 + (w - 27);
        if (base >= next) break; /* cannot happen: each word yields 26 merges */
        for (uint32_t c = 0; c < 26 && next < nTokens; c++) {
            const char *left = v.tokens[base], *right = v.tokens[firstLetter + c];
            char *tok = concat(left, right), *merge = joinMerge(left, right);
            if (!tok || !merge) {
                hgnFree(tok);
                hgnFree(merge);
                goto oom;
            }
            v.tokens[next] = tok;
            v.merges[next - 259] = merge;
            v.types[next] = 1;
            v.nTokens = next + 1;
            v.nMerges = next - 259 + 1;
            next++;
        }
    }
    *out = v;
    return HGN_OK;
oom:
    bpeVocabFree(&v);
    return hgnStatusNew(HGN_CODE_OutOfMemory, "bpeVocabBuild", NULL, "out of memory building a %u-token vocabulary",
                        nTokens);
}
