/* cliContext.h — what every `huginn` command receives: the parsed command
 * line, the effective configuration and the output settings. */
#ifndef HGN_CLI_CLICONTEXT_H
#define HGN_CLI_CLICONTEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "cliparse/cliParse.h"
#include "huginn/config.h"
#include "huginn/status.h"

typedef struct CliContext {
    const HgnCliArgs *args; /* the parsed, validated command line */
    HgnConfig *config;      /* effective configuration; NULL for commands that run without it */
    bool json;              /* --json: machine output on stdout */
    bool dryRun;            /* --dry-run: validate, describe, change nothing */
    bool colorOut;          /* ANSI colours on out */
    bool colorErr;          /* ANSI colours on err */
    FILE *out;              /* results */
    FILE *err;              /* human errors (logs go through huginn/log.h) */
} CliContext;

typedef HgnStatus (*CliCommandFn)(CliContext *ctx);

#endif
