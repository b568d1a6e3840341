/* jobState.c — the job state machine: state names, the one transition table,
 * and the retry policy (full-jitter backoff, which codes are transient). */
#include <string.h>
#include <strings.h>

#include "huginn/jobs.h"

static const char *const stateNames[HGN_JOB_STATE_COUNT] = {"QUEUED",    "RUNNING", "PAUSED",
                                                            "COMPLETED", "FAILED",  "CANCELLED"};

/* The one transition table: allowed[from][to]. */
static const bool allowed[HGN_JOB_STATE_COUNT][HGN_JOB_STATE_COUNT] = {
    /*               QUEUED RUNNING PAUSED COMPLETED FAILED CANCELLED */
    /* QUEUED    */ {false, true, true, false, false, true},
    /* RUNNING   */ {true, false, true, true, true, true},
    /* PAUSED    */ {true, false, false, false, false, true},
    /* COMPLETED */ {false, false, false, false, false, false},
    /* FAILED    */ {false, false, false, false, false, false},
    /* CANCELLED */ {false, false, false, false, false, false},
};

const char *hgnJobStateName(HgnJobState s) { return (s >= 0 && s < HGN_JOB_STATE_COUNT) ? stateNames[s] : "UNKNOWN"; }

bool hgnJobStateParse(const char *name, HgnJobState *out) {
    if (!name) return false;
    for (int i = 0; i < HGN_JOB_STATE_COUNT; i++)
        if (strcasecmp(name, stateNames[i]) == 0) {
            *out = (HgnJobState)i;
            return true;
        }
    return false;
}

bool hgnJobStateTerminal(HgnJobState s) {
    return s == HGN_JOB_COMPLETED || s == HGN_JOB_FAILED || s == HGN_JOB_CANCELLED;
}

bool hgnJobTransitionAllowed(HgnJobState from, HgnJobState to) {
    if (from < 0 || from >= HGN_JOB_STATE_COUNT || to < 0 || to >= HGN_JOB_STATE_COUNT) return false;
    return allowed[from][to];
}

HgnStatus hgnJobTransitionCheck(HgnJobState from, HgnJobState to) {
    if (hgnJobTransitionAllowed(from, to)) return HGN_OK;
    return hgnStatusNew(HGN_CODE_InvalidTransition, NULL,
                        hgnJobStateTerminal(from) ? "the job has ended; submit it again to rerun it"
                                                  : "see `huginn status ID` for the job's current state",
                        "a %s job cannot become %s", hgnJobStateName(from), hgnJobStateName(to));
}

int64_t hgnJobBackoffMs(int64_t baseMs, int64_t capMs, int32_t attempt, uint64_t r) {
    if (baseMs <= 0 || capMs <= 0) return 0;
    if (attempt < 1) attempt = 1;
    int64_t ceiling = baseMs;
    for (int32_t i = 1; i < attempt && ceiling < capMs; i++) ceiling = ceiling > capMs / 2 ? capMs : ceiling * 2;
    if (ceiling > capMs) ceiling = capMs;
    /* uniform in [0, ceiling] */
    return (int64_t)(r % (uint64_t)(ceiling + 1));
}

bool hgnJobCodeRetryable(HgnCode code) {
    switch (code) {
    case HGN_CODE_DeviceLost:
    case HGN_CODE_ExecutionFailed:
    case HGN_CODE_IoError:
    case HGN_CODE_OutOfMemory:
    case HGN_CODE_StoreError:
    case HGN_CODE_DeviceQueryFailed:
    case HGN_CODE_DriverUnavailable:
        return true;
    default:
        return false;
    }
}

int32_t hgnJobFilterStateMask(const HgnJobFilter *f) {
    if (!f) return 0;
    int32_t mask = f->stateMask;
    if (!f->activeOnly) return mask;
    mask = (mask ? mask : ~0) & ((1 << HGN_JOB_QUEUED) | (1 << HGN_JOB_RUNNING) | (1 << HGN_JOB_PAUSED));
    return mask ? mask : -1;
}
