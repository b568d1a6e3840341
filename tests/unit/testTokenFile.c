/* testTokenFile.c — huginnd's hashed bearer-token file: parsing, error
 * locations, lookup by SHA-256 and the file loader. */
#include "testUtil.h"

#include "auth/tokenFile.h"

static void testHashHex(void **state) {
    (void)state;
    char hex[65];
    hgnTokenHashHex("abc", hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hgnTokenHashHex("", hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void testParseAndLookup(void **state) {
    (void)state;
    char a[65], r[65], text[512];
    hgnTokenHashHex("alice-token", a);
    hgnTokenHashHex("root-token", r);
    for (int i = 0; i < 64; i++)
        if (r[i] >= 'a' && r[i] <= 'f') r[i] = (char)(r[i] - 'a' + 'A'); /* upper-case hex accepted */
    snprintf(text, sizeof text, "# tokens\n\n  %s alice user   # trailing comment\n%s\troot\tadmin\r\n", a, r);
    HgnTokenFile tf;
    assertOk(hgnTokenFileParse(text, strlen(text), "tokens", &tf));
    assert_int_equal(tf.count, 2);
    const HgnTokenEntry *e = hgnTokenFileLookup(&tf, "alice-token");
    assert_non_null(e);
    assert_string_equal(e->user, "alice");
    assert_int_equal(e->role, HGN_ROLE_USER);
    e = hgnTokenFileLookup(&tf, "root-token");
    assert_non_null(e);
    assert_string_equal(e->user, "root");
    assert_int_equal(e->role, HGN_ROLE_ADMIN);
    assert_null(hgnTokenFileLookup(&tf, "alice-token "));
    assert_null(hgnTokenFileLookup(&tf, ""));
    assert_null(hgnTokenFileLookup(&tf, a)); /* the hash itself is not a token */
    assert_null(hgnTokenFileLookup(&tf, NULL));
    assert_string_equal(hgnRoleName(HGN_ROLE_ADMIN), "admin");
    hgnTokenFileFree(&tf);
    assertOk(hgnTokenFileParse("", 0, "empty", &tf));
    assert_int_equal(tf.count, 0);
    assert_null(hgnTokenFileLookup(&tf, "x"));
    hgnTokenFileFree(&tf);
}

/* Lengths, empty tokens and the role of a user named by a client certificate. */
static void testLookupBytesAndRoles(void **state) {
    (void)state;
    char a[65], b[65], e[65], text[512];
    hgnTokenHashHex("alice-token", a);
    hgnTokenHashHex("alice-admin-token", b);
    hgnTokenHashHex("", e);
    snprintf(text, sizeof text, "%s alice admin\n%s alice user\n%s empty admin\n", b, a, e);
    HgnTokenFile tf;
    assertOk(hgnTokenFileParse(text, strlen(text), "tokens", &tf));
    const char *header = "alice-token   ";
    const HgnTokenEntry *hit = hgnTokenFileLookupBytes(&tf, header, 11);
    assert_non_null(hit);
    assert_int_equal(hit->role, HGN_ROLE_USER);
    assert_null(hgnTokenFileLookupBytes(&tf, header, 12));
    assert_null(hgnTokenFileLookupBytes(&tf, header, 10));
    assert_null(hgnTokenFileLookupBytes(&tf, "", 0)); /* even though sha256("") is listed */
    assert_null(hgnTokenFileLookup(&tf, ""));
    assert_null(hgnTokenFileLookupBytes(NULL, "alice-token", 11));
    assert_int_equal(hgnTokenFileUserRole(&tf, "alice"), HGN_ROLE_USER); /* least privileged line */
    assert_int_equal(hgnTokenFileUserRole(&tf, "empty"), HGN_ROLE_ADMIN);
    assert_int_equal(hgnTokenFileUserRole(&tf, "bob"), HGN_ROLE_NONE);
    assert_int_equal(hgnTokenFileUserRole(&tf, "alic"), HGN_ROLE_NONE);
    assert_int_equal(hgnTokenFileUserRole(NULL, "alice"), HGN_ROLE_NONE);
    hgnTokenFileFree(&tf);
}

static void testErrors(void **state) {
    (void)state;
    char a[65], text[512];
    hgnTokenHashHex("alice-token", a);
    HgnTokenFile tf;
    snprintf(text, sizeof text, "%s alice\n", a);
    expectError(hgnTokenFileParse(text, strlen(text), "tok", &tf), HGN_CODE_InvalidConfig, "tok:1", "3 fields");
    snprintf(text, sizeof text, "\n%s alice root\n", a);
    expectError(hgnTokenFileParse(text, strlen(text), "tok", &tf), HGN_CODE_InvalidConfig, "tok:2",
                "unknown role 'root'");
    expectError(hgnTokenFileParse("abc bob user\n", 13, "tok", &tf), HGN_CODE_InvalidConfig, "tok:1", "64 hex",
                "sha256sum");
    snprintf(text, sizeof text, "%s bob user\n", a);
    text[10] = 'z';
    expectError(hgnTokenFileParse(text, strlen(text), "tok", &tf), HGN_CODE_InvalidConfig, "non-hex", "column 11");
    snprintf(text, sizeof text, "%s bob user\n%s carol admin\n", a, a);
    expectError(hgnTokenFileParse(text, strlen(text), "tok", &tf), HGN_CODE_InvalidConfig, "tok:2",
                "already listed for user 'bob'");
    snprintf(text, sizeof text, "%s bob user extra\n", a);
    expectError(hgnTokenFileParse(text, strlen(text), "tok", &tf), HGN_CODE_InvalidConfig, "found 4");
    assert_int_equal(tf.count, 0);
}

static void testLoad(void **state) {
    (void)state;
    char *dir = makeScratchDir("tokenFile");
    char *path = pathJoin(dir, "tokens");
    char a[65], text[128];
    hgnTokenHashHex("t1", a);
    snprintf(text, sizeof text, "%s dave user", a); /* no final newline */
    writeBytes(path, text, strlen(text));
    HgnTokenFile tf;
    assertOk(hgnTokenFileLoad(path, &tf));
    assert_int_equal(tf.count, 1);
    assert_string_equal(hgnTokenFileLookup(&tf, "t1")->user, "dave");
    hgnTokenFileFree(&tf);
    char *missing = pathJoin(dir, "missing");
    expectError(hgnTokenFileLoad(missing, &tf), HGN_CODE_NotFound, "missing", "server.tokenFile");
    free(missing);
    free(path);
    removeTree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testHashHex), cmocka_unit_test(testParseAndLookup), cmocka_unit_test(testLookupBytesAndRoles),
        cmocka_unit_test(testErrors),  cmocka_unit_test(testLoad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
