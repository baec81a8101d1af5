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
    int have_first;
    int64_t first_ts_ns; /* timestamp of the first frame fed */
    int64_t first_ts_sec;
    int32_t first_ts_nsec;
};

/* Anomalies that mean "the capture cut it" and "the header lies". */
static const uint64_t TT_ANOM_TRUNCATED_MASK =
    TT_ANOM_BIT(TT_ANOM_LINK_TRUNCATED) | TT_ANOM_BIT(TT_ANOM_IP_TRUNCATED) |
    TT_ANOM_BIT(TT_ANOM_IPV6_EXT_TRUNCATED) | TT_ANOM_BIT(TT_ANOM_TUNNEL_TRUNCATED) |
    TT_ANOM_BIT(TT_ANOM_TCP_TRUNCATED) | TT_ANOM_BIT(TT_ANOM_TCP_OPT_TRUNCATED) |
    TT_ANOM_BIT(TT_ANOM_TCP_PAYLOAD_TRUNCATED);
static const uint64_t TT_ANOM_INVALID_MASK =
    TT_ANOM_BIT(TT_ANOM_IP_VERSION_INVALID) | TT_ANOM_BIT(TT_ANOM_IP_HDR_LEN_INVALID) |
    TT_ANOM_BIT(TT_ANOM_IP_TOTAL_LEN_INVALID) | TT_ANOM_BIT(TT_ANOM_IPV6_PAYLOAD_LEN_INVALID) |
    TT_ANOM_BIT(TT_ANOM_IPV6_EXT_INVALID) | TT_ANOM_BIT(TT_ANOM_TUNNEL_INVALID) |
    TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID) | TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID) |
    TT_ANOM_BIT(TT_ANOM_IP_OPT_LEN_INVALID);

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
    if (anomalies & TT_ANOM_TRUNCATED_MASK)
        c->truncated++;
    if (anomalies & TT_ANOM_INVALID_MASK)
        c->invalid++;
    for (int i = 0; i < TT_ANOM_COUNT; i++)
        if (anomalies & TT_ANOM_BIT(i))
            c->anomalies[i]++;
}

/* The client of a new conversation: the sender of a pure SYN, the receiver of a
 * SYN/ACK, else the first sender. */
static int client_side_of(const tt_packet *p, int side)
{
    return (p->flags & (TT_TCP_SYN | TT_TCP_ACK)) == (TT_TCP_SYN | TT_TCP_ACK) ? !side : side;
}

/* Find or create the conversation (a new one when a SYN reuses the ports with a
 * new ISN) and run the sequence analysis. Wireshark gives a segment no
 * conversation when its fixed header was not captured (dissection stops early). */
static void analyze_segment(tt_engine *e, const tt_packet *p, tt_seg_context ctx, tt_analysis *an)
{
    memset(an, 0, sizeof *an);
    tt_flow_key key;
    int side;
    if (p->tcp_have < TT_TCP_HAVE_FIXED || !tt_flow_key_of(p, &key, &side))
        return;
    tt_conn_origin origin = TT_CONN_FOUND;
    tt_conn *conn = tt_flow_lookup(e->flows, &key);
    if (!conn || tt_analysis_syn_starts_new(&conn->an, side, p)) {
        origin = conn ? TT_CONN_REUSED : TT_CONN_NEW;
        if (conn && e->streams)
            tt_streams_conn_end(e->streams, conn); /* the old conversation's streams end here */
        if (!conn && tt_expect_take(&e->expect, &key))
            origin = TT_CONN_EXPECTED;
        int client = conn ? side : client_side_of(p, side);
        conn = tt_flow_create(e->flows, &key, client);
        if (!conn) {
            e->counters.analysis_nomem++;
            return;
        }
    }
    if (!tt_analysis_run(&conn->an, side, origin, ctx, p, an))
        e->counters.analysis_nomem++;
    an->stream = conn->stream;
    an->dir = side == conn->client_side ? 0 : 1;
    if (e->streams && ctx == TT_SEG_NORMAL) {
        uint64_t anom = tt_streams_segment(e->streams, conn, p, an);
        for (int i = 0; anom && i < TT_ANOM_COUNT; i++)
            if (anom & TT_ANOM_BIT(i))
                e->counters.anomalies[i]++;
        e->counters.streams = *tt_streams_stats_get(e->streams);
    }
    const tt_flow_counters *fc = tt_flow_counters_get(e->flows);
    e->counters.conns = fc->conns;
    e->counters.conns_live = fc->conns_live;
    e->counters.conns_replaced = fc->conns_replaced;
}

int tt_engine_feed(tt_engine *e, const tt_frame *f, tt_segment *out)
{
    tt_counters *c = &e->counters;
    c->frames++;
    if (!e->have_first) {
        e->have_first = 1;
        e->first_ts_ns = f->ts_ns;
        e->first_ts_sec = f->ts_sec;
        e->first_ts_nsec = f->ts_nsec;
    }
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
        if (st == TT_DECODE_NOT_TCP && tt_icmperr_inner_tcp(f->data, f->caplen, p, &inner)) {
            inner.frame = f->number;
            inner.ts_ns = f->ts_ns;
            inner.iface = f->iface;
            analyze_segment(e, &inner, TT_SEG_IN_ICMP, &out->an);
        }
        return 0;
    }
    c->tcp_segments++;
    /* Wrapping difference: absurd time stamps must not be undefined behaviour. */
    out->time_rel_ns = (int64_t)((uint64_t)f->ts_ns - (uint64_t)e->first_ts_ns);
    out->time_rel_sec = (int64_t)((uint64_t)f->ts_sec - (uint64_t)e->first_ts_sec);
    out->time_rel_nsec = (int64_t)f->ts_nsec - e->first_ts_nsec;
    analyze_segment(e, p, TT_SEG_NORMAL, &out->an);
    tt_expect_ftp(&e->expect, p);
    return 1;
}

void tt_engine_finish(tt_engine *e)
{
    uint64_t incomplete = tt_ipfrag_flush(e->ipfrag);
    /* Fragments of datagrams that never completed, counted under their anomaly. */
    e->counters.anomalies[TT_ANOM_IP_FRAG_INCOMPLETE] += incomplete;
    e->counters.ip_frag_dropped += incomplete;
    e->counters.ip_frag_dropped += tt_ipfrag_dropped(e->ipfrag);
    if (e->streams) {
        tt_streams_finish(e->streams);
        e->counters.streams = *tt_streams_stats_get(e->streams);
    }
}

int tt_engine_streams(tt_engine *e, const tt_streams_config *cfg, tt_error *err)
{
    if (e->streams || e->counters.frames) {
        tt_error_set(err, TT_ERR_ARG, "streams must be turned on once, before the first frame");
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
    tt_streams_free(e->streams);
    free(e);
}
