/* stream: per-connection reassembly and application framing; see stream.h. */
#include "stream.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "framer.h"
#include "tshark_ports.h"
#include "follow.h"

/* How far past the bytes seen from a side its RST, or the other side's ACK, may
 * point and still be believed. */
#define TT_STREAMS_WINDOW (1u << 20)

/* Messages a framer holds back until it settles them (TLS: handshake messages wait
 * for the record holding their last byte); this many wait per direction at most. */
#define TT_STREAMS_PENDING_HS 8

enum { APP_UNDECIDED = 0, APP_NONE, APP_FRAMER, APP_SMTP };

/* SMTP STARTTLS (RFC 3207 §4): the client's "STARTTLS" line, the server's 220 reply,
 * then TLS from the next byte of each direction. */
enum { SMTP_WAIT = 0, SMTP_ASKED, SMTP_TLS };
#define SMTP_LINE_MAX 16

typedef struct sbody sbody;

typedef struct sside {
    sbody *b;   /* borrowed: the body this side belongs to */
    int dir;
} sside;

struct sbody {
    tt_reasm r[2];
    sside side[2];
    tt_streams *s;          /* borrowed: the owner */
    uint32_t stream;
    uint16_t port[2];       /* [dir] sender port */
    uint8_t app;
    bool seen[2];           /* a segment of this direction was inserted */
    uint64_t hi_end[2];     /* the highest stream offset a segment reached */
    bool fed[2];            /* the framer got a chunk of this direction */
    uint64_t app_from[2];   /* framer offsets start here (STARTTLS) */
    const tt_framer *fr;    /* static: the connection's framer (APP_FRAMER), or NULL */
    void *fst;              /* owned: its state (freed by fr->close) */
    tt_app_emit emit;       /* what fr reports to: this body */
    uint8_t smtp;
    uint64_t smtp_off[2];   /* offset just past the current line's end */
    char line[2][SMTP_LINE_MAX];
    uint8_t line_len[2];
    bool line_long[2];
    bool collect;
    tt_follow *follow;      /* owned: collected streams with follow on, else NULL */
    tt_stream_msg *pend;    /* owned, allocated at the first held message:
                               2 * TT_STREAMS_PENDING_HS messages a framer holds */
    uint8_t n_pend[2];
};

typedef struct tt_streams_conn {
    struct tt_streams_conn *next;     /* owned: the next connection, in creation order */
    sbody *b;               /* owned: NULL once the connection ended and was released */
} tt_streams_conn;

struct tt_streams {
    tt_streams_config cfg;
    tt_reasm_config rcfg;
    tt_reasm_budget budget;
    tt_streams_conn *head;            /* owned: every connection seen */
    tt_streams_conn *tail;            /* borrowed */
    tt_streams_out out;
    tt_streams_stats st;
};

/* ---- output queue ---- */

#define VEC_PUSH(vec, out)                                                            \
    (((vec).n < (vec).cap || vec_grow((void **)&(vec).v, &(vec).cap, sizeof *(vec).v)) \
         ? ((out) = &(vec).v[(vec).n++], memset((out), 0, sizeof *(out)), 1)          \
         : 0)

static int vec_grow(void **v, size_t *cap, size_t size)
{
    size_t ncap = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, ncap * size);
    if (!nv)
        return 0;
    *v = nv;
    *cap = ncap;
    return 1;
}

static void copy_frames(tt_stream_msg *m, const tt_app_frame *f, size_t n, uint64_t total)
{
    m->frames_total = total;
    if (!n)
        return;
    m->frames = malloc(n * sizeof *f);
    if (m->frames) {
        memcpy(m->frames, f, n * sizeof *f);
        m->n_frames = n;
    }
}

static void msg_free(tt_stream_msg *m)
{
    free(m->strings);
    free(m->frames);
}

/* The strings of a tt_app_msg, copied into one block (NUL-terminated each). */
typedef struct strpack {
    char *block;
    size_t at;
} strpack;

