/* configLayers.c — configuration layers: a TOML file (or the built-in
 * defaults) turned into a JSON document with the origin of every value,
 * unknown-key checks against the schema with did-you-mean, merging one layer
 * over another, and profiles ([profile.NAME], `inherits`, cycles). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/configInt.h"
#include "huginn/toml.h"

void layerInit(ConfigLayer *l) {
    l->doc = NULL;
    l->origins = NULL;
}

void layerFree(ConfigLayer *l) {
    json_decref(l->doc);
    json_decref(l->origins);
    layerInit(l);
}

static HgnStatus oom(void) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory loading the configuration");
}

static void bufTruncate(HgnBuf *b, size_t len) {
    if (!b->data) return;
    b->len = len;
    b->data[len] = '\0';
}

static const char *originWhere(const json_t *origins, const char *ptr) {
    return json_string_value(json_array_get(json_object_get(origins, ptr), 1));
}

/* ---- origins of a TOML tree ----------------------------------------------------- */

typedef struct OriginCtx {
    const char *sourceName;
    const char *labelBase; /* "default" or "file:PATH" */
    json_t *origins;
    HgnBuf ptr;
    const char *profile; /* inside /profile/NAME */
} OriginCtx;

static bool recordOne(OriginCtx *c, const HgnTomlValue *v) {
    HgnBuf label, where;
    hgnBufInit(&label);
    hgnBufInit(&where);
    if (c->profile) hgnBufAppendf(&label, "profile:%s@", c->profile);
    if (strcmp(c->labelBase, "default") == 0)
        hgnBufAppendStr(&label, "default");
    else
        hgnBufAppendf(&label, "%s:%d", c->labelBase, v->line);
    hgnBufAppendf(&where, "%s:%d:%d", c->sourceName, v->line, v->column);
    bool ok = false;
    if (hgnBufOk(&label) && hgnBufOk(&where)) {
        json_t *pair = json_pack("[ss]", hgnBufStr(&label), hgnBufStr(&where));
        ok = pair && json_object_set_new(c->origins, hgnBufStr(&c->ptr), pair) == 0;
    }
    hgnBufFree(&label);
    hgnBufFree(&where);
    return ok;
}

/* state: 1 at the root, 2 in the [profile] table (children are profile names), 0 elsewhere. */
static bool recordTree(OriginCtx *c, const HgnTomlValue *v, int state) {
    if (state != 1 && !recordOne(c, v)) return false;
    size_t mark = c->ptr.len;
    if (v->type == HGN_TOML_TABLE) {
        for (size_t i = 0; i < v->as.table.count; i++) {
            const HgnTomlKeyValue *kv = &v->as.table.items[i];
            if (!pointerAppend(&c->ptr, kv->key)) return false;
            const char *saved = c->profile;
            int childState = state == 1 && strcmp(kv->key, "profile") == 0 ? 2 : 0;
            if (state == 2) c->profile = kv->key;
            bool ok = recordTree(c, kv->value, childState);
            c->profile = saved;
            bufTruncate(&c->ptr, mark);
            if (!ok) return false;
        }
    } else if (v->type == HGN_TOML_ARRAY) {
        for (size_t i = 0; i < v->as.array.count; i++) {
            char idx[32];
            snprintf(idx, sizeof idx, "%zu", i);
            if (!pointerAppend(&c->ptr, idx)) return false;
            bool ok = recordTree(c, v->as.array.items[i], 0);
            bufTruncate(&c->ptr, mark);
            if (!ok) return false;
        }
    }
    return true;
}

/* ---- unknown keys ------------------------------------------------------------------ */

typedef enum CheckMode { CHECK_ROOT, CHECK_PROFILE_BODY, CHECK_NESTED } CheckMode;

typedef struct CheckCtx {
    const json_t *root;
    const json_t *origins;
    ConfigProblems *problems;
    HgnBuf ptr;
} CheckCtx;

static void checkObject(CheckCtx *c, const json_t *schemaNode, const json_t *value, CheckMode mode);

