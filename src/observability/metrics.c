/* metrics.c — the Prometheus metrics registry (include/huginn/metrics.h):
 * families of counters, gauges and histograms, their labelled series, and the
 * text exposition. */
#include "huginn/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/jobs.h"

#define MAX_LABELS 8

typedef struct Series {
    char **values; /* one per label */
    double value;  /* counter/gauge; histogram sum */
    double count;  /* histogram */
    double *bucketCounts;
} Series;

typedef struct Family {
    char *name;
    char *help;
    HgnMetricKind kind;
    char *labels[MAX_LABELS];
    size_t nLabels;
    double *buckets;
    size_t nBuckets;
    Series *series;
    size_t nSeries, capSeries;
} Family;

struct HgnMetrics {
    pthread_mutex_t lock;
    Family *families;
    size_t nFamilies, capFamilies;
};

static const double defaultBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

HgnStatus hgnMetricsCreate(HgnMetrics **out) {
    *out = NULL;
    HgnMetrics *m = hgnCalloc(1, sizeof *m);
    if (!m) return hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return HGN_OK;
}

static void familyFree(Family *f) {
    for (size_t i = 0; i < f->nSeries; i++) {
        for (size_t j = 0; j < f->nLabels; j++) hgnFree(f->series[i].values[j]);
        hgnFree(f->series[i].values);
        hgnFree(f->series[i].bucketCounts);
    }
    hgnFree(f->series);
    for (size_t j = 0; j < f->nLabels; j++) hgnFree(f->labels[j]);
    hgnFree(f->buckets);
    hgnFree(f->name);
    hgnFree(f->help);
}

void hgnMetricsFree(HgnMetrics *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nFamilies; i++) familyFree(&m->families[i]);
    hgnFree(m->families);
    pthread_mutex_destroy(&m->lock);
    hgnFree(m);
}

static bool validName(const char *s, bool allowColon) {
    if (!s || !*s) return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowColon && c == ':') ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static Family *findFamily(HgnMetrics *m, const char *name) {
    for (size_t i = 0; i < m->nFamilies; i++)
        if (strcmp(m->families[i].name, name) == 0) return &m->families[i];
    return NULL;
}

static HgnStatus parseLabels(Family *f, const char *labelNames) {
    if (!labelNames || !*labelNames) return HGN_OK;
    const char *p = labelNames;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (f->nLabels == MAX_LABELS)
            return hgnStatusNew(HGN_CODE_InvalidArgument, f->name, "use at most 8 labels", "too many labels");
        char *label = hgnStrndup(p, n);
        if (!label) return hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
        f->labels[f->nLabels++] = label;
        if (!validName(label, false) || strncmp(label, "__", 2) == 0 ||
            (f->kind == HGN_METRIC_HISTOGRAM && strcmp(label, "le") == 0))
            return hgnStatusNew(HGN_CODE_InvalidArgument, f->name, "label names match [a-zA-Z_][a-zA-Z0-9_]*",
                                "invalid label name '%s'", label);
        for (size_t j = 0; j + 1 < f->nLabels; j++)
            if (strcmp(f->labels[j], label) == 0)
                return hgnStatusNew(HGN_CODE_InvalidArgument, f->name, NULL, "duplicate label name '%s'", label);
        p += n;
        if (*p == ',') p++;
    }
    return HGN_OK;
}

HgnStatus hgnMetricsRegister(HgnMetrics *m, const char *name, const char *help, HgnMetricKind kind,
                             const char *labelNames, const double *buckets, size_t nBuckets) {
    if (!validName(name, true))
        return hgnStatusNew(HGN_CODE_InvalidArgument, name ? name : "(null)",
                            "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*", "invalid metric name");
    if (kind == HGN_METRIC_HISTOGRAM && !buckets) {
        buckets = defaultBuckets;
        nBuckets = sizeof defaultBuckets / sizeof defaultBuckets[0];
    }
    if (kind == HGN_METRIC_HISTOGRAM) {
        if (nBuckets == 0)
            return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "a histogram needs at least one bucket");
        for (size_t i = 0; i < nBuckets; i++)
            if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
                return hgnStatusNew(HGN_CODE_InvalidArgument, name, "give finite, strictly increasing bounds",
                                    "histogram bucket %zu (%g) is not above the one before", i, buckets[i]);
    }
    pthread_mutex_lock(&m->lock);
    HgnStatus st = HGN_OK;
    if (findFamily(m, name)) {
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "metric '%s' is already registered", name);
        goto done;
    }
    if (m->nFamilies == m->capFamilies) {
        size_t cap = m->capFamilies ? m->capFamilies * 2 : 16;
        Family *nf = hgnRealloc(m->families, cap * sizeof *nf);
        if (!nf) {
            st = hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
            goto done;
        }
        m->families = nf;
        m->capFamilies = cap;
    }
    Family f = {0};
    f.kind = kind;
    f.name = hgnStrdup(name);
    f.help = hgnStrdup(help ? help : "");
    if (!f.name || !f.help) st = hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
    if (!st && f.name) st = parseLabels(&f, labelNames);
    if (!st && kind == HGN_METRIC_HISTOGRAM) {
        f.buckets = hgnMalloc(nBuckets * sizeof *f.buckets);
        if (!f.buckets)
            st = hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
        else {
            memcpy(f.buckets, buckets, nBuckets * sizeof *f.buckets);
            f.nBuckets = nBuckets;
        }
    }
    if (st) {
        familyFree(&f);
        goto done;
    }
    m->families[m->nFamilies++] = f;
