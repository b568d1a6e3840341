/* cmdInspect.c — `huginn inspect MODEL [--json] [--tensors]`: summarise a
 * model (format, architecture, parameters, dtypes, tokenizer, IR) as text,
 * or print the whole report (cliInspect.h) as JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cliInspect.h"
#include "cli/cliModel.h"
#include "cli/cliOutput.h"
#include "cli/commands.h"
#include "core/strBuf.h"

static void humanBytes(uint64_t b, char *out, size_t size) {
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    if (u == 0)
        snprintf(out, size, "%" PRIu64 " B", b);
    else
        snprintf(out, size, "%.2f %s", v, units[u]);
}

static void humanCount(uint64_t n, char *out, size_t size) {
    if (n >= 1000000000ull)
        snprintf(out, size, "%.2f B", (double)n / 1e9);
    else if (n >= 1000000ull)
        snprintf(out, size, "%.2f M", (double)n / 1e6);
    else if (n >= 1000ull)
        snprintf(out, size, "%.2f K", (double)n / 1e3);
    else
        snprintf(out, size, "%" PRIu64, n);
}

static void shapeText(const json_t *shape, HgnBuf *b) {
    hgnBufAppendStr(b, "[");
    size_t i;
    json_t *d;
    json_array_foreach(shape, i, d) {
        if (i) hgnBufAppendStr(b, ",");
        if (json_is_integer(d))
            hgnBufAppendf(b, "%lld", (long long)json_integer_value(d));
        else
            hgnBufAppendStr(b, json_string_value(d) ? json_string_value(d) : "?");
    }
    hgnBufAppendStr(b, "]");
}

static const char *str(const json_t *doc, const char *key) {
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "-";
}

static uint64_t num(const json_t *doc, const char *key) {
    return (uint64_t)json_integer_value(json_object_get(doc, key));
}

static void row(const CliContext *ctx, const char *label, const char *value) {
    fprintf(ctx->out, "%s%-13s%s %s\n", cliStyle(ctx, ctx->out, CLI_BOLD), label, cliStyle(ctx, ctx->out, CLI_RESET),
            value);
}

static void ioRows(const CliContext *ctx, const char *label, const json_t *list) {
    HgnBuf b;
    hgnBufInit(&b);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (i) hgnBufAppendStr(&b, "; ");
        hgnBufAppendf(&b, "%s %s ", str(v, "name"), str(v, "dtype"));
        shapeText(json_object_get(v, "shape"), &b);
    }
    if (json_array_size(list)) row(ctx, label, hgnBufStr(&b));
    hgnBufFree(&b);
}

static HgnStatus printText(const CliContext *ctx, const json_t *doc, bool tensors) {
    char a[64], c[64];
    HgnBuf b;
    hgnBufInit(&b);
    row(ctx, "model", str(doc, "path"));
    hgnBufAppendStr(&b, str(doc, "format"));
    if (json_object_get(doc, "ggufVersion")) hgnBufAppendf(&b, " v%" PRIu64, num(doc, "ggufVersion"));
    if (json_object_get(doc, "files")) hgnBufAppendf(&b, ", %" PRIu64 " file(s)", num(doc, "files"));
    row(ctx, "format", hgnBufStr(&b));
    hgnBufClear(&b);
    hgnBufAppendStr(&b, str(doc, "architecture"));
    if (json_object_get(doc, "family")) hgnBufAppendf(&b, " (family %s)", str(doc, "family"));
    if (json_object_get(doc, "name")) hgnBufAppendf(&b, ", \"%s\"", str(doc, "name"));
    row(ctx, "architecture", hgnBufStr(&b));
    humanCount(num(doc, "parameters"), a, sizeof a);
    hgnBufClear(&b);
    hgnBufAppendf(&b, "%s (%" PRIu64 ")", a, num(doc, "parameters"));
    row(ctx, "parameters", hgnBufStr(&b));
    humanBytes(num(doc, "totalBytes"), a, sizeof a);
    hgnBufClear(&b);
    hgnBufAppendf(&b, "%s of tensors (%" PRIu64 " bytes)", a, num(doc, "totalBytes"));
    row(ctx, "size", hgnBufStr(&b));
    hgnBufClear(&b);
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach((json_t *)json_object_get(doc, "dtypes"), k, v) {
        humanBytes(num(v, "bytes"), a, sizeof a);
        hgnBufAppendf(&b, "%s%s: %" PRIu64 " tensors, %s", first ? "" : "; ", k, num(v, "tensors"), a);
        first = false;
    }
    row(ctx, "dtypes", hgnBufStr(&b));
    const json_t *tok = json_object_get(doc, "tokenizer");
    hgnBufClear(&b);
    if (json_is_object(tok)) {
        hgnBufAppendf(&b, "%s", str(tok, "kind"));
        if (json_object_get(tok, "model")) hgnBufAppendf(&b, " (%s)", str(tok, "model"));
        hgnBufAppendf(&b, ", %" PRIu64 " tokens", num(tok, "size"));
    } else
        hgnBufAppendStr(&b, "none found");
    row(ctx, "tokenizer", hgnBufStr(&b));
    const json_t *ir = json_object_get(doc, "ir");
    if (json_is_object(ir)) {
        humanBytes(num(ir, "weightBytes"), c, sizeof c);
        hgnBufClear(&b);
        hgnBufAppendf(&b, "%" PRIu64 " layers, %" PRIu64 " nodes, %" PRIu64 " values, %" PRIu64 " weights (%s)",
                      num(ir, "layers"), num(ir, "nodes"), num(ir, "values"), num(ir, "weights"), c);
        row(ctx, "IR", hgnBufStr(&b));
        hgnBufClear(&b);
        size_t i;
        json_array_foreach(json_object_get(ir, "ops"), i, v) {
            hgnBufAppendf(&b, "%s%s %" PRIu64, i ? ", " : "", str(v, "op"), num(v, "count"));
        }
        row(ctx, "ops", hgnBufStr(&b));
        row(ctx, "digest", str(ir, "digest"));
        ioRows(ctx, "inputs", json_object_get(doc, "inputs"));
        ioRows(ctx, "outputs", json_object_get(doc, "outputs"));
    }
    size_t i;
    json_array_foreach(json_object_get(doc, "warnings"), i, v) {
        fprintf(ctx->out, "%swarning:%s %s\n", cliStyle(ctx, ctx->out, CLI_YELLOW), cliStyle(ctx, ctx->out, CLI_RESET),
                json_string_value(v));
    }
    HgnStatus st = HGN_OK;
    if (tensors) {
        fputc('\n', ctx->out);
        CliTable t;
        cliTableInit(&t, 5);
        const char *head[] = {"name", "dtype", "shape", "bytes", "offset"};
        cliTableAdd(&t, head);
        json_array_foreach(json_object_get(doc, "tensors"), i, v) {
            hgnBufClear(&b);
            shapeText(json_object_get(v, "shape"), &b);
            snprintf(a, sizeof a, "%" PRIu64, num(v, "bytes"));
            if (json_object_get(v, "file"))
                snprintf(c, sizeof c, "%.30s:%" PRIu64, str(v, "file"), num(v, "offset"));
            else
                snprintf(c, sizeof c, "%" PRIu64, num(v, "offset"));
            const char *r[] = {str(v, "name"), str(v, "dtype"), hgnBufStr(&b), a, c};
            cliTableAdd(&t, r);
        }
        st = cliTablePrint(ctx, &t, ctx->out);
        cliTableFree(&t);
    }
    hgnBufFree(&b);
    return st;
}

HgnStatus cmdInspect(CliContext *ctx) {
    const HgnCliArgs *a = ctx->args;
    const char *model = hgnCliArgsString(a, "MODEL", "");
    const char *format = NULL;
    HgnStatus st = cliModelDetect(model, "MODEL", &format);
    if (st) return st;
    bool tensors = hgnCliArgsHas(a, "tensors");
    if (ctx->dryRun) {
        HgnBuf action;
        hgnBufInit(&action);
        hgnBufAppendf(&action, "read the %s header of `%s` and summarise it%s", format, model,
                      tensors ? ", listing every tensor" : "");
        st = cliDryRun(ctx, hgnBufStr(&action));
        hgnBufFree(&action);
        return st;
    }
    json_t *doc = NULL;
    if ((st = cliInspectModel(model, format, &doc))) return st;
    if (ctx->json) return cliPrintJson(ctx, doc);
    st = printText(ctx, doc, tensors);
    json_decref(doc);
    return st;
}
