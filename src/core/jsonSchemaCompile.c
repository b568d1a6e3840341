/* jsonSchemaCompile.c — turns a draft-7 schema (plus the documents it may
 * reference) into the immutable SchemaNode tree of jsonSchemaInt.h: checks
 * every keyword's shape (HGN-0602 with the schema pointer otherwise),
 * compiles regexes once, indexes "$id"s and resolves "$ref" (JSON pointers
 * with ~0 ~1 and percent-encoding, relative URIs against the base in effect,
 * plain-name anchors, remote documents from HgnSchemaOptions.resources and
 * the draft-07 meta-schema). Recursive references become cycles in the tree. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "core/jsonPointer.h"
#include "core/jsonSchemaInt.h"
#include "core/jsonSchemaMeta.h"
#include "core/strBuf.h"

#define DEFAULT_BASE      "huginn:///root.json"
#define MAX_COMPILE_DEPTH 2048

typedef struct Resource {
    char *uri;   /* absolute, without fragment, or with a plain-name fragment for anchors */
    char *label; /* how messages name this schema: "#/definitions/x" or "uri#/..." */
    const json_t *node;
    bool isDocument; /* a document root, registered by its retrieval URI */
} Resource;

typedef struct Compiler {
    HgnSchema *schema;
    Resource *res;
    size_t nRes, capRes;
    SchemaPtrMap cache; /* json_t* → SchemaNode* */
    HgnStatus err;
    bool metaLoaded;
    int depth;
} Compiler;

/* ---- small helpers ------------------------------------------------------------ */

static void setOom(Compiler *c) {
    if (!c->err) c->err = hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory compiling a JSON Schema");
}

/* where = "<sourceName>#<pointer>" for the root document, the label itself
 * ("uri#/pointer") for other documents. */
HGN_PRINTF(3, 4)
static void setError(Compiler *c, const char *label, const char *fmt, ...) {
    if (c->err) return;
    va_list ap;
    va_start(ap, fmt);
    HgnBuf where;
    hgnBufInit(&where);
    if (!strchr(label, '#')) {
        hgnBufAppendStr(&where, c->schema->sourceName);
        hgnBufAppendChar(&where, '#');
    }
    hgnBufAppendStr(&where, label);
    c->err = hgnStatusNewV(HGN_CODE_InvalidSchema, hgnBufOk(&where) ? hgnBufStr(&where) : label,
                           "fix the schema (JSON Schema draft 7)", fmt, ap);
    hgnBufFree(&where);
    va_end(ap);
}

static size_t ptrHash(const void *p) {
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0xed5ad4bbU;
    x ^= x >> 11;
    return (size_t)x;
}

static void *mapGet(const SchemaPtrMap *m, const void *key) {
    if (!m->cap) return NULL;
    for (size_t i = ptrHash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return NULL;
        if (m->keys[i] == key) return m->values[i];
    }
}

static bool mapPut(SchemaPtrMap *m, const void *key, void *value) {
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const void **keys = hgnCalloc(cap, sizeof *keys);
        void **values = hgnCalloc(cap, sizeof *values);
        if (!keys || !values) {
            hgnFree(keys);
            hgnFree(values);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t j = ptrHash(m->keys[i]) & (cap - 1);
            while (keys[j]) j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            values[j] = m->values[i];
        }
        hgnFree(m->keys);
        hgnFree(m->values);
        m->keys = keys;
        m->values = values;
        m->cap = cap;
    }
    size_t i = ptrHash(key) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->count++;
    m->keys[i] = key;
    m->values[i] = value;
    return true;
}

static void mapFree(SchemaPtrMap *m) {
    hgnFree(m->keys);
    hgnFree(m->values);
    memset(m, 0, sizeof *m);
}

static bool holdDoc(HgnSchema *s, json_t *doc) {
    if (s->nDocs == s->capDocs) {
        size_t cap = s->capDocs ? s->capDocs * 2 : 4;
        json_t **d = hgnRealloc(s->docs, cap * sizeof *d);
        if (!d) return false;
        s->docs = d;
        s->capDocs = cap;
    }
    s->docs[s->nDocs++] = json_incref(doc);
    return true;
}

/* The base URI in effect inside json, given the base of its parent. $id next
 * to $ref is ignored (draft 7: $ref overrides every sibling). */
static char *childBase(const char *parentBase, const json_t *json) {
    const json_t *id = json_is_object(json) ? json_object_get(json, "$id") : NULL;
    if (!json_is_string(id) || json_object_get(json, "$ref")) return hgnStrdup(parentBase);
    char *r = schemaUriResolve(parentBase, json_string_value(id));
    if (!r) return NULL;
    char *hash = strchr(r, '#');
    if (hash) *hash = '\0'; /* a fragment never changes the base */
    return r;
}

static char *labelChild(const char *label, const char *token, size_t len) {
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, label);
    hgnJsonPointerAppendToken(&b, token, len);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return NULL;
    }
    return hgnBufDetach(&b);
}

static char *labelIndex(const char *label, size_t index) {
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, label);
    hgnJsonPointerAppendIndex(&b, index);
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return NULL;
    }
    return hgnBufDetach(&b);
}

