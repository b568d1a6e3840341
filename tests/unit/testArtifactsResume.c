/* testArtifactsResume.c — the artefacts folder of a run resumed from a
 * checkpoint (runtime/artifacts.h): outputs.jsonl starts with the
 * interrupted run's lines of the checkpointed tokens (from its .partial
 * file, else a finished outputs.jsonl), stops at a torn or out-of-order
 * line, and a missing old file keeps nothing; results of the old run
 * (summary.json) are removed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/artifacts.h"

static char dir[256];

static void writeFile(const char *name, const char *text) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *readFile(const char *name) {
    static char buf[4096];
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static const char *const lines = "{\"index\":0,\"token\":5,\"text\":\"a\"}\n"
                                 "{\"index\":1,\"token\":6,\"text\":\"b\"}\n"
                                 "{\"index\":2,\"token\":7,\"text\":\"c\"}\n"
                                 "{\"index\":3,\"token\":8,\"te"; /* torn by the crash */

static void testKeepsCheckpointedLines(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/hgnArtifactsResume-%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    writeFile("outputs.jsonl.partial", lines);
    writeFile("summary.json", "{}");
    RtArtifacts a;
    size_t kept = 99;
    assert_null(rtArtifactsOpenResumed(&a, dir, dir, 2, &kept));
    assert_int_equal(kept, 2);
    rtArtifactsOutput(&a, "{\"index\":2,\"token\":9,\"text\":\"z\"}");
    rtArtifactsClose(&a);
    assert_null(readFile("summary.json")); /* the old run's result is gone */
    assert_string_equal(readFile("outputs.jsonl.partial"), "{\"index\":0,\"token\":5,\"text\":\"a\"}\n"
                                                           "{\"index\":1,\"token\":6,\"text\":\"b\"}\n"
                                                           "{\"index\":2,\"token\":9,\"text\":\"z\"}\n");
    /* more asked than the old run wrote completely: the torn line is not kept */
    writeFile("outputs.jsonl.partial", lines);
    assert_null(rtArtifactsOpenResumed(&a, dir, dir, 10, &kept));
    assert_int_equal(kept, 3);
    rtArtifactsClose(&a);
    /* a finished run's outputs.jsonl (no .partial) is read too */
    snprintf(cmd, sizeof cmd, "rm -f '%s/outputs.jsonl.partial'", dir);
    assert_int_equal(system(cmd), 0);
    writeFile("outputs.jsonl", "{\"index\":0,\"token\":5}\n{\"index\":5,\"token\":6}\n");
    assert_null(rtArtifactsOpenResumed(&a, dir, dir, 2, &kept));
    assert_int_equal(kept, 1); /* index 5 is not token 1 */
    rtArtifactsClose(&a);
    assert_string_equal(readFile("outputs.jsonl.partial"), "{\"index\":0,\"token\":5}\n");
    /* nothing to carry: a fresh run, and a missing old folder */
    assert_null(rtArtifactsOpenResumed(&a, dir, "/nonexistent-hgn", 4, &kept));
    assert_int_equal(kept, 0);
    rtArtifactsClose(&a);
    assert_string_equal(readFile("outputs.jsonl.partial"), "");
    assert_null(rtArtifactsOpen(&a, dir));
    rtArtifactsClose(&a);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testKeepsCheckpointedLines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
