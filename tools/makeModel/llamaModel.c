/* llamaModel.c — validates a makeModel spec and writes the Llama GGUF:
 * metadata and tensor table through Huginn's GGUF writer (data regions left
 * as holes), then each tensor's seeded random rows converted by ggml's
 * reference quantisers and written in place with pwrite, so memory stays at
 * a few MiB whatever the model size. */
#include "llamaModel.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpeVocab.h"
#include "core/alloc.h"
#include "huginn/gguf.h"
#include "quantization/ggmlBlocks.h"

#define MAX_LAYERS 4096u
#define MAX_DIM    (1u << 17)
#define MAX_FFN    (1u << 20)
#define MAX_CTX    (1u << 24)
#define CHUNK      (4u << 20) /* bytes converted per pwrite */

/* ---- validation ------------------------------------------------------------------ */

static HgnStatus bad(const char *flag, const char *hint, const char *fmt, unsigned long long v, unsigned long long w) {
    return hgnStatusNew(HGN_CODE_InvalidArgument, flag, hint, fmt, v, w);
}

HgnStatus llamaSpecValidate(const LlamaSpec *s) {
    if (s->layers < 1 || s->layers > MAX_LAYERS)
        return bad("--layers", "use 1 to 4096 layers", "%llu layers is out of range (max %llu)", s->layers, MAX_LAYERS);
    if (s->dim < 1 || s->dim > MAX_DIM)
        return bad("--dim", "use a model width of 1 to 131072", "width %llu is out of range (max %llu)", s->dim,
                   MAX_DIM);
    if (s->heads < 1 || s->heads > s->dim)
        return bad("--heads", "use 1 to --dim heads", "%llu heads is out of range for width %llu", s->heads, s->dim);
    if (s->dim % s->heads != 0)
        return bad("--heads", "choose a head count that divides --dim", "%llu heads do not divide width %llu", s->heads,
                   s->dim);
    if ((s->dim / s->heads) % 2 != 0)
        return bad("--heads", "RoPE rotates pairs: --dim / --heads must be even", "head size %llu (width %llu) is odd",
                   s->dim / s->heads, s->dim);
    if (s->kvHeads < 1 || s->kvHeads > s->heads)
        return bad("--kv-heads", "use 1 to --heads key/value heads", "%llu kv heads is out of range for %llu heads",
                   s->kvHeads, s->heads);
    if (s->heads % s->kvHeads != 0)
        return bad("--kv-heads", "choose a kv-head count that divides --heads",
                   "%llu kv heads do not divide %llu heads", s->kvHeads, s->heads);
    if (s->ffn < 1 || s->ffn > MAX_FFN)
        return bad("--ffn", "use a feed-forward width of 1 to 1048576",
                   "feed-forward width %llu is out of range (max %llu)", s->ffn, MAX_FFN);
    if (s->vocab < BPE_VOCAB_MIN || s->vocab > BPE_VOCAB_MAX)
        return bad("--vocab", "use 260 to 4194304 tokens (3 special + 256 bytes + at least one merge)",
                   "vocabulary size %llu is out of range (max %llu)", s->vocab, BPE_VOCAB_MAX);
    if (s->ctx < 1 || s->ctx > MAX_CTX)
        return bad("--ctx", "use a context length of 1 to 16777216", "context length %llu is out of range (max %llu)",
                   s->ctx, MAX_CTX);
    if (s->type != HGN_DTYPE_F32 && s->type != HGN_DTYPE_F16 && s->type != HGN_DTYPE_Q8_0 && s->type != HGN_DTYPE_Q4_0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "--type", "use f32, f16, q8_0 or q4_0",
                            "weight type %s is not one makeModel writes", hgnDtypeName(s->type));
    uint32_t bs = hgnDtypeInfo(s->type)->blockSize;
    if (s->dim % bs != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "--dim", "use a width that is a multiple of 32, or --type f16",
                            "%s rows need a multiple of %u elements; width %u is not", hgnDtypeName(s->type), bs,
                            s->dim);
    if (s->ffn % bs != 0)
        return hgnStatusNew(
            HGN_CODE_InvalidArgument, "--ffn", "use a feed-forward width that is a multiple of 32, or --type f16",
            "%s rows need a multiple of %u elements; feed-forward width %u is not", hgnDtypeName(s->type), bs, s->ffn);
    if (!(s->ropeTheta > 0.0f) || !isfinite(s->ropeTheta))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "--rope-theta", "use a positive RoPE base such as 10000",
                            "RoPE base %g is not a positive finite number", (double)s->ropeTheta);
    if (!(s->rmsEps > 0.0f) || !(s->rmsEps < 1.0f))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "--rms-eps", "use a small positive epsilon such as 1e-5",
                            "RMSNorm epsilon %g is not in (0, 1)", (double)s->rmsEps);
    return HGN_OK;
}

