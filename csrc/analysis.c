/* Wireshark's TCP sequence analysis, one pass (packet-tcp.c: dissect_tcp,
 * tcp_analyze_sequence_number, tcp_print_sequence_number_analysis). The order of
 * the steps below is Wireshark's: several answers depend on state updated earlier
 * or later in the same segment. */
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

#include "seq.h"

static const tt_analysis_flag_info flag_table[TT_AF_COUNT] = {
#define TT_AF_INFO_ROW(e, name, label, sev, summary, title) \
    {name, "tcp.analysis." name, label, sev, summary, title},
    TT_ANALYSIS_FLAGS(TT_AF_INFO_ROW)
#undef TT_AF_INFO_ROW
};

const tt_analysis_flag_info *tt_analysis_flag(int i)
{
    return (i >= 0 && i < TT_AF_COUNT) ? &flag_table[i] : NULL;
}

const char *tt_analysis_flag_name(int i)
{
    return (i >= 0 && i < TT_AF_COUNT) ? flag_table[i].name : NULL;
}

#define SYN TT_TCP_SYN
#define FIN TT_TCP_FIN
#define RST TT_TCP_RST
#define ACK TT_TCP_ACK
#define PSH TT_TCP_PSH

/* Fast retransmission: within 20 ms of the reverse direction's last ACK. */
#define TT_FAST_RETRANS_NS 20000000ull
/* Out-of-order threshold when no initial RTT is known: 3 ms. */
#define TT_OOO_DEFAULT_NS 3000000ull
/* Bytes in flight above this are not shown (a wrapped or bogus computation). */
#define TT_BIF_MAX 2000000000u

static void dir_init(tt_an_dir *d)
{
    memset(d, 0, sizeof *d);
    d->win_scale = TT_WS_UNKNOWN;
    d->window = UINT32_MAX;
    d->valid_bif = true;
}

void tt_an_conn_init(tt_an_conn *c)
{
    memset(c, 0, sizeof *c);
    dir_init(&c->dir[0]);
    dir_init(&c->dir[1]);
}

/* Free a direction's list and give its capacity back to the budget. */
static void ua_release(tt_an_budget *b, tt_an_dir *d)
{
    if (b)
        b->used_entries -= d->ua_cap;
    free(d->ua);
    d->ua = NULL;
    d->ua_len = d->ua_cap = 0;
}

void tt_an_conn_clear(tt_an_conn *c)
{
    ua_release(c->budget, &c->dir[0]);
    ua_release(c->budget, &c->dir[1]);
}

void tt_an_conn_compact(tt_an_conn *c)
{
    for (int i = 0; i < 2; i++) {
        tt_an_dir *d = &c->dir[i];
        if (d->ua_len == 0 && d->ua)
            ua_release(c->budget, d);
    }
}

bool tt_analysis_syn_starts_new(const tt_an_conn *c, int side, const tt_packet *p)
{
    const tt_an_dir *fwd = &c->dir[side];
    return (p->flags & (SYN | ACK)) == SYN && fwd->base_set && p->seq_raw != fwd->base_seq;
}

/* The per-segment record Wireshark calls tcp_acked ("ta"). */
typedef struct ta_rec {
    bool exists;
    bool dup_created;       /* the duplicate ACK check created it */
    bool mptcp_dup_hidden;  /* MPTCP analysis would ignore this duplicate ACK */
    uint32_t flags;
    uint32_t dupack_num;
    uint64_t dupack_frame;
    uint64_t frame_acked;
    int64_t rtt_ns;
    uint32_t bif;
    uint32_t push_bytes;
} ta_rec;

static void ta_flag(ta_rec *ta, uint32_t f)
{
    ta->exists = true;
    ta->flags |= f;
}

/* Remember a sent segment: 1 done, 0 refused by the engine's budget (counted there),
 * -1 out of memory. */
