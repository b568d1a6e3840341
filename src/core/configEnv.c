/* configEnv.c — the environment and command-line layers.
 *
 * HUGINN_<SECTION>__<KEY>[__<KEY>…]=value: segments are separated by a double
 * underscore and matched to the schema's camelCase keys ignoring case and
 * single underscores (HUGINN_SERVER__MAX_BODY_BYTES → server.maxBodyBytes).
 * The text is typed by the schema: integer, number, boolean (true/false,
 * 1/0, yes/no, on/off), string, array (JSON "[…]" or a comma list typed by
 * the items schema), object (JSON "{…}"). HUGINN_* variables without a double
 * underscore (HUGINN_PROFILE, HUGINN itself) are not settings. Flags
 * (HgnConfigFlag) name a dotted path and are typed the same way. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/configInt.h"

extern char **environ;

static HgnStatus oom(void) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory loading the configuration");
}

const char *envLookup(char *const *env, const char *name) {
    if (!env) env = environ;
    size_t n = strlen(name);
    for (char *const *e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

/* ---- typing ---------------------------------------------------------------------- */

typedef enum Parsed { PARSED_OK, PARSED_BAD, PARSED_OOM } Parsed;

static char *trimmed(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return hgnStrndup(s, n);
}

static Parsed parseInteger(const char *s, json_t **out) {
    if (!*s || isspace((unsigned char)*s)) return PARSED_BAD;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return PARSED_BAD;
    return (*out = json_integer(v)) ? PARSED_OK : PARSED_OOM;
}

static Parsed parseNumber(const char *s, json_t **out) {
    if (!*s || isspace((unsigned char)*s)) return PARSED_BAD;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return PARSED_BAD;
    return (*out = json_real(v)) ? PARSED_OK : PARSED_OOM;
}

static Parsed parseBoolean(const char *s, json_t **out) {
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return (*out = json_true()) ? PARSED_OK : PARSED_OOM;
        if (strcasecmp(s, no[i]) == 0) return (*out = json_false()) ? PARSED_OK : PARSED_OOM;
    }
    return PARSED_BAD;
}

static Parsed parseJson(const char *s, bool wantArray, json_t **out) {
    json_error_t err;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    /* jansson reports some allocation failures as syntax errors: a second try tells them apart */
    if (!v) v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!v) return json_error_code(&err) == json_error_out_of_memory || !err.text[0] ? PARSED_OOM : PARSED_BAD;
    if (wantArray ? !json_is_array(v) : !json_is_object(v)) {
        json_decref(v);
        return PARSED_BAD;
    }
    *out = v;
    return PARSED_OK;
}

static Parsed parseTyped(const json_t *root, const json_t *node, const char *raw, int depth, json_t **out);

static Parsed parseList(const json_t *root, const json_t *node, const char *raw, int depth, json_t **out) {
    json_t *arr = json_array();
    if (!arr) return PARSED_OOM;
    const json_t *items = schemaResolve(root, json_object_get(node, "items"));
    const char *p = raw;
    while (*p && isspace((unsigned char)*p)) p++;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char *item = trimmed(p, n);
        if (!item) {
            json_decref(arr);
            return PARSED_OOM;
        }
        json_t *v = NULL;
        Parsed r = json_is_object(items) ? parseTyped(root, items, item, depth + 1, &v)
                                         : ((v = json_string(item)) ? PARSED_OK : PARSED_OOM);
        hgnFree(item);
        if (r == PARSED_OK && json_array_append_new(arr, v) != 0) r = PARSED_OOM;
        if (r != PARSED_OK) {
            json_decref(arr);
            return r;
        }
        if (!comma) break;
        p = comma + 1;
    }
    *out = arr;
    return PARSED_OK;
}

/* Tries the schema's types in a fixed order; string is the catch-all. */
static Parsed parseTyped(const json_t *root, const json_t *node, const char *raw, int depth, json_t **out) {
    bool any = !json_object_get(node, "type");
    if (depth > 4) return PARSED_BAD;
    Parsed r = PARSED_BAD;
    if ((any || schemaHasType(node, "integer")) && (r = parseInteger(raw, out)) != PARSED_BAD) return r;
    if ((any || schemaHasType(node, "number")) && (r = parseNumber(raw, out)) != PARSED_BAD) return r;
    if ((any || schemaHasType(node, "boolean")) && (r = parseBoolean(raw, out)) != PARSED_BAD) return r;
    if (schemaHasType(node, "array")) {
        const char *t = raw;
        while (isspace((unsigned char)*t)) t++;
        r = *t == '[' ? parseJson(t, true, out) : depth == 0 ? parseList(root, node, raw, depth, out) : PARSED_BAD;
        if (r != PARSED_BAD) return r;
    }
    if (schemaHasType(node, "object") && (r = parseJson(raw, false, out)) != PARSED_BAD) return r;
    if (any || schemaHasType(node, "string")) return (*out = json_string(raw)) ? PARSED_OK : PARSED_OOM;
    return PARSED_BAD;
}