uint32_t llamaFileType(HgnDtype type) {
    switch (type) {
    case HGN_DTYPE_F16:
        return 1;
    case HGN_DTYPE_Q4_0:
        return 2;
    case HGN_DTYPE_Q8_0:
        return 7;
    default:
        return 0;
    }
}

/* ---- tensor table -------------------------------------------------------------------- */

typedef enum { INIT_EMBED, INIT_MATRIX, INIT_NORM } InitKind;

typedef struct TensorPlan {
    char name[HGN_GGUF_MAX_NAME + 1];
    int nDims;
    int64_t shape[2]; /* row-major: [rows, cols] or [cols] */
    HgnDtype dtype;
    InitKind init;
    float scale; /* half-width of the uniform distribution (INIT_NORM: of the noise around 1) */
} TensorPlan;

static void planAdd(TensorPlan *t, uint32_t *n, const char *name, int64_t rows, int64_t cols, HgnDtype dtype,
                    InitKind init) {
    TensorPlan *p = &t[(*n)++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->nDims = rows > 0 ? 2 : 1;
    if (rows > 0)
        p->shape[0] = rows, p->shape[1] = cols;
    else
        p->shape[0] = cols;
    p->dtype = dtype;
    p->init = init;
    /* uniform(-a, a) has standard deviation a / sqrt(3): embeddings 1, matrices 1 / sqrt(fan_in) so that
     * every projection keeps its input's scale, norm weights 1 ± 0.1 */
    const float sqrt3 = 1.7320508f;
    p->scale = init == INIT_EMBED ? sqrt3 : init == INIT_MATRIX ? sqrt3 / sqrtf((float)cols) : 0.1f;
    /* the output projection is 4x wider so that greedy choices have clear margins (logit std ≈ 4) and agree
     * across implementations whose rounding differs */
    if (init == INIT_MATRIX && strcmp(name, "output.weight") == 0) p->scale *= 4.0f;
}

static uint32_t planTensors(const LlamaSpec *s, TensorPlan *t) {
    uint32_t n = 0;
    const int64_t headDim = s->dim / s->heads, kvDim = headDim * s->kvHeads;
    planAdd(t, &n, "token_embd.weight", s->vocab, s->dim, s->type, INIT_EMBED);
    for (uint32_t l = 0; l < s->layers; l++) {
        char name[HGN_GGUF_MAX_NAME + 1];
#define LAYER(suffix, rows, cols, dtype, init)                                                                         \
    snprintf(name, sizeof name, "blk.%u." suffix ".weight", l);                                                        \
    planAdd(t, &n, name, rows, cols, dtype, init)
        LAYER("attn_norm", 0, s->dim, HGN_DTYPE_F32, INIT_NORM);
        LAYER("attn_q", s->dim, s->dim, s->type, INIT_MATRIX);
        LAYER("attn_k", kvDim, s->dim, s->type, INIT_MATRIX);
        LAYER("attn_v", kvDim, s->dim, s->type, INIT_MATRIX);
        LAYER("attn_output", s->dim, s->dim, s->type, INIT_MATRIX);
        LAYER("ffn_norm", 0, s->dim, HGN_DTYPE_F32, INIT_NORM);
        LAYER("ffn_gate", s->ffn, s->dim, s->type, INIT_MATRIX);
        LAYER("ffn_up", s->ffn, s->dim, s->type, INIT_MATRIX);
        LAYER("ffn_down", s->dim, s->ffn, s->type, INIT_MATRIX);
#undef LAYER
    }
    planAdd(t, &n, "output_norm.weight", 0, s->dim, HGN_DTYPE_F32, INIT_NORM);
    planAdd(t, &n, "output.weight", s->vocab, s->dim, s->type, INIT_MATRIX);
    return n;
}

/* ---- random numbers ------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One stream per tensor: the seed mixed with the tensor's index. */
static uint64_t tensorStream(uint64_t seed, uint32_t index) {
    uint64_t s = seed ^ ((uint64_t)index * 0xd1b54a32d192ed03ull);
    return splitmix64(&s);
}

/* uniform in [-1, 1), from 24 random bits: exact in float */
static float uniform(uint64_t *state) { return (float)(int32_t)(splitmix64(state) >> 40) * 0x1p-23f - 1.0f; }

/* ---- writing ------------------------------------------------------------------------------ */

static HgnStatus addMetadata(HgnGgufWriter *w, const LlamaSpec *s, const BpeVocab *v) {
    char name[96];
    snprintf(name, sizeof name, "huginn makeModel %uL-%ud-%s seed %llu", s->layers, s->dim, hgnDtypeName(s->type),
             (unsigned long long)s->seed);
    HgnStatus st;
#define TRY(expr)                                                                                                      \
    if ((st = (expr))) return st
    TRY(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    TRY(hgnGgufWriterAddString(w, "general.type", "model"));
    TRY(hgnGgufWriterAddString(w, "general.name", name));
    TRY(hgnGgufWriterAddU32(w, "llama.block_count", s->layers));
    TRY(hgnGgufWriterAddU32(w, "llama.context_length", s->ctx));
    TRY(hgnGgufWriterAddU32(w, "llama.embedding_length", s->dim));
    TRY(hgnGgufWriterAddU32(w, "llama.feed_forward_length", s->ffn));
    TRY(hgnGgufWriterAddU32(w, "llama.attention.head_count", s->heads));
    TRY(hgnGgufWriterAddU32(w, "llama.attention.head_count_kv", s->kvHeads));
    TRY(hgnGgufWriterAddF32(w, "llama.rope.freq_base", s->ropeTheta));
    TRY(hgnGgufWriterAddF32(w, "llama.attention.layer_norm_rms_epsilon", s->rmsEps));
    TRY(hgnGgufWriterAddU32(w, "general.file_type", llamaFileType(s->type)));
    TRY(hgnGgufWriterAddU32(w, "llama.vocab_size", s->vocab));
    TRY(hgnGgufWriterAddU32(w, "llama.rope.dimension_count", s->dim / s->heads));
    TRY(hgnGgufWriterAddString(w, "tokenizer.ggml.model", "gpt2"));
    TRY(hgnGgufWriterAddString(w, "tokenizer.ggml.pre", "gpt-2"));
    TRY(hgnGgufWriterAddStringArray(w, "tokenizer.ggml.tokens", (const char *const *)v->tokens, v->nTokens));
    TRY(hgnGgufWriterAddArray(w, "tokenizer.ggml.token_type", HGN_GGUF_INT32, v->types, v->nTokens));
    TRY(hgnGgufWriterAddStringArray(w, "tokenizer.ggml.merges", (const char *const *)v->merges, v->nMerges));
    TRY(hgnGgufWriterAddU32(w, "tokenizer.ggml.bos_token_id", 1));
    TRY(hgnGgufWriterAddU32(w, "tokenizer.ggml.eos_token_id", 2));
    TRY(hgnGgufWriterAddU32(w, "tokenizer.ggml.unknown_token_id", 0));
    TRY(hgnGgufWriterAddBool(w, "tokenizer.ggml.add_bos_token", true));
    TRY(hgnGgufWriterAddBool(w, "tokenizer.ggml.add_eos_token", false));
    TRY(hgnGgufWriterAddU32(w, "general.quantization_version", 2));
    TRY(hgnGgufWriterAddU64(w, "huginn.make_model.seed", s->seed));
#undef TRY
    return HGN_OK;
}

static HgnStatus writeAll(int fd, const uint8_t *p, size_t n, uint64_t off, const char *path) {
    while (n > 0) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return hgnStatusNew(HGN_CODE_IoError, path, "check free disk space and permissions",
                                "writing %zu bytes at offset %llu failed: %s", n, (unsigned long long)off,
                                k < 0 ? strerror(errno) : "no progress");
        p += k, n -= (size_t)k, off += (uint64_t)k;
    }
    return HGN_OK;
}

/* Generates tensor t's rows and writes them at its offset. */
static HgnStatus fillTensor(int fd, const char *path, const TensorPlan *t, uint32_t index, uint64_t seed,
                            uint64_t offset, float *row, uint8_t *chunk) {
    const int64_t cols = t->nDims == 2 ? t->shape[1] : t->shape[0], rows = t->nDims == 2 ? t->shape[0] : 1;
    uint64_t rowBytes;
    HgnStatus st = hgnDtypeBytes(t->dtype, cols, &rowBytes);
    if (st) return st;
    uint64_t state = tensorStream(seed, index), filled = 0;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c = 0; c < cols; c++) {
            float u = uniform(&state);
            row[c] = t->init == INIT_NORM ? 1.0f + t->scale * u : t->scale * u;
        }
        if ((st = hgnGgmlQuantizeRow(t->dtype, row, cols, chunk + filled))) return hgnStatusPrefixWhere(st, t->name);
        filled += rowBytes;
        if (filled + rowBytes > CHUNK || r == rows - 1) {
            if ((st = writeAll(fd, chunk, filled, offset, path))) return st;
            offset += filled;
            filled = 0;
        }
    }
    return HGN_OK;
}

