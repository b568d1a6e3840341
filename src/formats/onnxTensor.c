/* onnxTensor.c — ONNX TensorProto decoding (raw_data, typed fields, external
 * data confined to the model folder), dtype mapping, .pb tensor files, and a
 * wire-level truncation check. */
#include "formats/onnxTensor.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"

static _Thread_local bool pbAllocFailed;

static void *pbAlloc(void *ud, size_t n) {
    (void)ud;
    void *p = hgnMalloc(n ? n : 1);
    if (!p) pbAllocFailed = true;
    return p;
}

bool hgnOnnxAllocFailedReset(void) {
    bool f = pbAllocFailed;
    pbAllocFailed = false;
    return f;
}
static void pbFree(void *ud, void *p) {
    (void)ud;
    hgnFree(p);
}
ProtobufCAllocator hgnOnnxAllocator = {pbAlloc, pbFree, NULL};

bool hgnOnnxDtype(int32_t onnxType, HgnDtype *out) {
    static const HgnDtype map[] = {
        [1] = HGN_DTYPE_F32,  [2] = HGN_DTYPE_U8,    [3] = HGN_DTYPE_I8,       [4] = HGN_DTYPE_U16,
        [5] = HGN_DTYPE_I16,  [6] = HGN_DTYPE_I32,   [7] = HGN_DTYPE_I64,      [8] = HGN_DTYPE_STRING,
        [9] = HGN_DTYPE_BOOL, [10] = HGN_DTYPE_F16,  [11] = HGN_DTYPE_F64,     [12] = HGN_DTYPE_U32,
        [13] = HGN_DTYPE_U64, [16] = HGN_DTYPE_BF16, [17] = HGN_DTYPE_F8_E4M3, [19] = HGN_DTYPE_F8_E5M2,
    };
    if (onnxType <= 0 || onnxType >= (int32_t)(sizeof map / sizeof map[0]) || map[onnxType] == HGN_DTYPE_UNKNOWN)
        return false;
    *out = map[onnxType];
    return true;
}

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory reading ONNX"); }

/* Resolves an external data location inside baseDir; rejects escapes. */
static HgnStatus resolveExternal(const char *baseDir, const char *location, const char *where, HgnArena *arena,
                                 const char **pPath, uint64_t *pFileSize) {
    if (!baseDir)
        return hgnStatusNew(HGN_CODE_PermissionDenied, where, "load the model from a file",
                            "external data '%s' cannot be read for a model loaded from memory", location);
    if (!*location || location[0] == '/' || strstr(location, "..") != NULL)
        return hgnStatusNew(HGN_CODE_PermissionDenied, where,
                            "external data files must lie in the model's folder (relative path, no '..')",
                            "external data location '%s' escapes the model folder", location);
    size_t need = strlen(baseDir) + strlen(location) + 2;
    char *joined = hgnMalloc(need);
    if (!joined) return oom();
    snprintf(joined, need, "%s/%s", baseDir, location);
    char realBase[PATH_MAX], realFile[PATH_MAX];
    if (!realpath(baseDir, realBase) || !realpath(joined, realFile)) {
        HgnStatus st = hgnStatusNew(HGN_CODE_NotFound, where, "keep the external data file beside the model",
                                    "external data file '%s' is missing (%s)", joined, strerror(errno));
        hgnFree(joined);
        return st;
    }
    hgnFree(joined);
    size_t lb = strlen(realBase);
    if (strncmp(realFile, realBase, lb) != 0 || (realFile[lb] != '/' && realBase[lb - 1] != '/'))
        return hgnStatusNew(HGN_CODE_PermissionDenied, where, "external data files must lie in the model's folder",
                            "external data location '%s' resolves outside the model folder (%s)", location, realFile);
    struct stat sb;
    if (stat(realFile, &sb) != 0 || !S_ISREG(sb.st_mode))
        return hgnStatusNew(HGN_CODE_IoError, where, NULL, "external data '%s' is not a regular file", realFile);
    *pPath = hgnArenaStrdup(arena, realFile);
    if (!*pPath) return oom();
    *pFileSize = (uint64_t)sb.st_size;
    return HGN_OK;
}

