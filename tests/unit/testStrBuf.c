/* testStrBuf.c — the shared string escaper (hgnBufAppendEscaped: JSON, TOML
 * and log variants) and UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/strBuf.h"
#include "core/utf8.h"

static void expectEscaped(const char *in, size_t n, unsigned flags, const char *want) {
    HgnBuf b;
    hgnBufInit(&b);
    assert_true(hgnBufAppendEscaped(&b, in, n, flags));
    assert_string_equal(hgnBufStr(&b), want);
    hgnBufFree(&b);
}
#define ESC(lit, flags, want) expectEscaped(lit, sizeof lit - 1, flags, want)

static void testJsonEscapes(void **state) {
    (void)state;
    ESC("plain", 0, "\"plain\"");
    ESC("", 0, "\"\"");
    ESC("q\"b\\n\nr\rt\tb\bf\f", 0, "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\"");
    ESC("\x01\x1f\x7f", 0, "\"\\u0001\\u001f\\u007f\"");
    ESC("a\0b", 0, "\"a\\u0000b\"");                    /* length, not NUL, ends the string */
    ESC("caf\xc3\xa9 \xff", 0, "\"caf\xc3\xa9 \xff\""); /* bytes >= 0x80 pass unchecked */
    HgnBuf b;
    hgnBufInit(&b);
    assert_true(hgnBufAppendJsonString(&b, "x\x1b", 2));
    assert_string_equal(hgnBufStr(&b), "\"x\\u001b\"");
    hgnBufFree(&b);
}

static void testTomlAndLogVariants(void **state) {
    (void)state;
    ESC("\x1f\x7f\x0b", HGN_ESC_UPPER_HEX, "\"\\u001F\\u007F\\u000B\"");
    ESC("a \"b\" \\c\n", HGN_ESC_BARE, "a \"b\" \\c\\n");
    ESC("\b\f\n", HGN_ESC_NO_BF, "\"\\u0008\\u000c\\n\"");
    /* invalid UTF-8 becomes U+FFFD, valid sequences pass, a cut-off one at the end too */
    ESC("\xc3\xa9\xff\xe2\x82", HGN_ESC_FIX_UTF8, "\"\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    ESC("\xed\xa0\x80", HGN_ESC_FIX_UTF8 | HGN_ESC_BARE, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
    ESC("\xf0\x9f\x98\x80!", HGN_ESC_FIX_UTF8, "\"\xf0\x9f\x98\x80!\"");
}

static void testUtf8SeqLen(void **state) {
    (void)state;
    static const struct {
        const char *s;
        size_t n, want;
    } cases[] = {
        {"A", 1, 1},
        {"\xc3\xa9", 2, 2},
        {"\xc0\x80", 2, 0},         /* overlong */
        {"\xc3", 1, 0},             /* cut short */
        {"\xe0\x80\x80", 3, 0},     /* overlong */
        {"\xe0\xa0\x80", 3, 3},     /* U+0800 */
        {"\xed\xa0\x80", 3, 0},     /* surrogate */
        {"\xef\xbf\xbf", 3, 3},     /* U+FFFF */
        {"\xf0\x8f\xbf\xbf", 4, 0}, /* overlong */
        {"\xf4\x8f\xbf\xbf", 4, 4}, /* U+10FFFF */
        {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
        {"\xe2\x28\xa1", 3, 0},     /* bad continuation */
        {"\x80", 1, 0},             /* lone continuation */
        {"\xf5\x80\x80\x80", 4, 0}, /* bad lead */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (hgnUtf8SeqLen((const unsigned char *)cases[i].s, cases[i].n) != cases[i].want)
            fail_msg("case %zu: expected %zu", i, cases[i].want);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testJsonEscapes),
        cmocka_unit_test(testTomlAndLogVariants),
        cmocka_unit_test(testUtf8SeqLen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
