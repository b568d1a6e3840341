/* cmdModels.c — `huginn models list|show`: the curated model registry, rated
 * for this machine with --fits. */
#include <stdio.h>
#include <string.h>

#include "cli/cliMachine.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "cliparse/cliOptions.h"
#include "cliparse/cliSuggest.h"
#include "cliparse/cliValue.h"
#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/registry.h"

static char *formatCount(uint64_t n, char *buf, size_t size) {
    if (n >= 1000000000ull)
        snprintf(buf, size, "%.1fB", (double)n / 1e9);
    else if (n >= 1000000ull)
        snprintf(buf, size, "%.0fM", (double)n / 1e6);
    else
        snprintf(buf, size, "%llu", (unsigned long long)n);
    return buf;
}

static HgnStatus listAll(const CliContext *ctx, const HgnRegistry *reg) {
    if (ctx->json) {
        json_t *doc;
        HgnStatus st = hgnRegistryListJson(reg, &doc);
        return st ? st : cliPrintJson(ctx, doc);
    }
    CliTable t;
    cliTableInit(&t, 6);
    const char *head[] = {"id", "family", "parameters", "layers", "context", "licence"};
    cliTableAdd(&t, head);
    for (size_t i = 0; i < hgnRegistryCount(reg); i++) {
        const HgnModelSpec *m = hgnRegistryAt(reg, i);
        char params[32], layers[16], context[32];
        snprintf(layers, sizeof layers, "%u", m->dims.layers);
        snprintf(context, sizeof context, "%llu", (unsigned long long)m->maxContext);
        const char *row[] = {m->id,  m->family, formatCount(m->parameters, params, sizeof params),
                             layers, context,   m->licence};
        cliTableAdd(&t, row);
    }
    HgnStatus st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    return st;
}

static HgnStatus listFitting(const CliContext *ctx, const HgnRegistry *reg) {
    json_t *report = NULL;
    HgnStatus st = cliCollectDiagnostics(ctx, &report);
    if (st) return st;
    HgnRecommendQuery q;
    uint64_t *gpuMemory = NULL;
    HgnRecommendation *recs = NULL;
    size_t count = 0;
    st = cliRecommend(ctx, report, reg, &q, &gpuMemory, &recs, &count);
    json_decref(report);
    if (st) return st;
    size_t fitting = 0;
    while (fitting < count && recs[fitting].verdict != HGN_FIT_NONE) fitting++;
    if (ctx->json) {
        json_t *doc = NULL;
        st = hgnRecommendationsToJson(&q, recs, fitting, &doc);
        if (!st) st = cliPrintJson(ctx, doc);
    } else {
        st = cliPrintRecommendations(ctx, recs, fitting, fitting);
        if (!st && fitting == 0)
            fprintf(ctx->out,
                    "no registry model fits this machine at context %llu; try --quant int4 or --context 4096\n",
                    (unsigned long long)(q.contextTokens ? q.contextTokens : 4096));
    }
    hgnRecommendationsFree(recs);
    hgnFree(gpuMemory);
    return st;
}

static HgnStatus unknownModel(const HgnRegistry *reg, const char *id) {
    const char *best = NULL;
    int bestDistance = 1 << 30;
    for (size_t i = 0; i < hgnRegistryCount(reg); i++) {
        const char *cand = hgnRegistryAt(reg, i)->id;
        int d = (int)hgnCliEditDistance(id, cand);
        if (d < bestDistance) bestDistance = d, best = cand;
    }
    char hint[160];
    if (best && bestDistance <= 3)
        snprintf(hint, sizeof hint, "did you mean `%s`?", best);
    else
        snprintf(hint, sizeof hint, "`huginn models list` shows every id");
    return hgnStatusNew(HGN_CODE_NotFound, id, hint, "no model `%s` in the registry", id);
}

