/* testConfig.c — layered configuration: precedence of every layer, sources,
 * profiles (inheritance, cycles, unknown names), environment typing, schema
 * errors with positions, secrets, TOML round trip and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/embedded.h"
#include "huginn/config.h"
#include "huginn/jsonSchema.h"
#include "huginn/log.h"
#include "huginn/toml.h"

#define DATA HGN_TEST_DATA "/config/"

static char *emptyEnv[] = {NULL};

/* Options that read nothing from the machine: no system/user file, empty environment. */
static HgnConfigOptions isolated(void) {
    HgnConfigOptions o;
    memset(&o, 0, sizeof o);
    o.systemFile = "";
    o.userFile = "";
    o.environ = emptyEnv;
    return o;
}

static HgnConfig *loadOk(const HgnConfigOptions *o) {
    HgnConfig *cfg = NULL;
    HgnStatus st = hgnConfigLoad(o, &cfg);
    if (st) {
        char *s = hgnStatusToString(st);
        fail_msg("load failed: %s", s);
    }
    assert_non_null(cfg);
    return cfg;
}

/* Loads expecting HGN-0001; returns the error (caller frees). */
static HgnStatus loadBad(const HgnConfigOptions *o) {
    HgnConfig *cfg = NULL;
    HgnStatus st = hgnConfigLoad(o, &cfg);
    assert_non_null(st);
    assert_null(cfg);
    if (hgnStatusCode(st) != HGN_CODE_InvalidConfig) {
        char *s = hgnStatusToString(st);
        fail_msg("expected HGN-0001, got %s", s);
    }
    return st;
}

