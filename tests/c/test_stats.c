/* stats: connections built segment by segment from tt_packet values through the
 * real analysis (analysis.c), one behaviour per test. */
#include <string.h>

#include "../../csrc/analysis.h"
#include "../../csrc/stats.h"
#include "tt_test.h"

typedef struct harness {
    tt_an_conn an;
    tt_stats_conn st;
    tt_close_track close; /* when the connection closes, as the engine decides it */
    uint64_t frame;
    int64_t now;
} harness;

static void h_init(harness *h)
{
    tt_an_conn_init(&h->an);
    tt_stats_init(&h->st);
    memset(&h->close, 0, sizeof h->close);
    h->frame = 0;
    h->now = 1000000000;
}

/* One segment from dir (0 client, 1 server; key side == dir here), dt ms later. */
static bool seg(harness *h, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                uint16_t win, int dt_ms)
{
    tt_packet p;
    memset(&p, 0, sizeof p);
    h->now += (int64_t)dt_ms * 1000000;
    p.frame = ++h->frame;
    p.ts_ns = h->now;
    p.n_ip = 1;
    p.ip[0].version = 4;
    p.ip[0].total_len = 40 + len;
    p.tcp_have = TT_TCP_HAVE_FULL;
    p.hdr_len = 20;
    p.flags = flags;
    p.seq_raw = seq;
    p.ack_raw = ack;
    p.window_raw = win;
    p.payload_len = p.payload_caplen = len;
    p.wirelen = p.caplen = 54 + len;
    tt_analysis an;
    memset(&an, 0, sizeof an);
    tt_conn_origin origin = h->frame == 1 ? TT_CONN_NEW : TT_CONN_FOUND;
    tt_analysis_run(&h->an, dir, origin, TT_SEG_NORMAL, &p, &an);
    tt_stats_update(&h->st, dir, &p, &an);
    /* Whether this segment closed the connection, as the engine decides it. */
    return tt_close_track_update(&h->close, dir, &p, &an);
}

enum { S = TT_TCP_SYN, A = TT_TCP_ACK, F = TT_TCP_FIN, R = TT_TCP_RST, P = TT_TCP_PSH };

/* Handshake, 100 bytes each way, FIN/ACK both ways: SF, history, close on the last ACK. */
static void test_stats_complete_connection(void)
{
    harness h;
    h_init(&h);
    CHECK(!seg(&h, 0, S, 1000, 0, 0, 1000, 0));
    CHECK(!seg(&h, 1, S | A, 5000, 1001, 0, 2000, 10));
    CHECK(!seg(&h, 0, A, 1001, 5001, 0, 1000, 10));
    CHECK(!seg(&h, 0, A | P, 1001, 5001, 100, 1000, 1));
    CHECK(!seg(&h, 1, A | P, 5001, 1101, 100, 2000, 10));
    CHECK(!seg(&h, 0, F | A, 1101, 5101, 0, 1000, 1));
    CHECK(!seg(&h, 1, F | A, 5101, 1102, 0, 2000, 1));
    CHECK(seg(&h, 0, A, 1102, 5102, 0, 1000, 1)); /* both FINs acknowledged: closed */
    CHECK_EQ(h.close.closed, 1 + TT_END_FIN);
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.conn_state, TT_CS_SF);
    CHECK(strcmp(r.history, "ShADdFf") == 0 || strcmp(r.history, "ShADdaFf") == 0);
    CHECK_EQ(r.d[0].packets, 5);
    CHECK_EQ(r.d[1].packets, 3);
    CHECK_EQ(r.d[0].unique_bytes, 100);
    CHECK_EQ(r.d[1].unique_bytes, 100);
    CHECK_EQ(r.d[0].stream_length, 100);
    CHECK_EQ(r.d[0].missed_bytes, 0);
    CHECK_EQ(r.d[0].pure_acks, 2);
    CHECK_EQ(r.client_reason, TT_CLIENT_SYN);
    CHECK_EQ(r.handshake_rtt_ns, 20000000); /* SYN -> ACK (Wireshark's initial_rtt) */
    CHECK_EQ(r.d[0].rtt_3whs_ns, 10000000);  /* SYN -> SYN/ACK */
    CHECK_EQ(r.d[1].rtt_3whs_ns, 10000000);  /* SYN/ACK -> ACK */
}

