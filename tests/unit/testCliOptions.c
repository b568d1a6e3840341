/* testCliOptions.c — the command-line parser of `huginn` (src/cliparse): value
 * types and ranges, sizes, repeated options, `=` form, `--`, globals on either
 * side of the command, did-you-mean suggestions, missing values, conflicts,
 * required arguments, the huginn option table itself, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliparse/cliOptions.h"
#include "cliparse/cliParse.h"
#include "cliparse/cliSuggest.h"
#include "cliparse/cliValue.h"
#include "core/alloc.h"

#define SRC_FILE HGN_SOURCE_DIR "/CMakeLists.txt"
#define SRC_DIR  HGN_SOURCE_DIR "/src"

/* Parses a NULL-terminated list of words (argv[0] added). */
static HgnStatus parseWords(HgnCliArgs **out, const char *first, ...) {
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"huginn";
    va_list ap;
    va_start(ap, first);
    for (const char *w = first; w && argc < 63; w = va_arg(ap, const char *)) argv[argc++] = (char *)w;
    va_end(ap);
    argv[argc] = NULL;
    return hgnCliParse(hgnCliHuginnSpec(), argc, argv, out);
}

#define PARSE(out, ...) parseWords(out, __VA_ARGS__, (const char *)NULL)

static void expectError(HgnStatus st, HgnCode code, const char *messagePart) {
    assert_non_null(st);
    if (hgnStatusCode(st) != code || (messagePart && !strstr(hgnStatusMessage(st), messagePart)))
        fail_msg("got %d `%s`, expected %d with `%s`", (int)hgnStatusCode(st), hgnStatusMessage(st), (int)code,
                 messagePart ? messagePart : "");
    hgnStatusFree(st);
}

static void testIntegersAndRanges(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "plan", SRC_FILE, "--context", "8192", "--batch=4"));
    assert_int_equal(a->command->id, HGN_CMD_PLAN);
    assert_int_equal(hgnCliArgsInt(a, "context", 0), 8192);
    assert_int_equal(hgnCliArgsInt(a, "batch", 0), 4);
    assert_int_equal(hgnCliArgsInt(a, "absent", -7), -7);
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "plan", SRC_FILE, "--context", "0"), HGN_CODE_UsageError, "out of range");
    assert_null(a);
    expectError(PARSE(&a, "plan", SRC_FILE, "--context", "1048577"), HGN_CODE_UsageError, "out of range");
    expectError(PARSE(&a, "plan", SRC_FILE, "--context", "12k"), HGN_CODE_UsageError, "expects an integer");
    expectError(PARSE(&a, "plan", SRC_FILE, "--context", ""), HGN_CODE_UsageError, "expects an integer");
    expectError(PARSE(&a, "plan", SRC_FILE, "--context", " 5"), HGN_CODE_UsageError, "expects an integer");
    expectError(PARSE(&a, "execute", SRC_FILE, "--seed", "99999999999999999999"), HGN_CODE_UsageError, "out of range");
    assert_null(PARSE(&a, "execute", SRC_FILE, "--seed", "9223372036854775807"));
    assert_int_equal(hgnCliArgsInt(a, "seed", 0), INT64_MAX);
    hgnCliArgsFree(a);
}

static void testReals(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "execute", SRC_FILE, "--temperature", "0.7", "--top-p=1", "--min-p", "0"));
    assert_float_equal(hgnCliArgsReal(a, "temperature", 0), 0.7, 1e-12);
    assert_float_equal(hgnCliArgsReal(a, "top-p", 0), 1.0, 1e-12);
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "execute", SRC_FILE, "--top-p", "1.01"), HGN_CODE_UsageError, "out of range");
    expectError(PARSE(&a, "execute", SRC_FILE, "--temperature", "-0.1"), HGN_CODE_UsageError, "out of range");
    expectError(PARSE(&a, "execute", SRC_FILE, "--temperature", "nan"), HGN_CODE_UsageError, "expects a number");
    expectError(PARSE(&a, "execute", SRC_FILE, "--temperature", "inf"), HGN_CODE_UsageError, "expects a number");
    expectError(PARSE(&a, "execute", SRC_FILE, "--temperature", "0.5x"), HGN_CODE_UsageError, "expects a number");
}

