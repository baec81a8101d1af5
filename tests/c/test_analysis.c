/* analysis and flow: struct-built segments, one rule per test (the Wireshark field
 * each one implements is in the test name). */
#include <string.h>

#include "../../csrc/analysis.h"
#include "../../csrc/engine.h"
#include "../../csrc/flow.h"
#include "../../csrc/info.h"
#include "tt_test.h"

#define A 0 /* client side */
#define B 1 /* server side */

/* A two-sided conversation driven segment by segment. */
typedef struct convo {
    tt_an_conn c;
    uint64_t frame;
    bool started;
} convo;

static void convo_init(convo *v)
{
    tt_an_conn_init(&v->c);
    v->frame = 0;
    v->started = false;
}

static tt_packet mk(int side, uint32_t seq, uint32_t ack, uint16_t flags, uint32_t len, uint16_t win, int64_t ts_us)
{
    tt_packet p;
    memset(&p, 0, sizeof p);
    p.n_ip = 1;
    p.ip[0].version = 4;
    p.ip[0].hdr_len = 20;
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memcpy(p.ip[0].src, side == A ? a : b, 4);
    memcpy(p.ip[0].dst, side == A ? b : a, 4);
    p.sport = side == A ? 40000 : 80;
    p.dport = side == A ? 80 : 40000;
    p.tcp_have = TT_TCP_HAVE_FULL;
    p.seq_raw = seq;
    p.ack_raw = ack;
    p.flags = flags;
    p.payload_len = len;
    p.hdr_len = 20;
    p.window_raw = win;
    p.ts_ns = ts_us * 1000;
    return p;
}

static tt_analysis feed(convo *v, tt_packet p)
{
    tt_analysis out;
    memset(&out, 0, sizeof out);
    p.frame = ++v->frame;
    tt_conn_origin origin = v->started ? TT_CONN_FOUND : TT_CONN_NEW;
    v->started = true;
    tt_analysis_run(&v->c, p.sport == 40000 ? A : B, origin, TT_SEG_NORMAL, &p, &out);
    return out;
}

static tt_packet with_ws(tt_packet p, uint8_t shift)
{
    p.opts.present |= TT_OPT_WSCALE;
    p.opts.ws_shift = shift;
    p.opts.kinds[p.opts.n_kinds] = TT_TCPOPT_WSCALE;
    p.opts.lens[p.opts.n_kinds++] = 3;
    return p;
}

#define SYN TT_TCP_SYN
#define ACK TT_TCP_ACK
#define FIN TT_TCP_FIN
#define PSH TT_TCP_PSH
#define RST TT_TCP_RST

/* Handshake with window scaling; returns with client ISN 1000, server ISN 5000. */
static void handshake(convo *v, uint32_t isn_a, uint32_t isn_b)
{
    feed(v, with_ws(mk(A, isn_a, 0, SYN, 0, 65535, 1), 5));
    feed(v, with_ws(mk(B, isn_b, isn_a + 1, SYN | ACK, 0, 65535, 100000), 9));
    feed(v, mk(A, isn_a + 1, isn_b + 1, ACK, 0, 4117, 100200));
}

