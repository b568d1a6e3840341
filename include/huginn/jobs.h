/* jobs.h — the job orchestrator's public API: job records, the state machine,
 * the job manager (submit, get, list, cancel, pause, resume, events, stats)
 * and the store interface it persists through.
 *
 * A job holds a stored copy of a plan (JSON text) and moves through
 * QUEUED → RUNNING → COMPLETED | FAILED | CANCELLED, with PAUSED between.
 * The one transition table is hgnJobTransitionAllowed(); every state change
 * goes through it and an invalid one is HGN-0500 InvalidTransition.
 *
 * Thread safety: one HgnJobManager may be used from several threads (an
 * internal mutex guards it); several managers (several processes) may share
 * one store: running is guarded by a lease with heartbeat and expiry. */
#ifndef HUGINN_JOBS_H
#define HUGINN_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- states ------------------------------------------------------------ */

typedef enum HgnJobState {
    HGN_JOB_QUEUED = 0,
    HGN_JOB_RUNNING,
    HGN_JOB_PAUSED,
    HGN_JOB_COMPLETED,
    HGN_JOB_FAILED,
    HGN_JOB_CANCELLED,
    HGN_JOB_STATE_COUNT
} HgnJobState;

/* "QUEUED", "RUNNING", ... ; "UNKNOWN" outside the enum. */
const char *hgnJobStateName(HgnJobState s);
/* Parses a state name (case-insensitive); false when unknown. */
bool hgnJobStateParse(const char *name, HgnJobState *out);
/* COMPLETED, FAILED and CANCELLED are terminal. */
bool hgnJobStateTerminal(HgnJobState s);
/* The one transition table. Allowed:
 *   QUEUED  → RUNNING, PAUSED, CANCELLED
 *   RUNNING → QUEUED (retry / lease lost / forced stop), PAUSED, COMPLETED, FAILED, CANCELLED
 *   PAUSED  → QUEUED (resume), CANCELLED
 * Terminal states go nowhere; X → X is never allowed. */
bool hgnJobTransitionAllowed(HgnJobState from, HgnJobState to);
/* HGN_OK when allowed, else HGN-0500 InvalidTransition naming both states. */
HGN_NODISCARD HgnStatus hgnJobTransitionCheck(HgnJobState from, HgnJobState to);

/* ---- job record -------------------------------------------------------- */

#define HGN_JOB_ID_LEN 36 /* UUIDv7 text, e.g. 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b */

typedef struct HgnJob {
    char id[HGN_JOB_ID_LEN + 1];
    char *owner;      /* user name */
    char *planJson;   /* stored copy of the plan (JSON text); NULL in list results */
    char *planDigest; /* "sha256:<hex>" of planJson */
    char *planPath;   /* the path the plan came from (for relative model paths), may be NULL */
    int32_t priority; /* higher runs first within an owner; 0 default, range -100..100 */
    HgnJobState state;
    int64_t createdMs; /* Unix epoch milliseconds */
    int64_t updatedMs;
    int64_t startedMs;  /* 0 when never started */
    int64_t finishedMs; /* 0 when not terminal */
    int32_t attempts;   /* runs started so far (a run stopped by a pause does not count) */
    int32_t maxAttempts;
    int64_t notBeforeMs; /* a QUEUED job waiting for its retry backoff is not picked before this */
    char *lastError;     /* HGN error JSON of the last failure, or NULL */
    double progress;     /* 0..1 */
    int64_t stepsDone;   /* recorded steps (tokens generated) */
    int64_t stepsTotal;  /* 0 when unknown */
    char *metricsJson;   /* metrics summary JSON object, or NULL */
    char *artefactsPath; /* where results are written, or NULL */
    char *resultText;    /* generated text of a completed job, or NULL */
    char *leaseOwner;    /* manager id holding the lease while RUNNING, or NULL */
    int64_t leaseExpiresMs;
    char *checkpointPath; /* last recorded checkpoint, or NULL */
    int64_t checkpointStep;
    bool cancelRequested; /* a cancel was asked while RUNNING (graceful stop in progress) */
    bool pauseRequested;  /* a pause was asked while RUNNING */
    char *prompt;         /* prompt the job generates from, or NULL */
    int32_t maxTokens;    /* tokens to generate */
    /* schema 3 */
    char *optionsJson;         /* generation options JSON object (temperature, topK, topP, seed, ...), or NULL */
    int64_t memoryBytes;       /* the plan's peak host+device memory estimate (memory quota), 0 when unknown */
    int64_t cancelRequestedMs; /* when a graceful cancel was asked (forced after a timeout), 0 when not */
    char *retriesJson;         /* retries so far by reason: {"DeviceLost":2,...}, or NULL */
} HgnJob;

