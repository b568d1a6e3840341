/* tokenizer.h — text ↔ token ids for the local runtime.
 *
 * Two ways to build a tokenizer, both from the model itself:
 *  - hgnTokenizerCreate() from an HgnTokenizerSpec: the neutral form of GGUF
 *    `tokenizer.ggml.*` metadata (the GGUF reader fills it; nothing here
 *    depends on GGUF), model "llama" (SentencePiece-style BPE over scores,
 *    "▁" space marker, <0xXX> byte fallback) or "gpt2" (byte-level BPE over
 *    merges with a PCRE2 pre-tokenizer);
 *  - hgnTokenizerLoadJson()/hgnTokenizerParseJson() from a Hugging Face
 *    tokenizer.json (model.type "BPE").
 * A tokenizer is immutable once built and may be shared between threads.
 * Encoding never fails on any byte string (invalid UTF-8 included, see
 * docs/tokenizers.md); decoding returns raw bytes, which may be a partial
 * UTF-8 sequence when a multi-byte character is split over tokens. */
#ifndef HUGINN_TOKENIZER_H
#define HUGINN_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnTokenizer HgnTokenizer;

/* Token types, numbered as GGUF `tokenizer.ggml.token_type` (llama.cpp). */
typedef enum HgnTokenType {
    HGN_TOKEN_UNDEFINED = 0,
    HGN_TOKEN_NORMAL = 1,
    HGN_TOKEN_UNKNOWN = 2,
    HGN_TOKEN_CONTROL = 3,      /* special: <s>, </s>, <|endoftext|> */
    HGN_TOKEN_USER_DEFINED = 4, /* added token, matched as a whole string */
    HGN_TOKEN_UNUSED = 5,
    HGN_TOKEN_BYTE = 6 /* <0xXX> byte fallback */
} HgnTokenType;

typedef enum HgnTokenizerModel {
    HGN_TOKENIZER_LLAMA = 1, /* SentencePiece-style BPE: scores, ▁, byte fallback */
    HGN_TOKENIZER_GPT2 = 2   /* byte-level BPE: merges, bytes→unicode table, regex pre-split */
} HgnTokenizerModel;

/* Neutral description of a tokenizer as GGUF metadata carries it. Arrays are
 * borrowed for the duration of hgnTokenizerCreate() only. */
typedef struct HgnTokenizerSpec {
    HgnTokenizerModel model;   /* tokenizer.ggml.model: "llama" or "gpt2" */
    size_t nTokens;            /* length of tokens (and scores, types, tokenLens) */
    const char *const *tokens; /* tokenizer.ggml.tokens */
    const size_t *tokenLens;   /* byte lengths, or NULL to use strlen */
    const float *scores;       /* tokenizer.ggml.scores, or NULL (all 0) */
    const int32_t *types;      /* tokenizer.ggml.token_type (HgnTokenType), or NULL (all NORMAL) */
    size_t nMerges;
    const char *const *merges; /* tokenizer.ggml.merges, "left right"; gpt2 only */
    const char *pre;           /* tokenizer.ggml.pre: NULL/"default"/"gpt2", "llama3"/"llama-bpe", "qwen2" */
    int32_t bosId, eosId, unkId, padId, eotId; /* -1 when absent */
    /* tokenizer.ggml.add_bos_token / add_eos_token. When a key is absent, llama.cpp
     * uses addBos = true for "llama" and false for "gpt2", addEos = false. */
    bool addBos, addEos;
    /* tokenizer.ggml.add_space_prefix ("llama" only); absent means true. */
    bool addSpacePrefix;
} HgnTokenizerSpec;

/* Fills a spec with no tokens, ids -1 and all flags false. Cannot fail. */
void hgnTokenizerSpecInit(HgnTokenizerSpec *spec);

/* Maps a tokenizer.ggml.model value ("llama", "gpt2") to *model; anything
 * else ("bert", "t5", "rwkv", "no_vocab", ...) is HGN-0108 naming the key. */
HGN_NODISCARD HgnStatus hgnTokenizerModelParse(const char *name, HgnTokenizerModel *model);

/* Builds a tokenizer from spec. Errors: HGN-0108 TokenizerMismatch naming the
 * offending field (tokenizer.ggml.merges[i], tokenizer.ggml.pre, ...),
 * HGN-0012 on allocation failure. */
