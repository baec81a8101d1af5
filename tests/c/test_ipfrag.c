/* IP fragment reassembly through the engine, as Wireshark does it by default: the
 * TCP segment belongs to the frame that completes the datagram (RFC 791 3.2,
 * RFC 8200 4.5). */
#include <string.h>

#include "../../csrc/engine.h"
#include "tt_build.h"
#include "tt_test.h"

/* A TCP segment of 20 + 28 bytes (payload "abcdefghijklmnopqrstuvwxyz01"). */
static void tcp_bytes(tt_buf *b)
{
    b_tcp_opts(b, 1234, 80, 1000, 2000, 0x018, NULL, 0);
    b_bytes(b, "abcdefghijklmnopqrstuvwxyz01", 28);
}

/* An IPv4 fragment frame (raw IP link type) of the segment: bytes [off, off+len). */
static void v4_frag(tt_buf *out, uint16_t id, uint32_t off, uint32_t len, int more)
{
    tt_buf seg = {0};
    tcp_bytes(&seg);
    b_ipv4(out, 6, (uint16_t)len, id, (uint16_t)((more ? 0x2000 : 0) | off / 8), 1, 2);
    b_bytes(out, seg.b + off, len);
}

static int feed(tt_engine *e, const tt_buf *b, uint64_t number, tt_segment *seg)
{
    tt_frame f = {.data = b->b, .caplen = (uint32_t)b->n, .wirelen = (uint32_t)b->n,
                  .linktype = 101, .number = number};
    return tt_engine_feed(e, &f, seg);
}

static void check_whole(const tt_segment *s)
{
    CHECK_EQ(s->pkt.sport, 1234);
    CHECK_EQ(s->pkt.seq_raw, 1000);
    CHECK_EQ(s->pkt.payload_len, 28);
    CHECK_EQ(s->pkt.payload_caplen, 28);
    CHECK(memcmp(s->pkt.payload, "abcdefghijklmnopqrstuvwxyz01", 28) == 0);
    CHECK(s->pkt.ip[0].reassembled);
}

static void test_in_order_segment_belongs_to_last_fragment(void)
{
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf a = {0}, b = {0};
    v4_frag(&a, 9, 0, 24, 1);
    v4_frag(&b, 9, 24, 24, 0);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 1);
    CHECK_EQ(s.pkt.frame, 2);
    check_whole(&s);
    tt_engine_finish(e);
    const tt_counters *c = tt_engine_counters(e);
    CHECK_EQ(c->ip_fragments, 2);
    CHECK_EQ(c->ip_reassembled, 1);
    CHECK_EQ(c->ip_frag_dropped, 0);
    CHECK_EQ(c->tcp_segments, 1);
    tt_engine_free(e);
}

static void test_out_of_order_fragments(void)
{
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf a = {0}, b = {0}, c = {0};
    v4_frag(&a, 9, 32, 16, 0);
    v4_frag(&b, 9, 0, 16, 1);
    v4_frag(&c, 9, 16, 16, 1);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 0);
    CHECK_EQ(feed(e, &c, 3, &s), 1);
    CHECK_EQ(s.pkt.frame, 3);
    check_whole(&s);
    tt_engine_free(e);
}

static void test_overlap_first_copy_wins(void)
{
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf a = {0}, b = {0}, c = {0};
    v4_frag(&a, 9, 0, 32, 1);
    v4_frag(&b, 9, 24, 16, 1); /* overlaps bytes 24..31 of the first */
    b.b[20 + 4] ^= 0xFF;        /* with different data there */
    v4_frag(&c, 9, 40, 8, 0);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 0);
    CHECK_EQ(feed(e, &c, 3, &s), 1);
    check_whole(&s); /* the first copy of bytes 24..31 was kept */
    CHECK_EQ(tt_engine_counters(e)->anomalies[TT_ANOM_IP_FRAG_OVERLAP], 1);
    tt_engine_free(e);
}

static void test_never_completed_is_counted_at_finish(void)
{
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf a = {0}, b = {0};
    v4_frag(&a, 9, 0, 16, 1);
    v4_frag(&b, 9, 32, 16, 0); /* bytes 16..31 never come */
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 0);
    tt_engine_finish(e);
    const tt_counters *c = tt_engine_counters(e);
    CHECK_EQ(c->ip_frag_dropped, 2);
    CHECK_EQ(c->anomalies[TT_ANOM_IP_FRAG_INCOMPLETE], 2);
    CHECK_EQ(c->tcp_segments, 0);
    tt_engine_free(e);
}

