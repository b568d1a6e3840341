/* cliPlanRun.h — the planner behind `huginn plan MODEL` and `huginn plan --check FILE`. */
#ifndef HGN_CLI_CLIPLANRUN_H
#define HGN_CLI_CLIPLANRUN_H

#include "cli/cliContext.h"
#include "huginn/planner.h"

/* Plans MODEL (format: "onnx", "registry", "gguf", "safetensors", …) for the
 * machine of --hardware / --topology-xml / this host and writes plan.json to
 * --out (stdout by default). */
HGN_NODISCARD HgnStatus cliPlanRun(CliContext *ctx, const char *model, const char *format);
/* Reads and validates a plan file; prints a one-line verdict (or JSON). */
HGN_NODISCARD HgnStatus cliPlanCheck(CliContext *ctx, const char *path);

/* `huginn plan diff A B`: semantic differences (hgnPlanDiff) as text or
 * --json; exit 0 either way. */
HGN_NODISCARD HgnStatus cliPlanDiff(CliContext *ctx, const char *a, const char *b);
/* The machine of --hardware / --topology-xml / this host. */
HGN_NODISCARD HgnStatus cliPlanLoadMachine(CliContext *ctx, HgnMachine *m);

#endif
