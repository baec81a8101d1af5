/* zeek_conn / zeek_tcp from byte-built frames (run under the sanitizers by make ctest):
 * the reassembler's ranges, the table's growth and slot reuse, the timers. The rules
 * one by one are in tests/test_zeek.py. */
#include <string.h>

#include "../../csrc/zeek_conn.h"
#include "tt_build.h"
#include "tt_test.h"

enum { SYN = 0x02, FIN = 0x01, ACK = 0x10 };

/* Ethernet, IPv4 10.0.0.src -> 10.0.0.dst, TCP with len payload bytes ('x'); checksums
 * are left zero (the zeek table runs with ignore_checksums). */
static void seg(tt_buf *b, uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport, uint32_t seq,
                uint32_t ack, uint16_t flags, uint16_t len)
{
    b->n = 0;
    b_eth(b, 0x0800);
    b_ipv4(b, 6, (uint16_t)(20 + len), 1, 0, src, dst);
    b_tcp_opts(b, sport, dport, seq, ack, flags, NULL, 0);
    for (uint16_t i = 0; i < len; i++)
        b_u8(b, 'x');
}

static tt_zeek *zk(void)
{
    tt_zeek_config cfg = {0};
    cfg.ignore_checksums = true;
    tt_error err;
    tt_error_clear(&err);
    return tt_zeek_new(&cfg, &err);
}

static void feed(tt_zeek *z, tt_buf *b, double t)
{
    tt_frame f;
    memset(&f, 0, sizeof f);
    f.data = b->b;
    f.caplen = f.wirelen = (uint32_t)b->n;
    f.linktype = 1;
    f.ts_sec = (int64_t)t;
    f.ts_nsec = (int32_t)((t - (double)(int64_t)t) * 1e9 + 0.5);
    f.ts_ns = f.ts_sec * 1000000000LL + f.ts_nsec;
    tt_error err;
    tt_error_clear(&err);
    CHECK_EQ(tt_zeek_feed(z, &f, &err), 0);
}

static void handshake(tt_zeek *z, tt_buf *b, uint16_t cport, double t)
{
    seg(b, 1, cport, 2, 9999, 1000, 0, SYN, 0);
    feed(z, b, t);
    seg(b, 2, 9999, 1, cport, 5000, 1001, SYN | ACK, 0);
    feed(z, b, t + 0.01);
    seg(b, 1, cport, 2, 9999, 1001, 5001, ACK, 0);
    feed(z, b, t + 0.02);
}

/* Fifty 10-byte segments sent last first, every other one missing, then one ACK of
 * them all: the ranges merge and trim, the 25 holes are one gap each. */
static void test_zeek_ranges_out_of_order(void)
{
    tt_zeek *z = zk();
    tt_buf b;
    handshake(z, &b, 40000, 1.0);
    for (int i = 49; i >= 0; i -= 2) {
        seg(&b, 1, 40000, 2, 9999, 1001u + 10u * (uint32_t)i, 5001, ACK, 10);
        feed(z, &b, 1.1);
    }
    seg(&b, 2, 9999, 1, 40000, 5001, 1501, ACK, 0);
    feed(z, &b, 1.2);
    tt_zeek_finish(z);
    tt_zeek_row r;
    CHECK_EQ(tt_zeek_next_row(z, &r), 1);
    CHECK_EQ(r.missed_bytes, 250);
    CHECK_EQ(r.orig_bytes, 500);
    /* Each segment below the highest sequence sent is a T (Zeek's rule), each hole a
     * G, both logged at the 1st and the 10th: */
    CHECK(strcmp(r.history, "ShADTTaGG") == 0);
    CHECK_EQ(r.orig_pkts, 27);
    CHECK_EQ(tt_zeek_next_row(z, &r), 0);
    tt_zeek_free(z);
}

/* 3000 unanswered SYNs (the table grows past its first buckets), then a packet 10 s on:
 * the attempt timers end them all, and their slots take the next 3000. */
static void test_zeek_attempts_and_slot_reuse(void)
{
    tt_zeek *z = zk();
    tt_buf b;
    for (int round = 0; round < 2; round++)
        for (uint16_t p = 0; p < 3000; p++) {
            seg(&b, 1, (uint16_t)(20000 + p), 2, 9999, 7u + round, 0, SYN, 0);
            feed(z, &b, 1.0 + 10.0 * round + p * 1e-4);
        }
    size_t rows = 0;
    tt_zeek_row r;
    while (tt_zeek_next_row(z, &r)) {
        CHECK(strcmp(r.conn_state, "S0") == 0);
        rows++;
    }
    CHECK_EQ(rows, 3000); /* the first round, ended by its attempt timers */
    tt_zeek_finish(z);
    while (tt_zeek_next_row(z, &r))
        rows++;
    CHECK_EQ(rows, 6000);
    CHECK_EQ(tt_zeek_get_counters(z)->conns, 6000);
    tt_zeek_free(z);
}

/* Both FINs, then a packet 6 s later: the close timer ended the first row. */
static void test_zeek_close_then_new_row(void)
{
    tt_zeek *z = zk();
    tt_buf b;
    handshake(z, &b, 40001, 1.0);
    seg(&b, 1, 40001, 2, 9999, 1001, 5001, FIN | ACK, 0);
    feed(z, &b, 1.1);
    seg(&b, 2, 9999, 1, 40001, 5001, 1002, FIN | ACK, 0);
    feed(z, &b, 1.2);
    seg(&b, 1, 40001, 2, 9999, 1002, 5002, ACK, 0);
    feed(z, &b, 7.5);
    tt_zeek_row r;
    CHECK_EQ(tt_zeek_next_row(z, &r), 1);
    CHECK(strcmp(r.conn_state, "SF") == 0);
    CHECK(strcmp(r.history, "ShAFf") == 0);
    CHECK(r.have_duration && r.duration > 0.19 && r.duration < 0.21);
    tt_zeek_finish(z);
    CHECK_EQ(tt_zeek_next_row(z, &r), 1);
    CHECK(strcmp(r.history, "A") == 0);
    CHECK(!r.have_duration);
    tt_zeek_free(z);
}

TT_TESTS(tt_zeek_tests) = {
    {"zeek_ranges_out_of_order", test_zeek_ranges_out_of_order},
    {"zeek_attempts_and_slot_reuse", test_zeek_attempts_and_slot_reuse},
    {"zeek_close_then_new_row", test_zeek_close_then_new_row},
    {NULL, NULL},
};
