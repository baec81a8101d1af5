/* The framer registry (framers.c) and the DNS-over-TCP framer (framer_dns.c), driven
 * through the framer interface with byte-built streams. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/anomaly.h"
#include "../../csrc/framer.h"
#include "tt_test.h"

/* ---- what a framer emits, kept for the checks ---- */

#define MAX_SEEN 16

typedef struct seen {
    int n;
    char kind[MAX_SEEN][24];
    char info[MAX_SEEN][256];
    int64_t id[MAX_SEEN], rcode[MAX_SEEN];
    uint64_t done_frame[MAX_SEEN], length[MAX_SEEN], anomalies[MAX_SEEN];
    bool lost[MAX_SEEN];
    size_t n_frames[MAX_SEEN];
} seen;

static void on_msg(void *ctx, const tt_app_msg *m, bool hold)
{
    seen *s = ctx;
    (void)hold;
    if (s->n == MAX_SEEN)
        return;
    int i = s->n++;
    snprintf(s->kind[i], sizeof s->kind[i], "%s", m->kind);
    snprintf(s->info[i], sizeof s->info[i], "%.*s", (int)m->info.len, m->info.p);
    s->id[i] = m->v[0].set ? m->v[0].i : -1;  /* dns_id */
    s->rcode[i] = m->v[3].set ? m->v[3].i : -1; /* rcode */
    s->done_frame[i] = m->done_frame;
    s->length[i] = m->length;
    s->anomalies[i] = m->anomalies;
    s->lost[i] = m->lost;
    s->n_frames[i] = m->n_frames;
}

static void on_settle(void *ctx, int dir, uint64_t end_off, uint64_t done_frame)
{
    (void)ctx, (void)dir, (void)end_off, (void)done_frame;
}

static void feed_bytes(const tt_framer *fr, void *st, int dir, uint64_t off, const uint8_t *p,
                       size_t len, uint64_t frame)
{
    tt_reasm_part part = {.frame = frame, .len = (uint32_t)len};
    tt_reasm_chunk c = {.kind = TT_REASM_DATA, .off = off, .len = len, .data = p, .parts = &part,
                        .n_parts = 1, .frame = frame};
    fr->feed(st, dir, &c);
}

static void feed_kind(const tt_framer *fr, void *st, int dir, tt_reasm_kind kind, uint64_t off,
                      uint64_t len, uint64_t frame)
{
    tt_reasm_part part = {.frame = frame, .len = (uint32_t)len};
    tt_reasm_chunk c = {.kind = kind, .off = off, .len = len, .frame = frame,
                        .parts = kind == TT_REASM_MISSING ? &part : NULL,
                        .n_parts = kind == TT_REASM_MISSING ? 1u : 0u};
    fr->feed(st, dir, &c);
}

