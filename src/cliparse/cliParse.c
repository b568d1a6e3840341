/* cliParse.c — table-driven parsing and validation of a command line (see cliParse.h). */
#include "cliparse/cliParse.h"

#include <stdio.h>
#include <string.h>

#include "cliparse/cliSuggest.h"
#include "cliparse/cliValue.h"
#include "core/alloc.h"
#include "core/strBuf.h"

typedef struct Parser {
    const HgnCliSpec *spec;
    HgnCliArgs *args;
    int argc;
    char *const *argv;
    int commandIndex;    /* argv index of the last command word, -1 before */
    size_t nPositionals; /* positionals taken so far for the command */
} Parser;

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory"); }

const HgnCliCommand *hgnCliFindCommand(const HgnCliSpec *spec, const char *name) {
    for (const HgnCliCommand *c = spec->commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

const HgnCliOption *hgnCliFindOption(const HgnCliOption *options, const char *name) {
    for (const HgnCliOption *o = options; o && o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

const char *hgnCliTypeName(HgnCliType type) {
    switch (type) {
    case HGN_CLI_FLAG:
        return "flag";
    case HGN_CLI_STRING:
        return "text";
    case HGN_CLI_INT:
        return "integer";
    case HGN_CLI_REAL:
        return "number";
    case HGN_CLI_SIZE:
        return "size";
    case HGN_CLI_ENUM:
        return "choice";
    case HGN_CLI_FILE:
        return "file";
    case HGN_CLI_DIR:
        return "directory";
    case HGN_CLI_PATH:
        return "path";
    case HGN_CLI_OUT_FILE:
        return "output file";
    case HGN_CLI_OUT_DIR:
        return "output directory";
    case HGN_CLI_URL:
        return "url";
    case HGN_CLI_RESERVE:
        return "reservation";
    case HGN_CLI_ID:
        return "id";
    case HGN_CLI_INJECT:
        return "fault spec";
    case HGN_CLI_LIBRARY:
        return "library";
    }
    return "value";
}

bool hgnCliArgvHasFlag(int argc, char *const *argv, const char *name) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) return false;
        if (a[0] == '-' && a[1] == '-' && strcmp(a + 2, name) == 0) return true;
    }
    return false;
}

static bool argvHasHelp(int argc, char *const *argv) {
    if (hgnCliArgvHasFlag(argc, argv, "help")) return true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return false;
        if (strcmp(argv[i], "-h") == 0) return true;
    }
    return false;
}

/* ---- values ---------------------------------------------------------------- */

static HgnStatus pushValue(Parser *p, const HgnCliOption *opt, const char *text, int argIndex, HgnCliArg **out) {
    HgnCliArgs *a = p->args;
    HgnCliArg *grown = hgnRealloc(a->values, (a->nValues + 1) * sizeof *grown);
    if (!grown) return oom();
    a->values = grown;
    HgnCliArg *v = &a->values[a->nValues++];
    memset(v, 0, sizeof *v);
    v->opt = opt;
    v->text = text;
    v->argIndex = argIndex;
    *out = v;
    return HGN_OK;
}

static size_t countOf(const HgnCliArgs *args, const HgnCliOption *opt) {
    size_t n = 0;
    for (size_t i = 0; i < args->nValues; i++)
        if (args->values[i].opt == opt) n++;
    return n;
}

/* Display name: "--context" for options, "MODEL" for positionals. */
static void displayName(const HgnCliOption *opt, char *buf, size_t bufSize) {
    if (opt->flags & HGN_CLI_POSITIONAL)
        snprintf(buf, bufSize, "%s", opt->name);
    else
        snprintf(buf, bufSize, "--%s", opt->name);
}

