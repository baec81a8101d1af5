/* reasm: one direction's byte stream from TCP segments; see reasm.h for the contract.
 *
 * Held out-of-order data is a sorted, doubly linked list of disjoint pieces, also kept
 * in an AVL tree by offset: a new segment finds the first piece it may touch in
 * O(log n) (walking the list from its head was O(n) per segment, so a hole never filled
 * with a piece far ahead made a stream quadratic), then walks the list from there over
 * only the pieces it overlaps. A new segment is cut against the pieces: bytes already held are compared and discarded
 * (first copy wins), the holes between them become new pieces, and a hole that starts
 * at next_off is delivered straight from the caller's buffer. */
#include "reasm.h"

#include "avltree.h"

#include <stdlib.h>
#include <string.h>

struct tt_reasm_piece {
    tt_avl_node node;           /* in tt_reasm.tree, by off */
    uint64_t off;
    uint64_t frame;             /* the frame that carried these bytes */
    uint32_t len;
    bool missing;               /* bytes on the wire but not captured: no data */
    struct tt_reasm_piece *prev; /* borrowed: list neighbours, owned by tt_reasm.head */
    struct tt_reasm_piece *next; /* owned */
    uint8_t data[];             /* len bytes unless missing */
};

/* What a piece costs against the caps: its bytes and its bookkeeping. */
static size_t piece_cost(uint32_t len, bool missing)
{
    return sizeof(tt_reasm_piece) + (missing ? 0 : (size_t)len);
}

static const tt_reasm_piece *piece_of(const tt_avl_node *n)
{
    return (const tt_reasm_piece *)(const void *)n;
}

/* The tree's order: by offset (pieces are disjoint, so offsets are unique). */
static int off_cmp(const void *key, const tt_avl_node *n)
{
    uint64_t off = *(const uint64_t *)key, at = piece_of(n)->off;
    return off < at ? -1 : off > at;
}

