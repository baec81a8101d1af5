/* decode: frames built from byte arrays, one behaviour per test. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/decode.h"
#include "../../csrc/icmperr.h"
#include "tt_build.h"
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


/* ------------------------------------------------------------ helpers */

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
    CHECK_EQ(p->flags, TT_TCP_ACK | TT_TCP_PSH);
    CHECK_EQ(p->hdr_len, 20);
    CHECK_EQ(p->payload_len, 4);
    CHECK_EQ(p->payload_caplen, 4);
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

/* ------------------------------------------------------------ link types */

static void test_vlan_8021q_tag(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8100); /* IEEE 802.1Q: TCI then the real ethertype */
    b_u16(&b, 100);
    b_u16(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[0].src[3], 1);
}

static void test_stacked_8021ad_then_8021q(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x88A8); /* IEEE 802.1ad service tag, then a customer 802.1Q tag */
    b_u16(&b, 10);
    b_u16(&b, 0x8100);
    b_u16(&b, 20);
    b_u16(&b, 0x86DD);
    ipv6_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[0].version, 6);
}

static void test_ieee8023_llc_snap_ipv4(void)
{
    tt_buf b = {0};
    b_eth(&b, 8 + 20 + TT_SEG_LEN); /* an 802.3 length, then LLC/SNAP (RFC 1042) */
    uint8_t snap[] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00};
    b_bytes(&b, snap, sizeof snap);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_linux_sll(void)
{
    tt_buf b = {0};
    b_u16(&b, 0);      /* packet type: to us */
    b_u16(&b, 1);      /* ARPHRD_ETHER */
    b_u16(&b, 6);
    b_zero(&b, 8);
    b_u16(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_LINUX_SLL, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_linux_sll2(void)
{
    tt_buf b = {0};
    b_u16(&b, 0x86DD); /* protocol first, then 18 more bytes */
    b_zero(&b, 18);
    ipv6_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_LINUX_SLL2, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_null_little_endian_host(void)
{
    tt_buf b = {0};
    b_u32le(&b, 2); /* AF_INET as a little-endian host writes it */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_NULL, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_null_big_endian_host(void)
{
    tt_buf b = {0};
    b_u32(&b, 2); /* written by a big-endian host: 00 00 00 02 */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_NULL, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_null_ipv6_address_families(void)
{
    /* AF_INET6 differs by OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30. */
    uint32_t afs[] = {10, 24, 28, 30};
    for (size_t i = 0; i < 4; i++) {
        tt_buf b = {0};
        b_u32le(&b, afs[i]);
        ipv6_seg(&b);
        tt_packet p;
        CHECK_EQ(dec(&b, TT_LINKTYPE_NULL, &p), TT_DECODE_TCP);
        check_seg(&p);
    }
}

static void test_loop_network_order(void)
{
    tt_buf b = {0};
    b_u32(&b, 2); /* LINKTYPE_LOOP: the family in network byte order (OpenBSD) */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_LOOP, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_raw_ip_link_types(void)
{
    tt_buf v4 = {0}, v6 = {0};
    ipv4_seg(&v4);
    ipv6_seg(&v6);
    tt_packet p;
    int raw[] = {TT_LINKTYPE_RAW, TT_LINKTYPE_RAW_OLD, 14};
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(dec(&v4, raw[i], &p), TT_DECODE_TCP);
        check_seg(&p);
        CHECK_EQ(dec(&v6, raw[i], &p), TT_DECODE_TCP);
        check_seg(&p);
    }
    CHECK_EQ(dec(&v4, TT_LINKTYPE_IPV4, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(dec(&v6, TT_LINKTYPE_IPV6, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_cisco_hdlc(void)
{
    tt_buf b = {0};
    b_u8(&b, 0x0F); /* unicast address, control 0, then an ethertype */
    b_u8(&b, 0);
    b_u16(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_C_HDLC, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_ppp_hdlc_framing_and_compressed_protocol(void)
{
    tt_buf b = {0};
    b_u8(&b, 0xFF); /* RFC 1662 address and control */
    b_u8(&b, 0x03);
    b_u16(&b, 0x0021); /* IPv4 (RFC 1332) */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_PPP, &p), TT_DECODE_TCP);
    check_seg(&p);
    tt_buf c = {0};
    b_u8(&c, 0x57); /* protocol field compression (RFC 1661 6.5): one byte, IPv6 */
    ipv6_seg(&c);
    CHECK_EQ(dec(&c, TT_LINKTYPE_PPP_HDLC, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void pppoe_session(tt_buf *b, uint16_t len)
{
    b_u8(b, 0x11); /* RFC 2516: version 1, type 1, code 0 (session data) */
    b_u8(b, 0);
    b_u16(b, 0x1234);
    b_u16(b, len);
    b_u16(b, 0x0021);
}

static void test_pppoe_in_ethernet_and_ppp_ether(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8864);
    pppoe_session(&b, 2 + 20 + TT_SEG_LEN);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
    tt_buf c = {0};
    pppoe_session(&c, 2 + 20 + TT_SEG_LEN);
    ipv4_seg(&c);
    CHECK_EQ(dec(&c, TT_LINKTYPE_PPP_ETHER, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_pppoe_length_ends_the_ip_payload(void)
{
    /* RFC 2516: the PPPoE length counts the PPP protocol and payload. An IP total
     * length beyond it is cut there, as Wireshark does: here 4 bytes of TCP data fall
     * outside the PPPoE payload, so tcp.len is 0. */
    tt_buf b = {0};
    b_eth(&b, 0x8864);
    pppoe_session(&b, 2 + 20 + 20);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    CHECK_EQ(p.payload_len, 0);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_TOTAL_LEN_INVALID));
}

static void test_pppoe_bad_version_is_tunnel_invalid(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8864);
    b_u8(&b, 0x21);
    b_u8(&b, 0);
    b_u16(&b, 1);
    b_u16(&b, 46);
    b_u16(&b, 0x0021);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_INVALID));
}

static void test_unsupported_link_type(void)
{
    tt_buf b = {0};
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, 147, &p), TT_DECODE_NOT_TCP); /* LINKTYPE_USER0 */
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_LINK_UNSUPPORTED));
    CHECK(!tt_decode_linktype_supported(147));
    CHECK(tt_decode_linktype_supported(TT_LINKTYPE_LINUX_SLL2));
}

static void test_short_ethernet_is_link_truncated(void)
{
    tt_buf b = {0};
    b_zero(&b, 10);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_LINK_TRUNCATED));
}

/* ------------------------------------------------------------ encapsulations */

static void test_mpls_label_stack(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8847);
    b_u32(&b, 100u << 12 | 64);          /* RFC 3032: label 100 */
    b_u32(&b, 200u << 12 | 0x100 | 64);  /* label 200, bottom of stack */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_mpls_pseudowire_control_word_ethernet(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x8847);
    b_u32(&b, 16u << 12 | 0x100 | 64);
    b_u32(&b, 0); /* RFC 4385 control word, then an Ethernet frame */
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_gre_ipv4_in_ipv4_with_key_and_sequence(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x0800);
    b_ipv4(&b, 47, 12 + 20 + TT_SEG_LEN, 1, 0, 100, 200); /* outer: GRE (RFC 2784) */
    b_u16(&b, 0x3000); /* K and S bits (RFC 2890) */
    b_u16(&b, 0x0800);
    b_u32(&b, 0xCAFE); /* key */
    b_u32(&b, 7);      /* sequence */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_ip, 2);
    CHECK_EQ(p.ip[0].src[3], 100); /* every layer's addresses are kept, outermost first */
    CHECK_EQ(p.ip[1].src[3], 1);
}

static void test_erspan_type2_and_type3(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 47, 8 + 8 + 14 + 20 + TT_SEG_LEN, 1, 0, 100, 200);
    b_u16(&b, 0x1000); /* ERSPAN type II: GRE with the sequence bit, 8-byte header */
    b_u16(&b, 0x88BE);
    b_u32(&b, 1);
    b_zero(&b, 8);
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_ip, 2);

    tt_buf c = {0};
    b_ipv4(&c, 47, 8 + 12 + 8 + 14 + 20 + TT_SEG_LEN, 1, 0, 100, 200);
    b_u16(&c, 0x1000);
    b_u16(&c, 0x22EB); /* ERSPAN type III: 12-byte header, O bit adds 8 bytes */
    b_u32(&c, 1);
    b_zero(&c, 11);
    b_u8(&c, 0x01);
    b_zero(&c, 8);
    b_eth(&c, 0x0800);
    ipv4_seg(&c);
    CHECK_EQ(dec(&c, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_ip_in_ip_and_6in4(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 4, 20 + TT_SEG_LEN, 1, 0, 100, 200); /* RFC 2003 */
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_ip, 2);

    tt_buf c = {0};
    b_ipv4(&c, 41, 40 + TT_SEG_LEN, 1, 0, 100, 200); /* RFC 4213: IPv6 in IPv4 */
    ipv6_seg(&c);
    CHECK_EQ(dec(&c, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[0].version, 4);
    CHECK_EQ(p.ip[1].version, 6);
}

static void test_vxlan(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 17, 8 + 8 + 14 + 20 + TT_SEG_LEN, 1, 0, 100, 200);
    b_u16(&b, 50000); /* UDP to port 4789 (RFC 7348) */
    b_u16(&b, 4789);
    b_u16(&b, 8 + 8 + 14 + 20 + TT_SEG_LEN);
    b_u16(&b, 0);
    b_u32(&b, 0x08000000); /* I flag: VNI valid */
    b_u32(&b, 42u << 8);
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.n_ip, 2);
}