/* ---- resource index ------------------------------------------------------------ */

static bool addResource(Compiler *c, const char *uri, const char *label, const json_t *node, bool isDocument) {
    for (size_t i = 0; i < c->nRes; i++)
        if (strcmp(c->res[i].uri, uri) == 0) return true; /* first definition wins */
    if (c->nRes == c->capRes) {
        size_t cap = c->capRes ? c->capRes * 2 : 8;
        Resource *r = hgnRealloc(c->res, cap * sizeof *r);
        if (!r) return false;
        c->res = r;
        c->capRes = cap;
    }
    Resource *r = &c->res[c->nRes];
    r->uri = hgnStrdup(uri);
    r->label = hgnStrdup(label);
    r->node = node;
    r->isDocument = isDocument;
    if (!r->uri || !r->label) {
        hgnFree(r->uri);
        hgnFree(r->label);
        return false;
    }
    c->nRes++;
    return true;
}

static const Resource *findResource(const Compiler *c, const char *uri) {
    for (size_t i = 0; i < c->nRes; i++)
        if (strcmp(c->res[i].uri, uri) == 0) return &c->res[i];
    return NULL;
}

/* Keywords whose value is a schema, an array of schemas, or an object of schemas. */
static const char *const kwSchema[] = {
    "additionalItems", "additionalProperties", "contains", "propertyNames", "not", "if", "then", "else"};
static const char *const kwSchemaArray[] = {"allOf", "anyOf", "oneOf"};
/* "$defs" (the 2019-09 name) is walked too: draft-7 schemas in the wild use it with "$ref": "#/$defs/…" */
static const char *const kwSchemaMap[] = {"properties", "patternProperties", "definitions", "$defs", "dependencies"};

static bool indexNode(Compiler *c, const json_t *json, const char *parentBase, const char *label, int depth);

static bool indexChild(Compiler *c, const json_t *child, const char *base, const char *label, const char *tok,
                       size_t tokLen, bool isIndex, size_t index, int depth) {
    char *l = isIndex ? labelIndex(label, index) : labelChild(label, tok, tokLen);
    if (!l) return false;
    bool ok = indexNode(c, child, base, l, depth + 1);
    hgnFree(l);
    return ok;
}

/* Registers every "$id" below json (walking only schema positions). */
static bool indexNode(Compiler *c, const json_t *json, const char *parentBase, const char *label, int depth) {
    if (!json_is_object(json) || depth > MAX_COMPILE_DEPTH) return true;
    char *base = childBase(parentBase, json);
    if (!base) return false;
    bool ok = true;
    const json_t *id = json_object_get(json, "$id");
    if (json_is_string(id) && !json_object_get(json, "$ref")) {
        char *full = schemaUriResolve(parentBase, json_string_value(id));
        if (!full)
            ok = false;
        else {
            char *hash = strchr(full, '#');
            if (hash && hash[1])
                ok = addResource(c, full, label, json, false); /* plain-name anchor */
            else {
                if (hash) *hash = '\0';
                ok = addResource(c, full, label, json, false);
            }
            hgnFree(full);
        }
    }
    for (size_t k = 0; ok && k < sizeof kwSchema / sizeof kwSchema[0]; k++) {
        const json_t *v = json_object_get(json, kwSchema[k]);
        if (v) ok = indexChild(c, v, base, label, kwSchema[k], strlen(kwSchema[k]), false, 0, depth);
    }
    const json_t *items = json_object_get(json, "items");
    if (ok && json_is_object(items)) ok = indexChild(c, items, base, label, "items", 5, false, 0, depth);
    const json_t *arrays[4] = {NULL, NULL, NULL, NULL};
    const char *arrayNames[4] = {"items", "allOf", "anyOf", "oneOf"};
    arrays[0] = json_is_array(items) ? items : NULL;
    for (size_t k = 0; k < 3; k++) arrays[k + 1] = json_object_get(json, kwSchemaArray[k]);
    for (size_t k = 0; ok && k < 4; k++) {
        if (!json_is_array(arrays[k])) continue;
        char *l = labelChild(label, arrayNames[k], strlen(arrayNames[k]));
        if (!l) {
            ok = false;
            break;
        }
        for (size_t i = 0; ok && i < json_array_size(arrays[k]); i++)
            ok = indexChild(c, json_array_get(arrays[k], i), base, l, NULL, 0, true, i, depth);
        hgnFree(l);
    }
    for (size_t k = 0; ok && k < sizeof kwSchemaMap / sizeof kwSchemaMap[0]; k++) {
        const json_t *m = json_object_get(json, kwSchemaMap[k]);
        if (!json_is_object(m)) continue;
        char *l = labelChild(label, kwSchemaMap[k], strlen(kwSchemaMap[k]));
        if (!l) {
            ok = false;
            break;
        }
        const char *key;
        size_t keyLen;
        json_t *v;
        json_object_keylen_foreach((json_t *)m, key, keyLen, v) {
            if (!ok) break;
            ok = indexChild(c, v, base, l, key, keyLen, false, 0, depth);
        }
        hgnFree(l);
    }
    hgnFree(base);
    return ok;
}

