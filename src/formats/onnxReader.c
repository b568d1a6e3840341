/* onnxReader.c — ONNX ModelProto → HgnGraph: opsets, initializers, inputs,
 * outputs, value_info, nodes and attributes; Constant nodes become constants. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "formats/onnxTensor.h"
#include "huginn/onnx.h"
#include "ir/graphInt.h"

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory reading ONNX"); }

static void freeModel(void *p) { onnx__model_proto__free_unpacked(p, &hgnOnnxAllocator); }

typedef struct Reader {
    HgnGraph *g;
    const char *source;
    const char *baseDir;
    int32_t nAnon; /* anonymous dims seen */
    char where[512];
} Reader;

static const char *whereNode(Reader *r, const Onnx__NodeProto *n, int32_t idx) {
    snprintf(r->where, sizeof r->where, "%s: node '%s' (%s, #%d)", r->source, n->name && *n->name ? n->name : "",
             n->op_type ? n->op_type : "?", idx);
    return r->where;
}

static HgnStatus shapeFromType(Reader *r, const Onnx__TypeProto *tp, const char *name, HgnDtype *dtype,
                               HgnShape *shape) {
    *dtype = HGN_DTYPE_UNKNOWN;
    shape->rank = -1;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return HGN_OK;
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type && tt->elem_type != 0 && !hgnOnnxDtype(tt->elem_type, dtype)) {
        snprintf(r->where, sizeof r->where, "%s: value '%s'", r->source, name);
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, r->where, NULL, "element type %d is not supported",
                            tt->elem_type);
    }
    if (!tt->shape) return HGN_OK;
    if (tt->shape->n_dim > HGN_MAX_RANK) {
        snprintf(r->where, sizeof r->where, "%s: value '%s'", r->source, name);
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "rank %zu exceeds %d", tt->shape->n_dim,
                            HGN_MAX_RANK);
    }
    shape->rank = (int32_t)tt->shape->n_dim;
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value > HGN_DIM_MAX) {
            snprintf(r->where, sizeof r->where, "%s: value '%s'", r->source, name);
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "dim %zu is %lld (at most 2^40)", i,
                                (long long)d->dim_value);
        }
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0) {
            shape->dims[i] = (HgnDim){d->dim_value, HGN_DIM_KNOWN};
        } else {
            char anon[32];
            const char *sym = NULL;
            if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param && *d->dim_param)
                sym = d->dim_param;
            else {
                snprintf(anon, sizeof anon, "?%d", r->nAnon++);
                sym = anon;
            }
            int32_t id = hgnGraphSymbol(r->g, sym);
            if (id < 0) return oom();
            shape->dims[i] = (HgnDim){0, id};
        }
    }
    return HGN_OK;
}

static HgnStatus addInitializer(Reader *r, const Onnx__TensorProto *t, int32_t idx) {
    snprintf(r->where, sizeof r->where, "%s: initializer '%s' (#%d)", r->source, t->name ? t->name : "", idx);
    if (!t->name || !*t->name)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "initializer has no name");
    OnnxTensorView view;
    HgnStatus st = hgnOnnxTensorDecode(t, &r->g->arena, r->where, r->baseDir, &view);
    if (st) return st;
    int32_t v;
    if ((st = hgnGraphAddValue(r->g, t->name, view.dtype, &view.shape, HGN_ROLE_WEIGHT, &v))) return st;
    if (view.externalPath) return hgnGraphSetValueExternal(r->g, v, view.externalPath, view.externalOffset, view.bytes);
    return hgnGraphSetValueData(r->g, v, view.data, view.data ? view.bytes : 0, false);
}

