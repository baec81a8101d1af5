/* Hostile input against the bounded parts of the core (issue 9): reassembly bombs
 * (huge gaps, endless overlaps, confetti, many streams on one budget) stay under the
 * memory caps with every drop counted, and the engine's connection table stays under
 * max_conns with every eviction counted and every record handed over. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/engine.h"
#include "../../csrc/reasm.h"
#include "tt_test.h"

/* A sink that only checks the stream contract: chunks contiguous, in order, DATA with
 * bytes, and tallies what it was given. */
typedef struct tally {
    uint64_t next;       /* where the next chunk must start */
    uint64_t data_bytes, gap_bytes, missing_bytes, chunks, ends;
    int errors;
} tally;

static void tally_sink(void *ctx, const tt_reasm_chunk *c)
{
    tally *t = ctx;
    if (c->off != t->next)
        t->errors++;
    if (c->kind == TT_REASM_DATA && (!c->data || !c->len))
        t->errors++;
    if (c->kind == TT_REASM_END) {
        t->ends++;
        return;
    }
    if (c->kind == TT_REASM_DATA)
        t->data_bytes += c->len;
    else if (c->kind == TT_REASM_GAP)
        t->gap_bytes += c->len;
    else
        t->missing_bytes += c->len;
    t->next = c->off + c->len;
    t->chunks++;
}

static uint8_t BUF[65536]; /* payload bytes: the value is the offset's low byte */

static void fill_buf(void)
{
    for (size_t i = 0; i < sizeof BUF; i++)
        BUF[i] = (uint8_t)i;
}

/* Held memory, checked after every insert: within the stream cap and the shared
 * budget, plus at most the one segment being inserted (the contract's slack). */
#define SLACK(len) ((size_t)(len) + 256u)

/* Huge gaps: 200k segments, each 16 KiB past the previous one, never filled. */
static void test_reasm_bomb_huge_gaps(void)
{
    fill_buf();
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.max_held_bytes = 256 * 1024;
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, 1024 * 1024);
    tally t = {0};
    tt_reasm r;
    tt_reasm_init(&r, &cfg, &budget, tally_sink, &t);
    size_t worst = 0;
    for (uint64_t i = 1; i <= 200000; i++) {
        tt_reasm_seg s = {.off = i * 16384, .data = BUF, .caplen = 1000, .wirelen = 1000,
                          .frame = i};
        tt_reasm_insert(&r, &s);
        if (r.st.held_bytes > worst)
            worst = r.st.held_bytes;
        if (r.st.held_bytes > cfg.max_held_bytes + SLACK(1000)) {
            CHECK(r.st.held_bytes <= cfg.max_held_bytes + SLACK(1000));
            break;
        }
    }
    CHECK(worst <= cfg.max_held_bytes + SLACK(1000));
    CHECK(budget.peak_bytes <= budget.cap_bytes + SLACK(1000));
    CHECK(r.st.forced_gaps > 0);
    CHECK(r.st.gaps >= r.st.forced_gaps);
    tt_reasm_end(&r, TT_REASM_END_FLUSH, 0);
    /* Nothing invented, nothing lost: every byte is data or a counted gap. */
    CHECK_EQ(t.errors, 0);
    CHECK_EQ(t.ends, 1);
    CHECK_EQ(t.data_bytes + t.gap_bytes, t.next);
    CHECK_EQ(t.data_bytes, 200000ull * 1000);
    CHECK_EQ(r.st.bytes_delivered, t.data_bytes);
    CHECK_EQ(r.st.gap_bytes, t.gap_bytes);
    tt_reasm_clear(&r);
    CHECK_EQ(budget.used_bytes, 0);
}

/* Endless overlaps: one hole at the front and the same (and shifted) out-of-order
 * bytes sent again and again, half of them with different content. */
