/* sampler.c — next-token sampling (greedy, temperature, top-k, top-p, min-p,
 * repetition penalty) in the order documented in huginn/sampler.h, the
 * xoshiro256** generator, and the checkpoint blob of the sampler state. All
 * buffers are sized by the vocabulary at creation; the per-token path does
 * not allocate (no qsort either: glibc's may call malloc). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/sampler.h"

/* ---- xoshiro256** ---- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void hgnRngSeed(HgnRng *rng, uint64_t seed) {
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&seed);
}

uint64_t hgnRngNext(HgnRng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hgnRngUniform(HgnRng *rng) { return (double)(hgnRngNext(rng) >> 11) * 0x1.0p-53; }

/* ---- parameters ---- */

void hgnSamplerParamsInit(HgnSamplerParams *p) {
    p->temperature = 0.8f;
    p->topK = 40;
    p->topP = 0.95f;
    p->minP = 0.05f;
    p->repeatPenalty = 1.0f;
    p->repeatLastN = 64;
    p->seed = 0;
}

static HgnStatus badParam(const char *field, const char *hint, double value) {
    return hgnStatusNew(HGN_CODE_InvalidArgument, field, hint, "%s = %g is out of range", field, value);
}

HgnStatus hgnSamplerParamsValidate(const HgnSamplerParams *p) {
    if (!p) return hgnStatusNew(HGN_CODE_InvalidArgument, "sampler", NULL, "params is NULL");
    if (!(p->temperature >= 0) || isinf(p->temperature))
        return badParam("temperature", "use 0 for greedy or a positive finite value", p->temperature);
    if (p->topK < 0) return badParam("topK", "use 0 (off) or a positive count", p->topK);
    if (!(p->topP > 0 && p->topP <= 1)) return badParam("topP", "use a value in (0, 1]; 1 is off", p->topP);
    if (!(p->minP >= 0 && p->minP <= 1)) return badParam("minP", "use a value in [0, 1]; 0 is off", p->minP);
    if (!(p->repeatPenalty > 0) || isinf(p->repeatPenalty))
        return badParam("repeatPenalty", "use a positive value; 1 is off", p->repeatPenalty);
    if (p->repeatLastN < 0 || p->repeatLastN > (1 << 24))
        return badParam("repeatLastN", "use 0 (off) up to 16777216", p->repeatLastN);
    return HGN_OK;
}

/* ---- the sampler ---- */

typedef struct Cand {
    float logit;
    int32_t id;
} Cand;

struct HgnSampler {
    HgnSamplerParams params;
    size_t nVocab;
    Cand *cand;     /* [nVocab] */
    int32_t *ids;   /* [nVocab] output of hgnSamplerDistribution */
    float *probs;   /* [nVocab] */
    uint32_t *mark; /* [nVocab] penalty generation marks */
    uint32_t gen;
    int32_t *hist; /* [repeatLastN] ring */
    size_t histCount, histHead;
    HgnRng rng;
};

HgnStatus hgnSamplerCreate(const HgnSamplerParams *params, size_t nVocab, HgnSampler **out) {
    *out = NULL;
    HgnStatus st = hgnSamplerParamsValidate(params);
    if (st) return st;
    if (nVocab == 0 || nVocab > (size_t)INT32_MAX)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "nVocab", NULL, "vocabulary size %zu is out of range", nVocab);
    HgnSampler *s = hgnCalloc(1, sizeof *s);
    if (!s) return hgnStatusNew(HGN_CODE_OutOfMemory, "sampler", NULL, "out of memory");
    s->params = *params;
    s->nVocab = nVocab;
    s->cand = hgnMalloc(nVocab * sizeof *s->cand);
    s->ids = hgnMalloc(nVocab * sizeof *s->ids);
    s->probs = hgnMalloc(nVocab * sizeof *s->probs);
    s->mark = hgnCalloc(nVocab, sizeof *s->mark);
    s->hist = hgnMalloc((params->repeatLastN ? (size_t)params->repeatLastN : 1) * sizeof *s->hist);
    if (!s->cand || !s->ids || !s->probs || !s->mark || !s->hist) {
        hgnSamplerFree(s);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "sampler", NULL, "out of memory for %zu-token vocabulary", nVocab);
    }
    hgnRngSeed(&s->rng, params->seed);
    *out = s;
    return HGN_OK;
}

void hgnSamplerFree(HgnSampler *s) {
    if (!s) return;
    hgnFree(s->cand);
    hgnFree(s->ids);
    hgnFree(s->probs);
    hgnFree(s->mark);
    hgnFree(s->hist);
    hgnFree(s);
}

void hgnSamplerAccept(HgnSampler *s, int32_t token) {
    if (!s || token < 0 || (size_t)token >= s->nVocab || s->params.repeatLastN == 0) return;
    size_t cap = (size_t)s->params.repeatLastN;
    s->hist[s->histHead] = token;
    s->histHead = (s->histHead + 1) % cap;
    if (s->histCount < cap) s->histCount++;
}

void hgnSamplerReset(HgnSampler *s) {
    if (!s) return;
    s->histCount = s->histHead = 0;
}