static size_t str_need(tt_app_str s) { return s.p ? s.len + 1 : 0; }

static const char *str_put(strpack *k, tt_app_str s)
{
    if (!s.p || !k->block)
        return NULL;
    char *d = k->block + k->at;
    memcpy(d, s.p, s.len);
    d[s.len] = 0;
    k->at += s.len + 1;
    return d;
}

/* Copy a framer's message into m (which the caller zeroed). */
static void msg_copy(tt_stream_msg *m, const tt_framer *fr, uint32_t stream, const tt_app_msg *a)
{
    m->framer = fr;
    m->kind = a->kind;
    m->stream = stream;
    m->dir = (uint8_t)(a->dir ? 1 : 0);
    m->done_frame = a->done_frame;
    m->start_off = a->start_off;
    m->end_off = a->end_off;
    m->length = a->length;
    m->flags = a->flags;
    m->anomalies = a->anomalies;
    m->missing_bytes = a->missing_bytes;
    m->lost = a->lost;
    m->truncated = a->truncated;
    m->pdu = a->pdu;
    size_t need = str_need(a->protocol) + str_need(a->info) + str_need(a->stream_protocol) +
                  str_need(a->note) + str_need(a->lead);
    for (size_t i = 0; i < fr->n_fields; i++)
        if (a->v[i].set && fr->fields[i].type != TT_APP_INT)
            need += a->v[i].s.len + 1;
    strpack k = {need ? malloc(need) : NULL, 0};
    m->strings = k.block;
    m->protocol = str_put(&k, a->protocol);
    m->info = str_put(&k, a->info);
    m->stream_protocol = str_put(&k, a->stream_protocol);
    m->note = str_put(&k, a->note);
    m->lead = str_put(&k, a->lead);
    for (size_t i = 0; i < fr->n_fields && i < TT_APP_MAX_FIELDS; i++) {
        const tt_app_value *v = &a->v[i];
        tt_stream_value *d = &m->v[i];
        if (!v->set || (fr->fields[i].type != TT_APP_INT && !k.block))
            continue; /* a string lost for lack of memory reads as absent */
        d->set = true;
        d->i = v->i;
        if (fr->fields[i].type != TT_APP_INT) {
            d->len = v->s.len;
            d->s = str_put(&k, (tt_app_str){v->s.p ? v->s.p : "", v->s.len});
        }
    }
    copy_frames(m, a->frames, a->n_frames, a->frames_total);
}

static tt_stream_msg *queue_msg(sbody *b)
{
    tt_stream_msg *m;
    if (!VEC_PUSH(b->s->out.msgs, m)) {
        b->s->out.nomem++;
        b->s->st.nomem++;
        return NULL;
    }
    b->s->st.messages++;
    return m;
}

/* Move the first n held messages of dir to the queue; done_frame, when not 0,
 * replaces the done_frame of those that have one. */
static void pend_flush(sbody *b, int dir, size_t n, uint64_t done_frame)
{
    for (size_t i = 0; i < n; i++) {
        tt_stream_msg *p = &b->pend[dir * TT_STREAMS_PENDING_HS + i];
        if (done_frame && p->done_frame)
            p->done_frame = done_frame;
        tt_stream_msg *m = queue_msg(b);
        if (m)
            *m = *p;
        else
            msg_free(p);
    }
    tt_stream_msg *q = b->pend + dir * TT_STREAMS_PENDING_HS;
    if (n)
        memmove(q, q + n, (b->n_pend[dir] - n) * sizeof *q);
    b->n_pend[dir] = (uint8_t)(b->n_pend[dir] - n);
}

