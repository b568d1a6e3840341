/* cmdExecute.c — `huginn execute PLAN …`: run a plan locally (the runtime of
 * include/huginn/runtime.h: text streamed to stdout, a summary line on
 * stderr, or one JSON document with --json) or describe it (--dry-run). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cliGenOptions.h"
#include "cli/cliOutput.h"
#include "cli/cliRemote.h"
#include "cli/commands.h"
#include "cli/executeOnnx.h"
#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "huginn/plan.h"
#include "huginn/runtime.h"

static HgnStatus checkCombinations(const CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    if (hgnCliArgsHas(a, "follow") && !cliServerUrl(ctx))
        return hgnStatusNew(HGN_CODE_UsageError, "--follow",
                            "add --server URL (or set server.url), or drop --follow (local runs stream)",
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
    const char *server = hgnCliArgsHas(a, "local")    ? NULL
                         : hgnCliArgsHas(a, "server") ? hgnCliArgsString(a, "server", "")
                                                      : NULL;
    if (server)
        hgnBufAppendf(b, " on the server %s", server);
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

/* What the local runtime does not do yet (issue 7): a clear HGN-0010. */
static HgnStatus checkLocalSupport(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    static const char *const later[] = {"inputs", "outputs"};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        if (hgnCliArgsHas(a, later[i])) {
            char what[64];
            snprintf(what, sizeof what, "--%s", later[i]);
            return cliNotBuilt(ctx, what);
        }
    if (!hgnCliArgsHas(a, "prompt") && !hgnCliArgsHas(a, "prompt-file") && !hgnCliArgsHas(a, "resume"))
        return hgnStatusNew(HGN_CODE_UsageError, "--prompt", "add --prompt TEXT or --prompt-file F",
                            "a language-model plan needs a prompt");
    if (hgnCliArgsCount(a, "inject") > 1)
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", "give one --inject per run",
                            "a local run takes one injected fault");
    return HGN_OK;
}

/* --inject KIND:cpu:N@[step=]K with KIND drain, fail or device-loss (= fail). */
static HgnStatus parseInject(const char *spec, HgnGenerateOptions *go) {
    const char *hint = "write drain:cpu:N@step=K or fail:cpu:N@step=K (K produced tokens)";
    int kind = strncmp(spec, "drain:", 6) == 0                                            ? 1
               : strncmp(spec, "fail:", 5) == 0 || strncmp(spec, "device-loss:", 12) == 0 ? 2
                                                                                          : 0;
    if (!kind)
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", hint,
                            "`%s`: the local runtime injects drain, fail and device-loss faults", spec);
    const char *t = strchr(spec, ':') + 1;
    char *end = NULL;
    if (strncmp(t, "cpu:", 4) != 0)
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", hint, "`%s`: the target must be a device cpu:N", spec);
    long dev = strtol(t + 4, &end, 10);
    if (end == t + 4 || *end != '@')
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", hint, "`%s`: give the device number and @step", spec);
    const char *s = end + 1;
    if (strncmp(s, "step=", 5) == 0) s += 5;
    long k = strtol(s, &end, 10);
    if (end == s || *end || k < 1 || k > 1000000 || dev < 0 || dev > 64)
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", hint, "`%s`: the step must be 1 or more", spec);
    go->injectKind = kind;
    go->injectDevice = (int32_t)dev;
    go->injectStep = (int32_t)k;
    return HGN_OK;
}

static HgnStatus readPrompt(const HgnCliArgs *a, HgnBuf *out) {
    if (hgnCliArgsHas(a, "prompt")) {
        const char *p = hgnCliArgsString(a, "prompt", "");
        hgnBufAppend(out, p, strlen(p));
    } else {
        const char *path = hgnCliArgsString(a, "prompt-file", "-");
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        if (!f)
            return hgnStatusNew(HGN_CODE_NotFound, path, "check the --prompt-file path", "cannot read the prompt: %s",
                                strerror(errno));
        int e = hgnFileReadStream(f, out);
        if (f != stdin) fclose(f);
        if (e) return hgnStatusNew(HGN_CODE_IoError, path, NULL, "cannot read the prompt: %s", strerror(e));
    }
    if (!hgnBufOk(out)) return hgnStatusNew(HGN_CODE_OutOfMemory, "prompt", NULL, "out of memory");
    return HGN_OK;
}

