/* jobOptions.h — a job's generation options: the JSON object
 *   {"temperature", "topK", "topP", "minP", "repeatPenalty", "seed", "stop", "ignoreEos"}
 * (exactly the sampling knobs of `huginn execute`), parsed and range-checked
 * into the runtime's HgnGenerateOptions. One table of knobs and ranges serves
 * the job API (errors name the JSON pointer, /options/topP), the CLI (errors
 * name the flag, --top-p; the flag table takes its bounds from the macros
 * below) and schemas/openapi.json (testJobOptions compares the schema with
 * the table). Omitted knobs keep the defaults of hgnSamplerParamsInit, which
 * are the CLI's defaults too. */
#ifndef HGN_ORCHESTRATOR_JOB_OPTIONS_H
#define HGN_ORCHESTRATOR_JOB_OPTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "huginn/runtime.h"
#include "huginn/sampler.h"
#include "huginn/status.h"

/* Ranges (closed unless said otherwise). */
#define HGN_OPT_TEMPERATURE_MAX    100.0     /* [0, 100]; 0 = greedy */
#define HGN_OPT_TOP_K_MAX          1000000   /* [0, 1000000]; 0 = off */
#define HGN_OPT_TOP_P_MAX          1.0       /* (0, 1]; 1 = off */
#define HGN_OPT_MIN_P_MAX          1.0       /* [0, 1]; 0 = off */
#define HGN_OPT_REPEAT_PENALTY_MAX 10.0      /* (0, 10]; 1 = off */
#define HGN_OPT_SEED_MAX           INT64_MAX /* [0, 2^63-1] */
#define HGN_OPT_STOP_MAX_COUNT     16        /* stop strings per run */
#define HGN_OPT_STOP_MAX_BYTES     256       /* bytes per stop string (1 or more) */

typedef enum HgnJobOptionKind {
    HGN_JOB_OPTION_REAL = 0, /* a JSON number */
    HGN_JOB_OPTION_INT,      /* a JSON integer */
    HGN_JOB_OPTION_BOOL,     /* true / false */
    HGN_JOB_OPTION_STRINGS   /* an array of strings */
} HgnJobOptionKind;

typedef struct HgnJobOptionKnob {
    const char *key;  /* JSON key: "topP" */
    const char *flag; /* CLI flag without dashes: "top-p" */
    HgnJobOptionKind kind;
    double min, max;   /* REAL / INT; STRINGS: count 0..max */
    bool minExclusive; /* (min, max] */
} HgnJobOptionKnob;

/* The knobs in documentation order; *n their count. Static. */
const HgnJobOptionKnob *hgnJobOptionKnobs(size_t *n);

typedef struct HgnJobOptions {
    HgnSamplerParams sampler;
    char **stop; /* owned copies */
    size_t nStop;
    bool ignoreEos;
} HgnJobOptions;

/* The defaults: hgnSamplerParamsInit, no stop strings. Cannot fail. */
void hgnJobOptionsInit(HgnJobOptions *o);
/* Frees the stop strings; o is back to the defaults. */
void hgnJobOptionsClear(HgnJobOptions *o);

/* Reads an options object (NULL: the defaults) into *out (initialised
 * here; hgnJobOptionsClear it even on error). Errors, all HGN-0015
 * InvalidArgument with where = "/options/<key>" (flagNames: "--<flag>"):
 * not an object, an unknown key, a value of the wrong type, a value out of
 * its range (the message gives the range), an empty or overlong stop string. */
HGN_NODISCARD HgnStatus hgnJobOptionsFromJson(const json_t *obj, bool flagNames, HgnJobOptions *out);
/* The same from JSON text (NULL or "": the defaults); malformed text is
 * HGN-0600 InvalidJson at "/options". */
HGN_NODISCARD HgnStatus hgnJobOptionsParse(const char *json, HgnJobOptions *out);

/* Sets go's sampler, stop strings (borrowed from o: o must outlive the
 * generation) and ignoreEos (or-ed with what go has). */
void hgnJobOptionsApply(const HgnJobOptions *o, HgnGenerateOptions *go);

#endif
