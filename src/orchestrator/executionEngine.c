/* executionEngine.c — drives a leased job's plan through the local runtime
 * (hgnRuntimeOpenPlan + hgnGenerate) in recorded steps (one per generated
 * token, from the runtime's stop hook), keeps the lease alive by heartbeat,
 * stops mid-generation on cancel/pause (flagged at once by this manager, or
 * polled from the store every EXEC_STOP_POLL_MS), and retries transient
 * failures with full-jitter exponential backoff up to the job's maximum
 * attempts and each reason's retry limit (jobRetry.c). Permanent errors (bad
 * plan, bad input) fail the job at once. Checkpoints: the runtime writes
 * checkpoint.zst into the job's artefacts folder every checkpointEvery tokens
 * and at a stop; the engine records each one it sees (at heartbeat times and
 * at the end), and a job that starts again (resume after pause, retry, or
 * recovery after a crash: lease expiry) continues from that checkpoint. The
 * end of a run is one compare-and-set against the lease and the stop
 * requests it has seen: a cancel that lands meanwhile wins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/plan.h"
#include "huginn/runtime.h"
#include "orchestrator/jobManagerInt.h"
#include "orchestrator/jobOptions.h"
#include "orchestrator/jobTrace.h"

typedef ExecStep RunCtx;

static HgnStatus mkdirs(const char *path) {
    char *p = hgnStrdup(path);
    if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "artefacts folder");
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == 0) {
            char c = *q;
            *q = 0;
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                HgnStatus e = hgnStatusNew(HGN_CODE_IoError, p, "check permissions on the store folder",
                                           "cannot create the artefacts folder: %s", strerror(errno));
                hgnFree(p);
                return e;
            }
            *q = c;
            if (!c) break;
        }
    }
    hgnFree(p);
    return HGN_OK;
}

/* Records a new checkpoint.zst (by mtime), taken after `step` tokens, as a CHECKPOINT event. */
static void noteCheckpointAt(ExecStep *c, int64_t step) {
    HgnJob *j = c->job;
    if (!j->artefactsPath) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.zst", j->artefactsPath);
    struct stat sb;
    if (stat(path, &sb) != 0) return;
    int64_t ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (ns == c->checkpointMtimeNs) return;
    c->checkpointMtimeNs = ns;
    char *dup = hgnStrdup(path);
    if (!dup) return;
    hgnFree(j->checkpointPath);
    j->checkpointPath = dup;
    j->checkpointStep = step;
    HgnJobEvent ev = {
        .kind = HGN_JOB_EVENT_CHECKPOINT, .stepsDone = j->stepsDone, .stepsTotal = j->stepsTotal, .message = path};
    memcpy(ev.jobId, j->id, sizeof ev.jobId);
    managerEmit(c->m, &ev);
    jobMetricsCheckpoint(c, path);
}

/* While running: the runtime writes a checkpoint at every multiple of checkpointEvery tokens but
 * the last (the stop hook is asked after it). */
static void noteCheckpoint(ExecStep *c) {
    int64_t n = c->job->stepsDone, every = c->m->cfg.checkpointEvery;
    if (n >= c->job->stepsTotal && n > 0) n--; /* the last token: no checkpoint there */
    noteCheckpointAt(c, every > 0 ? n - n % every : n);
}

static int64_t monotonicMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool executionStopWanted(ExecStep *c) {
    if (c->leaseLost) return true;
    if (atomic_load(&c->stopFlags)) return true;
    int64_t now = monotonicMs();
    if (now - c->lastPollMs < EXEC_STOP_POLL_MS) return false;
    c->lastPollMs = now;
    bool cancel = false, pause = false, held = true;
    HgnStatus e = managerStopRequests(c->m, c->job->id, c->m->id, &cancel, &pause, &held);
    if (e) { /* a busy store: ask again at the next poll; the lease decides the rest */
        hgnStatusFree(e);
        return false;
    }
    if (!held) c->leaseLost = true;
    if (cancel) c->job->cancelRequested = true;
    if (pause) c->job->pauseRequested = true;
    return !held || cancel || pause;
}

