/* jsonSchemaValidate.c — evaluates an instance against a compiled schema.
 * Two modes share one walk: quiet (stop at the first failure, allocate
 * nothing but regex scratch) and collecting (record violations with the
 * instance pointer, the failing keyword's schema pointer and a message saying
 * what was expected and what was found). Subschemas whose failure is not
 * itself an error (anyOf, oneOf, not, if, contains) are evaluated quietly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/jsonPointer.h"
#include "core/jsonSchemaInt.h"
#include "core/jsonSchemaValidate.h"

typedef struct PathSeg {
    const char *key; /* NULL: index */
    size_t keyLen;
    size_t index;
} PathSeg;

typedef struct Ctx {
    const HgnSchema *schema;
    bool collect;
    bool collectRequested; /* collecting at the top (quiet sections may be on) */
    size_t maxViolations;
    HgnSchemaViolations *out;
    size_t cap;
    PathSeg *path;
    size_t depthPath, capPath;
    int depth;
    size_t evaluations;
    SchemaMatchData *md;
    int explaining; /* nesting of firstViolation re-runs (bounded: they multiply work) */
    bool aborted;
    bool oom;
    bool stop; /* enough violations, OOM or recursion limit */
} Ctx;

static bool validateNode(Ctx *x, const SchemaNode *n, const json_t *inst);

/* ---- path and violations ------------------------------------------------------------ */

static bool pushKey(Ctx *x, const char *key, size_t len) {
    if (!x->collect) return true;
    if (x->depthPath == x->capPath) {
        size_t cap = x->capPath ? x->capPath * 2 : 32;
        PathSeg *p = hgnRealloc(x->path, cap * sizeof *p);
        if (!p) {
            x->oom = x->stop = true;
            return false;
        }
        x->path = p;
        x->capPath = cap;
    }
    x->path[x->depthPath++] = (PathSeg){key, len, 0};
    return true;
}

static bool pushIndex(Ctx *x, size_t index) {
    if (!x->collect) return true;
    if (!pushKey(x, NULL, 0)) return false;
    x->path[x->depthPath - 1].index = index;
    return true;
}

static void pop(Ctx *x) {
    if (x->collect) x->depthPath--;
}

static void freeViolation(HgnSchemaViolation *v) {
    hgnFree(v->instancePointer);
    hgnFree(v->schemaPointer);
    hgnFree(v->keyword);
    hgnFree(v->message);
}

/* Records a violation of keyword at node n; takes msg's contents. Returns false. */
static bool report(Ctx *x, const SchemaNode *n, const char *keyword, HgnBuf *msg) {
    if (!x->collect || x->stop) {
        hgnBufFree(msg);
        return false;
    }
    HgnBuf ip, sp;
    hgnBufInit(&ip);
    hgnBufInit(&sp);
    for (size_t i = 0; i < x->depthPath; i++) {
        if (x->path[i].key)
            hgnJsonPointerAppendToken(&ip, x->path[i].key, x->path[i].keyLen);
        else
            hgnJsonPointerAppendIndex(&ip, x->path[i].index);
    }
    hgnBufAppendStr(&sp, n->pointer);
    if (keyword[0] && strcmp(keyword, "false") != 0) hgnJsonPointerAppendToken(&sp, keyword, strlen(keyword));
    HgnSchemaViolation v = {NULL, NULL, NULL, NULL};
    if (hgnBufOk(&ip) && hgnBufOk(&sp) && hgnBufOk(msg)) {
        v.instancePointer = hgnBufDetach(&ip);
        v.schemaPointer = hgnBufDetach(&sp);
        v.message = hgnBufDetach(msg);
        v.keyword = hgnStrdup(keyword);
    }
    hgnBufFree(&ip);
    hgnBufFree(&sp);
    hgnBufFree(msg);
    if (!v.instancePointer || !v.schemaPointer || !v.message || !v.keyword) goto oom;
    if (x->out->count == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 4;
        HgnSchemaViolation *a = hgnRealloc(x->out->items, cap * sizeof *a);
        if (!a) goto oom;
        x->out->items = a;
        x->cap = cap;
    }
    x->out->items[x->out->count++] = v;
    if (x->out->count >= x->maxViolations) x->stop = true;
    return false;
oom:
    freeViolation(&v);
    x->oom = x->stop = true;
    return false;
}

