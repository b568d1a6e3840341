/* testGguf.c — GGUF reader and writer: round trips of every metadata type and
 * every ggml tensor type, the exact byte layout, each malformed-input check
 * (code + file + field), truncation and allocation-failure sweeps, and a
 * sparse Mixtral-8x7B-sized file. */
#include "formatsFixtures.h"

#include <math.h>

#include "huginn/gguf.h"

#define MEM "mem.gguf"

/* ---- helpers ------------------------------------------------------------------- */

static void rawHeader(HgnBuf *b, uint32_t version, uint64_t nTensors, uint64_t nKv) {
    hgnBufInit(b);
    hgnBufAppend(b, "GGUF", 4);
    putU32(b, version);
    putU64(b, nTensors);
    putU64(b, nKv);
}

static HgnStatus openBuf(const HgnBuf *b, HgnGgufFile **f) { return hgnGgufOpenMemory(b->data, b->len, MEM, f); }

/* A file with one KV (u32) and one F32 tensor [2,32] at offset 0, padded. */
static void rawOneTensor(HgnBuf *b, const char *name, uint32_t nDims, const uint64_t *ne, uint32_t type,
                         uint64_t offset, size_t dataBytes) {
    rawHeader(b, 3, 1, 1);
    putStr(b, "general.x");
    putU32(b, HGN_GGUF_UINT32);
    putU32(b, 7);
    putStr(b, name);
    putU32(b, nDims);
    for (uint32_t d = 0; d < nDims; d++) putU64(b, ne[d]);
    putU32(b, type);
    putU64(b, offset);
    while (b->len % 32) putU8(b, 0);
    putZeros(b, dataBytes);
}

static void expectOpenFails(const HgnBuf *b, HgnCode code, const char *frag1, const char *frag2) {
    HgnGgufFile *f = NULL;
    HgnStatus st = openBuf(b, &f);
    assert_null(f);
    expectError(st, code, MEM, frag1, frag2);
}

/* ---- round trip ---------------------------------------------------------------- */

static void fillPattern(uint8_t *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 31u + seed * 7u + (i >> 8));
}