static void test_gre_cut_short_is_tunnel_truncated(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 47, 2, 1, 0, 100, 200);
    b_u16(&b, 0);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_TRUNCATED));
}

static void test_tunnels_nested_too_deep(void)
{
    /* Eight IP-in-IP layers: more than a tt_packet holds (TT_MAX_IP_LAYERS). */
    tt_buf b = {0};
    for (int i = 0; i < 8; i++)
        b_ipv4(&b, 4, (uint16_t)((8 - i - 1) * 20 + 20 + TT_SEG_LEN), 1, 0, 1, 2);
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TUNNEL_TOO_DEEP));
}

/* ------------------------------------------------------------ IP */

static void test_ipv6_extension_headers(void)
{
    /* RFC 8200 4.1 order: hop-by-hop, routing, destination options, then TCP. */
    tt_buf b = {0};
    b_ipv6(&b, 0, 8 + 8 + 8 + TT_SEG_LEN, 1, 2);
    b_u8(&b, 43); b_u8(&b, 0); b_zero(&b, 6);   /* hop-by-hop: 8 bytes */
    b_u8(&b, 60); b_u8(&b, 0); b_zero(&b, 6);   /* routing: 8 bytes */
    b_u8(&b, 6); b_u8(&b, 0); b_zero(&b, 6);    /* destination options: 8 bytes */
    b_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[0].hdr_len, 64);
    CHECK_EQ(p.ip[0].proto, 6);
}