HGN_PRINTF(4, 5)
static bool fail(Ctx *x, const SchemaNode *n, const char *keyword, const char *fmt, ...) {
    if (!x->collect || x->stop) return false;
    HgnBuf msg;
    hgnBufInit(&msg);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    return report(x, n, keyword, &msg);
}

/* "…, found <description of inst>" */
HGN_PRINTF(5, 6)
static bool failFound(Ctx *x, const SchemaNode *n, const char *keyword, const json_t *inst, const char *fmt, ...) {
    if (!x->collect || x->stop) return false;
    HgnBuf msg;
    hgnBufInit(&msg);
    va_list ap;
    va_start(ap, fmt);
    hgnBufAppendfV(&msg, fmt, ap);
    va_end(ap);
    hgnBufAppendStr(&msg, ", found ");
    schemaDescribeValue(&msg, inst);
    return report(x, n, keyword, &msg);
}

/* Evaluates n quietly (no violations recorded). */
static bool quiet(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool saved = x->collect;
    x->collect = false;
    bool ok = validateNode(x, n, inst);
    x->collect = saved;
    return ok;
}

/* Evaluates n collecting only its first violation into *first (caller frees).
 * Returns validity. Used to explain why alternatives failed. */
static bool firstViolation(Ctx *x, const SchemaNode *n, const json_t *inst, HgnSchemaViolation *first) {
    memset(first, 0, sizeof *first);
    HgnSchemaViolations *savedOut = x->out, tmp = {NULL, 0};
    size_t savedCap = x->cap, savedMax = x->maxViolations;
    bool savedStop = x->stop;
    x->explaining++;
    x->out = &tmp;
    x->cap = 0;
    x->maxViolations = 1;
    x->stop = false;
    bool ok = validateNode(x, n, inst);
    if (tmp.count > 0) *first = tmp.items[0];
    for (size_t i = 1; i < tmp.count; i++) freeViolation(&tmp.items[i]);
    hgnFree(tmp.items);
    x->out = savedOut;
    x->cap = savedCap;
    x->maxViolations = savedMax;
    x->stop = savedStop || x->oom || x->aborted;
    x->explaining--;
    return ok;
}

/* ---- messages --------------------------------------------------------------------------- */

static void appendTypes(HgnBuf *b, unsigned types) {
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{SCHEMA_TYPE_OBJECT, "object"}, {SCHEMA_TYPE_ARRAY, "array"},     {SCHEMA_TYPE_STRING, "string"},
                 {SCHEMA_TYPE_NUMBER, "number"}, {SCHEMA_TYPE_INTEGER, "integer"}, {SCHEMA_TYPE_BOOLEAN, "boolean"},
                 {SCHEMA_TYPE_NULL, "null"}};
    if (types & SCHEMA_TYPE_NUMBER) types &= ~(unsigned)SCHEMA_TYPE_INTEGER;
    size_t total = 0, k = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) total += (types & names[i].bit) != 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(types & names[i].bit)) continue;
        if (k > 0) hgnBufAppendStr(b, k + 1 == total ? " or " : ", ");
        hgnBufAppendStr(b, names[i].name);
        k++;
    }
}

static unsigned typeOf(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return SCHEMA_TYPE_OBJECT;
    case JSON_ARRAY:
        return SCHEMA_TYPE_ARRAY;
    case JSON_STRING:
        return SCHEMA_TYPE_STRING;
    case JSON_INTEGER:
        return SCHEMA_TYPE_INTEGER | SCHEMA_TYPE_NUMBER;
    case JSON_REAL:
        return SCHEMA_TYPE_NUMBER | (schemaNumberIsIntegral(v) ? SCHEMA_TYPE_INTEGER : 0);
    case JSON_TRUE:
    case JSON_FALSE:
        return SCHEMA_TYPE_BOOLEAN;
    default:
        return SCHEMA_TYPE_NULL;
    }
}

/* ---- keyword families ---------------------------------------------------------------------- */

