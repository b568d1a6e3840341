/* ggufWriter.c — GGUF v3 writer: header, KV pairs, tensor infos, padding to
 * the alignment, tensor data each padded to the alignment (the layout of
 * gguf-py's GGUFWriter and ggml's gguf_write_to_buf). See gguf.h. */
#include "huginn/gguf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "formats/writerTensors.h"
#include "core/arena.h"

typedef struct WKv {
    const char *key;
    HgnGgufValue value; /* deep copy in the arena */
} WKv;

struct HgnGgufWriter {
    uint32_t alignment;
    WKv *kvs;
    size_t nKv, capKv;
    HgnWriterTensors tensors;
    HgnArena arena;
};

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "gguf writer", NULL, "out of memory"); }

HgnStatus hgnGgufWriterCreate(HgnGgufWriter **out) {
    *out = hgnCalloc(1, sizeof **out);
    if (!*out) return oom();
    (*out)->alignment = HGN_GGUF_DEFAULT_ALIGNMENT;
    hgnArenaInit(&(*out)->arena);
    return HGN_OK;
}

void hgnGgufWriterFree(HgnGgufWriter *w) {
    if (!w) return;
    hgnFree(w->kvs);
    hgnFree(w->tensors.items);
    hgnArenaFree(&w->arena);
    hgnFree(w);
}

static uint64_t padTo(uint64_t x, uint64_t a) { return x + (a - x % a) % a; }

/* ---- KV pairs --------------------------------------------------------------- */

static HgnStatus copyValue(HgnGgufWriter *w, const HgnGgufValue *src, HgnGgufValue *dst, int depth) {
    *dst = *src;
    if ((unsigned)src->type > HGN_GGUF_FLOAT64)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "value type %d is not a GGUF type",
                            (int)src->type);
    if (src->type == HGN_GGUF_STRING) {
        if (src->s.len && !src->s.ptr)
            return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "string value without bytes");
        char *p = hgnArenaStrndup(&w->arena, src->s.ptr ? src->s.ptr : "", (size_t)src->s.len);
        if (!p) return oom();
        dst->s.ptr = p;
        return HGN_OK;
    }
    if (src->type != HGN_GGUF_ARRAY) return HGN_OK;
    if (depth >= 16) return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "arrays nested too deeply");
    HgnGgufType et = src->arr.elemType;
    if ((unsigned)et > HGN_GGUF_FLOAT64)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "array element type %d is not a GGUF type",
                            (int)et);
    dst->arr.raw = NULL;
    dst->arr.items = NULL;
    if (src->arr.count == 0) return HGN_OK;
    if (et != HGN_GGUF_STRING && et != HGN_GGUF_ARRAY) {
        size_t bytes;
        if (!src->arr.raw || __builtin_mul_overflow((size_t)src->arr.count, hgnGgufTypeSize(et), &bytes))
            return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "array without elements");
        void *p = hgnArenaAlloc(&w->arena, bytes);
        if (!p) return oom();
        memcpy(p, src->arr.raw, bytes);
        dst->arr.raw = p;
        return HGN_OK;
    }
    if (!src->arr.items || src->arr.count > SIZE_MAX / sizeof(HgnGgufValue))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "array without items");
    HgnGgufValue *items = hgnArenaAlloc(&w->arena, (size_t)src->arr.count * sizeof *items);
    if (!items) return oom();
    for (uint64_t i = 0; i < src->arr.count; i++) {
        if (src->arr.items[i].type != et)
            return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL,
                                "array item %llu has type %s, the array holds %s", (unsigned long long)i,
                                hgnGgufTypeName(src->arr.items[i].type), hgnGgufTypeName(et));
        HgnStatus st = copyValue(w, &src->arr.items[i], &items[i], depth + 1);
        if (st) return st;
    }
    dst->arr.items = items;
    return HGN_OK;
}

static WKv *findKv(HgnGgufWriter *w, const char *key) {
    for (size_t i = 0; i < w->nKv; i++)
        if (strcmp(w->kvs[i].key, key) == 0) return &w->kvs[i];
    return NULL;
}