static void assertContains(const char *haystack, const char *needle) {
    if (!haystack) fail_msg("(null) does not contain \"%s\"", needle);
    if (!strstr(haystack, needle)) fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* ---- defaults and schema agree ---------------------------------------------------- */

static void compareDefaults(const json_t *schema, const json_t *node, const json_t *doc, const char *path) {
    const json_t *props = json_object_get(node, "properties");
    const char *k;
    json_t *sub;
    json_object_foreach((json_t *)props, k, sub) {
        if (strcmp(k, "profile") == 0) continue;
        char p[256];
        snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", k);
        const json_t *value = json_object_get(doc, k);
        if (!value) fail_msg("defaults.toml lacks %s", p);
        assert_non_null(json_object_get(sub, "description"));
        if (json_object_get(sub, "properties")) {
            compareDefaults(schema, sub, value, p);
        } else if (!json_equal(json_object_get(sub, "default"), (json_t *)value)) {
            fail_msg("schema default of %s differs from defaults.toml", p);
        }
    }
    json_object_foreach((json_t *)doc, k, sub) if (!json_object_get(props, k))
        fail_msg("defaults.toml has extra %s.%s", path, k);
}

static void testDefaults(void **state) {
    (void)state;
    HgnConfigOptions o = isolated();
    HgnConfig *cfg = loadOk(&o);
    assert_string_equal(hgnConfigGetString(cfg, "logging.level", "?"), "info");
    assert_string_equal(hgnConfigSource(cfg, "logging.level"), "default");
    assert_int_equal(hgnConfigGetInt(cfg, "logging.keep", -1), 5);
    assert_true(hgnConfigGetBool(cfg, "planner.allowCpuFallback", false));
    assert_true(hgnConfigGetReal(cfg, "planner.safetyFactor", 0) > 1.09);
    assert_null(hgnConfigProfile(cfg));
    assert_null(hgnConfigGet(cfg, "profile"));      /* profiles never reach the effective document */
    assert_null(hgnConfigGet(cfg, "logging.nope")); /* absent */
    assert_null(hgnConfigSource(cfg, "logging.nope"));
    assert_string_equal(hgnConfigGetString(cfg, "logging.nope", "fb"), "fb");
    assert_int_equal(hgnConfigGetInt(cfg, "logging.level", 42), 42); /* wrong type → fallback */

    /* every schema key has a description and its default in defaults.toml, and nothing else is there */
    size_t n = 0;
    const char *text = (const char *)hgnEmbeddedGet("config/schema.json", &n);
    json_t *schema = json_loadb(text, n, 0, NULL);
    assert_non_null(schema);
    compareDefaults(schema, schema, hgnConfigJson(cfg), "");
    /* the schema is itself a valid draft-7 schema */
    HgnSchema *compiled = NULL;
    assert_null(hgnSchemaCompile(schema, "config/schema.json", NULL, &compiled));
    hgnSchemaFree(compiled);
    json_decref(schema);
    hgnConfigFree(cfg);
}

/* ---- precedence of every layer ----------------------------------------------------- */

static void testLayerPrecedence(void **state) {
    (void)state;
    char *env[] = {"HUGINN_PLANNER__BATCH_SIZE=8", "HUGINN_JOBS__MAX_QUEUED_TOTAL=99", "PATH=/bin", NULL};
    HgnConfigFlag flags[] = {{"jobs.maxQueuedTotal", "77", "--queue-limit"}};
    HgnConfigOptions o = isolated();
    o.systemFile = DATA "system.toml";
    o.userFile = DATA "user.toml";
    o.configFile = DATA "cli.toml";
    o.environ = env;
    o.flags = flags;
    o.nFlags = 1;
    HgnConfig *cfg = loadOk(&o);
    /* user file beats system file */
    assert_string_equal(hgnConfigGetString(cfg, "logging.level", "?"), "error");
    assert_string_equal(hgnConfigSource(cfg, "logging.level"), "file:" DATA "user.toml:3");
    /* system file beats defaults where nobody else speaks */
    assert_int_equal(hgnConfigGetInt(cfg, "logging.keep", 0), 7);
    assert_string_equal(hgnConfigSource(cfg, "logging.keep"), "file:" DATA "system.toml:4");
    assert_string_equal(hgnConfigGetString(cfg, "cache.root", "?"), "/var/cache/huginn");
    /* --config file */
    assert_string_equal(hgnConfigGetString(cfg, "logging.format", "?"), "json");
    assert_string_equal(hgnConfigSource(cfg, "logging.format"), "file:" DATA "cli.toml:3");
    assert_int_equal(hgnConfigGetInt(cfg, "planner.reserve.gpu:0", 0), 2147483648LL);
    assert_int_equal(json_array_size(hgnConfigGet(cfg, "runtime.devices")), 2);
    /* environment beats files */
    assert_int_equal(hgnConfigGetInt(cfg, "planner.batchSize", 0), 8);
    assert_string_equal(hgnConfigSource(cfg, "planner.batchSize"), "env:HUGINN_PLANNER__BATCH_SIZE");
    /* flags beat the environment */
    assert_int_equal(hgnConfigGetInt(cfg, "jobs.maxQueuedTotal", 0), 77);
    assert_string_equal(hgnConfigSource(cfg, "jobs.maxQueuedTotal"), "flag:--queue-limit");
    /* untouched keys stay default */
    assert_string_equal(hgnConfigSource(cfg, "planner.objective"), "default");
    hgnConfigFree(cfg);

    /* a missing optional file is skipped; a missing --config file is an error naming it */
    o = isolated();
    o.systemFile = DATA "does-not-exist.toml";
    cfg = loadOk(&o);
    hgnConfigFree(cfg);
    o.configFile = DATA "does-not-exist.toml";
    HgnStatus st = loadBad(&o);
    assert_string_equal(hgnStatusWhere(st), DATA "does-not-exist.toml");
    assertContains(hgnStatusMessage(st), "--config file");
    hgnStatusFree(st);
}

static void testUserFileFromXdg(void **state) {
    (void)state;
    char dir[] = "/tmp/hgnCfgXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], file[300], xdg[300], home[300];
    snprintf(sub, sizeof sub, "%s/huginn", dir);
    snprintf(file, sizeof file, "%s/config.toml", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    FILE *f = fopen(file, "w");
    fputs("[runtime]\nthreads = 3\n", f);
    fclose(f);
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s", dir);
    char *env[] = {xdg, NULL};
    HgnConfigOptions o = isolated();
    o.userFile = NULL;
    o.environ = env;
    HgnConfig *cfg = loadOk(&o);
    assert_int_equal(hgnConfigGetInt(cfg, "runtime.threads", -1), 3);
    hgnConfigFree(cfg);
    /* without XDG_CONFIG_HOME: $HOME/.config/huginn/config.toml (absent here: defaults) */
    snprintf(home, sizeof home, "HOME=%s/nohome", dir);
    char *env2[] = {home, NULL};
    o.environ = env2;
    cfg = loadOk(&o);
    assert_int_equal(hgnConfigGetInt(cfg, "runtime.threads", -1), 0);
    hgnConfigFree(cfg);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
}

/* ---- profiles --------------------------------------------------------------------------- */

static void testProfiles(void **state) {
    (void)state;
    HgnConfigOptions o = isolated();
    o.profile = "dev";
    HgnConfig *cfg = loadOk(&o);
    assert_string_equal(hgnConfigProfile(cfg), "dev");
    assert_string_equal(hgnConfigGetString(cfg, "logging.level", "?"), "debug");
    assert_string_equal(hgnConfigSource(cfg, "logging.level"), "profile:dev@default");
    hgnConfigFree(cfg);

    /* HUGINN_PROFILE selects; a profile beats files but not the environment */
    char *env[] = {"HUGINN_PROFILE=prod", "HUGINN_LOGGING__COLOR=always", NULL};
    o = isolated();
    o.environ = env;
    o.configFile = DATA "cli.toml"; /* sets logging.format = "json" too, and prod's json wins anyway */
    o.userFile = DATA "user.toml";  /* level = "error", prod says "info" */
    cfg = loadOk(&o);
    assert_string_equal(hgnConfigProfile(cfg), "prod");
    assert_string_equal(hgnConfigGetString(cfg, "logging.level", "?"), "info");
    assertContains(hgnConfigSource(cfg, "logging.level"), "profile:prod@default");
    assert_string_equal(hgnConfigGetString(cfg, "logging.color", "?"), "always");
    assert_string_equal(hgnConfigSource(cfg, "logging.color"), "env:HUGINN_LOGGING__COLOR");
    hgnConfigFree(cfg);

    /* --profile beats HUGINN_PROFILE */
    o.profile = "dev";
    cfg = loadOk(&o);
    assert_string_equal(hgnConfigProfile(cfg), "dev");
    hgnConfigFree(cfg);
}

static void testProfileInheritance(void **state) {
    (void)state;
    HgnConfigOptions o = isolated();
    o.systemFile = DATA "system.toml";
    o.profile = "staging"; /* defined in system.toml, inherits prod from the defaults */
    HgnConfig *cfg = loadOk(&o);
    assert_int_equal(hgnConfigGetInt(cfg, "jobs.maxQueuedTotal", 0), 2048);
    assert_string_equal(hgnConfigSource(cfg, "jobs.maxQueuedTotal"), "profile:staging@file:" DATA "system.toml:11");
    assert_string_equal(hgnConfigGetString(cfg, "logging.format", "?"), "json"); /* from prod */
    assert_string_equal(hgnConfigSource(cfg, "logging.format"), "profile:prod@default");
    assert_string_equal(hgnConfigGetString(cfg, "server.listen", "?"), "0.0.0.0:8765");
    hgnConfigFree(cfg);
}

static void testProfileErrors(void **state) {
    (void)state;
    HgnConfigOptions o = isolated();
    o.configFile = DATA "cycle.toml";
    o.profile = "a";
    HgnStatus st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "cycle: a -> b -> c -> a");
    assertContains(hgnStatusWhere(st), "cycle.toml:10:");
    hgnStatusFree(st);

    o.profile = "prdo";
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "unknown profile \"prdo\" (did you mean \"prod\"?)");
    assert_string_equal(hgnStatusWhere(st), "flag --profile");
    assertContains(hgnStatusHint(st), "dev");
    hgnStatusFree(st);

    char *env[] = {"HUGINN_PROFILE=nothing-like-it", NULL};
    o = isolated();
    o.environ = env;
    st = loadBad(&o);
    assert_string_equal(hgnStatusWhere(st), "env HUGINN_PROFILE");
    assert_null(strstr(hgnStatusMessage(st), "did you mean"));
    hgnStatusFree(st);

    o = isolated();
    o.configFile = DATA "unknownParent.toml";
    o.profile = "edge";
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "profile \"edge\" inherits unknown profile \"prdo\" (did you mean \"prod\"?)");
    assertContains(hgnStatusWhere(st), "unknownParent.toml:2:");
    hgnStatusFree(st);

    /* a profile that is not selected does not block loading */
    o.profile = NULL;
    HgnConfig *cfg = loadOk(&o);
    hgnConfigFree(cfg);
}

