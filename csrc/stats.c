/* Per-connection statistics (stats.h). Sequence numbers become 64-bit stream
 * offsets (ISN + 1 = offset 0) through a per-direction reference point, so every
 * comparison below is on offsets, wrap-safe by construction (tt_seq_diff). */
#include "stats.h"

#include <string.h>

#include "seq.h"

#define SYN TT_TCP_SYN
#define FIN TT_TCP_FIN
#define RST TT_TCP_RST
#define ACK TT_TCP_ACK
#define PSH TT_TCP_PSH
#define URG TT_TCP_URG

/* Zeek-style endpoint states (our own model of its documented meanings). */
enum {
    EP_INACTIVE = 0, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_PARTIAL, EP_ESTABLISHED, EP_CLOSED, EP_RESET,
};

/* History letters, one bit each per direction. */
enum { H_S, H_H, H_A, H_D, H_F, H_R, H_G, H_Q, H_T, H_W, H_FLIP };

static const char *const state_names[TT_CS_COUNT] = {
    "OTH", "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR",
};
static const char *const end_names[] = {"rst", "fin", "reused", "capture_end", "evicted"};
static const char *const client_names[] = {"syn", "synack", "first_sender"};

const char *tt_conn_state_name(int s) { return s >= 0 && s < TT_CS_COUNT ? state_names[s] : NULL; }
const char *tt_end_reason_name(int r) { return r >= 0 && r < (int)(sizeof end_names / sizeof end_names[0]) ? end_names[r] : NULL; }
const char *tt_client_reason_name(int r) { return r >= 0 && r < 3 ? client_names[r] : NULL; }

static void rtt_add(tt_rtt_acc *a, int64_t ns)
{
    if (a->n == 0 || ns < a->min_ns)
        a->min_ns = ns;
    if (a->n == 0 || ns > a->max_ns)
        a->max_ns = ns;
    a->n++;
    a->sum_ns += (double)ns;
    a->sumsq_ns += (double)ns * (double)ns;
}

double tt_rtt_mean_ns(const tt_rtt_acc *a) { return a->n ? a->sum_ns / (double)a->n : 0.0; }

/* Square root by Newton's method (keeps the core free of libm). */
static double sqrt_pos(double x)
{
    if (!(x > 0))
        return 0.0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 200; i++) {
        double n = 0.5 * (r + x / r);
        if (n >= r)
            break;
        r = n;
    }
    return r;
}

double tt_rtt_stdev_ns(const tt_rtt_acc *a)
{
    if (a->n < 2)
        return 0.0;
    double n = (double)a->n;
    double var = (a->sumsq_ns - a->sum_ns * a->sum_ns / n) / (n - 1.0);
    return sqrt_pos(var);
}

void tt_stats_init(tt_stats_conn *s)
{
    memset(s, 0, sizeof *s);
    s->handshake_rtt_ns = -1;
    for (int i = 0; i < 2; i++) {
        s->d[i].ws_shift = -1;
        s->d[i].rtt_3whs_ns = -1;
        s->d[i].stream_length = -1;
    }
}

/* ---- Zeek history ---- */

static void hist_put(tt_stats_conn *s, char c)
{
    if (s->hist_len < TT_STATS_HISTORY_MAX) {
        s->history[s->hist_len++] = c;
        s->history[s->hist_len] = '\0';
    }
}

/* Log letter `bit` for direction dir once. */
static void hist_once(tt_stats_conn *s, int dir, int bit, char lower)
{
    if (s->hist_seen[dir] & (1u << bit))
        return;
    s->hist_seen[dir] |= 1u << bit;
    hist_put(s, dir == 0 ? (char)(lower - 'a' + 'A') : lower);
}

/* Repeating letters (t, w) are logged at the 1st, 10th, 100th ... occurrence. */
static void hist_repeat(tt_stats_conn *s, int dir, uint64_t count, char lower)
{
    uint64_t x = count;
    while (x >= 10 && x % 10 == 0)
        x /= 10;
    if (x == 1)
        hist_put(s, dir == 0 ? (char)(lower - 'a' + 'A') : lower);
}

/* ---- Sequence space ---- */

static int64_t off_of(const tt_stats_track *t, uint32_t seq)
{
    return t->off_ref + tt_seq_diff(seq, t->seq_ref);
}

