/* jobRetry.c — the per-reason retry policy of jobs: the retry limit of each
 * transient error code (defaults, overridden by [jobs.retry.limits]), the
 * count of retries so far by reason in a job's retriesJson
 * ({"DeviceLost":2}), and the decision whether a failed run is retried. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "orchestrator/jobManagerInt.h"

/* Sane defaults: a lost device is usually replaced or drained and worth several tries; an
 * allocation failure rarely fixes itself (once, in case another job freed memory); an I/O or
 * execution failure a few times; the store (a busy database) often. */
static const HgnJobRetryLimit defaultLimits[] = {
    {HGN_CODE_DeviceLost, 5}, {HGN_CODE_OutOfMemory, 1},       {HGN_CODE_ExecutionFailed, 3},   {HGN_CODE_IoError, 3},
    {HGN_CODE_StoreError, 5}, {HGN_CODE_DeviceQueryFailed, 3}, {HGN_CODE_DriverUnavailable, 1},
};

int32_t hgnJobRetryLimitFor(const HgnJobManagerConfig *cfg, HgnCode code) {
    if (!hgnJobCodeRetryable(code)) return 0;
    if (cfg) {
        size_t n = cfg->nRetryLimits < HGN_JOB_RETRY_LIMITS_MAX ? cfg->nRetryLimits : HGN_JOB_RETRY_LIMITS_MAX;
        for (size_t i = 0; i < n; i++)
            if (cfg->retryLimits[i].code == code) return cfg->retryLimits[i].limit > 0 ? cfg->retryLimits[i].limit : 0;
    }
    for (size_t i = 0; i < sizeof defaultLimits / sizeof defaultLimits[0]; i++)
        if (defaultLimits[i].code == code) return defaultLimits[i].limit;
    return 0;
}

int32_t hgnJobRetriesFor(const char *retriesJson, HgnCode code) {
    if (!retriesJson) return 0;
    json_t *o = json_loads(retriesJson, 0, NULL);
    json_t *v = json_is_object(o) ? json_object_get(o, hgnCodeName(code)) : NULL;
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    json_decref(o);
    return n < 0 ? 0 : n > INT32_MAX ? INT32_MAX : (int32_t)n;
}

bool hgnJobRetryAllowed(const HgnJobManagerConfig *cfg, const HgnJob *job, HgnCode code) {
    return hgnJobCodeRetryable(code) && job->attempts < job->maxAttempts &&
           hgnJobRetriesFor(job->retriesJson, code) < hgnJobRetryLimitFor(cfg, code);
}

char *jobRetriesBump(const char *retriesJson, HgnCode code) {
    json_t *o = retriesJson ? json_loads(retriesJson, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    if (!o) return NULL;
    int32_t n = hgnJobRetriesFor(retriesJson, code);
    char *out = NULL;
    if (json_object_set_new(o, hgnCodeName(code), json_integer((json_int_t)n + 1)) == 0) {
        char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        if (txt) out = hgnStrdup(txt);
        free(txt);
    }
    json_decref(o);
    return out;
}