typedef struct Stream {
    FILE *out;
} Stream;

static void onText(void *p, const char *text, size_t len) {
    Stream *s = p;
    fwrite(text, 1, len, s->out);
    fflush(s->out);
}

static void runId(char *buf, size_t n) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(buf, n, "run-%s-%ld", stamp, (long)getpid());
}

static double rate(uint64_t tokens, double seconds) { return seconds > 0 ? (double)tokens / seconds : 0.0; }

static json_t *metricsJson(const HgnRuntime *rt, const HgnGenerateResult *r, const char *artifacts) {
    HgnRuntimeStats s;
    hgnRuntimeGetStats(rt, &s);
    json_t *m = json_object();
    json_object_set_new(m, "promptTokens", json_integer((json_int_t)r->nPromptTokens));
    json_object_set_new(m, "generatedTokens", json_integer((json_int_t)r->nTokens));
    json_object_set_new(m, "stopReason", json_string(r->stopReason));
    json_object_set_new(m, "prefillTokensPerSecond", json_real(rate(s.prefillTokens, s.prefillSeconds)));
    json_object_set_new(m, "decodeTokensPerSecond", json_real(rate(s.decodeTokens, s.decodeSeconds)));
    json_object_set_new(m, "prefillSeconds", json_real(s.prefillSeconds));
    json_object_set_new(m, "decodeSeconds", json_real(s.decodeSeconds));
    json_object_set_new(m, "predictedDecodeTokensPerSecond", json_real(s.predictedDecodeTps));
    json_object_set_new(m, "predictedPrefillTokensPerSecond", json_real(s.predictedPrefillTps));
    json_object_set_new(m, "bytesTransferred", json_integer((json_int_t)s.bytesTransferred));
    json_object_set_new(m, "huginn_bytes_transferred_total", json_integer((json_int_t)s.bytesTransferred));
    json_t *devs = json_array();
    for (int32_t d = 0; d < hgnRuntimeDeviceCount(rt); d++) {
        HgnRuntimeDeviceStats ds;
        hgnRuntimeGetDeviceStats(rt, d, &ds);
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(ds.id));
        json_object_set_new(o, "peakBytes", json_integer((json_int_t)ds.peakBytes));
        json_object_set_new(o, "mappedWeightBytes", json_integer((json_int_t)ds.mappedBytes));
        json_object_set_new(o, "predictedPeakBytes", json_integer((json_int_t)ds.predictedBytes));
        json_array_append_new(devs, o);
    }
    json_object_set_new(m, "devices", devs);
    if (artifacts) json_object_set_new(m, "artifacts", json_string(artifacts));
    return m;
}

