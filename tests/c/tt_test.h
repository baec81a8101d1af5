/* A very small C test framework: CHECK records a failure and goes on; the runner's
 * last line is "N passed, N failed" (one count per test function). */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <stdio.h>

extern int tt_test_failures; /* failures in the running test */
extern int tt_test_skipped;  /* set by a test that cannot run in this build */

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            tt_test_failures++;                                                      \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                       \
    do {                                                                                     \
        long long _a = (long long)(a), _b = (long long)(b);                                  \
        if (_a != _b) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, expected %s == %lld\n",     \
                    __FILE__, __LINE__, #a, _a, #b, _b);                                     \
            tt_test_failures++;                                                              \
        }                                                                                    \
    } while (0)

typedef void (*tt_test_fn)(void);
typedef struct tt_test_case {
    const char *name;
    tt_test_fn fn;
} tt_test_case;

/* Each test file exports a NULL-terminated table; test_main.c lists the tables. */
#define TT_TESTS(table) const tt_test_case table[]

#endif
