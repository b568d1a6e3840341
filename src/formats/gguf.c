/* gguf.c — lazy GGUF reader (v2, v3): header, metadata, tensor infos, checks
 * against the file, tensor views into the read-only mapping (see gguf.h). */
#include "huginn/gguf.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "core/arena.h"
#include "formats/fmtError.h"
#include "formats/mappedFile.h"
#include "formats/nameIndex.h"

#define GGUF_MAX_DEPTH 16
#define GGUF_MAX_KEY   65535u

struct HgnGgufFile {
    HgnMappedFile map;
    uint32_t version;
    uint32_t alignment;
    uint64_t dataOffset;
    HgnGgufKv *kvs;
    size_t nKv;
    HgnTensorView *tensors;
    size_t nTensors;
    HgnArena arena;
    HgnNameIndex kvIndex;
    HgnNameIndex tensorIndex;
};

typedef struct Cursor {
    const uint8_t *p;
    uint64_t size;
    uint64_t pos;
    const char *path;
} Cursor;

/* ---- types -------------------------------------------------------------- */

static const char *const typeNames[] = {"UINT8", "INT8",   "UINT16", "INT16",  "UINT32", "INT32",  "FLOAT32",
                                        "BOOL",  "STRING", "ARRAY",  "UINT64", "INT64",  "FLOAT64"};
static const uint8_t typeSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

const char *hgnGgufTypeName(HgnGgufType type) {
    return (unsigned)type < sizeof typeSizes ? typeNames[type] : "INVALID";
}

size_t hgnGgufTypeSize(HgnGgufType type) { return (unsigned)type < sizeof typeSizes ? typeSizes[type] : 0; }

static bool validType(uint32_t t) { return t < sizeof typeSizes; }

/* Decodes one scalar of type t from little-endian bytes. */
static void decodeScalar(HgnGgufType t, const uint8_t *b, HgnGgufValue *v) {
    v->type = t;
    uint64_t u = 0;
    size_t n = typeSizes[t];
    for (size_t k = 0; k < n; k++) u |= (uint64_t)b[k] << (8 * k);
    switch (t) {
    case HGN_GGUF_UINT8:
    case HGN_GGUF_UINT16:
    case HGN_GGUF_UINT32:
    case HGN_GGUF_UINT64:
        v->u = u;
        break;
    case HGN_GGUF_INT8:
        v->i = (int8_t)u;
        break;
    case HGN_GGUF_INT16:
        v->i = (int16_t)u;
        break;
    case HGN_GGUF_INT32:
        v->i = (int32_t)(uint32_t)u;
        break;
    case HGN_GGUF_INT64:
        v->i = (int64_t)u;
        break;
    case HGN_GGUF_FLOAT32: {
        uint32_t w = (uint32_t)u;
        float fl;
        memcpy(&fl, &w, 4);
        v->f = fl;
        break;
    }
    case HGN_GGUF_FLOAT64: {
        double d;
        memcpy(&d, &u, 8);
        v->f = d;
        break;
    }
    case HGN_GGUF_BOOL:
        v->b = u != 0;
        break;
    default:
        break;
    }
}

bool hgnGgufArrayItem(const HgnGgufValue *v, uint64_t i, HgnGgufValue *out) {
    if (!v || v->type != HGN_GGUF_ARRAY || i >= v->arr.count) return false;
    HgnGgufType t = v->arr.elemType;
    if (t == HGN_GGUF_STRING || t == HGN_GGUF_ARRAY) {
        if (!v->arr.items) return false;
        *out = v->arr.items[i];
        return true;
    }
    if (!validType(t) || !v->arr.raw) return false;
    decodeScalar(t, (const uint8_t *)v->arr.raw + i * typeSizes[t], out);
    return true;
}

/* ---- cursor --------------------------------------------------------------- */

