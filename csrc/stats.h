/* stats: per-connection, per-direction statistics, updated segment by segment from
 * the decoded packet and its Wireshark analysis (analysis.h), kept in fixed-size
 * structs (no allocation), and summarised into a fixed-size finished record
 * (tt_conn_record) when the connection ends.
 *
 * Three families of numbers, documented column by column in docs/connections.md:
 *   - counts of what was on the wire (packets, frame bytes, payload bytes, flags);
 *   - sums of Wireshark's per-segment analysis flags (retransmissions, dup ACKs,
 *     zero windows ...), so they always agree with `tcptrace fields`;
 *   - tcptrace's own statistics (unique bytes, rexmt data, outoforder, window
 *     advertisements, RTT by Karn's rule, RTT from the 3WHS ...), computed in
 *     sequence space the way tcptrace defines them.
 * Zeek's conn_state and history come from a small per-endpoint state model.
 *
 * Directions are indexed by dir: 0 client -> server, 1 server -> client. */
#ifndef TT_STATS_H
#define TT_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "packet.h"

#define TT_STATS_MAX_HOLES 16  /* sequence gaps tracked per direction (unique bytes) */
#define TT_STATS_TS_RING 16    /* recent TSval values remembered for TSecr RTT samples */
#define TT_STATS_HISTORY_MAX 40 /* Zeek history letters kept (plus the terminating 0) */

/* Why the client is the client. */
typedef enum tt_client_reason {
    TT_CLIENT_SYN = 0,    /* it sent the first pure SYN */
    TT_CLIENT_SYNACK = 1, /* it received the first segment, a SYN/ACK */
    TT_CLIENT_FIRST = 2,  /* no SYN: it sent the first segment */
} tt_client_reason;

/* Why the record was handed over. */
typedef enum tt_end_reason {
    TT_END_RST = 0,     /* a RST, then the linger time */
    TT_END_FIN = 1,     /* both FINs acknowledged, then the linger time */
    TT_END_REUSED = 2,  /* a SYN with a new ISN reused the ports (Wireshark's new conversation) */
    TT_END_CAPTURE = 3, /* still open at the end of the capture */
    TT_END_EVICTED = 4, /* evicted, least recently active, to keep the table under max_conns */
} tt_end_reason;

/* Zeek conn_state values. */
typedef enum tt_conn_state {
    TT_CS_OTH = 0, TT_CS_S0, TT_CS_S1, TT_CS_SF, TT_CS_REJ, TT_CS_S2, TT_CS_S3,
    TT_CS_RSTO, TT_CS_RSTR, TT_CS_RSTOS0, TT_CS_RSTRH, TT_CS_SH, TT_CS_SHR,
} tt_conn_state;
#define TT_CS_COUNT 13

/* "S0", "SF", ...; NULL out of range. */
const char *tt_conn_state_name(int state);
const char *tt_end_reason_name(int reason);
const char *tt_client_reason_name(int reason);

/* RTT accumulator (nanoseconds). */
typedef struct tt_rtt_acc {
    uint64_t n;
    int64_t min_ns, max_ns;
    double sum_ns, sumsq_ns;
} tt_rtt_acc;

/* Per-direction results: what a finished record carries. All counts are of
 * segments sent in this direction unless said otherwise. */
