/* follow: tshark 4.0's follow-TCP-stream bookkeeping; see follow.h. */
#include "follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "seq.h"

struct tt_follow_frag {
    struct tt_follow_frag *next; /* owned */
    uint32_t seq;
    uint32_t len;
    uint64_t frame;
    uint8_t data[];
};

void tt_follow_init(tt_follow *f, size_t cap_bytes, tt_follow_sink sink, void *ctx)
{
    memset(f, 0, sizeof *f);
    f->cap_bytes = cap_bytes;
    f->sink = sink;
    f->sink_ctx = ctx;
}

static void unlink_frag(tt_follow *f, int node, tt_follow_frag *prev, tt_follow_frag *x)
{
    if (prev)
        prev->next = x->next;
    else
        f->frags[node] = x->next;
    f->held_bytes -= x->len;
}

/* Release one held segment of node if one fits the stream, or, when the other side
 * acknowledged past the lowest held one (use_ack), mark the hole as missing. Returns
 * whether something changed (call again until not). */
static bool release_one(tt_follow *f, int node, uint32_t ack, uint64_t frame, bool use_ack)
{
    tt_follow_frag *x = f->frags[node], *prev = NULL;
    if (!x)
        return false;
    uint32_t lowest = x->seq;
    for (; x; prev = x, x = x->next) {
        if (tt_seq_gt(lowest, x->seq))
            lowest = x->seq;
        if (tt_seq_lt(x->seq, f->seq[node])) {
            /* starts before the stream's end: only its new tail, if any, counts */
            uint32_t end = x->seq + x->len;
            if (tt_seq_gt(end, f->seq[node])) {
                uint32_t skip = f->seq[node] - x->seq;
                if (x->len > skip)
                    f->sink(f->sink_ctx, node, x->frame, x->data + skip, x->len - skip);
                f->seq[node] += x->len - skip;
            }
            unlink_frag(f, node, prev, x);
            free(x);
            return true;
        }
        if (x->seq == f->seq[node]) {
            if (x->len)
                f->sink(f->sink_ctx, node, x->frame, x->data, x->len);
            f->seq[node] += x->len;
            unlink_frag(f, node, prev, x);
            free(x);
            return true;
        }
    }
    if (use_ack && tt_seq_gt(ack, lowest)) {
        /* tshark writes this text, with its terminating NUL, in place of the hole */
        char text[64];
        int n = snprintf(text, sizeof text, "[%d bytes missing in capture file]",
                         (int)(lowest - f->seq[node]));
        if (n > 0 && (size_t)n < sizeof text)
            f->sink(f->sink_ctx, node, frame, (const uint8_t *)text, (size_t)n + 1);
        f->seq[node] = lowest;
        return true;
    }
    return false;
}

static bool same_end(const tt_follow *f, int node, const uint8_t *addr, uint16_t port)
{
    size_t alen = f->version == 6 ? 16 : 4;
    return f->port[node] == port && memcmp(f->addr[node], addr, alen) == 0;
}

void tt_follow_segment(tt_follow *f, const tt_follow_seg *s)
{
    uint32_t seq = s->seq + ((s->flags & TT_TCP_SYN) ? 1u : 0u);
    uint32_t length = s->seglen;
    uint32_t off = 0, dlen = s->caplen;
    if (!f->have_nodes) {
        f->have_nodes = true;
        f->version = s->version;
        memcpy(f->addr[0], s->src, 16);
        memcpy(f->addr[1], s->dst, 16);
        f->port[0] = s->sport;
        f->port[1] = s->dport;
    }
    int node = same_end(f, 0, s->src, s->sport) ? 0 : 1;
    /* this segment's ACK may give up on holes of the other node */
    while (f->frags[!node] && release_one(f, !node, s->ack, s->frame, true))
        ;
    if (f->written[node] == 0 && f->seq[node] == 0)
        f->seq[node] = seq;
    if (tt_seq_lt(seq, f->seq[node])) {
        uint32_t next = seq + length;
        if (tt_seq_gt(next, f->seq[node])) {
            off = f->seq[node] - seq;
            dlen = dlen <= off ? 0 : dlen - off;
            seq = f->seq[node];
            length = next - f->seq[node];
        }
    }
    if (dlen == 0 || tt_seq_lt(seq, f->seq[node]))
        return;
    if (seq == f->seq[node]) {
        f->seq[node] += length;
        f->written[node] += dlen;
        f->sink(f->sink_ctx, node, s->frame, s->data + off, dlen);
        while (release_one(f, node, 0, s->frame, false))
            ;
        return;
    }
    /* ahead of the stream: hold it */
    if (f->held_bytes + dlen > f->cap_bytes) {
        f->dropped_bytes += dlen;
        return;
    }
    tt_follow_frag *x = malloc(sizeof *x + dlen);
    if (!x) {
        f->dropped_bytes += dlen;
        return;
    }
    x->next = NULL;
    x->seq = seq;
    x->len = dlen;
    x->frame = s->frame;
    memcpy(x->data, s->data + off, dlen);
    tt_follow_frag **tail = &f->frags[node];
    while (*tail)
        tail = &(*tail)->next;
    *tail = x;
    f->held_bytes += dlen;
}

void tt_follow_clear(tt_follow *f)
{
    for (int n = 0; n < 2; n++) {
        tt_follow_frag *x = f->frags[n];
        while (x) {
            tt_follow_frag *next = x->next;
            free(x);
            x = next;
        }
        f->frags[n] = NULL;
    }
    f->held_bytes = 0;
}
