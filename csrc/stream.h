/* stream: per-connection byte streams and application messages, driven by the engine.
 *
 * For every analysed segment the engine calls tt_streams_segment: the payload goes
 * to the connection's two tt_reasm (offset = relative seq - 1, unwrapped against the
 * direction's next offset; the SYN's payload at offset 0; bytes from before offset 0
 * trimmed), its ACK to the other direction (tt_reasm_acked), FIN and RST end a
 * direction. Delivered chunks feed one framer of the registry (framer.h), chosen per
 * connection by port and first bytes (and TLS after an SMTP STARTTLS), and, for
 * the collected streams, are copied out. Completed messages, collected chunks and
 * tshark-compatible follow records queue in a tt_streams_out that the caller drains.
 *
 * Memory: out-of-order bytes held are capped per direction and in total by one
 * budget shared by every connection (reasm.h); framers keep bounded headers only; the
 * state of a connection whose two directions ended is released at once. What the
 * caps drop is counted (tt_streams_stats), never silent. The queue grows only with
 * what the caller asked for (messages, collected streams) and is emptied by it. */
#ifndef TT_STREAM_H
#define TT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "app_frames.h"
#include "error.h"
#include "framer.h"
#include "packet.h"
#include "reasm.h"

struct tt_conn;

/* Which streams' chunks and follow records are copied out. */
#define TT_STREAMS_COLLECT_NONE (-1)
#define TT_STREAMS_COLLECT_ALL (-2)

#define TT_STREAMS_MAX_FRAMERS 16 /* framers in the registry at most */

typedef struct tt_streams_config {
    size_t budget_bytes;    /* out-of-order bytes held by all connections (0: default) */
    size_t max_held_bytes;  /* per direction (0: default) */
    bool messages;          /* run the framers (framers.c) and queue their messages */
    int64_t collect;        /* a tcp.stream whose chunks are queued, or TT_STREAMS_COLLECT_* */
    bool follow;            /* also queue tshark follow records of the collected streams */
} tt_streams_config;

/* A detail value of a queued message (framer.h: tt_app_value, copied). */
typedef struct tt_stream_value {
    bool set;
    int64_t i;
    const char *s;           /* borrowed from the message's strings block */
    size_t len;
} tt_stream_value;

/* One application message (a copy of a framer's tt_app_msg: owns its strings and
 * frames). */
typedef struct tt_stream_msg {
    const struct tt_framer *framer; /* static: the framer that reported it */
    const char *kind;        /* static */
    uint32_t stream;
    uint8_t dir;
    uint64_t done_frame;     /* the frame that completed it (0: never completed) */
    uint64_t start_off, end_off; /* stream offsets of its first byte and just past it */
    uint64_t length;
    uint32_t flags;          /* the framer's flag bits */
    uint64_t anomalies;
    uint64_t missing_bytes;
    bool lost, truncated, pdu;
    /* borrowed from strings, NULL when absent */
    const char *protocol, *info, *stream_protocol, *note, *lead;
    tt_stream_value v[TT_APP_MAX_FIELDS]; /* in the order of framer->fields */
    char *strings;           /* owned: every string above, NUL-terminated, in one block */
    tt_app_frame *frames;    /* owned: n_frames entries */
    size_t n_frames;
    uint64_t frames_total;
} tt_stream_msg;

/* A copy of a tt_reasm_chunk of a collected stream. */
typedef struct tt_stream_chunk {
    uint32_t stream;
    uint8_t dir;
    uint8_t kind;            /* tt_reasm_kind */
    uint8_t end;             /* tt_reasm_end_reason (END) */
    uint64_t off, len, frame;
    uint8_t *data;           /* owned: len bytes for DATA, else NULL */
    tt_reasm_part *parts;    /* owned: n_parts entries */
    size_t n_parts;
} tt_stream_chunk;

/* A tshark follow record of a collected stream (follow.h). */
typedef struct tt_stream_follow {
    uint32_t stream;
    uint8_t node;            /* 0: the sender of the first segment followed */
    uint64_t frame;
    uint8_t *data;           /* owned */
    size_t len;
} tt_stream_follow;

/* The follow nodes of a collected stream (queued once, at its first segment). */
typedef struct tt_stream_nodes {
    uint32_t stream;
    uint8_t version;
    uint8_t addr[2][16];
    uint16_t port[2];
} tt_stream_nodes;

#define TT_VEC(T) struct { T *v; size_t n, cap; }

/* What the caller drains. Owned by tt_streams; items stay valid until
 * tt_streams_out_clear. */
typedef struct tt_streams_out {
    TT_VEC(tt_stream_msg) msgs;
    TT_VEC(tt_stream_chunk) chunks;
    TT_VEC(tt_stream_follow) follow;
    TT_VEC(tt_stream_nodes) nodes;
    uint64_t nomem;          /* items lost for lack of memory */
} tt_streams_out;

typedef struct tt_streams_stats {
    uint64_t conns;            /* connections given stream state */
    uint64_t segments;         /* segments reassembled */
    uint64_t bytes;            /* bytes delivered in order */
    uint64_t gap_bytes;        /* bytes never seen (missed) */
    uint64_t gaps;
    uint64_t missing_bytes;    /* bytes cut by the snaplen */
    uint64_t overlap_bytes;    /* retransmitted bytes discarded (first copy wins) */
    uint64_t conflicts;        /* retransmissions whose bytes differed */
    uint64_t dropped_bytes;    /* bytes a cap gave up on, arriving later */
    uint64_t forced_gaps;      /* gaps skipped early because a cap was reached */
    uint64_t trimmed_bytes;    /* bytes from before the stream's offset 0 */
    uint64_t implausible_segments;
    uint64_t held_peak;        /* most out-of-order bytes held at once, all streams */
    uint64_t reasm_steps;      /* reassembly work that depends on what was held
                                  (tt_reasm_stats.steps): linear in the segments */
    uint64_t messages;         /* messages queued */
    uint64_t framer_conns[TT_STREAMS_MAX_FRAMERS]; /* connections given each framer,
                                                      in registry order (framers.c) */
    uint64_t nomem;            /* state or items lost for lack of memory */
    uint64_t follow_dropped_bytes; /* follow records not held because of the cap */
} tt_streams_stats;

typedef struct tt_streams tt_streams;

tt_streams *tt_streams_new(const tt_streams_config *cfg, tt_error *err);

/* One analysed segment p of conversation conn (an: its analysis; dir: 0 c2s, 1 s2c).
 * Returns anomaly bits (TT_ANOM_BIT(TT_ANOM_TCP_REASM_*)) the segment showed. */
uint64_t tt_streams_segment(tt_streams *s, struct tt_conn *conn, const tt_packet *p,
                            const tt_analysis *an);

/* conn is about to be replaced (port reuse) or freed: end its streams now. */
void tt_streams_conn_end(tt_streams *s, struct tt_conn *conn);

/* End of capture: every direction still open is flushed and ended. */
void tt_streams_finish(tt_streams *s);

tt_streams_out *tt_streams_output(tt_streams *s);
/* Free the queued items (the caller has taken what it wanted). */
void tt_streams_out_clear(tt_streams_out *o);

const tt_streams_stats *tt_streams_stats_get(const tt_streams *s);

void tt_streams_free(tt_streams *s);

#endif
