/* graph.c — HgnGraph construction and access: values, nodes, symbols, name index. */
#include "ir/graphInt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory building the IR"); }

static bool growArray(void **arr, int32_t *cap, int32_t need, size_t elt) {
    if (need <= *cap) return true;
    int32_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > INT32_MAX / 2) return false;
        nc *= 2;
    }
    void *p = hgnRealloc(*arr, (size_t)nc * elt);
    if (!p) return false;
    *arr = p;
    *cap = nc;
    return true;
}

HgnStatus hgnGraphCreate(HgnGraph **ppGraph) {
    *ppGraph = NULL;
    HgnGraph *g = hgnCalloc(1, sizeof *g);
    if (!g) return oom();
    hgnArenaInit(&g->arena);
    *ppGraph = g;
    return HGN_OK;
}

void hgnGraphFree(HgnGraph *g) {
    if (!g) return;
    for (int32_t i = g->nKeep - 1; i >= 0; i--) g->keep[i].freeFn(g->keep[i].p);
    hgnFree(g->keep);
    hgnFree(g->values);
    hgnFree(g->nodes);
    hgnFree(g->inputs);
    hgnFree(g->outputs);
    hgnFree(g->symbols);
    hgnFree(g->opsets);
    hgnFree(g->hash);
    hgnFree(g->known);
    hgnFree(g->source);
    hgnArenaFree(&g->arena);
    hgnFree(g);
}

void hgnGraphSetSource(HgnGraph *g, const char *source) {
    hgnFree(g->source);
    g->source = source ? hgnStrdup(source) : NULL;
}
const char *hgnGraphSource(const HgnGraph *g) { return g->source ? g->source : "<graph>"; }

HgnStatus hgnGraphKeepAlive(HgnGraph *g, void *p, void (*freeFn)(void *)) {
    KeepAlive *k = hgnRealloc(g->keep, sizeof *k * (size_t)(g->nKeep + 1));
    if (!k) {
        freeFn(p);
        return oom();
    }
    g->keep = k;
    g->keep[g->nKeep++] = (KeepAlive){p, freeFn};
    return HGN_OK;
}

/* ---- symbols ----------------------------------------------------------------- */
int32_t hgnGraphSymbol(HgnGraph *g, const char *name) {
    for (int32_t i = 0; i < g->nSymbols; i++)
        if (strcmp(g->symbols[i], name) == 0) return i;
    if (!growArray((void **)&g->symbols, &g->capSymbols, g->nSymbols + 1, sizeof *g->symbols)) return -1;
    char *s = hgnArenaStrdup(&g->arena, name);
    if (!s) return -1;
    g->symbols[g->nSymbols] = s;
    return g->nSymbols++;
}
const char *hgnGraphSymbolName(const HgnGraph *g, int32_t sym) {
    return sym >= 0 && sym < g->nSymbols ? g->symbols[sym] : "?";
}
int32_t hgnGraphSymbolCount(const HgnGraph *g) { return g->nSymbols; }

/* ---- name index ---------------------------------------------------------------- */
static uint32_t hashName(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static bool rehash(HgnGraph *g, uint32_t cap) {
    int32_t *t = hgnCalloc(cap, sizeof *t);
    if (!t) return false;
    for (int32_t i = 0; i < g->nValues; i++) {
        uint32_t h = hashName(g->values[i].name) & (cap - 1);
        while (t[h]) h = (h + 1) & (cap - 1);
        t[h] = i + 1;
    }
    hgnFree(g->hash);
    g->hash = t;
    g->hashCap = cap;
    return true;
}

int32_t hgnGraphFindValue(const HgnGraph *g, const char *name) {
    if (!g->hashCap || !name) return -1;
    uint32_t h = hashName(name) & (g->hashCap - 1);
    while (g->hash[h]) {
        int32_t i = g->hash[h] - 1;
        if (strcmp(g->values[i].name, name) == 0) return i;
        h = (h + 1) & (g->hashCap - 1);
    }
    return -1;
}

/* ---- values -------------------------------------------------------------------- */
HgnStatus hgnGraphAddValue(HgnGraph *g, const char *name, HgnDtype dtype, const HgnShape *shape, HgnValueRole role,
                           int32_t *pValue) {
    char gen[32];
    if (!name || !*name) {
        snprintf(gen, sizeof gen, "%%v%d", g->nValues);
        name = gen;
    }
    if (hgnGraphFindValue(g, name) >= 0)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), "value names must be unique",
                            "value '%s' is defined twice", name);
    if (shape && (shape->rank < -1 || shape->rank > HGN_MAX_RANK))
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), NULL,
                            "value '%s' has rank %d (Huginn supports at most %d)", name, shape->rank, HGN_MAX_RANK);
    if (!growArray((void **)&g->values, &g->capValues, g->nValues + 1, sizeof *g->values)) return oom();
    if ((uint32_t)(g->nValues + 1) * 2 > g->hashCap && !rehash(g, g->hashCap ? g->hashCap * 2 : 64)) return oom();
    HgnValue *v = &g->values[g->nValues];
    memset(v, 0, sizeof *v);
    v->name = hgnArenaStrdup(&g->arena, name);
    if (!v->name) return oom();
    v->dtype = dtype;
    v->role = role;
    if (shape)
        v->shape = *shape;
    else
        v->shape.rank = -1;
    v->producer = -1;
    v->firstUse = v->lastUse = -1;
    uint32_t h = hashName(v->name) & (g->hashCap - 1);
    while (g->hash[h]) h = (h + 1) & (g->hashCap - 1);
    g->hash[h] = g->nValues + 1;
    *pValue = g->nValues++;
    g->finalized = false;
    return HGN_OK;
}