static HgnStatus appendKv(HgnGgufWriter *w, const char *key, const HgnGgufValue *v) {
    if (w->nKv == w->capKv) {
        size_t cap = w->capKv ? w->capKv * 2 : 32;
        WKv *p = hgnRealloc(w->kvs, cap * sizeof *p);
        if (!p) return oom();
        w->kvs = p;
        w->capKv = cap;
    }
    WKv *kv = &w->kvs[w->nKv];
    kv->key = hgnArenaStrndup(&w->arena, key, strlen(key));
    if (!kv->key) return oom();
    HgnStatus st = copyValue(w, v, &kv->value, 0);
    if (st) return st;
    w->nKv++;
    return HGN_OK;
}

static bool goodAlignment(uint64_t a) { return a >= 8 && a <= (1u << 30) && (a & (a - 1)) == 0; }

HgnStatus hgnGgufWriterSetAlignment(HgnGgufWriter *w, uint32_t alignment) {
    if (!goodAlignment(alignment))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "general.alignment", "use 32 (the default) or 64",
                            "alignment %u is not a power of two of at least 8", alignment);
    if (w->tensors.count)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "general.alignment", NULL,
                            "set the alignment before adding tensors");
    w->alignment = alignment;
    WKv *kv = findKv(w, "general.alignment");
    if (kv) {
        kv->value.u = alignment;
        return HGN_OK;
    }
    if (alignment == HGN_GGUF_DEFAULT_ALIGNMENT) return HGN_OK;
    HgnGgufValue v = {.type = HGN_GGUF_UINT32, .u = alignment};
    return appendKv(w, "general.alignment", &v);
}

HgnStatus hgnGgufWriterAddKv(HgnGgufWriter *w, const char *key, const HgnGgufValue *v) {
    if (!key || !*key || strlen(key) > 65535)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "gguf writer", NULL, "a metadata key must be 1..65535 bytes");
    if (findKv(w, key))
        return hgnStatusNew(HGN_CODE_InvalidArgument, key, NULL, "metadata key '%s' is already set", key);
    if (strcmp(key, "general.alignment") == 0) {
        if (v->type != HGN_GGUF_UINT32 || !goodAlignment(v->u))
            return hgnStatusNew(HGN_CODE_InvalidArgument, key, NULL,
                                "general.alignment must be a UINT32 power of two of at least 8");
        if (w->tensors.count)
            return hgnStatusNew(HGN_CODE_InvalidArgument, key, NULL, "set the alignment before adding tensors");
        w->alignment = (uint32_t)v->u;
    }
    return appendKv(w, key, v);
}