static bool parseU64(const char *s, uint64_t *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || s[0] == '-') return false;
    *out = v;
    return true;
}

HgnStatus hgnOnnxTensorDecode(const Onnx__TensorProto *t, HgnArena *arena, const char *where, const char *baseDir,
                              OnnxTensorView *out) {
    memset(out, 0, sizeof *out);
    int32_t dt = t->has_data_type ? t->data_type : 0;
    if (!hgnOnnxDtype(dt, &out->dtype))
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, where,
                            "Huginn reads ONNX tensors of numeric, bool and string types",
                            "tensor data type %d is not supported", dt);
    if (t->n_dims > HGN_MAX_RANK)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "tensor has rank %zu (at most %d)", t->n_dims,
                            HGN_MAX_RANK);
    out->shape.rank = (int32_t)t->n_dims;
    int64_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        int64_t d = t->dims[i];
        if (d > HGN_DIM_MAX)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "tensor dim %zu is %lld (at most 2^40)", i,
                                (long long)d);
        if (d < 0)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "tensor dim %zu is negative (%lld)", i,
                                (long long)d);
        if (d && n > (INT64_MAX >> 4) / d)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "tensor size overflows");
        n *= d;
        out->shape.dims[i] = (HgnDim){d, HGN_DIM_KNOWN};
    }
    out->elements = n;
    if (out->dtype == HGN_DTYPE_STRING) {
        if (t->n_string_data != (size_t)n && !(t->n_string_data == 0 && n == 0))
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL,
                                "string tensor has %zu strings for %lld elements", t->n_string_data, (long long)n);
        return HGN_OK;
    }
    uint64_t esz = hgnDtypeInfo(out->dtype)->bytesPerBlock;
    uint64_t want = (uint64_t)n * esz;
    out->bytes = want;
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        const char *location = NULL, *offS = NULL, *lenS = NULL;
        for (size_t i = 0; i < t->n_external_data; i++) {
            const Onnx__StringStringEntryProto *e = t->external_data[i];
            if (!e->key) continue;
            if (strcmp(e->key, "location") == 0) location = e->value;
            if (strcmp(e->key, "offset") == 0) offS = e->value;
            if (strcmp(e->key, "length") == 0) lenS = e->value;
        }
        if (!location)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, "external tensors need a 'location' entry",
                                "external data has no location");
        uint64_t off = 0, len = want, fileSize = 0;
        if (offS && !parseU64(offS, &off))
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "external data offset '%s' is not a number",
                                offS);
        if (lenS && !parseU64(lenS, &len))
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "external data length '%s' is not a number",
                                lenS);
        if (len != want)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL,
                                "external data length %llu does not match the tensor size %llu bytes",
                                (unsigned long long)len, (unsigned long long)want);
        HgnStatus st = resolveExternal(baseDir, location, where, arena, &out->externalPath, &fileSize);
        if (st) return st;
        if (off > fileSize || len > fileSize - off)
            return hgnStatusNew(HGN_CODE_TruncatedFile, where, NULL,
                                "external data '%s' holds %llu bytes; the tensor needs bytes %llu..%llu", location,
                                (unsigned long long)fileSize, (unsigned long long)off, (unsigned long long)(off + len));
        out->externalOffset = off;
        return HGN_OK;
    }
    if (t->has_raw_data) {
        if (t->raw_data.len != want)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, "raw_data must hold dims × element size bytes",
                                "raw_data has %zu bytes, the tensor needs %llu", t->raw_data.len,
                                (unsigned long long)want);
        out->data = want ? t->raw_data.data : NULL;
        return HGN_OK;
    }
    size_t have;
    const void *src = NULL;
    int kind; /* 0 float, 1 int32, 2 int64, 3 double, 4 uint64 */
    switch (out->dtype) {
    case HGN_DTYPE_F32:
        have = t->n_float_data, src = t->float_data, kind = 0;
        break;
    case HGN_DTYPE_F64:
        have = t->n_double_data, src = t->double_data, kind = 3;
        break;
    case HGN_DTYPE_I64:
        have = t->n_int64_data, src = t->int64_data, kind = 2;
        break;
    case HGN_DTYPE_U32:
    case HGN_DTYPE_U64:
        have = t->n_uint64_data, src = t->uint64_data, kind = 4;
        break;
    default:
        have = t->n_int32_data, src = t->int32_data, kind = 1;
        break;
    }
    if (have == 0 && n == 0) return HGN_OK;
    if (have != (size_t)n)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, where, NULL, "tensor holds %zu values for %lld elements", have,
                            (long long)n);
    if ((kind == 0 && esz == 4) || (kind == 2) || (kind == 3) || (kind == 4 && esz == 8)) {
        out->data = src; /* same layout: borrow */
        return HGN_OK;
    }
    if (want > ((uint64_t)1 << 40)) return oom();
    uint8_t *dst = hgnArenaAlloc(arena, (size_t)want);
    if (!dst) return oom();
    for (int64_t i = 0; i < n; i++) {
        uint64_t v = kind == 4 ? ((const uint64_t *)src)[i] : (uint64_t)(uint32_t)((const int32_t *)src)[i];
        memcpy(dst + (size_t)i * esz, &v, (size_t)esz); /* little-endian host: low bytes first */
    }
    out->data = dst;
    return HGN_OK;
}

