/* kernels.h — the CPU compute kernels of the local runtime: element
 * conversions, ggml block quantisation, matrix products over weights read
 * where they lie (F32, F16, BF16, Q8_0, Q4_0, Q4_1), RMSNorm, RoPE, softmax,
 * SiLU/SwiGLU and causal grouped-query attention over a KV cache.
 *
 * Every kernel has a scalar reference and, where it matters, hand-written
 * AVX2+FMA+F16C and AVX-512 (VNNI) versions chosen at run time from cpuid
 * (hgnCpuLevel). The SIMD code is compiled with function-level target
 * attributes, so the library runs on any x86-64 (and on other architectures
 * with the scalar code only). Kernels never allocate; where scratch memory is
 * needed the caller passes it (sized by a *WorkSize function), so a decode
 * step can run without touching the heap. Shapes are trusted: the executor
 * validates them when it loads a plan. See docs/kernels.md. */
#ifndef HGN_RUNTIME_CPU_KERNELS_H
#define HGN_RUNTIME_CPU_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/dtype.h"
#include "huginn/status.h"
#include "runtime/threadPool.h"

/* SIMD code is built on x86-64 unless HGN_NO_SIMD is defined (which also
 * checks that the portable build compiles). */
#if defined(__x86_64__) && !defined(HGN_NO_SIMD)
#define HGN_KERNELS_X86 1
#endif

/* ---- CPU features and dispatch (cpuFeatures.c) ---------------------------- */

typedef enum HgnCpuLevel {
    HGN_CPU_SCALAR = 0, /* portable C */
    HGN_CPU_AVX2 = 1,   /* AVX2 + FMA + F16C */
    HGN_CPU_AVX512 = 2  /* AVX2 level + AVX-512 F/BW/VL (+ VNNI int8 dot products when present) */
} HgnCpuLevel;

typedef struct HgnCpuFeatures {
    bool avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512vnni;
} HgnCpuFeatures;

/* What this CPU (and OS: XSAVE state enabled) supports; detected once. */
const HgnCpuFeatures *hgnCpuFeatures(void);
/* Highest level the CPU supports. */
HgnCpuLevel hgnCpuBestLevel(void);
/* Level the kernels use now: the best one, or lower when the environment
 * variable HGN_CPU_LEVEL (scalar|avx2|avx512) or hgnCpuSetLevel asks. */
HgnCpuLevel hgnCpuLevel(void);
/* Caps the level (tests, benchmarks); a level above the best is clamped.
 * Returns the level now in use. Not to be called while kernels run. */
HgnCpuLevel hgnCpuSetLevel(HgnCpuLevel level);
const char *hgnCpuLevelName(HgnCpuLevel level);

/* ---- element conversions and block quantisation (kernelsQuant.c) ---------- */

#define HGN_QK 32 /* weights per block of Q8_0, Q4_0, Q4_1 */

/* ggml's block layouts; fp16 fields are IEEE half bit patterns. */
typedef struct HgnBlockQ8_0 {
    uint16_t d;
    int8_t qs[HGN_QK];
} HgnBlockQ8_0; /* 34 bytes */
typedef struct HgnBlockQ4_0 {
    uint16_t d;
    uint8_t qs[HGN_QK / 2]; /* byte j: element j in the low nibble, element j+16 in the high one */
} HgnBlockQ4_0;             /* 18 bytes */
typedef struct HgnBlockQ4_1 {
    uint16_t d, m;
    uint8_t qs[HGN_QK / 2];
} HgnBlockQ4_1; /* 20 bytes */

/* An activation block quantised on the fly for the integer dot products:
 * x ≈ d * qs, qs in [-127, 127], s = d * Σ qs (for Q4_0's offset and Q4_1's
 * minimum, like ggml's q8_1). d and s stay fp32 (ggml rounds them to fp16);
 * d and s are adjacent so one 8-byte load fetches both. */
