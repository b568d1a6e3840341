/* jobConfig.c — the [jobs] configuration section (config/schema.json) as an
 * HgnJobManagerConfig: quotas, lease, forced-cancel timeout, checkpoint
 * interval, [jobs.retry] (attempts, backoff, per-reason limits) and the
 * weighted fair share ([jobs.shares], jobs.defaultShare). The one
 * reader of these keys for huginnd and the CLI. */
#include <stdio.h>
#include <string.h>

#include "huginn/config.h"
#include "huginn/jobs.h"

/* The integer at path into *out when present and within [min, max]; HGN-0001 naming the key otherwise
 * (the schema checks the same ranges; this guards callers that skipped it). */
static HgnStatus readInt(const HgnConfig *config, const char *path, int64_t min, int64_t max, int64_t *out,
                         bool *present) {
    const json_t *v = hgnConfigGet(config, path);
    *present = false;
    if (!v) return HGN_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        const char *src = hgnConfigSource(config, path);
        return hgnStatusNew(HGN_CODE_InvalidConfig, path, "see docs/configuration.md, section [jobs]",
                            "%s must be an integer in %lld..%lld (set by %s)", path, (long long)min, (long long)max,
                            src ? src : "?");
    }
    *out = json_integer_value(v);
    *present = true;
    return HGN_OK;
}

static HgnStatus readInt32(const HgnConfig *config, const char *path, int64_t min, int32_t *dst) {
    int64_t v = 0;
    bool present = false;
    HgnStatus e = readInt(config, path, min, INT32_MAX, &v, &present);
    if (!e && present) *dst = (int32_t)v;
    return e;
}

static HgnStatus readInt64(const HgnConfig *config, const char *path, int64_t min, int64_t *dst) {
    int64_t v = 0;
    bool present = false;
    HgnStatus e = readInt(config, path, min, INT64_MAX, &v, &present);
    if (!e && present) *dst = v;
    return e;
}

/* The retryable code named `name`; false when there is none. */
static bool retryCodeNamed(const char *name, HgnCode *out) {
    HgnCode code;
    for (int i = 0; hgnCodeAt(i, &code); i++)
        if (strcmp(hgnCodeName(code), name) == 0 && hgnJobCodeRetryable(code)) {
            *out = code;
            return true;
        }
    return false;
}

static HgnStatus readLimits(const HgnConfig *config, HgnJobManagerConfig *cfg) {
    const json_t *limits = hgnConfigGet(config, "jobs.retry.limits");
    if (!limits) return HGN_OK;
    if (!json_is_object(limits))
        return hgnStatusNew(HGN_CODE_InvalidConfig, "jobs.retry.limits", "write limits = { DeviceLost = 5, ... }",
                            "jobs.retry.limits must be a table of error names to retry counts");
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)limits, name, v) {
        char path[128];
        snprintf(path, sizeof path, "jobs.retry.limits.%s", name);
        HgnCode code;
        if (!retryCodeNamed(name, &code))
            return hgnStatusNew(HGN_CODE_InvalidConfig, path,
                                "name a transient error: DeviceLost, OutOfMemory, ExecutionFailed, IoError, "
                                "StoreError, DeviceQueryFailed or DriverUnavailable",
                                "`%s` is not an error that is ever retried", name);
        int32_t limit = 0;
        HgnStatus e = readInt32(config, path, 0, &limit);
        if (e) return e;
        size_t i = 0;
        while (i < cfg->nRetryLimits && cfg->retryLimits[i].code != code) i++;
        if (i == HGN_JOB_RETRY_LIMITS_MAX)
            return hgnStatusNew(HGN_CODE_InvalidConfig, path, NULL, "too many retry limits");
        cfg->retryLimits[i] = (HgnJobRetryLimit){code, limit};
        if (i == cfg->nRetryLimits) cfg->nRetryLimits++;
    }
    return HGN_OK;
}

/* A share weight: a number in (0, HGN_JOB_SHARE_WEIGHT_MAX]; HGN-0001 naming the key otherwise. */
static HgnStatus shareWeight(const HgnConfig *config, const char *path, const json_t *v, double *out) {
    double w = json_is_number(v) ? json_number_value(v) : 0;
    if (!json_is_number(v) || !(w > 0) || w > HGN_JOB_SHARE_WEIGHT_MAX) {
        const char *src = hgnConfigSource(config, path);
        return hgnStatusNew(HGN_CODE_InvalidConfig, path,
                            "a share is a weight above 0 (1 = the default; 3 = three times the running slots)",
                            "%s must be a number above 0 and at most %g (set by %s)", path, HGN_JOB_SHARE_WEIGHT_MAX,
                            src ? src : "?");
    }
    *out = w;
    return HGN_OK;
}

