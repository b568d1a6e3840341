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

/* X(Name, "name", blockSize, bytesPerBlock, kind, ggmlTypeId or -1) —
 * kind: F float, S signed int, U unsigned int, B bool, T string, Q quantised. */
#define HGN_DTYPE_TABLE(X)                                                                                             \
    X(UNKNOWN, "unknown", 1, 0, T, -1)                                                                                 \
    X(F32, "f32", 1, 4, F, 0)                                                                                          \
    X(F16, "f16", 1, 2, F, 1)                                                                                          \
    X(BF16, "bf16", 1, 2, F, 30)                                                                                       \
    X(F64, "f64", 1, 8, F, 28)                                                                                         \
    X(F8E4M3, "f8e4m3", 1, 1, F, -1)                                                                                   \
    X(F8E5M2, "f8e5m2", 1, 1, F, -1)                                                                                   \
    X(I8, "i8", 1, 1, S, 24)                                                                                           \
    X(I16, "i16", 1, 2, S, 25)                                                                                         \
    X(I32, "i32", 1, 4, S, 26)                                                                                         \
    X(I64, "i64", 1, 8, S, 27)                                                                                         \
    X(U8, "u8", 1, 1, U, -1)                                                                                           \
    X(U16, "u16", 1, 2, U, -1)                                                                                         \
    X(U32, "u32", 1, 4, U, -1)                                                                                         \
    X(U64, "u64", 1, 8, U, -1)                                                                                         \
    X(BOOL, "bool", 1, 1, B, -1)                                                                                       \
    X(STRING, "string", 1, 0, T, -1)                                                                                   \
    X(Q4_0, "q4_0", 32, 18, Q, 2)                                                                                      \
    X(Q4_1, "q4_1", 32, 20, Q, 3)                                                                                      \
    X(Q5_0, "q5_0", 32, 22, Q, 6)                                                                                      \
    X(Q5_1, "q5_1", 32, 24, Q, 7)                                                                                      \
    X(Q8_0, "q8_0", 32, 34, Q, 8)                                                                                      \
    X(Q8_1, "q8_1", 32, 36, Q, 9)                                                                                      \
    X(Q2_K, "q2_K", 256, 84, Q, 10)                                                                                    \
    X(Q3_K, "q3_K", 256, 110, Q, 11)                                                                                   \
    X(Q4_K, "q4_K", 256, 144, Q, 12)                                                                                   \
    X(Q5_K, "q5_K", 256, 176, Q, 13)                                                                                   \
    X(Q6_K, "q6_K", 256, 210, Q, 14)                                                                                   \
    X(Q8_K, "q8_K", 256, 292, Q, 15)                                                                                   \
    X(IQ2_XXS, "iq2_xxs", 256, 66, Q, 16)                                                                              \
    X(IQ2_XS, "iq2_xs", 256, 74, Q, 17)                                                                                \
    X(IQ3_XXS, "iq3_xxs", 256, 98, Q, 18)                                                                              \
    X(IQ1_S, "iq1_s", 256, 50, Q, 19)                                                                                  \
    X(IQ4_NL, "iq4_nl", 32, 18, Q, 20)                                                                                 \
    X(IQ3_S, "iq3_s", 256, 110, Q, 21)                                                                                 \
    X(IQ2_S, "iq2_s", 256, 82, Q, 22)                                                                                  \
    X(IQ4_XS, "iq4_xs", 256, 136, Q, 23)                                                                               \
    X(IQ1_M, "iq1_m", 256, 56, Q, 29)                                                                                  \
    X(TQ1_0, "tq1_0", 256, 54, Q, 34)                                                                                  \
    X(TQ2_0, "tq2_0", 256, 66, Q, 35)

typedef enum HgnDtype {
#define X(id, name, bs, bpb, kind, ggml) HGN_DTYPE_##id,
    HGN_DTYPE_TABLE(X)
#undef X
        HGN_DTYPE_COUNT
} HgnDtype;

typedef enum HgnDtypeKind {
    HGN_DTYPE_KIND_F, /* floating point */
    HGN_DTYPE_KIND_S, /* signed integer */
    HGN_DTYPE_KIND_U, /* unsigned integer */
    HGN_DTYPE_KIND_B, /* bool (one byte) */
    HGN_DTYPE_KIND_T, /* string or unknown: no fixed size */
    HGN_DTYPE_KIND_Q  /* block-quantised */
} HgnDtypeKind;

typedef struct HgnDtypeInfo {
    const char *name;       /* "f32", "q4_K" */
    uint32_t blockSize;     /* elements per block (1 for plain types) */
    uint32_t bytesPerBlock; /* bytes per block (element size for plain types; 0 for string) */
    HgnDtypeKind kind;
    int32_t ggmlType; /* ggml_type id, -1 when ggml has none */
} HgnDtypeInfo;

/* Table row for dtype; out-of-range values give the UNKNOWN row. */
const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype);
static inline const char *hgnDtypeName(HgnDtype dtype) { return hgnDtypeInfo(dtype)->name; }
static inline bool hgnDtypeIsQuantized(HgnDtype dtype) { return hgnDtypeInfo(dtype)->kind == HGN_DTYPE_KIND_Q; }
/* Looks a dtype up by its name (case-insensitive); false when unknown. */
bool hgnDtypeFromName(const char *name, HgnDtype *out);
/* Bytes for nElements elements. Fails (InvalidArgument) when nElements is
 * negative, not a multiple of the block size, the type has no fixed size,
 * or the result overflows. */
HGN_NODISCARD HgnStatus hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
