/* testJobOptions.c — a job's generation options (orchestrator/jobOptions.h):
 * defaults, every knob read, every bad value rejected with its JSON pointer
 * (or flag) and range, the one table agreeing with schemas/openapi.json and
 * with the CLI's flag table, hgnJobSubmit refusing bad options before
 * storing, the options applied to a real run of the fixture plan (same seed,
 * same text as hgnGenerate with those options; another seed, other text),
 * and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliparse/cliOptions.h"
#include "core/alloc.h"
#include "core/embedded.h"
#include "huginn/jobs.h"
#include "huginn/plan.h"
#include "huginn/runtime.h"
#include "orchestrator/jobOptions.h"

static void expectBad(const char *json, HgnCode code, const char *where, const char *messagePart) {
    HgnJobOptions o;
    HgnStatus st = hgnJobOptionsParse(json, &o);
    hgnJobOptionsClear(&o);
    if (!st) fail_msg("accepted: %s", json);
    if (hgnStatusCode(st) != code || strcmp(hgnStatusWhere(st) ? hgnStatusWhere(st) : "", where) != 0 ||
        (messagePart && !strstr(hgnStatusMessage(st), messagePart)))
        fail_msg("%s: got code %d at %s: %s", json, (int)hgnStatusCode(st), hgnStatusWhere(st), hgnStatusMessage(st));
    hgnStatusFree(st);
}

static void testDefaults(void **state) {
    (void)state;
    HgnJobOptions o;
    HgnSamplerParams d;
    hgnSamplerParamsInit(&d);
    assert_null(hgnJobOptionsParse(NULL, &o));
    assert_memory_equal(&o.sampler, &d, sizeof d);
    assert_int_equal(o.nStop, 0);
    assert_false(o.ignoreEos);
    assert_null(hgnJobOptionsParse("{}", &o));
    assert_memory_equal(&o.sampler, &d, sizeof d);
    hgnJobOptionsClear(&o);
}

static void testEveryKnob(void **state) {
    (void)state;
    HgnJobOptions o;
    assert_null(hgnJobOptionsParse("{\"temperature\":0,\"topK\":7,\"topP\":1,\"minP\":0,\"repeatPenalty\":1.3,"
                                   "\"seed\":9223372036854775807,\"stop\":[\"\\n\\n\",\"END\"],\"ignoreEos\":true}",
                                   &o));
    assert_true(o.sampler.temperature == 0.0f);
    assert_int_equal(o.sampler.topK, 7);
    assert_true(o.sampler.topP == 1.0f);
    assert_true(o.sampler.minP == 0.0f);
    assert_true(fabsf(o.sampler.repeatPenalty - 1.3f) < 1e-6f);
    assert_true(o.sampler.seed == (uint64_t)INT64_MAX);
    assert_int_equal(o.nStop, 2);
    assert_string_equal(o.stop[0], "\n\n");
    assert_string_equal(o.stop[1], "END");
    assert_true(o.ignoreEos);
    HgnGenerateOptions go;
    hgnGenerateOptionsInit(&go);
    hgnJobOptionsApply(&o, &go);
    assert_int_equal(go.sampler.topK, 7);
    assert_int_equal(go.nStop, 2);
    assert_string_equal(go.stop[1], "END");
    assert_true(go.ignoreEos);
    hgnJobOptionsClear(&o);
    assert_int_equal(o.nStop, 0);
    assert_null(o.stop);
    /* integers are numbers too; the top of each closed range is allowed */
    assert_null(hgnJobOptionsParse("{\"temperature\":100,\"topK\":1000000,\"minP\":1,\"repeatPenalty\":10}", &o));
    assert_true(o.sampler.temperature == 100.0f);
    hgnJobOptionsClear(&o);
}

