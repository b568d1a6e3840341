/* cliInspect.c — collects what `huginn inspect` reports about a model:
 * tensors and dtype histogram from the reader, the IR from the LLM builder or
 * the ONNX importer, and the tokenizer check (see cliInspect.h). */
#include "cli/cliInspect.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/llmGraph.h"
#include "huginn/onnx.h"
#include "huginn/tokenizerCheck.h"

typedef struct Inspect {
    json_t *doc, *tensors, *dtypes, *warnings;
    uint64_t params, bytes;
    HgnGraph *g;
} Inspect;

static void closeModel(void *p) { hgnHfModelClose(p); }
static void closeSafetensors(void *p) { hgnSafetensorsClose(p); }
static void closeGguf(void *p) { hgnGgufClose(p); }

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "inspect", NULL, "out of memory"); }

static void warn(Inspect *in, HgnStatus st) {
    char *s = hgnStatusToString(st);
    json_array_append_new(in->warnings, json_string(s ? s : hgnStatusMessage(st)));
    hgnFree(s);
    hgnStatusFree(st);
}

static void addCounts(Inspect *in, const char *dtype, int64_t elements, uint64_t bytes) {
    json_t *d = json_object_get(in->dtypes, dtype);
    if (!d) {
        d = json_pack("{s:i,s:I,s:I}", "tensors", 0, "parameters", (json_int_t)0, "bytes", (json_int_t)0);
        json_object_set_new(in->dtypes, dtype, d);
    }
    json_object_set_new(d, "tensors", json_integer(json_integer_value(json_object_get(d, "tensors")) + 1));
    json_object_set_new(d, "parameters",
                        json_integer(json_integer_value(json_object_get(d, "parameters")) + (json_int_t)elements));
    json_object_set_new(d, "bytes", json_integer(json_integer_value(json_object_get(d, "bytes")) + (json_int_t)bytes));
    in->params += (uint64_t)elements;
    in->bytes += bytes;
}

static void addView(Inspect *in, const HgnTensorView *t, const char *file) {
    json_t *shape = json_array();
    for (int i = 0; i < t->nDims; i++) json_array_append_new(shape, json_integer(t->shape[i]));
    json_t *row = json_pack("{s:s,s:s,s:o,s:I,s:I}", "name", t->name, "dtype", hgnDtypeName(t->dtype), "shape", shape,
                            "bytes", (json_int_t)t->nBytes, "offset", (json_int_t)t->offset);
    if (row && file) json_object_set_new(row, "file", json_string(file));
    json_array_append_new(in->tensors, row);
    addCounts(in, hgnDtypeName(t->dtype), t->nElements, t->nBytes);
}

static const char *baseName(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static json_t *shapeJson(const HgnGraph *g, const HgnShape *s) {
    if (s->rank < 0) return json_null();
    json_t *a = json_array();
    for (int i = 0; i < s->rank; i++)
        json_array_append_new(a, s->dims[i].sym == HGN_DIM_KNOWN ? json_integer(s->dims[i].n)
                                                                 : json_string(hgnGraphSymbolName(g, s->dims[i].sym)));
    return a;
}

static json_t *ioJson(const HgnGraph *g, bool outputs) {
    json_t *a = json_array();
    int32_t n = outputs ? hgnGraphOutputCount(g) : hgnGraphInputCount(g);
    for (int32_t i = 0; i < n; i++) {
        const HgnValue *v = hgnGraphValue(g, outputs ? hgnGraphOutput(g, i) : hgnGraphInput(g, i));
        json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "name", v->name, "dtype", hgnDtypeName(v->dtype), "shape",
                                           shapeJson(g, &v->shape)));
    }
    return a;
}

static HgnStatus addIr(Inspect *in) {
    const HgnGraph *g = in->g;
    HgnGraphSummary sum;
    HgnStatus st = hgnGraphSummarize(g, &sum);
    if (st) return st;
    int32_t layers = 0;
    for (int32_t i = 0; i < hgnGraphNodeCount(g); i++)
        if (hgnGraphNode(g, i)->layer + 1 > layers) layers = hgnGraphNode(g, i)->layer + 1;
    json_t *ops = json_array();
    for (int32_t i = 0; i < sum.nOps; i++)
        json_array_append_new(ops, json_pack("{s:s,s:i}", "op", sum.ops[i].op, "count", sum.ops[i].count));
    char hex[65];
    hgnGraphDigestHex(g, hex);
    json_t *ir =
        json_pack("{s:i,s:i,s:i,s:i,s:I,s:s,s:o}", "nodes", sum.nNodes, "values", sum.nValues, "layers", layers,
                  "weights", sum.nWeights, "weightBytes", (json_int_t)sum.weightBytes, "digest", hex, "ops", ops);
    hgnGraphSummaryFree(&sum);
    if (!ir) return oom();
    json_object_set_new(in->doc, "ir", ir);
    json_object_set_new(in->doc, "inputs", ioJson(g, false));
    json_object_set_new(in->doc, "outputs", ioJson(g, true));
    return HGN_OK;
}