HgnStatus hgnGraphSetValueData(HgnGraph *g, int32_t value, const void *data, uint64_t bytes, bool copy) {
    if (value < 0 || value >= g->nValues)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no value %d", value);
    HgnValue *v = &g->values[value];
    if (copy && bytes) {
        if (bytes > SIZE_MAX) return oom();
        void *p = hgnArenaDup(&g->arena, data, (size_t)bytes);
        if (!p) return oom();
        data = p;
    }
    v->data = data;
    v->dataBytes = bytes;
    g->finalized = false;
    return HGN_OK;
}

HgnStatus hgnGraphSetValueExternal(HgnGraph *g, int32_t value, const char *path, uint64_t offset, uint64_t bytes) {
    if (value < 0 || value >= g->nValues)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no value %d", value);
    HgnValue *v = &g->values[value];
    v->externalPath = hgnArenaStrdup(&g->arena, path);
    if (!v->externalPath) return oom();
    v->externalOffset = offset;
    v->dataBytes = bytes;
    v->data = NULL;
    g->finalized = false;
    return HGN_OK;
}

void hgnGraphSetValueShape(HgnGraph *g, int32_t value, const HgnShape *shape) {
    if (value < 0 || value >= g->nValues) return;
    g->values[value].shape = *shape;
    g->finalized = false;
}

void hgnGraphSetValueRole(HgnGraph *g, int32_t value, HgnValueRole role) {
    if (value < 0 || value >= g->nValues) return;
    g->values[value].role = role;
    g->finalized = false;
}

/* ---- nodes --------------------------------------------------------------------- */
static int cmpAttr(const void *a, const void *b) {
    return strcmp(((const HgnAttr *)a)->name, ((const HgnAttr *)b)->name);
}

static bool copyAttr(HgnArena *ar, HgnAttr *dst, const HgnAttr *src) {
    *dst = *src;
    dst->name = hgnArenaStrdup(ar, src->name ? src->name : "");
    if (!dst->name) return false;
    if (src->s) {
        dst->s = hgnArenaStrndup(ar, src->s, src->sLen);
        if (!dst->s) return false;
    }
    if (src->n > 0 && src->ints) {
        dst->ints = hgnArenaDup(ar, src->ints, sizeof(int64_t) * (size_t)src->n);
        if (!dst->ints) return false;
    }
    if (src->n > 0 && src->floats) {
        dst->floats = hgnArenaDup(ar, src->floats, sizeof(float) * (size_t)src->n);
        if (!dst->floats) return false;
    }
    if (src->n > 0 && src->strings) {
        const char **ss = hgnArenaAlloc(ar, sizeof(char *) * (size_t)src->n);
        if (!ss) return false;
        for (int32_t i = 0; i < src->n; i++)
            if (!(ss[i] = hgnArenaStrdup(ar, src->strings[i] ? src->strings[i] : ""))) return false;
        dst->strings = ss;
    }
    if (src->tData && src->tBytes) {
        if (src->tBytes > SIZE_MAX) return false;
        dst->tData = hgnArenaDup(ar, src->tData, (size_t)src->tBytes);
        if (!dst->tData) return false;
    }
    return true;
}