static void testBadValues(void **state) {
    (void)state;
    const HgnCode bad = HGN_CODE_InvalidArgument;
    expectBad("{\"topP\":0}", bad, "/options/topP", "(0, 1]");
    expectBad("{\"topP\":1.5}", bad, "/options/topP", "out of range (0, 1]");
    expectBad("{\"temperature\":-0.1}", bad, "/options/temperature", "[0, 100]");
    expectBad("{\"temperature\":100.5}", bad, "/options/temperature", "[0, 100]");
    expectBad("{\"temperature\":\"hot\"}", bad, "/options/temperature", "must be a number");
    expectBad("{\"topK\":-1}", bad, "/options/topK", "[0, 1000000]");
    expectBad("{\"topK\":1000001}", bad, "/options/topK", "[0, 1000000]");
    expectBad("{\"topK\":2.5}", bad, "/options/topK", "must be an integer");
    expectBad("{\"minP\":1.01}", bad, "/options/minP", "[0, 1]");
    expectBad("{\"repeatPenalty\":0}", bad, "/options/repeatPenalty", "(0, 10]");
    expectBad("{\"repeatPenalty\":11}", bad, "/options/repeatPenalty", "(0, 10]");
    expectBad("{\"seed\":-1}", bad, "/options/seed", "out of range");
    expectBad("{\"seed\":1.0}", bad, "/options/seed", "must be an integer");
    expectBad("{\"stop\":\"END\"}", bad, "/options/stop", "array of strings");
    expectBad("{\"stop\":[\"a\",\"\"]}", bad, "/options/stop/1", "1 to 256 bytes");
    expectBad("{\"stop\":[\"a\",3]}", bad, "/options/stop/1", "must be a string");
    expectBad("{\"stop\":[\"a\\u0000b\"]}", HGN_CODE_InvalidJson, "/options", "not valid JSON");
    json_t *nul = json_pack("{s:[s#]}", "stop", "a\0b", (size_t)3); /* a document built in memory may hold NUL */
    HgnJobOptions o;
    HgnStatus st = hgnJobOptionsFromJson(nul, false, &o);
    assert_non_null(st);
    assert_string_equal(hgnStatusWhere(st), "/options/stop/0");
    assert_non_null(strstr(hgnStatusMessage(st), "NUL"));
    hgnStatusFree(st);
    hgnJobOptionsClear(&o);
    json_decref(nul);
    char many[512] = "{\"stop\":[";
    for (int i = 0; i < 17; i++) strcat(many, i ? ",\"x\"" : "\"x\"");
    strcat(many, "]}");
    expectBad(many, bad, "/options/stop", "at most 16");
    char longStop[400];
    snprintf(longStop, sizeof longStop, "{\"stop\":[\"%0257d\"]}", 0);
    expectBad(longStop, bad, "/options/stop/0", "not 257");
    expectBad("{\"ignoreEos\":1}", bad, "/options/ignoreEos", "boolean");
    expectBad("{\"topq\":0.5}", bad, "/options/topq", "unknown generation option `topq`");
    expectBad("{\"a/b\":1}", bad, "/options/a~1b", "unknown");
    expectBad("[1]", bad, "/options", "JSON object");
    expectBad("{\"seed\":", HGN_CODE_InvalidJson, "/options", "not valid JSON");
    expectBad("{\"seed\":1,\"seed\":2}", HGN_CODE_InvalidJson, "/options", NULL);
    /* the first bad knob in table order, whatever the object's key order */
    expectBad("{\"seed\":-5,\"temperature\":-1}", bad, "/options/temperature", NULL);
}

static void testFlagNames(void **state) {
    (void)state;
    json_t *o = json_pack("{s:f}", "topP", 0.0);
    HgnJobOptions jo;
    HgnStatus st = hgnJobOptionsFromJson(o, true, &jo);
    assert_non_null(st);
    assert_string_equal(hgnStatusWhere(st), "--top-p");
    assert_non_null(strstr(hgnStatusMessage(st), "--top-p = 0 is out of range (0, 1]"));
    hgnStatusFree(st);
    hgnJobOptionsClear(&jo);
    json_decref(o);
    o = json_pack("{s:[s,s]}", "stop", "a", "");
    st = hgnJobOptionsFromJson(o, true, &jo);
    assert_non_null(st);
    assert_string_equal(hgnStatusWhere(st), "--stop #2");
    hgnStatusFree(st);
    hgnJobOptionsClear(&jo);
    json_decref(o);
}

