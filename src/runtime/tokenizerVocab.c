/* tokenizerVocab.c — the token vocabulary (texts, scores, types) with an
 * open-addressing hash index from text to id, and the merge-rank table that
 * maps a pair of token ids to its merge rank and result. */
#include <string.h>

#include "core/alloc.h"
#include "runtime/tokenizerInt.h"

static uint64_t hashBytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "tokenizer", NULL, "out of memory"); }

HgnStatus tokVocabInit(TokVocab *v, size_t n) {
    memset(v, 0, sizeof *v);
    if (n > (size_t)INT32_MAX - 1)
        return hgnStatusNew(HGN_CODE_TokenizerMismatch, "tokenizer", NULL, "vocabulary of %zu tokens is too large", n);
    v->text = hgnCalloc(n ? n : 1, sizeof *v->text);
    v->len = hgnCalloc(n ? n : 1, sizeof *v->len);
    v->score = hgnCalloc(n ? n : 1, sizeof *v->score);
    v->type = hgnCalloc(n ? n : 1, sizeof *v->type);
    if (!v->text || !v->len || !v->score || !v->type) {
        tokVocabFree(v);
        return oom();
    }
    v->n = n;
    for (size_t i = 0; i < n; i++) v->type[i] = HGN_TOKEN_UNUSED;
    return HGN_OK;
}

HgnStatus tokVocabSet(TokVocab *v, int32_t id, const char *text, size_t len, float score, HgnTokenType type) {
    char *copy = hgnMalloc(len + 1);
    if (!copy) return oom();
    memcpy(copy, text, len);
    copy[len] = '\0';
    hgnFree(v->text[id]);
    v->text[id] = copy;
    v->len[id] = len;
    v->score[id] = score;
    v->type[id] = (uint8_t)type;
    return HGN_OK;
}

HgnStatus tokVocabIndex(TokVocab *v) {
    size_t cap = 16;
    while (cap < v->n * 2) cap <<= 1;
    hgnFree(v->slots);
    v->slots = hgnMalloc(cap * sizeof *v->slots);
    if (!v->slots) return oom();
    memset(v->slots, 0xff, cap * sizeof *v->slots);
    v->mask = cap - 1;
    for (size_t id = 0; id < v->n; id++) {
        if (!v->text[id] || (v->len[id] == 0 && v->type[id] == HGN_TOKEN_UNUSED)) continue;
        size_t i = hashBytes(v->text[id], v->len[id]) & v->mask;
        bool dup = false;
        while (v->slots[i] >= 0) {
            int32_t o = v->slots[i];
            if (v->len[o] == v->len[id] && memcmp(v->text[o], v->text[id], v->len[id]) == 0) {
                dup = true;
                break;
            }
            i = (i + 1) & v->mask;
        }
        if (!dup) v->slots[i] = (int32_t)id;
    }
    return HGN_OK;
}

int32_t tokVocabFind(const TokVocab *v, const char *text, size_t len) {
    if (!v->slots) return -1;
    size_t i = hashBytes(text, len) & v->mask;
    while (v->slots[i] >= 0) {
        int32_t o = v->slots[i];
        if (v->len[o] == len && memcmp(v->text[o], text, len) == 0) return o;
        i = (i + 1) & v->mask;
    }
    return -1;
}

void tokVocabFree(TokVocab *v) {
    if (v->text)
        for (size_t i = 0; i < v->n; i++) hgnFree(v->text[i]);
    hgnFree(v->text);
    hgnFree(v->len);
    hgnFree(v->score);
    hgnFree(v->type);
    hgnFree(v->slots);
    memset(v, 0, sizeof *v);
}

static size_t pairSlot(const TokMerges *m, int32_t left, int32_t right) {
    uint64_t k = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k & m->mask;
}

HgnStatus tokMergesInit(TokMerges *m, size_t expected) {
    memset(m, 0, sizeof *m);
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    m->slots = hgnMalloc(cap * sizeof *m->slots);
    if (!m->slots) return oom();
    for (size_t i = 0; i < cap; i++) m->slots[i].left = -1;
    m->mask = cap - 1;
    return HGN_OK;
}

HgnStatus tokMergesAdd(TokMerges *m, int32_t left, int32_t right, int32_t merged, int32_t rank) {
    if ((m->n + 1) * 2 > m->mask + 1) {
        TokMerges bigger;
        HgnStatus st = tokMergesInit(&bigger, (m->mask + 1));
        if (st) return st;
        for (size_t i = 0; i <= m->mask; i++) {
            TokMerge *e = &m->slots[i];
            if (e->left < 0) continue;
            size_t j = pairSlot(&bigger, e->left, e->right);
            while (bigger.slots[j].left >= 0) j = (j + 1) & bigger.mask;
            bigger.slots[j] = *e;
        }
        bigger.n = m->n;
        tokMergesFree(m);
        *m = bigger;
    }
    size_t i = pairSlot(m, left, right);
    while (m->slots[i].left >= 0) {
        if (m->slots[i].left == left && m->slots[i].right == right) return HGN_OK;
        i = (i + 1) & m->mask;
    }
    m->slots[i] = (TokMerge){left, right, merged, rank};
    m->n++;
    return HGN_OK;
}

const TokMerge *tokMergesFind(const TokMerges *m, int32_t left, int32_t right) {
    if (!m->slots || left < 0 || right < 0) return NULL;
    size_t i = pairSlot(m, left, right);
    while (m->slots[i].left >= 0) {
        if (m->slots[i].left == left && m->slots[i].right == right) return &m->slots[i];
        i = (i + 1) & m->mask;
    }
    return NULL;
}

void tokMergesFree(TokMerges *m) {
    hgnFree(m->slots);
    memset(m, 0, sizeof *m);
}
