/* cmdExplain.c — `huginn explain PLAN`: a plan in words (cliExplain.c). */
#include "cli/cliExplain.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdExplain(CliContext *ctx) {
    if (!ctx->dryRun) return cliExplain(ctx, hgnCliArgsString(ctx->args, "PLAN", ""));
    HgnBuf action;
    hgnBufInit(&action);
    hgnBufAppendf(&action, "explain the placements, transfers and costs of plan `%s`",
                  hgnCliArgsString(ctx->args, "PLAN", ""));
    HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}
