/* storeConfig.c — the one place that turns the configuration's [store]
 * section (backend, path, dsn, artifactsRoot) into an open job store and a
 * job manager on it; used by the `huginn` job commands and by huginnd. */
#include <string.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/config.h"
#include "huginn/jobs.h"

static const char *setting(const HgnConfig *cfg, const char *path, const char *fallback) {
    const char *v = cfg ? hgnConfigGetString(cfg, path, fallback) : fallback;
    return v ? v : fallback;
}

/* "<dir of path>/artifacts", "artifacts" for a bare file name, NULL (none) for ":memory:". */
static HgnStatus artifactsNextTo(const char *path, char **out) {
    *out = NULL;
    if (strcmp(path, ":memory:") == 0) return HGN_OK;
    const char *slash = strrchr(path, '/');
    HgnBuf b;
    hgnBufInit(&b);
    if (slash)
        hgnBufAppendf(&b, "%.*s/artifacts", (int)(slash - path), path);
    else
        hgnBufAppendStr(&b, "artifacts");
    *out = hgnBufDetach(&b);
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "store.artifactsRoot", NULL, "artefacts root");
}

static HgnStatus dupSetting(const char *value, const char *where, char **out) {
    *out = hgnStrdup(value);
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, where, NULL, "artefacts root");
}

HgnStatus hgnJobStoreOpenFromConfig(const HgnConfig *cfg, HgnJobDurability durability, HgnJobStore **out,
                                    char **artifactsRoot) {
    *out = NULL;
    if (artifactsRoot) *artifactsRoot = NULL;
    const char *backend = setting(cfg, "store.backend", "sqlite");
    const char *rootSetting = setting(cfg, "store.artifactsRoot", "");
    char *root = NULL;
    HgnStatus e = HGN_OK;
    if (strcmp(backend, "sqlite") == 0) {
        const char *path = setting(cfg, "store.path", "");
        char *p = *path ? hgnStrdup(path) : hgnJobStoreDefaultPath();
        if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, "store.path", NULL, "store path");
        e = hgnJobStoreOpenSqliteWith(p, durability, out);
        if (!e && artifactsRoot)
            e = *rootSetting ? dupSetting(rootSetting, "store.artifactsRoot", &root) : artifactsNextTo(p, &root);
        hgnFree(p);
    } else if (strcmp(backend, "postgres") == 0) {
        const char *dsn = setting(cfg, "store.dsn", "");
        if (!*dsn)
            return hgnStatusNew(HGN_CODE_InvalidConfig, "store.dsn",
                                "set store.dsn (e.g. HUGINN_STORE__DSN=postgresql://huginn@db.example/huginn), or"
                                " use store.backend = \"sqlite\"",
                                "store.backend is \"postgres\" but store.dsn is empty");
        e = hgnJobStoreOpenPostgres(dsn, out);
        if (!e && artifactsRoot) {
            const char *dir = *rootSetting ? rootSetting : setting(cfg, "runtime.artifactsDir", "huginn-artifacts");
            e = dupSetting(dir, *rootSetting ? "store.artifactsRoot" : "runtime.artifactsDir", &root);
        }
    } else {
        return hgnStatusNew(HGN_CODE_InvalidConfig, "store.backend", "allowed values: \"sqlite\", \"postgres\"",
                            "unknown job store backend \"%s\"", backend);
    }
    if (e) {
        hgnJobStoreClose(*out);
        *out = NULL;
        hgnFree(root);
        return e;
    }
    if (artifactsRoot) *artifactsRoot = root;
    return HGN_OK;
}

HgnStatus hgnJobManagerOpenFromConfig(const HgnConfig *cfg, const HgnJobManagerConfig *base, HgnJobManager **out) {
    *out = NULL;
    HgnJobManagerConfig c;
    if (base)
        c = *base;
    else
        hgnJobManagerConfigInit(&c);
    char *root = NULL;
    HgnStatus e = hgnJobStoreOpenFromConfig(cfg, c.durability, &c.store, &root);
    if (e) return e;
    c.storePath = NULL;
    c.adoptStore = true; /* closed by the manager, also when opening it fails */
    c.artifactsRoot = root;
    e = hgnJobManagerOpen(&c, out);
    hgnFree(root); /* the manager keeps its own copy */
    return e;
}
