/* dtype.c — the element-type table: every ggml tensor type with its block
 * size and bytes per block (ggml-common.h block structs), plus the
 * safetensors dtypes ggml lacks. */
#include "huginn/formats.h"

#include <strings.h>

/* clang-format off */
static const HgnDtypeInfo dtypeTable[] = {
    /* dtype               name       block bytes quant ggml safetensors */
    {HGN_DTYPE_F32,      "F32",      1,   4,   false, 0,  "F32"},
    {HGN_DTYPE_F16,      "F16",      1,   2,   false, 1,  "F16"},
    {HGN_DTYPE_Q4_0,     "Q4_0",     32,  18,  true,  2,  NULL},
    {HGN_DTYPE_Q4_1,     "Q4_1",     32,  20,  true,  3,  NULL},
    {HGN_DTYPE_Q5_0,     "Q5_0",     32,  22,  true,  6,  NULL},
    {HGN_DTYPE_Q5_1,     "Q5_1",     32,  24,  true,  7,  NULL},
    {HGN_DTYPE_Q8_0,     "Q8_0",     32,  34,  true,  8,  NULL},
    {HGN_DTYPE_Q8_1,     "Q8_1",     32,  36,  true,  9,  NULL},
    {HGN_DTYPE_Q2_K,     "Q2_K",     256, 84,  true,  10, NULL},
    {HGN_DTYPE_Q3_K,     "Q3_K",     256, 110, true,  11, NULL},
    {HGN_DTYPE_Q4_K,     "Q4_K",     256, 144, true,  12, NULL},
    {HGN_DTYPE_Q5_K,     "Q5_K",     256, 176, true,  13, NULL},
    {HGN_DTYPE_Q6_K,     "Q6_K",     256, 210, true,  14, NULL},
    {HGN_DTYPE_Q8_K,     "Q8_K",     256, 292, true,  15, NULL},
    {HGN_DTYPE_IQ2_XXS,  "IQ2_XXS",  256, 66,  true,  16, NULL},
    {HGN_DTYPE_IQ2_XS,   "IQ2_XS",   256, 74,  true,  17, NULL},
    {HGN_DTYPE_IQ3_XXS,  "IQ3_XXS",  256, 98,  true,  18, NULL},
    {HGN_DTYPE_IQ1_S,    "IQ1_S",    256, 50,  true,  19, NULL},
    {HGN_DTYPE_IQ4_NL,   "IQ4_NL",   32,  18,  true,  20, NULL},
    {HGN_DTYPE_IQ3_S,    "IQ3_S",    256, 110, true,  21, NULL},
    {HGN_DTYPE_IQ2_S,    "IQ2_S",    256, 82,  true,  22, NULL},
    {HGN_DTYPE_IQ4_XS,   "IQ4_XS",   256, 136, true,  23, NULL},
    {HGN_DTYPE_I8,       "I8",       1,   1,   false, 24, "I8"},
    {HGN_DTYPE_I16,      "I16",      1,   2,   false, 25, "I16"},
    {HGN_DTYPE_I32,      "I32",      1,   4,   false, 26, "I32"},
    {HGN_DTYPE_I64,      "I64",      1,   8,   false, 27, "I64"},
    {HGN_DTYPE_F64,      "F64",      1,   8,   false, 28, "F64"},
    {HGN_DTYPE_IQ1_M,    "IQ1_M",    256, 56,  true,  29, NULL},
    {HGN_DTYPE_BF16,     "BF16",     1,   2,   false, 30, "BF16"},
    {HGN_DTYPE_TQ1_0,    "TQ1_0",    256, 54,  true,  34, NULL},
    {HGN_DTYPE_TQ2_0,    "TQ2_0",    256, 66,  true,  35, NULL},
    {HGN_DTYPE_MXFP4,    "MXFP4",    32,  17,  true,  39, NULL},
    {HGN_DTYPE_BOOL,     "BOOL",     1,   1,   false, -1, "BOOL"},
    {HGN_DTYPE_U8,       "U8",       1,   1,   false, -1, "U8"},
    {HGN_DTYPE_U16,      "U16",      1,   2,   false, -1, "U16"},
    {HGN_DTYPE_U32,      "U32",      1,   4,   false, -1, "U32"},
    {HGN_DTYPE_U64,      "U64",      1,   8,   false, -1, "U64"},
    {HGN_DTYPE_F8_E4M3,  "F8_E4M3",  1,   1,   false, -1, "F8_E4M3"},
    {HGN_DTYPE_F8_E5M2,  "F8_E5M2",  1,   1,   false, -1, "F8_E5M2"},
    {HGN_DTYPE_F8_E8M0,  "F8_E8M0",  1,   1,   false, -1, "F8_E8M0"},
    {HGN_DTYPE_F4,       "F4",       2,   1,   false, -1, "F4"},
    {HGN_DTYPE_F6_E2M3,  "F6_E2M3",  4,   3,   false, -1, "F6_E2M3"},
    {HGN_DTYPE_F6_E3M2,  "F6_E3M2",  4,   3,   false, -1, "F6_E3M2"},
    {HGN_DTYPE_C64,      "C64",      1,   8,   false, -1, "C64"},
};
/* clang-format on */
enum { nDtypes = (int)(sizeof(dtypeTable) / sizeof(dtypeTable[0])) };

const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype) {
    for (int i = 0; i < nDtypes; i++)
        if (dtypeTable[i].dtype == dtype) return &dtypeTable[i];
    return NULL;
}

const char *hgnDtypeName(HgnDtype dtype) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    return info ? info->name : "INVALID";
}

bool hgnDtypeAt(int index, HgnDtype *dtype) {
    if (index < 0 || index >= nDtypes) return false;
    *dtype = dtypeTable[index].dtype;
    return true;
}

bool hgnDtypeFromGgml(uint32_t ggmlType, HgnDtype *out) {
    for (int i = 0; i < nDtypes; i++)
        if (dtypeTable[i].ggmlType >= 0 && (uint32_t)dtypeTable[i].ggmlType == ggmlType) {
            *out = dtypeTable[i].dtype;
            return true;
        }
    return false;
}

bool hgnDtypeFromSafetensors(const char *name, HgnDtype *out) {
    for (int i = 0; i < nDtypes && name; i++) {
        const char *s = dtypeTable[i].safetensorsName;
        if (s) {
            const char *a = s, *b = name;
            while (*a && *a == *b) a++, b++;
            if (*a == '\0' && *b == '\0') {
                *out = dtypeTable[i].dtype;
                return true;
            }
        }
    }
    return false;
}

bool hgnDtypeFromName(const char *name, HgnDtype *out) {
    for (int i = 0; i < nDtypes && name; i++)
        if (strcasecmp(dtypeTable[i].name, name) == 0) {
            *out = dtypeTable[i].dtype;
            return true;
        }
    return false;
}

bool hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *out) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    if (!info || nElements < 0 || nElements % info->blockSize != 0) return false;
    uint64_t bytes;
    if (__builtin_mul_overflow((uint64_t)(nElements / info->blockSize), (uint64_t)info->blockBytes, &bytes))
        return false;
    *out = bytes;
    return true;
}
