/* cliGenOptions.c — sampling flags → generation-options JSON, checked by the
 * shared table of orchestrator/jobOptions.c (see cliGenOptions.h). */
#include "cli/cliGenOptions.h"

#include <stdio.h>

static HgnStatus oom(void) { return hgnStatusNew(HGN_CODE_OutOfMemory, "execute", NULL, "out of memory"); }

HgnStatus cliGenOptions(const HgnCliArgs *a, json_t **json, HgnJobOptions *opts) {
    hgnJobOptionsInit(opts);
    *json = json_object();
    if (!*json) return oom();
    size_t n = 0;
    const HgnJobOptionKnob *k = hgnJobOptionKnobs(&n);
    for (size_t i = 0; i < n; i++) {
        if (!hgnCliArgsHas(a, k[i].flag)) continue;
        json_t *v = NULL;
        switch (k[i].kind) {
        case HGN_JOB_OPTION_REAL:
            v = json_real(hgnCliArgsReal(a, k[i].flag, 0));
            break;
        case HGN_JOB_OPTION_INT:
            v = json_integer((json_int_t)hgnCliArgsInt(a, k[i].flag, 0));
            break;
        case HGN_JOB_OPTION_BOOL:
            v = json_true();
            break;
        case HGN_JOB_OPTION_STRINGS:
            v = json_array();
            for (size_t j = 0; v && j < hgnCliArgsCount(a, k[i].flag); j++) {
                json_t *s = json_string(hgnCliArgsAt(a, k[i].flag, j)->text);
                if (!s) {
                    json_decref(v);
                    char where[64];
                    snprintf(where, sizeof where, "--%s #%zu", k[i].flag, j + 1);
                    return hgnStatusNew(HGN_CODE_InvalidInput, where, "give the stop string as UTF-8 text",
                                        "the stop string is not valid UTF-8");
                }
                json_array_append_new(v, s);
            }
            break;
        }
        if (!v || json_object_set_new(*json, k[i].key, v)) return oom();
    }
    return hgnJobOptionsFromJson(*json, true, opts);
}