static HgnStatus fillData(const LlamaSpec *s, const char *partial, const TensorPlan *plan, uint32_t nTensors) {
    HgnGgufFile *f = NULL;
    HgnStatus st = hgnGgufOpen(partial, &f);
    if (st) return st;
    uint64_t *offsets = hgnCalloc(nTensors, sizeof *offsets);
    float *row = hgnMalloc(sizeof(float) * (s->dim > s->ffn ? s->dim : s->ffn));
    uint64_t maxRow = (uint64_t)(s->dim > s->ffn ? s->dim : s->ffn) * 4u;
    uint8_t *chunk = hgnMalloc(CHUNK > maxRow ? CHUNK : maxRow);
    int fd = -1;
    if (!offsets || !row || !chunk) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, partial, NULL, "out of memory for the row buffers");
        goto done;
    }
    if (hgnGgufTensorCount(f) != nTensors) {
        st = hgnStatusNew(HGN_CODE_InternalError, partial, NULL, "wrote %u tensors, read back %zu", nTensors,
                          hgnGgufTensorCount(f));
        goto done;
    }
    for (uint32_t i = 0; i < nTensors; i++) {
        const HgnTensorView *tv = hgnGgufTensorAt(f, i);
        if (strcmp(tv->name, plan[i].name) != 0 || tv->dtype != plan[i].dtype) {
            st = hgnStatusNew(HGN_CODE_InternalError, partial, NULL, "tensor %u reads back as '%s' (%s), wrote '%s'", i,
                              tv->name, hgnDtypeName(tv->dtype), plan[i].name);
            goto done;
        }
        offsets[i] = tv->offset;
    }
    hgnGgufClose(f);
    f = NULL;
    fd = open(partial, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        st = hgnStatusNew(HGN_CODE_IoError, partial, NULL, "cannot reopen for writing: %s", strerror(errno));
        goto done;
    }
    for (uint32_t i = 0; i < nTensors && !st; i++)
        st = fillTensor(fd, partial, &plan[i], i, s->seed, offsets[i], row, chunk);
    if (!st && fsync(fd) != 0) st = hgnStatusNew(HGN_CODE_IoError, partial, NULL, "fsync failed: %s", strerror(errno));
