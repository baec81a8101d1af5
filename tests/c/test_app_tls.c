/* app_tls: TLS records and handshake messages from byte strings, split every way. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/app_tls.h"
#include "tt_test.h"

/* A ClientHello, by hand (RFC 8446 §4.1.2), in a record with legacy version 0x0301. */
static const uint8_t CLIENT_HELLO[] = {
    0x16, 0x03, 0x01, 0x00, 0x84,                   /* handshake record, 132 bytes */
    0x01, 0x00, 0x00, 0x80,                         /* ClientHello, 128 bytes */
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20,                                           /* legacy_session_id, 32 bytes */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, /* cipher_suites */
    0x01, 0x00,                                     /* compression: null */
    0x00, 0x31,                                     /* extensions, 49 bytes */
    /* server_name (RFC 6066 §3): list 14, host_name "example.com" */
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b,
    'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    /* ALPN (RFC 7301 §3.1): "h2", "http/1.1" */
    0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
    /* supported_versions (RFC 8446 §4.2.1): GREASE, TLS 1.3, TLS 1.2 */
    0x00, 0x2b, 0x00, 0x07, 0x06, 0x0a, 0x0a, 0x03, 0x04, 0x03, 0x03,
};

/* record and handshake headers, version, random, session id, suites, compression,
 * extensions length, server_name type and length, list length, name type */
#define CH_NAME_LEN_OFF (5 + 4 + 2 + 32 + 1 + 32 + 8 + 2 + 2 + 4 + 2 + 1)

typedef struct trec {
    tt_tls_record r[32];
    size_t nr;
    tt_tls_handshake h[32];
    char sni[64], alpn[4][16];
    size_t nh;
    int order[64]; /* 'r' or 'h' in callback order */
    size_t no;
} trec;

static void on_record(void *ctx, const tt_tls_record *r)
{
    trec *t = ctx;
    if (t->no < 64)
        t->order[t->no++] = 'r';
    if (t->nr < 32) {
        t->r[t->nr] = *r;
        t->r[t->nr].frames = NULL; /* borrowed: gone after the callback */
        t->nr++;
    }
}

static void on_hs(void *ctx, const tt_tls_handshake *h)
{
    trec *t = ctx;
    if (t->no < 64)
        t->order[t->no++] = 'h';
    if (t->nh < 32) {
        t->h[t->nh] = *h;
        t->h[t->nh].frames = NULL;
        if (h->type == TT_TLS_HS_CLIENT_HELLO && h->sni.p && h->sni.len < 64) {
            memcpy(t->sni, h->sni.p, h->sni.len);
            t->sni[h->sni.len] = '\0';
        }
        for (size_t i = 0; i < h->n_alpn && i < 4; i++) {
            size_t n = h->alpn[i].len < 15 ? h->alpn[i].len : 15;
            memcpy(t->alpn[i], h->alpn[i].p, n);
            t->alpn[i][n] = '\0';
        }
        t->nh++;
    }
}

static tt_tls_conn *conn(trec *t)
{
    memset(t, 0, sizeof *t);
    tt_tls_sink s = {on_record, on_hs, t};
    return tt_tls_conn_new(NULL, &s, NULL);
}

static void feed(tt_tls_conn *c, int dir, const uint8_t *s, size_t from, size_t to, uint64_t frame)
{
    tt_reasm_part part = {frame, (uint32_t)(to - from)};
    tt_reasm_chunk ch = {.kind = TT_REASM_DATA, .off = from, .len = to - from, .data = s + from,
                         .parts = &part, .n_parts = 1, .frame = frame};
    tt_tls_conn_feed(c, dir, &ch);
}

static void lose(tt_tls_conn *c, int dir, size_t from, size_t to, uint64_t frame)
{
    tt_reasm_chunk ch = {.kind = TT_REASM_GAP, .off = from, .len = to - from, .frame = frame};
    tt_tls_conn_feed(c, dir, &ch);
}

static void end(tt_tls_conn *c, int dir, size_t off)
{
    tt_reasm_chunk ch = {.kind = TT_REASM_END, .off = off, .end = TT_REASM_END_FIN};
    tt_tls_conn_feed(c, dir, &ch);
}

