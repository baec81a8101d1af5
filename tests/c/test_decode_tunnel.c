/* decode_tunnel: each tunnel, tag and link type of csrc/decode_tunnel.c as the smallest
 * frame that shows it, built from bytes; and what is not decoded is counted. */
#include <string.h>

#include "../../csrc/decode.h"
#include "tt_build.h"
#include "tt_test.h"

static tt_decode_status dec(const tt_buf *b, int linktype, tt_packet *p)
{
    return tt_decode_frame(b->b, (uint32_t)b->n, (uint32_t)b->n, linktype, p, NULL);
}

/* The standard segment of b_seg() came out whole. */
static void check_seg(const tt_packet *p)
{
    CHECK_EQ(p->tcp_have, TT_TCP_HAVE_FULL);
    CHECK_EQ(p->sport, 1234);
    CHECK_EQ(p->dport, 80);
    CHECK_EQ(p->seq_raw, 1000);
    CHECK_EQ(p->ack_raw, 2000);
    CHECK_EQ(p->payload_len, 4);
    CHECK(p->payload && memcmp(p->payload, "data", 4) == 0);
}

static void ipv4_seg(tt_buf *b)
{
    b_ipv4(b, 6, TT_SEG_LEN, 1, 0x4000, 1, 2);
    b_seg(b);
}

static void ipv6_seg(tt_buf *b)
{
    b_ipv6(b, 6, TT_SEG_LEN, 1, 2);
    b_seg(b);
}

/* An outer IPv4 + UDP header between these ports, for `inner` bytes of tunnel. */
static void udp_outer(tt_buf *b, uint16_t sport, uint16_t dport, uint16_t inner)
{
    b_ipv4(b, 17, (uint16_t)(8 + inner), 9, 0, 100, 200);
    b_u16(b, sport);
    b_u16(b, dport);
    b_u16(b, (uint16_t)(8 + inner));
    b_u16(b, 0);
}

#define IP4_SEG_LEN (20 + TT_SEG_LEN)
#define IP6_SEG_LEN (40 + TT_SEG_LEN)

/* ------------------------------------------------------------ ethertypes */

static void test_pbb_itag(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x88E7); /* IEEE 802.1ah I-TAG: flags + I-SID, then C-DA, C-SA, type */
    b_u32(&b, 0x001EBB44);
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_eth, 1); /* the customer addresses are the I-TAG's, not an eth layer */
}

static void test_vntag(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8926); /* VN-Tag: 4 bytes, then the ethertype */
    b_u32(&b, 0x00000033);
    b_u16(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_fabricpath_fcs_is_not_the_inner_frames(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8903); /* FabricPath: FTAG/TTL, classical Ethernet, then a 4-byte FCS */
    b_u16(&b, 0x0001);
    b_eth(&b, 0x0800);
    b_ipv4(&b, 6, TT_SEG_LEN - 4, 1, 0x4000, 1, 2); /* the IP length ends before the FCS */
    b_tcp_opts(&b, 1234, 80, 1000, 2000, 0x018, NULL, 0);
    b_u32(&b, 0xDEADBEEF);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_FULL);
    CHECK_EQ(p.payload_len, 0); /* the FCS is not payload */
}

/* ------------------------------------------------------------ UDP tunnels */

static void test_geneve_with_option(void)
{
    tt_buf b = {0};
    udp_outer(&b, 50000, 6081, 8 + 4 + 14 + IP4_SEG_LEN);
    b_u8(&b, 0x01);    /* version 0, one 4-byte word of options (RFC 8926) */
    b_u8(&b, 0);
    b_u16(&b, 0x6558); /* Ethernet */
    b_u32(&b, 7u << 8);
    b_u32(&b, 0x01020300); /* an option: class, type, length 0 */
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_ip, 2);
}