static HgnStatus convertAttr(Reader *r, const Onnx__AttributeProto *a, HgnAttr *out) {
    memset(out, 0, sizeof *out);
    out->name = a->name ? a->name : "";
    int type = a->has_type ? (int)a->type : 0;
    if (!type) { /* IR < 2: infer from the field in use */
        if (a->has_f)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        else if (a->has_i)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        else if (a->has_s)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        else if (a->t)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        else if (a->g)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
        else if (a->n_floats)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        else if (a->n_ints)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        else if (a->n_strings)
            type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    }
    if (a->n_ints > INT32_MAX || a->n_floats > INT32_MAX || a->n_strings > INT32_MAX) return oom();
    switch (type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        out->type = HGN_ATTR_FLOAT, out->f = a->f;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        out->type = HGN_ATTR_INT, out->i = a->i;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        out->type = HGN_ATTR_STRING;
        out->s = a->has_s && a->s.data ? (const char *)a->s.data : "";
        out->sLen = a->has_s ? a->s.len : 0;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        out->type = HGN_ATTR_FLOATS, out->n = (int32_t)a->n_floats, out->floats = a->floats;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        out->type = HGN_ATTR_INTS, out->n = (int32_t)a->n_ints, out->ints = a->ints;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: {
        out->type = HGN_ATTR_STRINGS;
        out->n = (int32_t)a->n_strings;
        const char **ss = hgnArenaAlloc(&r->g->arena, sizeof(char *) * (a->n_strings + 1));
        if (!ss) return oom();
        for (size_t i = 0; i < a->n_strings; i++) {
            ss[i] = hgnArenaStrndup(&r->g->arena, a->strings[i].data ? (const char *)a->strings[i].data : "",
                                    a->strings[i].len);
            if (!ss[i]) return oom();
        }
        out->strings = ss;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
        if (!a->t)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "tensor attribute '%s' has no tensor",
                                out->name);
        OnnxTensorView view;
        char w[600];
        snprintf(w, sizeof w, "%s: attribute '%s'", r->where, out->name);
        HgnStatus st = hgnOnnxTensorDecode(a->t, &r->g->arena, w, NULL, &view);
        if (st) return st;
        out->type = HGN_ATTR_TENSOR;
        out->tDtype = view.dtype;
        out->tShape = view.shape;
        out->tData = view.data;
        out->tBytes = view.data ? view.bytes : 0;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
        out->type = HGN_ATTR_GRAPH;
        break;
    default:
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "attribute '%s' has unsupported type %d",
                            out->name, type);
    }
    return HGN_OK;
}

/* Constant node → constant value with data. */
static HgnStatus foldConstantNode(Reader *r, const HgnAttr *attrs, int32_t nAttrs, int32_t out) {
    if (nAttrs != 1)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, "Constant takes exactly one value attribute",
                            "Constant node has %d attributes", nAttrs);
    const HgnAttr *a = &attrs[0];
    HgnShape shape = {0};
    HgnDtype dtype;
    const void *data = NULL;
    uint64_t bytes = 0;
    double f;
    float f32;
    if (strcmp(a->name, "value") == 0 && a->type == HGN_ATTR_TENSOR) {
        dtype = a->tDtype, shape = a->tShape, data = a->tData, bytes = a->tBytes;
    } else if (strcmp(a->name, "value_float") == 0 && a->type == HGN_ATTR_FLOAT) {
        f = a->f;
        f32 = (float)f;
        dtype = HGN_DTYPE_F32, data = &f32, bytes = 4;
    } else if (strcmp(a->name, "value_int") == 0 && a->type == HGN_ATTR_INT) {
        dtype = HGN_DTYPE_I64, data = &a->i, bytes = 8;
    } else if (strcmp(a->name, "value_floats") == 0 && a->type == HGN_ATTR_FLOATS) {
        dtype = HGN_DTYPE_F32, shape.rank = 1, shape.dims[0] = (HgnDim){a->n, HGN_DIM_KNOWN};
        data = a->floats, bytes = 4u * (uint64_t)a->n;
    } else if (strcmp(a->name, "value_ints") == 0 && a->type == HGN_ATTR_INTS) {
        dtype = HGN_DTYPE_I64, shape.rank = 1, shape.dims[0] = (HgnDim){a->n, HGN_DIM_KNOWN};
        data = a->ints, bytes = 8u * (uint64_t)a->n;
    } else if (strcmp(a->name, "value_string") == 0 || strcmp(a->name, "value_strings") == 0) {
        dtype = HGN_DTYPE_STRING;
        if (strcmp(a->name, "value_strings") == 0) shape.rank = 1, shape.dims[0] = (HgnDim){a->n, HGN_DIM_KNOWN};
    } else {
        return hgnStatusNew(HGN_CODE_UnsupportedOperator, r->where, NULL, "Constant attribute '%s' is not supported",
                            a->name);
    }
    HgnValue *v = &r->g->values[out];
    v->dtype = dtype;
    v->shape = shape;
    v->role = HGN_ROLE_CONSTANT;
    return hgnGraphSetValueData(r->g, out, data, bytes, true);
}