static bool validateNumber(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool ok = true;
    HgnBuf lim;
    if ((n->kw & KW_MINIMUM) && schemaNumberCompare(inst, n->minimum) < 0) {
        hgnBufInit(&lim);
        schemaAppendJson(&lim, n->minimum, 40);
        ok = failFound(x, n, "minimum", inst, "expected a number >= %s", hgnBufStr(&lim));
        hgnBufFree(&lim);
        if (!x->collect || x->stop) return false;
    }
    if ((n->kw & KW_MAXIMUM) && schemaNumberCompare(inst, n->maximum) > 0) {
        hgnBufInit(&lim);
        schemaAppendJson(&lim, n->maximum, 40);
        ok = failFound(x, n, "maximum", inst, "expected a number <= %s", hgnBufStr(&lim));
        hgnBufFree(&lim);
        if (!x->collect || x->stop) return false;
    }
    if ((n->kw & KW_EXCL_MINIMUM) && schemaNumberCompare(inst, n->exclMinimum) <= 0) {
        hgnBufInit(&lim);
        schemaAppendJson(&lim, n->exclMinimum, 40);
        ok = failFound(x, n, "exclusiveMinimum", inst, "expected a number > %s", hgnBufStr(&lim));
        hgnBufFree(&lim);
        if (!x->collect || x->stop) return false;
    }
    if ((n->kw & KW_EXCL_MAXIMUM) && schemaNumberCompare(inst, n->exclMaximum) >= 0) {
        hgnBufInit(&lim);
        schemaAppendJson(&lim, n->exclMaximum, 40);
        ok = failFound(x, n, "exclusiveMaximum", inst, "expected a number < %s", hgnBufStr(&lim));
        hgnBufFree(&lim);
        if (!x->collect || x->stop) return false;
    }
    if ((n->kw & KW_MULTIPLE_OF) && !schemaNumberIsMultipleOf(inst, n->multipleOf)) {
        hgnBufInit(&lim);
        schemaAppendJson(&lim, n->multipleOf, 40);
        ok = failFound(x, n, "multipleOf", inst, "expected a multiple of %s", hgnBufStr(&lim));
        hgnBufFree(&lim);
    }
    return ok;
}

static bool validateString(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool ok = true;
    const char *s = json_string_value(inst);
    size_t bytes = json_string_length(inst);
    if (n->kw & (KW_MIN_LENGTH | KW_MAX_LENGTH)) {
        /* a code point takes 1 to 4 bytes: count only when the byte length cannot decide */
        bool count =
            ((n->kw & KW_MIN_LENGTH) && n->minLength > bytes / 4) || ((n->kw & KW_MAX_LENGTH) && bytes > n->maxLength);
        size_t len = count ? schemaUtf8Length(s, bytes) : bytes;
        if ((n->kw & KW_MIN_LENGTH) && len < n->minLength) {
            ok = failFound(x, n, "minLength", inst, "expected a string of at least %zu character%s (found %zu)",
                           n->minLength, n->minLength == 1 ? "" : "s", len);
            if (!x->collect || x->stop) return false;
        }
        if ((n->kw & KW_MAX_LENGTH) && len > n->maxLength) {
            ok = failFound(x, n, "maxLength", inst, "expected a string of at most %zu character%s (found %zu)",
                           n->maxLength, n->maxLength == 1 ? "" : "s", len);
            if (!x->collect || x->stop) return false;
        }
    }
    if (n->kw & KW_PATTERN) {
        if (!x->md && !(x->md = schemaMatchDataCreate())) {
            x->oom = x->stop = true;
            return false;
        }
        int r = schemaRegexSearch(n->pattern, x->md, s, bytes);
        if (r < 0) {
            ok = failFound(x, n, "pattern", inst, "pattern \"%s\" could not be evaluated (match limit or memory)",
                           n->patternSource);
            if (!x->collect || x->stop) return false;
        } else if (r == 0) {
            ok = failFound(x, n, "pattern", inst, "expected a string matching pattern \"%s\"", n->patternSource);
            if (!x->collect || x->stop) return false;
        }
    }
    if ((n->kw & KW_FORMAT) && !n->formatCheck(s, bytes)) {
        ok = failFound(x, n, "format", inst, "expected %s", schemaFormatDescribe(n->format));
        if (!x->collect || x->stop) return false;
    }
    if (n->kw & KW_CONTENT) {
        bool known = false;
        if (n->contentEncoding && !schemaContentEncodingValid(n->contentEncoding, s, bytes, &known)) {
            ok = failFound(x, n, "contentEncoding", inst, "expected %s-encoded content", n->contentEncoding);
            if (!x->collect || x->stop) return false;
        } else if (n->contentMediaType &&
                   !schemaContentMediaTypeValid(n->contentMediaType, n->contentEncoding, s, bytes)) {
            ok = failFound(x, n, "contentMediaType", inst, "expected content of media type %s", n->contentMediaType);
        }
    }
    return ok;
}