static void setTokenizer(Inspect *in, const HgnTokenizerInfo *t) {
    json_object_set_new(in->doc, "tokenizer",
                        json_pack("{s:s,s:s,s:I,s:s?}", "kind", t->kind, "path", t->path, "size", (json_int_t)t->size,
                                  "model", t->model[0] ? t->model : NULL));
}

/* The builder's verdict: an unsupported architecture is a warning (the file is still inspected). */
static HgnStatus graphResult(Inspect *in, HgnStatus st) {
    if (st && hgnStatusCode(st) == HGN_CODE_UnsupportedArchitecture) {
        warn(in, st);
        return HGN_OK;
    }
    return st;
}

static HgnStatus tokenizerResult(Inspect *in, HgnStatus st, const HgnTokenizerInfo *t) {
    if (!st) {
        setTokenizer(in, t);
        return HGN_OK;
    }
    if (!t->kind) { /* none found: worth saying, not fatal for inspect */
        warn(in, st);
        return HGN_OK;
    }
    return st;
}

static HgnStatus inspectGguf(Inspect *in, const HgnGgufFile *f) {
    for (size_t i = 0; i < hgnGgufTensorCount(f); i++) addView(in, hgnGgufTensorAt(f, i), NULL);
    HgnGgufString s;
    if (hgnGgufFind(f, "general.architecture") && !hgnGgufGetString(f, "general.architecture", &s))
        json_object_set_new(in->doc, "architecture", json_stringn(s.ptr, (size_t)s.len));
    if (hgnGgufFind(f, "general.name") && !hgnGgufGetString(f, "general.name", &s))
        json_object_set_new(in->doc, "name", json_stringn(s.ptr, (size_t)s.len));
    json_object_set_new(in->doc, "ggufVersion", json_integer(hgnGgufVersion(f)));
    json_object_set_new(in->doc, "fileBytes", json_integer((json_int_t)hgnGgufFileSize(f)));
    HgnLlmSpec spec;
    HgnStatus st = hgnLlmSpecFromGguf(f, &spec);
    if (!st) {
        json_object_set_new(in->doc, "family", json_string(hgnLlmFamilyName(spec.family)));
        st = hgnLlmGraphFromGguf(f, &in->g);
    }
    if ((st = graphResult(in, st))) return st;
    HgnTokenizerInfo t;
    return tokenizerResult(in, hgnTokenizerCheckGguf(f, in->g ? spec.vocab : 0, &t), &t);
}

static HgnStatus inspectSafetensors(Inspect *in, const HgnSafetensors *s, const HgnHfConfig *cfg, const char *dir) {
    for (size_t i = 0; i < hgnSafetensorsTensorCount(s); i++) {
        const HgnTensorView *t = hgnSafetensorsTensorAt(s, i);
        addView(in, t, baseName(hgnSafetensorsFilePath(s, (size_t)t->fileIndex)));
    }
    json_object_set_new(in->doc, "fileBytes", json_integer((json_int_t)hgnSafetensorsTotalFileBytes(s)));
    json_object_set_new(in->doc, "files", json_integer((json_int_t)hgnSafetensorsFileCount(s)));
    if (!cfg) {
        warn(in, hgnStatusNew(HGN_CODE_NotFound, dir, "put the model's config.json beside the weights",
                              "no config.json: the architecture and the IR are unknown"));
        return HGN_OK;
    }
    json_object_set_new(in->doc, "architecture",
                        json_string(cfg->nArchitectures ? cfg->architectures[0]
                                    : cfg->modelType    ? cfg->modelType
                                                        : "unknown"));
    HgnLlmSpec spec;
    HgnStatus st = hgnLlmSpecFromHfConfig(cfg, &spec);
    if (!st) {
        json_object_set_new(in->doc, "family", json_string(hgnLlmFamilyName(spec.family)));
        st = hgnLlmGraphFromSafetensors(cfg, s, &in->g);
    }
    if ((st = graphResult(in, st))) return st;
    HgnTokenizerInfo t;
    return tokenizerResult(in, hgnTokenizerCheckDir(dir, cfg->vocabSize, &t), &t);
}

static HgnStatus inspectFolder(Inspect *in, const char *path) {
    HgnHfModel *m;
    HgnStatus st = hgnHfModelOpen(path, &m);
    if (st) return st;
    json_object_set_new(in->doc, "folder", json_string(hgnHfModelDir(m)));
    const HgnHfConfig *cfg = hgnHfModelConfig(m);
    if (hgnHfModelGguf(m)) {
        json_object_set_new(in->doc, "weights", json_string(hgnHfModelWeightsPath(m)));
        st = inspectGguf(in, hgnHfModelGguf(m));
    } else
        st = inspectSafetensors(in, hgnHfModelSafetensors(m), cfg, hgnHfModelDir(m));
    /* graph data borrows the mapping: keep the model open as long as the graph */
    if (!st && in->g)
        st = hgnGraphKeepAlive(in->g, m, closeModel);
    else
        hgnHfModelClose(m);
    return st;
}

