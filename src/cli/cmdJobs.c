/* cmdJobs.c — `huginn jobs [--all] [--json]`: list jobs in the local store or on huginnd. */
#include <jansson.h>

#include "cli/cliJobs.h"
#include "cli/cliOutput.h"
#include "cli/cliRemote.h"
#include "cli/commands.h"
#include "core/alloc.h"

HgnStatus cmdJobs(CliContext *ctx) {
    bool all = hgnCliArgsHas(ctx->args, "all");
    if (ctx->dryRun)
        return cliDryRun(ctx,
                         all ? "list every job, finished ones included" : "list the queued, running and paused jobs");
    const char *server = cliServerUrl(ctx);
    if (server) return cliRemoteJobs(ctx, server, all);
    HgnJobManager *m = NULL;
    HgnStatus st = cliJobManagerOpen(ctx, &m);
    if (st) return st;
    HgnJobFilter f = {.activeOnly = !all};
    HgnJobList l = {0};
    st = hgnJobList(m, &f, &l);
    if (!st && ctx->json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < l.count; i++) {
            char *txt = hgnJobToJson(&l.items[i], false);
            json_t *o = txt ? json_loads(txt, 0, NULL) : NULL;
            hgnFree(txt);
            if (o) json_array_append_new(arr, o);
        }
        json_t *doc = json_pack("{s:o}", "jobs", arr ? arr : json_array());
        st = doc ? cliPrintJson(ctx, doc) : hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "rendering jobs");
    } else if (!st) {
        if (l.count == 0) fprintf(ctx->out, all ? "no jobs\n" : "no active jobs (--all lists finished ones)\n");
        for (size_t i = 0; i < l.count; i++) cliJobPrintLine(ctx, &l.items[i]);
    }
    hgnJobListFree(&l);
    hgnJobManagerClose(m);
    return st;
}