/* tt_app_emit.msg: queue the message, or hold it for settle. */
static void on_msg(void *ctx, const tt_app_msg *a, bool hold)
{
    sbody *b = ctx;
    int dir = a->dir ? 1 : 0;
    tt_stream_msg *m;
    if (hold) {
        if (!b->pend)
            b->pend = calloc(2 * TT_STREAMS_PENDING_HS, sizeof *b->pend);
        if (!b->pend) {
            b->s->st.nomem++;
            return;
        }
        if (b->n_pend[dir] == TT_STREAMS_PENDING_HS)
            pend_flush(b, dir, 1, 0);
        m = &b->pend[dir * TT_STREAMS_PENDING_HS + b->n_pend[dir]++];
        memset(m, 0, sizeof *m);
    } else {
        m = queue_msg(b);
        if (!m)
            return;
    }
    msg_copy(m, b->fr, b->stream, a);
}

/* tt_app_emit.settle: release the held messages of dir that end by end_off. */
static void on_settle(void *ctx, int dir, uint64_t end_off, uint64_t done_frame)
{
    sbody *b = ctx;
    dir = dir ? 1 : 0;
    size_t k = 0;
    while (b->pend && k < b->n_pend[dir] && b->pend[dir * TT_STREAMS_PENDING_HS + k].end_off <= end_off)
        k++;
    if (k)
        pend_flush(b, dir, k, done_frame);
}

static void queue_chunk(sbody *b, int dir, const tt_reasm_chunk *ch)
{
    tt_stream_chunk *c;
    tt_streams *s = b->s;
    if (!VEC_PUSH(s->out.chunks, c)) {
        s->out.nomem++;
        return;
    }
    c->stream = b->stream;
    c->dir = (uint8_t)dir;
    c->kind = (uint8_t)ch->kind;
    c->end = (uint8_t)ch->end;
    c->off = ch->off;
    c->len = ch->len;
    c->frame = ch->frame;
    if (ch->kind == TT_REASM_DATA && ch->len) {
        c->data = malloc(ch->len);
        if (!c->data) {
            s->out.chunks.n--;
            s->out.nomem++;
            return;
        }
        memcpy(c->data, ch->data, ch->len);
    }
    if (ch->n_parts) {
        c->parts = malloc(ch->n_parts * sizeof *ch->parts);
        if (c->parts) {
            memcpy(c->parts, ch->parts, ch->n_parts * sizeof *ch->parts);
            c->n_parts = ch->n_parts;
        }
    }
}

static void on_follow(void *ctx, int node, uint64_t frame, const uint8_t *data, size_t len)
{
    sbody *b = ctx;
    tt_streams *s = b->s;
    tt_stream_follow *f;
    if (!VEC_PUSH(s->out.follow, f)) {
        s->out.nomem++;
        return;
    }
    f->stream = b->stream;
    f->node = (uint8_t)node;
    f->frame = frame;
    f->data = malloc(len ? len : 1);
    if (!f->data) {
        s->out.follow.n--;
        s->out.nomem++;
        return;
    }
    memcpy(f->data, data, len);
    f->len = len;
}

void tt_streams_out_clear(tt_streams_out *o)
{
    for (size_t i = 0; i < o->msgs.n; i++)
        msg_free(&o->msgs.v[i]);
    for (size_t i = 0; i < o->chunks.n; i++) {
        free(o->chunks.v[i].data);
        free(o->chunks.v[i].parts);
    }
    for (size_t i = 0; i < o->follow.n; i++)
        free(o->follow.v[i].data);
    o->msgs.n = o->chunks.n = o->follow.n = o->nodes.n = 0;
}

static void out_free(tt_streams_out *o)
{
    tt_streams_out_clear(o);
    free(o->msgs.v);
    free(o->chunks.v);
    free(o->follow.v);
    free(o->nodes.v);
}

/* ---- framer choice ---- */

static size_t framer_index(const tt_framer *fr)
{
    size_t i = 0;
    while (tt_framers[i] && tt_framers[i] != fr)
        i++;
    return i;
}

