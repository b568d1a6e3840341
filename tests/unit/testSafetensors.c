/* testSafetensors.c — safetensors reader and writer: round trip of every
 * dtype, the reference header layout, each malformed-header check (code +
 * file + field), sharded checkpoints and their failure modes, sweeps, and a
 * sparse Llama-3.1-8B sharded checkpoint. */
#include "formatsFixtures.h"

#include "fixtures/llamaCheckpoint.h"
#include "huginn/safetensors.h"

#define MEM "mem.safetensors"

static void rawSt(HgnBuf *b, const char *json, size_t dataBytes) {
    hgnBufInit(b);
    putU64(b, strlen(json));
    hgnBufAppendStr(b, json);
    putZeros(b, dataBytes);
}

static void expectFails(const char *json, size_t dataBytes, HgnCode code, const char *frag1, const char *frag2) {
    HgnBuf b;
    rawSt(&b, json, dataBytes);
    HgnSafetensors *s = NULL;
    HgnStatus st = hgnSafetensorsOpenMemory(b.data, b.len, MEM, &s);
    assert_null(s);
    expectError(st, code, MEM, frag1, frag2);
    hgnBufFree(&b);
}

static void fillPattern(uint8_t *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 13u + seed * 5u);
}

/* ---- round trip ------------------------------------------------------------------ */

static void testRoundTripAllDtypes(void **state) {
    (void)state;
    HgnSafetensorsWriter *w;
    assertOk(hgnSafetensorsWriterCreate(&w));
    assertOk(hgnSafetensorsWriterAddMetadata(w, "format", "pt"));
    assertOk(hgnSafetensorsWriterAddMetadata(w, "note", "quote \" and \\ and \xc3\xa9"));
    uint8_t *blobs[32];
    const char *names[32];
    int nT = 0;
    HgnDtype dt;
    for (int i = 0; hgnDtypeAt(i, &dt); i++) {
        const HgnDtypeInfo *info = hgnDtypeInfo(dt);
        if (!info->safetensorsName) continue;
        int64_t shape[3] = {2, 3, info->blockSize * 4};
        size_t bytes = (size_t)(2 * 3 * 4 * info->bytesPerBlock);
        blobs[nT] = malloc(bytes);
        fillPattern(blobs[nT], bytes, (unsigned)nT);
        names[nT] = info->safetensorsName;
        char name[64];
        snprintf(name, sizeof name, "w.%s", info->safetensorsName);
        assertOk(hgnSafetensorsWriterAddTensor(w, name, dt, 3, shape, blobs[nT]));
        nT++;
    }
    assert_int_equal(nT, 20);
    assertOk(hgnSafetensorsWriterAddTensor(w, "scalar", HGN_DTYPE_F32, 0, NULL, "\1\2\3\4"));
    int64_t zero[2] = {0, 5};
    assertOk(hgnSafetensorsWriterAddTensor(w, "empty", HGN_DTYPE_F16, 2, zero, NULL));
    uint8_t *img;
    size_t size;
    assertOk(hgnSafetensorsWriterWriteMemory(w, &img, &size));
    char *dir = makeScratchDir("st");
    char *path = pathJoin(dir, "model.safetensors");
    assertOk(hgnSafetensorsWriterWriteFile(w, path));
    hgnSafetensorsWriterFree(w);

    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)img[k] << (8 * k);
    assert_int_equal(n % 8, 0);
    assert_int_equal(img[8], '{');
    assert_true(memcmp(img + 8, "{\"__metadata__\":{\"format\":\"pt\",\"note\":", 38) == 0);
    size_t j = 8 + n - 1;
    while (img[j] == ' ') j--;
    assert_int_equal(img[j], '}');

    for (int pass = 0; pass < 2; pass++) {
        HgnSafetensors *s;
        if (pass == 0)
            assertOk(hgnSafetensorsOpenMemory(img, size, MEM, &s));
        else
            assertOk(hgnSafetensorsOpen(path, &s));
        assert_int_equal(hgnSafetensorsFileCount(s), 1);
        assert_int_equal(hgnSafetensorsHeaderSize(s, 0), n);
        assert_int_equal(hgnSafetensorsTensorCount(s), (size_t)nT + 2);
        assert_string_equal(hgnSafetensorsMetadataGet(s, 0, "format"), "pt");
        assert_string_equal(hgnSafetensorsMetadataGet(s, 0, "note"), "quote \" and \\ and \xc3\xa9");
        assert_int_equal(hgnSafetensorsMetadataCount(s, 0), 2);
        const char *k, *v;
        assert_true(hgnSafetensorsMetadataAt(s, 0, 1, &k, &v));
        assert_string_equal(k, "note");
        assert_false(hgnSafetensorsMetadataAt(s, 0, 2, &k, &v));
        assert_null(hgnSafetensorsMetadataGet(s, 0, "absent"));
        /* data order: descending dtype alignment, then name; contiguous */
        uint64_t expect = 8 + n;
        int64_t lastAlign = 1000;
        for (size_t i = 0; i < hgnSafetensorsTensorCount(s); i++) {
            const HgnTensorView *t = hgnSafetensorsTensorAt(s, i);
            assert_int_equal(t->offset, expect);
            expect += t->nBytes;
            const HgnDtypeInfo *info = hgnDtypeInfo(t->dtype);
            int64_t al = info->blockSize == 1 ? info->bytesPerBlock : 1;
            assert_true(al <= lastAlign);
            if (i > 0 && al == lastAlign) assert_true(strcmp(hgnSafetensorsTensorAt(s, i - 1)->name, t->name) < 0);
            lastAlign = al;
        }
        assert_int_equal(expect, size);
        for (int t = 0; t < nT; t++) {
            char name[64];
            snprintf(name, sizeof name, "w.%s", names[t]);
            const HgnTensorView *tv = hgnSafetensorsTensorFind(s, name);
            assert_non_null(tv);
            assert_string_equal(hgnDtypeInfo(tv->dtype)->safetensorsName, names[t]);
            assert_int_equal(tv->nDims, 3);
            assert_int_equal(tv->shape[2], hgnDtypeInfo(tv->dtype)->blockSize * 4);
            assert_memory_equal(tv->data, blobs[t], tv->nBytes);
        }
        const HgnTensorView *sc = hgnSafetensorsTensorFind(s, "scalar");
        assert_int_equal(sc->nDims, 0);
        assert_int_equal(sc->nElements, 1);
        assert_memory_equal(sc->data, "\1\2\3\4", 4);
        assert_int_equal(hgnSafetensorsTensorFind(s, "empty")->nBytes, 0);
        assert_null(hgnSafetensorsIndexPath(s));
        hgnSafetensorsClose(s);
    }
    for (int t = 0; t < nT; t++) free(blobs[t]);
    hgnFree(img);
    removeTree(dir);
    free(path);
    free(dir);
}

