/* fuzzCheckpoint.c — libFuzzer target for the checkpoint reader
 * (src/runtime/checkpoint.c): any bytes are decoded (header, zstd frame,
 * checksum, payload fields); a checkpoint that decodes is encoded again and
 * must decode to the same fields. Every outcome is a checkpoint or an
 * HgnStatus (no crash, no leak, no allocation past what the bytes justify). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 16)) return 0;
    RtCheckpoint c;
    HgnStatus st = rtCheckpointDecode(data, size, "fuzz.zst", &c);
    if (st) {
        hgnStatusFree(st);
        return 0;
    }
    uint8_t *again = NULL;
    size_t len = 0;
    st = rtCheckpointEncode(&c, &again, &len);
    if (!st) {
        RtCheckpoint d;
        st = rtCheckpointDecode(again, len, "again.zst", &d);
        if (st) __builtin_trap(); /* what the writer writes, the reader reads */
        if (d.nTokens != c.nTokens || d.promptLen != c.promptLen || d.runtimeStateLen != c.runtimeStateLen ||
            d.nStop != c.nStop || strcmp(d.planDigest, c.planDigest) != 0 ||
            memcmp(d.tokens, c.tokens, c.nTokens * sizeof *c.tokens) != 0)
            __builtin_trap();
        rtCheckpointFree(&d);
    }
    hgnStatusFree(st);
    hgnFree(again);
    rtCheckpointFree(&c);
    return 0;
}
