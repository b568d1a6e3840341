/* cliPlanModel.h — the planner's items for MODEL: a registry id (spec), an
 * ONNX file, or a local LLM (GGUF file, safetensors file or index, HF model
 * folder, hub cache folder), loaded by the library's hgnPlanItemsLoad
 * (huginn/planRequest.h), which huginnd shares. */
#ifndef HUGINN_CLI_PLANMODEL_H
#define HUGINN_CLI_PLANMODEL_H

#include "huginn/planRequest.h"

/* format as cliModelDetect names it, or "registry". qc may be NULL. */
static inline HgnStatus cliPlanLoadItems(const char *model, const char *format, const HgnPlanQuantConfig *qc,
                                         HgnPlanItems *items) {
    return hgnPlanItemsLoad(model, format, qc, items);
}

#endif
