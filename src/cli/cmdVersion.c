/* cmdVersion.c — `huginn version` (and `huginn --version`): version and git revision. */
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "huginn/version.h"

HgnStatus cmdVersion(CliContext *ctx) {
    if (ctx->json)
        return cliPrintJson(ctx, json_pack("{s:s, s:s, s:i, s:i, s:i}", "version", HGN_VERSION, "gitRevision",
                                           HGN_GIT_REVISION, "major", HGN_VERSION_MAJOR, "minor", HGN_VERSION_MINOR,
                                           "patch", HGN_VERSION_PATCH));
    fprintf(ctx->out, "huginn %s (git %s)\n", HGN_VERSION, HGN_GIT_REVISION);
    return HGN_OK;
}
