/* jobOptions.c — parse and range-check a job's generation options (see
 * jobOptions.h): the one table of sampling knobs and their ranges, shared by
 * the job API, the CLI and the OpenAPI schema test. */
#include "orchestrator/jobOptions.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/jsonPointer.h"
#include "core/strBuf.h"

static const HgnJobOptionKnob knobs[] = {
    {"temperature", "temperature", HGN_JOB_OPTION_REAL, 0, HGN_OPT_TEMPERATURE_MAX, false},
    {"topK", "top-k", HGN_JOB_OPTION_INT, 0, HGN_OPT_TOP_K_MAX, false},
    {"topP", "top-p", HGN_JOB_OPTION_REAL, 0, HGN_OPT_TOP_P_MAX, true},
    {"minP", "min-p", HGN_JOB_OPTION_REAL, 0, HGN_OPT_MIN_P_MAX, false},
    {"repeatPenalty", "repeat-penalty", HGN_JOB_OPTION_REAL, 0, HGN_OPT_REPEAT_PENALTY_MAX, true},
    {"seed", "seed", HGN_JOB_OPTION_INT, 0, (double)HGN_OPT_SEED_MAX, false},
    {"stop", "stop", HGN_JOB_OPTION_STRINGS, 0, HGN_OPT_STOP_MAX_COUNT, false},
    {"ignoreEos", "ignore-eos", HGN_JOB_OPTION_BOOL, 0, 1, false},
};
enum { N_KNOBS = sizeof knobs / sizeof knobs[0] };

const HgnJobOptionKnob *hgnJobOptionKnobs(size_t *n) {
    *n = N_KNOBS;
    return knobs;
}

void hgnJobOptionsInit(HgnJobOptions *o) {
    memset(o, 0, sizeof *o);
    hgnSamplerParamsInit(&o->sampler);
}

void hgnJobOptionsClear(HgnJobOptions *o) {
    if (!o) return;
    for (size_t i = 0; i < o->nStop; i++) hgnFree(o->stop[i]);
    hgnFree(o->stop);
    hgnJobOptionsInit(o);
}

/* "/options/<key>" or "--<flag>" (index >= 0: "/options/stop/3" or "--stop #4"). */
static void fieldName(char *buf, size_t n, const char *key, const char *flag, bool flagNames, long index) {
    if (flagNames) {
        if (index >= 0)
            snprintf(buf, n, "--%s #%ld", flag, index + 1);
        else
            snprintf(buf, n, "--%s", flag);
        return;
    }
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, "/options");
    hgnJsonPointerAppendToken(&b, key, strlen(key));
    if (index >= 0) hgnJsonPointerAppendIndex(&b, (size_t)index);
    snprintf(buf, n, "%s", hgnBufOk(&b) ? hgnBufStr(&b) : "/options");
    hgnBufFree(&b);
}

/* "[0, 100]" or "(0, 1]" */
static void rangeText(char *buf, size_t n, const HgnJobOptionKnob *k) {
    if (k->kind == HGN_JOB_OPTION_INT)
        snprintf(buf, n, "[%.0f, %.0f]", k->min, k->max);
    else
        snprintf(buf, n, "%c%g, %g]", k->minExclusive ? '(' : '[', k->min, k->max);
}

static bool inRange(const HgnJobOptionKnob *k, double v) {
    if (isnan(v) || v > k->max) return false;
    return k->minExclusive ? v > k->min : v >= k->min;
}

static HgnStatus readStops(const HgnJobOptionKnob *k, const json_t *v, bool flagNames, HgnJobOptions *o) {
    char where[300];
    fieldName(where, sizeof where, k->key, k->flag, flagNames, -1);
    if (!json_is_array(v))
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, "write a list of strings, e.g. [\"\\n\\n\"]",
                            "%s must be an array of strings", k->key);
    size_t n = json_array_size(v);
    if (n > (size_t)k->max)
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, "give fewer stop strings",
                            "%zu stop strings given; at most %d are allowed", n, HGN_OPT_STOP_MAX_COUNT);
    if (n && !(o->stop = hgnCalloc(n, sizeof *o->stop)))
        return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(v, i);
        size_t len = json_string_length(s);
        if (!json_is_string(s)) {
            fieldName(where, sizeof where, k->key, k->flag, flagNames, (long)i);
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "write the stop strings as JSON strings",
                                "a stop string must be a string");
        }
        if (len == 0 || len > HGN_OPT_STOP_MAX_BYTES) {
            fieldName(where, sizeof where, k->key, k->flag, flagNames, (long)i);
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "give a stop string of 1 to 256 bytes",
                                "a stop string must be 1 to %d bytes long, not %zu", HGN_OPT_STOP_MAX_BYTES, len);
        }
        if (memchr(json_string_value(s), 0, len)) {
            fieldName(where, sizeof where, k->key, k->flag, flagNames, (long)i);
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "remove the NUL character",
                                "a stop string cannot contain NUL");
        }
        if (!(o->stop[i] = hgnStrdup(json_string_value(s))))
            return hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "out of memory");
        o->nStop = i + 1;
    }
    return HGN_OK;
}

