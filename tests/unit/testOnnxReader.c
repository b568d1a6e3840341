/* testOnnxReader.c — ONNX reader and import: real models, truncated and
 * invalid protobuf, external data (confined to the model folder), cycles,
 * Constant nodes, typed initializer fields, symbolic Reshape folding,
 * unsupported operators, allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "huginn/ir.h"
#include "huginn/onnx.h"
#include "onnxBuild.h"
#include "testUtil.h"

#define CONV_MODEL   "/usr/share/libonnx-testdata/data/pytorch-operator/test_operator_conv/model.onnx"
#define RESNET_MODEL "/usr/share/libonnx-testdata/data/pytorch-converted/test_ConvTranspose2d/model.onnx"

static bool haveTestData(const char *path) {
    struct stat sb;
    if (stat(path, &sb) == 0) return true;
    printf("SKIP: %s is missing (install libonnx-testdata)\n", path);
    return false;
}

static void testRealModel(void **state) {
    (void)state;
    if (!haveTestData(CONV_MODEL)) skip();
    HgnGraph *a = NULL, *b = NULL;
    assert_null(hgnOnnxImport(CONV_MODEL, &a));
    assert_null(hgnOnnxImport(CONV_MODEL, &b));
    assert_true(hgnGraphNodeCount(a) > 0);
    char ha[65], hb[65];
    hgnGraphDigestHex(a, ha);
    hgnGraphDigestHex(b, hb);
    assert_string_equal(ha, hb); /* same model, same IR and digest */
    /* every node output has a dtype and a shape; nodes are in topological order */
    for (int32_t i = 0; i < hgnGraphNodeCount(a); i++) {
        const HgnNode *n = hgnGraphNode(a, i);
        for (int32_t k = 0; k < n->nInputs; k++) {
            const HgnValue *v = hgnGraphValue(a, n->inputs[k]);
            if (v) assert_true(v->producer < i);
        }
        for (int32_t k = 0; k < n->nOutputs; k++) {
            const HgnValue *v = hgnGraphValue(a, n->outputs[k]);
            assert_true(v->shape.rank >= 0);
            assert_int_not_equal(v->dtype, HGN_DTYPE_UNKNOWN);
        }
    }
    char *js = NULL;
    assert_null(hgnIrToJson(a, true, &js));
    json_error_t err;
    json_t *doc = json_loads(js, 0, &err);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "digest")), ha);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "nodes")),
                     hgnGraphNodeCount(a));
    json_decref(doc);
    hgnFree(js);
    char *txt = NULL;
    assert_null(hgnIrSummaryText(a, &txt));
    assert_non_null(strstr(txt, "Conv"));
    hgnFree(txt);
    hgnGraphFree(a);
    hgnGraphFree(b);
}

static void testTruncatedAndInvalid(void **state) {
    (void)state;
    if (!haveTestData(CONV_MODEL)) skip();
    size_t n = 0;
    char *buf = readFile(CONV_MODEL, &n);
    assert_non_null(buf);
    HgnGraph *g = NULL;
    expectError(hgnOnnxLoadBuffer(buf, n / 2, "cut.onnx", NULL, &g), HGN_CODE_TruncatedFile, "cut.onnx");
    assert_null(g);
    expectError(hgnOnnxLoadBuffer(buf, 0, "empty.onnx", NULL, &g), HGN_CODE_TruncatedFile, "empty");
    const char junk[] = "this is not a protobuf at all";
    HgnStatus st = hgnOnnxLoadBuffer(junk, sizeof junk - 1, "junk.onnx", NULL, &g);
    assert_non_null(st);
    assert_true(hgnStatusCode(st) == HGN_CODE_ModelFormatInvalid || hgnStatusCode(st) == HGN_CODE_TruncatedFile);
    hgnStatusFree(st);
    /* corrupt a nested length: every prefix must fail cleanly or load */
    for (size_t cut = 1; cut < n; cut += 97) {
        st = hgnOnnxLoadBuffer(buf, cut, "prefix.onnx", NULL, &g);
        if (st)
            hgnStatusFree(st);
        else
            hgnGraphFree(g);
    }
    expectError(hgnOnnxLoad("/nonexistent/model.onnx", &g), HGN_CODE_NotFound, "/nonexistent/model.onnx");
    free(buf);
}

