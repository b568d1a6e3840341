/* dtype.h — HgnDtype: the element types shared by the IR, the model formats
 * and the runtime, including the ggml block-quantised types.
 *
 * A plain type has blockSize 1 and bytesPerBlock = its element size. A
 * quantised type packs blockSize elements into bytesPerBlock bytes (Q4_0:
 * 32 weights in 18 bytes); a tensor row of such a type must hold a multiple
 * of blockSize elements. The table is data: hgnDtypeInfo() never fails. */
#ifndef HUGINN_DTYPE_H
#define HUGINN_DTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(Name, "name", blockSize, bytesPerBlock, kind, ggmlTypeId or -1, "safetensors name" or NULL) —
 * kind: F float, S signed int, U unsigned int, B bool, C complex, T string/unknown, Q block-quantised.
 * Names are ggml's (lower case, "q4_K"); enum values are Huginn's own and stable within a
 * process only — files store ggml ids or safetensors names, mapped by the lookups below. */
#define HGN_DTYPE_TABLE(X)                                                                                             \
    X(UNKNOWN, "unknown", 1, 0, T, -1, NULL)                                                                           \
    X(F32, "f32", 1, 4, F, 0, "F32")                                                                                   \
    X(F16, "f16", 1, 2, F, 1, "F16")                                                                                   \
    X(BF16, "bf16", 1, 2, F, 30, "BF16")                                                                               \
    X(F64, "f64", 1, 8, F, 28, "F64")                                                                                  \
    X(F8_E4M3, "f8_e4m3", 1, 1, F, -1, "F8_E4M3")                                                                      \
    X(F8_E5M2, "f8_e5m2", 1, 1, F, -1, "F8_E5M2")                                                                      \
    X(F8_E8M0, "f8_e8m0", 1, 1, F, -1, "F8_E8M0")                                                                      \
    X(F4, "f4", 2, 1, F, -1, "F4")                                                                                     \
    X(F6_E2M3, "f6_e2m3", 4, 3, F, -1, "F6_E2M3")                                                                      \
    X(F6_E3M2, "f6_e3m2", 4, 3, F, -1, "F6_E3M2")                                                                      \
    X(C64, "c64", 1, 8, C, -1, "C64")                                                                                  \
    X(I8, "i8", 1, 1, S, 24, "I8")                                                                                     \
    X(I16, "i16", 1, 2, S, 25, "I16")                                                                                  \
    X(I32, "i32", 1, 4, S, 26, "I32")                                                                                  \
    X(I64, "i64", 1, 8, S, 27, "I64")                                                                                  \
    X(U8, "u8", 1, 1, U, -1, "U8")                                                                                     \
    X(U16, "u16", 1, 2, U, -1, "U16")                                                                                  \
    X(U32, "u32", 1, 4, U, -1, "U32")                                                                                  \
    X(U64, "u64", 1, 8, U, -1, "U64")                                                                                  \
    X(BOOL, "bool", 1, 1, B, -1, "BOOL")                                                                               \
    X(STRING, "string", 1, 0, T, -1, NULL)                                                                             \
    X(Q4_0, "q4_0", 32, 18, Q, 2, NULL)                                                                                \
    X(Q4_1, "q4_1", 32, 20, Q, 3, NULL)                                                                                \
    X(Q5_0, "q5_0", 32, 22, Q, 6, NULL)                                                                                \
    X(Q5_1, "q5_1", 32, 24, Q, 7, NULL)                                                                                \
    X(Q8_0, "q8_0", 32, 34, Q, 8, NULL)                                                                                \
    X(Q8_1, "q8_1", 32, 36, Q, 9, NULL)                                                                                \
    X(Q2_K, "q2_K", 256, 84, Q, 10, NULL)                                                                              \
    X(Q3_K, "q3_K", 256, 110, Q, 11, NULL)                                                                             \
    X(Q4_K, "q4_K", 256, 144, Q, 12, NULL)                                                                             \
    X(Q5_K, "q5_K", 256, 176, Q, 13, NULL)                                                                             \
    X(Q6_K, "q6_K", 256, 210, Q, 14, NULL)                                                                             \
    X(Q8_K, "q8_K", 256, 292, Q, 15, NULL)                                                                             \
    X(IQ2_XXS, "iq2_xxs", 256, 66, Q, 16, NULL)                                                                        \
    X(IQ2_XS, "iq2_xs", 256, 74, Q, 17, NULL)                                                                          \
    X(IQ3_XXS, "iq3_xxs", 256, 98, Q, 18, NULL)                                                                        \
    X(IQ1_S, "iq1_s", 256, 50, Q, 19, NULL)                                                                            \
    X(IQ4_NL, "iq4_nl", 32, 18, Q, 20, NULL)                                                                           \
    X(IQ3_S, "iq3_s", 256, 110, Q, 21, NULL)                                                                           \
    X(IQ2_S, "iq2_s", 256, 82, Q, 22, NULL)                                                                            \
    X(IQ4_XS, "iq4_xs", 256, 136, Q, 23, NULL)                                                                         \
    X(IQ1_M, "iq1_m", 256, 56, Q, 29, NULL)                                                                            \
    X(TQ1_0, "tq1_0", 256, 54, Q, 34, NULL)                                                                            \
    X(TQ2_0, "tq2_0", 256, 66, Q, 35, NULL)                                                                            \
    X(MXFP4, "mxfp4", 32, 17, Q, 39, NULL)

