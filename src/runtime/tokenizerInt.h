/* tokenizerInt.h — private structures shared by the tokenizer files: the
 * vocabulary with its hash index, the merge-rank table, the GPT-2 byte↔unicode
 * table, the PCRE2 pre-tokenizer, the BPE merge engine and the tokenizer
 * object itself. Nothing outside src/runtime/tokenizer*.c includes it. */
#ifndef HGN_RUNTIME_TOKENIZERINT_H
#define HGN_RUNTIME_TOKENIZERINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"
#include "huginn/tokenizer.h"

/* ---- vocabulary (tokenizerVocab.c) ---- */
typedef struct TokVocab {
    size_t n;
    char **text;    /* [n] owned, NUL-terminated (may hold NUL inside; see len) */
    size_t *len;    /* [n] */
    float *score;   /* [n] */
    uint8_t *type;  /* [n] HgnTokenType */
    int32_t *slots; /* [mask+1] open-addressing index text→id, -1 empty */
    size_t mask;
} TokVocab;

/* Allocates n empty tokens (text "" type UNUSED); the index is built by tokVocabIndex. */
HgnStatus tokVocabInit(TokVocab *v, size_t n);
/* Sets token id's text (copied). */
HgnStatus tokVocabSet(TokVocab *v, int32_t id, const char *text, size_t len, float score, HgnTokenType type);
/* Builds the hash index; on duplicate texts the lowest id wins. */
HgnStatus tokVocabIndex(TokVocab *v);
int32_t tokVocabFind(const TokVocab *v, const char *text, size_t len);
void tokVocabFree(TokVocab *v);

/* ---- merge ranks (tokenizerVocab.c) ---- */
typedef struct TokMerge {
    int32_t left, right, merged, rank; /* left == -1: empty slot */
} TokMerge;
typedef struct TokMerges {
    TokMerge *slots;
    size_t mask, n;
} TokMerges;

HgnStatus tokMergesInit(TokMerges *m, size_t expected);
/* Adds (left,right)→merged at rank; a repeated pair keeps its first (best) rank. */
HgnStatus tokMergesAdd(TokMerges *m, int32_t left, int32_t right, int32_t merged, int32_t rank);
const TokMerge *tokMergesFind(const TokMerges *m, int32_t left, int32_t right);
void tokMergesFree(TokMerges *m);

/* ---- GPT-2 bytes↔unicode (tokenizerByteLevel.c) ---- */
/* Writes the UTF-8 of byte b's printable stand-in into out (≤ 2 bytes); returns its length. */
size_t tokByteToUnicode(uint8_t b, char out[2]);
/* Maps the byte-level token text back to bytes; appends to out (capacity ≥ len);
 * characters outside the table are copied unchanged. Returns bytes written. */
size_t tokByteLevelDecode(const char *text, size_t len, char *out);

/* ---- UTF-8 helpers (tokenizerBpe.c) ---- */
/* Length of the UTF-8 character at s (1..4), or 1 for an invalid or truncated sequence. */
size_t tokUtf8CharLen(const char *s, size_t avail);

/* ---- pre-tokenizer (tokenizerPretok.c) ---- */
typedef struct TokRegex TokRegex;
/* Compiles pattern (UTF + UCP + MATCH_INVALID_UTF). On error returns
 * HGN-0108 with where=field. */
HgnStatus tokRegexCompile(const char *pattern, const char *field, TokRegex **out);
void tokRegexFree(TokRegex *re);
/* The published pattern for a GGUF tokenizer.ggml.pre name, or NULL if unknown. */
const char *tokPretokPattern(const char *name);
/* Calls fn for each piece of text[0,len): matches and the unmatched gaps
 * between them, in order (HF Split "Isolated"). */
typedef HgnStatus (*TokPieceFn)(void *ctx, const char *piece, size_t len);
HgnStatus tokRegexSplit(const TokRegex *re, const char *text, size_t len, TokPieceFn fn, void *ctx);

/* ---- the tokenizer ---- */
enum { TOK_PREPEND_NEVER = 0, TOK_PREPEND_FIRST = 1, TOK_PREPEND_ALWAYS = 2 };
enum { TOK_DECODE_RAW = 0, TOK_DECODE_META = 1, TOK_DECODE_BYTELEVEL = 2 };
#define TOK_MAX_REGEX 4

typedef struct TokSpecial {
    int32_t id;
    uint32_t len;
    bool always; /* matched even without HGN_ENCODE_PARSE_SPECIAL (user-defined/added tokens) */
} TokSpecial;

struct HgnTokenizer {
    HgnTokenizerModel model;
    TokVocab vocab;
    TokMerges merges;
    bool useScores;    /* SentencePiece: merge the pair whose result has the best score */
    bool byteLevel;    /* bytes→unicode before BPE */
    bool byteFallback; /* unknown characters become <0xXX> tokens */
    bool ignoreMerges; /* a whole pre-token that is in the vocabulary is emitted as is */
    bool fuseUnk;
    int32_t byteIds[256];
    TokRegex *regex[TOK_MAX_REGEX];
    int nRegex;
    bool spaceToMeta;      /* ' ' → "▁" */
    int prepend;           /* TOK_PREPEND_*: "▁" (meta) or " " (byte level) before a segment */
    bool prependIfMissing; /* HF Metaspace/ByteLevel: only when the segment does not start with one */
    bool metaSplit;        /* split pre-tokens before each ▁ */
    int decodeMode;        /* TOK_DECODE_* for NORMAL tokens */
    bool stripLeadingSpace;
    TokSpecial *specials; /* sorted by text length, longest first */
    size_t nSpecials;
    bool specialFirstByte[256];
    int32_t bos, eos, unk, pad, eot;
    bool addBos, addEos;
    int32_t eog[8]; /* end-of-generation ids */
    int nEog;
};

/* Allocates an empty tokenizer (ids -1). */
HgnStatus tokCreateEmpty(HgnTokenizer **out);
/* Finishes construction: collects special tokens (CONTROL, USER_DEFINED) and
 * byte tokens from the vocabulary. */
HgnStatus tokFinish(HgnTokenizer *tok);

/* ---- BPE engine (tokenizerBpe.c) ---- */
typedef struct TokScratch {
    void *sym, *heap;
    size_t symCap, heapCap;
    char *buf;
    size_t bufCap;
} TokScratch;
void tokScratchFree(TokScratch *s);
typedef struct TokIds {
    int32_t *ids;
    size_t n, cap;
} TokIds;
HgnStatus tokIdsPush(TokIds *out, int32_t id);
/* Encodes one pre-token (already normalised / byte-level mapped) with BPE and
 * appends its ids to out. */
HgnStatus tokBpeEncode(const HgnTokenizer *tok, TokScratch *scratch, const char *text, size_t len, TokIds *out);

#endif