/* Keep the holes sorted by lo; when full, merge the two holes closest to each other
 * (the bytes between them then count as unseen: documented approximation). */
static void hole_add(tt_stats_track *t, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return;
    if (t->n_holes == TT_STATS_MAX_HOLES) {
        uint32_t best = 0;
        int64_t gap = INT64_MAX;
        for (uint32_t i = 0; i + 1 < t->n_holes; i++) {
            int64_t g = t->holes[i + 1].lo - t->holes[i].hi;
            if (g < gap) {
                gap = g;
                best = i;
            }
        }
        t->holes[best].hi = t->holes[best + 1].hi;
        memmove(&t->holes[best + 1], &t->holes[best + 2],
                (t->n_holes - best - 2) * sizeof t->holes[0]);
        t->n_holes--;
    }
    uint32_t i = t->n_holes;
    while (i > 0 && t->holes[i - 1].lo > lo) {
        t->holes[i] = t->holes[i - 1];
        i--;
    }
    t->holes[i].lo = lo;
    t->holes[i].hi = hi;
    t->n_holes++;
}

/* Remove [lo, hi) from the holes; returns how many bytes were in holes. */
static int64_t holes_fill(tt_stats_track *t, int64_t lo, int64_t hi)
{
    int64_t filled = 0;
    for (uint32_t i = 0; i < t->n_holes;) {
        tt_stats_hole h = t->holes[i];
        int64_t a = lo > h.lo ? lo : h.lo, b = hi < h.hi ? hi : h.hi;
        if (a >= b) {
            i++;
            continue;
        }
        filled += b - a;
        /* Remove the hole, then add back what is left on either side. */
        memmove(&t->holes[i], &t->holes[i + 1], (t->n_holes - i - 1) * sizeof t->holes[0]);
        t->n_holes--;
        if (h.lo < a)
            hole_add(t, h.lo, a);
        if (b < h.hi)
            hole_add(t, b, h.hi);
        i = 0; /* the order may have changed: start over (a few holes at most) */
    }
    return filled;
}

/* Account payload [s, e): new bytes, bytes seen before, whether it filled a gap. */
static void seq_account(tt_stats_conn *sc, int dir, int64_t s, int64_t e, int64_t *new_bytes,
                        int64_t *seen_bytes, bool *below)
{
    tt_stats_track *t = &sc->t[dir];
    int64_t nb = 0, len = e - s;
    *below = false;
    int64_t lo = t->lo, hi = t->hi;
    /* Above the highest byte seen: new, with a gap before it if it starts later. */
    if (e > hi) {
        int64_t a = s > hi ? s : hi;
        nb += e - a;
        if (s > hi) {
            hole_add(t, hi, s);
            hist_once(sc, dir, H_G, 'g');
        }
        t->hi = e;
    }
    /* Below the lowest byte seen (no SYN seen, data sent before the capture's first). */
    if (s < lo) {
        int64_t b = e < lo ? e : lo;
        nb += b - s;
        if (e < lo)
            hole_add(t, e, lo);
        t->lo = s;
        *below = true;
    }
    /* Between: only bytes in a gap are new. */
    int64_t a = s > lo ? s : lo, b = e < hi ? e : hi;
    if (a < b) {
        int64_t f = holes_fill(t, a, b);
        nb += f;
        if (f > 0)
            *below = true;
    }
    *new_bytes = nb;
    *seen_bytes = len - nb;
}

/* ---- Zeek endpoint model ---- */

static void ep_update(tt_stats_conn *s, int dir, uint16_t fl)
{
    int8_t *me = &s->t[dir].ep_state, *peer = &s->t[!dir].ep_state;
    if (fl & RST) {
        *me = EP_RESET;
        return;
    }
    if (*me == EP_RESET)
        return;
    if (fl & FIN) {
        if (*me == EP_SYN_SENT && (*peer == EP_SYN_ACK_SENT || *peer == EP_ESTABLISHED))
            *peer = EP_ESTABLISHED;
        *me = EP_CLOSED;
        return;
    }
    if ((fl & (SYN | ACK)) == SYN) {
        if (*me == EP_INACTIVE)
            *me = EP_SYN_SENT;
        return;
    }
    if (fl & SYN) { /* SYN/ACK */
        if (*me == EP_INACTIVE)
            *me = EP_SYN_ACK_SENT;
        return;
    }
    if (*me == EP_INACTIVE)
        *me = EP_PARTIAL;
    else if (*me == EP_SYN_SENT || *me == EP_SYN_ACK_SENT)
        *me = EP_ESTABLISHED;
    /* The handshake's last ACK establishes the side that sent the SYN/ACK too. */
    if (*me == EP_ESTABLISHED && (*peer == EP_SYN_ACK_SENT || *peer == EP_SYN_SENT))
        *peer = EP_ESTABLISHED;
}