/* Adds a whole document reachable at uri (no fragment), labelled uri + "#". */
static bool addDocument(Compiler *c, const char *uri, const json_t *doc, bool isRoot) {
    HgnBuf label;
    hgnBufInit(&label);
    if (!isRoot) {
        hgnBufAppendStr(&label, uri);
        hgnBufAppendChar(&label, '#');
    }
    bool ok = hgnBufOk(&label) && addResource(c, uri, hgnBufStr(&label), doc, true) &&
              indexNode(c, doc, uri, hgnBufStr(&label), 0);
    hgnBufFree(&label);
    return ok;
}

static bool loadMeta(Compiler *c) {
    c->metaLoaded = true;
    json_t *meta = json_loads(schemaDraft7Meta, 0, NULL);
    if (!meta) return false;
    bool ok = holdDoc(c->schema, meta);
    json_decref(meta);
    return ok && addDocument(c, schemaDraft7MetaUri, meta, false);
}

/* ---- $ref resolution -------------------------------------------------------------- */

typedef struct Target {
    const json_t *node;
    char *base;
    char *label;
} Target;

/* Finds what ref (relative to base) names. False with c->err set otherwise. */
static bool resolveRef(Compiler *c, const char *base, const char *ref, const char *refLabel, Target *t) {
    memset(t, 0, sizeof *t);
    char *abs = schemaUriResolve(base, ref);
    if (!abs) {
        setOom(c);
        return false;
    }
    const char *frag = NULL;
    char *doc = schemaUriStripFragment(abs, &frag);
    bool ok = false;
    if (!doc) {
        setOom(c);
        goto done;
    }
    if (frag && frag[0] && frag[0] != '/') { /* plain-name fragment: an anchor "$id": "#name" */
        const Resource *r = findResource(c, abs);
        if (!r) {
            setError(c, refLabel, "$ref \"%s\" names anchor \"%s\" which no \"$id\" defines", ref, abs);
            goto done;
        }
        t->node = r->node;
        t->base = hgnStrdup(doc);
        t->label = hgnStrdup(r->label);
        ok = t->base && t->label;
        if (!ok) setOom(c);
        goto done;
    }
    const Resource *r = findResource(c, doc);
    if (!r && !c->metaLoaded && strcmp(doc, schemaDraft7MetaUri) == 0) {
        if (!loadMeta(c)) {
            setOom(c);
            goto done;
        }
        r = findResource(c, doc);
    }
    if (!r) {
        setError(c, refLabel, "$ref \"%s\" (resolved to \"%s\") names no known schema document", ref, abs);
        goto done;
    }
    /* walk the fragment pointer, tracking base changes by $id */
    const json_t *cur = r->node;
    /* a document's own "$id" may differ from the URI it was retrieved by */
    char *curBase = r->isDocument ? childBase(doc, cur) : hgnStrdup(doc);
    HgnBuf label;
    hgnBufInit(&label);
    hgnBufAppendStr(&label, r->label);
    bool decodeOom = false;
    char *ptr = frag ? schemaPercentDecode(frag, strlen(frag), &decodeOom) : hgnStrdup("");
    if (!curBase || !ptr) {
        hgnFree(curBase);
        hgnFree(ptr);
        hgnBufFree(&label);
        if (frag && curBase && !decodeOom)
            setError(c, refLabel, "$ref \"%s\" has a malformed fragment", ref);
        else
            setOom(c);
        goto done;
    }
    const char *p = ptr;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const json_t *next = hgnJsonPointerStep(cur, p, len);
        if (!next) {
            setError(c, refLabel, "$ref \"%s\": JSON pointer \"%s\" does not exist in \"%s\"", ref, ptr, doc);
            break;
        }
        char *nb = childBase(curBase, next);
        hgnFree(curBase);
        curBase = nb;
        hgnBufAppendChar(&label, '/');
        hgnBufAppend(&label, p, len);
        cur = next;
        if (!curBase) break;
        p += len;
    }
    hgnFree(ptr);
    if (!c->err && (!curBase || !hgnBufOk(&label))) setOom(c);
    if (c->err) {
        hgnFree(curBase);
        hgnBufFree(&label);
        goto done;
    }
    t->node = cur;
    t->base = curBase;
    t->label = hgnBufDetach(&label);
    ok = t->label != NULL;
    if (!ok) setOom(c);
done:
    if (!ok) {
        hgnFree(t->base);
        hgnFree(t->label);
        memset(t, 0, sizeof *t);
    }
    hgnFree(doc);
    hgnFree(abs);
    return ok;
}

/* ---- keyword compilation ------------------------------------------------------------ */

static SchemaNode *compileNode(Compiler *c, const json_t *json, const char *base, const char *label);

/* Compiles the subschema json found at label/tok under the parent base. */
static SchemaNode *compileChild(Compiler *c, const json_t *json, const char *parentBase, const char *label) {
    char *base = childBase(parentBase, json);
    if (!base) {
        setOom(c);
        return NULL;
    }
    SchemaNode *n = compileNode(c, json, base, label);
    hgnFree(base);
    return n;
}

