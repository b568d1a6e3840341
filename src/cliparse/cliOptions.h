/* cliOptions.h — the option table of the `huginn` program: its global options
 * and every command with its options, positionals, help text and examples.
 * The table is data: help, man-page checks and completion checks read it. */
#ifndef HGN_CLIPARSE_CLIOPTIONS_H
#define HGN_CLIPARSE_CLIOPTIONS_H

#include "cliparse/cliParse.h"

typedef enum HgnCliCommandId {
    HGN_CMD_DIAGNOSE = 1,
    HGN_CMD_MODELS,
    HGN_CMD_MODELS_LIST,
    HGN_CMD_MODELS_SHOW,
    HGN_CMD_INSPECT,
    HGN_CMD_PLAN,
    HGN_CMD_PLAN_DIFF,
    HGN_CMD_EXPLAIN,
    HGN_CMD_EXECUTE,
    HGN_CMD_QUANTIZE,
    HGN_CMD_STATUS,
    HGN_CMD_CANCEL,
    HGN_CMD_JOBS,
    HGN_CMD_CONFIG,
    HGN_CMD_CONFIG_SHOW,
    HGN_CMD_CONFIG_VALIDATE,
    HGN_CMD_CONFIG_PARSE,
    HGN_CMD_HELP,
    HGN_CMD_VERSION,
    HGN_CMD_CALIBRATE,
} HgnCliCommandId;

/* The huginn table (static storage). */
const HgnCliSpec *hgnCliHuginnSpec(void);

#endif