static void testSizes(void **state) {
    (void)state;
    static const struct {
        const char *text;
        uint64_t bytes;
    } good[] = {
        {"0", 0},
        {"4096", 4096},
        {"512MiB", 512ull << 20},
        {"2GiB", 2ull << 30},
        {"2gib", 2ull << 30},
        {"2 GiB", 2ull << 30},
        {"1.5GiB", 3ull << 29},
        {"1GB", 1000000000ull},
        {"3kB", 3000},
        {"1K", 1024},
        {"7B", 7},
        {"1TiB", 1ull << 40},
        {"18446744073709551615", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 1;
        if (!hgnCliParseSize(good[i].text, &v)) fail_msg("`%s` rejected", good[i].text);
        if (v != good[i].bytes) fail_msg("`%s` gave %llu", good[i].text, (unsigned long long)v);
    }
    static const char *const bad[] = {"",         "GiB",   "-1",    "1.2.3", "2XB",
                                      "1.",       ".5GiB", "2GiBs", "16EiB", "18446744073709551616",
                                      "20000PiB", "1e3",   " 1",    "2  GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 0;
        if (hgnCliParseSize(bad[i], &v)) fail_msg("`%s` accepted as %llu", bad[i], (unsigned long long)v);
    }
    char buf[32];
    assert_string_equal(hgnCliFormatSize(2ull << 30, buf, sizeof buf), "2GiB");
    assert_string_equal(hgnCliFormatSize(512, buf, sizeof buf), "512B");
    assert_string_equal(hgnCliFormatSize(3ull << 29, buf, sizeof buf), "1.50GiB");
    assert_string_equal(hgnCliFormatSize(0, buf, sizeof buf), "0B");
}

static void testReservations(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "plan", SRC_FILE, "--reserve", "gpu:0=2GiB", "--reserve=cpu=512MiB"));
    assert_int_equal(hgnCliArgsCount(a, "reserve"), 2);
    const HgnCliArg *r0 = hgnCliArgsAt(a, "reserve", 0), *r1 = hgnCliArgsAt(a, "reserve", 1);
    assert_string_equal(r0->device, "gpu:0");
    assert_int_equal(r0->size, 2ull << 30);
    assert_string_equal(r1->device, "cpu");
    assert_int_equal(r1->size, 512ull << 20);
    assert_null(hgnCliArgsAt(a, "reserve", 2));
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "plan", SRC_FILE, "--reserve", "gpu:0"), HGN_CODE_UsageError, "DEV=SIZE");
    expectError(PARSE(&a, "plan", SRC_FILE, "--reserve", "GPU=1GiB"), HGN_CODE_UsageError, "device name");
    expectError(PARSE(&a, "plan", SRC_FILE, "--reserve", "gpu:=1GiB"), HGN_CODE_UsageError, "device name");
    expectError(PARSE(&a, "plan", SRC_FILE, "--reserve", "gpu:0=lots"), HGN_CODE_UsageError, "no valid size");
    expectError(PARSE(&a, "plan", SRC_FILE, "--reserve", "gpu:0=2000TiB"), HGN_CODE_UsageError, "out of range");
}

static void testEnumsSuggest(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "plan", SRC_FILE, "--policy", "locality-first", "--objective=throughput"));
    assert_string_equal(hgnCliArgsString(a, "policy", NULL), "locality-first");
    assert_string_equal(hgnCliArgsString(a, "objective", NULL), "throughput");
    hgnCliArgsFree(a);
    HgnStatus st = PARSE(&a, "plan", SRC_FILE, "--policy", "balnced");
    assert_non_null(st);
    assert_string_equal(hgnStatusMessage(st), "--policy does not accept `balnced`; did you mean `balanced`?");
    assert_string_equal(hgnStatusWhere(st), "--policy");
    assert_non_null(strstr(hgnStatusHint(st), "balanced, locality-first, throughput-max"));
    hgnStatusFree(st);
    expectError(PARSE(&a, "quantize", SRC_FILE, "--method", "zzz", "--out", "/tmp/x"), HGN_CODE_UsageError,
                "does not accept `zzz`");
}