/* Frees the fields (not the struct itself). */
void hgnJobClear(HgnJob *job);
/* {"id":…,"owner":…,"state":…,…}; planJson included only when withPlan. Caller hgnFree()s; NULL on OOM. */
char *hgnJobToJson(const HgnJob *job, bool withPlan);

typedef struct HgnJobList {
    HgnJob *items;
    size_t count;
} HgnJobList;
void hgnJobListFree(HgnJobList *list);

/* ---- events (progress subscription, for server-sent events) ------------ */

typedef enum HgnJobEventKind {
    HGN_JOB_EVENT_STATE = 0, /* state changed: from → to */
    HGN_JOB_EVENT_PROGRESS,  /* a recorded step: stepsDone / stepsTotal */
    HGN_JOB_EVENT_CHECKPOINT,
    HGN_JOB_EVENT_LOG /* free text (retry scheduled, lease lost, ...) */
} HgnJobEventKind;

typedef struct HgnJobEvent {
    int64_t seq; /* monotonically increasing per store (usable as SSE id / Last-Event-ID) */
    char jobId[HGN_JOB_ID_LEN + 1];
    HgnJobEventKind kind;
    HgnJobState from, to; /* STATE */
    int64_t stepsDone, stepsTotal;
    int64_t timeMs;
    const char *message; /* LOG text, or the error JSON on FAILED; may be NULL; borrowed during the callback */
} HgnJobEvent;

/* Called synchronously from the thread that caused the event; must not call back into the manager. */
typedef void (*HgnJobEventFn)(void *user, const HgnJobEvent *ev);

/* ---- store interface (SQLite; PostgreSQL implements the same vtable) ---- */

typedef struct HgnJobFilter {
    const char *owner;   /* NULL: every owner */
    bool activeOnly;     /* QUEUED, RUNNING, PAUSED only */
    int32_t stateMask;   /* 0: any; else bit (1 << state) */
    size_t limit;        /* 0: no limit */
    const char *afterId; /* pagination: ids sort by creation (UUIDv7) */
} HgnJobFilter;

/* What a compare-and-set write expects of the stored row (HgnJobStoreOps.transition). */
typedef struct HgnJobExpect {
    HgnJobState state;          /* the stored state must still be this */
    const char *leaseOwner;     /* non-NULL: the stored lease owner must be this (a runner's own writes) */
    int64_t leaseExpiredBefore; /* > 0: the stored lease must have expired before this (reaping) */
    bool cancelSeen, pauseSeen; /* false: a stored cancel / pause request fails the write (the writer has not
                                 * seen it, so it must not write over it) */
} HgnJobExpect;

/* The state bits a filter admits, for the stores: 0 = every state; -1 = none (activeOnly with a
 * stateMask of terminal states only, which matches nothing). */
int32_t hgnJobFilterStateMask(const HgnJobFilter *f);

typedef struct HgnJobStore HgnJobStore;
/* An owner's weight in the claim's fair share (config [jobs.shares]). */
typedef struct HgnJobShare {
    const char *owner;
    double weight; /* > 0 */
} HgnJobShare;
#define HGN_JOB_SHARES_MAX       256
#define HGN_JOB_SHARE_WEIGHT_MAX 1e6 /* weights lie in (0, HGN_JOB_SHARE_WEIGHT_MAX] */

/* What a claim may take. Weighted fair share: among owners with a claimable job, the one with the
 * smallest running / weight (RUNNING jobs over its share weight) goes first, ties to the owner served
 * longest ago, then to the owner of the oldest job; within the owner the highest priority, then the
 * oldest id. Over time owners hold running slots in proportion to their weights. */