done:
    pthread_mutex_unlock(&m->lock);
    return st;
}

/* Finds or creates the series; lock held. */
static HgnStatus seriesFor(Family *f, const char *const *labelValues, bool create, Series **out) {
    *out = NULL;
    for (size_t i = 0; i < f->nLabels; i++)
        if (!labelValues || !labelValues[i])
            return hgnStatusNew(HGN_CODE_InvalidArgument, f->name, NULL, "label '%s' has no value", f->labels[i]);
    for (size_t i = 0; i < f->nSeries; i++) {
        bool same = true;
        for (size_t j = 0; j < f->nLabels && same; j++) same = strcmp(f->series[i].values[j], labelValues[j]) == 0;
        if (same) {
            *out = &f->series[i];
            return HGN_OK;
        }
    }
    if (!create) return HGN_OK;
    if (f->nSeries == f->capSeries) {
        size_t cap = f->capSeries ? f->capSeries * 2 : 4;
        Series *ns = hgnRealloc(f->series, cap * sizeof *ns);
        if (!ns) return hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
        f->series = ns;
        f->capSeries = cap;
    }
    Series s = {0};
    s.values = hgnCalloc(f->nLabels ? f->nLabels : 1, sizeof(char *));
    bool ok = s.values != NULL;
    for (size_t j = 0; ok && j < f->nLabels; j++) ok = (s.values[j] = hgnStrdup(labelValues[j])) != NULL;
    if (ok && f->kind == HGN_METRIC_HISTOGRAM) ok = (s.bucketCounts = hgnCalloc(f->nBuckets, sizeof(double))) != NULL;
    if (!ok) {
        for (size_t j = 0; s.values && j < f->nLabels; j++) hgnFree(s.values[j]);
        hgnFree(s.values);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
    }
    f->series[f->nSeries] = s;
    *out = &f->series[f->nSeries++];
    return HGN_OK;
}

typedef enum Op { OP_ADD, OP_SET, OP_OBSERVE } Op;

