/* reasm: reassembly of one direction of a TCP connection into a byte stream.
 *
 * Contract
 *  - The caller (the engine) owns one tt_reasm per connection direction and one
 *    tt_reasm_budget per engine, shared by every stream: tt_reasm_init(r, cfg, budget,
 *    sink, ctx) ... tt_reasm_insert(r, seg) ... tt_reasm_end(r, ...) ... tt_reasm_clear(r).
 *  - Positions are 64-bit stream offsets: offset 0 is the first byte after the SYN
 *    (relative sequence number 1). The caller derives them from relative sequence
 *    numbers, unwrapping the 32-bit space with wrap-safe differences; data from before
 *    offset 0 (a retransmission of bytes sent before the capture began) must be
 *    trimmed or dropped by the caller, never wrapped into a huge offset (such offsets,
 *    2^31 or more ahead, are ignored and counted as implausible).
 *  - Delivery is streaming and synchronous: during insert/end the sink is called once
 *    per chunk, in stream order, with no gaps between consecutive chunks (a hole is
 *    itself a chunk of kind GAP). Chunk memory is borrowed until the sink returns.
 *    The sink must not call back into the same tt_reasm.
 *  - In-order bytes are handed over at once, zero-copy, from the caller's segment;
 *    only out-of-order bytes are copied and held, so memory follows the reordering
 *    depth, never the stream length.
 *  - Overlaps: the first copy of a byte wins, as in Wireshark's reassembly. Bytes that
 *    arrive again are compared with the first copy while it is still at hand (held, or
 *    in the small history of recently delivered bytes); a difference is a conflict.
 *  - Bytes the wire carried but the capture did not (caplen < wirelen, the snaplen)
 *    are delivered as a MISSING chunk: their length is known, their content never
 *    invented.
 *  - A hole that never fills becomes a GAP chunk (offset, length: the missed bytes)
 *    when the direction ends, when the receiver acknowledges past it (tt_reasm_acked:
 *    the capture missed bytes the receiver got), or earlier when holding data behind
 *    it would exceed a cap (per stream, or the shared budget). Bytes that arrive later for a range
 *    already given up on are counted as dropped (bytes and segments).
 *  - The caps are enforced after each insert: in between, memory can exceed them by at
 *    most the one segment being inserted.
 *  - The direction ends at the FIN once every byte before it is delivered, at a RST,
 *    or at tt_reasm_end (end of capture). The last chunk is of kind END. */
#ifndef TT_REASM_H
#define TT_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"

/* Segment flags (tt_reasm_seg.flags). */
enum {
    TT_REASM_FIN = 1u << 0, /* the segment carries FIN: the stream ends after its payload */
    TT_REASM_RST = 1u << 1, /* the segment carries RST: the direction ends now */
};

/* Chunk kinds. */
typedef enum tt_reasm_kind {
    TT_REASM_DATA = 0, /* captured bytes at data */
    TT_REASM_MISSING,  /* bytes on the wire that the capture cut (snaplen): data is NULL */
    TT_REASM_GAP,      /* bytes never seen (missed): data is NULL */
    TT_REASM_END,      /* the direction ended (len 0); see tt_reasm_chunk.end */
} tt_reasm_kind;

/* Why a direction ended. */
typedef enum tt_reasm_end_reason {
    TT_REASM_OPEN = 0,
    TT_REASM_END_FIN,   /* every byte up to the FIN delivered */
    TT_REASM_END_RST,   /* a RST */
    TT_REASM_END_FLUSH, /* tt_reasm_end: end of capture, or the caller gave up */
} tt_reasm_end_reason;

/* One segment's payload as the caller hands it in. */
typedef struct tt_reasm_seg {
    uint64_t off;        /* stream offset of the first payload byte */
    const uint8_t *data; /* borrowed: caplen captured payload bytes, valid during the call */
    uint32_t caplen;     /* payload bytes captured */
    uint32_t wirelen;    /* payload bytes on the wire (>= caplen) */
    uint64_t frame;      /* frame number (1-based, as Wireshark counts) */
    uint32_t flags;      /* TT_REASM_FIN, TT_REASM_RST */
} tt_reasm_seg;