done:
    if (fd >= 0 && close(fd) != 0 && !st)
        st = hgnStatusNew(HGN_CODE_IoError, partial, NULL, "close failed: %s", strerror(errno));
    hgnGgufClose(f);
    hgnFree(offsets);
    hgnFree(row);
    hgnFree(chunk);
    return st;
}

HgnStatus llamaModelWrite(const LlamaSpec *s, const char *path, LlamaSummary *summary) {
    HgnStatus st = llamaSpecValidate(s);
    if (st) return st;
    const uint32_t nTensors = 2 + 9 * s->layers + 1;
    TensorPlan *plan = hgnCalloc(nTensors, sizeof *plan);
    char *partial = NULL;
    BpeVocab vocab = {0};
    HgnGgufWriter *w = NULL;
    size_t pathLen = strlen(path);
    if (plan && (partial = hgnMalloc(pathLen + sizeof ".partial")))
        snprintf(partial, pathLen + sizeof ".partial", "%s.partial", path);
    if (!plan || !partial) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory planning the tensors");
        goto done;
    }
    uint32_t n = planTensors(s, plan);
    if ((st = bpeVocabBuild(s->vocab, &vocab))) goto done;
    if ((st = hgnGgufWriterCreate(&w))) goto done;
    if ((st = addMetadata(w, s, &vocab))) goto done;
    uint64_t params = 0;
    for (uint32_t i = 0; i < n && !st; i++) {
        st = hgnGgufWriterAddTensor(w, plan[i].name, plan[i].dtype, plan[i].nDims, plan[i].shape, NULL);
        params += (uint64_t)plan[i].shape[0] * (uint64_t)(plan[i].nDims == 2 ? plan[i].shape[1] : 1);
    }
    if (st) goto done;
    uint64_t bytes = hgnGgufWriterSize(w);
    if ((st = hgnGgufWriterWriteFile(w, partial))) goto done;
    if ((st = fillData(s, partial, plan, n))) goto done;
    if (rename(partial, path) != 0) {
        st = hgnStatusNew(HGN_CODE_IoError, path, "check the output folder", "cannot rename %s to %s: %s", partial,
                          path, strerror(errno));
        goto done;
    }
    if (summary) summary->nTensors = n, summary->parameters = params, summary->fileBytes = bytes;
done:
    if (st && partial) unlink(partial);
    hgnGgufWriterFree(w);
    bpeVocabFree(&vocab);
    hgnFree(partial);
    hgnFree(plan);
    return st;
}
