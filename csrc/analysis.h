/* analysis: Wireshark's TCP sequence analysis (epan/dissectors/packet-tcp.c,
 * tshark 4.0, default preferences, one pass), per conversation and direction.
 *
 * For every segment: relative seq/ack/next seq, the calculated window and scale
 * factor, the tcp.analysis.* flags, the frame an ACK acknowledges and its RTT,
 * the initial RTT, bytes in flight, bytes pushed, conversation timestamps and the
 * completeness bitmask. Results go in tt_analysis, a fixed-size value. */
#ifndef TT_ANALYSIS_H
#define TT_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis_flags.h"
#include "packet.h"

/* tcp.analysis.* flags, one bit each, generated from analysis_flags.h: TT_AF_BIT_<X> is
 * the bit number, TT_AF_<X> the mask. */
enum {
#define TT_AF_BIT_ROW(e, ...) TT_AF_BIT_##e,
    TT_ANALYSIS_FLAGS(TT_AF_BIT_ROW)
#undef TT_AF_BIT_ROW
    TT_AF_COUNT
};
enum {
#define TT_AF_MASK_ROW(e, ...) TT_AF_##e = 1u << TT_AF_BIT_##e,
    TT_ANALYSIS_FLAGS(TT_AF_MASK_ROW)
#undef TT_AF_MASK_ROW
};

/* Stable name of flag bit i ("retransmission", "duplicate_ack", ...), or NULL. */
const char *tt_analysis_flag_name(int i);

/* Everything the table says of flag bit i, or NULL. */
typedef struct tt_analysis_flag_info {
    const char *name;            /* "retransmission" */
    const char *field;           /* "tcp.analysis.retransmission" */
    const char *info_label;      /* "[TCP Retransmission] " (a format for the dup ACK) */
    const char *expert_severity; /* "note", "warning", "chat" */
    const char *expert_summary;  /* Wireshark's expert text */
    const char *title;           /* how an explanation begins */
} tt_analysis_flag_info;
const tt_analysis_flag_info *tt_analysis_flag(int i);

/* How tshark's option dissection ended when it threw: the analysis is then not
 * shown and the Info line gets the exception's text. */
enum {
    TT_OPT_ERR_NONE = 0,
    TT_OPT_ERR_TRUNCATED = 1, /* options cut by the snaplen: "[Packet size limited during capture]" */
    TT_OPT_ERR_MALFORMED = 2, /* an option too short for its kind: "[Malformed Packet]" */
};

/* Window scale factor states (tcp.window_size_scalefactor). */
#define TT_WS_UNKNOWN (-1)  /* no SYN seen: scaling unknown */
#define TT_WS_NOT_USED (-2) /* a side did not offer the option: no scaling */

/* tcp.completeness bits. */
enum {
    TT_COMPL_SYN = 1, TT_COMPL_SYNACK = 2, TT_COMPL_ACK = 4,
    TT_COMPL_DATA = 8, TT_COMPL_FIN = 16, TT_COMPL_RST = 32,
};

/* The values the analysis rules compared for one segment, kept so that a person can
 * be told why a flag was set (Segment.explain). Snapshot of the state the rules saw,
 * before this segment updated it; it never feeds back into the analysis. Sequence
 * numbers are relative: the sender's to its own base, the receiver's to its base,
 * acks to the base of the side they acknowledge. */
typedef struct tt_evidence {
    bool have;               /* the sequence analysis ran for this segment */
    bool nextseq_known;      /* the sender's next expected seq was known */
    bool rev_scale_known;    /* the receiver's window scaling was known (window full) */
    uint32_t seglen;         /* this segment's payload length */
    uint32_t nextseq;        /* sender's next expected seq (highest seq + len seen) */
    uint64_t nextseq_frame;  /* the frame that set it */
    uint32_t prev_ack;       /* sender's previous ack, relative to the receiver's base */
    uint32_t prev_window;    /* sender's previous raw window (UINT32_MAX: none yet) */
    uint32_t rev_lastack;    /* receiver's last ack, relative to the sender's base (0: none) */
    uint32_t rev_window;     /* receiver's last raw window (UINT32_MAX: none yet) */
    uint32_t rev_window_scaled; /* the same, scaled as the window-full rule scales it */
    int32_t rev_shift;       /* that scale's shift */
    uint32_t rev_maxseq;     /* highest contiguous seq seen from the receiver, relative (0: none) */
    uint32_t rev_nextseq;    /* receiver's next expected seq, relative */
    int32_t rev_dupacks;     /* receiver's duplicate ACK count (-1 after an ACKed unseen) */
    uint64_t rev_last_frame; /* receiver's last segment (0: none) */
    uint32_t rev_last_flags; /* its TT_AF_* flags */
    int64_t since_rev_ack_ns;   /* since the receiver's last ACK (fast retransmission) */
    int64_t since_nextseq_ns;   /* since the frame that set nextseq (out-of-order) */
    int64_t ooo_threshold_ns;   /* out-of-order threshold: initial RTT, else 3 ms */
    int64_t fast_threshold_ns;  /* fast retransmission threshold: 20 ms */
    uint32_t old_isn;        /* port reuse: the sender's ISN it replaced (raw) */
    uint32_t old_stream;     /* port reuse by a SYN: the earlier conversation (tcp.stream) */
} tt_evidence;