typedef struct HgnJobClaimPolicy {
    int32_t maxRunningPerOwner; /* <= 0: no limit */
    int64_t maxMemoryPerOwner;  /* <= 0: no memory quota */
    const HgnJobShare *shares;  /* owner weights (an owner listed twice: the last wins) */
    size_t nShares;
    double defaultShare; /* weight of an owner not in shares; <= 0: 1 */
} HgnJobClaimPolicy;

typedef struct HgnJobStoreOps {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(HgnJobStore *s);
    /* Inserts the job and its "submitted" STATE event (from == to == job->state) in one transaction. */
    HgnStatus (*insert)(HgnJobStore *s, const HgnJob *job);
    /* Inserts n jobs (and their "submitted" events) in one transaction: one commit / fsync for the
     * batch (group commit). All or nothing. seqs: NULL, or n slots that receive the seq of each
     * job's "submitted" event (valid only when the call succeeds). */
    HgnStatus (*insertBatch)(HgnJobStore *s, const HgnJob *const *jobs, size_t n, int64_t *seqs);
    HgnStatus (*get)(HgnJobStore *s, const char *id, HgnJob *out); /* HGN-0006 when absent */
    HgnStatus (*list)(HgnJobStore *s, const HgnJobFilter *f, HgnJobList *out);
    /* Writes every mutable field of job iff the stored state is still expectFrom (compare-and-set);
     * HGN-0500 when it moved meanwhile. */
    HgnStatus (*update)(HgnJobStore *s, const HgnJob *job, HgnJobState expectFrom);
    /* Atomically picks the next QUEUED job by weighted fair share (HgnJobClaimPolicy) and leases it to
     * leaseOwner: *found false when none is runnable. An owner at maxRunningPerOwner RUNNING jobs is
     * skipped; with maxMemoryPerOwner > 0 a job is claimable only while the memoryBytes of its owner's
     * RUNNING jobs plus its own stay within it (memory quota). */
    HgnStatus (*claim)(HgnJobStore *s, const char *leaseOwner, int64_t nowMs, int64_t leaseMs,
                       const HgnJobClaimPolicy *policy, HgnJob *out, bool *found);
    /* Extends the lease; HGN-0500 when this owner no longer holds it. */
    HgnStatus (*heartbeat)(HgnJobStore *s, const char *id, const char *leaseOwner, int64_t untilMs);
    /* RUNNING jobs whose lease expired before nowMs go back to QUEUED; *count how many. */
    HgnStatus (*reapExpired)(HgnJobStore *s, int64_t nowMs, size_t *count);
    HgnStatus (*countByState)(HgnJobStore *s, const char *owner, int64_t counts[HGN_JOB_STATE_COUNT]);
    HgnStatus (*appendEvent)(HgnJobStore *s, HgnJobEvent *ev); /* sets ev->seq */
    /* Events with seq > afterSeq for jobId (NULL: every job), oldest first, at most max. */
    HgnStatus (*events)(HgnJobStore *s, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                        size_t *count);
    /* Jobs in one state (owner NULL: every owner); an index range count, used by the quotas. */
    HgnStatus (*countInState)(HgnJobStore *s, HgnJobState state, const char *owner, int64_t *count);
    /* Schema version after migration. */
    int32_t (*schemaVersion)(HgnJobStore *s);
    /* Optional (NULL: the manager falls back to update + appendEvent, not atomic). Writes the mutable
     * fields of job (state, times, attempts, progress, results, lease, checkpoint, stop requests,
     * retries; never the plan, owner or prompt) and appends ev (may be NULL; sets ev->seq) in one
     * transaction iff the stored row meets expect; HGN-0500 "... as expected" otherwise. When job
     * stays RUNNING the stored lease expiry only grows (a stop request never shortens a lease that
     * the runner renewed meanwhile). */
    HgnStatus (*transition)(HgnJobStore *s, const HgnJob *job, const HgnJobExpect *expect, HgnJobEvent *ev);
    /* Optional (NULL: get). The stop requests of a job and whether leaseOwner still holds its lease
     * (RUNNING under that owner): one narrow read, for a runner's polling. */
    HgnStatus (*stopRequests)(HgnJobStore *s, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                              bool *leaseHeld);
} HgnJobStoreOps;
struct HgnJobStore {
    const HgnJobStoreOps *ops;
};
/* Frees events returned by ops->events (their messages included). */
void hgnJobEventsFree(HgnJobEvent *ev, size_t count);