/* ---- setting one value ------------------------------------------------------------- */

typedef struct Setting {
    const char *label;   /* "env:HUGINN_X__Y" */
    const char *where;   /* "env HUGINN_X__Y" */
    const char *subject; /* "HUGINN_X__Y" or "--opt": what the user typed */
} Setting;

/* segments: the path as the user wrote it; loose: env matching. */
static HgnStatus setPath(ConfigLayer *layer, const json_t *root, char **segments, size_t n, bool loose, const char *raw,
                         const Setting *s, ConfigProblems *problems) {
    const json_t *node = schemaResolve(root, root);
    HgnBuf ptr, dotted;
    hgnBufInit(&ptr);
    hgnBufInit(&dotted);
    json_t *obj = layer->doc;
    HgnStatus st = HGN_OK;
    for (size_t i = 0; i < n; i++) {
        const char *name = segments[i];
        const json_t *child = NULL;
        if (!schemaHasType(node, "object")) {
            problemsAdd(problems, s->where, "remove the extra path segment", "%s: %s is not a table, it has no key %s",
                        s->subject, hgnBufStr(&dotted), segments[i]);
            goto out;
        }
        if (i == 0 && strcasecmp(name, "profile") == 0) {
            problemsAdd(problems, s->where, "choose a profile with --profile NAME or HUGINN_PROFILE=NAME",
                        "%s: profiles cannot be defined from here", s->subject);
            goto out;
        }
        child = schemaChild(root, node, name);
        if (child && json_object_get(json_object_get(node, "properties"), name) == NULL && loose) child = NULL;
        if (!child && loose) child = schemaChildLoose(root, node, name, &name);
        if (!child) {
            const char *near = schemaSuggest(node, segments[i]);
            HgnBuf hint;
            hgnBufInit(&hint);
            hgnBufAppendStr(&hint, "known keys here: ");
            const char *k;
            json_t *v;
            size_t j = 0;
            json_object_foreach(json_object_get(node, "properties"), k, v) {
                if (i == 0 && strcmp(k, "profile") == 0) continue;
                hgnBufAppendf(&hint, "%s%s", j++ ? ", " : "", k);
            }
            if (near)
                problemsAdd(problems, s->where, hgnBufStr(&hint), "%s: unknown key %s%s%s (did you mean %s?)",
                            s->subject, hgnBufStr(&dotted), i ? "." : "", segments[i], near);
            else
                problemsAdd(problems, s->where, hgnBufStr(&hint), "%s: unknown key %s%s%s", s->subject,
                            hgnBufStr(&dotted), i ? "." : "", segments[i]);
            hgnBufFree(&hint);
            goto out;
        }
        node = child;
        pointerAppend(&ptr, name);
        hgnBufAppendf(&dotted, "%s%s", i ? "." : "", name);
        if (!hgnBufOk(&ptr) || !hgnBufOk(&dotted)) {
            st = oom();
            goto out;
        }
        if (i + 1 < n) {
            json_t *next = json_object_get(obj, name);
            if (!json_is_object(next)) {
                next = json_object();
                if (!next || json_object_set_new(obj, name, next) != 0) {
                    st = oom();
                    goto out;
                }
            }
            obj = next;
        } else {
            json_t *value = NULL;
            Parsed r = parseTyped(root, child, raw, 0, &value);
            if (r == PARSED_OOM) {
                st = oom();
                goto out;
            }
            if (r == PARSED_BAD) {
                HgnBuf expected;
                hgnBufInit(&expected);
                schemaDescribeExpected(child, &expected);
                if (schemaHasType(child, "array")) hgnBufAppendStr(&expected, " (JSON [..] or a comma-separated list)");
                if (schemaHasType(child, "object")) hgnBufAppendStr(&expected, " (as a JSON object)");
                HgnBuf hint;
                hgnBufInit(&hint);
                hgnBufAppendf(&hint, "set %s to %s", s->subject, hgnBufStr(&expected));
                problemsAdd(problems, s->where, hgnBufStr(&hint), "%s: %s expects %s, found \"%s\"", s->subject,
                            hgnBufStr(&dotted), hgnBufStr(&expected), raw);
                hgnBufFree(&expected);
                hgnBufFree(&hint);
                goto out;
            }
            json_t *pair = json_pack("[ss]", s->label, s->where);
            if (!pair) json_decref(value);
            if (!pair || json_object_set_new(obj, name, value) != 0) {
                json_decref(pair);
                st = oom();
                goto out;
            }
            /* a replaced subtree forgets the origins below it */
            size_t plen = ptr.len;
            void *tmp;
            const char *key;
            json_t *o;
            json_object_foreach_safe(layer->origins, tmp, key, o) {
                if (strncmp(key, ptr.data, plen) == 0 && key[plen] == '/') json_object_del(layer->origins, key);
            }
            if (json_object_set_new(layer->origins, ptr.data, pair) != 0) st = oom();
        }
    }
out:
    hgnBufFree(&ptr);
    hgnBufFree(&dotted);
    return st;
}

