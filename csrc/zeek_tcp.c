/* zeek_tcp: one TCP connection as Zeek keeps it; see zeek_tcp.h.
 *
 * Each function names the Zeek function it follows (zeek/zeek master:
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc, src/analyzer/protocol/tcp/
 * TCP_Endpoint.cc, TCP_Reassembler.cc, src/Reassem.cc, src/session/Session.cc). The
 * defaults are init-bare.zeek's. */
#include "zeek_tcp.h"

#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define ZK_TOO_LARGE_SEQ_DELTA 1048576
#define ZK_SYN_TIMEOUT 5.0          /* tcp_SYN_timeout */
#define ZK_SESSION_TIMER 6.0        /* tcp_session_timer */
#define ZK_CONNECTION_LINGER 5.0    /* tcp_connection_linger */
#define ZK_ATTEMPT_DELAY 5.0        /* tcp_attempt_delay */
#define ZK_CLOSE_DELAY 5.0          /* tcp_close_delay */
#define ZK_RESET_DELAY 5.0          /* tcp_reset_delay */
#define ZK_PARTIAL_CLOSE_DELAY 3.0  /* tcp_partial_close_delay */
#define ZK_TCP_INACTIVITY 300.0     /* tcp_inactivity_timeout */
#define ZK_UDP_INACTIVITY 60.0      /* udp_inactivity_timeout: TCPAnalyzer sets it first */
#define ZK_MAX_INITIAL_WINDOW 16384u /* tcp_max_initial_window */
#define ZK_MAX_ABOVE_HOLE 16384u     /* tcp_max_above_hole_without_any_acks */
#define ZK_EXCESSIVE_DATA (10u * 1024 * 1024) /* tcp_excessive_data_without_further_acks */
#define ZK_SCALING_BASE 10u          /* Session::ScaledHistoryEntry */

/* History masks (TCP_Endpoint.h). */
enum {
    HIST_SYN_PKT = 0x1,
    HIST_FIN_PKT = 0x2,
    HIST_RST_PKT = 0x4,
    HIST_FIN_RST_PKT = 0x8,
    HIST_DATA_PKT = 0x10,
    HIST_ACK_PKT = 0x20,
    HIST_MULTI_FLAG_PKT = 0x40,
};

#define F_SYN(f) (((f) & TT_TCP_SYN) != 0)
#define F_FIN(f) (((f) & TT_TCP_FIN) != 0)
#define F_RST(f) (((f) & TT_TCP_RST) != 0)
#define F_ACK(f) (((f) & TT_TCP_ACK) != 0)

static int32_t seq_delta(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static uint64_t full_seq(uint32_t seq, uint32_t wraps) { return ((uint64_t)wraps << 32) + seq; }

static uint64_t rel_space(const zk_endp *e, uint32_t seq, uint32_t wraps)
{
    return full_seq(seq, wraps) - (uint64_t)e->start_seq;
}

/* ---- history (Session::CheckHistory, AddHistory, ScaledHistoryEntry) ---- */

static void add_history(zk_conn *c, char code)
{
    if (c->hist_len >= TT_ZEEK_HISTORY_MAX) {
        c->hist_cut = true;
        return;
    }
    c->history[c->hist_len++] = code;
    c->history[c->hist_len] = 0;
}

static bool conn_check_history(zk_conn *c, uint32_t mask, char code)
{
    if ((c->hist_seen & mask) == 0) {
        c->hist_seen |= mask;
        add_history(c, code);
        return false;
    }
    return true;
}

static char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch; }

static void ep_add_history(zk_conn *c, const zk_endp *e, char code)
{
    add_history(c, e->is_orig ? code : lower(code));
}

/* TCP_Endpoint::CheckHistory: a connection that began with a SYN-ACK ("H") and now
 * carries an ACK or data is flipped, its history rewritten as "^h". */
static bool ep_check_history(zk_conn *c, const zk_endp *e, uint32_t mask, char code)
{
    if ((code == 'A' || code == 'D') && strcmp(c->history, "H") == 0) {
        zk_conn_flip(c);
        strcpy(c->history, "^h");
        c->hist_len = 2;
        c->first_packet_seen |= 1; /* SetFirstPacketSeen(true) */
    }
    if (!e->is_orig) {
        mask <<= 16;
        code = lower(code);
    }
    return conn_check_history(c, mask, code);
}

static void scaled_entry(zk_conn *c, char code, uint32_t *counter, uint32_t *thresh)
{
    if (++*counter == *thresh) {
        add_history(c, code);
        uint32_t next = *thresh * ZK_SCALING_BASE;
        if (next <= *thresh)
            *counter = 0; /* wrapped: keep the threshold */
        else
            *thresh = next;
    }
}