static void check_client_hello(trec *t)
{
    CHECK_EQ(t->nh, 1);
    CHECK_EQ(t->nr, 1);
    CHECK_EQ(t->h[0].type, TT_TLS_HS_CLIENT_HELLO);
    CHECK_EQ(t->h[0].length, 128);
    CHECK_EQ(t->h[0].hello_version, 0x0303);
    CHECK_EQ(t->h[0].max_version, 0x0304);
    CHECK(strcmp(t->sni, "example.com") == 0);
    CHECK_EQ(t->h[0].n_alpn, 2);
    CHECK(strcmp(t->alpn[0], "h2") == 0);
    CHECK(strcmp(t->alpn[1], "http/1.1") == 0);
    CHECK_EQ(t->h[0].flags, 0);
    CHECK_EQ(t->h[0].start_off, 5);
    CHECK_EQ(t->h[0].end_off, sizeof CLIENT_HELLO);
    CHECK_EQ(t->r[0].type, TT_TLS_HANDSHAKE);
    CHECK_EQ(t->r[0].version, 0x0301);
    CHECK_EQ(t->r[0].length, 132);
    CHECK_EQ(t->r[0].n_hs, 1);
    CHECK_EQ(t->r[0].hs_types[0], TT_TLS_HS_CLIENT_HELLO);
    CHECK_EQ(t->r[0].end_off, sizeof CLIENT_HELLO);
    CHECK_EQ(t->order[0], 'h'); /* the message, then the record that completed it */
}

static void test_client_hello_sni_alpn(void)
{
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, CLIENT_HELLO, 0, sizeof CLIENT_HELLO, 4);
    check_client_hello(&t);
    CHECK_EQ(t.r[0].done_frame, 4);
    CHECK_EQ(t.r[0].n_frames, 1);
    tt_tls_conn_free(c);
}

/* A record spanning segments, split at every byte. */
static void test_client_hello_every_split(void)
{
    for (size_t k = 0; k <= sizeof CLIENT_HELLO; k++) {
        trec t;
        tt_tls_conn *c = conn(&t);
        feed(c, 0, CLIENT_HELLO, 0, k, 4);
        feed(c, 0, CLIENT_HELLO, k, sizeof CLIENT_HELLO, 5);
        check_client_hello(&t);
        CHECK_EQ(t.r[0].done_frame, k == sizeof CLIENT_HELLO ? 4 : 5);
        CHECK_EQ(t.r[0].n_frames, (k == 0 || k == sizeof CLIENT_HELLO) ? 1 : 2);
        CHECK_EQ(t.h[0].n_frames, (k <= 5 || k == sizeof CLIENT_HELLO) ? 1 : 2);
        tt_tls_conn_free(c);
        if (tt_test_failures)
            return;
    }
    trec t;
    tt_tls_conn *c = conn(&t);
    for (size_t i = 0; i < sizeof CLIENT_HELLO; i++)
        feed(c, 0, CLIENT_HELLO, i, i + 1, i + 1);
    check_client_hello(&t);
    CHECK_EQ(t.r[0].frames_total, sizeof CLIENT_HELLO);
    CHECK_EQ(t.h[0].frames_total, sizeof CLIENT_HELLO - 5);
    tt_tls_conn_free(c);
}

/* ---- a TLS 1.2 server flight, built with a small writer ---- */

typedef struct wbuf {
    uint8_t b[4096];
    size_t n;
} wbuf;

static void w8(wbuf *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }
static void w16(wbuf *w, unsigned v) { w8(w, v >> 8); w8(w, v & 0xff); }
static void w24(wbuf *w, unsigned v) { w8(w, v >> 16); w16(w, v & 0xffff); }
static void wfill(wbuf *w, uint8_t v, size_t n)
{
    memset(w->b + w->n, v, n);
    w->n += n;
}
static void wrec(wbuf *w, unsigned type, unsigned len)
{
    w8(w, type);
    w16(w, 0x0303);
    w16(w, len);
}

/* Record 1: ServerHello (49 bytes) + the first 100 bytes of a Certificate of 300;
 * record 2: the Certificate's other 200 + ServerHelloDone; then ChangeCipherSpec,
 * an encrypted Finished (type 22 after CCS) and application data. */
