/* sampler.h — choosing the next token from logits: greedy, temperature,
 * top-k, top-p, min-p and repetition penalty, with a seeded xoshiro256**
 * generator whose state (with the penalty history) can be saved in a
 * checkpoint and restored to continue the exact same sequence.
 *
 * Order of application (llama.cpp's default chain):
 *   1. repetition penalty over the distinct tokens among the last
 *      repeatLastN accepted ones: a positive logit is divided by the penalty,
 *      a negative one multiplied;
 *   2. temperature <= 0: greedy argmax (lowest id on ties), done;
 *   3. top-k: keep the k highest logits (ties: lower id first);
 *   4. top-p: keep the smallest set of most likely tokens whose probability
 *      (softmax of the logits so far, untempered) sums to >= topP;
 *   5. min-p: keep tokens whose probability is >= minP x the largest;
 *   6. temperature: softmax(logit / T) over what is left; draw one token.
 * (Steps 4 and 5 each keep a prefix of the tokens sorted by probability, so
 * the code filters by min-p first, which is cheaper and gives the same set.)
 * All buffers are allocated by hgnSamplerCreate (sized by the vocabulary);
 * sampling and accepting tokens never allocate. A sampler is not
 * thread-safe; use one per sequence. */
#ifndef HUGINN_SAMPLER_H
#define HUGINN_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
typedef struct HgnRng {
    uint64_t s[4];
} HgnRng;

void hgnRngSeed(HgnRng *rng, uint64_t seed);
uint64_t hgnRngNext(HgnRng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
double hgnRngUniform(HgnRng *rng);

typedef struct HgnSamplerParams {
    float temperature;   /* <= 0: greedy. Default 0.8 */
    int32_t topK;        /* <= 0: off. Default 40 */
    float topP;          /* 1: off; (0, 1]. Default 0.95 */
    float minP;          /* 0: off; [0, 1]. Default 0.05 */
    float repeatPenalty; /* 1: off; > 0. Default 1.0 */
    int32_t repeatLastN; /* history length the penalty looks at; 0: off. Default 64 */
    uint64_t seed;       /* Default 0 */
} HgnSamplerParams;

/* The defaults above (llama.cpp's). Cannot fail. */
void hgnSamplerParamsInit(HgnSamplerParams *params);
/* HGN-0015 naming the first out-of-range field (NaN included). */
HGN_NODISCARD HgnStatus hgnSamplerParamsValidate(const HgnSamplerParams *params);

typedef struct HgnSampler HgnSampler;

/* Validates params and preallocates for nVocab logits. */
HGN_NODISCARD HgnStatus hgnSamplerCreate(const HgnSamplerParams *params, size_t nVocab, HgnSampler **out);
void hgnSamplerFree(HgnSampler *sampler);

/* Picks a token from nVocab logits (not modified). NaN logits count as -inf;
 * HGN-0015 if no logit is finite. Does not record the token: call
 * hgnSamplerAccept for every token that joins the sequence (prompt included). */
HGN_NODISCARD HgnStatus hgnSamplerSample(HgnSampler *sampler, const float *logits, int32_t *token);
/* Adds token to the penalty history (ids outside the vocabulary are ignored). */
void hgnSamplerAccept(HgnSampler *sampler, int32_t token);
/* Clears the history; the generator keeps its state. */
void hgnSamplerReset(HgnSampler *sampler);

/* Runs steps 1-6 without drawing: *ids and *probs point at n candidates (the
 * sampler's buffers, valid until its next call) with probabilities summing
 * to 1. Greedy gives one candidate with probability 1. */
HGN_NODISCARD HgnStatus hgnSamplerDistribution(HgnSampler *sampler, const float *logits, const int32_t **ids,
                                               const float **probs, size_t *n);

/* Checkpointing: the generator state, the history and the vocabulary size as
 * a little-endian byte blob of hgnSamplerStateSize() bytes. Load fails with
 * HGN-0015 if the blob is malformed or was saved for another vocabulary size
 * or history length. */
size_t hgnSamplerStateSize(const HgnSampler *sampler);
HGN_NODISCARD HgnStatus hgnSamplerStateSave(const HgnSampler *sampler, void *buf, size_t cap, size_t *written);
HGN_NODISCARD HgnStatus hgnSamplerStateLoad(HgnSampler *sampler, const void *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
