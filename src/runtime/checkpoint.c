/* checkpoint.c — encoding, decoding and atomic writing of a session
 * checkpoint (see checkpoint.h for the layout). The payload is a sequence of
 * little-endian fields; every length read is checked against what is left. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"

#define HEADER_BYTES 40
static const char magic[8] = {'H', 'G', 'N', 'C', 'K', 'P', 'T', 0};
/* a decoded payload larger than this is refused (a hostile size field) */
#define MAX_PAYLOAD ((uint64_t)1 << 36)

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "checkpoint", NULL, "out of memory"); }

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void putU32(HgnBuf *b, uint32_t v) {
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
    hgnBufAppend(b, (const char *)x, 4);
}

static void putU64(HgnBuf *b, uint64_t v) {
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    hgnBufAppend(b, (const char *)x, 8);
}

static void putF32(HgnBuf *b, float f) {
    uint32_t v;
    memcpy(&v, &f, 4);
    putU32(b, v);
}

static void putBytes(HgnBuf *b, const void *p, size_t n) {
    putU64(b, (uint64_t)n);
    if (n) hgnBufAppend(b, p, n);
}

static void putStr(HgnBuf *b, const char *s) { putBytes(b, s ? s : "", s ? strlen(s) : 0); }

static uint32_t getU32At(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t getU64At(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

HgnStatus rtCheckpointEncode(const RtCheckpoint *c, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    HgnBuf b;
    hgnBufInit(&b);
    putStr(&b, c->planDigest);
    putStr(&b, c->modelDigest);
    putF32(&b, c->sampler.temperature);
    putU32(&b, (uint32_t)c->sampler.topK);
    putF32(&b, c->sampler.topP);
    putF32(&b, c->sampler.minP);
    putF32(&b, c->sampler.repeatPenalty);
    putU32(&b, (uint32_t)c->sampler.repeatLastN);
    putU64(&b, c->sampler.seed);
    putU32(&b, (uint32_t)c->maxTokens);
    putU32(&b, c->ignoreEos);
    putBytes(&b, c->prompt, c->promptLen);
    putU64(&b, c->nStop);
    for (size_t i = 0; i < c->nStop; i++) putStr(&b, c->stop[i]);
    putU32(&b, c->nPromptTokens);
    putU64(&b, c->nTokens);
    for (size_t i = 0; i < c->nTokens; i++) putU32(&b, (uint32_t)c->tokens[i]);
    putBytes(&b, c->samplerState, c->samplerStateLen);
    putBytes(&b, c->runtimeState, c->runtimeStateLen);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return oom();
    }
    size_t bound = ZSTD_compressBound(b.len);
    uint8_t *buf = hgnMalloc(HEADER_BYTES + bound);
    if (!buf) {
        hgnBufFree(&b);
        return oom();
    }
    size_t z = ZSTD_compress(buf + HEADER_BYTES, bound, b.data, b.len, 3);
    if (ZSTD_isError(z)) {
        HgnStatus st = hgnStatusNew(HGN_CODE_InternalError, "checkpoint", NULL, "zstd: %s", ZSTD_getErrorName(z));
        hgnFree(buf);
        hgnBufFree(&b);
        return st;
    }
    HgnBuf h;
    hgnBufInit(&h);
    hgnBufAppend(&h, magic, 8);
    putU32(&h, RT_CHECKPOINT_VERSION);
    putU32(&h, 0);
    putU64(&h, (uint64_t)b.len);
    putU64(&h, fnv1a((const uint8_t *)b.data, b.len));
    putU64(&h, (uint64_t)z);
    hgnBufFree(&b);
    if (!hgnBufOk(&h) || h.len != HEADER_BYTES) {
        hgnBufFree(&h);
        hgnFree(buf);
        return oom();
    }
    memcpy(buf, h.data, HEADER_BYTES);
    hgnBufFree(&h);
    *out = buf;
    *len = HEADER_BYTES + z;
    return HGN_OK;
}

typedef struct Reader {
    const uint8_t *p;
    size_t n, at;
    const char *where;
    HgnStatus st;
} Reader;

static bool need(Reader *r, uint64_t k, const char *field) {
    if (r->st) return false;
    if (k > r->n - r->at) {
        r->st = hgnStatusNew(HGN_CODE_PlanSchemaViolation, r->where, "the checkpoint is damaged; start the run again",
                             "the checkpoint payload ends inside %s (offset %zu: %llu bytes needed, %zu left)", field,
                             r->at, (unsigned long long)k, r->n - r->at);
        return false;
    }
    return true;
}

static uint32_t rdU32(Reader *r, const char *field) {
    if (!need(r, 4, field)) return 0;
    uint32_t v = getU32At(r->p + r->at);
    r->at += 4;
    return v;
}

static uint64_t rdU64(Reader *r, const char *field) {
    if (!need(r, 8, field)) return 0;
    uint64_t v = getU64At(r->p + r->at);
    r->at += 8;
    return v;
}

static float rdF32(Reader *r, const char *field) {
    uint32_t v = rdU32(r, field);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

/* a copy of a length-prefixed field, NUL-terminated */
static void *rdBytes(Reader *r, const char *field, size_t *len) {
    uint64_t n = rdU64(r, field);
    if (!need(r, n, field)) return NULL;
    uint8_t *p = hgnMalloc((size_t)n + 1);
    if (!p) {
        r->st = oom();
        return NULL;
    }
    if (n) memcpy(p, r->p + r->at, (size_t)n);
    p[n] = 0;
    r->at += (size_t)n;
    if (len) *len = (size_t)n;
    return p;
}

static HgnStatus bad(const char *where, const char *fmt, const char *detail) {
    return hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "the checkpoint is damaged; start the run again", fmt,
                        detail);
}

static HgnStatus parsePayload(Reader *r, RtCheckpoint *c) {
    c->planDigest = rdBytes(r, "the plan digest", NULL);
    c->modelDigest = rdBytes(r, "the model digest", NULL);
    c->sampler.temperature = rdF32(r, "the sampling parameters");
    c->sampler.topK = (int32_t)rdU32(r, "the sampling parameters");
    c->sampler.topP = rdF32(r, "the sampling parameters");
    c->sampler.minP = rdF32(r, "the sampling parameters");
    c->sampler.repeatPenalty = rdF32(r, "the sampling parameters");
    c->sampler.repeatLastN = (int32_t)rdU32(r, "the sampling parameters");
    c->sampler.seed = rdU64(r, "the sampling parameters");
    c->maxTokens = (int32_t)rdU32(r, "maxTokens");
    c->ignoreEos = (uint8_t)rdU32(r, "ignoreEos");
    c->prompt = rdBytes(r, "the prompt", &c->promptLen);
    uint64_t nStop = rdU64(r, "the stop strings");
    if (!r->st && nStop > (r->n - r->at) / 8)
        return bad(r->where, "the checkpoint claims %s stop strings, more than it holds", "too many");
    if (!r->st && nStop) {
        c->stop = hgnCalloc((size_t)nStop, sizeof *c->stop);
        if (!c->stop) return oom();
        c->nStop = (size_t)nStop;
        for (size_t i = 0; i < c->nStop && !r->st; i++) c->stop[i] = rdBytes(r, "a stop string", NULL);
    }
    c->nPromptTokens = rdU32(r, "the prompt token count");
    uint64_t nt = rdU64(r, "the token count");
    if (!r->st && nt > (r->n - r->at) / 4)
        return bad(r->where, "the checkpoint claims %s produced tokens, more than it holds", "too many");
    if (!r->st) {
        c->tokens = hgnCalloc((size_t)nt + 1, sizeof *c->tokens);
        if (!c->tokens) return oom();
        c->nTokens = (size_t)nt;
        for (size_t i = 0; i < c->nTokens; i++) c->tokens[i] = (int32_t)rdU32(r, "the tokens");
    }
    c->samplerState = rdBytes(r, "the sampler state", &c->samplerStateLen);
    c->runtimeState = rdBytes(r, "the runtime state", &c->runtimeStateLen);
    if (r->st) return r->st;
    if (r->at != r->n)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, r->where, "the checkpoint is damaged; start the run again",
                            "%zu unexpected bytes after the checkpoint payload (offset %zu)", r->n - r->at, r->at);
    if (c->maxTokens < 0 || c->nTokens == 0 || c->nTokens > (size_t)c->maxTokens || c->nPromptTokens == 0)
        return bad(r->where, "the checkpoint's token counts are inconsistent (%s)", "maxTokens, produced, prompt");
    return HGN_OK;
}