/* ---- wire check ----------------------------------------------------------------- */
static bool readVarint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= n) return false;
        uint8_t b = p[(*pos)++];
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* 1: p parses as a protobuf message whose nested length-delimited fields
 * (tried as messages too) stay within maxDepth levels; 0: not a message
 * (plain bytes or string); -1: nested too deep. O(n × depth). */
static int scanNested(const uint8_t *p, size_t n, int depth, int maxDepth) {
    if (depth > maxDepth) return -1;
    size_t pos = 0;
    while (pos < n) {
        uint64_t key, len = 0;
        if (!readVarint(p, n, &pos, &key) || (key >> 3) == 0) return 0;
        switch (key & 7) {
        case 0:
            if (!readVarint(p, n, &pos, &len)) return 0;
            break;
        case 1:
        case 5: {
            size_t w = (key & 7) == 1 ? 8 : 4;
            if (n - pos < w) return 0;
            pos += w;
            break;
        }
        case 2: {
            if (!readVarint(p, n, &pos, &len) || len > n - pos) return 0;
            if (scanNested(p + pos, (size_t)len, depth + 1, maxDepth) < 0) return -1;
            pos += (size_t)len;
            break;
        }
        default:
            return 0;
        }
    }
    return 1;
}

#define MAX_NESTING 64

