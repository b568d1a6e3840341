/* cliPlanRun.h — the planner behind `huginn plan MODEL` and `huginn plan --check FILE`. */
#ifndef HGN_CLI_CLIPLANRUN_H
#define HGN_CLI_CLIPLANRUN_H

#include "cli/cliContext.h"

/* Plans MODEL (format: "onnx", "registry", "gguf", "safetensors", …) for the
 * machine of --hardware / --topology-xml / this host and writes plan.json to
 * --out (stdout by default). */
HGN_NODISCARD HgnStatus cliPlanRun(CliContext *ctx, const char *model, const char *format);
/* Reads and validates a plan file; prints a one-line verdict (or JSON). */
HGN_NODISCARD HgnStatus cliPlanCheck(CliContext *ctx, const char *path);

#endif