static HgnStatus update(HgnMetrics *m, const char *name, const char *const *labelValues, double v, Op op) {
    if (!m || !name) return hgnStatusNew(HGN_CODE_InvalidArgument, "metrics", NULL, "no registry or name");
    pthread_mutex_lock(&m->lock);
    HgnStatus st = HGN_OK;
    Family *f = findFamily(m, name);
    Series *s = NULL;
    if (!f) {
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "register the metric first", "unknown metric '%s'", name);
    } else if ((op == OP_OBSERVE) != (f->kind == HGN_METRIC_HISTOGRAM) ||
               (op == OP_SET && f->kind == HGN_METRIC_HISTOGRAM)) {
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "operation does not fit the metric's kind");
    } else if (isnan(v) || (op == OP_ADD && f->kind == HGN_METRIC_COUNTER && v < 0)) {
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "counters only go up", "invalid increment %g", v);
    } else if (!(st = seriesFor(f, labelValues, true, &s))) {
        if (op == OP_SET && f->kind == HGN_METRIC_COUNTER && v < s->value)
            st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "counters only go up",
                              "cannot set the counter from %g down to %g", s->value, v);
        else if (op == OP_ADD)
            s->value += v;
        else if (op == OP_SET)
            s->value = v;
        else {
            s->value += v;
            s->count += 1;
            for (size_t i = 0; i < f->nBuckets; i++)
                if (v <= f->buckets[i]) s->bucketCounts[i] += 1;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

HgnStatus hgnMetricsAdd(HgnMetrics *m, const char *name, const char *const *labelValues, double v) {
    return update(m, name, labelValues, v, OP_ADD);
}
HgnStatus hgnMetricsSet(HgnMetrics *m, const char *name, const char *const *labelValues, double v) {
    return update(m, name, labelValues, v, OP_SET);
}
HgnStatus hgnMetricsObserve(HgnMetrics *m, const char *name, const char *const *labelValues, double v) {
    return update(m, name, labelValues, v, OP_OBSERVE);
}

HgnStatus hgnMetricsSetHistogram(HgnMetrics *m, const char *name, const char *const *labelValues, const double *bounds,
                                 const double *cumulative, size_t nBuckets, double count, double sum) {
    if (!m || !name || (nBuckets && (!bounds || !cumulative)))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "metrics", NULL, "no registry, name or buckets");
    if (isnan(count) || isnan(sum) || count < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "invalid histogram count %g or sum %g", count, sum);
    for (size_t i = 0; i < nBuckets; i++)
        if (isnan(cumulative[i]) || cumulative[i] < 0 || cumulative[i] > count ||
            (i > 0 && cumulative[i] < cumulative[i - 1]))
            return hgnStatusNew(HGN_CODE_InvalidArgument, name, "pass cumulative bucket counts up to the count",
                                "histogram bucket %zu count %g is not cumulative", i, cumulative[i]);
    pthread_mutex_lock(&m->lock);
    HgnStatus st = HGN_OK;
    Family *f = findFamily(m, name);
    Series *s = NULL;
    if (!f)
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "register the metric first", "unknown metric '%s'", name);
    else if (f->kind != HGN_METRIC_HISTOGRAM)
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "'%s' is not a histogram", name);
    else if (f->nBuckets != nBuckets || (nBuckets && memcmp(f->buckets, bounds, nBuckets * sizeof *bounds) != 0))
        st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "register the family with the same bounds",
                          "the histogram's bucket bounds differ from the family's");
    else if (!(st = seriesFor(f, labelValues, true, &s))) {
        if (count < s->count)
            st = hgnStatusNew(HGN_CODE_InvalidArgument, name, "histograms only go up",
                              "cannot set the histogram count from %g down to %g", s->count, count);
        else {
            s->count = count;
            s->value = sum;
            memcpy(s->bucketCounts, cumulative, nBuckets * sizeof *cumulative);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

double hgnMetricsValue(HgnMetrics *m, const char *name, const char *const *labelValues) {
    double v = 0;
    pthread_mutex_lock(&m->lock);
    Family *f = findFamily(m, name);
    Series *s = NULL;
    if (f) {
        HgnStatus st = seriesFor(f, labelValues, false, &s);
        hgnStatusFree(st);
        if (s) v = f->kind == HGN_METRIC_HISTOGRAM ? s->count : s->value;
    }
    pthread_mutex_unlock(&m->lock);
    return v;
}

static void appendNumber(HgnBuf *b, double v) {
    if (isinf(v))
        hgnBufAppendStr(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        hgnBufAppendf(b, "%.0f", v);
    else {
        /* the shortest text that reads back as the same double */
        char t[40];
        for (int prec = 6; prec <= 17; prec++) {
            snprintf(t, sizeof t, "%.*g", prec, v);
            if (strtod(t, NULL) == v) break;
        }
        hgnBufAppendStr(b, t);
    }
}

static void appendLabelValue(HgnBuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '\\')
            hgnBufAppendStr(b, "\\\\");
        else if (*s == '"')
            hgnBufAppendStr(b, "\\\"");
        else if (*s == '\n')
            hgnBufAppendStr(b, "\\n");
        else
            hgnBufAppendChar(b, *s);
    }
}

static void appendHelp(HgnBuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '\\')
            hgnBufAppendStr(b, "\\\\");
        else if (*s == '\n')
            hgnBufAppendStr(b, "\\n");
        else
            hgnBufAppendChar(b, *s);
    }
}

/* name{l1="v1",…[,le="x"]} value */
static void appendSample(HgnBuf *b, const Family *f, const char *suffix, const Series *s, const char *le, double v) {
    hgnBufAppendStr(b, f->name);
    hgnBufAppendStr(b, suffix);
    if (f->nLabels || le) {
        hgnBufAppendChar(b, '{');
        for (size_t j = 0; j < f->nLabels; j++) {
            if (j) hgnBufAppendChar(b, ',');
            hgnBufAppendf(b, "%s=\"", f->labels[j]);
            appendLabelValue(b, s->values[j]);
            hgnBufAppendChar(b, '"');
        }
        if (le) hgnBufAppendf(b, "%sle=\"%s\"", f->nLabels ? "," : "", le);
        hgnBufAppendChar(b, '}');
    }
    hgnBufAppendChar(b, ' ');
    appendNumber(b, v);
    hgnBufAppendChar(b, '\n');
}