static void test_gtpu_gpdu_with_extension_header(void)
{
    tt_buf b = {0};
    udp_outer(&b, 2152, 2152, 12 + 4 + IP6_SEG_LEN);
    b_u8(&b, 0x34); /* version 1, PT, E (3GPP TS 29.281 §5.1) */
    b_u8(&b, 0xFF); /* G-PDU */
    b_u16(&b, 4 + 4 + IP6_SEG_LEN);
    b_u32(&b, 0x11223344);
    b_u16(&b, 0);   /* sequence number */
    b_u8(&b, 0);    /* N-PDU number */
    b_u8(&b, 0x85); /* next: PDU session container */
    b_u8(&b, 1);    /* one word: length, 2 bytes of content, next type 0 */
    b_u16(&b, 0x0009);
    b_u8(&b, 0);
    ipv6_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[1].version, 6);
}

static void test_gtpu_echo_is_not_a_packet(void)
{
    tt_buf b = {0};
    udp_outer(&b, 2152, 2152, 8);
    b_u8(&b, 0x30);
    b_u8(&b, 1); /* echo request */
    b_u16(&b, 0);
    b_u32(&b, 0);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK_EQ(p.anomalies, 0);
}

static void test_teredo_origin_indication(void)
{
    tt_buf b = {0};
    udp_outer(&b, 3544, 40000, 8 + IP6_SEG_LEN);
    b_u16(&b, 0x0000); /* origin indication (RFC 4380 §5.1.1): port, address */
    b_u16(&b, 0xFFFF);
    b_u32(&b, 0xFFFFFFFF);
    ipv6_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_ayiya_forward(void)
{
    tt_buf b = {0};
    udp_outer(&b, 53859, 5072, 8 + 16 + 20 + IP6_SEG_LEN);
    b_u8(&b, 0x41); /* identity 2^4 = 16 bytes, type 1 */
    b_u8(&b, 0x52); /* signature 5 words = 20 bytes, SHA-1 */
    b_u8(&b, 0x11); /* shared-secret auth, opcode 1: forward */
    b_u8(&b, 41);   /* IPv6 */
    b_u32(&b, 0x5B000000);
    b_zero(&b, 16 + 20);
    ipv6_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_gre_in_udp(void)
{
    tt_buf b = {0};
    udp_outer(&b, 40987, 4754, 4 + IP4_SEG_LEN);
    b_u16(&b, 0); /* GRE (RFC 8086): no flags, IPv4 */
    b_u16(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_l2tp_data_over_ppp(void)
{
    tt_buf b = {0};
    udp_outer(&b, 1701, 1701, 8 + 4 + IP4_SEG_LEN);
    b_u16(&b, 0x4002); /* L bit, version 2 (RFC 2661 §3.1) */
    b_u16(&b, 8 + 4 + IP4_SEG_LEN);
    b_u16(&b, 1); /* tunnel id */
    b_u16(&b, 2); /* session id */
    b_u16(&b, 0xFF03);
    b_u16(&b, 0x0021); /* PPP: IPv4 */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_udp_tunnel_cut_is_truncated(void)
{
    tt_buf b = {0};
    udp_outer(&b, 50000, 6081, 4);
    b_u32(&b, 0x00006558); /* half a Geneve header */
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_TRUNCATED));
}

/* ------------------------------------------------------------ 802.11, FDDI, PPI */

/* An 802.11 QoS data frame, From DS, then LLC/SNAP for IPv4. */
static void wlan_qos_data(tt_buf *b, uint8_t fc1)
{
    b_u8(b, 0x88);
    b_u8(b, fc1);
    b_zero(b, 2 + 18 + 2 + 2); /* duration, 3 addresses, sequence control, QoS */
    b_bytes(b, "\xAA\xAA\x03\x00\x00\x00\x08\x00", 8);
}

static void test_aruba_gre_80211(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 47, 4 + 26 + 8 + IP4_SEG_LEN, 1, 0, 100, 200);
    b_u16(&b, 0);
    b_u16(&b, 0x8200); /* Aruba (packet-gre.h) */
    wlan_qos_data(&b, 0x02);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_80211_protected_is_counted(void)
{
    tt_buf b = {0};
    wlan_qos_data(&b, 0x42); /* Protected: what follows is ciphertext */
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_IEEE802_11, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_UNDECODED));
}

static void test_ppi_80211(void)
{
    tt_buf b = {0};
    b_u8(&b, 0); /* PPI version, flags, length 8 (little-endian), DLT 105 */
    b_u8(&b, 0);
    b_u16le(&b, 8);
    b_u32le(&b, 105);
    wlan_qos_data(&b, 0x01);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_PPI, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_fddi_llc_snap(void)
{
    tt_buf b = {0};
    b_u8(&b, 0x50); /* frame control: async LLC */
    b_zero(&b, 12);
    b_bytes(&b, "\xAA\xAA\x03\x00\x00\x00\x08\x00", 8);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_FDDI, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK(tt_decode_linktype_supported(TT_LINKTYPE_FDDI));
}

static void test_80211_amsdu_first_subframe_and_more_counted(void)
{
    tt_buf b = {0};
    b_u8(&b, 0x88); /* QoS data, From DS */
    b_u8(&b, 0x02);
    b_zero(&b, 22);
    b_u16(&b, 0x8000); /* QoS control: A-MSDU present */
    b_zero(&b, 12);    /* subframe: DA, SA, length */
    b_u16(&b, 8 + IP4_SEG_LEN);
    b_bytes(&b, "\xAA\xAA\x03\x00\x00\x00\x08\x00", 8);
    ipv4_seg(&b);
    size_t one = b.n;
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_IEEE802_11, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_UNDECODED), 0);
    b_zero(&b, 14 + 8); /* a second subframe */
    CHECK(b.n > one);
    CHECK_EQ(dec(&b, TT_LINKTYPE_IEEE802_11, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_UNDECODED));
}

