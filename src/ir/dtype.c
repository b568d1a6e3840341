/* dtype.c — the HgnDtype table (block sizes, bytes per block) and size arithmetic. */
#include "huginn/dtype.h"

#include <stddef.h>
#include <strings.h>

static const HgnDtypeInfo dtypeTable[HGN_DTYPE_COUNT] = {
#define X(id, name, bs, bpb, kind, ggml) [HGN_DTYPE_##id] = {name, bs, bpb, HGN_DTYPE_KIND_##kind, ggml},
    HGN_DTYPE_TABLE(X)
#undef X
};

const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype) {
    if ((int)dtype < 0 || dtype >= HGN_DTYPE_COUNT) return &dtypeTable[HGN_DTYPE_UNKNOWN];
    return &dtypeTable[dtype];
}

bool hgnDtypeFromName(const char *name, HgnDtype *out) {
    if (!name) return false;
    for (int i = 1; i < HGN_DTYPE_COUNT; i++) {
        if (strcasecmp(name, dtypeTable[i].name) == 0) {
            *out = (HgnDtype)i;
            return true;
        }
    }
    return false;
}

HgnStatus hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *bytes) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    if (info->bytesPerBlock == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "dtype %s has no fixed element size", info->name);
    if (nElements < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "negative element count %lld", (long long)nElements);
    if ((uint64_t)nElements % info->blockSize != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, "quantised tensors hold whole blocks",
                            "%lld elements is not a multiple of the %s block size %u", (long long)nElements, info->name,
                            info->blockSize);
    uint64_t nBlocks = (uint64_t)nElements / info->blockSize;
    if (nBlocks != 0 && info->bytesPerBlock > UINT64_MAX / nBlocks)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "tensor size overflows");
    *bytes = nBlocks * info->bytesPerBlock;
    return HGN_OK;
}