static void summaryLine(const CliContext *ctx, const HgnRuntime *rt, const HgnGenerateResult *r) {
    HgnRuntimeStats s;
    hgnRuntimeGetStats(rt, &s);
    fprintf(ctx->err, "\nhuginn: %zu prompt tokens, %zu generated (%s); prefill %.1f tokens/s, decode %.1f tokens/s",
            r->nPromptTokens, r->nTokens, r->stopReason, rate(s.prefillTokens, s.prefillSeconds),
            rate(s.decodeTokens, s.decodeSeconds));
    if (s.predictedDecodeTps > 0) fprintf(ctx->err, " (plan: %.1f)", s.predictedDecodeTps);
    for (int32_t d = 0; d < hgnRuntimeDeviceCount(rt); d++) {
        HgnRuntimeDeviceStats ds;
        hgnRuntimeGetDeviceStats(rt, d, &ds);
        /* the plan's peak counts the weights; the arena does not (they are mapped) */
        uint64_t peak = ds.peakBytes + ds.mappedBytes;
        fprintf(ctx->err, "; %s peak %.1f MiB", ds.id, (double)peak / 1048576.0);
        if (ds.predictedBytes)
            fprintf(ctx->err, " vs plan %.1f MiB (%+.0f%%)", (double)ds.predictedBytes / 1048576.0,
                    100.0 * ((double)peak / (double)ds.predictedBytes - 1.0));
    }
    if (s.bytesTransferred) fprintf(ctx->err, "; %llu bytes transferred", (unsigned long long)s.bytesTransferred);
    if (r->retriesDeviceLost) fprintf(ctx->err, "; %d retries (device lost)", r->retriesDeviceLost);
    if (r->resumedAt) fprintf(ctx->err, "; resumed at token %d", r->resumedAt);
    fprintf(ctx->err, "\n");
}

/* text with each byte that is not part of valid UTF-8 replaced by U+FFFD
 * (a model may stop inside a character); NULL when out of memory. */
static char *validUtf8(const char *s) {
    HgnBuf b;
    hgnBufInit(&b);
    size_t n = strlen(s), bad = 0;
    while (n > 0) {
        if (hgnUtf8Valid(s, n, &bad)) {
            hgnBufAppend(&b, s, n);
            break;
        }
        hgnBufAppend(&b, s, bad);
        hgnBufAppendStr(&b, "\xef\xbf\xbd");
        s += bad + 1;
        n -= bad + 1;
    }
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return NULL;
    }
    char *out = hgnBufDetach(&b);
    return out ? out : hgnStrdup("");
}