static void unknownKey(CheckCtx *c, const json_t *schemaNode, const char *key, const char *extra) {
    char *dotted = pointerToDotted(hgnBufStr(&c->ptr));
    const char *suggestion = schemaSuggest(schemaNode, key);
    HgnBuf hint;
    hgnBufInit(&hint);
    const json_t *props = json_object_get(schemaNode, "properties");
    hgnBufAppendStr(&hint, "known keys here: ");
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach((json_t *)props, k, v) {
        if (strcmp(k, "profile") == 0 && extra) continue;
        hgnBufAppendf(&hint, "%s%s", i++ ? ", " : "", k);
    }
    hgnBufAppendStr(&hint, " (see docs/configuration.md)");
    const char *where = originWhere(c->origins, hgnBufStr(&c->ptr));
    if (suggestion)
        problemsAdd(c->problems, where, hgnBufStr(&hint), "unknown key %s%s (did you mean %s?)", dotted ? dotted : key,
                    extra ? extra : "", suggestion);
    else
        problemsAdd(c->problems, where, hgnBufStr(&hint), "unknown key %s%s", dotted ? dotted : key,
                    extra ? extra : "");
    hgnBufFree(&hint);
    hgnFree(dotted);
}

static void checkValue(CheckCtx *c, const json_t *schemaNode, const json_t *value) {
    if (json_is_object(value) && schemaHasType(schemaNode, "object")) {
        checkObject(c, schemaNode, value, CHECK_NESTED);
    } else if (json_is_array(value) && schemaHasType(schemaNode, "array")) {
        const json_t *items = schemaResolve(c->root, json_object_get(schemaNode, "items"));
        if (!json_is_object(items)) return;
        size_t i;
        json_t *item;
        size_t mark = c->ptr.len;
        json_array_foreach(value, i, item) {
            char idx[32];
            snprintf(idx, sizeof idx, "%zu", i);
            pointerAppend(&c->ptr, idx);
            checkValue(c, items, item);
            bufTruncate(&c->ptr, mark);
        }
    }
}

static void checkProfiles(CheckCtx *c, const json_t *profiles) {
    const char *where = originWhere(c->origins, hgnBufStr(&c->ptr));
    if (!json_is_object(profiles)) {
        problemsAdd(c->problems, where, "write profiles as [profile.NAME] tables",
                    "profile must be a table of profiles");
        return;
    }
    size_t mark = c->ptr.len;
    const char *name;
    json_t *body;
    json_object_foreach((json_t *)profiles, name, body) {
        pointerAppend(&c->ptr, name);
        if (!json_is_object(body))
            problemsAdd(c->problems, originWhere(c->origins, hgnBufStr(&c->ptr)), "write it as [profile.NAME]",
                        "profile %s must be a table", name);
        else
            checkObject(c, schemaResolve(c->root, c->root), body, CHECK_PROFILE_BODY);
        bufTruncate(&c->ptr, mark);
    }
}

static void checkObject(CheckCtx *c, const json_t *schemaNode, const json_t *value, CheckMode mode) {
    size_t mark = c->ptr.len;
    const char *key;
    json_t *child;
    json_object_foreach((json_t *)value, key, child) {
        pointerAppend(&c->ptr, key);
        if (mode == CHECK_ROOT && strcmp(key, "profile") == 0) {
            checkProfiles(c, child);
        } else if (mode == CHECK_PROFILE_BODY && strcmp(key, "inherits") == 0) {
            if (!json_is_string(child))
                problemsAdd(c->problems, originWhere(c->origins, hgnBufStr(&c->ptr)),
                            "write inherits = \"NAME\" with the name of another profile",
                            "inherits must be a string naming a profile");
        } else if (mode == CHECK_PROFILE_BODY && strcmp(key, "profile") == 0) {
            problemsAdd(c->problems, originWhere(c->origins, hgnBufStr(&c->ptr)),
                        "use inherits = \"OTHER\" to build on another profile", "profiles cannot be nested");
        } else {
            const json_t *sub = schemaChild(c->root, schemaNode, key);
            if (!sub)
                unknownKey(c, schemaNode, key, mode == CHECK_PROFILE_BODY ? " in a profile" : NULL);
            else
                checkValue(c, sub, child);
        }
        bufTruncate(&c->ptr, mark);
    }
}