/* model: x[batch,3,4] → Shape → Gather(0) → Concat(.., [-1]) → Reshape(x, ..) → y */
static uint8_t *reshapeModel(size_t *size, const char *extraOp) {
    Onnx__GraphProto *g = obGraph();
    int64_t xd[] = {-1, 3, 4};
    const char *xs[] = {"batch", NULL, NULL};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 3, xd, xs));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 1, -1, NULL, NULL));
    int64_t one = 1, zero = 0, minus1 = -1;
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("idx", 1, &one, 1, &zero));
    obNode(g, "Shape", "shape", "x", "s");
    obNode(g, "Gather", "gather", "s,idx", "b");
    Onnx__NodeProto *cn = obNode(g, "Constant", "const", "", "m1");
    Onnx__AttributeProto *a = obAlloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = obStr("value");
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    a->t = obTensorI64("", 1, &one, 1, &minus1);
    OB_PUSH(cn->attribute, cn->n_attribute, a);
    Onnx__NodeProto *cc = obNode(g, "Concat", "concat", "b,m1", "t");
    obAttrInt(cc, "axis", 0);
    obNode(g, extraOp ? extraOp : "Reshape", "reshape", "x,t", "y");
    return obPack(g, 13, size);
}

static void testReshapeFolding(void **state) {
    (void)state;
    size_t n;
    uint8_t *buf = reshapeModel(&n, NULL);
    HgnGraph *g = NULL;
    assert_null(hgnOnnxLoadBuffer(buf, n, "fold.onnx", NULL, &g));
    assert_null(hgnGraphInferShapes(g));
    const HgnValue *y = hgnGraphValue(g, hgnGraphFindValue(g, "y"));
    char s[128];
    assert_string_equal(hgnShapeFormat(g, &y->shape, s, sizeof s), "[batch,12]");
    assert_int_equal(y->dtype, HGN_DTYPE_F32);
    assert_false(y->bytesKnown);
    /* Constant node became a constant value, not a node */
    const HgnValue *m1 = hgnGraphValue(g, hgnGraphFindValue(g, "m1"));
    assert_int_equal(m1->role, HGN_ROLE_CONSTANT);
    assert_int_equal(m1->producer, -1);
    assert_int_equal(hgnGraphNodeCount(g), 4);
    /* binding batch gives known bytes */
    int64_t batch = 5, elements = 0;
    assert_null(hgnShapeElements(&y->shape, &batch, 1, &elements));
    assert_int_equal(elements, 60);
    hgnGraphFree(g);
    obFreeAll();
}

static void testUnsupportedOperator(void **state) {
    (void)state;
    size_t n;
    uint8_t *buf = reshapeModel(&n, "FrobnicateTensor");
    HgnGraph *g = NULL;
    assert_null(hgnOnnxLoadBuffer(buf, n, "unsup.onnx", NULL, &g));
    expectError(hgnGraphInferShapes(g), HGN_CODE_UnsupportedOperator,
                "unsupported operator FrobnicateTensor (opset 13)");
    hgnGraphFree(g);
    obFreeAll();
}

static void testCycleAndDangling(void **state) {
    (void)state;
    Onnx__GraphProto *g = obGraph();
    int64_t d[] = {2};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 1, d, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("c", 1, -1, NULL, NULL));
    obNode(g, "Add", "first", "x,b", "a");
    obNode(g, "Relu", "loopy", "a", "b");
    obNode(g, "Relu", "last", "a", "c");
    size_t n;
    uint8_t *buf = obPack(g, 13, &n);
    HgnGraph *graph = NULL;
    expectError(hgnOnnxLoadBuffer(buf, n, "cyc.onnx", NULL, &graph), HGN_CODE_ModelFormatInvalid, "cycle through node");
    obFreeAll();
    g = obGraph();
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 1, d, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("c", 1, -1, NULL, NULL));
    obNode(g, "Add", "adder", "x,ghost", "c");
    buf = obPack(g, 13, &n);
    expectError(hgnOnnxLoadBuffer(buf, n, "dangle.onnx", NULL, &graph), HGN_CODE_ModelFormatInvalid, "'ghost'");
    obFreeAll();
}

static Onnx__TensorProto *externalTensor(const char *location, const char *offset, const char *length) {
    Onnx__TensorProto *t = obAlloc(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = obStr("w");
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->dims = obAlloc(sizeof(int64_t));
    t->dims[0] = 4;
    t->n_dims = 1;
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    const char *kv[3][2] = {{"location", location}, {"offset", offset}, {"length", length}};
    for (int i = 0; i < 3; i++) {
        if (!kv[i][1]) continue;
        Onnx__StringStringEntryProto *e = obAlloc(sizeof *e);
        onnx__string_string_entry_proto__init(e);
        e->key = obStr(kv[i][0]);
        e->value = obStr(kv[i][1]);
        OB_PUSH(t->external_data, t->n_external_data, e);
    }
    return t;
}

static HgnStatus loadExternal(const char *dir, const char *location, const char *offset, const char *length,
                              HgnGraph **pg) {
    Onnx__GraphProto *g = obGraph();
    int64_t d[] = {4};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 1, d, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 1, -1, NULL, NULL));
    OB_PUSH(g->initializer, g->n_initializer, externalTensor(location, offset, length));
    obNode(g, "Add", "add", "x,w", "y");
    size_t n;
    uint8_t *buf = obPack(g, 13, &n);
    char path[512];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    obFreeAll();
    return hgnOnnxImport(path, pg);
}