/* ---- environment typing -------------------------------------------------------------------- */

static void testEnvTyping(void **state) {
    (void)state;
    char *env[] = {"HUGINN_LOGGING__KEEP=12",
                   "HUGINN_PLANNER__ALLOW_CPU_FALLBACK=no",
                   "HUGINN_PLANNER__SAFETYFACTOR=1.5",
                   "HUGINN_GRENDEL__RETRY_DELAYS_MS=10, 20,30",
                   "HUGINN_PLANNER__DEVICES=[\"gpu:0\",\"cpu:0\"]",
                   "HUGINN_PLANNER__RESERVE={\"gpu:1\": 1024}",
                   "HUGINN_SERVER__TLS__CERT=/etc/huginn/cert.pem",
                   "HUGINN_STORE__DSN=postgres://u:pw@db/huginn",
                   "HUGINN_RUNTIME__DEVICES=[{\"id\":\"cpu:0\",\"memoryBytes\":1000}]",
                   "HUGINN_PROFILE=",
                   "HUGINN=/usr/bin/huginn",
                   NULL};
    HgnConfigOptions o = isolated();
    o.environ = env;
    HgnConfig *cfg = loadOk(&o);
    assert_int_equal(hgnConfigGetInt(cfg, "logging.keep", 0), 12);
    assert_false(hgnConfigGetBool(cfg, "planner.allowCpuFallback", true));
    assert_true(hgnConfigGetReal(cfg, "planner.safetyFactor", 0) == 1.5);
    const json_t *delays = hgnConfigGet(cfg, "grendel.retryDelaysMs");
    assert_int_equal(json_array_size(delays), 3);
    assert_int_equal(json_integer_value(json_array_get(delays, 1)), 20);
    assert_string_equal(json_string_value(json_array_get(hgnConfigGet(cfg, "planner.devices"), 1)), "cpu:0");
    assert_int_equal(hgnConfigGetInt(cfg, "planner.reserve.gpu:1", 0), 1024);
    assert_string_equal(hgnConfigGetString(cfg, "server.tls.cert", "?"), "/etc/huginn/cert.pem");
    assert_string_equal(hgnConfigSource(cfg, "server.tls.cert"), "env:HUGINN_SERVER__TLS__CERT");
    assert_int_equal(hgnConfigGetInt(cfg, "runtime.devices.0.memoryBytes", 0), 1000); /* decimal segments index */
    assert_null(hgnConfigGet(cfg, "runtime.devices.1"));
    assert_null(hgnConfigGet(cfg, "runtime.devices.x"));
    assert_string_equal(hgnConfigSource(cfg, "runtime.devices.0.id"), "env:HUGINN_RUNTIME__DEVICES");
    assert_int_equal(json_array_size(hgnConfigGet(cfg, "runtime.devices")), 1);
    assert_null(hgnConfigProfile(cfg)); /* empty HUGINN_PROFILE: none */
    hgnConfigFree(cfg);

    struct {
        const char *var, *where, *needle;
    } bad[] = {
        {"HUGINN_LOGGING__KEEP=abc", "env HUGINN_LOGGING__KEEP",
         "expects a whole number from 0 to 1000, found \"abc\""},
        {"HUGINN_LOGGING__KEEP=12x", "env HUGINN_LOGGING__KEEP", "found \"12x\""},
        {"HUGINN_PLANNER__ALLOW_CPU_FALLBACK=maybe", "env HUGINN_PLANNER__ALLOW_CPU_FALLBACK", "true or false"},
        {"HUGINN_PLANNER__SAFETY_FACTOR=fast", "env HUGINN_PLANNER__SAFETY_FACTOR", "a number"},
        {"HUGINN_GRENDEL__RETRY_DELAYS_MS=1,x", "env HUGINN_GRENDEL__RETRY_DELAYS_MS", "comma-separated"},
        {"HUGINN_PLANNER__DEVICES=[\"gpu:0\"", "env HUGINN_PLANNER__DEVICES", "an array"},
        {"HUGINN_LOGGING__LEVLE=debug", "env HUGINN_LOGGING__LEVLE", "did you mean level?"},
        {"HUGINN_LOGGNG__LEVEL=debug", "env HUGINN_LOGGNG__LEVEL", "did you mean logging?"},
        {"HUGINN_LOGGING__LEVEL__X=debug", "env HUGINN_LOGGING__LEVEL__X", "is not a table"},
        {"HUGINN_LOGGING____LEVEL=debug", "env HUGINN_LOGGING____LEVEL", "empty segment"},
        {"HUGINN_PROFILE__DEV__LOGGING=x", "env HUGINN_PROFILE__DEV__LOGGING", "profiles cannot"},
        /* typed fine, rejected by the schema: still names the variable */
        {"HUGINN_LOGGING__KEEP=5000", "env HUGINN_LOGGING__KEEP", "logging.keep"},
        {"HUGINN_LOGGING__LEVEL=loud", "env HUGINN_LOGGING__LEVEL", "logging.level"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *env1[] = {(char *)bad[i].var, NULL};
        o.environ = env1;
        HgnStatus st = loadBad(&o);
        assert_string_equal(hgnStatusWhere(st), bad[i].where);
        assertContains(hgnStatusMessage(st), bad[i].needle);
        assert_non_null(hgnStatusHint(st));
        hgnStatusFree(st);
    }
}

static void testFlags(void **state) {
    (void)state;
    HgnConfigFlag flags[] = {{"logging.level", "trace", "-vv"}, {"planner.devices", "gpu:0,gpu:1", NULL}};
    HgnConfigOptions o = isolated();
    o.flags = flags;
    o.nFlags = 2;
    HgnConfig *cfg = loadOk(&o);
    assert_string_equal(hgnConfigGetString(cfg, "logging.level", "?"), "trace");
    assert_string_equal(hgnConfigSource(cfg, "logging.level"), "flag:-vv");
    assert_string_equal(hgnConfigSource(cfg, "planner.devices"), "flag:--planner.devices");
    hgnConfigFree(cfg);

    HgnConfigFlag bad[] = {{"planner.batchSize", "many", "--batch-size"}};
    o.flags = bad;
    o.nFlags = 1;
    HgnStatus st = loadBad(&o);
    assert_string_equal(hgnStatusWhere(st), "flag --batch-size");
    assertContains(hgnStatusMessage(st), "found \"many\"");
    hgnStatusFree(st);
    HgnConfigFlag unknown[] = {{"planner.bachSize", "2", "--bs"}};
    o.flags = unknown;
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "did you mean batchSize?");
    hgnStatusFree(st);
}

