/* app_http: HTTP/1.x framing (RFC 9112) from byte strings, split every way. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/app_http.h"
#include "../../csrc/app_http_parse.h"
#include "tt_test.h"

typedef struct hmsg {
    tt_http_kind kind;
    int dir, status, version_major, version_minor;
    char method[16], uri[64], reason[32], ctype[64], reqm[16];
    uint64_t header_bytes, body_bytes, content_bytes, start_off, end_off, missing, done_frame;
    uint64_t frames_total;
    int64_t cl;
    uint32_t flags;
    uint64_t anomalies;
    tt_http_body body_kind;
    tt_app_frame frames[8];
    size_t n_frames;
} hmsg;

typedef struct hrec {
    hmsg m[64];
    size_t n;
} hrec;

static void cpy(char *dst, size_t cap, tt_app_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (s.p)
        memcpy(dst, s.p, n);
    else
        n = 0;
    dst[n] = '\0';
}

static void hsink(void *ctx, const tt_http_msg *m)
{
    hrec *r = ctx;
    if (r->n == 64)
        return;
    hmsg *h = &r->m[r->n++];
    memset(h, 0, sizeof *h);
    h->kind = m->kind;
    h->dir = m->dir;
    h->status = m->status;
    h->version_major = m->version_major;
    h->version_minor = m->version_minor;
    cpy(h->method, sizeof h->method, m->method);
    cpy(h->uri, sizeof h->uri, m->uri);
    cpy(h->reason, sizeof h->reason, m->reason);
    cpy(h->ctype, sizeof h->ctype, m->content_type);
    cpy(h->reqm, sizeof h->reqm, m->request_method);
    h->header_bytes = m->header_bytes;
    h->body_bytes = m->body_bytes;
    h->content_bytes = m->content_bytes;
    h->start_off = m->start_off;
    h->end_off = m->end_off;
    h->missing = m->missing_bytes;
    h->done_frame = m->done_frame;
    h->frames_total = m->frames_total;
    h->cl = m->content_length;
    h->flags = m->flags;
    h->anomalies = m->anomalies;
    h->body_kind = m->body_kind;
    h->n_frames = m->n_frames < 8 ? m->n_frames : 8;
    if (h->n_frames)
        memcpy(h->frames, m->frames, h->n_frames * sizeof *m->frames);
}

/* Feed bytes [from, to) of s as one DATA chunk carried by frame. */
static void feed(tt_http_conn *c, int dir, const char *s, size_t from, size_t to, uint64_t frame)
{
    tt_reasm_part part = {frame, (uint32_t)(to - from)};
    tt_reasm_chunk ch = {.kind = TT_REASM_DATA, .off = from, .len = to - from,
                         .data = (const uint8_t *)s + from, .parts = &part, .n_parts = 1,
                         .frame = frame};
    tt_http_conn_feed(c, dir, &ch);
}

static void lose(tt_http_conn *c, int dir, tt_reasm_kind kind, size_t from, size_t to, uint64_t frame)
{
    tt_reasm_part part = {frame, (uint32_t)(to - from)};
    tt_reasm_chunk ch = {.kind = kind, .off = from, .len = to - from, .parts = &part,
                         .n_parts = kind == TT_REASM_MISSING, .frame = frame};
    tt_http_conn_feed(c, dir, &ch);
}

static void end(tt_http_conn *c, int dir, uint64_t off, uint64_t frame)
{
    tt_reasm_chunk ch = {.kind = TT_REASM_END, .off = off, .frame = frame, .end = TT_REASM_END_FIN};
    tt_http_conn_feed(c, dir, &ch);
}

static tt_http_conn *conn(hrec *r)
{
    memset(r, 0, sizeof *r);
    tt_error err;
    return tt_http_conn_new(NULL, hsink, r, &err);
}

/* ---- the seed example, through reassembly ---- */

typedef struct pipe_dir {
    tt_http_conn *c;
    int dir;
} pipe_dir;

static void reasm_to_http(void *ctx, const tt_reasm_chunk *ch)
{
    pipe_dir *p = ctx;
    tt_http_conn_feed(p->c, p->dir, ch);
}

static const char SEED_REQ[] = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.54.0\r\n"
                               "Accept: */*\r\n\r\n";

