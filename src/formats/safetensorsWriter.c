/* safetensorsWriter.c — safetensors writer with the reference layout, and the
 * sharded-checkpoint index writer (see safetensors.h). */
#include "huginn/safetensors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "formats/writerTensors.h"
#include "core/arena.h"

typedef struct WMeta {
    const char *key, *value;
} WMeta;

struct HgnSafetensorsWriter {
    HgnWriterTensors tensors;
    WMeta *meta;
    size_t nMeta, capMeta;
    HgnArena arena;
};

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "safetensors writer", NULL, "out of memory"); }

HgnStatus hgnSafetensorsWriterCreate(HgnSafetensorsWriter **out) {
    *out = hgnCalloc(1, sizeof **out);
    if (!*out) return oom();
    hgnArenaInit(&(*out)->arena);
    return HGN_OK;
}

void hgnSafetensorsWriterFree(HgnSafetensorsWriter *w) {
    if (!w) return;
    hgnFree(w->tensors.items);
    hgnFree(w->meta);
    hgnArenaFree(&w->arena);
    hgnFree(w);
}

HgnStatus hgnSafetensorsWriterAddMetadata(HgnSafetensorsWriter *w, const char *key, const char *value) {
    if (!key || !value) return hgnStatusNew(HGN_CODE_InvalidArgument, "__metadata__", NULL, "key and value required");
    for (size_t i = 0; i < w->nMeta; i++)
        if (strcmp(w->meta[i].key, key) == 0)
            return hgnStatusNew(HGN_CODE_InvalidArgument, key, NULL, "metadata key '%s' is already set", key);
    if (w->nMeta == w->capMeta) {
        size_t cap = w->capMeta ? w->capMeta * 2 : 8;
        WMeta *p = hgnRealloc(w->meta, cap * sizeof *p);
        if (!p) return oom();
        w->meta = p;
        w->capMeta = cap;
    }
    WMeta *m = &w->meta[w->nMeta];
    m->key = hgnArenaStrndup(&w->arena, key, strlen(key));
    m->value = hgnArenaStrndup(&w->arena, value, strlen(value));
    if (!m->key || !m->value) return oom();
    w->nMeta++;
    return HGN_OK;
}

HgnStatus hgnSafetensorsWriterAddTensor(HgnSafetensorsWriter *w, const char *name, HgnDtype dtype, int nDims,
                                        const int64_t *shape, const void *data) {
    const HgnDtypeInfo *info = hgnDtypeInfo(dtype);
    if (!name || !*name || strcmp(name, "__metadata__") == 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "invalid tensor name");
    if (!info->safetensorsName)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, name, "dequantise or use GGUF for ggml block types",
                            "tensor '%s': dtype %s has no safetensors name", name, hgnDtypeName(dtype));
    if (nDims < 0 || nDims > HGN_MAX_DIMS)
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "tensor '%s': %d dimensions", name, nDims);
    int64_t n;
    if (!hgnWriterShapeElements(nDims, shape, &n))
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "tensor '%s': bad or overflowing shape", name);
    uint64_t bytes;
    if (!hgnDtypeTryBytes(dtype, n, &bytes))
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL,
                            "tensor '%s': %lld elements of %s are not whole bytes", name, (long long)n, info->name);
    HgnWriterTensor *t;
    return hgnWriterTensorsAdd(&w->tensors, &w->arena, "safetensors writer", name, strlen(name), dtype, nDims, shape,
                               bytes, data, &t);
}

uint64_t hgnSafetensorsWriterTensorBytes(const HgnSafetensorsWriter *w) { return hgnWriterTensorsBytes(&w->tensors); }

static int64_t dtypeAlign(HgnDtype d) {
    const HgnDtypeInfo *info = hgnDtypeInfo(d);
    return info->blockSize == 1 ? info->bytesPerBlock : 1;
}