/* The runtime's stop hook: once per produced token (and between prefill chunks). */
static bool shouldStop(void *p) {
    ExecStep *c = p;
    if (c->rt && c->promptTokens >= 0) {
        /* the produced tokens from the position (the newest one is not in the cache yet): exact
         * after a resume and across device-loss replays */
        int64_t produced = hgnRuntimePosition(c->rt) - c->promptTokens + 1;
        if (produced > 0) {
            c->job->stepsDone = produced - 1; /* executionRecordStep counts this one */
            executionRecordStep(c);
        }
    } else {
        executionRecordStep(c);
    }
    return executionStopWanted(c);
}

/* Tokens of the prompt as the runtime encodes it (to count produced tokens); -1 when unknown. */
static int64_t promptTokenCount(const HgnRuntime *rt, const char *prompt) {
    int32_t *ids = NULL;
    size_t n = 0;
    HgnStatus e = hgnTokenizerEncode(hgnRuntimeTokenizer(rt), prompt, strlen(prompt), HGN_ENCODE_ADD_SPECIAL, &ids, &n);
    hgnFree(ids);
    if (e) {
        hgnStatusFree(e);
        return -1;
    }
    return (int64_t)n;
}

void executionRecordStep(ExecStep *c) {
    if (c->leaseLost) return;
    jobMetricsStepBegin(c);
    HgnJob *j = c->job;
    j->stepsDone++;
    j->progress = j->stepsTotal > 0 ? (double)j->stepsDone / (double)j->stepsTotal : 0;
    if (j->progress > 1) j->progress = 1;
    int64_t now = managerNow(c->m);
    bool persist = false;
    if (now - c->lastBeatMs >= c->m->cfg.leaseMs / 3) {
        persist = true;
        HgnStatus e = c->m->store->ops->heartbeat(c->m->store, j->id, c->m->id, now + c->m->cfg.leaseMs);
        if (e) {
            c->leaseLost = true;
            hgnStatusFree(e);
            return;
        }
        c->lastBeatMs = now;
        noteCheckpoint(c);
    }
    if (c->trace) jobTraceStep(c->trace);
    pthread_mutex_lock(&c->m->mu);
    c->m->counters.stepsRecorded++;
    pthread_mutex_unlock(&c->m->mu);
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_PROGRESS, .stepsDone = j->stepsDone, .stepsTotal = j->stepsTotal};
    memcpy(ev.jobId, j->id, sizeof ev.jobId);
    managerEmitEx(c->m, &ev, persist);
    jobMetricsStepEnd(c);
}

