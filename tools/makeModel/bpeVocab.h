/* bpeVocab.h — a synthetic GPT-2-style byte-level BPE vocabulary for
 * makeModel: ids 0–2 are <unk>, <s>, </s> (control tokens), ids 3–258 the
 * 256 bytes in byte order written with GPT-2's byte→unicode map (space is
 * "Ġ"), and every later id the result of one merge "LEFT RIGHT", in merge
 * order. Merges grow lower-case words letter by letter (optionally with a
 * leading "Ġ"), so every merge's parts exist before it and each token is
 * reachable by BPE. The same layout as the bundled fixture's tokenizer. */
#ifndef HGN_TOOLS_MAKEMODEL_BPEVOCAB_H
#define HGN_TOOLS_MAKEMODEL_BPEVOCAB_H

#include <stdint.h>

#include "huginn/status.h"

#define BPE_VOCAB_SPECIALS 3u
#define BPE_VOCAB_MIN      (BPE_VOCAB_SPECIALS + 256u + 1u) /* at least one merge */
#define BPE_VOCAB_MAX      (1u << 22)

typedef struct BpeVocab {
    uint32_t nTokens;
    char **tokens;    /* nTokens UTF-8 strings */
    int32_t *types;   /* llama token types: 1 normal, 3 control */
    uint32_t nMerges; /* nTokens - 259 */
    char **merges;    /* "LEFT RIGHT" */
} BpeVocab;

/* Builds a vocabulary of exactly nTokens (BPE_VOCAB_MIN..BPE_VOCAB_MAX).
 * Errors: InvalidArgument for a size out of range, OutOfMemory. */
HGN_NODISCARD HgnStatus bpeVocabBuild(uint32_t nTokens, BpeVocab *out);
void bpeVocabFree(BpeVocab *v);

#endif