static void testExactLayout(void **state) {
    (void)state;
    HgnSafetensorsWriter *w;
    assertOk(hgnSafetensorsWriterCreate(&w));
    int64_t s1[1] = {2}, s2[2] = {1, 2};
    assertOk(hgnSafetensorsWriterAddTensor(w, "b", HGN_DTYPE_F16, 1, s1, "\1\2\3\4"));
    assertOk(hgnSafetensorsWriterAddTensor(w, "a", HGN_DTYPE_F32, 2, s2, "abcdefgh"));
    uint8_t *img;
    size_t size;
    assertOk(hgnSafetensorsWriterWriteMemory(w, &img, &size));
    const char *json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},"
                       "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}}";
    size_t jl = strlen(json), padded = (jl + 7) / 8 * 8;
    assert_int_equal(size, 8 + padded + 12);
    assert_int_equal(img[0], padded);
    assert_memory_equal(img + 8, json, jl);
    for (size_t k = jl; k < padded; k++) assert_int_equal(img[8 + k], ' ');
    assert_memory_equal(img + 8 + padded, "abcdefgh\1\2\3\4", 12);
    hgnFree(img);
    hgnSafetensorsWriterFree(w);
}

/* ---- malformed -------------------------------------------------------------------- */

static void testSizeFieldChecks(void **state) {
    (void)state;
    HgnSafetensors *s = NULL;
    expectError(hgnSafetensorsOpenMemory("\1\0\0", 3, MEM, &s), HGN_CODE_TruncatedFile, MEM, "offset 0",
                "too short for the 8-byte header size");
    HgnBuf b;
    hgnBufInit(&b);
    putU64(&b, 100000001);
    hgnBufAppendStr(&b, "{}");
    expectError(hgnSafetensorsOpenMemory(b.data, b.len, MEM, &s), HGN_CODE_ModelFormatInvalid, MEM, "offset 0",
                "header size 100000001 exceeds the 100 MB limit");
    hgnBufFree(&b);
    hgnBufInit(&b);
    putU64(&b, 64);
    hgnBufAppendStr(&b, "{}");
    expectError(hgnSafetensorsOpenMemory(b.data, b.len, MEM, &s), HGN_CODE_TruncatedFile, MEM,
                "header size 64 runs past the end");
    hgnBufFree(&b);
    expectFails("[1,2]", 0, HGN_CODE_BadMagic, "offset 8", "does not start with '{'");
    expectFails("{\"a\":", 0, HGN_CODE_ModelFormatInvalid, "line 1 column", "header JSON is invalid");
    expectFails("{}  x", 0, HGN_CODE_ModelFormatInvalid, "header JSON is invalid", "offset");
    expectFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8, HGN_CODE_ModelFormatInvalid, "duplicate", "header JSON");
    assert_null(s);
    /* empty header object, no data: valid */
    rawSt(&b, "{}      ", 0);
    assertOk(hgnSafetensorsOpenMemory(b.data, b.len, MEM, &s));
    assert_int_equal(hgnSafetensorsTensorCount(s), 0);
    hgnSafetensorsClose(s);
    hgnBufFree(&b);
}