static HgnStatus readGraph(Reader *r, const Onnx__ModelProto *m) {
    HgnGraph *g = r->g;
    HgnStatus st;
    const Onnx__GraphProto *gp = m->graph;
    if (!gp)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->source, "is this an ONNX model?", "the model has no graph");
    bool haveDefault = false;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        if ((st = hgnGraphSetOpset(g, o->domain ? o->domain : "", o->has_version ? o->version : 1))) return st;
        if (!o->domain || !*o->domain || strcmp(o->domain, "ai.onnx") == 0) haveDefault = true;
    }
    if (!haveDefault && (st = hgnGraphSetOpset(g, "", 1))) return st;
    for (size_t i = 0; i < gp->n_initializer; i++)
        if ((st = addInitializer(r, gp->initializer[i], (int32_t)i))) return st;
    if (gp->n_sparse_initializer)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->source, "densify the model's sparse initializers",
                            "sparse initializers are not supported");
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name)
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->source, NULL, "graph input %zu has no name", i);
        HgnDtype dt;
        HgnShape sh;
        if ((st = shapeFromType(r, vi->type, vi->name, &dt, &sh))) return st;
        int32_t v = hgnGraphFindValue(g, vi->name);
        if (v >= 0) continue; /* IR < 4 lists initializers as inputs too */
        if ((st = hgnGraphAddValue(g, vi->name, dt, &sh, HGN_ROLE_INPUT, &v))) return st;
        if ((st = hgnGraphAddInput(g, v))) return st;
    }
    /* pass 1: every node output becomes a value, so nodes may come in any order */
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        for (size_t k = 0; k < n->n_output; k++) {
            if (!n->output[k] || !*n->output[k]) continue;
            int32_t v;
            if (hgnGraphFindValue(g, n->output[k]) >= 0)
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, whereNode(r, n, (int32_t)i),
                                    "each value has one producer", "output '%s' is already defined", n->output[k]);
            if ((st = hgnGraphAddValue(g, n->output[k], HGN_DTYPE_UNKNOWN, NULL, HGN_ROLE_ACTIVATION, &v))) return st;
        }
    }
    int32_t *ins = NULL, *outs = NULL;
    HgnAttr *attrs = NULL;
    size_t capIns = 0, capOuts = 0, capAttrs = 0;
    st = HGN_OK;
    for (size_t i = 0; i < gp->n_node && !st; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        whereNode(r, n, (int32_t)i);
        if (!n->op_type || !*n->op_type) {
            st = hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where, NULL, "node has no op_type");
            break;
        }
        if (n->n_input > capIns) {
            hgnFree(ins);
            capIns = n->n_input;
            if (!(ins = hgnMalloc(sizeof *ins * capIns))) {
                st = oom();
                break;
            }
        }
        if (n->n_output > capOuts) {
            hgnFree(outs);
            capOuts = n->n_output;
            if (!(outs = hgnMalloc(sizeof *outs * capOuts))) {
                st = oom();
                break;
            }
        }
        if (n->n_attribute > capAttrs) {
            hgnFree(attrs);
            capAttrs = n->n_attribute;
            if (!(attrs = hgnMalloc(sizeof *attrs * capAttrs))) {
                st = oom();
                break;
            }
        }
        for (size_t k = 0; k < n->n_input && !st; k++) {
            const char *nm = n->input[k];
            if (!nm || !*nm) {
                ins[k] = -1;
                continue;
            }
            ins[k] = hgnGraphFindValue(g, nm);
            if (ins[k] < 0)
                st = hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->where,
                                  "every input must be a graph input, an initializer or a node output",
                                  "input '%s' is not defined anywhere in the graph", nm);
        }
        for (size_t k = 0; k < n->n_output; k++)
            outs[k] = n->output[k] && *n->output[k] ? hgnGraphFindValue(g, n->output[k]) : -1;
        for (size_t k = 0; k < n->n_attribute && !st; k++) st = convertAttr(r, n->attribute[k], &attrs[k]);
        if (st) break;
        bool isDefault = !n->domain || !*n->domain || strcmp(n->domain, "ai.onnx") == 0;
        if (isDefault && strcmp(n->op_type, "Constant") == 0 && n->n_input == 0 && n->n_output == 1 && outs[0] >= 0) {
            st = foldConstantNode(r, attrs, (int32_t)n->n_attribute, outs[0]);
            continue;
        }
        HgnNodeSpec spec = {.op = n->op_type,
                            .name = n->name,
                            .domain = isDefault ? "" : n->domain,
                            .inputs = ins,
                            .nInputs = (int32_t)n->n_input,
                            .outputs = outs,
                            .nOutputs = (int32_t)n->n_output,
                            .attrs = attrs,
                            .nAttrs = (int32_t)n->n_attribute,
                            .layer = -1};
        int32_t id;
        st = hgnGraphAddNode(g, &spec, &id);
        if (st) st = hgnStatusPrefixWhere(st, r->where);
    }
    hgnFree(ins);
    hgnFree(outs);
    hgnFree(attrs);
    if (st) return st;
    /* declared types of outputs and intermediate values */
    for (size_t pass = 0; pass < 2; pass++) {
        size_t cnt = pass ? gp->n_output : gp->n_value_info;
        Onnx__ValueInfoProto **arr = pass ? gp->output : gp->value_info;
        for (size_t i = 0; i < cnt; i++) {
            const Onnx__ValueInfoProto *vi = arr[i];
            int32_t v = hgnGraphFindValue(g, vi->name);
            if (v < 0) {
                if (pass)
                    return hgnStatusNew(HGN_CODE_ModelFormatInvalid, r->source, NULL,
                                        "graph output '%s' is not produced by any node", vi->name ? vi->name : "");
                continue;
            }
            HgnDtype dt;
            HgnShape sh;
            if ((st = shapeFromType(r, vi->type, vi->name, &dt, &sh))) return st;
            HgnValue *val = &g->values[v];
            if (val->role == HGN_ROLE_ACTIVATION || val->role == HGN_ROLE_OUTPUT) {
                if (dt != HGN_DTYPE_UNKNOWN) val->dtype = dt;
                if (sh.rank >= 0) val->shape = sh;
            }
            if (pass) {
                if (val->role == HGN_ROLE_ACTIVATION) val->role = HGN_ROLE_OUTPUT;
                if ((st = hgnGraphAddOutput(g, v))) return st;
            }
        }
    }
    return HGN_OK;
}