static bool attach(sbody *b, const tt_framer *fr)
{
    tt_error err;
    tt_error_clear(&err);
    b->emit = (tt_app_emit){on_msg, on_settle, b};
    b->fst = fr->open(&b->emit, &err);
    if (!b->fst) {
        b->app = APP_NONE;
        b->s->st.nomem++;
        return false;
    }
    b->fr = fr;
    b->app = APP_FRAMER;
    size_t i = framer_index(fr);
    if (i < TT_STREAMS_MAX_FRAMERS)
        b->s->st.framer_conns[i]++;
    return true;
}

/* SMTP's ports as tshark's table gives them (tshark_ports.h). */
static bool is_smtp(uint16_t port)
{
    const char *d = tt_tshark_tcp_port(port);
    return d && strcmp(d, "smtp") == 0;
}

/* The registry picks the framer (tt_framer_choose); a connection to an SMTP port with
 * none is watched for STARTTLS. */
static void decide(sbody *b, const tt_reasm_chunk *ch)
{
    const tt_framer *fr = tt_framer_choose(b->port, ch->data, (size_t)ch->len);
    if (fr)
        attach(b, fr);
    else if (is_smtp(b->port[0]) || is_smtp(b->port[1]))
        b->app = APP_SMTP;
    else
        b->app = APP_NONE;
}

/* End the framer: it reports what it holds, then its held messages are queued. */
static void framer_close(sbody *b)
{
    if (b->fr)
        b->fr->close(b->fst);
    b->fr = NULL;
    b->fst = NULL;
    for (int d = 0; d < 2; d++)
        if (b->pend)
            pend_flush(b, d, b->n_pend[d], 0);
}

/* Feed one chunk to the framer, trimmed to start at app_from[dir]. The first chunk a
 * framer sees of a direction that does not start there is preceded by a GAP, so the
 * framer knows it joined mid-stream. */
static void framer_feed(sbody *b, int dir, const tt_reasm_chunk *ch)
{
    uint64_t from = b->app_from[dir];
    tt_reasm_chunk c = *ch;
    tt_reasm_part *parts = NULL;
    if (c.kind != TT_REASM_END && c.off + c.len <= from)
        return;
    if (c.kind != TT_REASM_END && c.off < from) {
        uint64_t skip = from - c.off;
        c.off = from;
        c.len -= skip;
        if (c.data)
            c.data += skip;
        if (c.n_parts) {
            parts = malloc(c.n_parts * sizeof *parts);
            if (!parts)
                return;
            size_t i = 0, k = 0;
            uint64_t left = skip;
            for (; i < c.n_parts && left >= ch->parts[i].len; i++)
                left -= ch->parts[i].len;
            for (; i < c.n_parts; i++, k++) {
                parts[k] = ch->parts[i];
                if (left) {
                    parts[k].len -= (uint32_t)left;
                    left = 0;
                }
            }
            c.parts = parts;
            c.n_parts = k;
        }
    }
    if (!b->fed[dir]) {
        b->fed[dir] = true;
        if (c.kind != TT_REASM_END && c.off > from) {
            tt_reasm_chunk gap = {.kind = TT_REASM_GAP, .off = from, .len = c.off - from,
                                  .frame = c.frame};
            framer_feed(b, dir, &gap);
        }
    }
    if (b->fr)
        b->fr->feed(b->fst, dir, &c);
    free(parts);
}