typedef struct tt_stats_dir {
    /* On the wire. */
    uint64_t packets;        /* TCP segments tshark counts (conv "Frames"): not malformed */
    uint64_t wire_bytes;     /* their frame.len (tshark conv "Bytes") */
    uint64_t ip_bytes;       /* their IP total lengths (Zeek orig_ip_bytes) */
    uint64_t malformed_packets; /* segments whose TCP header tshark gives up on (header
                              * length < 20, options that throw): not in packets */
    uint64_t data_packets;   /* segments with payload (tcptrace actual data pkts) */
    uint64_t payload_bytes;  /* sum of tcp.len (tcptrace actual data bytes) */
    uint64_t pure_acks;      /* ACK, no payload, no SYN/FIN/RST (tcptrace pure acks sent) */
    uint64_t ack_packets;    /* ACK flag set (tcptrace ack pkts sent) */
    uint64_t syn_packets, fin_packets, rst_packets;
    uint64_t push_packets;   /* data segments with PSH (tcptrace pushed data pkts) */
    uint64_t urg_packets;    /* data segments with URG */
    uint64_t urg_bytes;      /* their urgent bytes (urgent pointer, capped at the payload) */
    uint64_t sack_packets;   /* segments carrying SACK blocks */
    uint64_t dsack_packets;  /* ... whose first block is a D-SACK (RFC 2883) */
    uint64_t sack_blocks;    /* SACK blocks seen */
    uint32_t max_sack_blocks;
    uint64_t truncated_packets; /* payload cut by the snapshot length */
    uint64_t truncated_bytes;   /* payload bytes announced but not captured */
    /* Sums of Wireshark's analysis flags (tcp.analysis.*). */
    uint64_t retransmissions;      /* retransmission (fast and spurious included) */
    uint64_t retransmitted_bytes;  /* payload bytes of those */
    uint64_t fast_retransmissions, spurious_retransmissions;
    uint64_t out_of_order;         /* out_of_order */
    uint64_t lost_segments;        /* lost_segment: a gap before this segment */
    uint64_t acked_unseen;         /* ack_lost_segment */
    uint64_t dup_acks;             /* duplicate_ack, counted on the ACK's sender */
    uint64_t triple_dup_acks;      /* duplicate_ack_num reaching 3 */
    uint64_t zero_windows;         /* zero_window advertisements */
    uint64_t zero_window_probes;   /* zero_window_probe */
    uint64_t zero_window_probe_acks;
    uint64_t keep_alives, keep_alive_acks, window_updates, window_full;
    /* tcptrace's statistics (sequence space, this direction's data). */
    uint64_t unique_bytes;     /* payload bytes counted once per sequence number */
    uint64_t rexmt_packets;    /* segments re-sending sequence space already seen */
    uint64_t rexmt_bytes;      /* sequence bytes re-sent (a SYN or FIN counts 1) */
    uint64_t outoforder_packets; /* new data below the highest sequence seen */
    uint64_t zwnd_probe_packets, zwnd_probe_bytes; /* sent into a zero window */
    uint64_t missed_bytes;     /* sequence bytes never seen (gaps, Zeek missed_bytes) */
    int64_t stream_length;     /* FIN - ISN - 1 when SYN and FIN were seen, else -1 */
    uint32_t seg_min, seg_max; /* smallest / largest payload (0 without data) */
    uint32_t win_min, win_max; /* advertised window, scaled; min ignores zeros */
    double win_mean;           /* mean advertised window over the sampled segments */
    uint64_t win_samples;
    uint64_t zero_win_adv;     /* window samples of zero (tcptrace zero win adv) */
    uint64_t init_win_bytes, init_win_packets; /* sent before the first ACK of data */
    int64_t idle_max_ns;       /* longest gap between two segments of this direction */
    /* Options on this side's SYN. */
    uint16_t mss;              /* 0: none */
    int8_t ws_shift;           /* -1: no window scale option */
    bool sack_permitted;
    bool timestamps;
    /* RTT of this direction's data: segment -> the peer's ACK of exactly its end. */
    tt_rtt_acc rtt;            /* Karn: no retransmitted or post-loss segment */
    tt_rtt_acc rtt_ts;         /* TSval -> first TSecr echo from the peer */
    int64_t rtt_3whs_ns;       /* this side's SYN (or SYN/ACK) to the peer's answer, -1 none */
    int64_t first_ns, last_ns; /* first and last segment time, 0 without segments */
} tt_stats_dir;

/* A sequence gap [lo, hi) in 64-bit stream offsets. */
typedef struct tt_stats_hole {
    int64_t lo, hi;
} tt_stats_hole;

typedef struct tt_stats_ts {
    uint32_t tsval;
    bool used;
    int64_t ts_ns;
} tt_stats_ts;

