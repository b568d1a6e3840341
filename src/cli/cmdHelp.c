/* cmdHelp.c — `huginn help [TOPIC…]`: global help, a command's help, `help errors`, `help --json`. */
#include <string.h>

#include "cli/cliHelp.h"
#include "cli/commands.h"
#include "cliparse/cliSuggest.h"
#include "core/strBuf.h"

static HgnStatus unknownTopic(const HgnCliSpec *spec, const char *topic) {
    const char *cands[80];
    size_t n = 0;
    for (const HgnCliCommand *c = spec->commands; c->name && n < 79; c++) cands[n++] = c->name;
    cands[n++] = "errors";
    const char *guess = hgnCliSuggest(topic, cands, n);
    const char *hint = "run `huginn help` to list the commands";
    if (guess)
        return hgnStatusNew(HGN_CODE_UsageError, "TOPIC", hint, "no help for `%s`; did you mean `%s`?", topic, guess);
    return hgnStatusNew(HGN_CODE_UsageError, "TOPIC", hint, "no help for `%s`", topic);
}

HgnStatus cmdHelp(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    size_t n = hgnCliArgsCount(a, "TOPIC");
    if (n == 0) {
        if (ctx->json) return cliHelpJson(ctx);
        cliHelpGlobal(ctx, ctx->out);
        return HGN_OK;
    }
    HgnBuf topic;
    hgnBufInit(&topic);
    for (size_t i = 0; i < n; i++) hgnBufAppendf(&topic, "%s%s", i ? " " : "", hgnCliArgsAt(a, "TOPIC", i)->text);
    HgnStatus st = HGN_OK;
    const HgnCliCommand *cmd = hgnCliFindCommand(a->spec, hgnBufStr(&topic));
    if (strcmp(hgnBufStr(&topic), "errors") == 0)
        st = cliHelpErrors(ctx);
    else if (cmd)
        cliHelpCommand(ctx, cmd, ctx->out);
    else
        st = unknownTopic(a->spec, hgnBufStr(&topic));
    hgnBufFree(&topic);
    return st;
}
