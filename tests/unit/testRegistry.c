/* testRegistry.c — the model registry: the compiled-in registry/models.json
 * loads, passes its JSON Schema and the C checks, holds the required models
 * with figures consistent with their shapes; corrupted copies fail with
 * HGN-0001 naming the entry and field; JSON renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "huginn/jsonSchema.h"
#include "huginn/recommend.h"
#include "huginn/registry.h"

static HgnRegistry *loadOrFail(void) {
    HgnRegistry *reg = NULL;
    HgnStatus st = hgnRegistryLoad(&reg);
    if (st) {
        char *s = hgnStatusToString(st);
        print_error("%s\n", s);
        hgnFree(s);
        hgnStatusFree(st);
        fail();
    }
    return reg;
}

static void testLoadsWithRequiredModels(void **state) {
    (void)state;
    HgnRegistry *reg = loadOrFail();
    static const char *const required[] = {"llama-3.2-1b",
                                           "llama-3.2-3b",
                                           "llama-3.1-8b",
                                           "llama-3.1-70b",
                                           "llama-3.1-405b",
                                           "gemma-2-2b",
                                           "gemma-2-9b",
                                           "gemma-2-27b",
                                           "mistral-7b-v0.1",
                                           "mistral-7b-v0.3",
                                           "mixtral-8x7b-v0.1",
                                           "qwen2.5-0.5b",
                                           "qwen2.5-1.5b",
                                           "qwen2.5-3b",
                                           "qwen2.5-7b",
                                           "qwen2.5-14b",
                                           "qwen2.5-32b",
                                           "qwen2.5-72b",
                                           "phi-3-mini-4k-instruct",
                                           "phi-3-medium-4k-instruct",
                                           "tinyllama-1.1b-chat-v1.0",
                                           "smollm2-135m",
                                           "smollm2-360m",
                                           "smollm2-1.7b",
                                           "huginn-fixture-tiny"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!hgnRegistryFind(reg, required[i])) print_error("missing %s\n", required[i]);
        assert_non_null(hgnRegistryFind(reg, required[i]));
    }
    size_t real = 0;
    for (size_t i = 0; i < hgnRegistryCount(reg); i++)
        if (!hgnModelSpecHasTag(hgnRegistryAt(reg, i), "fixture")) real++;
    assert_true(real >= 25);
    assert_null(hgnRegistryAt(reg, hgnRegistryCount(reg)));
    assert_ptr_equal(hgnRegistryFind(reg, "LLAMA-3.1-8B"), hgnRegistryFind(reg, "llama-3.1-8b"));
    assert_null(hgnRegistryFind(reg, "llama-9"));
    assert_null(hgnRegistryFind(reg, NULL));
    assert_true(hgnModelSpecHasTag(hgnRegistryFind(reg, "huginn-fixture-tiny"), "fixture"));
    hgnRegistryFree(reg);
}

static void testFiguresAreConsistent(void **state) {
    (void)state;
    HgnRegistry *reg = loadOrFail();
    for (size_t i = 0; i < hgnRegistryCount(reg); i++) {
        const HgnModelSpec *m = hgnRegistryAt(reg, i);
        /* Every published parameter count equals the count implied by the shapes. */
        if (hgnModelParamCount(&m->dims) != m->parameters)
            print_error("%s: shapes give %llu, registry says %llu\n", m->id,
                        (unsigned long long)hgnModelParamCount(&m->dims), (unsigned long long)m->parameters);
        assert_int_equal(hgnModelParamCount(&m->dims), m->parameters);
        assert_int_equal(m->dims.heads % m->dims.kvHeads, 0);
        if (!m->explicitHeadDim) assert_int_equal(m->dims.headDim * m->dims.heads, m->dims.hiddenSize);
        assert_true(m->source[0] != '\0');
        assert_null(hgnModelDimsCheck(&m->dims));
        for (size_t j = 0; j < i; j++) assert_string_not_equal(hgnRegistryAt(reg, j)->id, m->id);
    }
    /* Spot checks against the published config.json files. */
    const HgnModelSpec *m = hgnRegistryFind(reg, "llama-3.1-8b");
    assert_int_equal(m->dims.kvHeads, 8);
    assert_int_equal(m->maxContext, 131072);
    assert_int_equal(m->nativeDtype, HGN_WEIGHTS_BF16);
    assert_string_equal(m->architecture, "LlamaForCausalLM");
    m = hgnRegistryFind(reg, "gemma-2-9b");
    assert_int_equal(m->dims.slidingWindow, 4096);
    assert_int_equal(m->dims.slidingLayers, HGN_SLIDING_EVEN);
    assert_int_equal(m->dims.headDim, 256);
    assert_true(m->explicitHeadDim);
    assert_int_equal(m->dims.normsPerLayer, 4);
    m = hgnRegistryFind(reg, "mistral-7b-v0.1");
    assert_int_equal(m->dims.slidingWindow, 4096);
    assert_int_equal(m->dims.slidingLayers, HGN_SLIDING_ALL);
    m = hgnRegistryFind(reg, "mistral-7b-v0.3");
    assert_int_equal(m->dims.slidingWindow, 0);
    assert_int_equal(m->dims.vocab, 32768);
    m = hgnRegistryFind(reg, "mixtral-8x7b-v0.1");
    assert_int_equal(m->dims.moeExperts, 8);
    assert_int_equal(m->dims.moeActiveExperts, 2);
    assert_true(hgnModelActiveParamCount(&m->dims) < m->parameters / 3);
    m = hgnRegistryFind(reg, "qwen2.5-7b");
    assert_true(m->dims.qkvBias);
    assert_int_equal(m->dims.vocab, 152064);
    m = hgnRegistryFind(reg, "huginn-fixture-tiny");
    assert_int_equal(m->dims.layers, 4);
    assert_int_equal(m->dims.hiddenSize, 128);
    assert_int_equal(m->dims.heads, 4);
    assert_int_equal(m->dims.kvHeads, 2);
    assert_int_equal(m->dims.ffnSize, 384);
    assert_int_equal(m->dims.vocab, 512);
    assert_int_equal(m->maxContext, 512);
    hgnRegistryFree(reg);
}