static void testUnknownCommandAndOption(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    HgnStatus st = PARSE(&a, "pln");
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_UsageError);
    assert_string_equal(hgnStatusMessage(st), "unknown command `pln`; did you mean `plan`?");
    hgnStatusFree(st);
    expectError(PARSE(&a, "exeucte"), HGN_CODE_UsageError, "did you mean `execute`?");
    expectError(PARSE(&a, "diag"), HGN_CODE_UsageError, "did you mean `diagnose`?"); /* unique prefix */
    expectError(PARSE(&a, "xyzzy"), HGN_CODE_UsageError, "unknown command `xyzzy`");
    st = PARSE(&a, "xyzzy");
    assert_null(strstr(hgnStatusMessage(st), "did you mean"));
    hgnStatusFree(st);
    expectError(PARSE(&a, "models", "lst"), HGN_CODE_UsageError,
                "unknown command `models lst`; did you mean `models list`?");
    expectError(PARSE(&a, "models"), HGN_CODE_UsageError, "`models` needs a subcommand: list, show");
    st = PARSE(&a, "plan", SRC_FILE, "--contxt", "5");
    assert_non_null(st);
    assert_string_equal(hgnStatusMessage(st), "unknown option `--contxt` for `plan`; did you mean `--context`?");
    assert_string_equal(hgnStatusWhere(st), "--contxt");
    hgnStatusFree(st);
    expectError(PARSE(&a, "plan", SRC_FILE, "--contxt=5"), HGN_CODE_UsageError, "did you mean `--context`?");
    expectError(PARSE(&a, "--jsn", "version"), HGN_CODE_UsageError, "did you mean `--json`?");
    /* a command's option before the command is not known yet */
    expectError(PARSE(&a, "--context", "5", "plan"), HGN_CODE_UsageError, "unknown option `--context`");
    expectError(PARSE(&a, "version", "-x"), HGN_CODE_UsageError, "unknown option `-x`");
    expectError(PARSE(&a, "diagnose", "--max-tokens", "4"), HGN_CODE_UsageError, "for `diagnose`");
}

static void testMissingValues(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    HgnStatus st = PARSE(&a, "plan", SRC_FILE, "--context");
    assert_non_null(st);
    assert_string_equal(hgnStatusMessage(st), "--context needs a value (N)");
    assert_string_equal(hgnStatusHint(st), "write --context N or --context=N");
    hgnStatusFree(st);
    expectError(PARSE(&a, "execute", SRC_FILE, "--prompt", "--dry-run"), HGN_CODE_UsageError, "--prompt needs a value");
    assert_null(PARSE(&a, "execute", SRC_FILE, "--prompt=--dry-run"));
    assert_string_equal(hgnCliArgsString(a, "prompt", NULL), "--dry-run");
    assert_false(hgnCliArgsHas(a, "dry-run"));
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "execute", SRC_FILE, "--prompt="), HGN_CODE_UsageError, "empty string");
    expectError(PARSE(&a, "--config"), HGN_CODE_UsageError, "--config needs a value");
    expectError(PARSE(&a, "version", "--json=yes"), HGN_CODE_UsageError, "--json takes no value");
}

static void testRepeatedOptions(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "-vv", "execute", SRC_FILE, "--stop", "a", "-v", "--stop=b", "-q"));
    assert_int_equal(hgnCliArgsCount(a, "verbose"), 3);
    assert_int_equal(hgnCliArgsCount(a, "quiet"), 1);
    assert_int_equal(hgnCliArgsCount(a, "stop"), 2);
    assert_string_equal(hgnCliArgsAt(a, "stop", 0)->text, "a");
    assert_string_equal(hgnCliArgsAt(a, "stop", 1)->text, "b");
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "plan", SRC_FILE, "--policy", "balanced", "--policy", "balanced"), HGN_CODE_UsageError,
                "--policy was given more than once");
    assert_null(PARSE(&a, "version", "--json", "--json")); /* flags may repeat harmlessly */
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "execute", SRC_FILE, "--stop", ""), HGN_CODE_UsageError, "empty string");
    expectError(PARSE(&a, "-vx", "version"), HGN_CODE_UsageError, "unknown option `-x`");
}