static void test_seed_example_frames(void)
{
    CHECK_EQ(strlen(SEED_REQ), 75);
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1527\r\n\r\n";
    size_t hl = strlen(head);
    CHECK_EQ(hl, 66);
    char *resp = malloc(1593);
    memcpy(resp, head, hl);
    memset(resp + hl, 'x', 1593 - hl);
    hrec r;
    tt_http_conn *c = conn(&r);
    tt_reasm_budget b;
    tt_reasm_budget_init(&b, TT_REASM_BUDGET_DEFAULT);
    pipe_dir p0 = {c, 0}, p1 = {c, 1};
    tt_reasm c2s, s2c;
    tt_reasm_init(&c2s, NULL, &b, reasm_to_http, &p0);
    tt_reasm_init(&s2c, NULL, &b, reasm_to_http, &p1);
    tt_reasm_insert(&c2s, &(tt_reasm_seg){0, (const uint8_t *)SEED_REQ, 75, 75, 4, 0});
    tt_reasm_insert(&s2c, &(tt_reasm_seg){0, (const uint8_t *)resp, 1448, 1448, 5, 0});
    CHECK_EQ(r.n, 1);
    tt_reasm_insert(&s2c, &(tt_reasm_seg){1448, (const uint8_t *)resp + 1448, 145, 145, 7, 0});
    tt_reasm_insert(&c2s, &(tt_reasm_seg){75, NULL, 0, 0, 11, TT_REASM_FIN});
    tt_reasm_insert(&s2c, &(tt_reasm_seg){1593, NULL, 0, 0, 12, TT_REASM_FIN});
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.m[0].kind, TT_HTTP_REQUEST);
    CHECK(strcmp(r.m[0].method, "GET") == 0);
    CHECK(strcmp(r.m[0].uri, "/") == 0);
    CHECK_EQ(r.m[0].header_bytes, 75);
    CHECK_EQ(r.m[0].done_frame, 4);
    CHECK_EQ(r.m[0].n_frames, 1);
    CHECK_EQ(r.m[0].frames[0].bytes, 75);
    CHECK_EQ(r.m[1].kind, TT_HTTP_RESPONSE);
    CHECK_EQ(r.m[1].status, 200);
    CHECK(strcmp(r.m[1].reason, "OK") == 0);
    CHECK(strcmp(r.m[1].ctype, "text/html") == 0);
    CHECK(strcmp(r.m[1].reqm, "GET") == 0);
    CHECK_EQ(r.m[1].start_off, 0);
    CHECK_EQ(r.m[1].end_off, 1593);
    CHECK_EQ(r.m[1].body_bytes, 1527);
    CHECK_EQ(r.m[1].done_frame, 7);
    CHECK_EQ(r.m[1].n_frames, 2); /* #5(1448), #7(145) */
    CHECK_EQ(r.m[1].frames[0].frame, 5);
    CHECK_EQ(r.m[1].frames[0].bytes, 1448);
    CHECK_EQ(r.m[1].frames[1].frame, 7);
    CHECK_EQ(r.m[1].frames[1].bytes, 145);
    CHECK_EQ(r.m[1].flags, 0);
    tt_reasm_clear(&c2s);
    tt_reasm_clear(&s2c);
    tt_http_conn_free(c);
    free(resp);
}

/* Any split, local reordering and duplication of a pipelined response stream, through
 * reassembly: the same messages, each frame's share summing to the message. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct frame_sum {
    hrec r;
    uint64_t sums[64];
} frame_sum;

static void sum_sink(void *ctx, const tt_http_msg *m)
{
    frame_sum *fs = ctx;
    uint64_t s = 0;
    for (size_t i = 0; i < m->n_frames; i++)
        s += m->frames[i].bytes;
    if (fs->r.n < 64)
        fs->sums[fs->r.n] = s;
    hsink(&fs->r, m);
}

static void test_randomized_segments_through_reassembly(void)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n0123456789012345678901234567890123456789"
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nabcdefg\r\n3;x=y\r\nhij\r\n0\r\n\r\n"
                    "HTTP/1.1 204 No Content\r\n\r\n"
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnot";
    size_t n = strlen(s);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int iter = 0; iter < 300 && !tt_test_failures; iter++) {
        struct { uint32_t off, len; } segs[400];
        size_t k = 0;
        for (uint32_t at = 0; at < n;) {
            uint32_t len = 1 + (uint32_t)(rnd(&seed) % 40);
            if (at + len > n)
                len = (uint32_t)n - at;
            segs[k].off = at;
            segs[k++].len = len;
            if (rnd(&seed) % 8 == 0) { /* a duplicate */
                segs[k] = segs[k - 1];
                k++;
            }
            at += len;
        }
        for (size_t i = 0; i + 1 < k; i++) /* local reordering */
            if (rnd(&seed) % 4 == 0) {
                uint32_t o = segs[i].off, l = segs[i].len;
                segs[i] = segs[i + 1];
                segs[i + 1].off = o;
                segs[i + 1].len = l;
            }
        frame_sum fs;
        memset(&fs, 0, sizeof fs);
        tt_http_conn *c = tt_http_conn_new(NULL, sum_sink, &fs, NULL);
        tt_reasm_budget b;
        tt_reasm_budget_init(&b, TT_REASM_BUDGET_DEFAULT);
        pipe_dir p1 = {c, 1};
        tt_reasm r;
        tt_reasm_init(&r, NULL, &b, reasm_to_http, &p1);
        for (size_t i = 0; i < k; i++)
            tt_reasm_insert(&r, &(tt_reasm_seg){segs[i].off, (const uint8_t *)s + segs[i].off,
                                                segs[i].len, segs[i].len, i + 1, 0});
        tt_reasm_insert(&r, &(tt_reasm_seg){n, NULL, 0, 0, k + 1, TT_REASM_FIN});
        CHECK_EQ(fs.r.n, 4);
        CHECK_EQ(fs.r.m[0].body_bytes, 40);
        CHECK_EQ(fs.r.m[1].content_bytes, 10);
        CHECK_EQ(fs.r.m[2].status, 204);
        CHECK_EQ(fs.r.m[3].end_off, n);
        for (size_t i = 0; i < 4; i++) {
            CHECK_EQ(fs.sums[i], fs.r.m[i].end_off - fs.r.m[i].start_off);
            CHECK_EQ(fs.r.m[i].flags & ~TT_HTTP_F_UNPAIRED, 0);
            CHECK(fs.r.m[i].done_frame >= 1 && fs.r.m[i].done_frame <= k);
        }
        tt_reasm_clear(&r);
        tt_http_conn_free(c);
    }
}

