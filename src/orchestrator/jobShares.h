/* jobShares.h — the weighted fair share's owner weights as the one bound
 * JSON parameter both job stores' claim SQL reads ({"owner": weight, ...}). */
#ifndef HGN_ORCHESTRATOR_JOB_SHARES_H
#define HGN_ORCHESTRATOR_JOB_SHARES_H

#include "huginn/jobs.h"

/* {"alice":3.0,...} for policy->shares (NULL policy or none: "{}"); an owner listed twice: the last
 * wins; entries with a weight not > 0 or a name that is not UTF-8 are left out (they weigh the
 * default). Caller hgnFree()s; NULL on OOM. */
char *hgnJobSharesJson(const HgnJobClaimPolicy *policy);

/* policy->defaultShare, or 1 when it is not > 0. */
double hgnJobSharesDefault(const HgnJobClaimPolicy *policy);

#endif