static void test_reasm_bomb_endless_overlaps(void)
{
    fill_buf();
    static uint8_t other[2048];
    memset(other, 0xEE, sizeof other);
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, 1024 * 1024);
    tally t = {0};
    tt_reasm r;
    tt_reasm_init(&r, &cfg, &budget, tally_sink, &t);
    tt_reasm_seg first = {.off = 1000, .data = BUF + 1000, .caplen = 1000, .wirelen = 1000, .frame = 1};
    tt_reasm_insert(&r, &first);
    size_t held_one = r.st.held_bytes;
    CHECK(held_one > 0);
    for (uint64_t i = 0; i < 200000; i++) {
        uint64_t off = 1000 + i % 500;
        tt_reasm_seg s = {.off = off, .data = (i & 1) ? other : BUF + off, .caplen = 500,
                          .wirelen = 500, .frame = 2 + i};
        tt_reasm_insert(&r, &s);
        if (r.st.held_bytes != held_one) {
            CHECK_EQ(r.st.held_bytes, held_one); /* the first copy wins: nothing more held */
            break;
        }
    }
    CHECK_EQ(r.st.overlap_bytes, 200000ull * 500);
    CHECK(r.st.conflicts >= 100000);
    CHECK_EQ(t.data_bytes, 0); /* still behind the hole */
    tt_reasm_seg fill = {.off = 0, .data = BUF, .caplen = 1000, .wirelen = 1000, .frame = 999999};
    tt_reasm_insert(&r, &fill);
    CHECK_EQ(t.data_bytes, 2000);
    CHECK_EQ(r.st.held_bytes, 0);
    tt_reasm_end(&r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(t.errors, 0);
    tt_reasm_clear(&r);
    CHECK_EQ(budget.used_bytes, 0);
}

/* Confetti: one-byte segments at every other offset, never joined: the piece cap
 * holds (the list walk stays bounded) and the forced gaps are counted. */
static void test_reasm_bomb_confetti(void)
{
    fill_buf();
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    cfg.max_held_pieces = 1024;
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, TT_REASM_BUDGET_DEFAULT);
    tally t = {0};
    tt_reasm r;
    tt_reasm_init(&r, &cfg, &budget, tally_sink, &t);
    size_t most = 0;
    for (uint64_t i = 1; i <= 100000; i++) {
        tt_reasm_seg s = {.off = 2 * i, .data = BUF, .caplen = 1, .wirelen = 1, .frame = i};
        tt_reasm_insert(&r, &s);
        if (r.n_pieces > most)
            most = r.n_pieces;
    }
    CHECK(most <= cfg.max_held_pieces + 1);
    CHECK(r.st.forced_gaps > 0);
    /* Late fills of ranges given up on: dropped, counted. */
    uint64_t before = r.st.dropped_segments;
    tt_reasm_seg late = {.off = 3, .data = BUF, .caplen = 1, .wirelen = 1, .frame = 200001};
    tt_reasm_insert(&r, &late);
    CHECK(r.st.dropped_segments == before + 1 || r.st.overlap_bytes > 0);
    tt_reasm_end(&r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(t.errors, 0);
    CHECK_EQ(t.data_bytes + t.gap_bytes, t.next);
    tt_reasm_clear(&r);
    CHECK_EQ(budget.used_bytes, 0);
}

/* Many streams on one budget, each holding out-of-order data: the total stays under
 * the shared cap. */
static void test_reasm_bomb_many_streams_one_budget(void)
{
    fill_buf();
    enum { N = 2000 };
    tt_reasm_config cfg;
    tt_reasm_config_default(&cfg);
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, 512 * 1024);
    tt_reasm *rs = calloc(N, sizeof *rs);
    tally *ts = calloc(N, sizeof *ts);
    CHECK(rs && ts);
    if (!rs || !ts)
        goto out;
    for (int i = 0; i < N; i++)
        tt_reasm_init(&rs[i], &cfg, &budget, tally_sink, &ts[i]);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            tt_reasm_seg s = {.off = 100 + (uint64_t)round * 1500, .data = BUF, .caplen = 1400,
                              .wirelen = 1400, .frame = (uint64_t)round * N + (uint64_t)i + 1};
            tt_reasm_insert(&rs[i], &s);
            if (budget.used_bytes > budget.cap_bytes + SLACK(1400)) {
                CHECK(budget.used_bytes <= budget.cap_bytes + SLACK(1400));
                round = 20;
                break;
            }
        }
    }
    CHECK(budget.peak_bytes <= budget.cap_bytes + SLACK(1400));
    uint64_t forced = 0;
    for (int i = 0; i < N; i++) {
        forced += rs[i].st.forced_gaps;
        tt_reasm_end(&rs[i], TT_REASM_END_FLUSH, 0);
        CHECK_EQ(ts[i].errors, 0);
        CHECK_EQ(ts[i].data_bytes, 20 * 1400);
        tt_reasm_clear(&rs[i]);
    }
    CHECK(forced > 0);
    CHECK_EQ(budget.used_bytes, 0);