static void test_ipv6_extension_header_cut_and_lying(void)
{
    tt_buf b = {0};
    b_ipv6(&b, 0, 8, 1, 2);
    b_u8(&b, 6); /* only one byte of the hop-by-hop header captured */
    tt_packet p;
    CHECK_EQ(tt_decode_frame(b.b, (uint32_t)b.n, 48, TT_LINKTYPE_RAW, &p, NULL), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IPV6_EXT_TRUNCATED));

    tt_buf c = {0};
    b_ipv6(&c, 0, 8, 1, 2);
    b_u8(&c, 6); b_u8(&c, 4); b_zero(&c, 6); /* claims 40 bytes in an 8-byte payload */
    CHECK_EQ(dec(&c, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IPV6_EXT_INVALID));
}

static void test_ipv4_options_are_skipped(void)
{
    tt_buf b = {0};
    b_u8(&b, 0x46); /* IHL 6: a 4-byte option area */
    b_u8(&b, 0);
    b_u16(&b, 24 + TT_SEG_LEN);
    b_zero(&b, 4);
    b_u8(&b, 64); b_u8(&b, 6); b_u16(&b, 0);
    b_u32(&b, 0x0A000001); b_u32(&b, 0x0A000002);
    b_u8(&b, 148); b_u8(&b, 4); b_u16(&b, 0); /* router alert (RFC 2113) */
    b_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK_EQ(p.ip[0].hdr_len, 24);
}

static void test_ipv4_option_too_short_for_its_kind(void)
{
    /* A Security option (RFC 1108) of length 2 has no classification byte: Wireshark's
     * option dissector throws and nothing above IP is dissected. */
    tt_buf b = {0};
    b_u8(&b, 0x46);
    b_u8(&b, 0);
    b_u16(&b, 24 + TT_SEG_LEN);
    b_zero(&b, 4);
    b_u8(&b, 64); b_u8(&b, 6); b_u16(&b, 0);
    b_u32(&b, 0x0A000001); b_u32(&b, 0x0A000002);
    b_u8(&b, 130); b_u8(&b, 2); b_u8(&b, 0); b_u8(&b, 0);
    b_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_OPT_LEN_INVALID));
}

static void test_ipv4_header_anomalies(void)
{
    tt_packet p;
    tt_buf v = {0};
    ipv4_seg(&v);
    v.b[0] = 0x55; /* version 5 */
    CHECK_EQ(dec(&v, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_VERSION_INVALID));

    tt_buf h = {0};
    ipv4_seg(&h);
    h.b[0] = 0x44; /* IHL 4: 16 bytes, less than the fixed header */
    CHECK_EQ(dec(&h, TT_LINKTYPE_IPV4, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_HDR_LEN_INVALID));

    tt_buf t = {0};
    ipv4_seg(&t);
    t.b[2] = 0;
    t.b[3] = 10; /* total length 10 < IHL 20 (and not the TSO zero) */
    CHECK_EQ(dec(&t, TT_LINKTYPE_IPV4, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_TOTAL_LEN_INVALID));

    tt_buf s = {0};
    ipv4_seg(&s);
    CHECK_EQ(tt_decode_frame(s.b, 12, (uint32_t)s.n, TT_LINKTYPE_IPV4, &p, NULL), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_TRUNCATED));
}

