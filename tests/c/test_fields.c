/* fields: names, and text exactly as tshark -T fields prints it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../csrc/analysis.h"
#include "../../csrc/fields.h"
#include "tt_test.h"

static const char *fmt(const tt_segment *s, const char *name, int occurrence, tt_textbuf *b)
{
    tt_field_opts o = {occurrence, ",", "\t", NULL};
    tt_textbuf_reset(b);
    tt_field_format(s, tt_field_lookup(name), &o, b);
    return b->data ? b->data : "";
}

static void test_analysis_flag_fields_are_named_after_the_flags(void)
{
    for (int i = 0; i < TT_AF_COUNT; i++) {
        char want[96];
        snprintf(want, sizeof want, "tcp.analysis.%s", tt_analysis_flag_name(i));
        CHECK(tt_field_lookup(want) >= 0);
    }
    CHECK_EQ(tt_field_lookup("tcp.srcprot"), -1);
    for (int i = 0; tt_field_name(i); i++)
        CHECK_EQ(tt_field_lookup(tt_field_name(i)), i);
}

static void test_ipv6_addresses_in_rfc5952_text(void)
{
    tt_segment s;
    memset(&s, 0, sizeof s);
    s.pkt.n_ip = 2;
    s.pkt.ip[0].version = 6; /* 2001:db8::1 */
    s.pkt.ip[0].src[0] = 0x20, s.pkt.ip[0].src[1] = 0x01, s.pkt.ip[0].src[2] = 0x0d, s.pkt.ip[0].src[3] = 0xb8;
    s.pkt.ip[0].src[15] = 1;
    s.pkt.ip[1].version = 6; /* 1:0:1:0:0:0:0:1 -> 1:0:1::1 (the longest zero run) */
    s.pkt.ip[1].src[1] = 1, s.pkt.ip[1].src[5] = 1, s.pkt.ip[1].src[15] = 1;
    tt_textbuf b;
    tt_textbuf_init(&b);
    CHECK(!strcmp(fmt(&s, "ipv6.src", 0, &b), "2001:db8::1,1:0:1::1"));
    CHECK(!strcmp(fmt(&s, "ipv6.src", 1, &b), "2001:db8::1"));
    CHECK(!strcmp(fmt(&s, "ipv6.src", -1, &b), "1:0:1::1"));
    CHECK(!strcmp(fmt(&s, "ipv6.src", 3, &b), ""));
    CHECK(!strcmp(fmt(&s, "ip.src", 0, &b), ""));
    tt_textbuf_clear(&b);
}

static void test_times_flags_and_absent_fields(void)
{
    tt_segment s;
    memset(&s, 0, sizeof s);
    s.time_rel_sec = 0;
    s.time_rel_nsec = 120085000;
    s.pkt.tcp_have = TT_TCP_HAVE_FIXED;
    s.pkt.flags = TT_TCP_SYN | TT_TCP_ACK;
    s.pkt.opts.present = TT_OPT_WSCALE;
    s.pkt.opts.ws_shift = 15; /* RFC 7323 2.3: the multiplier is capped at 2^14 */
    tt_textbuf b;
    tt_textbuf_init(&b);
    CHECK(!strcmp(fmt(&s, "frame.time_relative", 0, &b), "0.120085000"));
    CHECK(!strcmp(fmt(&s, "tcp.flags", 0, &b), "0x0012"));
    CHECK(!strcmp(fmt(&s, "tcp.options.wscale.multiplier", 0, &b), "16384"));
    CHECK(!strcmp(fmt(&s, "tcp.options.mss_val", 0, &b), ""));
    CHECK(!strcmp(fmt(&s, "tcp.stream", 0, &b), "")); /* no conversation: absent */
    s.time_rel_sec = -1;
    s.time_rel_nsec = 0;
    CHECK(!strcmp(fmt(&s, "frame.time_relative", 0, &b), "-1.000000000"));
    tt_textbuf_clear(&b);
}

/* The option list as tshark 4.0.17 prints tcp.option_kind/_len for the same bytes: a
 * zero-padded EOL repeats, a non-zero byte after EOL ends the list, an option running
 * past the header's option bytes is left out. */
static void test_option_kinds_and_lengths_as_tshark_lists_them(void)
{
    static const struct {
        const char *hex;
        int hdr_len;
        const char *kinds, *lens;
    } cases[] = {
        {"020405b400000000", 28, "2,0,0,0,0", "4"},
        {"020405b400010000", 28, "2,0", "4"},
        {"01010402", 24, "1,1,4", "2"},
        {"020405b40103030304020101080a001d7ffc001a", 40, "2,1,3,4,1,1", "4,3,2"},
        {"020405b4010303000101080a0005", 48, "2,1,3,1,1,8", "4,3,10"}, /* cut by the snaplen */
    };
    tt_textbuf b;
    tt_textbuf_init(&b);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tt_segment s;
        memset(&s, 0, sizeof s);
        s.pkt.tcp_have = TT_TCP_HAVE_FULL;
        s.pkt.hdr_len = (uint8_t)cases[k].hdr_len;
        size_t n = strlen(cases[k].hex) / 2;
        for (size_t i = 0; i < n; i++)
            sscanf(cases[k].hex + 2 * i, "%2hhx", &s.pkt.opt_bytes[i]);
        s.pkt.opts.raw_len = (uint8_t)n;
        CHECK(!strcmp(fmt(&s, "tcp.options", 0, &b), cases[k].hex));
        CHECK(!strcmp(fmt(&s, "tcp.option_kind", 0, &b), cases[k].kinds));
        CHECK(!strcmp(fmt(&s, "tcp.option_len", 0, &b), cases[k].lens));
    }
    tt_textbuf_clear(&b);
}