static void testGlobalsAnywhereAndDoubleDash(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "--json", "--log-format", "json", "cancel", "job-7", "--dry-run", "--profile=gpu"));
    assert_int_equal(a->command->id, HGN_CMD_CANCEL);
    assert_true(hgnCliArgsHas(a, "json"));
    assert_true(hgnCliArgsHas(a, "dry-run"));
    assert_string_equal(hgnCliArgsString(a, "log-format", NULL), "json");
    assert_string_equal(hgnCliArgsString(a, "profile", NULL), "gpu");
    assert_string_equal(hgnCliArgsString(a, "ID", NULL), "job-7");
    hgnCliArgsFree(a);
    /* after --, words that look like options are positionals */
    assert_null(PARSE(&a, "help", "--", "--weird"));
    assert_string_equal(hgnCliArgsString(a, "TOPIC", NULL), "--weird");
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "explain", "--", SRC_FILE));
    assert_string_equal(hgnCliArgsString(a, "PLAN", NULL), SRC_FILE);
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "explain", SRC_FILE, "--", "--"), HGN_CODE_UsageError, "unexpected argument `--`");
}

static void testSubcommandsAndPositionals(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "models", "--json", "show", "llama-3.1-8b"));
    assert_int_equal(a->command->id, HGN_CMD_MODELS_SHOW);
    assert_string_equal(hgnCliArgsString(a, "ID", NULL), "llama-3.1-8b");
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "plan", "diff", SRC_FILE, SRC_FILE));
    assert_int_equal(a->command->id, HGN_CMD_PLAN_DIFF);
    assert_string_equal(hgnCliArgsString(a, "B", NULL), SRC_FILE);
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "help", "models", "list"));
    assert_int_equal(hgnCliArgsCount(a, "TOPIC"), 2);
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "plan", "diff", SRC_FILE), HGN_CODE_UsageError, "`plan diff` needs B");
    expectError(PARSE(&a, "cancel", "a", "b"), HGN_CODE_UsageError, "unexpected argument `b` for `cancel`");
    expectError(PARSE(&a, "cancel"), HGN_CODE_UsageError, "`cancel` needs ID");
    expectError(PARSE(&a, "cancel", "job 1"), HGN_CODE_UsageError, "not a valid id");
    expectError(PARSE(&a, "quantize", SRC_FILE, "--out", "/tmp/q"), HGN_CODE_UsageError, "`quantize` needs --method");
}

static void testFiles(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    expectError(PARSE(&a, "explain", "/nonexistent/plan.json"), HGN_CODE_NotFound, "does not exist");
    expectError(PARSE(&a, "explain", SRC_DIR), HGN_CODE_UsageError, "is a directory");
    expectError(PARSE(&a, "execute", SRC_FILE, "--resume", "/nonexistent"), HGN_CODE_CheckpointMissing,
                "does not exist");
    expectError(PARSE(&a, "execute", SRC_FILE, "--inputs", SRC_FILE), HGN_CODE_UsageError, "not a directory");
    expectError(PARSE(&a, "--config", "/nonexistent.toml", "version"), HGN_CODE_InvalidConfig, "does not exist");
    expectError(PARSE(&a, "plan", SRC_FILE, "--out", "/nonexistent/dir/plan.json"), HGN_CODE_NotFound,
                "does not exist");
    expectError(PARSE(&a, "plan", SRC_FILE, "--out", SRC_DIR), HGN_CODE_UsageError, "is a directory");
    assert_null(PARSE(&a, "plan", SRC_DIR, "--out", "-"));
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "execute", SRC_FILE, "--prompt-file", "-", "--outputs", "/tmp/newHuginnOutputs"));
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "diagnose", "--nvml-library", "/nonexistent/libnvidia-ml.so"), HGN_CODE_NotFound, "library");
    assert_null(PARSE(&a, "diagnose", "--nvml-library", "libnvidia-ml.so.1"));
    hgnCliArgsFree(a);
}