/* Opens (creating, migrating) the SQLite store at path (":memory:" for tests) with
 * synchronous=FULL: every acknowledged commit survives power loss (docs/operations.md). */
HGN_NODISCARD HgnStatus hgnJobStoreOpenSqlite(const char *path, HgnJobStore **out);
/* The same with a durability choice: HGN_JOB_DURABILITY_NORMAL (synchronous=NORMAL in WAL)
 * survives a process crash but may lose the last commits on power loss; ~3x faster writes. */
typedef enum HgnJobDurability { HGN_JOB_DURABILITY_FULL = 0, HGN_JOB_DURABILITY_NORMAL } HgnJobDurability;
HGN_NODISCARD HgnStatus hgnJobStoreOpenSqliteWith(const char *path, HgnJobDurability durability, HgnJobStore **out);
/* Opens (creating the tables, migrating under an advisory lock) the PostgreSQL store that conninfo
 * names: libpq key=value pairs or a postgresql:// URI (docs/operations.md "PostgreSQL store").
 * HGN-0001 InvalidConfig at store.dsn when conninfo is empty or malformed; HGN-0502 StoreError when
 * the server cannot be reached or refuses. Messages name host, port and dbname, never conninfo (it may
 * hold a password). A broken connection is reset once per call before HGN-0502 is reported. */
HGN_NODISCARD HgnStatus hgnJobStoreOpenPostgres(const char *conninfo, HgnJobStore **out);
/* $XDG_STATE_HOME/huginn/jobs.db (or ~/.local/state/huginn/jobs.db), creating the folder: the SQLite
 * store's default path. Caller hgnFree()s; NULL on OOM. */
char *hgnJobStoreDefaultPath(void);
void hgnJobStoreClose(HgnJobStore *s);
/* Schema version of the open store (after migration). */
int32_t hgnJobStoreSchemaVersion(HgnJobStore *s);

/* ---- manager ----------------------------------------------------------- */

/* A per-reason retry limit: runs that failed with `code` are retried at most `limit` times. */
typedef struct HgnJobRetryLimit {
    HgnCode code;
    int32_t limit;
} HgnJobRetryLimit;
#define HGN_JOB_RETRY_LIMITS_MAX 16

struct HgnGenerateOptions; /* huginn/runtime.h */
struct HgnConfig;          /* huginn/config.h */

typedef struct HgnJobManagerConfig {
    const char *storePath;      /* NULL: $XDG_STATE_HOME/huginn/jobs.db (or ~/.local/state/huginn/jobs.db) */
    HgnJobStore *store;         /* optional: use this store (borrowed) instead of opening storePath */
    bool adoptStore;            /* with store: the manager owns it and closes it (also when open fails) */
    const char *managerId;      /* lease owner name; NULL: host:pid:random */
    int32_t maxQueuedPerOwner;  /* 0: 1000 */
    int32_t maxRunningPerOwner; /* 0: 4 */
    int32_t maxQueuedTotal;     /* 0: 100000 */
    int64_t maxMemoryPerOwner;  /* memory quota: bytes of memoryBytes an owner's RUNNING jobs may hold; 0: none */
    int32_t maxAttempts;        /* default per job; 0: 3 */
    int64_t leaseMs;            /* 0: 30000 */
    int64_t backoffBaseMs;      /* 0: 500 */
    int64_t backoffCapMs;       /* 0: 60000 */
    /* Deterministic randomness for tests (jitter and id bits); NULL: OpenSSL RAND_bytes. */
    uint64_t (*random)(void *user);
    void *randomUser;
    /* Clock for tests; NULL: real wall clock in ms. */
    int64_t (*now)(void *user);
    void *nowUser;
    HgnJobDurability durability; /* for the store the manager opens; default FULL */
    /* Group commit: most concurrent submissions one store transaction (one fsync) holds; 0: 256;
     * 1: every submission commits alone. Durability is the same either way. */
    int32_t submitBatchMax;
    /* Per-job artefacts folders (<root>/<id>: outputs, metrics, checkpoint.zst). NULL: "artifacts"
     * next to a file store; none (no checkpoints) for ":memory:" or a borrowed store. */
    const char *artifactsRoot;
    int32_t checkpointEvery; /* tokens between runtime checkpoints; 0: 16 */
    bool ignoreEos;          /* generate maxTokens tokens (tests, benches) */
    /* A RUNNING job asked to cancel that has not stopped this long after the request is moved to
     * CANCELLED by hgnJobRecover (its lease cleared: the stuck runner's later writes fail). 0: 30000. */
    int64_t cancelTimeoutMs;
    /* Per-reason retry limits over the defaults (hgnJobRetryLimitFor); only transient codes count. */
    HgnJobRetryLimit retryLimits[HGN_JOB_RETRY_LIMITS_MAX];
    size_t nRetryLimits;
    /* Weighted fair share ([jobs.shares], jobs.defaultShare): owner names are borrowed until
     * hgnJobManagerOpen, which copies them. defaultShare 0: 1. */
    HgnJobShare shares[HGN_JOB_SHARES_MAX];
    size_t nShares;
    double defaultShare;
    /* Test hook (NULL: none): called in the runner before each run's generation; it may set the
     * runtime's fault injection in *go, block (a stuck runner), or return an error that fails the run
     * as if the runtime had returned it (the engine frees it). */
    HgnStatus (*beforeRun)(void *user, const HgnJob *job, struct HgnGenerateOptions *go);
    void *beforeRunUser;
} HgnJobManagerConfig;
void hgnJobManagerConfigInit(HgnJobManagerConfig *cfg);
/* Fills cfg from the [jobs] section of a loaded configuration (quotas, shares, lease, cancel
 * timeout, checkpoint interval, [jobs.retry] attempts, backoff and per-reason limits) and from
 * store.groupCommit; fields the
 * configuration lacks keep their value. Values the schema cannot check (backoffCapMs below
 * backoffBaseMs) are HGN-0001 InvalidConfig naming the key. */