void zk_checksum_error(zk_conn *c, bool is_orig)
{
    zk_endp *e = is_orig ? c->orig : c->resp;
    scaled_entry(c, e->is_orig ? 'C' : 'c', &e->chk_cnt, &e->chk_thresh);
}

static void did_rxmit(zk_conn *c, zk_endp *e)
{
    scaled_entry(c, e->is_orig ? 'T' : 't', &e->rxmt_cnt, &e->rxmt_thresh);
}

static void zero_window(zk_conn *c, zk_endp *e)
{
    scaled_entry(c, e->is_orig ? 'W' : 'w', &e->win0_cnt, &e->win0_thresh);
}

/* ---- connection and endpoints ---- */

static zk_endp *peer_of(zk_conn *c, const zk_endp *e) { return e == &c->ep[0] ? &c->ep[1] : &c->ep[0]; }

static void endp_init(zk_endp *e, bool is_orig)
{
    memset(e, 0, sizeof *e);
    e->state = e->prev_state = ZK_INACTIVE;
    e->is_orig = is_orig;
    e->gap_thresh = e->chk_thresh = e->rxmt_thresh = e->win0_thresh = 1;
    e->r.last_reassem_seq = e->r.trim_seq = 1; /* Reassembler(1, ...) */
}

/* Session::SetInactivityTimeout: cancel the pending inactivity timer, start another. */
static void set_inactivity_timeout(zk_conn *c, double timeout)
{
    if (timeout == c->inactivity_timeout)
        return;
    c->inact_gen++;
    if (timeout != 0)
        c->add_timer(c->table, c, ZK_T_INACTIVITY, c->last_time + timeout);
    c->inactivity_timeout = timeout;
}

void zk_conn_init(zk_conn *c, double t, double network_time)
{
    endp_init(&c->ep[0], true);
    endp_init(&c->ep[1], false);
    c->orig = &c->ep[0];
    c->resp = &c->ep[1];
    c->start_time = c->last_time = t;
    c->history[0] = 0;
    c->is_active = true;
    /* TCPSessionAdapter's constructor and TCPAnalyzer::MakeSessionAdapter. */
    c->add_timer(c->table, c, ZK_T_EXPIRE, network_time + ZK_SYN_TIMEOUT);
    set_inactivity_timeout(c, ZK_UDP_INACTIVITY);
}

void zk_conn_free(zk_conn *c)
{
    free(c->ep[0].r.blocks);
    free(c->ep[1].r.blocks);
    c->ep[0].r.blocks = c->ep[1].r.blocks = NULL;
}

/* Connection::FlipRoles with TCPSessionAdapter::FlipRoles (ConnSize's counters belong
 * to the endpoint objects here, so they follow the swap as Zeek's do). */
void zk_conn_flip(zk_conn *c)
{
    uint8_t a[16];
    memcpy(a, c->addr[0], 16);
    memcpy(c->addr[0], c->addr[1], 16);
    memcpy(c->addr[1], a, 16);
    uint16_t p = c->port[0];
    c->port[0] = c->port[1];
    c->port[1] = p;
    zk_endp *e = c->resp;
    c->resp = c->orig;
    c->orig = e;
    c->orig->is_orig = !c->orig->is_orig;
    c->resp->is_orig = !c->resp->is_orig;
    int f = c->first_packet_seen;
    c->first_packet_seen = ((f & 1) ? 2 : 0) | ((f & 2) ? 1 : 0);
    c->is_partial = false;
    add_history(c, '^');
}

static bool is_handshake(int s) { return s == ZK_INACTIVE || s == ZK_SYN_SENT || s == ZK_SYN_ACK_SENT; }

/* TCP_Endpoint::SetState: leaving the handshake starts tcp_inactivity_timeout. */
static void set_state(zk_conn *c, zk_endp *e, int new_state)
{
    if (new_state == e->state)
        return;
    if (!is_handshake(new_state) && is_handshake(e->state) && is_handshake(peer_of(c, e)->state))
        set_inactivity_timeout(c, ZK_TCP_INACTIVITY);
    e->prev_state = e->state;
    e->state = new_state;
}

static bool no_data_acked(const zk_endp *e)
{
    uint64_t ack = full_seq(e->ack_seq, e->ack_wraps);
    uint64_t start = (uint64_t)e->start_seq;
    return ack == start || ack == start + 1;
}

/* TCP_Endpoint::Size: bytes in sequence space, SYN and FIN octets left out. */
static uint64_t endp_size(const zk_conn *c, const zk_endp *e)
{
    const zk_endp *peer = e == &c->ep[0] ? &c->ep[1] : &c->ep[0];
    if (e->prev_state == ZK_SYN_SENT && e->state == ZK_RESET && peer->state == ZK_INACTIVE &&
        !no_data_acked(e))
        return 0; /* a half-open connection found and aborted */
    uint64_t last64 = full_seq(e->last_seq, e->seq_wraps);
    uint64_t ack64 = full_seq(e->ack_seq, e->ack_wraps);
    uint64_t size = (last64 > ack64 ? last64 : ack64) - (uint64_t)e->start_seq;
    if (size != 0)
        --size;
    if (e->fin_cnt > 0 && size != 0)
        --size;
    return size;
}