static int ua_push(tt_an_budget *b, tt_an_dir *d, const tt_unacked *u)
{
    if (d->ua_len == d->ua_cap) {
        size_t ncap = d->ua_cap ? d->ua_cap * 2 : 16;
        if (b && b->max_entries && b->used_entries + (ncap - d->ua_cap) > b->max_entries) {
            if (b->refused)
                (*b->refused)++;
            return 0;
        }
        tt_unacked *n = realloc(d->ua, ncap * sizeof *n);
        if (!n)
            return -1;
        if (b)
            b->used_entries += ncap - d->ua_cap;
        d->ua = n;
        d->ua_cap = ncap;
    }
    d->ua[d->ua_len++] = *u;
    if (d->ua_span_valid) {
        uint32_t s = u->seq - d->base_seq, n = u->nextseq - d->base_seq;
        if (n > d->ua_last)
            d->ua_last = n;
        if (s < d->ua_first)
            d->ua_first = s;
    }
    return 1;
}

/* Forward checks 1-9 of the reference (zero window probe ... duplicate ACK).
 * Wireshark compares the raw window here (scaling is applied afterwards). */
static void check_forward(const tt_an_conn *c, tt_an_dir *fwd, const tt_an_dir *rev, const tt_packet *p,
                          uint32_t seglen, ta_rec *ta)
{
    uint32_t seq = p->seq_raw, ack = p->ack_raw, win = p->window_raw;
    uint16_t fl = p->flags;
    bool sfr = (fl & (SYN | FIN | RST)) != 0;

    /* ZERO WINDOW PROBE: 1 byte at the next expected seq while rev's window is 0. */
    if (seglen == 1 && seq == fwd->nextseq && rev->window == 0) {
        ta_flag(ta, TT_AF_ZERO_WINDOW_PROBE);
        return;
    }
    if (win == 0 && !sfr)
        ta_flag(ta, TT_AF_ZERO_WINDOW);
    /* LOST SEGMENT ("Previous segment not captured"); RST not checked. */
    if (fwd->nextseq && tt_seq_gt(seq, fwd->nextseq) && !(fl & RST)) {
        ta_flag(ta, TT_AF_LOST_SEGMENT);
        fwd->valid_bif = false; /* until the other side ACKs again */
    }
    /* KEEP ALIVE: 0 or 1 byte one before the next expected seq. */
    if (seglen <= 1 && seq == fwd->nextseq - 1u && !sfr)
        ta_flag(ta, TT_AF_KEEP_ALIVE);
    /* WINDOW UPDATE: empty, same seq/ack, new non-zero window. */
    if (seglen == 0 && win && win != fwd->window && seq == fwd->nextseq && ack == fwd->lastack && !sfr)
        ta_flag(ta, TT_AF_WINDOW_UPDATE);
    /* WINDOW FULL: data up to the right edge of rev's advertised (scaled) window. */
    if (seglen > 0 && rev->win_scale != TT_WS_UNKNOWN && !sfr) {
        int sh = (rev->is_first_ack || rev->win_scale == TT_WS_NOT_USED) ? 0 : rev->win_scale;
        if (seq + seglen == rev->lastack + (uint32_t)(rev->window << sh))
            ta_flag(ta, TT_AF_WINDOW_FULL);
    }
    bool repeat = seglen == 0 && win == fwd->window && seq == fwd->nextseq && ack == fwd->lastack && !sfr;
    /* KEEP ALIVE ACK: repeats the last ACK right after a keep-alive from rev. */
    if (repeat && win && (rev->lastsegmentflags & TT_AF_KEEP_ALIVE)) {
        ta_flag(ta, TT_AF_KEEP_ALIVE_ACK);
        return;
    }
    /* ZERO WINDOW PROBE ACK: repeats a zero window right after a probe from rev. */
    if (repeat && win == 0 && (rev->lastsegmentflags & TT_AF_ZERO_WINDOW_PROBE)) {
        ta_flag(ta, TT_AF_ZERO_WINDOW_PROBE_ACK);
        return;
    }
    /* DUPLICATE ACK */
    if (repeat && win) {
        /* MPTCP tolerates duplicate ACKs when the subflow's MPTCP signalling changed
         * (RFC 8684 4): tshark with MPTCP analysis ignores them, tshark without it
         * does not. Both readings are kept (the Info line is the second). */
        ta->mptcp_dup_hidden = c->mptcp && c->mp_ops != fwd->mp_ops;
        ta->dup_created = !ta->exists;
        fwd->dupacknum = fwd->dupacknum == -1 ? 1 : fwd->dupacknum + 1;
        ta_flag(ta, TT_AF_DUPLICATE_ACK);
        ta->dupack_num = (uint32_t)fwd->dupacknum;
        ta->dupack_frame = fwd->lastnondupack;
    }
}