static void test_relative_numbers_and_window_scaling(void) /* tcp.seq, tcp.ack, tcp.nxtseq, tcp.window_size */
{
    convo v;
    convo_init(&v);
    /* A SYN at time 0 would read as "no SYN time" (Wireshark's nstime_is_zero). */
    tt_analysis syn = feed(&v, with_ws(mk(A, 1000, 0, SYN, 0, 65535, 1000000), 5));
    CHECK_EQ(syn.seq, 0);
    CHECK_EQ(syn.nxtseq, 1);
    CHECK(!syn.have_scalefactor);
    CHECK_EQ(syn.window, 65535); /* SYN windows are never scaled */
    tt_analysis sa = feed(&v, with_ws(mk(B, 5000, 1001, SYN | ACK, 0, 65535, 1120085), 9));
    CHECK_EQ(sa.seq, 0);
    CHECK_EQ(sa.ack, 1);
    tt_analysis ack = feed(&v, mk(A, 1001, 5001, ACK, 0, 4117, 1120245));
    CHECK_EQ(ack.seq, 1);
    CHECK_EQ(ack.ack, 1);
    CHECK_EQ(ack.window, 131744); /* 4117 << 5 */
    CHECK_EQ(ack.scalefactor, 32);
    CHECK(ack.have_initial_rtt);
    CHECK_EQ(ack.initial_rtt_ns, 120245000);
    CHECK_EQ(ack.acks_frame, 2);
    CHECK_EQ(ack.ack_rtt_ns, 160000);
    tt_analysis data = feed(&v, mk(A, 1001, 5001, PSH | ACK, 75, 4117, 1120685));
    CHECK_EQ(data.nxtseq, 76);
    CHECK_EQ(data.bytes_in_flight, 75);
    CHECK_EQ(data.push_bytes_sent, 75);
    CHECK_EQ(data.completeness, TT_COMPL_SYN | TT_COMPL_SYNACK | TT_COMPL_ACK);
    tt_an_conn_clear(&v.c);
}

static void test_no_syn_seen_starts_at_one(void) /* relative numbers without a handshake */
{
    convo v;
    convo_init(&v);
    tt_analysis d = feed(&v, mk(A, 777777, 424242, ACK | PSH, 10, 500, 0));
    CHECK_EQ(d.seq, 1);
    CHECK_EQ(d.ack, 1);
    CHECK_EQ(d.nxtseq, 11);
    CHECK_EQ(d.scalefactor, TT_WS_UNKNOWN);
    CHECK_EQ(d.window, 500);
    tt_analysis r = feed(&v, mk(B, 424242, 777787, ACK, 0, 600, 1000));
    CHECK_EQ(r.seq, 1);
    CHECK_EQ(r.ack, 11);
    CHECK_EQ(r.acks_frame, 1);
    CHECK_EQ(r.completeness, 0); /* a conversation that did not start with a SYN */
    tt_an_conn_clear(&v.c);
}

static void test_window_scaling_not_used_when_one_side_lacks_it(void) /* -2 */
{
    convo v;
    convo_init(&v);
    feed(&v, with_ws(mk(A, 1, 0, SYN, 0, 1000, 0), 7));
    feed(&v, mk(B, 9, 2, SYN | ACK, 0, 1000, 10));
    tt_analysis a = feed(&v, mk(A, 2, 10, ACK, 0, 1000, 20));
    CHECK_EQ(a.scalefactor, TT_WS_NOT_USED);
    CHECK_EQ(a.window, 1000);
    tt_an_conn_clear(&v.c);
}

static void test_duplicate_ack_counts_and_frame(void) /* tcp.analysis.duplicate_ack_num/_frame */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200000));            /* 4 */
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, 200100));             /* 5 */
    tt_analysis d1 = feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, 200200));
    tt_analysis d2 = feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, 200300));
    CHECK(d1.flags & TT_AF_DUPLICATE_ACK);
    CHECK_EQ(d1.dup_ack_num, 1);
    CHECK_EQ(d1.dup_ack_frame, 5);
    CHECK_EQ(d2.dup_ack_num, 2);
    CHECK_EQ(d2.dup_ack_frame, 5);
    /* A changed window is a window update, not a duplicate. */
    tt_analysis wu = feed(&v, mk(A, 1001, 5101, ACK, 0, 4100, 200400));
    CHECK(wu.flags & TT_AF_WINDOW_UPDATE);
    CHECK(!(wu.flags & TT_AF_DUPLICATE_ACK));
    tt_an_conn_clear(&v.c);
}