/* For tt_avl_lower_bound: the first piece ending after key. Ends rise with offsets. */
static int end_cmp(const void *key, const tt_avl_node *n)
{
    const tt_reasm_piece *p = piece_of(n);
    return *(const uint64_t *)key < p->off + p->len ? -1 : 1;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

void tt_reasm_budget_init(tt_reasm_budget *b, size_t cap_bytes)
{
    b->cap_bytes = cap_bytes;
    b->used_bytes = 0;
    b->peak_bytes = 0;
}

void tt_reasm_config_default(tt_reasm_config *cfg)
{
    cfg->max_held_bytes = TT_REASM_MAX_HELD_DEFAULT;
    cfg->max_held_pieces = TT_REASM_MAX_PIECES_DEFAULT;
    cfg->history_bytes = TT_REASM_HISTORY_DEFAULT;
}

void tt_reasm_init(tt_reasm *r, const tt_reasm_config *cfg, tt_reasm_budget *budget,
                   tt_reasm_sink sink, void *sink_ctx)
{
    memset(r, 0, sizeof *r);
    if (cfg)
        r->cfg = *cfg;
    else
        tt_reasm_config_default(&r->cfg);
    r->budget = budget;
    r->sink = sink;
    r->sink_ctx = sink_ctx;
    r->fin_off = UINT64_MAX;
}

static void charge(tt_reasm *r, size_t n)
{
    r->st.held_bytes += n;
    if (r->st.held_bytes > r->st.held_peak)
        r->st.held_peak = r->st.held_bytes;
    r->budget->used_bytes += n;
    if (r->budget->used_bytes > r->budget->peak_bytes)
        r->budget->peak_bytes = r->budget->used_bytes;
}

static void refund(tt_reasm *r, size_t n)
{
    r->st.held_bytes -= n;
    r->budget->used_bytes -= n;
}

/* ---- history: the last delivered bytes, to compare retransmissions with ---- */

static void hist_free(tt_reasm *r)
{
    if (!r->hist)
        return;
    r->budget->used_bytes -= r->hist_cap;
    free(r->hist);
    r->hist = NULL;
    r->hist_cap = 0;
    r->hist_len = 0;
}

/* Allocated on the first delivery so that idle or one-way streams cost nothing; the
 * shared budget may refuse it (then overlaps go unchecked, and are counted so). */
static void hist_put(tt_reasm *r, const uint8_t *p, uint64_t len)
{
    if (!r->hist) {
        size_t cap = r->cfg.history_bytes;
        if (!cap || r->budget->used_bytes + cap > r->budget->cap_bytes)
            return;
        r->hist = malloc(cap);
        if (!r->hist)
            return;
        r->hist_cap = cap;
        r->hist_len = 0;
        r->budget->used_bytes += cap;
        if (r->budget->used_bytes > r->budget->peak_bytes)
            r->budget->peak_bytes = r->budget->used_bytes;
    }
    uint64_t off = r->next_off; /* offset of p[0]; next_off not yet advanced */
    if (len > r->hist_cap) {
        off += len - r->hist_cap;
        p += len - r->hist_cap;
        len = r->hist_cap;
    }
    size_t at = (size_t)(off % r->hist_cap);
    size_t first = r->hist_cap - at < len ? r->hist_cap - at : (size_t)len;
    memcpy(r->hist + at, p, first);
    memcpy(r->hist, p + first, (size_t)len - first);
    r->hist_len = r->hist_len + len > r->hist_cap ? r->hist_cap : r->hist_len + (size_t)len;
}

/* The delivered byte at off, if still in the history. */
static bool hist_get(const tt_reasm *r, uint64_t off, uint8_t *out)
{
    if (!r->hist || off >= r->next_off || r->next_off - off > r->hist_len)
        return false;
    *out = r->hist[off % r->hist_cap];
    return true;
}

/* ---- delivery ---- */

static void emit(tt_reasm *r, tt_reasm_kind kind, uint64_t len, const uint8_t *data,
                 const tt_reasm_part *parts, size_t n_parts, uint64_t frame)
{
    tt_reasm_chunk c = {
        .kind = kind, .off = r->next_off, .len = len, .data = data,
        .parts = parts, .n_parts = n_parts, .frame = frame, .end = TT_REASM_OPEN,
    };
    switch (kind) {
    case TT_REASM_DATA:
        r->st.bytes_delivered += len;
        hist_put(r, data, len);
        break;
    case TT_REASM_MISSING:
        r->st.missing_bytes += len;
        r->hist_len = 0; /* the history must stay contiguous up to next_off */
        break;
    case TT_REASM_GAP:
        r->st.gap_bytes += len;
        r->st.gaps++;
        r->hist_len = 0;
        break;
    case TT_REASM_END:
        c.end = r->ended;
        break;
    }
    r->next_off += len;
    if (r->sink)
        r->sink(r->sink_ctx, &c);
}

static void unlink_piece(tt_reasm *r, tt_reasm_piece *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        r->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        r->tail = p->prev;
    r->tree = tt_avl_remove(r->tree, &p->off, off_cmp, &r->st.steps);
    r->n_pieces--;
    refund(r, piece_cost(p->len, p->missing));
}

/* Deliver the held pieces that now start at next_off. Consecutive captured pieces are
 * handed over as one chunk listing each frame's share; a missing piece is its own
 * chunk. frame: the frame whose arrival made them deliverable. */
static void drain(tt_reasm *r, uint64_t frame)
{
    while (r->head && r->head->off == r->next_off) {
        tt_reasm_piece *p = r->head;
        r->st.steps++;
        if (p->missing) {
            tt_reasm_part part = {p->frame, p->len};
            unlink_piece(r, p);
            emit(r, TT_REASM_MISSING, p->len, NULL, &part, 1, frame);
            free(p);
            continue;
        }
        size_t n = 1;
        uint64_t total = p->len;
        for (tt_reasm_piece *q = p->next; q && !q->missing && q->off == p->off + total; q = q->next) {
            r->st.steps++;
            n++;
            total += q->len;
        }
        uint8_t *buf = n > 1 ? malloc((size_t)total) : NULL;
        tt_reasm_part *parts = n > 1 ? malloc(n * sizeof *parts) : NULL;
        if (n == 1 || !buf || !parts) {
            /* one piece, or no memory to join them: hand them over one by one */
            free(buf);
            free(parts);
            tt_reasm_part part = {p->frame, p->len};
            unlink_piece(r, p);
            emit(r, TT_REASM_DATA, p->len, p->data, &part, 1, frame);
            free(p);
            continue;
        }
        uint64_t at = 0;
        for (size_t i = 0; i < n; i++) {
            tt_reasm_piece *q = r->head;
            memcpy(buf + at, q->data, q->len);
            at += q->len;
            parts[i].frame = q->frame;
            parts[i].len = q->len;
            unlink_piece(r, q);
            free(q);
        }
        emit(r, TT_REASM_DATA, total, buf, parts, n, frame);
        free(buf);
        free(parts);
    }
}

/* Report the hole before the first held piece as missed bytes and move past it. */
static void skip_gap(tt_reasm *r, uint64_t upto, uint64_t frame, bool forced)
{
    uint64_t len = upto - r->next_off;
    if (forced) {
        r->st.forced_gaps++;
        unsigned i = r->skip_next++ % TT_REASM_SKIPPED_RING;
        r->skip_off[i] = r->next_off;
        r->skip_end[i] = upto;
    }
    emit(r, TT_REASM_GAP, len, NULL, NULL, 0, frame);
}

/* ---- overlap accounting ---- */

static bool in_skipped(const tt_reasm *r, uint64_t off)
{
    unsigned n = r->skip_next < TT_REASM_SKIPPED_RING ? r->skip_next : TT_REASM_SKIPPED_RING;
    for (unsigned i = 0; i < n; i++)
        if (off >= r->skip_off[i] && off < r->skip_end[i])
            return true;
    return false;
}

/* Bytes [from, to) of s lie before next_off: already delivered (or given up on).
 * Counts them; *diff gets the bytes that differ from the first copy. */
static uint64_t old_bytes(tt_reasm *r, const tt_reasm_seg *s, uint64_t from, uint64_t to,
                          uint64_t *diff)
{
    uint64_t dropped = 0;
    uint64_t cap_end = s->off + s->caplen;
    for (uint64_t o = from; o < to; o++) {
        if (r->skip_next && in_skipped(r, o)) {
            dropped++;
            continue;
        }
        r->st.overlap_bytes++;
        uint8_t first;
        if (o < cap_end && hist_get(r, o, &first)) {
            if (first != s->data[o - s->off])
                (*diff)++;
        } else {
            r->st.overlap_unchecked++;
        }
    }
    if (!dropped)
        return 0;
    r->st.dropped_bytes += dropped;
    r->st.dropped_segments++;
    return TT_ANOM_BIT(TT_ANOM_TCP_REASM_DROPPED);
}

/* Bytes [from, to) of s are already held in p: compare, discard. */
static void held_bytes(tt_reasm *r, const tt_reasm_seg *s, const tt_reasm_piece *p,
                       uint64_t from, uint64_t to, uint64_t *diff)
{
    uint64_t cap_end = s->off + s->caplen;
    r->st.overlap_bytes += to - from;
    for (uint64_t o = from; o < to; o++) {
        if (p->missing || o >= cap_end)
            r->st.overlap_unchecked++;
        else if (p->data[o - p->off] != s->data[o - s->off])
            (*diff)++;
    }
}

/* ---- placing new bytes ---- */

/* New bytes [x, y) of s, all captured or all missing, in a hole of the held list:
 * delivered now when the hole starts at next_off, else held before `before` (NULL:
 * at the tail). */
static bool fill(tt_reasm *r, const tt_reasm_seg *s, uint64_t x, uint64_t y, bool missing,
                 tt_reasm_piece *before)
{
    if (x == r->next_off) {
        tt_reasm_part part = {s->frame, (uint32_t)(y - x)};
        if (missing)
            emit(r, TT_REASM_MISSING, y - x, NULL, &part, 1, s->frame);
        else
            emit(r, TT_REASM_DATA, y - x, s->data + (x - s->off), &part, 1, s->frame);
        return true;
    }
    uint32_t len = (uint32_t)(y - x);
    tt_reasm_piece *p = malloc(sizeof *p + (missing ? 0 : (size_t)len));
    if (!p)
        return false; /* no memory: the caller counts the bytes as dropped */
    p->off = x;
    p->len = len;
    p->frame = s->frame;
    p->missing = missing;
    if (!missing)
        memcpy(p->data, s->data + (x - s->off), len);
    p->next = before;
    p->prev = before ? before->prev : r->tail;
    if (p->prev)
        p->prev->next = p;
    else
        r->head = p;
    if (before)
        before->prev = p;
    else
        r->tail = p;
    r->tree = tt_avl_insert(r->tree, &p->node, &p->off, off_cmp, &r->st.steps);
    r->n_pieces++;
    charge(r, piece_cost(len, missing));
    return true;
}

/* New bytes [a, b) of s, all at or past next_off. */
static uint64_t place(tt_reasm *r, const tt_reasm_seg *s, uint64_t a, uint64_t b, uint64_t *diff)
{
    uint64_t cap_end = s->off + s->caplen;
    tt_reasm_piece *p;
    if (r->tail && r->tail->off + r->tail->len <= a) {
        p = NULL; /* the usual reordering: past everything held */
    } else {
        /* the first piece ending after a: any before it ends at or before a */
        p = (tt_reasm_piece *)(void *)tt_avl_lower_bound(r->tree, &a, end_cmp, &r->st.steps);
    }
    uint64_t pos = a;
    while (pos < b) {
        if (p && p->off <= pos) {
            uint64_t end = min_u64(p->off + p->len, b);
            held_bytes(r, s, p, pos, end, diff);
            pos = end;
            p = p->next;
            r->st.steps++;
            continue;
        }
        uint64_t end = p ? min_u64(p->off, b) : b;
        uint64_t split = max_u64(pos, min_u64(end, cap_end));
        bool ok = true;
        if (split > pos)
            ok = fill(r, s, pos, split, false, p);
        if (ok && end > split)
            ok = fill(r, s, split, end, true, p);
        if (!ok) {
            /* Out of memory: the rest of the segment is not held. It will show as a
             * gap; the drop counters say why. */
            r->st.dropped_bytes += b - pos;
            r->st.dropped_segments++;
            return TT_ANOM_BIT(TT_ANOM_TCP_REASM_DROPPED);
        }
        pos = end;
    }
    return 0;
}

/* ---- ending and caps ---- */

static void free_pieces(tt_reasm *r)
{
    while (r->head) {
        tt_reasm_piece *p = r->head;
        unlink_piece(r, p);
        free(p);
    }
}

static uint64_t finish(tt_reasm *r, tt_reasm_end_reason reason, uint64_t frame)
{
    uint64_t anom = 0;
    if (r->ended)
        return 0;
    while (r->head) {
        if (r->head->off >= r->fin_off) {
            /* held before the FIN was known, but past it: not part of the stream */
            for (tt_reasm_piece *p = r->head; p; p = p->next) {
                r->st.after_end_bytes += p->len;
                r->st.steps++;
            }
            free_pieces(r);
            break;
        }
        if (r->head->off > r->next_off) {
            skip_gap(r, r->head->off, frame, false);
            anom |= TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP);
        }
        drain(r, 0); /* released, not completed by a frame */
    }
    if (r->fin_off != UINT64_MAX && r->next_off < r->fin_off) {
        skip_gap(r, r->fin_off, frame, false);
        anom |= TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP);
    }
    r->ended = reason;
    emit(r, TT_REASM_END, 0, NULL, NULL, 0, frame);
    hist_free(r); /* nothing left to compare with that matters more than the memory */
    return anom;
}

