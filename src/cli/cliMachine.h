/* cliMachine.h — the machine a command reasons about: the diagnostics report
 * (this host, or an hwloc XML) and the model recommendations made for it.
 * Shared by `diagnose` and `models list --fits`. */
#ifndef HGN_CLI_CLIMACHINE_H
#define HGN_CLI_CLIMACHINE_H

#include <jansson.h>

#include "cli/cliContext.h"
#include "huginn/recommend.h"
#include "huginn/registry.h"

/* Collects the diagnostics report from --topology-xml/--nvml-library and the
 * configuration (cache.root, cache.minFreeBytes). OUT: *report (new ref). */
HGN_NODISCARD HgnStatus cliCollectDiagnostics(const CliContext *ctx, json_t **report);

/* Rates every registry model for the machine of report, with --context,
 * --quant and --prefer. OUT: *recs (hgnRecommendationsFree), *count, *query. */
HGN_NODISCARD HgnStatus cliRecommend(const CliContext *ctx, const json_t *report, const HgnRegistry *reg,
                                     HgnRecommendQuery *query, uint64_t **gpuMemory, HgnRecommendation **recs,
                                     size_t *count);

/* Prints recommendations as a table (rank, model, verdict, precision, need, reason). */
HGN_NODISCARD HgnStatus cliPrintRecommendations(const CliContext *ctx, const HgnRecommendation *recs, size_t count,
                                                size_t limit);

#endif
