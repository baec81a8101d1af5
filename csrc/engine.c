#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "expect.h"
#include "icmperr.h"
#include "ipfrag.h"

struct tt_engine {
    tt_engine_config cfg;
    tt_counters counters;
    tt_ipfrag *ipfrag;   /* owned: IP fragment reassembly */
    tt_flow_table *flows; /* owned: TCP conversations */
    tt_expect_table expect; /* announced data connections (FTP) */
    tt_streams *streams; /* owned: stream reassembly and framing, NULL when off */
    tt_an_budget an_budget; /* unacked-segment entries of every conn's analysis */
    tt_segment *feeding; /* borrowed: the caller's segment during tt_engine_feed, whose
                          * addr_codes must not outlive a connection freed in the feed */
    int have_first;
    int64_t first_ts_ns; /* timestamp of the first frame fed */
    int64_t first_ts_sec;
    int32_t first_ts_nsec;
    int64_t prev_ts_sec;  /* time stamp of the frame fed before (frame.time_delta) */
    int32_t prev_ts_nsec;
    int64_t clock_ns;     /* latest capture time seen (the linger clock) */
    tt_conn *open_head, *open_tail;       /* not owned: live conns not yet closed */
    tt_conn *closing_head, *closing_tail; /* not owned: closed conns, by close time */
    tt_conn *lru_head, *lru_tail; /* not owned: every live conn, least recently active first */
    tt_conn_record *q;    /* owned: ring of finished records */
    size_t q_head, q_len, q_cap;
    struct tt_tomb *tombs; /* owned: TT_TOMB_SLOTS keys of freed conversations, made on
                            * the first eviction */
};

/* What is kept of a freed conversation, so a SYN reusing its ports later is still
 * Wireshark's "reused ports" (a new conversation replacing an old one), and a late
 * segment that Wireshark would give the old stream is counted. Direct-mapped: a
 * newer eviction overwrites an older one in the same slot. */
#define TT_TOMB_SLOTS 4096u
typedef struct tt_tomb {
    tt_flow_key key;
    uint32_t base_seq[2]; /* per key side: the analysis's base sequence number */
    bool base_set[2];
    bool used;
} tt_tomb;

static size_t tomb_slot(const tt_flow_key *k)
{
    /* FNV-1a over the key bytes (the key is zero-padded, memset by tt_flow_key_of). */
    const uint8_t *b = (const uint8_t *)k;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return (size_t)(h % TT_TOMB_SLOTS);
}