static HgnStatus readKnob(const HgnJobOptionKnob *k, const json_t *v, bool flagNames, HgnJobOptions *o) {
    if (k->kind == HGN_JOB_OPTION_STRINGS) return readStops(k, v, flagNames, o);
    char where[300], range[96];
    fieldName(where, sizeof where, k->key, k->flag, flagNames, -1);
    if (k->kind == HGN_JOB_OPTION_BOOL) {
        if (!json_is_boolean(v))
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "write true or false", "%s must be a boolean", k->key);
        o->ignoreEos = json_is_true(v);
        return HGN_OK;
    }
    rangeText(range, sizeof range, k);
    const char *label = flagNames ? where : k->key; /* "--top-p" or "topP" */
    double d;
    if (k->kind == HGN_JOB_OPTION_INT) {
        if (!json_is_integer(v))
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "write a whole number", "%s must be an integer in %s",
                                label, range);
        json_int_t i = json_integer_value(v);
        d = (double)i;
        if (i < (json_int_t)k->min || (k->max < 9.2e18 && i > (json_int_t)k->max))
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "%s = %lld is out of range %s", label,
                                (long long)i, range);
    } else {
        if (!json_is_number(v))
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, "write a number", "%s must be a number in %s", label,
                                range);
        d = json_number_value(v);
        if (!inRange(k, d))
            return hgnStatusNew(HGN_CODE_InvalidArgument, where, NULL, "%s = %g is out of range %s", label, d, range);
    }
    HgnSamplerParams *p = &o->sampler;
    if (!strcmp(k->key, "temperature"))
        p->temperature = (float)d;
    else if (!strcmp(k->key, "topK"))
        p->topK = (int32_t)d;
    else if (!strcmp(k->key, "topP"))
        p->topP = (float)d;
    else if (!strcmp(k->key, "minP"))
        p->minP = (float)d;
    else if (!strcmp(k->key, "repeatPenalty"))
        p->repeatPenalty = (float)d;
    else if (!strcmp(k->key, "seed"))
        p->seed = (uint64_t)json_integer_value(v);
    return HGN_OK;
}

HgnStatus hgnJobOptionsFromJson(const json_t *obj, bool flagNames, HgnJobOptions *out) {
    hgnJobOptionsInit(out);
    if (!obj || json_is_null(obj)) return HGN_OK;
    if (!json_is_object(obj))
        return hgnStatusNew(HGN_CODE_InvalidArgument, flagNames ? "options" : "/options",
                            "write an object such as {\"temperature\":0.7,\"seed\":1}",
                            "the generation options must be a JSON object");
    const char *key;
    const json_t *v;
    /* fixed order (the table's), so that the first error does not depend on the object's key order */
    for (size_t i = 0; i < N_KNOBS; i++) {
        v = json_object_get(obj, knobs[i].key);
        if (!v) continue;
        HgnStatus e = readKnob(&knobs[i], v, flagNames, out);
        if (e) return e;
    }
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (i < N_KNOBS && strcmp(knobs[i].key, key) != 0) i++;
        if (i < N_KNOBS) continue;
        char where[300];
        fieldName(where, sizeof where, key, key, flagNames, -1);
        return hgnStatusNew(HGN_CODE_InvalidArgument, where,
                            "known options: temperature, topK, topP, minP, repeatPenalty, seed, stop, ignoreEos",
                            "unknown generation option `%s`", key);
    }
    return hgnSamplerParamsValidate(&out->sampler); /* the table is stricter; this is a safety net */
}

HgnStatus hgnJobOptionsParse(const char *json, HgnJobOptions *out) {
    hgnJobOptionsInit(out);
    if (!json || !*json) return HGN_OK;
    json_error_t je;
    json_t *doc = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return hgnStatusNew(HGN_CODE_InvalidJson, "/options", "send the options as a JSON object",
                            "the generation options are not valid JSON: %s", je.text);
    HgnStatus e = hgnJobOptionsFromJson(doc, false, out);
    json_decref(doc);
    return e;
}

void hgnJobOptionsApply(const HgnJobOptions *o, HgnGenerateOptions *go) {
    go->sampler = o->sampler;
    go->stop = (const char *const *)o->stop;
    go->nStop = o->nStop;
    go->ignoreEos = go->ignoreEos || o->ignoreEos;
}