/* a ranks before b: higher logit, then lower id. */
static bool better(const Cand *a, const Cand *b) {
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

static void swap(Cand *a, Cand *b) {
    Cand t = *a;
    *a = *b;
    *b = t;
}

/* Moves the k best of c[0,n) to the front (in no particular order). */
static void selectTop(Cand *c, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1, target = k - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (better(&c[mid], &c[lo])) swap(&c[mid], &c[lo]);
        if (better(&c[hi], &c[lo])) swap(&c[hi], &c[lo]);
        if (better(&c[hi], &c[mid])) swap(&c[hi], &c[mid]);
        Cand pivot = c[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (better(&c[i], &pivot)) i++;
            while (better(&pivot, &c[j])) j--;
            if (i <= j) {
                swap(&c[i], &c[j]);
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (target <= j && j < hi)
            hi = j;
        else if (target >= i)
            lo = i;
        else
            break;
    }
}

/* Heapsort c[0,n) best first (in-place, no allocation). */
static void siftDown(Cand *c, size_t root, size_t n) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        /* a min-heap on "better": the worst candidate at the top, so the array ends best-first */
        if (child + 1 < n && better(&c[child], &c[child + 1])) child++;
        if (!better(&c[root], &c[child])) return;
        swap(&c[root], &c[child]);
        root = child;
    }
}

static void sortBest(Cand *c, size_t n) {
    if (n < 2) return;
    for (size_t i = n / 2; i-- > 0;) siftDown(c, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        swap(&c[0], &c[end]);
        siftDown(c, 0, end);
    }
}

/* Moves the k best of c[0,n) to the front with a k-element heap whose root is
 * the worst kept one: one pass, mostly a single comparison per candidate. */
static void heapTop(Cand *c, size_t n, size_t k) {
    for (size_t i = k / 2; i-- > 0;) siftDown(c, i, k);
    for (size_t i = k; i < n; i++) {
        if (!better(&c[i], &c[0])) continue;
        c[0] = c[i];
        siftDown(c, 0, k);
    }
}

/* probs[i] = softmax(c[i].logit * invT) over n; returns the sum before normalising. */
static void softmax(const Cand *c, size_t n, double invT, float *probs) {
    float mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (c[i].logit > mx) mx = c[i].logit;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double e = c[i].logit == -INFINITY ? 0.0 : exp(((double)c[i].logit - mx) * invT);
        probs[i] = (float)e;
        sum += e;
    }
    for (size_t i = 0; i < n; i++) probs[i] = (float)(probs[i] / sum);
}

/* Steps 1-6 up to the final distribution in cand/probs[0,*n). */
static HgnStatus distribution(HgnSampler *s, const float *logits, size_t *nOut) {
    const HgnSamplerParams *p = &s->params;
    size_t n = s->nVocab;
    Cand *c = s->cand;
    float mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float l = isnan(logits[i]) ? -INFINITY : logits[i];
        c[i] = (Cand){l, (int32_t)i};
    }
    if (p->repeatPenalty != 1.0f && s->histCount > 0) {
        if (++s->gen == 0) {
            memset(s->mark, 0, s->nVocab * sizeof *s->mark);
            s->gen = 1;
        }
        for (size_t k = 0; k < s->histCount; k++) {
            int32_t t = s->hist[k];
            if (s->mark[t] == s->gen) continue;
            s->mark[t] = s->gen;
            float l = c[t].logit;
            c[t].logit = l > 0 ? l / p->repeatPenalty : l * p->repeatPenalty;
        }
    }
    size_t best = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i].logit > mx) mx = c[i].logit, best = i;
    if (mx == -INFINITY || isnan(mx))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "logits", NULL, "no logit is finite (all NaN or -inf)");
    if (p->temperature <= 0) {
        c[0] = c[best];
        s->probs[0] = 1.0f;
        *nOut = 1;
        return HGN_OK;
    }
    if (p->topK > 0 && (size_t)p->topK < n) {
        if ((size_t)p->topK * 16 < n)
            heapTop(c, n, (size_t)p->topK);
        else
            selectTop(c, n, (size_t)p->topK);
        n = (size_t)p->topK;
    }
    if (p->topP < 1.0f || p->minP > 0) {
        double top = -INFINITY, z = 0;
        for (size_t i = 0; i < n; i++)
            if (c[i].logit > top) top = c[i].logit;
        for (size_t i = 0; i < n; i++) z += exp((double)c[i].logit - top);
        /* min-p keeps a prefix of the sorted order, and so does top-p; their composition is the
         * shorter prefix whichever runs first, and renormalising does not change p_i / p_max.
         * Filtering by min-p first (O(n)) leaves less to sort; top-p still measures mass
         * against the distribution it would have seen (normaliser z). */
        if (p->minP > 0) {
            double threshold = top + log((double)p->minP);
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if ((double)c[i].logit >= threshold) c[m++] = c[i];
            n = m;
        }
        if (p->topP < 1.0f) {
            /* The smallest most-likely set with mass >= topP: select the best m (O(n)),
             * doubling m until their mass suffices, then sort only those m. */
            size_t m = 64;
            for (;;) {
                if (m >= n) {
                    m = n;
                    break;
                }
                selectTop(c, n, m);
                double mass = 0;
                for (size_t i = 0; i < m; i++) mass += exp((double)c[i].logit - top);
                if (mass / z >= p->topP) break;
                m *= 2;
            }
            sortBest(c, m);
            double cum = 0;
            size_t keep = m;
            for (size_t i = 0; i < m; i++) {
                cum += exp((double)c[i].logit - top) / z;
                if (cum >= p->topP) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
    }
    softmax(c, n, 1.0 / p->temperature, s->probs);
    *nOut = n;
    return HGN_OK;
}

HgnStatus hgnSamplerDistribution(HgnSampler *s, const float *logits, const int32_t **ids, const float **probs,
                                 size_t *n) {
    *n = 0;
    if (!s || !logits) return hgnStatusNew(HGN_CODE_InvalidArgument, "sampler", NULL, "sampler or logits is NULL");
    HgnStatus st = distribution(s, logits, n);
    if (st) return st;
    for (size_t i = 0; i < *n; i++) s->ids[i] = s->cand[i].id;
    *ids = s->ids;
    *probs = s->probs;
    return HGN_OK;
}

HgnStatus hgnSamplerSample(HgnSampler *s, const float *logits, int32_t *token) {
    *token = -1;
    if (!s || !logits) return hgnStatusNew(HGN_CODE_InvalidArgument, "sampler", NULL, "sampler or logits is NULL");
    size_t n = 0;
    HgnStatus st = distribution(s, logits, &n);
    if (st) return st;
    if (n == 1) {
        *token = s->cand[0].id;
        return HGN_OK;
    }
    double target = hgnRngUniform(&s->rng), cum = 0;
    size_t pick = n, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->probs[i] <= 0) continue;
        last = i;
        cum += s->probs[i];
        if (cum > target) {
            pick = i;
            break;
        }
    }
    *token = s->cand[pick < n ? pick : last].id; /* rounding left target above the sum: the last live one */
    return HGN_OK;
}