/* ---- schema errors with positions ---------------------------------------------------------------- */

static void testSchemaErrorsWithPositions(void **state) {
    (void)state;
    HgnConfigOptions o = isolated();
    o.configFile = DATA "badTypes.toml";
    HgnStatus st = loadBad(&o);
    const char *msg = hgnStatusMessage(st);
    /* first problem: where and hint; every problem is listed in the message with its position */
    assertContains(hgnStatusWhere(st), DATA "badTypes.toml:");
    assertContains(msg, "logging.keep");
    assertContains(msg, "\"five\"");
    assertContains(msg, "planner.policy");
    assertContains(msg, "\"fastest\"");
    assertContains(msg, "badTypes.toml:6:10");
    assertContains(msg, "server.maxBodyBytes");
    assertContains(msg, "badTypes.toml:9:16");
    assertContains(hgnStatusHint(st), "expected");
    char *s = hgnStatusToString(st);
    print_message("%s\n", s);
    hgnFree(s);
    hgnStatusFree(st);

    o.configFile = DATA "unknownKey.toml";
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "unknown key logging.levle (did you mean level?)");
    assertContains(hgnStatusWhere(st), "unknownKey.toml:2:");
    assertContains(hgnStatusHint(st), "level, format");
    assertContains(hgnStatusMessage(st), "unknown key plannre (did you mean planner?)");
    hgnStatusFree(st);

    o.configFile = DATA "syntax.toml";
    st = loadBad(&o);
    assertContains(hgnStatusWhere(st), "syntax.toml:2:");
    hgnStatusFree(st);

    o.configFile = DATA "postgres.toml"; /* if backend = postgres then dsn is required */
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st),
                   "store.dsn: must not be empty (required because store.backend is \"postgres\"");
    assertContains(hgnStatusWhere(st), "postgres.toml:2:11"); /* points at the backend line, not the default dsn */
    hgnStatusFree(st);

    /* a secret's value never appears in an error */
    char *env[] = {"HUGINN_STORE__BACKEND=postgres", "HUGINN_STORE__DSN=", NULL};
    o = isolated();
    o.environ = env;
    st = loadBad(&o);
    assert_string_equal(hgnStatusWhere(st), "env HUGINN_STORE__BACKEND");
    hgnStatusFree(st);
    HgnConfigFlag flags[] = {{"grendel.token", "tok very-secret", "--grendel-token"}};
    o = isolated();
    o.flags = flags;
    o.nFlags = 1;
    st = loadBad(&o);
    assertContains(hgnStatusMessage(st), "grendel.token: is invalid (fails \"pattern\"; the value is secret");
    assert_string_equal(hgnStatusWhere(st), "flag --grendel-token");
    assert_null(strstr(hgnStatusMessage(st), "very-secret"));
    assert_null(strstr(hgnStatusHint(st), "very-secret"));
    hgnStatusFree(st);
}

