/* cliParse.h — the command-line parser engine of `huginn`, driven by a table.
 *
 * A table (HgnCliSpec) lists global options and commands; each command lists
 * its options and positional arguments with a type (integer with a range,
 * size, enum, existing file, …). hgnCliParse() walks argv once: global options
 * are accepted before or after the command, `--opt value` and `--opt=value`
 * are both accepted, short flags combine (`-vv`), `--` ends options. Every
 * value is converted and checked while parsing, so a parse that succeeds has
 * validated the whole command line (types, ranges, enums, files exist,
 * conflicts, required options). Failures are HGN-0009 UsageError (malformed
 * command line, with a did-you-mean suggestion where one is close) or
 * HGN-0014 NotFound (a named file does not exist), with where = the option.
 *
 * The engine lives in libhuginn (not in src/cli) so that unit tests can link
 * it; the huginn table itself is in cliOptions.c. */
#ifndef HGN_CLIPARSE_CLIPARSE_H
#define HGN_CLIPARSE_CLIPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

typedef enum HgnCliType {
    HGN_CLI_FLAG,     /* no value; counted when HGN_CLI_REPEAT */
    HGN_CLI_STRING,   /* any non-empty text */
    HGN_CLI_INT,      /* decimal integer in [min, max] */
    HGN_CLI_REAL,     /* finite number in [minReal, maxReal] */
    HGN_CLI_SIZE,     /* byte size: 4096, 512MiB, 2GiB, 1.5GB; in [min, max] when max > 0 */
    HGN_CLI_ENUM,     /* one of choices */
    HGN_CLI_FILE,     /* existing readable regular file ("-" = stdin with HGN_CLI_STDIN) */
    HGN_CLI_DIR,      /* existing directory */
    HGN_CLI_PATH,     /* existing file or directory (a model: file, or safetensors folder) */
    HGN_CLI_OUT_FILE, /* file to write: its folder exists, and it is not a directory ("-" = stdout) */
    HGN_CLI_OUT_DIR,  /* folder to write into: an existing directory, or one whose parent exists */
    HGN_CLI_URL,      /* http://host[:port][/path] or https://… */
    HGN_CLI_RESERVE,  /* DEV=SIZE, e.g. gpu:0=2GiB */
    HGN_CLI_ID,       /* identifier: letters, digits, '.', '_', '-', ':' and '/' */
    HGN_CLI_INJECT,   /* fault spec KIND[:TARGET][@STEP], e.g. device-loss:cpu:1@20 */
    HGN_CLI_LIBRARY,  /* shared library: an existing file when it has a '/', else a soname */
} HgnCliType;

enum {
    HGN_CLI_REPEAT = 1u << 0,     /* may be given more than once (values accumulate) */
    HGN_CLI_REQUIRED = 1u << 1,   /* must be given */
    HGN_CLI_POSITIONAL = 1u << 2, /* a positional argument (name is its METAVAR) */
    HGN_CLI_STDIN = 1u << 3,      /* "-" is accepted for stdin/stdout */
    HGN_CLI_HIDDEN = 1u << 4,     /* not listed in help */
};

typedef struct HgnCliOption {
    const char *name; /* long name without dashes ("max-tokens"); positional: "MODEL" */
    char shortName;   /* 'v', or 0 */
    HgnCliType type;
    unsigned flags;             /* HGN_CLI_* bits */
    const char *metavar;        /* "N", "FILE"; NULL for flags */
    const char *help;           /* one line */
    const char *defaultText;    /* shown in help; NULL: none */
    int64_t min, max;           /* HGN_CLI_INT (and HGN_CLI_SIZE when max > 0) */
    double minReal, maxReal;    /* HGN_CLI_REAL */
    const char *const *choices; /* HGN_CLI_ENUM: NULL-terminated */
    const char *conflicts;      /* another option (or positional) of the same command this one excludes */
    const char *configKey;      /* the dotted config key the value overrides (passed as an HgnConfigFlag) */
    const char *configValue;    /* flags with a configKey: the value they set */
    HgnCode missingCode;        /* code when a named file is missing (0: HGN-0014 NotFound) */
} HgnCliOption;

