/* cmdStatus.c — `huginn status [ID] [--follow] [--json]`: a job's state and progress. */
#include <time.h>

#include "cli/cliJobs.h"
#include "cli/cliOutput.h"
#include "cli/cliRemote.h"
#include "cli/commands.h"
#include "core/strBuf.h"

static HgnStatus follow(CliContext *ctx, HgnJobManager *m, const char *id) {
    int64_t seq = 0;
    for (;;) {
        HgnJobEvent *ev = NULL;
        size_t n = 0;
        HgnStatus st = hgnJobEventsSince(m, id, seq, 256, &ev, &n);
        if (st) return st;
        for (size_t i = 0; i < n; i++) {
            seq = ev[i].seq;
            if (ev[i].kind == HGN_JOB_EVENT_STATE)
                fprintf(ctx->out, "%s -> %s%s%s\n", hgnJobStateName(ev[i].from), hgnJobStateName(ev[i].to),
                        ev[i].message ? "  " : "", ev[i].message ? ev[i].message : "");
            else if (ev[i].kind == HGN_JOB_EVENT_PROGRESS)
                fprintf(ctx->out, "step %lld/%lld\n", (long long)ev[i].stepsDone, (long long)ev[i].stepsTotal);
            else if (ev[i].message)
                fprintf(ctx->out, "%s\n", ev[i].message);
        }
        hgnJobEventsFree(ev, n);
        fflush(ctx->out);
        HgnJob j;
        st = hgnJobGet(m, id, NULL, &j);
        if (st) return st;
        bool done = hgnJobStateTerminal(j.state);
        hgnJobClear(&j);
        if (done && n == 0) return HGN_OK;
        if (n == 0) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

HgnStatus cmdStatus(CliContext *ctx) {
    const char *id = hgnCliArgsString(ctx->args, "ID", NULL);
    bool doFollow = hgnCliArgsHas(ctx->args, "follow");
    if (ctx->dryRun) {
        HgnBuf action;
        hgnBufInit(&action);
        if (id)
            hgnBufAppendf(&action, "show the state and progress of job `%s`", id);
        else
            hgnBufAppendStr(&action, "show the state and progress of every active job");
        if (doFollow) hgnBufAppendStr(&action, ", following it until it ends");
        HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
        hgnBufFree(&action);
        return st;
    }
    const char *server = cliServerUrl(ctx);
    if (server) return cliRemoteStatus(ctx, server, id, doFollow);
    HgnJobManager *m = NULL;
    HgnStatus st = cliJobManagerOpen(ctx, &m);
    if (st) return st;
    if (id) {
        HgnJob j;
        st = hgnJobGet(m, id, NULL, &j);
        if (!st) {
            st = cliJobPrint(ctx, &j);
            hgnJobClear(&j);
        }
        if (!st && doFollow && !ctx->json) st = follow(ctx, m, id);
    } else {
        HgnJobFilter f = {.activeOnly = true};
        HgnJobList l = {0};
        st = hgnJobList(m, &f, &l);
        for (size_t i = 0; !st && i < l.count; i++) st = cliJobPrint(ctx, &l.items[i]);
        if (!st && l.count == 0 && !ctx->json) fprintf(ctx->out, "no active jobs\n");
        hgnJobListFree(&l);
    }
    hgnJobManagerClose(m);
    return st;
}