static uint8_t conn_state(const tt_stats_conn *s)
{
    int o = s->t[0].ep_state, r = s->t[1].ep_state;
    bool o_inact = o == EP_INACTIVE || o == EP_PARTIAL;
    bool r_inact = r == EP_INACTIVE || r == EP_PARTIAL;
    if (r == EP_RESET) {
        if (o == EP_SYN_SENT || o == EP_SYN_ACK_SENT ||
            (o == EP_RESET && s->d[0].payload_bytes == 0 && s->d[1].payload_bytes == 0))
            return TT_CS_REJ;
        return o_inact ? TT_CS_RSTRH : TT_CS_RSTR;
    }
    if (o == EP_RESET) {
        if (r_inact)
            return s->d[0].syn_packets && !s->d[1].syn_packets ? TT_CS_RSTOS0 : TT_CS_OTH;
        return TT_CS_RSTO;
    }
    if (o == EP_CLOSED && r == EP_CLOSED)
        return TT_CS_SF;
    if (o == EP_CLOSED)
        return r_inact ? TT_CS_SH : TT_CS_S2;
    if (r == EP_CLOSED)
        return o_inact ? TT_CS_SHR : TT_CS_S3;
    if (o == EP_SYN_SENT && r == EP_INACTIVE)
        return TT_CS_S0;
    if (o == EP_ESTABLISHED && r == EP_ESTABLISHED)
        return TT_CS_S1;
    return TT_CS_OTH;
}

/* ---- Per segment ---- */

static void count_flags(tt_stats_dir *d, const tt_packet *p, const tt_analysis *an)
{
    if (!an->have_ta)
        return;
    uint32_t f = an->flags;
    if (f & TT_AF_RETRANSMISSION) {
        d->retransmissions++;
        d->retransmitted_bytes += an->have_seglen ? p->payload_len : 0;
    }
    d->fast_retransmissions += !!(f & TT_AF_FAST_RETRANSMISSION);
    d->spurious_retransmissions += !!(f & TT_AF_SPURIOUS_RETRANSMISSION);
    d->out_of_order += !!(f & TT_AF_OUT_OF_ORDER);
    d->lost_segments += !!(f & TT_AF_LOST_SEGMENT);
    d->acked_unseen += !!(f & TT_AF_ACK_LOST_SEGMENT);
    d->dup_acks += !!(f & TT_AF_DUPLICATE_ACK);
    d->triple_dup_acks += (f & TT_AF_DUPLICATE_ACK) && an->dup_ack_num == 3;
    d->zero_windows += !!(f & TT_AF_ZERO_WINDOW);
    d->zero_window_probes += !!(f & TT_AF_ZERO_WINDOW_PROBE);
    d->zero_window_probe_acks += !!(f & TT_AF_ZERO_WINDOW_PROBE_ACK);
    d->keep_alives += !!(f & TT_AF_KEEP_ALIVE);
    d->keep_alive_acks += !!(f & TT_AF_KEEP_ALIVE_ACK);
    d->window_updates += !!(f & TT_AF_WINDOW_UPDATE);
    d->window_full += !!(f & TT_AF_WINDOW_FULL);
}

/* Remember the first time each TSval was sent, to time its first echo (RFC 7323 4.1:
 * the peer echoes the TSval of the segment that advanced its window). A full ring
 * takes no new values until echoes free it: overwriting the oldest would keep only
 * round trips shorter than the ring, and bias the samples short. */