/* Retransmission family (reference 11): a segment with data, SYN or FIN that does
 * not advance the sequence number. */
static void check_retransmission(tt_an_conn *c, tt_an_dir *fwd, const tt_an_dir *rev, const tt_packet *p,
                                 uint32_t seglen, ta_rec *ta)
{
    uint32_t seq = p->seq_raw;
    uint16_t fl = p->flags;
    if (!(seglen > 0 || (fl & (SYN | FIN))))
        return;
    if (ta->flags & TT_AF_KEEP_ALIVE)
        return;
    bool not_advanced = fwd->nextseq && tt_seq_lt(seq, fwd->nextseq);
    /* One byte below nextseq with more than one byte: new data after a probe. */
    if (seglen > 1 && fwd->nextseq - 1u == seq)
        not_advanced = false;
    /* Spurious: every byte was already acknowledged. */
    if (seglen > 0 && rev->lastack && tt_seq_le(seq + seglen, rev->lastack)) {
        ta_flag(ta, TT_AF_SPURIOUS_RETRANSMISSION | TT_AF_RETRANSMISSION);
        return;
    }
    int64_t now = p->ts_ns;
    /* Unsigned, as in Wireshark: a time going backwards never counts as "within". */
    uint64_t since_ack = (uint64_t)(now - rev->lastack_ts_ns);
    /* dupacknum is unsigned in Wireshark: the -1 an ACKed unseen segment leaves counts
     * as ">= 2" duplicate ACKs. */
    if (not_advanced && (uint32_t)rev->dupacknum >= 2 && rev->lastack == seq &&
        since_ack < TT_FAST_RETRANS_NS) {
        ta_flag(ta, TT_AF_FAST_RETRANSMISSION | TT_AF_RETRANSMISSION);
        return;
    }
    uint64_t since_next = (uint64_t)(now - fwd->nextseq_ts_ns);
    uint64_t thres = c->ts_first_rtt_ns ? (uint64_t)c->ts_first_rtt_ns : TT_OOO_DEFAULT_NS;
    uint32_t end = seq + seglen + ((fl & (SYN | FIN)) ? 1u : 0u);
    if (not_advanced && since_next < thres && fwd->nextseq != end) {
        ta_flag(ta, TT_AF_OUT_OF_ORDER);
        return;
    }
    if (not_advanced)
        ta_flag(ta, TT_AF_RETRANSMISSION);
}

/* Drop the reverse direction's segments this ACK covers; the one it acknowledges
 * exactly gives acks_frame and ack_rtt. Newest first, as Wireshark walks its list,
 * so with several exact matches the oldest wins. */
static void process_ack(tt_an_dir *rev, const tt_packet *p, ta_rec *ta)
{
    uint32_t ack = p->ack_raw; /* even without the ACK flag, as Wireshark does */
    size_t keep = 0;
    for (size_t k = rev->ua_len; k-- > 0;) {
        tt_unacked *u = &rev->ua[k];
        bool del;
        for (;;) {
            if (ack == u->nextseq) {
                ta->exists = true;
                ta->frame_acked = u->frame;
                ta->rtt_ns = p->ts_ns - u->ts_ns;
                del = true;
            } else if (tt_seq_gt(ack, u->seq) && tt_seq_le(ack, u->nextseq)) {
                u->seq = ack; /* partly acknowledged */
                rev->ua_span_valid = false;
                continue;
            } else {
                del = !tt_seq_gt(u->nextseq, ack);
            }
            break;
        }
        if (del) {
            u->frame = 0; /* frames count from 1: 0 marks a dropped entry */
            rev->ua_span_valid = false;
        }
    }
    for (size_t k = 0; k < rev->ua_len; k++)
        if (rev->ua[k].frame)
            rev->ua[keep++] = rev->ua[k];
    rev->ua_len = keep;
}

