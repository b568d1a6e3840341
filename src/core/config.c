/* config.c — hgnConfigLoad: builds the effective configuration from its
 * layers (defaults, system file, user file, --config file, profile,
 * environment, flags), validates it, and answers lookups, sources, `config
 * show` and the TOML dump. Layer mechanics live in configLayers.c, typing of
 * environment/flag text in configEnv.c, schema checks in configValidate.c. */
#include "huginn/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/configInt.h"
#include "core/embedded.h"
#include "huginn/log.h"
#include "huginn/toml.h"

enum { MAX_CONFIG_BYTES = 16 * 1024 * 1024 };

static HgnStatus oom(void) {
    return hgnStatusNew(HGN_CODE_OutOfMemory, NULL, NULL, "out of memory loading the configuration");
}

/* ---- file layers ---------------------------------------------------------------- */

/* Reads path; a missing optional file is skipped (*text NULL, no problem). */
static HgnStatus readConfigFile(const char *path, bool required, const char *role, char **text, size_t *len,
                                ConfigProblems *problems) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (!required && e == ENOENT) return HGN_OK;
        HgnBuf hint;
        hgnBufInit(&hint);
        hgnBufAppendf(&hint, "check the path of the %s", role);
        problemsAdd(problems, path, hgnBufStr(&hint), "cannot read %s: %s", role, strerror(e));
        hgnBufFree(&hint);
        return HGN_OK;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_BYTES) {
        problemsAdd(problems, path, "point it at a TOML file of at most 16 MiB",
                    "%s is not a regular file of at most 16 MiB", role);
        fclose(f);
        return HGN_OK;
    }
    char *buf = hgnMalloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return oom();
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        hgnFree(buf);
        problemsAdd(problems, path, "check the file's permissions", "cannot read %s", role);
        return HGN_OK;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return HGN_OK;
}

static HgnStatus mergeFile(ConfigLayer *merged, const char *path, bool required, const char *role, const json_t *schema,
                           json_t *profiles, ConfigProblems *problems) {
    char *text = NULL;
    size_t len = 0;
    HgnStatus st = readConfigFile(path, required, role, &text, &len, problems);
    if (st || !text) return st;
    HgnBuf label;
    hgnBufInit(&label);
    hgnBufAppendf(&label, "file:%s", path);
    if (!hgnBufOk(&label)) {
        hgnFree(text);
        return oom();
    }
    ConfigLayer layer;
    st = layerParseToml(text, len, path, hgnBufStr(&label), schema, profiles, &layer, problems);
    hgnFree(text);
    hgnBufFree(&label);
    if (!st) st = layerMerge(merged, &layer);
    layerFree(&layer);
    return st;
}

static HgnStatus mergeDefaults(ConfigLayer *merged, const json_t *schema, json_t *profiles, ConfigProblems *problems) {
    size_t size = 0;
    const unsigned char *text = hgnEmbeddedGet("config/defaults.toml", &size);
    if (!text)
        return hgnStatusNew(HGN_CODE_InternalError, "config/defaults.toml", NULL,
                            "the default configuration is not built in");
    ConfigLayer layer;
    HgnStatus st =
        layerParseToml((const char *)text, size, "config/defaults.toml", "default", schema, profiles, &layer, problems);
    if (!st) st = layerMerge(merged, &layer);
    layerFree(&layer);
    return st;
}

/* $XDG_CONFIG_HOME/huginn/config.toml, else ~/.config/huginn/config.toml; NULL when neither is known. */
static char *userConfigPath(char *const *env) {
    HgnBuf b;
    hgnBufInit(&b);
    const char *xdg = envLookup(env, "XDG_CONFIG_HOME");
    const char *home = envLookup(env, "HOME");
    if (xdg && xdg[0] == '/')
        hgnBufAppendf(&b, "%s/huginn/config.toml", xdg);
    else if (home && home[0])
        hgnBufAppendf(&b, "%s/.config/huginn/config.toml", home);
    else
        return hgnStrdup("");
    return hgnBufDetach(&b);
}

/* ---- secrets ------------------------------------------------------------------------- */