static void testMetadataChecks(void **state) {
    (void)state;
    expectFails("{\"__metadata__\":[1]}", 0, HGN_CODE_ModelFormatInvalid, MEM ":__metadata__", "must be an object");
    expectFails("{\"__metadata__\":{\"format\":\"pt\",\"n\":3}}", 0, HGN_CODE_ModelFormatInvalid, MEM ":__metadata__.n",
                "must be a string");
}

static void testEntryChecks(void **state) {
    (void)state;
    expectFails("{\"w\":3}", 0, HGN_CODE_ModelFormatInvalid, MEM ":tensor 'w'", "must be an object");
    expectFails("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, HGN_CODE_ModelFormatInvalid, "tensor 'w'",
                "'dtype' is missing");
    expectFails("{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, HGN_CODE_UnsupportedDtype,
                MEM ":tensor 'w'", "\"F12\", not a safetensors dtype");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "'shape' is missing or not an array");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "'shape' must hold non-negative integers");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "'shape' must hold non-negative");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
                HGN_CODE_ModelFormatInvalid, "tensor 'w'", "9 dimensions");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
                HGN_CODE_ModelFormatInvalid, "tensor 'w'", "'shape' overflows");
    expectFails("{\"w\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,4]}}", 4,
                HGN_CODE_ModelFormatInvalid, "tensor 'w'", "size overflows");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, HGN_CODE_ModelFormatInvalid, "tensor 'w'",
                "'data_offsets' must be an array [begin, end]");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "'data_offsets' must be an array");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "[8, 4] ends before it begins");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "spans 20 bytes, but 6 elements of F32 need 24");
    expectFails("{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, HGN_CODE_ModelFormatInvalid,
                "tensor 'w'", "3 elements of F4 do not fill whole bytes");
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 4,
                HGN_CODE_ModelFormatInvalid, "header JSON is invalid", "offset");
}

static void testLayoutChecks(void **state) {
    (void)state;
    expectFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, HGN_CODE_ModelFormatInvalid,
                MEM ":tensor 'w'", "gap of 4 bytes after the start");
    expectFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                12, HGN_CODE_ModelFormatInvalid, "tensor 'b'", "gap of 4 bytes after tensor 'a'");
    expectFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8, HGN_CODE_ModelFormatInvalid, "tensor 'b'", "overlap tensor 'a', which ends at 8");
    expectFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, HGN_CODE_ModelFormatInvalid,
                "8 bytes after the last tensor", "belong to no tensor");
    expectFails("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 10, HGN_CODE_TruncatedFile,
                "need 16 bytes of data but the file holds 10", "offset");
    /* out-of-order entries are fine when the sorted offsets are contiguous */
    HgnBuf b;
    rawSt(&b,
          "{\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
          "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[4,7]},"
          "\"e\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[7,7]}}",
          7);
    HgnSafetensors *s;
    assertOk(hgnSafetensorsOpenMemory(b.data, b.len, MEM, &s));
    assert_string_equal(hgnSafetensorsTensorAt(s, 0)->name, "z");
    assert_string_equal(hgnSafetensorsTensorAt(s, 1)->name, "a");
    size_t jsonLen = b.len - 8 - 7;
    assert_int_equal(hgnSafetensorsTensorAt(s, 1)->offset, 8 + jsonLen + 4);
    hgnSafetensorsClose(s);
    hgnBufFree(&b);
}

