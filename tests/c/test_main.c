/* The C unit test runner: runs every table, prints one line per failing (or skipped)
 * test and "N passed, N failed" last (", N skipped" after it when a test was skipped:
 * one that needs what this build lacks, e.g. libpcap loaded at run time). Exit status 1
 * when any test failed. */
#include <string.h>

#include "tt_test.h"

int tt_test_failures;
int tt_test_skipped;

extern const tt_test_case tt_decode_tests[];
extern const tt_test_case tt_decode_tunnel_tests[];
extern const tt_test_case tt_snoop_tests[];
extern const tt_test_case tt_ipfrag_tests[];
extern const tt_test_case tt_avltree_tests[];
extern const tt_test_case tt_pcapng_tests[];
extern const tt_test_case tt_reasm_tests[];
extern const tt_test_case tt_app_http_tests[];
extern const tt_test_case tt_app_tls_tests[];
extern const tt_test_case tt_fields_tests[];
extern const tt_test_case tt_analysis_tests[];
extern const tt_test_case tt_stats_tests[];
extern const tt_test_case tt_instream_tests[];
extern const tt_test_case tt_follow_tests[];
extern const tt_test_case tt_hostile_tests[];
extern const tt_test_case tt_pcapmap_tests[];
extern const tt_test_case tt_pcapfile_tests[];
extern const tt_test_case tt_tables_tests[];
extern const tt_test_case tt_framers_tests[];
extern const tt_test_case tt_zeek_tests[];

static const tt_test_case *const tables[] = {
    tt_decode_tests,
    tt_decode_tunnel_tests,
    tt_snoop_tests,
    tt_ipfrag_tests,
    tt_avltree_tests,
    tt_pcapng_tests,
    tt_reasm_tests,
    tt_app_http_tests,
    tt_app_tls_tests,
    tt_fields_tests,
    tt_analysis_tests,
    tt_stats_tests,
    tt_instream_tests,
    tt_follow_tests,
    tt_hostile_tests,
    tt_pcapmap_tests,
    tt_pcapfile_tests,
    tt_tables_tests,
    tt_framers_tests,
    tt_zeek_tests,
};

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const tt_test_case *c = tables[t]; c->name; c++) {
            if (argc > 1 && !strstr(c->name, argv[1]))
                continue;
            tt_test_failures = 0;
            tt_test_skipped = 0;
            c->fn();
            if (tt_test_failures) {
                printf("FAIL %s\n", c->name);
                failed++;
            } else if (tt_test_skipped) {
                printf("SKIP %s\n", c->name);
                skipped++;
            } else {
                passed++;
            }
        }
    }
    if (skipped)
        printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