static void test_ipv4_zero_total_length_is_tso(void)
{
    /* Wireshark's default "TSO support": total length 0 means what the wire carried. */
    tt_buf b = {0};
    ipv4_seg(&b);
    b.b[2] = b.b[3] = 0;
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_IPV4, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_ip_length_beyond_the_wire_is_cut_to_it(void)
{
    /* IPv4 claims 100 more bytes than the frame had on the wire (not a snaplen cut):
     * tcp.len comes from what the wire carried ("IPv4 total length exceeds packet
     * length"), and the header is recorded as lying. */
    tt_buf b = {0};
    b_ipv4(&b, 6, TT_SEG_LEN + 100, 1, 0, 1, 2);
    b_seg(&b);
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_TOTAL_LEN_INVALID));

    tt_buf c = {0};
    b_ipv6(&c, 6, TT_SEG_LEN + 100, 1, 2);
    b_seg(&c);
    CHECK_EQ(dec(&c, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    check_seg(&p);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IPV6_PAYLOAD_LEN_INVALID));
}

static void test_ethernet_trailer_is_not_payload(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x0800);
    ipv4_seg(&b);
    b_zero(&b, 6); /* padding to the 60-byte minimum frame */
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    check_seg(&p);
}

static void test_fragment_reported_when_no_reassembly(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 6, TT_SEG_LEN, 7, 0x2000, 1, 2); /* more fragments */
    b_seg(&b);
    tt_packet p;
    tt_fragment fr;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_FRAGMENT));
    CHECK_EQ(tt_decode_frame(b.b, (uint32_t)b.n, (uint32_t)b.n, TT_LINKTYPE_RAW, &p, &fr),
             TT_DECODE_FRAGMENT);
    CHECK_EQ(fr.id, 7);
    CHECK_EQ(fr.offset, 0);
    CHECK_EQ(fr.len, TT_SEG_LEN);
    CHECK_EQ(fr.more, 1);
}

/* ------------------------------------------------------------ TCP options */

static tt_decode_status dec_opts(const uint8_t *opts, size_t n, tt_packet *p)
{
    tt_buf b = {0};
    b_ipv4(&b, 6, (uint16_t)(20 + n), 1, 0, 1, 2);
    b_tcp_opts(&b, 1234, 80, 1, 0, TT_TCP_SYN, opts, n);
    return dec(&b, TT_LINKTYPE_RAW, p);
}

static void test_option_mss_ws_sackperm(void)
{
    /* RFC 9293 3.2 MSS, RFC 7323 2.2 window scale, RFC 2018 SACK permitted. */
    uint8_t o[] = {2, 4, 0x05, 0xB4, 1, 3, 3, 14, 4, 2, 0, 0};
    tt_packet p;
    CHECK_EQ(dec_opts(o, sizeof o, &p), TT_DECODE_TCP);
    CHECK_EQ(p.opts.mss, 1460);
    CHECK_EQ(p.opts.ws_shift, 14);
    CHECK(p.opts.present & TT_OPT_MSS);
    CHECK(p.opts.present & TT_OPT_WSCALE);
    CHECK(p.opts.present & TT_OPT_SACK_PERM);
    CHECK(p.opts.present & TT_OPT_NOP);
    CHECK(p.opts.present & TT_OPT_EOL);
    CHECK_EQ(p.anomalies, 0);
}

static void test_option_sack_one_to_four_blocks(void)
{
    /* RFC 2018 3: 8 bytes per block; four blocks fill 34 of 40 option bytes. */
    for (int n = 1; n <= 4; n++) {
        uint8_t o[40] = {1, 1, 5, (uint8_t)(2 + 8 * n)};
        for (int i = 0; i < n; i++) {
            o[4 + 8 * i + 3] = (uint8_t)(10 * i + 1);
            o[4 + 8 * i + 7] = (uint8_t)(10 * i + 2);
        }
        size_t len = (4 + 8 * (size_t)n + 3) & ~(size_t)3;
        tt_packet p;
        CHECK_EQ(dec_opts(o, len, &p), TT_DECODE_TCP);
        CHECK(p.opts.present & TT_OPT_SACK);
        CHECK_EQ(p.opts.sack_count, n);
        CHECK_EQ(p.opts.sack_le[n - 1], 10 * (n - 1) + 1);
        CHECK_EQ(p.opts.sack_re[n - 1], 10 * (n - 1) + 2);
    }
}

static void test_option_timestamps(void)
{
    uint8_t o[] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}; /* RFC 7323 3 */
    tt_packet p;
    CHECK_EQ(dec_opts(o, sizeof o, &p), TT_DECODE_TCP);
    CHECK(p.opts.present & TT_OPT_TIMESTAMP);
    CHECK_EQ(p.opts.tsval, 7);
    CHECK_EQ(p.opts.tsecr, 9);
}

static void test_option_tfo_request_and_cookie(void)
{
    uint8_t req[] = {34, 2, 1, 1}; /* RFC 7413 4.1.1: an empty cookie asks for one */
    tt_packet p;
    CHECK_EQ(dec_opts(req, sizeof req, &p), TT_DECODE_TCP);
    CHECK(p.opts.present & TT_OPT_TFO);
    CHECK_EQ(p.opts.tfo_cookie_len, 0);
    uint8_t ck[] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};
    CHECK_EQ(dec_opts(ck, sizeof ck, &p), TT_DECODE_TCP);
    CHECK_EQ(p.opts.tfo_cookie_len, 8);
    CHECK_EQ(p.opts.tfo_cookie[7], 8);
}

