/* app_http: an incremental HTTP/1.x framer; see app_http.h for the contract.
 *
 * Each direction is a byte-at-a-time state machine over the delivered stream: the
 * header block is buffered (bounded) and parsed when its empty line arrives; bodies
 * are counted in bulk. Message framing follows RFC 9112 §6.3 ("Message Body Length"). */
#include "app_http.h"

#include <stdlib.h>
#include <string.h>

#include "app_http_parse.h"

/* A start line longer than this is not one: resynchronisation skips it. */
#define TT_HTTP_MAX_START_LINE 8192u
/* A chunk-size line (size and extensions) longer than this is invalid. */
#define TT_HTTP_MAX_CHUNK_LINE 4096u
/* Header buffer kept between messages; a bigger one is freed after its message. */
#define TT_HTTP_KEEP_HBUF 4096u
/* Request methods kept for pairing: longer tokens are truncated (HEAD, CONNECT fit). */
#define TT_HTTP_METHOD_KEEP 15u

typedef enum st {
    ST_START = 0,   /* between messages */
    ST_HEADER,      /* start line and fields, buffered */
    ST_SKIPLINE,    /* resynchronising: skip to the next line */
    ST_BODY_LEN,    /* Content-Length body */
    ST_CHUNK_SIZE,  /* chunk-size [chunk-ext] CRLF */
    ST_CHUNK_DATA,  /* chunk-data */
    ST_CHUNK_CRLF,  /* the CRLF after chunk-data */
    ST_TRAILER,     /* trailer section, up to the empty line */
    ST_BODY_CLOSE,  /* body delimited by the end of the stream */
    ST_TUNNEL,      /* not HTTP any more */
    ST_ENDED,       /* the stream ended */
} st;

typedef struct span {
    size_t off, len; /* into the header buffer; len 0 and off SIZE_MAX when absent */
} span;

typedef struct method_slot {
    char m[TT_HTTP_METHOD_KEEP + 1];
    uint8_t len;
} method_slot;

typedef struct http_dir {
    st state;
    bool resync;         /* after lost bytes: lines that are not start lines are skipped */
    bool in_msg;         /* a message (possibly tentative) has begun */
    bool start_ok;       /* its start line parsed */
    uint8_t *hbuf;       /* owned: the header block being read */
    size_t hlen, hcap;
    size_t first_line_end; /* bytes of the start line in hbuf (with its LF), 0 before */
    size_t line_len;     /* non-CR bytes of the current line */
    uint64_t remaining;  /* body or chunk bytes still to come */
    uint64_t chunk_size;
    bool chunk_digits, chunk_ext, chunk_bad;
    uint64_t chunk_line;
    uint64_t trailer_bytes;
    span method, uri, reason, ctype;
    tt_http_msg m;       /* the message being framed (string fields set at hand-over) */
    method_slot req;     /* response: its request's method */
    tt_app_frames frames;
    method_slot *queue;  /* owned: methods of requests sent in this direction, awaiting a response */
    size_t q_head, q_n;
} http_dir;

struct tt_http_conn {
    tt_http_config cfg;
    tt_http_sink sink;  /* the message consumer */
    void *sink_ctx;     /* borrowed: passed to sink */
    http_dir d[2];
    bool tunnel;        /* a 101 or a 2xx to CONNECT was seen */
    tt_http_stats st;
};

static const span NO_SPAN = {SIZE_MAX, 0};


/* ---- construction ---- */

tt_http_conn *tt_http_conn_new(const tt_http_config *cfg, tt_http_sink sink, void *sink_ctx,
                               tt_error *err)
{
    tt_http_conn *c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.max_header_bytes)
        c->cfg.max_header_bytes = TT_HTTP_MAX_HEADER_DEFAULT;
    if (!c->cfg.max_frames)
        c->cfg.max_frames = TT_APP_FRAMES_MAX_DEFAULT;
    if (!c->cfg.max_pending)
        c->cfg.max_pending = TT_HTTP_MAX_PENDING_DEFAULT;
    c->sink = sink;
    c->sink_ctx = sink_ctx;
    for (int i = 0; i < 2; i++) {
        tt_app_frames_init(&c->d[i].frames, c->cfg.max_frames);
        c->d[i].queue = calloc(c->cfg.max_pending, sizeof *c->d[i].queue);
        if (!c->d[i].queue)
            goto fail;
    }
    return c;