/* Calls fn for every leaf pointer the schema marks x-secret that doc holds. */
static void forEachSecret(const json_t *schema, const json_t *node, const json_t *doc, HgnBuf *ptr,
                          void (*fn)(json_t *parent, const char *key, const json_t *value, void *arg), void *arg) {
    const json_t *props = json_object_get(schemaResolve(schema, node), "properties");
    const char *k;
    json_t *sub;
    json_object_foreach((json_t *)props, k, sub) {
        json_t *value = json_object_get(doc, k);
        if (!value) continue;
        sub = (json_t *)schemaResolve(schema, sub);
        if (json_is_true(json_object_get(sub, "x-secret")))
            fn((json_t *)doc, k, value, arg);
        else if (json_is_object(value))
            forEachSecret(schema, sub, value, ptr, fn, arg);
    }
}

static void registerSecret(json_t *parent, const char *key, const json_t *value, void *arg) {
    (void)parent, (void)key, (void)arg;
    if (json_string_length(value) > 0) hgnLogAddSecret(json_string_value(value));
}

static void removeSecret(json_t *parent, const char *key, const json_t *value, void *arg) {
    (void)value, (void)arg;
    json_object_del(parent, key);
}

/* ---- loading --------------------------------------------------------------------------- */

void hgnConfigFree(HgnConfig *cfg) {
    if (!cfg) return;
    json_decref(cfg->doc);
    json_decref(cfg->origins);
    json_decref(cfg->schema);
    hgnFree(cfg->profile);
    hgnFree(cfg);
}

HgnStatus hgnConfigLoad(const HgnConfigOptions *opts, HgnConfig **out) {
    static const HgnConfigOptions none = {0};
    if (!out) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "hgnConfigLoad needs an output pointer");
    *out = NULL;
    if (!opts) opts = &none;
    json_t *schema = NULL;
    HgnStatus st = configSchemaLoad(&schema);
    if (st) return st;
    ConfigProblems problems;
    problemsInit(&problems);
    ConfigLayer merged, env, flags;
    layerInit(&merged);
    layerInit(&env);
    layerInit(&flags);
    json_t *profiles = json_object();
    char *userPath = NULL;
    const char *profileName = NULL, *profileWhere = NULL;
    if (!profiles) {
        st = oom();
        goto done;
    }
    if ((st = mergeDefaults(&merged, schema, profiles, &problems))) goto done;

    const char *systemPath = opts->systemFile ? opts->systemFile : "/etc/huginn/config.toml";
    if (systemPath[0] &&
        (st = mergeFile(&merged, systemPath, false, "system config file", schema, profiles, &problems)))
        goto done;
    if (opts->userFile) {
        userPath = hgnStrdup(opts->userFile);
    } else {
        userPath = userConfigPath(opts->environ);
    }
    if (!userPath) {
        st = oom();
        goto done;
    }
    if (userPath[0] && (st = mergeFile(&merged, userPath, false, "user config file", schema, profiles, &problems)))
        goto done;
    if (opts->configFile &&
        (st = mergeFile(&merged, opts->configFile, true, "--config file", schema, profiles, &problems)))
        goto done;

    /* the profile applies over all file layers, under the environment and flags */
    profileName = opts->profile;
    profileWhere = "flag --profile";
    if (!profileName) {
        profileName = envLookup(opts->environ, "HUGINN_PROFILE");
        profileWhere = "env HUGINN_PROFILE";
    }
    if (profileName && !profileName[0]) profileName = NULL;
    if (profileName) {
        HgnStatus pst = profileApply(&merged, profiles, profileName, profileWhere);
        if (pst && hgnStatusCode(pst) == HGN_CODE_OutOfMemory) {
            st = pst;
            goto done;
        }
        problemsAddStatus(&problems, pst);
    }

    if ((st = layerFromEnv(opts->environ, schema, &env, &problems))) goto done;
    if ((st = layerMerge(&merged, &env))) goto done;
    if ((st = layerFromFlags(opts->flags, opts->nFlags, schema, &flags, &problems))) goto done;
    if ((st = layerMerge(&merged, &flags))) goto done;
    if ((st = layerValidate(&merged, schema, &problems))) goto done;