/* ---- the reassembler's ranges (Reassem.cc, TCP_Reassembler.cc) ---- */

static bool established_or_cleanly_closing(const zk_endp *a, const zk_endp *b)
{
#define IS_CLEAN(x) ((x)->state == ZK_ESTABLISHED || ((x)->state == ZK_CLOSED && (x)->prev_state == ZK_ESTABLISHED))
    return IS_CLEAN(a) && IS_CLEAN(b);
#undef IS_CLEAN
}

/* TCP_Reassembler::Gap: the G/g letter and content_gap (missed_bytes) only for a
 * connection established or closing cleanly (report_gaps_for_partial is F). */
static void reasm_gap(zk_conn *c, zk_endp *e, uint64_t len)
{
    if (established_or_cleanly_closing(e, peer_of(c, e))) {
        scaled_entry(c, e->is_orig ? 'G' : 'g', &e->gap_cnt, &e->gap_thresh);
        c->missed_bytes += len;
    }
}

static uint64_t undelivered_bytes(const zk_reasm *r)
{
    return r->n ? r->blocks[r->n - 1].upper - r->last_reassem_seq : 0;
}

static uint64_t blocks_size(const zk_reasm *r)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < r->n; i++)
        n += r->blocks[i].upper - r->blocks[i].seq;
    return n;
}

static void trim_to_seq(zk_conn *c, zk_endp *e, uint64_t seq);

/* BlockInserted, for the range holding last_reassem_seq: deliver it; an endpoint that
 * sent more than tcp_max_initial_window with nothing acked keeps nothing delivered. */
static void block_inserted(zk_conn *c, zk_endp *e, uint32_t i)
{
    zk_reasm *r = &e->r;
    if (r->blocks[i].seq > r->last_reassem_seq || r->blocks[i].upper <= r->last_reassem_seq)
        return;
    r->last_reassem_seq = r->blocks[i].upper;
    if (no_data_acked(e) && endp_size(c, e) > ZK_MAX_INITIAL_WINDOW)
        trim_to_seq(c, e, r->last_reassem_seq);
}

static int insert_range(zk_reasm *r, uint64_t seq, uint64_t upper, uint32_t *at)
{
    uint32_t i = 0;
    while (i < r->n && r->blocks[i].upper < seq)
        i++;
    uint32_t j = i;
    while (j < r->n && r->blocks[j].seq <= upper)
        j++;
    if (j > i) { /* merge blocks i..j-1 with the new range */
        uint64_t lo = r->blocks[i].seq < seq ? r->blocks[i].seq : seq;
        uint64_t hi = r->blocks[j - 1].upper > upper ? r->blocks[j - 1].upper : upper;
        r->blocks[i].seq = lo;
        r->blocks[i].upper = hi;
        if (r->n > j)
            memmove(&r->blocks[i + 1], &r->blocks[j], (r->n - j) * sizeof *r->blocks);
        r->n -= j - i - 1;
        *at = i;
        return 0;
    }
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 4;
        zk_range *b = realloc(r->blocks, cap * sizeof *b);
        if (!b)
            return -1;
        r->blocks = b;
        r->cap = cap;
    }
    if (r->n > i)
        memmove(&r->blocks[i + 1], &r->blocks[i], (r->n - i) * sizeof *r->blocks);
    r->blocks[i].seq = seq;
    r->blocks[i].upper = upper;
    r->n++;
    *at = i;
    return 0;
}

/* TCP_Reassembler::Undelivered: what trimming skips is a content gap. */
static void undelivered(zk_conn *c, zk_endp *e, uint64_t up_to)
{
    zk_reasm *r = &e->r;
    if (up_to <= 2 && c->is_partial)
        return; /* a partial connection's faked SYN octet, or a keep-alive's */
    if (!r->skip_deliveries) {
        uint32_t i = 0;
        while (i < r->n) {
            if (r->blocks[i].seq < r->last_reassem_seq) {
                i++;
                continue;
            }
            if (r->blocks[i].seq >= up_to)
                break;
            uint64_t gap = r->blocks[i].seq - r->last_reassem_seq;
            reasm_gap(c, e, gap);
            r->last_reassem_seq += gap;
            block_inserted(c, e, i);
            i = 0;
        }
        if (up_to > r->last_reassem_seq)
            reasm_gap(c, e, up_to - r->last_reassem_seq);
    }
    if (up_to > r->last_reassem_seq)
        r->last_reassem_seq = up_to;
}

