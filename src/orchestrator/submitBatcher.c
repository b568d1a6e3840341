/* submitBatcher.c — group commit of job submissions (submitBatcher.h).
 *
 * Each submitter puts a Pending record (on its own stack) at the tail of a FIFO
 * queue and waits on its own condition variable. When no leader is active, a
 * waiter becomes the leader: it takes up to maxBatch records from the head,
 * drops the lock, counts the queued jobs once for the batch (total, and per
 * owner seen in it), admits the records in order while the limits hold (each
 * admitted job counts against the next ones), commits the admitted jobs with
 * one insertBatch (one transaction, one WAL fsync under synchronous=FULL),
 * and wakes every record of the batch with its own status. While it commits,
 * new submitters queue up behind it: the slower the disk, the larger the next
 * batch. Only one leader runs at a time, so count-then-insert is atomic with
 * respect to every other submission through this manager: the quotas stay
 * exact. A submitter returns only after its job's transaction committed. */
#include "orchestrator/submitBatcher.h"

#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "orchestrator/jobManagerInt.h"

typedef struct Pending {
    const HgnJob *job;
    HgnStatus st;
    int64_t seq;
    bool done;
    pthread_cond_t cv;
    struct Pending *next;
} Pending;

typedef struct OwnerCount {
    const char *owner; /* borrowed from a job of the batch */
    int64_t queued;    /* QUEUED in the store plus admitted earlier in this batch */
} OwnerCount;

struct SubmitBatcher {
    HgnJobManager *m;
    size_t maxBatch;
    pthread_mutex_t mu;
    Pending *head, *tail; /* FIFO of records no leader has taken yet */
    size_t waiting;
    bool leading; /* a leader is committing */
    SubmitBatcherStats stats;
    /* the leader's scratch, maxBatch slots each (only the one leader touches them) */
    Pending **batch;
    Pending **admitted;
    const HgnJob **jobs;
    int64_t *seqs;
    OwnerCount *owners;
};

HgnStatus submitBatcherCreate(HgnJobManager *m, int32_t maxBatch, SubmitBatcher **out) {
    *out = NULL;
    SubmitBatcher *b = hgnCalloc(1, sizeof *b);
    if (!b) return hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "submission batcher");
    b->m = m;
    b->maxBatch = maxBatch > 0 ? (size_t)maxBatch : 1;
    pthread_mutex_init(&b->mu, NULL);
    b->batch = hgnCalloc(b->maxBatch, sizeof *b->batch);
    b->admitted = hgnCalloc(b->maxBatch, sizeof *b->admitted);
    b->jobs = hgnCalloc(b->maxBatch, sizeof *b->jobs);
    b->seqs = hgnCalloc(b->maxBatch, sizeof *b->seqs);
    b->owners = hgnCalloc(b->maxBatch, sizeof *b->owners);
    if (!b->batch || !b->admitted || !b->jobs || !b->seqs || !b->owners) {
        submitBatcherFree(b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "submission batcher");
    }
    *out = b;
    return HGN_OK;
}

void submitBatcherFree(SubmitBatcher *b) {
    if (!b) return;
    pthread_mutex_destroy(&b->mu);
    hgnFree(b->batch);
    hgnFree(b->admitted);
    hgnFree((void *)b->jobs);
    hgnFree(b->seqs);
    hgnFree(b->owners);
    hgnFree(b);
}

/* A status of the same code, place, hint and message as st (for every job a shared failure hits). */
static HgnStatus copyStatus(HgnStatus st) {
    HgnStatus c = hgnStatusNew(hgnStatusCode(st), hgnStatusWhere(st), hgnStatusHint(st), "%s", hgnStatusMessage(st));
    return c ? c : hgnStatusNew(HGN_CODE_OutOfMemory, "submit", NULL, "copying a store error");
}

static OwnerCount *ownerSlot(SubmitBatcher *b, size_t nOwners, const char *owner) {
    for (size_t i = 0; i < nOwners; i++)
        if (strcmp(b->owners[i].owner, owner) == 0) return &b->owners[i];
    return NULL;
}