/* Bytes in flight (payload based, Wireshark's default) and bytes pushed. */
static void bytes_in_flight(tt_an_dir *fwd, const tt_an_dir *rev, const tt_packet *p, uint32_t seglen,
                            ta_rec *ta)
{
    if (seglen == 0 || fwd->ua_len == 0 || !fwd->valid_bif)
        return;
    /* Lowest relative seq and highest relative nextseq of the unacked list. The span
     * is kept as segments are added and recomputed only after ACKs changed the list,
     * so a one-sided capture (nothing ever acknowledged) stays linear. */
    if (!fwd->ua_span_valid) {
        const tt_unacked *head = &fwd->ua[fwd->ua_len - 1];
        fwd->ua_first = head->seq - fwd->base_seq;
        fwd->ua_last = head->nextseq - fwd->base_seq;
        for (size_t k = fwd->ua_len; k-- > 0;) {
            uint32_t s = fwd->ua[k].seq - fwd->base_seq, n = fwd->ua[k].nextseq - fwd->base_seq;
            if (n > fwd->ua_last)
                fwd->ua_last = n;
            if (s < fwd->ua_first)
                fwd->ua_first = s;
        }
        fwd->ua_span_valid = true;
    }
    uint32_t first = fwd->ua_first, last = fwd->ua_last;
    uint32_t in_flight = last - first;
    uint32_t delivered = 0;
    for (int i = 0; i < rev->num_sack; i++)
        delivered += rev->sack_re[i] - rev->sack_le[i];
    in_flight -= delivered;
    ta->exists = true;
    if (in_flight > 0 && in_flight < TT_BIF_MAX) {
        ta->bif = in_flight;
        if (p->flags & (SYN | FIN))
            ta->bif -= 1; /* SYN and FIN take a sequence number, not a byte */
    }
    bool psh = (p->flags & PSH) != 0;
    if (psh && !fwd->push_set_last)
        fwd->push_bytes_sent += seglen;
    else if (psh || fwd->push_set_last)
        fwd->push_bytes_sent = seglen;
    else
        fwd->push_bytes_sent += seglen;
    fwd->push_set_last = psh;
    ta->push_bytes = fwd->push_bytes_sent;
}

/* The state the rules are about to compare, in relative numbers (tt_evidence). */
static void record_evidence(const tt_an_conn *c, const tt_an_dir *fwd, const tt_an_dir *rev,
                            const tt_packet *p, uint32_t seglen, tt_evidence *ev)
{
    ev->have = true;
    ev->seglen = seglen;
    ev->nextseq_known = fwd->nextseq != 0;
    ev->nextseq = fwd->nextseq - fwd->base_seq;
    ev->nextseq_frame = fwd->nextseq_frame;
    ev->prev_ack = fwd->lastack - rev->base_seq;
    ev->prev_window = fwd->window;
    ev->rev_lastack = rev->lastack ? rev->lastack - fwd->base_seq : 0;
    ev->rev_window = rev->window;
    ev->rev_scale_known = rev->win_scale != TT_WS_UNKNOWN;
    ev->rev_shift = (rev->is_first_ack || rev->win_scale < 0) ? 0 : rev->win_scale;
    ev->rev_window_scaled = rev->window == UINT32_MAX ? 0 : (uint32_t)(rev->window << ev->rev_shift);
    ev->rev_maxseq = rev->maxseqtobeacked ? rev->maxseqtobeacked - rev->base_seq : 0;
    ev->rev_nextseq = rev->nextseq - rev->base_seq;
    ev->rev_dupacks = rev->dupacknum;
    ev->rev_last_frame = rev->last_frame;
    ev->rev_last_flags = rev->lastsegmentflags;
    ev->since_rev_ack_ns = p->ts_ns - rev->lastack_ts_ns;
    ev->since_nextseq_ns = p->ts_ns - fwd->nextseq_ts_ns;
    ev->ooo_threshold_ns = c->ts_first_rtt_ns ? c->ts_first_rtt_ns : (int64_t)TT_OOO_DEFAULT_NS;
    ev->fast_threshold_ns = (int64_t)TT_FAST_RETRANS_NS;
}

