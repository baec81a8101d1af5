/* IP fragment reassembly through the engine, as Wireshark does it by default: the
 * TCP segment belongs to the frame that completes the datagram (RFC 791 3.2,
 * RFC 8200 4.5). */
#include <string.h>

#include "../../csrc/engine.h"
#include "../../csrc/ipfrag.h"
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

static void test_last_fragment_first_then_eight_byte_pieces(void)
{
    /* The hostile order at its smallest: the last fragment, then the rest in 8-byte
     * fragments from offset 0. The segment belongs to the frame that completes it. */
    tt_engine *e = tt_engine_new(NULL, NULL);
    tt_buf b[6];
    memset(b, 0, sizeof b);
    v4_frag(&b[0], 9, 40, 8, 0);
    for (uint32_t i = 0; i < 5; i++)
        v4_frag(&b[i + 1], 9, 8 * i, 8, 1);
    tt_segment s;
    for (int i = 0; i < 5; i++)
        CHECK_EQ(feed(e, &b[i], (uint64_t)i + 1, &s), 0);
    CHECK_EQ(feed(e, &b[5], 6, &s), 1);
    CHECK_EQ(s.pkt.frame, 6);
    check_whole(&s);
    tt_engine_free(e);
}

/* ---- the fragment store directly: look-up by key and the work per fragment ---- */

static tt_packet pkt_v4(uint8_t src_last)
{
    tt_packet p;
    memset(&p, 0, sizeof p);
    p.n_ip = 1;
    p.ip[0].version = 4;
    p.ip[0].src[0] = 10;
    p.ip[0].src[3] = src_last;
    p.ip[0].dst[0] = 10;
    p.ip[0].dst[3] = 2;
    return p;
}

static uint8_t frag_bytes[8 * 8192];

static int add(tt_ipfrag *f, const tt_packet *p, uint32_t id, uint32_t off, uint32_t len,
               int more, const uint8_t **data, uint32_t *reported)
{
    tt_fragment fr = {.version = 4, .proto = 6, .id = id, .offset = off, .len = len,
                      .caplen = len, .data = frag_bytes + off, .more = more};
    uint32_t caplen = 0;
    return tt_ipfrag_add(f, p, &fr, 1, data, &caplen, reported, NULL);
}

static void test_datagrams_told_apart_by_key(void)
{
    /* RFC 791 3.2: the same identification from another source is another datagram. */
    for (uint32_t i = 0; i < sizeof frag_bytes; i++)
        frag_bytes[i] = (uint8_t)(i * 7 + 1);
    tt_ipfrag *f = tt_ipfrag_new(1u << 20);
    tt_packet a = pkt_v4(1), b = pkt_v4(3);
    const uint8_t *data = NULL;
    uint32_t reported = 0;
    CHECK_EQ(add(f, &a, 5, 0, 16, 1, &data, &reported), 0);
    CHECK_EQ(add(f, &b, 5, 16, 8, 0, &data, &reported), 0);
    CHECK_EQ(add(f, &a, 6, 0, 8, 1, &data, &reported), 0); /* another id, same source */
    CHECK_EQ(add(f, &b, 5, 0, 16, 1, &data, &reported), 1);
    CHECK_EQ(reported, 24);
    CHECK(memcmp(data, frag_bytes, 24) == 0);
    CHECK_EQ(add(f, &a, 5, 16, 16, 0, &data, &reported), 1);
    CHECK_EQ(reported, 32);
    CHECK(memcmp(data, frag_bytes, 32) == 0);
    CHECK_EQ(tt_ipfrag_flush(f), 1); /* id 6's fragment */
    CHECK_EQ(tt_ipfrag_used(f), 0);
    tt_ipfrag_free(f);
}

/* The last fragment first, then n 8-byte fragments in order (ascending) or from the
 * end (descending): the work the store did besides copying bytes. */
static uint64_t hostile_order_steps(uint32_t n, int descending)
{
    tt_ipfrag *f = tt_ipfrag_new(TT_IPFRAG_MEM_CAP_DEFAULT);
    tt_packet p = pkt_v4(1);
    const uint8_t *data = NULL;
    uint32_t reported = 0;
    CHECK_EQ(add(f, &p, 7, 8 * n, 8, 0, &data, &reported), 0);
    int done = 0;
    for (uint32_t i = 0; i < n; i++)
        done += add(f, &p, 7, 8 * (descending ? n - 1 - i : i), 8, 1, &data, &reported);
    CHECK_EQ(done, 1);
    CHECK_EQ(reported, 8 * (n + 1));
    CHECK(data && memcmp(data, frag_bytes, 8 * (n + 1)) == 0);
    uint64_t steps = tt_ipfrag_steps(f);
    tt_ipfrag_free(f);
    return steps;
}

static void test_hostile_fragment_order_costs_linear_work(void)
{
    /* Rescanning the bitmap from offset 0 after each fragment made the ascending order
     * quadratic: 4x the fragments was 16x the work. The first-hole cursor passes each
     * byte once. */
    for (int desc = 0; desc <= 1; desc++) {
        uint64_t s1 = hostile_order_steps(2047, desc), s4 = hostile_order_steps(8191, desc);
        CHECK(s1 > 0);
        CHECK(s4 <= 5 * s1);
    }
}

/* n first fragments of distinct datagrams (ascending ids: the worst order for an
 * unbalanced tree) that never complete; beyond 4096 pending the oldest is dropped. */
static uint64_t distinct_datagrams_steps(uint32_t n)
{
    tt_ipfrag *f = tt_ipfrag_new(TT_IPFRAG_MEM_CAP_DEFAULT);
    tt_packet p = pkt_v4(1);
    const uint8_t *data = NULL;
    uint32_t reported = 0;
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ(add(f, &p, i, 0, 8, 1, &data, &reported), 0);
    CHECK_EQ(tt_ipfrag_dropped(f), n > 4096 ? n - 4096 : 0); /* evicted, counted */
    uint64_t steps = tt_ipfrag_steps(f);
    CHECK_EQ(tt_ipfrag_flush(f), n < 4096 ? n : 4096);
    tt_ipfrag_free(f);
    return steps;
}

static void test_pending_datagrams_found_in_log_time(void)
{
    /* Walking the list of pending datagrams was up to 4096 steps per fragment. */
    uint64_t s1 = distinct_datagrams_steps(8192), s4 = distinct_datagrams_steps(32768);
    CHECK(s1 > 0);
    CHECK(s4 <= 5 * s1);
    CHECK(s4 / 32768 < 64); /* a tree's depth, not a list's length */
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
    {"ipfrag/last_fragment_first_then_eight_byte_pieces", test_last_fragment_first_then_eight_byte_pieces},
    {"ipfrag/datagrams_told_apart_by_key", test_datagrams_told_apart_by_key},
    {"ipfrag/hostile_fragment_order_costs_linear_work", test_hostile_fragment_order_costs_linear_work},
    {"ipfrag/pending_datagrams_found_in_log_time", test_pending_datagrams_found_in_log_time},
    {NULL, NULL},
};
