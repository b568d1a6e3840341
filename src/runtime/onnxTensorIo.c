/* onnxTensorIo.c — tensor files for the ONNX executor: NumPy .npy read and
 * write (little-endian, C order) and serialized ONNX TensorProto write
 * (dims, data_type, name, raw_data; reading is hgnOnnxTensorLoad). Files
 * are written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "huginn/onnxRuntime.h"

static const struct {
    const char *descr;
    HgnDtype t;
} npyTypes[] = {
    {"f4", HGN_DTYPE_F32}, {"f8", HGN_DTYPE_F64}, {"i1", HGN_DTYPE_I8},   {"i2", HGN_DTYPE_I16},
    {"i4", HGN_DTYPE_I32}, {"i8", HGN_DTYPE_I64}, {"u1", HGN_DTYPE_U8},   {"u2", HGN_DTYPE_U16},
    {"u4", HGN_DTYPE_U32}, {"u8", HGN_DTYPE_U64}, {"b1", HGN_DTYPE_BOOL}, {"f2", HGN_DTYPE_F16},
};

static HgnStatus bad(const char *path, const char *what) {
    return hgnStatusNew(HGN_CODE_InvalidInput, path, "write it with numpy.save (C order, little-endian)",
                        "not a valid .npy file: %s", what);
}

static HgnStatus writeAll(const char *path, const HgnBuf *b) {
    HgnAtomicFile f;
    HgnStatus st = hgnAtomicFileOpen(&f, path, "tensor file");
    if (st) return st;
    hgnAtomicFileWriteAt(&f, b->data, b->len, 0);
    return hgnAtomicFileCommit(&f, b->len);
}

HgnStatus hgnNpyLoad(const char *path, HgnOnnxTensor *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(errno == ENOENT ? HGN_CODE_NotFound : HGN_CODE_IoError, path, NULL, "cannot open: %s",
                            strerror(errno));
    HgnBuf b;
    hgnBufInit(&b);
    int err = hgnFileReadStream(f, &b);
    fclose(f);
    if (err || !hgnBufOk(&b)) {
        hgnBufFree(&b);
        return err ? hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read: %s", strerror(err))
                   : hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    }
    const unsigned char *p = (const unsigned char *)b.data;
    HgnStatus st = HGN_OK;
    size_t hl, off;
    if (b.len < 10 || memcmp(p, "\x93NUMPY", 6)) {
        st = bad(path, "no \\x93NUMPY magic");
        goto done;
    }
    if (p[6] == 1) {
        hl = (size_t)p[8] | (size_t)p[9] << 8;
        off = 10;
    } else if (p[6] == 2 || p[6] == 3) {
        if (b.len < 12) {
            st = bad(path, "truncated header");
            goto done;
        }
        hl = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
        off = 12;
    } else {
        st = bad(path, "unknown format version");
        goto done;
    }
    if (hl > b.len - off) {
        st = bad(path, "header longer than the file");
        goto done;
    }
    char hdr[4096];
    if (hl >= sizeof hdr) {
        st = bad(path, "header too long");
        goto done;
    }
    memcpy(hdr, p + off, hl);
    hdr[hl] = 0;
    const char *d = strstr(hdr, "'descr'");
    const char *fo = strstr(hdr, "'fortran_order'");
    const char *sh = strstr(hdr, "'shape'");
    if (!d || !fo || !sh) {
        st = bad(path, "header lacks descr, fortran_order or shape");
        goto done;
    }
    d = strchr(d + 7, '\'');
    if (!d || (d[1] != '<' && d[1] != '|' && d[1] != '=')) {
        st = bad(path, "descr must be little-endian ('<')");
        goto done;
    }
    bool found = false;
    for (size_t i = 0; i < sizeof npyTypes / sizeof npyTypes[0]; i++)
        if (!strncmp(d + 2, npyTypes[i].descr, 2) && d[4] == '\'') {
            out->dtype = npyTypes[i].t;
            found = true;
        }
    if (!found) {
        st = bad(path, "unsupported descr");
        goto done;
    }
    const char *fv = strchr(fo + 15, ':');
    if (!fv || strncmp(fv + 1 + strspn(fv + 1, " "), "False", 5)) {
        st = bad(path, "fortran_order must be False");
        goto done;
    }
    const char *s = strchr(sh + 7, '(');
    const char *e = s ? strchr(s, ')') : NULL;
    if (!s || !e) {
        st = bad(path, "shape is not a tuple");
        goto done;
    }
    out->shape.rank = 0;
    uint64_t n = 1;
    for (const char *q = s + 1; q < e;) {
        q += strspn(q, " ,");
        if (q >= e) break;
        char *end;
        long long v = strtoll(q, &end, 10);
        if (end == q || v < 0 || v > HGN_DIM_MAX || out->shape.rank == HGN_MAX_RANK) {
            st = bad(path, "bad shape entry");
            goto done;
        }
        out->shape.dims[out->shape.rank++] = (HgnDim){v, HGN_DIM_KNOWN};
        n *= (uint64_t)v;
        if (n > (uint64_t)HGN_DIM_MAX) {
            st = bad(path, "shape too large");
            goto done;
        }
        q = end;
    }
    uint64_t bytes = n * hgnDtypeInfo(out->dtype)->bytesPerBlock;
    if (bytes > b.len - off - hl) {
        st = hgnStatusNew(HGN_CODE_TruncatedFile, path, NULL, ".npy holds %zu data bytes, its shape needs %llu",
                          b.len - off - hl, (unsigned long long)bytes);
        goto done;
    }
    out->data = hgnMalloc(bytes ? bytes : 1);
    out->name = hgnStrdup("");
    if (!out->data || !out->name) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
        goto done;
    }
    memcpy(out->data, p + off + hl, bytes);
    out->bytes = bytes;
done:
    hgnBufFree(&b);
    if (st) hgnOnnxTensorFree(out);
    return st;
}

HgnStatus hgnNpySave(const char *path, const HgnOnnxTensor *t) {
    const char *descr = NULL;
    for (size_t i = 0; i < sizeof npyTypes / sizeof npyTypes[0]; i++)
        if (npyTypes[i].t == t->dtype) descr = npyTypes[i].descr;
    if (!descr)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, path, NULL, "dtype %s has no .npy form", hgnDtypeName(t->dtype));
    HgnBuf h;
    hgnBufInit(&h);
    hgnBufAppendf(&h, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                  descr[0] == 'b' || descr[1] == '1' ? '|' : '<', descr);
    for (int i = 0; i < t->shape.rank; i++)
        hgnBufAppendf(&h, "%lld,%s", (long long)t->shape.dims[i].n, i + 1 < t->shape.rank ? " " : "");
    hgnBufAppendStr(&h, "), }");
    while ((10 + h.len + 1) % 64) hgnBufAppendChar(&h, ' ');
    hgnBufAppendChar(&h, '\n');
    HgnBuf b;
    hgnBufInit(&b);
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(h.len & 0xff), (unsigned char)(h.len >> 8)};
    hgnBufAppend(&b, (const char *)pre, 10);
    hgnBufAppend(&b, h.data, h.len);
    if (t->bytes) hgnBufAppend(&b, t->data, t->bytes);
    hgnBufFree(&h);
    HgnStatus st = hgnBufOk(&b) ? writeAll(path, &b) : hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    hgnBufFree(&b);
    return st;
}

static void varint(HgnBuf *b, uint64_t v) {
    while (v >= 0x80) {
        hgnBufAppendChar(b, (char)(v | 0x80));
        v >>= 7;
    }
    hgnBufAppendChar(b, (char)v);
}

HgnStatus hgnOnnxTensorSave(const char *path, const HgnOnnxTensor *t) {
    int32_t onnxType = -1;
    for (int32_t k = 1; k < 32 && onnxType < 0; k++) {
        HgnDtype d;
        if (hgnOnnxDtype(k, &d) && d == t->dtype) onnxType = k;
    }
    if (onnxType < 0)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, path, NULL, "dtype %s has no ONNX form", hgnDtypeName(t->dtype));
    HgnBuf b;
    hgnBufInit(&b);
    for (int i = 0; i < t->shape.rank; i++) {
        varint(&b, 1 << 3 | 0);
        varint(&b, (uint64_t)t->shape.dims[i].n);
    }
    varint(&b, 2 << 3 | 0);
    varint(&b, (uint64_t)onnxType);
    if (t->name && *t->name) {
        varint(&b, 8 << 3 | 2);
        varint(&b, strlen(t->name));
        hgnBufAppendStr(&b, t->name);
    }
    varint(&b, 9 << 3 | 2);
    varint(&b, t->bytes);
    if (t->bytes) hgnBufAppend(&b, t->data, t->bytes);
    HgnStatus st = hgnBufOk(&b) ? writeAll(path, &b) : hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "out of memory");
    hgnBufFree(&b);
    return st;
}