static HgnStatus addValue(Parser *p, const HgnCliOption *opt, const char *text, int argIndex) {
    char what[96];
    displayName(opt, what, sizeof what);
    if (!(opt->flags & HGN_CLI_REPEAT) && opt->type != HGN_CLI_FLAG && countOf(p->args, opt) > 0)
        return hgnStatusNew(HGN_CODE_UsageError, what,
                            "give it once; only options marked repeatable take several values",
                            "%s was given more than once", what);
    HgnCliArg *v = NULL;
    HgnStatus st = pushValue(p, opt, text, argIndex, &v);
    if (st) return st;
    if (strcmp(opt->name, "help") == 0 && !(opt->flags & HGN_CLI_POSITIONAL)) p->args->help = true;
    if (opt->type == HGN_CLI_FLAG) return HGN_OK;
    return hgnCliValueConvert(opt, text, what, v);
}

/* ---- options ---------------------------------------------------------------- */

static const HgnCliOption *findLong(const Parser *p, const char *name, size_t len) {
    const HgnCliOption *lists[2] = {p->spec->globals, p->args->command ? p->args->command->options : NULL};
    for (int l = 0; l < 2; l++)
        for (const HgnCliOption *o = lists[l]; o && o->name; o++)
            if (!(o->flags & HGN_CLI_POSITIONAL) && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                return o;
    return NULL;
}

static const HgnCliOption *findShort(const Parser *p, char c) {
    const HgnCliOption *lists[2] = {p->spec->globals, p->args->command ? p->args->command->options : NULL};
    for (int l = 0; l < 2; l++)
        for (const HgnCliOption *o = lists[l]; o && o->name; o++)
            if (o->shortName == c && !(o->flags & HGN_CLI_POSITIONAL)) return o;
    return NULL;
}

static HgnStatus unknownOption(const Parser *p, const char *written, size_t len) {
    /* Candidates: "--name" of every option in scope. */
    char names[128][64];
    const char *cands[128];
    size_t n = 0;
    const HgnCliOption *lists[2] = {p->spec->globals, p->args->command ? p->args->command->options : NULL};
    for (int l = 0; l < 2; l++)
        for (const HgnCliOption *o = lists[l]; o && o->name && n < 128; o++) {
            if (o->flags & (HGN_CLI_POSITIONAL | HGN_CLI_HIDDEN)) continue;
            snprintf(names[n], sizeof names[n], "--%s", o->name);
            cands[n] = names[n];
            n++;
        }
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)(len < 120 ? len : 120), written);
    const char *guess = hgnCliSuggest(word, cands, n);
    const HgnCliCommand *cmd = p->args->command;
    char hint[256];
    if (cmd)
        snprintf(hint, sizeof hint, "run `%s %s --help` to list its options", p->spec->program, cmd->name);
    else
        snprintf(hint, sizeof hint,
                 "options of a command go after the command name; run `%s --help` for the global options",
                 p->spec->program);
    char forWhat[96] = "";
    if (cmd) snprintf(forWhat, sizeof forWhat, " for `%s`", cmd->name);
    if (guess)
        return hgnStatusNew(HGN_CODE_UsageError, word, hint, "unknown option `%s`%s; did you mean `%s`?", word, forWhat,
                            guess);
    return hgnStatusNew(HGN_CODE_UsageError, word, hint, "unknown option `%s`%s", word, forWhat);
}

static HgnStatus missingValue(const HgnCliOption *opt) {
    char what[96], hint[512];
    displayName(opt, what, sizeof what);
    snprintf(hint, sizeof hint, "write %s %s or %s=%s", what, opt->metavar ? opt->metavar : "VALUE", what,
             opt->metavar ? opt->metavar : "VALUE");
    return hgnStatusNew(HGN_CODE_UsageError, what, hint, "%s needs a value (%s)", what,
                        opt->metavar ? opt->metavar : hgnCliTypeName(opt->type));
}

/* A following argument that looks like an option is not taken as a value
 * (write --opt=--text for that), so `--prompt --dry-run` reports the missing value. */
static bool looksLikeLongOption(const char *a) { return a[0] == '-' && a[1] == '-'; }