static HgnStatus runOnce(RunCtx *c, char **resultText) {
    HgnJob *j = c->job;
    *resultText = NULL;
    HgnPlan *plan = NULL;
    HgnRuntime *rt = NULL;
    HgnStatus e = hgnPlanReadJson(j->planJson, strlen(j->planJson), j->planPath ? j->planPath : j->id, &plan);
    HgnRuntimeOptions ro;
    hgnRuntimeOptionsInit(&ro);
    if (!e) e = hgnRuntimeOpenPlan(plan, j->planPath, &ro, &rt);
    bool resume = false;
    if (!e && j->artefactsPath) {
        e = mkdirs(j->artefactsPath);
        char ck[4096];
        snprintf(ck, sizeof ck, "%s/checkpoint.zst", j->artefactsPath);
        struct stat sb;
        resume = !e && stat(ck, &sb) == 0;
        if (resume) c->checkpointMtimeNs = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    }
    if (!e && c->trace) jobTraceBegin(c->trace, j->artefactsPath, j->id, plan);
    if (!e) jobMetricsRunStart(c, plan);
    if (!e) {
        HgnGenerateOptions go;
        hgnGenerateOptionsInit(&go);
        go.maxTokens = j->maxTokens > 0 ? j->maxTokens : 16;
        go.ignoreEos = c->m->cfg.ignoreEos;
        HgnJobOptions jo; /* sampling, stop strings, ignoreEos of the job (checked at submit) */
        e = hgnJobOptionsParse(j->optionsJson, &jo);
        hgnJobOptionsApply(&jo, &go);
        if (j->artefactsPath) {
            go.artifactsDir = j->artefactsPath;
            go.checkpointEvery = c->m->cfg.checkpointEvery;
            if (resume) go.resumeDir = j->artefactsPath;
        }
        go.shouldStop = shouldStop;
        go.shouldStopCtx = c;
        j->stepsDone = 0;
        j->stepsTotal = go.maxTokens;
        HgnGenerateResult r;
        memset(&r, 0, sizeof r);
        const char *prompt = j->prompt && *j->prompt ? j->prompt : "Hello";
        c->rt = rt;
        c->promptTokens = promptTokenCount(rt, prompt);
        if (!e && c->m->cfg.beforeRun) e = c->m->cfg.beforeRun(c->m->cfg.beforeRunUser, j, &go);
        if (!e) e = hgnGenerate(rt, prompt, strlen(prompt), &go, &r);
        hgnJobOptionsClear(&jo);
        jobMetricsRunEnd(c, rt, &r, plan, e);
        c->rt = NULL;
        c->stopped = !e && r.stopReason && strcmp(r.stopReason, "stopped") == 0;
        if (!e) {
            j->stepsDone = (int64_t)r.nTokens;
            if (c->stopped)
                noteCheckpointAt(c, j->stepsDone); /* written at the stop */
            else
                noteCheckpoint(c);
        }
        if (!e && c->stopped) {
            j->progress = j->stepsTotal > 0 ? (double)j->stepsDone / (double)j->stepsTotal : 0;
        } else if (!e) {
            *resultText = hgnStrdup(r.text ? r.text : "");
            j->stepsTotal = j->stepsDone;
            j->progress = 1;
            hgnFree(j->metricsJson);
            HgnRuntimeStats st;
            hgnRuntimeGetStats(rt, &st);
            char buf[200];
            snprintf(buf, sizeof buf,
                     "{\"promptTokens\":%zu,\"generatedTokens\":%zu,\"stopReason\":\"%s\",\"resumedAt\":%d,"
                     "\"deviceLossRetries\":%d}",
                     r.nPromptTokens, r.nTokens, r.stopReason ? r.stopReason : "", (int)r.resumedAt,
                     (int)r.retriesDeviceLost);
            j->metricsJson = hgnStrdup(buf);
        }
        hgnGenerateResultFree(&r);
    }
    hgnRuntimeFree(rt);
    hgnPlanFree(plan);
    return e;
}

static HgnStatus leaseLost(const HgnJob *job) {
    return hgnStatusNew(HGN_CODE_InvalidTransition, job->id, "the reaper or another manager took the job over",
                        "the lease on job `%s` was lost", job->id);
}

/* The end of a run as one compare-and-set against the lease and the stop requests seen: a
 * request that lands meanwhile makes the write fail, and the decision is made again with it. */