static HgnStatus need(Cursor *c, uint64_t n, const char *what) {
    if (c->size - c->pos >= n) return HGN_OK;
    return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, c->pos, "the file is cut short; download it again",
                         "%s needs %llu bytes but the file ends after %llu (file size %llu)", what,
                         (unsigned long long)n, (unsigned long long)(c->size - c->pos), (unsigned long long)c->size);
}

static uint64_t rdLe(Cursor *c, size_t n) {
    uint64_t u = 0;
    for (size_t k = 0; k < n; k++) u |= (uint64_t)c->p[c->pos + k] << (8 * k);
    c->pos += n;
    return u;
}

static HgnStatus readU32(Cursor *c, uint32_t *out, const char *what) {
    HgnStatus st = need(c, 4, what);
    if (st) return st;
    *out = (uint32_t)rdLe(c, 4);
    return HGN_OK;
}

static HgnStatus readU64(Cursor *c, uint64_t *out, const char *what) {
    HgnStatus st = need(c, 8, what);
    if (st) return st;
    *out = rdLe(c, 8);
    return HGN_OK;
}

static HgnStatus readString(Cursor *c, HgnGgufString *out, const char *what) {
    uint64_t at = c->pos, len;
    HgnStatus st = readU64(c, &len, what);
    if (st) return st;
    if (len > c->size - c->pos)
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, at, "the file is cut short or the length is corrupt",
                             "%s: string length %llu runs past the end of the file (%llu bytes left)", what,
                             (unsigned long long)len, (unsigned long long)(c->size - c->pos));
    out->ptr = (const char *)c->p + c->pos;
    out->len = len;
    c->pos += len;
    return HGN_OK;
}

/* ---- metadata values -------------------------------------------------------- */

static HgnStatus oom(const char *path) { return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory"); }

static HgnStatus readValue(HgnGgufFile *f, Cursor *c, uint32_t type, const char *key, int depth, HgnGgufValue *v);

static HgnStatus readArray(HgnGgufFile *f, Cursor *c, const char *key, int depth, HgnGgufValue *v) {
    uint64_t at = c->pos;
    uint32_t et;
    uint64_t count;
    HgnStatus st = readU32(c, &et, "array element type");
    if (!st) st = readU64(c, &count, "array length");
    if (st) return st;
    if (!validType(et))
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, "the file is corrupt or from a newer GGUF",
                             "key '%s': array element type %u is not a GGUF value type (0..12)", key, et);
    v->type = HGN_GGUF_ARRAY;
    v->arr.elemType = (HgnGgufType)et;
    v->arr.count = count;
    v->arr.raw = NULL;
    v->arr.items = NULL;
    uint64_t left = c->size - c->pos;
    if (et != HGN_GGUF_STRING && et != HGN_GGUF_ARRAY) {
        uint64_t bytes;
        if (__builtin_mul_overflow(count, (uint64_t)typeSizes[et], &bytes) || bytes > left)
            return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, at, "the file is cut short or the length is corrupt",
                                 "key '%s': array of %llu %s needs more bytes than the %llu left in the file", key,
                                 (unsigned long long)count, typeNames[et], (unsigned long long)left);
        v->arr.raw = c->p + c->pos;
        if (et == HGN_GGUF_BOOL)
            for (uint64_t k = 0; k < count; k++)
                if (c->p[c->pos + k] > 1)
                    return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos + k, NULL,
                                         "key '%s': BOOL array element %llu is %u (only 0 or 1 allowed)", key,
                                         (unsigned long long)k, c->p[c->pos + k]);
        c->pos += bytes;
        return HGN_OK;
    }
    if (et == HGN_GGUF_ARRAY && depth >= GGUF_MAX_DEPTH)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL,
                             "key '%s': arrays nested deeper than %d levels", key, GGUF_MAX_DEPTH);
    uint64_t minSize = et == HGN_GGUF_STRING ? 8 : 12;
    if (count > left / minSize)
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, at, "the file is cut short or the length is corrupt",
                             "key '%s': array of %llu %s cannot fit in the %llu bytes left in the file", key,
                             (unsigned long long)count, typeNames[et], (unsigned long long)left);
    if (count == 0) return HGN_OK;
    HgnGgufValue *items = hgnArenaAlloc(&f->arena, (size_t)count * sizeof *items);
    if (!items) return oom(c->path);
    for (uint64_t k = 0; k < count; k++) {
        st = readValue(f, c, et, key, depth + 1, &items[k]);
        if (st) return st;
    }
    v->arr.items = items;
    return HGN_OK;
}

