/* cliJobs.h — the local job manager for `huginn jobs|status|cancel`: the
 * configured store ([store]: SQLite file or PostgreSQL) and the calling user as owner. */
#ifndef HGN_CLI_CLIJOBS_H
#define HGN_CLI_CLIJOBS_H

#include "cli/cliContext.h"
#include "huginn/jobs.h"

HGN_NODISCARD HgnStatus cliJobManagerOpen(const CliContext *ctx, HgnJobManager **out);
/* The local user's name (static storage). */
const char *cliJobUser(void);
/* One-line human summary of a job. */
void cliJobPrintLine(const CliContext *ctx, const HgnJob *j);
/* Prints the job as JSON (--json) or as lines. */
HGN_NODISCARD HgnStatus cliJobPrint(const CliContext *ctx, const HgnJob *j);

#endif
