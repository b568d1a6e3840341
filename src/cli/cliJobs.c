/* cliJobs.c — opening the local job store for the CLI job commands and
 * printing job records. */
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cliJobs.h"
#include "cli/cliOutput.h"
#include "core/alloc.h"

HgnStatus cliJobManagerOpen(const CliContext *ctx, HgnJobManager **out) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    HgnStatus st = hgnJobManagerConfigFromConfig(ctx->config, &c);      /* [jobs]: quotas, leases, retries */
    return st ? st : hgnJobManagerOpenFromConfig(ctx->config, &c, out); /* [store]: backend, path, dsn */
}

const char *cliJobUser(void) {
    const char *u = getenv("USER");
    if (u && *u) return u;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : "local";
}

void cliJobPrintLine(const CliContext *ctx, const HgnJob *j) {
    fprintf(ctx->out, "%s  %-9s  %-10s  attempts %d/%d  steps %lld", j->id, hgnJobStateName(j->state),
            j->owner ? j->owner : "", (int)j->attempts, (int)j->maxAttempts, (long long)j->stepsDone);
    if (j->stepsTotal > 0) fprintf(ctx->out, "/%lld", (long long)j->stepsTotal);
    if (j->cancelRequested) fputs("  (cancel requested)", ctx->out);
    fputc('\n', ctx->out);
}

HgnStatus cliJobPrint(const CliContext *ctx, const HgnJob *j) {
    if (ctx->json) {
        char *txt = hgnJobToJson(j, false);
        json_t *doc = txt ? json_loads(txt, 0, NULL) : NULL;
        hgnFree(txt);
        if (!doc) return hgnStatusNew(HGN_CODE_OutOfMemory, "status", NULL, "rendering the job");
        return cliPrintJson(ctx, doc);
    }
    cliJobPrintLine(ctx, j);
    if (j->planDigest)
        fprintf(ctx->out, "  plan      %s%s%s\n", j->planDigest, j->planPath ? "  " : "",
                j->planPath ? j->planPath : "");
    if (j->lastError) fprintf(ctx->out, "  lastError %s\n", j->lastError);
    if (j->resultText) fprintf(ctx->out, "  result    %s\n", j->resultText);
    return HGN_OK;
}