/* How many bytes of a chunk one frame contributed, in stream order. */
typedef struct tt_reasm_part {
    uint64_t frame;
    uint32_t len;
} tt_reasm_part;

/* One contiguous piece of the stream handed to the sink. */
typedef struct tt_reasm_chunk {
    tt_reasm_kind kind;
    uint64_t off;               /* stream offset of the first byte */
    uint64_t len;               /* bytes (DATA), or the length of the hole (MISSING, GAP) */
    const uint8_t *data;        /* borrowed (DATA only), valid until the sink returns */
    const tt_reasm_part *parts; /* borrowed: the frames whose bytes make the chunk, in
                                   order, lengths summing to len (none for GAP, END) */
    size_t n_parts;
    uint64_t frame;             /* the frame whose arrival made the chunk deliverable:
                                   for in-order data the carrying frame, for held data the
                                   frame that filled the hole (Wireshark's "reassembled in");
                                   0 for held data released because the hole before it was
                                   given up (then parts say which frames carried it);
                                   for GAP the frame that gave up (0 at a flush);
                                   for END the FIN/RST frame, 0 for a flush */
    tt_reasm_end_reason end;    /* END only */
} tt_reasm_chunk;

typedef void (*tt_reasm_sink)(void *ctx, const tt_reasm_chunk *chunk);

/* Memory shared by every stream of an engine: out-of-order bytes held and history.
 * Caller-owned storage; no locking (one engine, one thread). */
typedef struct tt_reasm_budget {
    size_t cap_bytes;  /* total bytes the streams may hold */
    size_t used_bytes; /* held now */
    size_t peak_bytes; /* most held at once */
} tt_reasm_budget;

void tt_reasm_budget_init(tt_reasm_budget *b, size_t cap_bytes);

typedef struct tt_reasm_config {
    size_t max_held_bytes;  /* out-of-order bytes one stream may hold, with per-piece overhead */
    size_t max_held_pieces; /* held pieces one stream may have (bounds their memory) */
    size_t history_bytes;   /* delivered bytes kept to compare retransmissions (0: none) */
} tt_reasm_config;

#define TT_REASM_BUDGET_DEFAULT (256u * 1024 * 1024)
#define TT_REASM_MAX_HELD_DEFAULT (16u * 1024 * 1024)
#define TT_REASM_MAX_PIECES_DEFAULT 16384u
#define TT_REASM_HISTORY_DEFAULT (64u * 1024)

void tt_reasm_config_default(tt_reasm_config *cfg);

/* Counters of one direction; never reset. */
typedef struct tt_reasm_stats {
    uint64_t segments;         /* segments inserted (with or without payload) */
    uint64_t bytes_delivered;  /* DATA bytes handed to the sink */
    uint64_t missing_bytes;    /* MISSING bytes (cut by the snaplen) */
    uint64_t gap_bytes;        /* GAP bytes (never seen: missed) */
    uint64_t gaps;             /* GAP chunks */
    uint64_t forced_gaps;      /* of those, skipped early because a cap was reached */
    uint64_t acked_gaps;       /* of those, skipped because the receiver acknowledged them */
    uint64_t overlap_bytes;    /* bytes received again and discarded (first copy wins) */
    uint64_t overlap_unchecked;/* of those, bytes whose first copy was gone: not compared */
    uint64_t conflicts;        /* segments whose resent bytes differed from the first copy */
    uint64_t conflict_bytes;   /* bytes that differed */
    uint64_t dropped_bytes;    /* bytes arriving for a range a cap had already given up on */
    uint64_t dropped_segments; /* segments carrying such bytes */
    uint64_t after_end_bytes;  /* new bytes past the FIN or after the end: discarded */
    uint64_t implausible_segments; /* segments TT_REASM_MAX_AHEAD or more past next_off:
                                      a wrapped offset (data from before offset 0) */
    uint64_t implausible_bytes;
    uint64_t held_bytes;       /* held now (with overhead) */
    uint64_t held_peak;        /* most held at once */
    uint64_t steps;            /* work that depends on what is held, not on the segment's
                                  own bytes: tree nodes visited and held pieces walked
                                  (O(log n) per segment plus the pieces it touches; the
                                  tests bound it) */
} tt_reasm_stats;

#define TT_REASM_SKIPPED_RING 8

