/* cliHelp.c — renders help pages, the error-code list and the option table as JSON. */
#include "cli/cliHelp.h"

#include <inttypes.h>
#include <string.h>

#include "cli/cliOutput.h"
#include "core/strBuf.h"
#include "huginn/version.h"

enum { OPTION_COLUMN = 30, WRAP_COLUMN = 100 };

static const char *const exitStatusText =
    "Exit status: 0 success, 1 failure, 2 usage error, 3 configuration error, 4 invalid input or model,\n"
    "5 over budget, 6 not found, 7 permission denied, 8 not built yet, 9 I/O error, 10 internal error.\n"
    "`huginn help errors` lists every HGN error code with its exit status.\n";

/* "  -v, --verbose", "  --context N", "  MODEL" into b. */
static void optionSynopsis(const HgnCliOption *o, HgnBuf *b) {
    if (o->flags & HGN_CLI_POSITIONAL) {
        hgnBufAppendf(b, "  %s", o->name);
        return;
    }
    if (o->shortName)
        hgnBufAppendf(b, "  -%c, --%s", o->shortName, o->name);
    else
        hgnBufAppendf(b, "  --%s", o->name);
    if (o->metavar) hgnBufAppendf(b, " %s", o->metavar);
}

static void optionDetails(const HgnCliOption *o, HgnBuf *b) {
    hgnBufAppendStr(b, o->help ? o->help : "");
    HgnBuf d;
    hgnBufInit(&d);
    if (o->type == HGN_CLI_INT) hgnBufAppendf(&d, "%" PRId64 "..%" PRId64, o->min, o->max);
    if (o->type == HGN_CLI_REAL) hgnBufAppendf(&d, "%g..%g", o->minReal, o->maxReal);
    if (o->type == HGN_CLI_ENUM && o->choices) {
        for (size_t i = 0; o->choices[i]; i++) hgnBufAppendf(&d, "%s%s", i ? "|" : "", o->choices[i]);
    }
    if (o->defaultText) hgnBufAppendf(&d, "%sdefault: %s", d.len ? "; " : "", o->defaultText);
    if (o->configKey) hgnBufAppendf(&d, "%sconfig: %s", d.len ? "; " : "", o->configKey);
    if (o->flags & HGN_CLI_REPEAT) hgnBufAppendf(&d, "%srepeatable", d.len ? "; " : "");
    if (o->flags & HGN_CLI_REQUIRED) hgnBufAppendf(&d, "%srequired", d.len ? "; " : "");
    if (d.len) hgnBufAppendf(b, " (%s)", hgnBufStr(&d));
    hgnBufFree(&d);
}

static void printOption(const CliContext *ctx, const HgnCliOption *o, FILE *stream) {
    HgnBuf syn, det;
    hgnBufInit(&syn);
    hgnBufInit(&det);
    optionSynopsis(o, &syn);
    optionDetails(o, &det);
    fprintf(stream, "%s%s%s", cliStyle(ctx, stream, CLI_CYAN), hgnBufStr(&syn), cliStyle(ctx, stream, CLI_RESET));
    if (syn.len + 2 > OPTION_COLUMN)
        fprintf(stream, "\n%*s", OPTION_COLUMN, "");
    else
        fprintf(stream, "%*s", (int)(OPTION_COLUMN - syn.len), "");
    fprintf(stream, "%s\n", hgnBufStr(&det));
    hgnBufFree(&syn);
    hgnBufFree(&det);
}

/* Prints text word-wrapped at WRAP_COLUMN columns, then a newline. */
static void printWrapped(const char *text, FILE *stream) {
    size_t column = 0;
    for (const char *p = text; *p;) {
        size_t word = strcspn(p, " ");
        if (column > 0 && column + 1 + word > WRAP_COLUMN) {
            fputc('\n', stream);
            column = 0;
        } else if (column > 0) {
            fputc(' ', stream);
            column++;
        }
        fwrite(p, 1, word, stream);
        column += word;
        p += word;
        while (*p == ' ') p++;
    }
    fputc('\n', stream);
}

static void heading(const CliContext *ctx, FILE *stream, const char *text) {
    fprintf(stream, "\n%s%s%s\n", cliStyle(ctx, stream, CLI_BOLD), text, cliStyle(ctx, stream, CLI_RESET));
}

static void printExamples(const CliContext *ctx, const char *const *examples, FILE *stream) {
    if (!examples || !examples[0]) return;
    heading(ctx, stream, "Examples:");
    for (size_t i = 0; examples[i]; i++) fprintf(stream, "  %s\n", examples[i]);
}

