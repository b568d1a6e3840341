/* cmdExecute.c — `huginn execute PLAN …`: run a plan locally or on a server. */
#include <string.h>

#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

static HgnStatus checkCombinations(const HgnCliArgs *a) {
    if (hgnCliArgsHas(a, "follow") && !hgnCliArgsHas(a, "server"))
        return hgnStatusNew(HGN_CODE_UsageError, "--follow", "add --server URL, or drop --follow (local runs stream)",
                            "--follow follows a job on a server and needs --server URL");
    if (hgnCliArgsHas(a, "inputs") && (hgnCliArgsHas(a, "prompt") || hgnCliArgsHas(a, "prompt-file")))
        return hgnStatusNew(HGN_CODE_UsageError, "--inputs",
                            "give --prompt/--prompt-file for a language model, --inputs DIR for other models",
                            "--inputs cannot be combined with a prompt");
    if (hgnCliArgsHas(a, "inject") && hgnCliArgsHas(a, "server"))
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", "inject faults in a local run",
                            "--inject works only for local runs, not with --server");
    return HGN_OK;
}

static void describe(const HgnCliArgs *a, const HgnConfig *cfg, HgnBuf *b) {
    hgnBufAppendf(b, "run plan `%s`", hgnCliArgsString(a, "PLAN", ""));
    if (hgnCliArgsHas(a, "server"))
        hgnBufAppendf(b, " on the server %s", hgnCliArgsString(a, "server", ""));
    else if (hgnConfigGetInt(cfg, "runtime.threads", 0) > 0)
        hgnBufAppendf(b, " locally with %lld threads", (long long)hgnConfigGetInt(cfg, "runtime.threads", 0));
    else
        hgnBufAppendStr(b, " locally on every core");
    if (hgnCliArgsHas(a, "prompt"))
        hgnBufAppendf(b, ", prompt of %zu bytes", strlen(hgnCliArgsString(a, "prompt", "")));
    else if (hgnCliArgsHas(a, "prompt-file")) {
        const char *f = hgnCliArgsString(a, "prompt-file", "-");
        hgnBufAppendf(b, ", prompt read from %s", strcmp(f, "-") == 0 ? "stdin" : f);
    } else if (hgnCliArgsHas(a, "inputs"))
        hgnBufAppendf(b, ", inputs from `%s`", hgnCliArgsString(a, "inputs", ""));
    hgnBufAppendf(
        b, ", up to %lld tokens (temperature %g, top-k %lld, top-p %g, min-p %g, repeat penalty %g, seed %lld)",
        (long long)hgnCliArgsInt(a, "max-tokens", 256), hgnCliArgsReal(a, "temperature", 0.8),
        (long long)hgnCliArgsInt(a, "top-k", 40), hgnCliArgsReal(a, "top-p", 0.95), hgnCliArgsReal(a, "min-p", 0.05),
        hgnCliArgsReal(a, "repeat-penalty", 1.0), (long long)hgnCliArgsInt(a, "seed", 0));
    size_t nStop = hgnCliArgsCount(a, "stop");
    if (nStop) hgnBufAppendf(b, ", stopping at any of %zu strings", nStop);
    if (hgnCliArgsHas(a, "checkpoint-every"))
        hgnBufAppendf(b, ", checkpointing every %lld tokens", (long long)hgnCliArgsInt(a, "checkpoint-every", 0));
    if (hgnCliArgsHas(a, "resume")) hgnBufAppendf(b, ", resuming from `%s`", hgnCliArgsString(a, "resume", ""));
    if (hgnCliArgsHas(a, "outputs")) hgnBufAppendf(b, ", writing outputs to `%s`", hgnCliArgsString(a, "outputs", ""));
    for (size_t i = 0; i < hgnCliArgsCount(a, "inject"); i++)
        hgnBufAppendf(b, ", injecting fault `%s`", hgnCliArgsAt(a, "inject", i)->text);
    if (hgnCliArgsHas(a, "follow")) hgnBufAppendStr(b, ", following the job until it ends");
}

HgnStatus cmdExecute(CliContext *ctx) {
    HgnStatus st = checkCombinations(ctx->args);
    if (st) return st;
    if (!ctx->dryRun) return cliNotBuilt(ctx, "the executor");
    HgnBuf b;
    hgnBufInit(&b);
    describe(ctx->args, ctx->config, &b);
    st = cliDryRun(ctx, hgnBufStr(&b));
    hgnBufFree(&b);
    return st;
}