static void test_memory_cap_drops_oldest_datagram(void)
{
    /* A cap of 3000 bytes holds one 2 KiB reassembly buffer, not two: the second
     * datagram evicts the first, whose last fragment then starts a new one. */
    tt_engine_config cfg = {.ipfrag_mem_cap_bytes = 3000};
    tt_engine *e = tt_engine_new(&cfg, NULL);
    tt_buf a = {0}, b = {0}, a2 = {0}, b2 = {0};
    v4_frag(&a, 1, 0, 24, 1);
    v4_frag(&b, 2, 0, 24, 1);
    v4_frag(&a2, 1, 24, 24, 0);
    v4_frag(&b2, 2, 24, 24, 0);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 0);
    CHECK_EQ(feed(e, &a2, 3, &s), 0); /* datagram 1 was dropped */
    CHECK_EQ(feed(e, &b2, 4, &s), 0); /* and datagram 1's tail evicted datagram 2 */
    tt_engine_finish(e);
    CHECK(tt_engine_counters(e)->ip_frag_dropped >= 2);
    tt_engine_free(e);

    /* A fragment whose datagram could never fit the cap is dropped, not held. */
    tt_engine_config tiny = {.ipfrag_mem_cap_bytes = 100};
    e = tt_engine_new(&tiny, NULL);
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    tt_engine_finish(e);
    CHECK_EQ(tt_engine_counters(e)->ip_frag_dropped, 1);
    tt_engine_free(e);
}

static void test_ipv6_fragment_header(void)
{
    tt_buf seg = {0};
    tcp_bytes(&seg);
    tt_buf a = {0}, b = {0};
    b_ipv6(&a, 44, 8 + 24, 1, 2); /* RFC 8200 4.5: fragment header, offset 0, M */
    b_u8(&a, 6); b_u8(&a, 0); b_u16(&a, 0x0001); b_u32(&a, 77);
    b_bytes(&a, seg.b, 24);
    b_ipv6(&b, 44, 8 + 24, 1, 2);
    b_u8(&b, 6); b_u8(&b, 0); b_u16(&b, 24); b_u32(&b, 77);
    b_bytes(&b, seg.b + 24, 24);
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 1);
    check_whole(&s);
    CHECK_EQ(s.pkt.ip[0].version, 6);
    tt_engine_free(e);
}

static void test_fragmented_gre_tunnel_carries_tcp(void)
{
    /* The outer IPv4 datagram (GRE, RFC 2784) is fragmented; the TCP inside belongs
     * to the frame completing the outer datagram. */
    tt_buf inner = {0};
    b_u16(&inner, 0);
    b_u16(&inner, 0x0800);
    b_ipv4(&inner, 6, 48, 5, 0, 3, 4);
    tcp_bytes(&inner);
    tt_buf a = {0}, b = {0};
    b_ipv4(&a, 47, 40, 9, 0x2000, 1, 2);
    b_bytes(&a, inner.b, 40);
    b_ipv4(&b, 47, (uint16_t)(inner.n - 40), 9, 40 / 8, 1, 2);
    b_bytes(&b, inner.b + 40, inner.n - 40);
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_segment s;
    CHECK_EQ(feed(e, &a, 1, &s), 0);
    CHECK_EQ(feed(e, &b, 2, &s), 1);
    CHECK_EQ(s.pkt.n_ip, 2);
    CHECK_EQ(s.pkt.ip[1].src[3], 3);
    CHECK_EQ(s.pkt.payload_len, 28);
    tt_engine_free(e);
}

static void test_fragment_cut_by_snaplen_is_not_reassembled(void)
{
    /* Wireshark reassembles only fragments captured whole. A cut first fragment has its
     * payload dissected as it is (a TCP segment with truncated data); the rest of the
     * datagram then never completes. */
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf a = {0}, b = {0};
    v4_frag(&a, 9, 0, 24, 1);
    v4_frag(&b, 9, 24, 24, 0);
    tt_segment s;
    tt_frame f = {.data = a.b, .caplen = 20 + 22, .wirelen = (uint32_t)a.n, .linktype = 101,
                  .number = 1};
    CHECK_EQ(tt_engine_feed(e, &f, &s), 1);
    CHECK_EQ(s.pkt.seq_raw, 1000);
    CHECK_EQ(s.pkt.payload_len, 4);
    CHECK_EQ(s.pkt.payload_caplen, 2);
    CHECK_EQ(feed(e, &b, 2, &s), 0);
    tt_engine_finish(e);
    CHECK_EQ(tt_engine_counters(e)->ip_reassembled, 0);
    tt_engine_free(e);
}

TT_TESTS(tt_ipfrag_tests) = {
    {"ipfrag/in_order_segment_belongs_to_last_fragment", test_in_order_segment_belongs_to_last_fragment},
    {"ipfrag/out_of_order_fragments", test_out_of_order_fragments},
    {"ipfrag/overlap_first_copy_wins", test_overlap_first_copy_wins},
    {"ipfrag/never_completed_is_counted_at_finish", test_never_completed_is_counted_at_finish},
    {"ipfrag/memory_cap_drops_oldest_datagram", test_memory_cap_drops_oldest_datagram},
    {"ipfrag/ipv6_fragment_header", test_ipv6_fragment_header},
    {"ipfrag/fragmented_gre_tunnel_carries_tcp", test_fragmented_gre_tunnel_carries_tcp},
    {"ipfrag/fragment_cut_by_snaplen_is_not_reassembled", test_fragment_cut_by_snaplen_is_not_reassembled},
    {NULL, NULL},
};
