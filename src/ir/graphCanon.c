/* graphCanon.c — canonical form of an HgnGraph: stable topological order,
 * producer/consumer links, lifetimes, byte sizes, and the SHA-256 digest. */
#include "ir/graphInt.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory finalising the IR"); }

/* min-heap of node indices keyed by originalIndex */
typedef struct Heap {
    int32_t *a;
    int32_t n;
    const HgnNode *nodes;
} Heap;

static bool heapLess(const Heap *h, int32_t x, int32_t y) {
    return h->nodes[x].originalIndex < h->nodes[y].originalIndex;
}
static void heapPush(Heap *h, int32_t v) {
    int32_t i = h->n++;
    h->a[i] = v;
    while (i > 0) {
        int32_t p = (i - 1) / 2;
        if (!heapLess(h, h->a[i], h->a[p])) break;
        int32_t t = h->a[i];
        h->a[i] = h->a[p];
        h->a[p] = t;
        i = p;
    }
}
static int32_t heapPop(Heap *h) {
    int32_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    int32_t i = 0;
    for (;;) {
        int32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && heapLess(h, h->a[l], h->a[m])) m = l;
        if (r < h->n && heapLess(h, h->a[r], h->a[m])) m = r;
        if (m == i) break;
        int32_t t = h->a[i];
        h->a[i] = h->a[m];
        h->a[m] = t;
        i = m;
    }
    return top;
}

static bool valueHasSource(const HgnValue *v) {
    return v->producer >= 0 || v->role == HGN_ROLE_INPUT || v->role == HGN_ROLE_WEIGHT ||
           v->role == HGN_ROLE_CONSTANT || v->role == HGN_ROLE_KV_CACHE || v->data || v->externalPath;
}

static void computeBytes(HgnValue *v) {
    v->bytesKnown = false;
    v->bytes = 0;
    int64_t n;
    HgnStatus st = hgnShapeElements(&v->shape, NULL, 0, &n);
    if (st) {
        hgnStatusFree(st);
        return;
    }
    /* quantised rows (innermost dim) must hold whole blocks */
    uint32_t block = hgnDtypeInfo(v->dtype)->blockSize;
    if (block > 1 && (v->shape.rank == 0 || v->shape.dims[v->shape.rank - 1].n % block != 0)) return;
    uint64_t b;
    st = hgnDtypeBytes(v->dtype, n, &b);
    if (st) {
        hgnStatusFree(st);
        return;
    }
    v->bytesKnown = true;
    v->bytes = b;
}

/* Finds a node on a cycle among the nodes left with pending inputs. */
static int32_t nodeOnCycle(const HgnGraph *g, const int32_t *pending, int32_t *mark) {
    int32_t start = -1;
    for (int32_t i = 0; i < g->nNodes; i++)
        if (pending[i] > 0 && (start < 0 || g->nodes[i].originalIndex < g->nodes[start].originalIndex)) start = i;
    memset(mark, 0, sizeof(int32_t) * (size_t)g->nNodes);
    int32_t cur = start;
    while (cur >= 0 && !mark[cur]) {
        mark[cur] = 1;
        int32_t next = -1;
        for (int32_t k = 0; k < g->nodes[cur].nInputs && next < 0; k++) {
            int32_t v = g->nodes[cur].inputs[k];
            if (v < 0) continue;
            int32_t p = g->values[v].producer;
            if (p >= 0 && pending[p] > 0) next = p;
        }
        if (next < 0) return cur;
        cur = next;
    }
    return cur;
}