typedef struct tt_reasm_piece tt_reasm_piece;
struct tt_avl_node;

/* One direction. The fields are private: use the functions. Embeddable (the caller
 * owns the storage: tt_reasm_init / tt_reasm_clear). */
typedef struct tt_reasm {
    tt_reasm_config cfg;
    tt_reasm_budget *budget; /* borrowed: shared, outlives every stream using it */
    tt_reasm_sink sink;      /* the chunk consumer */
    void *sink_ctx;          /* borrowed: passed to sink */
    uint64_t next_off;       /* first byte not yet delivered */
    uint64_t fin_off;        /* offset of the FIN, UINT64_MAX before one is seen */
    uint64_t fin_frame;
    tt_reasm_end_reason ended;
    tt_reasm_piece *head;    /* owned: held pieces, sorted, disjoint, all >= next_off */
    tt_reasm_piece *tail;    /* borrowed: last of head's list */
    struct tt_avl_node *tree; /* borrowed: the same pieces in a tree by offset (avltree.h),
                                 so a segment finds its place in O(log n) */
    size_t n_pieces;
    uint8_t *hist;           /* owned: ring of the last hist_len delivered bytes, or NULL */
    size_t hist_cap;         /* bytes allocated at hist */
    size_t hist_len;         /* valid bytes: offsets [next_off - hist_len, next_off) */
    uint64_t skip_off[TT_REASM_SKIPPED_RING]; /* ranges given up on by a cap */
    uint64_t skip_end[TT_REASM_SKIPPED_RING];
    unsigned skip_next;
    tt_reasm_stats st;
} tt_reasm;

/* cfg NULL: defaults. budget is required. */
void tt_reasm_init(tt_reasm *r, const tt_reasm_config *cfg, tt_reasm_budget *budget,
                   tt_reasm_sink sink, void *sink_ctx);

/* Add one segment (payload and/or FIN/RST). Delivers what became contiguous. Returns
 * the anomaly bits (TT_ANOM_BIT) this segment showed: overlap conflict, dropped bytes,
 * and a gap it forced (by a cap or by RST). Zero-length segments without FIN/RST are
 * fine (a no-op but for the counter). */
uint64_t tt_reasm_insert(tt_reasm *r, const tt_reasm_seg *seg);

/* The receiver acknowledged every byte before ack_off (its relative ACK number minus
 * one; call it with the ACKs of the other direction). A hole below ack_off can never
 * be filled: the receiver has the bytes, so no retransmission will bring them, and
 * the capture simply missed them (Wireshark's "ACKed unseen segment"). Such holes are
 * reported as GAP at once and what was held behind them is released, so a capture
 * with losses streams on instead of holding data until the end. An ack_off more than
 * TT_REASM_MAX_ACK_JUMP past next_off is ignored as implausible. Returns
 * TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP) when a gap was reported. */
uint64_t tt_reasm_acked(tt_reasm *r, uint64_t ack_off, uint64_t frame);

/* RFC 7323 §2.3: a window never exceeds 2^30 bytes, so no ACK can run further ahead. */
#define TT_REASM_MAX_ACK_JUMP (1ull << 30)

/* A segment this far past next_off is a 32-bit difference that wrapped (serial number
 * arithmetic, RFC 1982): it is ignored and counted (implausible_segments). */
#define TT_REASM_MAX_AHEAD (1ull << 31)

/* End the direction now (end of capture): every held piece is delivered, each hole
 * before it and up to a FIN becomes a GAP, then END. frame is reported in END (0 when
 * none). Idempotent. Returns TT_ANOM_BIT(TT_ANOM_TCP_REASM_GAP) when a gap was reported. */
uint64_t tt_reasm_end(tt_reasm *r, tt_reasm_end_reason reason, uint64_t frame);

static inline const tt_reasm_stats *tt_reasm_stats_of(const tt_reasm *r) { return &r->st; }
static inline bool tt_reasm_ended(const tt_reasm *r) { return r->ended != TT_REASM_OPEN; }
static inline uint64_t tt_reasm_next_off(const tt_reasm *r) { return r->next_off; }

/* Free what the stream holds (without delivering it) and give its memory back to
 * the budget. */
void tt_reasm_clear(tt_reasm *r);

#endif