/* Index pair (i < j) of the first two equal items, false when all are unique. */
typedef struct HashedItem {
    uint64_t hash;
    size_t index;
} HashedItem;

static int cmpHashed(const void *a, const void *b) {
    const HashedItem *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static bool findDuplicate(const json_t *arr, size_t *first, size_t *second) {
    size_t n = json_array_size(arr);
    HashedItem *h = n > 32 ? hgnMalloc(n * sizeof *h) : NULL;
    if (!h) { /* small arrays (or no memory): pairwise */
        for (size_t j = 1; j < n; j++)
            for (size_t i = 0; i < j; i++)
                if (schemaValueEqual(json_array_get(arr, i), json_array_get(arr, j))) {
                    *first = i;
                    *second = j;
                    return true;
                }
        return false;
    }
    for (size_t i = 0; i < n; i++) h[i] = (HashedItem){schemaValueHash(json_array_get(arr, i)), i};
    qsort(h, n, sizeof *h, cmpHashed);
    bool found = false;
    *second = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n && h[j].hash == h[i].hash; j++) {
            if (h[j].index < *second &&
                schemaValueEqual(json_array_get(arr, h[i].index), json_array_get(arr, h[j].index))) {
                *first = h[i].index;
                *second = h[j].index;
                found = true;
            }
        }
    }
    hgnFree(h);
    return found;
}

static bool validateArray(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool ok = true;
    size_t size = json_array_size(inst);
#define STOP_IF_QUIET()                                                                                                \
    do {                                                                                                               \
        if (!ok && (!x->collect || x->stop)) return false;                                                             \
    } while (0)
    if ((n->kw & KW_MIN_ITEMS) && size < n->minItems) {
        ok = fail(x, n, "minItems", "expected an array of at least %zu item%s, found %zu", n->minItems,
                  n->minItems == 1 ? "" : "s", size);
        STOP_IF_QUIET();
    }
    if ((n->kw & KW_MAX_ITEMS) && size > n->maxItems) {
        ok = fail(x, n, "maxItems", "expected an array of at most %zu item%s, found %zu", n->maxItems,
                  n->maxItems == 1 ? "" : "s", size);
        STOP_IF_QUIET();
    }
    if ((n->kw & KW_UNIQUE_ITEMS) && size > 1) {
        size_t i, j;
        if (findDuplicate(inst, &i, &j)) {
            HgnBuf v;
            hgnBufInit(&v);
            schemaAppendJson(&v, json_array_get(inst, i), 60);
            ok = fail(x, n, "uniqueItems", "expected unique items, found items %zu and %zu both equal to %s", i, j,
                      hgnBufStr(&v));
            hgnBufFree(&v);
            STOP_IF_QUIET();
        }
    }
    if (!n->hasArrayKeywords) return ok;
    size_t start = 0;
    if (n->items) {
        for (size_t i = 0; i < size; i++) {
            if (!pushIndex(x, i)) return false;
            if (!validateNode(x, n->items, json_array_get(inst, i))) ok = false;
            pop(x);
            STOP_IF_QUIET();
        }
        start = size;
    } else if (n->itemsIsArray) {
        for (size_t i = 0; i < size && i < n->nItemsArray; i++) {
            if (!pushIndex(x, i)) return false;
            if (!validateNode(x, n->itemsArray[i], json_array_get(inst, i))) ok = false;
            pop(x);
            STOP_IF_QUIET();
        }
        start = n->nItemsArray;
    } else {
        start = size; /* additionalItems only applies after a tuple "items" */
    }
    if (n->additionalItems && start < size) {
        if (n->additionalItems->isBool && !n->additionalItems->boolValue) {
            ok = fail(x, n, "additionalItems", "expected at most %zu item%s (additionalItems is false), found %zu",
                      start, start == 1 ? "" : "s", size);
            STOP_IF_QUIET();
        } else {
            for (size_t i = start; i < size; i++) {
                if (!pushIndex(x, i)) return false;
                if (!validateNode(x, n->additionalItems, json_array_get(inst, i))) ok = false;
                pop(x);
                STOP_IF_QUIET();
            }
        }
    }
    if (n->contains) {
        bool any = false;
        for (size_t i = 0; i < size && !any; i++) any = quiet(x, n->contains, json_array_get(inst, i));
        if (x->stop && !x->collect) return false;
        if (!any) {
            ok = fail(x, n, "contains",
                      "expected an array containing at least one item that matches \"contains\", "
                      "found none among %zu item%s",
                      size, size == 1 ? "" : "s");
            STOP_IF_QUIET();
        }
    }
    return ok;
}