/* The analysis of one segment. Fields whose have_* bit is false are absent, as
 * tshark leaves them out. */
typedef struct tt_analysis {
    bool have_conv;        /* a conversation exists: stream, dir, completeness */
    bool hdr_ok;           /* header length >= 20: ack, window, times, analysis shown */
    bool have_seglen;      /* segment length known: seq/ack relative, nxtseq */
    bool have_ta;          /* Wireshark's per-segment analysis record exists */
    bool have_scalefactor; /* not a SYN */
    bool have_ack_rtt;
    bool have_initial_rtt;
    uint8_t opt_error;     /* TT_OPT_ERR_*: tshark's option dissection stopped with an exception */
    bool mptcp_dup_hidden; /* with MPTCP analysis on, tshark ignores this duplicate ACK (RFC 8684 4) */
    bool ta_only_dup;      /* the analysis record exists only because of the duplicate ACK */
    uint8_t dir;           /* 0 client -> server, 1 server -> client */
    uint8_t completeness;  /* tcp.completeness: as it stood before this segment */
    uint8_t sack_count;    /* SACK blocks of this segment */
    uint32_t stream;       /* tcp.stream */
    uint32_t seq;          /* tcp.seq: relative when have_seglen, else raw */
    uint32_t ack;          /* tcp.ack: relative when ACK is set and have_seglen, else raw */
    uint32_t nxtseq;       /* tcp.nxtseq */
    uint32_t window;       /* tcp.window_size: raw << the sender's shift */
    int32_t scalefactor;   /* tcp.window_size_scalefactor: multiplier, -1 or -2 */
    uint32_t flags;        /* TT_AF_* */
    uint32_t dup_ack_num;  /* tcp.analysis.duplicate_ack_num (0: absent) */
    uint64_t dup_ack_frame;/* tcp.analysis.duplicate_ack_frame */
    uint64_t acks_frame;   /* tcp.analysis.acks_frame (0: absent) */
    int64_t ack_rtt_ns;    /* tcp.analysis.ack_rtt */
    int64_t initial_rtt_ns;/* tcp.analysis.initial_rtt */
    uint32_t bytes_in_flight; /* tcp.analysis.bytes_in_flight (0: absent) */
    uint32_t push_bytes_sent; /* tcp.analysis.push_bytes_sent (shown with bytes_in_flight) */
    int64_t time_rel_ns;   /* tcp.time_relative: since the conversation's first segment */
    int64_t time_delta_ns; /* tcp.time_delta: since its previous segment */
    uint32_t sack_le[TT_MAX_SACK_BLOCKS]; /* tcp.options.sack_le, relative */
    uint32_t sack_re[TT_MAX_SACK_BLOCKS]; /* tcp.options.sack_re, relative */
    tt_evidence ev;        /* what the rules compared (Segment.explain) */
} tt_analysis;

/* A sent segment not yet acknowledged (Wireshark's tcp_unacked_t). */
typedef struct tt_unacked {
    uint32_t seq, nextseq;
    uint64_t frame;
    int64_t ts_ns;
} tt_unacked;

/* Most unacked segments kept per direction (packet-tcp.h TCP_MAX_UNACKED_SEGMENTS). */
#define TT_MAX_UNACKED 10000u

/* One direction's state (Wireshark's tcp_flow_t + tcp_analyze_seq_flow_info_t).
 * A value 0 of nextseq, lastack and maxseqtobeacked means "not known yet", as in
 * Wireshark (a real 0 is treated the same way there too). */