static void testRoundTripAllTypes(void **state) {
    (void)state;
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterSetAlignment(w, 64));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    HgnGgufValue v;
    v = (HgnGgufValue){.type = HGN_GGUF_UINT8, .u = 200};
    assertOk(hgnGgufWriterAddKv(w, "t.u8", &v));
    v = (HgnGgufValue){.type = HGN_GGUF_INT8, .i = -100};
    assertOk(hgnGgufWriterAddKv(w, "t.i8", &v));
    v = (HgnGgufValue){.type = HGN_GGUF_UINT16, .u = 65000};
    assertOk(hgnGgufWriterAddKv(w, "t.u16", &v));
    v = (HgnGgufValue){.type = HGN_GGUF_INT16, .i = -32000};
    assertOk(hgnGgufWriterAddKv(w, "t.i16", &v));
    assertOk(hgnGgufWriterAddU32(w, "t.u32", 4000000000u));
    assertOk(hgnGgufWriterAddI32(w, "t.i32", -2000000000));
    assertOk(hgnGgufWriterAddF32(w, "t.f32", 1e-5f));
    assertOk(hgnGgufWriterAddBool(w, "t.bool", true));
    assertOk(hgnGgufWriterAddU64(w, "t.u64", UINT64_MAX - 1));
    v = (HgnGgufValue){.type = HGN_GGUF_INT64, .i = INT64_MIN + 1};
    assertOk(hgnGgufWriterAddKv(w, "t.i64", &v));
    v = (HgnGgufValue){.type = HGN_GGUF_FLOAT64, .f = 3.141592653589793};
    assertOk(hgnGgufWriterAddKv(w, "t.f64", &v));
    const float scores[3] = {-1.5f, 0.0f, 2.25f};
    assertOk(hgnGgufWriterAddArray(w, "t.scores", HGN_GGUF_FLOAT32, scores, 3));
    const int32_t types[4] = {1, 2, 3, 6};
    assertOk(hgnGgufWriterAddArray(w, "t.types", HGN_GGUF_INT32, types, 4));
    const uint8_t bools[2] = {0, 1};
    assertOk(hgnGgufWriterAddArray(w, "t.bools", HGN_GGUF_BOOL, bools, 2));
    const char *toks[3] = {"<s>", "", "h\xc3\xa9llo"};
    assertOk(hgnGgufWriterAddStringArray(w, "t.tokens", toks, 3));
    assertOk(hgnGgufWriterAddArray(w, "t.empty", HGN_GGUF_UINT64, NULL, 0));
    /* nested: [[1,2],[3]] of u16, and [["a"],[]] of strings */
    const uint16_t n1[2] = {1, 2}, n2[1] = {3};
    HgnGgufValue inner[2] = {{.type = HGN_GGUF_ARRAY}, {.type = HGN_GGUF_ARRAY}};
    inner[0].arr.elemType = HGN_GGUF_UINT16, inner[0].arr.count = 2, inner[0].arr.raw = n1;
    inner[1].arr.elemType = HGN_GGUF_UINT16, inner[1].arr.count = 1, inner[1].arr.raw = n2;
    v = (HgnGgufValue){.type = HGN_GGUF_ARRAY};
    v.arr.elemType = HGN_GGUF_ARRAY, v.arr.count = 2, v.arr.items = inner;
    assertOk(hgnGgufWriterAddKv(w, "t.nested", &v));

    /* one tensor of every ggml type */
    uint8_t *blobs[64] = {0};
    int nT = 0;
    HgnDtype dt;
    for (int i = 0; hgnDtypeAt(i, &dt); i++) {
        const HgnDtypeInfo *info = hgnDtypeInfo(dt);
        if (info->ggmlType < 0) continue;
        char name[32];
        snprintf(name, sizeof name, "t%02d.%s", nT, info->name);
        int64_t shape[2] = {3, info->blockSize * 2};
        size_t bytes = (size_t)(3 * 2 * info->bytesPerBlock);
        blobs[nT] = malloc(bytes);
        fillPattern(blobs[nT], bytes, (unsigned)nT);
        assertOk(hgnGgufWriterAddTensor(w, name, dt, 2, shape, blobs[nT]));
        nT++;
    }
    assert_int_equal(nT, 32);
    int64_t scalarShape[1] = {0};
    assertOk(hgnGgufWriterAddTensor(w, "scalar", HGN_DTYPE_F32, 0, scalarShape, "\1\2\3\4"));
    int64_t emptyShape[1] = {0};
    assertOk(hgnGgufWriterAddTensor(w, "empty", HGN_DTYPE_F16, 1, emptyShape, NULL));

    uint8_t *img;
    size_t size;
    assertOk(hgnGgufWriterWriteMemory(w, &img, &size));
    assert_int_equal(size, hgnGgufWriterSize(w));
    char *dir = makeScratchDir("gguf");
    char *path = pathJoin(dir, "rt.gguf");
    assertOk(hgnGgufWriterWriteFile(w, path));

    for (int pass = 0; pass < 2; pass++) {
        HgnGgufFile *f;
        if (pass == 0)
            assertOk(hgnGgufOpenMemory(img, size, MEM, &f));
        else
            assertOk(hgnGgufOpen(path, &f));
        assert_int_equal(hgnGgufFileSize(f), size);
        if (pass == 1)
            assert_memory_equal((const uint8_t *)hgnGgufTensorAt(f, 0)->data - hgnGgufTensorAt(f, 0)->offset, img,
                                size);
        assert_int_equal(hgnGgufVersion(f), 3);
        assert_int_equal(hgnGgufAlignment(f), 64);
        assert_int_equal(hgnGgufDataOffset(f) % 64, 0);
        assert_int_equal(hgnGgufKvCount(f), 19);
        assert_string_equal(hgnGgufKvAt(f, 0)->key, "general.alignment");
        uint64_t u;
        int64_t i64;
        double d;
        bool b;
        HgnGgufString s;
        assertOk(hgnGgufGetU64(f, "t.u8", &u));
        assert_int_equal(u, 200);
        assertOk(hgnGgufGetI64(f, "t.i8", &i64));
        assert_int_equal(i64, -100);
        assertOk(hgnGgufGetU64(f, "t.u16", &u));
        assert_int_equal(u, 65000);
        assertOk(hgnGgufGetI64(f, "t.i16", &i64));
        assert_int_equal(i64, -32000);
        assertOk(hgnGgufGetU64(f, "t.u32", &u));
        assert_int_equal(u, 4000000000u);
        assertOk(hgnGgufGetI64(f, "t.i32", &i64));
        assert_int_equal(i64, -2000000000);
        assertOk(hgnGgufGetF64(f, "t.f32", &d));
        assert_true(d == (double)1e-5f);
        assertOk(hgnGgufGetBool(f, "t.bool", &b));
        assert_true(b);
        assertOk(hgnGgufGetU64(f, "t.u64", &u));
        assert_true(u == UINT64_MAX - 1);
        assertOk(hgnGgufGetI64(f, "t.i64", &i64));
        assert_true(i64 == INT64_MIN + 1);
        assertOk(hgnGgufGetF64(f, "t.f64", &d));
        assert_true(d == 3.141592653589793);
        assertOk(hgnGgufGetString(f, "general.architecture", &s));
        assert_int_equal(s.len, 5);
        assert_memory_equal(s.ptr, "llama", 5);
        HgnGgufValue item;
        const HgnGgufValue *a = hgnGgufFind(f, "t.scores");
        assert_int_equal(a->arr.elemType, HGN_GGUF_FLOAT32);
        assert_int_equal(a->arr.count, 3);
        assert_true(hgnGgufArrayItem(a, 2, &item));
        assert_true(item.f == 2.25);
        assert_false(hgnGgufArrayItem(a, 3, &item));
        a = hgnGgufFind(f, "t.types");
        assert_true(hgnGgufArrayItem(a, 3, &item));
        assert_int_equal(item.i, 6);
        a = hgnGgufFind(f, "t.bools");
        assert_true(hgnGgufArrayItem(a, 1, &item) && item.b);
        a = hgnGgufFind(f, "t.tokens");
        assert_int_equal(a->arr.count, 3);
        assert_true(hgnGgufArrayItem(a, 2, &item));
        assert_int_equal(item.s.len, 6);
        assert_memory_equal(item.s.ptr, "h\xc3\xa9llo", 6);
        assert_true(hgnGgufArrayItem(a, 1, &item));
        assert_int_equal(item.s.len, 0);
        a = hgnGgufFind(f, "t.empty");
        assert_int_equal(a->arr.count, 0);
        assert_int_equal(a->arr.elemType, HGN_GGUF_UINT64);
        a = hgnGgufFind(f, "t.nested");
        assert_int_equal(a->arr.elemType, HGN_GGUF_ARRAY);
        HgnGgufValue sub, leaf;
        assert_true(hgnGgufArrayItem(a, 0, &sub));
        assert_int_equal(sub.arr.count, 2);
        assert_true(hgnGgufArrayItem(&sub, 1, &leaf));
        assert_int_equal(leaf.type, HGN_GGUF_UINT16);
        assert_int_equal(leaf.u, 2);
        assert_true(hgnGgufArrayItem(a, 1, &sub));
        assert_true(hgnGgufArrayItem(&sub, 0, &leaf));
        assert_int_equal(leaf.u, 3);

        assert_int_equal(hgnGgufTensorCount(f), 34);
        for (int k = 0; k < nT; k++) {
            const HgnTensorView *t = hgnGgufTensorAt(f, (size_t)k);
            const HgnDtypeInfo *info = hgnDtypeInfo(t->dtype);
            assert_int_equal(t->nDims, 2);
            assert_int_equal(t->shape[0], 3);
            assert_int_equal(t->shape[1], info->blockSize * 2);
            assert_int_equal(t->nBytes, 6 * info->bytesPerBlock);
            assert_int_equal((t->offset - hgnGgufDataOffset(f)) % 64, 0);
            assert_ptr_equal(hgnGgufTensorFind(f, t->name), t);
            assert_memory_equal(t->data, blobs[k], t->nBytes);
        }
        const HgnTensorView *sc = hgnGgufTensorFind(f, "scalar");
        assert_int_equal(sc->nDims, 0);
        assert_int_equal(sc->nElements, 1);
        assert_memory_equal(sc->data, "\1\2\3\4", 4);
        assert_int_equal(hgnGgufTensorFind(f, "empty")->nBytes, 0);
        assert_null(hgnGgufTensorFind(f, "nope"));
        hgnGgufClose(f);
    }
    for (int k = 0; k < nT; k++) free(blobs[k]);
    hgnFree(img);
    hgnGgufWriterFree(w);
    removeTree(dir);
    free(path);
    free(dir);
}