/* DataBlockList::Trim. */
static void trim_to_seq(zk_conn *c, zk_endp *e, uint64_t seq)
{
    zk_reasm *r = &e->r;
    if (seq > r->last_reassem_seq)
        undelivered(c, e, seq);
    uint32_t k = 0;
    while (k < r->n && r->blocks[k].upper <= seq)
        k++;
    if (k) {
        memmove(&r->blocks[0], &r->blocks[k], (r->n - k) * sizeof *r->blocks);
        r->n -= k;
    }
    if (r->n && r->blocks[0].seq == r->last_reassem_seq)
        block_inserted(c, e, 0);
    if (seq > r->trim_seq)
        r->trim_seq = seq; /* SetTrimSeq only moves forward */
}

/* TCP_Reassembler::DataPending. */
static bool data_pending(const zk_conn *c, const zk_endp *e)
{
    const zk_reasm *r = &e->r;
    if (r->skip_deliveries)
        return false;
    uint64_t delivered = (uint64_t)e->start_seq + r->last_reassem_seq;
    uint64_t last = full_seq(e->last_seq, e->seq_wraps);
    if (last < delivered)
        return false;
    if (delivered != last - 1 && delivered != last)
        return true;
    const zk_endp *peer = e == &c->ep[0] ? &c->ep[1] : &c->ep[0];
    return e->state != ZK_RESET && peer->r.n > 0;
}

static void connection_closed(zk_conn *c, zk_endp *e, zk_endp *peer, bool gen_event);

/* TCPSessionAdapter::EndpointEOF: a deferred close goes ahead. */
static void endpoint_eof(zk_conn *c, zk_endp *e)
{
    if (c->close_deferred) {
        connection_closed(c, e, peer_of(c, e), c->deferred_gen_event);
        c->close_deferred = false;
    }
}

/* TCP_Reassembler::CheckEOF. */
static void check_eof(zk_conn *c, zk_endp *e)
{
    if (!e->r.did_eof && (e->fin_cnt > 0 || e->state == ZK_CLOSED || e->state == ZK_RESET) &&
        !data_pending(c, e)) {
        e->r.did_eof = true;
        endpoint_eof(c, e);
    }
}

/* TCP_Reassembler::DataSent: seq is relative (the SYN is 0). */
static int data_sent(zk_conn *c, zk_endp *e, uint64_t seq, uint64_t len)
{
    zk_reasm *r = &e->r;
    uint64_t ack = rel_space(e, e->ack_seq, e->ack_wraps);
    if (r->skip_deliveries)
        return 0;
    if (seq < ack) {
        if (seq + len <= ack)
            return 0; /* delivered and acked already */
        len -= ack - seq;
        seq = ack;
    }
    uint64_t upper = seq + len;
    if (len == 0 || upper <= r->trim_seq)
        return 0;
    if (seq < r->trim_seq)
        seq = r->trim_seq;
    uint32_t at;
    if (insert_range(r, seq, upper, &at) < 0)
        return -1;
    block_inserted(c, e, at);
    if ((no_data_acked(e) && undelivered_bytes(r) > ZK_MAX_ABOVE_HOLE) ||
        blocks_size(r) > ZK_EXCESSIVE_DATA) {
        r->n = 0; /* above_hole_data_without_any_acks / excessive_data_without_further_acks */
        r->skip_deliveries = true;
    }
    return 0;
}

/* TCP_Reassembler::AckReceived. */
static void ack_received(zk_conn *c, zk_endp *e, uint64_t seq)
{
    if (e->fin_cnt > 0 && seq >= e->fin_seq)
        seq = e->fin_seq - 1;
    if (seq <= e->r.trim_seq)
        return;
    trim_to_seq(c, e, seq);
    check_eof(c, e);
}

/* ---- TCPSessionAdapter ---- */

/* ConnectionClosed: a close waits for the data still to be delivered; when both sides
 * are done the connection is deleted tcp_close_delay after its last packet. */
static void connection_closed(zk_conn *c, zk_endp *e, zk_endp *peer, bool gen_event)
{
    if (data_pending(c, e)) {
        c->close_deferred = true;
        if (!c->deferred_gen_event)
            c->deferred_gen_event = gen_event;
        return;
    }
    c->close_deferred = false;
    if (e->did_close)
        return;
    e->did_close = true;
    bool complete = e->state == ZK_RESET || peer->did_close || peer->state == ZK_INACTIVE;
    if (complete) {
        if (e->prev_state != ZK_INACTIVE || peer->state != ZK_INACTIVE) {
            if (c->deferred_gen_event) {
                gen_event = true;
                c->deferred_gen_event = false;
            }
            if (gen_event)
                c->is_active = false; /* ConnectionFinished */
        }
        c->an_gen++; /* CancelTimers */
        c->add_timer(c->table, c, ZK_T_DELETE, c->last_time + ZK_CLOSE_DELAY);
    } else if (e->prev_state == ZK_INACTIVE) {
        if (c->partial_close_timer)
            c->add_timer(c->table, c, ZK_T_PARTIAL, c->last_time + ZK_PARTIAL_CLOSE_DELAY);
    } else {
        c->add_timer(c->table, c, ZK_T_EXPIRE, c->last_time + ZK_SESSION_TIMER);
    }
}

