/* app_tls: TLS record and handshake framing; see app_tls.h for the contract.
 *
 * Two layers per direction, both byte-at-a-time state machines over the delivered
 * stream: records (5-byte header, RFC 8446 §5.1) and, inside handshake records,
 * handshake messages (4-byte header, RFC 8446 §4), which may span records. */
#include "app_tls.h"

#include <stdlib.h>
#include <string.h>

/* Hello buffer kept after its message; a bigger one is freed. */
#define TT_TLS_KEEP_HELLO 2048u

typedef enum rstate {
    R_HDR = 0, /* reading a record header */
    R_BODY,    /* inside a record's fragment */
    R_LOST,    /* framing lost (invalid header or lost header bytes): count only */
    R_ENDED,   /* the stream ended */
} rstate;

typedef struct hs_state {
    bool in_msg;       /* a handshake message has begun */
    bool lost;         /* handshake framing lost for the rest of this direction */
    uint8_t hdr[4];
    uint8_t have;      /* header bytes read */
    uint32_t remaining;/* body bytes still to come */
    bool keep;         /* the body is buffered (a hello within max_hello_bytes) */
    uint8_t *buf;      /* owned: the hello body */
    size_t len, cap;
    tt_tls_handshake m;
    tt_app_frames frames;
} hs_state;

typedef struct tls_dir {
    rstate state;
    bool in_rec;       /* a record has begun */
    uint8_t hdr[5];
    uint8_t have;
    uint32_t remaining;
    bool ccs;          /* ChangeCipherSpec seen: later handshake records are encrypted */
    tt_tls_record rec;
    tt_app_frames frames;
    hs_state hs;
} tls_dir;

struct tt_tls_conn {
    tt_tls_config cfg;
    tt_tls_sink sink;
    tls_dir d[2];
    tt_tls_stats st;
};

tt_tls_conn *tt_tls_conn_new(const tt_tls_config *cfg, const tt_tls_sink *sink, tt_error *err)
{
    tt_tls_conn *c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.max_hello_bytes)
        c->cfg.max_hello_bytes = TT_TLS_MAX_HELLO_DEFAULT;
    if (!c->cfg.max_frames)
        c->cfg.max_frames = TT_APP_FRAMES_MAX_DEFAULT;
    if (sink)
        c->sink = *sink;
    for (int i = 0; i < 2; i++) {
        tt_app_frames_init(&c->d[i].frames, c->cfg.max_frames);
        tt_app_frames_init(&c->d[i].hs.frames, c->cfg.max_frames);
    }
    return c;
fail:
    tt_error_set(err, TT_ERR_NOMEM, "out of memory for a TLS connection");
    return NULL;
}

void tt_tls_conn_free(tt_tls_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < 2; i++) {
        tt_app_frames_clear(&c->d[i].frames);
        tt_app_frames_clear(&c->d[i].hs.frames);
        free(c->d[i].hs.buf);
    }
    free(c);
}

const tt_tls_stats *tt_tls_conn_stats(const tt_tls_conn *c) { return &c->st; }

bool tt_tls_sniff(const uint8_t *p, size_t len)
{
    if (len < 5 || p[0] < TT_TLS_CHANGE_CIPHER_SPEC || p[0] > TT_TLS_HEARTBEAT || p[1] != 3 ||
        p[2] > 4)
        return false;
    return ((unsigned)p[3] << 8 | p[4]) <= TT_TLS_MAX_RECORD_LEN;
}

/* ---- handshake messages ---- */

static void hs_emit(tt_tls_conn *c, tls_dir *d, int dir, uint64_t end_off, uint64_t done_frame)
{
    hs_state *h = &d->hs;
    h->m.dir = dir;
    h->m.end_off = end_off;
    h->m.done_frame = done_frame;
    if (h->keep && !(h->m.flags & (TT_TLS_F_MISSING | TT_TLS_F_ABANDONED)) &&
        !tt_tls_parse_hello(h->m.type, h->buf, h->len, &h->m))
        c->st.bad_lengths++;
    h->m.frames = h->frames.v;
    h->m.n_frames = h->frames.n;
    h->m.frames_total = h->frames.n_total;
    c->st.handshakes[dir]++;
    if (c->sink.handshake)
        c->sink.handshake(c->sink.ctx, &h->m);
    h->in_msg = false;
    if (h->cap > TT_TLS_KEEP_HELLO) { /* hellos come once: do not keep a big buffer */
        free(h->buf);
        h->buf = NULL;
        h->cap = 0;
    }
}