static SchemaNode *compileKeyword(Compiler *c, const json_t *json, const char *base, const char *label,
                                  const char *kw) {
    char *l = labelChild(label, kw, strlen(kw));
    if (!l) {
        setOom(c);
        return NULL;
    }
    SchemaNode *n = compileChild(c, json, base, l);
    hgnFree(l);
    return n;
}

static bool compileArray(Compiler *c, const json_t *arr, const char *base, const char *label, const char *kw,
                         SchemaNode ***out, size_t *nOut) {
    char *l = labelChild(label, kw, strlen(kw));
    if (!l) {
        setOom(c);
        return false;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        setError(c, l, "\"%s\" must be a non-empty array of schemas", kw);
        hgnFree(l);
        return false;
    }
    size_t n = json_array_size(arr);
    SchemaNode **a = hgnCalloc(n, sizeof *a);
    if (!a) {
        setOom(c);
        hgnFree(l);
        return false;
    }
    *out = a;
    *nOut = n;
    for (size_t i = 0; i < n; i++) {
        char *li = labelIndex(l, i);
        if (!li) {
            setOom(c);
            break;
        }
        a[i] = compileChild(c, json_array_get(arr, i), base, li);
        hgnFree(li);
        if (!a[i]) break;
    }
    hgnFree(l);
    return !c->err;
}

static bool nonNegative(Compiler *c, const json_t *v, const char *label, const char *kw, size_t *out) {
    if (!schemaNumberIsIntegral(v) || (json_is_integer(v) ? json_integer_value(v) < 0 : json_real_value(v) < 0)) {
        char *l = labelChild(label, kw, strlen(kw));
        HgnBuf found;
        hgnBufInit(&found);
        schemaDescribeValue(&found, v);
        setError(c, l ? l : label, "\"%s\" must be a non-negative integer, found %s", kw, hgnBufStr(&found));
        hgnBufFree(&found);
        hgnFree(l);
        return false;
    }
    double d = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
    *out = d >= 1.8e19 ? SIZE_MAX : json_is_integer(v) ? (size_t)json_integer_value(v) : (size_t)d;
    return true;
}

/* Reports a keyword of the wrong shape; kw NULL: label already names the value. */
static bool kwError(Compiler *c, const char *label, const char *kw, const char *expected, const json_t *found) {
    char *l = kw ? labelChild(label, kw, strlen(kw)) : NULL;
    HgnBuf f;
    hgnBufInit(&f);
    schemaDescribeValue(&f, found);
    if (kw)
        setError(c, l ? l : label, "\"%s\" must be %s, found %s", kw, expected, hgnBufStr(&f));
    else
        setError(c, label, "expected %s, found %s", expected, hgnBufStr(&f));
    hgnBufFree(&f);
    hgnFree(l);
    return false;
}

static unsigned typeBit(const char *name) {
    static const struct {
        const char *name;
        unsigned bit;
    } types[] = {{"null", SCHEMA_TYPE_NULL},      {"boolean", SCHEMA_TYPE_BOOLEAN}, {"object", SCHEMA_TYPE_OBJECT},
                 {"array", SCHEMA_TYPE_ARRAY},    {"number", SCHEMA_TYPE_NUMBER},   {"string", SCHEMA_TYPE_STRING},
                 {"integer", SCHEMA_TYPE_INTEGER}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, name) == 0) return types[i].bit;
    return 0;
}

static int cmpNamed(const void *a, const void *b) {
    const SchemaNamedNode *x = a, *y = b;
    size_t n = x->nameLen < y->nameLen ? x->nameLen : y->nameLen;
    int r = memcmp(x->name, y->name, n);
    if (r) return r;
    return x->nameLen < y->nameLen ? -1 : x->nameLen > y->nameLen;
}

