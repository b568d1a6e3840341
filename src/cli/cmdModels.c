/* cmdModels.c — `huginn models list|show`: the curated model registry. */
#include "cliparse/cliOptions.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdModels(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    HgnBuf action;
    hgnBufInit(&action);
    if (a->command->id == HGN_CMD_MODELS_SHOW)
        hgnBufAppendf(&action, "show the registry entry of model `%s`", hgnCliArgsString(a, "ID", ""));
    else if (hgnCliArgsHas(a, "fits"))
        hgnBufAppendStr(&action, "list the registry's models whose recommended quantisation fits this machine");
    else
        hgnBufAppendStr(&action, "list the registry's models");
    HgnStatus st = ctx->dryRun ? cliDryRun(ctx, hgnBufStr(&action)) : cliNotBuilt(ctx, "the model registry");
    hgnBufFree(&action);
    return st;
}
