/* main.c — ggufConvert: rewrites a GGUF with its matrices converted to
 * another ggml type by Huginn's GGUF writer and ggml's reference quantisers
 * (src/quantization/ggmlBlocks.c), the way llama.cpp's llama-quantize does
 * for the pure Q8_0/Q4_0/F16 types: every metadata key copied (file type
 * updated), 1-D tensors (norms) kept as they are, tensors of 2 or more
 * dimensions whose rows hold a multiple of the block size converted.
 *
 *   ggufConvert IN.gguf --type f32|f16|q8_0|q4_0 --out OUT.gguf
 *
 * Deterministic: the same input gives the same bytes, so a converted file
 * can be named by its digest in reference data. Errors: an HGN error on
 * stderr and its exit status. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "huginn/gguf.h"
#include "quantization/ggmlBlocks.h"

static int fail(HgnStatus st) {
    char *s = hgnStatusToString(st);
    fprintf(stderr, "ggufConvert: %s\n", s ? s : hgnStatusMessage(st));
    hgnFree(s);
    int rc = hgnCodeExitStatus(hgnStatusCode(st));
    hgnStatusFree(st);
    return rc;
}

static uint32_t fileType(HgnDtype t) {
    return t == HGN_DTYPE_F16 ? 1 : t == HGN_DTYPE_Q4_0 ? 2 : t == HGN_DTYPE_Q8_0 ? 7 : 0;
}

/* Converts tensor tv to type `to` into a new buffer (*out, hgnFree). */
static HgnStatus convertTensor(const HgnTensorView *tv, HgnDtype to, void **out) {
    const int64_t cols = tv->shape[tv->nDims - 1], rows = cols ? tv->nElements / cols : 0;
    uint64_t inRow, outRow, total;
    HgnStatus st = hgnDtypeBytes(tv->dtype, cols, &inRow);
    if (!st) st = hgnDtypeBytes(to, cols, &outRow);
    if (!st) st = hgnDtypeBytes(to, tv->nElements, &total);
    if (st) return hgnStatusPrefixWhere(st, tv->name);
    uint8_t *dst = hgnMalloc(total ? (size_t)total : 1);
    float *row = hgnMalloc(sizeof(float) * (size_t)(cols ? cols : 1));
    if (!dst || !row) {
        hgnFree(dst);
        hgnFree(row);
        return hgnStatusNew(HGN_CODE_OutOfMemory, tv->name, NULL, "out of memory converting the tensor");
    }
    const uint8_t *src = tv->data;
    for (int64_t r = 0; r < rows && !st; r++) {
        st = hgnGgmlDequantizeRow(tv->dtype, src + (uint64_t)r * inRow, cols, row);
        if (!st) st = hgnGgmlQuantizeRow(to, row, cols, dst + (uint64_t)r * outRow);
    }
    hgnFree(row);
    if (st) {
        hgnFree(dst);
        return hgnStatusPrefixWhere(st, tv->name);
    }
    *out = dst;
    return HGN_OK;
}

static HgnStatus convertFile(const char *in, HgnDtype to, const char *out, size_t *nConverted) {
    HgnGgufFile *f = NULL;
    HgnGgufWriter *w = NULL;
    void **buffers = NULL;
    size_t nTensors = 0;
    HgnStatus st = hgnGgufOpen(in, &f);
    if (st) return st;
    nTensors = hgnGgufTensorCount(f);
    buffers = hgnCalloc(nTensors ? nTensors : 1, sizeof *buffers);
    if (!buffers) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, in, NULL, "out of memory");
        goto done;
    }
    if ((st = hgnGgufWriterCreate(&w))) goto done;
    bool sawFileType = false;
    for (size_t i = 0; i < hgnGgufKvCount(f) && !st; i++) {
        const HgnGgufKv *kv = hgnGgufKvAt(f, i);
        if (strcmp(kv->key, "general.file_type") == 0) {
            st = hgnGgufWriterAddU32(w, kv->key, fileType(to));
            sawFileType = true;
        } else
            st = hgnGgufWriterAddKv(w, kv->key, &kv->value);
    }
    if (!st && !sawFileType) st = hgnGgufWriterAddU32(w, "general.file_type", fileType(to));
    if (!st && hgnDtypeIsQuantized(to) && !hgnGgufFind(f, "general.quantization_version"))
        st = hgnGgufWriterAddU32(w, "general.quantization_version", 2);
    *nConverted = 0;
    for (size_t i = 0; i < nTensors && !st; i++) {
        const HgnTensorView *tv = hgnGgufTensorAt(f, i);
        const void *data = tv->data;
        HgnDtype type = tv->dtype;
        const int64_t cols = tv->nDims > 0 ? tv->shape[tv->nDims - 1] : 0;
        if (tv->nDims >= 2 && type != to && hgnGgmlRowTypeSupported(type) &&
            cols % (int64_t)hgnDtypeInfo(to)->blockSize == 0) {
            if ((st = convertTensor(tv, to, &buffers[i]))) break;
            data = buffers[i];
            type = to;
            ++*nConverted;
        }
        st = hgnGgufWriterAddTensor(w, tv->name, type, tv->nDims, tv->shape, data);
    }
    if (!st) st = hgnGgufWriterWriteFile(w, out);
done:
    hgnGgufWriterFree(w);
    for (size_t i = 0; buffers && i < nTensors; i++) hgnFree(buffers[i]);
    hgnFree(buffers);
    hgnGgufClose(f);
    return st;
}

int main(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *typeName = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: ggufConvert IN.gguf --type f32|f16|q8_0|q4_0 --out OUT.gguf\n"
                 "Converts the matrices of a GGUF with ggml's reference quantisers; norms stay as they are.");
            return 0;
        }
        if ((strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "--out") == 0) && i + 1 < argc) {
            if (argv[i][2] == 't')
                typeName = argv[++i];
            else
                out = argv[++i];
        } else if (argv[i][0] != '-' && !in)
            in = argv[i];
        else
            return fail(hgnStatusNew(HGN_CODE_UsageError, argv[i], "run ggufConvert --help", "unexpected argument '%s'",
                                     argv[i]));
    }
    if (!in || !out || !typeName)
        return fail(hgnStatusNew(HGN_CODE_UsageError, "ggufConvert", "run ggufConvert --help",
                                 "IN.gguf, --type and --out are required"));
    HgnDtype to;
    if (!hgnDtypeFromName(typeName, &to) ||
        (to != HGN_DTYPE_F32 && to != HGN_DTYPE_F16 && to != HGN_DTYPE_Q8_0 && to != HGN_DTYPE_Q4_0))
        return fail(hgnStatusNew(HGN_CODE_UsageError, "--type", "use f32, f16, q8_0 or q4_0",
                                 "unknown target type '%s'", typeName));
    size_t n = 0;
    HgnStatus st = convertFile(in, to, out, &n);
    if (st) return fail(st);
    printf("ggufConvert: wrote %s: %zu tensors converted to %s\n", out, n, hgnDtypeName(to));
    return 0;
}