void cliHelpGlobal(const CliContext *ctx, FILE *stream) {
    const HgnCliSpec *spec = ctx->args ? ctx->args->spec : NULL;
    if (!spec) return;
    fprintf(stream, "%s%s %s%s — turns a model and a machine into a validated execution plan, and runs it.\n\n",
            cliStyle(ctx, stream, CLI_BOLD), spec->program, HGN_VERSION, cliStyle(ctx, stream, CLI_RESET));
    fprintf(stream, "Usage: %s [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n", spec->program);
    heading(ctx, stream, "Commands:");
    for (const HgnCliCommand *c = spec->commands; c->name; c++) {
        if (c->group) continue;
        fprintf(stream, "  %s%-18s%s%s\n", cliStyle(ctx, stream, CLI_CYAN), c->name, cliStyle(ctx, stream, CLI_RESET),
                c->summary);
    }
    heading(ctx, stream, "Global options (before or after the command; --opt VALUE or --opt=VALUE; -- ends options):");
    for (const HgnCliOption *o = spec->globals; o->name; o++)
        if (!(o->flags & HGN_CLI_HIDDEN)) printOption(ctx, o, stream);
    static const char *const examples[] = {"huginn diagnose",
                                           "huginn models list --fits",
                                           "huginn plan model.gguf --policy locality-first --out plan.json",
                                           "huginn execute plan.json --prompt 'Hello' --max-tokens 32",
                                           "huginn --json --dry-run quantize model.gguf --method nf4 --out q.gguf",
                                           NULL};
    printExamples(ctx, examples, stream);
    fprintf(stream, "\nRun `%s help COMMAND` (or `%s COMMAND --help`) for a command's options.\n", spec->program,
            spec->program);
    fprintf(stream, "Colours are off with --no-color or NO_COLOR set. Configuration: `%s help config show`.\n%s",
            spec->program, exitStatusText);
}

static void usageLine(const HgnCliSpec *spec, const HgnCliCommand *cmd, HgnBuf *b) {
    hgnBufAppendf(b, "%s %s", spec->program, cmd->name);
    if (cmd->group) {
        hgnBufAppendStr(b, " SUBCOMMAND");
        return;
    }
    bool anyOption = false;
    for (const HgnCliOption *o = cmd->options; o->name; o++) {
        if (!(o->flags & HGN_CLI_POSITIONAL)) {
            if (o->flags & HGN_CLI_REQUIRED)
                hgnBufAppendf(b, " --%s %s", o->name, o->metavar ? o->metavar : "");
            else
                anyOption = true;
            continue;
        }
        const char *dots = (o->flags & HGN_CLI_REPEAT) ? "..." : "";
        if (o->flags & HGN_CLI_REQUIRED)
            hgnBufAppendf(b, " %s%s", o->name, dots);
        else
            hgnBufAppendf(b, " [%s%s]", o->name, dots);
    }
    if (anyOption) hgnBufAppendStr(b, " [OPTIONS]");
}

void cliHelpCommand(const CliContext *ctx, const HgnCliCommand *cmd, FILE *stream) {
    const HgnCliSpec *spec = ctx->args->spec;
    HgnBuf b;
    hgnBufInit(&b);
    usageLine(spec, cmd, &b);
    fprintf(stream, "%sUsage:%s %s\n", cliStyle(ctx, stream, CLI_BOLD), cliStyle(ctx, stream, CLI_RESET),
            hgnBufStr(&b));
    /* Subcommands of this command (e.g. `plan diff`) get their own usage line. */
    size_t nameLen = strlen(cmd->name);
    for (const HgnCliCommand *c = spec->commands; c->name; c++) {
        if (strncmp(c->name, cmd->name, nameLen) != 0 || c->name[nameLen] != ' ') continue;
        hgnBufClear(&b);
        usageLine(spec, c, &b);
        fprintf(stream, "       %s\n", hgnBufStr(&b));
    }
    hgnBufFree(&b);
    fputc('\n', stream);
    printWrapped(cmd->description, stream);
    bool anyPositional = false, anyOption = false;
    for (const HgnCliOption *o = cmd->options; o->name; o++) {
        if (o->flags & HGN_CLI_POSITIONAL)
            anyPositional = true;
        else
            anyOption = true;
    }
    if (cmd->group) {
        heading(ctx, stream, "Subcommands:");
        for (const HgnCliCommand *c = spec->commands; c->name; c++)
            if (strncmp(c->name, cmd->name, nameLen) == 0 && c->name[nameLen] == ' ')
                fprintf(stream, "  %-18s%s\n", c->name + nameLen + 1, c->summary);
    }
    if (anyPositional) {
        heading(ctx, stream, "Arguments:");
        for (const HgnCliOption *o = cmd->options; o->name; o++)
            if (o->flags & HGN_CLI_POSITIONAL) printOption(ctx, o, stream);
    }
    if (anyOption) {
        heading(ctx, stream, "Options:");
        for (const HgnCliOption *o = cmd->options; o->name; o++)
            if (!(o->flags & (HGN_CLI_POSITIONAL | HGN_CLI_HIDDEN))) printOption(ctx, o, stream);
    }
    fprintf(stream,
            "\nGlobal options (--config, --profile, -v, -q, --log-format, --log-file, --json, --dry-run,\n"
            "--no-color, --local) work here too: see `%s --help`.\n",
            spec->program);
    printExamples(ctx, cmd->examples, stream);
    fputc('\n', stream);
    fputs(exitStatusText, stream);
}