static HgnStatus layerNew(ConfigLayer *out) {
    out->doc = json_object();
    out->origins = json_object();
    if (!out->doc || !out->origins) {
        layerFree(out);
        return oom();
    }
    return HGN_OK;
}

/* Splits s at sep (a string) into hgnMalloc'ed pieces. */
static char **splitPath(const char *s, const char *sep, size_t *n) {
    size_t cap = 1, len = strlen(sep);
    for (const char *p = s; (p = strstr(p, sep)); p += len) cap++;
    char **parts = hgnCalloc(cap, sizeof *parts);
    if (!parts) return NULL;
    size_t k = 0;
    for (const char *p = s;;) {
        const char *q = strstr(p, sep);
        size_t m = q ? (size_t)(q - p) : strlen(p);
        if (!(parts[k++] = hgnStrndup(p, m))) {
            for (size_t i = 0; i < k; i++) hgnFree(parts[i]);
            hgnFree(parts);
            return NULL;
        }
        if (!q) break;
        p = q + len;
    }
    *n = k;
    return parts;
}

static void freeParts(char **parts, size_t n) {
    for (size_t i = 0; i < n && parts; i++) hgnFree(parts[i]);
    hgnFree(parts);
}

HgnStatus layerFromEnv(char *const *env, const json_t *schema, ConfigLayer *out, ConfigProblems *problems) {
    HgnStatus st = layerNew(out);
    if (st) return st;
    if (!env) env = environ;
    for (char *const *e = env; e && *e && !st; e++) {
        if (strncmp(*e, "HUGINN_", 7) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char *name = hgnStrndup(*e, (size_t)(eq - *e));
        if (!name) {
            st = oom();
            break;
        }
        const char *rest = name + 7;
        if (!strstr(rest, "__")) { /* not a setting (HUGINN_PROFILE, …) */
            hgnFree(name);
            continue;
        }
        HgnBuf label, where;
        hgnBufInit(&label);
        hgnBufInit(&where);
        hgnBufAppendf(&label, "env:%s", name);
        hgnBufAppendf(&where, "env %s", name);
        size_t n = 0;
        char **parts = splitPath(rest, "__", &n);
        if (!parts || !hgnBufOk(&label) || !hgnBufOk(&where)) {
            st = oom();
        } else {
            bool empty = false;
            for (size_t i = 0; i < n; i++) empty = empty || !parts[i][0];
            Setting s = {hgnBufStr(&label), hgnBufStr(&where), name};
            if (empty)
                problemsAdd(problems, s.where, "write HUGINN_SECTION__KEY, e.g. HUGINN_LOGGING__LEVEL=debug",
                            "%s: malformed setting name (empty segment)", name);
            else
                st = setPath(out, schema, parts, n, true, eq + 1, &s, problems);
        }
        freeParts(parts, n);
        hgnBufFree(&label);
        hgnBufFree(&where);
        hgnFree(name);
    }
    if (st) layerFree(out);
    return st;
}

HgnStatus layerFromFlags(const HgnConfigFlag *flags, size_t nFlags, const json_t *schema, ConfigLayer *out,
                         ConfigProblems *problems) {
    HgnStatus st = layerNew(out);
    for (size_t i = 0; i < nFlags && !st; i++) {
        const HgnConfigFlag *f = &flags[i];
        if (!f->path || !f->value) continue;
        HgnBuf origin, label, where;
        hgnBufInit(&origin);
        hgnBufInit(&label);
        hgnBufInit(&where);
        if (f->origin)
            hgnBufAppendStr(&origin, f->origin);
        else
            hgnBufAppendf(&origin, "--%s", f->path);
        hgnBufAppendf(&label, "flag:%s", hgnBufStr(&origin));
        hgnBufAppendf(&where, "flag %s", hgnBufStr(&origin));
        size_t n = 0;
        char **parts = splitPath(f->path, ".", &n);
        if (!parts || !hgnBufOk(&origin) || !hgnBufOk(&label) || !hgnBufOk(&where)) {
            st = oom();
        } else {
            Setting s = {hgnBufStr(&label), hgnBufStr(&where), hgnBufStr(&origin)};
            st = setPath(out, schema, parts, n, false, f->value, &s, problems);
        }
        freeParts(parts, n);
        hgnBufFree(&origin);
        hgnBufFree(&label);
        hgnBufFree(&where);
    }
    if (st) layerFree(out);
    return st;
}