static void test_retransmission_family(void) /* retransmission, fast, spurious, out-of-order, lost */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    int64_t t = 1000000;
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, t));                 /* 4: 1..101 */
    tt_analysis lost = feed(&v, mk(B, 5201, 1001, ACK, 100, 300, t + 10)); /* 5: hole 101..201 */
    CHECK(lost.flags & TT_AF_LOST_SEGMENT);
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 20));             /* 6: ack 101 */
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 30));             /* 7: dup 1 */
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 40));             /* 8: dup 2 */
    tt_analysis fast = feed(&v, mk(B, 5101, 1001, ACK, 100, 300, t + 50));
    CHECK(fast.flags & TT_AF_FAST_RETRANSMISSION);
    CHECK(fast.flags & TT_AF_RETRANSMISSION);
    /* Everything up to 301 acknowledged, then 101..201 comes again: spurious. */
    feed(&v, mk(A, 1001, 5301, ACK, 0, 4000, t + 60));
    tt_analysis sp = feed(&v, mk(B, 5101, 1001, ACK, 100, 300, t + 70));
    CHECK(sp.flags & TT_AF_SPURIOUS_RETRANSMISSION);
    /* Seconds later, an unacknowledged old segment again: plain retransmission. */
    feed(&v, mk(B, 5301, 1001, ACK, 100, 300, t + 80));            /* 301..401 */
    tt_analysis re = feed(&v, mk(B, 5301, 1001, ACK, 100, 300, t + 5000000));
    CHECK(re.flags & TT_AF_RETRANSMISSION);
    CHECK(!(re.flags & (TT_AF_FAST_RETRANSMISSION | TT_AF_OUT_OF_ORDER | TT_AF_SPURIOUS_RETRANSMISSION)));
    tt_an_conn_clear(&v.c);
}

static void test_out_of_order_within_rtt(void) /* tcp.analysis.out_of_order */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000); /* initial RTT 100.2 ms */
    feed(&v, mk(B, 5101, 1001, ACK, 100, 300, 1000000));           /* 101..201 first */
    tt_analysis ooo = feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 1001000)); /* then 1..101 */
    CHECK(ooo.flags & TT_AF_OUT_OF_ORDER);
    tt_an_conn_clear(&v.c);
}

static void test_zero_window_probe_and_ack(void) /* zero_window, zero_window_probe, zero_window_probe_ack */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200000));
    tt_analysis zw = feed(&v, mk(A, 1001, 5101, ACK, 0, 0, 200100));
    CHECK(zw.flags & TT_AF_ZERO_WINDOW);
    tt_analysis zwp = feed(&v, mk(B, 5101, 1001, ACK, 1, 300, 300000));
    CHECK(zwp.flags & TT_AF_ZERO_WINDOW_PROBE);
    tt_analysis zwpa = feed(&v, mk(A, 1001, 5101, ACK, 0, 0, 300100));
    CHECK(zwpa.flags & TT_AF_ZERO_WINDOW_PROBE_ACK);
    CHECK(zwpa.flags & TT_AF_ZERO_WINDOW);
    tt_an_conn_clear(&v.c);
}

static void test_keep_alive_and_ack(void) /* keep_alive, keep_alive_ack */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 10, 300, 200000));
    feed(&v, mk(A, 1001, 5011, ACK, 0, 4000, 200100));
    tt_analysis ka = feed(&v, mk(A, 1000, 5011, ACK, 0, 4000, 9000000));
    CHECK(ka.flags & TT_AF_KEEP_ALIVE);
    CHECK(!(ka.flags & TT_AF_RETRANSMISSION));
    tt_analysis kaa = feed(&v, mk(B, 5011, 1001, ACK, 0, 300, 9000100));
    CHECK(kaa.flags & TT_AF_KEEP_ALIVE_ACK);
    tt_an_conn_clear(&v.c);
}