/* ---- Content-Length, split at every byte ---- */

static const char CL_RESP[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type:  text/plain ; x=1 \r\n\r\n"
                              "0123456789";

static void test_content_length_every_split(void)
{
    size_t n = strlen(CL_RESP);
    for (size_t k = 0; k <= n; k++) {
        hrec r;
        tt_http_conn *c = conn(&r);
        feed(c, 1, CL_RESP, 0, k, 1);
        feed(c, 1, CL_RESP, k, n, 2);
        CHECK_EQ(r.n, 1);
        CHECK_EQ(r.m[0].body_kind, TT_HTTP_BODY_LENGTH);
        CHECK_EQ(r.m[0].body_bytes, 10);
        CHECK_EQ(r.m[0].cl, 10);
        CHECK_EQ(r.m[0].end_off, n);
        CHECK_EQ(r.m[0].header_bytes, n - 10);
        CHECK(strcmp(r.m[0].ctype, "text/plain ; x=1") == 0);
        CHECK_EQ(r.m[0].done_frame, k == n ? 1 : 2);
        CHECK_EQ(r.m[0].flags, TT_HTTP_F_UNPAIRED);
        uint64_t sum = 0;
        for (size_t i = 0; i < r.m[0].n_frames; i++)
            sum += r.m[0].frames[i].bytes;
        CHECK_EQ(sum, n);
        CHECK_EQ(r.m[0].n_frames, (k == 0 || k == n) ? 1 : 2);
        tt_http_conn_free(c);
        if (tt_test_failures)
            return;
    }
}

static void test_one_byte_at_a_time(void)
{
    size_t n = strlen(CL_RESP);
    hrec r;
    tt_http_conn *c = conn(&r);
    for (size_t i = 0; i < n; i++)
        feed(c, 1, CL_RESP, i, i + 1, 100 + i);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.m[0].done_frame, 100 + n - 1);
    CHECK_EQ(r.m[0].frames_total, n);
    CHECK_EQ(r.m[0].n_frames, 8); /* the test keeps 8 */
    tt_http_conn_free(c);
}

/* ---- chunked transfer coding with trailers (RFC 9112 §7.1), every split ---- */

static const char CHUNKED[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                              "5;name=val\r\nhello\r\n"
                              "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                              "0\r\nExpires: never\r\nX-T: 1\r\n\r\n"
                              "HTTP/1.1 204 No Content\r\n\r\n";

static void test_chunked_every_split(void)
{
    size_t n = strlen(CHUNKED);
    size_t first = strstr(CHUNKED, "HTTP/1.1 204") - CHUNKED;
    size_t hdr = strstr(CHUNKED, "\r\n\r\n") - CHUNKED + 4;
    for (size_t k = 0; k <= n; k++) {
        hrec r;
        tt_http_conn *c = conn(&r);
        feed(c, 1, CHUNKED, 0, k, 1);
        feed(c, 1, CHUNKED, k, n, 2);
        CHECK_EQ(r.n, 2);
        CHECK_EQ(r.m[0].body_kind, TT_HTTP_BODY_CHUNKED);
        CHECK_EQ(r.m[0].content_bytes, 5 + 26);
        CHECK_EQ(r.m[0].body_bytes, first - hdr);
        CHECK_EQ(r.m[0].end_off, first);
        CHECK_EQ(r.m[0].done_frame, k >= first ? 1 : 2);
        CHECK_EQ(r.m[0].flags & ~TT_HTTP_F_UNPAIRED, 0);
        CHECK_EQ(r.m[1].status, 204);
        CHECK_EQ(r.m[1].start_off, first);
        CHECK_EQ(r.m[1].end_off, n);
        tt_http_conn_free(c);
        if (tt_test_failures)
            return;
    }
    hrec r;
    tt_http_conn *c = conn(&r);
    for (size_t i = 0; i < n; i++)
        feed(c, 1, CHUNKED, i, i + 1, i + 1);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.m[0].content_bytes, 31);
    CHECK_EQ(r.m[0].done_frame, first);
    tt_http_conn_free(c);
}