static HgnStatus parseLong(Parser *p, int *i) {
    const char *a = p->argv[*i] + 2;
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const HgnCliOption *opt = findLong(p, a, len);
    if (!opt) return unknownOption(p, p->argv[*i], len + 2);
    if (opt->type == HGN_CLI_FLAG) {
        if (eq) {
            char what[96];
            displayName(opt, what, sizeof what);
            return hgnStatusNew(HGN_CODE_UsageError, what, "write the flag alone, without '='",
                                "%s takes no value (got `%s`)", what, eq + 1);
        }
        return addValue(p, opt, NULL, *i);
    }
    if (eq) return addValue(p, opt, eq + 1, *i);
    if (*i + 1 >= p->argc || looksLikeLongOption(p->argv[*i + 1])) return missingValue(opt);
    (*i)++;
    return addValue(p, opt, p->argv[*i], *i);
}

static HgnStatus parseShorts(Parser *p, int *i) {
    const char *a = p->argv[*i];
    for (size_t k = 1; a[k]; k++) {
        const HgnCliOption *opt = findShort(p, a[k]);
        if (!opt) {
            char word[3] = {'-', a[k], '\0'};
            return unknownOption(p, word, 2);
        }
        if (opt->type == HGN_CLI_FLAG) {
            HgnStatus st = addValue(p, opt, NULL, *i);
            if (st) return st;
            continue;
        }
        if (a[k + 1]) return addValue(p, opt, a + k + 1, *i); /* -oFILE */
        if (*i + 1 >= p->argc || looksLikeLongOption(p->argv[*i + 1])) return missingValue(opt);
        (*i)++;
        return addValue(p, opt, p->argv[*i], *i);
    }
    return HGN_OK;
}

/* ---- commands and positionals ------------------------------------------------- */

/* Collects the distinct command words at one level: the first words of every
 * command when parent is NULL, else the second words of parent's subcommands. */
static size_t commandWords(const HgnCliSpec *spec, const char *parent, char words[][64], const char **cands,
                           size_t max) {
    size_t n = 0, parentLen = parent ? strlen(parent) : 0;
    for (const HgnCliCommand *c = spec->commands; c->name && n < max; c++) {
        const char *w = c->name;
        if (parent) {
            if (strncmp(w, parent, parentLen) != 0 || w[parentLen] != ' ') continue;
            w += parentLen + 1;
        }
        size_t len = strcspn(w, " ");
        if (len == 0 || len >= 64) continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++) seen = strlen(words[k]) == len && strncmp(words[k], w, len) == 0;
        if (seen) continue;
        memcpy(words[n], w, len);
        words[n][len] = '\0';
        cands[n] = words[n];
        n++;
    }
    return n;
}

static HgnStatus unknownCommand(const Parser *p, const char *parent, const char *word) {
    char words[64][64];
    const char *cands[64];
    size_t n = commandWords(p->spec, parent, words, cands, 64);
    const char *guess = hgnCliSuggest(word, cands, n);
    char full[160], hint[200];
    snprintf(full, sizeof full, "%s%s%s", parent ? parent : "", parent ? " " : "", word);
    if (parent) {
        HgnBuf b;
        hgnBufInit(&b);
        hgnBufAppendf(&b, "`%s` takes one of:", parent);
        for (size_t i = 0; i < n; i++) hgnBufAppendf(&b, " %s", cands[i]);
        snprintf(hint, sizeof hint, "%s", hgnBufStr(&b));
        hgnBufFree(&b);
    } else {
        snprintf(hint, sizeof hint, "run `%s --help` to list the commands", p->spec->program);
    }
    if (guess)
        return hgnStatusNew(HGN_CODE_UsageError, NULL, hint, "unknown command `%s`; did you mean `%s%s%s`?", full,
                            parent ? parent : "", parent ? " " : "", guess);
    return hgnStatusNew(HGN_CODE_UsageError, NULL, hint, "unknown command `%s`", full);
}

static HgnStatus takeCommand(Parser *p, int i) {
    const char *word = p->argv[i];
    const HgnCliCommand *cmd = NULL;
    for (const HgnCliCommand *c = p->spec->commands; c->name && !cmd; c++)
        if (!strchr(c->name, ' ') && strcmp(c->name, word) == 0) cmd = c;
    if (!cmd) return unknownCommand(p, NULL, word);
    p->args->command = cmd;
    p->commandIndex = i;
    return HGN_OK;
}