out:
    free(rs);
    free(ts);
}

/* Wrapped and absurd offsets and lengths: ignored and counted, never held. */
static void test_reasm_bomb_absurd_offsets(void)
{
    fill_buf();
    tt_reasm_budget budget;
    tt_reasm_budget_init(&budget, TT_REASM_BUDGET_DEFAULT);
    tally t = {0};
    tt_reasm r;
    tt_reasm_init(&r, NULL, &budget, tally_sink, &t);
    uint64_t offs[] = {UINT64_MAX, UINT64_MAX - 1, (1ull << 63), TT_REASM_MAX_AHEAD,
                       (1ull << 32) + 5, 0xffffffffull};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        tt_reasm_seg s = {.off = offs[i], .data = BUF, .caplen = 1000, .wirelen = 0xffffffffu,
                          .frame = i + 1};
        tt_reasm_insert(&r, &s);
    }
    CHECK_EQ(r.st.implausible_segments, sizeof offs / sizeof offs[0]);
    CHECK_EQ(r.n_pieces, 0);
    CHECK_EQ(r.st.held_bytes, 0);
    /* An ACK from the far future is ignored too. */
    tt_reasm_acked(&r, UINT64_MAX, 99);
    CHECK_EQ(r.st.gaps, 0);
    /* A wirelen far above caplen in order: the missing bytes are counted, not invented. */
    tt_reasm_seg m = {.off = 0, .data = BUF, .caplen = 10, .wirelen = 1u << 30, .frame = 100};
    tt_reasm_insert(&r, &m);
    CHECK_EQ(t.data_bytes, 10);
    CHECK_EQ(t.missing_bytes, (1u << 30) - 10);
    tt_reasm_end(&r, TT_REASM_END_FLUSH, 0);
    CHECK_EQ(t.errors, 0);
    tt_reasm_clear(&r);
    CHECK_EQ(budget.used_bytes, 0);
}

/* ---- The engine's connection table under a SYN flood ---- */

static size_t make_syn(uint8_t *b, uint32_t src, uint16_t sport, uint32_t seq)
{
    static const uint8_t eth[14] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
    memcpy(b, eth, 14);
    uint8_t *ip = b + 14, *tcp = b + 34;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[3] = 40;
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = (uint8_t)(src >> 24), ip[13] = (uint8_t)(src >> 16);
    ip[14] = (uint8_t)(src >> 8), ip[15] = (uint8_t)src;
    ip[16] = 10, ip[19] = 2;
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[3] = 80;
    tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
    tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
    tcp[12] = 0x50;
    tcp[13] = 0x02;
    tcp[14] = 0xff, tcp[15] = 0xff;
    return 54;
}