static void ts_remember(tt_stats_track *t, uint32_t tsval, int64_t now)
{
    if (t->ts_len) {
        uint32_t last = (t->ts_head + t->ts_len - 1) % TT_STATS_TS_RING;
        if (t->ts[last].tsval == tsval)
            return;
    }
    if (t->ts_len == TT_STATS_TS_RING)
        return;
    uint32_t slot = (t->ts_head + t->ts_len) % TT_STATS_TS_RING;
    t->ts_len++;
    t->ts[slot].tsval = tsval;
    t->ts[slot].used = false;
    t->ts[slot].ts_ns = now;
}

/* An echo: the RTT of its TSval when first echoed. Values sent before it can no longer
 * be echoed first (echoes only move forward), so they leave the ring. */
static bool ts_echo(tt_stats_track *t, uint32_t tsecr, int64_t now, int64_t *rtt)
{
    bool got = false;
    while (t->ts_len) {
        tt_stats_ts *e = &t->ts[t->ts_head];
        int32_t d = (int32_t)(e->tsval - tsecr); /* wrap-safe: TSvals are 32-bit clocks */
        if (d > 0)
            break;
        if (d == 0) {
            if (!e->used) {
                e->used = true;
                *rtt = now - e->ts_ns;
                got = true;
            }
            break; /* keep it: later echoes of the same value are not samples */
        }
        t->ts_head = (t->ts_head + 1) % TT_STATS_TS_RING;
        t->ts_len--;
    }
    return got;
}

static void win_add(tt_stats_dir *d, uint32_t w, uint64_t n, double sum)
{
    if (n) {
        d->win_mean = (d->win_mean * (double)d->win_samples + sum) / (double)(d->win_samples + n);
        d->win_samples += n;
    }
    if (w && (d->win_min == 0 || w < d->win_min))
        d->win_min = w;
    if (w > d->win_max)
        d->win_max = w;
}

/* tcptrace's window advertisement statistics: segments with ACK or SYN; with window
 * scaling in use (both SYNs offered it) the unscaled SYN windows do not count, which
 * is known only later: SYN windows are set aside and folded in at the end. */
static void window_sample(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an)
{
    tt_stats_dir *d = &s->d[dir];
    tt_stats_track *t = &s->t[dir];
    uint16_t fl = p->flags;
    if (!(fl & (ACK | SYN)) || !an->hdr_ok)
        return;
    uint32_t w = an->have_seglen ? an->window : p->window_raw;
    if (fl & SYN) {
        if (w && (t->syn_win_n == t->syn_win_zero || w < t->syn_win_min))
            t->syn_win_min = w;
        if (w > t->syn_win_max)
            t->syn_win_max = w;
        t->syn_win_n++;
        t->syn_win_zero += w == 0;
        t->syn_win_sum += w;
        return;
    }
    d->zero_win_adv += w == 0;
    win_add(d, w, 1, (double)w);
}

/* The connection's first segment: who the client is (Zeek's '^' when the SYN/ACK came
 * first), and the earliest and latest time stamps (as tshark's conversation table,
 * whatever the frame order). */
static void stats_times(tt_stats_conn *s, const tt_packet *p)
{
    uint16_t fl = p->flags;
    int64_t now = p->ts_ns;
    if (!s->started) {
        s->started = true;
        s->first_frame = p->frame;
        s->first_ns = s->last_ns = now;
        if ((fl & (SYN | ACK)) == SYN)
            s->client_reason = TT_CLIENT_SYN;
        else if (fl & SYN)
            s->client_reason = TT_CLIENT_SYNACK;
        else
            s->client_reason = TT_CLIENT_FIRST;
        if (s->client_reason == TT_CLIENT_SYNACK)
            hist_once(s, 1, H_FLIP, '^');
    }
    s->last_frame = p->frame;
    if (now < s->first_ns)
        s->first_ns = now;
    if (now > s->last_ns)
        s->last_ns = now;
}