static HgnStatus readValue(HgnGgufFile *f, Cursor *c, uint32_t type, const char *key, int depth, HgnGgufValue *v) {
    memset(v, 0, sizeof *v);
    if (type == HGN_GGUF_STRING) {
        v->type = HGN_GGUF_STRING;
        return readString(c, &v->s, "string value");
    }
    if (type == HGN_GGUF_ARRAY) return readArray(f, c, key, depth, v);
    HgnStatus st = need(c, typeSizes[type], typeNames[type]);
    if (st) return st;
    if (type == HGN_GGUF_BOOL && c->p[c->pos] > 1)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos, NULL,
                             "key '%s': BOOL value is %u (only 0 or 1 allowed)", key, c->p[c->pos]);
    decodeScalar((HgnGgufType)type, c->p + c->pos, v);
    c->pos += typeSizes[type];
    return HGN_OK;
}

/* ---- open ----------------------------------------------------------------- */

static const char *kvName(const void *ctx, size_t i) { return ((const HgnGgufFile *)ctx)->kvs[i].key; }
static const char *tensorName(const void *ctx, size_t i) { return ((const HgnGgufFile *)ctx)->tensors[i].name; }

static HgnStatus readName(HgnGgufFile *f, Cursor *c, uint64_t maxLen, const char *what, const char **out) {
    uint64_t at = c->pos;
    HgnGgufString s;
    HgnStatus st = readString(c, &s, what);
    if (st) return st;
    if (s.len > maxLen)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL,
                             "%s of %llu bytes is longer than the %llu allowed", what, (unsigned long long)s.len,
                             (unsigned long long)maxLen);
    if (memchr(s.ptr, '\0', (size_t)s.len))
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL, "%s contains a NUL byte", what);
    char *d = hgnArenaStrndup(&f->arena, s.ptr, (size_t)s.len);
    if (!d) return oom(c->path);
    *out = d;
    return HGN_OK;
}

static HgnStatus parseHeader(HgnGgufFile *f, Cursor *c, uint64_t *nTensors, uint64_t *nKv) {
    if (c->size < 4)
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, 0, "the file is empty or cut short",
                             "file is %llu bytes, too short for the GGUF magic", (unsigned long long)c->size);
    if (memcmp(c->p, "GGUF", 4) != 0)
        return hgnFmtErrorAt(HGN_CODE_BadMagic, c->path, 0, "pass a .gguf file",
                             "magic is %02x %02x %02x %02x, expected \"GGUF\" (47 47 55 46)", c->p[0], c->p[1], c->p[2],
                             c->p[3]);
    c->pos = 4;
    HgnStatus st = readU32(c, &f->version, "header version");
    if (st) return st;
    if (f->version == 1)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, 4,
                             "convert the model again with a current llama.cpp",
                             "GGUF version 1 is not supported (only versions 2 and 3)");
    if (f->version != 2 && f->version != 3) {
        uint32_t swapped = __builtin_bswap32(f->version);
        if (swapped >= 1 && swapped <= 3)
            return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, 4, "use a little-endian GGUF file",
                                 "big-endian GGUF (version %u byte-swapped) is not supported", swapped);
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, 4, "the file is corrupt or from a newer GGUF",
                             "GGUF version %u is not supported (only versions 2 and 3)", f->version);
    }
    st = readU64(c, nTensors, "header tensor_count");
    if (!st) st = readU64(c, nKv, "header metadata_kv_count");
    if (st) return st;
    uint64_t left = c->size - c->pos;
    if (*nKv > left / 13) /* key length 8 + type 4 + at least 1 byte of value */
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, 16, "the file is cut short or the header is corrupt",
                             "metadata_kv_count %llu cannot fit in the %llu bytes after the header",
                             (unsigned long long)*nKv, (unsigned long long)left);
    if (*nTensors > left / 24) /* name length 8 + n_dims 4 + type 4 + offset 8 */
        return hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, 8, "the file is cut short or the header is corrupt",
                             "tensor_count %llu cannot fit in the %llu bytes after the header",
                             (unsigned long long)*nTensors, (unsigned long long)left);
    return HGN_OK;
}