HgnStatus hgnOnnxLoadBuffer(const void *data, size_t size, const char *source, const char *baseDir,
                            HgnGraph **ppGraph) {
    *ppGraph = NULL;
    if (!source) source = "<memory>";
    HgnStatus st = hgnOnnxCheckWire(data, size, source);
    if (st) return st;
    hgnOnnxAllocFailedReset();
    Onnx__ModelProto *m = onnx__model_proto__unpack(&hgnOnnxAllocator, size, data);
    if (!m && hgnOnnxAllocFailedReset()) return oom();
    if (!m)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, source, "is this an ONNX model? (re-export it)",
                            "invalid ONNX protobuf: a nested message is malformed or truncated");
    HgnGraph *g;
    if ((st = hgnGraphCreate(&g))) {
        freeModel(m);
        return st;
    }
    hgnGraphSetSource(g, source);
    if ((st = hgnGraphKeepAlive(g, m, freeModel))) {
        hgnGraphFree(g);
        return st;
    }
    Reader r = {.g = g, .source = source, .baseDir = baseDir};
    st = readGraph(&r, m);
    if (!st) st = hgnGraphFinalize(g);
    if (st) {
        hgnGraphFree(g);
        return st;
    }
    *ppGraph = g;
    return HGN_OK;
}

HgnStatus hgnOnnxLoad(const char *path, HgnGraph **ppGraph) {
    *ppGraph = NULL;
    uint8_t *buf;
    size_t size;
    HgnStatus st = hgnOnnxReadFile(path, &buf, &size);
    if (st) return st;
    char *copy = hgnStrdup(path);
    if (!copy) {
        hgnFree(buf);
        return oom();
    }
    st = hgnOnnxLoadBuffer(buf, size, path, dirname(copy), ppGraph);
    hgnFree(copy);
    hgnFree(buf);
    return st;
}

HgnStatus hgnOnnxImport(const char *path, HgnGraph **ppGraph) {
    HgnStatus st = hgnOnnxLoad(path, ppGraph);
    if (st) return st;
    st = hgnGraphInferShapes(*ppGraph);
    if (st) {
        hgnGraphFree(*ppGraph);
        *ppGraph = NULL;
    }
    return st;
}
