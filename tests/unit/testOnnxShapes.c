/* testOnnxShapes.c — measures ONNX import + shape inference on Debian's
 * libonnx-testdata models: infers every model's output shapes from its
 * inputs (declared shapes, or the test_data_set_0 input shapes where the
 * declared ones are symbolic) and compares them with the expected output
 * tensors. Prints pass rates per operator and overall; asserts >= 90 % among
 * models whose operators are all supported, that every rejection of an
 * unsupported model is HGN UnsupportedOperator, and that nothing crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "huginn/ir.h"
#include "huginn/onnx.h"

#define TESTDATA "/usr/share/libonnx-testdata/data"

typedef struct OpStat {
    char op[64];
    int models, passed;
} OpStat;

static OpStat opStats[512];
static int nOpStats;

static OpStat *opStat(const char *op) {
    for (int i = 0; i < nOpStats; i++)
        if (!strcmp(opStats[i].op, op)) return &opStats[i];
    if (nOpStats == 512) return NULL;
    snprintf(opStats[nOpStats].op, sizeof opStats[nOpStats].op, "%s", op);
    return &opStats[nOpStats++];
}

typedef struct Totals {
    int models, skipped, loadErrors, passed, supported, supportedPassed, unsupported, unsupportedWrongCode, wrong,
        unresolved, otherErrors, boundData;
} Totals;

static int cmpStr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool fullyKnown(const HgnShape *s) {
    if (s->rank < 0) return false;
    for (int i = 0; i < s->rank; i++)
        if (s->dims[i].sym != HGN_DIM_KNOWN) return false;
    return true;
}

/* result: 0 pass, 1 wrong, 2 unresolved, 3 unsupported, 4 other error, -1 skipped */
static int runModel(const char *dir, Totals *t, char *detail, size_t detailSize) {
    char path[1100];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    char ref[1200];
    snprintf(ref, sizeof ref, "%s/test_data_set_0/output_0.pb", dir);
    struct stat sb;
    if (stat(ref, &sb) != 0) return -1;
    HgnGraph *g = NULL;
    HgnStatus st = hgnOnnxLoad(path, &g);
    if (st) {
        char *s = hgnStatusToString(st);
        snprintf(detail, detailSize, "load: %s", s);
        hgnFree(s);
        hgnStatusFree(st);
        t->loadErrors++;
        return 4;
    }
    /* forget declared intermediate/output shapes: inference must compute them */
    for (int32_t v = 0; v < hgnGraphValueCount(g); v++) {
        const HgnValue *val = hgnGraphValue(g, v);
        if (val->role == HGN_ROLE_ACTIVATION || val->role == HGN_ROLE_OUTPUT) {
            HgnShape none = {.rank = -1};
            hgnGraphSetValueShape(g, v, &none);
        }
    }
    bool bound = false;
    for (int32_t i = 0; i < hgnGraphInputCount(g); i++) {
        int32_t v = hgnGraphInput(g, i);
        const HgnValue *val = hgnGraphValue(g, v);
        char in[1200];
        snprintf(in, sizeof in, "%s/test_data_set_0/input_%d.pb", dir, i);
        HgnOnnxTensor tensor;
        /* find the .pb whose name matches; else positional */
        bool found = false;
        for (int k = 0; k < 64 && !found; k++) {
            snprintf(in, sizeof in, "%s/test_data_set_0/input_%d.pb", dir, k);
            if (stat(in, &sb) != 0) break;
            HgnStatus ts = hgnOnnxTensorLoad(in, &tensor);
            if (ts) {
                hgnStatusFree(ts);
                continue;
            }
            if (tensor.name && !strcmp(tensor.name, val->name))
                found = true;
            else
                hgnOnnxTensorFree(&tensor);
        }
        if (!found) {
            snprintf(in, sizeof in, "%s/test_data_set_0/input_%d.pb", dir, i);
            HgnStatus ts = hgnOnnxTensorLoad(in, &tensor);
            if (ts) {
                hgnStatusFree(ts);
                continue;
            }
        }
        const HgnShape *shape = fullyKnown(&val->shape) ? &val->shape : &tensor.shape;
        HgnShape keep = *shape;
        int64_t n = 1;
        for (int d = 0; d < tensor.shape.rank; d++) n *= tensor.shape.dims[d].n;
        HgnDtypeKind kind = hgnDtypeInfo(tensor.dtype)->kind;
        bool small = n <= 64 && tensor.data &&
                     (!getenv("HGN_ONNX_BIND_INTS_ONLY") || kind == HGN_DTYPE_KIND_S || kind == HGN_DTYPE_KIND_U);
        st = hgnGraphBindInput(g, v, &keep, small ? tensor.data : NULL, small ? tensor.bytes : 0);
        bound = bound || small;
        hgnOnnxTensorFree(&tensor);
        if (st) {
            hgnStatusFree(st);
            break;
        }
    }
    if (bound) t->boundData++;
    /* ops of the model */
    const char *ops[256];
    int nOps = 0;
    bool allSupported = true;
    int64_t opset = hgnGraphOpset(g, "");
    for (int32_t i = 0; i < hgnGraphNodeCount(g); i++) {
        const HgnNode *n = hgnGraphNode(g, i);
        if (*n->domain || !hgnShapeInferenceSupports(n->op, opset)) allSupported = false;
        bool dup = false;
        for (int k = 0; k < nOps && !dup; k++) dup = !strcmp(ops[k], n->op);
        if (!dup && nOps < 256) ops[nOps++] = n->op;
    }
    int result;
    st = hgnGraphInferShapes(g);
    if (st) {
        char *s = hgnStatusToString(st);
        snprintf(detail, detailSize, "%s", s);
        hgnFree(s);
        if (!allSupported) {
            result = 3;
            if (hgnStatusCode(st) != HGN_CODE_UnsupportedOperator) t->unsupportedWrongCode++;
        } else
            result = hgnStatusCode(st) == HGN_CODE_UnsupportedOperator ? 3 : 4;
        hgnStatusFree(st);
    } else {
        result = 0;
        for (int32_t i = 0; i < hgnGraphOutputCount(g) && result != 1; i++) {
            snprintf(ref, sizeof ref, "%s/test_data_set_0/output_%d.pb", dir, i);
            HgnOnnxTensor exp;
            HgnStatus ts = hgnOnnxTensorLoad(ref, &exp);
            if (ts) { /* sequence/optional outputs are not TensorProto */
                hgnStatusFree(ts);
                result = result ? result : 2;
                snprintf(detail, detailSize, "output %d reference is not a tensor", i);
                continue;
            }
            const HgnValue *val = hgnGraphValue(g, hgnGraphOutput(g, i));
            char a[256], b[256];
            hgnShapeFormat(g, &val->shape, a, sizeof a);
            hgnShapeFormat(NULL, &exp.shape, b, sizeof b);
            if (val->shape.rank < 0) {
                result = 2;
                snprintf(detail, detailSize, "output '%s' rank unknown, expected %s", val->name, b);
            } else if (val->shape.rank != exp.shape.rank) {
                result = 1;
                snprintf(detail, detailSize, "output '%s' inferred %s, expected %s", val->name, a, b);
            } else {
                for (int d = 0; d < exp.shape.rank; d++) {
                    if (val->shape.dims[d].sym != HGN_DIM_KNOWN) {
                        result = 2;
                        snprintf(detail, detailSize, "output '%s' inferred %s, expected %s", val->name, a, b);
                    } else if (val->shape.dims[d].n != exp.shape.dims[d].n) {
                        result = 1;
                        snprintf(detail, detailSize, "output '%s' inferred %s, expected %s", val->name, a, b);
                        break;
                    }
                }
            }
            hgnOnnxTensorFree(&exp);
        }
    }
    for (int k = 0; k < nOps; k++) {
        OpStat *s = opStat(ops[k]);
        if (!s) continue;
        s->models++;
        if (result == 0) s->passed++;
    }
    if (allSupported) {
        t->supported++;
        if (result == 0) t->supportedPassed++;
    }
    hgnGraphFree(g);
    return result;
}