static void test_chunked_bad_size_abandons(void)
{
    const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, s, 0, strlen(s), 1);
    CHECK_EQ(r.n, 2);
    CHECK(r.m[0].flags & TT_HTTP_F_ABANDONED);
    CHECK(r.m[0].flags & TT_HTTP_F_INVALID);
    CHECK(r.m[0].anomalies & TT_ANOM_BIT(TT_ANOM_HTTP_INVALID));
    CHECK_EQ(r.m[1].status, 200);
    CHECK(r.m[1].flags & TT_HTTP_F_RESYNC);
    tt_http_conn_free(c);
}

/* ---- responses without a body (RFC 9112 §6.3 rule 1), pairing, pipelining ---- */

static void test_head_response_has_no_body(void)
{
    const char *req = "HEAD /big HTTP/1.1\r\nHost: a\r\n\r\nGET /small HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 1);
    CHECK_EQ(r.n, 2);
    feed(c, 1, resp, 0, strlen(resp), 2);
    CHECK_EQ(r.n, 4);
    CHECK(strcmp(r.m[2].reqm, "HEAD") == 0);
    CHECK_EQ(r.m[2].body_kind, TT_HTTP_BODY_NONE);
    CHECK_EQ(r.m[2].body_bytes, 0);
    CHECK_EQ(r.m[2].cl, 1234);
    CHECK(strcmp(r.m[3].reqm, "GET") == 0);
    CHECK_EQ(r.m[3].body_bytes, 3);
    CHECK_EQ(r.m[3].end_off, strlen(resp));
    tt_http_conn_free(c);
}

static void test_1xx_204_304(void)
{
    const char *req = "POST /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nbody"
                      "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    const char *resp = "HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
                       "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"
                       "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 1);
    CHECK_EQ(r.n, 3);
    CHECK(strcmp(r.m[0].method, "POST") == 0);
    CHECK_EQ(r.m[0].body_bytes, 4);
    feed(c, 1, resp, 0, strlen(resp), 2);
    CHECK_EQ(r.n, 7);
    CHECK_EQ(r.m[3].status, 100);
    CHECK(strcmp(r.m[3].reqm, "POST") == 0);
    CHECK_EQ(r.m[4].status, 201);
    CHECK(strcmp(r.m[4].reqm, "POST") == 0); /* the 100 did not consume the request */
    CHECK_EQ(r.m[4].body_bytes, 2);
    CHECK_EQ(r.m[5].status, 204);
    CHECK(strcmp(r.m[5].reqm, "GET") == 0);
    CHECK_EQ(r.m[5].body_bytes, 0);
    CHECK_EQ(r.m[6].status, 304);
    CHECK_EQ(r.m[6].body_bytes, 0);
    CHECK_EQ(r.m[6].end_off, strlen(resp));
    tt_http_conn_free(c);
}

static void test_pipelined_and_keepalive(void)
{
    const char *req = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n";
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                       "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB"
                       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nCCC";
    hrec r;
    tt_http_conn *c = conn(&r);
    size_t rl = strlen(req), sl = strlen(resp);
    feed(c, 0, req, 0, rl, 1);
    CHECK_EQ(r.n, 3);
    CHECK(strcmp(r.m[1].uri, "/2") == 0);
    CHECK_EQ(r.m[1].start_off, 19);
    feed(c, 1, resp, 0, sl / 2, 2);
    feed(c, 1, resp, sl / 2, sl, 3);
    CHECK_EQ(r.n, 6);
    CHECK_EQ(r.m[4].status, 404);
    CHECK(strcmp(r.m[4].reason, "Not Found") == 0);
    CHECK_EQ(r.m[5].body_bytes, 3);
    CHECK_EQ(r.m[5].done_frame, 3);
    CHECK_EQ(r.m[3].done_frame, 2);
    /* keep-alive: a later exchange on the same connection */
    const char *req2 = "GET /4 HTTP/1.1\r\n\r\n";
    const char *resp2 = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    feed(c, 0, req2 - rl, rl, rl + strlen(req2), 4); /* stream offsets continue */
    feed(c, 1, resp2 - sl, sl, sl + strlen(resp2), 5);
    CHECK_EQ(r.n, 8);
    CHECK_EQ(r.m[6].start_off, rl);
    CHECK(strcmp(r.m[7].reqm, "GET") == 0);
    CHECK_EQ(r.m[7].done_frame, 5);
    CHECK_EQ(tt_http_conn_stats(c)->unpaired, 0);
    tt_http_conn_free(c);
}

/* Leading empty lines before a request are ignored (RFC 9112 §2.2). */
static void test_leading_crlf_ignored(void)
{
    const char *req = "\r\n\r\nGET / HTTP/1.0\r\n\r\n";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 1);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.m[0].start_off, 4);
    CHECK_EQ(r.m[0].frames[0].bytes, strlen(req) - 4);
    tt_http_conn_free(c);
}

/* ---- body delimited by close (rule 7) ---- */