HGN_NODISCARD HgnStatus hgnJobManagerConfigFromConfig(const struct HgnConfig *config, HgnJobManagerConfig *cfg);

typedef struct HgnJobManager HgnJobManager;

HGN_NODISCARD HgnStatus hgnJobManagerOpen(const HgnJobManagerConfig *cfg, HgnJobManager **out);
void hgnJobManagerClose(HgnJobManager *m);
HgnJobStore *hgnJobManagerStore(HgnJobManager *m); /* borrowed */
const char *hgnJobManagerId(const HgnJobManager *m);

/* ---- opening the configured store ---------------------------------------- */

typedef struct HgnConfig HgnConfig; /* huginn/config.h */

/* Opens the job store the configuration's [store] section names (cfg NULL: the defaults), as the CLI
 * and huginnd both do: backend "sqlite" opens store.path (empty: hgnJobStoreDefaultPath()) with
 * durability; backend "postgres" connects to store.dsn. *artifactsRoot (when artifactsRoot is not NULL)
 * receives the per-job artefacts root, or NULL for none: store.artifactsRoot when set, else "artifacts"
 * next to the SQLite file (none for ":memory:"), else runtime.artifactsDir with postgres; caller
 * hgnFree()s. HGN-0001 InvalidConfig naming store.backend (unknown backend, with the allowed values) or
 * store.dsn (postgres without one). */
HGN_NODISCARD HgnStatus hgnJobStoreOpenFromConfig(const HgnConfig *cfg, HgnJobDurability durability, HgnJobStore **out,
                                                  char **artifactsRoot);
/* hgnJobManagerOpen on the configured store (the manager owns it) and its artefacts root; base gives
 * every other setting (NULL: defaults; its storePath, store and artifactsRoot are ignored). */
HGN_NODISCARD HgnStatus hgnJobManagerOpenFromConfig(const HgnConfig *cfg, const HgnJobManagerConfig *base,
                                                    HgnJobManager **out);

typedef struct HgnJobSubmit {
    const char *owner;       /* required */
    const char *planJson;    /* plan as JSON text, or NULL with planPath */
    const char *planPath;    /* read when planJson is NULL; kept to resolve relative model paths */
    int32_t priority;        /* -100..100 */
    int32_t maxAttempts;     /* 0: manager default */
    const char *prompt;      /* the prompt to generate from; NULL: "" */
    int32_t maxTokens;       /* 0: 16 */
    const char *optionsJson; /* generation options (jobOptions.h), or NULL: `huginn execute`'s defaults */
} HgnJobSubmit;