HgnStatus rtCheckpointDecode(const uint8_t *data, size_t len, const char *where, RtCheckpoint *out) {
    memset(out, 0, sizeof *out);
    if (!where) where = "checkpoint";
    if (len < HEADER_BYTES)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "the checkpoint is damaged; start the run again",
                            "the checkpoint is truncated: %zu bytes, its header alone is %d", len, HEADER_BYTES);
    if (memcmp(data, magic, 8) != 0) return bad(where, "%s", "not a Huginn checkpoint (bad magic)");
    uint32_t version = getU32At(data + 8);
    if (version != RT_CHECKPOINT_VERSION)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "resume with the Huginn version that wrote it",
                            "checkpoint format version %u; this Huginn reads version %d", version,
                            RT_CHECKPOINT_VERSION);
    if (getU32At(data + 12) != 0) return bad(where, "the checkpoint's header has %s", "unknown flags set");
    uint64_t raw = getU64At(data + 16), sum = getU64At(data + 24), z = getU64At(data + 32);
    if (z != len - HEADER_BYTES)
        return hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "the checkpoint is damaged; start the run again",
                            "the checkpoint is truncated or padded: header says %llu compressed bytes, %zu follow",
                            (unsigned long long)z, len - HEADER_BYTES);
    /* zstd expands at most ~32768:1 (RLE blocks): a larger claim is a lie, refused before allocating */
    if (raw > MAX_PAYLOAD || raw > z * 32768 + 4096)
        return bad(where, "the checkpoint's payload size is %s", "implausibly large");
    unsigned long long frame = ZSTD_getFrameContentSize(data + HEADER_BYTES, (size_t)z);
    if (frame == ZSTD_CONTENTSIZE_ERROR || frame == ZSTD_CONTENTSIZE_UNKNOWN || frame != raw)
        return bad(where, "the checkpoint's compressed data is %s", "not the zstd frame its header describes");
    uint8_t *p = hgnMalloc((size_t)raw + 1);
    if (!p) return oom();
    size_t got = ZSTD_decompress(p, (size_t)raw + 1, data + HEADER_BYTES, (size_t)z);
    if (ZSTD_isError(got) || got != raw) {
        HgnStatus st =
            hgnStatusNew(HGN_CODE_PlanSchemaViolation, where, "the checkpoint is damaged; start the run again",
                         "the checkpoint's compressed data does not decompress: %s",
                         ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
        hgnFree(p);
        return st;
    }
    if (fnv1a(p, got) != sum) {
        hgnFree(p);
        return bad(where, "the checkpoint's checksum does not match its contents (%s)", "corrupt");
    }
    Reader r = {.p = p, .n = got, .where = where};
    HgnStatus st = parsePayload(&r, out);
    hgnFree(p);
    if (st) rtCheckpointFree(out);
    return st;
}