static void testExternalData(void **state) {
    (void)state;
    char dir[] = "/tmp/hgnOnnxExtXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600], path[700];
    snprintf(sub, sizeof sub, "%s/model", dir);
    mkdir(sub, 0755);
    snprintf(path, sizeof path, "%s/weights.bin", sub);
    FILE *f = fopen(path, "wb");
    float w[6] = {1, 2, 3, 4, 5, 6};
    fwrite(w, sizeof w[0], 6, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/secret.bin", dir);
    f = fopen(path, "wb");
    fwrite(w, sizeof w[0], 6, f);
    fclose(f);
    HgnGraph *g = NULL;
    assert_null(loadExternal(sub, "weights.bin", "8", "16", &g));
    const HgnValue *v = hgnGraphValue(g, hgnGraphFindValue(g, "w"));
    assert_int_equal(v->role, HGN_ROLE_WEIGHT);
    assert_non_null(v->externalPath);
    assert_non_null(strstr(v->externalPath, "weights.bin"));
    assert_int_equal(v->externalOffset, 8);
    assert_int_equal(v->dataBytes, 16);
    assert_true(v->bytesKnown);
    assert_int_equal(v->bytes, 16);
    hgnGraphFree(g);
    expectError(loadExternal(sub, "../secret.bin", NULL, NULL, &g), HGN_CODE_PermissionDenied,
                "escapes the model folder");
    expectError(loadExternal(sub, path, NULL, NULL, &g), HGN_CODE_PermissionDenied, "escapes");
    expectError(loadExternal(sub, "missing.bin", NULL, NULL, &g), HGN_CODE_NotFound, "initializer 'w'");
    expectError(loadExternal(sub, "weights.bin", "16", NULL, &g), HGN_CODE_TruncatedFile, "weights.bin");
    expectError(loadExternal(sub, "weights.bin", "0", "12", &g), HGN_CODE_ModelFormatInvalid, "length 12");
    /* a symlink inside the folder pointing outside is refused too */
    char link[700];
    snprintf(link, sizeof link, "%s/link.bin", sub);
    assert_int_equal(symlink(path, link), 0);
    expectError(loadExternal(sub, "link.bin", NULL, NULL, &g), HGN_CODE_PermissionDenied, "outside");
    unlink(link);
    snprintf(path, sizeof path, "%s/weights.bin", sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/model.onnx", sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/secret.bin", dir);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

static void testTypedInitializers(void **state) {
    (void)state;
    Onnx__GraphProto *g = obGraph();
    int64_t d[] = {3};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 3, 1, d, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 3, -1, NULL, NULL));
    Onnx__TensorProto *t = obAlloc(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = obStr("k");
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    t->dims = obAlloc(sizeof(int64_t));
    t->dims[0] = 3;
    t->n_dims = 1;
    t->int32_data = obAlloc(3 * sizeof(int32_t));
    t->int32_data[0] = -1, t->int32_data[1] = 2, t->int32_data[2] = -128;
    t->n_int32_data = 3;
    OB_PUSH(g->initializer, g->n_initializer, t);
    obNode(g, "Add", "add", "x,k", "y");
    size_t n;
    uint8_t *buf = obPack(g, 13, &n);
    HgnGraph *graph = NULL;
    assert_null(hgnOnnxLoadBuffer(buf, n, "typed.onnx", NULL, &graph));
    const HgnValue *v = hgnGraphValue(graph, hgnGraphFindValue(graph, "k"));
    assert_int_equal(v->dtype, HGN_DTYPE_I8);
    assert_int_equal(v->dataBytes, 3);
    const int8_t *p = v->data;
    assert_int_equal(p[0], -1);
    assert_int_equal(p[1], 2);
    assert_int_equal(p[2], -128);
    hgnGraphFree(graph);
    /* wrong count of typed values */
    t->n_int32_data = 2;
    buf = obPack(g, 13, &n);
    expectError(hgnOnnxLoadBuffer(buf, n, "typed.onnx", NULL, &graph), HGN_CODE_ModelFormatInvalid, "initializer 'k'");
    obFreeAll();
}

static void testAllocationFailures(void **state) {
    (void)state;
    if (!haveTestData(CONV_MODEL)) skip();
    int failures = 0;
    for (uint64_t nth = 1; nth < 100000; nth++) {
        HgnGraph *g = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnOnnxImport(CONV_MODEL, &g);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        if (!st) {
            hgnGraphFree(g);
            if (!injected) break; /* ran to completion without hitting the fault */
            continue;
        }
        assert_null(g);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
        failures++;
    }
    assert_true(failures > 10);
}

static void testFoldingAllocationFailures(void **state) {
    (void)state;
    size_t n;
    uint8_t *buf = reshapeModel(&n, NULL);
    int failures = 0;
    for (uint64_t nth = 1; nth < 100000; nth++) {
        HgnGraph *g = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnOnnxLoadBuffer(buf, n, "fold.onnx", NULL, &g);
        if (!st) st = hgnGraphInferShapes(g);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        hgnGraphFree(g);
        if (!st) {
            if (!injected) break;
            continue;
        }
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
        failures++;
    }
    assert_true(failures > 10);
    obFreeAll();
}

static void testInconsistentShapes(void **state) {
    (void)state;
    Onnx__GraphProto *g = obGraph();
    int64_t a[] = {2, 3}, b[] = {4}, y[] = {7};
    OB_PUSH(g->input, g->n_input, obValueInfo("a", 1, 2, a, NULL));
    OB_PUSH(g->input, g->n_input, obValueInfo("b", 1, 1, b, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 1, -1, NULL, NULL));
    obNode(g, "Add", "adder", "a,b", "y");
    size_t n;
    uint8_t *buf = obPack(g, 13, &n);
    HgnGraph *graph = NULL;
    assert_null(hgnOnnxLoadBuffer(buf, n, "bcast.onnx", NULL, &graph));
    expectError(hgnGraphInferShapes(graph), HGN_CODE_ShapeInferenceFailed, "node 'adder' (Add)");
    hgnGraphFree(graph);
    obFreeAll();
    /* declared output shape contradicting the inferred one */
    g = obGraph();
    OB_PUSH(g->input, g->n_input, obValueInfo("a", 1, 2, a, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 1, 1, y, NULL));
    obNode(g, "Relu", "act", "a", "y");
    buf = obPack(g, 13, &n);
    assert_null(hgnOnnxLoadBuffer(buf, n, "decl.onnx", NULL, &graph));
    expectError(hgnGraphInferShapes(graph), HGN_CODE_ShapeInferenceFailed, "contradicts the declared [7]");
    hgnGraphFree(graph);
    obFreeAll();
}

/* attention-style head split: x[batch,seq,4096] → Shape → Slice[0:2] → Concat(.., [32,128]) → Reshape
 * → Transpose → MatMul with its own transpose; checks symbols survive the whole chain */
static void testAttentionChain(void **state) {
    (void)state;
    Onnx__GraphProto *g = obGraph();
    int64_t xd[] = {-1, -1, 4096};
    const char *xs[] = {"batch", "seq", NULL};
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 3, xd, xs));
    OB_PUSH(g->output, g->n_output, obValueInfo("scores", 1, -1, NULL, NULL));
    int64_t one = 1, two = 2, zero = 0, end2 = 2, heads[2] = {32, 128};
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("s0", 1, &one, 1, &zero));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("s2", 1, &one, 1, &end2));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("heads", 1, &two, 2, heads));
    obNode(g, "Shape", "shape", "x", "s");
    obNode(g, "Slice", "slice", "s,s0,s2", "bs");
    Onnx__NodeProto *cc = obNode(g, "Concat", "concat", "bs,heads", "target");
    obAttrInt(cc, "axis", 0);
    obNode(g, "Reshape", "reshape", "x,target", "q");
    int64_t perm[4] = {0, 2, 1, 3}, permK[4] = {0, 2, 3, 1};
    obAttrInts(obNode(g, "Transpose", "tq", "q", "qt"), "perm", 4, perm);
    obAttrInts(obNode(g, "Transpose", "tk", "q", "kt"), "perm", 4, permK);
    obNode(g, "MatMul", "qk", "qt,kt", "scores");
    size_t n;
    uint8_t *buf = obPack(g, 17, &n);
    HgnGraph *graph = NULL;
    assert_null(hgnOnnxLoadBuffer(buf, n, "attn.onnx", NULL, &graph));
    assert_null(hgnGraphInferShapes(graph));
    char s[128];
    const HgnValue *q = hgnGraphValue(graph, hgnGraphFindValue(graph, "q"));
    assert_string_equal(hgnShapeFormat(graph, &q->shape, s, sizeof s), "[batch,seq,32,128]");
    const HgnValue *sc = hgnGraphValue(graph, hgnGraphFindValue(graph, "scores"));
    assert_string_equal(hgnShapeFormat(graph, &sc->shape, s, sizeof s), "[batch,32,seq,seq]");
    /* lifetimes follow the canonical order */
    const HgnValue *qv = hgnGraphValue(graph, hgnGraphFindValue(graph, "q"));
    assert_true(qv->firstUse < qv->lastUse);
    assert_int_equal(qv->nConsumers, 2);
    hgnGraphFree(graph);
    obFreeAll();
}

