/* cliRemote.c — `huginn execute --server`, `status`, `cancel` and `jobs`
 * against huginnd over HTTP: submits plans inline, follows server-sent
 * events, prints job records, and maps exit status from the final state.
 * The sampling flags of execute travel as the job's "options". */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cliGenOptions.h"
#include "cli/cliHttp.h"
#include "cli/cliOutput.h"
#include "cli/cliRemote.h"
#include "core/alloc.h"
#include "core/fileIo.h"

const char *cliServerUrl(const CliContext *ctx) {
    if (hgnCliArgsHas(ctx->args, "local")) return NULL;
    if (hgnCliArgsHas(ctx->args, "server")) return hgnCliArgsString(ctx->args, "server", NULL);
    if (!ctx->config) return NULL;
    const char *src = hgnConfigSource(ctx->config, "server.url");
    const char *url = hgnConfigGetString(ctx->config, "server.url", "");
    if (!src || strcmp(src, "default") == 0 || !url || !*url) return NULL;
    return url;
}

/* The value of a server.tls.* file key (set by --cacert/--cert/--key, a file
 * or the environment); a set one must name a readable file. */
static HgnStatus tlsFile(const CliContext *ctx, const char *key, const char **out) {
    *out = ctx->config ? hgnConfigGetString(ctx->config, key, "") : "";
    if (!*out || !**out) return HGN_OK;
    if (access(*out, R_OK) != 0) {
        int e = errno;
        return hgnStatusNew(HGN_CODE_InvalidConfig, key, "point it at a readable PEM file (docs/operations.md)",
                            "%s: cannot read `%s`: %s", key, *out, strerror(e));
    }
    return HGN_OK;
}

static HgnStatus client(const CliContext *ctx, const char *url, CliHttp *out) {
    const char *tok = getenv("HUGINN_TOKEN");
    if (!tok || !*tok) tok = ctx->config ? hgnConfigGetString(ctx->config, "server.auth.token", "") : "";
    *out = (CliHttp){.base = url, .token = tok};
    HgnStatus st = tlsFile(ctx, "server.tls.caFile", &out->caFile);
    if (!st) st = tlsFile(ctx, "server.tls.clientCert", &out->clientCert);
    if (!st) st = tlsFile(ctx, "server.tls.clientKey", &out->clientKey);
    if (!st && *out->clientKey && !*out->clientCert)
        st = hgnStatusNew(HGN_CODE_InvalidConfig, "server.tls.clientKey",
                          "give the certificate too (--cert or server.tls.clientCert)",
                          "a client key without a client certificate");
    return st;
}

/* METHOD path → parsed JSON body of a 2xx answer, else the server's error. */
static HgnStatus call(const CliHttp *h, const char *method, const char *path, const char *body, json_t **out) {
    HgnBuf resp;
    hgnBufInit(&resp);
    long code = 0;
    HgnStatus st = cliHttpRequest(h, method, path, body, &code, &resp);
    if (!st && (code < 200 || code >= 300)) st = cliHttpError(h, path, code, hgnBufStr(&resp));
    if (!st) {
        json_error_t je;
        *out = json_loads(hgnBufStr(&resp), 0, &je);
        if (!*out)
            st = hgnStatusNew(HGN_CODE_InvalidJson, path, "check that the URL points at huginnd",
                              "the server answered with malformed JSON: %s", je.text);
    }
    hgnBufFree(&resp);
    return st;
}