/* The table, the OpenAPI schema and the CLI's flags agree (one set of ranges). */
static void testTableMatchesSchemaAndCli(void **state) {
    (void)state;
    size_t size = 0, n = 0;
    const unsigned char *text = hgnEmbeddedGet("schemas/openapi.json", &size);
    assert_non_null(text);
    json_t *doc = json_loadb((const char *)text, size, 0, NULL);
    assert_non_null(doc);
    json_t *go = json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), "GenerationOptions");
    assert_non_null(go);
    assert_true(json_is_false(json_object_get(go, "additionalProperties")));
    json_t *props = json_object_get(go, "properties");
    const HgnJobOptionKnob *k = hgnJobOptionKnobs(&n);
    assert_int_equal(json_object_size(props), n);
    const HgnCliCommand *exec = NULL;
    for (const HgnCliCommand *c = hgnCliHuginnSpec()->commands; c->name; c++)
        if (c->id == HGN_CMD_EXECUTE) exec = c;
    assert_non_null(exec);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_object_get(props, k[i].key);
        if (!p) fail_msg("GenerationOptions lacks %s", k[i].key);
        const HgnCliOption *flag = NULL;
        for (const HgnCliOption *o = exec->options; o->name; o++)
            if (!strcmp(o->name, k[i].flag)) flag = o;
        if (!flag) fail_msg("huginn execute has no --%s", k[i].flag);
        const char *type = json_string_value(json_object_get(p, "type"));
        switch (k[i].kind) {
        case HGN_JOB_OPTION_REAL:
        case HGN_JOB_OPTION_INT: {
            assert_string_equal(type, k[i].kind == HGN_JOB_OPTION_INT ? "integer" : "number");
            const char *lo = k[i].minExclusive ? "exclusiveMinimum" : "minimum";
            assert_non_null(json_object_get(p, lo));
            assert_true(json_number_value(json_object_get(p, lo)) == k[i].min);
            assert_true(json_number_value(json_object_get(p, "maximum")) == k[i].max);
            if (k[i].kind == HGN_JOB_OPTION_INT) {
                assert_int_equal(flag->type, HGN_CLI_INT);
                assert_true((double)flag->max == k[i].max);
                assert_true((double)flag->min == k[i].min);
            } else {
                assert_int_equal(flag->type, HGN_CLI_REAL);
                assert_true(flag->maxReal == k[i].max);
                assert_true(flag->minReal == k[i].min); /* (min: the shared check refuses min itself */
            }
            break;
        }
        case HGN_JOB_OPTION_STRINGS:
            assert_string_equal(type, "array");
            assert_true(json_number_value(json_object_get(p, "maxItems")) == k[i].max);
            assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "items"), "maxLength")),
                             HGN_OPT_STOP_MAX_BYTES);
            assert_true(flag->flags & HGN_CLI_REPEAT);
            break;
        case HGN_JOB_OPTION_BOOL:
            assert_string_equal(type, "boolean");
            assert_int_equal(flag->type, HGN_CLI_FLAG);
            break;
        }
    }
    json_decref(doc);
}

static int64_t countQueued(HgnJobManager *m) {
    HgnJobStats s;
    assert_null(hgnJobStatsGet(m, &s));
    return s.queueDepth;
}

static HgnJobManager *memoryManager(void) {
    HgnJobManagerConfig c;
    hgnJobManagerConfigInit(&c);
    c.storePath = ":memory:";
    HgnJobManager *m = NULL;
    assert_null(hgnJobManagerOpen(&c, &m));
    return m;
}

static void testSubmitChecksOptions(void **state) {
    (void)state;
    HgnJobManager *m = memoryManager();
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {.owner = "alice", .planJson = "{\"schemaVersion\":1}", .optionsJson = "{\"topP\":2}"};
    HgnStatus st = hgnJobSubmit(m, &sub, id);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_string_equal(hgnStatusWhere(st), "/options/topP");
    hgnStatusFree(st);
    assert_string_equal(id, "");
    assert_int_equal(countQueued(m), 0); /* nothing stored */
    sub.optionsJson = "{\"seed\":3,\"stop\":[\".\"]}";
    assert_null(hgnJobSubmit(m, &sub, id));
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    char *json = hgnJobToJson(&j, false);
    assert_non_null(strstr(json, "\"options\":{\"seed\":3,\"stop\":[\".\"]}"));
    hgnFree(json);
    hgnJobClear(&j);
    hgnJobManagerClose(m);
}

