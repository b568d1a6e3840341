/* irJson.c — reports on an HgnGraph: summary counts (ops by type, weights,
 * symbols), the full graph as JSON, and the text `huginn inspect` prints. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "ir/graphInt.h"

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory rendering the IR"); }

static int cmpOpCount(const void *a, const void *b) {
    const HgnOpCount *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->op, y->op);
}

HgnStatus hgnGraphSummarize(const HgnGraph *g, HgnGraphSummary *out) {
    memset(out, 0, sizeof *out);
    out->nNodes = g->nNodes;
    out->nValues = g->nValues;
    out->nInputs = g->nInputs;
    out->nOutputs = g->nOutputs;
    out->nSymbols = g->nSymbols;
    for (int32_t v = 0; v < g->nValues; v++) {
        const HgnValue *val = &g->values[v];
        if (val->role == HGN_ROLE_WEIGHT) {
            out->nWeights++;
            if (val->bytesKnown) out->weightBytes += val->bytes;
        } else if (val->role == HGN_ROLE_CONSTANT)
            out->nConstants++;
        else if (val->bytesKnown && val->bytes > out->maxValueBytes)
            out->maxValueBytes = val->bytes;
    }
    if (!g->nNodes) return HGN_OK;
    out->ops = hgnCalloc((size_t)g->nNodes, sizeof *out->ops);
    if (!out->ops) return oom();
    for (int32_t i = 0; i < g->nNodes; i++) {
        const char *op = g->nodes[i].op;
        int32_t k = 0;
        while (k < out->nOps && strcmp(out->ops[k].op, op) != 0) k++;
        if (k == out->nOps) out->ops[out->nOps++] = (HgnOpCount){op, 0};
        out->ops[k].count++;
    }
    qsort(out->ops, (size_t)out->nOps, sizeof *out->ops, cmpOpCount);
    return HGN_OK;
}

void hgnGraphSummaryFree(HgnGraphSummary *s) {
    if (!s) return;
    hgnFree(s->ops);
    s->ops = NULL;
    s->nOps = 0;
}

static const char *roleName(HgnValueRole r) {
    static const char *const names[] = {"activation", "weight", "kvCache", "input", "output", "constant"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static json_t *shapeJson(const HgnGraph *g, const HgnShape *s) {
    if (s->rank < 0) return json_null();
    json_t *a = json_array();
    for (int32_t i = 0; i < s->rank && a; i++) {
        const HgnDim *d = &s->dims[i];
        json_array_append_new(a, d->sym == HGN_DIM_KNOWN ? json_integer(d->n)
                                                         : json_string(hgnGraphSymbolName(g, d->sym)));
    }
    return a;
}

static json_t *attrJson(const HgnAttr *a) {
    json_t *arr;
    switch (a->type) {
    case HGN_ATTR_INT:
        return json_integer(a->i);
    case HGN_ATTR_FLOAT:
        return json_real(a->f);
    case HGN_ATTR_STRING:
        return json_stringn_nocheck(a->s, a->sLen);
    case HGN_ATTR_INTS:
        arr = json_array();
        for (int32_t i = 0; i < a->n; i++) json_array_append_new(arr, json_integer(a->ints[i]));
        return arr;
    case HGN_ATTR_FLOATS:
        arr = json_array();
        for (int32_t i = 0; i < a->n; i++) json_array_append_new(arr, json_real(a->floats[i]));
        return arr;
    case HGN_ATTR_STRINGS:
        arr = json_array();
        for (int32_t i = 0; i < a->n; i++) json_array_append_new(arr, json_string_nocheck(a->strings[i]));
        return arr;
    case HGN_ATTR_TENSOR:
        return json_pack("{s:s,s:I}", "tensor", hgnDtypeName(a->tDtype), "bytes", (json_int_t)a->tBytes);
    case HGN_ATTR_GRAPH:
        return json_string("<graph>");
    }
    return json_null();
}

HgnStatus hgnIrToJson(const HgnGraph *g, bool includeValues, char **pJson) {
    *pJson = NULL;
    json_t *root = json_object();
    if (!root) return oom();
    char hex[65];
    hgnGraphDigestHex(g, hex);
    json_object_set_new(root, "source", json_string(hgnGraphSource(g)));
    json_object_set_new(root, "digest", json_string(hex));
    json_t *opsets = json_object();
    for (int32_t i = 0; i < g->nOpsets; i++)
        json_object_set_new(opsets, *g->opsets[i].domain ? g->opsets[i].domain : "ai.onnx",
                            json_integer(g->opsets[i].version));
    json_object_set_new(root, "opsets", opsets);
    json_t *syms = json_array();
    for (int32_t i = 0; i < g->nSymbols; i++) json_array_append_new(syms, json_string(g->symbols[i]));
    json_object_set_new(root, "symbols", syms);
    HgnGraphSummary sum;
    HgnStatus st = hgnGraphSummarize(g, &sum);
    if (st) {
        json_decref(root);
        return st;
    }
    json_t *ops = json_object();
    for (int32_t i = 0; i < sum.nOps; i++) json_object_set_new(ops, sum.ops[i].op, json_integer(sum.ops[i].count));
    json_object_set_new(root, "summary",
                        json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:I,s:o}", "nodes", sum.nNodes, "values", sum.nValues,
                                  "inputs", sum.nInputs, "outputs", sum.nOutputs, "weights", sum.nWeights, "constants",
                                  sum.nConstants, "weightBytes", (json_int_t)sum.weightBytes, "ops", ops));
    hgnGraphSummaryFree(&sum);
    json_t *io = json_array();
    for (int32_t i = 0; i < g->nInputs; i++) json_array_append_new(io, json_string(g->values[g->inputs[i]].name));
    json_object_set_new(root, "inputs", io);
    io = json_array();
    for (int32_t i = 0; i < g->nOutputs; i++) json_array_append_new(io, json_string(g->values[g->outputs[i]].name));
    json_object_set_new(root, "outputs", io);
    if (includeValues) {
        json_t *vals = json_array();
        for (int32_t v = 0; v < g->nValues; v++) {
            const HgnValue *val = &g->values[v];
            json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:i,s:i,s:i}", "name", val->name, "dtype", hgnDtypeName(val->dtype),
                                  "role", roleName(val->role), "shape", shapeJson(g, &val->shape), "producer",
                                  val->producer, "firstUse", val->firstUse, "lastUse", val->lastUse);
            if (o && val->bytesKnown) json_object_set_new(o, "bytes", json_integer((json_int_t)val->bytes));
            if (o && val->externalPath) json_object_set_new(o, "external", json_string(val->externalPath));
            json_array_append_new(vals, o);
        }
        json_object_set_new(root, "values", vals);
        json_t *nodes = json_array();
        for (int32_t i = 0; i < g->nNodes; i++) {
            const HgnNode *n = &g->nodes[i];
            json_t *ins = json_array(), *outs = json_array(), *attrs = json_object();
            for (int32_t k = 0; k < n->nInputs; k++)
                json_array_append_new(ins, n->inputs[k] >= 0 ? json_string(g->values[n->inputs[k]].name) : json_null());
            for (int32_t k = 0; k < n->nOutputs; k++)
                json_array_append_new(outs,
                                      n->outputs[k] >= 0 ? json_string(g->values[n->outputs[k]].name) : json_null());
            for (int32_t k = 0; k < n->nAttrs; k++)
                json_object_set_new(attrs, n->attrs[k].name, attrJson(&n->attrs[k]));
            json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:i}", "name", n->name, "op", n->op, "inputs", ins, "outputs",
                                  outs, "attributes", attrs, "layer", n->layer);
            if (o && *n->domain) json_object_set_new(o, "domain", json_string(n->domain));
            if (o && n->ann.deviceHint) json_object_set_new(o, "deviceHint", json_string(n->ann.deviceHint));
            json_array_append_new(nodes, o);
        }
        json_object_set_new(root, "nodes", nodes);
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s) return oom();
    *pJson = hgnStrdup(s);
    free(s);
    return *pJson ? HGN_OK : oom();
}

HgnStatus hgnIrSummaryText(const HgnGraph *g, char **pText) {
    *pText = NULL;
    HgnGraphSummary sum;
    HgnStatus st = hgnGraphSummarize(g, &sum);
    if (st) return st;
    HgnBuf b;
    hgnBufInit(&b);
    char hex[65], shape[256];
    hgnGraphDigestHex(g, hex);
    hgnBufAppendf(&b, "model:   %s\ndigest:  %s\n", hgnGraphSource(g), hex);
    hgnBufAppendf(&b, "nodes:   %d   values: %d   weights: %d (%llu bytes)   constants: %d   symbols: %d\n", sum.nNodes,
                  sum.nValues, sum.nWeights, (unsigned long long)sum.weightBytes, sum.nConstants, sum.nSymbols);
    for (int32_t i = 0; i < g->nInputs; i++) {
        const HgnValue *v = &g->values[g->inputs[i]];
        hgnBufAppendf(&b, "input:   %s %s %s\n", v->name, hgnDtypeName(v->dtype),
                      hgnShapeFormat(g, &v->shape, shape, sizeof shape));
    }
    for (int32_t i = 0; i < g->nOutputs; i++) {
        const HgnValue *v = &g->values[g->outputs[i]];
        hgnBufAppendf(&b, "output:  %s %s %s\n", v->name, hgnDtypeName(v->dtype),
                      hgnShapeFormat(g, &v->shape, shape, sizeof shape));
    }
    hgnBufAppendStr(&b, "ops:\n");
    for (int32_t i = 0; i < sum.nOps; i++) hgnBufAppendf(&b, "  %-24s %d\n", sum.ops[i].op, sum.ops[i].count);
    hgnGraphSummaryFree(&sum);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return oom();
    }
    *pText = hgnBufDetach(&b);
    return HGN_OK;
}