static void test_window_full(void) /* tcp.analysis.window_full */
{
    convo v;
    convo_init(&v);
    feed(&v, mk(A, 1000, 0, SYN, 0, 1000, 0));
    feed(&v, mk(B, 5000, 1001, SYN | ACK, 0, 1000, 10)); /* no scaling: -2 */
    feed(&v, mk(A, 1001, 5001, ACK, 0, 200, 20));        /* client window 200 */
    tt_analysis a = feed(&v, mk(B, 5001, 1001, ACK, 100, 1000, 30));
    tt_analysis b = feed(&v, mk(B, 5101, 1001, ACK, 100, 1000, 40));
    CHECK(!(a.flags & TT_AF_WINDOW_FULL));
    CHECK(b.flags & TT_AF_WINDOW_FULL); /* 1 + 200 == lastack + window */
    CHECK_EQ(b.bytes_in_flight, 200);
    tt_an_conn_clear(&v.c);
}

static void test_acked_unseen_segment(void) /* tcp.analysis.ack_lost_segment */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200000));
    tt_analysis al = feed(&v, mk(A, 1001, 5301, ACK, 0, 4000, 200100));
    CHECK(al.flags & TT_AF_ACK_LOST_SEGMENT);
    tt_an_conn_clear(&v.c);
}

/* tshark 4.0's rule: a hole in B's data is reported and moves B's bound to its
 * highest seq; B stalled, the report repeats only while B's duplicate-ACK count is 0,
 * which -1 then marks; B's next duplicate ACK counts as #1. */
static void test_acked_unseen_segment_hole_then_stall(void) /* tcp.analysis.ack_lost_segment */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200000));
    tt_analysis lost = feed(&v, mk(B, 5201, 1001, ACK, 100, 300, 200010)); /* 5101..5201 missing */
    CHECK(lost.flags & TT_AF_LOST_SEGMENT);
    tt_analysis hole = feed(&v, mk(A, 1001, 5301, ACK, 0, 4000, 200100));
    CHECK(hole.flags & TT_AF_ACK_LOST_SEGMENT);
    tt_analysis stall1 = feed(&v, mk(A, 1001, 5401, ACK, 0, 4000, 200200)); /* B sent nothing more */
    CHECK(stall1.flags & TT_AF_ACK_LOST_SEGMENT);
    tt_analysis stall2 = feed(&v, mk(A, 1001, 5501, ACK, 0, 4000, 200300));
    CHECK(!(stall2.flags & TT_AF_ACK_LOST_SEGMENT)); /* B's count is -1: reported already */
    /* B's next pure ACK repeats its last: a duplicate counted from -1 as #1. */
    tt_analysis dup = feed(&v, mk(B, 5301, 1001, ACK, 0, 300, 200400));
    CHECK(dup.flags & TT_AF_DUPLICATE_ACK);
    CHECK_EQ(dup.dup_ack_num, 1);
    tt_analysis dup2 = feed(&v, mk(B, 5301, 1001, ACK, 0, 300, 200500));
    CHECK_EQ(dup2.dup_ack_num, 2);
    tt_an_conn_clear(&v.c);
}

/* Wireshark's dupacknum is unsigned: the -1 left by an ACKed unseen segment passes
 * the fast-retransmission test (">= 2 duplicate ACKs") with no duplicate ACK at all. */
static void test_fast_retransmission_after_acked_unseen(void) /* tcp.analysis.fast_retransmission */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(A, 1001, 5001, ACK, 100, 4000, 200000));          /* A: 1001..1101 */
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200100));           /* B: 5001..5101, acks 1001 */
    tt_analysis au = feed(&v, mk(A, 1101, 5201, ACK, 0, 4000, 200102)); /* B stalled: -1 */
    CHECK(au.flags & TT_AF_ACK_LOST_SEGMENT);
    tt_analysis au2 = feed(&v, mk(A, 1101, 5301, ACK, 0, 4000, 200104));
    CHECK(!(au2.flags & TT_AF_ACK_LOST_SEGMENT));
    /* A resends 1001, the seq B last acked, 13 ms after B's ACK: a fast retransmission. */
    tt_analysis fr = feed(&v, mk(A, 1001, 5301, ACK, 100, 4000, 213100));
    CHECK(fr.flags & TT_AF_FAST_RETRANSMISSION);
    tt_an_conn_clear(&v.c);
}

