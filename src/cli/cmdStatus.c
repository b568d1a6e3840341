/* cmdStatus.c — `huginn status [ID] [--follow]`: a job's state and progress. */
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdStatus(CliContext *ctx) {
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the job orchestrator");
    const char *id = hgnCliArgsString(ctx->args, "ID", NULL);
    HgnBuf action;
    hgnBufInit(&action);
    if (id)
        hgnBufAppendf(&action, "show the state and progress of job `%s`", id);
    else
        hgnBufAppendStr(&action, "show the state and progress of every active job");
    if (hgnCliArgsHas(ctx->args, "follow")) hgnBufAppendStr(&action, ", following it until it ends");
    HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}
