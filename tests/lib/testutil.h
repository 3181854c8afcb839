/* testutil.h: the minimal harness of the C unit tests: CHECK macros that
 * count failures, a summary line ctest shows, and helpers to find ../shared
 * and make scratch directories. */
#ifndef CXR_TESTUTIL_H
#define CXR_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        test_checks++;                                                       \
        if (!(cond)) {                                                       \
            test_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *check_a_ = (a), *check_b_ = (b);                         \
        test_checks++;                                                       \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {    \
            test_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == '%s', want '%s'\n", \
                    __FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)",  \
                    check_b_ ? check_b_ : "(null)");                         \
        }                                                                    \
    } while (0)

#define CHECK_INT(a, b)                                                      \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        test_checks++;                                                       \
        if (check_a_ != check_b_) {                                          \
            test_failures++;                                                 \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, want %lld\n", \
                    __FILE__, __LINE__, #a, check_a_, check_b_);             \
        }                                                                    \
    } while (0)

/* 1 if 'haystack' contains 'needle'. */
static inline int test_contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}

/* Ends main(): prints "N passed, N failed" (a line ctest logs keep). */
static inline int test_finish(void)
{
    if (test_checks == 0) {
        fprintf(stderr, "no checks ran\n");
        return 1;
    }
    printf("%d passed, %d failed\n", test_checks - test_failures, test_failures);
    return test_failures ? 1 : 0;
}

/* The real data for the checks that need it: $CXR_SHARED_DIR in the test's
 * *_real variant (ctest sets CXR_TEST_REAL=1 there: cxr_add_real_variant in
 * tests/CMakeLists.txt), NULL in the plain test, which runs on generated
 * fixtures only. In the *_real variant a missing ../shared is a skip (exit
 * 77), and a failure under CI=true, where ../shared is always present. */
static inline const char *test_shared_dir(void)
{
    const char *real = getenv("CXR_TEST_REAL");
    const char *dir = getenv("CXR_SHARED_DIR");
    char probe[4096];
    FILE *f;
    if (!real || strcmp(real, "1") != 0)
        return NULL;
    snprintf(probe, sizeof(probe), "%s/design/DESIGN.md", dir ? dir : "");
    f = dir ? fopen(probe, "r") : NULL;
    if (!f) {
        if (getenv("CI") && strcmp(getenv("CI"), "true") == 0) {
            fprintf(stderr, "FAIL: shared data not found at '%s' (CI=true)\n", dir ? dir : "");
            exit(1);
        }
        fprintf(stderr, "skip: shared data not found at '%s'\n", dir ? dir : "");
        exit(77);
    }
    fclose(f);
    return dir;
}

/* A fresh scratch directory under $TMPDIR (caller removes it). */
static inline char *test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *path = malloc(n);
    if (!path)
        abort();
    snprintf(path, n, "%s/cxr-%s-XXXXXX", base, tag);
    if (!mkdtemp(path))
        abort();
    return path;
}

/* Ends a test that made 'dir' with test_tmpdir: removes it when every check
 * passed (kept to look at otherwise), frees it, and returns test_finish(). */
static inline int test_done_in(char *dir)
{
    char cmd[1200];
    if (!test_failures) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove '%s'\n", dir);
    }
    free(dir);
    return test_finish();
}

#endif