/* ---- sharded ------------------------------------------------------------------------- */

static void writeShard(const char *dir, const char *file, const char *const *names, int n, float base) {
    HgnSafetensorsWriter *w;
    assertOk(hgnSafetensorsWriterCreate(&w));
    float vals[16][4];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) vals[i][k] = base + (float)(i * 4 + k);
        int64_t shape[2] = {2, 2};
        assertOk(hgnSafetensorsWriterAddTensor(w, names[i], HGN_DTYPE_F32, 2, shape, vals[i]));
    }
    char *p = pathJoin(dir, file);
    assertOk(hgnSafetensorsWriterWriteFile(w, p));
    free(p);
    hgnSafetensorsWriterFree(w);
}

static void testSharded(void **state) {
    (void)state;
    char *dir = makeScratchDir("shards");
    const char *s1[] = {"a.weight", "b.weight"}, *s2[] = {"c.weight"};
    writeShard(dir, "model-00002-of-00002.safetensors", s2, 1, 100);
    writeShard(dir, "model-00001-of-00002.safetensors", s1, 2, 0);
    char *idx = pathJoin(dir, "model.safetensors.index.json");
    const char *names[] = {"c.weight", "a.weight", "b.weight"};
    const char *files[] = {"model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors",
                           "model-00001-of-00002.safetensors"};
    assertOk(hgnSafetensorsIndexWrite(idx, names, files, 3, 48));
    HgnSafetensors *s;
    assertOk(hgnSafetensorsOpen(idx, &s));
    assert_int_equal(hgnSafetensorsFileCount(s), 2);
    assert_true(strstr(hgnSafetensorsFilePath(s, 0), "model-00001-of-00002"));
    assert_int_equal(hgnSafetensorsTensorCount(s), 3);
    assert_string_equal(hgnSafetensorsTensorAt(s, 0)->name, "a.weight");
    assert_string_equal(hgnSafetensorsTensorAt(s, 2)->name, "c.weight");
    const HgnTensorView *c = hgnSafetensorsTensorFind(s, "c.weight");
    assert_int_equal(c->fileIndex, 1);
    assert_true(((const float *)c->data)[3] == 103.0f);
    uint64_t total;
    assert_true(hgnSafetensorsIndexTotalSize(s, &total));
    assert_int_equal(total, 48);
    assert_int_equal(hgnSafetensorsTensorBytes(s), 48);
    assert_string_equal(hgnSafetensorsIndexPath(s), idx);
    hgnSafetensorsClose(s);

    /* a mapped tensor missing from its shard */
    const char *files2[] = {"model-00001-of-00002.safetensors", "model-00001-of-00002.safetensors",
                            "model-00001-of-00002.safetensors"};
    assertOk(hgnSafetensorsIndexWrite(idx, names, files2, 3, 48));
    s = NULL;
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "weight_map.c.weight",
                "mapped to shard 'model-00001-of-00002.safetensors', which does not contain it");
    assert_null(s);
    /* a missing shard */
    const char *files3[] = {"model-00003-of-00003.safetensors", files[1], files[2]};
    assertOk(hgnSafetensorsIndexWrite(idx, names, files3, 3, 48));
    HgnStatus st = hgnSafetensorsOpen(idx, &s);
    assert_non_null(hgnStatusCause(st));
    assert_true(strstr(hgnStatusWhere(hgnStatusCause(st)), "model-00003-of-00003.safetensors") != NULL);
    expectError(st, HGN_CODE_NotFound, idx, "shard 'model-00003-of-00003.safetensors'");
    /* path escapes and bad values */
    writeText(idx, "{\"weight_map\":{\"a.weight\":\"../x.safetensors\"}}");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "weight_map.a.weight",
                "relative shard file name");
    writeText(idx, "{\"weight_map\":{\"a.weight\":7}}");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "weight_map.a.weight");
    writeText(idx, "{\"metadata\":{}}");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "weight_map");
    writeText(idx, "{\"metadata\":{\"total_size\":\"x\"},\"weight_map\":{}}");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "metadata.total_size");
    writeText(idx, "{\"weight_map\":");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "line 1 column");
    writeText(idx, "");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_ModelFormatInvalid, idx, "empty");
    /* a malformed shard names the shard */
    char *bad = pathJoin(dir, "bad.safetensors");
    writeBytes(bad, "\4\0\0\0\0\0\0\0{}", 10);
    writeText(idx, "{\"weight_map\":{\"a.weight\":\"bad.safetensors\"}}");
    expectError(hgnSafetensorsOpen(idx, &s), HGN_CODE_TruncatedFile, bad, "header size 4 runs past the end");
    char *missing = pathJoin(dir, "none.safetensors");
    expectError(hgnSafetensorsOpen(missing, &s), HGN_CODE_NotFound, missing);
    assert_null(s);
    free(missing);
    free(bad);
    free(idx);
    removeTree(dir);
    free(dir);
}