SchemaNode *schemaFindProperty(const SchemaNode *node, const char *name, size_t len) {
    size_t lo = 0, hi = node->nProperties;
    SchemaNamedNode key = {name, len, NULL};
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = cmpNamed(&key, &node->properties[mid]);
        if (r == 0) return node->properties[mid].node;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static SchemaRegex *compileRegex(Compiler *c, const json_t *pattern, const char *label, const char *what) {
    HgnBuf err;
    hgnBufInit(&err);
    bool oom = false;
    SchemaRegex *re = schemaRegexCompile(json_string_value(pattern), json_string_length(pattern), &err, &oom);
    if (!re) {
        if (oom || !hgnBufOk(&err))
            setOom(c);
        else
            setError(c, label, "%s \"%s\" is not a valid ECMA-262 regular expression: %s", what,
                     json_string_value(pattern), hgnBufStr(&err));
    } else {
        c->schema->hasPatterns = true;
    }
    hgnBufFree(&err);
    return re;
}

static bool compileObjectKeywords(Compiler *c, SchemaNode *n, const json_t *json, const char *base, const char *label) {
    const json_t *v;
    if ((v = json_object_get(json, "properties"))) {
        if (!json_is_object(v)) return kwError(c, label, "properties", "an object of schemas", v);
        n->hasObjectKeywords = true;
        size_t cnt = json_object_size(v);
        n->properties = hgnCalloc(cnt ? cnt : 1, sizeof *n->properties);
        if (!n->properties) return setOom(c), false;
        char *l = labelChild(label, "properties", 10);
        if (!l) return setOom(c), false;
        const char *key;
        size_t keyLen;
        json_t *sub;
        json_object_keylen_foreach((json_t *)v, key, keyLen, sub) {
            char *lk = labelChild(l, key, keyLen);
            SchemaNode *child = lk ? compileChild(c, sub, base, lk) : NULL;
            hgnFree(lk);
            if (!child) break;
            n->properties[n->nProperties++] = (SchemaNamedNode){key, keyLen, child};
        }
        hgnFree(l);
        if (c->err || n->nProperties != cnt) return setOom(c), false;
        qsort(n->properties, n->nProperties, sizeof *n->properties, cmpNamed);
    }
    if ((v = json_object_get(json, "patternProperties"))) {
        if (!json_is_object(v)) return kwError(c, label, "patternProperties", "an object of schemas", v);
        n->hasObjectKeywords = true;
        size_t cnt = json_object_size(v);
        n->patternProperties = hgnCalloc(cnt ? cnt : 1, sizeof *n->patternProperties);
        if (!n->patternProperties) return setOom(c), false;
        char *l = labelChild(label, "patternProperties", 17);
        if (!l) return setOom(c), false;
        const char *key;
        size_t keyLen;
        json_t *sub;
        json_object_keylen_foreach((json_t *)v, key, keyLen, sub) {
            char *lk = labelChild(l, key, keyLen);
            if (!lk) break;
            json_t *pat = json_stringn_nocheck(key, keyLen);
            SchemaPatternNode *pn = &n->patternProperties[n->nPatternProperties];
            pn->re = pat ? compileRegex(c, pat, lk, "patternProperties key") : NULL;
            json_decref(pat);
            if (!pn->re) {
                hgnFree(lk);
                break;
            }
            pn->source = key;
            n->nPatternProperties++; /* counted now so the regex is freed on error */
            pn->node = compileChild(c, sub, base, lk);
            hgnFree(lk);
            if (!pn->node) break;
        }
        hgnFree(l);
        if (c->err || n->nPatternProperties != cnt) return setOom(c), false;
    }
    if ((v = json_object_get(json, "additionalProperties"))) {
        n->hasObjectKeywords = true;
        if (!(n->additionalProperties = compileKeyword(c, v, base, label, "additionalProperties"))) return false;
    }
    if ((v = json_object_get(json, "required"))) {
        if (!json_is_array(v)) return kwError(c, label, "required", "an array of property names", v);
        n->hasObjectKeywords = true;
        n->nRequired = json_array_size(v);
        n->required = hgnCalloc(n->nRequired ? n->nRequired : 1, sizeof *n->required);
        if (!n->required) return setOom(c), false;
        for (size_t i = 0; i < n->nRequired; i++) {
            const json_t *name = json_array_get(v, i);
            if (!json_is_string(name)) {
                char *l = labelChild(label, "required", 8);
                char *li = l ? labelIndex(l, i) : NULL;
                kwError(c, li ? li : label, NULL, "a property name (string)", name);
                hgnFree(li);
                hgnFree(l);
                return false;
            }
            n->required[i] = json_string_value(name);
        }
    }
    if ((v = json_object_get(json, "dependencies"))) {
        if (!json_is_object(v)) return kwError(c, label, "dependencies", "an object", v);
        n->hasObjectKeywords = true;
        size_t cnt = json_object_size(v);
        n->dependencies = hgnCalloc(cnt ? cnt : 1, sizeof *n->dependencies);
        char *l = labelChild(label, "dependencies", 12);
        if (!n->dependencies || !l) {
            hgnFree(l);
            return setOom(c), false;
        }
        const char *key;
        json_t *sub;
        json_object_foreach((json_t *)v, key, sub) {
            SchemaDependency *d = &n->dependencies[n->nDependencies++];
            d->name = key;
            char *lk = labelChild(l, key, strlen(key));
            if (!lk) {
                setOom(c);
                break;
            }
            if (json_is_array(sub)) {
                d->nRequired = json_array_size(sub);
                d->required = hgnCalloc(d->nRequired ? d->nRequired : 1, sizeof *d->required);
                if (!d->required) setOom(c);
                for (size_t i = 0; d->required && i < d->nRequired; i++) {
                    const json_t *name = json_array_get(sub, i);
                    if (!json_is_string(name)) {
                        char *li = labelIndex(lk, i);
                        kwError(c, li ? li : lk, NULL, "a property name (string)", name);
                        hgnFree(li);
                        break;
                    }
                    d->required[i] = json_string_value(name);
                }
            } else {
                d->node = compileChild(c, sub, base, lk);
            }
            hgnFree(lk);
            if (c->err) break;
        }
        hgnFree(l);
        if (c->err) return false;
    }
    if ((v = json_object_get(json, "propertyNames"))) {
        n->hasObjectKeywords = true;
        if (!(n->propertyNames = compileKeyword(c, v, base, label, "propertyNames"))) return false;
    }
    if ((v = json_object_get(json, "minProperties"))) {
        n->kw |= KW_MIN_PROPERTIES;
        if (!nonNegative(c, v, label, "minProperties", &n->minProperties)) return false;
    }
    if ((v = json_object_get(json, "maxProperties"))) {
        n->kw |= KW_MAX_PROPERTIES;
        if (!nonNegative(c, v, label, "maxProperties", &n->maxProperties)) return false;
    }
    return true;
}

static bool compileArrayKeywords(Compiler *c, SchemaNode *n, const json_t *json, const char *base, const char *label) {
    const json_t *v;
    if ((v = json_object_get(json, "items"))) {
        n->hasArrayKeywords = true;
        if (json_is_array(v)) {
            n->itemsIsArray = true;
            if (json_array_size(v) == 0) {
                n->itemsArray = NULL;
                n->nItemsArray = 0;
            } else if (!compileArray(c, v, base, label, "items", &n->itemsArray, &n->nItemsArray)) {
                return false;
            }
        } else if (!(n->items = compileKeyword(c, v, base, label, "items"))) {
            return false;
        }
    }
    if ((v = json_object_get(json, "additionalItems"))) {
        n->hasArrayKeywords = true;
        if (!(n->additionalItems = compileKeyword(c, v, base, label, "additionalItems"))) return false;
    }
    if ((v = json_object_get(json, "contains"))) {
        n->hasArrayKeywords = true;
        if (!(n->contains = compileKeyword(c, v, base, label, "contains"))) return false;
    }
    if ((v = json_object_get(json, "minItems"))) {
        n->kw |= KW_MIN_ITEMS;
        if (!nonNegative(c, v, label, "minItems", &n->minItems)) return false;
    }
    if ((v = json_object_get(json, "maxItems"))) {
        n->kw |= KW_MAX_ITEMS;
        if (!nonNegative(c, v, label, "maxItems", &n->maxItems)) return false;
    }
    if ((v = json_object_get(json, "uniqueItems"))) {
        if (!json_is_boolean(v)) return kwError(c, label, "uniqueItems", "a boolean", v);
        if (json_is_true(v)) n->kw |= KW_UNIQUE_ITEMS;
    }
    return true;
}

static bool compileScalarKeywords(Compiler *c, SchemaNode *n, const json_t *json, const char *label) {
    const json_t *v;
    if ((v = json_object_get(json, "type"))) {
        n->kw |= KW_TYPE;
        if (json_is_string(v)) {
            n->types = typeBit(json_string_value(v));
            if (!n->types)
                return kwError(c, label, "type", "one of null, boolean, object, array, number, string, integer", v);
        } else if (json_is_array(v)) {
            for (size_t i = 0; i < json_array_size(v); i++) {
                const json_t *t = json_array_get(v, i);
                unsigned bit = json_is_string(t) ? typeBit(json_string_value(t)) : 0;
                if (!bit) {
                    char *l = labelChild(label, "type", 4);
                    char *li = l ? labelIndex(l, i) : NULL;
                    kwError(c, li ? li : label, NULL, "one of null, boolean, object, array, number, string, integer",
                            t);
                    hgnFree(li);
                    hgnFree(l);
                    return false;
                }
                n->types |= bit;
            }
        } else {
            return kwError(c, label, "type", "a type name or an array of type names", v);
        }
        if (n->types & SCHEMA_TYPE_NUMBER) n->types |= SCHEMA_TYPE_INTEGER;
    }
    if ((v = json_object_get(json, "enum"))) {
        if (!json_is_array(v)) return kwError(c, label, "enum", "an array", v);
        n->kw |= KW_ENUM;
        n->enumValues = v;
    }
    if ((v = json_object_get(json, "const"))) {
        n->kw |= KW_CONST;
        n->constValue = v;
    }
    static const struct {
        const char *name;
        uint32_t bit;
        size_t offset;
    } nums[] = {{"minimum", KW_MINIMUM, offsetof(SchemaNode, minimum)},
                {"maximum", KW_MAXIMUM, offsetof(SchemaNode, maximum)},
                {"exclusiveMinimum", KW_EXCL_MINIMUM, offsetof(SchemaNode, exclMinimum)},
                {"exclusiveMaximum", KW_EXCL_MAXIMUM, offsetof(SchemaNode, exclMaximum)},
                {"multipleOf", KW_MULTIPLE_OF, offsetof(SchemaNode, multipleOf)}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (!(v = json_object_get(json, nums[i].name))) continue;
        if (!json_is_number(v)) return kwError(c, label, nums[i].name, "a number", v);
        if (nums[i].bit == KW_MULTIPLE_OF && json_number_value(v) <= 0)
            return kwError(c, label, nums[i].name, "a number greater than 0", v);
        n->kw |= nums[i].bit;
        *(const json_t **)((char *)n + nums[i].offset) = v;
    }
    if ((v = json_object_get(json, "minLength"))) {
        n->kw |= KW_MIN_LENGTH;
        if (!nonNegative(c, v, label, "minLength", &n->minLength)) return false;
    }
    if ((v = json_object_get(json, "maxLength"))) {
        n->kw |= KW_MAX_LENGTH;
        if (!nonNegative(c, v, label, "maxLength", &n->maxLength)) return false;
    }
    if ((v = json_object_get(json, "pattern"))) {
        if (!json_is_string(v)) return kwError(c, label, "pattern", "a string (regular expression)", v);
        char *l = labelChild(label, "pattern", 7);
        if (!l) return setOom(c), false;
        n->pattern = compileRegex(c, v, l, "pattern");
        hgnFree(l);
        if (!n->pattern) return false;
        n->patternSource = json_string_value(v);
        n->kw |= KW_PATTERN;
    }
    if ((v = json_object_get(json, "format"))) {
        if (!json_is_string(v)) return kwError(c, label, "format", "a string", v);
        n->format = json_string_value(v);
        n->formatCheck = schemaFormatLookup(n->format);
        if (n->formatCheck && c->schema->validateFormats) n->kw |= KW_FORMAT;
    }
    const json_t *enc = json_object_get(json, "contentEncoding");
    const json_t *media = json_object_get(json, "contentMediaType");
    if (enc && !json_is_string(enc)) return kwError(c, label, "contentEncoding", "a string", enc);
    if (media && !json_is_string(media)) return kwError(c, label, "contentMediaType", "a string", media);
    n->contentEncoding = json_string_value(enc);
    n->contentMediaType = json_string_value(media);
    if ((enc || media) && c->schema->validateFormats) n->kw |= KW_CONTENT;
    return true;
}

static SchemaNode *newNode(Compiler *c, const json_t *json, const char *label) {
    HgnSchema *s = c->schema;
    if (s->nNodes == s->capNodes) {
        size_t cap = s->capNodes ? s->capNodes * 2 : 16;
        SchemaNode **a = hgnRealloc(s->nodes, cap * sizeof *a);
        if (!a) return NULL;
        s->nodes = a;
        s->capNodes = cap;
    }
    SchemaNode *n = hgnCalloc(1, sizeof *n);
    if (!n) return NULL;
    n->pointer = hgnStrdup(label);
    if (!n->pointer) {
        hgnFree(n);
        return NULL;
    }
    n->json = json;
    s->nodes[s->nNodes++] = n;
    return n;
}

static SchemaNode *compileNode(Compiler *c, const json_t *json, const char *base, const char *label) {
    if (c->err) return NULL;
    SchemaNode *cached = mapGet(&c->cache, json);
    if (cached) return cached;
    if (!json_is_object(json) && !json_is_boolean(json)) {
        HgnBuf f;
        hgnBufInit(&f);
        schemaDescribeValue(&f, json);
        setError(c, label, "a schema must be an object or a boolean, found %s", hgnBufStr(&f));
        hgnBufFree(&f);
        return NULL;
    }
    if (c->depth >= MAX_COMPILE_DEPTH) {
        setError(c, label, "schema is nested deeper than %d levels", MAX_COMPILE_DEPTH);
        return NULL;
    }
    SchemaNode *n = newNode(c, json, label);
    if (!n || !mapPut(&c->cache, json, n)) {
        setOom(c);
        return NULL;
    }
    if (json_is_boolean(json)) {
        n->isBool = true;
        n->boolValue = json_is_true(json);
        return n;
    }
    c->depth++;
    const json_t *ref = json_object_get(json, "$ref");
    if (ref) {
        if (!json_is_string(ref)) {
            kwError(c, label, "$ref", "a URI reference (string)", ref);
        } else {
            char *l = labelChild(label, "$ref", 4);
            Target t;
            if (!l)
                setOom(c);
            else if (resolveRef(c, base, json_string_value(ref), l, &t)) {
                n->refText = json_string_value(ref);
                n->ref = compileNode(c, t.node, t.base, t.label);
                hgnFree(t.base);
                hgnFree(t.label);
            }
            hgnFree(l);
        }
        c->depth--;
        return c->err ? NULL : n;
    }
    const json_t *id = json_object_get(json, "$id");
    if (id && !json_is_string(id)) kwError(c, label, "$id", "a URI reference (string)", id);
    if (!c->err) compileScalarKeywords(c, n, json, label);
    if (!c->err) compileObjectKeywords(c, n, json, base, label);
    if (!c->err) compileArrayKeywords(c, n, json, base, label);
    const json_t *v;
    if (!c->err && (v = json_object_get(json, "allOf")))
        compileArray(c, v, base, label, "allOf", &n->allOf, &n->nAllOf);
    if (!c->err && (v = json_object_get(json, "anyOf")))
        compileArray(c, v, base, label, "anyOf", &n->anyOf, &n->nAnyOf);
    if (!c->err && (v = json_object_get(json, "oneOf")))
        compileArray(c, v, base, label, "oneOf", &n->oneOf, &n->nOneOf);
    if (!c->err && (v = json_object_get(json, "not"))) n->notNode = compileKeyword(c, v, base, label, "not");
    if (!c->err && (v = json_object_get(json, "if"))) n->ifNode = compileKeyword(c, v, base, label, "if");
    if (!c->err && (v = json_object_get(json, "then"))) n->thenNode = compileKeyword(c, v, base, label, "then");
    if (!c->err && (v = json_object_get(json, "else"))) n->elseNode = compileKeyword(c, v, base, label, "else");
    if (!c->err && (v = json_object_get(json, "definitions"))) {
        if (!json_is_object(v)) {
            kwError(c, label, "definitions", "an object of schemas", v);
        } else {
            char *l = labelChild(label, "definitions", 11);
            if (!l) setOom(c);
            const char *key;
            size_t keyLen;
            json_t *sub;
            json_object_keylen_foreach((json_t *)v, key, keyLen, sub) {
                if (c->err) break;
                char *lk = labelChild(l, key, keyLen);
                if (!lk)
                    setOom(c);
                else
                    (void)compileChild(c, sub, base, lk);
                hgnFree(lk);
            }
            hgnFree(l);
        }
    }
    c->depth--;
    return c->err ? NULL : n;
}

/* ---- public ------------------------------------------------------------------------- */

void hgnSchemaFree(HgnSchema *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nNodes; i++) {
        SchemaNode *n = s->nodes[i];
        hgnFree(n->pointer);
        schemaRegexFree(n->pattern);
        hgnFree(n->properties);
        for (size_t k = 0; k < n->nPatternProperties; k++) schemaRegexFree(n->patternProperties[k].re);
        hgnFree(n->patternProperties);
        hgnFree(n->required);
        for (size_t k = 0; k < n->nDependencies; k++) hgnFree(n->dependencies[k].required);
        hgnFree(n->dependencies);
        hgnFree(n->itemsArray);
        hgnFree(n->allOf);
        hgnFree(n->anyOf);
        hgnFree(n->oneOf);
        hgnFree(n);
    }
    hgnFree(s->nodes);
    for (size_t i = 0; i < s->nDocs; i++) json_decref(s->docs[i]);
    hgnFree(s->docs);
    hgnFree(s->sourceName);
    hgnFree(s);
}