static void test_close_delimited(void)
{
    const char *resp = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>...</html>";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, 30, 5);
    feed(c, 1, resp, 30, strlen(resp), 6);
    CHECK_EQ(r.n, 0);
    end(c, 1, strlen(resp), 9);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.m[0].body_kind, TT_HTTP_BODY_CLOSE);
    CHECK_EQ(r.m[0].body_bytes, 16);
    CHECK_EQ(r.m[0].done_frame, 9);
    tt_http_conn_free(c);
}

static void test_end_mid_body_abandons(void)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, strlen(resp), 5);
    end(c, 1, strlen(resp), 6);
    CHECK_EQ(r.n, 1);
    CHECK(r.m[0].flags & TT_HTTP_F_ABANDONED);
    CHECK(r.m[0].anomalies & TT_ANOM_BIT(TT_ANOM_HTTP_ABANDONED));
    CHECK_EQ(r.m[0].body_bytes, 5);
    CHECK_EQ(r.m[0].done_frame, 0);
    CHECK_EQ(tt_http_conn_stats(c)->abandoned, 1);
    tt_http_conn_free(c);
}

/* ---- lost bytes ---- */

/* A gap in the header block: the message is abandoned, marked, and the framer finds
 * the next request line. */
static void test_gap_in_header_resyncs(void)
{
    const char *req = "GET /lost HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
    size_t n = strlen(req);
    size_t next = strstr(req, "GET /next") - req;
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, 22, 1);
    lose(c, 0, TT_REASM_GAP, 22, 30, 2);
    feed(c, 0, req, 30, n, 3);
    CHECK_EQ(r.n, 2);
    CHECK(r.m[0].flags & TT_HTTP_F_ABANDONED);
    CHECK(strcmp(r.m[0].uri, "/lost") == 0);
    CHECK(strcmp(r.m[1].uri, "/next") == 0);
    CHECK(r.m[1].flags & TT_HTTP_F_RESYNC);
    CHECK_EQ(r.m[1].start_off, next);
    CHECK_EQ(r.m[1].frames[0].frame, 3);
    CHECK(tt_http_conn_stats(c)->skipped_bytes > 0);
    /* both requests await their responses: the abandoned one still paired */
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    feed(c, 1, resp, 0, strlen(resp), 4);
    CHECK_EQ(r.n, 4);
    CHECK_EQ(tt_http_conn_stats(c)->unpaired, 0);
    tt_http_conn_free(c);
}

/* A gap inside a Content-Length body: counted, framing kept. */
static void test_gap_in_body_counted(void)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789"
                       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t hl = strstr(resp, "\r\n\r\n") - resp + 4;
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, hl + 5, 1);
    lose(c, 1, TT_REASM_GAP, hl + 5, hl + 12, 2);
    lose(c, 1, TT_REASM_MISSING, hl + 12, hl + 15, 3); /* cut by the snaplen */
    feed(c, 1, resp, hl + 15, strlen(resp), 4);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.m[0].body_bytes, 20);
    CHECK_EQ(r.m[0].missing, 10);
    CHECK(r.m[0].flags & TT_HTTP_F_MISSING);
    CHECK(r.m[0].flags & TT_HTTP_F_TRUNCATED); /* 3 of the 10 were cut by the snaplen */
    CHECK(!(r.m[0].flags & TT_HTTP_F_ABANDONED));
    CHECK_EQ(r.m[0].n_frames, 3); /* #1, #3 (missing bytes are still its bytes), #4 */
    CHECK_EQ(r.m[0].frames[1].frame, 3);
    CHECK_EQ(r.m[0].frames[1].bytes, 3);
    CHECK_EQ(r.m[0].done_frame, 4);
    CHECK_EQ(r.m[1].flags & TT_HTTP_F_RESYNC, 0);
    tt_http_conn_free(c);
}

/* A gap that swallows the end of a body and the next message's start: resync finds
 * the next start line (at a line start, so a body that ends without a line break
 * hides the message after it). */
static void test_gap_past_body_end_resyncs(void)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"
                       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                       "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
    size_t hl = strstr(resp, "abcde") - resp;
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, hl + 2, 1);
    lose(c, 1, TT_REASM_GAP, hl + 2, hl + 10, 2);
    feed(c, 1, resp, hl + 10, strlen(resp), 3);
    CHECK_EQ(r.n, 2);
    CHECK(r.m[0].flags & TT_HTTP_F_MISSING);
    CHECK_EQ(r.m[0].end_off, hl + 5);
    CHECK_EQ(r.m[1].status, 202);
    CHECK(r.m[1].flags & TT_HTTP_F_RESYNC);
    tt_http_conn_free(c);
}

