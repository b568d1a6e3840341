/* tokenizerBpe.c — the BPE merge engine shared by both models. A pre-token is
 * split into characters (invalid UTF-8 bytes are characters of their own);
 * adjacent pairs that may merge go into a binary heap keyed by merge rank
 * (merges model) or by minus the score of the merged token (SentencePiece
 * scores model), ties broken by leftmost position. Popping the best pair,
 * merging it in a linked list of symbols and pushing its two new neighbour
 * pairs gives O(n log n) per pre-token; stale heap entries are recognised by
 * their recorded byte size. Symbols left without a token fall back to
 * <0xXX> byte tokens or to the unknown token. */
#include <string.h>

#include "core/alloc.h"
#include "runtime/tokenizerInt.h"

typedef struct Sym {
    uint32_t start, len; /* bytes of the pre-token; len 0 once merged away */
    int32_t id;          /* token id of these bytes, -1 when none */
    int32_t prev, next;  /* -1 at the ends */
} Sym;

typedef struct Pair {
    double key; /* lower is better */
    int32_t left, right, merged;
    uint32_t size; /* left.len + right.len when pushed */
} Pair;

size_t tokUtf8CharLen(const char *s, size_t avail) {
    const unsigned char *u = (const unsigned char *)s;
    size_t n;
    unsigned cp;
    if (u[0] < 0x80) return 1;
    if (u[0] >= 0xc2 && u[0] <= 0xdf)
        n = 2, cp = u[0] & 0x1f;
    else if (u[0] >= 0xe0 && u[0] <= 0xef)
        n = 3, cp = u[0] & 0x0f;
    else if (u[0] >= 0xf0 && u[0] <= 0xf4)
        n = 4, cp = u[0] & 0x07;
    else
        return 1;
    if (n > avail) return 1;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) return 1;
        cp = (cp << 6) | (u[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 1;
    return n;
}

bool hgnUtf8Valid(const char *s, size_t n, size_t *badOffset) {
    for (size_t i = 0; i < n;) {
        size_t k = tokUtf8CharLen(s + i, n - i);
        if (k == 1 && (unsigned char)s[i] >= 0x80) {
            if (badOffset) *badOffset = i;
            return false;
        }
        i += k;
    }
    return true;
}

size_t hgnUtf8Complete(const char *s, size_t n) {
    /* Look back at most 3 bytes for a lead byte whose sequence runs past the end. */
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)s[n - back];
        if ((c & 0xc0) == 0x80) continue; /* continuation: keep looking */
        size_t need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 1;
        if (need <= back) return n; /* complete (or not a lead byte at all) */
        /* A valid-so-far truncated sequence: check what is there with the missing bytes as continuations. */
        char probe[4];
        memcpy(probe, s + n - back, back);
        for (size_t k = back; k < need; k++)
            probe[k] = (char)(c == 0xe0 && k == 1 ? 0xa0 : c == 0xf0 && k == 1 ? 0x90 : 0x80);
        if (c == 0xed && back >= 2 && (unsigned char)s[n - back + 1] >= 0xa0) return n; /* surrogate: invalid */
        if (c == 0xf4 && back >= 2 && (unsigned char)s[n - back + 1] >= 0x90) return n; /* > U+10FFFF */
        return tokUtf8CharLen(probe, need) == need ? n - back : n;
    }
    return n;
}

void tokScratchFree(TokScratch *s) {
    hgnFree(s->sym);
    hgnFree(s->heap);
    hgnFree(s->buf);
    memset(s, 0, sizeof *s);
}

HgnStatus tokIdsPush(TokIds *out, int32_t id) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        int32_t *p = hgnRealloc(out->ids, cap * sizeof *p);
        if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, "tokenizer", NULL, "out of memory");
        out->ids = p;
        out->cap = cap;
    }
    out->ids[out->n++] = id;
    return HGN_OK;
}

static bool before(const Pair *a, const Pair *b) { return a->key < b->key || (a->key == b->key && a->left < b->left); }

static void heapPush(Pair *heap, size_t *n, Pair p) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&p, &heap[parent])) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = p;
}

static Pair heapPop(Pair *heap, size_t *n) {
    Pair top = heap[0];
    Pair last = heap[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && before(&heap[c + 1], &heap[c])) c++;
        if (!before(&heap[c], &last)) break;
        heap[i] = heap[c];
        i = c;
    }
    if (*n) heap[i] = last;
    return top;
}