static HgnStatus parseKvs(HgnGgufFile *f, Cursor *c, uint64_t nKv) {
    f->kvs = hgnCalloc(nKv ? (size_t)nKv : 1, sizeof *f->kvs);
    if (!f->kvs || !hgnNameIndexInit(&f->kvIndex, (size_t)nKv, kvName, f)) return oom(c->path);
    for (uint64_t i = 0; i < nKv; i++) {
        uint64_t at = c->pos;
        HgnGgufKv *kv = &f->kvs[i];
        HgnStatus st = readName(f, c, GGUF_MAX_KEY, "metadata key", &kv->key);
        if (st) return st;
        uint32_t type;
        if ((st = readU32(c, &type, "metadata value type"))) return st;
        if (!validType(type))
            return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos - 4,
                                 "the file is corrupt or from a newer GGUF",
                                 "key '%s': value type %u is not a GGUF value type (0..12)", kv->key, type);
        if ((st = readValue(f, c, type, kv->key, 0, &kv->value))) return st;
        f->nKv = (size_t)i + 1;
        if (hgnNameIndexInsert(&f->kvIndex, (size_t)i) >= 0)
            return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL, "duplicate metadata key '%s'",
                                 kv->key);
    }
    const HgnGgufValue *al = hgnGgufFind(f, "general.alignment");
    f->alignment = HGN_GGUF_DEFAULT_ALIGNMENT;
    if (al) {
        if (al->type != HGN_GGUF_UINT32)
            return hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, c->path, "key 'general.alignment'", NULL,
                                 "general.alignment has type %s, expected UINT32", hgnGgufTypeName(al->type));
        if (al->u == 0 || (al->u & (al->u - 1)) != 0)
            return hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, c->path, "key 'general.alignment'", NULL,
                                 "general.alignment is %llu, expected a power of two", (unsigned long long)al->u);
        f->alignment = (uint32_t)al->u;
    }
    return HGN_OK;
}

typedef struct Span {
    uint64_t begin, end;
    size_t index;
} Span;