typedef struct HgnBlockQ8Act {
    float d, s;
    int8_t qs[HGN_QK];
} HgnBlockQ8Act; /* 40 bytes */

float hgnF16ToF32(uint16_t h);
uint16_t hgnF32ToF16(float f); /* round to nearest even; overflow to ±inf; NaN stays NaN */
float hgnBf16ToF32(uint16_t h);
uint16_t hgnF32ToBf16(float f); /* round to nearest even; NaN stays (quiet) NaN */

/* ggml's reference quantisers (n a multiple of 32), bit-exact with
 * quantize_row_*_ref, for the GGUF writer and the tests. */
void hgnQuantizeRowQ8_0(const float *x, HgnBlockQ8_0 *dst, int64_t n);
void hgnQuantizeRowQ4_0(const float *x, HgnBlockQ4_0 *dst, int64_t n);
void hgnQuantizeRowQ4_1(const float *x, HgnBlockQ4_1 *dst, int64_t n);
/* Activation quantisation (n a multiple of 32); SIMD-dispatched. */
void hgnQuantizeActQ8(const float *x, HgnBlockQ8Act *dst, int64_t n);
/* Converts n elements of a row of type t (F32, F16, BF16, Q8_0, Q4_0, Q4_1)
 * to f32. UnsupportedDtype for other types, InvalidArgument when n is not a
 * multiple of the block size. */
HGN_NODISCARD HgnStatus hgnDequantizeRow(HgnDtype t, const void *src, float *dst, int64_t n);

/* ---- matrix products (kernelsMatmul.c) ------------------------------------ */

/* Whether hgnMatmul reads weights of this type. */
bool hgnMatmulSupports(HgnDtype t);
/* Dot product of one weight row of type t with n activations: x is used for
 * F32/F16/BF16 rows, xq (x quantised by hgnQuantizeActQ8) for Q8_0/Q4_0/Q4_1.
 * SIMD-dispatched; the building block of hgnMatmul. */
float hgnDotRow(HgnDtype t, const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n);

enum {
    HGN_MATMUL_NO_BLAS = 1 /* never hand products to OpenBLAS */
};
/* Batches of at least this many vectors with F32 weights go to cblas_sgemm. */
#define HGN_MATMUL_BLAS_MIN_VECS 8
/* Batches of at least this many vectors with F16/BF16/Q8_0/Q4_0/Q4_1 weights
 * (prefill) are computed by converting 256-row slices of W to f32 in the
 * caller's scratch, one slice per thread at a time, and calling cblas_sgemm
 * on each: the activations stay f32 (no int8 rounding) and the whole tensor
 * is never expanded. */
#define HGN_MATMUL_CONVERT_MIN_VECS 16

/* Scratch bytes hgnMatmul needs for these operands with a pool of nThreads
 * (0 for F32, and for F16/BF16 below HGN_MATMUL_CONVERT_MIN_VECS). */
size_t hgnMatmulWorkSize(HgnDtype t, int64_t cols, int64_t nVecs, int nThreads);
/* y[v][r] = Σ_c W[r][c] * x[v][c] for v < nVecs, r < rows: W is row-major
 * rows×cols of type t, read where it lies; x is nVecs×cols f32, y nVecs×rows.
 * Quantised types need cols % 32 == 0; `work` must hold hgnMatmulWorkSize
 * bytes for the pool's size. Rows are split over the pool; each y element is
 * computed by one thread in a fixed order, so results do not depend on the
 * thread count (OpenBLAS runs single-threaded on fixed 256-row slices inside
 * the pool threads for the same reason). Fails with UnsupportedDtype /
 * InvalidArgument (bad shape, short scratch). */
HGN_NODISCARD HgnStatus hgnMatmul(HgnThreadPool *pool, HgnDtype t, const void *w, int64_t rows, int64_t cols,
                                  const float *x, int64_t nVecs, float *y, void *work, size_t workSize, int flags);

/* ---- normalisation (kernelsNorm.c) ------------------------------------------ */