HgnStatus hgnOnnxCheckWire(const uint8_t *p, size_t n, const char *source) {
    if (n == 0) return hgnStatusNew(HGN_CODE_TruncatedFile, source, "the file is empty", "empty ONNX model");
    size_t pos = 0;
    while (pos < n) {
        size_t at = pos;
        uint64_t key, len = 0;
        if (!readVarint(p, n, &pos, &key))
            return hgnStatusNew(HGN_CODE_TruncatedFile, source, "the file is cut short",
                                "protobuf field key at byte %zu runs past the end of the file (%zu bytes)", at, n);
        uint32_t field = (uint32_t)(key >> 3), wire = (uint32_t)(key & 7);
        if (field == 0)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "is this an ONNX model?",
                                "invalid protobuf field number 0 at byte %zu", at);
        switch (wire) {
        case 0:
            if (!readVarint(p, n, &pos, &len))
                return hgnStatusNew(HGN_CODE_TruncatedFile, source, NULL, "varint field %u at byte %zu is cut short",
                                    field, at);
            break;
        case 1:
        case 5: {
            size_t w = wire == 1 ? 8 : 4;
            if (n - pos < w)
                return hgnStatusNew(HGN_CODE_TruncatedFile, source, NULL, "fixed field %u at byte %zu is cut short",
                                    field, at);
            pos += w;
            break;
        }
        case 2:
            if (!readVarint(p, n, &pos, &len) || len > n - pos)
                return hgnStatusNew(HGN_CODE_TruncatedFile, source, "the file is cut short (incomplete download?)",
                                    "protobuf field %u at byte %zu declares %llu bytes but only %zu remain", field, at,
                                    (unsigned long long)len, n - pos);
            if (scanNested(p + pos, (size_t)len, 1, MAX_NESTING) < 0)
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "real models nest far less",
                                    "protobuf field %u at byte %zu nests messages more than %d levels deep", field, at,
                                    MAX_NESTING);
            pos += (size_t)len;
            break;
        default:
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "is this an ONNX model?",
                                "invalid protobuf wire type %u for field %u at byte %zu", wire, field, at);
        }
    }
    return HGN_OK;
}

/* ---- .pb tensor files -------------------------------------------------------------- */
HgnStatus hgnOnnxReadFile(const char *path, uint8_t **pData, size_t *pSize) {
    *pData = NULL;
    *pSize = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path, NULL, "cannot open: %s",
                            strerror(errno));
    HgnStatus st = HGN_OK;
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot size the file: %s", strerror(errno));
    } else if (!(buf = hgnMalloc((size_t)size + 1))) {
        st = oom();
    } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        st = hgnStatusNew(HGN_CODE_IoError, path, NULL, "short read");
    }
    fclose(f);
    if (st) {
        hgnFree(buf);
        return st;
    }
    *pData = buf;
    *pSize = (size_t)size;
    return HGN_OK;
}

HgnStatus hgnOnnxTensorLoad(const char *path, HgnOnnxTensor *out) {
    memset(out, 0, sizeof *out);
    uint8_t *buf;
    size_t size;
    HgnStatus st = hgnOnnxReadFile(path, &buf, &size);
    if (st) return st;
    if (size && (st = hgnOnnxCheckWire(buf, size, path))) {
        hgnFree(buf);
        return st;
    }
    hgnOnnxAllocFailedReset();
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(&hgnOnnxAllocator, size, buf);
    hgnFree(buf);
    if (!t && hgnOnnxAllocFailedReset()) return oom();
    if (!t) return hgnStatusNew(HGN_CODE_ModelFormatInvalid, path, NULL, "not a valid ONNX TensorProto");
    HgnArena arena;
    hgnArenaInit(&arena);
    OnnxTensorView view;
    st = hgnOnnxTensorDecode(t, &arena, path, NULL, &view);
    if (!st) {
        out->name = hgnStrdup(t->name ? t->name : "");
        out->dtype = view.dtype;
        out->shape = view.shape;
        out->bytes = view.data ? view.bytes : 0;
        if (view.data && view.bytes) {
            out->data = hgnMalloc((size_t)view.bytes);
            if (out->data) memcpy(out->data, view.data, (size_t)view.bytes);
        }
        if (!out->name || (view.data && view.bytes && !out->data)) {
            hgnOnnxTensorFree(out);
            st = oom();
        }
    }
    hgnArenaFree(&arena);
    onnx__tensor_proto__free_unpacked(t, &hgnOnnxAllocator);
    return st;
}

void hgnOnnxTensorFree(HgnOnnxTensor *t) {
    if (!t) return;
    hgnFree(t->name);
    hgnFree(t->data);
    memset(t, 0, sizeof *t);
}