/* ---- secrets --------------------------------------------------------------------------------------- */

static void testSecretsMasked(void **state) {
    (void)state;
    char *env[] = {"HUGINN_SERVER__AUTH__TOKEN=srv-token-abcdef", NULL};
    HgnConfigOptions o = isolated();
    o.configFile = DATA "cli.toml";
    o.environ = env;
    HgnConfig *cfg = loadOk(&o);
    assert_true(hgnConfigIsSecret(cfg, "grendel.token"));
    assert_true(hgnConfigIsSecret(cfg, "server.auth.token"));
    assert_true(hgnConfigIsSecret(cfg, "store.dsn"));
    assert_false(hgnConfigIsSecret(cfg, "grendel.endpoint"));
    assert_string_equal(hgnConfigGetString(cfg, "grendel.token", "?"), "grendel-secret-token-123");

    json_t *show = NULL;
    assert_null(hgnConfigShowJson(cfg, &show));
    char *text = json_dumps(show, 0);
    assert_null(strstr(text, "grendel-secret-token-123"));
    assert_null(strstr(text, "srv-token-abcdef"));
    size_t i;
    json_t *row;
    int seen = 0;
    json_array_foreach(json_object_get(show, "values"), i, row) {
        const char *path = json_string_value(json_object_get(row, "path"));
        if (strcmp(path, "grendel.token") == 0) {
            assert_string_equal(json_string_value(json_object_get(row, "value")), "***");
            assert_string_equal(json_string_value(json_object_get(row, "source")), "file:" DATA "cli.toml:14");
            seen++;
        } else if (strcmp(path, "store.dsn") == 0) { /* unset secrets show as they are */
            assert_string_equal(json_string_value(json_object_get(row, "value")), "");
            seen++;
        } else if (strcmp(path, "planner.policy") == 0) {
            assert_string_equal(json_string_value(json_object_get(row, "value")), "locality-first");
            seen++;
        }
    }
    assert_int_equal(seen, 3);
    assert_true(json_is_null(json_object_get(show, "profile")));
    free(text);
    json_decref(show);

    /* loading registers secrets with the logger: they never reach a log line */
    char *scrubbed = hgnLogScrub("calling grendel with grendel-secret-token-123 / srv-token-abcdef");
    assert_string_equal(scrubbed, "calling grendel with *** / ***");
    hgnFree(scrubbed);
    hgnLogClearSecrets();

    /* secret type errors never echo the value */
    char *env2[] = {"HUGINN_GRENDEL__TOKEN=[1]", NULL};
    hgnConfigFree(cfg);
    o = isolated();
    o.environ = env2;
    HgnConfigFlag f[] = {{"store.dsn", "x", NULL}};
    (void)f;
    cfg = loadOk(&o); /* a string field takes "[1]" as text */
    hgnConfigFree(cfg);
}

