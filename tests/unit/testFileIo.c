/* testFileIo.c — reading streams, write-all and atomic file replacement
 * (core/fileIo.h). */
#include <fcntl.h>

#include "testUtil.h"
#include "core/fileIo.h"

static void testAtomicReplace(void **state) {
    (void)state;
    char *dir = makeScratchDir("fileio");
    char *path = pathJoin(dir, "out.bin"), *tmp = pathJoin(dir, "out.bin.tmp");
    writeText(path, "old contents that are longer than the new ones");
    HgnAtomicFile f;
    assertOk(hgnAtomicFileOpen(&f, path, "test file"));
    assert_int_equal(access(tmp, F_OK), 0);
    /* the old file stays in place until the commit */
    char *old = readFile(path, NULL);
    assert_string_equal(old, "old contents that are longer than the new ones");
    free(old);
    assert_true(hgnAtomicFileWriteAt(&f, "head", 4, 0));
    assert_true(hgnAtomicFileWriteAt(&f, "tail", 4, 8)); /* bytes 4..7 stay a hole */
    assert_true(hgnAtomicFileWriteAt(&f, NULL, 0, 99));  /* nothing to write */
    assertOk(hgnAtomicFileCommit(&f, 14));               /* sized past the last write */
    size_t n;
    char *got = readFile(path, &n);
    assert_int_equal(n, 14);
    assert_memory_equal(got, "head\0\0\0\0tail\0\0", 14);
    free(got);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed away */
    removeTree(dir);
    free(path);
    free(tmp);
    free(dir);
}

static void testOpenFailureNamesPathAndWhat(void **state) {
    (void)state;
    HgnAtomicFile f;
    HgnStatus st = hgnAtomicFileOpen(&f, "/nonexistent-dir/x.gguf", "GGUF file");
    expectError(st, HGN_CODE_IoError, "/nonexistent-dir/x.gguf", "cannot write GGUF file: No such file");
    st = hgnAtomicFileOpen(&f, "/nonexistent-dir/x.st", NULL);
    expectError(st, HGN_CODE_IoError, "cannot write: No such file");
}

static void testFailedWriteRemovesTemp(void **state) {
    (void)state;
    char *dir = makeScratchDir("fileio");
    char *path = pathJoin(dir, "keep.txt"), *tmp = pathJoin(dir, "keep.txt.tmp");
    writeText(path, "keep me");
    HgnAtomicFile f;
    assertOk(hgnAtomicFileOpen(&f, path, "test file"));
    int fd = f.fd;
    f.fd = open("/dev/null", O_RDONLY); /* writes now fail with EBADF */
    assert_false(hgnAtomicFileWriteAt(&f, "x", 1, 0));
    assert_false(hgnAtomicFileWriteAt(&f, "y", 1, 1)); /* sticky */
    close(fd);
    expectError(hgnAtomicFileCommit(&f, 2), HGN_CODE_IoError, path, "cannot write test file");
    assert_int_equal(access(tmp, F_OK), -1);
    char *s = readFile(path, NULL);
    assert_string_equal(s, "keep me"); /* the old file is untouched */
    free(s);

    assertOk(hgnAtomicFileOpen(&f, path, NULL));
    assert_true(hgnAtomicFileWriteAt(&f, "zz", 2, 0));
    hgnAtomicFileAbort(&f);
    assert_int_equal(access(tmp, F_OK), -1);
    s = readFile(path, NULL);
    assert_string_equal(s, "keep me");
    free(s);
    removeTree(dir);
    free(path);
    free(tmp);
    free(dir);
}

static void testWriteAllAt(void **state) {
    (void)state;
    assert_false(hgnFileWriteAllAt(-1, "x", 1, 0));
    char *dir = makeScratchDir("fileio");
    char *path = pathJoin(dir, "w.bin");
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_true(hgnFileWriteAllAt(fd, "abc", 3, 2));
    close(fd);
    size_t n;
    char *got = readFile(path, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(got, "\0\0abc", 5);
    free(got);
    removeTree(dir);
    free(path);
    free(dir);
}

static void testReadStream(void **state) {
    (void)state;
    char *dir = makeScratchDir("fileio");
    char *path = pathJoin(dir, "r.txt");
    HgnBuf big;
    hgnBufInit(&big);
    for (int i = 0; i < 20000; i++) hgnBufAppendf(&big, "line %d\n", i); /* several read chunks */
    writeBytes(path, big.data, big.len);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    HgnBuf b;
    hgnBufInit(&b);
    hgnBufAppendStr(&b, ">");
    assert_int_equal(hgnFileReadStream(f, &b), 0);
    fclose(f);
    assert_true(hgnBufOk(&b));
    assert_int_equal(b.len, big.len + 1);
    assert_memory_equal(b.data + 1, big.data, big.len);
    hgnBufFree(&b);
    f = fopen(path, "ab"); /* not readable: a read error */
    assert_non_null(f);
    assert_int_not_equal(hgnFileReadStream(f, &b), 0);
    fclose(f);
    hgnBufFree(&b);
    hgnBufFree(&big);
    removeTree(dir);
    free(path);
    free(dir);
}

static void testReadAll(void **state) {
    (void)state;
    char *dir = makeScratchDir("fileio");
    char *path = pathJoin(dir, "all.json");
    HgnBuf big;
    hgnBufInit(&big);
    for (int i = 0; i < 30000; i++) hgnBufAppendf(&big, "%d,", i); /* spans several read chunks */
    writeBytes(path, big.data, big.len);
    HgnBuf b;
    hgnBufInit(&b);
    assert_null(hgnFileReadAll(path, big.len, "the file", NULL, &b));
    assert_int_equal(b.len, big.len);
    assert_memory_equal(b.data, big.data, big.len);
    hgnBufClear(&b);
    HgnStatus st = hgnFileReadAll(path, big.len - 1, "the plan", NULL, &b); /* one byte over the limit */
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_string_equal(hgnStatusWhere(st), path);
    assert_non_null(strstr(hgnStatusMessage(st), "the plan exceeds"));
    hgnStatusFree(st);
    char *missing = pathJoin(dir, "missing.json");
    st = hgnFileReadAll(missing, 1 << 20, "the hardware description", "check the --hardware path", &b);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_NotFound);
    assert_string_equal(hgnStatusWhere(st), missing);
    assert_string_equal(hgnStatusHint(st), "check the --hardware path");
    assert_non_null(strstr(hgnStatusMessage(st), "cannot open the hardware description"));
    hgnStatusFree(st);
    st = hgnFileReadAll(dir, 1 << 20, "the plan", NULL, &b); /* a folder: a read error, not a crash */
    assert_int_equal(hgnStatusCode(st), HGN_CODE_IoError);
    hgnStatusFree(st);
    hgnBufFree(&b);
    hgnBufFree(&big);
    removeTree(dir);
    free(missing);
    free(path);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testAtomicReplace),
        cmocka_unit_test(testOpenFailureNamesPathAndWhat),
        cmocka_unit_test(testFailedWriteRemovesTemp),
        cmocka_unit_test(testWriteAllAt),
        cmocka_unit_test(testReadStream),
        cmocka_unit_test(testReadAll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
