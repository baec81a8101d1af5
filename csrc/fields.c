#include "fields.h"

#include "addrtext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "info.h"
#include "segview.h"

/* ------------------------------------------------------------------ text buffer */

void tt_textbuf_init(tt_textbuf *b) { memset(b, 0, sizeof *b); }

void tt_textbuf_clear(tt_textbuf *b)
{
    free(b->data);
    tt_textbuf_init(b);
}

void tt_textbuf_reset(tt_textbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void tt_textbuf_append(tt_textbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_str(tt_textbuf *b, const char *s) { tt_textbuf_append(b, s, strlen(s)); }

static void put_u64(tt_textbuf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tt_textbuf_append(b, tmp + i, sizeof tmp - i);
}

static void put_i64(tt_textbuf *b, int64_t v)
{
    if (v < 0) {
        tt_textbuf_append(b, "-", 1);
        put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(b, (uint64_t)v);
    }
}

/* A time of sec + nsec (nsec may lie outside 0..1e9-1) as tshark prints it: seconds
 * with 9 decimals, the sign in front. Exact over the whole int64 range, with no
 * 128-bit arithmetic: normalise, then take the magnitude in unsigned 64 bits. */
static void put_time(tt_textbuf *b, int64_t sec_in, int64_t nsec_in)
{
    int64_t carry = nsec_in / 1000000000, rem = nsec_in % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        carry -= 1;
    }
    /* whole = sec_in + carry in sign and magnitude (|carry| is small: no overflow). */
    uint64_t ms = sec_in < 0 ? (uint64_t)0 - (uint64_t)sec_in : (uint64_t)sec_in;
    uint64_t mc = carry < 0 ? (uint64_t)0 - (uint64_t)carry : (uint64_t)carry;
    int neg_s = sec_in < 0, neg_c = carry < 0, negative;
    uint64_t whole;
    if (neg_s == neg_c) {
        whole = ms + mc;
        negative = neg_s;
    } else if (ms >= mc) {
        whole = ms - mc;
        negative = neg_s;
    } else {
        whole = mc - ms;
        negative = neg_c;
    }
    negative = negative && whole != 0;
    uint64_t sec = whole;
    uint32_t frac = (uint32_t)rem;
    if (negative) {
        /* -(whole) + rem/1e9 = -((whole - 1) + (1e9 - rem)/1e9) when rem > 0 */
        tt_textbuf_append(b, "-", 1);
        if (frac) {
            sec -= 1;
            frac = 1000000000u - frac;
        }
    }
    char tmp[48];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + (int)(sec % 10));
        sec /= 10;
    } while (sec);
    tt_textbuf_append(b, tmp + i, sizeof tmp - i);
    char f[10] = ".";
    for (int k = 9; k >= 1; k--) {
        f[k] = (char)('0' + frac % 10);
        frac /= 10;
    }
    tt_textbuf_append(b, f, 10);
}