HGN_NODISCARD HgnStatus hgnTokenizerCreate(const HgnTokenizerSpec *spec, HgnTokenizer **out);

/* Loads a Hugging Face tokenizer.json. Errors: HGN-0600 for malformed JSON
 * (where = path:line:col), HGN-0108 for a valid document this tokenizer does
 * not support or that contradicts itself (where = path#/json/pointer). */
HGN_NODISCARD HgnStatus hgnTokenizerLoadJson(const char *path, HgnTokenizer **out);
HGN_NODISCARD HgnStatus hgnTokenizerParseJson(const char *text, size_t len, const char *where, HgnTokenizer **out);

void hgnTokenizerFree(HgnTokenizer *tok);

enum {
    HGN_ENCODE_ADD_SPECIAL = 1u << 0,   /* add BOS/EOS as the tokenizer's flags say */
    HGN_ENCODE_PARSE_SPECIAL = 1u << 1, /* match control tokens ("<s>") written in the text */
};

/* Encodes len bytes of text (any bytes). *ids is a new array the caller frees
 * with hgnFree() (non-NULL even when *nIds is 0). Fails only on allocation. */
HGN_NODISCARD HgnStatus hgnTokenizerEncode(const HgnTokenizer *tok, const char *text, size_t len, unsigned flags,
                                           int32_t **ids, size_t *nIds);

enum {
    HGN_DECODE_SKIP_SPECIAL = 1u << 0, /* control tokens (BOS, EOS, ...) produce nothing */
    HGN_DECODE_CONTINUE = 1u << 1,     /* ids continue an earlier decode: keep a leading space */
};

/* Decodes ids to bytes; *text is NUL-terminated, caller frees with hgnFree().
 * Errors: HGN-0015 for an id outside the vocabulary, HGN-0012. */
HGN_NODISCARD HgnStatus hgnTokenizerDecode(const HgnTokenizer *tok, const int32_t *ids, size_t nIds, unsigned flags,
                                           char **text, size_t *len);

/* Writes the bytes of one token into buf (no allocation, for streaming).
 * first: this token starts the output (a Strip/add_space_prefix tokenizer then
 * drops one leading space). Returns the number of bytes the piece needs
 * (writes min(cap, that)); returns 0 for an unknown id. */
size_t hgnTokenizerPiece(const HgnTokenizer *tok, int32_t id, bool first, unsigned flags, char *buf, size_t cap);

/* UTF-8 helpers for callers that stream decoded bytes or check prompts.
 * hgnUtf8Complete: length of the longest prefix of s[0,n) that does not end
 * inside a character that is still incomplete (a truncated but so far valid
 * sequence of at most 3 bytes at the end is held back; invalid bytes are not).
 * hgnUtf8Valid: true if s[0,n) is valid UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF); else *badOffset (may be NULL) is the first bad byte. */
size_t hgnUtf8Complete(const char *s, size_t n);
bool hgnUtf8Valid(const char *s, size_t n, size_t *badOffset);

size_t hgnTokenizerVocabSize(const HgnTokenizer *tok);
HgnTokenizerModel hgnTokenizerModel(const HgnTokenizer *tok);
/* The token's stored text (byte-level / ▁ form) and its length; NULL if out of range. */
const char *hgnTokenizerTokenText(const HgnTokenizer *tok, int32_t id, size_t *len);
HgnTokenType hgnTokenizerTokenType(const HgnTokenizer *tok, int32_t id);
/* Id of a token given its stored text, or -1. */
int32_t hgnTokenizerFind(const HgnTokenizer *tok, const char *text, size_t len);
int32_t hgnTokenizerBos(const HgnTokenizer *tok); /* -1 when none */
int32_t hgnTokenizerEos(const HgnTokenizer *tok);
int32_t hgnTokenizerUnk(const HgnTokenizer *tok);
int32_t hgnTokenizerPad(const HgnTokenizer *tok);
bool hgnTokenizerAddsBos(const HgnTokenizer *tok);
bool hgnTokenizerAddsEos(const HgnTokenizer *tok);
/* True for EOS, EOT and other end-of-generation control tokens. */
bool hgnTokenizerIsEog(const HgnTokenizer *tok, int32_t id);

#ifdef __cplusplus
}
#endif
#endif
