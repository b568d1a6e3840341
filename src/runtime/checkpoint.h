/* checkpoint.h — a generation session's checkpoint (checkpoint.zst in the
 * artefacts folder): what a resumed run needs to continue exactly where the
 * checkpoint was taken (prompt, sampling parameters, stop strings, produced
 * tokens, sampler RNG state, runtime state = KV cache rows + position) and
 * what it must match (plan digest, model digest). File: a 40-byte header
 * (magic "HGNCKPT\0", format version, payload size, FNV-1a 64 checksum of
 * the payload, compressed size) then the payload compressed with zstd. */
#ifndef HGN_RUNTIME_CHECKPOINT_H
#define HGN_RUNTIME_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/sampler.h"
#include "huginn/status.h"

#define RT_CHECKPOINT_VERSION 1
#define RT_CHECKPOINT_FILE    "checkpoint.zst"

typedef struct RtCheckpoint {
    char *planDigest;  /* "" without a plan */
    char *modelDigest; /* "sha256:…" of the weights file */
    HgnSamplerParams sampler;
    int32_t maxTokens;
    uint8_t ignoreEos;
    char *prompt;
    size_t promptLen;
    char **stop;
    size_t nStop;
    uint32_t nPromptTokens;
    int32_t *tokens; /* produced so far; the last one is not yet in the KV cache */
    size_t nTokens;
    uint8_t *samplerState;
    size_t samplerStateLen;
    uint8_t *runtimeState;
    size_t runtimeStateLen;
} RtCheckpoint;

/* Header + zstd frame; *out freed with hgnFree. */
HGN_NODISCARD HgnStatus rtCheckpointEncode(const RtCheckpoint *c, uint8_t **out, size_t *len);
/* Parses bytes (never trusted): HGN-0002 naming `where` and what is wrong
 * (magic, version, checksum, truncation at an offset, sizes). */
HGN_NODISCARD HgnStatus rtCheckpointDecode(const uint8_t *data, size_t len, const char *where, RtCheckpoint *out);
/* dir/checkpoint.zst written atomically (temp, fsync, rename, dir fsync). */
HGN_NODISCARD HgnStatus rtCheckpointWrite(const char *dir, const RtCheckpoint *c);
/* dir/checkpoint.zst: HGN-0007 when missing or unreadable, else Decode's errors. */
HGN_NODISCARD HgnStatus rtCheckpointRead(const char *dir, RtCheckpoint *out);
void rtCheckpointFree(RtCheckpoint *c);

#endif