static size_t server_flight(wbuf *w, size_t *rec2, size_t *ccs)
{
    w->n = 0;
    wrec(w, TT_TLS_HANDSHAKE, 4 + 49 + 4 + 100);
    w8(w, TT_TLS_HS_SERVER_HELLO);
    w24(w, 49);
    w16(w, 0x0303);
    wfill(w, 0x11, 32);
    w8(w, 0);          /* session id */
    w16(w, 0xc02f);    /* cipher suite */
    w8(w, 0);          /* compression */
    w16(w, 9);         /* extensions */
    w16(w, 16);        /* ALPN: h2 chosen */
    w16(w, 5);
    w16(w, 3);
    w8(w, 2);
    w8(w, 'h');
    w8(w, '2');
    w8(w, 11);         /* Certificate */
    w24(w, 300);
    wfill(w, 0xcc, 100);
    *rec2 = w->n;
    wrec(w, TT_TLS_HANDSHAKE, 200 + 4);
    wfill(w, 0xcc, 200);
    w8(w, 14);         /* ServerHelloDone */
    w24(w, 0);
    *ccs = w->n;
    wrec(w, TT_TLS_CHANGE_CIPHER_SPEC, 1);
    w8(w, 1);
    wrec(w, TT_TLS_HANDSHAKE, 40);
    wfill(w, 0xee, 40); /* encrypted Finished: not parsed */
    wrec(w, TT_TLS_APPLICATION_DATA, 0);
    wrec(w, TT_TLS_APPLICATION_DATA, 30);
    wfill(w, 0xdd, 30);
    return w->n;
}

static void check_flight(trec *t, size_t rec2)
{
    CHECK_EQ(t->nh, 3);
    CHECK_EQ(t->h[0].type, TT_TLS_HS_SERVER_HELLO);
    CHECK_EQ(t->h[0].cipher_suite, 0xc02f);
    CHECK_EQ(t->h[0].n_alpn, 1);
    CHECK(strcmp(t->alpn[0], "h2") == 0);
    CHECK_EQ(t->h[1].type, 11);
    CHECK_EQ(t->h[1].length, 300);
    CHECK_EQ(t->h[1].end_off, rec2 + 5 + 200); /* spans the second record's header */
    CHECK_EQ(t->h[2].type, 14);
    CHECK_EQ(t->h[2].length, 0);
    CHECK_EQ(t->nr, 6);
    CHECK_EQ(t->r[0].n_hs, 2);
    CHECK_EQ(t->r[0].hs_types[0], 2);
    CHECK_EQ(t->r[0].hs_types[1], 11);
    CHECK_EQ(t->r[1].n_hs, 1);
    CHECK_EQ(t->r[1].hs_types[0], 14);
    CHECK_EQ(t->r[2].type, TT_TLS_CHANGE_CIPHER_SPEC);
    CHECK_EQ(t->r[3].type, TT_TLS_HANDSHAKE);
    CHECK(t->r[3].flags & TT_TLS_F_ENCRYPTED);
    CHECK_EQ(t->r[3].n_hs, 0);
    CHECK_EQ(t->r[4].length, 0);
    CHECK_EQ(t->r[5].type, TT_TLS_APPLICATION_DATA);
    CHECK_EQ(t->r[5].length, 30);
}

static void test_server_flight_several_records_and_messages(void)
{
    wbuf *w = malloc(sizeof *w);
    size_t rec2, ccs;
    size_t n = server_flight(w, &rec2, &ccs);
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 1, w->b, 0, n, 2);
    check_flight(&t, rec2);
    tt_tls_conn_free(c);
    for (size_t k = 0; k <= n && !tt_test_failures; k++) {
        c = conn(&t);
        feed(c, 1, w->b, 0, k, 2);
        feed(c, 1, w->b, k, n, 3);
        check_flight(&t, rec2);
        tt_tls_conn_free(c);
    }
    c = conn(&t);
    for (size_t i = 0; i < n; i++)
        feed(c, 1, w->b, i, i + 1, i + 1);
    check_flight(&t, rec2);
    CHECK_EQ(t.h[1].frames_total, 4 + 300);
    CHECK_EQ(t.h[1].done_frame, rec2 + 5 + 200);
    tt_tls_conn_free(c);
    free(w);
}

/* ---- hostile lengths ---- */

