/* follow: tshark 4.0's follow-TCP-stream bookkeeping (epan's follow tap of the TCP
 * dissector), record for record. */
#include <string.h>

#include "../../csrc/follow.h"
#include "../../csrc/packet.h"
#include "tt_test.h"

#define MAXREC 16

typedef struct rec {
    int node;
    uint64_t frame;
    char data[64];
    size_t len;
} rec;

typedef struct out {
    rec r[MAXREC];
    int n;
} out;

static void sink(void *ctx, int node, uint64_t frame, const uint8_t *data, size_t len)
{
    out *o = ctx;
    if (o->n == MAXREC || len > sizeof o->r[0].data)
        return;
    rec *r = &o->r[o->n++];
    r->node = node;
    r->frame = frame;
    memcpy(r->data, data, len);
    r->len = len;
}

static const uint8_t A[16] = {10, 0, 0, 1}, B[16] = {10, 0, 0, 2};

/* a segment from A (client) or B, relative seq, ack, payload */
static void seg(tt_follow *f, int from_b, uint16_t flags, uint32_t seq, uint32_t ack,
                const char *data, uint32_t caplen, uint32_t seglen, uint64_t frame)
{
    tt_follow_seg s = {
        .version = 4, .src = from_b ? B : A, .dst = from_b ? A : B,
        .sport = from_b ? 80 : 40000, .dport = from_b ? 40000 : 80, .flags = flags,
        .seq = seq, .ack = ack, .seglen = seglen, .data = (const uint8_t *)data,
        .caplen = caplen, .frame = frame,
    };
    tt_follow_segment(f, &s);
}

#define DATA(f, b, seq, ack, str, frame) \
    seg(f, b, TT_TCP_ACK | TT_TCP_PSH, seq, ack, str, (uint32_t)strlen(str), (uint32_t)strlen(str), frame)

static void handshake(tt_follow *f)
{
    seg(f, 0, TT_TCP_SYN, 0, 0, "", 0, 0, 1);
    seg(f, 1, TT_TCP_SYN | TT_TCP_ACK, 0, 1, "", 0, 0, 2);
    seg(f, 0, TT_TCP_ACK, 1, 1, "", 0, 0, 3);
}

static void test_records_per_segment_node0_first_sender(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    DATA(&f, 0, 1, 1, "GET /", 4);
    DATA(&f, 1, 1, 6, "HTTP/1.1 200", 5);
    DATA(&f, 1, 13, 6, " OK", 6);
    CHECK_EQ(o.n, 3);
    CHECK_EQ(o.r[0].node, 0);
    CHECK_EQ(o.r[1].node, 1);
    CHECK_EQ(o.r[2].frame, 6);
    CHECK(memcmp(f.addr[0], A, 4) == 0 && f.port[0] == 40000);
    tt_follow_clear(&f);
}

static void test_ahead_held_then_released_in_order(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    DATA(&f, 0, 6, 1, "world", 4); /* ahead: held */
    CHECK_EQ(o.n, 0);
    DATA(&f, 0, 1, 1, "hello", 5);
    CHECK_EQ(o.n, 2);
    CHECK(o.r[0].len == 5 && memcmp(o.r[0].data, "hello", 5) == 0 && o.r[0].frame == 5);
    CHECK(o.r[1].len == 5 && memcmp(o.r[1].data, "world", 5) == 0 && o.r[1].frame == 4);
    tt_follow_clear(&f);
}

static void test_acked_hole_becomes_missing_text_with_nul(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    DATA(&f, 0, 6, 1, "world", 4);               /* bytes 1..5 never captured */
    seg(&f, 1, TT_TCP_ACK, 1, 11, "", 0, 0, 5);  /* the server acknowledges all */
    CHECK_EQ(o.n, 2);
    const char *text = "[5 bytes missing in capture file]";
    CHECK_EQ(o.r[0].len, strlen(text) + 1);
    CHECK(memcmp(o.r[0].data, text, strlen(text) + 1) == 0);
    CHECK_EQ(o.r[0].frame, 5);
    CHECK(memcmp(o.r[1].data, "world", 5) == 0);
    tt_follow_clear(&f);
}

static void test_unreleased_never_shown(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    DATA(&f, 0, 6, 1, "world", 4);
    CHECK_EQ(o.n, 0);
    CHECK_EQ(f.held_bytes, 5);
    tt_follow_clear(&f);
    CHECK_EQ(f.held_bytes, 0);
}

static void test_retransmission_with_more_data_adds_tail(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    DATA(&f, 0, 1, 1, "abc", 4);
    DATA(&f, 0, 1, 1, "abcdef", 5);
    DATA(&f, 0, 1, 1, "abcdef", 6); /* nothing new: no record */
    CHECK_EQ(o.n, 2);
    CHECK(o.r[1].len == 3 && memcmp(o.r[1].data, "def", 3) == 0);
    tt_follow_clear(&f);
}

static void test_snaplen_bytes_skipped_silently(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 1 << 20, sink, &o);
    handshake(&f);
    seg(&f, 0, TT_TCP_ACK, 1, 1, "abcd", 2, 4, 4); /* 2 of 4 bytes captured */
    DATA(&f, 0, 5, 1, "ef", 5);                     /* in order: seq moved by 4 */
    CHECK_EQ(o.n, 2);
    CHECK(o.r[0].len == 2 && o.r[1].len == 2 && memcmp(o.r[1].data, "ef", 2) == 0);
    tt_follow_clear(&f);
}

static void test_cap_drops_held_bytes_counted(void)
{
    out o = {0};
    tt_follow f;
    tt_follow_init(&f, 4, sink, &o);
    handshake(&f);
    DATA(&f, 0, 6, 1, "world", 4);
    CHECK_EQ(f.held_bytes, 0);
    CHECK_EQ(f.dropped_bytes, 5);
    tt_follow_clear(&f);
}

TT_TESTS(tt_follow_tests) = {
    {"follow/records_per_segment_node0_first_sender", test_records_per_segment_node0_first_sender},
    {"follow/ahead_held_then_released_in_order", test_ahead_held_then_released_in_order},
    {"follow/acked_hole_becomes_missing_text_with_nul", test_acked_hole_becomes_missing_text_with_nul},
    {"follow/unreleased_never_shown", test_unreleased_never_shown},
    {"follow/retransmission_with_more_data_adds_tail", test_retransmission_with_more_data_adds_tail},
    {"follow/snaplen_bytes_skipped_silently", test_snaplen_bytes_skipped_silently},
    {"follow/cap_drops_held_bytes_counted", test_cap_drops_held_bytes_counted},
    {NULL, NULL},
};