static void test_nflog_payload_attribute(void)
{
    tt_buf b = {0};
    b_u8(&b, 2); /* AF_INET, version 0, resource id */
    b_u8(&b, 0);
    b_u16(&b, 0);
    b_u16le(&b, 5); /* a 5-byte prefix attribute (type 10), padded to 8 */
    b_u16le(&b, 10);
    b_bytes(&b, "x\0\0\0", 4);
    b_u16le(&b, (uint16_t)(4 + IP4_SEG_LEN)); /* NFULA_PAYLOAD */
    b_u16le(&b, 9);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_NFLOG, &p), TT_DECODE_TCP);
    check_seg(&p);
}

const tt_test_case tt_decode_tunnel_tests[] = {
    {"decode_tunnel/80211_amsdu", test_80211_amsdu_first_subframe_and_more_counted},
    {"decode_tunnel/nflog_payload", test_nflog_payload_attribute},
    {"decode_tunnel/pbb_itag", test_pbb_itag},
    {"decode_tunnel/vntag", test_vntag},
    {"decode_tunnel/fabricpath_fcs", test_fabricpath_fcs_is_not_the_inner_frames},
    {"decode_tunnel/geneve_option", test_geneve_with_option},
    {"decode_tunnel/gtpu_ext_header", test_gtpu_gpdu_with_extension_header},
    {"decode_tunnel/gtpu_echo", test_gtpu_echo_is_not_a_packet},
    {"decode_tunnel/teredo_origin", test_teredo_origin_indication},
    {"decode_tunnel/ayiya_forward", test_ayiya_forward},
    {"decode_tunnel/gre_in_udp", test_gre_in_udp},
    {"decode_tunnel/l2tp_ppp", test_l2tp_data_over_ppp},
    {"decode_tunnel/udp_tunnel_truncated", test_udp_tunnel_cut_is_truncated},
    {"decode_tunnel/aruba_gre_80211", test_aruba_gre_80211},
    {"decode_tunnel/80211_protected_counted", test_80211_protected_is_counted},
    {"decode_tunnel/ppi_80211", test_ppi_80211},
    {"decode_tunnel/fddi_llc_snap", test_fddi_llc_snap},
    {NULL, NULL},
};