/* SMTP: watch lines for STARTTLS and the server's 220 reply. */
static void smtp_watch(sbody *b, int dir, const tt_reasm_chunk *ch)
{
    if (ch->kind != TT_REASM_DATA) {
        if (ch->kind != TT_REASM_END)
            b->app = APP_NONE; /* lost bytes: give up watching */
        return;
    }
    for (uint64_t i = 0; i < ch->len && b->app == APP_SMTP; i++) {
        uint8_t c = ch->data[i];
        if (c != '\n') {
            if (c != '\r') {
                if (b->line_len[dir] < SMTP_LINE_MAX)
                    b->line[dir][b->line_len[dir]++] = (char)c;
                else
                    b->line_long[dir] = true;
            }
            continue;
        }
        uint64_t next = ch->off + i + 1;
        const char *l = b->line[dir];
        size_t n = b->line_len[dir];
        if (dir == 0 && !b->line_long[dir] && n == 8) {
            char up[8];
            for (size_t k = 0; k < 8; k++)
                up[k] = (char)toupper((unsigned char)l[k]);
            if (memcmp(up, "STARTTLS", 8) == 0) {
                b->smtp = SMTP_ASKED;
                b->app_from[0] = next;
            }
        } else if (dir == 1 && b->smtp == SMTP_ASKED && n >= 4 && memcmp(l, "220 ", 4) == 0) {
            b->app_from[1] = next;
            const tt_framer *tls = tt_framer_find("tls");
            if (tls && attach(b, tls)) {
                b->smtp = SMTP_TLS;
                /* the rest of this chunk is TLS already */
                if (i + 1 < ch->len)
                    framer_feed(b, dir, ch);
            }
            return;
        }
        b->line_len[dir] = 0;
        b->line_long[dir] = false;
    }
}

static void on_chunk(void *ctx, const tt_reasm_chunk *ch)
{
    sside *sd = ctx;
    sbody *b = sd->b;
    if (b->collect)
        queue_chunk(b, sd->dir, ch);
    if (!b->s->cfg.messages)
        return;
    if (b->app == APP_UNDECIDED && ch->kind == TT_REASM_DATA && ch->len)
        decide(b, ch);
    if (b->app == APP_SMTP)
        smtp_watch(b, sd->dir, ch);
    else if (b->app == APP_FRAMER)
        framer_feed(b, sd->dir, ch);
}

/* ---- connections ---- */

tt_streams *tt_streams_new(const tt_streams_config *cfg, tt_error *err)
{
    tt_streams *s = calloc(1, sizeof *s);
    if (!s) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    tt_reasm_config_default(&s->rcfg);
    if (cfg->max_held_bytes)
        s->rcfg.max_held_bytes = cfg->max_held_bytes;
    tt_reasm_budget_init(&s->budget, cfg->budget_bytes ? cfg->budget_bytes : TT_REASM_BUDGET_DEFAULT);
    return s;
}

static bool collects(const tt_streams *s, uint32_t stream)
{
    return s->cfg.collect == TT_STREAMS_COLLECT_ALL ||
           (s->cfg.collect >= 0 && (uint64_t)s->cfg.collect == stream);
}

static tt_streams_conn *conn_new(tt_streams *s, tt_conn *conn, int dir_side0)
{
    tt_streams_conn *h = calloc(1, sizeof *h);
    sbody *b = calloc(1, sizeof *b);
    if (!h || !b)
        goto fail;
    b->s = s;
    b->stream = conn->stream;
    b->collect = collects(s, conn->stream);
    /* the sender port of each direction: dir 0 is the client (key side client_side) */
    b->port[0] = conn->key.port[conn->client_side];
    b->port[1] = conn->key.port[!conn->client_side];
    (void)dir_side0;
    for (int d = 0; d < 2; d++) {
        b->side[d].b = b;
        b->side[d].dir = d;
        tt_reasm_init(&b->r[d], &s->rcfg, &s->budget, on_chunk, &b->side[d]);
    }
    if (b->collect && s->cfg.follow) {
        b->follow = malloc(sizeof *b->follow);
        if (!b->follow)
            goto fail;
        tt_follow_init(b->follow, s->rcfg.max_held_bytes, on_follow, b);
    }
    h->b = b;
    if (s->tail)
        s->tail->next = h;
    else
        s->head = h;
    s->tail = h;
    s->st.conns++;
    return h;
fail:
    if (b)
        free(b->follow);
    free(b);
    free(h);
    s->st.nomem++;
    return NULL;
}