static int seg_len_of(int len, uint16_t flags)
{
    int n = len;
    if (F_SYN(flags))
        ++n;
    if (F_FIN(flags))
        ++n;
    if (F_RST(flags))
        n -= len; /* a RST's data is not in the stream */
    return n;
}

/* init_endpoint. */
static void init_endpoint(zk_endp *e, uint16_t flags, uint32_t first, uint32_t last)
{
    switch (e->state) {
    case ZK_INACTIVE:
        if (F_SYN(flags)) {
            e->ack_seq = first;
            e->start_seq = first;
        } else {
            e->ack_seq = first - 1; /* as though a SYN had been seen */
            e->start_seq = (uint32_t)(first - 1);
            last = first;
        }
        e->last_seq = last;
        break;
    case ZK_SYN_SENT:
    case ZK_SYN_ACK_SENT:
        if (F_SYN(flags) && first != (uint32_t)e->start_seq) {
            e->start_seq = first;
            e->ack_seq = first;
            e->last_seq = last;
        }
        break;
    case ZK_ESTABLISHED:
    case ZK_PARTIAL:
        if (F_SYN(flags)) {
            e->start_seq = first;
            e->ack_seq = first;
            e->last_seq = last;
        }
        break;
    case ZK_RESET:
        if (F_SYN(flags) && e->prev_state == ZK_INACTIVE) {
            e->start_seq = first;
            e->ack_seq = first;
            e->last_seq = last;
        }
        break;
    default: break;
    }
}

/* get_relative_seq: 64-bit relative sequence; *underflow when before the start. */
static uint64_t relative_seq(const zk_endp *e, uint32_t cur, uint32_t last, uint32_t wraps,
                             bool *underflow)
{
    int32_t delta = seq_delta(cur, last);
    if (delta < 0) {
        if (wraps && cur > last)
            --wraps;
    } else if (delta > 0) {
        if (cur < last)
            ++wraps;
    }
    if (wraps == 0) {
        delta = seq_delta(cur, (uint32_t)e->start_seq);
        if (delta < 0)
            *underflow = true;
        return (uint64_t)(int64_t)delta;
    }
    return rel_space(e, cur, wraps);
}

/* update_history: a segment with one of SYN/FIN/RST records only that letter, again
 * only at a new sequence number; with two or more, I (FIN+RST) or Q. */
static void update_history(zk_conn *c, zk_endp *e, uint16_t flags, uint64_t rel_seq, int len)
{
    int bits = F_SYN(flags) + F_FIN(flags) + F_RST(flags);
    if (bits > 1) {
        if (F_FIN(flags) && F_RST(flags))
            ep_check_history(c, e, HIST_FIN_RST_PKT, 'I');
        else
            ep_check_history(c, e, HIST_MULTI_FLAG_PKT, 'Q');
    } else if (bits == 1) {
        if (F_SYN(flags)) {
            char code = F_ACK(flags) ? 'H' : 'S';
            if (ep_check_history(c, e, HIST_SYN_PKT, code) && rel_seq != e->hist_last_syn)
                ep_add_history(c, e, code);
            e->hist_last_syn = rel_seq;
        }
        if (F_FIN(flags)) {
            if (ep_check_history(c, e, HIST_FIN_PKT, 'F') && rel_seq + (uint64_t)len != e->hist_last_fin)
                ep_add_history(c, e, 'F');
            e->hist_last_fin = rel_seq + (uint64_t)len;
        }
        if (F_RST(flags)) {
            if (ep_check_history(c, e, HIST_RST_PKT, 'R') && rel_seq != e->hist_last_rst)
                ep_add_history(c, e, 'R');
            e->hist_last_rst = rel_seq;
        }
    } else if (len) {
        ep_check_history(c, e, HIST_DATA_PKT, 'D');
    } else if (F_ACK(flags)) {
        ep_check_history(c, e, HIST_ACK_PKT, 'A');
    }
}

/* init_peer: the peer's numbering starts as if its SYN had been seen. */
static void init_peer(zk_endp *peer, uint32_t ack_seq)
{
    peer->start_seq = (uint32_t)(ack_seq - 1);
    peer->ack_seq = ack_seq - 1;
    peer->last_seq = ack_seq - 1;
}

