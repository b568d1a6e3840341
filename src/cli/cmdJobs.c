/* cmdJobs.c — `huginn jobs [--all]`: list jobs. */
#include "cli/cliOutput.h"
#include "cli/commands.h"

HgnStatus cmdJobs(CliContext *ctx) {
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the job orchestrator");
    return cliDryRun(ctx, hgnCliArgsHas(ctx->args, "all") ? "list every job, finished ones included"
                                                          : "list the queued, running and paused jobs");
}