static void testUrlsAndFaults(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "execute", SRC_FILE, "--server", "https://grendel.example.org:8443/api", "--inject",
                      "device-loss:cpu:1@20", "--inject", "alloc-fail@5", "--inject", "crash"));
    assert_int_equal(hgnCliArgsCount(a, "inject"), 3);
    hgnCliArgsFree(a);
    expectError(PARSE(&a, "execute", SRC_FILE, "--server", "ftp://x"), HGN_CODE_UsageError, "http://");
    expectError(PARSE(&a, "execute", SRC_FILE, "--server", "http://"), HGN_CODE_UsageError, "no host");
    expectError(PARSE(&a, "execute", SRC_FILE, "--server", "http://a b"), HGN_CODE_UsageError, "space");
    expectError(PARSE(&a, "execute", SRC_FILE, "--inject", "@5"), HGN_CODE_UsageError, "fault kind");
    expectError(PARSE(&a, "execute", SRC_FILE, "--inject", "crash@"), HGN_CODE_UsageError, "step number");
    expectError(PARSE(&a, "execute", SRC_FILE, "--inject", "crash:@1"), HGN_CODE_UsageError, "empty target");
    expectError(PARSE(&a, "execute", SRC_FILE, "--inject", "crash@1x"), HGN_CODE_UsageError, "not a fault spec");
}

static void testConflicts(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    HgnStatus st = PARSE(&a, "plan", SRC_FILE, "--topology-xml", SRC_FILE, "--hardware", SRC_FILE);
    assert_non_null(st);
    assert_string_equal(hgnStatusMessage(st), "--topology-xml cannot be combined with --hardware");
    hgnStatusFree(st);
    expectError(PARSE(&a, "execute", SRC_FILE, "--prompt", "x", "--prompt-file", SRC_FILE), HGN_CODE_UsageError,
                "cannot be combined");
    expectError(PARSE(&a, "--local", "execute", SRC_FILE, "--server", "http://h"), HGN_CODE_UsageError,
                "--local cannot be combined with --server");
    expectError(PARSE(&a, "plan", SRC_FILE, "--check", SRC_FILE), HGN_CODE_UsageError,
                "MODEL cannot be combined with --check");
}

static void testHelpWins(void **state) {
    (void)state;
    HgnCliArgs *a = NULL;
    assert_null(PARSE(&a, "plan", "--context", "abc", "--help"));
    assert_true(a->help);
    assert_int_equal(a->command->id, HGN_CMD_PLAN);
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "models", "-h"));
    assert_true(a->help);
    assert_int_equal(a->command->id, HGN_CMD_MODELS);
    hgnCliArgsFree(a);
    assert_null(PARSE(&a, "--help"));
    assert_true(a->help);
    assert_null(a->command);
    hgnCliArgsFree(a);
    /* --help after -- is a positional, not help */
    assert_null(PARSE(&a, "help", "--", "--help"));
    assert_false(a->help);
    hgnCliArgsFree(a);
}

static void testArgvHasFlag(void **state) {
    (void)state;
    char *argv[] = {(char *)"huginn", (char *)"pln", (char *)"--json", (char *)"--", (char *)"--no-color", NULL};
    assert_true(hgnCliArgvHasFlag(5, argv, "json"));
    assert_false(hgnCliArgvHasFlag(5, argv, "no-color"));
    assert_false(hgnCliArgvHasFlag(5, argv, "js"));
}

static void testEditDistance(void **state) {
    (void)state;
    assert_int_equal(hgnCliEditDistance("", ""), 0);
    assert_int_equal(hgnCliEditDistance("plan", "plan"), 0);
    assert_int_equal(hgnCliEditDistance("pln", "plan"), 1);
    assert_int_equal(hgnCliEditDistance("exeucte", "execute"), 1); /* swap */
    assert_int_equal(hgnCliEditDistance("kitten", "sitting"), 3);
    assert_int_equal(hgnCliEditDistance("", "abc"), 3);
    assert_int_equal(hgnCliEditDistance("abc", ""), 3);
    static const char *const cands[] = {"plan", "explain", "execute", "jobs", "status"};
    assert_string_equal(hgnCliSuggest("pln", cands, 5), "plan");
    assert_string_equal(hgnCliSuggest("stats", cands, 5), "status");
    assert_string_equal(hgnCliSuggest("exp", cands, 5), "explain"); /* unique prefix */
    assert_null(hgnCliSuggest("ex", cands, 5));
    assert_null(hgnCliSuggest("quantum", cands, 5));
    assert_null(hgnCliSuggest("", cands, 5));
    char longWord[200];
    memset(longWord, 'a', sizeof longWord - 1);
    longWord[sizeof longWord - 1] = '\0';
    assert_int_equal(hgnCliEditDistance(longWord, "a"), 63); /* capped at 64 bytes */
}