static HgnStatus topoSort(HgnGraph *g) {
    int32_t nN = g->nNodes, nV = g->nValues;
    HgnStatus st = HGN_OK;
    int32_t *pending = hgnCalloc((size_t)nN + 1, sizeof(int32_t));
    int32_t *cnt = hgnCalloc((size_t)nV + 1, sizeof(int32_t));
    int32_t *order = hgnMalloc(sizeof(int32_t) * ((size_t)nN + 1));
    int32_t *heapBuf = hgnMalloc(sizeof(int32_t) * ((size_t)nN + 1));
    int32_t *edgeStart = hgnCalloc((size_t)nV + 1, sizeof(int32_t));
    int32_t *edges = NULL;
    HgnNode *sorted = NULL;
    if (!pending || !cnt || !order || !heapBuf || !edgeStart) goto fail;
    /* consumer edges in CSR form: for value v, edges[edgeStart[v] .. edgeStart[v+1]) */
    int64_t nEdges = 0;
    for (int32_t i = 0; i < nN; i++)
        for (int32_t k = 0; k < g->nodes[i].nInputs; k++)
            if (g->nodes[i].inputs[k] >= 0) {
                cnt[g->nodes[i].inputs[k]]++;
                nEdges++;
            }
    edges = hgnMalloc(sizeof(int32_t) * ((size_t)nEdges + 1));
    if (!edges) goto fail;
    for (int32_t v = 0; v < nV; v++) edgeStart[v + 1] = edgeStart[v] + cnt[v];
    memset(cnt, 0, sizeof(int32_t) * (size_t)nV);
    for (int32_t i = 0; i < nN; i++)
        for (int32_t k = 0; k < g->nodes[i].nInputs; k++) {
            int32_t v = g->nodes[i].inputs[k];
            if (v < 0) continue;
            edges[edgeStart[v] + cnt[v]++] = i;
            if (g->values[v].producer >= 0) pending[i]++;
        }
    Heap h = {heapBuf, 0, g->nodes};
    for (int32_t i = 0; i < nN; i++)
        if (!pending[i]) heapPush(&h, i);
    int32_t nOrder = 0;
    while (h.n) {
        int32_t i = heapPop(&h);
        order[nOrder++] = i;
        for (int32_t k = 0; k < g->nodes[i].nOutputs; k++) {
            int32_t v = g->nodes[i].outputs[k];
            if (v < 0) continue;
            for (int32_t e = edgeStart[v]; e < edgeStart[v + 1]; e++)
                if (--pending[edges[e]] == 0) heapPush(&h, edges[e]);
        }
    }
    if (nOrder < nN) {
        int32_t c = nodeOnCycle(g, pending, cnt);
        st = hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), "a model graph must be acyclic",
                          "the graph has a cycle through node '%s' (%s)", g->nodes[c].name, g->nodes[c].op);
        goto done;
    }
    sorted = hgnMalloc(sizeof(HgnNode) * ((size_t)nN + 1));
    if (!sorted) goto fail;
    for (int32_t i = 0; i < nN; i++) sorted[i] = g->nodes[order[i]];
    if (nN) memcpy(g->nodes, sorted, sizeof(HgnNode) * (size_t)nN);
    goto done;
fail:
    st = oom();
done:
    hgnFree(pending);
    hgnFree(cnt);
    hgnFree(order);
    hgnFree(heapBuf);
    hgnFree(edgeStart);
    hgnFree(edges);
    hgnFree(sorted);
    return st;
}

static HgnStatus linkProducers(HgnGraph *g) {
    for (int32_t v = 0; v < g->nValues; v++) g->values[v].producer = -1;
    for (int32_t i = 0; i < g->nNodes; i++) {
        const HgnNode *n = &g->nodes[i];
        for (int32_t k = 0; k < n->nOutputs; k++) {
            int32_t v = n->outputs[k];
            if (v < 0) continue;
            HgnValue *val = &g->values[v];
            if (val->producer >= 0)
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), "each value has one producer",
                                    "value '%s' is produced by both node '%s' and node '%s'", val->name,
                                    g->nodes[val->producer].name, n->name);
            if (val->role == HGN_ROLE_INPUT || val->role == HGN_ROLE_WEIGHT || (val->data && !val->folded) ||
                val->externalPath)
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), NULL,
                                    "node '%s' (%s) writes '%s', which is a graph input or initializer", n->name, n->op,
                                    val->name);
            val->producer = i;
        }
    }
    return HGN_OK;
}