static void test_option_mptcp_md5_and_unknown_kind(void)
{
    uint8_t o[28] = {30, 4, 0, 0,          /* MPTCP (RFC 8684), recorded as present */
                     19, 18};              /* TCP MD5 signature (RFC 2385) */
    o[22] = 253; /* RFC 4727 experimental kind, kept by number */
    o[23] = 4;
    tt_packet p;
    CHECK_EQ(dec_opts(o, sizeof o, &p), TT_DECODE_TCP);
    CHECK(p.opts.present & TT_OPT_MPTCP);
    CHECK(p.opts.present & TT_OPT_MD5);
    CHECK(p.opts.present & TT_OPT_UNKNOWN);
    CHECK_EQ(p.opts.n_kinds, 4); /* the zero padding after them reads as EOL */
    CHECK_EQ(p.opts.kinds[2], 253);
    CHECK_EQ(p.opts.lens[2], 4);
    CHECK_EQ(p.opts.kinds[3], TT_TCPOPT_EOL);
}

static void test_option_mptcp_subtypes_recorded(void)
{
    /* RFC 8684 3: the subtype is the high nibble of the third byte. MP_CAPABLE (0),
     * DSS (2) and ADD_ADDR (3) set bits 0, 2 and 3; a 2-byte MPTCP option has no
     * subtype, and subtype 8 and above are not recorded. */
    uint8_t o[20] = {30, 4, 0x00, 0x81, 30, 4, 0x20, 0, 30, 3, 0x31, 30, 3, 0x80, 30, 2};
    tt_packet p;
    CHECK_EQ(dec_opts(o, sizeof o, &p), TT_DECODE_TCP);
    CHECK(p.opts.present & TT_OPT_MPTCP);
    CHECK_EQ(p.opts.mptcp_subtypes, (1u << 0) | (1u << 2) | (1u << 3));
    uint8_t none[] = {2, 4, 0x05, 0xB4};
    CHECK_EQ(dec_opts(none, sizeof none, &p), TT_DECODE_TCP);
    CHECK_EQ(p.opts.mptcp_subtypes, 0);
}

/* What the ICMP and UDP readers are handed: the innermost IP layer's payload. */
static void test_ip_payload_of_udp_and_icmp(void)
{
    tt_buf b = {0};
    b_eth(&b, 0x0800);
    b_ipv4(&b, 17, 8 + 3, 1, 0, 1, 2);
    b_u16(&b, 5000);
    b_u16(&b, 6000);
    b_u16(&b, 11);
    b_u16(&b, 0);
    b_bytes(&b, "abc", 3);
    b_zero(&b, 20); /* Ethernet padding: not part of the IP payload */
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_NOT_TCP);
    CHECK(p.ip_payload == b.b + 14 + 20);
    CHECK_EQ(p.ip_payload_caplen, 11);
    /* Inside a tunnel the innermost layer's payload counts: ICMP in IPv4 in IPv4. */
    tt_buf t = {0};
    b_ipv4(&t, 4, 20 + 8, 1, 0, 100, 200);
    b_ipv4(&t, 1, 8, 2, 0, 1, 2);
    uint8_t icmp[8] = {3, 3};
    b_bytes(&t, icmp, sizeof icmp);
    CHECK_EQ(dec(&t, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK_EQ(p.n_ip, 2);
    CHECK(p.ip_payload == t.b + 40);
    CHECK_EQ(p.ip_payload_caplen, 8);
    /* The inner header cut short: the outer layer is the innermost one decoded. */
    CHECK_EQ(tt_decode_frame(t.b, 30, 48, TT_LINKTYPE_RAW, &p, NULL), TT_DECODE_NOT_TCP);
    CHECK_EQ(p.n_ip, 1);
    CHECK(p.ip_payload == t.b + 20);
    CHECK_EQ(p.ip_payload_caplen, 10);
    /* An inner total length below its header length: that payload is not reached. */
    t.b[20 + 3] = 8;
    CHECK_EQ(dec(&t, TT_LINKTYPE_RAW, &p), TT_DECODE_NOT_TCP);
    CHECK_EQ(p.n_ip, 2);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_IP_TOTAL_LEN_INVALID));
    CHECK(p.ip_payload == NULL);
}

/* RFC 792: a port unreachable quoting an IPv4 header and 20 TCP bytes; icmperr.c decodes
 * the quote from the ip_payload the decoder handed over, not by searching the frame. */