static HgnStatus finishRun(HgnJobManager *m, HgnJob *job, const ExecStep *c, HgnStatus runErr, char **result) {
    char *errJson = runErr ? hgnStatusToJson(runErr) : NULL;
    HgnCode code = runErr ? hgnStatusCode(runErr) : HGN_CODE_InvalidArgument;
    char *retries0 = job->retriesJson ? hgnStrdup(job->retriesJson) : NULL; /* as claimed */
    HgnStatus e = HGN_OK;
    for (int tries = 0; tries < 8; tries++) {
        bool cancel = false, pause = false, held = false;
        if ((e = managerStopRequests(m, job->id, m->id, &cancel, &pause, &held))) break;
        if (!held) {
            e = leaseLost(job);
            break;
        }
        job->cancelRequested = job->cancelRequested || cancel;
        job->pauseRequested = job->pauseRequested || pause;
        char msg[128];
        if (job->cancelRequested) {
            snprintf(msg, sizeof msg, "cancelled after %lld tokens", (long long)job->stepsDone);
            e = managerTransition(m, job, HGN_JOB_CANCELLED, msg);
        } else if (!runErr && !c->stopped) {
            hgnFree(job->resultText);
            job->resultText = *result;
            *result = NULL;
            hgnFree(job->lastError);
            job->lastError = NULL;
            e = managerTransition(m, job, HGN_JOB_COMPLETED, NULL);
            if (e) { /* keep the text for the next try */
                *result = job->resultText;
                job->resultText = NULL;
            }
        } else if (!runErr && job->pauseRequested) {
            snprintf(msg, sizeof msg, "paused after %lld tokens%s", (long long)job->stepsDone,
                     job->checkpointPath ? "; resumes from its checkpoint" : "");
            job->attempts--; /* a run the owner paused is no attempt: it must not use up the retries */
            e = managerTransition(m, job, HGN_JOB_PAUSED, msg);
            if (e) job->attempts++;
        } else if (!runErr) {
            /* stopped with no request standing (cannot happen while the lease is held): run it again */
            e = managerTransition(m, job, HGN_JOB_QUEUED, "stopped; queued again");
        } else {
            hgnFree(job->lastError);
            job->lastError = errJson ? hgnStrdup(errJson) : NULL;
            if (job->pauseRequested) {
                e = managerTransition(m, job, HGN_JOB_PAUSED, job->lastError);
            } else if (hgnJobRetryAllowed(&m->cfg, job, code)) {
                char *bumped = jobRetriesBump(retries0, code);
                if (bumped) {
                    hgnFree(job->retriesJson);
                    job->retriesJson = bumped;
                }
                int64_t wait =
                    hgnJobBackoffMs(m->cfg.backoffBaseMs, m->cfg.backoffCapMs, job->attempts, managerRandom(m));
                job->notBeforeMs = managerNow(m) + wait;
                e = managerTransition(m, job, HGN_JOB_QUEUED, job->lastError);
                if (!e) {
                    jobMetricsRetry(m, job, wait); /* counters by reason and the retryScheduled log record */
                } else if (bumped) {               /* not retried after all: the count as claimed */
                    hgnFree(job->retriesJson);
                    job->retriesJson = retries0 ? hgnStrdup(retries0) : NULL;
                }
            } else {
                e = managerTransition(m, job, HGN_JOB_FAILED, job->lastError);
            }
        }
        if (!managerCasLost(e)) break;
        hgnStatusFree(e); /* a stop request or the reaper got in between: decide again */
        e = HGN_OK;
    }
    hgnFree(retries0);
    hgnFree(errJson);
    return e;
}

HgnStatus executionRunJob(HgnJobManager *m, HgnJob *job) {
    if (job->cancelRequested) /* a cancel left over from a run that was reaped */
        return managerTransition(m, job, HGN_JOB_CANCELLED, "cancelled before it ran again");
    JobTrace trace = {0};
    RunCtx c = {.m = m, .job = job, .lastBeatMs = managerNow(m), .trace = &trace, .promptTokens = -1};
    c.lastPollMs = monotonicMs();
    managerRunAdd(m, &c);
    char *result = NULL;
    HgnStatus runErr = runOnce(&c, &result);
    managerRunRemove(m, &c);
    jobTraceEnd(&trace, !runErr); /* a no-op write when tracing never began */
    /* the lease must still be ours before anything is written */
    HgnStatus e = m->store->ops->heartbeat(m->store, job->id, m->id, managerNow(m) + m->cfg.leaseMs);
    if (!e && c.leaseLost) e = leaseLost(job);
    if (!e) e = finishRun(m, job, &c, runErr, &result);
    hgnFree(result);
    hgnStatusFree(runErr);
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    return e;
}