static bool validateObject(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool ok = true;
    size_t size = json_object_size(inst);
    if ((n->kw & KW_MIN_PROPERTIES) && size < n->minProperties) {
        ok = fail(x, n, "minProperties", "expected an object with at least %zu propert%s, found %zu", n->minProperties,
                  n->minProperties == 1 ? "y" : "ies", size);
        STOP_IF_QUIET();
    }
    if ((n->kw & KW_MAX_PROPERTIES) && size > n->maxProperties) {
        ok = fail(x, n, "maxProperties", "expected an object with at most %zu propert%s, found %zu", n->maxProperties,
                  n->maxProperties == 1 ? "y" : "ies", size);
        STOP_IF_QUIET();
    }
    if (!n->hasObjectKeywords) return ok;
    for (size_t i = 0; i < n->nRequired; i++) {
        if (!json_object_get(inst, n->required[i])) {
            ok = fail(x, n, "required", "required property \"%s\" is missing", n->required[i]);
            STOP_IF_QUIET();
        }
    }
    for (size_t d = 0; d < n->nDependencies; d++) {
        const SchemaDependency *dep = &n->dependencies[d];
        if (!json_object_get(inst, dep->name)) continue;
        if (dep->node) {
            if (!validateNode(x, dep->node, inst)) ok = false;
            STOP_IF_QUIET();
        }
        for (size_t i = 0; i < dep->nRequired; i++) {
            if (!json_object_get(inst, dep->required[i])) {
                ok = fail(x, n, "dependencies", "property \"%s\" requires property \"%s\", which is missing", dep->name,
                          dep->required[i]);
                STOP_IF_QUIET();
            }
        }
    }
    bool perKey = n->nProperties || n->nPatternProperties || n->additionalProperties || n->propertyNames;
    if (!perKey) return ok;
    const char *key;
    size_t keyLen;
    json_t *value;
    json_object_keylen_foreach((json_t *)inst, key, keyLen, value) {
        bool matched = false;
        if (!pushKey(x, key, keyLen)) return false;
        if (n->nProperties) {
            const SchemaNode *p = schemaFindProperty(n, key, keyLen);
            if (p) {
                matched = true;
                if (!validateNode(x, p, value)) ok = false;
            }
        }
        for (size_t i = 0; i < n->nPatternProperties && !(!ok && (!x->collect || x->stop)); i++) {
            if (!x->md && !(x->md = schemaMatchDataCreate())) {
                x->oom = x->stop = true;
                ok = false;
                break;
            }
            int r = schemaRegexSearch(n->patternProperties[i].re, x->md, key, keyLen);
            if (r < 0) {
                ok = fail(x, n, "patternProperties", "pattern \"%s\" could not be evaluated (match limit or memory)",
                          n->patternProperties[i].source);
            } else if (r > 0) {
                matched = true;
                if (!validateNode(x, n->patternProperties[i].node, value)) ok = false;
            }
        }
        if (!matched && n->additionalProperties && (ok || (x->collect && !x->stop))) {
            if (n->additionalProperties->isBool && !n->additionalProperties->boolValue) {
                HgnBuf k;
                hgnBufInit(&k);
                hgnBufAppendJsonString(&k, key, keyLen);
                pop(x); /* report at the object, naming the key */
                ok = fail(x, n, "additionalProperties", "additional property %s is not allowed", hgnBufStr(&k));
                hgnBufFree(&k);
                if (!pushKey(x, key, keyLen)) return false;
            } else if (!validateNode(x, n->additionalProperties, value)) {
                ok = false;
            }
        }
        if (n->propertyNames && (ok || (x->collect && !x->stop))) {
            json_t *name = json_stringn_nocheck(key, keyLen);
            if (!name) {
                x->oom = x->stop = true;
                ok = false;
            } else if (!quiet(x, n->propertyNames, name)) {
                ok = false;
                if (x->collect && !x->stop) {
                    HgnSchemaViolation why = {NULL, NULL, NULL, NULL};
                    if (x->explaining < 2) (void)firstViolation(x, n->propertyNames, name, &why);
                    HgnBuf k;
                    hgnBufInit(&k);
                    hgnBufAppendJsonString(&k, key, keyLen);
                    fail(x, n, "propertyNames", "property name %s is not allowed by propertyNames%s%s", hgnBufStr(&k),
                         why.message ? ": " : "", why.message ? why.message : "");
                    hgnBufFree(&k);
                    freeViolation(&why);
                }
            }
            json_decref(name);
        }
        pop(x);
        STOP_IF_QUIET();
    }
    return ok;
}

