/* cliOutput.c — colours, tables, JSON output, dry-run reports and error printing for `huginn`. */
#include "cli/cliOutput.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"

bool cliColorWanted(FILE *stream, bool noColor) {
    if (noColor) return false;
    const char *no = getenv("NO_COLOR");
    if (no && no[0]) return false;
    const char *force = getenv("CLICOLOR_FORCE");
    if (force && force[0] && strcmp(force, "0") != 0) return true;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(stream)) == 1;
}

const char *cliStyle(const CliContext *ctx, FILE *stream, CliStyle style) {
    bool on = stream == ctx->err ? ctx->colorErr : ctx->colorOut;
    if (!on) return "";
    switch (style) {
    case CLI_BOLD:
        return "\033[1m";
    case CLI_DIM:
        return "\033[2m";
    case CLI_RED:
        return "\033[1;31m";
    case CLI_GREEN:
        return "\033[32m";
    case CLI_YELLOW:
        return "\033[33m";
    case CLI_CYAN:
        return "\033[36m";
    case CLI_RESET:
        return "\033[0m";
    }
    return "";
}

/* ---- tables ---- */

void cliTableInit(CliTable *t, size_t nCols) {
    memset(t, 0, sizeof *t);
    t->nCols = nCols;
    t->header = true;
}

void cliTableAdd(CliTable *t, const char *const *row) {
    if (t->oom) return;
    char **grown = hgnRealloc(t->cells, (t->nRows + 1) * t->nCols * sizeof *grown);
    if (!grown) {
        t->oom = true;
        return;
    }
    t->cells = grown;
    for (size_t c = 0; c < t->nCols; c++) {
        char *copy = hgnStrdup(row[c] ? row[c] : "");
        if (!copy) t->oom = true;
        t->cells[t->nRows * t->nCols + c] = copy;
    }
    t->nRows++;
}