/* ---- dump / load round trip ----------------------------------------------------------------------- */

static void testRoundTrip(void **state) {
    (void)state;
    char *env[] = {"HUGINN_PROFILE=staging", "HUGINN_PLANNER__SAFETY_FACTOR=1.25", "HUGINN_LOGGING__FILE=/tmp/x y.log",
                   NULL};
    HgnConfigOptions o = isolated();
    o.systemFile = DATA "system.toml";
    o.configFile = DATA "cli.toml";
    o.environ = env;
    HgnConfig *a = loadOk(&o);
    char *toml = NULL;
    assert_null(hgnConfigDumpToml(a, true, &toml));
    char path[] = "/tmp/hgnCfgDumpXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, toml, strlen(toml)), (ssize_t)strlen(toml));
    close(fd);

    HgnConfigOptions o2 = isolated();
    o2.configFile = path;
    HgnConfig *b = loadOk(&o2);
    if (!json_equal((json_t *)hgnConfigJson(a), (json_t *)hgnConfigJson(b))) {
        char *x = json_dumps(hgnConfigJson(a), JSON_SORT_KEYS), *y = json_dumps(hgnConfigJson(b), JSON_SORT_KEYS);
        fail_msg("round trip differs:\n%s\n%s\n%s", toml, x, y);
    }
    /* and it is a valid file on its own */
    assert_null(hgnConfigValidateFile(path));

    /* without secrets the token is absent from the text */
    char *noSecrets = NULL;
    assert_null(hgnConfigDumpToml(a, false, &noSecrets));
    assert_null(strstr(noSecrets, "grendel-secret-token-123"));
    assert_non_null(strstr(toml, "grendel-secret-token-123"));
    hgnFree(noSecrets);
    hgnFree(toml);
    hgnConfigFree(a);
    hgnConfigFree(b);
    unlink(path);
    hgnLogClearSecrets();
}