done:
    if (!st) {
        st = problemsTake(&problems);
    } else {
        problemsFree(&problems);
    }
    HgnConfig *cfg = NULL;
    if (!st) {
        cfg = hgnCalloc(1, sizeof *cfg);
        if (!cfg || (profileName && !(cfg->profile = hgnStrdup(profileName)))) {
            hgnFree(cfg);
            cfg = NULL;
            st = oom();
        }
    }
    if (!st) {
        cfg->doc = merged.doc;
        cfg->origins = merged.origins;
        cfg->schema = schema;
        layerInit(&merged);
        schema = NULL;
        HgnBuf ptr;
        hgnBufInit(&ptr);
        forEachSecret(cfg->schema, cfg->schema, cfg->doc, &ptr, registerSecret, NULL);
        hgnBufFree(&ptr);
        *out = cfg;
    }
    layerFree(&merged);
    layerFree(&env);
    layerFree(&flags);
    json_decref(profiles);
    json_decref(schema);
    hgnFree(userPath);
    return st;
}

/* ---- lookups ------------------------------------------------------------------------------ */

const json_t *hgnConfigJson(const HgnConfig *cfg) { return cfg ? cfg->doc : NULL; }

const json_t *hgnConfigGet(const HgnConfig *cfg, const char *path) {
    if (!cfg || !path) return NULL;
    const json_t *v = cfg->doc;
    const char *p = path;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (n >= sizeof key) return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        if (json_is_array(v)) { /* "runtime.devices.0.id": a decimal segment indexes an array */
            char *end;
            unsigned long long idx = strtoull(key, &end, 10);
            v = n > 0 && key[0] >= '0' && key[0] <= '9' && !*end ? json_array_get(v, (size_t)idx) : NULL;
        } else {
            v = json_object_get(v, key);
        }
        p = dot ? dot + 1 : p + n;
    }
    return v;
}

const char *hgnConfigGetString(const HgnConfig *cfg, const char *path, const char *fallback) {
    const char *s = json_string_value(hgnConfigGet(cfg, path));
    return s ? s : fallback;
}