static HgnStatus runLocal(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    {
        /* ONNX plans run on the ONNX executor; any other plan (or one that does not read) goes on below */
        const char *pp = hgnCliArgsString(a, "PLAN", "plan.json");
        HgnPlan *peek = NULL;
        HgnStatus ps = hgnPlanReadFile(pp, &peek);
        if (!ps && peek->modelSource && strcmp(peek->modelSource, "onnx") == 0) {
            ps = cliExecuteOnnx(ctx, peek, pp);
            hgnPlanFree(peek);
            return ps;
        }
        hgnStatusFree(ps);
        hgnPlanFree(peek);
    }
    HgnStatus st = checkLocalSupport(ctx);
    if (st) return st;
    HgnGenerateOptions inj = {0}; /* the fault, checked before anything is loaded */
    if (hgnCliArgsCount(a, "inject") == 1 && (st = parseInject(hgnCliArgsAt(a, "inject", 0)->text, &inj))) return st;
    HgnJobOptions jo; /* the sampling flags through the job API's validation (one set of ranges) */
    json_t *joJson = NULL;
    st = cliGenOptions(a, &joJson, &jo);
    json_decref(joJson);
    HgnBuf prompt;
    hgnBufInit(&prompt);
    if (st || (!hgnCliArgsHas(a, "resume") && (st = readPrompt(a, &prompt)))) {
        hgnJobOptionsClear(&jo);
        hgnBufFree(&prompt);
        return st;
    }
    const char *planPath = hgnCliArgsString(a, "PLAN", "plan.json");
    HgnPlan *plan = NULL;
    HgnRuntime *rt = NULL;
    HgnRuntimeOptions ro;
    hgnRuntimeOptionsInit(&ro);
    int64_t threads = hgnCliArgsHas(a, "threads") ? hgnCliArgsInt(a, "threads", 0)
                                                  : hgnConfigGetInt(ctx->config, "runtime.threads", 0);
    if (threads < 0 || threads > 4096)
        st = hgnStatusNew(HGN_CODE_UsageError, "--threads", "use 1 or more threads", "--threads must be 1 or more");
    else if (threads > 0)
        ro.threads = (int32_t)threads;
    if (!st) st = hgnPlanReadFile(planPath, &plan);
    if (!st) st = hgnRuntimeOpenPlan(plan, planPath, &ro, &rt);
    HgnGenerateOptions go;
    hgnGenerateOptionsInit(&go);
    go.maxTokens = (int32_t)hgnCliArgsInt(a, "max-tokens", 256);
    hgnJobOptionsApply(&jo, &go); /* the sampling flags, checked above */
    char id[64], *artifacts = NULL;
    runId(id, sizeof id);
    const char *base = hgnConfigGetString(ctx->config, "runtime.artifactsDir", "huginn-artifacts");
    if (base && base[0]) {
        size_t n = strlen(base) + strlen(id) + 2;
        artifacts = hgnMalloc(n);
        if (artifacts) snprintf(artifacts, n, "%s/%s", base, id);
    }
    go.artifactsDir = artifacts;
    if (hgnCliArgsHas(a, "checkpoint-every")) {
        go.checkpointEvery = (int32_t)hgnCliArgsInt(a, "checkpoint-every", 0);
        if (!artifacts && !st)
            st = hgnStatusNew(HGN_CODE_UsageError, "--checkpoint-every",
                              "set runtime.artifactsDir (checkpoints live in the run's artefacts folder)",
                              "--checkpoint-every needs an artefacts folder, and runtime.artifactsDir is empty");
    }
    if (hgnCliArgsHas(a, "resume")) go.resumeDir = hgnCliArgsString(a, "resume", "");
    go.injectKind = inj.injectKind;
    go.injectDevice = inj.injectDevice;
    go.injectStep = inj.injectStep;
    Stream stream = {ctx->out};
    if (!ctx->json) {
        go.onText = onText;
        go.onTextCtx = &stream;
    }
    HgnGenerateResult r = {0};
    if (!st) st = hgnGenerate(rt, hgnBufStr(&prompt), prompt.len, &go, &r);
    if (!st) {
        if (ctx->json) {
            json_t *doc = json_object(), *toks = json_array();
            char *text = validUtf8(r.text);
            json_object_set_new(doc, "text", text ? json_string(text) : json_string(""));
            hgnFree(text);
            for (size_t i = 0; i < r.nTokens; i++) json_array_append_new(toks, json_integer(r.tokens[i]));
            json_object_set_new(doc, "tokens", toks);
            json_t *m = metricsJson(rt, &r, artifacts);
            json_object_set_new(m, "retries", json_pack("{s:i}", "device_lost", (json_int_t)r.retriesDeviceLost));
            if (r.resumedAt) json_object_set_new(m, "resumedAt", json_integer(r.resumedAt));
            json_object_set_new(doc, "metrics", m);
            st = cliPrintJson(ctx, doc); /* takes the document */
        } else {
            fputc('\n', ctx->out);
            fflush(ctx->out);
            summaryLine(ctx, rt, &r);
            if (artifacts) fprintf(ctx->err, "huginn: artefacts in %s\n", artifacts);
        }
    }
    hgnGenerateResultFree(&r);
    hgnFree(artifacts);
    hgnJobOptionsClear(&jo);
    hgnRuntimeFree(rt);
    hgnPlanFree(plan);
    hgnBufFree(&prompt);
    return st;
}

HgnStatus cmdExecute(CliContext *ctx) {
    HgnStatus st = checkCombinations(ctx);
    if (st) return st;
    const char *server = cliServerUrl(ctx);
    if (server && hgnCliArgsHas(ctx->args, "inject"))
        return hgnStatusNew(HGN_CODE_UsageError, "--inject", "inject faults in a local run (add --local)",
                            "--inject works only for local runs, not on a server");
    if (!ctx->dryRun) return server ? cliRemoteExecute(ctx, server) : runLocal(ctx);
    HgnBuf b;
    hgnBufInit(&b);
    describe(ctx->args, ctx->config, &b);
    st = cliDryRun(ctx, hgnBufStr(&b));
    hgnBufFree(&b);
    return st;
}