/* Validates the plan JSON (parse; HGN-0600/0002 on bad input), enforces quotas
 * (HGN-0501 QueueFull when the owner or the queue is at its limit; HGN-0003
 * OverBudget when the plan's peak memory alone exceeds maxMemoryPerOwner),
 * stores the job QUEUED and writes its id (HGN_JOB_ID_LEN + 1 bytes) into idOut.
 * job.memoryBytes is the sum over devices of the plan's assertions.peakBytes. */
HGN_NODISCARD HgnStatus hgnJobSubmit(HgnJobManager *m, const HgnJobSubmit *req, char idOut[HGN_JOB_ID_LEN + 1]);

/* Reads a job. asUser NULL: no visibility check (admin / local); otherwise a job of
 * another owner is HGN-0006 JobNotFound (not revealed). Caller hgnJobClear()s out. */
HGN_NODISCARD HgnStatus hgnJobGet(HgnJobManager *m, const char *id, const char *asUser, HgnJob *out);
HGN_NODISCARD HgnStatus hgnJobList(HgnJobManager *m, const HgnJobFilter *f, HgnJobList *out);

/* State changes through the table. asUser as in hgnJobGet (another owner's job: HGN-0006).
 * Cancel of a RUNNING job records the request (cancelRequested, cancelRequestedMs); the
 * runner stops after its current token (at once when it runs in this manager, else
 * within ~50 ms of polling) and the job becomes CANCELLED. A cancel that returned HGN_OK
 * always ends CANCELLED: a runner that completes, fails or retries meanwhile loses the
 * compare-and-set and cancels instead. A runner that does not stop within cancelTimeoutMs
 * (stuck, or dead with its lease not yet expired) is forced by hgnJobRecover. Pause of
 * RUNNING likewise stops after the current token, writes a checkpoint there and the job
 * becomes PAUSED; resume makes it QUEUED and its next run continues from the checkpoint. */
HGN_NODISCARD HgnStatus hgnJobCancel(HgnJobManager *m, const char *id, const char *asUser);
HGN_NODISCARD HgnStatus hgnJobPause(HgnJobManager *m, const char *id, const char *asUser);
HGN_NODISCARD HgnStatus hgnJobResume(HgnJobManager *m, const char *id, const char *asUser);

/* Subscription: fn is called for every event this manager records (in-process). Returns a
 * handle > 0 for unsubscribe. Across processes poll hgnJobEventsSince(). */
int64_t hgnJobSubscribe(HgnJobManager *m, HgnJobEventFn fn, void *user);
void hgnJobUnsubscribe(HgnJobManager *m, int64_t handle);
/* Polling: stored events with seq > afterSeq (jobId NULL: all). Free with hgnJobEventsFree. */
HGN_NODISCARD HgnStatus hgnJobEventsSince(HgnJobManager *m, const char *jobId, int64_t afterSeq, size_t max,
                                          HgnJobEvent **out, size_t *count);

/* Runs at most one queued job to its end (claim by fair share, lease, execute
 * through the local runtime with retries). *ran false when nothing was runnable. */
HGN_NODISCARD HgnStatus hgnJobRunNext(HgnJobManager *m, bool *ran);
/* The reaper (huginnd calls it periodically; hgnJobRunNext before each claim): RUNNING jobs
 * asked to cancel more than cancelTimeoutMs ago, or whose lease expired, become CANCELLED
 * (forced cancel, lease cleared); other RUNNING jobs whose lease expired go back to QUEUED
 * (PAUSED when a pause was asked). *recovered: how many jobs it moved. */
HGN_NODISCARD HgnStatus hgnJobRecover(HgnJobManager *m, size_t *recovered);

/* A histogram snapshot in seconds (Prometheus semantics): buckets[i] counts the observations <= bounds[i]
 * (cumulative); count includes those above the last bound. */
#define HGN_JOB_HIST_MAX_BUCKETS 16
typedef struct HgnJobHistogram {
    size_t nBuckets;
    double bounds[HGN_JOB_HIST_MAX_BUCKETS];
    uint64_t buckets[HGN_JOB_HIST_MAX_BUCKETS];
    uint64_t count;
    double sumSeconds;
} HgnJobHistogram;