/* v as 0x and `digits` hex digits (1..8), as tshark prints its hex fields. */
static void put_hex(tt_textbuf *b, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char t[10] = {'0', 'x'};
    for (int i = 0; i < digits; i++)
        t[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
    tt_textbuf_append(b, t, (size_t)(2 + digits));
}

static void put_addr(tt_textbuf *b, int version, const uint8_t *a)
{
    char buf[TT_ADDR_TEXT_MAX];
    tt_textbuf_append(b, buf, tt_addr_text(version, a, buf));
}

/* ------------------------------------------------------------------ the fields */

/* How one field is printed: the formatter of its group and which member of the group
 * it is (`arg`); the formatter prints nothing when the field is absent. */
typedef void field_fn(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b);

static field_fn fmt_frame, fmt_ip4, fmt_ip6, fmt_link, fmt_tcp, fmt_flag_bit, fmt_option,
    fmt_analysis;

enum frame_part {
    FR_NUMBER, FR_TIME_RELATIVE, FR_TIME_EPOCH, FR_TIME_DELTA, FR_TIME_DELTA_DISPLAYED, FR_LEN,
    FR_CAP_LEN, FR_INFO
};
/* An IP header field, of every IP layer of one version (tunnels: outer first). */
enum ip_part {
    IP_SRC, IP_DST, IP_VERSION, IP_TTL, IP_ID, IP_PROTO, IP_LEN, IP_HDR_LEN, IP_DSFIELD, IP_DSCP,
    IP_ECN, IP_FLAGS_DF, IP_CHECKSUM, IP6_PLEN, IP6_FLOW, IP6_NXT
};
enum link_part { LK_ETH_SRC, LK_ETH_DST, LK_VLAN_ID };
enum tcp_part {
    TH_SRCPORT, TH_DSTPORT, TH_PORT, TH_SEQ_RAW, TH_ACK_RAW, TH_LEN, TH_HDR_LEN, TH_FLAGS,
    TH_FLAGS_STR, TH_URGENT, TH_WINDOW_VALUE, TH_CHECKSUM, TH_PAYLOAD
};
enum option_part {
    OP_MSS, OP_WS_SHIFT, OP_WS_MULTIPLIER, OP_TSVAL, OP_TSECR, OP_SACK_LE, OP_SACK_RE, OP_OPTIONS,
    OP_KIND, OP_LEN, OP_SACK_PERM, OP_SACK_COUNT
};
enum analysis_part {
    AN_STREAM, AN_SEQ, AN_ACK, AN_NXTSEQ, AN_WINDOW, AN_SCALEFACTOR, AN_DUP_ACK_NUM,
    AN_DUP_ACK_FRAME, AN_ACKS_FRAME, AN_ACK_RTT, AN_INITIAL_RTT, AN_BYTES_IN_FLIGHT,
    AN_PUSH_BYTES_SENT, AN_TIME_RELATIVE, AN_TIME_DELTA, AN_COMPLETENESS, AN_FLAGS,
    AN_SEGMENT_DATA, AN_REASSEMBLED_IN
};

/* Every field but the analysis flags: one row each, and the only place a field is
 * listed (its id, name, how it is printed, whether it needs the TCP analysis).
 *
 *   X(ENUM, tshark name, formatter, member, needs analysis)
 *
 * The ids are internal (Python asks by name). The tcp.analysis flags follow the table,
 * one id per row of analysis_flags.h. */
#define TT_FIELDS(X)                                                                      \
    X(FRAME_NUMBER, "frame.number", fmt_frame, FR_NUMBER, 0)                              \
    X(FRAME_TIME_RELATIVE, "frame.time_relative", fmt_frame, FR_TIME_RELATIVE, 0)         \
    X(FRAME_TIME_EPOCH, "frame.time_epoch", fmt_frame, FR_TIME_EPOCH, 0)                  \
    X(FRAME_TIME_DELTA, "frame.time_delta", fmt_frame, FR_TIME_DELTA, 0)                  \
    X(FRAME_TIME_DELTA_DISPLAYED, "frame.time_delta_displayed", fmt_frame,                \
      FR_TIME_DELTA_DISPLAYED, 0)                                                         \
    X(FRAME_LEN, "frame.len", fmt_frame, FR_LEN, 0)                                       \
    X(FRAME_CAP_LEN, "frame.cap_len", fmt_frame, FR_CAP_LEN, 0)                           \
    X(INFO, "_ws.col.Info", fmt_frame, FR_INFO, 1)                                        \
    X(ETH_SRC, "eth.src", fmt_link, LK_ETH_SRC, 0)                                        \
    X(ETH_DST, "eth.dst", fmt_link, LK_ETH_DST, 0)                                        \
    X(VLAN_ID, "vlan.id", fmt_link, LK_VLAN_ID, 0)                                        \
    X(IP_SRC, "ip.src", fmt_ip4, IP_SRC, 0)                                               \
    X(IP_DST, "ip.dst", fmt_ip4, IP_DST, 0)                                               \
    X(IP_VERSION, "ip.version", fmt_ip4, IP_VERSION, 0)                                   \
    X(IP_HDR_LEN, "ip.hdr_len", fmt_ip4, IP_HDR_LEN, 0)                                   \
    X(IP_DSFIELD, "ip.dsfield", fmt_ip4, IP_DSFIELD, 0)                                   \
    X(IP_DSFIELD_DSCP, "ip.dsfield.dscp", fmt_ip4, IP_DSCP, 0)                            \
    X(IP_DSFIELD_ECN, "ip.dsfield.ecn", fmt_ip4, IP_ECN, 0)                               \
    X(IP_LEN, "ip.len", fmt_ip4, IP_LEN, 0)                                               \
    X(IP_ID, "ip.id", fmt_ip4, IP_ID, 0)                                                  \
    X(IP_FLAGS_DF, "ip.flags.df", fmt_ip4, IP_FLAGS_DF, 0)                                \
    X(IP_TTL, "ip.ttl", fmt_ip4, IP_TTL, 0)                                               \
    X(IP_PROTO, "ip.proto", fmt_ip4, IP_PROTO, 0)                                         \
    X(IP_CHECKSUM, "ip.checksum", fmt_ip4, IP_CHECKSUM, 0)                                \
    X(IPV6_SRC, "ipv6.src", fmt_ip6, IP_SRC, 0)                                           \
    X(IPV6_DST, "ipv6.dst", fmt_ip6, IP_DST, 0)                                           \
    X(IPV6_FLOW, "ipv6.flow", fmt_ip6, IP6_FLOW, 0)                                       \
    X(IPV6_PLEN, "ipv6.plen", fmt_ip6, IP6_PLEN, 0)                                       \
    X(IPV6_NXT, "ipv6.nxt", fmt_ip6, IP6_NXT, 0)                                          \
    X(IPV6_HLIM, "ipv6.hlim", fmt_ip6, IP_TTL, 0)                                         \
    X(TCP_STREAM, "tcp.stream", fmt_analysis, AN_STREAM, 1)                               \
    X(TCP_SRCPORT, "tcp.srcport", fmt_tcp, TH_SRCPORT, 0)                                 \
    X(TCP_DSTPORT, "tcp.dstport", fmt_tcp, TH_DSTPORT, 0)                                 \
    X(TCP_PORT, "tcp.port", fmt_tcp, TH_PORT, 0)                                          \
    X(TCP_SEQ, "tcp.seq", fmt_analysis, AN_SEQ, 1)                                        \
    X(TCP_ACK, "tcp.ack", fmt_analysis, AN_ACK, 1)                                        \
    X(TCP_NXTSEQ, "tcp.nxtseq", fmt_analysis, AN_NXTSEQ, 1)                               \
    X(TCP_SEQ_RAW, "tcp.seq_raw", fmt_tcp, TH_SEQ_RAW, 0)                                 \
    X(TCP_ACK_RAW, "tcp.ack_raw", fmt_tcp, TH_ACK_RAW, 0)                                 \
    X(TCP_LEN, "tcp.len", fmt_tcp, TH_LEN, 0)                                             \
    X(TCP_HDR_LEN, "tcp.hdr_len", fmt_tcp, TH_HDR_LEN, 0)                                 \
    X(TCP_FLAGS, "tcp.flags", fmt_tcp, TH_FLAGS, 0)                                       \
    X(TCP_FLAGS_RES, "tcp.flags.res", fmt_flag_bit, TT_TCP_RES, 0)                        \
    X(TCP_FLAGS_AE, "tcp.flags.ae", fmt_flag_bit, TT_TCP_NS, 0)                           \
    X(TCP_FLAGS_CWR, "tcp.flags.cwr", fmt_flag_bit, TT_TCP_CWR, 0)                        \
    X(TCP_FLAGS_ECE, "tcp.flags.ece", fmt_flag_bit, TT_TCP_ECE, 0)                        \
    X(TCP_FLAGS_URG, "tcp.flags.urg", fmt_flag_bit, TT_TCP_URG, 0)                        \
    X(TCP_FLAGS_ACK, "tcp.flags.ack", fmt_flag_bit, TT_TCP_ACK, 0)                        \
    X(TCP_FLAGS_PUSH, "tcp.flags.push", fmt_flag_bit, TT_TCP_PSH, 0)                      \
    X(TCP_FLAGS_RESET, "tcp.flags.reset", fmt_flag_bit, TT_TCP_RST, 0)                    \
    X(TCP_FLAGS_SYN, "tcp.flags.syn", fmt_flag_bit, TT_TCP_SYN, 0)                        \
    X(TCP_FLAGS_FIN, "tcp.flags.fin", fmt_flag_bit, TT_TCP_FIN, 0)                        \
    X(TCP_FLAGS_STR, "tcp.flags.str", fmt_tcp, TH_FLAGS_STR, 0)                           \
    X(TCP_WINDOW_SIZE_VALUE, "tcp.window_size_value", fmt_tcp, TH_WINDOW_VALUE, 0)        \
    X(TCP_WINDOW_SIZE, "tcp.window_size", fmt_analysis, AN_WINDOW, 1)                     \
    X(TCP_WINDOW_SIZE_SCALEFACTOR, "tcp.window_size_scalefactor", fmt_analysis,           \
      AN_SCALEFACTOR, 1)                                                                  \
    X(TCP_CHECKSUM, "tcp.checksum", fmt_tcp, TH_CHECKSUM, 0)                              \
    X(TCP_URGENT_POINTER, "tcp.urgent_pointer", fmt_tcp, TH_URGENT, 0)                    \
    X(TCP_OPTIONS, "tcp.options", fmt_option, OP_OPTIONS, 0)                              \
    X(TCP_OPTION_KIND, "tcp.option_kind", fmt_option, OP_KIND, 0)                         \
    X(TCP_OPTION_LEN, "tcp.option_len", fmt_option, OP_LEN, 0)                            \
    X(MSS_VAL, "tcp.options.mss_val", fmt_option, OP_MSS, 0)                              \
    X(WSCALE_SHIFT, "tcp.options.wscale.shift", fmt_option, OP_WS_SHIFT, 0)               \
    X(WSCALE_MULTIPLIER, "tcp.options.wscale.multiplier", fmt_option, OP_WS_MULTIPLIER, 0) \
    X(SACK_PERM, "tcp.options.sack_perm", fmt_option, OP_SACK_PERM, 0)                    \
    X(TSVAL, "tcp.options.timestamp.tsval", fmt_option, OP_TSVAL, 0)                      \
    X(TSECR, "tcp.options.timestamp.tsecr", fmt_option, OP_TSECR, 0)                      \
    X(SACK_LE, "tcp.options.sack_le", fmt_option, OP_SACK_LE, 1)                          \
    X(SACK_RE, "tcp.options.sack_re", fmt_option, OP_SACK_RE, 1)                          \
    X(SACK_COUNT, "tcp.options.sack.count", fmt_option, OP_SACK_COUNT, 0)                 \
    X(TCP_ANALYSIS_FLAGS, "tcp.analysis.flags", fmt_analysis, AN_FLAGS, 1)                \
    X(DUP_ACK_NUM, "tcp.analysis.duplicate_ack_num", fmt_analysis, AN_DUP_ACK_NUM, 1)     \
    X(DUP_ACK_FRAME, "tcp.analysis.duplicate_ack_frame", fmt_analysis, AN_DUP_ACK_FRAME, 1) \
    X(ACKS_FRAME, "tcp.analysis.acks_frame", fmt_analysis, AN_ACKS_FRAME, 1)              \
    X(ACK_RTT, "tcp.analysis.ack_rtt", fmt_analysis, AN_ACK_RTT, 1)                       \
    X(INITIAL_RTT, "tcp.analysis.initial_rtt", fmt_analysis, AN_INITIAL_RTT, 1)           \
    X(BYTES_IN_FLIGHT, "tcp.analysis.bytes_in_flight", fmt_analysis, AN_BYTES_IN_FLIGHT, 1) \
    X(PUSH_BYTES_SENT, "tcp.analysis.push_bytes_sent", fmt_analysis, AN_PUSH_BYTES_SENT, 1) \
    X(TCP_TIME_RELATIVE, "tcp.time_relative", fmt_analysis, AN_TIME_RELATIVE, 1)          \
    X(TCP_TIME_DELTA, "tcp.time_delta", fmt_analysis, AN_TIME_DELTA, 1)                   \
    X(TCP_COMPLETENESS, "tcp.completeness", fmt_analysis, AN_COMPLETENESS, 1)             \
    X(TCP_PAYLOAD, "tcp.payload", fmt_tcp, TH_PAYLOAD, 0)                                 \
    X(TCP_SEGMENT_DATA, "tcp.segment_data", fmt_analysis, AN_SEGMENT_DATA, 1)             \
    X(TCP_REASSEMBLED_IN, "tcp.reassembled_in", fmt_analysis, AN_REASSEMBLED_IN, 1)

typedef enum {
#define TT_FIELD_ENUM_ROW(e, name, fn, arg, analysis) F_##e,
    TT_FIELDS(TT_FIELD_ENUM_ROW)
#undef TT_FIELD_ENUM_ROW
    F_AF_FIRST, /* one per analysis flag, in TT_AF_* bit order */
    F_COUNT = F_AF_FIRST + TT_AF_COUNT
} field_id;

typedef struct field_row {
    const char *name;
    field_fn *fn;
    int arg;
    int needs_analysis;
} field_row;

static const field_row fields[F_AF_FIRST] = {
#define TT_FIELD_ROW(e, name, fn, arg, analysis) {name, fn, arg, analysis},
    TT_FIELDS(TT_FIELD_ROW)
#undef TT_FIELD_ROW
};

const char *tt_field_name(int id)
{
    if (id < 0 || id >= F_COUNT)
        return NULL;
    if (id >= F_AF_FIRST)
        return tt_analysis_flag(id - F_AF_FIRST)->field; /* analysis_flags.h */
    return fields[id].name;
}

int tt_field_needs_analysis(int id)
{
    if (id < 0 || id >= F_COUNT)
        return 0;
    return id >= F_AF_FIRST || fields[id].needs_analysis;
}

int tt_field_lookup(const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (!strcmp(tt_field_name(i), name))
            return i;
    return -1;
}

/* Occurrence selection for multi-valued fields. */
typedef struct occ {
    const tt_field_opts *o;
    tt_textbuf *b;
    int seen; /* occurrences offered so far */
    int total;
} occ;

static int occ_take(occ *c)
{
    int i = ++c->seen;
    int want = c->o->occurrence;
    if (want == 0) {
        if (i > 1)
            put_str(c->b, c->o->aggregator ? c->o->aggregator : ",");
        return 1;
    }
    if (want < 0)
        return i == c->total;
    return i == want;
}

/* Bytes as tshark prints an FT_BYTES field: lower-case hex, no separator. */
static void put_bytes_hex(tt_textbuf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char t[128];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        t[k++] = hex[p[i] >> 4];
        t[k++] = hex[p[i] & 15];
        if (k == sizeof t) {
            tt_textbuf_append(b, t, k);
            k = 0;
        }
    }
    tt_textbuf_append(b, t, k);
}

