/* modelRegistry.c — loads and validates the model registry
 * (registry/models.json, see huginn/registry.h and docs/registry.md).
 *
 * Validation is done here in C: types, ranges, enums, unknown keys, unique
 * ids and the cross-field rules a JSON Schema cannot say (headDim x heads,
 * GQA grouping, parameters implied by the shapes). Every failure is HGN-0001
 * naming the file, the JSON pointer of the field and the model id. */
#include "huginn/registry.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "core/fileIo.h"
#include "core/jsonUtil.h"
#include "core/strBuf.h"

#define REGISTRY_PATH "registry/models.json"
/* Published parameter counts must agree with the shapes within this
 * fraction; every model in the curated list agrees exactly today. */
#define PARAM_TOLERANCE 0.01

struct HgnRegistry {
    json_t *doc; /* owns every string the specs point to */
    HgnModelSpec *models;
    size_t count;
    const char **tagStore; /* backing array for every spec's tags */
};

/* ---- field readers ------------------------------------------------------------ */

static HgnStatus readUint(const HgnJsonEntry *c, const json_t *obj, const char *field, bool required, uint64_t dflt,
                          uint64_t min, uint64_t max, uint64_t *out) {
    int64_t x, d = (int64_t)dflt;
    HgnStatus st = hgnJsonEntryInt(c, obj, field, required ? NULL : &d, (int64_t)min, (int64_t)max, &x);
    if (!st) *out = (uint64_t)x;
    return st;
}

static HgnStatus readU32(const HgnJsonEntry *c, const json_t *obj, const char *field, bool required, uint32_t dflt,
                         uint32_t min, uint32_t max, uint32_t *out) {
    uint64_t x;
    HgnStatus st = readUint(c, obj, field, required, dflt, min, max, &x);
    if (!st) *out = (uint32_t)x;
    return st;
}

static HgnStatus readBool(const HgnJsonEntry *c, const json_t *obj, const char *field, bool required, bool dflt,
                          bool *out) {
    return hgnJsonEntryBool(c, obj, field, required ? NULL : &dflt, out);
}

typedef enum StrRule { STR_ANY, STR_IDENT, STR_ALNUM } StrRule;

static bool matchesRule(const char *s, StrRule rule) {
    if (!*s) return false;
    if (rule == STR_ANY) return true;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        bool lowerDigit = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (rule == STR_ALNUM) {
            if (!lowerDigit && !(ch >= 'A' && ch <= 'Z')) return false;
        } else if (!lowerDigit && !(p > s && (ch == '.' || ch == '_' || ch == '-'))) {
            return false;
        }
    }
    return true;
}

static HgnStatus readString(const HgnJsonEntry *c, const json_t *obj, const char *field, StrRule rule, size_t maxLen,
                            const char **out) {
    json_t *v = json_object_get(obj, field);
    if (!v) return hgnJsonEntryError(c, field, NULL, "required field \"%s\" is missing", field);
    if (!json_is_string(v))
        return hgnJsonEntryError(c, field, NULL, "\"%s\" must be a string, found %s", field, hgnJsonTypeName(v));
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || strlen(s) > maxLen || !matchesRule(s, rule))
        return hgnJsonEntryError(c, field,
                                 rule == STR_IDENT   ? "use lower-case letters, digits, '.', '_' and '-'"
                                 : rule == STR_ALNUM ? "use the class name from config.json \"architectures\""
                                                     : NULL,
                                 "\"%s\" = \"%s\" is not a valid value (non-empty, at most %zu characters)", field, s,
                                 maxLen);
    *out = s;
    return HGN_OK;
}