static void add_stats(tt_streams *s, const tt_reasm_stats *r)
{
    s->st.segments += r->segments;
    s->st.bytes += r->bytes_delivered;
    s->st.gap_bytes += r->gap_bytes;
    s->st.gaps += r->gaps;
    s->st.missing_bytes += r->missing_bytes;
    s->st.overlap_bytes += r->overlap_bytes;
    s->st.conflicts += r->conflicts;
    s->st.dropped_bytes += r->dropped_bytes;
    s->st.forced_gaps += r->forced_gaps;
    s->st.implausible_segments += r->implausible_segments;
    s->st.reasm_steps += r->steps;
}

/* Flush both directions (delivering what is held), then free the body. */
static void body_end(tt_streams *s, tt_streams_conn *h)
{
    sbody *b = h->b;
    if (!b)
        return;
    for (int d = 0; d < 2; d++)
        tt_reasm_end(&b->r[d], TT_REASM_END_FLUSH, 0);
    framer_close(b);
    for (int d = 0; d < 2; d++) {
        add_stats(s, tt_reasm_stats_of(&b->r[d]));
        tt_reasm_clear(&b->r[d]);
    }
    if (s->budget.peak_bytes > s->st.held_peak)
        s->st.held_peak = s->budget.peak_bytes;
    free(b->pend);
    if (b->follow) {
        s->st.follow_dropped_bytes += b->follow->dropped_bytes;
        tt_follow_clear(b->follow);
        free(b->follow);
    }
    free(b);
    h->b = NULL;
}

/* The furthest offset a RST of direction d, or an ACK of its bytes, may plausibly name. */
static uint64_t reach(const sbody *b, int d)
{
    uint64_t next = tt_reasm_next_off(&b->r[d]);
    return (b->hi_end[d] > next ? b->hi_end[d] : next) + TT_STREAMS_WINDOW;
}

/* Unwrap a 32-bit stream position (relative seq - 1) near next_off. */
static int64_t unwrap(uint64_t next_off, uint32_t pos)
{
    return (int64_t)next_off + (int64_t)(int32_t)(pos - (uint32_t)next_off);
}

static void follow_segment(tt_streams *s, sbody *b, const tt_packet *p, const tt_analysis *an)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (!ip || p->tcp_have < TT_TCP_HAVE_FULL || !an->hdr_ok || an->opt_error)
        return;
    bool had = b->follow->have_nodes;
    tt_follow_seg fs = {
        .version = ip->version, .src = ip->src, .dst = ip->dst, .sport = p->sport,
        .dport = p->dport, .flags = p->flags, .seq = an->seq, .ack = an->ack,
        .seglen = p->payload_len, .data = p->payload, .caplen = p->payload_caplen,
        .frame = p->frame,
    };
    tt_follow_segment(b->follow, &fs);
    if (!had && b->follow->have_nodes) {
        tt_stream_nodes *n;
        if (!VEC_PUSH(s->out.nodes, n)) {
            s->out.nomem++;
            return;
        }
        n->stream = b->stream;
        n->version = b->follow->version;
        memcpy(n->addr, b->follow->addr, sizeof n->addr);
        memcpy(n->port, b->follow->port, sizeof n->port);
    }
}