/* Per-direction working state (not part of the record). */
typedef struct tt_stats_track {
    bool have_ref;          /* seq_ref / off_ref set */
    bool syn_seen;
    bool fin_seen;
    bool init_win_done;     /* the peer has acknowledged data */
    bool zero_adv;          /* last advertised window was zero */
    int8_t ep_state;        /* Zeek-style endpoint state */
    uint32_t isn;
    uint32_t seq_ref;       /* a raw sequence number ... */
    int64_t off_ref;        /* ... and its stream offset (ISN + 1 = 0) */
    int64_t lo, hi;         /* lowest / highest+1 payload offset seen */
    uint32_t n_holes;
    tt_stats_hole holes[TT_STATS_MAX_HOLES];
    uint32_t fin_end;       /* raw seq just after the FIN */
    int64_t fin_off;
    uint32_t syn_count;
    uint64_t syn_frame;     /* frame of the first SYN (for the 3WHS RTT) */
    int64_t last_rexmt_ns;  /* time of the last retransmission (Karn) */
    bool have_rexmt;
    uint64_t syn_win_n, syn_win_zero; /* SYN window samples, counted at the end only */
    uint32_t syn_win_min, syn_win_max; /*   when window scaling was not negotiated */
    double syn_win_sum;
    uint64_t dupack_run;    /* Zeek-style repeat counters */
    uint64_t n_rexmt_hist, n_zero_hist;
    uint32_t ts_head, ts_len;
    tt_stats_ts ts[TT_STATS_TS_RING];
} tt_stats_track;

/* Everything kept per live connection. */
typedef struct tt_stats_conn {
    bool started;
    uint8_t client_reason;      /* tt_client_reason */
    uint64_t first_frame, last_frame;
    int64_t first_ns, last_ns;
    int64_t handshake_rtt_ns;   /* Wireshark's tcp.analysis.initial_rtt, -1 none */
    uint32_t hist_len;
    char history[TT_STATS_HISTORY_MAX + 1];
    uint32_t hist_seen[2];      /* letters already logged, one bit each, per direction */
    tt_stats_dir d[2];
    tt_stats_track t[2];
} tt_stats_conn;

/* A finished connection, a fixed-size value (addresses: [0] client, [1] server). */
typedef struct tt_conn_record {
    uint32_t stream;            /* tcp.stream */
    uint8_t ip_version;         /* 4 or 6 */
    uint8_t client_reason;      /* tt_client_reason */
    uint8_t end_reason;         /* tt_end_reason */
    uint8_t conn_state;         /* tt_conn_state (Zeek) */
    uint8_t completeness;       /* Wireshark's tcp.completeness after the last segment */
    uint8_t addr[2][16];
    uint16_t port[2];
    uint64_t first_frame, last_frame;
    int64_t first_ns, last_ns;  /* capture times, ns since the epoch */
    int64_t handshake_rtt_ns;   /* -1: none */
    char history[TT_STATS_HISTORY_MAX + 1];
    tt_stats_dir d[2];
} tt_conn_record;

void tt_stats_init(tt_stats_conn *s);

/* Account one segment of the connection, sent in direction dir, after its analysis.
 * When it closes is tt_close_track's to say. */
void tt_stats_update(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an);

/* When a connection closes: a RST, or both FINs acknowledged (the first FIN of each
 * direction, and whether the peer's ACK has reached past it). Kept apart from the
 * statistics, which only reads that hand over connection records allocate, so that
 * every read ends a connection at the same segment. Zeroed storage is a fresh
 * tracker. */
typedef struct tt_close_track {
    uint32_t fin_end[2];   /* by dir: sequence number just past the first FIN */
    bool fin_seen[2];
    bool fin_acked[2];
    uint8_t closed;        /* 0 open, else 1 + tt_end_reason (RST or FIN) */
} tt_close_track;

/* Account one segment sent in direction dir. Returns true for the segment that
 * closed the connection (ct->closed tells how). */
bool tt_close_track_update(tt_close_track *ct, int dir, const tt_packet *p, const tt_analysis *an);

/* Fill the parts of a record that come from the statistics: times, history, state,
 * both directions (missed bytes and stream lengths settled). */
void tt_stats_finish(const tt_stats_conn *s, tt_conn_record *r);

/* RTT summary helpers (ns; stdev is the sample standard deviation, 0 below 2 samples). */
double tt_rtt_mean_ns(const tt_rtt_acc *a);
double tt_rtt_stdev_ns(const tt_rtt_acc *a);

#endif
