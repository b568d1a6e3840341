/* onnxBuild.h — test helper: builds small ONNX models in memory with the
 * protobuf-c bindings and serialises them (header-only, for tests). */
#ifndef HGN_TESTS_ONNXBUILD_H
#define HGN_TESTS_ONNXBUILD_H

#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.pb-c.h"

/* every allocation is remembered and released by obFreeAll() */
static void *obKept[4096];
static int obNKept;
static inline void *obAlloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (p && obNKept < 4096) obKept[obNKept++] = p;
    return p;
}
static inline void obFreeAll(void) {
    while (obNKept) free(obKept[--obNKept]);
}
static inline char *obStr(const char *s) {
    char *p = obAlloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}
#define OB_PUSH(arr, n, item)                                                                                          \
    do {                                                                                                               \
        void **na_ = obAlloc(sizeof(void *) * ((n) + 1));                                                              \
        if ((n)) memcpy(na_, (arr), sizeof(void *) * (n));                                                             \
        (arr) = (void *)na_;                                                                                           \
        (arr)[(n)++] = (item);                                                                                         \
    } while (0)

/* dims: >= 0 known; -1 symbolic named syms[i] */
static inline Onnx__ValueInfoProto *obValueInfo(const char *name, int elemType, int nDims, const int64_t *dims,
                                                const char *const *syms) {
    Onnx__ValueInfoProto *vi = obAlloc(sizeof *vi);
    onnx__value_info_proto__init(vi);
    vi->name = obStr(name);
    Onnx__TypeProto *tp = obAlloc(sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = obAlloc(sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = elemType;
    if (nDims >= 0) {
        Onnx__TensorShapeProto *sh = obAlloc(sizeof *sh);
        onnx__tensor_shape_proto__init(sh);
        for (int i = 0; i < nDims; i++) {
            Onnx__TensorShapeProto__Dimension *d = obAlloc(sizeof *d);
            onnx__tensor_shape_proto__dimension__init(d);
            if (dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[i];
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = obStr(syms[i]);
            }
            OB_PUSH(sh->dim, sh->n_dim, d);
        }
        tt->shape = sh;
    }
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

static inline Onnx__NodeProto *obNode(Onnx__GraphProto *g, const char *op, const char *name, const char *ins,
                                      const char *outs) {
    Onnx__NodeProto *n = obAlloc(sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = obStr(op);
    n->name = obStr(name);
    char buf[256];
    for (int pass = 0; pass < 2; pass++) {
        snprintf(buf, sizeof buf, "%s", pass ? outs : ins);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            char *t = obStr(strcmp(tok, "_") ? tok : "");
            if (pass)
                OB_PUSH(n->output, n->n_output, t);
            else
                OB_PUSH(n->input, n->n_input, t);
        }
    }
    OB_PUSH(g->node, g->n_node, n);
    return n;
}

static inline void obAttrInts(Onnx__NodeProto *n, const char *name, int cnt, const int64_t *v) {
    Onnx__AttributeProto *a = obAlloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = obStr(name);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->ints = obAlloc(sizeof(int64_t) * (size_t)cnt);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)cnt);
    a->n_ints = (size_t)cnt;
    OB_PUSH(n->attribute, n->n_attribute, a);
}

static inline void obAttrInt(Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = obAlloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = obStr(name);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = v;
    OB_PUSH(n->attribute, n->n_attribute, a);
}

static inline Onnx__TensorProto *obTensorI64(const char *name, int nDims, const int64_t *dims, int n,
                                             const int64_t *vals) {
    Onnx__TensorProto *t = obAlloc(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = obStr(name);
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t->dims = obAlloc(sizeof(int64_t) * (size_t)(nDims + 1));
    memcpy(t->dims, dims, sizeof(int64_t) * (size_t)nDims);
    t->n_dims = (size_t)nDims;
    t->int64_data = obAlloc(sizeof(int64_t) * (size_t)(n + 1));
    memcpy(t->int64_data, vals, sizeof(int64_t) * (size_t)n);
    t->n_int64_data = (size_t)n;
    return t;
}

static inline Onnx__GraphProto *obGraph(void) {
    Onnx__GraphProto *g = obAlloc(sizeof *g);
    onnx__graph_proto__init(g);
    g->name = obStr("test");
    return g;
}

/* Serialises a model around g with the default opset; returns malloc'd bytes. */
static inline uint8_t *obPack(Onnx__GraphProto *g, int64_t opset, size_t *size) {
    Onnx__ModelProto m;
    onnx__model_proto__init(&m);
    m.has_ir_version = 1;
    m.ir_version = 8;
    Onnx__OperatorSetIdProto os;
    onnx__operator_set_id_proto__init(&os);
    os.domain = (char *)"";
    os.has_version = 1;
    os.version = opset;
    Onnx__OperatorSetIdProto *osp = &os;
    m.opset_import = &osp;
    m.n_opset_import = 1;
    m.graph = g;
    *size = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = obAlloc(*size + 1);
    onnx__model_proto__pack(&m, buf);
    return buf;
}

#endif