/* The snaplen cut the request line itself: what was captured is still reported. */
static void test_snaplen_cut_start_line(void)
{
    const char *req = "GET /archive-dv7cnezqmiuciuf.tar HTTP/1.1\r\nHost: a\r\n\r\n";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, 28, 4);
    lose(c, 0, TT_REASM_MISSING, 28, strlen(req), 4);
    CHECK_EQ(r.n, 1);
    CHECK(strcmp(r.m[0].method, "GET") == 0);
    CHECK(strcmp(r.m[0].uri, "/archive-dv7cnezqmiuciuf") == 0);
    CHECK(r.m[0].flags & TT_HTTP_F_TRUNCATED);
    CHECK(r.m[0].flags & TT_HTTP_F_ABANDONED);
    CHECK_EQ(r.m[0].frames[0].frame, 4);
    CHECK_EQ(r.m[0].frames[0].bytes, 28); /* where the message ends is unknown */
    /* a gap (bytes never seen) is no truncation: nothing to report */
    tt_http_conn *c2 = conn(&r);
    feed(c2, 0, req, 0, 28, 4);
    lose(c2, 0, TT_REASM_GAP, 28, strlen(req), 5);
    CHECK_EQ(r.n, 0);
    tt_http_conn_free(c);
    tt_http_conn_free(c2);
}

/* Data released after a hole was given up (chunk frame 0): the message is credited to
 * the frame that carried its last byte. */
static void test_released_chunk_credits_carrying_frame(void)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n";
    size_t n = strlen(resp), first = strstr(resp, "HTTP/1.1 204") - resp;
    tt_reasm_part parts[2] = {{7, (uint32_t)first}, {9, (uint32_t)(n - first)}};
    tt_reasm_chunk ch = {.kind = TT_REASM_DATA, .off = 0, .len = n, .data = (const uint8_t *)resp,
                         .parts = parts, .n_parts = 2, .frame = 0};
    hrec r;
    tt_http_conn *c = conn(&r);
    tt_http_conn_feed(c, 1, &ch);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.m[0].done_frame, 7);
    CHECK_EQ(r.m[1].done_frame, 9);
    tt_http_conn_free(c);
}

/* A close-delimited body ends only at a FIN: the end of the capture leaves it cut. */
static void test_close_delimited_cut_by_capture_end(void)
{
    const char *resp = "HTTP/1.0 200 OK\r\n\r\npartial";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, strlen(resp), 5);
    tt_reasm_chunk ch = {.kind = TT_REASM_END, .off = strlen(resp), .end = TT_REASM_END_FLUSH};
    tt_http_conn_feed(c, 1, &ch);
    CHECK_EQ(r.n, 1);
    CHECK(r.m[0].flags & TT_HTTP_F_ABANDONED);
    CHECK_EQ(r.m[0].done_frame, 0);
    CHECK_EQ(r.m[0].body_bytes, 7);
    tt_http_conn_free(c);
}

/* RFC 1945 §4.1's one-line HTTP/0.9 Simple-Request: Wireshark reads header lines
 * after any request line up to an empty one, so "GET /" alone never completes. */
static void test_http09_simple_request(void)
{
    const char *req = "GET /\r\n\r\nGET /x HTTP/1.0\r\n\r\n";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 37);
    CHECK_EQ(r.n, 2);
    CHECK(strcmp(r.m[0].uri, "/") == 0);
    CHECK_EQ(r.m[0].version_minor, -1);
    CHECK_EQ(r.m[0].header_bytes, 9);
    CHECK_EQ(r.m[0].done_frame, 37);
    CHECK(strcmp(r.m[1].uri, "/x") == 0);
    const char *more = "GET /\r\n\r\nGET /x HTTP/1.0\r\n\r\nGET /\r\n";
    feed(c, 0, more, strlen(req), strlen(more), 38);
    tt_reasm_chunk end = {.kind = TT_REASM_END, .off = strlen(more), .end = TT_REASM_END_FIN};
    tt_http_conn_feed(c, 0, &end);
    CHECK_EQ(r.n, 3);
    CHECK_EQ(r.m[2].done_frame, 0); /* abandoned at the end of the stream */
    tt_http_conn_free(c);
}

/* Leftover bytes before the first message of a capture that starts mid-stream. */
static void test_leftover_bytes_skipped(void)
{
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, "\0", 0, 1, 33);
    const char *req = "GET /ping HTTP/1.1\r\n\r\n";
    feed(c, 0, req - 1, 1, 1 + strlen(req), 1286);
    CHECK_EQ(r.n, 1);
    CHECK(strcmp(r.m[0].uri, "/ping") == 0);
    CHECK_EQ(r.m[0].start_off, 1);
    CHECK_EQ(r.m[0].done_frame, 1286);
    tt_http_conn_free(c);
    /* the end of a body whose start was not captured, then a request in the next segment */
    c = conn(&r);
    const char *tail = "a;b=\x01c";
    feed(c, 0, tail, 0, strlen(tail), 1);
    feed(c, 0, req - strlen(tail), strlen(tail), strlen(tail) + strlen(req), 2);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.m[0].done_frame, 2);
    tt_http_conn_free(c);
}