/* ---- profiles ----------------------------------------------------------------------- */

/* Moves /profile/NAME/… of layer into profiles[NAME] (merged over an earlier definition). */
static HgnStatus collectProfiles(ConfigLayer *layer, json_t *profiles) {
    json_t *table = json_object_get(layer->doc, "profile");
    if (!json_is_object(table)) {
        json_object_del(layer->doc, "profile");
        return HGN_OK;
    }
    const char *name;
    json_t *body;
    json_object_foreach(table, name, body) {
        if (!json_is_object(body)) continue;
        HgnBuf prefix;
        hgnBufInit(&prefix);
        pointerAppend(&prefix, "profile");
        pointerAppend(&prefix, name);
        if (!hgnBufOk(&prefix)) return oom();
        size_t plen = prefix.len;
        ConfigLayer p;
        p.doc = json_deep_copy(body);
        p.origins = json_object();
        json_t *inherits = json_incref(json_object_get(body, "inherits"));
        const char *inhWhere = NULL;
        bool ok = p.doc && p.origins;
        if (ok) json_object_del(p.doc, "inherits");
        const char *key;
        json_t *o;
        json_object_foreach(layer->origins, key, o) {
            if (!ok) break;
            if (strncmp(key, prefix.data, plen) != 0 || (key[plen] != '/' && key[plen] != '\0')) continue;
            if (strncmp(key + plen, "/inherits", 9) == 0 && (key[plen + 9] == '\0' || key[plen + 9] == '/')) {
                if (key[plen + 9] == '\0') inhWhere = json_string_value(json_array_get(o, 1));
                continue;
            }
            ok = json_object_set(p.origins, key + plen, o) == 0;
        }
        json_t *entry = json_object_get(profiles, name);
        if (ok && !entry) {
            entry = json_object();
            ok = entry && json_object_set_new(entry, "doc", json_object()) == 0 &&
                 json_object_set_new(entry, "origins", json_object()) == 0;
            if (!ok)
                json_decref(entry);
            else
                ok = json_object_set_new(profiles, name, entry) == 0; /* frees entry on failure */
        }
        HgnStatus st = HGN_OK;
        if (ok) {
            ConfigLayer dst = {json_object_get(entry, "doc"), json_object_get(entry, "origins")};
            st = layerMerge(&dst, &p);
        }
        if (ok && !st && json_is_string(inherits)) {
            ok = json_object_set(entry, "inherits", inherits) == 0 &&
                 (!inhWhere || json_object_set_new(entry, "inheritsWhere", json_string(inhWhere)) == 0);
        }
        json_decref(inherits);
        layerFree(&p);
        hgnBufFree(&prefix);
        if (st) return st;
        if (!ok) return oom();
    }
    /* drop /profile and everything under it from the layer */
    json_object_del(layer->doc, "profile");
    void *tmp;
    const char *key;
    json_t *o;
    json_object_foreach_safe(layer->origins, tmp, key, o) {
        if (strncmp(key, "/profile", 8) == 0 && (key[8] == '\0' || key[8] == '/')) json_object_del(layer->origins, key);
    }
    return HGN_OK;
}