/* On the wire: packets, bytes, idle time, flag and payload counters of one direction. */
static void stats_wire(tt_stats_dir *d, const tt_packet *p, const tt_analysis *an, uint32_t len)
{
    uint16_t fl = p->flags;
    int64_t now = p->ts_ns;
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (d->packets + d->malformed_packets) {
        int64_t gap = now - d->last_ns;
        if (gap > d->idle_max_ns)
            d->idle_max_ns = gap;
    } else {
        d->first_ns = now;
    }
    d->last_ns = now;
    /* tshark's conversation tap sees a segment only when the TCP dissector got past
     * the header length check and the options without an exception. */
    if (an->hdr_ok && !an->opt_error) {
        d->packets++;
        d->wire_bytes += p->wirelen;
        d->ip_bytes += ip ? ip->total_len : 0;
    } else {
        d->malformed_packets++;
    }
    if (len) {
        d->data_packets++;
        d->payload_bytes += len;
        if (d->seg_min == 0 || len < d->seg_min)
            d->seg_min = len;
        if (len > d->seg_max)
            d->seg_max = len;
        d->push_packets += !!(fl & PSH);
        if (fl & URG) {
            d->urg_packets++;
            d->urg_bytes += p->urgent_ptr < len ? p->urgent_ptr : len;
        }
    }
    if (p->payload_caplen < p->payload_len) {
        d->truncated_packets++;
        d->truncated_bytes += p->payload_len - p->payload_caplen;
    }
    d->ack_packets += !!(fl & ACK);
    d->syn_packets += !!(fl & SYN);
    d->fin_packets += !!(fl & FIN);
    d->rst_packets += !!(fl & RST);
}

/* SACK blocks (RFC 2018, D-SACK per RFC 2883) and what a SYN offers. */
static void stats_options(tt_stats_dir *d, const tt_packet *p)
{
    const tt_tcp_options *o = &p->opts;
    if (o->sack_count) {
        d->sack_packets++;
        d->sack_blocks += o->sack_count;
        if (o->sack_count > d->max_sack_blocks)
            d->max_sack_blocks = o->sack_count;
        /* RFC 2883: a first block at or below the ACK, or inside the second block. */
        if (tt_seq_le(o->sack_re[0], p->ack_raw) ||
            (o->sack_count > 1 && tt_seq_ge(o->sack_le[0], o->sack_le[1]) &&
             tt_seq_le(o->sack_re[0], o->sack_re[1])))
            d->dsack_packets++;
    }
    if (p->flags & SYN) {
        if (o->present & TT_OPT_MSS)
            d->mss = o->mss;
        if (o->present & TT_OPT_WSCALE)
            d->ws_shift = (int8_t)(o->ws_shift > 14 ? 14 : o->ws_shift);
        d->sack_permitted = d->sack_permitted || (o->present & TT_OPT_SACK_PERM);
        d->timestamps = d->timestamps || (o->present & TT_OPT_TIMESTAMP);
    }
}

/* Zeek's history letters of this segment (the sequence-space ones come later). */
static void stats_history(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an,
                          uint32_t len, bool pure_ack)
{
    uint16_t fl = p->flags;
    if ((fl & (SYN | ACK)) == SYN)
        hist_once(s, dir, H_S, 's');
    if ((fl & (SYN | ACK)) == (SYN | ACK))
        hist_once(s, dir, H_H, 'h');
    if ((fl & SYN) && (fl & (FIN | RST)))
        hist_once(s, dir, H_Q, 'q');
    if (pure_ack)
        hist_once(s, dir, H_A, 'a');
    if (len)
        hist_once(s, dir, H_D, 'd');
    if (fl & FIN)
        hist_once(s, dir, H_F, 'f');
    if (fl & RST)
        hist_once(s, dir, H_R, 'r');
    if (an->hdr_ok && p->window_raw == 0 && !(fl & (SYN | RST)))
        hist_repeat(s, dir, ++s->t[dir].n_zero_hist, 'w');
}

/* A retransmission seen in sequence space: counted, and remembered for Karn's rule. */
static void note_rexmt(tt_stats_conn *s, int dir, int64_t now, uint64_t bytes, bool history)
{
    tt_stats_dir *d = &s->d[dir];
    tt_stats_track *t = &s->t[dir];
    d->rexmt_packets++;
    d->rexmt_bytes += bytes;
    t->last_rexmt_ns = now;
    t->have_rexmt = true;
    if (history)
        hist_repeat(s, dir, ++t->n_rexmt_hist, 't');
}

/* Where the direction's sequence space starts: its SYN, else its first data or FIN. */
static void seq_set_ref(tt_stats_track *t, uint32_t seq)
{
    t->have_ref = true;
    t->seq_ref = seq;
    t->off_ref = 0;
    t->lo = t->hi = 0;
}