fail:
    tt_http_conn_free(c);
    tt_error_set(err, TT_ERR_NOMEM, "out of memory for an HTTP connection");
    return NULL;
}

void tt_http_conn_free(tt_http_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < 2; i++) {
        free(c->d[i].hbuf);
        free(c->d[i].queue);
        tt_app_frames_clear(&c->d[i].frames);
    }
    free(c);
}

const tt_http_stats *tt_http_conn_stats(const tt_http_conn *c) { return &c->st; }

/* ---- request methods awaiting their response ---- */

static void queue_push(tt_http_conn *c, http_dir *d, const uint8_t *m, size_t len)
{
    if (d->q_n == c->cfg.max_pending) {
        d->q_head = (d->q_head + 1) % c->cfg.max_pending;
        d->q_n--;
        c->st.pending_dropped++;
    }
    method_slot *s = &d->queue[(d->q_head + d->q_n) % c->cfg.max_pending];
    s->len = (uint8_t)(len < TT_HTTP_METHOD_KEEP ? len : TT_HTTP_METHOD_KEEP);
    memcpy(s->m, m, s->len);
    s->m[s->len] = '\0';
    d->q_n++;
}

/* The method of the oldest unanswered request; popped unless the response is interim. */
static bool queue_take(tt_http_conn *c, http_dir *d, bool pop, method_slot *out)
{
    if (!d->q_n)
        return false;
    *out = d->queue[d->q_head];
    if (pop) {
        d->q_head = (d->q_head + 1) % c->cfg.max_pending;
        d->q_n--;
    }
    return true;
}

/* ---- messages ---- */

static void begin_msg(http_dir *d, int dir, uint64_t off)
{
    d->in_msg = true;
    d->start_ok = false;
    d->hlen = 0;
    d->first_line_end = 0;
    d->line_len = 0;
    d->method = d->uri = d->reason = d->ctype = NO_SPAN;
    d->req.len = 0;
    memset(&d->m, 0, sizeof d->m);
    d->m.dir = dir;
    d->m.start_off = off;
    d->m.end_off = off;
    d->m.content_length = -1;
    if (d->resync)
        d->m.flags |= TT_HTTP_F_RESYNC;
    tt_app_frames_reset(&d->frames);
}

static tt_app_str str_of(const http_dir *d, span s)
{
    tt_app_str r = {NULL, 0};
    if (s.off != SIZE_MAX) {
        r.p = (const char *)d->hbuf + s.off;
        r.len = s.len;
    }
    return r;
}

/* Hand the message over and get ready for the next one. */
static void emit(tt_http_conn *c, http_dir *d, uint64_t done_frame)
{
    tt_http_msg *m = &d->m;
    m->method = str_of(d, d->method);
    m->uri = str_of(d, d->uri);
    m->reason = str_of(d, d->reason);
    m->content_type = str_of(d, d->ctype);
    if (d->req.len) {
        m->request_method.p = d->req.m;
        m->request_method.len = d->req.len;
    }
    m->header = d->hbuf;
    m->header_len = d->hlen;
    m->frames = d->frames.v;
    m->n_frames = d->frames.n;
    m->frames_total = d->frames.n_total;
    m->done_frame = done_frame;
    if (m->flags & TT_HTTP_F_ABANDONED) {
        m->anomalies |= TT_ANOM_BIT(TT_ANOM_HTTP_ABANDONED);
        c->st.abandoned++;
    }
    if (m->flags & TT_HTTP_F_TOO_LONG)
        m->anomalies |= TT_ANOM_BIT(TT_ANOM_HTTP_HEADER_TOO_LONG);
    if (m->flags & TT_HTTP_F_INVALID)
        m->anomalies |= TT_ANOM_BIT(TT_ANOM_HTTP_INVALID);
    c->st.messages[m->dir]++;
    if (c->sink)
        c->sink(c->sink_ctx, m);
    if (d->hcap > TT_HTTP_KEEP_HBUF) {
        /* a rare big header: do not keep its buffer for the connection's lifetime */
        free(d->hbuf);
        d->hbuf = NULL;
        d->hcap = 0;
    }
    d->in_msg = false;
    d->start_ok = false;
    d->hlen = 0;
    d->first_line_end = 0;
    d->line_len = 0;
    d->resync = false;
    d->state = c->tunnel ? ST_TUNNEL : ST_START;
}