/* The exact bytes of a tiny file, written by hand from the spec. */
static void testExactLayout(void **state) {
    (void)state;
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    int64_t shape[2] = {2, 32}; /* row-major: 2 rows of 32 */
    uint8_t q[2 * 34];
    fillPattern(q, sizeof q, 5);
    assertOk(hgnGgufWriterAddTensor(w, "a", HGN_DTYPE_Q8_0, 2, shape, q));
    int64_t s1[1] = {3};
    const float ones[3] = {1, 1, 1};
    assertOk(hgnGgufWriterAddTensor(w, "b", HGN_DTYPE_F32, 1, s1, ones));
    uint8_t *img;
    size_t size;
    assertOk(hgnGgufWriterWriteMemory(w, &img, &size));

    HgnBuf e;
    rawHeader(&e, 3, 2, 1);
    putStr(&e, "general.architecture");
    putU32(&e, 8);
    putStr(&e, "llama");
    putStr(&e, "a");
    putU32(&e, 2);
    putU64(&e, 32); /* ne[0]: contiguous dimension first */
    putU64(&e, 2);
    putU32(&e, 8); /* Q8_0 */
    putU64(&e, 0);
    putStr(&e, "b");
    putU32(&e, 1);
    putU64(&e, 3);
    putU32(&e, 0);
    putU64(&e, 96); /* 68 bytes padded to 32 */
    while (e.len % 32) putU8(&e, 0);
    hgnBufAppend(&e, (const char *)q, sizeof q);
    putZeros(&e, 96 - sizeof q);
    hgnBufAppend(&e, (const char *)ones, sizeof ones);
    putZeros(&e, 32 - sizeof ones);
    assert_int_equal(size, e.len);
    assert_memory_equal(img, e.data, size);
    hgnBufFree(&e);
    hgnFree(img);
    hgnGgufWriterFree(w);
}

static void testVersion2Accepted(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 2, 0, 1);
    putStr(&b, "general.name");
    putU32(&b, HGN_GGUF_STRING);
    putStr(&b, "v2");
    HgnGgufFile *f;
    assertOk(openBuf(&b, &f));
    assert_int_equal(hgnGgufVersion(f), 2);
    assert_int_equal(hgnGgufTensorCount(f), 0);
    hgnGgufClose(f);
    hgnBufFree(&b);
}