static void test_engine_syn_flood_bounded(void)
{
    tt_engine_config cfg = {.conn_records = true, .max_conns = 64};
    tt_error err;
    tt_engine *e = tt_engine_new(&cfg, &err);
    CHECK(e != NULL);
    if (!e)
        return;
    uint8_t frame[64];
    uint64_t records = 0, evicted_records = 0, last_stream = 0;
    int order_ok = 1;
    for (uint32_t i = 0; i < 100000; i++) {
        size_t n = make_syn(frame, 0x0a000000u | (i >> 12), (uint16_t)(1024 + (i & 0xfff)),
                            i * 2654435761u);
        tt_frame f = {.data = frame, .caplen = (uint32_t)n, .wirelen = (uint32_t)n,
                      .ts_ns = (int64_t)i * 1000, .linktype = TT_LINKTYPE_ETHERNET, .number = i + 1};
        tt_segment seg;
        CHECK_EQ(tt_engine_feed(e, &f, &seg), 1);
        CHECK(tt_engine_counters(e)->conns_live <= 64);
        tt_conn_record rec;
        while (tt_engine_next_conn(e, &rec)) {
            if (records && rec.stream != last_stream + 1)
                order_ok = 0;
            last_stream = rec.stream;
            records++;
            evicted_records += rec.end_reason == TT_END_EVICTED;
            CHECK_EQ(rec.d[0].syn_packets, 1);
        }
        CHECK(tt_engine_conns_pending(e) == 0);
    }
    tt_engine_finish(e);
    tt_conn_record rec;
    while (tt_engine_next_conn(e, &rec))
        records++;
    const tt_counters *c = tt_engine_counters(e);
    CHECK_EQ(c->conns, 100000);
    CHECK_EQ(c->conns_peak, 64);
    CHECK_EQ(c->conns_limit_evicted, 100000 - 64);
    CHECK_EQ(evicted_records, 100000 - 64);
    CHECK_EQ(records, 100000);
    CHECK_EQ(c->conns_live, 0);
    CHECK(order_ok);
    tt_engine_free(e);
}

/* A data segment (ACK|PSH, paylen zero bytes) of a connection whose SYN is never seen. */
static size_t make_data(uint8_t *b, uint32_t src, uint16_t sport, uint32_t seq, uint16_t paylen)
{
    size_t n = make_syn(b, src, sport, seq);
    b[14 + 2] = (uint8_t)((40 + paylen) >> 8);
    b[14 + 3] = (uint8_t)(40 + paylen);
    b[34 + 13] = 0x18; /* ACK|PSH */
    memset(b + n, 0, paylen);
    return n + paylen;
}

/* Many connections each with many segments in flight: the analysis' unacked lists
 * stay within the engine's budget; the segments beyond it are counted, not lost. */
static void test_engine_unacked_budget_bounded(void)
{
    tt_engine_config cfg = {.max_unacked_entries = 256};
    tt_error err;
    tt_engine *e = tt_engine_new(&cfg, &err);
    CHECK(e != NULL);
    if (!e)
        return;
    uint8_t frame[128];
    uint64_t n = 0;
    for (uint32_t conn = 0; conn < 20; conn++) {
        for (uint32_t k = 0; k < 200; k++) {
            size_t len = make_data(frame, 0x0a000001u, (uint16_t)(2000 + conn), 1000 + k * 10, 10);
            n++; /* (an initializer list's expressions are not sequenced: not in it) */
            tt_frame f = {.data = frame, .caplen = (uint32_t)len, .wirelen = (uint32_t)len,
                          .ts_ns = (int64_t)n * 1000, .linktype = TT_LINKTYPE_ETHERNET,
                          .number = n};
            tt_segment seg;
            CHECK_EQ(tt_engine_feed(e, &f, &seg), 1);
            CHECK(seg.an.have_seglen);
        }
    }
    const tt_counters *c = tt_engine_counters(e);
    /* The first connection's 200 segments fit (its list grows to 256 entries, the whole
     * budget); none of the 19 others' can be remembered. */
    CHECK_EQ(c->unacked_refused, 19 * 200);
    CHECK_EQ(c->analysis_nomem, 0);
    CHECK_EQ(c->tcp_segments, 4000);
    tt_engine_finish(e);
    tt_engine_free(e);
}

