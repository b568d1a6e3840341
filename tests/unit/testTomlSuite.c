/* testTomlSuite.c — runs the toml-test conformance corpus (tests/data/toml/toml-test,
 * see its README): every valid/NAME.toml must parse and match its typed-JSON
 * expectation (compared semantically), and survive a JSON → TOML → JSON round
 * trip; every invalid/NAME.toml must be rejected with HGN-0001 and a location. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/tomlDatetime.h"
#include "huginn/toml.h"
#include "testUtil.h"

#define MAX_FILES 4096

static char *files[MAX_FILES];
static size_t nFiles;

static int collect(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    size_t n = strlen(path);
    if (flag == FTW_F && n > 5 && strcmp(path + n - 5, ".toml") == 0 && nFiles < MAX_FILES)
        files[nFiles++] = strdup(path);
    return 0;
}

static int byName(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void listCases(const char *sub) {
    for (size_t i = 0; i < nFiles; i++) free(files[i]);
    nFiles = 0;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/toml/toml-test/%s", HGN_TEST_DATA, sub);
    assert_int_equal(nftw(dir, collect, 16, FTW_PHYS), 0);
    qsort(files, nFiles, sizeof files[0], byName);
}

static bool isTypedLeaf(const json_t *e) {
    return json_is_object(e) && json_object_size(e) == 2 && json_is_string(json_object_get(e, "type")) &&
           json_is_string(json_object_get(e, "value"));
}

static bool sameDatetime(const char *expected, HgnTomlType type, const HgnTomlDatetime *got) {
    HgnTomlType et;
    HgnTomlDatetime e;
    char why[96];
    if (hgnTomlDatetimeScan(expected, strlen(expected), &et, &e, why, sizeof why)) return false;
    return et == type && e.year == got->year && e.month == got->month && e.day == got->day && e.hour == got->hour &&
           e.minute == got->minute && e.second == got->second && e.nanosecond == got->nanosecond &&
           (type != HGN_TOML_OFFSET_DATETIME || e.offsetMinutes == got->offsetMinutes);
}

/* Compares a toml-test typed-JSON expectation with a parsed value; on
 * mismatch writes a reason naming the path. */
static bool matches(const json_t *e, const HgnTomlValue *v, char *path, size_t pathLen, char *why, size_t whySize) {
    if (isTypedLeaf(e)) {
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *value = json_string_value(json_object_get(e, "value"));
        bool ok = false;
        if (strcmp(type, "string") == 0) {
            ok = v->type == HGN_TOML_STRING && v->as.string.len == json_string_length(json_object_get(e, "value")) &&
                 memcmp(v->as.string.ptr, value, v->as.string.len) == 0;
        } else if (strcmp(type, "integer") == 0) {
            ok = v->type == HGN_TOML_INTEGER && v->as.integer == strtoll(value, NULL, 10);
        } else if (strcmp(type, "float") == 0) {
            double d = strtod(value, NULL);
            ok = v->type == HGN_TOML_FLOAT && (isnan(d) ? isnan(v->as.floating) : v->as.floating == d);
        } else if (strcmp(type, "bool") == 0) {
            ok = v->type == HGN_TOML_BOOLEAN && v->as.boolean == (strcmp(value, "true") == 0);
        } else if (strcmp(type, "datetime") == 0) {
            ok = sameDatetime(value, HGN_TOML_OFFSET_DATETIME, &v->as.datetime) && v->type == HGN_TOML_OFFSET_DATETIME;
        } else if (strcmp(type, "datetime-local") == 0) {
            ok = sameDatetime(value, HGN_TOML_LOCAL_DATETIME, &v->as.datetime) && v->type == HGN_TOML_LOCAL_DATETIME;
        } else if (strcmp(type, "date-local") == 0) {
            ok = sameDatetime(value, HGN_TOML_LOCAL_DATE, &v->as.datetime) && v->type == HGN_TOML_LOCAL_DATE;
        } else if (strcmp(type, "time-local") == 0) {
            ok = sameDatetime(value, HGN_TOML_LOCAL_TIME, &v->as.datetime) && v->type == HGN_TOML_LOCAL_TIME;
        }
        if (!ok) snprintf(why, whySize, "%s: expected %s %s", path[0] ? path : "/", type, value);
        return ok;
    }
    if (json_is_array(e)) {
        if (v->type != HGN_TOML_ARRAY || v->as.array.count != json_array_size(e)) {
            snprintf(why, whySize, "%s: expected an array of %zu", path, json_array_size(e));
            return false;
        }
        for (size_t i = 0; i < v->as.array.count; i++) {
            size_t n = strlen(path);
            snprintf(path + n, pathLen - n, "/%zu", i);
            if (!matches(json_array_get(e, i), v->as.array.items[i], path, pathLen, why, whySize)) return false;
            path[n] = '\0';
        }
        return true;
    }
    if (json_is_object(e)) {
        if (v->type != HGN_TOML_TABLE || v->as.table.count != json_object_size(e)) {
            snprintf(why, whySize, "%s: expected a table of %zu keys", path[0] ? path : "/", json_object_size(e));
            return false;
        }
        for (size_t i = 0; i < v->as.table.count; i++) {
            const HgnTomlKeyValue *kv = &v->as.table.items[i];
            const json_t *ev = json_object_getn(e, kv->key, kv->keyLen);
            size_t n = strlen(path);
            snprintf(path + n, pathLen - n, "/%s", kv->key);
            if (!ev) {
                snprintf(why, whySize, "%s: unexpected key", path);
                return false;
            }
            if (!matches(ev, kv->value, path, pathLen, why, whySize)) return false;
            path[n] = '\0';
        }
        return true;
    }
    snprintf(why, whySize, "%s: malformed expectation", path);
    return false;
}

