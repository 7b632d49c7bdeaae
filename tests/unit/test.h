/* test.h — the unit-test harness.
 *
 * A test file defines tests with TEST(name) { … } and ends with TEST_MAIN().
 * Each test runs in its own child process with a timeout (default 10 s,
 * TEST_TIMEOUT=seconds to change), so a crash or a hang fails that test only.
 * Run a binary with a name to run only the tests whose names contain it.
 * The last line printed is "N passed, N failed", which tests/run.sh sums.
 *
 * Checks print what was expected and what was got, then fail the test:
 *   CHECK(cond)  CHECK_INT(got, want)  CHECK_STR(got, want)  CHECK_MEM(got, n, want)
 */
#ifndef KB_TEST_H
#define KB_TEST_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case_t;

#define TEST_MAX 512
static test_case_t test_cases_[TEST_MAX];
static int test_count_;

#define TEST(name)                                                                     \
    static void name(void);                                                            \
    __attribute__((constructor)) static void test_register_##name(void)                \
    {                                                                                  \
        if (test_count_ < TEST_MAX) test_cases_[test_count_++] = (test_case_t){#name, name}; \
    }                                                                                  \
    static void name(void)

#define TEST_FAIL_(...)                                                                \
    do {                                                                               \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                              \
        fprintf(stderr, __VA_ARGS__);                                                  \
        fprintf(stderr, "\n");                                                         \
        fflush(stderr);                                                                \
        _exit(1);                                                                      \
    } while (0)

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) TEST_FAIL_("expected %s", #cond);                                 \
    } while (0)

#define CHECK_INT(got, want)                                                           \
    do {                                                                               \
        long long g_ = (long long)(got), w_ = (long long)(want);                       \
        if (g_ != w_) TEST_FAIL_("%s: expected %lld, got %lld", #got, w_, g_);         \
    } while (0)

#define CHECK_STR(got, want)                                                           \
    do {                                                                               \
        const char *g_ = (got), *w_ = (want);                                          \
        if (!g_ || !w_ || strcmp(g_, w_) != 0)                                         \
            TEST_FAIL_("%s: expected \"%s\", got \"%s\"", #got, w_ ? w_ : "(null)",     \
                       g_ ? g_ : "(null)");                                            \
    } while (0)

#define CHECK_MEM(got, n, want)                                                        \
    do {                                                                               \
        const char *g_ = (const char *)(got), *w_ = (want);                            \
        size_t n_ = (size_t)(n);                                                       \
        if (n_ != strlen(w_) || memcmp(g_, w_, n_) != 0)                               \
            TEST_FAIL_("%s: expected \"%s\", got \"%.*s\"", #got, w_, (int)n_, g_);    \
    } while (0)

static int test_run_one_(const test_case_t *t, int timeout)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm((unsigned)timeout);
        t->fn();
        fflush(stdout);
        fflush(stderr);
        exit(0); /* exit, not _exit: lets LeakSanitizer check the test */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFSIGNALED(st))
        fprintf(stderr, "  %s\n", WTERMSIG(st) == SIGALRM ? "timed out" : strsignal(WTERMSIG(st)));
    return 1;
}

#define TEST_MAIN()                                                                    \
    int main(int argc, char **argv)                                                    \
    {                                                                                  \
        const char *to = getenv("TEST_TIMEOUT");                                       \
        int timeout = to ? atoi(to) : 10, passed = 0, failed = 0;                      \
        setvbuf(stdout, NULL, _IOLBF, 0);                                              \
        for (int i = 0; i < test_count_; i++) {                                        \
            if (argc > 1 && !strstr(test_cases_[i].name, argv[1])) continue;           \
            if (test_run_one_(&test_cases_[i], timeout) == 0) {                        \
                printf("ok   %s\n", test_cases_[i].name);                              \
                passed++;                                                              \
            } else {                                                                   \
                printf("FAIL %s\n", test_cases_[i].name);                              \
                failed++;                                                              \
            }                                                                          \
        }                                                                              \
        printf("%d passed, %d failed\n", passed, failed);                              \
        return failed ? 1 : 0;                                                         \
    }

#endif