/* ---- malformed headers ---------------------------------------------------------------- */

static void testBadMagicAndVersion(void **state) {
    (void)state;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppend(&b, "GG", 2);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 0", "magic");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 0);
    b.data[0] = 'X';
    expectOpenFails(&b, HGN_CODE_BadMagic, "offset 0", "magic");
    hgnBufFree(&b);

    rawHeader(&b, 1, 0, 0);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 4", "version 1 is not supported");
    hgnBufFree(&b);
    rawHeader(&b, 4, 0, 0);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 4", "version 4");
    hgnBufFree(&b);
    rawHeader(&b, 0x03000000u, 0, 0);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 4", "big-endian");
    hgnBufFree(&b);

    hgnBufInit(&b);
    hgnBufAppend(&b, "GGUF\3\0\0\0\0\0", 10);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 8", "tensor_count");
    hgnBufFree(&b);
}

static void testCountsVsFileSize(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 0, 1000);
    putZeros(&b, 100);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 16", "metadata_kv_count 1000");
    hgnBufFree(&b);
    rawHeader(&b, 3, 5, 0);
    putZeros(&b, 100);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 8", "tensor_count 5");
    hgnBufFree(&b);
    rawHeader(&b, 3, UINT64_MAX, UINT64_MAX);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 16", "metadata_kv_count");
    hgnBufFree(&b);
}

static void testStringLengths(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 0, 1);
    putU64(&b, 1000); /* key length past the end */
    hgnBufAppendStr(&b, "general.name0123");
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 24", "metadata key: string length 1000");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "general.name");
    putU32(&b, HGN_GGUF_STRING);
    putU64(&b, UINT64_MAX);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 48", "string value: string length");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putU64(&b, 70000);
    for (int k = 0; k < 70000; k++) putU8(&b, 'k');
    putU32(&b, HGN_GGUF_UINT8);
    putU8(&b, 1);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 24",
                    "metadata key of 70000 bytes is longer than the 65535");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putU64(&b, 5);
    hgnBufAppend(&b, "ab\0cd", 5);
    putU32(&b, HGN_GGUF_UINT8);
    putU8(&b, 1);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 24", "metadata key contains a NUL");
    hgnBufFree(&b);
}

static void testValueChecks(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.type");
    putU32(&b, 13);
    putZeros(&b, 8);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'k.type'", "value type 13");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.bool");
    putU32(&b, HGN_GGUF_BOOL);
    putU8(&b, 2);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'k.bool'", "BOOL value is 2");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.u32");
    putU32(&b, HGN_GGUF_UINT32);
    putU8(&b, 2);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "offset 41", "UINT32 needs 4 bytes");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.arr");
    putU32(&b, HGN_GGUF_ARRAY);
    putU32(&b, 42);
    putU64(&b, 1);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'k.arr'", "element type 42");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.arr");
    putU32(&b, HGN_GGUF_ARRAY);
    putU32(&b, HGN_GGUF_UINT64);
    putU64(&b, UINT64_MAX / 4);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "key 'k.arr'", "array of");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.strs");
    putU32(&b, HGN_GGUF_ARRAY);
    putU32(&b, HGN_GGUF_STRING);
    putU64(&b, 1u << 30);
    putZeros(&b, 64);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "key 'k.strs'", "cannot fit");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.bools");
    putU32(&b, HGN_GGUF_ARRAY);
    putU32(&b, HGN_GGUF_BOOL);
    putU64(&b, 3);
    putU8(&b, 1), putU8(&b, 0), putU8(&b, 7);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'k.bools'", "element 2 is 7");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 1);
    putStr(&b, "k.deep");
    putU32(&b, HGN_GGUF_ARRAY);
    for (int d = 0; d < 20; d++) {
        putU32(&b, HGN_GGUF_ARRAY);
        putU64(&b, 1);
    }
    putZeros(&b, 16);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'k.deep'", "nested deeper than 16");
    hgnBufFree(&b);

    rawHeader(&b, 3, 0, 2);
    for (int k = 0; k < 2; k++) {
        putStr(&b, "k.dup");
        putU32(&b, HGN_GGUF_UINT8);
        putU8(&b, 1);
    }
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 42", "duplicate metadata key 'k.dup'");
    hgnBufFree(&b);
}

static void testAlignmentKey(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 0, 1);
    putStr(&b, "general.alignment");
    putU32(&b, HGN_GGUF_UINT64);
    putU64(&b, 32);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'general.alignment'", "type UINT64, expected UINT32");
    hgnBufFree(&b);
    rawHeader(&b, 3, 0, 1);
    putStr(&b, "general.alignment");
    putU32(&b, HGN_GGUF_UINT32);
    putU32(&b, 48);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'general.alignment'", "48, expected a power of two");
    hgnBufFree(&b);
    rawHeader(&b, 3, 0, 1);
    putStr(&b, "general.alignment");
    putU32(&b, HGN_GGUF_UINT32);
    putU32(&b, 0);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "key 'general.alignment'", "is 0");
    hgnBufFree(&b);
}

