/* tokenizerGguf.c — builds a tokenizer from the neutral HgnTokenizerSpec that
 * the GGUF reader fills from `tokenizer.ggml.*` metadata: model "llama"
 * (SentencePiece BPE over scores with ▁ and <0xXX> byte fallback) and model
 * "gpt2" (byte-level BPE over merges with a named pre-tokenizer regex).
 * Errors name the GGUF key (and index) that is wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/tokenizerInt.h"

void hgnTokenizerSpecInit(HgnTokenizerSpec *spec) {
    memset(spec, 0, sizeof *spec);
    spec->model = HGN_TOKENIZER_LLAMA;
    spec->bosId = spec->eosId = spec->unkId = spec->padId = spec->eotId = -1;
}

HgnStatus hgnTokenizerModelParse(const char *name, HgnTokenizerModel *model) {
    if (name && !strcmp(name, "llama"))
        *model = HGN_TOKENIZER_LLAMA;
    else if (name && !strcmp(name, "gpt2"))
        *model = HGN_TOKENIZER_GPT2;
    else
        return hgnStatusNew(
            HGN_CODE_TokenizerMismatch, "tokenizer.ggml.model",
            "supported tokenizer models are \"llama\" (SentencePiece BPE) and \"gpt2\" (byte-level BPE)",
            "tokenizer model \"%s\" is not supported", name ? name : "(missing)");
    return HGN_OK;
}

static HgnStatus mismatch(const char *field, const char *hint, const char *fmt, ...) HGN_PRINTF(3, 4);
static HgnStatus mismatch(const char *field, const char *hint, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    HgnStatus st = hgnStatusNewV(HGN_CODE_TokenizerMismatch, field, hint, fmt, ap);
    va_end(ap);
    return st;
}

static HgnStatus checkId(int32_t id, size_t n, const char *field) {
    if (id < -1 || (id >= 0 && (size_t)id >= n))
        return hgnStatusNew(HGN_CODE_TokenizerMismatch, field, "use an id below the vocabulary size, or none",
                            "token id %ld is outside the vocabulary of %zu tokens", (long)id, n);
    return HGN_OK;
}

static HgnStatus addMerges(HgnTokenizer *tok, const HgnTokenizerSpec *spec) {
    HgnStatus st = tokMergesInit(&tok->merges, spec->nMerges);
    char field[64];
    for (size_t i = 0; i < spec->nMerges && !st; i++) {
        snprintf(field, sizeof field, "tokenizer.ggml.merges[%zu]", i);
        const char *m = spec->merges[i];
        const char *sp = m && m[0] ? strchr(m + 1, ' ') : NULL;
        if (!sp)
            return hgnStatusNew(HGN_CODE_TokenizerMismatch, field, "write each merge as \"left right\"",
                                "merge \"%s\" is not two tokens separated by a space", m ? m : "(null)");
        size_t ll = (size_t)(sp - m), rl = strlen(sp + 1);
        int32_t l = tokVocabFind(&tok->vocab, m, ll), r = tokVocabFind(&tok->vocab, sp + 1, rl);
        char *joined = hgnMalloc(ll + rl + 1);
        if (!joined) return hgnStatusNew(HGN_CODE_OutOfMemory, field, NULL, "out of memory");
        memcpy(joined, m, ll);
        memcpy(joined + ll, sp + 1, rl);
        int32_t merged = tokVocabFind(&tok->vocab, joined, ll + rl);
        hgnFree(joined);
        if (l < 0 || r < 0 || merged < 0)
            return hgnStatusNew(HGN_CODE_TokenizerMismatch, field, "every merge and its result must be tokens",
                                "merge \"%s\" uses or makes a token that is not in tokenizer.ggml.tokens", m);
        st = tokMergesAdd(&tok->merges, l, r, merged, (int32_t)i);
    }
    return st;
}

static HgnStatus build(HgnTokenizer *tok, const HgnTokenizerSpec *spec) {
    if (spec->model != HGN_TOKENIZER_LLAMA && spec->model != HGN_TOKENIZER_GPT2)
        return mismatch("tokenizer.ggml.model", "supported models are \"llama\" and \"gpt2\"",
                        "tokenizer model %d is not supported", (int)spec->model);
    if (spec->nTokens == 0 || !spec->tokens) return mismatch("tokenizer.ggml.tokens", NULL, "the vocabulary is empty");
    HgnStatus st = tokVocabInit(&tok->vocab, spec->nTokens);
    if (st) return st;
    char field[64];
    for (size_t i = 0; i < spec->nTokens; i++) {
        if (!spec->tokens[i]) {
            snprintf(field, sizeof field, "tokenizer.ggml.tokens[%zu]", i);
            return mismatch(field, NULL, "token %zu has no text", i);
        }
        int32_t type = spec->types ? spec->types[i] : HGN_TOKEN_NORMAL;
        if (type < 0 || type > HGN_TOKEN_BYTE) {
            snprintf(field, sizeof field, "tokenizer.ggml.token_type[%zu]", i);
            return mismatch(field, "token types are 0..6 as in llama.cpp", "token type %ld of token %zu is unknown",
                            (long)type, i);
        }
        if (type == HGN_TOKEN_UNDEFINED) type = HGN_TOKEN_NORMAL;
        size_t len = spec->tokenLens ? spec->tokenLens[i] : strlen(spec->tokens[i]);
        st = tokVocabSet(&tok->vocab, (int32_t)i, spec->tokens[i], len, spec->scores ? spec->scores[i] : 0.0f,
                         (HgnTokenType)type);
        if (st) return st;
    }
    if ((st = checkId(spec->bosId, spec->nTokens, "tokenizer.ggml.bos_token_id")) ||
        (st = checkId(spec->eosId, spec->nTokens, "tokenizer.ggml.eos_token_id")) ||
        (st = checkId(spec->unkId, spec->nTokens, "tokenizer.ggml.unknown_token_id")) ||
        (st = checkId(spec->padId, spec->nTokens, "tokenizer.ggml.padding_token_id")) ||
        (st = checkId(spec->eotId, spec->nTokens, "tokenizer.ggml.eot_token_id")))
        return st;
    tok->model = spec->model;
    tok->bos = spec->bosId;
    tok->eos = spec->eosId;
    tok->unk = spec->unkId;
    tok->pad = spec->padId;
    tok->eot = spec->eotId;
    tok->addBos = spec->addBos;
    tok->addEos = spec->addEos;
    if ((st = tokVocabIndex(&tok->vocab))) return st;
    if (spec->model == HGN_TOKENIZER_LLAMA) {
        tok->useScores = true;
        tok->byteFallback = true;
        tok->spaceToMeta = true;
        tok->prepend = spec->addSpacePrefix ? TOK_PREPEND_ALWAYS : TOK_PREPEND_NEVER;
        tok->decodeMode = TOK_DECODE_META;
        tok->stripLeadingSpace = spec->addSpacePrefix;
        if (tok->unk < 0) tok->unk = tokVocabFind(&tok->vocab, "<unk>", 5);
    } else {
        if (spec->nMerges && !spec->merges)
            return mismatch("tokenizer.ggml.merges", NULL, "%zu merges announced but none given", spec->nMerges);
        tok->byteLevel = true;
        tok->decodeMode = TOK_DECODE_BYTELEVEL;
        const char *pattern = tokPretokPattern(spec->pre);
        if (!pattern)
            return hgnStatusNew(HGN_CODE_TokenizerMismatch, "tokenizer.ggml.pre",
                                "supported: default, gpt2, llama3 (llama-bpe), qwen2",
                                "pre-tokenizer \"%s\" is not supported", spec->pre);
        if ((st = tokRegexCompile(pattern, "tokenizer.ggml.pre", &tok->regex[0]))) return st;
        tok->nRegex = 1;
        tok->ignoreMerges = spec->pre && (!strcmp(spec->pre, "llama3") || !strcmp(spec->pre, "llama-bpe") ||
                                          !strcmp(spec->pre, "llama-v3"));
        if ((st = addMerges(tok, spec))) return st;
    }
    return tokFinish(tok);
}

HgnStatus hgnTokenizerCreate(const HgnTokenizerSpec *spec, HgnTokenizer **out) {
    *out = NULL;
    if (!spec) return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnTokenizerCreate", NULL, "spec is NULL");
    HgnTokenizer *tok = NULL;
    HgnStatus st = tokCreateEmpty(&tok);
    if (!st) st = build(tok, spec);
    if (st) {
        hgnTokenizerFree(tok);
        return st;
    }
    *out = tok;
    return HGN_OK;
}