static int cmpSpan(const void *a, const void *b) {
    const Span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static HgnStatus parseTensorInfo(HgnGgufFile *f, Cursor *c, size_t i, uint64_t *offsets) {
    HgnTensorView *t = &f->tensors[i];
    uint64_t at = c->pos;
    HgnStatus st = readName(f, c, HGN_GGUF_MAX_NAME, "tensor name", &t->name);
    if (st) return st;
    uint32_t nDims;
    if ((st = readU32(c, &nDims, "tensor n_dims"))) return st;
    if (nDims > HGN_GGUF_MAX_DIMS)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos - 4, NULL,
                             "tensor '%s': n_dims is %u, at most %d allowed", t->name, nDims, HGN_GGUF_MAX_DIMS);
    int64_t ne[HGN_GGUF_MAX_DIMS];
    int64_t nElements = 1;
    for (uint32_t d = 0; d < nDims; d++) {
        uint64_t dim;
        if ((st = readU64(c, &dim, "tensor dimension"))) return st;
        if (dim > (uint64_t)INT64_MAX)
            return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos - 8, NULL,
                                 "tensor '%s': dimension %u is %llu, larger than INT64_MAX", t->name, d,
                                 (unsigned long long)dim);
        ne[d] = (int64_t)dim;
        if (__builtin_mul_overflow(nElements, ne[d], &nElements))
            return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos - 8, NULL,
                                 "tensor '%s': the product of its dimensions overflows 64 bits", t->name);
    }
    uint32_t ggmlType;
    if ((st = readU32(c, &ggmlType, "tensor type"))) return st;
    if (!hgnDtypeFromGgml(ggmlType, &t->dtype))
        return hgnFmtErrorAt(HGN_CODE_UnsupportedDtype, c->path, c->pos - 4,
                             "the file needs a newer Huginn, or it is corrupt",
                             "tensor '%s': ggml type id %u is not a known ggml type", t->name, ggmlType);
    const HgnDtypeInfo *info = hgnDtypeInfo(t->dtype);
    if (nDims > 0 && ne[0] % info->blockSize != 0)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL,
                             "tensor '%s': row length ne[0] = %lld is not a multiple of the %s block size %lld",
                             t->name, (long long)ne[0], info->name, (long long)info->blockSize);
    if (nDims == 0 && info->blockSize != 1)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL,
                             "tensor '%s': a scalar cannot have the block type %s", t->name, info->name);
    if (!hgnDtypeTryBytes(t->dtype, nElements, &t->nBytes))
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL,
                             "tensor '%s': its byte size overflows 64 bits", t->name);
    if ((st = readU64(c, &offsets[i], "tensor offset"))) return st;
    if (offsets[i] % f->alignment != 0)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, c->pos - 8, NULL,
                             "tensor '%s': data offset %llu is not a multiple of the alignment %u", t->name,
                             (unsigned long long)offsets[i], f->alignment);
    t->nDims = (int)nDims;
    for (uint32_t d = 0; d < nDims; d++) t->shape[d] = ne[nDims - 1 - d];
    t->nElements = nElements;
    t->fileIndex = 0;
    if (hgnNameIndexInsert(&f->tensorIndex, i) >= 0)
        return hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, at, NULL, "duplicate tensor name '%s'", t->name);
    return HGN_OK;
}