typedef enum HgnDtype {
#define X(id, name, bs, bpb, kind, ggml, st) HGN_DTYPE_##id,
    HGN_DTYPE_TABLE(X)
#undef X
        HGN_DTYPE_COUNT
} HgnDtype;

typedef enum HgnDtypeKind {
    HGN_DTYPE_KIND_F, /* floating point */
    HGN_DTYPE_KIND_S, /* signed integer */
    HGN_DTYPE_KIND_U, /* unsigned integer */
    HGN_DTYPE_KIND_B, /* bool (one byte) */
    HGN_DTYPE_KIND_C, /* complex */
    HGN_DTYPE_KIND_T, /* string or unknown: no fixed size */
    HGN_DTYPE_KIND_Q  /* block-quantised */
} HgnDtypeKind;

typedef struct HgnDtypeInfo {
    HgnDtype dtype;
    const char *name;       /* "f32", "q4_K" */
    uint32_t blockSize;     /* elements per block (1 for plain types) */
    uint32_t bytesPerBlock; /* bytes per block (element size for plain types; 0 for string) */
    HgnDtypeKind kind;
    int32_t ggmlType;            /* ggml_type id, -1 when ggml has none */
    const char *safetensorsName; /* safetensors dtype string, NULL when none */
} HgnDtypeInfo;

/* Table row for dtype; out-of-range values give the UNKNOWN row (never NULL). */
const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype);
static inline const char *hgnDtypeName(HgnDtype dtype) { return hgnDtypeInfo(dtype)->name; }
static inline bool hgnDtypeIsQuantized(HgnDtype dtype) { return hgnDtypeInfo(dtype)->kind == HGN_DTYPE_KIND_Q; }
/* A real type (not UNKNOWN, not out of range). */
static inline bool hgnDtypeIsValid(HgnDtype dtype) { return hgnDtypeInfo(dtype)->dtype != HGN_DTYPE_UNKNOWN; }
/* Iterates the real types (UNKNOWN excluded): false past the end. */
bool hgnDtypeAt(int index, HgnDtype *out);
/* Lookups: by name (case-insensitive), by ggml type id (false for ids ggml never had or retired), by
 * safetensors dtype string (exact). */
bool hgnDtypeFromName(const char *name, HgnDtype *out);
bool hgnDtypeFromGgml(uint32_t ggmlType, HgnDtype *out);
bool hgnDtypeFromSafetensors(const char *name, HgnDtype *out);
/* Bytes for nElements elements: false when nElements is negative, not a multiple of the block size, the
 * type has no fixed size, or the result overflows. */
bool hgnDtypeTryBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes);
/* The same as an error (InvalidArgument) that says which rule failed. */
HGN_NODISCARD HgnStatus hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