typedef struct tt_an_dir {
    bool base_set;
    bool is_first_ack;       /* sent a SYN, no pure ACK yet: window not scaled (issue 14690) */
    bool valid_bif;
    bool push_set_last;
    int16_t win_scale;       /* shift, or TT_WS_UNKNOWN / TT_WS_NOT_USED */
    uint32_t base_seq;
    uint32_t nextseq;        /* highest next sequence number seen */
    uint64_t nextseq_frame;
    int64_t nextseq_ts_ns;
    uint32_t maxseqtobeacked;
    uint32_t lastack;
    int64_t lastack_ts_ns;
    uint32_t window;         /* last raw window (UINT32_MAX before any) */
    int32_t dupacknum;       /* -1: an ACKed unseen segment of this side's peer was
                              * reported while it stalled (Wireshark's unsigned -1) */
    uint64_t lastnondupack;  /* frame of the last ACK that moved */
    uint32_t lastsegmentflags;
    uint64_t last_frame;     /* this side's last analysed segment (evidence only) */
    uint32_t push_bytes_sent;
    uint8_t mp_ops;          /* the connection's MPTCP subtypes as of this side's last segment */
    uint8_t num_sack;        /* SACK blocks of the last segment, kept for bytes in flight */
    uint32_t sack_le[TT_MAX_SACK_BLOCKS], sack_re[TT_MAX_SACK_BLOCKS];
    tt_unacked *ua;          /* owned: unacked segments, oldest first */
    size_t ua_len, ua_cap;
    bool ua_span_valid;      /* ua_first/ua_last are the list's span (relative to base_seq) */
    uint32_t ua_first, ua_last;
} tt_an_dir;

/* The unacked-segment entries the connections of one engine may hold at once (24
 * bytes each), beyond Wireshark's per-direction TT_MAX_UNACKED: many connections each
 * with thousands of segments in flight must not grow memory without bound. A segment
 * that would need more is not remembered, as beyond TT_MAX_UNACKED (no RTT or bytes
 * in flight from it), and is counted. */
typedef struct tt_an_budget {
    size_t max_entries;  /* 0: no limit */
    size_t used_entries; /* capacity of every list, as allocated */
    uint64_t *refused;   /* borrowed: counts the segments not remembered for want of
                          * budget (the engine's counter); NULL: not counted */
} tt_an_budget;

typedef struct tt_an_conn {
    tt_an_dir dir[2];        /* indexed by key side (flow.h) */
    tt_an_budget *budget;    /* borrowed: the engine's, which outlives its conns; NULL: none */
    bool started;
    bool mptcp;              /* an MPTCP option was seen on the connection */
    uint8_t mp_ops;          /* MPTCP subtypes seen so far, bit = 1 << subtype (0..7) */
    uint8_t completeness;
    int64_t ts_first_ns, ts_prev_ns;
    int64_t ts_mru_syn_ns;   /* most recent pure SYN, 0 = none */
    int64_t ts_first_rtt_ns; /* initial RTT, 0 = not yet */
} tt_an_conn;

void tt_an_conn_init(tt_an_conn *c);
void tt_an_conn_clear(tt_an_conn *c);
/* Give back the memory of unacked-segment lists that are empty (a closed connection
 * lingering for late segments needs none; a later segment allocates again). */
void tt_an_conn_compact(tt_an_conn *c);

/* Wireshark starts a new conversation when a pure SYN carries a sequence number
 * other than the base of its direction: true when p from key side `side` does. */
bool tt_analysis_syn_starts_new(const tt_an_conn *c, int side, const tt_packet *p);

/* How the conversation was found for this segment. */
typedef enum tt_conn_origin {
    TT_CONN_FOUND = 0,    /* an existing conversation */
    TT_CONN_NEW,          /* first segment of a new conversation */
    TT_CONN_REUSED,       /* new conversation because a SYN reused the ports */
    TT_CONN_EXPECTED,     /* first segment of a conversation announced earlier (FTP data) */
} tt_conn_origin;

/* Where the segment was seen. */
typedef enum tt_seg_context {
    TT_SEG_NORMAL = 0,
    TT_SEG_IN_ICMP,       /* the header quoted by an ICMP error: no segment length */
} tt_seg_context;

/* Analyse p, sent from key side `side` of conversation c. Returns false only when
 * out of memory (the unacked list could not grow); out is still filled. */
bool tt_analysis_run(tt_an_conn *c, int side, tt_conn_origin origin, tt_seg_context ctx,
                     const tt_packet *p, tt_analysis *out);

#endif