/* ---- validate one file ------------------------------------------------------------------------------- */

static void testValidateFile(void **state) {
    (void)state;
    assert_null(hgnConfigValidateFile(DATA "cli.toml"));
    assert_null(hgnConfigValidateFile(DATA "system.toml"));
    HgnStatus st = hgnConfigValidateFile(DATA "cycle.toml");
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assertContains(hgnStatusMessage(st), "cycle");
    hgnStatusFree(st);
    st = hgnConfigValidateFile(DATA "badProfile.toml"); /* profile values are validated too */
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    assertContains(hgnStatusMessage(st), "planner.batchSize");
    assertContains(hgnStatusWhere(st), "badProfile.toml:2:");
    hgnStatusFree(st);
    st = hgnConfigValidateFile(DATA "unknownParent.toml");
    assertContains(hgnStatusMessage(st), "prdo");
    hgnStatusFree(st);
    st = hgnConfigValidateFile(DATA "missing.toml");
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidConfig);
    hgnStatusFree(st);
}

/* ---- logging settings --------------------------------------------------------------------------------- */

static void testLogSettings(void **state) {
    (void)state;
    char *env[] = {"HUGINN_LOGGING__LEVEL=trace", "HUGINN_LOGGING__COLOR=always", "HUGINN_LOGGING__FILE=/tmp/h.log",
                   "HUGINN_LOGGING__MAX_BYTES=4096", NULL};
    HgnConfigOptions o = isolated();
    o.environ = env;
    o.configFile = DATA "cli.toml";
    HgnConfig *cfg = loadOk(&o);
    HgnLogConfig lc;
    memset(&lc, 0, sizeof lc);
    assert_null(hgnConfigLogSettings(cfg, &lc));
    assert_int_equal(lc.level, HGN_LOG_TRACE);
    assert_int_equal(lc.format, HGN_LOG_FORMAT_JSON);
    assert_true(lc.color);
    assert_string_equal(lc.filePath, "/tmp/h.log");
    assert_int_equal(lc.fileMaxBytes, 4096);
    assert_int_equal(lc.fileKeep, 5);
    hgnConfigFree(cfg);
    o = isolated(); /* defaults: colour auto → off for a stream that is not a terminal */
    cfg = loadOk(&o);
    FILE *f = tmpfile();
    lc.stream = f;
    assert_null(hgnConfigLogSettings(cfg, &lc));
    assert_false(lc.color);
    assert_null(lc.filePath);
    assert_ptr_equal(lc.stream, f);
    fclose(f);
    hgnConfigFree(cfg);
    hgnLogClearSecrets();
}