HgnStatus hgnGgufWriterAddU32(HgnGgufWriter *w, const char *key, uint32_t v) {
    HgnGgufValue x = {.type = HGN_GGUF_UINT32, .u = v};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddU64(HgnGgufWriter *w, const char *key, uint64_t v) {
    HgnGgufValue x = {.type = HGN_GGUF_UINT64, .u = v};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddI32(HgnGgufWriter *w, const char *key, int32_t v) {
    HgnGgufValue x = {.type = HGN_GGUF_INT32, .i = v};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddF32(HgnGgufWriter *w, const char *key, float v) {
    HgnGgufValue x = {.type = HGN_GGUF_FLOAT32, .f = v};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddBool(HgnGgufWriter *w, const char *key, bool v) {
    HgnGgufValue x = {.type = HGN_GGUF_BOOL, .b = v};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddString(HgnGgufWriter *w, const char *key, const char *v) {
    HgnGgufValue x = {.type = HGN_GGUF_STRING, .s = {v ? v : "", v ? strlen(v) : 0}};
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddArray(HgnGgufWriter *w, const char *key, HgnGgufType elemType, const void *elems,
                                uint64_t n) {
    if (hgnGgufTypeSize(elemType) == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, key, NULL, "hgnGgufWriterAddArray takes scalar element types");
    HgnGgufValue x = {.type = HGN_GGUF_ARRAY};
    x.arr.elemType = elemType;
    x.arr.count = n;
    x.arr.raw = elems;
    return hgnGgufWriterAddKv(w, key, &x);
}
HgnStatus hgnGgufWriterAddStringArray(HgnGgufWriter *w, const char *key, const char *const *strs, uint64_t n) {
    if (n > SIZE_MAX / sizeof(HgnGgufValue)) return oom();
    HgnGgufValue *items = hgnCalloc(n ? (size_t)n : 1, sizeof *items);
    if (!items) return oom();
    for (uint64_t i = 0; i < n; i++) {
        items[i].type = HGN_GGUF_STRING;
        items[i].s.ptr = strs[i] ? strs[i] : "";
        items[i].s.len = strs[i] ? strlen(strs[i]) : 0;
    }
    HgnGgufValue x = {.type = HGN_GGUF_ARRAY};
    x.arr.elemType = HGN_GGUF_STRING;
    x.arr.count = n;
    x.arr.items = items;
    HgnStatus st = hgnGgufWriterAddKv(w, key, &x);
    hgnFree(items);
    return st;
}

/* ---- tensors -------------------------------------------------------------------- */

HgnStatus hgnGgufWriterAddTensor(HgnGgufWriter *w, const char *name, HgnDtype dtype, int nDims, const int64_t *shape,
                                 const void *data) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > HGN_GGUF_MAX_NAME)
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, "shorten the tensor name",
                            "a GGUF tensor name must be 1..%u bytes (got %zu)", HGN_GGUF_MAX_NAME, len);
    if (info->ggmlType < 0)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, name, "convert the tensor to a ggml type first",
                            "tensor '%s': dtype %s has no ggml type id", name, hgnDtypeName(dtype));
    if (nDims < 0 || nDims > HGN_GGUF_MAX_DIMS)
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "tensor '%s': %d dimensions, GGUF allows 0..4", name,
                            nDims);
    int64_t n;
    if (!hgnWriterShapeElements(nDims, shape, &n))
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "tensor '%s': bad or overflowing shape", name);
    int64_t row = nDims ? shape[nDims - 1] : 1;
    uint64_t bytes;
    if (row % info->blockSize != 0 || !hgnDtypeTryBytes(dtype, n, &bytes))
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL,
                            "tensor '%s': row of %lld elements is not a multiple of the %s block size %lld", name,
                            (long long)row, info->name, (long long)info->blockSize);
    HgnWriterTensor *t;
    HgnStatus st =
        hgnWriterTensorsAdd(&w->tensors, &w->arena, "gguf writer", name, len, dtype, nDims, shape, bytes, data, &t);
    if (st) return st;
    if (w->tensors.count > 1) {
        const HgnWriterTensor *prev = t - 1;
        t->offset = prev->offset + padTo(prev->nBytes, w->alignment);
    }
    return HGN_OK;
}

/* ---- serialisation ---------------------------------------------------------------- */

static void putLe(HgnBuf *b, uint64_t v, size_t n) {
    char bytes[8];
    for (size_t k = 0; k < n; k++) bytes[k] = (char)(uint8_t)(v >> (8 * k));
    hgnBufAppend(b, bytes, n);
}

static void putString(HgnBuf *b, const char *s, uint64_t len) {
    putLe(b, len, 8);
    hgnBufAppend(b, s, (size_t)len);
}

static void putValue(HgnBuf *b, const HgnGgufValue *v) {
    switch (v->type) {
    case HGN_GGUF_UINT8:
    case HGN_GGUF_UINT16:
    case HGN_GGUF_UINT32:
    case HGN_GGUF_UINT64:
        putLe(b, v->u, hgnGgufTypeSize(v->type));
        break;
    case HGN_GGUF_INT8:
    case HGN_GGUF_INT16:
    case HGN_GGUF_INT32:
    case HGN_GGUF_INT64:
        putLe(b, (uint64_t)v->i, hgnGgufTypeSize(v->type));
        break;
    case HGN_GGUF_FLOAT32: {
        float fl = (float)v->f;
        uint32_t u;
        memcpy(&u, &fl, 4);
        putLe(b, u, 4);
        break;
    }
    case HGN_GGUF_FLOAT64: {
        uint64_t u;
        memcpy(&u, &v->f, 8);
        putLe(b, u, 8);
        break;
    }
    case HGN_GGUF_BOOL:
        putLe(b, v->b ? 1 : 0, 1);
        break;
    case HGN_GGUF_STRING:
        putString(b, v->s.ptr, v->s.len);
        break;
    case HGN_GGUF_ARRAY:
        putLe(b, (uint64_t)v->arr.elemType, 4);
        putLe(b, v->arr.count, 8);
        if (v->arr.elemType == HGN_GGUF_STRING || v->arr.elemType == HGN_GGUF_ARRAY) {
            for (uint64_t i = 0; i < v->arr.count; i++) putValue(b, &v->arr.items[i]);
        } else if (v->arr.count) {
            hgnBufAppend(b, v->arr.raw, (size_t)(v->arr.count * hgnGgufTypeSize(v->arr.elemType)));
        }
        break;
    }
}