HgnStatus layerParseToml(const char *text, size_t len, const char *sourceName, const char *labelBase,
                         const json_t *schema, json_t *profiles, ConfigLayer *out, ConfigProblems *problems) {
    layerInit(out);
    HgnTomlValue *tree = NULL;
    HgnStatus st = hgnTomlParse(text, len, sourceName, &tree);
    if (st) {
        if (hgnStatusCode(st) == HGN_CODE_OutOfMemory) return st;
        problemsAddStatus(problems, st);
        return HGN_OK;
    }
    json_t *doc = NULL;
    st = hgnTomlToJson(tree, &doc);
    if (st) {
        hgnTomlFree(tree);
        return st;
    }
    OriginCtx oc = {sourceName, labelBase, json_object(), {0}, NULL};
    hgnBufInit(&oc.ptr);
    bool ok = oc.origins && recordTree(&oc, tree, 1);
    hgnBufFree(&oc.ptr);
    hgnTomlFree(tree);
    if (!ok) {
        json_decref(doc);
        json_decref(oc.origins);
        return oom();
    }
    out->doc = doc;
    out->origins = oc.origins;

    CheckCtx cc = {schema, out->origins, problems, {0}};
    hgnBufInit(&cc.ptr);
    checkObject(&cc, schemaResolve(schema, schema), out->doc, CHECK_ROOT);
    bool bufOk = hgnBufOk(&cc.ptr);
    hgnBufFree(&cc.ptr);
    if (!bufOk) problems->oom = true;

    st = collectProfiles(out, profiles);
    if (st) layerFree(out);
    return st;
}

/* ---- merging ------------------------------------------------------------------------ */

static bool underPointer(const char *key, const char *ptr, size_t plen) {
    return strncmp(key, ptr, plen) == 0 && (key[plen] == '\0' || key[plen] == '/');
}

static bool dropOrigins(json_t *origins, const char *ptr) {
    size_t plen = strlen(ptr);
    void *tmp;
    const char *key;
    json_t *o;
    json_object_foreach_safe(origins, tmp, key, o) {
        if (underPointer(key, ptr, plen)) json_object_del(origins, key);
    }
    return true;
}

static bool copyOrigins(json_t *dst, const json_t *src, const char *ptr) {
    size_t plen = strlen(ptr);
    const char *key;
    json_t *o;
    json_object_foreach((json_t *)src, key, o) {
        if (underPointer(key, ptr, plen) && json_object_set(dst, key, o) != 0) return false;
    }
    return true;
}

static bool mergeObject(json_t *dst, json_t *dstOrigins, const json_t *src, const json_t *srcOrigins, HgnBuf *ptr) {
    size_t mark = ptr->len;
    const char *key;
    json_t *s;
    json_object_foreach((json_t *)src, key, s) {
        if (!pointerAppend(ptr, key)) return false;
        json_t *d = json_object_get(dst, key);
        bool ok;
        if (json_is_object(s) && json_is_object(d)) {
            json_t *o = json_object_get(srcOrigins, ptr->data);
            ok = (!o || json_object_set(dstOrigins, ptr->data, o) == 0) &&
                 mergeObject(d, dstOrigins, s, srcOrigins, ptr);
        } else {
            json_t *copy = json_deep_copy(s);
            ok = copy && json_object_set_new(dst, key, copy) == 0 && dropOrigins(dstOrigins, ptr->data) &&
                 copyOrigins(dstOrigins, srcOrigins, ptr->data);
        }
        bufTruncate(ptr, mark);
        if (!ok) return false;
    }
    return true;
}

HgnStatus layerMerge(ConfigLayer *dst, const ConfigLayer *src) {
    if (!src->doc) return HGN_OK;
    if (!dst->doc && !(dst->doc = json_object())) return oom();
    if (!dst->origins && !(dst->origins = json_object())) return oom();
    HgnBuf ptr;
    hgnBufInit(&ptr);
    bool ok = mergeObject(dst->doc, dst->origins, src->doc, src->origins, &ptr);
    hgnBufFree(&ptr);
    return ok ? HGN_OK : oom();
}

/* ---- profile selection -------------------------------------------------------------- */

static void knownProfiles(const json_t *profiles, HgnBuf *out) {
    const char *name;
    json_t *v;
    size_t i = 0;
    json_object_foreach((json_t *)profiles, name, v) hgnBufAppendf(out, "%s%s", i++ ? ", " : "", name);
    if (i == 0) hgnBufAppendStr(out, "(none)");
}

