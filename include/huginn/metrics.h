/* metrics.h — a small Prometheus metrics registry: counters, gauges and
 * histograms with labels, rendered in the Prometheus text exposition format
 * (version 0.0.4). A registry is thread-safe; updates take one mutex.
 *
 * Label values are passed as an array with one entry per label name given at
 * registration (NULL when the metric has no labels). */
#ifndef HUGINN_METRICS_H
#define HUGINN_METRICS_H

#include <stddef.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HgnMetrics HgnMetrics;

typedef enum HgnMetricKind { HGN_METRIC_COUNTER, HGN_METRIC_GAUGE, HGN_METRIC_HISTOGRAM } HgnMetricKind;

HGN_NODISCARD HgnStatus hgnMetricsCreate(HgnMetrics **out);
void hgnMetricsFree(HgnMetrics *m);

/* Registers a family. labelNames: comma-separated ("route,code"), "" or NULL
 * for none. buckets: strictly increasing upper bounds for histograms (NULL:
 * the default latency buckets 0.001 … 10 s). Errors: HGN-0015 InvalidArgument
 * (bad metric or label name, duplicate name, buckets not increasing). */
HGN_NODISCARD HgnStatus hgnMetricsRegister(HgnMetrics *m, const char *name, const char *help, HgnMetricKind kind,
                                           const char *labelNames, const double *buckets, size_t nBuckets);
/* Counter or gauge += v (a counter refuses v < 0). */
HGN_NODISCARD HgnStatus hgnMetricsAdd(HgnMetrics *m, const char *name, const char *const *labelValues, double v);
/* Gauge = v; counter = v when v is not below its value (mirroring a count kept elsewhere). */
HGN_NODISCARD HgnStatus hgnMetricsSet(HgnMetrics *m, const char *name, const char *const *labelValues, double v);
/* Histogram observation. */
HGN_NODISCARD HgnStatus hgnMetricsObserve(HgnMetrics *m, const char *name, const char *const *labelValues, double v);
/* Histogram series = a snapshot kept elsewhere (mirroring, like hgnMetricsSet on a counter): bounds must be
 * the family's, cumulative[i] the observations <= bounds[i] (not decreasing in i, at most count); a series
 * never goes down (count below its current count is refused). Errors: HGN-0015 InvalidArgument. */
HGN_NODISCARD HgnStatus hgnMetricsSetHistogram(HgnMetrics *m, const char *name, const char *const *labelValues,
                                               const double *bounds, const double *cumulative, size_t nBuckets,
                                               double count, double sum);
/* Current value of a counter/gauge series, or a histogram's count (0 when the
 * series does not exist yet). */
double hgnMetricsValue(HgnMetrics *m, const char *name, const char *const *labelValues);
/* Text exposition (OUT: *out, caller frees with hgnFree/free). */
HGN_NODISCARD HgnStatus hgnMetricsRender(HgnMetrics *m, char **out);

/* Registers Huginn's standard families (jobs, plans, transfers, retries,
 * caches, queue, transitions, steps, HTTP) on m. */
HGN_NODISCARD HgnStatus hgnMetricsRegisterStandard(HgnMetrics *m);

/* Mirrors a job manager's statistics (include/huginn/jobs.h) into the standard families: queue depth,
 * running, submitted, failed, transitions, step and step-overhead histograms, job durations by state and
 * quantisation, retries by reason, plan nodes by backend, bytes transferred, checkpoint cache hits.
 * Every series is set (one failure does not stop the rest); returns the first error. */
struct HgnJobStats;
HGN_NODISCARD HgnStatus hgnMetricsSetJobStats(HgnMetrics *m, const struct HgnJobStats *stats);

#ifdef __cplusplus
}
#endif
#endif