/* A MAC address as tshark prints eth.src: six lower-case hex pairs with colons. */
static void put_mac(tt_textbuf *b, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    char t[17];
    for (int i = 0; i < 6; i++) {
        t[3 * i] = hex[a[i] >> 4];
        t[3 * i + 1] = hex[a[i] & 15];
        if (i < 5)
            t[3 * i + 2] = ':';
    }
    tt_textbuf_append(b, t, sizeof t);
}

static void put_ip_part(const tt_ip_layer *ip, int part, tt_textbuf *b)
{
    switch ((enum ip_part)part) {
    case IP_SRC: put_addr(b, ip->version, ip->src); break;
    case IP_DST: put_addr(b, ip->version, ip->dst); break;
    case IP_VERSION: put_u64(b, ip->version); break;
    case IP_TTL: put_u64(b, ip->ttl); break;
    case IP_ID: put_hex(b, ip->ip_id, 4); break;
    case IP_PROTO: put_u64(b, ip->proto); break;
    case IP_LEN: put_u64(b, ip->total_len); break;
    case IP_HDR_LEN: put_u64(b, ip->hdr_len); break;
    case IP_DSFIELD: put_hex(b, ip->tos, 2); break;
    case IP_DSCP: put_u64(b, ip->tos >> 2); break; /* RFC 2474 */
    case IP_ECN: put_u64(b, ip->tos & 3); break;   /* RFC 3168 */
    case IP_FLAGS_DF: put_str(b, (ip->frag_field & 0x4000) ? "1" : "0"); break;
    case IP_CHECKSUM: put_hex(b, ip->checksum, 4); break;
    case IP6_PLEN: put_u64(b, ip->total_len >= 40 ? ip->total_len - 40 : 0); break;
    case IP6_FLOW: put_hex(b, ip->flow_label, 6); break;
    case IP6_NXT: put_u64(b, ip->nxt); break;
    }
}

