/* follow: tshark's "Follow TCP Stream" of one connection (tshark 4.0, `-z follow,tcp,...`),
 * record for record, so its raw and ascii output can be reproduced byte for byte.
 *
 * This is not the project's reassembly (reasm.h): Wireshark's follow keeps its own,
 * simpler bookkeeping, and its output has quirks a faithful copy must keep:
 *  - one record per segment that brings new bytes (or per held segment released);
 *  - a segment ahead of the stream is held until the hole before it fills, or until
 *    the other side acknowledges past it: then the hole becomes the text
 *    "[N bytes missing in capture file]" followed by a NUL byte;
 *  - held segments that nothing ever releases are not shown;
 *  - bytes cut by the snaplen are skipped silently (the expected sequence number
 *    moves on by the length on the wire);
 *  - node 0 is the sender of the first segment followed, whatever its role.
 *
 * Contract: tt_follow_init(f, cap, sink, ctx) ... tt_follow_segment(f, &seg) for every
 * segment of the connection, in frame order, that tshark's TCP dissector taps (it has
 * a known segment length, relative sequence numbers from the analysis) ...
 * tt_follow_clear(f). The sink is called once per record, synchronously; its data is
 * borrowed until it returns. */
#ifndef TT_FOLLOW_H
#define TT_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One segment as the follow tap sees it. */
typedef struct tt_follow_seg {
    uint8_t version;        /* 4 or 6 */
    const uint8_t *src;     /* borrowed: 16-byte address (IPv4 in the first 4) */
    const uint8_t *dst;     /* borrowed */
    uint16_t sport, dport;
    uint16_t flags;         /* TCP flags (TT_TCP_*) */
    uint32_t seq;           /* tcp.seq as tshark shows it (relative) */
    uint32_t ack;           /* tcp.ack as tshark holds it: relative with ACK set, else raw */
    uint32_t seglen;        /* tcp.len: payload bytes on the wire */
    const uint8_t *data;    /* borrowed: caplen captured payload bytes */
    uint32_t caplen;
    uint64_t frame;
} tt_follow_seg;

/* sink(ctx, node, frame, data, len): a record of node 0 or 1. */
typedef void (*tt_follow_sink)(void *ctx, int node, uint64_t frame, const uint8_t *data, size_t len);

typedef struct tt_follow_frag tt_follow_frag;

typedef struct tt_follow {
    bool have_nodes;
    uint8_t version;
    uint8_t addr[2][16];     /* node 0 (sender of the first segment), node 1 */
    uint16_t port[2];
    uint32_t seq[2];         /* next expected sequence number per node */
    uint64_t written[2];     /* bytes recorded per node */
    tt_follow_frag *frags[2];/* owned: held segments, in arrival order */
    size_t held_bytes;       /* bytes held now */
    size_t cap_bytes;        /* most bytes held; past it new held segments are dropped */
    uint64_t dropped_bytes;  /* bytes not held because of cap_bytes */
    tt_follow_sink sink;
    void *sink_ctx;          /* borrowed */
} tt_follow;

void tt_follow_init(tt_follow *f, size_t cap_bytes, tt_follow_sink sink, void *ctx);
void tt_follow_segment(tt_follow *f, const tt_follow_seg *s);
/* Free what is held (tshark never shows it). */
void tt_follow_clear(tt_follow *f);

#endif