HgnStatus hgnMetricsRender(HgnMetrics *m, char **out) {
    *out = NULL;
    HgnBuf b;
    hgnBufInit(&b);
    static const char *const kindNames[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nFamilies; i++) {
        const Family *f = &m->families[i];
        hgnBufAppendf(&b, "# HELP %s ", f->name);
        appendHelp(&b, f->help);
        hgnBufAppendf(&b, "\n# TYPE %s %s\n", f->name, kindNames[f->kind]);
        for (size_t k = 0; k < f->nSeries; k++) {
            const Series *s = &f->series[k];
            if (f->kind != HGN_METRIC_HISTOGRAM) {
                appendSample(&b, f, "", s, NULL, s->value);
                continue;
            }
            for (size_t j = 0; j < f->nBuckets; j++) {
                char le[64];
                HgnBuf lb;
                hgnBufInit(&lb);
                appendNumber(&lb, f->buckets[j]);
                snprintf(le, sizeof le, "%s", hgnBufStr(&lb));
                hgnBufFree(&lb);
                appendSample(&b, f, "_bucket", s, le, s->bucketCounts[j]);
            }
            appendSample(&b, f, "_bucket", s, "+Inf", s->count);
            appendSample(&b, f, "_sum", s, NULL, s->value);
            appendSample(&b, f, "_count", s, NULL, s->count);
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
    }
    if (!b.data) hgnBufAppendStr(&b, "");
    *out = hgnBufDetach(&b);
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "metrics", NULL, "out of memory");
}

HgnStatus hgnMetricsRegisterStandard(HgnMetrics *m) {
    static const struct {
        const char *name, *help;
        HgnMetricKind kind;
        const char *labels;
        int jobHistogram; /* HgnJobHistogramKind + 1 for histograms the job manager keeps, 0 otherwise */
    } std[] = {
        {"huginn_jobs_submitted_total", "Jobs accepted for execution.", HGN_METRIC_COUNTER, "", 0},
        {"huginn_jobs_running", "Jobs running now.", HGN_METRIC_GAUGE, "", 0},
        {"huginn_jobs_failed_total", "Jobs that ended FAILED.", HGN_METRIC_COUNTER, "", 0},
        {"huginn_job_duration_seconds", "Wall time of the last run of jobs that ended, by final state and weights.",
         HGN_METRIC_HISTOGRAM, "state,quantized", HGN_JOB_HIST_DURATION + 1},
        {"huginn_plan_nodes_total", "Plan nodes of the job runs started, by backend.", HGN_METRIC_COUNTER, "backend",
         0},
        {"huginn_bytes_transferred_total", "Bytes moved by job runs, by direction.", HGN_METRIC_COUNTER, "direction",
         0},
        {"huginn_retries_total", "Job retries scheduled, by reason (error code name).", HGN_METRIC_COUNTER, "reason",
         0},
        {"huginn_cache_hits_total", "Cache hits, by cache type.", HGN_METRIC_COUNTER, "type", 0},
        {"huginn_queue_depth", "Jobs waiting in the queue.", HGN_METRIC_GAUGE, "", 0},
        {"huginn_job_transitions_total", "Job state transitions.", HGN_METRIC_COUNTER, "from,to", 0},
        {"huginn_step_duration_seconds", "Time between the recorded steps of running jobs.", HGN_METRIC_HISTOGRAM, "",
         HGN_JOB_HIST_STEP + 1},
        {"huginn_step_overhead_seconds", "The job engine's own work per step event.", HGN_METRIC_HISTOGRAM, "",
         HGN_JOB_HIST_STEP_OVERHEAD + 1},
        {"huginn_http_requests_total", "HTTP requests, by route and status code.", HGN_METRIC_COUNTER, "route,code", 0},
        {"huginn_http_request_duration_seconds", "HTTP request latency, by route.", HGN_METRIC_HISTOGRAM, "route", 0},
    };
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++) {
        const double *bounds = NULL;
        size_t n = 0;
        if (std[i].jobHistogram) n = hgnJobHistogramBounds((HgnJobHistogramKind)(std[i].jobHistogram - 1), &bounds);
        HgnStatus st = hgnMetricsRegister(m, std[i].name, std[i].help, std[i].kind, std[i].labels, bounds, n);
        if (st) return st;
    }
    return HGN_OK;
}