static void testOnnxShapes(void **state) {
    (void)state;
    struct stat sb;
    if (stat(TESTDATA, &sb) != 0) {
        printf("SKIP: %s is missing (install Debian's libonnx-testdata)\n", TESTDATA);
        skip();
    }
    static const char *const groups[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    Totals t = {0};
    char *wrongList[2048];
    int nWrong = 0;
    char *errList[2048];
    int nErr = 0;
    for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++) {
        char base[512];
        snprintf(base, sizeof base, "%s/%s", TESTDATA, groups[gi]);
        DIR *d = opendir(base);
        if (!d) continue;
        char *names[2048];
        int nNames = 0;
        struct dirent *de;
        while ((de = readdir(d)) && nNames < 2048)
            if (de->d_name[0] != '.') names[nNames++] = strdup(de->d_name);
        closedir(d);
        qsort(names, (size_t)nNames, sizeof names[0], cmpStr);
        for (int i = 0; i < nNames; i++) {
            char dir[900], detail[1024] = "";
            snprintf(dir, sizeof dir, "%s/%s", base, names[i]);
            int r = runModel(dir, &t, detail, sizeof detail);
            if (r < 0) {
                t.skipped++;
            } else {
                t.models++;
                char line[2000];
                snprintf(line, sizeof line, "%s/%s: %s", groups[gi], names[i], detail);
                if (r == 0) t.passed++;
                if (r == 1) {
                    t.wrong++;
                    if (nWrong < 2048) wrongList[nWrong++] = strdup(line);
                }
                if (r == 2) t.unresolved++;
                if (r == 3) t.unsupported++;
                if (r == 4) {
                    t.otherErrors++;
                    if (nErr < 2048) errList[nErr++] = strdup(line);
                }
                if (getenv("HGN_ONNX_VERBOSE") && r != 0) printf("  [%d] %s\n", r, line);
            }
            free(names[i]);
        }
    }
    printf("\nper operator (models containing the op: passed/total):\n");
    for (int i = 0; i < nOpStats; i++)
        printf("  %-28s %4d/%-4d %5.1f%%\n", opStats[i].op, opStats[i].passed, opStats[i].models,
               100.0 * opStats[i].passed / opStats[i].models);
    printf("\nwrong shapes (%d):\n", t.wrong);
    for (int i = 0; i < nWrong; i++) {
        printf("  %s\n", wrongList[i]);
        free(wrongList[i]);
    }
    printf("\nother errors (%d):\n", t.otherErrors);
    for (int i = 0; i < nErr; i++) {
        printf("  %s\n", errList[i]);
        free(errList[i]);
    }
    printf("\nmodels: %d (skipped without test data: %d), load errors: %d\n", t.models, t.skipped, t.loadErrors);
    printf("overall passed: %d/%d = %.1f%%\n", t.passed, t.models, 100.0 * t.passed / (t.models ? t.models : 1));
    printf("all ops supported: %d models, passed %d = %.1f%%\n", t.supported, t.supportedPassed,
           100.0 * t.supportedPassed / (t.supported ? t.supported : 1));
    printf("rejected as unsupported: %d (with a code other than UnsupportedOperator: %d)\n", t.unsupported,
           t.unsupportedWrongCode);
    printf("wrong shapes: %d, unresolved (symbolic/unknown dims left): %d, other errors: %d\n", t.wrong, t.unresolved,
           t.otherErrors);
    printf("models where small input tensors (<= 64 elements) were bound as data: %d\n", t.boundData);
    assert_int_equal(t.loadErrors, 0);
    assert_int_equal(t.unsupportedWrongCode, 0);
    assert_true(t.supported > 0);
    assert_true(t.supportedPassed * 100 >= t.supported * 90);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(testOnnxShapes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
