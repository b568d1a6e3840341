/* main.c — ggufJson: prints a GGUF file as Huginn's reader sees it, as one
 * JSON object, so other readers (llama.cpp, @huggingface/gguf) can be
 * compared with it key by key and tensor by tensor.
 *
 *   ggufJson FILE.gguf
 *
 * {"version", "alignment", "dataOffset", "fileSize",
 *  "metadata": {KEY: value…}   scalars as numbers/strings/booleans, arrays in full,
 *  "types": {KEY: "UINT32" | "ARRAY[STRING]" …},
 *  "tensors": [{"name", "type" (ggml name), "ggmlType" (id), "dims" (ggml order: innermost first),
 *               "offset" (from the data section), "bytes"}]}
 * Errors: an HGN error on stderr and its exit status. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/gguf.h"

static void appendValue(HgnBuf *b, const HgnGgufValue *v) {
    switch (v->type) {
    case HGN_GGUF_UINT8:
    case HGN_GGUF_UINT16:
    case HGN_GGUF_UINT32:
    case HGN_GGUF_UINT64:
        hgnBufAppendf(b, "%llu", (unsigned long long)v->u);
        break;
    case HGN_GGUF_INT8:
    case HGN_GGUF_INT16:
    case HGN_GGUF_INT32:
    case HGN_GGUF_INT64:
        hgnBufAppendf(b, "%lld", (long long)v->i);
        break;
    case HGN_GGUF_FLOAT32:
        hgnBufAppendf(b, "%.9g", v->f);
        break;
    case HGN_GGUF_FLOAT64:
        hgnBufAppendf(b, "%.17g", v->f);
        break;
    case HGN_GGUF_BOOL:
        hgnBufAppendStr(b, v->b ? "true" : "false");
        break;
    case HGN_GGUF_STRING:
        hgnBufAppendJsonString(b, v->s.ptr, (size_t)v->s.len);
        break;
    case HGN_GGUF_ARRAY:
        hgnBufAppendChar(b, '[');
        for (uint64_t i = 0; i < v->arr.count; i++) {
            HgnGgufValue item;
            if (!hgnGgufArrayItem(v, i, &item)) break;
            if (i) hgnBufAppendChar(b, ',');
            appendValue(b, &item);
        }
        hgnBufAppendChar(b, ']');
        break;
    default:
        hgnBufAppendStr(b, "null");
        break;
    }
}

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fputs("usage: ggufJson FILE.gguf\nPrints the GGUF's header, metadata and tensor table as JSON (Huginn's "
              "reader).\n",
              argc == 2 && (argv[1][1] == 'h' || argv[1][1] == '-') ? stdout : stderr);
        return argc == 2 && (argv[1][1] == 'h' || argv[1][1] == '-') ? 0 : 2;
    }
    HgnGgufFile *f = NULL;
    HgnStatus st = hgnGgufOpen(argv[1], &f);
    if (st) {
        char *s = hgnStatusToString(st);
        fprintf(stderr, "ggufJson: %s\n", s ? s : hgnStatusMessage(st));
        hgnFree(s);
        int rc = hgnCodeExitStatus(hgnStatusCode(st));
        hgnStatusFree(st);
        return rc;
    }
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "{\"version\":%u,\"alignment\":%u,\"dataOffset\":%llu,\"fileSize\":%llu,\"metadata\":{",
                  hgnGgufVersion(f), hgnGgufAlignment(f), (unsigned long long)hgnGgufDataOffset(f),
                  (unsigned long long)hgnGgufFileSize(f));
    for (size_t i = 0; i < hgnGgufKvCount(f); i++) {
        const HgnGgufKv *kv = hgnGgufKvAt(f, i);
        if (i) hgnBufAppendChar(&b, ',');
        hgnBufAppendJsonString(&b, kv->key, strlen(kv->key));
        hgnBufAppendChar(&b, ':');
        appendValue(&b, &kv->value);
    }
    hgnBufAppendStr(&b, "},\"types\":{");
    for (size_t i = 0; i < hgnGgufKvCount(f); i++) {
        const HgnGgufKv *kv = hgnGgufKvAt(f, i);
        if (i) hgnBufAppendChar(&b, ',');
        hgnBufAppendJsonString(&b, kv->key, strlen(kv->key));
        if (kv->value.type == HGN_GGUF_ARRAY)
            hgnBufAppendf(&b, ":\"ARRAY[%s]\"", hgnGgufTypeName(kv->value.arr.elemType));
        else
            hgnBufAppendf(&b, ":\"%s\"", hgnGgufTypeName(kv->value.type));
    }
    hgnBufAppendStr(&b, "},\"tensors\":[");
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) {
        const HgnTensorView *t = hgnGgufTensorAt(f, i);
        if (i) hgnBufAppendChar(&b, ',');
        hgnBufAppendStr(&b, "{\"name\":");
        hgnBufAppendJsonString(&b, t->name, strlen(t->name));
        hgnBufAppendf(&b, ",\"type\":\"%s\",\"ggmlType\":%d,\"dims\":[", hgnDtypeName(t->dtype),
                      (int)hgnDtypeInfo(t->dtype)->ggmlType);
        for (int d = t->nDims - 1; d >= 0; d--) hgnBufAppendf(&b, "%lld%s", (long long)t->shape[d], d ? "," : "");
        hgnBufAppendf(&b, "],\"offset\":%llu,\"bytes\":%llu}", (unsigned long long)(t->offset - hgnGgufDataOffset(f)),
                      (unsigned long long)t->nBytes);
    }
    hgnBufAppendStr(&b, "]}\n");
    hgnGgufClose(f);
    if (!hgnBufOk(&b)) {
        fputs("ggufJson: HGN-0012 OutOfMemory: out of memory building the JSON\n", stderr);
        hgnBufFree(&b);
        return hgnCodeExitStatus(HGN_CODE_OutOfMemory);
    }
    fputs(hgnBufStr(&b), stdout);
    hgnBufFree(&b);
    return 0;
}