uint64_t tt_streams_segment(tt_streams *s, tt_conn *conn, const tt_packet *p, const tt_analysis *an)
{
    if (!an->have_conv || !an->have_seglen)
        return 0;
    tt_streams_conn *h = conn->app;
    if (!h) {
        h = conn_new(s, conn, 0);
        if (!h)
            return 0;
        conn->app = h;
    }
    sbody *b = h->b;
    if (!b)
        return 0; /* ended and released */
    if (b->follow)
        follow_segment(s, b, p, an);
    int d = an->dir;
    uint64_t anom = 0;
    /* the ACK: the receiver has every byte before it */
    if ((p->flags & TT_TCP_ACK) && b->seen[!d]) {
        int64_t ack_off = unwrap(tt_reasm_next_off(&b->r[!d]), an->ack - 1u);
        /* an ACK far past anything the other side was seen sending is no evidence of
         * missed bytes (a stray, or another incarnation's): ignore it */
        if (ack_off > 0 && (uint64_t)ack_off <= reach(b, !d))
            anom |= tt_reasm_acked(&b->r[!d], (uint64_t)ack_off, p->frame);
    }
    uint32_t start = an->seq + ((p->flags & TT_TCP_SYN) ? 1u : 0u);
    int64_t off = unwrap(tt_reasm_next_off(&b->r[d]), start - 1u);
    tt_reasm_seg seg = {
        .data = p->payload, .caplen = p->payload_caplen, .wirelen = p->payload_len,
        .frame = p->frame,
        .flags = ((p->flags & TT_TCP_FIN) ? TT_REASM_FIN : 0u) |
                 ((p->flags & TT_TCP_RST) ? TT_REASM_RST : 0u),
    };
    if (!seg.data)
        seg.caplen = 0;
    if (seg.caplen > seg.wirelen)
        seg.caplen = seg.wirelen;
    if (p->flags & TT_TCP_RST)
        seg.caplen = seg.wirelen = 0; /* a RST's payload is a diagnostic, not stream data */
    if (off < 0) {
        /* bytes from before offset 0 (sent before the capture began): trim them */
        uint64_t cut = (uint64_t)-off;
        s->st.trimmed_bytes += cut < seg.wirelen ? cut : seg.wirelen;
        if (cut >= seg.wirelen) {
            seg.caplen = seg.wirelen = 0;
            seg.flags = 0; /* its FIN or RST is stale (or from a sequence space we never
                              saw start, like a RST before the SYN) */
        } else {
            seg.wirelen -= (uint32_t)cut;
            uint32_t ccut = cut < seg.caplen ? (uint32_t)cut : seg.caplen;
            seg.caplen -= ccut;
            seg.data = seg.data ? seg.data + ccut : NULL;
        }
        off = 0;
    }
    seg.off = (uint64_t)off;
    /* A RST far ahead of the stream is not this connection's (a stray from an earlier
     * incarnation, before the SYN we saw): it must not end the direction (RFC 5961 §3
     * accepts a RST only in the window). */
    if ((seg.flags & TT_REASM_RST) && seg.off > reach(b, d))
        seg.flags &= ~(uint32_t)TT_REASM_RST;
    b->seen[d] = true;
    if (seg.off + seg.wirelen > b->hi_end[d])
        b->hi_end[d] = seg.off + seg.wirelen;
    if (seg.wirelen || seg.flags)
        anom |= tt_reasm_insert(&b->r[d], &seg);
    if (tt_reasm_ended(&b->r[0]) && tt_reasm_ended(&b->r[1]) && !b->collect)
        body_end(s, h);
    return anom;
}

void tt_streams_conn_end(tt_streams *s, tt_conn *conn)
{
    tt_streams_conn *h = conn->app;
    if (h)
        body_end(s, h);
    conn->app = NULL;
}

void tt_streams_finish(tt_streams *s)
{
    for (tt_streams_conn *h = s->head; h; h = h->next)
        body_end(s, h);
}

tt_streams_out *tt_streams_output(tt_streams *s) { return &s->out; }

const tt_streams_stats *tt_streams_stats_get(const tt_streams *s) { return &s->st; }

void tt_streams_free(tt_streams *s)
{
    if (!s)
        return;
    tt_streams_conn *h = s->head;
    while (h) {
        tt_streams_conn *next = h->next;
        if (h->b) {
            for (int d = 0; d < 2; d++)
                tt_reasm_clear(&h->b->r[d]);
            if (h->b->fr)
                h->b->fr->close(h->b->fst);
            for (int d = 0; d < 2; d++)
                for (size_t i = 0; i < h->b->n_pend[d]; i++)
                    msg_free(&h->b->pend[d * TT_STREAMS_PENDING_HS + i]);
            free(h->b->pend);
            if (h->b->follow) {
                tt_follow_clear(h->b->follow);
                free(h->b->follow);
            }
            free(h->b);
        }
        free(h);
        h = next;
    }
    out_free(&s->out);
    free(s);
}