HgnStatus hgnGraphFinalize(HgnGraph *g) {
    HgnStatus st = linkProducers(g);
    if (st) return st;
    for (int32_t i = 0; i < g->nNodes; i++) {
        const HgnNode *n = &g->nodes[i];
        for (int32_t k = 0; k < n->nInputs; k++) {
            int32_t v = n->inputs[k];
            if (v >= 0 && !valueHasSource(&g->values[v]))
                return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g),
                                    "every input must be a graph input, an initializer or another node's output",
                                    "node '%s' (%s) reads '%s', which nothing produces", n->name, n->op,
                                    g->values[v].name);
        }
    }
    for (int32_t i = 0; i < g->nOutputs; i++)
        if (!valueHasSource(&g->values[g->outputs[i]]))
            return hgnStatusNew(HGN_CODE_ModelFormatInvalid, hgnGraphSource(g), NULL,
                                "graph output '%s' is not produced by any node", g->values[g->outputs[i]].name);
    if ((st = topoSort(g))) return st;
    if ((st = linkProducers(g))) return st;
    /* consumers (deduplicated, ascending since nodes are visited in order) */
    int32_t *cnt = hgnCalloc((size_t)g->nValues + 1, sizeof(int32_t));
    if (!cnt) return oom();
    for (int32_t i = 0; i < g->nNodes; i++) {
        const HgnNode *n = &g->nodes[i];
        for (int32_t k = 0; k < n->nInputs; k++) {
            int32_t v = n->inputs[k];
            bool dup = false;
            for (int32_t j = 0; j < k && !dup; j++) dup = n->inputs[j] == v;
            if (v >= 0 && !dup) cnt[v]++;
        }
    }
    for (int32_t v = 0; v < g->nValues; v++) {
        HgnValue *val = &g->values[v];
        val->nConsumers = 0;
        val->consumers = cnt[v] ? hgnArenaAlloc(&g->arena, sizeof(int32_t) * (size_t)cnt[v]) : NULL;
        if (cnt[v] && !val->consumers) {
            hgnFree(cnt);
            return oom();
        }
    }
    hgnFree(cnt);
    for (int32_t i = 0; i < g->nNodes; i++) {
        const HgnNode *n = &g->nodes[i];
        for (int32_t k = 0; k < n->nInputs; k++) {
            int32_t v = n->inputs[k];
            bool dup = false;
            for (int32_t j = 0; j < k && !dup; j++) dup = n->inputs[j] == v;
            if (v >= 0 && !dup) ((int32_t *)g->values[v].consumers)[g->values[v].nConsumers++] = i;
        }
    }
    for (int32_t v = 0; v < g->nValues; v++) {
        HgnValue *val = &g->values[v];
        val->firstUse = val->producer >= 0 ? val->producer : (val->nConsumers ? val->consumers[0] : -1);
        val->lastUse = val->nConsumers ? val->consumers[val->nConsumers - 1] : val->producer;
        computeBytes(val);
    }
    for (int32_t i = 0; i < g->nOutputs; i++) {
        HgnValue *val = &g->values[g->outputs[i]];
        val->lastUse = g->nNodes;
        if (val->firstUse < 0) val->firstUse = 0;
    }
    /* digest */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return oom();
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return hgnStatusNew(HGN_CODE_InternalError, NULL, NULL, "SHA-256 is unavailable");
    }
#define PUT_I64(x)                                                                                                     \
    do {                                                                                                               \
        int64_t t_ = (int64_t)(x);                                                                                     \
        EVP_DigestUpdate(ctx, &t_, sizeof t_);                                                                         \
    } while (0)
