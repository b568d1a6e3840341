/* jobAdapter.c — in-memory job table behind src/server/jobAdapter.h, used
 * until huginnd is wired to the orchestrator's job manager (include/huginn/
 * jobs.h). States and the transition table follow jobs.h. */
#include "server/jobAdapter.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

typedef struct Event {
    int64_t seq;
    const char *from, *to;
    int64_t timeMs;
} Event;

typedef struct Job {
    char id[64];
    char *owner;
    char *planPath;
    json_t *plan;
    int priority;
    const char *state;
    int64_t createdMs, updatedMs;
    Event *events;
    size_t nEvents, capEvents;
} Job;

struct JobAdapter {
    pthread_mutex_t lock;
    int64_t queueLimit;
    int64_t seq;
    Job *jobs;
    size_t count, cap;
};

static int64_t nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool terminal(const char *s) {
    return !strcmp(s, "COMPLETED") || !strcmp(s, "FAILED") || !strcmp(s, "CANCELLED");
}

HgnStatus jobAdapterOpen(int64_t queueLimit, JobAdapter **out) {
    JobAdapter *a = hgnCalloc(1, sizeof *a);
    if (!a) return hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    pthread_mutex_init(&a->lock, NULL);
    a->queueLimit = queueLimit > 0 ? queueLimit : 1024;
    *out = a;
    return HGN_OK;
}

void jobAdapterClose(JobAdapter *a) {
    if (!a) return;
    for (size_t i = 0; i < a->count; i++) {
        hgnFree(a->jobs[i].owner);
        hgnFree(a->jobs[i].planPath);
        hgnFree(a->jobs[i].events);
        json_decref(a->jobs[i].plan);
    }
    hgnFree(a->jobs);
    pthread_mutex_destroy(&a->lock);
    hgnFree(a);
}

static bool addEvent(JobAdapter *a, Job *j, const char *from, const char *to) {
    if (j->nEvents == j->capEvents) {
        size_t cap = j->capEvents ? j->capEvents * 2 : 4;
        Event *ne = hgnRealloc(j->events, cap * sizeof *ne);
        if (!ne) return false;
        j->events = ne;
        j->capEvents = cap;
    }
    j->updatedMs = nowMs();
    j->events[j->nEvents++] = (Event){++a->seq, from, to, j->updatedMs};
    return true;
}

/* A version-7 UUID: 48 bits of milliseconds, then random bits. */
static void newId(char id[64]) {
    unsigned char r[10] = {0};
    if (RAND_bytes(r, sizeof r) != 1)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(rand() & 0xff);
    uint64_t ms = (uint64_t)nowMs();
    snprintf(id, 64, "%08x-%04x-7%03x-%04x-%02x%02x%02x%02x%02x%02x", (unsigned)(ms >> 16), (unsigned)(ms & 0xffff),
             (unsigned)((r[0] << 8 | r[1]) & 0xfff), (unsigned)(0x8000 | ((r[2] << 8 | r[3]) & 0x3fff)), r[4], r[5],
             r[6], r[7], r[8], r[9]);
}

HgnStatus jobAdapterSubmit(JobAdapter *a, const char *owner, const json_t *plan, const char *planPath, int priority,
                           char id[64]) {
    pthread_mutex_lock(&a->lock);
    HgnStatus st = HGN_OK;
    int64_t active = 0;
    for (size_t i = 0; i < a->count; i++) active += !terminal(a->jobs[i].state);
    if (active >= a->queueLimit) {
        st = hgnStatusNew(HGN_CODE_QueueFull, "server.queueLimit", "retry after the Retry-After delay",
                          "the job queue is full (%lld active jobs)", (long long)active);
        goto done;
    }
    if (a->count == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        Job *nj = hgnRealloc(a->jobs, cap * sizeof *nj);
        if (!nj) {
            st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
            goto done;
        }
        a->jobs = nj;
        a->cap = cap;
    }
    Job j = {0};
    newId(j.id);
    j.owner = hgnStrdup(owner);
    j.planPath = planPath ? hgnStrdup(planPath) : NULL;
    j.plan = plan ? json_deep_copy(plan) : NULL;
    j.priority = priority;
    j.state = "QUEUED";
    j.createdMs = nowMs();
    if (!j.owner || (planPath && !j.planPath) || (plan && !j.plan) || !addEvent(a, &j, "", "QUEUED")) {
        hgnFree(j.owner);
        hgnFree(j.planPath);
        hgnFree(j.events);
        json_decref(j.plan);
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
        goto done;
    }
    memcpy(id, j.id, 64);
    a->jobs[a->count++] = j;
done:
    pthread_mutex_unlock(&a->lock);
    return st;
}