static HgnStatus show(const CliContext *ctx, const HgnRegistry *reg, const char *id) {
    const HgnModelSpec *m = hgnRegistryFind(reg, id);
    if (!m) return unknownModel(reg, id);
    json_t *doc;
    HgnStatus st = hgnModelShowJson(m, &doc);
    if (st) return st;
    if (ctx->json) return cliPrintJson(ctx, doc);
    char params[32], active[32];
    fprintf(ctx->out, "%s%s%s (%s)\n", cliStyle(ctx, ctx->out, CLI_BOLD), m->name, cliStyle(ctx, ctx->out, CLI_RESET),
            m->id);
    fprintf(ctx->out, "  architecture  %s (%s), %s parameters", m->architecture, m->family,
            formatCount(m->parameters, params, sizeof params));
    if (m->dims.moeExperts)
        fprintf(ctx->out, ", %s active (%u of %u experts)",
                formatCount(hgnModelActiveParamCount(&m->dims), active, sizeof active), m->dims.moeActiveExperts,
                m->dims.moeExperts);
    fprintf(ctx->out, "\n  shape         %u layers, hidden %u, %u heads (%u KV, head dim %u), FFN %u, vocab %u\n",
            m->dims.layers, m->dims.hiddenSize, m->dims.heads, m->dims.kvHeads, m->dims.headDim, m->dims.ffnSize,
            m->dims.vocab);
    fprintf(ctx->out, "  context       %llu tokens%s\n", (unsigned long long)m->maxContext,
            m->dims.slidingWindow ? " (sliding-window layers present)" : "");
    fprintf(ctx->out, "  native dtype  %s; tokenizer %s; licence %s\n  source        %s\n\n",
            hgnWeightFormatName(m->nativeDtype), m->tokenizerKind, m->licence, m->source);
    CliTable t;
    cliTableInit(&t, 7);
    const char *head[] = {"precision", "context", "weights", "KV cache", "compute", "overhead", "total"};
    cliTableAdd(&t, head);
    size_t i;
    json_t *cell;
    json_array_foreach(json_object_get(doc, "memory"), i, cell) {
        char ctxText[32], w[32], kv[32], c[32], o[32], tot[48];
        snprintf(ctxText, sizeof ctxText, "%lldk%s",
                 (long long)json_integer_value(json_object_get(cell, "context")) / 1024,
                 json_is_true(json_object_get(cell, "exceedsMaxContext")) ? " (>max)" : "");
        hgnCliFormatSize((uint64_t)json_integer_value(json_object_get(cell, "weightBytes")), w, sizeof w);
        hgnCliFormatSize((uint64_t)json_integer_value(json_object_get(cell, "kvCacheBytes")), kv, sizeof kv);
        hgnCliFormatSize((uint64_t)json_integer_value(json_object_get(cell, "computeBytes")), c, sizeof c);
        hgnCliFormatSize((uint64_t)json_integer_value(json_object_get(cell, "overheadBytes")), o, sizeof o);
        hgnCliFormatSize((uint64_t)json_integer_value(json_object_get(cell, "totalBytes")), tot, sizeof tot);
        const char *row[] = {json_string_value(json_object_get(cell, "precision")), ctxText, w, kv, c, o, tot};
        cliTableAdd(&t, row);
    }
    st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    json_decref(doc);
    return st;
}

HgnStatus cmdModels(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    bool isShow = a->command->id == HGN_CMD_MODELS_SHOW;
    if (ctx->dryRun) {
        HgnBuf action;
        hgnBufInit(&action);
        if (isShow)
            hgnBufAppendf(&action, "show the registry entry of model `%s`", hgnCliArgsString(a, "ID", ""));
        else if (hgnCliArgsHas(a, "fits"))
            hgnBufAppendStr(&action, "list the registry's models whose recommended quantisation fits this machine");
        else
            hgnBufAppendStr(&action, "list the registry's models");
        HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
        hgnBufFree(&action);
        return st;
    }
    HgnRegistry *reg = NULL;
    HgnStatus st = hgnRegistryLoad(&reg);
    if (st) return st;
    if (isShow)
        st = show(ctx, reg, hgnCliArgsString(a, "ID", ""));
    else if (hgnCliArgsHas(a, "fits"))
        st = listFitting(ctx, reg);
    else
        st = listAll(ctx, reg);
    hgnRegistryFree(reg);
    return st;
}