typedef enum HgnJobHistogramKind {
    HGN_JOB_HIST_STEP = 0,      /* time between a running job's recorded steps (the first: from the run's start) */
    HGN_JOB_HIST_STEP_OVERHEAD, /* the engine's own work per step event (lease, progress, trace, subscribers) */
    HGN_JOB_HIST_DURATION       /* a job's last run: startedMs → finishedMs */
} HgnJobHistogramKind;
/* The bucket bounds (seconds, increasing) of a kind; returns their number. */
size_t hgnJobHistogramBounds(HgnJobHistogramKind kind, const double **bounds);

/* A labelled count (label "" marks an unused slot). */
#define HGN_JOB_MAX_LABELS 16
typedef struct HgnJobLabelCount {
    char label[32];
    int64_t value;
} HgnJobLabelCount;

/* Whether a job's plan runs quantised weights (its header's model.weights): the
 * `quantized` label of huginn_job_duration_seconds. */
typedef enum HgnJobQuantized {
    HGN_JOB_QUANT_FALSE = 0,
    HGN_JOB_QUANT_TRUE,
    HGN_JOB_QUANT_UNKNOWN,
    HGN_JOB_QUANT_COUNT
} HgnJobQuantized;
const char *hgnJobQuantizedName(HgnJobQuantized q); /* "false", "true", "unknown" */

typedef struct HgnJobStats {
    int64_t byState[HGN_JOB_STATE_COUNT]; /* jobs per state in the store */
    int64_t queueDepth;                   /* == byState[QUEUED] */
    int64_t running;                      /* == byState[RUNNING] */
    /* transitions[from][to] made by this manager since open (counters for metrics) */
    int64_t transitions[HGN_JOB_STATE_COUNT][HGN_JOB_STATE_COUNT];
    int64_t submitted, retries, stepsRecorded;
    /* Observed by this manager since open (docs/operations.md "Metrics" says what feeds each). */
    HgnJobHistogram stepSeconds;         /* count == stepsRecorded */
    HgnJobHistogram stepOverheadSeconds; /* count == stepsRecorded */
    /* jobs that reached a terminal state after running: [final state][HgnJobQuantized] */
    HgnJobHistogram durationSeconds[HGN_JOB_STATE_COUNT][HGN_JOB_QUANT_COUNT];
    HgnJobLabelCount retriesByReason[HGN_JOB_MAX_LABELS];    /* error code name ("IoError") → retries scheduled */
    HgnJobLabelCount planNodesByBackend[HGN_JOB_MAX_LABELS]; /* backend ("cpu") → plan nodes of the runs started */
    int64_t bytesDeviceToDevice; /* the runtime's bytesTransferred (activations between devices, moved weights) */
    int64_t checkpointResumes;   /* runs that resumed from their checkpoint.zst (cache hits, type "checkpoint") */
} HgnJobStats;
HGN_NODISCARD HgnStatus hgnJobStatsGet(HgnJobManager *m, HgnJobStats *out);

/* ---- retry policy (exposed for tests) ---------------------------------- */

/* Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))], attempt >= 1,
 * with r a uniform 64-bit random number. */
int64_t hgnJobBackoffMs(int64_t baseMs, int64_t capMs, int32_t attempt, uint64_t r);
/* Whether an error code is transient (worth retrying): DeviceLost, ExecutionFailed, IoError,
 * OutOfMemory, StoreError; bad input (schema, format, argument codes) is permanent. */
bool hgnJobCodeRetryable(HgnCode code);
/* Retries allowed for failures with code: 0 for permanent codes; else the configured limit
 * (cfg->retryLimits; cfg may be NULL) or the default: DeviceLost 5, OutOfMemory 1,
 * ExecutionFailed 3, IoError 3, StoreError 5, DeviceQueryFailed 3, DriverUnavailable 1. */
int32_t hgnJobRetryLimitFor(const HgnJobManagerConfig *cfg, HgnCode code);
/* Retries so far for code in a retriesJson object ({"DeviceLost":2}); 0 when absent or malformed. */
int32_t hgnJobRetriesFor(const char *retriesJson, HgnCode code);
/* Whether a run of job that failed with code is retried: transient, attempts < maxAttempts and
 * the reason's retries below its limit. */
bool hgnJobRetryAllowed(const HgnJobManagerConfig *cfg, const HgnJob *job, HgnCode code);

#ifdef __cplusplus
}
#endif
#endif