static void test_icmp_error_quote_read_from_ip_payload(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 1, 8 + 20 + 20, 1, 0, 9, 1); /* router 10.0.0.9 -> client 10.0.0.1 */
    uint8_t icmp[8] = {3, 3};
    b_bytes(&b, icmp, sizeof icmp);
    b_ipv4(&b, 6, 20, 5, 0, 1, 2); /* the quoted 10.0.0.1 -> 10.0.0.2 datagram */
    b_tcp_opts(&b, 1234, 80, 1000, 0, TT_TCP_SYN, NULL, 0);
    tt_packet outer, inner;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &outer), TT_DECODE_NOT_TCP);
    CHECK(outer.ip_payload == b.b + 20);
    CHECK(tt_icmperr_inner_tcp(&outer, &inner));
    CHECK_EQ(inner.sport, 1234);
    CHECK_EQ(inner.dport, 80);
    CHECK_EQ(inner.seq_raw, 1000);
    /* An echo reply (type 0) quotes nothing; a quote cut to 8 TCP bytes has no header. */
    b.b[20] = 0;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &outer), TT_DECODE_NOT_TCP);
    CHECK(!tt_icmperr_inner_tcp(&outer, &inner));
    b.b[20] = 3;
    CHECK_EQ(tt_decode_frame(b.b, 20 + 8 + 20 + 8, (uint32_t)b.n, TT_LINKTYPE_RAW, &outer, NULL),
             TT_DECODE_NOT_TCP);
    CHECK(!tt_icmperr_inner_tcp(&outer, &inner));
}

/* A fragment held for reassembly hands no transport bytes to the readers. */
static void test_ip_payload_not_set_for_a_fragment(void)
{
    tt_buf b = {0};
    b_ipv4(&b, 17, 16, 7, 0x2000 | 2, 1, 2); /* offset 16, more fragments */
    b_zero(&b, 16);
    tt_packet p;
    tt_fragment fr;
    CHECK_EQ(tt_decode_frame(b.b, (uint32_t)b.n, (uint32_t)b.n, TT_LINKTYPE_RAW, &p, &fr), TT_DECODE_FRAGMENT);
    CHECK(p.ip_payload == NULL);
}

static void test_option_eol_ends_the_list(void)
{
    uint8_t o[] = {0, 2, 4, 5, 0xB4}; /* an MSS after EOL is padding, not an option */
    uint8_t padded[8] = {0};
    memcpy(padded, o, sizeof o);
    tt_packet p;
    CHECK_EQ(dec_opts(padded, sizeof padded, &p), TT_DECODE_TCP);
    CHECK(!(p.opts.present & TT_OPT_MSS));
    CHECK_EQ(p.opts.n_kinds, 1);
}

static void test_option_length_invalid_and_duplicate(void)
{
    uint8_t bad[] = {2, 1, 0, 0}; /* length 1 cannot hold kind and length */
    tt_packet p;
    CHECK_EQ(dec_opts(bad, sizeof bad, &p), TT_DECODE_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID));
    uint8_t past[] = {1, 1, 8, 10}; /* timestamps running past the header */
    CHECK_EQ(dec_opts(past, sizeof past, &p), TT_DECODE_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID));
    uint8_t dup[] = {2, 4, 5, 0xB4, 2, 4, 5, 0xB4};
    CHECK_EQ(dec_opts(dup, sizeof dup, &p), TT_DECODE_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_OPT_DUPLICATE));
}

/* ------------------------------------------------------------ TCP anomalies */

static void test_tcp_options_cut_by_snaplen(void)
{
    uint8_t o[] = {2, 4, 5, 0xB4, 1, 1, 4, 2};
    tt_buf b = {0};
    b_ipv4(&b, 6, 28, 1, 0, 1, 2);
    b_tcp_opts(&b, 1234, 80, 1, 0, TT_TCP_SYN, o, sizeof o);
    tt_packet p;
    CHECK_EQ(tt_decode_frame(b.b, 20 + 24, (uint32_t)b.n, TT_LINKTYPE_RAW, &p, NULL), TT_DECODE_TCP);
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_FIXED);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_OPT_TRUNCATED));
    CHECK(p.opts.present & TT_OPT_MSS); /* what was captured of the options is read */
}

static void test_tcp_payload_cut_by_snaplen(void)
{
    tt_buf b = {0};
    ipv4_seg(&b);
    tt_packet p;
    CHECK_EQ(tt_decode_frame(b.b, 20 + 22, (uint32_t)b.n, TT_LINKTYPE_RAW, &p, NULL), TT_DECODE_TCP);
    CHECK_EQ(p.payload_len, 4);
    CHECK_EQ(p.payload_caplen, 2);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_PAYLOAD_TRUNCATED));
}

static void test_tcp_shorter_than_fixed_header_shows_ports_only(void)
{
    /* The IP layer leaves 15 bytes for TCP: Wireshark shows the ports, no tcp.seq. */
    tt_buf b = {0};
    b_ipv4(&b, 6, 15, 1, 0, 1, 2);
    b_seg(&b);
    tt_packet p;
    CHECK_EQ(tt_decode_frame(b.b, 35, 35, TT_LINKTYPE_RAW, &p, NULL), TT_DECODE_TCP);
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_PORTS);
    CHECK_EQ(p.sport, 1234);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID));
}