HgnStatus hgnSchemaCompile(const json_t *schema, const char *sourceName, const HgnSchemaOptions *opts,
                           HgnSchema **out) {
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnSchemaCompile: out is NULL");
    *out = NULL;
    if (!schema)
        return hgnStatusNew(HGN_CODE_InvalidSchema, sourceName, "pass a parsed JSON document", "schema is NULL");
    HgnSchema *s = hgnCalloc(1, sizeof *s);
    if (!s) return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory compiling a JSON Schema");
    Compiler c = {.schema = s};
    s->validateFormats = opts ? opts->validateFormats : true;
    s->maxEvaluations = opts && opts->maxEvaluations ? opts->maxEvaluations : SCHEMA_DEFAULT_MAX_EVALUATIONS;
    s->sourceName = hgnStrdup(sourceName ? sourceName : "schema");
    if (!s->sourceName || !holdDoc(s, (json_t *)schema)) goto oom;
    if (opts && opts->resources && !json_is_object(opts->resources)) {
        hgnSchemaFree(s);
        return hgnStatusNew(HGN_CODE_InvalidArgument, sourceName, "pass an object mapping URIs to schema documents",
                            "HgnSchemaOptions.resources must be a JSON object");
    }
    if (opts && json_is_object(opts->resources)) {
        if (!holdDoc(s, (json_t *)opts->resources)) goto oom;
        const char *key;
        json_t *doc;
        json_object_foreach((json_t *)opts->resources, key, doc) {
            char *uri = schemaUriStripFragment(key, NULL);
            bool ok = uri && addDocument(&c, uri, doc, false);
            hgnFree(uri);
            if (!ok) goto oom;
        }
    }
    char *rootBase = childBase(DEFAULT_BASE, schema);
    if (!rootBase) goto oom;
    bool ok = addDocument(&c, DEFAULT_BASE, schema, true) && addResource(&c, rootBase, "", schema, false);
    if (!ok) {
        hgnFree(rootBase);
        goto oom;
    }
    s->root = compileNode(&c, schema, rootBase, "");
    hgnFree(rootBase);
    goto done;
oom:
    setOom(&c);
done:
    for (size_t i = 0; i < c.nRes; i++) {
        hgnFree(c.res[i].uri);
        hgnFree(c.res[i].label);
    }
    hgnFree(c.res);
    mapFree(&c.cache);
    if (c.err || !s->root) {
        hgnSchemaFree(s);
        return c.err ? c.err : hgnStatusNew(HGN_CODE_InternalError, sourceName, NULL, "schema compiled to nothing");
    }
    *out = s;
    return HGN_OK;
}

HgnStatus hgnSchemaCompileEmbedded(const char *name, HgnSchema **out) {
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnSchemaCompileEmbedded: out is NULL");
    *out = NULL;
    size_t size = 0;
    const unsigned char *data = name ? hgnEmbeddedGet(name, &size) : NULL;
    if (!data)
        return hgnStatusNew(HGN_CODE_NotFound, name, "embedded files live in config/, schemas/ and registry/",
                            "no embedded schema \"%s\"", name ? name : "(null)");
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, size, 0, &jerr);
    if (!doc)
        return hgnStatusNew(HGN_CODE_InvalidJson, name, NULL, "embedded schema is not JSON: %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    HgnStatus st = hgnSchemaCompile(doc, name, NULL, out);
    json_decref(doc);
    return st;
}