static HgnStatus readEnum(const HgnJsonEntry *c, const json_t *obj, const char *field, const char *const *values,
                          int *out) {
    const char *s;
    HgnStatus st = readString(c, obj, field, STR_ANY, 64, &s);
    if (st) return st;
    HgnBuf allowed;
    hgnBufInit(&allowed);
    for (int i = 0; values[i]; i++) {
        if (strcmp(values[i], s) == 0) {
            hgnBufFree(&allowed);
            *out = i;
            return HGN_OK;
        }
        hgnBufAppendf(&allowed, "%s%s", i ? ", " : "", values[i]);
    }
    st = hgnJsonEntryError(c, field, NULL, "\"%s\" = \"%s\" is not one of: %s", field, s, hgnBufStr(&allowed));
    hgnBufFree(&allowed);
    return st;
}

static const char *const knownKeys[] = {"id",
                                        "name",
                                        "family",
                                        "architecture",
                                        "source",
                                        "parameters",
                                        "layers",
                                        "hiddenSize",
                                        "heads",
                                        "kvHeads",
                                        "headDim",
                                        "ffnSize",
                                        "vocab",
                                        "maxContext",
                                        "nativeDtype",
                                        "moeExperts",
                                        "moeActiveExperts",
                                        "slidingWindow",
                                        "slidingWindowLayers",
                                        "tokenizerKind",
                                        "licence",
                                        "tags",
                                        "tieEmbeddings",
                                        "qkvBias",
                                        "normsPerLayer",
                                        "explicitHeadDim",
                                        NULL};

static const char *const dtypeNames[] = {"f32", "f16", "bf16", "fp8", NULL};
static const HgnWeightFormat dtypeFormats[] = {HGN_WEIGHTS_F32, HGN_WEIGHTS_F16, HGN_WEIGHTS_BF16, HGN_WEIGHTS_FP8};
static const char *const slidingNames[] = {"none", "all", "even", "odd", NULL};
static const char *const tokenizerNames[] = {"sentencepiece", "byte-level-bpe", "tekken", "wordpiece", NULL};

/* ---- one entry ------------------------------------------------------------------ */