/* The part of every IP layer of a version (0: of every IP layer). */
static void put_ip_field(const tt_segment *s, int version, int part, const tt_field_opts *o,
                         tt_textbuf *b)
{
    const tt_packet *p = &s->pkt;
    occ c = {o, b, 0, 0};
    for (int i = 0; i < p->n_ip; i++)
        c.total += !version || p->ip[i].version == version;
    for (int i = 0; i < p->n_ip; i++)
        if ((!version || p->ip[i].version == version) && occ_take(&c))
            put_ip_part(&p->ip[i], part, b);
}

static void fmt_ip4(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    /* ip.version: the IPv6 dissector adds it too, so every IP layer has one */
    put_ip_field(s, arg == IP_VERSION ? 0 : 4, arg, o, b);
}

static void fmt_ip6(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    put_ip_field(s, 6, arg, o, b);
}

/* Every Ethernet header's address or every 802.1Q tag's id, outermost first. */
static void fmt_link(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    const tt_link_info *l = &s->pkt.link;
    occ c = {o, b, 0, arg == LK_VLAN_ID ? s->pkt.n_vlan : s->pkt.n_eth};
    for (int i = 0; i < c.total; i++) {
        if (!occ_take(&c))
            continue;
        if (arg == LK_VLAN_ID)
            put_u64(b, l->vlan_tci[i] & 0x0FFF); /* IEEE 802.1Q: the VID, 12 bits */
        else
            put_mac(b, l->eth[i] + (arg == LK_ETH_SRC ? 6 : 0));
    }
}