/* Closed connections still lingering go before open ones. */
static void test_engine_eviction_prefers_closed(void)
{
    tt_engine_config cfg = {.conn_records = true, .max_conns = 2};
    tt_error err;
    tt_engine *e = tt_engine_new(&cfg, &err);
    CHECK(e != NULL);
    if (!e)
        return;
    uint8_t frame[64];
    tt_segment seg;
    uint64_t num = 0;
    /* stream 0: a SYN, left open; stream 1: a SYN then a RST from the client (closed) */
    size_t n = make_syn(frame, 0x0a000001u, 1000, 1);
    tt_frame f = {.data = frame, .caplen = (uint32_t)n, .wirelen = (uint32_t)n,
                  .linktype = TT_LINKTYPE_ETHERNET, .number = ++num};
    tt_engine_feed(e, &f, &seg);
    n = make_syn(frame, 0x0a000002u, 2000, 1);
    f.number = ++num;
    tt_engine_feed(e, &f, &seg);
    frame[34 + 13] = 0x04; /* RST */
    frame[34 + 7] = 2;     /* seq ISN + 1 */
    f.number = ++num;
    tt_engine_feed(e, &f, &seg);
    n = make_syn(frame, 0x0a000003u, 3000, 1); /* a third: one must go */
    f.number = ++num;
    tt_engine_feed(e, &f, &seg);
    tt_conn_record rec;
    CHECK_EQ(tt_engine_next_conn(e, &rec), 1);
    CHECK_EQ(rec.stream, 1);
    CHECK_EQ(rec.end_reason, TT_END_RST);
    CHECK_EQ(tt_engine_counters(e)->conns_limit_evicted, 1);
    tt_engine_finish(e);
    tt_engine_free(e);
}

/* A reader that never takes the records: the queue stays bounded, drops counted. */
static void test_engine_record_queue_bounded(void)
{
    tt_engine_config cfg = {.conn_records = true, .max_conns = 5, .max_pending_records = 10};
    tt_error err;
    tt_engine *e = tt_engine_new(&cfg, &err);
    CHECK(e != NULL);
    if (!e)
        return;
    uint8_t frame[64];
    for (uint32_t i = 0; i < 1000; i++) {
        size_t n = make_syn(frame, 0x0a000000u, (uint16_t)(1024 + i), i);
        tt_frame f = {.data = frame, .caplen = (uint32_t)n, .wirelen = (uint32_t)n,
                      .ts_ns = (int64_t)i, .linktype = TT_LINKTYPE_ETHERNET, .number = i + 1};
        tt_segment seg;
        tt_engine_feed(e, &f, &seg);
        CHECK(tt_engine_conns_pending(e) <= 10);
    }
    tt_engine_finish(e);
    CHECK(tt_engine_conns_pending(e) <= 10);
    const tt_counters *c = tt_engine_counters(e);
    CHECK_EQ(c->conn_records, 1000);
    CHECK_EQ(c->conn_records_dropped, 990);
    tt_conn_record rec;
    uint64_t last = 0;
    size_t got = 0;
    while (tt_engine_next_conn(e, &rec)) {
        last = rec.stream;
        got++;
    }
    CHECK_EQ(got, 10);
    CHECK_EQ(last, 999); /* the newest kept */
    tt_engine_free(e);
}

TT_TESTS(tt_hostile_tests) = {
    {"hostile/engine_record_queue_bounded", test_engine_record_queue_bounded},
    {"hostile/reasm_bomb_huge_gaps", test_reasm_bomb_huge_gaps},
    {"hostile/reasm_bomb_endless_overlaps", test_reasm_bomb_endless_overlaps},
    {"hostile/reasm_bomb_confetti", test_reasm_bomb_confetti},
    {"hostile/reasm_bomb_many_streams_one_budget", test_reasm_bomb_many_streams_one_budget},
    {"hostile/reasm_bomb_absurd_offsets", test_reasm_bomb_absurd_offsets},
    {"hostile/engine_syn_flood_bounded", test_engine_syn_flood_bounded},
    {"hostile/engine_eviction_prefers_closed", test_engine_eviction_prefers_closed},
    {"hostile/engine_unacked_budget_bounded", test_engine_unacked_budget_bounded},
    {NULL, NULL},
};
