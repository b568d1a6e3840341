/* planRequest.h — the inputs of a planning request shared by `huginn plan`
 * and huginnd's POST /v1/plans: a model's format, its plan items (registry
 * id, ONNX file, GGUF / safetensors / HF folder / hub cache) and this host's
 * machine from a diagnostics report. */
#ifndef HUGINN_PLANREQUEST_H
#define HUGINN_PLANREQUEST_H

#include <jansson.h>

#include "huginn/config.h"
#include "huginn/planner.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets *format to "gguf", "safetensors", "safetensors-index" (a sharded
 * checkpoint's model.safetensors.index.json), "safetensors-folder",
 * "gguf-folder", "hub-cache" (models--ORG--NAME with snapshots/) or "onnx".
 * Errors: HGN-0102 BadMagic when the file is none of these, HGN-0011 IoError
 * when it cannot be read. where = what (e.g. "MODEL"). */
HGN_NODISCARD HgnStatus hgnModelDetect(const char *path, const char *what, const char **format);

/* Plan items of model in format (as hgnModelDetect names it, or "registry").
 * qc may be NULL. OUT: items, free with hgnPlanItemsFree (also on error). */
HGN_NODISCARD HgnStatus hgnPlanItemsLoad(const char *model, const char *format, const HgnPlanQuantConfig *qc,
                                         HgnPlanItems *items);

/* As hgnPlanItemsLoad, the format found: an existing path is detected, any
 * other name is a registry id. Errors: HGN-0014 NotFound (neither a file nor
 * a registry model), detection and loading errors with where = what. */
HGN_NODISCARD HgnStatus hgnPlanItemsLoadModel(const char *model, const char *what, const HgnPlanQuantConfig *qc,
                                              HgnPlanItems *items);

/* This host from a diagnostics report (hgnDiagnosticsCollect): its topology,
 * and its cache disk's free bytes for spilled weights. OUT: m, free with
 * hgnMachineFree. */
HGN_NODISCARD HgnStatus hgnMachineFromDiagnostics(const json_t *report, HgnMachine *m);

/* Options from the configuration: planner.policy, planner.objective,
 * planner.contextLength, planner.batchSize, and one reservation per device
 * of m (planner.reserve."ID", else planner.reserveBytes). *reserves has room
 * for extra more entries after opts->nReserves (the caller's own, which win);
 * opts->reserves points at it; free it with hgnFree. Errors: HGN-0001
 * InvalidConfig for an unknown policy or objective, HGN-0012 OutOfMemory. */
HGN_NODISCARD HgnStatus hgnPlanOptionsFromConfig(const HgnConfig *cfg, const HgnMachine *m, size_t extra,
                                                 HgnPlanOptions *opts, HgnPlanReserve **reserves);

#ifdef __cplusplus
}
#endif
#endif