static void fmt_frame(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    const tt_packet *p = &s->pkt;
    switch ((enum frame_part)arg) {
    case FR_NUMBER: put_u64(b, p->frame); break;
    case FR_TIME_RELATIVE: put_time(b, s->time_rel_sec, s->time_rel_nsec); break;
    case FR_TIME_EPOCH: put_time(b, p->ts_sec, p->ts_nsec); break;
    case FR_TIME_DELTA: put_time(b, s->time_delta_sec, s->time_delta_nsec); break;
    case FR_TIME_DELTA_DISPLAYED: {
        /* Since the frame shown before; 0 for the first one shown (tshark's prev_dis). */
        const tt_field_prev *pv = o->prev;
        if (pv && pv->have)
            put_time(b, (int64_t)((uint64_t)p->ts_sec - (uint64_t)pv->ts_sec),
                     (int64_t)p->ts_nsec - pv->ts_nsec);
        else
            put_time(b, 0, 0);
        break;
    }
    case FR_LEN: put_u64(b, p->wirelen); break;
    case FR_CAP_LEN: put_u64(b, p->caplen); break;
    case FR_INFO: {
        char buf[TT_INFO_MAX];
        size_t n = tt_info_format(s, buf, sizeof buf);
        tt_textbuf_append(b, buf, n);
        break;
    }
    }
}