/* A retransmission gives no RTT sample (Karn) and counts as rexmt; a gap is missed. */
static void test_stats_retransmission_and_gap(void)
{
    harness h;
    h_init(&h);
    seg(&h, 0, S, 0, 0, 0, 1000, 0);
    seg(&h, 1, S | A, 0, 1, 0, 1000, 10);
    seg(&h, 0, A, 1, 1, 0, 1000, 10);
    seg(&h, 0, A, 1, 1, 100, 1000, 1);   /* [1,101) */
    seg(&h, 0, A, 201, 1, 100, 1000, 1); /* [201,301): gap [101,201) */
    seg(&h, 0, A, 1, 1, 100, 1000, 50);  /* retransmission of [1,101) */
    seg(&h, 1, A, 1, 101, 0, 1000, 10);  /* ACK of the retransmitted data: no sample */
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.d[0].unique_bytes, 200);
    CHECK_EQ(r.d[0].payload_bytes, 300);
    CHECK_EQ(r.d[0].rexmt_packets, 1);
    CHECK_EQ(r.d[0].rexmt_bytes, 100);
    CHECK_EQ(r.d[0].missed_bytes, 100);
    CHECK_EQ(r.d[0].rtt.n, 1); /* only the SYN's sample */
    CHECK(strchr(r.history, 'g') || strchr(r.history, 'G'));
    CHECK(strchr(r.history, 'T') != NULL);
}

/* Filling the gap later is out of order, not a retransmission. */
static void test_stats_out_of_order_fill(void)
{
    harness h;
    h_init(&h);
    seg(&h, 0, S, 0, 0, 0, 1000, 0);
    seg(&h, 1, S | A, 0, 1, 0, 1000, 1);
    seg(&h, 0, A, 101, 1, 100, 1000, 1);
    seg(&h, 0, A, 1, 1, 100, 1000, 1);
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.d[0].unique_bytes, 200);
    CHECK_EQ(r.d[0].outoforder_packets, 1);
    CHECK_EQ(r.d[0].rexmt_packets, 0);
    CHECK_EQ(r.d[0].missed_bytes, 0);
}

/* SYN answered by RST: REJ, closed at once. */
static void test_stats_rejected(void)
{
    harness h;
    h_init(&h);
    seg(&h, 0, S, 7, 0, 0, 1000, 0);
    CHECK(seg(&h, 1, R | A, 0, 8, 0, 0, 1));
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.conn_state, TT_CS_REJ);
    CHECK_EQ(r.d[1].rst_packets, 1);
    CHECK(strcmp(r.history, "Sr") == 0);
}

/* Sequence numbers across the 2^32 wrap stay one stream (wrap-safe offsets). */
static void test_stats_sequence_wrap(void)
{
    harness h;
    h_init(&h);
    seg(&h, 0, S, 0xFFFFFF00u, 0, 0, 1000, 0);
    seg(&h, 1, S | A, 0, 0xFFFFFF01u, 0, 1000, 1);
    seg(&h, 0, A, 0xFFFFFF01u, 1, 0x200, 1000, 1); /* crosses the wrap */
    seg(&h, 0, A, 0x101u, 1, 0x100, 1000, 1);
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.d[0].unique_bytes, 0x300);
    CHECK_EQ(r.d[0].rexmt_packets, 0);
    CHECK_EQ(r.d[0].missed_bytes, 0);
}

/* Midstream traffic without SYN: OTH, the first sender is the client. */
static void test_stats_midstream(void)
{
    harness h;
    h_init(&h);
    seg(&h, 0, A, 500, 900, 10, 1000, 0);
    seg(&h, 1, A, 900, 510, 10, 1000, 1);
    tt_conn_record r;
    memset(&r, 0, sizeof r);
    tt_stats_finish(&h.st, &r);
    tt_an_conn_clear(&h.an);
    CHECK_EQ(r.conn_state, TT_CS_OTH);
    CHECK_EQ(r.client_reason, TT_CLIENT_FIRST);
    CHECK_EQ(r.d[0].stream_length, -1);
    CHECK(strcmp(tt_conn_state_name(TT_CS_RSTOS0), "RSTOS0") == 0);
}

TT_TESTS(tt_stats_tests) = {
    {"stats_complete_connection", test_stats_complete_connection},
    {"stats_retransmission_and_gap", test_stats_retransmission_and_gap},
    {"stats_out_of_order_fill", test_stats_out_of_order_fill},
    {"stats_rejected", test_stats_rejected},
    {"stats_sequence_wrap", test_stats_sequence_wrap},
    {"stats_midstream", test_stats_midstream},
    {NULL, NULL},
};
