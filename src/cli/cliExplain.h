/* cliExplain.h — `huginn explain plan.json`: the plan in words (see cliExplain.c). */
#ifndef HGN_CLI_CLIEXPLAIN_H
#define HGN_CLI_CLIEXPLAIN_H

#include "cli/cliContext.h"

/* Explains the plan at path: split points, what went where it did not fit,
 * the bottleneck, the cost of the nearest alternatives and the three changes
 * that help most (each re-planned). Text, or JSON with --json. */
HGN_NODISCARD HgnStatus cliExplain(CliContext *ctx, const char *path);

#endif
