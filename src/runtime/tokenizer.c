/* tokenizer.c — the tokenizer object: special-token splitting, per-segment
 * normalisation (SentencePiece "▁" or byte-level), regex pre-tokenisation,
 * BPE, BOS/EOS, decoding of ids back to bytes, and accessors. Construction
 * from GGUF metadata is in tokenizerGguf.c, from tokenizer.json in
 * tokenizerJson.c. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "runtime/tokenizerInt.h"

#define META     "\xe2\x96\x81" /* U+2581 ▁ */
#define META_LEN 3

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "tokenizer", NULL, "out of memory"); }

HgnStatus tokCreateEmpty(HgnTokenizer **out) {
    HgnTokenizer *tok = hgnCalloc(1, sizeof *tok);
    *out = tok;
    if (!tok) return oom();
    tok->bos = tok->eos = tok->unk = tok->pad = tok->eot = -1;
    for (int i = 0; i < 256; i++) tok->byteIds[i] = -1;
    return HGN_OK;
}

void hgnTokenizerFree(HgnTokenizer *tok) {
    if (!tok) return;
    tokVocabFree(&tok->vocab);
    tokMergesFree(&tok->merges);
    for (int i = 0; i < tok->nRegex; i++) tokRegexFree(tok->regex[i]);
    hgnFree(tok->specials);
    hgnFree(tok);
}