static const char *str(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void printLine(const CliContext *ctx, const json_t *j) {
    fprintf(ctx->out, "%s  %-9s  %-10s  attempts %lld/%lld  steps %lld", str(j, "id"), str(j, "state"), str(j, "owner"),
            (long long)json_integer_value(json_object_get(j, "attempts")),
            (long long)json_integer_value(json_object_get(j, "maxAttempts")),
            (long long)json_integer_value(json_object_get(j, "stepsDone")));
    long long total = (long long)json_integer_value(json_object_get(j, "stepsTotal"));
    if (total > 0) fprintf(ctx->out, "/%lld", total);
    if (json_is_true(json_object_get(j, "cancelRequested"))) fputs("  (cancel requested)", ctx->out);
    fputc('\n', ctx->out);
}

static HgnStatus printJob(const CliContext *ctx, json_t *j) {
    if (ctx->json) return cliPrintJson(ctx, json_incref(j));
    printLine(ctx, j);
    const json_t *err = json_object_get(j, "lastError");
    if (json_is_string(err))
        fprintf(ctx->out, "  lastError %s\n", json_string_value(err));
    else if (json_is_object(err)) {
        char *t = json_dumps(err, JSON_COMPACT);
        if (t) fprintf(ctx->out, "  lastError %s\n", t);
        free(t);
    }
    if (*str(j, "result")) fprintf(ctx->out, "  result    %s\n", str(j, "result"));
    return HGN_OK;
}

static bool terminalState(const char *s) {
    return strcmp(s, "COMPLETED") == 0 || strcmp(s, "FAILED") == 0 || strcmp(s, "CANCELLED") == 0;
}

/* Exit status from a job's final state: COMPLETED is success, CANCELLED
 * HGN-0016, FAILED the job's error. */
static HgnStatus finalStatus(const json_t *j) {
    const char *s = str(j, "state"), *id = str(j, "id");
    if (strcmp(s, "CANCELLED") == 0) return hgnStatusNew(HGN_CODE_Cancelled, id, NULL, "job %s was cancelled", id);
    if (strcmp(s, "FAILED") == 0) {
        const json_t *e = json_object_get(j, "lastError");
        const json_t *he = json_object_get(e, "error");
        HgnCode code;
        if (cliHttpCode(str(he, "code"), &code)) { /* the job's own HGN error, code and all */
            const char *hint = json_string_value(json_object_get(he, "hint"));
            return hgnStatusNew(code, *str(he, "where") ? str(he, "where") : id, hint, "job %s failed: %s", id,
                                str(he, "message"));
        }
        const char *msg = json_is_string(e) ? json_string_value(e) : "no error recorded";
        return hgnStatusNew(HGN_CODE_InternalError, id, "see `huginn status ID` and the server log",
                            "job %s failed: %s", id, msg);
    }
    return HGN_OK;
}

typedef struct Follow {
    const CliContext *ctx;
    bool ended;
} Follow;

static bool onEvent(void *p, const char *event, const char *data) {
    Follow *f = p;
    FILE *o = f->ctx->json ? f->ctx->err : f->ctx->out;
    if (strcmp(event, "end") == 0) {
        f->ended = true;
        return false;
    }
    json_t *e = json_loads(data, 0, NULL);
    if (!e) return true;
    if (strcmp(event, "state") == 0)
        fprintf(o, "%s -> %s%s%s\n", str(e, "from"), str(e, "to"), *str(e, "message") ? "  " : "", str(e, "message"));
    else if (strcmp(event, "progress") == 0)
        fprintf(o, "step %lld/%lld\n", (long long)json_integer_value(json_object_get(e, "stepsDone")),
                (long long)json_integer_value(json_object_get(e, "stepsTotal")));
    else if (*str(e, "message"))
        fprintf(o, "%s\n", str(e, "message"));
    fflush(o);
    json_decref(e);
    return true;
}

static HgnStatus followJob(const CliContext *ctx, const CliHttp *h, const char *id) {
    char path[256];
    snprintf(path, sizeof path, "/v1/jobs/%s/events", id);
    Follow f = {.ctx = ctx};
    HgnStatus st = cliHttpEvents(h, path, onEvent, &f);
    if (st) return st;
    json_t *j = NULL;
    snprintf(path, sizeof path, "/v1/jobs/%s", id);
    if ((st = call(h, "GET", path, NULL, &j))) return st;
    if (!terminalState(str(j, "state")))
        st = hgnStatusNew(HGN_CODE_IoError, h->base, "run `huginn status ID --follow` again",
                          "the event stream ended while job %s is %s", id, str(j, "state"));
    if (!st) {
        if (!ctx->json && *str(j, "result")) fprintf(ctx->out, "%s\n", str(j, "result"));
        if (ctx->json) st = cliPrintJson(ctx, json_incref(j));
    }
    if (!st) st = finalStatus(j);
    json_decref(j);
    return st;
}

/* A relative model path in the plan is made absolute against the plan's
 * folder, since the server reads it from its own working directory. */
static void absolutiseModel(json_t *plan, const char *planPath) {
    json_t *model = json_object_get(json_object_get(plan, "header"), "model");
    if (!model) model = json_object_get(plan, "model");
    const char *p = json_string_value(json_object_get(model, "path"));
    if (!p || p[0] == '/') return;
    char *copy = hgnStrdup(planPath);
    if (!copy) return;
    char joined[PATH_MAX * 2], real[PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", dirname(copy), p);
    hgnFree(copy);
    if (realpath(joined, real)) json_object_set_new(model, "path", json_string(real));
}

HgnStatus cliRemoteExecute(CliContext *ctx, const char *url) {
    const HgnCliArgs *a = ctx->args;
    const char *planPath = hgnCliArgsString(a, "PLAN", "plan.json");
    json_error_t je;
    json_t *plan = json_load_file(planPath, 0, &je);
    if (!plan)
        return hgnStatusNew(HGN_CODE_InvalidJson, planPath, "check the plan file",
                            "cannot read the plan at line %d, column %d: %s", je.line, je.column, je.text);
    absolutiseModel(plan, planPath);
    json_t *body = json_pack("{s:o}", "plan", plan);
    HgnStatus st = HGN_OK;
    if (hgnCliArgsHas(a, "prompt"))
        json_object_set_new(body, "prompt", json_string(hgnCliArgsString(a, "prompt", "")));
    else if (hgnCliArgsHas(a, "prompt-file")) {
        const char *pf = hgnCliArgsString(a, "prompt-file", "-");
        FILE *f = strcmp(pf, "-") == 0 ? stdin : fopen(pf, "rb");
        HgnBuf b;
        hgnBufInit(&b);
        int e = f ? hgnFileReadStream(f, &b) : 1;
        if (f && f != stdin) fclose(f);
        if (e || !f)
            st = hgnStatusNew(HGN_CODE_IoError, pf, "check the --prompt-file path", "cannot read the prompt");
        else
            json_object_set_new(body, "prompt", json_stringn(hgnBufStr(&b), b.len));
        hgnBufFree(&b);
    }
    if (hgnCliArgsHas(a, "max-tokens"))
        json_object_set_new(body, "maxTokens", json_integer((json_int_t)hgnCliArgsInt(a, "max-tokens", 256)));
    if (!st) {
        /* the sampling flags, checked here as for a local run; the server checks them again */
        json_t *opts = NULL;
        HgnJobOptions jo;
        st = cliGenOptions(a, &opts, &jo);
        hgnJobOptionsClear(&jo);
        if (!st && json_object_size(opts)) json_object_set(body, "options", opts);
        json_decref(opts);
    }
    char *text = st ? NULL : json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!st && !text) st = hgnStatusNew(HGN_CODE_OutOfMemory, "execute", NULL, "out of memory");
    CliHttp h;
    if (!st) st = client(ctx, url, &h);
    if (st) {
        free(text);
        return st;
    }
    json_t *job = NULL;
    st = call(&h, "POST", "/v1/jobs", text, &job);
    free(text);
    if (st) return st;
    char id[128];
    snprintf(id, sizeof id, "%s", str(job, "id"));
    if (hgnCliArgsHas(a, "follow")) {
        if (!ctx->json) fprintf(ctx->out, "%s\n", id);
        fflush(ctx->out);
        st = followJob(ctx, &h, id);
    } else if (ctx->json) {
        st = cliPrintJson(ctx, json_incref(job));
    } else {
        fprintf(ctx->out, "%s\n", id);
    }
    json_decref(job);
    return st;
}

HgnStatus cliRemoteStatus(CliContext *ctx, const char *url, const char *id, bool follow) {
    CliHttp h;
    HgnStatus cst = client(ctx, url, &h);
    if (cst) return cst;
    json_t *doc = NULL;
    char path[256];
    if (!id) {
        HgnStatus st = call(&h, "GET", "/v1/jobs", NULL, &doc);
        if (st) return st;
        size_t i, shown = 0;
        json_t *j;
        json_array_foreach(json_object_get(doc, "jobs"), i, j) {
            if (terminalState(str(j, "state"))) continue;
            shown++;
            if (!st) st = printJob(ctx, j);
        }
        if (!st && !shown && !ctx->json) fprintf(ctx->out, "no active jobs\n");
        json_decref(doc);
        return st;
    }
    snprintf(path, sizeof path, "/v1/jobs/%s", id);
    HgnStatus st = call(&h, "GET", path, NULL, &doc);
    if (st) return st;
    st = printJob(ctx, doc);
    json_decref(doc);
    if (!st && follow && !ctx->json) st = followJob(ctx, &h, id);
    return st;
}

HgnStatus cliRemoteCancel(CliContext *ctx, const char *url, const char *id) {
    CliHttp h;
    HgnStatus cst = client(ctx, url, &h);
    if (cst) return cst;
    char path[256];
    snprintf(path, sizeof path, "/v1/jobs/%s:cancel", id);
    json_t *doc = NULL;
    HgnStatus st = call(&h, "POST", path, "{}", &doc);
    if (st) return st;
    json_decref(doc);
    snprintf(path, sizeof path, "/v1/jobs/%s", id);
    if ((st = call(&h, "GET", path, NULL, &doc))) return st;
    st = printJob(ctx, doc);
    json_decref(doc);
    return st;
}

HgnStatus cliRemoteJobs(CliContext *ctx, const char *url, bool all) {
    CliHttp h;
    HgnStatus cst = client(ctx, url, &h);
    if (cst) return cst;
    json_t *doc = NULL;
    HgnStatus st = call(&h, "GET", "/v1/jobs", NULL, &doc);
    if (st) return st;
    json_t *list = json_object_get(doc, "jobs"), *kept = json_array(), *j;
    size_t i;
    json_array_foreach(list, i, j) if (all || !terminalState(str(j, "state"))) json_array_append(kept, j);
    if (ctx->json) {
        st = cliPrintJson(ctx, json_pack("{s:o}", "jobs", kept));
        kept = NULL;
    } else {
        if (json_array_size(kept) == 0)
            fprintf(ctx->out, all ? "no jobs\n" : "no active jobs (--all lists finished ones)\n");
        json_array_foreach(kept, i, j) printLine(ctx, j);
    }
    json_decref(kept);
    json_decref(doc);
    return st;
}