static void test_record_length_too_big_is_invalid(void)
{
    const uint8_t bad[] = {0x17, 0x03, 0x03, 0xff, 0xff, 1, 2, 3};
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, bad, 0, sizeof bad, 1);
    CHECK_EQ(t.nr, 1);
    CHECK(t.r[0].flags & TT_TLS_F_INVALID);
    CHECK(t.r[0].anomalies & TT_ANOM_BIT(TT_ANOM_TLS_RECORD_INVALID));
    CHECK_EQ(t.r[0].done_frame, 0);
    CHECK_EQ(tt_tls_conn_stats(c)->unparsed_bytes, 3);
    feed(c, 0, CLIENT_HELLO, 0, sizeof CLIENT_HELLO, 2); /* framing stays stopped */
    CHECK_EQ(t.nr, 1);
    tt_tls_conn_free(c);
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    c = conn(&t);
    feed(c, 0, http, 0, sizeof http - 1, 1);
    CHECK_EQ(t.nr, 1);
    CHECK(t.r[0].flags & TT_TLS_F_INVALID);
    CHECK_EQ(tt_tls_conn_stats(c)->invalid, 1);
    tt_tls_conn_free(c);
}

/* An extension length that overruns the hello: flagged, nothing read out of bounds. */
static void test_hello_lying_lengths(void)
{
    uint8_t b[sizeof CLIENT_HELLO];
    const size_t sni_ext_len = 5 + 4 + 2 + 32 + 1 + 32 + 8 + 2 + 2 + 2; /* the SNI extension's length */
    memcpy(b, CLIENT_HELLO, sizeof b);
    b[sni_ext_len] = 0x7f; /* extension length 0x7f10 */
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, b, 0, sizeof b, 1);
    CHECK_EQ(t.nh, 1);
    CHECK(t.h[0].flags & TT_TLS_F_BAD_LENGTH);
    CHECK(t.h[0].anomalies & TT_ANOM_BIT(TT_ANOM_TLS_HANDSHAKE_INVALID));
    CHECK_EQ(t.h[0].sni.p == NULL, 1);
    CHECK_EQ(tt_tls_conn_stats(c)->bad_lengths, 1);
    tt_tls_conn_free(c);
    /* the host name's length lies inside a correct extension */
    memcpy(b, CLIENT_HELLO, sizeof b);
    b[CH_NAME_LEN_OFF] = 0x20; /* host name length 0x200b */
    c = conn(&t);
    feed(c, 0, b, 0, sizeof b, 1);
    CHECK(t.h[0].flags & TT_TLS_F_BAD_LENGTH);
    CHECK(t.sni[0] == '\0');
    tt_tls_conn_free(c);
}

/* Every prefix of a hello body, and every byte of it replaced by every value: the
 * parser never reads out of bounds (AddressSanitizer watches) and never crashes. */
static void test_hello_parser_every_truncation_and_mutation(void)
{
    const uint8_t *body = CLIENT_HELLO + 9;
    size_t n = sizeof CLIENT_HELLO - 9;
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = malloc(k ? k : 1); /* exact size: an overread hits the redzone */
        memcpy(copy, body, k);
        tt_tls_handshake hs;
        memset(&hs, 0, sizeof hs);
        bool ok = tt_tls_parse_hello(TT_TLS_HS_CLIENT_HELLO, copy, k, &hs);
        CHECK(!ok || k == 77); /* a hello may end before its extensions (RFC 5246 §7.4.1.2) */
        free(copy);
    }
    uint8_t *copy = malloc(n);
    for (size_t i = 0; i < n; i++) {
        for (unsigned v = 0; v < 256; v += 17) {
            memcpy(copy, body, n);
            copy[i] = (uint8_t)v;
            tt_tls_handshake hs;
            memset(&hs, 0, sizeof hs);
            tt_tls_parse_hello(TT_TLS_HS_CLIENT_HELLO, copy, n, &hs);
            tt_tls_parse_hello(TT_TLS_HS_SERVER_HELLO, copy, n, &hs);
            if (hs.sni.p)
                CHECK(hs.sni.p >= (const char *)copy && hs.sni.p + hs.sni.len <= (const char *)copy + n);
        }
    }
    tt_tls_handshake hs;
    memset(&hs, 0, sizeof hs);
    CHECK(tt_tls_parse_hello(TT_TLS_HS_CLIENT_HELLO, body, n, &hs));
    CHECK(!tt_tls_parse_hello(TT_TLS_HS_CLIENT_HELLO, body, n - 1, &hs));
    free(copy);
}