/* ---- checkpoint blob ---- */

#define STATE_MAGIC  "HGNSMPL1"
#define STATE_HEADER (8 + 4 * 4 + 4 * 8)

static void putU32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void putU64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t getU32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t getU64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

size_t hgnSamplerStateSize(const HgnSampler *s) { return STATE_HEADER + 4 * (size_t)s->params.repeatLastN; }

HgnStatus hgnSamplerStateSave(const HgnSampler *s, void *buf, size_t cap, size_t *written) {
    size_t need = hgnSamplerStateSize(s);
    if (written) *written = 0;
    if (!buf || cap < need)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "hgnSamplerStateSave", "pass hgnSamplerStateSize() bytes",
                            "buffer of %zu bytes is smaller than the %zu the state needs", cap, need);
    unsigned char *p = buf;
    memset(p, 0, need);
    memcpy(p, STATE_MAGIC, 8);
    putU32(p + 8, (uint32_t)s->nVocab);
    putU32(p + 12, (uint32_t)s->params.repeatLastN);
    putU32(p + 16, (uint32_t)s->histCount);
    for (int i = 0; i < 4; i++) putU64(p + 24 + 8 * i, s->rng.s[i]);
    size_t cap_ = (size_t)s->params.repeatLastN;
    for (size_t k = 0; k < s->histCount; k++) { /* oldest first */
        size_t at = (s->histHead + cap_ - s->histCount + k) % cap_;
        putU32(p + STATE_HEADER + 4 * k, (uint32_t)s->hist[at]);
    }
    if (written) *written = need;
    return HGN_OK;
}

HgnStatus hgnSamplerStateLoad(HgnSampler *s, const void *buf, size_t size) {
    const char *where = "sampler state";
    const unsigned char *p = buf;
    if (!buf || size < STATE_HEADER || memcmp(p, STATE_MAGIC, 8) != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, "pass a blob from hgnSamplerStateSave",
                            "not a sampler state (bad magic or too short)");
    uint32_t nVocab = getU32(p + 8), lastN = getU32(p + 12), count = getU32(p + 16);
    if (nVocab != s->nVocab || lastN != (uint32_t)s->params.repeatLastN)
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, "restore into a sampler made with the same settings",
                            "state is for vocabulary %u and history %u, this sampler has %zu and %ld", nVocab, lastN,
                            s->nVocab, (long)s->params.repeatLastN);
    if (count > lastN || size != hgnSamplerStateSize(s))
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "state blob is inconsistent (%zu bytes)", size);
    HgnRng rng;
    for (int i = 0; i < 4; i++) rng.s[i] = getU64(p + 24 + 8 * i);
    if (!(rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]))
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "generator state is all zero");
    for (uint32_t k = 0; k < count; k++)
        if (getU32(p + STATE_HEADER + 4 * k) >= nVocab)
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "history token %u is outside the vocabulary", k);
    s->rng = rng;
    s->histCount = count;
    s->histHead = lastN ? count % lastN : 0;
    for (uint32_t k = 0; k < count; k++) s->hist[k] = (int32_t)getU32(p + STATE_HEADER + 4 * k);
    return HGN_OK;
}