/* Handshake bytes ch->data[pos, pos + len) of a record fragment. */
static void hs_data(tt_tls_conn *c, tls_dir *d, int dir, const tt_reasm_chunk *ch, uint64_t pos,
                    uint64_t len)
{
    hs_state *h = &d->hs;
    uint64_t j = 0;
    while (j < len && !h->lost) {
        uint64_t at = pos + j;
        if (!h->in_msg) {
            h->in_msg = true;
            h->have = 0;
            h->len = 0;
            h->keep = false;
            memset(&h->m, 0, sizeof h->m);
            h->m.start_off = ch->off + at;
            tt_app_frames_reset(&h->frames);
        }
        uint64_t take;
        if (h->have < 4) {
            take = 0;
            while (h->have < 4 && j + take < len)
                h->hdr[h->have++] = ch->data[at + take++];
            if (h->have == take && take > 0) { /* the message's first byte is in this record */
                if (d->rec.n_hs < TT_TLS_MAX_HS_TYPES)
                    d->rec.hs_types[d->rec.n_hs++] = h->hdr[0];
                d->rec.n_hs_total++;
            }
            if (h->have == 4) {
                h->m.type = h->hdr[0];
                h->remaining = (uint32_t)h->hdr[1] << 16 | (uint32_t)h->hdr[2] << 8 | h->hdr[3];
                h->m.length = h->remaining;
                bool hello = h->m.type == TT_TLS_HS_CLIENT_HELLO || h->m.type == TT_TLS_HS_SERVER_HELLO;
                h->keep = hello && h->remaining <= c->cfg.max_hello_bytes;
                if (hello && !h->keep)
                    h->m.flags |= TT_TLS_F_TOO_LONG;
            }
        } else {
            take = len - j < h->remaining ? len - j : h->remaining;
            if (h->keep) {
                if (h->len + take > h->cap) {
                    size_t cap = h->cap ? h->cap : 512;
                    while (cap < h->len + take)
                        cap *= 2;
                    uint8_t *b = realloc(h->buf, cap);
                    if (!b) {
                        h->keep = false;
                        h->m.flags |= TT_TLS_F_TOO_LONG;
                    } else {
                        h->buf = b;
                        h->cap = cap;
                    }
                }
                if (h->keep) {
                    memcpy(h->buf + h->len, ch->data + at, (size_t)take);
                    h->len += (size_t)take;
                }
            }
            h->remaining -= (uint32_t)take;
        }
        tt_app_frames_add_chunk(&h->frames, ch, at, take);
        j += take;
        if (h->have == 4 && h->remaining == 0)
            hs_emit(c, d, dir, ch->off + pos + j, tt_app_done_frame(ch, pos + j - 1));
    }
}

/* len record bytes lost inside a handshake record. */
static void hs_lost(tt_tls_conn *c, tls_dir *d, int dir, const tt_reasm_chunk *ch, uint64_t len)
{
    hs_state *h = &d->hs;
    if (h->lost)
        return;
    if (h->in_msg && h->have == 4 && h->remaining >= len) {
        h->remaining -= (uint32_t)len;
        h->m.missing_bytes += len;
        h->m.flags |= TT_TLS_F_MISSING;
        if (ch->kind == TT_REASM_MISSING)
            h->m.flags |= TT_TLS_F_TRUNCATED;
        h->keep = false;
        tt_app_frames_add_chunk(&h->frames, ch, 0, len);
        if (!h->remaining)
            hs_emit(c, d, dir, ch->off + len, tt_app_done_frame(ch, len - 1));
        return;
    }
    /* a handshake header was lost: message boundaries are unknown from here on */
    if (h->in_msg) {
        h->m.flags |= TT_TLS_F_MISSING | TT_TLS_F_ABANDONED;
        hs_emit(c, d, dir, ch->off, 0);
    }
    h->lost = true;
}

/* ---- records ---- */

static void rec_emit(tt_tls_conn *c, tls_dir *d, int dir, uint64_t end_off, uint64_t done_frame)
{
    tt_tls_record *r = &d->rec;
    r->dir = dir;
    r->end_off = end_off;
    r->done_frame = done_frame;
    r->frames = d->frames.v;
    r->n_frames = d->frames.n;
    r->frames_total = d->frames.n_total;
    if (r->flags & TT_TLS_F_INVALID)
        r->anomalies |= TT_ANOM_BIT(TT_ANOM_TLS_RECORD_INVALID);
    c->st.records[dir]++;
    if (c->sink.record)
        c->sink.record(c->sink.ctx, r);
    d->in_rec = false;
    d->have = 0;
}

/* The 5-byte header is in: check it can be TLS (RFC 8446 §5.1, RFC 5246 §6.2.1). */
static void rec_header(tt_tls_conn *c, tls_dir *d, int dir, const tt_reasm_chunk *ch, uint64_t i,
                       uint64_t span_from)
{
    tt_tls_record *r = &d->rec;
    r->type = d->hdr[0];
    r->version = (uint16_t)(d->hdr[1] << 8 | d->hdr[2]);
    r->length = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
    if (r->type < TT_TLS_CHANGE_CIPHER_SPEC || r->type > TT_TLS_HEARTBEAT || d->hdr[1] != 3 ||
        r->length > TT_TLS_MAX_RECORD_LEN) {
        r->flags |= TT_TLS_F_INVALID;
        c->st.invalid++;
        tt_app_frames_add_chunk(&d->frames, ch, span_from, i - span_from);
        rec_emit(c, d, dir, ch->off + i, 0);
        d->state = R_LOST;
        return;
    }
    if (r->type == TT_TLS_HANDSHAKE && d->ccs)
        r->flags |= TT_TLS_F_ENCRYPTED;
    d->remaining = r->length;
    d->state = R_BODY;
}

