/* fuzzGguf.c — libFuzzer target: the GGUF reader on arbitrary bytes, then a
 * walk over every metadata value (nested arrays included) and every tensor
 * view, so that anything the reader accepts is also safe to use. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void walk(const HgnGgufValue *v, int depth) {
    if (v->type == HGN_GGUF_STRING) {
        if (v->s.len) sink += (uint8_t)v->s.ptr[v->s.len - 1];
        return;
    }
    if (v->type != HGN_GGUF_ARRAY) {
        sink += v->u;
        return;
    }
    for (uint64_t i = 0; i < v->arr.count; i++) {
        HgnGgufValue item;
        if (!hgnGgufArrayItem(v, i, &item)) __builtin_trap();
        walk(&item, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnGgufFile *f = NULL;
    HgnStatus st = hgnGgufOpenMemory(data, size, "fuzz.gguf", &f);
    if (st) {
        if (f || !hgnStatusMessage(st)[0] || !hgnStatusWhere(st)) __builtin_trap();
        hgnStatusFree(st);
        return 0;
    }
    for (size_t i = 0; i < hgnGgufKvCount(f); i++) {
        const HgnGgufKv *kv = hgnGgufKvAt(f, i);
        if (hgnGgufFind(f, kv->key) != &kv->value) __builtin_trap();
        walk(&kv->value, 0);
    }
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) {
        const HgnTensorView *t = hgnGgufTensorAt(f, i);
        if (hgnGgufTensorFind(f, t->name) != t) __builtin_trap();
        if (t->offset + t->nBytes > size) __builtin_trap();
        if (t->nBytes) sink += ((const uint8_t *)t->data)[0] + ((const uint8_t *)t->data)[t->nBytes - 1];
    }
    hgnGgufClose(f);
    return 0;
}
