/* cmdCancel.c — `huginn cancel ID`: cancel a queued, paused or running job in the local store or on huginnd. */
#include "cli/cliJobs.h"
#include "cli/cliOutput.h"
#include "cli/cliRemote.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdCancel(CliContext *ctx) {
    const char *id = hgnCliArgsString(ctx->args, "ID", "");
    if (ctx->dryRun) {
        HgnBuf action;
        hgnBufInit(&action);
        hgnBufAppendf(&action, "cancel job `%s`", id);
        HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
        hgnBufFree(&action);
        return st;
    }
    const char *server = cliServerUrl(ctx);
    if (server) return cliRemoteCancel(ctx, server, id);
    HgnJobManager *m = NULL;
    HgnStatus st = cliJobManagerOpen(ctx, &m);
    if (st) return st;
    st = hgnJobCancel(m, id, NULL);
    if (!st) {
        HgnJob j;
        st = hgnJobGet(m, id, NULL, &j);
        if (!st) {
            st = cliJobPrint(ctx, &j);
            hgnJobClear(&j);
        }
    }
    hgnJobManagerClose(m);
    return st;
}