/* JSON → TOML → JSON must give back the same JSON. */
static bool roundTrips(const HgnTomlValue *doc, char *why, size_t whySize) {
    json_t *j1 = NULL, *j2 = NULL;
    char *text = NULL;
    HgnTomlValue *again = NULL;
    bool ok = false;
    HgnStatus st = hgnTomlToJson(doc, &j1);
    if (!st) st = hgnTomlDumpJson(j1, &text);
    if (!st) st = hgnTomlParse(text, strlen(text), "<dump>", &again);
    if (!st) st = hgnTomlToJson(again, &j2);
    if (st) {
        snprintf(why, whySize, "round trip: %s", hgnStatusMessage(st));
    } else if (!json_equal(j1, j2)) {
        snprintf(why, whySize, "round trip changed the document:\n%s", text);
    } else {
        ok = true;
    }
    hgnStatusFree(st);
    json_decref(j1);
    json_decref(j2);
    hgnFree(text);
    hgnTomlFree(again);
    return ok;
}

static size_t validPass, validTotal, invalidPass, invalidTotal;

static void testValidCases(void **state) {
    (void)state;
    listCases("valid");
    validTotal = nFiles;
    for (size_t i = 0; i < nFiles; i++) {
        size_t len;
        char *text = readFile(files[i], &len);
        assert_non_null(text);
        char jsonPath[1100];
        snprintf(jsonPath, sizeof jsonPath, "%.*s.json", (int)(strlen(files[i]) - 5), files[i]);
        json_error_t jerr;
        json_t *expected = json_load_file(jsonPath, JSON_ALLOW_NUL, &jerr);
        HgnTomlValue *doc = NULL;
        HgnStatus st = hgnTomlParse(text, len, files[i], &doc);
        char why[2048] = "", path[1024] = "";
        if (st) {
            snprintf(why, sizeof why, "rejected: %s at %s", hgnStatusMessage(st), hgnStatusWhere(st));
        } else if (!expected) {
            snprintf(why, sizeof why, "cannot read %s: %s", jsonPath, jerr.text);
        } else if (matches(expected, doc, path, sizeof path, why, sizeof why) && roundTrips(doc, why, sizeof why)) {
            validPass++;
        }
        if (why[0]) printf("FAIL valid %s: %s\n", files[i] + strlen(HGN_TEST_DATA) + 1, why);
        hgnStatusFree(st);
        hgnTomlFree(doc);
        json_decref(expected);
        free(text);
    }
}

static void testInvalidCases(void **state) {
    (void)state;
    listCases("invalid");
    invalidTotal = nFiles;
    for (size_t i = 0; i < nFiles; i++) {
        size_t len;
        char *text = readFile(files[i], &len);
        assert_non_null(text);
        HgnTomlValue *doc = NULL;
        HgnStatus st = hgnTomlParse(text, len, "case.toml", &doc);
        const char *where = hgnStatusWhere(st);
        int line = 0, col = 0;
        if (st && hgnStatusCode(st) == HGN_CODE_InvalidConfig && where &&
            sscanf(where, "case.toml:%d:%d", &line, &col) == 2 && line >= 1 && col >= 1 && hgnStatusHint(st)) {
            invalidPass++;
            if (getenv("HGN_TOML_VERBOSE"))
                printf("ok   invalid %s: %s: %s\n", files[i] + strlen(HGN_TEST_DATA) + 1, where, hgnStatusMessage(st));
        } else {
            printf("FAIL invalid %s: %s\n", files[i] + strlen(HGN_TEST_DATA) + 1,
                   st ? hgnStatusMessage(st) : "accepted");
        }
        assert_null(doc == NULL ? NULL : (st ? doc : NULL));
        hgnStatusFree(st);
        hgnTomlFree(doc);
        free(text);
    }
}

static void testPassTable(void **state) {
    (void)state;
    printf("toml-test (TOML 1.0)   passed / total\n");
    printf("  valid                %4zu / %zu\n", validPass, validTotal);
    printf("  invalid              %4zu / %zu\n", invalidPass, invalidTotal);
    assert_true(validTotal >= 90);
    assert_true(invalidTotal >= 200);
    assert_int_equal(validPass, validTotal);
    assert_int_equal(invalidPass, invalidTotal);
    for (size_t i = 0; i < nFiles; i++) free(files[i]);
    nFiles = 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testValidCases),
        cmocka_unit_test(testInvalidCases),
        cmocka_unit_test(testPassTable),
    };
    return cmocka_run_group_tests_name("tomlSuite", tests, NULL, NULL);
}
