/* cliRemote.h — the job commands against huginnd (`execute --server`,
 * `status`, `cancel`, `jobs` when a server is configured). */
#ifndef HGN_CLI_CLIREMOTE_H
#define HGN_CLI_CLIREMOTE_H

#include <stdbool.h>

#include "cli/cliContext.h"

/* The server URL to use: --server, else server.url when set by a file, the
 * environment or a flag (not the built-in default); NULL with --local. */
const char *cliServerUrl(const CliContext *ctx);

HgnStatus cliRemoteExecute(CliContext *ctx, const char *url);
HgnStatus cliRemoteStatus(CliContext *ctx, const char *url, const char *id, bool follow);
HgnStatus cliRemoteCancel(CliContext *ctx, const char *url, const char *id);
HgnStatus cliRemoteJobs(CliContext *ctx, const char *url, bool all);

#endif