HgnStatus hgnGraphAddNode(HgnGraph *g, const HgnNodeSpec *spec, int32_t *pNode) {
    if (!spec->op || !*spec->op)
        return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), NULL, "node %d has no operator type",
                            g->nNodes);
    if (spec->nInputs < 0 || spec->nOutputs < 0 || spec->nAttrs < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "negative count in node spec");
    for (int32_t i = 0; i < spec->nInputs; i++)
        if (spec->inputs[i] < -1 || spec->inputs[i] >= g->nValues)
            return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "node input %d is not a value", spec->inputs[i]);
    for (int32_t i = 0; i < spec->nOutputs; i++)
        if (spec->outputs[i] < -1 || spec->outputs[i] >= g->nValues)
            return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "node output %d is not a value",
                                spec->outputs[i]);
    if (!growArray((void **)&g->nodes, &g->capNodes, g->nNodes + 1, sizeof *g->nodes)) return oom();
    HgnArena *ar = &g->arena;
    HgnNode *n = &g->nodes[g->nNodes];
    memset(n, 0, sizeof *n);
    n->op = hgnArenaStrdup(ar, spec->op);
    n->domain = hgnArenaStrdup(ar, spec->domain ? spec->domain : "");
    if (spec->name && *spec->name) {
        n->name = hgnArenaStrdup(ar, spec->name);
    } else {
        char buf[96];
        snprintf(buf, sizeof buf, "%.64s_%d", spec->op, g->nNodes);
        n->name = hgnArenaStrdup(ar, buf);
    }
    n->nInputs = spec->nInputs;
    n->nOutputs = spec->nOutputs;
    n->inputs = hgnArenaDup(ar, spec->inputs, sizeof(int32_t) * (size_t)spec->nInputs);
    n->outputs = hgnArenaDup(ar, spec->outputs, sizeof(int32_t) * (size_t)spec->nOutputs);
    if (!n->op || !n->domain || !n->name || !n->inputs || !n->outputs) return oom();
    if (spec->nAttrs) {
        HgnAttr *attrs = hgnArenaAlloc(ar, sizeof(HgnAttr) * (size_t)spec->nAttrs);
        if (!attrs) return oom();
        for (int32_t i = 0; i < spec->nAttrs; i++)
            if (!copyAttr(ar, &attrs[i], &spec->attrs[i])) return oom();
        qsort(attrs, (size_t)spec->nAttrs, sizeof *attrs, cmpAttr);
        for (int32_t i = 1; i < spec->nAttrs; i++)
            if (strcmp(attrs[i].name, attrs[i - 1].name) == 0)
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), NULL,
                                    "node '%s' (%s) has attribute '%s' twice", n->name, n->op, attrs[i].name);
        n->attrs = attrs;
        n->nAttrs = spec->nAttrs;
    }
    n->layer = spec->layer;
    n->originalIndex = g->nNodes;
    n->ann.quantBackends = HGN_QUANT_ALLOW_ALL;
    *pNode = g->nNodes++;
    g->finalized = false;
    return HGN_OK;
}

HgnStatus hgnGraphSetAnnotations(HgnGraph *g, int32_t node, const HgnNodeAnnotations *ann) {
    if (node < 0 || node >= g->nNodes) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no node %d", node);
    HgnNodeAnnotations a = *ann;
    a.deviceHint = ann->deviceHint ? hgnArenaStrdup(&g->arena, ann->deviceHint) : NULL;
    a.colocationGroup = ann->colocationGroup ? hgnArenaStrdup(&g->arena, ann->colocationGroup) : NULL;
    a.antiAffinitySet = ann->antiAffinitySet ? hgnArenaStrdup(&g->arena, ann->antiAffinitySet) : NULL;
    if ((ann->deviceHint && !a.deviceHint) || (ann->colocationGroup && !a.colocationGroup) ||
        (ann->antiAffinitySet && !a.antiAffinitySet))
        return oom();
    g->nodes[node].ann = a;
    g->finalized = false;
    return HGN_OK;
}

static HgnStatus addIo(HgnGraph *g, int32_t **arr, int32_t *n, int32_t *cap, int32_t value) {
    if (value < 0 || value >= g->nValues)
        return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no value %d", value);
    for (int32_t i = 0; i < *n; i++)
        if ((*arr)[i] == value) return HGN_OK;
    if (!growArray((void **)arr, cap, *n + 1, sizeof **arr)) return oom();
    (*arr)[(*n)++] = value;
    g->finalized = false;
    return HGN_OK;
}
HgnStatus hgnGraphAddInput(HgnGraph *g, int32_t value) {
    return addIo(g, &g->inputs, &g->nInputs, &g->capInputs, value);
}
HgnStatus hgnGraphAddOutput(HgnGraph *g, int32_t value) {
    return addIo(g, &g->outputs, &g->nOutputs, &g->capOutputs, value);
}

HgnStatus hgnGraphSetOpset(HgnGraph *g, const char *domain, int64_t version) {
    if (!domain || strcmp(domain, "ai.onnx") == 0) domain = "";
    for (int32_t i = 0; i < g->nOpsets; i++)
        if (strcmp(g->opsets[i].domain, domain) == 0) {
            g->opsets[i].version = version;
            return HGN_OK;
        }
    OpsetEntry *o = hgnRealloc(g->opsets, sizeof *o * (size_t)(g->nOpsets + 1));
    if (!o) return oom();
    g->opsets = o;
    const char *d = hgnArenaStrdup(&g->arena, domain);
    if (!d) return oom();
    g->opsets[g->nOpsets++] = (OpsetEntry){d, version};
    return HGN_OK;
}