/* y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w for each of `rows` rows of
 * `cols`; w may be NULL (no gain). y may equal x. */
void hgnRmsNorm(const float *x, const float *w, float eps, float *y, int64_t rows, int64_t cols);

/* ---- rotary position embedding (kernelsRope.c) ----------------------------- */

typedef enum HgnRopeStyle {
    HGN_ROPE_NORMAL, /* pairs (2i, 2i+1): GPT-J, llama.cpp LLAMA ("normal"), Meta's checkpoints */
    HGN_ROPE_NEOX    /* pairs (i, i + dims/2): Hugging Face rotate_half, GPT-NeoX, Qwen2 */
} HgnRopeStyle;

#define HGN_ROPE_MAX_DIMS 1024

/* invFreq[i] = 1 / theta^(2i / ropeDims) for i < ropeDims/2, computed in f32
 * as Hugging Face does; divided by freqFactors[i] when given (GGUF
 * rope_freqs), and scaled by 1/linearScale (linear scaling; pass 1). */
void hgnRopeInvFreq(float theta, int ropeDims, const float *freqFactors, float linearScale, float *invFreq);
/* Llama 3.1 "llama3" rope scaling applied to the table invFreq (in place),
 * as Hugging Face's _compute_llama3_parameters. */
void hgnRopeLlama3Scale(float *invFreq, int ropeDims, float factor, float lowFreqFactor, float highFreqFactor,
                        int originalContext);
/* Rotates x, laid out [nTokens][nHeads][headDim], in place: token t is at
 * position pos0 + t, angle = pos * invFreq[i] (f32), and the first ropeDims
 * (even, <= headDim, <= HGN_ROPE_MAX_DIMS) of each head are rotated. */
void hgnRope(float *x, int64_t nTokens, int nHeads, int headDim, int ropeDims, int64_t pos0, const float *invFreq,
             HgnRopeStyle style);

/* ---- softmax and activations (kernelsSoftmax.c) ---------------------------- */

/* Numerically stable softmax of x[0..n) in place (max subtracted). */
void hgnSoftmax(float *x, int64_t n);
/* y = x * sigmoid(x). y may equal x. */
void hgnSilu(const float *x, float *y, int64_t n);
/* y = silu(gate) * up (SwiGLU). y may equal gate or up. */
void hgnSwiglu(const float *gate, const float *up, float *y, int64_t n);

/* ---- attention (kernelsAttention.c) ----------------------------------------- */

/* Causal grouped-query attention over a KV cache. Query head h reads KV head
 * h / (nHeads / nKvHeads). Element (pos, kvHead, i) of the K cache is at
 * k[pos * posStride + kvHead * headStride + i] (same for V), of cacheType F32
 * or F16. */
typedef struct HgnAttention {
    int nHeads, nKvHeads, headDim;
    HgnDtype cacheType;
    const void *k, *v;
    int64_t posStride, headStride; /* in elements */
    float scale;                   /* usually 1/sqrt(headDim) */
    int64_t window;                /* > 0: sliding window, query at pos attends keys (pos - window, pos]; 0: all */
} HgnAttention;

/* Scratch bytes hgnAttention needs for queries up to position maxPos - 1. */
size_t hgnAttentionWorkSize(int nThreads, int64_t maxPos);
/* q and out are [nTokens][nHeads][headDim]; query t is at position pos0 + t
 * and attends to cache positions 0..pos0+t (which must be filled; with a
 * window w > 0 only max(0, pos0+t-w+1)..pos0+t). Decode is
 * nTokens = 1, pos0 = tokens so far. Each (token, head) is computed by one
 * thread in a fixed order. work: hgnAttentionWorkSize(pool size, pos0 + nTokens). */
HGN_NODISCARD HgnStatus hgnAttention(HgnThreadPool *pool, const HgnAttention *a, const float *q, int64_t nTokens,
                                     int64_t pos0, float *out, void *work, size_t workSize);

#endif