/* Id a SentencePiece-scores tokenizer may produce for these bytes: NORMAL tokens only. */
static int32_t scoredId(const HgnTokenizer *tok, const char *s, size_t n) {
    int32_t id = tokVocabFind(&tok->vocab, s, n);
    return id >= 0 && tok->vocab.type[id] == HGN_TOKEN_NORMAL ? id : -1;
}

static void tryPair(const HgnTokenizer *tok, const char *text, const Sym *sym, int32_t left, int32_t right, Pair *heap,
                    size_t *nHeap) {
    if (left < 0 || right < 0) return;
    Pair p = {0, left, right, -1, sym[left].len + sym[right].len};
    if (tok->useScores) {
        p.merged = scoredId(tok, text + sym[left].start, p.size);
        if (p.merged < 0) return;
        p.key = -(double)tok->vocab.score[p.merged];
    } else {
        const TokMerge *m = tokMergesFind(&tok->merges, sym[left].id, sym[right].id);
        if (!m) return;
        p.merged = m->merged;
        p.key = m->rank;
    }
    heapPush(heap, nHeap, p);
}

static HgnStatus emitUnknown(const HgnTokenizer *tok, const char *s, size_t n, TokIds *out, bool *lastWasUnk) {
    HgnStatus st = HGN_OK;
    if (tok->byteFallback) {
        for (size_t i = 0; i < n && !st; i++) {
            int32_t id = tok->byteIds[(unsigned char)s[i]];
            if (id < 0) id = tok->unk;
            if (id >= 0) st = tokIdsPush(out, id);
        }
        *lastWasUnk = false;
        return st;
    }
    if (tok->unk < 0) return HGN_OK; /* nothing can stand for it: dropped (documented) */
    if (tok->fuseUnk && *lastWasUnk) return HGN_OK;
    *lastWasUnk = true;
    return tokIdsPush(out, tok->unk);
}

HgnStatus tokBpeEncode(const HgnTokenizer *tok, TokScratch *scratch, const char *text, size_t len, TokIds *out) {
    if (len == 0) return HGN_OK;
    if (len > UINT32_MAX / 2)
        return hgnStatusNew(HGN_CODE_InvalidInput, "tokenizer", NULL, "a pre-token of %zu bytes is too long", len);
    if (tok->ignoreMerges) {
        int32_t id = tokVocabFind(&tok->vocab, text, len);
        if (id >= 0) return tokIdsPush(out, id);
    }
    if (scratch->symCap < len) {
        hgnFree(scratch->sym);
        scratch->sym = hgnMalloc(len * sizeof(Sym));
        scratch->symCap = scratch->sym ? len : 0;
    }
    if (scratch->heapCap < 3 * len) {
        hgnFree(scratch->heap);
        scratch->heap = hgnMalloc(3 * len * sizeof(Pair));
        scratch->heapCap = scratch->heap ? 3 * len : 0;
    }
    if (!scratch->sym || !scratch->heap) return hgnStatusNew(HGN_CODE_OutOfMemory, "tokenizer", NULL, "out of memory");
    Sym *sym = scratch->sym;
    Pair *heap = scratch->heap;
    int32_t nSym = 0;
    for (size_t i = 0; i < len;) {
        size_t n = tokUtf8CharLen(text + i, len - i);
        int32_t id = tok->useScores ? scoredId(tok, text + i, n) : tokVocabFind(&tok->vocab, text + i, n);
        sym[nSym] = (Sym){(uint32_t)i, (uint32_t)n, id, nSym - 1, -1};
        if (nSym > 0) sym[nSym - 1].next = nSym;
        nSym++;
        i += n;
    }
    size_t nHeap = 0;
    for (int32_t i = 0; i + 1 < nSym; i++) tryPair(tok, text, sym, i, i + 1, heap, &nHeap);
    while (nHeap > 0) {
        Pair p = heapPop(heap, &nHeap);
        Sym *l = &sym[p.left], *r = &sym[p.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != p.size || l->next != p.right) continue;
        l->len += r->len;
        l->id = p.merged;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = p.left;
        tryPair(tok, text, sym, l->prev, p.left, heap, &nHeap);
        tryPair(tok, text, sym, p.left, l->next, heap, &nHeap);
    }
    bool lastWasUnk = false;
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        HgnStatus st;
        if (sym[i].id >= 0) {
            lastWasUnk = false;
            st = tokIdsPush(out, sym[i].id);
        } else {
            st = emitUnknown(tok, text + sym[i].start, sym[i].len, out, &lastWasUnk);
        }
        if (st) return st;
    }
    return HGN_OK;
}