static void feed_data(tt_tls_conn *c, int dir, const tt_reasm_chunk *ch)
{
    tls_dir *d = &c->d[dir];
    uint64_t n = ch->len, i = 0, span_from = 0;
    while (i < n) {
        switch (d->state) {
        case R_LOST:
        case R_ENDED:
            c->st.unparsed_bytes += n - i;
            i = n;
            break;
        case R_HDR:
            if (!d->in_rec) {
                d->in_rec = true;
                d->have = 0;
                memset(&d->rec, 0, sizeof d->rec);
                d->rec.start_off = ch->off + i;
                tt_app_frames_reset(&d->frames);
                span_from = i;
            }
            while (d->have < 5 && i < n)
                d->hdr[d->have++] = ch->data[i++];
            if (d->have == 5)
                rec_header(c, d, dir, ch, i, span_from);
            if (d->state != R_BODY || d->remaining)
                break;
            /* an empty record is complete at once */
            /* fall through */
        case R_BODY: {
            uint64_t take = n - i < d->remaining ? n - i : d->remaining;
            if (d->rec.type == TT_TLS_HANDSHAKE && !(d->rec.flags & TT_TLS_F_ENCRYPTED))
                hs_data(c, d, dir, ch, i, take);
            i += take;
            d->remaining -= (uint32_t)take;
            if (!d->remaining) {
                tt_app_frames_add_chunk(&d->frames, ch, span_from, i - span_from);
                span_from = i;
                if (d->rec.type == TT_TLS_CHANGE_CIPHER_SPEC)
                    d->ccs = true;
                d->state = R_HDR;
                rec_emit(c, d, dir, ch->off + i, tt_app_done_frame(ch, i - 1));
            }
            break;
        }
        }
    }
    if (d->in_rec)
        tt_app_frames_add_chunk(&d->frames, ch, span_from, n - span_from);
}

static void feed_lost(tt_tls_conn *c, int dir, const tt_reasm_chunk *ch)
{
    tls_dir *d = &c->d[dir];
    uint64_t take = 0;
    if (d->state == R_BODY) {
        take = ch->len < d->remaining ? ch->len : d->remaining;
        d->remaining -= (uint32_t)take;
        d->rec.missing_bytes += take;
        d->rec.flags |= TT_TLS_F_MISSING;
        if (ch->kind == TT_REASM_MISSING)
            d->rec.flags |= TT_TLS_F_TRUNCATED;
        c->st.missing_bytes += take;
        tt_app_frames_add_chunk(&d->frames, ch, 0, take);
        if (d->rec.type == TT_TLS_HANDSHAKE && !(d->rec.flags & TT_TLS_F_ENCRYPTED)) {
            tt_reasm_chunk part = *ch;
            part.len = take;
            hs_lost(c, d, dir, &part, take);
        }
        if (!d->remaining) {
            d->state = R_HDR;
            rec_emit(c, d, dir, ch->off + take, take ? tt_app_done_frame(ch, take - 1) : ch->frame);
        }
    }
    if (take == ch->len)
        return;
    /* record header bytes lost: no way to find the next record */
    if (d->in_rec) {
        d->rec.flags |= TT_TLS_F_MISSING | TT_TLS_F_ABANDONED;
        rec_emit(c, d, dir, ch->off, 0);
    }
    if (d->state != R_ENDED) {
        if (d->hs.in_msg && !d->hs.lost) {
            d->hs.m.flags |= TT_TLS_F_MISSING | TT_TLS_F_ABANDONED;
            hs_emit(c, d, dir, ch->off, 0);
        }
        d->state = R_LOST;
    }
    c->st.unparsed_bytes += ch->len - take;
}

static void feed_end(tt_tls_conn *c, int dir, const tt_reasm_chunk *ch)
{
    tls_dir *d = &c->d[dir];
    if (d->hs.in_msg && !d->hs.lost) {
        d->hs.m.flags |= TT_TLS_F_ABANDONED;
        hs_emit(c, d, dir, ch->off, 0);
    }
    if (d->in_rec) {
        d->rec.flags |= TT_TLS_F_ABANDONED;
        rec_emit(c, d, dir, ch->off, 0);
    }
    d->state = R_ENDED;
}

void tt_tls_conn_feed(tt_tls_conn *c, int dir, const tt_reasm_chunk *chunk)
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