static void test_header_too_long(void)
{
    tt_http_config cfg = {.max_header_bytes = 64};
    hrec r;
    memset(&r, 0, sizeof r);
    tt_http_conn *c = tt_http_conn_new(&cfg, hsink, &r, NULL);
    char req[256];
    strcpy(req, "GET / HTTP/1.1\r\nX-Long: ");
    size_t n = strlen(req);
    memset(req + n, 'a', 100);
    strcpy(req + n + 100, "\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    feed(c, 0, req, 0, strlen(req), 1);
    CHECK_EQ(r.n, 2);
    CHECK(r.m[0].flags & TT_HTTP_F_TOO_LONG);
    CHECK(r.m[0].anomalies & TT_ANOM_BIT(TT_ANOM_HTTP_HEADER_TOO_LONG));
    CHECK_EQ(r.m[0].header_bytes, 64);
    CHECK(strcmp(r.m[1].uri, "/after") == 0);
    tt_http_conn_free(c);
}

static void test_not_http_is_invalid_then_resyncs(void)
{
    const char *s = "\x16\x03\x01 garbage\r\nmore garbage\r\nPOST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, s, 0, strlen(s), 1);
    CHECK_EQ(r.n, 1);
    CHECK(strcmp(r.m[0].method, "POST") == 0);
    CHECK_EQ(r.m[0].body_bytes, 2);
    CHECK_EQ(tt_http_conn_stats(c)->invalid, 1);
    tt_http_conn_free(c);
}

/* RFC 9112 §6.3 rule 2: after a 101 the connection speaks another protocol. */
static void test_101_switches_to_tunnel(void)
{
    const char *req = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    const char *resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 1);
    feed(c, 1, resp, 0, strlen(resp), 2);
    feed(c, 0, "\x81\x85xxxxxxxxx", 0, 11, 3);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.m[1].body_kind, TT_HTTP_BODY_TUNNEL);
    CHECK_EQ(tt_http_conn_stats(c)->tunnel_bytes, 7 + 11);
    tt_http_conn_free(c);
}

static void test_connect_tunnel(void)
{
    const char *req = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01";
    const char *resp = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 0, req, 0, strlen(req), 1);
    feed(c, 1, resp, 0, strlen(resp), 2);
    CHECK_EQ(r.n, 2);
    CHECK(strcmp(r.m[0].uri, "example.com:443") == 0);
    CHECK_EQ(r.m[1].body_kind, TT_HTTP_BODY_TUNNEL);
    CHECK_EQ(tt_http_conn_stats(c)->invalid, 0);
    CHECK_EQ(tt_http_conn_stats(c)->tunnel_bytes, 6);
    tt_http_conn_free(c);
}

static void test_conflicting_content_length_invalid(void)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef";
    hrec r;
    tt_http_conn *c = conn(&r);
    feed(c, 1, resp, 0, strlen(resp), 1);
    end(c, 1, strlen(resp), 2);
    CHECK_EQ(r.n, 1);
    CHECK(r.m[0].flags & TT_HTTP_F_INVALID);
    CHECK_EQ(r.m[0].body_kind, TT_HTTP_BODY_CLOSE);
    CHECK_EQ(r.m[0].body_bytes, 6);
    /* equal repeated values are one length (RFC 9110 §8.6) */
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc";
    tt_http_conn *c2 = conn(&r);
    feed(c2, 1, ok, 0, strlen(ok), 1);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(r.m[0].body_kind, TT_HTTP_BODY_LENGTH);
    CHECK_EQ(r.m[0].flags & TT_HTTP_F_INVALID, 0);
    tt_http_conn_free(c);
    tt_http_conn_free(c2);
}

