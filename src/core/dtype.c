/* dtype.c — the one HgnDtype table (include/huginn/dtype.h): block sizes, bytes per block, ggml and
 * safetensors names, and size arithmetic. Shared by model formats, the IR and the runtime. */
#include "huginn/dtype.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const HgnDtypeInfo dtypeTable[HGN_DTYPE_COUNT] = {
#define X(id, name, bs, bpb, kind, ggml, st)                                                                           \
    [HGN_DTYPE_##id] = {HGN_DTYPE_##id, name, bs, bpb, HGN_DTYPE_KIND_##kind, ggml, st},
    HGN_DTYPE_TABLE(X)
#undef X
};

const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype) {
    if ((int)dtype < 0 || dtype >= HGN_DTYPE_COUNT) return &dtypeTable[HGN_DTYPE_UNKNOWN];
    return &dtypeTable[dtype];
}

bool hgnDtypeAt(int index, HgnDtype *out) {
    if (index < 0 || index + 1 >= (int)HGN_DTYPE_COUNT) return false;
    *out = (HgnDtype)(index + 1);
    return true;
}

bool hgnDtypeFromName(const char *name, HgnDtype *out) {
    if (!name) return false;
    for (int i = 1; i < HGN_DTYPE_COUNT; i++)
        if (strcasecmp(name, dtypeTable[i].name) == 0) {
            *out = (HgnDtype)i;
            return true;
        }
    return false;
}

bool hgnDtypeFromGgml(uint32_t ggmlType, HgnDtype *out) {
    for (int i = 1; i < HGN_DTYPE_COUNT; i++)
        if (dtypeTable[i].ggmlType >= 0 && (uint32_t)dtypeTable[i].ggmlType == ggmlType) {
            *out = (HgnDtype)i;
            return true;
        }
    return false;
}

bool hgnDtypeFromSafetensors(const char *name, HgnDtype *out) {
    if (!name) return false;
    for (int i = 1; i < HGN_DTYPE_COUNT; i++)
        if (dtypeTable[i].safetensorsName && strcmp(dtypeTable[i].safetensorsName, name) == 0) {
            *out = (HgnDtype)i;
            return true;
        }
    return false;
}

/* 0 when fine, else which rule failed (1 no size, 2 negative, 3 partial block, 4 overflow). */
static int bytesOf(HgnDtype dtype, int64_t nElements, uint64_t *bytes) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    if (info->bytesPerBlock == 0) return 1;
    if (nElements < 0) return 2;
    if ((uint64_t)nElements % info->blockSize != 0) return 3;
    uint64_t nBlocks = (uint64_t)nElements / info->blockSize;
    if (nBlocks != 0 && info->bytesPerBlock > UINT64_MAX / nBlocks) return 4;
    *bytes = nBlocks * info->bytesPerBlock;
    return 0;
}

bool hgnDtypeTryBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes) {
    return bytesOf(dtype, nElements, bytes) == 0;
}

HgnStatus hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    switch (bytesOf(dtype, nElements, bytes)) {
    case 0:
        return HGN_OK;
    case 1:
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "dtype %s has no fixed element size", info->name);
    case 2:
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "negative element count %lld", (long long)nElements);
    case 3:
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, "quantised tensors hold whole blocks",
                            "%lld elements is not a multiple of the %s block size %u", (long long)nElements, info->name,
                            info->blockSize);
    default:
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "tensor size overflows");
    }
}
