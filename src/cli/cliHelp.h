/* cliHelp.h — help texts of `huginn`, rendered from the option table:
 * the global help, one page per command, the HGN error-code list, and the
 * whole table as JSON (`huginn help --json`, used by completion and doc checks). */
#ifndef HGN_CLI_CLIHELP_H
#define HGN_CLI_CLIHELP_H

#include <stdio.h>

#include "cli/cliContext.h"
#include "cliparse/cliParse.h"
#include "huginn/status.h"

void cliHelpGlobal(const CliContext *ctx, FILE *stream);
void cliHelpCommand(const CliContext *ctx, const HgnCliCommand *cmd, FILE *stream);
/* Every HGN code with name, exit status and description (a table, or JSON with --json). */
HGN_NODISCARD HgnStatus cliHelpErrors(const CliContext *ctx);
/* The option table as JSON on ctx->out. */
HGN_NODISCARD HgnStatus cliHelpJson(const CliContext *ctx);

#endif