/* tcp_analyze_sequence_number. */
static bool analyze(tt_an_conn *c, tt_an_dir *fwd, tt_an_dir *rev, const tt_packet *p, uint32_t seglen,
                    ta_rec *ta, tt_evidence *ev)
{
    bool ok = true;
    uint32_t seq = p->seq_raw, ack = p->ack_raw;
    uint16_t fl = p->flags;

    /* Relative numbering: the ISN, or seq - 1 with no SYN (so it shows Seq=1). */
    if (!fwd->base_set) {
        fwd->base_seq = (fl & SYN) ? seq : seq - 1u;
        fwd->ua_span_valid = false;
        fwd->base_set = true;
    }
    /* The other side's base from the first ACK, until its own segment says. */
    if (!rev->base_set && (fl & ACK)) {
        rev->base_seq = ack - 1u;
        rev->ua_span_valid = false;
        rev->base_set = true;
    }
    if (fl & ACK)
        rev->valid_bif = true;

    record_evidence(c, fwd, rev, p, seglen, ev);
    check_forward(c, fwd, rev, p, seglen, ta);

    if (ack != fwd->lastack) {
        fwd->lastnondupack = p->frame;
        fwd->dupacknum = 0;
    }

    /* ACKED UNSEEN SEGMENT (tcp.analysis.ack_lost_segment): acks beyond the highest
     * contiguous seq rev was seen sending (tshark 4.0's rule). A hole in rev's data:
     * reported, and the bound jumps to rev's highest seq. Rev stalled (nothing seen
     * beyond the bound): reported while rev's duplicate-ACK count is 0, which -1 then
     * marks (rev's next duplicate ACK counts as #1). */
    if (rev->maxseqtobeacked && tt_seq_gt(ack, rev->maxseqtobeacked) && (fl & ACK)) {
        ta->exists = true;
        if (tt_seq_lt(rev->maxseqtobeacked, rev->nextseq)) {
            rev->maxseqtobeacked = rev->nextseq;
            ta->flags |= TT_AF_ACK_LOST_SEGMENT;
        } else {
            if (rev->dupacknum == 0)
                ta->flags |= TT_AF_ACK_LOST_SEGMENT;
            rev->dupacknum = -1;
        }
    }

    check_retransmission(c, fwd, rev, p, seglen, ta);

    uint32_t nextseq = seq + seglen;
    if ((seglen || (fl & (SYN | FIN))) && fwd->ua_len < TT_MAX_UNACKED) {
        if (fl & (SYN | FIN))
            nextseq += 1;
        tt_unacked u = {.seq = seq, .nextseq = nextseq, .frame = p->frame, .ts_ns = p->ts_ns};
        ok = ua_push(c->budget, fwd, &u) >= 0;
    }
    bool zwp = (ta->flags & TT_AF_ZERO_WINDOW_PROBE) != 0;
    /* Highest next seq, to spot holes; a zero window probe does not advance it. */
    if ((tt_seq_gt(nextseq, fwd->nextseq) || !fwd->nextseq) && !zwp) {
        fwd->nextseq = nextseq;
        fwd->nextseq_frame = p->frame;
        fwd->nextseq_ts_ns = p->ts_ns;
    }
    /* Highest contiguous seq, for ACKed unseen segment. */
    if ((seq == fwd->maxseqtobeacked || !fwd->maxseqtobeacked) && !zwp)
        fwd->maxseqtobeacked = fwd->nextseq;

    fwd->window = p->window_raw;
    fwd->mp_ops = c->mp_ops;
    fwd->lastack = ack;
    fwd->lastack_ts_ns = p->ts_ns;
    fwd->lastsegmentflags = ta->flags;
    fwd->last_frame = p->frame;

    process_ack(rev, p, ta);
    bytes_in_flight(fwd, rev, p, seglen, ta);
    return ok;
}

