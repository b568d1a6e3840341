/* cliOutput.h — how `huginn` prints: colours, aligned tables, JSON documents,
 * dry-run reports and errors (text on stderr, or JSON on stdout with --json). */
#ifndef HGN_CLI_CLIOUTPUT_H
#define HGN_CLI_CLIOUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/cliContext.h"
#include "huginn/status.h"

typedef enum CliStyle { CLI_BOLD, CLI_DIM, CLI_RED, CLI_GREEN, CLI_YELLOW, CLI_CYAN, CLI_RESET } CliStyle;

/* Whether colour is wanted on stream: never with noColor or a non-empty
 * NO_COLOR; always with a non-empty CLICOLOR_FORCE other than "0"; else when
 * stream is a terminal and TERM is not "dumb". */
bool cliColorWanted(FILE *stream, bool noColor);
/* The escape sequence for style, or "" when colour is off for stream. */
const char *cliStyle(const CliContext *ctx, FILE *stream, CliStyle style);

/* A text table with left-aligned columns and a bold header. */
typedef struct CliTable {
    size_t nCols;
    char **cells; /* row-major, nRows × nCols, owned */
    size_t nRows;
    bool header; /* the first row is a header (bold); true after cliTableInit */
    bool oom;
} CliTable;
void cliTableInit(CliTable *t, size_t nCols);
/* Appends a row of nCols strings (copied; NULL prints as empty). The first row is the header. */
void cliTableAdd(CliTable *t, const char *const *row);
HgnStatus cliTablePrint(const CliContext *ctx, const CliTable *t, FILE *stream);
void cliTableFree(CliTable *t);

/* Prints doc (reference stolen) as indented JSON plus newline on ctx->out. */
HGN_NODISCARD HgnStatus cliPrintJson(const CliContext *ctx, json_t *doc);

/* The command's values (options and positionals, as typed JSON) keyed by name. OUT: new reference. */
json_t *cliArgumentsJson(const HgnCliArgs *args);
/* Dry-run report: "dry run: would ACTION" and the validated arguments, or
 * {"dryRun":true,"command":…,"action":…,"arguments":{…}} with --json. */
HGN_NODISCARD HgnStatus cliDryRun(const CliContext *ctx, const char *action);
/* HGN-0010 NotImplemented for a real run of a command whose engine is not built yet. */
HgnStatus cliNotBuilt(const CliContext *ctx, const char *what);

/* Prints an error: `error: HGN-0009 UsageError …` with hint on ctx->err, or
 * {"error":{…}} on ctx->out with --json. */
void cliPrintError(const CliContext *ctx, HgnStatus st);

#endif