/* Parse the buffered start line (whole, or cut by the snaplen) into the message. */
static bool start_line(http_dir *d, bool partial)
{
    tt_http_start s;
    bool ok = partial ? tt_http_parse_partial_start_line(d->hbuf, d->hlen, &s)
                      : tt_http_parse_start_line(d->hbuf, d->first_line_end, &s);
    if (!ok)
        return false;
    d->m.kind = s.kind;
    d->m.version_major = s.version_major;
    d->m.version_minor = s.version_minor;
    d->m.status = s.status;
    if (s.kind == TT_HTTP_REQUEST) {
        d->method = (span){s.method_off, s.method_len};
        d->uri = (span){s.uri_off, s.uri_len};
    } else {
        d->reason = (span){s.reason_off, s.reason_len};
    }
    if (partial)
        d->first_line_end = d->hlen;
    return true;
}

/* The message cannot be finished: hand it over marked (when its start line made it a
 * message at all) and look for the next start line. */
static void abandon(tt_http_conn *c, http_dir *d, uint32_t flags)
{
    if (d->in_msg && !d->start_ok && !d->resync && !d->first_line_end &&
        (d->m.flags & TT_HTTP_F_TRUNCATED))
        d->start_ok = start_line(d, true);
    if (d->in_msg && d->start_ok) {
        d->m.flags |= TT_HTTP_F_ABANDONED | flags;
        if (d->m.kind == TT_HTTP_REQUEST && d->state == ST_HEADER) { /* its response will come */
            queue_push(c, d, d->hbuf + d->method.off, d->method.len);
        } else if (d->state == ST_HEADER && (d->m.status >= 200 || d->m.status == 101)) {
            method_slot req; /* a final response answered its request, even if cut */
            if (queue_take(c, &c->d[1 - d->m.dir], true, &req))
                d->req = req;
        }
        emit(c, d, 0);
    } else if (d->in_msg) {
        c->st.skipped_bytes += d->hlen;
        d->in_msg = false;
    }
    d->resync = true;
    d->state = ST_START;
}

/* ---- the header block ---- */


static void start_body(http_dir *d, tt_http_body kind, uint64_t len)
{
    d->m.body_kind = kind;
    switch (kind) {
    case TT_HTTP_BODY_LENGTH:
        d->remaining = len;
        d->state = ST_BODY_LEN;
        break;
    case TT_HTTP_BODY_CHUNKED:
        d->state = ST_CHUNK_SIZE;
        d->chunk_size = 0;
        d->chunk_digits = d->chunk_ext = d->chunk_bad = false;
        d->chunk_line = 0;
        d->trailer_bytes = 0;
        break;
    case TT_HTTP_BODY_CLOSE:
        d->state = ST_BODY_CLOSE;
        break;
    default:
        break;
    }
}

/* The empty line ended the header block: decide how the body is delimited
 * (RFC 9112 §6.3). Returns true when the message is complete already. */
static bool header_done(tt_http_conn *c, int dir)
{
    http_dir *d = &c->d[dir];
    tt_http_fields f;
    tt_http_parse_fields(d->hbuf + d->first_line_end, d->hlen - d->first_line_end, &f);
    if (f.has_ctype)
        d->ctype = (span){d->first_line_end + f.ctype_off, f.ctype_len};
    d->m.header_bytes = d->hlen;
    d->m.content_length = f.cl;
    if (f.cl_bad)
        d->m.flags |= TT_HTTP_F_INVALID;
    if (d->m.kind == TT_HTTP_REQUEST) {
        const uint8_t *meth = d->hbuf + d->method.off;
        queue_push(c, d, meth, d->method.len);
        if (f.te && f.chunked) {
            start_body(d, TT_HTTP_BODY_CHUNKED, 0);
        } else if (f.te || f.cl_bad) {
            /* rule 4/5: a server must reject it; the framing is lost */
            d->m.flags |= TT_HTTP_F_INVALID;
            c->st.invalid++;
        } else if (f.cl > 0) {
            start_body(d, TT_HTTP_BODY_LENGTH, (uint64_t)f.cl);
        }
        if (tt_http_ieq(meth, d->method.len, "connect")) /* RFC 9110 §9.3.6: a tunnel follows */
            d->m.body_kind = TT_HTTP_BODY_TUNNEL;
        return d->state == ST_HEADER;
    }
    int s = d->m.status;
    method_slot req;
    bool paired = queue_take(c, &c->d[1 - dir], s >= 200 || s == 101, &req);
    if (paired) {
        d->req = req;
    } else {
        d->m.flags |= TT_HTTP_F_UNPAIRED;
        c->st.unpaired++;
    }
    bool head = paired && tt_http_ieq((const uint8_t *)req.m, req.len, "head");
    bool connect = paired && tt_http_ieq((const uint8_t *)req.m, req.len, "connect");
    if (s == 101 || (connect && s >= 200 && s < 300)) {
        d->m.body_kind = TT_HTTP_BODY_TUNNEL; /* rule 2 */
        c->tunnel = true;
    } else if (head || (s >= 100 && s < 200) || s == 204 || s == 304) {
        d->m.body_kind = TT_HTTP_BODY_NONE; /* rule 1 */
    } else if (f.te) {
        start_body(d, f.chunked ? TT_HTTP_BODY_CHUNKED : TT_HTTP_BODY_CLOSE, 0); /* rule 3 */
    } else if (f.cl >= 0 && !f.cl_bad) {
        start_body(d, f.cl ? TT_HTTP_BODY_LENGTH : TT_HTTP_BODY_NONE, (uint64_t)f.cl);
    } else {
        if (f.cl_bad)
            c->st.invalid++;
        start_body(d, TT_HTTP_BODY_CLOSE, 0); /* rule 7 */
    }
    return d->state == ST_HEADER;
}