HgnStatus cliHelpErrors(const CliContext *ctx) {
    HgnCode code;
    char num[9];
    if (ctx->json) {
        json_t *list = json_array();
        for (int i = 0; hgnCodeAt(i, &code); i++)
            json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:s}", "code", hgnCodeFormat(code, num), "name",
                                                  hgnCodeName(code), "exitStatus", hgnCodeExitStatus(code),
                                                  "description", hgnCodeDescription(code)));
        return cliPrintJson(ctx, json_pack("{s:o}", "errors", list));
    }
    CliTable t;
    cliTableInit(&t, 4);
    const char *header[] = {"CODE", "NAME", "EXIT", "DESCRIPTION"};
    cliTableAdd(&t, header);
    for (int i = 0; hgnCodeAt(i, &code); i++) {
        char exitText[16];
        snprintf(exitText, sizeof exitText, "%d", hgnCodeExitStatus(code));
        const char *row[] = {hgnCodeFormat(code, num), hgnCodeName(code), exitText, hgnCodeDescription(code)};
        cliTableAdd(&t, row);
    }
    HgnStatus st = cliTablePrint(ctx, &t, ctx->out);
    cliTableFree(&t);
    if (!st) fprintf(ctx->out, "\n%s", exitStatusText);
    return st;
}

static json_t *optionJson(const HgnCliOption *o) {
    json_t *j = json_pack("{s:s, s:s, s:b, s:b, s:b}", "name", o->name, "type", hgnCliTypeName(o->type), "positional",
                          (o->flags & HGN_CLI_POSITIONAL) != 0, "repeatable", (o->flags & HGN_CLI_REPEAT) != 0,
                          "required", (o->flags & HGN_CLI_REQUIRED) != 0);
    if (!j) return NULL;
    if (o->shortName) {
        char s[2] = {o->shortName, '\0'};
        json_object_set_new(j, "short", json_string(s));
    }
    if (o->metavar) json_object_set_new(j, "metavar", json_string(o->metavar));
    if (o->help) json_object_set_new(j, "help", json_string(o->help));
    if (o->defaultText) json_object_set_new(j, "default", json_string(o->defaultText));
    if (o->type == HGN_CLI_INT) {
        json_object_set_new(j, "min", json_integer(o->min));
        json_object_set_new(j, "max", json_integer(o->max));
    }
    if (o->type == HGN_CLI_REAL) {
        json_object_set_new(j, "min", json_real(o->minReal));
        json_object_set_new(j, "max", json_real(o->maxReal));
    }
    if (o->choices) {
        json_t *c = json_array();
        for (size_t i = 0; o->choices[i]; i++) json_array_append_new(c, json_string(o->choices[i]));
        json_object_set_new(j, "choices", c);
    }
    if (o->conflicts) json_object_set_new(j, "conflicts", json_string(o->conflicts));
    if (o->configKey) json_object_set_new(j, "configKey", json_string(o->configKey));
    return j;
}

HgnStatus cliHelpJson(const CliContext *ctx) {
    const HgnCliSpec *spec = ctx->args->spec;
    json_t *globals = json_array(), *commands = json_array();
    for (const HgnCliOption *o = spec->globals; o->name; o++) json_array_append_new(globals, optionJson(o));
    for (const HgnCliCommand *c = spec->commands; c->name; c++) {
        json_t *opts = json_array(), *examples = json_array();
        for (const HgnCliOption *o = c->options; o->name; o++) json_array_append_new(opts, optionJson(o));
        for (size_t i = 0; c->examples && c->examples[i]; i++)
            json_array_append_new(examples, json_string(c->examples[i]));
        json_array_append_new(commands, json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}", "name", c->name, "summary",
                                                  c->summary, "description", c->description, "group", c->group,
                                                  "options", opts, "examples", examples));
    }
    return cliPrintJson(ctx, json_pack("{s:s, s:s, s:o, s:o}", "program", spec->program, "version", HGN_VERSION,
                                       "globalOptions", globals, "commands", commands));
}