static void test_tcp_data_offset_past_segment_is_invalid(void)
{
    tt_buf b = {0};
    ipv4_seg(&b);
    b.b[20 + 12] = 0xF0 | (b.b[20 + 12] & 0x0F); /* 60-byte header in a 24-byte segment */
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_RAW, &p), TT_DECODE_TCP);
    CHECK(p.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID));
    CHECK_EQ(p.tcp_have, TT_TCP_HAVE_FIXED);
}

static void test_anomaly_names_are_stable(void)
{
    CHECK(strcmp(tt_anomaly_name(TT_ANOM_TCP_HDR_LEN_INVALID), "tcp.hdr_len.invalid") == 0);
    CHECK(strcmp(tt_anomaly_name(TT_ANOM_IP_OPT_LEN_INVALID), "ip.opt.len.invalid") == 0);
    CHECK(tt_anomaly_name(TT_ANOM_COUNT) == NULL);
    CHECK(tt_anomaly_name(-1) == NULL);
    for (int i = 0; i < TT_ANOM_COUNT; i++)
        CHECK(tt_anomaly_name(i) != NULL);
}

static void test_every_prefix_of_a_frame_decodes_safely(void)
{
    /* Each cut of a tunnelled frame decodes without reading past the cut (ASan). */
    tt_buf b = {0};
    b_eth(&b, 0x8100);
    b_u16(&b, 5);
    b_u16(&b, 0x0800);
    b_ipv4(&b, 47, 4 + 40 + 32, 1, 0, 100, 200);
    b_u16(&b, 0);
    b_u16(&b, 0x86DD);
    b_ipv6(&b, 6, 32, 1, 2);
    uint8_t o[] = {2, 4, 5, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2};
    b_tcp_opts(&b, 1, 2, 3, 4, TT_TCP_SYN, o, sizeof o);
    for (size_t cut = 0; cut <= b.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.b, cut);
        tt_packet p;
        tt_decode_frame(copy, (uint32_t)cut, (uint32_t)b.n, TT_LINKTYPE_ETHERNET, &p, NULL);
        free(copy);
    }
    tt_packet p;
    CHECK_EQ(dec(&b, TT_LINKTYPE_ETHERNET, &p), TT_DECODE_TCP);
    CHECK_EQ(p.opts.mss, 1460);
}

static uint32_t lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u; /* Numerical Recipes LCG: reproducible */
    return *state >> 8;
}

static void test_mutated_frames_never_read_out_of_bounds(void)
{
    /* A deterministic fuzz: flip bytes of tunnelled frames and decode them with every
     * link type; under ASan/UBSan and valgrind any stray read fails the run. */
    tt_buf base = {0};
    b_eth(&base, 0x8100);
    b_u16(&base, 5);
    b_u16(&base, 0x0800);
    b_ipv4(&base, 47, 4 + 40 + 44, 1, 0, 100, 200);
    b_u16(&base, 0);
    b_u16(&base, 0x86DD);
    b_ipv6(&base, 0, 8 + 44, 1, 2);
    b_u8(&base, 6); b_u8(&base, 0); b_zero(&base, 6);
    uint8_t o[] = {2, 4, 5, 0xB4, 1, 3, 3, 7, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 4, 2, 0, 0};
    b_tcp_opts(&base, 1, 2, 3, 4, TT_TCP_SYN, o, sizeof o);
    int lts[] = {TT_LINKTYPE_ETHERNET, TT_LINKTYPE_NULL, TT_LINKTYPE_LOOP, TT_LINKTYPE_RAW,
                 TT_LINKTYPE_IPV4, TT_LINKTYPE_IPV6, TT_LINKTYPE_LINUX_SLL, TT_LINKTYPE_LINUX_SLL2,
                 TT_LINKTYPE_C_HDLC, TT_LINKTYPE_PPP, TT_LINKTYPE_PPP_ETHER};
    uint32_t st = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = base.n;
        uint8_t *f = malloc(n);
        memcpy(f, base.b, n);
        int flips = 1 + (int)(lcg(&st) % 6);
        for (int k = 0; k < flips; k++)
            f[lcg(&st) % n] = (uint8_t)lcg(&st);
        uint32_t cap = (uint32_t)(lcg(&st) % (n + 1));
        tt_packet p;
        tt_fragment fr;
        tt_decode_frame(f, cap, (uint32_t)n + (lcg(&st) % 3) * 100,
                        lts[lcg(&st) % (sizeof lts / sizeof lts[0])], &p, &fr);
        free(f);
    }
    CHECK(1);
}