static HgnStatus parseTensors(HgnGgufFile *f, Cursor *c, uint64_t nTensors) {
    size_t n = (size_t)nTensors;
    f->tensors = hgnCalloc(n ? n : 1, sizeof *f->tensors);
    uint64_t *offsets = hgnCalloc(n ? n : 1, sizeof *offsets);
    Span *spans = hgnCalloc(n ? n : 1, sizeof *spans);
    HgnStatus st = HGN_OK;
    if (!f->tensors || !offsets || !spans || !hgnNameIndexInit(&f->tensorIndex, n, tensorName, f)) {
        st = oom(c->path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        f->nTensors = i + 1;
        if ((st = parseTensorInfo(f, c, i, offsets))) {
            f->nTensors = i; /* the failed entry may be half-filled */
            goto done;
        }
    }
    uint64_t pad = (f->alignment - c->pos % f->alignment) % f->alignment;
    f->dataOffset = c->pos + pad;
    size_t nSpans = 0;
    for (size_t i = 0; i < n; i++) {
        HgnTensorView *t = &f->tensors[i];
        uint64_t begin, end;
        if (__builtin_add_overflow(f->dataOffset, offsets[i], &begin) ||
            __builtin_add_overflow(begin, t->nBytes, &end) || end > c->size) {
            st = hgnFmtErrorAt(HGN_CODE_TruncatedFile, c->path, f->dataOffset,
                               "the file is cut short; download it again",
                               "tensor '%s': data at offset %llu + %llu bytes (data section starts at %llu) ends "
                               "past the end of the file (size %llu)",
                               t->name, (unsigned long long)offsets[i], (unsigned long long)t->nBytes,
                               (unsigned long long)f->dataOffset, (unsigned long long)c->size);
            goto done;
        }
        t->offset = begin;
        t->data = c->p + begin;
        if (t->nBytes) spans[nSpans++] = (Span){begin, end, i};
    }
    qsort(spans, nSpans, sizeof *spans, cmpSpan);
    for (size_t k = 1; k < nSpans; k++)
        if (spans[k].begin < spans[k - 1].end) {
            const HgnTensorView *a = &f->tensors[spans[k - 1].index], *b = &f->tensors[spans[k].index];
            st = hgnFmtErrorAt(HGN_CODE_ModelFormatInvalid, c->path, spans[k].begin, NULL,
                               "tensor '%s' [%llu, %llu) overlaps tensor '%s' [%llu, %llu)", b->name,
                               (unsigned long long)(spans[k].begin - f->dataOffset),
                               (unsigned long long)(spans[k].end - f->dataOffset), a->name,
                               (unsigned long long)(spans[k - 1].begin - f->dataOffset),
                               (unsigned long long)(spans[k - 1].end - f->dataOffset));
            goto done;
        }
done:
    hgnFree(offsets);
    hgnFree(spans);
    return st;
}

static HgnStatus openMapped(HgnMappedFile *map, HgnGgufFile **out) {
    *out = NULL;
    HgnGgufFile *f = hgnCalloc(1, sizeof *f);
    if (!f) {
        HgnStatus st = oom(map->path);
        hgnMappedFileClose(map);
        return st;
    }
    f->map = *map;
    hgnArenaInit(&f->arena);
    Cursor c = {f->map.data, f->map.size, 0, f->map.path};
    uint64_t nTensors = 0, nKv = 0;
    HgnStatus st = parseHeader(f, &c, &nTensors, &nKv);
    if (!st) st = parseKvs(f, &c, nKv);
    if (!st) st = parseTensors(f, &c, nTensors);
    if (st) {
        hgnGgufClose(f);
        return st;
    }
    *out = f;
    return HGN_OK;
}

HgnStatus hgnGgufOpen(const char *path, HgnGgufFile **out) {
    *out = NULL;
    HgnMappedFile map;
    HgnStatus st = hgnMappedFileOpen(path, &map);
    if (st) return st;
    return openMapped(&map, out);
}

HgnStatus hgnGgufOpenMemory(const void *data, size_t size, const char *name, HgnGgufFile **out) {
    *out = NULL;
    HgnMappedFile map;
    HgnStatus st = hgnMappedFileFromMemory(data, size, name, &map);
    if (st) return st;
    return openMapped(&map, out);
}

void hgnGgufClose(HgnGgufFile *f) {
    if (!f) return;
    hgnNameIndexFree(&f->kvIndex);
    hgnNameIndexFree(&f->tensorIndex);
    hgnFree(f->kvs);
    hgnFree(f->tensors);
    hgnArenaFree(&f->arena);
    hgnMappedFileClose(&f->map);
    hgnFree(f);
}

/* ---- accessors ---------------------------------------------------------------- */

const char *hgnGgufPath(const HgnGgufFile *f) { return f->map.path; }
uint32_t hgnGgufVersion(const HgnGgufFile *f) { return f->version; }
uint32_t hgnGgufAlignment(const HgnGgufFile *f) { return f->alignment; }
uint64_t hgnGgufDataOffset(const HgnGgufFile *f) { return f->dataOffset; }
uint64_t hgnGgufFileSize(const HgnGgufFile *f) { return f->map.size; }
size_t hgnGgufKvCount(const HgnGgufFile *f) { return f->nKv; }
const HgnGgufKv *hgnGgufKvAt(const HgnGgufFile *f, size_t i) { return i < f->nKv ? &f->kvs[i] : NULL; }
size_t hgnGgufTensorCount(const HgnGgufFile *f) { return f->nTensors; }
const HgnTensorView *hgnGgufTensorAt(const HgnGgufFile *f, size_t i) { return i < f->nTensors ? &f->tensors[i] : NULL; }

const HgnGgufValue *hgnGgufFind(const HgnGgufFile *f, const char *key) {
    int64_t i = hgnNameIndexFind(&f->kvIndex, key);
    return i >= 0 && (size_t)i < f->nKv ? &f->kvs[i].value : NULL;
}

const HgnTensorView *hgnGgufTensorFind(const HgnGgufFile *f, const char *name) {
    int64_t i = hgnNameIndexFind(&f->tensorIndex, name);
    return i >= 0 && (size_t)i < f->nTensors ? &f->tensors[i] : NULL;
}

static HgnStatus lookup(const HgnGgufFile *f, const char *key, const HgnGgufValue **v) {
    *v = hgnGgufFind(f, key);
    if (*v) return HGN_OK;
    HgnBuf field;
    hgnBufInit(&field);
    hgnBufAppendf(&field, "key '%s'", key);
    HgnStatus st =
        hgnFmtErrorIn(HGN_CODE_NotFound, f->map.path, hgnBufStr(&field), NULL, "metadata key '%s' is missing", key);
    hgnBufFree(&field);
    return st;
}

static HgnStatus wrongType(const HgnGgufFile *f, const char *key, HgnGgufType found, const char *expected) {
    HgnBuf field;
    hgnBufInit(&field);
    hgnBufAppendf(&field, "key '%s'", key);
    HgnStatus st = hgnFmtErrorIn(HGN_CODE_ModelFormatInvalid, f->map.path, hgnBufStr(&field), NULL,
                                 "metadata key '%s' has type %s, expected %s", key, hgnGgufTypeName(found), expected);
    hgnBufFree(&field);
    return st;
}

static bool isUnsigned(HgnGgufType t) {
    return t == HGN_GGUF_UINT8 || t == HGN_GGUF_UINT16 || t == HGN_GGUF_UINT32 || t == HGN_GGUF_UINT64;
}
static bool isSigned(HgnGgufType t) {
    return t == HGN_GGUF_INT8 || t == HGN_GGUF_INT16 || t == HGN_GGUF_INT32 || t == HGN_GGUF_INT64;
}

HgnStatus hgnGgufGetU64(const HgnGgufFile *f, const char *key, uint64_t *out) {
    const HgnGgufValue *v;
    HgnStatus st = lookup(f, key, &v);
    if (st) return st;
    if (isUnsigned(v->type))
        *out = v->u;
    else if (isSigned(v->type) && v->i >= 0)
        *out = (uint64_t)v->i;
    else
        return wrongType(f, key, v->type, "a non-negative integer");
    return HGN_OK;
}

HgnStatus hgnGgufGetI64(const HgnGgufFile *f, const char *key, int64_t *out) {
    const HgnGgufValue *v;
    HgnStatus st = lookup(f, key, &v);
    if (st) return st;
    if (isSigned(v->type))
        *out = v->i;
    else if (isUnsigned(v->type) && v->u <= (uint64_t)INT64_MAX)
        *out = (int64_t)v->u;
    else
        return wrongType(f, key, v->type, "an integer");
    return HGN_OK;
}

HgnStatus hgnGgufGetF64(const HgnGgufFile *f, const char *key, double *out) {
    const HgnGgufValue *v;
    HgnStatus st = lookup(f, key, &v);
    if (st) return st;
    if (v->type != HGN_GGUF_FLOAT32 && v->type != HGN_GGUF_FLOAT64) return wrongType(f, key, v->type, "FLOAT32");
    *out = v->f;
    return HGN_OK;
}

HgnStatus hgnGgufGetBool(const HgnGgufFile *f, const char *key, bool *out) {
    const HgnGgufValue *v;
    HgnStatus st = lookup(f, key, &v);
    if (st) return st;
    if (v->type != HGN_GGUF_BOOL) return wrongType(f, key, v->type, "BOOL");
    *out = v->b;
    return HGN_OK;
}

HgnStatus hgnGgufGetString(const HgnGgufFile *f, const char *key, HgnGgufString *out) {
    const HgnGgufValue *v;
    HgnStatus st = lookup(f, key, &v);
    if (st) return st;
    if (v->type != HGN_GGUF_STRING) return wrongType(f, key, v->type, "STRING");
    *out = v->s;
    return HGN_OK;
}