/* A handshake length far past the data: the message waits, then is abandoned at the end. */
static void test_handshake_length_past_end(void)
{
    const uint8_t b[] = {0x16, 0x03, 0x03, 0x00, 0x08, 0x01, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, b, 0, sizeof b, 1);
    CHECK_EQ(t.nr, 1);
    CHECK_EQ(t.nh, 0);
    end(c, 0, sizeof b);
    CHECK_EQ(t.nh, 1);
    CHECK(t.h[0].flags & TT_TLS_F_ABANDONED);
    CHECK_EQ(t.h[0].length, 0xffffff);
    CHECK_EQ(t.h[0].done_frame, 0);
    tt_tls_conn_free(c);
}

/* ---- lost bytes ---- */

static void test_gap_in_record_body_counted(void)
{
    wbuf *w = malloc(sizeof *w);
    w->n = 0;
    wrec(w, TT_TLS_APPLICATION_DATA, 100);
    wfill(w, 0xab, 100);
    wrec(w, TT_TLS_ALERT, 2);
    w8(w, 1);
    w8(w, 0);
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, w->b, 0, 30, 1);
    lose(c, 0, 30, 60, 2);
    feed(c, 0, w->b, 60, w->n, 3);
    CHECK_EQ(t.nr, 2);
    CHECK(t.r[0].flags & TT_TLS_F_MISSING);
    CHECK_EQ(t.r[0].missing_bytes, 30);
    CHECK_EQ(t.r[0].done_frame, 3);
    CHECK_EQ(t.r[1].type, TT_TLS_ALERT);
    CHECK_EQ(t.r[1].flags, 0);
    tt_tls_conn_free(c);
    /* a gap that covers a record header stops framing */
    c = conn(&t);
    feed(c, 0, w->b, 0, 30, 1);
    lose(c, 0, 30, 107, 2);
    feed(c, 0, w->b, 107, w->n, 3);
    CHECK_EQ(t.nr, 1);
    CHECK(t.r[0].flags & TT_TLS_F_MISSING);
    CHECK_EQ(t.r[0].done_frame, 2);
    CHECK(tt_tls_conn_stats(c)->unparsed_bytes > 0);
    tt_tls_conn_free(c);
    free(w);
}

/* A gap in a ClientHello body: the message is still framed, its extensions unread. */
static void test_gap_in_client_hello(void)
{
    trec t;
    tt_tls_conn *c = conn(&t);
    feed(c, 0, CLIENT_HELLO, 0, 50, 1);
    lose(c, 0, 50, 60, 2);
    feed(c, 0, CLIENT_HELLO, 60, sizeof CLIENT_HELLO, 3);
    CHECK_EQ(t.nh, 1);
    CHECK(t.h[0].flags & TT_TLS_F_MISSING);
    CHECK_EQ(t.h[0].missing_bytes, 10);
    CHECK(t.h[0].sni.p == NULL);
    CHECK_EQ(t.nr, 1);
    CHECK_EQ(t.r[0].missing_bytes, 10);
    tt_tls_conn_free(c);
}

static void test_sniff(void)
{
    CHECK(tt_tls_sniff(CLIENT_HELLO, sizeof CLIENT_HELLO));
    CHECK(!tt_tls_sniff((const uint8_t *)"GET / HTTP/1.1", 14));
    CHECK(!tt_tls_sniff(CLIENT_HELLO, 4));
}

TT_TESTS(tt_app_tls_tests) = {
    {"app_tls/client_hello_sni_alpn", test_client_hello_sni_alpn},
    {"app_tls/client_hello_every_split", test_client_hello_every_split},
    {"app_tls/server_flight_several_records_and_messages", test_server_flight_several_records_and_messages},
    {"app_tls/record_length_too_big_is_invalid", test_record_length_too_big_is_invalid},
    {"app_tls/hello_lying_lengths", test_hello_lying_lengths},
    {"app_tls/hello_parser_every_truncation_and_mutation", test_hello_parser_every_truncation_and_mutation},
    {"app_tls/handshake_length_past_end", test_handshake_length_past_end},
    {"app_tls/gap_in_record_body_counted", test_gap_in_record_body_counted},
    {"app_tls/gap_in_client_hello", test_gap_in_client_hello},
    {"app_tls/sniff", test_sniff},
    {NULL, NULL},
};