static void testTensorInfoChecks(void **state) {
    (void)state;
    HgnBuf b;
    uint64_t ne[5] = {32, 2, 1, 1, 1};
    rawOneTensor(&b, "w", 2, ne, 0, 0, 256);
    HgnGgufFile *f;
    assertOk(openBuf(&b, &f)); /* the baseline is valid */
    assert_int_equal(hgnGgufTensorAt(f, 0)->shape[0], 2);
    assert_int_equal(hgnGgufTensorAt(f, 0)->shape[1], 32);
    hgnGgufClose(f);
    hgnBufFree(&b);

    rawOneTensor(&b, "0123456789012345678901234567890123456789012345678901234567890123", 2, ne, 0, 0, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "offset 49", "tensor name of 64 bytes");
    hgnBufFree(&b);

    rawOneTensor(&b, "w5", 5, ne, 0, 0, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'w5'", "n_dims is 5");
    hgnBufFree(&b);

    uint64_t huge[2] = {32, (uint64_t)1 << 63};
    rawOneTensor(&b, "wbig", 2, huge, 0, 0, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'wbig'", "dimension 1 is 9223372036854775808");
    hgnBufFree(&b);

    uint64_t over[3] = {1u << 22, 1u << 22, 1u << 22};
    rawOneTensor(&b, "wover", 3, over, 0, 0, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'wover'", "product of its dimensions overflows");
    hgnBufFree(&b);

    uint64_t bytesOver[2] = {(uint64_t)1 << 61, 2}; /* elements fit, 4-byte bytes do not */
    rawOneTensor(&b, "wbytes", 2, bytesOver, 0, 0, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'wbytes'", "byte size overflows");
    hgnBufFree(&b);

    const uint32_t badTypes[] = {4, 5, 31, 33, 36, 38, 40, 1000};
    for (size_t k = 0; k < sizeof badTypes / sizeof *badTypes; k++) {
        rawOneTensor(&b, "wtype", 2, ne, badTypes[k], 0, 256);
        char frag[64];
        snprintf(frag, sizeof frag, "ggml type id %u", badTypes[k]);
        expectOpenFails(&b, HGN_CODE_UnsupportedDtype, "tensor 'wtype'", frag);
        hgnBufFree(&b);
    }

    rawOneTensor(&b, "wscalar", 0, ne, (uint32_t)hgnDtypeInfo(HGN_DTYPE_Q8_0)->ggmlType, 0, 64);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'wscalar'", "a scalar cannot have the block type q8_0");
    hgnBufFree(&b);

    uint64_t odd[2] = {48, 2};
    rawOneTensor(&b, "wq", 2, odd, (uint32_t)hgnDtypeInfo(HGN_DTYPE_Q4_K)->ggmlType, 0, 512);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'wq'",
                    "ne[0] = 48 is not a multiple of the q4_K block size 256");
    hgnBufFree(&b);

    rawOneTensor(&b, "woff", 2, ne, 0, 16, 256);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'woff'",
                    "offset 16 is not a multiple of the alignment 32");
    hgnBufFree(&b);

    rawOneTensor(&b, "wend", 2, ne, 0, 0, 255);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "tensor 'wend'", "ends past the end of the file");
    hgnBufFree(&b);

    rawOneTensor(&b, "wfar", 2, ne, 0, UINT64_MAX - 31, 256);
    expectOpenFails(&b, HGN_CODE_TruncatedFile, "tensor 'wfar'", "ends past the end");
    hgnBufFree(&b);
}

static void testOverlapAndDuplicates(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 2, 0);
    putStr(&b, "a");
    putU32(&b, 1);
    putU64(&b, 64); /* 256 bytes of F32 */
    putU32(&b, 0);
    putU64(&b, 0);
    putStr(&b, "b");
    putU32(&b, 1);
    putU64(&b, 8);
    putU32(&b, 0);
    putU64(&b, 128); /* inside a */
    while (b.len % 32) putU8(&b, 0);
    putZeros(&b, 512);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "tensor 'b' [128, 160) overlaps tensor 'a' [0, 256)", MEM);
    hgnBufFree(&b);

    rawHeader(&b, 3, 2, 0);
    for (int k = 0; k < 2; k++) {
        putStr(&b, "same");
        putU32(&b, 1);
        putU64(&b, 8);
        putU32(&b, 0);
        putU64(&b, (uint64_t)k * 32);
    }
    while (b.len % 32) putU8(&b, 0);
    putZeros(&b, 64);
    expectOpenFails(&b, HGN_CODE_ModelFormatInvalid, "duplicate tensor name 'same'", MEM);
    hgnBufFree(&b);
}