/* tcp.completeness grows segment by segment; the value shown is the one before. */
static void update_completeness(tt_an_conn *c, tt_conn_origin origin, uint16_t fl, uint32_t seglen)
{
    uint8_t comp = 0;
    if (origin == TT_CONN_NEW) {
        /* A pure SYN is looked for in new conversations only. */
        if ((fl & (SYN | ACK)) == SYN) {
            comp |= TT_COMPL_SYN;
            if (seglen > 0) /* TCP Fast Open */
                comp |= TT_COMPL_DATA;
        }
    } else {
        comp = c->completeness;
        if ((fl & (SYN | ACK)) == (SYN | ACK))
            comp |= TT_COMPL_SYNACK;
        if ((fl & (SYN | ACK)) == ACK)
            comp |= seglen > 0 ? TT_COMPL_DATA : TT_COMPL_ACK;
        if ((fl & (FIN | ACK)) == (FIN | ACK))
            comp |= TT_COMPL_FIN;
        if (fl & RST)
            comp |= TT_COMPL_RST;
    }
    c->completeness = comp;
}

/* Options that feed the analysis: window scale (any segment, shift capped at 14,
 * RFC 7323 2.3) and SACK blocks, shown relative to the other side's base. */
static void apply_options(tt_an_dir *fwd, const tt_an_dir *rev, const tt_packet *p, tt_analysis *out)
{
    const tt_tcp_options *o = &p->opts;
    if (o->present & TT_OPT_WSCALE)
        fwd->win_scale = o->ws_shift > 14 ? 14 : o->ws_shift;
    out->sack_count = o->sack_count;
    for (int i = 0; i < o->sack_count && i < TT_MAX_SACK_BLOCKS; i++) {
        uint32_t le = o->sack_le[i] - rev->base_seq, re = o->sack_re[i] - rev->base_seq;
        out->sack_le[i] = le;
        out->sack_re[i] = re;
        /* Wireshark keeps at most three blocks for bytes in flight. */
        if (i + 1 < TT_MAX_SACK_BLOCKS) {
            fwd->num_sack = (uint8_t)(i + 1);
            fwd->sack_le[i] = le;
            fwd->sack_re[i] = re;
        }
    }
}

/* Whether tshark's option dissection throws: options cut by the snaplen, a header
 * longer than the segment, or a SACK option without a single block (its dissector
 * reads past the option). */
static uint8_t option_error(const tt_packet *p)
{
    const tt_tcp_options *o = &p->opts;
    for (int i = 0; i < o->n_kinds; i++)
        if (o->kinds[i] == TT_TCPOPT_SACK && o->lens[i] < 10)
            return TT_OPT_ERR_MALFORMED;
    if (p->anomalies & TT_ANOM_BIT(TT_ANOM_TCP_OPT_TRUNCATED))
        return TT_OPT_ERR_TRUNCATED;
    /* Options claimed past the end of the segment. */
    if ((p->anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID)) && p->hdr_len > 20)
        return TT_OPT_ERR_MALFORMED;
    return TT_OPT_ERR_NONE;
}

/* MPTCP subtypes of this segment's options (the decoder records them, RFC 8684 3),
 * trusted only when the whole header was captured. */
static uint8_t mptcp_subtypes(const tt_packet *p)
{
    return p->tcp_have >= TT_TCP_HAVE_FULL ? p->opts.mptcp_subtypes : 0;
}

/* verify_tcp_window_scaling: scaling is used only when both SYNs offered it. */
static void verify_window_scaling(tt_an_dir *fwd, tt_an_dir *rev, bool is_synack)
{
    if (fwd->win_scale == TT_WS_UNKNOWN) {
        fwd->win_scale = TT_WS_NOT_USED;
        rev->win_scale = TT_WS_NOT_USED;
    } else if (is_synack && rev->win_scale == TT_WS_NOT_USED) {
        fwd->win_scale = TT_WS_NOT_USED;
    }
}

