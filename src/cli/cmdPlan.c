/* cmdPlan.c — `huginn plan MODEL …`, `huginn plan --check FILE`, `huginn plan diff A B`. */
#include <string.h>
#include <sys/stat.h>

#include "cli/cliModel.h"
#include "cli/cliOutput.h"
#include "cli/cliPlanRun.h"
#include "cli/commands.h"
#include "cliparse/cliOptions.h"
#include "cliparse/cliValue.h"
#include "core/strBuf.h"

/* Options that only make sense when building a plan (not with --check). */
static const char *const planningOptions[] = {"topology-xml", "hardware",     "policy",  "objective", "context",
                                              "batch",        "quant-config", "reserve", "dot",       "out"};

static HgnStatus checkReservations(const HgnCliArgs *a) {
    size_t n = hgnCliArgsCount(a, "reserve");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            const HgnCliArg *x = hgnCliArgsAt(a, "reserve", i), *y = hgnCliArgsAt(a, "reserve", j);
            if (strcmp(x->device, y->device) == 0)
                return hgnStatusNew(HGN_CODE_UsageError, "--reserve", "give one --reserve per device",
                                    "device `%s` is reserved twice (`%s` and `%s`)", x->device, y->text, x->text);
        }
    return HGN_OK;
}

static HgnStatus checkPlanFile(CliContext *ctx, const char *path) { return cliPlanCheck(ctx, path); }

static HgnStatus planCheck(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    for (size_t i = 0; i < sizeof planningOptions / sizeof planningOptions[0]; i++)
        if (hgnCliArgsHas(a, planningOptions[i]))
            return hgnStatusNew(HGN_CODE_UsageError, "--check", "run `huginn plan --check FILE` alone",
                                "--check validates an existing plan and takes no planning option (got --%s)",
                                planningOptions[i]);
    if (!ctx->dryRun) return checkPlanFile(ctx, hgnCliArgsString(a, "check", ""));
    HgnBuf action;
    hgnBufInit(&action);
    hgnBufAppendf(&action, "validate plan `%s` (schema, budgets, model and topology digests)",
                  hgnCliArgsString(a, "check", ""));
    HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}

static HgnStatus planBuild(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    const char *model = hgnCliArgsString(a, "MODEL", NULL);
    if (!model)
        return hgnStatusNew(HGN_CODE_UsageError, "MODEL", "run `huginn plan --help` for its usage",
                            "`plan` needs MODEL (or --check FILE, or `plan diff A B`)");
    const char *format = NULL;
    struct stat sb;
    HgnStatus st = HGN_OK;
    if (stat(model, &sb) == 0)
        st = cliModelDetect(model, "MODEL", &format);
    else
        format = "registry";
    if (!st) st = checkReservations(a);
    if (st) return st;
    if (!ctx->dryRun) return cliPlanRun(ctx, model, format);
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendf(&b, "plan the %s model `%s` for ", format, model);
    if (hgnCliArgsHas(a, "topology-xml"))
        hgnBufAppendf(&b, "the machine in `%s`", hgnCliArgsString(a, "topology-xml", ""));
    else if (hgnCliArgsHas(a, "hardware"))
        hgnBufAppendf(&b, "the machine in `%s`", hgnCliArgsString(a, "hardware", ""));
    else
        hgnBufAppendStr(&b, "this host");
    /* Flags were applied to the configuration, so it holds the effective values. */
    const HgnConfig *cfg = ctx->config;
    hgnBufAppendf(&b, " with policy %s, objective %s, context %lld, batch %lld",
                  hgnConfigGetString(cfg, "planner.policy", "balanced"),
                  hgnConfigGetString(cfg, "planner.objective", "latency"),
                  (long long)hgnConfigGetInt(cfg, "planner.contextLength", 4096),
                  (long long)hgnConfigGetInt(cfg, "planner.batchSize", 1));
    if (hgnCliArgsHas(a, "quant-config"))
        hgnBufAppendf(&b, ", quantisation from `%s`", hgnCliArgsString(a, "quant-config", ""));
    for (size_t i = 0; i < hgnCliArgsCount(a, "reserve"); i++) {
        const HgnCliArg *r = hgnCliArgsAt(a, "reserve", i);
        char size[32];
        hgnBufAppendf(&b, ", keeping %s free on %s", hgnCliFormatSize(r->size, size, sizeof size), r->device);
    }
    const char *out = hgnCliArgsString(a, "out", "-");
    if (strcmp(out, "-") == 0)
        hgnBufAppendf(&b, ", and write it as %s to stdout", hgnCliArgsHas(a, "dot") ? "Graphviz DOT" : "JSON");
    else
        hgnBufAppendf(&b, ", and write it to %s with its summary%s", out,
                      hgnCliArgsHas(a, "dot") ? " and its Graphviz DOT graph" : "");
    st = cliDryRun(ctx, hgnBufStr(&b));
    hgnBufFree(&b);
    return st;
}

static HgnStatus planDiff(CliContext *ctx) {
    if (!ctx->dryRun)
        return cliPlanDiff(ctx, hgnCliArgsString(ctx->args, "A", ""), hgnCliArgsString(ctx->args, "B", ""));
    HgnBuf action;
    hgnBufInit(&action);
    hgnBufAppendf(&action, "compare plans `%s` and `%s`", hgnCliArgsString(ctx->args, "A", ""),
                  hgnCliArgsString(ctx->args, "B", ""));
    HgnStatus st = cliDryRun(ctx, hgnBufStr(&action));
    hgnBufFree(&action);
    return st;
}

HgnStatus cmdPlan(CliContext *ctx) {
    if (ctx->args->command->id == HGN_CMD_PLAN_DIFF) return planDiff(ctx);
    if (hgnCliArgsHas(ctx->args, "check")) return planCheck(ctx);
    return planBuild(ctx);
}