static void testGetters(void **state) {
    (void)state;
    HgnBuf b;
    rawHeader(&b, 3, 0, 2);
    putStr(&b, "a.neg");
    putU32(&b, HGN_GGUF_INT32);
    putU32(&b, (uint32_t)-5);
    putStr(&b, "a.s");
    putU32(&b, HGN_GGUF_STRING);
    putStr(&b, "x");
    HgnGgufFile *f;
    assertOk(openBuf(&b, &f));
    uint64_t u;
    double d;
    bool bo;
    HgnGgufString s;
    int64_t i;
    expectError(hgnGgufGetU64(f, "a.neg", &u), HGN_CODE_ModelFormatInvalid, MEM, "key 'a.neg'", "INT32");
    expectError(hgnGgufGetU64(f, "missing.key", &u), HGN_CODE_NotFound, MEM, "missing.key");
    expectError(hgnGgufGetF64(f, "a.s", &d), HGN_CODE_ModelFormatInvalid, "a.s", "STRING, expected FLOAT32");
    expectError(hgnGgufGetBool(f, "a.s", &bo), HGN_CODE_ModelFormatInvalid, "a.s", "expected BOOL");
    expectError(hgnGgufGetString(f, "a.neg", &s), HGN_CODE_ModelFormatInvalid, "a.neg", "expected STRING");
    assertOk(hgnGgufGetI64(f, "a.neg", &i));
    assert_int_equal(i, -5);
    hgnGgufClose(f);
    hgnBufFree(&b);
    HgnGgufFile *g = (HgnGgufFile *)1;
    expectError(hgnGgufOpen("/nonexistent/dir/x.gguf", &g), HGN_CODE_NotFound, "/nonexistent/dir/x.gguf");
    assert_null(g);
}

static void testWriterRejects(void **state) {
    (void)state;
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    int64_t shape[2] = {2, 33};
    expectError(hgnGgufWriterAddTensor(w, "q", HGN_DTYPE_Q4_0, 2, shape, NULL), HGN_CODE_InvalidArgument, "q4_0");
    shape[1] = 32;
    expectError(hgnGgufWriterAddTensor(w, "f8", HGN_DTYPE_F8_E4M3, 2, shape, NULL), HGN_CODE_UnsupportedDtype,
                "f8_e4m3");
    int64_t s5[5] = {1, 1, 1, 1, 1};
    expectError(hgnGgufWriterAddTensor(w, "d5", HGN_DTYPE_F32, 5, s5, NULL), HGN_CODE_InvalidArgument, "0..4");
    assertOk(hgnGgufWriterAddU32(w, "k", 1));
    expectError(hgnGgufWriterAddU32(w, "k", 2), HGN_CODE_InvalidArgument, "already set");
    expectError(hgnGgufWriterSetAlignment(w, 24), HGN_CODE_InvalidArgument, "power of two");
    assertOk(hgnGgufWriterAddTensor(w, "ok", HGN_DTYPE_F32, 2, shape, NULL));
    expectError(hgnGgufWriterAddTensor(w, "ok", HGN_DTYPE_F32, 2, shape, NULL), HGN_CODE_InvalidArgument,
                "already added");
    expectError(hgnGgufWriterSetAlignment(w, 64), HGN_CODE_InvalidArgument, "before adding tensors");
    hgnGgufWriterFree(w);
}

/* ---- sweeps -------------------------------------------------------------------------- */

static void buildSmall(uint8_t **img, size_t *size) {
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    const char *toks[3] = {"a", "bb", "ccc"};
    assertOk(hgnGgufWriterAddStringArray(w, "tokenizer.ggml.tokens", toks, 3));
    const float sc[3] = {1, 2, 3};
    assertOk(hgnGgufWriterAddArray(w, "tokenizer.ggml.scores", HGN_GGUF_FLOAT32, sc, 3));
    int64_t shape[2] = {2, 256};
    uint8_t data[2 * 144];
    fillPattern(data, sizeof data, 1);
    assertOk(hgnGgufWriterAddTensor(w, "blk.0.attn_q.weight", HGN_DTYPE_Q4_K, 2, shape, data));
    assertOk(hgnGgufWriterAddTensor(w, "blk.0.attn_k.weight", HGN_DTYPE_Q4_K, 2, shape, data));
    assertOk(hgnGgufWriterWriteMemory(w, img, size));
    hgnGgufWriterFree(w);
}

static void testTruncationSweep(void **state) {
    (void)state;
    uint8_t *img;
    size_t size;
    buildSmall(&img, &size);
    /* every strict prefix fails cleanly (the last tensor ends exactly at the end) */
    for (size_t n = 0; n < size; n++) {
        HgnGgufFile *f = NULL;
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, img, n);
        HgnStatus st = hgnGgufOpenMemory(copy, n, MEM, &f);
        assert_non_null(st);
        assert_null(f);
        HgnCode c = hgnStatusCode(st);
        assert_true(c == HGN_CODE_TruncatedFile || (n < 4 && c == HGN_CODE_TruncatedFile));
        hgnStatusFree(st);
        free(copy);
    }
    hgnFree(img);
}

static void testAllocFailureSweep(void **state) {
    (void)state;
    uint8_t *img;
    size_t size;
    buildSmall(&img, &size);
    for (uint64_t n = 1; n < 200; n++) {
        HgnGgufFile *f = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnGgufOpenMemory(img, size, MEM, &f);
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            assert_null(f);
            hgnStatusFree(st);
        } else {
            assert_int_equal(hgnGgufTensorCount(f), 2);
            hgnGgufClose(f);
        }
    }
    hgnFree(img);
}