/* Give up on holes, oldest first, until this stream fits its caps and the shared
 * budget (as far as this stream's own pieces can make it fit). */
static uint64_t enforce_caps(tt_reasm *r, uint64_t frame)
{
    uint64_t anom = 0;
    while (r->head && (r->st.held_bytes > r->cfg.max_held_bytes ||
                       r->n_pieces > r->cfg.max_held_pieces ||
                       r->budget->used_bytes > r->budget->cap_bytes)) {
        skip_gap(r, r->head->off, frame, true);
        anom |= TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP);
        drain(r, 0);
    }
    if (r->budget->used_bytes > r->budget->cap_bytes)
        hist_free(r);
    return anom;
}

uint64_t tt_reasm_insert(tt_reasm *r, const tt_reasm_seg *seg)
{
    tt_reasm_seg s = *seg;
    uint64_t anom = 0, diff = 0;
    r->st.segments++;
    if (s.caplen > s.wirelen)
        s.caplen = s.wirelen;
    if (s.off > UINT64_MAX - 1 - s.wirelen ||
        (s.off > r->next_off && s.off - r->next_off >= TT_REASM_MAX_AHEAD)) {
        /* Half the sequence space ahead is behind, in serial arithmetic (RFC 1982):
         * an offset that far is a wrapped difference (data from before the stream's
         * start), never new data. Counted, not held. */
        r->st.implausible_segments++;
        r->st.implausible_bytes += s.wirelen;
        return 0;
    }
    uint64_t a = s.off, b = s.off + s.wirelen;
    if ((s.flags & TT_REASM_FIN) && r->fin_off == UINT64_MAX && !r->ended) {
        r->fin_off = b;
        r->fin_frame = s.frame;
    }
    if (a < r->next_off) {
        anom |= old_bytes(r, &s, a, min_u64(b, r->next_off), &diff);
        a = min_u64(b, r->next_off);
    }
    uint64_t stop = r->ended ? r->next_off : r->fin_off;
    if (b > stop) {
        r->st.after_end_bytes += b - max_u64(a, stop);
        b = max_u64(a, stop);
    }
    if (a < b)
        anom |= place(r, &s, a, b, &diff);
    if (diff) {
        r->st.conflicts++;
        r->st.conflict_bytes += diff;
        anom |= TT_ANOM_BIT(TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT);
    }
    if (r->ended)
        return anom;
    drain(r, s.frame);
    if (s.flags & TT_REASM_RST)
        anom |= finish(r, TT_REASM_END_RST, s.frame);
    else if (r->next_off >= r->fin_off)
        anom |= finish(r, TT_REASM_END_FIN, r->fin_frame);
    else
        anom |= enforce_caps(r, s.frame);
    return anom;
}

