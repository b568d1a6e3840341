/* cliGenOptions.h — the sampling flags of `huginn execute` (--temperature,
 * --top-k, --top-p, --min-p, --repeat-penalty, --seed, --stop, --ignore-eos)
 * as the generation-options object of a job (orchestrator/jobOptions.h), so
 * that a local run and a run on huginnd take the same flags through the same
 * validation. */
#ifndef HGN_CLI_CLIGENOPTIONS_H
#define HGN_CLI_CLIGENOPTIONS_H

#include <jansson.h>

#include "cli/cliContext.h"
#include "orchestrator/jobOptions.h"

/* The flags given (only those) as a JSON object, checked: *json (new
 * reference; {} when no flag is given) and *opts (hgnJobOptionsClear it, on
 * error too). Errors: HGN-0015 naming the flag and its range, HGN-0402 for a
 * stop string that is not UTF-8. */
HGN_NODISCARD HgnStatus cliGenOptions(const HgnCliArgs *a, json_t **json, HgnJobOptions *opts);

#endif