static void testWriterAllocFailureSweep(void **state) {
    (void)state;
    int fails = 0;
    for (uint64_t n = 1; n < 60; n++) {
        HgnGgufWriter *w = NULL;
        uint8_t *img = NULL;
        size_t size;
        int64_t shape[2] = {2, 32};
        const char *toks[2] = {"a", "b"};
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnGgufWriterCreate(&w);
        if (!st) st = hgnGgufWriterSetAlignment(w, 64);
        if (!st) st = hgnGgufWriterAddString(w, "general.architecture", "llama");
        if (!st) st = hgnGgufWriterAddStringArray(w, "tokenizer.ggml.tokens", toks, 2);
        if (!st) st = hgnGgufWriterAddTensor(w, "a", HGN_DTYPE_Q8_0, 2, shape, NULL);
        if (!st) st = hgnGgufWriterWriteMemory(w, &img, &size);
        hgnAllocFailAt(0, 0);
        if (st) {
            fails++;
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        } else {
            HgnGgufFile *f;
            assertOk(hgnGgufOpenMemory(img, size, MEM, &f));
            assert_int_equal(hgnGgufTensorCount(f), 1);
            hgnGgufClose(f);
        }
        hgnFree(img);
        hgnGgufWriterFree(w);
    }
    assert_true(fails >= 5);
}

/* ---- real scale: Mixtral-8x7B Q4_K layout in a sparse file ----------------------------- */

static void testMixtralSparse(void **state) {
    (void)state;
    const int64_t nLayers = 32, nExperts = 8, d = 4096, ff = 14336, vocab = 32000, kv = 1024;
    HgnGgufWriter *w;
    assertOk(hgnGgufWriterCreate(&w));
    assertOk(hgnGgufWriterAddString(w, "general.architecture", "llama"));
    assertOk(hgnGgufWriterAddString(w, "general.name", "Mixtral-8x7B-Instruct-v0.1"));
    assertOk(hgnGgufWriterAddU32(w, "llama.context_length", 32768));
    assertOk(hgnGgufWriterAddU32(w, "llama.embedding_length", (uint32_t)d));
    assertOk(hgnGgufWriterAddU32(w, "llama.block_count", (uint32_t)nLayers));
    assertOk(hgnGgufWriterAddU32(w, "llama.feed_forward_length", (uint32_t)ff));
    assertOk(hgnGgufWriterAddU32(w, "llama.rope.dimension_count", 128));
    assertOk(hgnGgufWriterAddU32(w, "llama.attention.head_count", 32));
    assertOk(hgnGgufWriterAddU32(w, "llama.attention.head_count_kv", 8));
    assertOk(hgnGgufWriterAddU32(w, "llama.expert_count", (uint32_t)nExperts));
    assertOk(hgnGgufWriterAddU32(w, "llama.expert_used_count", 2));
    assertOk(hgnGgufWriterAddF32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f));
    assertOk(hgnGgufWriterAddF32(w, "llama.rope.freq_base", 1e6f));
    assertOk(hgnGgufWriterAddU32(w, "general.file_type", 15));
    assertOk(hgnGgufWriterAddU32(w, "general.quantization_version", 2));
    uint64_t expectBytes = 0;