static Job *find(JobAdapter *a, const char *id) {
    for (size_t i = 0; i < a->count; i++)
        if (!strcmp(a->jobs[i].id, id)) return &a->jobs[i];
    return NULL;
}

static HgnStatus notFound(const char *id) {
    return hgnStatusNew(HGN_CODE_JobNotFound, id, "list your jobs with GET /v1/jobs", "no job with id '%s'", id);
}

static json_t *jobJson(const Job *j) {
    return json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:o}", "id", j->id, "owner", j->owner, "state", j->state,
                     "priority", j->priority, "createdMs", (json_int_t)j->createdMs, "updatedMs",
                     (json_int_t)j->updatedMs, "planPath", j->planPath ? json_string(j->planPath) : json_null());
}

HgnStatus jobAdapterGet(JobAdapter *a, const char *id, json_t **out, char **owner) {
    *out = NULL;
    *owner = NULL;
    pthread_mutex_lock(&a->lock);
    HgnStatus st = HGN_OK;
    Job *j = find(a, id);
    if (!j)
        st = notFound(id);
    else if (!(*out = jobJson(j)) || !(*owner = hgnStrdup(j->owner))) {
        json_decref(*out);
        *out = NULL;
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

HgnStatus jobAdapterList(JobAdapter *a, const char *owner, json_t **out) {
    json_t *arr = json_array();
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; arr && i < a->count; i++)
        if (!owner || !strcmp(owner, a->jobs[i].owner)) json_array_append_new(arr, jobJson(&a->jobs[i]));
    pthread_mutex_unlock(&a->lock);
    *out = arr ? json_pack("{s:o}", "jobs", arr) : NULL;
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
}

HgnStatus jobAdapterAct(JobAdapter *a, const char *id, const char *action) {
    pthread_mutex_lock(&a->lock);
    HgnStatus st = HGN_OK;
    Job *j = find(a, id);
    const char *to = NULL;
    if (!j) {
        st = notFound(id);
        goto done;
    }
    const char *s = j->state;
    if (!strcmp(action, "cancel") && !terminal(s))
        to = "CANCELLED";
    else if (!strcmp(action, "pause") && (!strcmp(s, "QUEUED") || !strcmp(s, "RUNNING")))
        to = "PAUSED";
    else if (!strcmp(action, "resume") && !strcmp(s, "PAUSED"))
        to = "QUEUED";
    if (!to) {
        st = hgnStatusNew(HGN_CODE_InvalidTransition, id, "GET the job to see its state", "cannot %s a job that is %s",
                          action, s);
        goto done;
    }
    if (!addEvent(a, j, s, to)) {
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
        goto done;
    }
    j->state = to;
done:
    pthread_mutex_unlock(&a->lock);
    return st;
}

HgnStatus jobAdapterEvents(JobAdapter *a, const char *id, int64_t afterSeq, json_t **out, bool *isTerminal) {
    *out = NULL;
    pthread_mutex_lock(&a->lock);
    HgnStatus st = HGN_OK;
    Job *j = find(a, id);
    json_t *arr = j ? json_array() : NULL;
    if (!j)
        st = notFound(id);
    else {
        for (size_t i = 0; arr && i < j->nEvents; i++) {
            const Event *e = &j->events[i];
            if (e->seq <= afterSeq) continue;
            json_array_append_new(arr,
                                  json_pack("{s:I, s:s, s:s, s:s, s:I}", "seq", (json_int_t)e->seq, "type", "state",
                                            "from", e->from, "to", e->to, "timeMs", (json_int_t)e->timeMs));
        }
        *isTerminal = terminal(j->state);
        if (!arr) st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    }
    pthread_mutex_unlock(&a->lock);
    *out = arr;
    return st;
}

void jobAdapterCounts(JobAdapter *a, int64_t *queued, int64_t *running) {
    *queued = *running = 0;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->count; i++) {
        *queued += !strcmp(a->jobs[i].state, "QUEUED");
        *running += !strcmp(a->jobs[i].state, "RUNNING");
    }
    pthread_mutex_unlock(&a->lock);
}
