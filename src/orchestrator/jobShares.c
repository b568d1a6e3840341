/* jobShares.c — owner weights of the claim's weighted fair share as bound
 * JSON text (never spliced into SQL). */
#include "orchestrator/jobShares.h"

#include <jansson.h>
#include <stdlib.h>

#include "core/alloc.h"

char *hgnJobSharesJson(const HgnJobClaimPolicy *policy) {
    json_t *o = json_object();
    if (!o) return NULL;
    for (size_t i = 0; policy && policy->shares && i < policy->nShares; i++) {
        const HgnJobShare *sh = &policy->shares[i];
        if (!sh->owner || !(sh->weight > 0)) continue;
        json_t *w = json_real(sh->weight);
        if (!w) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, sh->owner, w); /* fails (and frees w) only for a non-UTF-8 name */
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text) return NULL;
    char *out = hgnStrdup(text);
    free(text);
    return out;
}

double hgnJobSharesDefault(const HgnJobClaimPolicy *policy) {
    return policy && policy->defaultShare > 0 ? policy->defaultShare : 1.0;
}
