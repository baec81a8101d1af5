/* decode: frames built from byte arrays, one behaviour per test. */
#include <string.h>

#include "../../csrc/decode.h"
#include "tt_test.h"

/* Ethernet + IPv4 + TCP SYN with MSS 1460, NOP, WS 5, NOP NOP, TS, SACK_PERM, EOL:
 * the first frame of the seed capture (client 192.168.10.7:53451). */
static const uint8_t seed_syn[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
    192, 168, 10, 7, 93, 184, 216, 34,
    0xd0, 0xcb, 0x00, 0x50, 0x3b, 0x1c, 0x2c, 0x07, 0x00, 0x00, 0x00, 0x00,
    0xb0, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x25, 0xe4, 0xda, 0xe9, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

static void test_ethernet_ipv4_tcp_syn_options(void)
{
    tt_packet p;
    CHECK_EQ(tt_decode_frame(seed_syn, sizeof seed_syn, sizeof seed_syn, TT_LINKTYPE_ETHERNET, &p, NULL),
             TT_DECODE_TCP);
    CHECK_EQ(p.n_ip, 1);
    CHECK_EQ(p.ip[0].version, 4);
    CHECK(memcmp(p.ip[0].src, (uint8_t[]){192, 168, 10, 7}, 4) == 0);
    CHECK_EQ(p.sport, 53451);
    CHECK_EQ(p.dport, 80);
    CHECK_EQ(p.seq_raw, 0x3b1c2c07u);
    CHECK_EQ(p.flags, TT_TCP_SYN);
    CHECK_EQ(p.hdr_len, 44);
    CHECK_EQ(p.window_raw, 65535);
    CHECK_EQ(p.payload_len, 0);
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_FULL);
    CHECK(p.opts.present & TT_OPT_MSS);
    CHECK_EQ(p.opts.mss, 1460);
    CHECK(p.opts.present & TT_OPT_WSCALE);
    CHECK_EQ(p.opts.ws_shift, 5);
    CHECK(p.opts.present & TT_OPT_TIMESTAMP);
    CHECK_EQ(p.opts.tsval, 635755241u);
    CHECK_EQ(p.opts.tsecr, 0);
    CHECK(p.opts.present & TT_OPT_SACK_PERM);
    CHECK(p.opts.present & TT_OPT_EOL);
    CHECK_EQ(p.anomalies, 0);
}

static void test_tcp_truncated_by_snaplen_keeps_ports(void)
{
    tt_packet p;
    /* Cut 6 bytes into the TCP header: ports are there, the sequence number is not. */
    CHECK_EQ(tt_decode_frame(seed_syn, 14 + 20 + 6, sizeof seed_syn, TT_LINKTYPE_ETHERNET, &p, NULL),
             TT_DECODE_TCP);
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_PORTS);
    CHECK_EQ(p.sport, 53451);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_TRUNCATED));
}

static void test_tcp_data_offset_below_five_is_invalid(void)
{
    uint8_t f[sizeof seed_syn];
    memcpy(f, seed_syn, sizeof f);
    f[14 + 20 + 12] = 0x40; /* data offset 4: 16 bytes, less than the fixed header */
    tt_packet p;
    CHECK_EQ(tt_decode_frame(f, sizeof f, sizeof f, TT_LINKTYPE_ETHERNET, &p, NULL), TT_DECODE_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID));
}

TT_TESTS(tt_decode_tests) = {
    {"decode/ethernet_ipv4_tcp_syn_options", test_ethernet_ipv4_tcp_syn_options},
    {"decode/tcp_truncated_by_snaplen_keeps_ports", test_tcp_truncated_by_snaplen_keeps_ports},
    {"decode/tcp_data_offset_below_five_is_invalid", test_tcp_data_offset_below_five_is_invalid},
    {NULL, NULL},
};
