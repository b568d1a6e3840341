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
    pthread_mutex_t mu;
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
/* Records and publishes an event. */
void managerEmit(HgnJobManager *m, HgnJobEvent *ev);

/* executionEngine.c: runs a leased RUNNING job to its end (or back to QUEUED for a retry). */
HgnStatus executionRunJob(HgnJobManager *m, HgnJob *job);

#endif