/* A query for example.com type A, id 0x1234, with its two-byte TCP length prefix. */
static const uint8_t QUERY[] = {
    0x00, 0x1d, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* Its NXDOMAIN response with no records. */
static const uint8_t NXDOMAIN[] = {
    0x00, 0x1d, 0x12, 0x34, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};

static void *open_dns(seen *s, const tt_framer **fr)
{
    memset(s, 0, sizeof *s);
    *fr = tt_framer_find("dns");
    CHECK(*fr != NULL);
    tt_app_emit emit = {on_msg, on_settle, s};
    tt_error err;
    tt_error_clear(&err);
    return *fr ? (*fr)->open(&emit, &err) : NULL;
}

static void test_dns_query_one_byte_at_a_time(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    for (size_t i = 0; i < sizeof QUERY; i++)
        feed_bytes(fr, st, 0, i, QUERY + i, 1, 10 + i);
    fr->close(st);
    CHECK_EQ(s.n, 1);
    CHECK(strcmp(s.kind[0], "dns_query") == 0);
    CHECK(strcmp(s.info[0], "Standard query 0x1234 A example.com") == 0);
    CHECK_EQ(s.id[0], 0x1234);
    CHECK_EQ(s.done_frame[0], 10 + sizeof QUERY - 1);
    CHECK_EQ(s.length[0], sizeof QUERY);
    CHECK_EQ(s.n_frames[0], sizeof QUERY);
}

static void test_dns_two_messages_in_one_chunk(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    uint8_t two[2 * sizeof QUERY];
    memcpy(two, QUERY, sizeof QUERY);
    memcpy(two + sizeof QUERY, NXDOMAIN, sizeof NXDOMAIN);
    feed_bytes(fr, st, 1, 0, two, sizeof two, 7);
    fr->close(st);
    CHECK_EQ(s.n, 2);
    CHECK(strcmp(s.kind[1], "dns_response") == 0);
    CHECK(strcmp(s.info[1], "Standard query response 0x1234 No such name A example.com") == 0);
    CHECK_EQ(s.rcode[1], 3);
    CHECK_EQ(s.done_frame[0], 7);
    CHECK_EQ(s.done_frame[1], 7);
}

static void test_dns_gap_in_body_counts_and_goes_on(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    feed_bytes(fr, st, 0, 0, QUERY, 20, 4);
    feed_kind(fr, st, 0, TT_REASM_GAP, 20, 5, 6);
    feed_bytes(fr, st, 0, 25, QUERY + 25, sizeof QUERY - 25, 6);
    feed_bytes(fr, st, 0, sizeof QUERY, QUERY, sizeof QUERY, 8); /* the next one frames */
    fr->close(st);
    CHECK_EQ(s.n, 2);
    CHECK(s.lost[0]);
    CHECK_EQ(s.anomalies[0], 0); /* a parse cut by lost bytes is not a malformed message */
    CHECK(!s.lost[1]);
    CHECK_EQ(s.done_frame[1], 8);
}

static void test_dns_gap_in_length_stops_framing(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    feed_kind(fr, st, 0, TT_REASM_GAP, 0, 1, 3);
    feed_bytes(fr, st, 0, 1, QUERY + 1, sizeof QUERY - 1, 4);
    fr->close(st);
    CHECK_EQ(s.n, 0);
}

static void test_dns_end_mid_message_is_abandoned(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    feed_bytes(fr, st, 0, 0, QUERY, 10, 4);
    feed_kind(fr, st, 0, TT_REASM_END, 10, 0, 5);
    fr->close(st);
    CHECK_EQ(s.n, 1);
    CHECK_EQ(s.done_frame[0], 0);
    CHECK(s.anomalies[0] & TT_ANOM_BIT(TT_ANOM_DNS_ABANDONED));
}

static void test_dns_short_message_is_invalid(void)
{
    seen s;
    const tt_framer *fr;
    void *st = open_dns(&s, &fr);
    if (!st)
        return;
    static const uint8_t SHORT[] = {0x00, 0x03, 0x12, 0x34, 0x01};
    feed_bytes(fr, st, 0, 0, SHORT, sizeof SHORT, 4);
    /* a name pointer that loops on itself */
    static const uint8_t LOOP[] = {0x00, 0x10, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x01};
    feed_bytes(fr, st, 0, sizeof SHORT, LOOP, sizeof LOOP, 5);
    fr->close(st);
    CHECK_EQ(s.n, 2);
    CHECK(s.anomalies[0] & TT_ANOM_BIT(TT_ANOM_DNS_INVALID));
    CHECK(s.anomalies[1] & TT_ANOM_BIT(TT_ANOM_DNS_INVALID));
    CHECK(strcmp(s.info[1], "Standard query 0x0001[Malformed Packet]") == 0);
}

/* ---- the registry's choice ---- */

static const uint8_t TLS_HELLO[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01};
static const uint8_t HTTP_GET[] = "GET / HTTP/1.1\r\n";

static const char *chosen(uint16_t a, uint16_t b, const uint8_t *p, size_t len)
{
    uint16_t port[2] = {a, b};
    const tt_framer *f = tt_framer_choose(port, p, len);
    return f ? f->name : "none";
}

static void test_choice_ports_and_sniffing(void)
{
    CHECK(strcmp(chosen(40000, 53, QUERY, sizeof QUERY), "dns") == 0);
    CHECK(strcmp(chosen(40000, 53, TLS_HELLO, sizeof TLS_HELLO), "dns") == 0); /* the port owner */
    CHECK(strcmp(chosen(40000, 443, HTTP_GET, sizeof HTTP_GET - 1), "tls") == 0);
    CHECK(strcmp(chosen(40000, 8080, TLS_HELLO, sizeof TLS_HELLO), "http") == 0);
    CHECK(strcmp(chosen(40000, 44444, TLS_HELLO, sizeof TLS_HELLO), "tls") == 0); /* sniffed */
    CHECK(strcmp(chosen(40000, 44444, HTTP_GET, sizeof HTTP_GET - 1), "http") == 0);
    CHECK(strcmp(chosen(40000, 22, HTTP_GET, sizeof HTTP_GET - 1), "none") == 0); /* SSH's port */
    CHECK(strcmp(chosen(40000, 3306, HTTP_GET, sizeof HTTP_GET - 1), "none") == 0);
    CHECK(strcmp(chosen(443, 80, TLS_HELLO, sizeof TLS_HELLO), "http") == 0); /* registry order */
}

static void test_registry_is_consistent(void)
{
    CHECK(tt_framer_count() >= 3);
    for (size_t i = 0; tt_framers[i]; i++) {
        const tt_framer *f = tt_framers[i];
        CHECK(f->name && f->open && f->feed && f->close);
        CHECK(f->n_fields <= TT_APP_MAX_FIELDS);
        CHECK(tt_framer_find(f->name) == f);
        for (size_t k = 0; k < f->n_fields; k++)
            CHECK(f->fields[k].name && f->fields[k].type >= TT_APP_INT && f->fields[k].type <= TT_APP_U8LIST);
    }
    CHECK(tt_framer_find("nope") == NULL);
}

TT_TESTS(tt_framers_tests) = {
    {"dns_query_one_byte_at_a_time", test_dns_query_one_byte_at_a_time},
    {"dns_two_messages_in_one_chunk", test_dns_two_messages_in_one_chunk},
    {"dns_gap_in_body_counts_and_goes_on", test_dns_gap_in_body_counts_and_goes_on},
    {"dns_gap_in_length_stops_framing", test_dns_gap_in_length_stops_framing},
    {"dns_end_mid_message_is_abandoned", test_dns_end_mid_message_is_abandoned},
    {"dns_short_message_is_invalid", test_dns_short_message_is_invalid},
    {"framer_choice_ports_and_sniffing", test_choice_ports_and_sniffing},
    {"framer_registry_is_consistent", test_registry_is_consistent},
    {NULL, NULL},
};