#define ADD(nm, dt, nd, ...)                                                                                           \
    do {                                                                                                               \
        int64_t sh_[] = {__VA_ARGS__};                                                                                 \
        assertOk(hgnGgufWriterAddTensor(w, nm, dt, nd, sh_, NULL));                                                    \
        int64_t n_ = 1;                                                                                                \
        for (int k_ = 0; k_ < nd; k_++) n_ *= sh_[k_];                                                                 \
        uint64_t b_;                                                                                                   \
        assert_true(hgnDtypeTryBytes(dt, n_, &b_));                                                                    \
        expectBytes += b_;                                                                                             \
    } while (0)
    ADD("token_embd.weight", HGN_DTYPE_Q4_K, 2, vocab, d);
    char nm[64];
    for (int64_t l = 0; l < nLayers; l++) {
        snprintf(nm, sizeof nm, "blk.%lld.attn_norm.weight", (long long)l);
        ADD(nm, HGN_DTYPE_F32, 1, d);
        snprintf(nm, sizeof nm, "blk.%lld.attn_q.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q4_K, 2, d, d);
        snprintf(nm, sizeof nm, "blk.%lld.attn_k.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q4_K, 2, kv, d);
        snprintf(nm, sizeof nm, "blk.%lld.attn_v.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q6_K, 2, kv, d);
        snprintf(nm, sizeof nm, "blk.%lld.attn_output.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q4_K, 2, d, d);
        snprintf(nm, sizeof nm, "blk.%lld.ffn_norm.weight", (long long)l);
        ADD(nm, HGN_DTYPE_F32, 1, d);
        snprintf(nm, sizeof nm, "blk.%lld.ffn_gate_inp.weight", (long long)l);
        ADD(nm, HGN_DTYPE_F32, 2, nExperts, d);
        snprintf(nm, sizeof nm, "blk.%lld.ffn_gate_exps.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q4_K, 3, nExperts, ff, d);
        snprintf(nm, sizeof nm, "blk.%lld.ffn_down_exps.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q6_K, 3, nExperts, d, ff);
        snprintf(nm, sizeof nm, "blk.%lld.ffn_up_exps.weight", (long long)l);
        ADD(nm, HGN_DTYPE_Q4_K, 3, nExperts, ff, d);
    }
    ADD("output_norm.weight", HGN_DTYPE_F32, 1, d);
    ADD("output.weight", HGN_DTYPE_Q6_K, 2, vocab, d);
#undef ADD
    char *dir = makeScratchDir("mixtral");
    char *path = pathJoin(dir, "mixtral-8x7b-q4_k_m.gguf");
    assertOk(hgnGgufWriterWriteFile(w, path));
    uint64_t fileSize = hgnGgufWriterSize(w);
    hgnGgufWriterFree(w);

    HgnGgufFile *f;
    assertOk(hgnGgufOpen(path, &f));
    assert_int_equal(hgnGgufTensorCount(f), 3 + 32 * 10);
    assert_int_equal(hgnGgufFileSize(f), fileSize);
    uint64_t total = 0;
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) total += hgnGgufTensorAt(f, i)->nBytes;
    assert_int_equal(total, expectBytes);
    assert_true(total > 24ull * 1000 * 1000 * 1000 && total < 32ull * 1000 * 1000 * 1000);
    const HgnTensorView *t = hgnGgufTensorFind(f, "blk.31.ffn_down_exps.weight");
    assert_non_null(t);
    assert_int_equal(t->nDims, 3);
    assert_int_equal(t->shape[0], 8);
    assert_int_equal(t->shape[1], 4096);
    assert_int_equal(t->shape[2], 14336);
    assert_int_equal(t->dtype, HGN_DTYPE_Q6_K);
    assert_int_equal(t->nBytes, 8ull * 4096 * 14336 / 256 * 210);
    uint64_t experts;
    assertOk(hgnGgufGetU64(f, "llama.expert_count", &experts));
    assert_int_equal(experts, 8);
    const uint8_t *last = (const uint8_t *)t->data + t->nBytes - 1;
    assert_int_equal(*last, 0); /* reading a hole maps a zero page */
    hgnGgufClose(f);
    removeTree(dir);
    free(path);
    free(dir);
}

/* The seed corpus is written by tests/fuzz/makeFormatsCorpus.py (Python's
 * struct module), an independent GGUF writer: its valid files must open. */
static void testPythonWrittenSeeds(void **state) {
    (void)state;
    static const struct {
        const char *file;
        size_t nKv, nTensors;
        uint32_t version, alignment;
    } ok[] = {{"valid-v3", 15, 4, 3, 32},
              {"valid-v2", 3, 2, 2, 32},
              {"align64", 3, 4, 3, 64},
              {"empty", 0, 0, 3, 32},
              {"all-types", 0, 28, 3, 32}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/tests/fuzz/corpus/fuzzGguf/%s", HGN_SOURCE_DIR, ok[i].file) < 0) abort();
        HgnGgufFile *f;
        assertOk(hgnGgufOpen(p, &f));
        assert_int_equal(hgnGgufKvCount(f), ok[i].nKv);
        assert_int_equal(hgnGgufTensorCount(f), ok[i].nTensors);
        assert_int_equal(hgnGgufVersion(f), ok[i].version);
        assert_int_equal(hgnGgufAlignment(f), ok[i].alignment);
        for (size_t k = 0; k < hgnGgufTensorCount(f); k++) {
            const HgnTensorView *t = hgnGgufTensorAt(f, k);
            if (t->nBytes > 1) assert_int_equal(((const uint8_t *)t->data)[1], 7);
        }
        hgnGgufClose(f);
        free(p);
    }
    char *p = NULL;
    if (asprintf(&p, "%s/tests/fuzz/corpus/fuzzGguf/bad-type", HGN_SOURCE_DIR) < 0) abort();
    HgnGgufFile *f;
    expectError(hgnGgufOpen(p, &f), HGN_CODE_UnsupportedDtype, p, "tensor 'x'", "ggml type id 31");
    free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRoundTripAllTypes),
        cmocka_unit_test(testExactLayout),
        cmocka_unit_test(testVersion2Accepted),
        cmocka_unit_test(testBadMagicAndVersion),
        cmocka_unit_test(testCountsVsFileSize),
        cmocka_unit_test(testStringLengths),
        cmocka_unit_test(testValueChecks),
        cmocka_unit_test(testAlignmentKey),
        cmocka_unit_test(testTensorInfoChecks),
        cmocka_unit_test(testOverlapAndDuplicates),
        cmocka_unit_test(testGetters),
        cmocka_unit_test(testWriterRejects),
        cmocka_unit_test(testTruncationSweep),
        cmocka_unit_test(testAllocFailureSweep),
        cmocka_unit_test(testWriterAllocFailureSweep),
        cmocka_unit_test(testMixtralSparse),
        cmocka_unit_test(testPythonWrittenSeeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