#define PUT_STR(s)                                                                                                     \
    do {                                                                                                               \
        const char *s_ = (s) ? (s) : "";                                                                               \
        size_t l_ = strlen(s_);                                                                                        \
        PUT_I64(l_);                                                                                                   \
        EVP_DigestUpdate(ctx, s_, l_);                                                                                 \
    } while (0)
    EVP_DigestUpdate(ctx, "HgnGraph/1", 10);
    PUT_I64(g->nSymbols);
    for (int32_t i = 0; i < g->nSymbols; i++) PUT_STR(g->symbols[i]);
    PUT_I64(g->nOpsets);
    for (int32_t i = 0; i < g->nOpsets; i++) {
        PUT_STR(g->opsets[i].domain);
        PUT_I64(g->opsets[i].version);
    }
    PUT_I64(g->nValues);
    for (int32_t v = 0; v < g->nValues; v++) {
        const HgnValue *val = &g->values[v];
        PUT_STR(val->name);
        PUT_I64(val->dtype);
        PUT_I64(val->role);
        PUT_I64(val->shape.rank);
        for (int32_t d = 0; d < val->shape.rank; d++) {
            PUT_I64(val->shape.dims[d].sym);
            PUT_I64(val->shape.dims[d].sym == HGN_DIM_KNOWN ? val->shape.dims[d].n : 0);
        }
        PUT_I64(val->dataBytes);
        /* contents of constants and small tensors; large weights are identified by name, dtype, shape and
         * location (their bytes are covered by the model file digest) */
        if (val->data && (val->role != HGN_ROLE_WEIGHT || val->dataBytes <= HGN_DIGEST_INLINE_BYTES))
            EVP_DigestUpdate(ctx, val->data, (size_t)val->dataBytes);
        PUT_STR(val->externalPath);
        PUT_I64(val->externalOffset);
    }
    PUT_I64(g->nNodes);
    for (int32_t i = 0; i < g->nNodes; i++) {
        const HgnNode *n = &g->nodes[i];
        PUT_STR(n->name);
        PUT_STR(n->op);
        PUT_STR(n->domain);
        PUT_I64(n->layer);
        PUT_I64(n->nInputs);
        for (int32_t k = 0; k < n->nInputs; k++) PUT_I64(n->inputs[k]);
        PUT_I64(n->nOutputs);
        for (int32_t k = 0; k < n->nOutputs; k++) PUT_I64(n->outputs[k]);
        PUT_I64(n->nAttrs);
        for (int32_t a = 0; a < n->nAttrs; a++) {
            const HgnAttr *at = &n->attrs[a];
            PUT_STR(at->name);
            PUT_I64(at->type);
            PUT_I64(at->i);
            EVP_DigestUpdate(ctx, &at->f, sizeof at->f);
            PUT_I64(at->sLen);
            if (at->s) EVP_DigestUpdate(ctx, at->s, at->sLen);
            PUT_I64(at->n);
            if (at->ints) EVP_DigestUpdate(ctx, at->ints, sizeof(int64_t) * (size_t)at->n);
            if (at->floats) EVP_DigestUpdate(ctx, at->floats, sizeof(float) * (size_t)at->n);
            if (at->strings)
                for (int32_t s = 0; s < at->n; s++) PUT_STR(at->strings[s]);
            PUT_I64(at->tDtype);
            PUT_I64(at->tBytes);
            if (at->tData) EVP_DigestUpdate(ctx, at->tData, (size_t)at->tBytes);
        }
        PUT_STR(n->ann.deviceHint);
        PUT_STR(n->ann.colocationGroup);
        PUT_STR(n->ann.antiAffinitySet);
        PUT_I64(n->ann.quantBackends);
    }
    PUT_I64(g->nInputs);
    for (int32_t i = 0; i < g->nInputs; i++) PUT_I64(g->inputs[i]);
    PUT_I64(g->nOutputs);
    for (int32_t i = 0; i < g->nOutputs; i++) PUT_I64(g->outputs[i]);
#undef PUT_I64
#undef PUT_STR
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, g->digest, &len);
    EVP_MD_CTX_free(ctx);
    g->finalized = true;
    return HGN_OK;
}

void hgnGraphDigest(const HgnGraph *g, uint8_t digest[32]) { memcpy(digest, g->digest, 32); }

void hgnGraphDigestHex(const HgnGraph *g, char hex[65]) {
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", g->digest[i]);
}