/* Everything before the data section, padded to the alignment. */
static HgnStatus buildHeader(const HgnGgufWriter *w, HgnBuf *b) {
    hgnBufInit(b);
    hgnBufAppend(b, "GGUF", 4);
    putLe(b, 3, 4);
    putLe(b, w->tensors.count, 8);
    putLe(b, w->nKv, 8);
    for (size_t i = 0; i < w->nKv; i++) {
        putString(b, w->kvs[i].key, strlen(w->kvs[i].key));
        putLe(b, (uint64_t)w->kvs[i].value.type, 4);
        putValue(b, &w->kvs[i].value);
    }
    for (size_t i = 0; i < w->tensors.count; i++) {
        const HgnWriterTensor *t = &w->tensors.items[i];
        putString(b, t->name, strlen(t->name));
        putLe(b, (uint64_t)t->nDims, 4);
        for (int d = t->nDims - 1; d >= 0; d--) putLe(b, (uint64_t)t->shape[d], 8);
        putLe(b, (uint64_t)hgnDtypeInfo(t->dtype)->ggmlType, 4);
        putLe(b, t->offset, 8);
    }
    size_t pad = (size_t)(padTo(b->len, w->alignment) - b->len);
    static const char zeros[64];
    while (pad) {
        size_t k = pad < sizeof zeros ? pad : sizeof zeros;
        hgnBufAppend(b, zeros, k);
        pad -= k;
    }
    if (!hgnBufOk(b)) {
        hgnBufFree(b);
        return oom();
    }
    return HGN_OK;
}

static uint64_t dataSize(const HgnGgufWriter *w) {
    if (!w->tensors.count) return 0;
    const HgnWriterTensor *last = &w->tensors.items[w->tensors.count - 1];
    return last->offset + padTo(last->nBytes, w->alignment);
}

uint64_t hgnGgufWriterSize(const HgnGgufWriter *w) {
    HgnBuf b;
    if (buildHeader(w, &b)) return 0;
    uint64_t n = b.len + dataSize(w);
    hgnBufFree(&b);
    return n;
}

HgnStatus hgnGgufWriterWriteMemory(HgnGgufWriter *w, uint8_t **out, size_t *size) {
    *out = NULL;
    *size = 0;
    HgnBuf b;
    HgnStatus st = buildHeader(w, &b);
    if (st) return st;
    uint64_t total = b.len + dataSize(w);
    if (total > SIZE_MAX) {
        hgnBufFree(&b);
        return oom();
    }
    uint8_t *img = hgnCalloc(1, (size_t)total);
    if (!img) {
        hgnBufFree(&b);
        return oom();
    }
    memcpy(img, b.data, b.len);
    for (size_t i = 0; i < w->tensors.count; i++) {
        const HgnWriterTensor *t = &w->tensors.items[i];
        if (t->data && t->nBytes) memcpy(img + b.len + t->offset, t->data, (size_t)t->nBytes);
    }
    *size = (size_t)total;
    *out = img;
    hgnBufFree(&b);
    return HGN_OK;
}

HgnStatus hgnGgufWriterWriteFile(HgnGgufWriter *w, const char *path) {
    HgnBuf b;
    HgnStatus st = buildHeader(w, &b);
    if (st) return st;
    HgnAtomicFile f;
    st = hgnAtomicFileOpen(&f, path, "GGUF file");
    if (!st) {
        bool ok = hgnAtomicFileWriteAt(&f, b.data, b.len, 0);
        for (size_t i = 0; ok && i < w->tensors.count; i++) {
            const HgnWriterTensor *t = &w->tensors.items[i];
            if (t->data) ok = hgnAtomicFileWriteAt(&f, t->data, t->nBytes, b.len + t->offset);
        }
        st = hgnAtomicFileCommit(&f, b.len + dataSize(w));
    }
    hgnBufFree(&b);
    return st;
}