static bool key_same(const tt_flow_key *a, const tt_flow_key *b)
{
    return a->version == b->version && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

static void tomb_put(tt_engine *e, const tt_conn *c)
{
    if (!e->tombs && !(e->tombs = calloc(TT_TOMB_SLOTS, sizeof *e->tombs)))
        return; /* without memory, only the reused-ports flag is lost */
    tt_tomb *t = &e->tombs[tomb_slot(&c->key)];
    t->key = c->key;
    for (int i = 0; i < 2; i++) {
        t->base_seq[i] = c->an.dir[i].base_seq;
        t->base_set[i] = c->an.dir[i].base_set;
    }
    t->used = true;
}

/* The tomb of key, taken out (NULL when none). */
static bool tomb_take(tt_engine *e, const tt_flow_key *key, tt_tomb *out)
{
    if (!e->tombs)
        return false;
    tt_tomb *t = &e->tombs[tomb_slot(key)];
    if (!t->used || !key_same(&t->key, key))
        return false;
    *out = *t;
    t->used = false;
    return true;
}

/* Anomalies that mean "the capture cut it" and "the header lies": anomaly.h's classes. */
static const uint64_t truncated_mask = TT_ANOM_TRUNCATED_MASK;
static const uint64_t invalid_mask = TT_ANOM_INVALID_MASK;

tt_engine *tt_engine_new(const tt_engine_config *cfg, tt_error *err)
{
    tt_engine *e = calloc(1, sizeof *e);
    if (!e) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (cfg)
        e->cfg = *cfg;
    if (!e->cfg.ipfrag_mem_cap_bytes)
        e->cfg.ipfrag_mem_cap_bytes = TT_IPFRAG_MEM_CAP_DEFAULT;
    if (!e->cfg.conn_linger_ns)
        e->cfg.conn_linger_ns = TT_CONN_LINGER_DEFAULT_NS;
    if (!e->cfg.conn_linger_frames)
        e->cfg.conn_linger_frames = TT_CONN_LINGER_DEFAULT_FRAMES;
    if (!e->cfg.max_unacked_entries)
        e->cfg.max_unacked_entries = TT_MAX_UNACKED_ENTRIES_DEFAULT;
    e->an_budget.max_entries = e->cfg.max_unacked_entries;
    e->an_budget.refused = &e->counters.unacked_refused;
    if (!e->cfg.max_conns)
        e->cfg.max_conns = TT_MAX_CONNS_DEFAULT;
    if (!e->cfg.max_pending_records)
        e->cfg.max_pending_records = TT_MAX_PENDING_RECORDS_DEFAULT;
    e->ipfrag = tt_ipfrag_new(e->cfg.ipfrag_mem_cap_bytes);
    e->flows = tt_flow_new(e->cfg.flow_hash_seed);
    tt_expect_init(&e->expect);
    if (!e->ipfrag || !e->flows) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return e;

fail:
    tt_engine_free(e);
    return NULL;
}

static void count_anomalies(tt_counters *c, uint64_t anomalies)
{
    if (!anomalies)
        return;
    if (anomalies & truncated_mask)
        c->truncated++;
    if (anomalies & invalid_mask)
        c->invalid++;
    for (int i = 0; i < TT_ANOM_COUNT; i++)
        if (anomalies & TT_ANOM_BIT(i))
            c->anomalies[i]++;
}

/* ---- Connection hand-over: the open / closing lists and the record queue ---- */

static void list_push(tt_conn **head, tt_conn **tail, tt_conn *c)
{
    c->next = NULL;
    c->prev = *tail;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

static void list_unlink(tt_conn **head, tt_conn **tail, tt_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (*head == c)
        *head = c->next;
    else
        return; /* not on this list */
    if (c->next)
        c->next->prev = c->prev;
    else
        *tail = c->prev;
    c->prev = c->next = NULL;
}

/* The activity list (max_conns): pushed at creation, moved to the tail by each
 * segment, unlinked when the connection ends. */
static void lru_unlink(tt_engine *e, tt_conn *c)
{
    if (c->lru_prev)
        c->lru_prev->lru_next = c->lru_next;
    else if (e->lru_head == c)
        e->lru_head = c->lru_next;
    else
        return; /* not on the list */
    if (c->lru_next)
        c->lru_next->lru_prev = c->lru_prev;
    else
        e->lru_tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void lru_push(tt_engine *e, tt_conn *c)
{
    c->lru_next = NULL;
    c->lru_prev = e->lru_tail;
    if (e->lru_tail)
        e->lru_tail->lru_next = c;
    else
        e->lru_head = c;
    e->lru_tail = c;
}

static void lru_touch(tt_engine *e, tt_conn *c)
{
    if (e->lru_tail == c)
        return;
    lru_unlink(e, c);
    lru_push(e, c);
}

static void conn_unlink(tt_engine *e, tt_conn *c)
{
    lru_unlink(e, c);
    if (c->close.closed)
        list_unlink(&e->closing_head, &e->closing_tail, c);
    else
        list_unlink(&e->open_head, &e->open_tail, c);
}

static bool queue_push(tt_engine *e, const tt_conn_record *r)
{
    if (e->q_len && e->q_len >= e->cfg.max_pending_records) {
        /* Nobody takes the records: drop the oldest, counted. */
        e->q_head = (e->q_head + 1) % e->q_cap;
        e->q_len--;
        e->counters.conn_records_dropped++;
    }
    if (e->q_len == e->q_cap) {
        size_t ncap = e->q_cap ? e->q_cap * 2 : 64;
        tt_conn_record *n = malloc(ncap * sizeof *n);
        if (!n)
            return false;
        for (size_t i = 0; i < e->q_len; i++)
            n[i] = e->q[(e->q_head + i) % e->q_cap];
        free(e->q);
        e->q = n;
        e->q_cap = ncap;
        e->q_head = 0;
    }
    e->q[(e->q_head + e->q_len) % e->q_cap] = *r;
    e->q_len++;
    return true;
}

/* The connection is over: queue its record, take it off the engine's lists and,
 * when `remove`, free it (a conversation being replaced is freed by tt_flow_create). */
static void conn_end(tt_engine *e, tt_conn *c, tt_end_reason why, bool remove)
{
    conn_unlink(e, c);
    if (e->streams)
        tt_streams_conn_end(e->streams, c); /* flushed before the conn can be freed */
    if (c->st && c->st->started) {
        tt_conn_record r;
        memset(&r, 0, sizeof r);
        r.stream = c->stream;
        r.ip_version = c->key.version;
        r.end_reason = (uint8_t)why;
        r.completeness = c->an.completeness;
        int cs = c->client_side;
        memcpy(r.addr[0], c->key.addr[cs], 16);
        memcpy(r.addr[1], c->key.addr[!cs], 16);
        r.port[0] = c->key.port[cs];
        r.port[1] = c->key.port[!cs];
        tt_stats_finish(c->st, &r);
        if (queue_push(e, &r))
            e->counters.conn_records++;
        else
            e->counters.analysis_nomem++;
    }
    if (remove) {
        if (e->feeding && e->feeding->addr_codes == c->addr_codes)
            e->feeding->addr_codes = NULL; /* a late segment of a connection freed after it */
        tt_flow_remove(e->flows, c);
        e->counters.conns_live = tt_flow_counters_get(e->flows)->conns_live;
    }
}

/* Free the closed connections whose linger time is over. */
static void evict_due(tt_engine *e)
{
    if (e->cfg.conn_linger_ns < 0)
        return;
    while (e->closing_head && e->clock_ns - e->closing_head->close_ns >= e->cfg.conn_linger_ns &&
           e->counters.frames - e->closing_head->close_frame >= e->cfg.conn_linger_frames) {
        tt_conn *c = e->closing_head;
        tomb_put(e, c);
        conn_end(e, c, (tt_end_reason)(c->close.closed - 1), true);
        e->counters.conns_evicted++;
    }
}

/* The table is full: free one conversation to make room for a new one. A closed one
 * still lingering goes first (oldest close), else the least recently active. */
static void evict_for_room(tt_engine *e)
{
    while (tt_flow_counters_get(e->flows)->conns_live >= e->cfg.max_conns) {
        tt_conn *c = e->closing_head ? e->closing_head : e->lru_head;
        if (!c)
            return; /* nothing on the lists (cannot happen: every live conn is on one) */
        tomb_put(e, c);
        conn_end(e, c, c->close.closed ? (tt_end_reason)(c->close.closed - 1) : TT_END_EVICTED, true);
        e->counters.conns_limit_evicted++;
    }
}

int tt_engine_next_conn(tt_engine *e, tt_conn_record *out)
{
    if (!e->q_len)
        return 0;
    *out = e->q[e->q_head];
    e->q_head = (e->q_head + 1) % e->q_cap;
    e->q_len--;
    return 1;
}

size_t tt_engine_conns_pending(const tt_engine *e) { return e->q_len; }

/* The client of a new conversation: the sender of a pure SYN, the receiver of a
 * SYN/ACK, else the first sender. */
static int client_side_of(const tt_packet *p, int side)
{
    return (p->flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK) ? !side : side;
}

/* Find or create the conversation (a new one when a SYN reuses the ports with a
 * new ISN) and run the sequence analysis. Wireshark gives a segment no
 * conversation when its fixed header was not captured (dissection stops early). */
static tt_conn *analyze_segment(tt_engine *e, const tt_packet *p, tt_seg_context ctx,
                                tt_analysis *an, int *key_side)
{
    memset(an, 0, sizeof *an);
    if (e->cfg.decode_only)
        return NULL;
    tt_flow_key key;
    int side;
    if (p->tcp_have < TT_TCP_HAVE_FIXED || !tt_flow_key_of(p, &key, &side))
        return NULL;
    *key_side = side;
    tt_conn_origin origin = TT_CONN_FOUND;
    tt_conn *conn = tt_flow_lookup(e->flows, &key);
    uint32_t old_isn = 0, old_stream = 0; /* evidence of port reuse (Segment.explain) */
    if (!conn || tt_analysis_syn_starts_new(&conn->an, side, p)) {
        origin = conn ? TT_CONN_REUSED : TT_CONN_NEW;
        if (conn) {
            old_isn = conn->an.dir[side].base_seq;
            old_stream = conn->stream;
        }
        if (!conn && tt_expect_take(&e->expect, &key))
            origin = TT_CONN_EXPECTED;
        tt_tomb tomb;
        if (!conn && tomb_take(e, &key, &tomb)) {
            /* Wireshark still has the freed conversation: a SYN with a new ISN replaces
             * it (reused ports); anything else would have joined its old stream. */
            if ((p->flags & (TT_TCP_SYN | TT_TCP_ACK)) == TT_TCP_SYN && tomb.base_set[side] &&
                p->seq_raw != tomb.base_seq[side])
                origin = TT_CONN_REUSED;
            else
                e->counters.conns_late++;
        }
        int client = conn ? side : client_side_of(p, side);
        if (conn)
            conn_end(e, conn, TT_END_REUSED, false); /* tt_flow_create frees it */
        else
            evict_for_room(e);
        conn = tt_flow_create(e->flows, &key, client);
        if (!conn) {
            e->counters.analysis_nomem++;
            return NULL;
        }
        conn->an.budget = &e->an_budget;
        if (e->cfg.conn_records) {
            conn->st = malloc(sizeof *conn->st);
            if (conn->st)
                tt_stats_init(conn->st);
            else
                e->counters.analysis_nomem++; /* no record for this one: counted */
        }
        list_push(&e->open_head, &e->open_tail, conn);
        lru_push(e, conn);
        uint64_t live = tt_flow_counters_get(e->flows)->conns_live;
        if (live > e->counters.conns_peak)
            e->counters.conns_peak = live;
    } else {
        lru_touch(e, conn);
    }
    if (!tt_analysis_run(&conn->an, side, origin, ctx, p, an))
        e->counters.analysis_nomem++;
    an->stream = conn->stream;
    if (origin == TT_CONN_REUSED) {
        an->ev.old_isn = old_isn;
        an->ev.old_stream = old_stream;
    }
    an->dir = side == conn->client_side ? 0 : 1;
    if (e->streams && ctx == TT_SEG_NORMAL) {
        uint64_t anom = tt_streams_segment(e->streams, conn, p, an);
        for (int i = 0; anom && i < TT_ANOM_COUNT; i++)
            if (anom & TT_ANOM_BIT(i))
                e->counters.anomalies[i]++;
        e->counters.streams = *tt_streams_stats_get(e->streams);
    }
    /* Statistics only for reads that hand over connection records; the closing
     * (which frees a connection after its linger) is tracked either way. */
    if (ctx == TT_SEG_NORMAL && conn->st)
        tt_stats_update(conn->st, an->dir, p, an);
    if (ctx == TT_SEG_NORMAL && tt_close_track_update(&conn->close, an->dir, p, an)) {
        tt_an_conn_compact(&conn->an); /* it lingers: keep it small */
        list_unlink(&e->open_head, &e->open_tail, conn);
        conn->close_ns = e->clock_ns;
        conn->close_frame = e->counters.frames;
        list_push(&e->closing_head, &e->closing_tail, conn);
    }
    const tt_flow_counters *fc = tt_flow_counters_get(e->flows);
    e->counters.conns = fc->conns;
    e->counters.conns_live = fc->conns_live;
    e->counters.conns_replaced = fc->conns_replaced;
    return conn;
}

static int feed(tt_engine *e, const tt_frame *f, tt_segment *out);

int tt_engine_feed(tt_engine *e, const tt_frame *f, tt_segment *out)
{
    out->addr_codes = NULL;
    e->feeding = out;
    int rc = feed(e, f, out);
    e->feeding = NULL;
    return rc;
}

static int feed(tt_engine *e, const tt_frame *f, tt_segment *out)
{
    tt_counters *c = &e->counters;
    c->frames++;
    if (!e->have_first) {
        e->have_first = 1;
        e->first_ts_ns = f->ts_ns;
        e->first_ts_sec = f->ts_sec;
        e->first_ts_nsec = f->ts_nsec;
        e->prev_ts_sec = f->ts_sec;
        e->prev_ts_nsec = f->ts_nsec;
        e->clock_ns = f->ts_ns;
    }
    /* frame.time_delta: since the frame captured before, whatever it carried. */
    out->time_delta_sec = (int64_t)((uint64_t)f->ts_sec - (uint64_t)e->prev_ts_sec);
    out->time_delta_nsec = (int64_t)f->ts_nsec - e->prev_ts_nsec;
    e->prev_ts_sec = f->ts_sec;
    e->prev_ts_nsec = f->ts_nsec;
    if (f->ts_ns > e->clock_ns)
        e->clock_ns = f->ts_ns;
    tt_packet *p = &out->pkt;
    tt_fragment frag;
    tt_decode_status st = tt_decode_frame(f->data, f->caplen, f->wirelen, f->linktype, p, &frag);
    /* A fragment that completes its datagram: decode the datagram's payload in this
     * frame, as Wireshark does; a tunnel inside it may carry fragments in turn, so go
     * round again (each round adds an IP layer, so TT_MAX_IP_LAYERS bounds it). */
    while (st == TT_DECODE_FRAGMENT) {
        c->ip_fragments++;
        const uint8_t *data;
        uint32_t caplen, reported;
        if (frag.caplen < frag.len || frag.len == 0) {
            /* Wireshark reassembles only non-empty fragments captured whole; of any
             * other it dissects the payload if it is the first fragment, else nothing. */
            c->ip_frag_dropped++;
            st = frag.offset == 0 ? tt_decode_ip_payload(frag.proto, frag.data, frag.caplen,
                                                         frag.len, p, NULL)
                                  : TT_DECODE_NOT_TCP;
            break;
        }
        if (tt_ipfrag_add(e->ipfrag, p, &frag, f->number, &data, &caplen, &reported,
                          &p->anomalies) != 1) {
            st = TT_DECODE_NOT_TCP;
            break;
        }
        c->ip_reassembled++;
        p->ip[p->n_ip - 1].reassembled = true;
        p->anomalies &= ~TT_ANOM_BIT(TT_ANOM_IP_FRAGMENT);
        st = tt_decode_ip_payload(frag.proto, data, caplen, reported, p, &frag);
    }
    p->frame = f->number;
    p->ts_ns = f->ts_ns;
    p->ts_sec = f->ts_sec;
    p->ts_nsec = f->ts_nsec;
    p->iface = f->iface;
    count_anomalies(c, p->anomalies);
    if (st != TT_DECODE_TCP) {
        c->non_tcp++;
        /* A TCP header quoted by an ICMP error moves its conversation in tshark. */
        tt_packet inner;
        if (st == TT_DECODE_NOT_TCP)
            tt_expect_udp(&e->expect, p);
        if (st == TT_DECODE_NOT_TCP && tt_icmperr_inner_tcp(p, &inner)) {
            inner.frame = f->number;
            inner.ts_ns = f->ts_ns;
            inner.iface = f->iface;
            int inner_side;
            (void)analyze_segment(e, &inner, TT_SEG_IN_ICMP, &out->an, &inner_side);
        }
        evict_due(e);
        return 0;
    }
    c->tcp_segments++;
    /* Wrapping difference: absurd time stamps must not be undefined behaviour. */
    out->time_rel_ns = (int64_t)((uint64_t)f->ts_ns - (uint64_t)e->first_ts_ns);
    out->time_rel_sec = (int64_t)((uint64_t)f->ts_sec - (uint64_t)e->first_ts_sec);
    out->time_rel_nsec = (int64_t)f->ts_nsec - e->first_ts_nsec;
    int side = 0;
    tt_conn *conn = analyze_segment(e, p, TT_SEG_NORMAL, &out->an, &side);
    /* The segment's addresses are its conversation's key addresses. */
    out->addr_codes = conn ? conn->addr_codes : NULL;
    out->src_side = (uint8_t)side;
    tt_expect_ftp(&e->expect, p);
    evict_due(e);
    return 1;
}

void tt_engine_finish(tt_engine *e)
{
    uint64_t incomplete = tt_ipfrag_flush(e->ipfrag);
    /* Fragments of datagrams that never completed, counted under their anomaly. */
    e->counters.anomalies[TT_ANOM_IP_FRAG_INCOMPLETE] += incomplete;
    e->counters.ip_frag_dropped += incomplete;
    e->counters.ip_frag_dropped += tt_ipfrag_dropped(e->ipfrag);
    /* Every connection still held ends with the capture, in stream order of their
     * closing (closed ones first, by close time), then the open ones by creation. */
    while (e->closing_head)
        conn_end(e, e->closing_head, (tt_end_reason)(e->closing_head->close.closed - 1), true);
    while (e->open_head)
        conn_end(e, e->open_head, TT_END_CAPTURE, true);
    if (e->streams) {
        tt_streams_finish(e->streams);
        e->counters.streams = *tt_streams_stats_get(e->streams);
    }
}

int tt_engine_streams(tt_engine *e, const tt_streams_config *cfg, tt_error *err)
{
    if (e->streams || e->counters.frames || e->cfg.decode_only) {
        tt_error_set(err, TT_ERR_ARG, e->cfg.decode_only
                                          ? "streams need the TCP analysis (relative sequence numbers)"
                                          : "streams must be turned on once, before the first frame");
        return -1;
    }
    e->streams = tt_streams_new(cfg, err);
    return e->streams ? 0 : -1;
}

tt_streams_out *tt_engine_streams_out(tt_engine *e)
{
    return e->streams ? tt_streams_output(e->streams) : NULL;
}

const tt_counters *tt_engine_counters(const tt_engine *e) { return &e->counters; }

void tt_engine_free(tt_engine *e)
{
    if (!e)
        return;
    tt_ipfrag_free(e->ipfrag);
    tt_flow_free(e->flows);
    free(e->q);
    free(e->tombs);
    tt_streams_free(e->streams);
    free(e);
}
