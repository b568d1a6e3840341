/* executeOnnx.h — `huginn execute` for ONNX plans (cmdExecuteOnnx.c). */
#ifndef HGN_CLI_EXECUTE_ONNX_H
#define HGN_CLI_EXECUTE_ONNX_H

#include "cli/cliContext.h"
#include "huginn/plan.h"
#include "huginn/status.h"

/* Runs the plan's ONNX model once on the tensors of --inputs DIR (.pb or
 * .npy) and writes the outputs to --outputs DIR in the same format (or
 * describes them on stdout without --outputs). */
HGN_NODISCARD HgnStatus cliExecuteOnnx(CliContext *ctx, const HgnPlan *plan, const char *planPath);

#endif