static HgnStatus parseModel(HgnJsonEntry *c, const json_t *obj, HgnModelSpec *m, const char **tagSlots) {
    if (!json_is_object(obj))
        return hgnJsonEntryError(c, NULL, NULL, "each model must be an object, found %s", hgnJsonTypeName(obj));
    HgnStatus st = readString(c, obj, "id", STR_IDENT, 64, &m->id);
    if (st) return st;
    c->id = m->id;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        bool known = false;
        for (int i = 0; knownKeys[i] && !known; i++) known = strcmp(key, knownKeys[i]) == 0;
        if (!known)
            return hgnJsonEntryError(c, key, "check the spelling against schemas/models.schema.json",
                                     "unknown field \"%s\"", key);
    }
    HgnModelDims *d = &m->dims;
    int dtype = 0, sliding = 0, tokenizer = 0;
    uint64_t window = 0;
    json_t *windowValue = json_object_get(obj, "slidingWindow");
    if ((st = readString(c, obj, "name", STR_ANY, 128, &m->name)) ||
        (st = readString(c, obj, "family", STR_IDENT, 64, &m->family)) ||
        (st = readString(c, obj, "architecture", STR_ALNUM, 128, &m->architecture)) ||
        (st = readString(c, obj, "source", STR_ANY, 1024, &m->source)) ||
        (st = readUint(c, obj, "parameters", true, 0, 1, 100000000000000ull, &m->parameters)) ||
        (st = readU32(c, obj, "layers", true, 0, 1, 4096, &d->layers)) ||
        (st = readU32(c, obj, "hiddenSize", true, 0, 1, 1u << 24, &d->hiddenSize)) ||
        (st = readU32(c, obj, "heads", true, 0, 1, 4096, &d->heads)) ||
        (st = readU32(c, obj, "kvHeads", true, 0, 1, 4096, &d->kvHeads)) ||
        (st = readU32(c, obj, "headDim", true, 0, 1, 65536, &d->headDim)) ||
        (st = readU32(c, obj, "ffnSize", true, 0, 1, 1u << 24, &d->ffnSize)) ||
        (st = readU32(c, obj, "vocab", true, 0, 1, 1u << 24, &d->vocab)) ||
        (st = readUint(c, obj, "maxContext", true, 0, 1, 1ull << 32, &m->maxContext)) ||
        (st = readEnum(c, obj, "nativeDtype", dtypeNames, &dtype)) ||
        (st = readU32(c, obj, "moeExperts", true, 0, 0, 4096, &d->moeExperts)) ||
        (st = readU32(c, obj, "moeActiveExperts", true, 0, 0, 4096, &d->moeActiveExperts)) ||
        (st = readEnum(c, obj, "slidingWindowLayers", slidingNames, &sliding)) ||
        (st = readEnum(c, obj, "tokenizerKind", tokenizerNames, &tokenizer)) ||
        (st = readString(c, obj, "licence", STR_IDENT, 64, &m->licence)) ||
        (st = readBool(c, obj, "tieEmbeddings", true, false, &d->tieEmbeddings)) ||
        (st = readBool(c, obj, "qkvBias", false, false, &d->qkvBias)) ||
        (st = readU32(c, obj, "normsPerLayer", false, 2, 0, 16, &d->normsPerLayer)) ||
        (st = readBool(c, obj, "explicitHeadDim", false, false, &m->explicitHeadDim)))
        return st;
    m->nativeDtype = dtypeFormats[dtype];
    m->tokenizerKind = tokenizerNames[tokenizer];
    d->slidingLayers = (HgnSlidingLayers)sliding;

    /* slidingWindow: null or a positive integer, consistent with the layer pattern. */
    if (!windowValue)
        return hgnJsonEntryError(c, "slidingWindow", "use null for models without sliding-window attention",
                                 "required field \"slidingWindow\" is missing");
    if (!json_is_null(windowValue) && (st = readUint(c, obj, "slidingWindow", true, 0, 1, 1ull << 32, &window)))
        return st;
    if ((window == 0) != (d->slidingLayers == HGN_SLIDING_NONE))
        return hgnJsonEntryError(
            c, "slidingWindowLayers", "use \"none\" with a null slidingWindow, else \"all\", \"even\" or \"odd\"",
            "slidingWindowLayers \"%s\" contradicts slidingWindow %s", slidingNames[sliding], window ? "set" : "null");
    d->slidingWindow = window > UINT32_MAX ? UINT32_MAX : (uint32_t)window;

    /* tags: array of unique identifiers. */
    json_t *tags = json_object_get(obj, "tags");
    if (!tags) return hgnJsonEntryError(c, "tags", NULL, "required field \"tags\" is missing");
    if (!json_is_array(tags))
        return hgnJsonEntryError(c, "tags", NULL, "\"tags\" must be an array, found %s", hgnJsonTypeName(tags));
    m->tags = tagSlots;
    m->nTags = json_array_size(tags);
    for (size_t i = 0; i < m->nTags; i++) {
        json_t *t = json_array_get(tags, i);
        char field[32];
        snprintf(field, sizeof field, "tags/%zu", i);
        if (!json_is_string(t) || !matchesRule(json_string_value(t), STR_IDENT))
            return hgnJsonEntryError(c, field, "use lower-case words joined by '-'",
                                     "tag %zu must be a lower-case word", i);
        tagSlots[i] = json_string_value(t);
        for (size_t j = 0; j < i; j++)
            if (strcmp(tagSlots[j], tagSlots[i]) == 0)
                return hgnJsonEntryError(c, field, NULL, "tag \"%s\" appears twice", tagSlots[i]);
    }

    /* Cross-field rules. */
    if (d->heads % d->kvHeads != 0)
        return hgnJsonEntryError(c, "kvHeads", "GQA shares each K/V head among heads/kvHeads query heads",
                                 "heads = %u is not a multiple of kvHeads = %u", d->heads, d->kvHeads);
    if (!m->explicitHeadDim && (uint64_t)d->headDim * d->heads != d->hiddenSize)
        return hgnJsonEntryError(c, "headDim",
                                 "set \"explicitHeadDim\": true when config.json gives head_dim independently",
                                 "headDim %u x heads %u = %llu differs from hiddenSize %u", d->headDim, d->heads,
                                 (unsigned long long)d->headDim * d->heads, d->hiddenSize);
    if (d->moeExperts == 0 && d->moeActiveExperts != 0)
        return hgnJsonEntryError(c, "moeActiveExperts", "dense models use 0 for both MoE fields",
                                 "moeActiveExperts = %u on a model with moeExperts = 0", d->moeActiveExperts);
    if (d->moeExperts != 0 && (d->moeExperts < 2 || d->moeActiveExperts < 1 || d->moeActiveExperts > d->moeExperts))
        return hgnJsonEntryError(
            c, "moeActiveExperts", NULL,
            "a MoE model needs moeExperts >= 2 and 1 <= moeActiveExperts <= moeExperts (found %u of %u)",
            d->moeActiveExperts, d->moeExperts);
    if ((st = hgnModelDimsCheck(d))) {
        HgnStatus e = hgnJsonEntryError(c, hgnStatusWhere(st), NULL, "%s", hgnStatusMessage(st));
        hgnStatusFree(st);
        return e;
    }
    uint64_t implied = hgnModelParamCount(d);
    double diff = ((double)implied - (double)m->parameters) / (double)m->parameters;
    if (diff > PARAM_TOLERANCE || diff < -PARAM_TOLERANCE)
        return hgnJsonEntryError(c, "parameters", "check layers, hiddenSize, ffnSize, vocab, tieEmbeddings and qkvBias",
                                 "the shapes imply %llu parameters but \"parameters\" is %llu (%+.2f%%)",
                                 (unsigned long long)implied, (unsigned long long)m->parameters, diff * 100.0);
    return HGN_OK;
}