/* ---- feeding ---- */

static bool grow_hbuf(http_dir *d, size_t need)
{
    if (need <= d->hcap)
        return true;
    size_t cap = d->hcap ? d->hcap : 512;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(d->hbuf, cap);
    if (!b)
        return false;
    d->hbuf = b;
    d->hcap = cap;
    return true;
}

/* Consume header bytes from p[i..n); returns the new position. Sets *done when the
 * message is complete. */
static uint64_t feed_header(tt_http_conn *c, int dir, const tt_reasm_chunk *ch, uint64_t i,
                            uint64_t *span_from, uint64_t *done)
{
    http_dir *d = &c->d[dir];
    const uint8_t *p = ch->data;
    uint64_t n = ch->len;
    while (i < n) {
        uint8_t b = p[i];
        bool too_long = d->hlen >= c->cfg.max_header_bytes ||
                        (!d->first_line_end && d->hlen >= TT_HTTP_MAX_START_LINE);
        if (too_long || !grow_hbuf(d, d->hlen + 1)) {
            tt_app_frames_add_chunk(&d->frames, ch, *span_from, i - *span_from);
            if (!d->start_ok) {
                if (!d->resync)
                    c->st.invalid++;
                abandon(c, d, 0);
                d->state = ST_SKIPLINE;
            } else {
                d->m.header_bytes = d->hlen;
                d->m.end_off = ch->off + i;
                abandon(c, d, TT_HTTP_F_TOO_LONG);
                d->state = ST_SKIPLINE;
            }
            return i;
        }
        d->hbuf[d->hlen++] = b;
        i++;
        if (b != '\n') {
            if (b != '\r')
                d->line_len++;
            continue;
        }
        if (!d->first_line_end) {
            d->first_line_end = d->hlen;
            d->line_len = 0;
            if (!start_line(d, false)) {
                /* not a start line: this is not (or no longer) HTTP here */
                if (!d->resync)
                    c->st.invalid++;
                abandon(c, d, 0);
                return i;
            }
            /* every request line is followed by header lines up to an empty one, as
             * Wireshark reads it (an HTTP/0.9 Simple-Request too: RFC 1945 §4.1's
             * one-line form never completes there) */
            d->start_ok = true;
            continue;
        }
        if (d->line_len) {
            d->line_len = 0;
            continue;
        }
        if (header_done(c, dir)) {
            d->m.end_off = ch->off + i;
            tt_app_frames_add_chunk(&d->frames, ch, *span_from, i - *span_from);
            *span_from = i;
            bool tunnel_after = d->m.body_kind == TT_HTTP_BODY_TUNNEL;
            emit(c, d, tt_app_done_frame(ch, i - 1));
            if (tunnel_after)
                d->state = ST_TUNNEL;
            *done = 1;
        } else {
            d->m.end_off = ch->off + i;
        }
        return i;
    }
    return i;
}

/* Count n body bytes (received or lost); returns how many belonged to the body part
 * being read. */