/* Word following a command: a subcommand when one matches (always for groups). */
static HgnStatus takeSubcommand(Parser *p, int i, bool *taken) {
    const HgnCliCommand *parent = p->args->command;
    char full[192];
    snprintf(full, sizeof full, "%s %s", parent->name, p->argv[i]);
    const HgnCliCommand *sub = hgnCliFindCommand(p->spec, full);
    *taken = false;
    if (sub) {
        p->args->command = sub;
        p->commandIndex = i;
        *taken = true;
        return HGN_OK;
    }
    if (parent->group) return unknownCommand(p, parent->name, p->argv[i]);
    return HGN_OK;
}

static HgnStatus addPositional(Parser *p, int i) {
    const HgnCliCommand *cmd = p->args->command;
    const HgnCliOption *last = NULL;
    size_t k = 0;
    for (const HgnCliOption *o = cmd->options; o && o->name; o++) {
        if (!(o->flags & HGN_CLI_POSITIONAL)) continue;
        last = o;
        if (k++ == p->nPositionals) break;
    }
    const HgnCliOption *target = NULL;
    if (last && k == p->nPositionals + 1)
        target = last;
    else if (last && (last->flags & HGN_CLI_REPEAT))
        target = last;
    if (!target) {
        char hint[200];
        snprintf(hint, sizeof hint, "run `%s %s --help` for its usage", p->spec->program, cmd->name);
        return hgnStatusNew(HGN_CODE_UsageError, p->argv[i], hint, "unexpected argument `%s` for `%s`", p->argv[i],
                            cmd->name);
    }
    p->nPositionals++;
    return addValue(p, target, p->argv[i], i);
}

/* ---- whole-line checks ------------------------------------------------------------ */

static HgnStatus checkCommand(const Parser *p) {
    const HgnCliArgs *a = p->args;
    const HgnCliCommand *cmd = a->command;
    if (!cmd) return HGN_OK;
    if (cmd->group) {
        char words[32][64];
        const char *cands[32];
        size_t n = commandWords(p->spec, cmd->name, words, cands, 32);
        HgnBuf b;
        hgnBufInit(&b);
        for (size_t i = 0; i < n; i++) hgnBufAppendf(&b, "%s%s", i ? ", " : "", cands[i]);
        char hint[200];
        snprintf(hint, sizeof hint, "run `%s help %s` for details", p->spec->program, cmd->name);
        HgnStatus st =
            hgnStatusNew(HGN_CODE_UsageError, NULL, hint, "`%s` needs a subcommand: %s", cmd->name, hgnBufStr(&b));
        hgnBufFree(&b);
        return st;
    }
    for (const HgnCliOption *o = cmd->options; o && o->name; o++) {
        if (!(o->flags & HGN_CLI_REQUIRED) || countOf(a, o) > 0) continue;
        char what[96], hint[512];
        displayName(o, what, sizeof what);
        snprintf(hint, sizeof hint, "run `%s %s --help` for its usage", p->spec->program, cmd->name);
        if (o->flags & HGN_CLI_POSITIONAL)
            return hgnStatusNew(HGN_CODE_UsageError, what, hint, "`%s` needs %s", cmd->name, what);
        return hgnStatusNew(HGN_CODE_UsageError, what, hint, "`%s` needs %s %s", cmd->name, what,
                            o->metavar ? o->metavar : "");
    }
    return HGN_OK;
}

static HgnStatus checkConflicts(const HgnCliArgs *a) {
    for (size_t i = 0; i < a->nValues; i++) {
        const HgnCliOption *o = a->values[i].opt;
        if (!o->conflicts || !hgnCliArgsHas(a, o->conflicts)) continue;
        const HgnCliArg *other = hgnCliArgsGet(a, o->conflicts);
        char w1[96], w2[96];
        displayName(o, w1, sizeof w1);
        displayName(other->opt, w2, sizeof w2);
        return hgnStatusNew(HGN_CODE_UsageError, w1, "give only one of them", "%s cannot be combined with %s", w1, w2);
    }
    return HGN_OK;
}

