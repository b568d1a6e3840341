/* planDot.c — plan.dot: the plan as a Graphviz digraph. One cluster per NUMA
 * node (devices of unknown NUMA node stand alone), one cluster per device
 * inside it, nodes filled with their device's colour, edges that cross
 * devices drawn bold and labelled with the bytes per step of the transfer. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/plan.h"

static const char *const palette[] = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
                                      "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"};
#define PALETTE (sizeof palette / sizeof palette[0])

static void quoted(HgnBuf *b, const char *s) {
    hgnBufAppendChar(b, '"');
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '"' || *c == '\\') hgnBufAppendChar(b, '\\');
        if (*c == '\n')
            hgnBufAppendStr(b, "\\n");
        else
            hgnBufAppendChar(b, *c);
    }
    hgnBufAppendChar(b, '"');
}

static void bytesText(char *buf, size_t size, uint64_t v) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)v;
    int u = 0;
    while (x >= 1024 && u < 4) {
        x /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)v);
    else
        snprintf(buf, size, "%.1f %s", x, units[u]);
}

static void deviceCluster(HgnBuf *b, const HgnPlan *plan, size_t d, const char *indent) {
    const HgnPlanDevice *pd = &plan->devices[d];
    char w[32], win[32];
    bytesText(w, sizeof w,
              pd->ledger.weightsBytes + pd->ledger.kvCacheBytes + pd->ledger.activationBytes +
                  pd->ledger.overheadBytes);
    bytesText(win, sizeof win, pd->memoryWindowBytes);
    hgnBufAppendf(b, "%ssubgraph cluster_dev%zu {\n%s  label=", indent, d, indent);
    HgnBuf l;
    hgnBufInit(&l);
    hgnBufAppendf(&l, "%s (%s)\n%s of %s", pd->id, pd->name ? pd->name : "", w, win);
    quoted(b, hgnBufStr(&l));
    hgnBufFree(&l);
    hgnBufAppendf(b, ";\n%s  style=rounded;\n%s  color=\"%s\";\n", indent, indent, palette[d % PALETTE]);
    for (size_t i = 0; i < plan->nNodes; i++) {
        const HgnPlanNode *n = &plan->nodes[i];
        if (n->device != (int32_t)d) continue;
        char nb[32];
        bytesText(nb, sizeof nb, n->bytes);
        hgnBufAppendf(b, "%s  n%zu [label=", indent, i);
        HgnBuf nl;
        hgnBufInit(&nl);
        hgnBufAppendf(&nl, "%s\n%s %s%s", n->id, n->op, nb,
                      n->tier && strcmp(n->tier, "device") != 0 && strcmp(n->tier, "host") != 0 ? " (disk)" : "");
        quoted(b, hgnBufStr(&nl));
        hgnBufFree(&nl);
        hgnBufAppendf(b, ", fillcolor=\"%s\"];\n", palette[d % PALETTE]);
    }
    hgnBufAppendf(b, "%s}\n", indent);
}

HgnStatus hgnPlanWriteDot(const HgnPlan *plan, char **out) {
    *out = NULL;
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, "digraph plan {\n  rankdir=LR;\n  label=");
    HgnBuf t;
    hgnBufInit(&t);
    hgnBufAppendf(&t, "%s — %.1f tokens/s decode, context %llu, batch %llu", plan->modelId ? plan->modelId : "plan",
                  plan->decodeTokensPerSecond, (unsigned long long)plan->context, (unsigned long long)plan->batch);
    quoted(&b, hgnBufStr(&t));
    hgnBufFree(&t);
    hgnBufAppendStr(&b, ";\n  labelloc=t;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n"
                        "  edge [fontname=\"Helvetica\", fontsize=10];\n");
    /* NUMA nodes in order of first appearance; devices without one alone */
    bool *done = hgnCalloc(plan->nDevices + 1, sizeof(bool));
    if (!done) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot render the plan");
    }
    for (size_t d = 0; d < plan->nDevices; d++) {
        if (done[d]) continue;
        int32_t numa = plan->devices[d].numaNode;
        if (numa < 0) {
            deviceCluster(&b, plan, d, "  ");
            done[d] = true;
            continue;
        }
        hgnBufAppendf(&b, "  subgraph cluster_numa%d {\n    label=\"NUMA node %d\";\n    style=dashed;\n", numa, numa);
        for (size_t e = d; e < plan->nDevices; e++)
            if (!done[e] && plan->devices[e].numaNode == numa) {
                deviceCluster(&b, plan, e, "    ");
                done[e] = true;
            }
        hgnBufAppendStr(&b, "  }\n");
    }
    hgnFree(done);
    for (size_t e = 0; e < plan->nEdges; e++) {
        const HgnPlanEdge *ed = &plan->edges[e];
        if (ed->from < 0 || ed->to < 0 || (size_t)ed->from >= plan->nNodes || (size_t)ed->to >= plan->nNodes) continue;
        int32_t df = plan->nodes[ed->from].device, dt = plan->nodes[ed->to].device;
        if (df == dt) {
            hgnBufAppendf(&b, "  n%d -> n%d;\n", ed->from, ed->to);
            continue;
        }
        /* a cut: the transfer's bytes per step when the plan has one, else the edge's per token */
        uint64_t bytes = ed->bytes * (plan->batch ? plan->batch : 1);
        const char *link = "";
        for (size_t k = 0; k < plan->nTransfers; k++)
            if (plan->transfers[k].afterNode == ed->from && plan->transfers[k].toDevice == dt) {
                bytes = plan->transfers[k].bytesPerStep;
                link = plan->transfers[k].link ? plan->transfers[k].link : "";
            }
        char bt[32];
        bytesText(bt, sizeof bt, bytes);
        hgnBufAppendf(&b, "  n%d -> n%d [style=bold, color=\"#d62728\", label=", ed->from, ed->to);
        HgnBuf el;
        hgnBufInit(&el);
        hgnBufAppendf(&el, "%s/step%s%s", bt, *link ? " " : "", link);
        quoted(&b, hgnBufStr(&el));
        hgnBufFree(&el);
        hgnBufAppendStr(&b, "];\n");
    }
    hgnBufAppendStr(&b, "}\n");
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "plan", NULL, "cannot render the plan");
    }
    *out = hgnBufDetach(&b);
    return HGN_OK;
}