static int bySpecialLength(const void *a, const void *b) {
    const TokSpecial *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* "<0xXX>" → byte, else -1. */
static int byteTokenValue(const char *s, size_t n) {
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    int hi = hexDigit(s[3]), lo = hexDigit(s[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static void addEog(HgnTokenizer *tok, int32_t id) {
    if (id < 0) return;
    for (int i = 0; i < tok->nEog; i++)
        if (tok->eog[i] == id) return;
    if (tok->nEog < (int)(sizeof tok->eog / sizeof tok->eog[0])) tok->eog[tok->nEog++] = id;
}

HgnStatus tokFinish(HgnTokenizer *tok) {
    TokVocab *v = &tok->vocab;
    HgnStatus st = tokVocabIndex(v);
    if (st) return st;
    size_t nSpecial = 0;
    for (size_t i = 0; i < v->n; i++) {
        if ((v->type[i] == HGN_TOKEN_CONTROL || v->type[i] == HGN_TOKEN_USER_DEFINED) && v->len[i] > 0) nSpecial++;
        if (v->type[i] == HGN_TOKEN_BYTE) {
            int b = byteTokenValue(v->text[i], v->len[i]);
            if (b >= 0 && tok->byteIds[b] < 0) tok->byteIds[b] = (int32_t)i;
        }
    }
    hgnFree(tok->specials);
    tok->specials = hgnCalloc(nSpecial ? nSpecial : 1, sizeof *tok->specials);
    if (!tok->specials) return oom();
    tok->nSpecials = 0;
    memset(tok->specialFirstByte, 0, sizeof tok->specialFirstByte);
    for (size_t i = 0; i < v->n; i++) {
        if ((v->type[i] != HGN_TOKEN_CONTROL && v->type[i] != HGN_TOKEN_USER_DEFINED) || v->len[i] == 0) continue;
        tok->specials[tok->nSpecials++] =
            (TokSpecial){(int32_t)i, (uint32_t)v->len[i], v->type[i] == HGN_TOKEN_USER_DEFINED};
        tok->specialFirstByte[(unsigned char)v->text[i][0]] = true;
    }
    qsort(tok->specials, tok->nSpecials, sizeof *tok->specials, bySpecialLength);
    static const char *const eogTexts[] = {
        "<|eot_id|>", "<|im_end|>", "<|end_of_text|>", "<|endoftext|>", "<end_of_turn>", "<|end|>", "</s>"};
    tok->nEog = 0;
    addEog(tok, tok->eos);
    addEog(tok, tok->eot);
    for (size_t k = 0; k < sizeof eogTexts / sizeof eogTexts[0]; k++) {
        int32_t id = tokVocabFind(v, eogTexts[k], strlen(eogTexts[k]));
        if (id >= 0 && v->type[id] == HGN_TOKEN_CONTROL) addEog(tok, id);
    }
    return HGN_OK;
}

/* ---- encoding ---- */

typedef struct EncCtx {
    const HgnTokenizer *tok;
    TokScratch *sc;
    TokIds *out;
    int level;
} EncCtx;

/* A final pre-token: byte-level map if needed, then BPE. */
static HgnStatus encodePiece(EncCtx *c, const char *s, size_t n) {
    if (!c->tok->byteLevel) return tokBpeEncode(c->tok, c->sc, s, n, c->out);
    if (c->sc->bufCap < 2 * n) {
        hgnFree(c->sc->buf);
        c->sc->buf = hgnMalloc(2 * n);
        c->sc->bufCap = c->sc->buf ? 2 * n : 0;
        if (!c->sc->buf) return oom();
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += tokByteToUnicode((uint8_t)s[i], c->sc->buf + m);
    return tokBpeEncode(c->tok, c->sc, c->sc->buf, m, c->out);
}

static HgnStatus splitLevel(void *ctx, const char *s, size_t n) {
    EncCtx *c = ctx;
    if (c->level >= c->tok->nRegex) return encodePiece(c, s, n);
    EncCtx next = *c;
    next.level++;
    return tokRegexSplit(c->tok->regex[c->level], s, n, splitLevel, &next);
}

static HgnStatus encodeSegment(const HgnTokenizer *tok, TokScratch *sc, const char *s, size_t n, bool atStart,
                               TokIds *out) {
    if (n == 0) return HGN_OK;
    bool prepend = tok->prepend == TOK_PREPEND_ALWAYS || (tok->prepend == TOK_PREPEND_FIRST && atStart);
    EncCtx c = {tok, sc, out, 0};
    HgnBuf b;
    hgnBufInit(&b);
    HgnStatus st = HGN_OK;
    if (tok->spaceToMeta) {
        bool hasMeta = s[0] == ' ' || (n >= META_LEN && memcmp(s, META, META_LEN) == 0);
        if (prepend && !(tok->prependIfMissing && hasMeta)) hgnBufAppend(&b, META, META_LEN);
        for (size_t i = 0; i < n; i++) {
            if (s[i] == ' ')
                hgnBufAppend(&b, META, META_LEN);
            else
                hgnBufAppendChar(&b, s[i]);
        }
        if (!hgnBufOk(&b)) {
            hgnBufFree(&b);
            return oom();
        }
        const char *t = hgnBufStr(&b);
        size_t start = 0;
        if (tok->metaSplit) {
            for (size_t i = 1; i + META_LEN <= b.len && !st; i++) {
                if (memcmp(t + i, META, META_LEN) != 0) continue;
                st = splitLevel(&c, t + start, i - start);
                start = i;
            }
        }
        if (!st) st = splitLevel(&c, t + start, b.len - start);
    } else if (prepend && tok->byteLevel && !(tok->prependIfMissing && s[0] == ' ')) {
        hgnBufAppendChar(&b, ' ');
        hgnBufAppend(&b, s, n);
        st = hgnBufOk(&b) ? splitLevel(&c, hgnBufStr(&b), b.len) : oom();
    } else {
        st = splitLevel(&c, s, n);
    }
    hgnBufFree(&b);
    return st;
}

/* The special token starting at text (longest first), or -1. */
static int32_t matchSpecial(const HgnTokenizer *tok, const char *text, size_t avail, bool parseSpecial, size_t *len) {
    if (!tok->specialFirstByte[(unsigned char)text[0]]) return -1;
    for (size_t k = 0; k < tok->nSpecials; k++) {
        const TokSpecial *sp = &tok->specials[k];
        if (sp->len > avail || !(sp->always || parseSpecial)) continue;
        if (memcmp(tok->vocab.text[sp->id], text, sp->len) == 0) {
            *len = sp->len;
            return sp->id;
        }
    }
    return -1;
}

HgnStatus hgnTokenizerEncode(const HgnTokenizer *tok, const char *text, size_t len, unsigned flags, int32_t **ids,
                             size_t *nIds) {
    *ids = NULL;
    *nIds = 0;
    if (!tok || (!text && len))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnTokenizerEncode", NULL, "tokenizer or text is NULL");
    TokIds out = {0};
    TokScratch sc = {0};
    HgnStatus st = tokIdsPush(&out, 0); /* guarantees a non-NULL array; removed below */
    out.n = 0;
    bool addSpecial = (flags & HGN_ENCODE_ADD_SPECIAL) != 0;
    if (!st && addSpecial && tok->addBos && tok->bos >= 0) st = tokIdsPush(&out, tok->bos);
    size_t segStart = 0;
    for (size_t pos = 0; pos < len && !st;) {
        size_t spLen = 0;
        int32_t sp = matchSpecial(tok, text + pos, len - pos, (flags & HGN_ENCODE_PARSE_SPECIAL) != 0, &spLen);
        if (sp < 0) {
            pos++;
            continue;
        }
        st = encodeSegment(tok, &sc, text + segStart, pos - segStart, segStart == 0, &out);
        if (!st) st = tokIdsPush(&out, sp);
        pos += spLen;
        segStart = pos;
    }
    if (!st) st = encodeSegment(tok, &sc, text + segStart, len - segStart, segStart == 0, &out);
    if (!st && addSpecial && tok->addEos && tok->eos >= 0) st = tokIdsPush(&out, tok->eos);
    tokScratchFree(&sc);
    if (st) {
        hgnFree(out.ids);
        return st;
    }
    *ids = out.ids;
    *nIds = out.n;
    return HGN_OK;
}

/* ---- decoding ---- */

typedef struct Writer {
    char *buf;
    size_t cap, n;
    bool skipSpace; /* drop the first byte if it is a space */
} Writer;

static void put(Writer *w, const char *s, size_t k) {
    for (size_t i = 0; i < k; i++) {
        if (w->skipSpace) {
            w->skipSpace = false;
            if (s[i] == ' ') continue;
        }
        if (w->n < w->cap) w->buf[w->n] = s[i];
        w->n++;
    }
}

size_t hgnTokenizerPiece(const HgnTokenizer *tok, int32_t id, bool first, unsigned flags, char *buf, size_t cap) {
    if (!tok || id < 0 || (size_t)id >= tok->vocab.n) return 0;
    const char *t = tok->vocab.text[id];
    size_t n = tok->vocab.len[id];
    Writer w = {buf, buf ? cap : 0, 0, first && tok->stripLeadingSpace};
    switch (tok->vocab.type[id]) {
    case HGN_TOKEN_CONTROL:
    case HGN_TOKEN_UNKNOWN:
        if (!(flags & HGN_DECODE_SKIP_SPECIAL)) put(&w, t, n);
        return w.n;
    case HGN_TOKEN_UNUSED:
        return 0;
    case HGN_TOKEN_USER_DEFINED:
        put(&w, t, n);
        return w.n;
    case HGN_TOKEN_BYTE: {
        int b = byteTokenValue(t, n);
        if (b >= 0) {
            char c = (char)b;
            put(&w, &c, 1);
        } else {
            put(&w, t, n);
        }
        return w.n;
    }
    default:
        break;
    }
    if (tok->decodeMode == TOK_DECODE_META) {
        for (size_t i = 0; i < n;) {
            if (i + META_LEN <= n && memcmp(t + i, META, META_LEN) == 0) {
                put(&w, " ", 1);
                i += META_LEN;
            } else {
                put(&w, t + i, 1);
                i++;
            }
        }
    } else if (tok->decodeMode == TOK_DECODE_BYTELEVEL) {
        for (size_t i = 0; i < n;) {
            size_t k = tokUtf8CharLen(t + i, n - i);
            char tmp[4];
            size_t m = tokByteLevelDecode(t + i, k, tmp);
            put(&w, tmp, m);
            i += k;
        }
    } else {
        put(&w, t, n);
    }
    return w.n;
}

HgnStatus hgnTokenizerDecode(const HgnTokenizer *tok, const int32_t *ids, size_t nIds, unsigned flags, char **text,
                             size_t *len) {
    *text = NULL;
    if (len) *len = 0;
    if (!tok || (!ids && nIds))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnTokenizerDecode", NULL, "tokenizer or ids is NULL");
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufReserve(&b, nIds * 4 + 1);
    bool started = (flags & HGN_DECODE_CONTINUE) != 0; /* a token other than a skipped control one was seen */
    for (size_t i = 0; i < nIds; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= tok->vocab.n) {
            hgnBufFree(&b);
            return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnTokenizerDecode", "pass ids below the vocabulary size",
                                "token id %ld at index %zu is outside the vocabulary of %zu tokens", (long)ids[i], i,
                                tok->vocab.n);
        }
        bool first = !started;
        char tmp[256];
        size_t need = hgnTokenizerPiece(tok, ids[i], first, flags, tmp, sizeof tmp);
        uint8_t type = tok->vocab.type[ids[i]];
        if (need > 0 || (type != HGN_TOKEN_CONTROL && type != HGN_TOKEN_UNUSED)) started = true;
        if (need <= sizeof tmp) {
            hgnBufAppend(&b, tmp, need);
        } else if (hgnBufReserve(&b, need + 1)) {
            hgnTokenizerPiece(tok, ids[i], first, flags, b.data + b.len, need);
            b.len += need;
            b.data[b.len] = '\0';
        }
    }
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return oom();
    }
    if (b.data) b.data[b.len] = '\0'; /* hgnBufReserve alone leaves a fresh buffer unterminated */
    size_t n = b.len;
    *text = hgnBufDetach(&b);
    if (!*text) return oom();
    if (len) *len = n;
    return HGN_OK;
}

/* ---- accessors ---- */

size_t hgnTokenizerVocabSize(const HgnTokenizer *tok) { return tok ? tok->vocab.n : 0; }
HgnTokenizerModel hgnTokenizerModel(const HgnTokenizer *tok) { return tok->model; }

const char *hgnTokenizerTokenText(const HgnTokenizer *tok, int32_t id, size_t *len) {
    if (!tok || id < 0 || (size_t)id >= tok->vocab.n) return NULL;
    if (len) *len = tok->vocab.len[id];
    return tok->vocab.text[id] ? tok->vocab.text[id] : ""; /* ids missing from a tokenizer.json vocab */
}

HgnTokenType hgnTokenizerTokenType(const HgnTokenizer *tok, int32_t id) {
    if (!tok || id < 0 || (size_t)id >= tok->vocab.n) return HGN_TOKEN_UNDEFINED;
    return (HgnTokenType)tok->vocab.type[id];
}

int32_t hgnTokenizerFind(const HgnTokenizer *tok, const char *text, size_t len) {
    return tok ? tokVocabFind(&tok->vocab, text, len) : -1;
}

int32_t hgnTokenizerBos(const HgnTokenizer *tok) { return tok->bos; }
int32_t hgnTokenizerEos(const HgnTokenizer *tok) { return tok->eos; }
int32_t hgnTokenizerUnk(const HgnTokenizer *tok) { return tok->unk; }
int32_t hgnTokenizerPad(const HgnTokenizer *tok) { return tok->pad; }
bool hgnTokenizerAddsBos(const HgnTokenizer *tok) { return tok->addBos && tok->bos >= 0; }
bool hgnTokenizerAddsEos(const HgnTokenizer *tok) { return tok->addEos && tok->eos >= 0; }

bool hgnTokenizerIsEog(const HgnTokenizer *tok, int32_t id) {
    for (int i = 0; i < tok->nEog; i++)
        if (tok->eog[i] == id) return true;
    return false;
}
