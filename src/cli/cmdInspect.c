/* cmdInspect.c — `huginn inspect MODEL`: summarise a model file. */
#include "cli/cliModel.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

HgnStatus cmdInspect(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    const char *model = hgnCliArgsString(a, "MODEL", "");
    const char *format = NULL;
    HgnStatus st = cliModelDetect(model, "MODEL", &format);
    if (st) return st;
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the model reader");
    HgnBuf action;
    hgnBufInit(&action);
    hgnBufAppendf(&action, "read the %s header of `%s` and summarise it%s", format, model,
                  hgnCliArgsHas(a, "tensors") ? ", listing every tensor" : "");
    st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}