int64_t hgnGraphOpset(const HgnGraph *g, const char *domain) {
    if (!domain || strcmp(domain, "ai.onnx") == 0) domain = "";
    for (int32_t i = 0; i < g->nOpsets; i++)
        if (strcmp(g->opsets[i].domain, domain) == 0) return g->opsets[i].version;
    return 0;
}

/* ---- access -------------------------------------------------------------------- */
int32_t hgnGraphValueCount(const HgnGraph *g) { return g->nValues; }
int32_t hgnGraphNodeCount(const HgnGraph *g) { return g->nNodes; }
const HgnValue *hgnGraphValue(const HgnGraph *g, int32_t value) {
    return value >= 0 && value < g->nValues ? &g->values[value] : NULL;
}
const HgnNode *hgnGraphNode(const HgnGraph *g, int32_t node) {
    return node >= 0 && node < g->nNodes ? &g->nodes[node] : NULL;
}
int32_t hgnGraphInputCount(const HgnGraph *g) { return g->nInputs; }
int32_t hgnGraphInput(const HgnGraph *g, int32_t i) { return i >= 0 && i < g->nInputs ? g->inputs[i] : -1; }
int32_t hgnGraphOutputCount(const HgnGraph *g) { return g->nOutputs; }
int32_t hgnGraphOutput(const HgnGraph *g, int32_t i) { return i >= 0 && i < g->nOutputs ? g->outputs[i] : -1; }

const HgnAttr *hgnNodeAttr(const HgnNode *node, const char *name) {
    int32_t lo = 0, hi = node->nAttrs - 1; /* attrs are sorted by name */
    while (lo <= hi) {
        int32_t mid = (lo + hi) / 2;
        int c = strcmp(node->attrs[mid].name, name);
        if (c == 0) return &node->attrs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}
int64_t hgnNodeAttrInt(const HgnNode *node, const char *name, int64_t dflt) {
    const HgnAttr *a = hgnNodeAttr(node, name);
    return a && a->type == HGN_ATTR_INT ? a->i : dflt;
}
double hgnNodeAttrFloat(const HgnNode *node, const char *name, double dflt) {
    const HgnAttr *a = hgnNodeAttr(node, name);
    return a && a->type == HGN_ATTR_FLOAT ? a->f : dflt;
}
const char *hgnNodeAttrString(const HgnNode *node, const char *name, const char *dflt) {
    const HgnAttr *a = hgnNodeAttr(node, name);
    return a && a->type == HGN_ATTR_STRING ? a->s : dflt;
}

/* ---- shapes -------------------------------------------------------------------- */
HgnStatus hgnShapeElements(const HgnShape *shape, const int64_t *symValues, int32_t nSymValues, int64_t *pElements) {
    if (shape->rank < 0) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "shape rank is unknown");
    int64_t n = 1;
    for (int32_t i = 0; i < shape->rank; i++) {
        int64_t d = shape->dims[i].n;
        if (shape->dims[i].sym != HGN_DIM_KNOWN) {
            if (!symValues || shape->dims[i].sym >= nSymValues || shape->dims[i].sym < 0)
                return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, "bind every symbol", "dim %d is symbolic", i);
            d = symValues[shape->dims[i].sym];
        }
        if (d < 0) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "dim %d is negative", i);
        if (d && n > INT64_MAX / d)
            return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "element count overflows");
        n *= d;
    }
    *pElements = n;
    return HGN_OK;
}

bool hgnShapeEqual(const HgnShape *a, const HgnShape *b) {
    if (a->rank != b->rank) return false;
    for (int32_t i = 0; i < a->rank; i++) {
        if (a->dims[i].sym != b->dims[i].sym) return false;
        if (a->dims[i].sym == HGN_DIM_KNOWN && a->dims[i].n != b->dims[i].n) return false;
    }
    return true;
}

char *hgnShapeFormat(const HgnGraph *g, const HgnShape *shape, char *buf, size_t size) {
    if (!size) return buf;
    if (shape->rank < 0) {
        snprintf(buf, size, "?");
        return buf;
    }
    size_t off = 0;
    off += (size_t)snprintf(buf, size, "[");
    for (int32_t i = 0; i < shape->rank && off < size; i++) {
        const HgnDim *d = &shape->dims[i];
        if (d->sym == HGN_DIM_KNOWN)
            off += (size_t)snprintf(buf + off, size - off, "%s%lld", i ? "," : "", (long long)d->n);
        else
            off +=
                (size_t)snprintf(buf + off, size - off, "%s%s", i ? "," : "", g ? hgnGraphSymbolName(g, d->sym) : "?");
    }
    if (off < size) snprintf(buf + off, size - off, "]");
    return buf;
}