/* Text of a job with these options run through the manager. */
static char *runJob(HgnJobManager *m, const char *plan, const char *options) {
    char id[HGN_JOB_ID_LEN + 1];
    HgnJobSubmit sub = {
        .owner = "alice", .planPath = plan, .prompt = "Once upon a time", .maxTokens = 24, .optionsJson = options};
    assert_null(hgnJobSubmit(m, &sub, id));
    bool ran = false;
    HgnStatus st = hgnJobRunNext(m, &ran);
    if (st) fail_msg("%s", hgnStatusMessage(st));
    assert_true(ran);
    HgnJob j;
    assert_null(hgnJobGet(m, id, NULL, &j));
    if (j.state != HGN_JOB_COMPLETED) fail_msg("job %s: %s", hgnJobStateName(j.state), j.lastError);
    char *text = hgnStrdup(j.resultText);
    hgnJobClear(&j);
    return text;
}

static void testOptionsReachTheRun(void **state) {
    (void)state;
    char plan[512];
    snprintf(plan, sizeof plan, "%s/runtime/fixture.plan.json", HGN_TEST_DATA);
    if (access(plan, R_OK) != 0) skip();
    const char *opts = "{\"seed\":5,\"temperature\":1.2,\"topK\":0,\"topP\":1,\"minP\":0,\"ignoreEos\":true}";
    /* the same options straight through the runtime */
    HgnPlan *p = NULL;
    HgnRuntime *rt = NULL;
    HgnRuntimeOptions ro;
    hgnRuntimeOptionsInit(&ro);
    assert_null(hgnPlanReadFile(plan, &p));
    assert_null(hgnRuntimeOpenPlan(p, plan, &ro, &rt));
    HgnJobOptions jo;
    assert_null(hgnJobOptionsParse(opts, &jo));
    HgnGenerateOptions go;
    hgnGenerateOptionsInit(&go);
    go.maxTokens = 24;
    hgnJobOptionsApply(&jo, &go);
    HgnGenerateResult r;
    assert_null(hgnGenerate(rt, "Once upon a time", 16, &go, &r));
    assert_int_equal(r.nTokens, 24); /* ignoreEos */
    HgnJobManager *m = memoryManager();
    char *a = runJob(m, plan, opts);
    char *b = runJob(m, plan, "{\"seed\":6,\"temperature\":1.2,\"topK\":0,\"topP\":1,\"minP\":0,\"ignoreEos\":true}");
    char *g = runJob(m, plan, "{\"temperature\":0}");
    char *g2 = runJob(m, plan, "{\"temperature\":0,\"seed\":99}");
    assert_string_equal(a, r.text); /* same seed, same text */
    assert_string_not_equal(a, b);  /* another seed, another text (at temperature 1.2 over 24 tokens) */
    assert_string_equal(g, g2);     /* greedy ignores the seed */
    assert_string_not_equal(a, g);
    hgnFree(a);
    hgnFree(b);
    hgnFree(g);
    hgnFree(g2);
    hgnJobManagerClose(m);
    hgnGenerateResultFree(&r);
    hgnJobOptionsClear(&jo);
    hgnRuntimeFree(rt);
    hgnPlanFree(p);
}

static void testAllocationFailures(void **state) {
    (void)state;
    const char *json = "{\"temperature\":0.5,\"stop\":[\"a\",\"bb\",\"ccc\"]}";
    bool sawOk = false;
    for (int n = 1; n < 200 && !sawOk; n++) {
        hgnAllocFailAt((uint64_t)n, 0);
        HgnJobOptions o;
        HgnStatus st = hgnJobOptionsParse(json, &o);
        hgnAllocFailAt(0, 0);
        if (st) {
            /* jansson's own allocations do not go through the hook: only our copies can fail */
            assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
            hgnStatusFree(st);
        } else {
            sawOk = true;
            assert_int_equal(o.nStop, 3);
        }
        hgnJobOptionsClear(&o);
    }
    assert_true(sawOk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDefaults),
        cmocka_unit_test(testEveryKnob),
        cmocka_unit_test(testBadValues),
        cmocka_unit_test(testFlagNames),
        cmocka_unit_test(testTableMatchesSchemaAndCli),
        cmocka_unit_test(testSubmitChecksOptions),
        cmocka_unit_test(testOptionsReachTheRun),
        cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