int64_t hgnConfigGetInt(const HgnConfig *cfg, const char *path, int64_t fallback) {
    const json_t *v = hgnConfigGet(cfg, path);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

double hgnConfigGetReal(const HgnConfig *cfg, const char *path, double fallback) {
    const json_t *v = hgnConfigGet(cfg, path);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

bool hgnConfigGetBool(const HgnConfig *cfg, const char *path, bool fallback) {
    const json_t *v = hgnConfigGet(cfg, path);
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

static const char *sourceOfPointer(const HgnConfig *cfg, const char *pointer) {
    size_t n = strlen(pointer);
    char buf[512];
    if (n >= sizeof buf) return NULL;
    memcpy(buf, pointer, n + 1);
    for (;;) {
        const json_t *o = json_object_get(cfg->origins, buf);
        if (o) return json_string_value(json_array_get(o, 0));
        char *slash = strrchr(buf, '/');
        if (!slash) return "default";
        *slash = '\0';
    }
}

const char *hgnConfigSource(const HgnConfig *cfg, const char *path) {
    if (!hgnConfigGet(cfg, path)) return NULL;
    char *ptr = dottedToPointer(path);
    if (!ptr) return NULL;
    const char *s = sourceOfPointer(cfg, ptr);
    hgnFree(ptr);
    return s;
}

const char *hgnConfigProfile(const HgnConfig *cfg) { return cfg ? cfg->profile : NULL; }

bool hgnConfigIsSecret(const HgnConfig *cfg, const char *path) {
    if (!cfg || !path) return false;
    char *ptr = dottedToPointer(path);
    if (!ptr) return false;
    bool secret = json_is_true(json_object_get(schemaAt(cfg->schema, ptr), "x-secret"));
    hgnFree(ptr);
    return secret;
}

/* ---- show and dump ---------------------------------------------------------------------------- */

static bool showValues(const HgnConfig *cfg, const json_t *node, HgnBuf *ptr, json_t *values) {
    size_t mark = ptr->len;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)node, k, v) {
        if (!pointerAppend(ptr, k)) return false;
        bool ok;
        if (json_is_object(v) && json_object_size(v) > 0) {
            ok = showValues(cfg, v, ptr, values);
        } else {
            char *dotted = pointerToDotted(ptr->data);
            const json_t *schemaNode = schemaAt(cfg->schema, ptr->data);
            bool secret = json_is_true(json_object_get(schemaNode, "x-secret")) &&
                          !(json_is_string(v) && json_string_length(v) == 0);
            const char *source = sourceOfPointer(cfg, ptr->data);
            json_t *row = json_object();
            ok = row && dotted && json_object_set_new(row, "path", json_string(dotted)) == 0 &&
                 json_object_set_new(row, "value", secret ? json_string("***") : json_incref(v)) == 0 &&
                 json_object_set_new(row, "source", json_string(source ? source : "default")) == 0;
            if (!ok) {
                json_decref(row);
                row = NULL;
            }
            ok = row && json_array_append_new(values, row) == 0;
            hgnFree(dotted);
        }
        ptr->len = mark;
        ptr->data[mark] = '\0';
        if (!ok) return false;
    }
    return true;
}

HgnStatus hgnConfigShowJson(const HgnConfig *cfg, json_t **out) {
    *out = NULL;
    if (!cfg) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no configuration");
    json_t *values = json_array();
    json_t *doc = json_object();
    HgnBuf ptr;
    hgnBufInit(&ptr);
    bool ok = values && doc && hgnBufReserve(&ptr, 64) && showValues(cfg, cfg->doc, &ptr, values) &&
              json_object_set_new(doc, "profile", cfg->profile ? json_string(cfg->profile) : json_null()) == 0 &&
              json_object_set(doc, "values", values) == 0;
    hgnBufFree(&ptr);
    json_decref(values);
    if (!ok) {
        json_decref(doc);
        return oom();
    }
    *out = doc;
    return HGN_OK;
}

HgnStatus hgnConfigDumpToml(const HgnConfig *cfg, bool includeSecrets, char **out) {
    *out = NULL;
    if (!cfg) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no configuration");
    json_t *copy = json_deep_copy(cfg->doc);
    if (!copy) return oom();
    if (!includeSecrets) {
        HgnBuf ptr;
        hgnBufInit(&ptr);
        forEachSecret(cfg->schema, cfg->schema, copy, &ptr, removeSecret, NULL);
        hgnBufFree(&ptr);
    }
    HgnStatus st = hgnTomlDumpJson(copy, out);
    json_decref(copy);
    return st;
}

/* ---- validate one file -------------------------------------------------------------------------- */

HgnStatus hgnConfigValidateFile(const char *path) {
    if (!path) return hgnStatusNew(HGN_CODE_InvalidArgument, NULL, NULL, "no file to validate");
    json_t *schema = NULL;
    HgnStatus st = configSchemaLoad(&schema);
    if (st) return st;
    ConfigProblems problems;
    problemsInit(&problems);
    ConfigLayer merged;
    layerInit(&merged);
    json_t *profiles = json_object();
    if (!profiles) st = oom();
    if (!st) st = mergeDefaults(&merged, schema, profiles, &problems);
    if (!st) st = mergeFile(&merged, path, true, "config file", schema, profiles, &problems);
    if (!st) profilesCheckAll(profiles, &problems);
    if (!st && problems.count == 0) st = layerValidate(&merged, schema, &problems);
    /* every profile, applied over the file, must give a valid configuration too */
    const char *name;
    json_t *entry;
    json_object_foreach(profiles, name, entry) {
        if (st || problems.count > 0) break;
        ConfigLayer withProfile;
        layerInit(&withProfile);
        st = layerMerge(&withProfile, &merged);
        if (!st) {
            HgnStatus pst = profileApply(&withProfile, profiles, name, path);
            if (pst && hgnStatusCode(pst) == HGN_CODE_OutOfMemory)
                st = pst;
            else
                problemsAddStatus(&problems, pst);
        }
        if (!st && problems.count == 0) st = layerValidate(&withProfile, schema, &problems);
        layerFree(&withProfile);
    }
    if (!st)
        st = problemsTake(&problems);
    else
        problemsFree(&problems);
    layerFree(&merged);
    json_decref(profiles);
    json_decref(schema);
    return st;
}
