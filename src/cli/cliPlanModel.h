/* cliPlanModel.h — the planner's items for MODEL: a registry id (spec), an
 * ONNX file, or a local LLM (GGUF file, safetensors file or index, HF model
 * folder, hub cache folder) through its LLM graph. */
#ifndef HUGINN_CLI_PLANMODEL_H
#define HUGINN_CLI_PLANMODEL_H

#include "huginn/planner.h"

/* format as cliModelDetect names it, or "registry". qc may be NULL. */
HgnStatus cliPlanLoadItems(const char *model, const char *format, const HgnPlanQuantConfig *qc, HgnPlanItems *items);

#endif