bool tt_analysis_run(tt_an_conn *c, int side, tt_conn_origin origin, tt_seg_context ctx, const tt_packet *p,
                     tt_analysis *out)
{
    tt_an_dir *fwd = &c->dir[side], *rev = &c->dir[!side];
    uint16_t fl = p->flags;
    int64_t now = p->ts_ns;
    ta_rec ta = {0};
    bool ok = true;

    /* Port reuse (dissect_tcp, before the analysis). */
    if (origin == TT_CONN_REUSED) {
        ta_flag(&ta, TT_AF_REUSED_PORTS);
        c->completeness = TT_COMPL_SYN;
    } else if ((fl & (SYN | ACK)) == SYN && fwd->base_set) {
        /* The same SYN again: restore nextseq (a RST may have moved it, issue 17616). */
        fwd->nextseq = fwd->maxseqtobeacked;
    }
    if ((fl & (SYN | ACK)) == (SYN | ACK) && fwd->base_set && p->seq_raw != fwd->base_seq) {
        out->ev.old_isn = fwd->base_seq;
        fwd->base_seq = p->seq_raw;
        fwd->ua_span_valid = false;
        ta_flag(&ta, TT_AF_REUSED_PORTS);
    }

    out->have_conv = true;
    out->completeness = c->completeness;
    fwd->num_sack = 0;

    /* Conversation timestamps. */
    if (!c->started) {
        c->started = true;
        c->ts_first_ns = now;
        c->ts_prev_ns = now;
    }
    out->time_rel_ns = now - c->ts_first_ns;
    out->time_delta_ns = now - c->ts_prev_ns;
    c->ts_prev_ns = now;

    /* The segment length is known when the header length fits the segment, and
     * not for a header quoted in an ICMP error. */
    out->have_seglen = ctx == TT_SEG_NORMAL && !(p->anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID));
    uint32_t seglen = out->have_seglen ? p->payload_len : 0;
    out->seq = p->seq_raw;
    out->ack = p->ack_raw;
    out->window = p->window_raw;
    if (out->have_seglen) {
        ok = analyze(c, fwd, rev, p, seglen, &ta, &out->ev);
        out->seq = p->seq_raw - fwd->base_seq;
        if (fl & ACK)
            out->ack = p->ack_raw - rev->base_seq;
        if (!(fl & SYN) && fwd->win_scale >= 0) /* SYN windows are never scaled */
            out->window = (uint32_t)p->window_raw << fwd->win_scale;
        out->nxtseq = out->seq + seglen + ((fl & (SYN | FIN)) ? 1u : 0u);
    }
    out->have_scalefactor = !(fl & SYN);
    out->scalefactor = fwd->win_scale >= 0 ? (1 << fwd->win_scale) : fwd->win_scale;

    out->hdr_ok = p->hdr_len >= 20;
    if (!out->hdr_ok)
        return ok; /* Wireshark stops here: "bogus TCP header length" */

    update_completeness(c, origin, fl, seglen);

    if (fl & SYN) {
        if (!(fl & ACK))
            c->ts_mru_syn_ns = now;
        fwd->is_first_ack = true;
    }
    /* Initial RTT: the first pure ACK after a SYN. */
    if ((fl & (SYN | ACK)) == ACK && c->ts_mru_syn_ns != 0 && c->ts_first_rtt_ns == 0)
        c->ts_first_rtt_ns = now - c->ts_mru_syn_ns;
    if ((fl & (SYN | ACK)) == ACK)
        fwd->is_first_ack = false;

    apply_options(fwd, rev, p, out);
    out->opt_error = option_error(p);
    if (out->opt_error)
        return ok; /* the exception skips the analysis tree and the SYN checks */
    if (p->opts.present & TT_OPT_MPTCP) {
        c->mptcp = true;
        c->mp_ops |= mptcp_subtypes(p);
    }

    /* What tshark shows of the analysis record. */
    out->have_ta = ta.exists;
    if (ta.exists) {
        out->flags = ta.flags;
        out->acks_frame = ta.frame_acked;
        out->ack_rtt_ns = ta.rtt_ns;
        out->have_ack_rtt = ta.frame_acked && ta.rtt_ns != 0;
        out->have_initial_rtt = c->ts_first_rtt_ns != 0;
        out->initial_rtt_ns = c->ts_first_rtt_ns;
        out->dup_ack_num = ta.dupack_num;
        out->dup_ack_frame = ta.dupack_num ? ta.dupack_frame : 0;
        out->bytes_in_flight = ta.bif;
        out->mptcp_dup_hidden = ta.mptcp_dup_hidden;
        out->ta_only_dup = ta.dup_created && (ta.flags & ~(uint32_t)TT_AF_DUPLICATE_ACK) == 0 && !ta.frame_acked;
        out->push_bytes_sent = ta.bif ? ta.push_bytes : 0;
    }

    if (fl & SYN)
        verify_window_scaling(fwd, rev, (fl & ACK) != 0);
    return ok;
}