/* ---- loading ---------------------------------------------------------------------- */

void hgnRegistryFree(HgnRegistry *reg) {
    if (!reg) return;
    json_decref(reg->doc);
    hgnFree(reg->models);
    hgnFree(reg->tagStore);
    hgnFree(reg);
}

static HgnStatus topError(const char *source, const char *pointer, const char *hint, const char *msg) {
    char where[512];
    snprintf(where, sizeof where, "%s:%s", source, pointer);
    return hgnStatusNew(HGN_CODE_InvalidConfig, where, hint, "%s", msg);
}

HgnStatus hgnRegistryLoadJson(const char *text, size_t len, const char *sourceName, HgnRegistry **out) {
    *out = NULL;
    const char *source = sourceName ? sourceName : "models.json";
    json_t *doc;
    HgnStatus st = hgnJsonParseDoc(text, len, source, &doc);
    if (st) return st;
    json_t *models = json_object_get(doc, "models");
    json_t *version = json_object_get(doc, "formatVersion");
    if (!json_is_object(doc)) {
        st = topError(source, "", NULL, "the registry must be a JSON object with \"formatVersion\" and \"models\"");
    } else if (!json_is_integer(version) || json_integer_value(version) != 1) {
        st = topError(source, "/formatVersion", "this Huginn reads formatVersion 1",
                      "\"formatVersion\" must be the integer 1");
    } else if (!json_is_array(models) || json_array_size(models) == 0) {
        st = topError(source, "/models", NULL, "\"models\" must be a non-empty array");
    } else {
        const char *key;
        json_t *val;
        json_object_foreach(doc, key, val) {
            if (strcmp(key, "formatVersion") && strcmp(key, "models") && strcmp(key, "$comment")) {
                char pointer[300];
                snprintf(pointer, sizeof pointer, "/%s", key);
                char msg[300];
                snprintf(msg, sizeof msg, "unknown top-level field \"%s\"", key);
                st = topError(source, pointer, NULL, msg);
                break;
            }
        }
    }
    if (st) {
        json_decref(doc);
        return st;
    }

    size_t n = json_array_size(models), nTags = 0;
    for (size_t i = 0; i < n; i++) nTags += json_array_size(json_object_get(json_array_get(models, i), "tags"));
    HgnRegistry *reg = hgnCalloc(1, sizeof *reg);
    if (reg) {
        reg->doc = doc;
        reg->models = hgnCalloc(n, sizeof *reg->models);
        reg->tagStore = hgnCalloc(nTags ? nTags : 1, sizeof *reg->tagStore);
    }
    if (!reg || !reg->models || !reg->tagStore) {
        if (reg)
            hgnRegistryFree(reg);
        else
            json_decref(doc);
        return hgnStatusNew(HGN_CODE_OutOfMemory, source, NULL, "cannot allocate the model registry (%zu models)", n);
    }
    reg->count = n;
    size_t tagPos = 0;
    for (size_t i = 0; i < n; i++) {
        HgnJsonEntry c = {source, "models", "model",
                          i,      NULL,     "add the field with the value from the model's config.json"};
        HgnModelSpec *m = &reg->models[i];
        if ((st = parseModel(&c, json_array_get(models, i), m, reg->tagStore + tagPos))) break;
        tagPos += m->nTags;
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(reg->models[j].id, m->id) == 0) {
                st = hgnJsonEntryError(&c, "id", "ids must be unique (case-insensitive)",
                                       "id \"%s\" is already used by models[%zu]", m->id, j);
                break;
            }
        if (st) break;
    }
    if (st) {
        hgnRegistryFree(reg);
        return st;
    }
    *out = reg;
    return HGN_OK;
}