static void update_last(zk_endp *e, uint32_t seq)
{
    if (seq < e->last_seq)
        ++e->seq_wraps;
    e->last_seq = seq;
}

/* update_last_seq: the highest-sequence rule; data at or below it is a retransmission. */
static int32_t update_last_seq(zk_conn *c, zk_endp *e, uint32_t last, uint16_t flags, int len)
{
    int32_t delta = seq_delta(last, e->last_seq);
    if ((F_SYN(flags) || F_RST(flags)) &&
        (delta > ZK_TOO_LARGE_SEQ_DELTA || delta < -ZK_TOO_LARGE_SEQ_DELTA))
        ;
    else if (F_FIN(flags) && e->last_seq == (uint32_t)e->start_seq + 1)
        update_last(e, last);
    else if (e->state == ZK_RESET)
        ;
    else if (delta > 0)
        update_last(e, last);
    else if (delta <= 0 && len > 0)
        did_rxmit(c, e);
    return delta;
}

static void update_ack_seq(zk_endp *e, uint32_t ack)
{
    int32_t delta = seq_delta(ack, e->ack_seq);
    if (ack == 0 && delta > ZK_TOO_LARGE_SEQ_DELTA)
        return; /* more likely a broken ack than a wrap landing on 0 */
    if (delta > 0) {
        if (ack < e->ack_seq)
            ++e->ack_wraps;
        e->ack_seq = ack;
    }
}

static void set_partial_status(zk_conn *c, uint16_t flags, bool is_orig)
{
    if (is_orig) {
        if (!(c->first_packet_seen & 1))
            c->is_partial = !F_SYN(flags) || F_ACK(flags);
    } else if (!(c->first_packet_seen & 2) && !c->is_partial) {
        c->is_partial = !F_SYN(flags);
    }
}

typedef struct sm_out {
    bool do_close, gen_event;
} sm_out;

static void inactive_syn(zk_conn *c, zk_endp *e, zk_endp *peer, bool is_orig, const zk_seg *s)
{
    if (is_orig) {
        set_state(c, e, F_ACK(s->flags) ? ZK_SYN_ACK_SENT : ZK_SYN_SENT);
        c->add_timer(c->table, c, ZK_T_ATTEMPT, s->t + ZK_ATTEMPT_DELAY);
        return;
    }
    if (!F_ACK(s->flags) && peer->state == ZK_SYN_ACK_SENT && s->seq == (uint32_t)e->start_seq) {
        /* a SYN/SYN-ACK reversal (IsReuse's discussion): flip and establish */
        c->is_partial = false;
        zk_conn_flip(c);
        set_state(c, peer, ZK_ESTABLISHED);
        c->first_packet_seen |= 1;
    }
    if (peer->state == ZK_SYN_SENT)
        set_state(c, peer, ZK_ESTABLISHED);
    set_state(c, e, ZK_ESTABLISHED);
}

/* UpdateInactiveState. */
static void update_inactive(zk_conn *c, zk_endp *e, zk_endp *peer, bool is_orig, const zk_seg *s,
                            sm_out *o)
{
    if (F_SYN(s->flags))
        inactive_syn(c, e, peer, is_orig, s);
    if (F_FIN(s->flags)) {
        set_state(c, e, ZK_CLOSED);
        o->do_close = o->gen_event = true;
    }
    if (F_RST(s->flags)) {
        set_state(c, e, ZK_RESET);
        bool reject = is_orig ? peer->state == ZK_ESTABLISHED
                              : (peer->state == ZK_SYN_SENT || peer->state == ZK_SYN_ACK_SENT);
        o->do_close = true;
        o->gen_event = !reject;
    }
    if (e->state == ZK_INACTIVE) {
        if (!is_orig && s->len == 0 && c->orig->state == ZK_SYN_SENT)
            ; /* an ACK of the SYN before the SYN-ACK does not make it partial */
        else if (F_ACK(s->flags) && peer->state == ZK_ESTABLISHED) {
            /* SYN-ACK seen, SYN missed, now a pure ACK: established, not partial */
            set_state(c, e, ZK_ESTABLISHED);
            c->is_partial = false;
            c->first_packet_seen |= is_orig ? 1 : 2;
        } else {
            set_state(c, e, ZK_PARTIAL);
        }
    }
}

