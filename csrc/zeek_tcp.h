/* zeek_tcp: one connection as Zeek's TCP analysis keeps it (internal to zeek_conn.c).
 *
 * The endpoint state machine of TCPSessionAdapter, the sequence bookkeeping and history
 * letters of TCP_Endpoint, and as much of TCP_Reassembler as decides content gaps,
 * missed bytes and when a close is deferred: byte ranges, never bytes. */
#ifndef TT_ZEEK_TCP_H
#define TT_ZEEK_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "zeek_conn.h"

/* TCP_Endpoint's EndpointState. */
enum {
    ZK_INACTIVE = 0,
    ZK_SYN_SENT = 1,
    ZK_SYN_ACK_SENT = 2,
    ZK_PARTIAL = 3,
    ZK_ESTABLISHED = 4,
    ZK_CLOSED = 5,
    ZK_RESET = 6,
};

/* Timers a connection schedules (the TIMER_* Zeek uses). */
enum {
    ZK_T_EXPIRE = 0,  /* ExpireTimer: tcp_SYN_timeout, then every tcp_session_timer */
    ZK_T_ATTEMPT,     /* AttemptTimer: tcp_attempt_delay after the first SYN */
    ZK_T_PARTIAL,     /* PartialCloseTimer */
    ZK_T_RESET,       /* ResetTimer */
    ZK_T_DELETE,      /* ConnDeleteTimer: tcp_close_delay after both closed */
    ZK_T_INACTIVITY,  /* Session::InactivityTimer */
};

typedef struct zk_range {
    uint64_t seq, upper;
} zk_range;

/* TCP_Reassembler over sequence ranges (relative, the SYN is 0). */
typedef struct zk_reasm {
    zk_range *blocks; /* owned: sorted, disjoint, not adjacent */
    uint32_t n, cap;
    uint64_t last_reassem_seq, trim_seq;
    bool skip_deliveries, did_eof;
} zk_reasm;

typedef struct zk_endp {
    int state, prev_state;
    bool is_orig, did_close;
    int64_t start_seq;
    uint32_t last_seq, ack_seq, seq_wraps, ack_wraps;
    uint64_t fin_seq;
    uint32_t fin_cnt, rst_cnt;
    double last_time;
    uint32_t gap_cnt, chk_cnt, rxmt_cnt, win0_cnt;
    uint32_t gap_thresh, chk_thresh, rxmt_thresh, win0_thresh;
    uint64_t hist_last_syn, hist_last_fin, hist_last_rst;
    uint64_t pkts, ip_bytes; /* ConnSize: packets sent by this endpoint, IP total lengths */
    zk_reasm r;
} zk_endp;

typedef struct zk_conn zk_conn;

/* What zeek_tcp needs from the table: scheduling a timer. */
typedef void (*zk_timer_fn)(void *table, zk_conn *c, int type, double at);

struct zk_conn {
    uint8_t ip_version;
    uint8_t addr[2][16]; /* [0] originator, [1] responder (Zeek's roles, after flips) */
    uint16_t port[2];
    zk_endp ep[2];       /* the two endpoint objects; orig/resp point into them */
    zk_endp *orig, *resp;
    double start_time, last_time;
    char history[TT_ZEEK_HISTORY_MAX + 1];
    uint32_t hist_len;
    bool hist_cut;
    uint32_t hist_seen;
    bool is_active, is_partial, close_deferred, deferred_gen_event;
    int first_packet_seen; /* bit 1: orig, bit 2: resp */
    double inactivity_timeout;
    uint32_t an_gen;       /* analyzer timers from an older generation were cancelled */
    uint32_t inact_gen;    /* likewise for the session's inactivity timer */
    uint64_t missed_bytes;
    bool partial_close_timer, reset_timer;
    void *table;           /* borrowed: the owner, for timers */
    zk_timer_fn add_timer;
};

/* One TCP segment as Zeek's TCPAnalyzer::DeliverPacket sees it. */
typedef struct zk_seg {
    double t;
    uint16_t flags;
    uint32_t seq, ack;
    uint16_t window;
    int len;       /* payload bytes per the IP lengths */
    int caplen;    /* of which captured */
} zk_seg;

/* A new connection whose first packet came at t (network_time: Zeek's clock, which
 * never goes back); table and add_timer must be set. */
void zk_conn_init(zk_conn *c, double t, double network_time);
void zk_conn_free(zk_conn *c);
void zk_conn_flip(zk_conn *c);
/* TCPSessionAdapter::Process. Returns -1 when memory ran out, else 0. */
int zk_process(zk_conn *c, bool is_orig, const zk_seg *s);
/* TCPSessionAdapter::IsReuse for a packet with these flags and seq. */
bool zk_is_reuse(zk_conn *c, double t, uint16_t flags, uint32_t seq);
/* TCP_Endpoint::ChecksumError. */
void zk_checksum_error(zk_conn *c, bool is_orig);
/* A timer fired: returns true when the connection is to be removed now. */
bool zk_timer_fired(zk_conn *c, int type, double t);
/* Fill the logged row (conn_state, sizes, history...) as connection_state_remove does. */
void zk_conn_row(const zk_conn *c, tt_zeek_row *row);

#endif