typedef struct HgnCliCommand {
    int id;                      /* caller's dispatch id */
    const char *name;            /* "plan", "models list" (a subcommand: parent name, space, word) */
    const char *summary;         /* one line for the command list */
    const char *description;     /* paragraph for `huginn help CMD` */
    const HgnCliOption *options; /* terminated by an entry with name NULL; positionals in order */
    const char *const *examples; /* NULL-terminated command lines */
    bool group;                  /* only a parent of subcommands (e.g. "models") */
    bool noConfig;               /* runs without loading the layered configuration */
} HgnCliCommand;

typedef struct HgnCliSpec {
    const char *program;           /* "huginn" */
    const HgnCliOption *globals;   /* terminated by name NULL */
    const HgnCliCommand *commands; /* terminated by name NULL */
} HgnCliSpec;

/* One parsed value. Only the member of its type is meaningful. */
typedef struct HgnCliArg {
    const HgnCliOption *opt;
    const char *text; /* as written (borrowed from argv); NULL for flags */
    int argIndex;     /* index in argv */
    int64_t integer;  /* HGN_CLI_INT */
    double real;      /* HGN_CLI_REAL */
    uint64_t size;    /* HGN_CLI_SIZE, HGN_CLI_RESERVE (the SIZE) */
    char *device;     /* HGN_CLI_RESERVE: the DEV (owned) */
} HgnCliArg;

typedef struct HgnCliArgs {
    const HgnCliSpec *spec;
    const HgnCliCommand *command; /* NULL when no command was given */
    HgnCliArg *values;            /* options, globals and positionals, in argv order */
    size_t nValues;
    bool help; /* --help / -h was given (parse errors are then dropped) */
} HgnCliArgs;

/* Parses argv[1..argc-1] against spec. OUT: *out (free with hgnCliArgsFree),
 * also set on error to NULL. With --help anywhere, a later error is dropped:
 * the result has help set and command as far as it was recognised. */
HGN_NODISCARD HgnStatus hgnCliParse(const HgnCliSpec *spec, int argc, char *const *argv, HgnCliArgs **out);
void hgnCliArgsFree(HgnCliArgs *args);

/* True when argv (before any `--`) contains the long flag `--name`; used to
 * honour --json / --no-color even when parsing fails. */
bool hgnCliArgvHasFlag(int argc, char *const *argv, const char *name);

/* Accessors by option name (long name, or the positional's METAVAR). The last
 * occurrence wins; hgnCliArgsAt walks the occurrences of a repeated option. */
const HgnCliArg *hgnCliArgsGet(const HgnCliArgs *args, const char *name);
const HgnCliArg *hgnCliArgsAt(const HgnCliArgs *args, const char *name, size_t index);
size_t hgnCliArgsCount(const HgnCliArgs *args, const char *name);
bool hgnCliArgsHas(const HgnCliArgs *args, const char *name);
const char *hgnCliArgsString(const HgnCliArgs *args, const char *name, const char *fallback);
int64_t hgnCliArgsInt(const HgnCliArgs *args, const char *name, int64_t fallback);
double hgnCliArgsReal(const HgnCliArgs *args, const char *name, double fallback);
uint64_t hgnCliArgsSize(const HgnCliArgs *args, const char *name, uint64_t fallback);

/* Table lookups. hgnCliFindCommand takes the full name ("models list"). */
const HgnCliCommand *hgnCliFindCommand(const HgnCliSpec *spec, const char *name);
const HgnCliOption *hgnCliFindOption(const HgnCliOption *options, const char *name);
/* Human name of a type for help and errors ("integer", "size", …). */
const char *hgnCliTypeName(HgnCliType type);

#endif