/* Reports that none of the alternatives matched, explaining with the one that
 * got furthest into the instance (deepest first violation). Returns false. */
static bool failAlternatives(Ctx *x, const SchemaNode *n, const char *keyword, SchemaNode *const *alts, size_t count,
                             const json_t *inst, const char *headFmt) {
    if (!x->collect || x->stop) return false;
    HgnSchemaViolation best = {NULL, NULL, NULL, NULL};
    size_t bestIndex = 0, bestDepth = 0;
    for (size_t i = 0; i < count && !x->oom && x->explaining < 2; i++) {
        HgnSchemaViolation v;
        (void)firstViolation(x, alts[i], inst, &v);
        size_t depth = 0;
        for (const char *p = v.instancePointer; p && *p; p++) depth += *p == '/';
        if (v.message && (!best.message || depth > bestDepth)) {
            freeViolation(&best);
            best = v;
            bestIndex = i;
            bestDepth = depth;
        } else {
            freeViolation(&v);
        }
    }
    HgnBuf msg;
    hgnBufInit(&msg);
    hgnBufAppendf(&msg, headFmt, count);
    if (best.message)
        hgnBufAppendf(&msg, " (closest, #%zu: %s%s%s)", bestIndex, best.instancePointer,
                      best.instancePointer[0] ? ": " : "", best.message);
    hgnBufAppendStr(&msg, ", found ");
    schemaDescribeValue(&msg, inst);
    freeViolation(&best);
    return report(x, n, keyword, &msg);
}

static bool validateCombinators(Ctx *x, const SchemaNode *n, const json_t *inst) {
    bool ok = true;
    for (size_t i = 0; i < n->nAllOf; i++) {
        if (!validateNode(x, n->allOf[i], inst)) ok = false;
        STOP_IF_QUIET();
    }
    if (n->nAnyOf) {
        bool any = false;
        for (size_t i = 0; i < n->nAnyOf && !any; i++) any = quiet(x, n->anyOf[i], inst);
        if (!any) {
            ok = failAlternatives(x, n, "anyOf", n->anyOf, n->nAnyOf, inst,
                                  "expected a value matching at least one of the %zu schemas of anyOf");
            STOP_IF_QUIET();
        }
    }
    if (n->nOneOf) {
        size_t matches = 0, firstMatch = 0, secondMatch = 0;
        for (size_t i = 0; i < n->nOneOf && matches < 2; i++) {
            if (quiet(x, n->oneOf[i], inst)) {
                if (matches == 0)
                    firstMatch = i;
                else
                    secondMatch = i;
                matches++;
            }
        }
        if (matches == 0) {
            ok = failAlternatives(x, n, "oneOf", n->oneOf, n->nOneOf, inst,
                                  "expected a value matching exactly one of the %zu schemas of oneOf, it matches none");
            STOP_IF_QUIET();
        } else if (matches > 1) {
            ok =
                failFound(x, n, "oneOf", inst,
                          "expected a value matching exactly one of the %zu schemas of oneOf, it matches #%zu and #%zu",
                          n->nOneOf, firstMatch, secondMatch);
            STOP_IF_QUIET();
        }
    }
    if (n->notNode && quiet(x, n->notNode, inst)) {
        ok = failFound(x, n, "not", inst, "expected a value that does not match the \"not\" schema");
        STOP_IF_QUIET();
    }
    if (n->ifNode && (n->thenNode || n->elseNode)) {
        const SchemaNode *branch = quiet(x, n->ifNode, inst) ? n->thenNode : n->elseNode;
        if (branch && !validateNode(x, branch, inst)) ok = false;
    }
    return ok;
}