static void seq_syn(tt_stats_conn *s, int dir, const tt_packet *p, uint32_t len)
{
    tt_stats_track *t = &s->t[dir];
    uint32_t seq = p->seq_raw;
    t->syn_count++;
    if (!t->syn_seen) {
        t->syn_seen = true;
        t->isn = seq;
        t->syn_frame = p->frame;
        if (!t->have_ref)
            seq_set_ref(t, seq + 1u);
    } else if (seq == t->isn && len == 0) {
        note_rexmt(s, dir, p->ts_ns, 1, true);
    }
}

/* The payload [start, start+len): new bytes, retransmitted bytes, out of order, the
 * initial window (tcptrace's unique / rexmt / outoforder / initial window). */
static void seq_data(tt_stats_conn *s, int dir, int64_t now, uint32_t start, uint32_t len)
{
    tt_stats_dir *d = &s->d[dir];
    tt_stats_track *t = &s->t[dir];
    int64_t so = off_of(t, start), eo = so + len, nb, sb;
    bool below;
    seq_account(s, dir, so, eo, &nb, &sb, &below);
    d->unique_bytes += (uint64_t)nb;
    if (sb > 0)
        note_rexmt(s, dir, now, (uint64_t)sb, true);
    else if (below)
        d->outoforder_packets++;
    if (!t->init_win_done && sb == 0) {
        d->init_win_bytes += len;
        d->init_win_packets++;
    }
    if (eo > t->off_ref) { /* move the reference forward: offsets stay in range */
        t->seq_ref = start + len;
        t->off_ref = eo;
    }
}

static void seq_fin(tt_stats_conn *s, int dir, int64_t now, uint32_t fin_seq, uint32_t len)
{
    tt_stats_track *t = &s->t[dir];
    if (t->fin_seen && fin_seq + 1u == t->fin_end && len == 0)
        note_rexmt(s, dir, now, 1, false);
    if (!t->fin_seen) {
        t->fin_seen = true;
        t->fin_end = fin_seq + 1u;
        t->fin_off = off_of(t, fin_seq);
    }
}

/* Sequence space (tcptrace's unique / rexmt / outoforder / zwnd probes). */
static void stats_sequence(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an,
                           uint32_t len)
{
    tt_stats_dir *d = &s->d[dir];
    tt_stats_track *t = &s->t[dir], *pt = &s->t[!dir];
    uint16_t fl = p->flags;
    int64_t now = p->ts_ns;
    if (an->have_seglen && !(fl & RST)) {
        if (fl & SYN)
            seq_syn(s, dir, p, len);
        uint32_t start = p->seq_raw + ((fl & SYN) ? 1u : 0u);
        if (!t->have_ref && (len || (fl & FIN)))
            seq_set_ref(t, start);
        bool probe = pt->zero_adv && !(fl & SYN) && (len || (fl & FIN));
        if (probe) {
            d->zwnd_probe_packets++;
            d->zwnd_probe_bytes += len;
        } else if (len) {
            seq_data(s, dir, now, start, len);
        }
        if ((fl & FIN) && t->have_ref)
            seq_fin(s, dir, now, start + len, len);
        if (an->have_ta && (an->flags & TT_AF_RETRANSMISSION)) {
            t->last_rexmt_ns = now;
            t->have_rexmt = true;
        }
    }
    t->zero_adv = an->hdr_ok && p->window_raw == 0 && !(fl & RST);
}

/* This segment as an ACK of the peer's data: the end of the peer's initial window, and
 * the RTT samples (Karn's rule; timestamps, RFC 7323). */
