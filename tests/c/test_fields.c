/* fields: names, and text exactly as tshark -T fields prints it. */
#include <stdio.h>
#include <string.h>

#include "../../csrc/analysis.h"
#include "../../csrc/fields.h"
#include "tt_test.h"

static const char *fmt(const tt_segment *s, const char *name, int occurrence, tt_textbuf *b)
{
    tt_field_opts o = {occurrence, ",", "\t"};
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

TT_TESTS(tt_fields_tests) = {
    {"fields/analysis_flag_fields_are_named_after_the_flags", test_analysis_flag_fields_are_named_after_the_flags},
    {"fields/ipv6_addresses_in_rfc5952_text", test_ipv6_addresses_in_rfc5952_text},
    {"fields/times_flags_and_absent_fields", test_times_flags_and_absent_fields},
    {NULL, NULL},
};