static int cmpTensor(const void *a, const void *b) {
    const HgnWriterTensor *x = *(const HgnWriterTensor *const *)a, *y = *(const HgnWriterTensor *const *)b;
    int64_t ax = dtypeAlign(x->dtype), ay = dtypeAlign(y->dtype);
    if (ax != ay) return ax > ay ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmpMeta(const void *a, const void *b) { return strcmp(((const WMeta *)a)->key, ((const WMeta *)b)->key); }

/* Header bytes (size field + padded JSON) and the tensors in data order. */
static HgnStatus buildHeader(HgnSafetensorsWriter *w, HgnBuf *b, HgnWriterTensor ***orderOut, uint64_t *dataSize) {
    *orderOut = NULL;
    HgnWriterTensor **order = hgnCalloc(w->tensors.count ? w->tensors.count : 1, sizeof *order);
    if (!order) return oom();
    for (size_t i = 0; i < w->tensors.count; i++) order[i] = &w->tensors.items[i];
    qsort(order, w->tensors.count, sizeof *order, cmpTensor);
    if (w->nMeta > 1) qsort(w->meta, w->nMeta, sizeof *w->meta, cmpMeta);
    HgnBuf j;
    hgnBufInit(&j);
    hgnBufAppendChar(&j, '{');
    bool first = true;
    if (w->nMeta) {
        hgnBufAppendStr(&j, "\"__metadata__\":{");
        for (size_t i = 0; i < w->nMeta; i++) {
            if (i) hgnBufAppendChar(&j, ',');
            hgnBufAppendJsonString(&j, w->meta[i].key, strlen(w->meta[i].key));
            hgnBufAppendChar(&j, ':');
            hgnBufAppendJsonString(&j, w->meta[i].value, strlen(w->meta[i].value));
        }
        hgnBufAppendChar(&j, '}');
        first = false;
    }
    uint64_t off = 0;
    for (size_t i = 0; i < w->tensors.count; i++) {
        HgnWriterTensor *t = order[i];
        t->offset = off;
        if (!first) hgnBufAppendChar(&j, ',');
        first = false;
        hgnBufAppendJsonString(&j, t->name, strlen(t->name));
        hgnBufAppendf(&j, ":{\"dtype\":\"%s\",\"shape\":[", hgnDtypeInfo(t->dtype)->safetensorsName);
        for (int d = 0; d < t->nDims; d++) hgnBufAppendf(&j, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        hgnBufAppendf(&j, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                      (unsigned long long)(off + t->nBytes));
        off += t->nBytes;
    }
    hgnBufAppendChar(&j, '}');
    while (hgnBufOk(&j) && j.len % 8) hgnBufAppendChar(&j, ' ');
    hgnBufInit(b);
    char size[8];
    for (int k = 0; k < 8; k++) size[k] = (char)(uint8_t)((uint64_t)j.len >> (8 * k));
    hgnBufAppend(b, size, 8);
    hgnBufAppend(b, hgnBufStr(&j), j.len);
    bool ok = hgnBufOk(&j) && hgnBufOk(b);
    hgnBufFree(&j);
    if (!ok || b->len - 8 > HGN_SAFETENSORS_MAX_HEADER) {
        hgnBufFree(b);
        hgnFree(order);
        return ok ? hgnStatusNew(HGN_CODE_InvalidArgument, "safetensors writer", "split the checkpoint into shards",
                                 "header would exceed the 100 MB limit")
                  : oom();
    }
    *orderOut = order;
    *dataSize = off;
    return HGN_OK;
}

HgnStatus hgnSafetensorsWriterWriteMemory(HgnSafetensorsWriter *w, uint8_t **out, size_t *size) {
    *out = NULL;
    *size = 0;
    HgnBuf b;
    HgnWriterTensor **order;
    uint64_t dataSize;
    HgnStatus st = buildHeader(w, &b, &order, &dataSize);
    if (st) return st;
    uint64_t total = b.len + dataSize;
    uint8_t *img = total <= SIZE_MAX ? hgnCalloc(1, (size_t)total) : NULL;
    if (!img) {
        hgnBufFree(&b);
        hgnFree(order);
        return oom();
    }
    memcpy(img, b.data, b.len);
    for (size_t i = 0; i < w->tensors.count; i++)
        if (order[i]->data && order[i]->nBytes)
            memcpy(img + b.len + order[i]->offset, order[i]->data, (size_t)order[i]->nBytes);
    *out = img;
    *size = (size_t)total;
    hgnBufFree(&b);
    hgnFree(order);
    return HGN_OK;
}

/* Writes header then pieces in place of path, sized to total. */
static HgnStatus writeAtomically(const char *path, const HgnBuf *header, HgnWriterTensor **order, size_t n,
                                 uint64_t total) {
    HgnAtomicFile f;
    HgnStatus st = hgnAtomicFileOpen(&f, path, NULL);
    if (st) return st;
    bool ok = hgnAtomicFileWriteAt(&f, header->data, header->len, 0);
    for (size_t i = 0; ok && i < n; i++)
        if (order[i]->data)
            ok = hgnAtomicFileWriteAt(&f, order[i]->data, order[i]->nBytes, header->len + order[i]->offset);
    return hgnAtomicFileCommit(&f, total);
}

HgnStatus hgnSafetensorsWriterWriteFile(HgnSafetensorsWriter *w, const char *path) {
    HgnBuf b;
    HgnWriterTensor **order;
    uint64_t dataSize;
    HgnStatus st = buildHeader(w, &b, &order, &dataSize);
    if (st) return st;
    st = writeAtomically(path, &b, order, w->tensors.count, b.len + dataSize);
    hgnBufFree(&b);
    hgnFree(order);
    return st;
}

HgnStatus hgnSafetensorsIndexWrite(const char *path, const char *const *names, const char *const *shards, size_t n,
                                   uint64_t totalSize) {
    json_t *root = json_object(), *md = json_object(), *wm = json_object();
    bool ok = root && md && wm && json_object_set_new(md, "total_size", json_integer((json_int_t)totalSize)) == 0;
    for (size_t i = 0; ok && i < n; i++) ok = json_object_set_new(wm, names[i], json_string(shards[i])) == 0;
    ok = ok && json_object_set(root, "metadata", md) == 0 && json_object_set(root, "weight_map", wm) == 0;
    json_decref(md);
    json_decref(wm);
    char *text = ok ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!text) return oom();
    HgnBuf doc;
    hgnBufInit(&doc);
    hgnBufAppendStr(&doc, text);
    hgnBufAppendChar(&doc, '\n');
    free(text);
    if (!hgnBufOk(&doc)) return oom();
    HgnWriterTensor t = {.data = doc.data, .nBytes = doc.len, .offset = 0};
    HgnWriterTensor *order[1] = {&t};
    HgnBuf empty;
    hgnBufInit(&empty);
    HgnStatus st = writeAtomically(path, &empty, order, 1, doc.len);
    hgnBufFree(&doc);
    return st;
}