static void test_link_ip_and_checksum_fields(void)
{
    tt_segment s;
    memset(&s, 0, sizeof s);
    s.pkt.n_eth = 2;
    for (int i = 0; i < 12; i++)
        s.pkt.link.eth[0][i] = (uint8_t)i, s.pkt.link.eth[1][i] = (uint8_t)(0xa0 + i);
    s.pkt.n_vlan = 2;
    s.pkt.link.vlan_tci[0] = 0x2064; /* priority 1, VID 100 */
    s.pkt.link.vlan_tci[1] = 0x0005;
    s.pkt.n_ip = 2;
    s.pkt.ip[0].version = 4;
    s.pkt.ip[0].tos = 0xb9; /* DSCP 46 (EF), ECN 1 */
    s.pkt.ip[0].frag_field = 0x4000;
    s.pkt.ip[0].checksum = 0x26ce;
    s.pkt.ip[1].version = 6;
    s.pkt.ip[1].nxt = 0;
    s.pkt.tcp_have = TT_TCP_HAVE_FIXED;
    s.pkt.checksum = 0x0f5;
    s.pkt.flags = TT_TCP_RST;
    tt_textbuf b;
    tt_textbuf_init(&b);
    CHECK(!strcmp(fmt(&s, "eth.src", 0, &b), "06:07:08:09:0a:0b,a6:a7:a8:a9:aa:ab"));
    CHECK(!strcmp(fmt(&s, "eth.dst", -1, &b), "a0:a1:a2:a3:a4:a5"));
    CHECK(!strcmp(fmt(&s, "vlan.id", 0, &b), "100,5"));
    CHECK(!strcmp(fmt(&s, "ip.version", 0, &b), "4,6")); /* IPv6 adds ip.version too */
    CHECK(!strcmp(fmt(&s, "ip.dsfield.dscp", 0, &b), "46"));
    CHECK(!strcmp(fmt(&s, "ip.dsfield.ecn", 0, &b), "1"));
    CHECK(!strcmp(fmt(&s, "ip.flags.df", 0, &b), "1"));
    CHECK(!strcmp(fmt(&s, "ip.checksum", 0, &b), "0x26ce"));
    CHECK(!strcmp(fmt(&s, "ipv6.nxt", 0, &b), "0"));
    CHECK(!strcmp(fmt(&s, "tcp.checksum", 0, &b), "0x00f5"));
    CHECK(!strcmp(fmt(&s, "tcp.payload", 0, &b), "")); /* a RST's data is its cause */
    CHECK(!strcmp(fmt(&s, "tcp.options", 0, &b), ""));
    s.pkt.hdr_len = 28; /* a header longer than the segment */
    s.pkt.anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID);
    CHECK(!strcmp(fmt(&s, "tcp.options", 0, &b), "<MISSING>"));
    tt_textbuf_clear(&b);
}

/* frame.time_delta_displayed counts from the row written before (0 for the first). */
static void test_time_delta_displayed_counts_from_the_row_before(void)
{
    tt_segment s;
    memset(&s, 0, sizeof s);
    int id = tt_field_lookup("frame.time_delta_displayed");
    tt_field_prev prev = {0, 0, 0};
    tt_field_opts o = {0, ",", "\t", &prev};
    tt_textbuf b;
    tt_textbuf_init(&b);
    s.pkt.ts_sec = 100, s.pkt.ts_nsec = 900000000;
    tt_fields_format_row(&s, &id, 1, &o, &b);
    s.pkt.ts_sec = 101, s.pkt.ts_nsec = 100000000;
    tt_fields_format_row(&s, &id, 1, &o, &b);
    CHECK(!strcmp(b.data, "0.000000000\n0.200000000\n"));
    tt_textbuf_clear(&b);
}

TT_TESTS(tt_fields_tests) = {
    {"fields/option_kinds_and_lengths_as_tshark_lists_them", test_option_kinds_and_lengths_as_tshark_lists_them},
    {"fields/link_ip_and_checksum_fields", test_link_ip_and_checksum_fields},
    {"fields/time_delta_displayed_counts_from_the_row_before", test_time_delta_displayed_counts_from_the_row_before},
    {"fields/analysis_flag_fields_are_named_after_the_flags", test_analysis_flag_fields_are_named_after_the_flags},
    {"fields/ipv6_addresses_in_rfc5952_text", test_ipv6_addresses_in_rfc5952_text},
    {"fields/times_flags_and_absent_fields", test_times_flags_and_absent_fields},
    {NULL, NULL},
};