static HgnStatus inspectOnnx(Inspect *in, const char *path) {
    HgnStatus st = hgnOnnxImport(path, &in->g);
    if (st &&
        (hgnStatusCode(st) == HGN_CODE_UnsupportedOperator || hgnStatusCode(st) == HGN_CODE_ShapeInferenceFailed)) {
        warn(in, st);
        st = hgnOnnxLoad(path, &in->g);
    }
    if (st) return st;
    json_object_set_new(in->doc, "architecture", json_string("onnx"));
    for (int32_t i = 0; i < hgnGraphValueCount(in->g); i++) {
        const HgnValue *v = hgnGraphValue(in->g, i);
        if (v->role != HGN_ROLE_WEIGHT) continue;
        int64_t n = 0;
        HgnStatus e = hgnShapeElements(&v->shape, NULL, 0, &n);
        if (e) {
            hgnStatusFree(e);
            n = 0;
        }
        json_t *row = json_pack("{s:s,s:s,s:o,s:I}", "name", v->name, "dtype", hgnDtypeName(v->dtype), "shape",
                                shapeJson(in->g, &v->shape), "bytes", (json_int_t)v->bytes);
        if (row && v->externalPath) json_object_set_new(row, "file", json_string(v->externalPath));
        json_array_append_new(in->tensors, row);
        addCounts(in, hgnDtypeName(v->dtype), n, v->bytes);
    }
    return HGN_OK;
}

static char *dirOf(const char *path) {
    const char *s = strrchr(path, '/');
    if (!s) return hgnStrdup(".");
    size_t n = s == path ? 1 : (size_t)(s - path);
    char *d = hgnMalloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static HgnStatus inspectSafetensorsFile(Inspect *in, const char *path) {
    HgnSafetensors *s;
    HgnStatus st = hgnSafetensorsOpen(path, &s);
    if (st) return st;
    char *dir = dirOf(path);
    HgnHfConfig *cfg = NULL;
    if (!dir) st = oom();
    if (!st) {
        HgnBuf p;
        hgnBufInit(&p);
        hgnBufAppendf(&p, "%s/config.json", dir);
        FILE *f = fopen(hgnBufStr(&p), "rb");
        if (f) {
            fclose(f);
            st = hgnHfConfigLoad(hgnBufStr(&p), &cfg);
        }
        hgnBufFree(&p);
    }
    if (!st) st = inspectSafetensors(in, s, cfg, dir);
    hgnHfConfigFree(cfg);
    hgnFree(dir);
    if (!st && in->g)
        st = hgnGraphKeepAlive(in->g, s, closeSafetensors);
    else
        hgnSafetensorsClose(s);
    return st;
}

HgnStatus cliInspectModel(const char *path, const char *format, json_t **pReport) {
    *pReport = NULL;
    Inspect in = {.doc = json_object(), .tensors = json_array(), .dtypes = json_object(), .warnings = json_array()};
    if (!in.doc || !in.tensors || !in.dtypes || !in.warnings) {
        json_decref(in.doc), json_decref(in.tensors), json_decref(in.dtypes), json_decref(in.warnings);
        return oom();
    }
    json_object_set_new(in.doc, "path", json_string(path));
    json_object_set_new(in.doc, "format", json_string(format));
    json_object_set_new(in.doc, "architecture", json_null());
    HgnStatus st = HGN_OK;
    if (strcmp(format, "gguf") == 0) {
        HgnGgufFile *f;
        st = hgnGgufOpen(path, &f);
        if (!st) {
            st = inspectGguf(&in, f);
            if (!st && in.g)
                st = hgnGraphKeepAlive(in.g, f, closeGguf);
            else
                hgnGgufClose(f);
        }
    } else if (strcmp(format, "safetensors") == 0 || strcmp(format, "safetensors-index") == 0)
        st = inspectSafetensorsFile(&in, path);
    else if (strcmp(format, "onnx") == 0)
        st = inspectOnnx(&in, path);
    else
        st = inspectFolder(&in, path);
    if (!st) {
        json_object_set_new(in.doc, "parameters", json_integer((json_int_t)in.params));
        json_object_set_new(in.doc, "totalBytes", json_integer((json_int_t)in.bytes));
        json_object_set(in.doc, "dtypes", in.dtypes);
        if (!json_object_get(in.doc, "tokenizer")) json_object_set_new(in.doc, "tokenizer", json_null());
        if (in.g)
            st = addIr(&in);
        else {
            json_object_set_new(in.doc, "ir", json_null());
            json_object_set_new(in.doc, "inputs", json_array());
            json_object_set_new(in.doc, "outputs", json_array());
        }
        json_object_set(in.doc, "tensors", in.tensors);
        json_object_set(in.doc, "warnings", in.warnings);
    }
    hgnGraphFree(in.g);
    json_decref(in.tensors), json_decref(in.dtypes), json_decref(in.warnings);
    if (st) {
        json_decref(in.doc);
        return st;
    }
    *pReport = in.doc;
    return HGN_OK;
}