static void update_state_machine(zk_conn *c, zk_endp *e, zk_endp *peer, bool is_orig,
                                 const zk_seg *s, int32_t delta_last, sm_out *o)
{
    uint16_t f = s->flags;
    switch (e->state) {
    case ZK_INACTIVE: update_inactive(c, e, peer, is_orig, s, o); break;
    case ZK_SYN_SENT:
    case ZK_SYN_ACK_SENT: /* UpdateSYN_SentState */
        if (F_FIN(f)) {
            set_state(c, e, ZK_CLOSED);
            o->do_close = o->gen_event = true;
        }
        if (F_RST(f)) {
            set_state(c, e, ZK_RESET);
            c->is_active = false; /* ConnectionReset */
            o->do_close = true;
        }
        break;
    case ZK_ESTABLISHED:
    case ZK_PARTIAL: /* UpdateEstablishedState */
        if (F_SYN(f) && e->state == ZK_PARTIAL && peer->state == ZK_INACTIVE && !F_ACK(f))
            set_state(c, e, ZK_SYN_SENT);
        if (F_FIN(f) && !F_RST(f)) {
            set_state(c, e, ZK_CLOSED);
            if (peer->state == ZK_RESET && peer->prev_state == ZK_CLOSED)
                set_state(c, peer, ZK_CLOSED); /* FIN then RST: a normal close */
            o->do_close = o->gen_event = true;
        }
        if (F_RST(f)) {
            set_state(c, e, ZK_RESET);
            o->do_close = true;
            if (peer->state != ZK_RESET || peer->prev_state != ZK_ESTABLISHED)
                c->is_active = false;
        }
        break;
    case ZK_CLOSED: /* UpdateClosedState: a RST after both FINs changes nothing */
        (void)delta_last;
        if (F_RST(f) && peer->state != ZK_CLOSED) {
            set_state(c, e, ZK_RESET);
            if (!e->did_close)
                o->do_close = true;
            if (c->reset_timer)
                c->add_timer(c->table, c, ZK_T_RESET, s->t + ZK_RESET_DELAY);
        }
        break;
    default: break; /* UpdateResetState: weirds only */
    }
}

/* The ACK half of Process: the peer's ack bookkeeping; returns rel_ack. */
static uint64_t process_ack(zk_endp *peer, const zk_seg *s)
{
    if (peer->state == ZK_INACTIVE) {
        init_peer(peer, s->ack);
        return 1;
    }
    bool underflow = false;
    uint64_t rel_ack = relative_seq(peer, s->ack, peer->ack_seq, peer->ack_wraps, &underflow);
    if (underflow)
        return 0;
    if (!F_RST(s->flags))
        update_ack_seq(peer, s->ack); /* a RST's ack is not trusted */
    return rel_ack;
}

int zk_process(zk_conn *c, bool is_orig, const zk_seg *s)
{
    zk_endp *e = is_orig ? c->orig : c->resp;
    zk_endp *peer = peer_of(c, e);
    uint16_t f = s->flags;
    set_partial_status(c, f, e->is_orig);
    int seg_len = seg_len_of(s->len, f);
    uint32_t past = s->seq + (uint32_t)seg_len;
    init_endpoint(e, f, s->seq, past);
    bool underflow = false;
    uint64_t rel_seq = relative_seq(e, s->seq, e->last_seq, e->seq_wraps, &underflow);
    update_history(c, e, f, rel_seq, s->len);
    if (s->window == 0 && !F_RST(f) && peer->state != ZK_CLOSED && e->state != ZK_RESET)
        zero_window(c, e);
    if (!c->orig->did_close || !c->resp->did_close)
        c->last_time = s->t; /* the clock stops once both sides closed */
    if (F_FIN(f)) {
        ++e->fin_cnt;
        e->fin_seq = rel_seq + (uint64_t)seg_len;
    }
    if (F_RST(f))
        ++e->rst_cnt;
    uint64_t rel_ack = F_ACK(f) ? process_ack(peer, s) : 0;
    int32_t delta_last = update_last_seq(c, e, past, f, s->len);
    e->last_time = s->t;
    sm_out o = {false, false};
    update_state_machine(c, e, peer, is_orig, s, delta_last, &o);
    if (F_ACK(f))
        ack_received(c, peer, rel_ack);
    uint64_t rel_data_seq = F_SYN(f) ? rel_seq + 1 : rel_seq;
    /* DataSent is called with ConnSize as a packet child; TCP_Endpoint::DataSent passes
     * only a wholly captured payload to the reassembler. */
    if (s->len > 0 && !F_RST(f) && !underflow && s->caplen >= s->len &&
        data_sent(c, e, rel_data_seq, (uint64_t)s->len) < 0)
        return -1;
    check_eof(c, e);
    if (o.do_close)
        connection_closed(c, e, peer, o.gen_event);
    return 0;
}

