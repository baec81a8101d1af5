/* engine: the facade that runs the pipeline, frame in, TCP segment out.
 *
 *   tt_engine_new(cfg) -> tt_engine_feed(frame) ... -> tt_engine_finish() -> tt_engine_free()
 *
 * All state hangs off the engine: no globals, so engines in different threads are
 * independent. */
#ifndef TT_ENGINE_H
#define TT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "decode.h"
#include "error.h"
#include "packet.h"
#include "source.h"
#include "stats.h"
#include "stream.h"

typedef struct tt_engine_config {
    size_t ipfrag_mem_cap_bytes; /* bytes of IP fragments held at once (0: default) */
    uint64_t flow_hash_seed;     /* connection table hash seed (0: default) */
    int decode_only;             /* skip conversations and analysis (segments' an is empty) */
    /* Connection hand-over (stats.h). A connection ends at its first RST or when both
     * FINs are acknowledged; it stays conn_linger_ns of capture time longer so late
     * segments (retransmitted FIN/ACK, a second RST) still belong to it, then its
     * record is queued and its state freed. 0: TT_CONN_LINGER_DEFAULT_NS; < 0: never
     * evict (every answer as Wireshark's, memory grows with the connections).
     * Eviction also waits for conn_linger_frames further frames (0: the default), so
     * a time stamp that jumps ahead does not evict a connection still in use. */
    int64_t conn_linger_ns;
    uint64_t conn_linger_frames;
    bool conn_records;           /* queue finished records for tt_engine_next_conn */
    /* Conversations held in memory at most (a SYN flood must not exhaust memory). A new
     * conversation beyond it first evicts one: the oldest closed one still lingering,
     * else the least recently active open one. Its record is handed over like any
     * finished connection (end reason TT_END_EVICTED) and counted in
     * conns_limit_evicted. 0: TT_MAX_CONNS_DEFAULT. */
    size_t max_conns;
    /* Finished records waiting in the queue at most (conn_records): a reader that never
     * takes them (segments only) must not grow memory without bound. Beyond it the
     * oldest waiting record is dropped and counted in conn_records_dropped.
     * 0: TT_MAX_PENDING_RECORDS_DEFAULT. */
    size_t max_pending_records;
    /* Unacked-segment entries all connections may hold at once (analysis.h
     * tt_an_budget; 24 bytes each). 0: TT_MAX_UNACKED_ENTRIES_DEFAULT. */
    size_t max_unacked_entries;
} tt_engine_config;

#define TT_IPFRAG_MEM_CAP_DEFAULT (64u * 1024 * 1024)
#define TT_CONN_LINGER_DEFAULT_NS (120 * 1000000000LL) /* 2 min of capture time */
#define TT_CONN_LINGER_DEFAULT_FRAMES 10000u
#define TT_MAX_CONNS_DEFAULT 1000000u /* ~4.4 KB of state each: ~4.4 GB at most */
#define TT_MAX_PENDING_RECORDS_DEFAULT 1000000u /* ~1.2 KB each */
#define TT_MAX_UNACKED_ENTRIES_DEFAULT (16u * 1024 * 1024) /* 384 MiB of 24-byte entries */

typedef struct tt_counters {
    uint64_t frames;          /* records fed */
    uint64_t tcp_segments;    /* segments delivered */
    uint64_t non_tcp;         /* frames without TCP (fragments held count here until used) */
    uint64_t truncated;       /* frames with a *.truncated anomaly */
    uint64_t invalid;         /* frames with a *.invalid anomaly */
    uint64_t ip_fragments;    /* IP fragments seen */
    uint64_t ip_reassembled;  /* datagrams completed from fragments */
    uint64_t ip_frag_dropped; /* fragments dropped: memory cap, overlap, never completed */
    uint64_t anomalies[TT_ANOM_COUNT]; /* frames showing each anomaly */
    uint64_t conns;           /* TCP conversations (streams) created */
    uint64_t conns_live;      /* conversations held in memory now */
    uint64_t conns_replaced;  /* freed when a SYN with a new ISN reused their ports */
    uint64_t analysis_nomem;  /* segments whose analysis was cut short by lack of memory */
    uint64_t conns_evicted;   /* closed conversations freed after their linger time */
    uint64_t conn_records;    /* finished connection records made */
    uint64_t conns_late;      /* conversations started by a segment that Wireshark would
                               * have given to a conversation freed here (eviction) */
    uint64_t conns_limit_evicted; /* conversations evicted to stay under max_conns */
    uint64_t conns_peak;      /* most conversations held at once */
    uint64_t conn_records_dropped; /* records dropped, never taken, over max_pending_records */
    uint64_t unacked_refused; /* segments the analysis did not remember: over max_unacked_entries */
    tt_streams_stats streams; /* stream reassembly and framing (tt_engine_streams): every
                                 byte a cap dropped is counted here; per-connection numbers
                                 are added when the connection's streams end */
} tt_counters;

/* One TCP segment as the engine delivers it. */
typedef struct tt_segment {
    tt_packet pkt;
    int64_t time_rel_ns; /* since the first frame of the capture (frame.time_relative) */
    int64_t time_rel_sec;  /* the same, exactly: time_rel_sec seconds + time_rel_nsec ns */
    int64_t time_rel_nsec; /*   (time_rel_ns wraps for absurd time stamps; these do not) */
    int64_t time_delta_sec;  /* since the frame captured before (frame.time_delta), */
    int64_t time_delta_nsec; /*   as seconds + ns, any frame counting */
    tt_analysis an;        /* conversation and sequence analysis (an.have_conv: any) */
    uint32_t *addr_codes;  /* borrowed: the conversation's tt_conn.addr_codes (a cache for
                            * columns.c), valid until the next feed; NULL without one */
    uint8_t src_side;      /* key side of the source address (addr_codes[src_side]) */
} tt_segment;

typedef struct tt_engine tt_engine;

tt_engine *tt_engine_new(const tt_engine_config *cfg, tt_error *err);

/* Feed one frame. Returns 1 when *out holds a TCP segment (its payload pointer is
 * valid until the next feed), 0 when the frame gave none. */
int tt_engine_feed(tt_engine *eng, const tt_frame *frame, tt_segment *out);

/* Turn on stream reassembly and HTTP/TLS message framing (stream.h), before the first
 * feed. Returns 0, or -1 with err filled. */
int tt_engine_streams(tt_engine *eng, const tt_streams_config *cfg, tt_error *err);

/* The queue of messages, chunks and follow records the streams produced so far (NULL
 * when streams are off); the caller drains it with tt_streams_out_clear. */
tt_streams_out *tt_engine_streams_out(tt_engine *eng);

/* End of input: fragments never completed are counted; streams are flushed. */
void tt_engine_finish(tt_engine *eng);

const tt_counters *tt_engine_counters(const tt_engine *eng);

/* The next finished connection record (cfg.conn_records), oldest first: 1 when *out
 * was filled, 0 when none is waiting. Records come as connections end (after their
 * linger time) and, after tt_engine_finish, for every connection still held. */
int tt_engine_next_conn(tt_engine *eng, tt_conn_record *out);

/* Records waiting in the queue. */
size_t tt_engine_conns_pending(const tt_engine *eng);

void tt_engine_free(tt_engine *eng);

#endif