static json_t *embeddedJson(const char *name) {
    size_t size;
    const unsigned char *text = hgnEmbeddedGet(name, &size);
    assert_non_null(text);
    json_error_t err;
    json_t *doc = json_loadb((const char *)text, size, 0, &err);
    assert_non_null(doc);
    return doc;
}

static void testMatchesSchema(void **state) {
    (void)state;
    static const char *const pairs[][2] = {{"schemas/models.schema.json", "registry/models.json"},
                                           {"schemas/devices.schema.json", "registry/devices.json"}};
    for (size_t i = 0; i < 2; i++) {
        HgnSchema *schema = NULL;
        HgnStatus st = hgnSchemaCompileEmbedded(pairs[i][0], &schema);
        assert_null(st);
        json_t *doc = embeddedJson(pairs[i][1]);
        st = hgnSchemaValidate(schema, doc);
        if (st) print_error("%s: %s at %s\n", pairs[i][1], hgnStatusMessage(st), hgnStatusWhere(st));
        assert_null(st);
        json_decref(doc);
        hgnSchemaFree(schema);
    }
}

/* ---- corrupted copies ---------------------------------------------------------------- */

typedef struct Corruption {
    size_t index;             /* models[index] */
    const char *field;        /* field to set (NULL value = delete) */
    const char *valueJson;    /* JSON text of the new value, NULL to delete */
    const char *wherePointer; /* expected JSON pointer after "registry/models.json:" */
    const char *inMessage;    /* expected substring of the message */
    bool schemaCatches;       /* the JSON Schema rejects it too */
} Corruption;