/* The pure parsers, one line at a time (RFC 9112 §3, §4, §6.3). */
static void test_parse_start_lines(void)
{
    static const struct {
        const char *line;
        int ok, kind, status, minor;
    } cases[] = {
        {"GET /a?b HTTP/1.1\r\n", 1, TT_HTTP_REQUEST, 0, 1},
        {"M-SEARCH * HTTP/1.1\n", 1, TT_HTTP_REQUEST, 0, 1},
        {"HTTP/1.0 404 Not Found\r\n", 1, TT_HTTP_RESPONSE, 404, 0},
        {"HTTP/1.1 200\r\n", 1, TT_HTTP_RESPONSE, 200, 1},
        {"HTTP/1.1 20\r\n", 0, 0, 0, 0},
        {"HTTP/1.1 2000 x\r\n", 0, 0, 0, 0},
        /* as tshark 4.0.17 reads them (packet-http.c): a known method up to the first
         * space makes a request, whatever follows; the version is HTTP/d.d or none */
        {"GET / HTTP/1.1 extra\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"GET  / HTTP/1.1\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"GET /\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"POST /\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"GET / HTTP/1.\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"OPTIONS\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"OPTIONS HTTP/1.1\r\n", 1, TT_HTTP_REQUEST, 0, -1},
        {"CCM_POST /x HTTP/1.1\r\n", 1, TT_HTTP_REQUEST, 0, 1},
        {"M-POST / HTTP/1.1\r\n", 1, TT_HTTP_REQUEST, 0, 1},
        {"FOO / HTTP/1.1\r\n", 0, 0, 0, 0},
        {"get / HTTP/1.1\r\n", 0, 0, 0, 0},
        {"G(T / HTTP/1.1\r\n", 0, 0, 0, 0},
        {"", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tt_http_start s;
        bool ok = tt_http_parse_start_line((const uint8_t *)cases[i].line, strlen(cases[i].line), &s);
        CHECK_EQ(ok, cases[i].ok);
        if (ok) {
            CHECK_EQ(s.kind, cases[i].kind);
            CHECK_EQ(s.status, cases[i].status);
            CHECK_EQ(s.version_minor, cases[i].minor);
        }
    }
    tt_http_start s;
    CHECK(tt_http_parse_start_line((const uint8_t *)"HTTP/1.1 301 Moved Permanently\r\n", 32, &s));
    CHECK_EQ(s.reason_len, 17);
    CHECK(tt_http_parse_partial_start_line((const uint8_t *)"PUT /up", 7, &s));
    CHECK_EQ(s.uri_len, 3);
    CHECK(!tt_http_parse_partial_start_line((const uint8_t *)"PUT", 3, &s));
    CHECK(tt_http_plausible_start((const uint8_t *)"HTT", 3));
    CHECK(tt_http_plausible_start((const uint8_t *)"GET /x", 6));
    CHECK(!tt_http_plausible_start((const uint8_t *)"GE\x01", 3));
}

static void test_parse_fields(void)
{
    const char *f = "Host: a\r\ncontent-length:  12 \r\nTransfer-Encoding: gzip\r\n"
                    "Transfer-Encoding: chunked\r\nContent-Type: text/html; charset=utf-8\r\n"
                    "Content-Type: ignored\r\n\r\n";
    tt_http_fields x;
    tt_http_parse_fields((const uint8_t *)f, strlen(f), &x);
    CHECK_EQ(x.cl, 12);
    CHECK(!x.cl_bad);
    CHECK(x.te && x.chunked);
    CHECK(x.has_ctype);
    CHECK(memcmp(f + x.ctype_off, "text/html; charset=utf-8", x.ctype_len) == 0);
    CHECK_EQ(x.ctype_len, 24);
    const char *g = "Content-Length: 5\r\nContent-Length: 6\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
    tt_http_parse_fields((const uint8_t *)g, strlen(g), &x);
    CHECK(x.cl_bad);
    CHECK(x.te && !x.chunked);
    const char *h = "Content-Length: 99999999999999999999999\r\n\r\n";
    tt_http_parse_fields((const uint8_t *)h, strlen(h), &x);
    CHECK(x.cl_bad);
}

static void test_sniff(void)
{
    CHECK(tt_http_sniff((const uint8_t *)"GET / HTTP/1.1", 14));
    CHECK(tt_http_sniff((const uint8_t *)"HTTP/1.1 200", 12));
    CHECK(!tt_http_sniff((const uint8_t *)"\x16\x03\x01\x02\x00", 5));
    CHECK(!tt_http_sniff((const uint8_t *)"GE", 2));
}

TT_TESTS(tt_app_http_tests) = {
    {"app_http/seed_example_frames", test_seed_example_frames},
    {"app_http/randomized_segments_through_reassembly", test_randomized_segments_through_reassembly},
    {"app_http/content_length_every_split", test_content_length_every_split},
    {"app_http/one_byte_at_a_time", test_one_byte_at_a_time},
    {"app_http/chunked_every_split", test_chunked_every_split},
    {"app_http/chunked_bad_size_abandons", test_chunked_bad_size_abandons},
    {"app_http/head_response_has_no_body", test_head_response_has_no_body},
    {"app_http/1xx_204_304", test_1xx_204_304},
    {"app_http/pipelined_and_keepalive", test_pipelined_and_keepalive},
    {"app_http/leading_crlf_ignored", test_leading_crlf_ignored},
    {"app_http/close_delimited", test_close_delimited},
    {"app_http/end_mid_body_abandons", test_end_mid_body_abandons},
    {"app_http/gap_in_header_resyncs", test_gap_in_header_resyncs},
    {"app_http/gap_in_body_counted", test_gap_in_body_counted},
    {"app_http/gap_past_body_end_resyncs", test_gap_past_body_end_resyncs},
    {"app_http/snaplen_cut_start_line", test_snaplen_cut_start_line},
    {"app_http/released_chunk_credits_carrying_frame", test_released_chunk_credits_carrying_frame},
    {"app_http/close_delimited_cut_by_capture_end", test_close_delimited_cut_by_capture_end},
    {"app_http/http09_simple_request", test_http09_simple_request},
    {"app_http/leftover_bytes_skipped", test_leftover_bytes_skipped},
    {"app_http/header_too_long", test_header_too_long},
    {"app_http/not_http_is_invalid_then_resyncs", test_not_http_is_invalid_then_resyncs},
    {"app_http/101_switches_to_tunnel", test_101_switches_to_tunnel},
    {"app_http/connect_tunnel", test_connect_tunnel},
    {"app_http/conflicting_content_length_invalid", test_conflicting_content_length_invalid},
    {"app_http/parse_start_lines", test_parse_start_lines},
    {"app_http/parse_fields", test_parse_fields},
    {"app_http/sniff", test_sniff},
    {NULL, NULL},
};