static bool validateNode(Ctx *x, const SchemaNode *n, const json_t *inst) {
    if (x->stop) return false;
    if (n->isBool) return n->boolValue || fail(x, n, "false", "no value is allowed here (schema is false)");
    if (++x->evaluations > x->schema->maxEvaluations) {
        bool saved = x->collect;
        x->collect = x->collectRequested;
        fail(x, n, "",
             "validation gave up after %zu subschema evaluations (the schema is too costly for this instance)",
             x->schema->maxEvaluations);
        x->collect = saved;
        x->stop = x->aborted = true;
        return false;
    }
    if (++x->depth > SCHEMA_MAX_DEPTH) {
        /* recorded even inside a quiet section: it ends the whole validation */
        bool saved = x->collect;
        x->collect = x->collectRequested;
        fail(x, n, "$ref",
             "schema evaluation nested deeper than %d levels (a $ref cycle that never consumes the instance?)",
             SCHEMA_MAX_DEPTH);
        x->collect = saved;
        x->stop = x->aborted = true;
        x->depth--;
        return false;
    }
    bool ok = true;
    if (n->ref) {
        ok = validateNode(x, n->ref, inst);
        x->depth--;
        return ok;
    }
    unsigned t = typeOf(inst);
    if ((n->kw & KW_TYPE) && !(n->types & t)) {
        HgnBuf msg;
        hgnBufInit(&msg);
        if (x->collect && !x->stop) {
            hgnBufAppendStr(&msg, "expected ");
            appendTypes(&msg, n->types);
            hgnBufAppendStr(&msg, ", found ");
            schemaDescribeValue(&msg, inst);
        }
        ok = report(x, n, "type", &msg);
        if (!x->collect || x->stop) goto out;
    }
    if ((n->kw & KW_CONST) && !schemaValueEqual(inst, n->constValue)) {
        HgnBuf c;
        hgnBufInit(&c);
        schemaAppendJson(&c, n->constValue, 80);
        ok = failFound(x, n, "const", inst, "expected the constant %s", hgnBufStr(&c));
        hgnBufFree(&c);
        if (!x->collect || x->stop) goto out;
    }
    if (n->kw & KW_ENUM) {
        bool found = false;
        for (size_t i = 0; i < json_array_size(n->enumValues) && !found; i++)
            found = schemaValueEqual(inst, json_array_get(n->enumValues, i));
        if (!found) {
            HgnBuf c;
            hgnBufInit(&c);
            schemaAppendJson(&c, n->enumValues, 120);
            ok = failFound(x, n, "enum", inst, "expected one of %s", hgnBufStr(&c));
            hgnBufFree(&c);
            if (!x->collect || x->stop) goto out;
        }
    }
    if ((t & SCHEMA_TYPE_NUMBER) && (n->kw & KW_NUMERIC)) {
        if (!validateNumber(x, n, inst)) ok = false;
        if (!ok && (!x->collect || x->stop)) goto out;
    } else if (t == SCHEMA_TYPE_STRING && (n->kw & KW_STRING)) {
        if (!validateString(x, n, inst)) ok = false;
        if (!ok && (!x->collect || x->stop)) goto out;
    } else if (t == SCHEMA_TYPE_ARRAY) {
        if (!validateArray(x, n, inst)) ok = false;
        if (!ok && (!x->collect || x->stop)) goto out;
    } else if (t == SCHEMA_TYPE_OBJECT) {
        if (!validateObject(x, n, inst)) ok = false;
        if (!ok && (!x->collect || x->stop)) goto out;
    }
    if (!validateCombinators(x, n, inst)) ok = false;
out:
    x->depth--;
    return ok;
}

/* ---- entry point ---------------------------------------------------------------------------- */

bool schemaRun(const HgnSchema *schema, const json_t *instance, bool collect, size_t maxViolations,
               HgnSchemaViolations *out, bool *oom) {
    HgnSchemaViolations none = {NULL, 0};
    Ctx x = {.schema = schema,
             .collect = collect,
             .collectRequested = collect,
             .maxViolations = maxViolations ? maxViolations : 1,
             .out = out ? out : &none};
    bool ok = validateNode(&x, schema->root, instance);
    schemaMatchDataFree(x.md);
    hgnFree(x.path);
    if (oom) *oom = x.oom;
    return ok && !x.oom;
}

void schemaViolationFree(HgnSchemaViolation *v) { freeViolation(v); }