static void test_sequence_wrap_mid_transfer(void) /* tt_seq_* in every comparison */
{
    convo v;
    convo_init(&v);
    uint32_t isn = 0xFFFFFF00u; /* the data crosses 2^32 */
    handshake(&v, 1000, isn);
    int64_t t = 1000000;
    uint32_t seq = isn + 1;
    for (int i = 0; i < 6; i++) {
        tt_analysis d = feed(&v, mk(B, seq, 1001, ACK, 100, 300, t));
        CHECK_EQ(d.flags, 0);
        CHECK_EQ(d.seq, 1 + 100u * (uint32_t)i);
        CHECK_EQ(d.bytes_in_flight, 100u * (uint32_t)(i % 2 + 1));
        seq += 100;
        t += 1000;
        if (i % 2) {
            tt_analysis a = feed(&v, mk(A, 1001, seq, ACK, 0, 4000, t));
            CHECK_EQ(a.acks_frame, v.frame - 1);
            CHECK(!(a.flags & TT_AF_ACK_LOST_SEGMENT));
        }
    }
    /* A retransmission of a segment from before the wrap is still one. */
    tt_analysis re = feed(&v, mk(B, isn + 201, 1001, ACK, 100, 300, t + 5000000));
    CHECK(re.flags & (TT_AF_RETRANSMISSION | TT_AF_SPURIOUS_RETRANSMISSION));
    tt_an_conn_clear(&v.c);
}

/* Flow table: the same key both ways, streams in order, port reuse with a new ISN. */
static void test_flow_key_and_port_reuse(void) /* tcp.stream, tcp.analysis.reused_ports */
{
    tt_flow_table *t = tt_flow_new(42);
    CHECK(t != NULL);
    tt_packet p1 = mk(A, 1000, 0, SYN, 0, 100, 0), p2 = mk(B, 5000, 1001, SYN | ACK, 0, 100, 1);
    tt_flow_key k1, k2;
    int s1, s2;
    CHECK(tt_flow_key_of(&p1, &k1, &s1));
    CHECK(tt_flow_key_of(&p2, &k2, &s2));
    CHECK(memcmp(&k1, &k2, sizeof k1) == 0);
    CHECK(s1 != s2);
    tt_conn *c = tt_flow_create(t, &k1, s1);
    CHECK_EQ(c->stream, 0);
    tt_analysis out;
    tt_analysis_run(&c->an, s1, TT_CONN_NEW, TT_SEG_NORMAL, &p1, &out);
    CHECK(tt_flow_lookup(t, &k2) == c);
    /* The same SYN again: a retransmission in the same conversation. */
    tt_packet again = mk(A, 1000, 0, SYN, 0, 100, 3000000);
    again.frame = 2;
    CHECK(!tt_analysis_syn_starts_new(&c->an, s1, &again));
    tt_analysis_run(&c->an, s1, TT_CONN_FOUND, TT_SEG_NORMAL, &again, &out);
    CHECK(out.flags & TT_AF_RETRANSMISSION);
    CHECK(!(out.flags & TT_AF_REUSED_PORTS));
    /* A SYN with a new ISN: a new stream, flagged. */
    tt_packet reuse = mk(A, 777, 0, SYN, 0, 100, 9000000);
    reuse.frame = 3;
    CHECK(tt_analysis_syn_starts_new(&c->an, s1, &reuse));
    tt_conn *c2 = tt_flow_create(t, &k1, s1);
    CHECK_EQ(c2->stream, 1);
    tt_analysis_run(&c2->an, s1, TT_CONN_REUSED, TT_SEG_NORMAL, &reuse, &out);
    CHECK(out.flags & TT_AF_REUSED_PORTS);
    CHECK_EQ(out.completeness, TT_COMPL_SYN);
    CHECK(tt_flow_lookup(t, &k1) == c2);
    CHECK_EQ(tt_flow_counters_get(t)->conns_replaced, 1);
    tt_flow_free(t);
}