static HgnStatus unknownProfile(const json_t *profiles, const char *name, const char *where, const char *context) {
    size_t n = json_object_size(profiles), i = 0;
    const char **names = hgnCalloc(n + 1, sizeof *names);
    HgnBuf hint;
    hgnBufInit(&hint);
    if (!names) return oom();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)profiles, k, v) names[i++] = k;
    const char *near = closestName(name, names, n);
    hgnBufAppendStr(&hint, "known profiles: ");
    knownProfiles(profiles, &hint);
    HgnStatus st;
    const char *sep = context ? " " : "";
    if (!context) context = "";
    if (near)
        st = hgnStatusNew(HGN_CODE_InvalidConfig, where, hgnBufStr(&hint),
                          "%s%sunknown profile \"%s\" (did you mean \"%s\"?)", context, sep, name, near);
    else
        st = hgnStatusNew(HGN_CODE_InvalidConfig, where, hgnBufStr(&hint), "%s%sunknown profile \"%s\"", context, sep,
                          name);
    hgnFree(names);
    hgnBufFree(&hint);
    return st;
}

/* Resolves the chain name → inherits → … into chain (names, base last). */
static HgnStatus profileChain(const json_t *profiles, const char *name, const char *where, json_t *chain) {
    const json_t *entry = json_object_get(profiles, name);
    if (!entry) return unknownProfile(profiles, name, where, NULL);
    const char *cur = name;
    for (;;) {
        if (json_array_append_new(chain, json_string(cur)) != 0) return oom();
        entry = json_object_get(profiles, cur);
        const char *next = json_string_value(json_object_get(entry, "inherits"));
        const char *inhWhere = json_string_value(json_object_get(entry, "inheritsWhere"));
        if (!next) return HGN_OK;
        size_t i;
        json_t *v;
        json_array_foreach(chain, i, v) {
            if (strcmp(json_string_value(v), next) != 0) continue;
            HgnBuf cycle;
            hgnBufInit(&cycle);
            for (size_t j = i; j < json_array_size(chain); j++)
                hgnBufAppendf(&cycle, "%s -> ", json_string_value(json_array_get(chain, j)));
            hgnBufAppendStr(&cycle, next);
            HgnStatus st = hgnStatusNew(HGN_CODE_InvalidConfig, inhWhere, "remove one inherits of the cycle",
                                        "profile inheritance cycle: %s", hgnBufStr(&cycle));
            hgnBufFree(&cycle);
            return st;
        }
        if (!json_object_get(profiles, next)) {
            HgnBuf ctx;
            hgnBufInit(&ctx);
            hgnBufAppendf(&ctx, "profile \"%s\" inherits", cur);
            HgnStatus st = unknownProfile(profiles, next, inhWhere, hgnBufStr(&ctx));
            hgnBufFree(&ctx);
            return st;
        }
        cur = next;
    }
}

HgnStatus profileApply(ConfigLayer *dst, const json_t *profiles, const char *name, const char *where) {
    json_t *chain = json_array();
    if (!chain) return oom();
    HgnStatus st = profileChain(profiles, name, where, chain);
    for (size_t i = json_array_size(chain); !st && i-- > 0;) {
        const json_t *entry = json_object_get(profiles, json_string_value(json_array_get(chain, i)));
        ConfigLayer p = {json_object_get(entry, "doc"), json_object_get(entry, "origins")};
        st = layerMerge(dst, &p);
    }
    json_decref(chain);
    return st;
}

void profilesCheckAll(const json_t *profiles, ConfigProblems *problems) {
    const char *name;
    json_t *entry;
    json_object_foreach((json_t *)profiles, name, entry) {
        json_t *chain = json_array();
        if (!chain) {
            problems->oom = true;
            return;
        }
        HgnStatus st = profileChain(profiles, name, NULL, chain);
        /* report a cycle once: from its first member in name order */
        bool report = true;
        if (st && strstr(hgnStatusMessage(st), "cycle")) {
            size_t i;
            json_t *v;
            json_array_foreach(chain, i, v) if (strcmp(json_string_value(v), name) < 0 &&
                                                strstr(hgnStatusMessage(st), json_string_value(v))) report = false;
        } else if (st && json_array_size(chain) > 1) {
            report = false; /* an unknown parent is reported by the profile that names it */
        }
        if (report)
            problemsAddStatus(problems, st);
        else
            hgnStatusFree(st);
        json_decref(chain);
    }
}
