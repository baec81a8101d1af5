/* The one-row-per-fact tables (analysis_flags.h, anomaly.h): whole, unique, and the
 * things generated from them agree with them. */
#include <string.h>

#include "../../csrc/analysis.h"
#include "../../csrc/anomaly.h"
#include "../../csrc/fields.h"
#include "tt_test.h"

static void test_tables_analysis_flags_generate_names_fields_and_bits(void)
{
    for (int i = 0; i < TT_AF_COUNT; i++) {
        const tt_analysis_flag_info *f = tt_analysis_flag(i);
        CHECK(f != NULL && f->name && f->title && f->expert_summary);
        CHECK(strncmp(f->field, "tcp.analysis.", 13) == 0 && strcmp(f->field + 13, f->name) == 0);
        CHECK(tt_field_lookup(f->field) >= 0);
        CHECK(strncmp(f->info_label, "[TCP ", 5) == 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(tt_analysis_flag(j)->name, f->name) != 0);
    }
    CHECK(tt_analysis_flag(TT_AF_COUNT) == NULL);
    CHECK_EQ(TT_AF_RETRANSMISSION, 1u << 0); /* bit order is the table's */
    CHECK_EQ(TT_AF_REUSED_PORTS, 1u << (TT_AF_COUNT - 1));
}

static void test_tables_anomaly_classes_make_the_frame_counters(void)
{
    uint64_t trunc = 0, inval = 0;
    for (int a = 0; a < TT_ANOM_COUNT; a++) {
        const char *n = tt_anomaly_name(a);
        CHECK(n != NULL && strchr(n, '.') != NULL);
        for (int b = 0; b < a; b++)
            CHECK(strcmp(tt_anomaly_name(b), n) != 0);
        if (tt_anomaly_class_of(a) == TT_ANOM_CLASS_TRUNCATED)
            trunc |= TT_ANOM_BIT(a);
        if (tt_anomaly_class_of(a) == TT_ANOM_CLASS_INVALID)
            inval |= TT_ANOM_BIT(a);
    }
    CHECK_EQ(trunc, TT_ANOM_TRUNCATED_MASK);
    CHECK_EQ(inval, TT_ANOM_INVALID_MASK);
    CHECK_EQ(trunc & inval, 0);
    CHECK(TT_ANOM_TRUNCATED_MASK & TT_ANOM_BIT(TT_ANOM_TCP_PAYLOAD_TRUNCATED));
    CHECK(TT_ANOM_INVALID_MASK & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID));
    CHECK(tt_anomaly_name(TT_ANOM_COUNT) == NULL);
}

TT_TESTS(tt_tables_tests) = {
    {"tables/analysis_flags_generate_names_fields_and_bits", test_tables_analysis_flags_generate_names_fields_and_bits},
    {"tables/anomaly_classes_make_the_frame_counters", test_tables_anomaly_classes_make_the_frame_counters},
    {NULL, NULL},
};