HgnStatus hgnCliParse(const HgnCliSpec *spec, int argc, char *const *argv, HgnCliArgs **out) {
    *out = NULL;
    HgnCliArgs *args = hgnCalloc(1, sizeof *args);
    if (!args) return oom();
    args->spec = spec;
    Parser p = {spec, args, argc, argv, -1, 0};
    bool endOfOptions = false;
    HgnStatus st = HGN_OK;
    for (int i = 1; i < argc && !st; i++) {
        const char *a = argv[i];
        if (!endOfOptions && strcmp(a, "--") == 0) {
            endOfOptions = true;
            continue;
        }
        if (!endOfOptions && a[0] == '-' && a[1]) {
            st = a[1] == '-' ? parseLong(&p, &i) : parseShorts(&p, &i);
            continue;
        }
        if (!args->command) {
            st = takeCommand(&p, i);
            continue;
        }
        if (p.nPositionals == 0 && (args->command->group || p.commandIndex == i - 1) && !endOfOptions) {
            bool taken = false;
            st = takeSubcommand(&p, i, &taken);
            if (st || taken) continue;
        }
        st = addPositional(&p, i);
    }
    if (!st && !args->help) st = checkCommand(&p);
    if (!st && !args->help) st = checkConflicts(args);
    if (st && (args->help || argvHasHelp(argc, argv))) {
        hgnStatusFree(st);
        st = HGN_OK;
        args->help = true;
    }
    if (st) {
        hgnCliArgsFree(args);
        return st;
    }
    *out = args;
    return HGN_OK;
}

void hgnCliArgsFree(HgnCliArgs *args) {
    if (!args) return;
    for (size_t i = 0; i < args->nValues; i++) hgnFree(args->values[i].device);
    hgnFree(args->values);
    hgnFree(args);
}

/* ---- accessors ------------------------------------------------------------------ */

const HgnCliArg *hgnCliArgsAt(const HgnCliArgs *args, const char *name, size_t index) {
    if (!args) return NULL;
    for (size_t i = 0; i < args->nValues; i++)
        if (strcmp(args->values[i].opt->name, name) == 0 && index-- == 0) return &args->values[i];
    return NULL;
}

const HgnCliArg *hgnCliArgsGet(const HgnCliArgs *args, const char *name) {
    if (!args) return NULL;
    for (size_t i = args->nValues; i-- > 0;)
        if (strcmp(args->values[i].opt->name, name) == 0) return &args->values[i];
    return NULL;
}

size_t hgnCliArgsCount(const HgnCliArgs *args, const char *name) {
    size_t n = 0;
    for (size_t i = 0; args && i < args->nValues; i++)
        if (strcmp(args->values[i].opt->name, name) == 0) n++;
    return n;
}

bool hgnCliArgsHas(const HgnCliArgs *args, const char *name) { return hgnCliArgsGet(args, name) != NULL; }

const char *hgnCliArgsString(const HgnCliArgs *args, const char *name, const char *fallback) {
    const HgnCliArg *v = hgnCliArgsGet(args, name);
    return v && v->text ? v->text : fallback;
}

int64_t hgnCliArgsInt(const HgnCliArgs *args, const char *name, int64_t fallback) {
    const HgnCliArg *v = hgnCliArgsGet(args, name);
    return v ? v->integer : fallback;
}

double hgnCliArgsReal(const HgnCliArgs *args, const char *name, double fallback) {
    const HgnCliArg *v = hgnCliArgsGet(args, name);
    return v ? v->real : fallback;
}

uint64_t hgnCliArgsSize(const HgnCliArgs *args, const char *name, uint64_t fallback) {
    const HgnCliArg *v = hgnCliArgsGet(args, name);
    return v ? v->size : fallback;
}