/* ---- sweeps ------------------------------------------------------------------------- */

static void buildSmall(uint8_t **img, size_t *size) {
    HgnSafetensorsWriter *w;
    assertOk(hgnSafetensorsWriterCreate(&w));
    assertOk(hgnSafetensorsWriterAddMetadata(w, "format", "pt"));
    int64_t shape[2] = {4, 4};
    float d[16] = {0};
    assertOk(hgnSafetensorsWriterAddTensor(w, "x.weight", HGN_DTYPE_F32, 2, shape, d));
    assertOk(hgnSafetensorsWriterAddTensor(w, "y.weight", HGN_DTYPE_BF16, 2, shape, d));
    assertOk(hgnSafetensorsWriterWriteMemory(w, img, size));
    hgnSafetensorsWriterFree(w);
}

static void testTruncationSweep(void **state) {
    (void)state;
    uint8_t *img;
    size_t size;
    buildSmall(&img, &size);
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, img, n);
        HgnSafetensors *s = NULL;
        HgnStatus st = hgnSafetensorsOpenMemory(copy, n, MEM, &s);
        assert_non_null(st);
        assert_null(s);
        HgnCode c = hgnStatusCode(st);
        assert_true(c == HGN_CODE_TruncatedFile || c == HGN_CODE_BadMagic);
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
    for (uint64_t n = 1; n < 60; n++) {
        HgnSafetensors *s = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnSafetensorsOpenMemory(img, size, MEM, &s);
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        } else {
            assert_int_equal(hgnSafetensorsTensorCount(s), 2);
            hgnSafetensorsClose(s);
        }
    }
    hgnFree(img);
}

static void testShardedAllocFailureSweep(void **state) {
    (void)state;
    char *dir = makeScratchDir("stoom");
    const LlamaShape tinyShape = {2, 64, 128, 4, 2, 100, false};
    HgnStatus err;
    assert_true(llamaWriteCheckpoint(dir, &tinyShape, 40000, &err) >= 2);
    char *idx = pathJoin(dir, "model.safetensors.index.json");
    int fails = 0;
    for (uint64_t n = 1; n < 400; n++) {
        HgnSafetensors *s = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnSafetensorsOpen(idx, &s);
        hgnAllocFailAt(0, 0);
        if (st) {
            fails++;
            assert_int_equal(hgnStatusCode(hgnStatusCause(st) ? hgnStatusCause(st) : st), HGN_CODE_OutOfMemory);
            assert_null(s);
            hgnStatusFree(st);
        } else {
            assert_int_equal(hgnSafetensorsTensorCount(s), 21);
            hgnSafetensorsClose(s);
        }
    }
    assert_true(fails > 10);
    /* writer under allocation failure */
    for (uint64_t n = 1; n < 40; n++) {
        HgnSafetensorsWriter *w = NULL;
        uint8_t *img = NULL;
        size_t size;
        int64_t shape[1] = {4};
        hgnAllocFailAt(n, 0);
        HgnStatus st = hgnSafetensorsWriterCreate(&w);
        if (!st) st = hgnSafetensorsWriterAddMetadata(w, "format", "pt");
        if (!st) st = hgnSafetensorsWriterAddTensor(w, "a", HGN_DTYPE_F32, 1, shape, NULL);
        if (!st) st = hgnSafetensorsWriterWriteMemory(w, &img, &size);
        hgnAllocFailAt(0, 0);
        if (st) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        }
        hgnFree(img);
        hgnSafetensorsWriterFree(w);
    }
    free(idx);
    removeTree(dir);
    free(dir);
}