static const Corruption corruptions[] = {
    {3, "heads", "\"32\"", "/models/3/heads", "must be an integer", true},
    {3, "heads", NULL, "/models/3/heads", "required field \"heads\" is missing", true},
    {0, "layers", "0", "/models/0/layers", "outside [1, 4096]", true},
    {1, "kvHeads", "7", "/models/1/kvHeads", "not a multiple of kvHeads", false},
    {2, "headDim", "96", "/models/2/headDim", "differs from hiddenSize", false},
    {4, "parameters", "9000000000", "/models/4/parameters", "the shapes imply", false},
    {5, "nativeDtype", "\"fp64\"", "/models/5/nativeDtype", "is not one of", true},
    {6, "slidingWindowLayers", "\"even\"", "/models/6/slidingWindowLayers", "contradicts slidingWindow", true},
    {7, "hiddenSise", "4096", "/models/7/hiddenSise", "unknown field", true},
    {8, "moeActiveExperts", "2", "/models/8/moeActiveExperts", "with moeExperts = 0", true},
    {9, "id", "\"llama-3.2-1b\"", "/models/9/id", "already used by models[0]", false},
    {10, "tags", "[\"base\", \"base\"]", "/models/10/tags/1", "appears twice", true},
    {11, "id", "\"Bad Id\"", "/models/11/id", "is not a valid value", true},
    {12, "tieEmbeddings", "1", "/models/12/tieEmbeddings", "must be true or false", true},
    {13, "slidingWindow", "-5", "/models/13/slidingWindow", "outside", true},
};

static void testCorruptedCopies(void **state) {
    (void)state;
    HgnSchema *schema = NULL;
    assert_null(hgnSchemaCompileEmbedded("schemas/models.schema.json", &schema));
    for (size_t i = 0; i < sizeof corruptions / sizeof corruptions[0]; i++) {
        const Corruption *c = &corruptions[i];
        json_t *doc = embeddedJson("registry/models.json");
        json_t *entry = json_array_get(json_object_get(doc, "models"), c->index);
        assert_non_null(entry);
        const char *id = json_string_value(json_object_get(entry, "id"));
        char *idCopy = hgnStrdup(id);
        if (c->valueJson) {
            json_error_t err;
            json_t *v = json_loads(c->valueJson, JSON_DECODE_ANY, &err);
            assert_non_null(v);
            json_object_set_new(entry, c->field, v);
        } else {
            json_object_del(entry, c->field);
        }
        char *text = json_dumps(doc, 0);
        HgnRegistry *reg = NULL;
        HgnStatus st = hgnRegistryLoadJson(text, strlen(text), "registry/models.json", &reg);
        assert_null(reg);
        assert_non_null(st);
        char where[256];
        snprintf(where, sizeof where, "registry/models.json:%s", c->wherePointer);
        if (hgnStatusCode(st) != HGN_CODE_InvalidConfig || strcmp(hgnStatusWhere(st), where) != 0 ||
            !strstr(hgnStatusMessage(st), c->inMessage))
            print_error("case %zu: %s at %s\n", i, hgnStatusMessage(st), hgnStatusWhere(st));
        assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
        assert_string_equal(hgnStatusWhere(st), where);
        assert_non_null(strstr(hgnStatusMessage(st), c->inMessage));
        /* The message names the entry by its id (the original one unless the id itself was corrupted). */
        const char *shownId = strcmp(c->field, "id") == 0 && c->index == 11 ? "models[11]" : idCopy;
        if (strcmp(c->field, "id") == 0 && c->index == 9) shownId = "llama-3.2-1b";
        assert_non_null(strstr(hgnStatusMessage(st), shownId));
        hgnStatusFree(st);
        assert_int_equal(hgnSchemaIsValid(schema, doc), !c->schemaCatches);
        free(text);
        hgnFree(idCopy);
        json_decref(doc);
    }
    hgnSchemaFree(schema);
}

static HgnStatus loadText(const char *text, HgnRegistry **reg) {
    return hgnRegistryLoadJson(text, strlen(text), "x.json", reg);
}

static void testTopLevelErrors(void **state) {
    (void)state;
    HgnRegistry *reg = NULL;
    HgnStatus st = loadText("{\"formatVersion\": 1,\n \"models\": [}", &reg);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidJson);
    assert_non_null(strstr(hgnStatusWhere(st), "x.json:2:"));
    hgnStatusFree(st);
    st = loadText("{\"formatVersion\": 2, \"models\": []}", &reg);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assert_string_equal(hgnStatusWhere(st), "x.json:/formatVersion");
    hgnStatusFree(st);
    st = loadText("{\"formatVersion\": 1, \"models\": [], \"x\": 1}", &reg);
    assert_string_equal(hgnStatusWhere(st), "x.json:/models");
    hgnStatusFree(st);
    st = loadText("{\"formatVersion\": 1, \"models\": [3]}", &reg);
    assert_string_equal(hgnStatusWhere(st), "x.json:/models/0");
    hgnStatusFree(st);
    st = hgnRegistryLoadJson(NULL, 0, NULL, &reg);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidJson);
    hgnStatusFree(st);
    st = hgnRegistryLoadFile("/nonexistent/models.json", &reg);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_IoError);
    hgnStatusFree(st);
    assert_null(reg);
    /* Loading from the source file gives the same registry as the embedded copy. */
    assert_null(hgnRegistryLoadFile(HGN_SOURCE_DIR "/registry/models.json", &reg));
    HgnRegistry *embedded = loadOrFail();
    assert_int_equal(hgnRegistryCount(reg), hgnRegistryCount(embedded));
    hgnRegistryFree(reg);
    hgnRegistryFree(embedded);
}

