/* fuzzNpy.c — libFuzzer target: bytes → .npy file → hgnNpyLoad → (when it
 * loads) hgnNpySave and reload. Any crash, leak or sanitizer report is a
 * finding. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "huginn/onnxRuntime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], back[80];
    snprintf(path, sizeof path, "/tmp/hgnFuzzNpy.%ld.npy", (long)getpid());
    snprintf(back, sizeof back, "%s.out.npy", path);
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    HgnOnnxTensor t = {0};
    HgnStatus st = hgnNpyLoad(path, &t);
    if (!st) {
        st = hgnNpySave(back, &t);
        if (!st) {
            HgnOnnxTensor u = {0};
            st = hgnNpyLoad(back, &u);
            if (!st && (u.bytes != t.bytes || (t.bytes && memcmp(u.data, t.data, t.bytes)))) __builtin_trap();
            hgnOnnxTensorFree(&u);
        }
        unlink(back);
    }
    hgnStatusFree(st);
    hgnOnnxTensorFree(&t);
    unlink(path);
    return 0;
}