bool zk_is_reuse(zk_conn *c, double t, uint16_t flags, uint32_t seq)
{
    (void)t;
    if (!F_SYN(flags))
        return false; /* reuse only on an initial SYN (or a SYN-ACK of a half connection) */
    zk_endp *conn_orig = c->orig;
    if (F_ACK(flags)) {
        if (c->orig->state != ZK_INACTIVE)
            return false;
        conn_orig = c->resp;
    }
    if (!(c->orig->did_close || c->resp->did_close)) {
        if (seq == (uint32_t)conn_orig->start_seq)
            return false;
        if (!F_ACK(flags) && conn_orig->state == ZK_SYN_ACK_SENT && c->resp->state == ZK_INACTIVE &&
            seq == (uint32_t)c->resp->start_seq)
            return false; /* the SYN and SYN-ACK swapped: not a reuse */
    }
    return true;
}

bool zk_timer_fired(zk_conn *c, int type, double t)
{
    switch (type) {
    case ZK_T_EXPIRE:
        if (!c->is_active)
            return false;
        if (c->last_time + ZK_CONNECTION_LINGER < t) {
            zk_endp *o = c->orig, *r = c->resp;
            if ((o->did_close || r->did_close) &&
                ((o->did_close && r->did_close) || o->state == ZK_RESET || r->state == ZK_RESET ||
                 o->state == ZK_INACTIVE || r->state == ZK_INACTIVE)) {
                c->is_active = false;
                return true;
            }
            if (r->state == ZK_INACTIVE && o->state == ZK_INACTIVE)
                return true;
        }
        c->add_timer(c->table, c, ZK_T_EXPIRE, t + ZK_SESSION_TIMER);
        return false;
    case ZK_T_ATTEMPT:
        if (!c->is_active)
            return false;
        if ((c->orig->state == ZK_SYN_SENT || c->orig->state == ZK_SYN_ACK_SENT) &&
            c->resp->state == ZK_INACTIVE) {
            c->is_active = false;
            return true;
        }
        return false;
    case ZK_T_PARTIAL:
        if (!c->is_active || c->orig->state == ZK_INACTIVE || c->resp->state == ZK_INACTIVE ||
            (c->orig->did_close && c->resp->did_close))
            return false;
        return c->orig->state != ZK_RESET && c->resp->state != ZK_RESET;
    case ZK_T_RESET:
        if (!c->is_active)
            return false;
        c->is_active = false;
        return true;
    case ZK_T_DELETE: return true;
    case ZK_T_INACTIVITY:
        if (c->last_time + c->inactivity_timeout <= t)
            return true;
        c->add_timer(c->table, c, ZK_T_INACTIVITY, c->last_time + c->inactivity_timeout);
        return false;
    default: return false;
    }
}

/* conn_state() of base/protocols/conn/main.zeek. */
static const char *conn_state(const zk_conn *c, uint64_t osize, uint64_t rsize)
{
    int os = c->orig->state, rs = c->resp->state;
    bool o_inactive = os == ZK_INACTIVE || os == ZK_PARTIAL;
    bool r_inactive = rs == ZK_INACTIVE || rs == ZK_PARTIAL;
    if (rs == ZK_RESET) {
        if (os == ZK_SYN_SENT || os == ZK_SYN_ACK_SENT || (os == ZK_RESET && osize == 0 && rsize == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == ZK_RESET) {
        if (r_inactive) {
            /* the history matches Zeek's pattern ^?S[^HAFGIQ]*R.* */
            const char *h = c->history;
            if (*h == '^')
                h++;
            if (*h == 'S') {
                h++;
                while (*h && !strchr("HAFGIQ", *h) && *h != 'R')
                    h++;
                if (*h == 'R')
                    return "RSTOS0";
            }
            return "OTH";
        }
        return "RSTO";
    }
    if (rs == ZK_CLOSED && os == ZK_CLOSED)
        return "SF";
    if (os == ZK_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == ZK_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == ZK_SYN_SENT && rs == ZK_INACTIVE)
        return "S0";
    if (os == ZK_ESTABLISHED && rs == ZK_ESTABLISHED)
        return "S1";
    return "OTH";
}

void zk_conn_row(const zk_conn *c, tt_zeek_row *row)
{
    memset(row, 0, sizeof *row);
    row->ts = c->start_time;
    row->duration = c->last_time - c->start_time;
    row->have_duration = row->duration > 0;
    row->ip_version = c->ip_version;
    memcpy(row->orig_h, c->addr[0], 16);
    memcpy(row->resp_h, c->addr[1], 16);
    row->orig_p = c->port[0];
    row->resp_p = c->port[1];
    row->orig_bytes = endp_size(c, c->orig);
    row->resp_bytes = endp_size(c, c->resp);
    row->conn_state = conn_state(c, row->orig_bytes, row->resp_bytes);
    row->missed_bytes = c->missed_bytes;
    memcpy(row->history, c->history, sizeof row->history);
    row->orig_pkts = c->orig->pkts;
    row->orig_ip_bytes = c->orig->ip_bytes;
    row->resp_pkts = c->resp->pkts;
    row->resp_ip_bytes = c->resp->ip_bytes;
}