/* tcp.flags.str as tshark 4.0 writes it: 12 places from bit 11 down, a middle dot
 * (U+00B7) for a clear bit (tcp_flags_to_str_first_letter). */
static void put_flags_str(tt_textbuf *b, uint32_t flags)
{
    static const char letters[] = "RRRACEUAPRSF";
    for (int i = 0; i < 12; i++) {
        if ((flags >> (11 - i)) & 1)
            tt_textbuf_append(b, &letters[i], 1);
        else
            tt_textbuf_append(b, "\xc2\xb7", 2);
    }
}

/* One flag bit, 0 or 1 (tcp.flags.res: any of the three reserved bits). */
static void fmt_flag_bit(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    (void)o;
    uint32_t flags;
    if (tt_sv_flags(s, &flags))
        put_str(b, (flags & (uint32_t)arg) ? "1" : "0");
}

#define U32(getter)                             \
    do {                                        \
        uint32_t v_;                            \
        if (getter(s, &v_))                     \
            put_u64(b, v_);                     \
    } while (0)
#define U64(getter)                             \
    do {                                        \
        uint64_t v_;                            \
        if (getter(s, &v_))                     \
            put_u64(b, v_);                     \
    } while (0)
#define TIME(getter)                            \
    do {                                        \
        int64_t v_;                             \
        if (getter(s, &v_))                     \
            put_time(b, 0, v_);                 \
    } while (0)
#define HEX4(getter)                            \
    do {                                        \
        uint32_t v_;                            \
        if (getter(s, &v_))                     \
            put_hex(b, v_, 4);                  \
    } while (0)