TT_TESTS(tt_decode_tests) = {
    {"decode/ethernet_ipv4_tcp_syn_options", test_ethernet_ipv4_tcp_syn_options},
    {"decode/tcp_truncated_by_snaplen_keeps_ports", test_tcp_truncated_by_snaplen_keeps_ports},
    {"decode/tcp_data_offset_below_five_is_invalid", test_tcp_data_offset_below_five_is_invalid},
    {"decode/vlan_8021q_tag", test_vlan_8021q_tag},
    {"decode/stacked_8021ad_then_8021q", test_stacked_8021ad_then_8021q},
    {"decode/ieee8023_llc_snap_ipv4", test_ieee8023_llc_snap_ipv4},
    {"decode/linux_sll", test_linux_sll},
    {"decode/linux_sll2", test_linux_sll2},
    {"decode/null_little_endian_host", test_null_little_endian_host},
    {"decode/null_big_endian_host", test_null_big_endian_host},
    {"decode/null_ipv6_address_families", test_null_ipv6_address_families},
    {"decode/loop_network_order", test_loop_network_order},
    {"decode/raw_ip_link_types", test_raw_ip_link_types},
    {"decode/cisco_hdlc", test_cisco_hdlc},
    {"decode/ppp_hdlc_framing_and_compressed_protocol", test_ppp_hdlc_framing_and_compressed_protocol},
    {"decode/pppoe_in_ethernet_and_ppp_ether", test_pppoe_in_ethernet_and_ppp_ether},
    {"decode/pppoe_length_ends_the_ip_payload", test_pppoe_length_ends_the_ip_payload},
    {"decode/pppoe_bad_version_is_tunnel_invalid", test_pppoe_bad_version_is_tunnel_invalid},
    {"decode/unsupported_link_type", test_unsupported_link_type},
    {"decode/short_ethernet_is_link_truncated", test_short_ethernet_is_link_truncated},
    {"decode/mpls_label_stack", test_mpls_label_stack},
    {"decode/mpls_pseudowire_control_word_ethernet", test_mpls_pseudowire_control_word_ethernet},
    {"decode/gre_ipv4_in_ipv4_with_key_and_sequence", test_gre_ipv4_in_ipv4_with_key_and_sequence},
    {"decode/erspan_type2_and_type3", test_erspan_type2_and_type3},
    {"decode/ip_in_ip_and_6in4", test_ip_in_ip_and_6in4},
    {"decode/vxlan", test_vxlan},
    {"decode/gre_cut_short_is_tunnel_truncated", test_gre_cut_short_is_tunnel_truncated},
    {"decode/tunnels_nested_too_deep", test_tunnels_nested_too_deep},
    {"decode/ipv6_extension_headers", test_ipv6_extension_headers},
    {"decode/ipv6_extension_header_cut_and_lying", test_ipv6_extension_header_cut_and_lying},
    {"decode/ipv4_options_are_skipped", test_ipv4_options_are_skipped},
    {"decode/ipv4_option_too_short_for_its_kind", test_ipv4_option_too_short_for_its_kind},
    {"decode/ipv4_header_anomalies", test_ipv4_header_anomalies},
    {"decode/ipv4_zero_total_length_is_tso", test_ipv4_zero_total_length_is_tso},
    {"decode/ip_length_beyond_the_wire_is_cut_to_it", test_ip_length_beyond_the_wire_is_cut_to_it},
    {"decode/ethernet_trailer_is_not_payload", test_ethernet_trailer_is_not_payload},
    {"decode/fragment_reported_when_no_reassembly", test_fragment_reported_when_no_reassembly},
    {"decode/option_mss_ws_sackperm", test_option_mss_ws_sackperm},
    {"decode/option_sack_one_to_four_blocks", test_option_sack_one_to_four_blocks},
    {"decode/option_timestamps", test_option_timestamps},
    {"decode/option_tfo_request_and_cookie", test_option_tfo_request_and_cookie},
    {"decode/option_mptcp_md5_and_unknown_kind", test_option_mptcp_md5_and_unknown_kind},
    {"decode/option_mptcp_subtypes_recorded", test_option_mptcp_subtypes_recorded},
    {"decode/ip_payload_of_udp_and_icmp", test_ip_payload_of_udp_and_icmp},
    {"decode/ip_payload_not_set_for_a_fragment", test_ip_payload_not_set_for_a_fragment},
    {"decode/icmp_error_quote_read_from_ip_payload", test_icmp_error_quote_read_from_ip_payload},
    {"decode/option_eol_ends_the_list", test_option_eol_ends_the_list},
    {"decode/option_length_invalid_and_duplicate", test_option_length_invalid_and_duplicate},
    {"decode/tcp_options_cut_by_snaplen", test_tcp_options_cut_by_snaplen},
    {"decode/tcp_payload_cut_by_snaplen", test_tcp_payload_cut_by_snaplen},
    {"decode/tcp_shorter_than_fixed_header_shows_ports_only", test_tcp_shorter_than_fixed_header_shows_ports_only},
    {"decode/tcp_data_offset_past_segment_is_invalid", test_tcp_data_offset_past_segment_is_invalid},
    {"decode/anomaly_names_are_stable", test_anomaly_names_are_stable},
    {"decode/every_prefix_of_a_frame_decodes_safely", test_every_prefix_of_a_frame_decodes_safely},
    {"decode/mutated_frames_never_read_out_of_bounds", test_mutated_frames_never_read_out_of_bounds},
    {NULL, NULL},
};