static void test_flow_table_grows(void) /* millions of connections: the table grows */
{
    tt_flow_table *t = tt_flow_new(0);
    for (uint32_t i = 0; i < 5000; i++) {
        tt_packet p = mk(A, 1, 0, SYN, 0, 1, 0);
        p.sport = (uint16_t)(1024 + i % 60000);
        p.ip[0].src[2] = (uint8_t)(i >> 8);
        tt_flow_key k;
        int side;
        tt_flow_key_of(&p, &k, &side);
        tt_conn *c = tt_flow_create(t, &k, side);
        CHECK_EQ(c->stream, i);
    }
    for (uint32_t i = 0; i < 5000; i++) {
        tt_packet p = mk(B, 1, 0, ACK, 0, 1, 0);
        p.dport = (uint16_t)(1024 + i % 60000);
        p.ip[0].dst[2] = (uint8_t)(i >> 8);
        tt_flow_key k;
        int side;
        tt_flow_key_of(&p, &k, &side);
        tt_conn *c = tt_flow_lookup(t, &k);
        CHECK(c && c->stream == i);
    }
    CHECK_EQ(tt_flow_counters_get(t)->conns_live, 5000);
    tt_flow_free(t);
}

static void test_info_line_dup_ack(void) /* _ws.col.Info */
{
    tt_segment s;
    memset(&s, 0, sizeof s);
    s.pkt = mk(A, 1076, 2449, ACK, 0, 4072, 0);
    s.an.have_conv = s.an.hdr_ok = s.an.have_seglen = s.an.have_ta = true;
    s.an.seq = 76;
    s.an.ack = 1449;
    s.an.window = 130304;
    s.an.flags = TT_AF_DUPLICATE_ACK;
    s.an.dup_ack_num = 1;
    s.an.dup_ack_frame = 8;
    char buf[TT_INFO_MAX];
    tt_info_format(&s, buf, sizeof buf);
    CHECK(strcmp(buf, "[TCP Dup ACK 8#1] 40000 \u2192 80 [ACK] Seq=76 Ack=1449 Win=130304 Len=0") == 0);
}

static void test_window_update(void) /* tcp.analysis.window_update */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, 200000));
    feed(&v, mk(A, 1001, 5101, ACK, 0, 100, 200100));
    /* Same seq and ack, no data, a new window: a window update, not a dup ACK. */
    tt_analysis wu = feed(&v, mk(A, 1001, 5101, ACK, 0, 400, 200200));
    CHECK(wu.flags & TT_AF_WINDOW_UPDATE);
    CHECK(!(wu.flags & TT_AF_DUPLICATE_ACK));
    /* The same window again: now a duplicate ACK. */
    tt_analysis dup = feed(&v, mk(A, 1001, 5101, ACK, 0, 400, 200300));
    CHECK(dup.flags & TT_AF_DUPLICATE_ACK);
    CHECK(!(dup.flags & TT_AF_WINDOW_UPDATE));
    tt_an_conn_clear(&v.c);
}

static void test_syn_with_new_isn_reuses_ports(void) /* tcp.analysis.reused_ports */
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000);
    feed(&v, mk(A, 1001, 5001, FIN | ACK, 0, 4000, 300000));
    tt_packet same = mk(A, 1000, 0, SYN, 0, 65535, 400000);
    tt_packet fresh = mk(A, 777777, 0, SYN, 0, 65535, 400000);
    /* A SYN with the conversation's ISN is a retransmission; a new ISN a new stream. */
    CHECK(!tt_analysis_syn_starts_new(&v.c, A, &same));
    CHECK(tt_analysis_syn_starts_new(&v.c, A, &fresh));
    tt_an_conn_clear(&v.c);
}