/* Display width of UTF-8 text: code points (every character here is one column wide). */
static size_t textWidth(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

HgnStatus cliTablePrint(const CliContext *ctx, const CliTable *t, FILE *stream) {
    if (t->oom) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory while building a table");
    size_t widths[32] = {0};
    size_t nCols = t->nCols < 32 ? t->nCols : 32;
    for (size_t r = 0; r < t->nRows; r++)
        for (size_t c = 0; c < nCols; c++) {
            size_t w = textWidth(t->cells[r * t->nCols + c]);
            if (w > widths[c]) widths[c] = w;
        }
    for (size_t r = 0; r < t->nRows; r++) {
        if (r == 0 && t->header) fputs(cliStyle(ctx, stream, CLI_BOLD), stream);
        for (size_t c = 0; c < nCols; c++) {
            const char *cell = t->cells[r * t->nCols + c];
            fputs(cell, stream);
            if (c + 1 < nCols)
                for (size_t pad = textWidth(cell); pad < widths[c] + 2; pad++) fputc(' ', stream);
        }
        if (r == 0 && t->header) fputs(cliStyle(ctx, stream, CLI_RESET), stream);
        fputc('\n', stream);
    }
    return HGN_OK;
}

void cliTableFree(CliTable *t) {
    for (size_t i = 0; t->cells && i < t->nRows * t->nCols; i++) hgnFree(t->cells[i]);
    hgnFree(t->cells);
    memset(t, 0, sizeof *t);
}

/* ---- JSON ---- */

HgnStatus cliPrintJson(const CliContext *ctx, json_t *doc) {
    if (!doc) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory while building JSON output");
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (!text) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory while writing JSON output");
    fputs(text, ctx->out);
    fputc('\n', ctx->out);
    free(text); /* allocated by jansson */
    return HGN_OK;
}

/* JSON key of an option: its long name, or the positional's METAVAR in lower case. */
static void argumentKey(const HgnCliOption *opt, char *buf, size_t bufSize) {
    size_t i = 0;
    for (; opt->name[i] && i + 1 < bufSize; i++) {
        char c = opt->name[i];
        buf[i] = (opt->flags & HGN_CLI_POSITIONAL) && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    buf[i] = '\0';
}

static json_t *argumentJson(const HgnCliArg *v) {
    switch (v->opt->type) {
    case HGN_CLI_FLAG:
        return json_true();
    case HGN_CLI_INT:
        return json_integer(v->integer);
    case HGN_CLI_REAL:
        return json_real(v->real);
    case HGN_CLI_SIZE:
        return json_integer((json_int_t)v->size);
    case HGN_CLI_RESERVE:
        return json_pack("{s:s, s:I}", "device", v->device ? v->device : "", "bytes", (json_int_t)v->size);
    default:
        return json_string(v->text ? v->text : "");
    }
}

json_t *cliArgumentsJson(const HgnCliArgs *args) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    const HgnCliOption *cmdOptions = args->command ? args->command->options : NULL;
    for (size_t i = 0; i < args->nValues; i++) {
        const HgnCliArg *v = &args->values[i];
        bool ofCommand = false;
        for (const HgnCliOption *o = cmdOptions; o && o->name && !ofCommand; o++) ofCommand = o == v->opt;
        if (!ofCommand) continue;
        char key[64];
        argumentKey(v->opt, key, sizeof key);
        json_t *val = argumentJson(v);
        if (v->opt->flags & HGN_CLI_REPEAT) {
            if (v->opt->type == HGN_CLI_FLAG) {
                json_decref(val);
                val = json_integer((json_int_t)hgnCliArgsCount(args, v->opt->name));
                json_object_set_new(obj, key, val);
                continue;
            }
            json_t *arr = json_object_get(obj, key);
            if (!arr) {
                arr = json_array();
                json_object_set_new(obj, key, arr);
            }
            json_array_append_new(arr, val);
        } else {
            json_object_set_new(obj, key, val);
        }
    }
    return obj;
}

HgnStatus cliDryRun(const CliContext *ctx, const char *action) {
    const HgnCliArgs *args = ctx->args;
    const char *name = args->command ? args->command->name : "";
    if (ctx->json) {
        json_t *doc = json_pack("{s:b, s:s, s:s, s:o*}", "dryRun", 1, "command", name, "action", action, "arguments",
                                cliArgumentsJson(args));
        return cliPrintJson(ctx, doc);
    }
    FILE *o = ctx->out;
    fprintf(o, "%sdry run:%s would %s\n", cliStyle(ctx, o, CLI_YELLOW), cliStyle(ctx, o, CLI_RESET), action);
    const HgnCliOption *cmdOptions = args->command ? args->command->options : NULL;
    bool header = false;
    for (size_t i = 0; i < args->nValues; i++) {
        const HgnCliArg *v = &args->values[i];
        bool ofCommand = false;
        for (const HgnCliOption *opt = cmdOptions; opt && opt->name && !ofCommand; opt++) ofCommand = opt == v->opt;
        if (!ofCommand) continue;
        if (!header) fputs("validated arguments:\n", o);
        header = true;
        if (v->opt->flags & HGN_CLI_POSITIONAL)
            fprintf(o, "  %s = %s\n", v->opt->name, v->text);
        else if (v->opt->type == HGN_CLI_FLAG)
            fprintf(o, "  --%s\n", v->opt->name);
        else
            fprintf(o, "  --%s %s\n", v->opt->name, v->text);
    }
    fputs("nothing was changed.\n", o);
    return HGN_OK;
}

HgnStatus cliNotBuilt(const CliContext *ctx, const char *what) {
    const char *name = ctx->args && ctx->args->command ? ctx->args->command->name : NULL;
    return hgnStatusNew(HGN_CODE_NotImplemented, name,
                        "run it with --dry-run to validate the command line; the engine arrives in a later version",
                        "%s is not built yet in this version", what);
}

/* ---- errors ---- */

void cliPrintError(const CliContext *ctx, HgnStatus st) {
    if (!st) return;
    if (ctx->json) {
        char *js = hgnStatusToJson(st);
        if (js) {
            fprintf(ctx->out, "%s\n", js);
            hgnFree(js);
            fflush(ctx->out);
            return;
        }
    }
    char *text = hgnStatusToString(st);
    FILE *e = ctx->err;
    fprintf(e, "%serror:%s %s\n", cliStyle(ctx, e, CLI_RED), cliStyle(ctx, e, CLI_RESET),
            text ? text : hgnStatusMessage(st));
    hgnFree(text);
}