static char *pathOf(const char *dir) {
    size_t n = strlen(dir) + sizeof RT_CHECKPOINT_FILE + 1;
    char *p = hgnMalloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, RT_CHECKPOINT_FILE);
    return p;
}

HgnStatus rtCheckpointWrite(const char *dir, const RtCheckpoint *c) {
    uint8_t *data = NULL;
    size_t len = 0;
    HgnStatus st = rtCheckpointEncode(c, &data, &len);
    if (st) return st;
    char *path = pathOf(dir);
    if (!path) {
        hgnFree(data);
        return oom();
    }
    HgnAtomicFile f;
    if (!(st = hgnAtomicFileOpen(&f, path, "the checkpoint"))) {
        hgnAtomicFileWriteAt(&f, data, len, 0);
        st = hgnAtomicFileCommit(&f, len);
    }
    hgnFree(path);
    hgnFree(data);
    return st;
}

HgnStatus rtCheckpointRead(const char *dir, RtCheckpoint *out) {
    memset(out, 0, sizeof *out);
    char *path = pathOf(dir);
    if (!path) return oom();
    FILE *f = fopen(path, "rb");
    if (!f) {
        HgnStatus st = hgnStatusNew(HGN_CODE_CheckpointMissing, path,
                                    "give --resume the artefacts folder of a run started with --checkpoint-every N",
                                    "cannot read the checkpoint: %s", strerror(errno));
        hgnFree(path);
        return st;
    }
    HgnBuf b;
    hgnBufInit(&b);
    int e = hgnFileReadStream(f, &b);
    fclose(f);
    HgnStatus st = HGN_OK;
    if (e)
        st = hgnStatusNew(HGN_CODE_CheckpointMissing, path, NULL, "cannot read the checkpoint: %s", strerror(e));
    else if (!hgnBufOk(&b))
        st = oom();
    else
        st = rtCheckpointDecode((const uint8_t *)b.data, b.len, path, out);
    hgnBufFree(&b);
    hgnFree(path);
    return st;
}

void rtCheckpointFree(RtCheckpoint *c) {
    if (!c) return;
    hgnFree(c->planDigest);
    hgnFree(c->modelDigest);
    hgnFree(c->prompt);
    for (size_t i = 0; i < c->nStop; i++) hgnFree(c->stop[i]);
    hgnFree(c->stop);
    hgnFree(c->tokens);
    hgnFree(c->samplerState);
    hgnFree(c->runtimeState);
    memset(c, 0, sizeof *c);
}