/* jobs.defaultShare and the [jobs.shares] table (owner = weight); owner names borrow the
 * configuration's strings (hgnJobManagerOpen copies them). */
static HgnStatus readShares(const HgnConfig *config, HgnJobManagerConfig *cfg) {
    const json_t *d = hgnConfigGet(config, "jobs.defaultShare");
    HgnStatus e = d ? shareWeight(config, "jobs.defaultShare", d, &cfg->defaultShare) : HGN_OK;
    const json_t *shares = hgnConfigGet(config, "jobs.shares");
    if (e || !shares) return e;
    if (!json_is_object(shares))
        return hgnStatusNew(HGN_CODE_InvalidConfig, "jobs.shares", "write [jobs.shares] with lines alice = 3",
                            "jobs.shares must be a table of owner names to weights");
    const char *owner;
    const json_t *v;
    json_object_foreach((json_t *)shares, owner, v) {
        char path[160];
        snprintf(path, sizeof path, "jobs.shares.%s", owner);
        double w = 0;
        if ((e = shareWeight(config, path, v, &w))) return e;
        size_t i = 0;
        while (i < cfg->nShares && strcmp(cfg->shares[i].owner, owner) != 0) i++;
        if (i == HGN_JOB_SHARES_MAX)
            return hgnStatusNew(HGN_CODE_InvalidConfig, "jobs.shares", "give the rest jobs.defaultShare",
                                "more than %d owners in jobs.shares", HGN_JOB_SHARES_MAX);
        cfg->shares[i] = (HgnJobShare){owner, w};
        if (i == cfg->nShares) cfg->nShares++;
    }
    return HGN_OK;
}

HgnStatus hgnJobManagerConfigFromConfig(const struct HgnConfig *config, HgnJobManagerConfig *cfg) {
    if (!config) return HGN_OK;
    HgnStatus e = readInt32(config, "jobs.maxQueuedPerOwner", 1, &cfg->maxQueuedPerOwner);
    if (!e) e = readInt32(config, "jobs.maxRunningPerOwner", 1, &cfg->maxRunningPerOwner);
    if (!e) e = readInt32(config, "jobs.maxQueuedTotal", 1, &cfg->maxQueuedTotal);
    if (!e) e = readInt64(config, "jobs.maxMemoryPerOwner", 0, &cfg->maxMemoryPerOwner);
    if (!e) e = readInt64(config, "jobs.leaseMs", 100, &cfg->leaseMs);
    if (!e) e = readInt64(config, "jobs.cancelTimeoutMs", 1, &cfg->cancelTimeoutMs);
    if (!e) e = readInt32(config, "jobs.checkpointEvery", 1, &cfg->checkpointEvery);
    if (!e) e = readInt32(config, "jobs.retry.maxAttempts", 1, &cfg->maxAttempts);
    if (!e) e = readInt64(config, "jobs.retry.backoffBaseMs", 1, &cfg->backoffBaseMs);
    if (!e) e = readInt64(config, "jobs.retry.backoffCapMs", 1, &cfg->backoffCapMs);
    if (!e) e = readLimits(config, cfg);
    if (!e) e = readShares(config, cfg);
    if (!e) { /* group commit of submissions: a store setting, applied by the manager's batcher */
        int64_t v = 0;
        bool present = false;
        e = readInt(config, "store.groupCommit", 1, 4096, &v, &present);
        if (!e && present) cfg->submitBatchMax = (int32_t)v;
    }
    if (!e && cfg->backoffBaseMs > 0 && cfg->backoffCapMs > 0 && cfg->backoffCapMs < cfg->backoffBaseMs) {
        const char *src = hgnConfigSource(config, "jobs.retry.backoffCapMs");
        e = hgnStatusNew(HGN_CODE_InvalidConfig, "jobs.retry.backoffCapMs",
                         "make jobs.retry.backoffCapMs at least jobs.retry.backoffBaseMs",
                         "jobs.retry.backoffCapMs (%lld, set by %s) is below jobs.retry.backoffBaseMs (%lld)",
                         (long long)cfg->backoffCapMs, src ? src : "?", (long long)cfg->backoffBaseMs);
    }
    return e;
}