/* ---- real scale: Llama-3.1-8B, 4 shards + index, sparse ------------------------------ */

static void testLlama8bSparse(void **state) {
    (void)state;
    char *dir = makeScratchDir("llama8b");
    HgnStatus err;
    int nShards = llamaWriteCheckpoint(dir, &llama31_8b, 5000000000ull, &err);
    assertOk(err);
    assert_int_equal(nShards, 4);
    char *idx = pathJoin(dir, "model.safetensors.index.json");
    HgnSafetensors *s;
    assertOk(hgnSafetensorsOpen(idx, &s));
    assert_int_equal(hgnSafetensorsFileCount(s), 4);
    assert_int_equal(hgnSafetensorsTensorCount(s), 291);
    assert_int_equal(hgnSafetensorsTensorBytes(s), 16060522496ull); /* Llama-3.1-8B's total_size */
    uint64_t total;
    assert_true(hgnSafetensorsIndexTotalSize(s, &total));
    assert_int_equal(total, 16060522496ull);
    const HgnTensorView *e = hgnSafetensorsTensorFind(s, "model.embed_tokens.weight");
    assert_int_equal(e->shape[0], 128256);
    assert_int_equal(e->shape[1], 4096);
    assert_int_equal(e->dtype, HGN_DTYPE_BF16);
    assert_int_equal(e->fileIndex, 0);
    const HgnTensorView *k = hgnSafetensorsTensorFind(s, "model.layers.31.self_attn.k_proj.weight");
    assert_int_equal(k->shape[0], 1024);
    const HgnTensorView *dn = hgnSafetensorsTensorFind(s, "model.layers.17.mlp.down_proj.weight");
    assert_int_equal(dn->shape[1], 14336);
    assert_int_equal(dn->nBytes, 4096ull * 14336 * 2);
    const HgnTensorView *lm = hgnSafetensorsTensorFind(s, "lm_head.weight");
    assert_int_equal(lm->fileIndex, 3);
    assert_int_equal(((const uint8_t *)lm->data)[lm->nBytes - 1], 0);
    assert_true(hgnSafetensorsTotalFileBytes(s) > total);
    for (size_t f = 0; f < 4; f++) assert_true(hgnSafetensorsFileSize(s, f) <= 5000000000ull + 100000);
    hgnSafetensorsClose(s);
    free(idx);
    removeTree(dir);
    free(dir);
}

/* Seeds written by tests/fuzz/makeFormatsCorpus.py (Python's json + struct). */
static void testPythonWrittenSeeds(void **state) {
    (void)state;
    static const struct {
        const char *file;
        size_t nTensors;
    } ok[] = {{"valid", 3}, {"dtypes", 20}, {"empty", 0}, {"scalar", 2}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/tests/fuzz/corpus/fuzzSafetensors/%s", HGN_SOURCE_DIR, ok[i].file) < 0) abort();
        HgnSafetensors *s;
        assertOk(hgnSafetensorsOpen(p, &s));
        assert_int_equal(hgnSafetensorsTensorCount(s), ok[i].nTensors);
        hgnSafetensorsClose(s);
        free(p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRoundTripAllDtypes),
        cmocka_unit_test(testExactLayout),
        cmocka_unit_test(testSizeFieldChecks),
        cmocka_unit_test(testMetadataChecks),
        cmocka_unit_test(testEntryChecks),
        cmocka_unit_test(testLayoutChecks),
        cmocka_unit_test(testSharded),
        cmocka_unit_test(testTruncationSweep),
        cmocka_unit_test(testAllocFailureSweep),
        cmocka_unit_test(testShardedAllocFailureSweep),
        cmocka_unit_test(testLlama8bSparse),
        cmocka_unit_test(testPythonWrittenSeeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