/* extreme integers in shape-carrying inputs: no overflow (UBSan tree), exact or refused */
static HgnStatus extremeModel(const char *op, const char *ins, HgnGraph **pg) {
    Onnx__GraphProto *g = obGraph();
    int64_t xd[] = {10}, one = 1;
    int64_t big = INT64_MAX, small = INT64_MIN, axis0 = 0, huge = (int64_t)1 << 62;
    OB_PUSH(g->input, g->n_input, obValueInfo("x", 1, 1, xd, NULL));
    OB_PUSH(g->output, g->n_output, obValueInfo("y", 1, -1, NULL, NULL));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("starts", 1, &one, 1, &big));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("ends", 1, &one, 1, &small));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("axes", 1, &one, 1, &axis0));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("steps", 1, &one, 1, &small));
    OB_PUSH(g->initializer, g->n_initializer, obTensorI64("reps", 1, &one, 1, &huge));
    obNode(g, op, "n", ins, "y");
    size_t n;
    uint8_t *buf = obPack(g, 13, &n);
    HgnStatus st = hgnOnnxLoadBuffer(buf, n, "big.onnx", NULL, pg);
    if (!st) st = hgnGraphInferShapes(*pg);
    obFreeAll();
    return st;
}

static void testExtremeIntegers(void **state) {
    (void)state;
    HgnGraph *g = NULL;
    /* x[9::INT64_MIN] holds one element */
    assert_null(extremeModel("Slice", "x,starts,ends,axes,steps", &g));
    const HgnValue *y = hgnGraphValue(g, hgnGraphFindValue(g, "y"));
    assert_int_equal(y->shape.rank, 1);
    assert_int_equal(y->shape.dims[0].n, 1);
    hgnGraphFree(g);
    g = NULL;
    expectError(extremeModel("Tile", "x,reps", &g), HGN_CODE_ShapeInferenceFailed, "Tile output overflows");
    hgnGraphFree(g);
}