uint64_t tt_reasm_acked(tt_reasm *r, uint64_t ack_off, uint64_t frame)
{
    uint64_t anom = 0;
    if (r->ended || ack_off <= r->next_off || ack_off - r->next_off > TT_REASM_MAX_ACK_JUMP)
        return 0;
    if (ack_off > r->fin_off)
        ack_off = r->fin_off; /* the FIN's own sequence number is not a byte */
    while (r->next_off < ack_off) {
        /* the receiver has these bytes: no retransmission will bring them to the
         * capture, so waiting for them is pointless */
        uint64_t upto = r->head && r->head->off < ack_off ? r->head->off : ack_off;
        if (upto > r->next_off) {
            skip_gap(r, upto, frame, false);
            r->st.acked_gaps++;
            anom |= TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP);
        }
        drain(r, 0);
    }
    if (r->next_off >= r->fin_off)
        anom |= finish(r, TT_REASM_END_FIN, r->fin_frame);
    return anom;
}

uint64_t tt_reasm_end(tt_reasm *r, tt_reasm_end_reason reason, uint64_t frame)
{
    return finish(r, reason == TT_REASM_OPEN ? TT_REASM_END_FLUSH : reason, frame);
}

void tt_reasm_clear(tt_reasm *r)
{
    free_pieces(r);
    hist_free(r);
}
