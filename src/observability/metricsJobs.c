/* metricsJobs.c — renders the job manager's statistics (HgnJobStats) into
 * the standard metric families: gauges and counters mirrored with
 * hgnMetricsSet, histograms with hgnMetricsSetHistogram. */
#include <stdio.h>

#include "huginn/jobs.h"
#include "huginn/metrics.h"

static void keepFirst(HgnStatus *first, HgnStatus st) {
    if (st && !*first)
        *first = st;
    else
        hgnStatusFree(st);
}

static void setHistogram(HgnMetrics *m, const char *name, const char *const *labels, const HgnJobHistogram *h,
                         HgnStatus *first) {
    double cumulative[HGN_JOB_HIST_MAX_BUCKETS];
    for (size_t i = 0; i < h->nBuckets && i < HGN_JOB_HIST_MAX_BUCKETS; i++) cumulative[i] = (double)h->buckets[i];
    keepFirst(first, hgnMetricsSetHistogram(m, name, labels, h->bounds, cumulative, h->nBuckets, (double)h->count,
                                            h->sumSeconds));
}

static void setLabelled(HgnMetrics *m, const char *name, const HgnJobLabelCount *slots, HgnStatus *first) {
    for (size_t i = 0; i < HGN_JOB_MAX_LABELS && slots[i].label[0]; i++) {
        const char *labels[] = {slots[i].label};
        keepFirst(first, hgnMetricsSet(m, name, labels, (double)slots[i].value));
    }
}

HgnStatus hgnMetricsSetJobStats(HgnMetrics *m, const HgnJobStats *s) {
    HgnStatus first = HGN_OK;
    keepFirst(&first, hgnMetricsSet(m, "huginn_queue_depth", NULL, (double)s->queueDepth));
    keepFirst(&first, hgnMetricsSet(m, "huginn_jobs_running", NULL, (double)s->running));
    keepFirst(&first, hgnMetricsSet(m, "huginn_jobs_submitted_total", NULL, (double)s->submitted));
    int64_t failed = 0;
    for (int f = 0; f < HGN_JOB_STATE_COUNT; f++) {
        failed += s->transitions[f][HGN_JOB_FAILED];
        for (int t = 0; t < HGN_JOB_STATE_COUNT; t++) {
            if (!s->transitions[f][t]) continue;
            const char *labels[] = {hgnJobStateName((HgnJobState)f), hgnJobStateName((HgnJobState)t)};
            keepFirst(&first, hgnMetricsSet(m, "huginn_job_transitions_total", labels, (double)s->transitions[f][t]));
        }
    }
    keepFirst(&first, hgnMetricsSet(m, "huginn_jobs_failed_total", NULL, (double)failed));
    setHistogram(m, "huginn_step_duration_seconds", NULL, &s->stepSeconds, &first);
    setHistogram(m, "huginn_step_overhead_seconds", NULL, &s->stepOverheadSeconds, &first);
    for (int st = 0; st < HGN_JOB_STATE_COUNT; st++)
        for (int q = 0; q < HGN_JOB_QUANT_COUNT; q++) {
            if (!s->durationSeconds[st][q].count) continue;
            const char *labels[] = {hgnJobStateName((HgnJobState)st), hgnJobQuantizedName((HgnJobQuantized)q)};
            setHistogram(m, "huginn_job_duration_seconds", labels, &s->durationSeconds[st][q], &first);
        }
    setLabelled(m, "huginn_retries_total", s->retriesByReason, &first);
    setLabelled(m, "huginn_plan_nodes_total", s->planNodesByBackend, &first);
    const char *d2d[] = {"deviceToDevice"};
    keepFirst(&first, hgnMetricsSet(m, "huginn_bytes_transferred_total", d2d, (double)s->bytesDeviceToDevice));
    const char *checkpoint[] = {"checkpoint"};
    keepFirst(&first, hgnMetricsSet(m, "huginn_cache_hits_total", checkpoint, (double)s->checkpointResumes));
    return first;
}