/* Model → graph → node → attribute → graph … 200 levels: refused before protobuf-c recurses into it */
static void testDeepNesting(void **state) {
    (void)state;
    static uint8_t a[8192], b[8192];
    uint8_t *inner = a, *outer = b;
    size_t len = 0;
    static const int fields[3] = {6, 5, 1}; /* AttributeProto.g, NodeProto.attribute, GraphProto.node */
    for (int i = 0; i < 200; i++) {
        int f = i == 199 ? 7 : fields[i % 3];
        size_t o = 0;
        outer[o++] = (uint8_t)(f << 3 | 2);
        size_t l = len;
        do {
            outer[o++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
            l >>= 7;
        } while (l);
        memcpy(outer + o, inner, len);
        len += o;
        uint8_t *t = inner;
        inner = outer;
        outer = t;
    }
    HgnGraph *g = NULL;
    expectError(hgnOnnxLoadBuffer(inner, len, "deep.onnx", NULL, &g), HGN_CODE_ModelFormatInvalid,
                "more than 64 levels");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRealModel),
        cmocka_unit_test(testTruncatedAndInvalid),
        cmocka_unit_test(testReshapeFolding),
        cmocka_unit_test(testUnsupportedOperator),
        cmocka_unit_test(testCycleAndDangling),
        cmocka_unit_test(testExternalData),
        cmocka_unit_test(testTypedInitializers),
        cmocka_unit_test(testAllocationFailures),
        cmocka_unit_test(testFoldingAllocationFailures),
        cmocka_unit_test(testInconsistentShapes),
        cmocka_unit_test(testDeepNesting),
        cmocka_unit_test(testAttentionChain),
        cmocka_unit_test(testExtremeIntegers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