/* ---- allocation failures -------------------------------------------------------------------------------- */

static void testAllocationFailureSweep(void **state) {
    (void)state;
    char *env[] = {"HUGINN_PLANNER__BATCH_SIZE=4", "HUGINN_GRENDEL__RETRY_DELAYS_MS=1,2", NULL};
    HgnConfigFlag flags[] = {{"logging.level", "debug", "--log-level"}};
    HgnConfigOptions o = isolated();
    o.systemFile = DATA "system.toml";
    o.configFile = DATA "cli.toml";
    o.profile = "staging";
    o.environ = env;
    o.flags = flags;
    o.nFlags = 1;
    HgnConfig *reference = loadOk(&o);
    uint64_t n;
    int failures = 0;
    for (n = 1; n < 200000; n++) {
        hgnAllocFailAt(n, 0);
        HgnConfig *cfg = NULL;
        HgnStatus st = hgnConfigLoad(&o, &cfg);
        uint64_t injected = hgnAllocInjectedFailures();
        hgnAllocFailAt(0, 0);
        if (st) {
            if (hgnStatusCode(st) != HGN_CODE_OutOfMemory) {
                char *s = hgnStatusToString(st);
                fail_msg("allocation %llu failed: got %s instead of HGN-0012", (unsigned long long)n, s);
            }
            assert_null(cfg);
            hgnStatusFree(st);
            failures++;
        } else {
            assert_non_null(cfg);
            /* an absorbed failure must not change the result */
            assert_true(json_equal((json_t *)hgnConfigJson(cfg), (json_t *)hgnConfigJson(reference)));
            assert_string_equal(hgnConfigSource(cfg, "jobs.maxQueuedTotal"),
                                hgnConfigSource(reference, "jobs.maxQueuedTotal"));
            json_t *show = NULL;
            assert_null(hgnConfigShowJson(cfg, &show));
            json_decref(show);
            hgnConfigFree(cfg);
            if (injected == 0) break; /* past the last allocation */
        }
    }
    hgnConfigFree(reference);
    hgnLogClearSecrets();
    print_message("allocation sweep: %llu allocations, %d reported HGN-0012\n", (unsigned long long)n, failures);
    assert_true(failures > 100);
}

static void *jsonMalloc(size_t n) { return hgnMalloc(n); }
static void jsonFree(void *p) { hgnFree(p); }

int main(void) {
    json_set_alloc_funcs(jsonMalloc, jsonFree); /* so the sweep reaches jansson's allocations too */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDefaults),
        cmocka_unit_test(testLayerPrecedence),
        cmocka_unit_test(testUserFileFromXdg),
        cmocka_unit_test(testProfiles),
        cmocka_unit_test(testProfileInheritance),
        cmocka_unit_test(testProfileErrors),
        cmocka_unit_test(testEnvTyping),
        cmocka_unit_test(testFlags),
        cmocka_unit_test(testSchemaErrorsWithPositions),
        cmocka_unit_test(testSecretsMasked),
        cmocka_unit_test(testRoundTrip),
        cmocka_unit_test(testValidateFile),
        cmocka_unit_test(testLogSettings),
        cmocka_unit_test(testAllocationFailureSweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
