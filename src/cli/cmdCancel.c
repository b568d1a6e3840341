/* cmdCancel.c — `huginn cancel ID`: cancel a queued or running job. */
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdCancel(CliContext *ctx) {
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the job orchestrator");
    HgnBuf action;
    hgnBufInit(&action);
    hgnBufAppendf(&action, "cancel job `%s`", hgnCliArgsString(ctx->args, "ID", ""));
    HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}