static uint64_t body_take(http_dir *d, uint64_t n, bool lost)
{
    uint64_t take = n < d->remaining ? n : d->remaining;
    d->remaining -= take;
    d->m.body_bytes += take;
    d->m.content_bytes += take;
    if (lost) {
        d->m.missing_bytes += take;
        d->m.flags |= TT_HTTP_F_MISSING;
    }
    return take;
}

/* Chunked transfer coding, one framing byte (RFC 9112 §7.1). Returns false when the
 * coding is broken. Sets *complete when the trailer section ended. */
static bool chunk_byte(http_dir *d, uint8_t b, bool *complete, size_t max_trailer)
{
    d->m.body_bytes++;
    switch (d->state) {
    case ST_CHUNK_SIZE:
        if (++d->chunk_line > TT_HTTP_MAX_CHUNK_LINE)
            return false;
        if (b == '\n') {
            if (!d->chunk_digits || d->chunk_bad)
                return false;
            if (d->chunk_size == 0) {
                d->state = ST_TRAILER;
                d->line_len = 0;
                d->trailer_bytes = 0;
            } else {
                d->remaining = d->chunk_size;
                d->state = ST_CHUNK_DATA;
            }
            d->chunk_size = 0;
            d->chunk_digits = d->chunk_ext = d->chunk_bad = false;
            d->chunk_line = 0;
        } else if (d->chunk_ext || b == '\r') {
            /* chunk-ext is skipped (RFC 9112 §7.1.1: a recipient ignores unknown ones) */
        } else if (b == ';' || b == ' ' || b == '\t') {
            d->chunk_ext = true;
        } else {
            int v = tt_http_hexval(b);
            if (v < 0 || d->chunk_size > (UINT64_MAX >> 4))
                d->chunk_bad = true;
            else
                d->chunk_size = d->chunk_size << 4 | (uint64_t)v;
            d->chunk_digits = true;
        }
        return true;
    case ST_CHUNK_CRLF:
        if (b == '\n')
            d->state = ST_CHUNK_SIZE;
        else if (b != '\r')
            return false;
        return true;
    case ST_TRAILER:
        if (++d->trailer_bytes > max_trailer)
            return false;
        if (b == '\n') {
            if (!d->line_len)
                *complete = true;
            d->line_len = 0;
        } else if (b != '\r') {
            d->line_len++;
        }
        return true;
    default:
        return false;
    }
}


static void feed_data(tt_http_conn *c, int dir, const tt_reasm_chunk *ch)
{
    http_dir *d = &c->d[dir];
    const uint8_t *p = ch->data;
    uint64_t n = ch->len, i = 0, span_from = 0;
    if (d->state == ST_HEADER && !d->first_line_end && !tt_http_plausible_start(d->hbuf, d->hlen)) {
        /* A segment boundary is where a message most likely starts (Wireshark
         * looks for one at each segment that does not continue a message): drop a
         * first line that can no longer be one and try again here. */
        if (!d->resync)
            c->st.invalid++;
        abandon(c, d, 0);
    }
    while (i < n) {
        uint64_t done = 0;
        switch (d->state) {
        case ST_ENDED:
        case ST_TUNNEL:
            c->st.tunnel_bytes += n - i;
            i = n;
            break;
        case ST_START:
            if (c->tunnel) {
                d->state = ST_TUNNEL;
                break;
            }
            if (p[i] == '\r' || p[i] == '\n') { /* RFC 9112 §2.2: empty lines before a request */
                if (d->resync)
                    c->st.skipped_bytes++;
                i++;
                break;
            }
            if (!tt_http_is_tchar(p[i])) {
                /* no method or "HTTP/" starts so: not a message start (bytes left
                 * over from before the capture, padding): skip, and say so once */
                if (!d->resync)
                    c->st.invalid++;
                d->resync = true;
                c->st.skipped_bytes++;
                i++;
                break;
            }
            begin_msg(d, dir, ch->off + i);
            span_from = i;
            d->state = ST_HEADER;
            break;
        case ST_SKIPLINE: {
            const uint8_t *nl = memchr(p + i, '\n', (size_t)(n - i));
            uint64_t e = nl ? (uint64_t)(nl - p) + 1 : n;
            c->st.skipped_bytes += e - i;
            i = e;
            if (nl)
                d->state = ST_START;
            break;
        }
        case ST_HEADER:
            i = feed_header(c, dir, ch, i, &span_from, &done);
            break;
        case ST_BODY_LEN:
            i += body_take(d, n - i, false);
            if (!d->remaining)
                done = 1;
            break;
        case ST_CHUNK_DATA:
            i += body_take(d, n - i, false);
            if (!d->remaining)
                d->state = ST_CHUNK_CRLF;
            break;
        case ST_CHUNK_SIZE:
        case ST_CHUNK_CRLF:
        case ST_TRAILER: {
            bool complete = false;
            if (!chunk_byte(d, p[i++], &complete, c->cfg.max_header_bytes)) {
                tt_app_frames_add_chunk(&d->frames, ch, span_from, i - span_from);
                d->m.end_off = ch->off + i;
                abandon(c, d, TT_HTTP_F_INVALID);
                c->st.invalid++;
                d->state = ST_SKIPLINE;
            } else if (complete) {
                done = 1;
            }
            break;
        }
        case ST_BODY_CLOSE:
            d->m.body_bytes += n - i;
            d->m.content_bytes += n - i;
            i = n;
            break;
        }
        if (done && d->in_msg) {
            /* a body ended here */
            tt_app_frames_add_chunk(&d->frames, ch, span_from, i - span_from);
            d->m.end_off = ch->off + i;
            emit(c, d, tt_app_done_frame(ch, i - 1));
            span_from = i;
        } else if (done) {
            span_from = i;
        }
    }
    if (d->in_msg) {
        tt_app_frames_add_chunk(&d->frames, ch, span_from, n - span_from);
        d->m.end_off = ch->off + n;
    }
}