static void stats_as_ack(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an)
{
    tt_stats_dir *pd = &s->d[!dir];
    tt_stats_track *t = &s->t[dir], *pt = &s->t[!dir];
    uint16_t fl = p->flags;
    int64_t now = p->ts_ns;
    const tt_tcp_options *o = &p->opts;
    if ((fl & ACK) && an->hdr_ok && pt->have_ref && !pt->init_win_done &&
        off_of(pt, p->ack_raw) > 0)
        pt->init_win_done = true;
    if (an->have_ta && an->have_ack_rtt && an->ack_rtt_ns > 0) {
        int64_t sent = now - an->ack_rtt_ns;
        /* Karn: no sample from a segment sent before the last retransmission
         * (the segment itself retransmitted, or a post-loss ACK). */
        if (!pt->have_rexmt || sent > pt->last_rexmt_ns)
            rtt_add(&pd->rtt, an->ack_rtt_ns);
        if (an->acks_frame == pt->syn_frame && pt->syn_count == 1 && pd->rtt_3whs_ns < 0)
            pd->rtt_3whs_ns = an->ack_rtt_ns;
    }
    if (an->have_ta && an->have_initial_rtt && s->handshake_rtt_ns < 0)
        s->handshake_rtt_ns = an->initial_rtt_ns;
    if (o->present & TT_OPT_TIMESTAMP) {
        int64_t rtt;
        if ((fl & ACK) && o->tsecr && ts_echo(pt, o->tsecr, now, &rtt))
            rtt_add(&pd->rtt_ts, rtt);
        ts_remember(t, o->tsval, now);
    }
}

void tt_stats_update(tt_stats_conn *s, int dir, const tt_packet *p, const tt_analysis *an)
{
    tt_stats_dir *d = &s->d[dir];
    uint16_t fl = p->flags;
    uint32_t len = an->have_seglen ? p->payload_len : 0;
    bool pure_ack = (fl & ACK) && !(fl & (SYN | FIN | RST)) && len == 0;

    stats_times(s, p);
    stats_wire(d, p, an, len);
    d->pure_acks += pure_ack;
    stats_options(d, p);
    count_flags(d, p, an);
    stats_history(s, dir, p, an, len, pure_ack);
    stats_sequence(s, dir, p, an, len);
    stats_as_ack(s, dir, p, an);
    window_sample(s, dir, p, an);
    ep_update(s, dir, fl);
}

bool tt_close_track_update(tt_close_track *ct, int dir, const tt_packet *p, const tt_analysis *an)
{
    uint16_t fl = p->flags;
    bool was_closed = ct->closed != 0;
    /* The first FIN of a direction sets where its ACK must reach. */
    if (an->have_seglen && !(fl & RST) && (fl & FIN) && !ct->fin_seen[dir]) {
        ct->fin_seen[dir] = true;
        ct->fin_end[dir] = p->seq_raw + ((fl & SYN) ? 1u : 0u) + p->payload_len + 1u;
    }
    if ((fl & ACK) && an->hdr_ok && ct->fin_seen[!dir] && tt_seq_ge(p->ack_raw, ct->fin_end[!dir]))
        ct->fin_acked[!dir] = true;
    if (!was_closed) {
        if (fl & RST)
            ct->closed = 1 + TT_END_RST;
        else if (ct->fin_acked[0] && ct->fin_acked[1])
            ct->closed = 1 + TT_END_FIN;
    }
    return !was_closed && ct->closed;
}

void tt_stats_finish(const tt_stats_conn *s, tt_conn_record *r)
{
    r->client_reason = s->client_reason;
    r->first_frame = s->first_frame;
    r->last_frame = s->last_frame;
    r->first_ns = s->first_ns;
    r->last_ns = s->last_ns;
    r->handshake_rtt_ns = s->handshake_rtt_ns;
    memcpy(r->history, s->history, sizeof r->history);
    r->conn_state = conn_state(s);
    for (int i = 0; i < 2; i++) {
        tt_stats_dir *d = &r->d[i];
        const tt_stats_track *t = &s->t[i];
        *d = s->d[i];
        uint64_t missed = 0;
        for (uint32_t h = 0; h < t->n_holes; h++)
            missed += (uint64_t)(t->holes[h].hi - t->holes[h].lo);
        if (t->fin_seen && t->fin_off > t->hi)
            missed += (uint64_t)(t->fin_off - t->hi);
        d->missed_bytes = missed;
        bool scaled = s->d[0].ws_shift >= 0 && s->d[1].ws_shift >= 0;
        if (!scaled && t->syn_win_n) {
            d->zero_win_adv += t->syn_win_zero;
            if (t->syn_win_min)
                win_add(d, t->syn_win_min, 0, 0);
            win_add(d, t->syn_win_max, t->syn_win_n, t->syn_win_sum);
        }
        d->stream_length = (t->syn_seen && t->fin_seen) ? t->fin_off : -1;
    }
}
