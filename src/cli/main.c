/* main.c — entry point of the `huginn` command: parses and validates the
 * command line, loads the layered configuration, configures logging, runs
 * one command and turns its HgnStatus into output and an exit status. The
 * only exit point is the return of main(). */
#include <stdio.h>
#include <string.h>

#include "cli/cliContext.h"
#include "cli/cliHelp.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "cliparse/cliOptions.h"
#include "huginn/config.h"
#include "huginn/diagnostics.h"
#include "huginn/log.h"
#include "huginn/status.h"

typedef struct Dispatch {
    HgnCliCommandId id;
    CliCommandFn run;
} Dispatch;

static const Dispatch dispatchTable[] = {
    {HGN_CMD_DIAGNOSE, cmdDiagnose},   {HGN_CMD_MODELS_LIST, cmdModels},
    {HGN_CMD_MODELS_SHOW, cmdModels},  {HGN_CMD_INSPECT, cmdInspect},
    {HGN_CMD_PLAN, cmdPlan},           {HGN_CMD_PLAN_DIFF, cmdPlan},
    {HGN_CMD_EXPLAIN, cmdExplain},     {HGN_CMD_EXECUTE, cmdExecute},
    {HGN_CMD_QUANTIZE, cmdQuantize},   {HGN_CMD_STATUS, cmdStatus},
    {HGN_CMD_CANCEL, cmdCancel},       {HGN_CMD_JOBS, cmdJobs},
    {HGN_CMD_CONFIG_SHOW, cmdConfig},  {HGN_CMD_CONFIG_VALIDATE, cmdConfig},
    {HGN_CMD_CONFIG_PARSE, cmdConfig}, {HGN_CMD_HELP, cmdHelp},
    {HGN_CMD_VERSION, cmdVersion},     {HGN_CMD_CALIBRATE, cmdCalibrate},
};

enum { MAX_FLAGS = 32 };

/* Options with a configKey override that key (source "flag:--opt"); -v/-q
 * become one logging.level flag when level is given. */
static size_t configFlags(const HgnCliArgs *a, const char *level, HgnConfigFlag *flags, char (*origins)[48]) {
    size_t n = 0;
    for (size_t i = 0; i < a->nValues && n + 1 < MAX_FLAGS; i++) {
        const HgnCliOption *o = a->values[i].opt;
        if (!o->configKey || o->shortName == 'v' || o->shortName == 'q') continue;
        if (hgnCliArgsGet(a, o->name) != &a->values[i]) continue; /* the last occurrence only */
        const char *value = o->type == HGN_CLI_FLAG ? o->configValue : a->values[i].text;
        if (!value) continue;
        snprintf(origins[n], sizeof origins[n], "--%.40s", o->name);
        flags[n] = (HgnConfigFlag){o->configKey, value, origins[n]};
        n++;
    }
    if (level) {
        bool louder = hgnCliArgsCount(a, "verbose") >= hgnCliArgsCount(a, "quiet");
        flags[n++] = (HgnConfigFlag){"logging.level", level, louder ? "-v" : "-q"};
    }
    return n;
}

/* The level after shifting base by one step per -v (louder) and per -q (quieter). */
static const char *shiftedLevel(const HgnCliArgs *a, HgnLogLevel base) {
    int level = (int)base + (int)hgnCliArgsCount(a, "verbose") - (int)hgnCliArgsCount(a, "quiet");
    if (level < (int)HGN_LOG_ERROR) level = HGN_LOG_ERROR;
    if (level > (int)HGN_LOG_TRACE) level = HGN_LOG_TRACE;
    return hgnLogLevelName((HgnLogLevel)level);
}

static HgnStatus asConfigError(HgnStatus st) {
    if (!st || hgnStatusCode(st) == HGN_CODE_InvalidConfig) return st;
    return hgnStatusWrap(st, HGN_CODE_InvalidConfig, NULL, "fix or remove the configuration named below",
                         "the configuration could not be loaded");
}