/* Bytes lost (MISSING: cut by the snaplen, GAP: never seen). Inside a body of known
 * length they are counted and framing goes on; anywhere else the message is lost. */
static void feed_lost(tt_http_conn *c, int dir, const tt_reasm_chunk *ch)
{
    http_dir *d = &c->d[dir];
    uint64_t take = 0;
    if (d->in_msg && ch->kind == TT_REASM_MISSING)
        d->m.flags |= TT_HTTP_F_TRUNCATED;
    switch (d->state) {
    case ST_ENDED:
    case ST_TUNNEL:
        c->st.tunnel_bytes += ch->len;
        return;
    case ST_BODY_CLOSE:
        d->remaining = ch->len;
        /* fall through */
    case ST_BODY_LEN:
    case ST_CHUNK_DATA:
        take = body_take(d, ch->len, true);
        tt_app_frames_add_chunk(&d->frames, ch, 0, take);
        d->m.end_off = ch->off + take;
        if (d->state == ST_BODY_LEN && !d->remaining) {
            emit(c, d, take ? tt_app_done_frame(ch, take - 1) : ch->frame);
            if (take < ch->len)
                d->resync = true; /* what follows the message was lost too */
        } else if (d->state == ST_CHUNK_DATA && take == ch->len) {
            if (!d->remaining)
                d->state = ST_CHUNK_CRLF;
        } else if (d->state == ST_CHUNK_DATA) {
            abandon(c, d, TT_HTTP_F_MISSING); /* the next chunk-size line is lost */
        }
        return;
    case ST_START:
    case ST_SKIPLINE:
        d->state = ST_START;
        d->resync = true;
        return;
    default: /* in the header block or the chunked framing */
        abandon(c, d, TT_HTTP_F_MISSING);
        return;
    }
}

static void feed_end(tt_http_conn *c, int dir, const tt_reasm_chunk *ch)
{
    http_dir *d = &c->d[dir];
    /* RFC 9112 §6.3 rule 8: such a body ends when the server closes. Only a FIN is a
     * close: a RST aborts, and the end of the capture is no end of the message. */
    if (d->in_msg && d->state == ST_BODY_CLOSE && ch->end == TT_REASM_END_FIN)
        emit(c, d, ch->frame ? ch->frame : d->frames.last_frame);
    else if (d->in_msg)
        abandon(c, d, 0);
    d->state = ST_ENDED;
}

void tt_http_conn_feed(tt_http_conn *c, int dir, const tt_reasm_chunk *chunk)
{
    if (dir != 0 && dir != 1)
        return;
    switch (chunk->kind) {
    case TT_REASM_DATA:
        feed_data(c, dir, chunk);
        break;
    case TT_REASM_MISSING:
    case TT_REASM_GAP:
        feed_lost(c, dir, chunk);
        break;
    case TT_REASM_END:
        feed_end(c, dir, chunk);
        break;
    }
}