/* The table itself: every command documented, names unique, enums complete. */
static void testHuginnTable(void **state) {
    (void)state;
    const HgnCliSpec *spec = hgnCliHuginnSpec();
    static const char *const required[] = {"diagnose",  "models list", "models show", "inspect",         "plan",
                                           "plan diff", "explain",     "execute",     "quantize",        "status",
                                           "cancel",    "jobs",        "config show", "config validate", "config parse",
                                           "help",      "version"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!hgnCliFindCommand(spec, required[i])) fail_msg("command `%s` missing", required[i]);
    for (const HgnCliCommand *c = spec->commands; c->name; c++) {
        assert_non_null(c->summary);
        assert_non_null(c->description);
        assert_non_null(c->examples);
        assert_non_null(c->examples[0]);
        for (const HgnCliOption *o = c->options; o->name; o++) {
            if (!o->help) fail_msg("%s --%s has no help", c->name, o->name);
            if (o->type == HGN_CLI_ENUM && !o->choices) fail_msg("%s --%s has no choices", c->name, o->name);
            if (o->type != HGN_CLI_FLAG && !o->metavar) fail_msg("%s --%s has no metavar", c->name, o->name);
            if (hgnCliFindOption(spec->globals, o->name)) fail_msg("%s --%s shadows a global", c->name, o->name);
            for (const HgnCliOption *p = o + 1; p->name; p++)
                if (strcmp(o->name, p->name) == 0) fail_msg("%s --%s twice", c->name, o->name);
            if (o->conflicts && !hgnCliFindOption(c->options, o->conflicts))
                fail_msg("%s --%s conflicts with unknown %s", c->name, o->name, o->conflicts);
        }
    }
    for (const HgnCliOption *o = spec->globals; o->name; o++) {
        assert_non_null(o->help);
        for (const HgnCliOption *p = o + 1; p->name; p++) {
            assert_string_not_equal(o->name, p->name);
            if (o->shortName) assert_int_not_equal(o->shortName, p->shortName);
        }
    }
    assert_string_equal(hgnCliTypeName(HGN_CLI_SIZE), "size");
}

/* Every allocation of a parse fails in turn: an error or a clean success, never a crash or leak. */
static void testAllocationFailures(void **state) {
    (void)state;
    bool succeeded = false;
    for (uint64_t n = 1; n < 200 && !succeeded; n++) {
        HgnCliArgs *a = NULL;
        hgnAllocFailAt(n, 0);
        HgnStatus st = PARSE(&a, "-v", "plan", SRC_FILE, "--reserve", "gpu:0=1GiB", "--reserve", "cpu=1GiB", "--policy",
                             "balanced", "--contxt", "3");
        bool injected = hgnAllocInjectedFailures() > 0;
        hgnAllocFailAt(0, 0);
        assert_non_null(st); /* --contxt is always an error, or OOM */
        if (!injected) {
            assert_int_equal(hgnStatusCode(st), HGN_CODE_UsageError);
            succeeded = true;
        }
        assert_null(a);
        hgnStatusFree(st);
    }
    assert_true(succeeded);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testIntegersAndRanges),
        cmocka_unit_test(testReals),
        cmocka_unit_test(testSizes),
        cmocka_unit_test(testReservations),
        cmocka_unit_test(testEnumsSuggest),
        cmocka_unit_test(testUnknownCommandAndOption),
        cmocka_unit_test(testMissingValues),
        cmocka_unit_test(testRepeatedOptions),
        cmocka_unit_test(testGlobalsAnywhereAndDoubleDash),
        cmocka_unit_test(testSubcommandsAndPositionals),
        cmocka_unit_test(testFiles),
        cmocka_unit_test(testUrlsAndFaults),
        cmocka_unit_test(testConflicts),
        cmocka_unit_test(testHelpWins),
        cmocka_unit_test(testArgvHasFlag),
        cmocka_unit_test(testEditDistance),
        cmocka_unit_test(testHuginnTable),
        cmocka_unit_test(testAllocationFailures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