HgnStatus hgnRegistryLoad(HgnRegistry **out) {
    size_t size = 0;
    const unsigned char *text = hgnEmbeddedGet(REGISTRY_PATH, &size);
    if (!text) {
        *out = NULL;
        return hgnStatusNew(HGN_CODE_InternalError, REGISTRY_PATH, "rebuild Huginn",
                            "the model registry was not compiled in");
    }
    return hgnRegistryLoadJson((const char *)text, size, REGISTRY_PATH, out);
}

HgnStatus hgnRegistryLoadFile(const char *path, HgnRegistry **out) {
    *out = NULL;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return hgnStatusNew(HGN_CODE_IoError, path ? path : "(null)", "check the path",
                            "cannot open the registry file");
    HgnBuf buf;
    hgnBufInit(&buf);
    bool readErr = hgnFileReadStream(f, &buf) != 0;
    fclose(f);
    if (readErr || !hgnBufOk(&buf)) {
        hgnBufFree(&buf);
        return hgnStatusNew(readErr ? HGN_CODE_IoError : HGN_CODE_OutOfMemory, path, NULL,
                            "cannot read the registry file");
    }
    HgnStatus st = hgnRegistryLoadJson(hgnBufStr(&buf), buf.len, path, out);
    hgnBufFree(&buf);
    return st;
}

/* ---- access ------------------------------------------------------------------------- */

size_t hgnRegistryCount(const HgnRegistry *reg) { return reg ? reg->count : 0; }

const HgnModelSpec *hgnRegistryAt(const HgnRegistry *reg, size_t index) {
    return reg && index < reg->count ? &reg->models[index] : NULL;
}

const HgnModelSpec *hgnRegistryFind(const HgnRegistry *reg, const char *id) {
    if (!reg || !id) return NULL;
    for (size_t i = 0; i < reg->count; i++)
        if (strcasecmp(reg->models[i].id, id) == 0) return &reg->models[i];
    return NULL;
}

bool hgnModelSpecHasTag(const HgnModelSpec *spec, const char *tag) {
    if (!spec || !tag) return false;
    for (size_t i = 0; i < spec->nTags; i++)
        if (strcmp(spec->tags[i], tag) == 0) return true;
    return false;
}