/* The TCP header's fields and the payload. */
static void fmt_tcp(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    uint32_t v;
    switch ((enum tcp_part)arg) {
    case TH_SRCPORT: U32(tt_sv_sport); break;
    case TH_DSTPORT: U32(tt_sv_dport); break;
    case TH_PORT: { /* the source's then the destination's, as two occurrences */
        uint32_t sp, dp;
        if (tt_sv_sport(s, &sp) && tt_sv_dport(s, &dp)) {
            occ c = {o, b, 0, 2};
            if (occ_take(&c))
                put_u64(b, sp);
            if (occ_take(&c))
                put_u64(b, dp);
        }
        break;
    }
    case TH_SEQ_RAW: U32(tt_sv_seq_raw); break;
    case TH_ACK_RAW: U32(tt_sv_ack_raw); break;
    case TH_LEN: U32(tt_sv_len); break;
    case TH_HDR_LEN: U32(tt_sv_hdr_len); break;
    case TH_FLAGS: HEX4(tt_sv_flags); break;
    case TH_FLAGS_STR:
        if (tt_sv_flags(s, &v))
            put_flags_str(b, v);
        break;
    case TH_URGENT: U32(tt_sv_urgent_ptr); break;
    case TH_WINDOW_VALUE: U32(tt_sv_window_raw); break;
    case TH_CHECKSUM: HEX4(tt_sv_tcp_checksum); break;
    case TH_PAYLOAD: {
        const uint8_t *data = NULL;
        size_t n = tt_sv_payload(s, &data);
        put_bytes_hex(b, data, n);
        break;
    }
    }
}

/* The options of the captured option bytes as Wireshark 4.0's option loop lists them
 * (packet-tcp.c, tcp_dissect_options): each kind, and the length byte of every option
 * but EOL and NOP. An option whose length is under 2 or runs past the header's option
 * bytes (`hdr_optlen`) is not listed and ends the list; one the capture cuts is listed
 * and ends it. After an EOL the list ends, unless every byte left is zero: then each
 * one is listed as another EOL (tshark 4.0.17 on zero-padded option lists). This reads
 * the bytes again rather than the decoder's kinds, which stop at the first EOL. */
int tt_option_items(const uint8_t *bytes, uint32_t n_bytes, uint32_t hdr_optlen, tt_option_item *out)
{
    int n = 0;
    for (uint32_t i = 0; i < n_bytes;) {
        uint8_t kind = bytes[i];
        if (kind == TT_TCPOPT_EOL) {
            uint32_t j = i + 1;
            while (j < n_bytes && bytes[j] == 0)
                j++;
            uint32_t eols = j == n_bytes ? n_bytes - i : 1;
            for (uint32_t k = 0; k < eols; k++)
                out[n++] = (tt_option_item){TT_TCPOPT_EOL, -1};
            break;
        }
        if (kind == TT_TCPOPT_NOP) {
            out[n++] = (tt_option_item){kind, -1};
            i++;
            continue;
        }
        if (i + 1 >= n_bytes) { /* the length byte is not captured */
            if (i + 1 < hdr_optlen)
                out[n++] = (tt_option_item){kind, -1};
            break;
        }
        uint8_t len = bytes[i + 1];
        if (len < 2 || i + len > hdr_optlen)
            break;
        out[n++] = (tt_option_item){kind, len};
        i += len;
    }
    return n;
}

/* The options: the whole option bytes, each option's kind and length, and the ones
 * tshark shows values of. */
static void fmt_option(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    const tt_tcp_options *op = &s->pkt.opts;
    uint32_t v;
    switch ((enum option_part)arg) {
    case OP_MSS: U32(tt_sv_mss); break;
    case OP_WS_SHIFT: U32(tt_sv_ws); break;
    case OP_WS_MULTIPLIER:
        /* Wireshark caps the shift at 14 (RFC 7323 2.3) for the multiplier. */
        if (tt_sv_ws(s, &v))
            put_u64(b, (uint64_t)1 << (v > 14 ? 14 : v));
        break;
    case OP_TSVAL: U32(tt_sv_tsval); break;
    case OP_TSECR: U32(tt_sv_tsecr); break;
    case OP_SACK_LE:
    case OP_SACK_RE: {
        occ c = {o, b, 0, tt_sv_sack_count(s)};
        for (int i = 0; i < c.total; i++)
            if (occ_take(&c))
                put_u64(b, arg == OP_SACK_LE ? s->an.sack_le[i] : s->an.sack_re[i]);
        break;
    }
    case OP_OPTIONS:
        /* A header length past the segment's end: tshark adds the options field over
         * bytes that are not there and prints it as <MISSING>. */
        if (s->pkt.tcp_have >= TT_TCP_HAVE_FIXED && s->pkt.hdr_len > 20 &&
            (s->pkt.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID)))
            put_str(b, "<MISSING>");
        else
            put_bytes_hex(b, s->pkt.opt_bytes, op->raw_len);
        break;
    case OP_KIND:
    case OP_LEN: {
        tt_option_item items[TT_MAX_OPT_BYTES];
        uint32_t hdr;
        int n = tt_sv_hdr_len(s, &hdr) && hdr > 20 ? tt_option_items(s->pkt.opt_bytes, op->raw_len, hdr - 20, items) : 0;
        occ c = {o, b, 0, 0};
        for (int i = 0; i < n; i++)
            c.total += arg == OP_KIND || items[i].len >= 0;
        for (int i = 0; i < n; i++)
            if ((arg == OP_KIND || items[i].len >= 0) && occ_take(&c))
                put_u64(b, arg == OP_KIND ? (uint64_t)items[i].kind : (uint64_t)items[i].len);
        break;
    }
    case OP_SACK_PERM:
        /* An FT_NONE item: tshark prints the option's bytes (kind 4, length 2). */
        if (op->present & TT_OPT_SACK_PERM)
            put_str(b, "0402");
        break;
    case OP_SACK_COUNT:
        if (op->present & TT_OPT_SACK)
            put_u64(b, op->sack_count);
        break;
    }
}

