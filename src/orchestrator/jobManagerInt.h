/* jobManagerInt.h — the job manager's internals shared with the execution engine. */
#ifndef HGN_ORCHESTRATOR_JOBMANAGERINT_H
#define HGN_ORCHESTRATOR_JOBMANAGERINT_H

#include <pthread.h>
#include <stdatomic.h>

#include "huginn/jobs.h"
#include "orchestrator/jobMetrics.h"

typedef struct Subscriber {
    int64_t handle;
    HgnJobEventFn fn;
    void *user;
} Subscriber;

struct HgnJobManager {
    HgnJobManagerConfig cfg;
    char *shareOwners[HGN_JOB_SHARES_MAX]; /* cfg.shares[i].owner: the manager's copies */
    HgnJobStore *store;
    bool ownsStore;
    char *id;
    char *artifactsRoot; /* NULL: no artefacts folders, no checkpoints */
    pthread_mutex_t mu;
    pthread_mutex_t recoverMu; /* one hgnJobRecover at a time per manager (its events stay exact) */
    Subscriber *subs;
    size_t nSubs;
    int64_t nextHandle;
    HgnJobStats counters;          /* transitions, submitted, retries, stepsRecorded */
    JobMetrics metrics;            /* lock-free step histograms (jobMetrics.c) */
    pthread_mutex_t runsMu;        /* guards runs (never held while calling out) */
    struct ExecStep *runs;         /* runs in progress in this manager (instant local cancel / pause) */
    struct SubmitBatcher *batcher; /* group commit of submissions (submitBatcher.h) */
};

int64_t managerNow(HgnJobManager *m);
uint64_t managerRandom(HgnJobManager *m);
/* Moves job (already in memory, job->state == from) to `to` through the table and the store (CAS),
 * records and publishes the event. On success job->state == to; on failure job is as before. The
 * compare-and-set expects the state `from`, and for a RUNNING job the lease owner and the stop
 * requests job holds (a request it has not seen fails the write: HGN-0500 "... as expected"). */
HgnStatus managerTransition(HgnJobManager *m, HgnJob *job, HgnJobState to, const char *message);
/* The same with an explicit expectation (the reaper's). */
HgnStatus managerTransitionEx(HgnJobManager *m, HgnJob *job, HgnJobState to, const char *message,
                              const HgnJobExpect *expect);
/* Compare-and-set write of job's mutable fields with ev (may be NULL; stored in the same transaction
 * when the store can). Does not publish ev to subscribers. */
HgnStatus managerStoreWrite(HgnJobManager *m, const HgnJob *job, const HgnJobExpect *expect, HgnJobEvent *ev);
/* The stored stop requests of job id and whether leaseOwner still holds its lease (narrow read). */
HgnStatus managerStopRequests(HgnJobManager *m, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                              bool *leaseHeld);
/* True when a store error says that a compare-and-set found the row changed. */
bool managerCasLost(HgnStatus st);
/* Records (in the store's event log) and publishes (to in-process subscribers) an event. */
void managerEmit(HgnJobManager *m, HgnJobEvent *ev);
/* persist false: subscribers only (seq stays 0). */
void managerEmitEx(HgnJobManager *m, HgnJobEvent *ev, bool persist);

/* executionEngine.c: runs a leased RUNNING job to its end (or back to QUEUED for a retry). */
HgnStatus executionRunJob(HgnJobManager *m, HgnJob *job);

/* One recorded step of a running job (the engine calls it per generated token). */
typedef struct ExecStep {
    HgnJobManager *m;
    HgnJob *job;
    int64_t lastBeatMs;
    bool leaseLost;
    int64_t checkpointMtimeNs; /* of the last checkpoint.zst seen */
    struct JobTrace *trace;    /* spans of this run (jobTrace.h); NULL: none */
    /* step timing, monotonic ns (jobMetrics.c) */
    int64_t stepPrevNs, stepBeginNs;
    /* stop control: cancel / pause of a running job */
    atomic_int stopFlags;     /* EXEC_STOP_*: set at once by this manager's hgnJobCancel / hgnJobPause */
    int64_t lastPollMs;       /* monotonic ms of the last poll of the store's stop requests */
    struct HgnRuntime *rt;    /* the run's runtime (token count from its position), or NULL */
    int64_t promptTokens;     /* tokens of the encoded prompt; -1 unknown */
    bool stopped;             /* the run ended on the stop hook (stopReason "stopped") */
    struct ExecStep *nextRun; /* HgnJobManager.runs */
} ExecStep;
#define EXEC_STOP_CANCEL  1
#define EXEC_STOP_PAUSE   2
#define EXEC_STOP_POLL_MS 50 /* a runner reads the store's stop requests at most this often */
/* Counts the step, notifies subscribers; every leaseMs/3 renews the lease and stores the
 * progress event (so the per-step cost is a few microseconds, not a durable commit). */
void executionRecordStep(ExecStep *c);
/* Whether the run should stop now: the lease is lost, this manager flagged it, or (polled at most
 * every EXEC_STOP_POLL_MS) the store holds a cancel or pause request. */
bool executionStopWanted(ExecStep *c);
/* Registers / unregisters a run in progress (HgnJobManager.runs). */
void managerRunAdd(HgnJobManager *m, ExecStep *c);
void managerRunRemove(HgnJobManager *m, ExecStep *c);

/* jobRetry.c: retriesJson with the count for code one higher (new text; NULL when out of memory). */
char *jobRetriesBump(const char *retriesJson, HgnCode code);

#endif