static HgnStatus loadConfig(const HgnCliArgs *a, HgnConfig **out) {
    HgnConfigFlag flags[MAX_FLAGS];
    char origins[MAX_FLAGS][48];
    HgnConfigOptions opts = {0};
    opts.configFile = hgnCliArgsString(a, "config", NULL);
    opts.profile = hgnCliArgsString(a, "profile", NULL);
    opts.flags = flags;
    opts.nFlags = configFlags(a, NULL, flags, origins);
    HgnStatus st = asConfigError(hgnConfigLoad(&opts, out));
    if (st || (!hgnCliArgsHas(a, "verbose") && !hgnCliArgsHas(a, "quiet"))) return st;
    /* -v/-q shift the level the other layers chose: load again with the result as a flag. */
    HgnLogLevel base = HGN_LOG_INFO;
    (void)hgnLogLevelParse(hgnConfigGetString(*out, "logging.level", "info"), &base);
    const char *level = shiftedLevel(a, base);
    hgnConfigFree(*out);
    *out = NULL;
    opts.nFlags = configFlags(a, level, flags, origins);
    return asConfigError(hgnConfigLoad(&opts, out));
}

/* Logging from the effective configuration, or from the built-in defaults and
 * the flags for commands that run without configuration. */
static HgnStatus configureLogging(const CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    HgnLogConfig lc;
    hgnLogDefaults(&lc);
    lc.stream = ctx->err;
    if (ctx->config) {
        HgnStatus st = hgnConfigLogSettings(ctx->config, &lc);
        if (st) return st;
    } else {
        (void)hgnLogLevelParse(shiftedLevel(a, lc.level), &lc.level);
        (void)hgnLogFormatParse(hgnCliArgsString(a, "log-format", "text"), &lc.format);
        lc.filePath = hgnCliArgsString(a, "log-file", NULL);
        lc.color = ctx->colorErr;
    }
    if (hgnCliArgsHas(a, "no-color")) lc.color = false;
    return hgnLogConfigure(&lc);
}

static HgnStatus dispatch(CliContext *ctx) {
    const HgnCliCommand *cmd = ctx->args->command;
    for (size_t i = 0; i < sizeof dispatchTable / sizeof dispatchTable[0]; i++)
        if ((int)dispatchTable[i].id == cmd->id) return dispatchTable[i].run(ctx);
    return hgnStatusNew(HGN_CODE_InternalError, cmd->name, "please report this", "no handler for command `%s`",
                        cmd->name);
}

static HgnStatus run(CliContext *ctx, int argc, char **argv, HgnCliArgs **args) {
    HgnStatus st = hgnCliParse(hgnCliHuginnSpec(), argc, argv, args);
    if (st) return st;
    const HgnCliArgs *a = *args;
    ctx->args = a;
    ctx->dryRun = hgnCliArgsHas(a, "dry-run");
    if (a->help) {
        if (a->command)
            cliHelpCommand(ctx, a->command, ctx->out);
        else
            cliHelpGlobal(ctx, ctx->out);
        return HGN_OK;
    }
    if (hgnCliArgsHas(a, "version")) return cmdVersion(ctx);
    if (!a->command)
        return hgnStatusNew(HGN_CODE_UsageError, NULL, "run `huginn --help` to list the commands", "no command given");
    if (!a->command->noConfig) {
        st = loadConfig(a, &ctx->config);
        if (st) return st;
    }
    st = configureLogging(ctx);
    if (st) return st;
    HGN_DEBUG("cli", "running `%s`%s", a->command->name, ctx->dryRun ? " (dry run)" : "");
    return dispatch(ctx);
}

int main(int argc, char **argv) {
    hgnDiagnosticsProcessInit(); /* before any thread starts */
    CliContext ctx = {0};
    ctx.out = stdout;
    ctx.err = stderr;
    ctx.json = hgnCliArgvHasFlag(argc, argv, "json");
    bool noColor = hgnCliArgvHasFlag(argc, argv, "no-color");
    ctx.colorOut = !ctx.json && cliColorWanted(stdout, noColor);
    ctx.colorErr = cliColorWanted(stderr, noColor);

    HgnCliArgs *args = NULL;
    HgnStatus st = run(&ctx, argc, argv, &args);
    if (!st && fflush(stdout) != 0)
        st = hgnStatusNew(HGN_CODE_IoError, "stdout", "check the pipe or disk the output goes to",
                          "cannot write the output");
    int rc = 0;
    if (st) {
        rc = hgnCodeExitStatus(hgnStatusCode(st));
        cliPrintError(&ctx, st);
        hgnStatusFree(st);
    }
    hgnConfigFree(ctx.config);
    hgnCliArgsFree(args);
    hgnLogShutdown();
    return rc;
}