/* The fields of Wireshark's analysis (conversation, relative numbers, tcp.analysis). */
static void fmt_analysis(const tt_segment *s, int arg, const tt_field_opts *o, tt_textbuf *b)
{
    (void)o;
    switch ((enum analysis_part)arg) {
    case AN_STREAM: U32(tt_sv_stream); break;
    case AN_SEQ: U32(tt_sv_seq); break;
    case AN_ACK: U32(tt_sv_ack); break;
    case AN_NXTSEQ: U32(tt_sv_next_seq); break;
    case AN_WINDOW: U32(tt_sv_window); break;
    case AN_SCALEFACTOR: {
        int32_t v;
        if (tt_sv_ws_multiplier(s, &v))
            put_i64(b, v);
        break;
    }
    case AN_DUP_ACK_NUM: U32(tt_sv_dup_ack_num); break;
    case AN_DUP_ACK_FRAME: U64(tt_sv_dup_ack_frame); break;
    case AN_ACKS_FRAME: U64(tt_sv_acks_frame); break;
    case AN_ACK_RTT: TIME(tt_sv_ack_rtt_ns); break;
    case AN_INITIAL_RTT: TIME(tt_sv_initial_rtt_ns); break;
    case AN_BYTES_IN_FLIGHT: U32(tt_sv_bytes_in_flight); break;
    case AN_PUSH_BYTES_SENT: U32(tt_sv_push_bytes_sent); break;
    case AN_TIME_RELATIVE: TIME(tt_sv_time_since_first_ns); break;
    case AN_TIME_DELTA: TIME(tt_sv_time_since_prev_ns); break;
    case AN_COMPLETENESS: U32(tt_sv_completeness); break;
    case AN_FLAGS: /* the expert item tshark adds when any flag is set */
        if (tt_sv_analysis_flags(s))
            put_str(b, "1");
        break;
    case AN_SEGMENT_DATA: {
        const uint8_t *data = NULL;
        size_t n = tt_sv_segment_data(s, &data);
        put_bytes_hex(b, data, n);
        break;
    }
    case AN_REASSEMBLED_IN: {
        uint64_t v;
        if (tt_sv_reassembled_in(s, &v))
            put_u64(b, v);
        break;
    }
    }
}

void tt_field_format(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b)
{
    if (id < 0 || id >= F_COUNT)
        return;
    if (id >= F_AF_FIRST) {
        /* tshark prints an expert-info flag that is present as 1 */
        if (tt_sv_analysis_flags(s) & (1u << (id - F_AF_FIRST)))
            put_str(b, "1");
        return;
    }
    fields[id].fn(s, fields[id].arg, o, b);
}

void tt_fields_format_row(const tt_segment *s, const int *ids, size_t n, const tt_field_opts *o,
                          tt_textbuf *b)
{
    const char *sep = o->separator ? o->separator : "\t";
    size_t seplen = strlen(sep);
    for (size_t i = 0; i < n; i++) {
        if (i)
            tt_textbuf_append(b, sep, seplen);
        tt_field_format(s, ids[i], o, b);
    }
    tt_textbuf_append(b, "\n", 1);
    tt_field_prev_set(o->prev, s);
}

void tt_field_prev_set(tt_field_prev *prev, const tt_segment *s)
{
    if (!prev)
        return;
    prev->have = 1;
    prev->ts_sec = s->pkt.ts_sec;
    prev->ts_nsec = s->pkt.ts_nsec;
}