/* tt_evidence: what the rules compared, in relative numbers (Segment.explain). */
static void test_evidence_of_the_retransmission_family(void)
{
    convo v;
    convo_init(&v);
    handshake(&v, 1000, 5000); /* initial RTT 100.2 ms */
    int64_t t = 1000000;
    feed(&v, mk(B, 5001, 1001, ACK, 100, 300, t));                          /* 4: 1..101 */
    tt_analysis lost = feed(&v, mk(B, 5201, 1001, ACK, 100, 300, t + 10));  /* 5: hole */
    CHECK(lost.ev.have);
    CHECK(lost.ev.nextseq_known);
    CHECK_EQ(lost.ev.nextseq, 101);     /* below this segment's seq 201 */
    CHECK_EQ(lost.ev.nextseq_frame, 4);
    CHECK_EQ(lost.ev.seglen, 100);
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 20));                      /* 6: ack 101 */
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 30));                      /* 7: dup 1 */
    feed(&v, mk(A, 1001, 5101, ACK, 0, 4000, t + 40));                      /* 8: dup 2 */
    tt_analysis fast = feed(&v, mk(B, 5101, 1001, ACK, 100, 300, t + 50));
    CHECK(fast.flags & TT_AF_FAST_RETRANSMISSION);
    CHECK_EQ(fast.ev.nextseq, 301);
    CHECK_EQ(fast.ev.rev_lastack, 101); /* the ack repeated, relative to B's base */
    CHECK_EQ(fast.ev.rev_dupacks, 2);
    CHECK_EQ(fast.ev.rev_last_frame, 8);
    CHECK_EQ(fast.ev.since_rev_ack_ns, 10000);
    CHECK_EQ(fast.ev.fast_threshold_ns, 20000000);
    CHECK_EQ(fast.ev.ooo_threshold_ns, 100199000);
    CHECK_EQ(fast.ev.prev_ack, 1);      /* B's previous ack, relative to A's base */
    CHECK_EQ(fast.ev.prev_window, 300);
    CHECK_EQ(fast.ev.rev_window, 4000);
    CHECK_EQ(fast.ev.rev_shift, 5);
    CHECK_EQ(fast.ev.rev_window_scaled, 128000);
    /* The evidence changes no answer: the flags are those of test_retransmission_family. */
    CHECK(fast.flags & TT_AF_RETRANSMISSION);
    tt_an_conn_clear(&v.c);
}

TT_TESTS(tt_analysis_tests) = {
    {"analysis/evidence", test_evidence_of_the_retransmission_family},
    {"analysis/relative_numbers_and_window_scaling", test_relative_numbers_and_window_scaling},
    {"analysis/no_syn_seen_starts_at_one", test_no_syn_seen_starts_at_one},
    {"analysis/window_scaling_not_used", test_window_scaling_not_used_when_one_side_lacks_it},
    {"analysis/duplicate_ack", test_duplicate_ack_counts_and_frame},
    {"analysis/retransmission_family", test_retransmission_family},
    {"analysis/out_of_order", test_out_of_order_within_rtt},
    {"analysis/zero_window_probe", test_zero_window_probe_and_ack},
    {"analysis/keep_alive", test_keep_alive_and_ack},
    {"analysis/window_full", test_window_full},
    {"analysis/acked_unseen_segment_hole_then_stall", test_acked_unseen_segment_hole_then_stall},
    {"analysis/fast_retransmission_after_acked_unseen", test_fast_retransmission_after_acked_unseen},
    {"analysis/acked_unseen_segment", test_acked_unseen_segment},
    {"analysis/sequence_wrap_mid_transfer", test_sequence_wrap_mid_transfer},
    {"analysis/window_update", test_window_update},
    {"analysis/syn_with_new_isn_reuses_ports", test_syn_with_new_isn_reuses_ports},
    {"flow/key_and_port_reuse", test_flow_key_and_port_reuse},
    {"flow/table_grows", test_flow_table_grows},
    {"info/dup_ack_line", test_info_line_dup_ack},
    {NULL, NULL},
};