/* Quotas, then one transaction for the admitted jobs (one at a time if it fails). No lock held. */
static void commitBatch(SubmitBatcher *b, size_t n, int64_t *commits, int64_t *refused, bool *fellBack) {
    HgnJobManager *m = b->m;
    HgnJobStore *s = m->store;
    int64_t all = 0;
    HgnStatus shared = s->ops->countInState(s, HGN_JOB_QUEUED, NULL, &all);
    size_t nOwners = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        Pending *p = b->batch[i];
        if (shared) {
            p->st = copyStatus(shared);
            continue;
        }
        OwnerCount *o = ownerSlot(b, nOwners, p->job->owner);
        if (!o) {
            int64_t mine = 0;
            HgnStatus e = s->ops->countInState(s, HGN_JOB_QUEUED, p->job->owner, &mine);
            if (e) {
                p->st = e;
                continue;
            }
            o = &b->owners[nOwners++];
            *o = (OwnerCount){p->job->owner, mine};
        }
        if (o->queued >= m->cfg.maxQueuedPerOwner) {
            p->st = hgnStatusNew(HGN_CODE_QueueFull, "owner", "wait for some of your jobs to finish, or cancel some",
                                 "`%s` already has %lld queued jobs (limit %d)", p->job->owner, (long long)o->queued,
                                 (int)m->cfg.maxQueuedPerOwner);
            (*refused)++;
        } else if (all >= m->cfg.maxQueuedTotal) {
            p->st = hgnStatusNew(HGN_CODE_QueueFull, NULL, "retry later", "the queue holds %lld jobs (limit %d)",
                                 (long long)all, (int)m->cfg.maxQueuedTotal);
            (*refused)++;
        } else {
            o->queued++;
            all++;
            b->jobs[k] = p->job;
            b->admitted[k++] = p;
        }
    }
    hgnStatusFree(shared);
    if (!k) return;
    HgnStatus e = s->ops->insertBatch(s, b->jobs, k, b->seqs);
    (*commits)++;
    if (!e) {
        for (size_t j = 0; j < k; j++) b->admitted[j]->seq = b->seqs[j];
        return;
    }
    if (k == 1) {
        b->admitted[0]->st = e;
        return;
    }
    /* All or nothing failed: find the job(s) at fault by storing each alone. */
    hgnStatusFree(e);
    *fellBack = true;
    for (size_t j = 0; j < k; j++) {
        b->admitted[j]->st = s->ops->insertBatch(s, &b->jobs[j], 1, &b->admitted[j]->seq);
        (*commits)++;
    }
}

/* Leads one batch: takes records from the head, commits them unlocked, wakes them. Holds b->mu
 * on entry and on return. */
static void lead(SubmitBatcher *b) {
    b->leading = true;
    size_t n = 0;
    while (b->head && n < b->maxBatch) {
        Pending *p = b->head;
        b->head = p->next;
        p->next = NULL;
        b->batch[n++] = p;
    }
    if (!b->head) b->tail = NULL;
    b->waiting -= n;
    pthread_mutex_unlock(&b->mu);
    int64_t commits = 0, refused = 0;
    bool fellBack = false;
    commitBatch(b, n, &commits, &refused, &fellBack);
    pthread_mutex_lock(&b->mu);
    int64_t stored = 0;
    for (size_t i = 0; i < n; i++) {
        Pending *p = b->batch[i];
        if (!p->st) stored++;
        p->done = true;
        pthread_cond_signal(&p->cv);
    }
    b->stats.commits += commits;
    b->stats.jobs += stored;
    if ((int64_t)n > b->stats.largest) b->stats.largest = (int64_t)n;
    b->stats.fallbacks += fellBack;
    b->stats.quotaFull += refused;
    b->leading = false;
    /* hand over: the oldest waiter leads the next batch */
    if (b->head) pthread_cond_signal(&b->head->cv);
}

HgnStatus submitBatcherSubmit(SubmitBatcher *b, const HgnJob *job, int64_t *seq) {
    *seq = 0;
    Pending p = {.job = job};
    pthread_cond_init(&p.cv, NULL);
    pthread_mutex_lock(&b->mu);
    /* p lives on this stack until done: the leader unlinks it before it sets done */
    if (b->tail)
        b->tail->next = &p;
    else
        b->head = &p; /* cppcheck-suppress autoVariables */
    b->tail = &p;     /* cppcheck-suppress autoVariables */
    b->waiting++;
    while (!p.done) {
        if (!b->leading)
            lead(b); /* p may be beyond maxBatch: then it is still queued and we loop */
        else
            pthread_cond_wait(&p.cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&p.cv);
    *seq = p.seq;
    return p.st;
}

size_t submitBatcherWaiting(SubmitBatcher *b) {
    pthread_mutex_lock(&b->mu);
    size_t n = b->waiting;
    pthread_mutex_unlock(&b->mu);
    return n;
}

void submitBatcherStatsGet(SubmitBatcher *b, SubmitBatcherStats *out) {
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->mu);
}
