/* jobManagerInt.h — the job manager's internals shared with the execution engine. */
#ifndef HGN_ORCHESTRATOR_JOBMANAGERINT_H
#define HGN_ORCHESTRATOR_JOBMANAGERINT_H

#include <pthread.h>

#include "huginn/jobs.h"

typedef struct Subscriber {
    int64_t handle;
    HgnJobEventFn fn;
    void *user;
} Subscriber;

struct HgnJobManager {
    HgnJobManagerConfig cfg;
    HgnJobStore *store;
    bool ownsStore;
    char *id;
    char *artifactsRoot; /* NULL: no artefacts folders, no checkpoints */
    pthread_mutex_t mu;
    pthread_mutex_t recoverMu; /* one hgnJobRecover at a time per manager (its events stay exact) */
    Subscriber *subs;
    size_t nSubs;
    int64_t nextHandle;
    HgnJobStats counters; /* transitions, submitted, retries, stepsRecorded */
};

int64_t managerNow(HgnJobManager *m);
uint64_t managerRandom(HgnJobManager *m);
/* Moves job (already in memory, job->state == from) to `to` through the table and the store (CAS),
 * records and publishes the event. On success job->state == to. */
HgnStatus managerTransition(HgnJobManager *m, HgnJob *job, HgnJobState to, const char *message);
/* Records (in the store's event log) and publishes (to in-process subscribers) an event. */
void managerEmit(HgnJobManager *m, HgnJobEvent *ev);
/* persist false: subscribers only (seq stays 0). */
void managerEmitEx(HgnJobManager *m, HgnJobEvent *ev, bool persist);

/* executionEngine.c: runs a leased RUNNING job to its end (or back to QUEUED for a retry). */
HgnStatus executionRunJob(HgnJobManager *m, HgnJob *job);

/* One recorded step of a running job (the engine calls it per generated piece). */
typedef struct ExecStep {
    HgnJobManager *m;
    HgnJob *job;
    int64_t lastBeatMs;
    bool leaseLost;
    int64_t checkpointMtimeNs; /* of the last checkpoint.zst seen */
    struct JobTrace *trace;    /* spans of this run (jobTrace.h); NULL: none */
} ExecStep;
/* Counts the step, notifies subscribers; every leaseMs/3 renews the lease and stores the
 * progress event (so the per-step cost is a few microseconds, not a durable commit). */
void executionRecordStep(ExecStep *c);

#endif