static void testAllocationFailures(void **state) {
    (void)state;
    int failures = 0;
    for (uint64_t n = 1; n < 100; n++) {
        HgnRegistry *reg = NULL;
        hgnAllocFailAt(n, 1);
        HgnStatus st = hgnRegistryLoad(&reg);
        hgnAllocFailAt(0, 0);
        if (!st) {
            assert_non_null(reg);
            hgnRegistryFree(reg);
            break;
        }
        failures++;
        assert_null(reg);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        hgnStatusFree(st);
    }
    assert_true(failures >= 3);
}

static void testJsonRenderings(void **state) {
    (void)state;
    HgnRegistry *reg = loadOrFail();
    json_t *list = NULL;
    assert_null(hgnRegistryListJson(reg, &list));
    assert_int_equal(json_array_size(json_object_get(list, "models")), hgnRegistryCount(reg));
    json_t *first = json_array_get(json_object_get(list, "models"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "id")), hgnRegistryAt(reg, 0)->id);
    json_decref(list);

    json_t *show = NULL;
    assert_null(hgnModelShowJson(hgnRegistryFind(reg, "llama-3.1-8b"), &show));
    assert_int_equal(json_integer_value(json_object_get(show, "parameters")), 8030261248ll);
    assert_int_equal(json_integer_value(json_object_get(show, "kvBytesPerTokenF16")), 131072);
    assert_int_equal(json_integer_value(json_object_get(show, "nativeWeightBytes")), 16060522496ll);
    json_t *memory = json_object_get(show, "memory");
    assert_int_equal(json_array_size(memory), 9);
    bool seen = false;
    size_t i;
    json_t *cell;
    json_array_foreach(memory, i, cell) {
        const char *p = json_string_value(json_object_get(cell, "precision"));
        json_int_t ctx = json_integer_value(json_object_get(cell, "context"));
        json_int_t total = json_integer_value(json_object_get(cell, "totalBytes"));
        assert_int_equal(total, json_integer_value(json_object_get(cell, "weightBytes")) +
                                    json_integer_value(json_object_get(cell, "kvCacheBytes")) +
                                    json_integer_value(json_object_get(cell, "computeBytes")) +
                                    json_integer_value(json_object_get(cell, "overheadBytes")));
        assert_false(json_is_true(json_object_get(cell, "exceedsMaxContext")));
        if (strcmp(p, "fp16") == 0 && ctx == 131072) {
            seen = true;
            assert_int_equal(json_integer_value(json_object_get(cell, "kvCacheBytes")), 17179869184ll);
            assert_int_equal(json_integer_value(json_object_get(cell, "weightBytes")), 16060522496ll);
        }
    }
    assert_true(seen);
    json_decref(show);
    assert_null(hgnModelShowJson(hgnRegistryFind(reg, "tinyllama-1.1b-chat-v1.0"), &show));
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(show, "memory"), 0), "exceedsMaxContext")));
    assert_true(json_is_null(json_object_get(show, "slidingWindow")));
    json_decref(show);
    hgnRegistryFree(reg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLoadsWithRequiredModels), cmocka_unit_test(testFiguresAreConsistent),
        cmocka_unit_test(testMatchesSchema),           cmocka_unit_test(testCorruptedCopies),
        cmocka_unit_test(testTopLevelErrors),          cmocka_unit_test(testAllocationFailures),
        cmocka_unit_test(testJsonRenderings),
    };
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
