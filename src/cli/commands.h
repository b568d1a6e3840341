/* commands.h — the entry point of every `huginn` command (one cmd<Name>.c each).
 * Each validates what the option table cannot (combinations, method-specific
 * ranges), then either describes the run (--dry-run) or does it. */
#ifndef HGN_CLI_COMMANDS_H
#define HGN_CLI_COMMANDS_H

#include "cli/cliContext.h"

HGN_NODISCARD HgnStatus cmdDiagnose(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdModels(CliContext *ctx); /* models list, models show */
HGN_NODISCARD HgnStatus cmdInspect(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdPlan(CliContext *ctx); /* plan, plan --check, plan diff */
HGN_NODISCARD HgnStatus cmdExplain(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdExecute(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdQuantize(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdStatus(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdCancel(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdJobs(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdConfig(CliContext *ctx); /* config show, validate, parse */
HGN_NODISCARD HgnStatus cmdHelp(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdVersion(CliContext *ctx);
HGN_NODISCARD HgnStatus cmdCalibrate(CliContext *ctx);
/* The calibration profile path: planner.calibrationFile, else CACHE/calibration.json. OUT: hgnFree; NULL on OOM. */
char *cliCalibrationPath(const HgnConfig *cfg);

#endif
