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

typedef enum {
    F_FRAME_NUMBER, F_FRAME_TIME_RELATIVE, F_FRAME_TIME_EPOCH, F_FRAME_LEN, F_FRAME_CAP_LEN,
    F_IP_SRC, F_IP_DST, F_IPV6_SRC, F_IPV6_DST,
    F_TCP_STREAM, F_TCP_SRCPORT, F_TCP_DSTPORT, F_TCP_SEQ, F_TCP_ACK, F_TCP_NXTSEQ,
    F_TCP_SEQ_RAW, F_TCP_ACK_RAW, F_TCP_LEN, F_TCP_HDR_LEN, F_TCP_FLAGS, F_TCP_URGENT_POINTER,
    F_TCP_WINDOW_SIZE_VALUE, F_TCP_WINDOW_SIZE, F_TCP_WINDOW_SIZE_SCALEFACTOR,
    F_MSS_VAL, F_WSCALE_SHIFT, F_WSCALE_MULTIPLIER, F_TSVAL, F_TSECR, F_SACK_LE, F_SACK_RE,
    F_AF_FIRST, /* one per analysis flag, in TT_AF_* bit order */
    F_DUP_ACK_NUM = F_AF_FIRST + TT_AF_COUNT, F_DUP_ACK_FRAME, F_ACKS_FRAME, F_ACK_RTT,
    F_INITIAL_RTT, F_BYTES_IN_FLIGHT, F_PUSH_BYTES_SENT, F_TCP_TIME_RELATIVE, F_TCP_TIME_DELTA,
    F_TCP_COMPLETENESS, F_INFO,
    /* tcp.flags' bits and string, tcp.port, the IP header fields (every IP layer) */
    F_TCP_FLAGS_RES, F_TCP_FLAGS_AE, F_TCP_FLAGS_CWR, F_TCP_FLAGS_ECE, F_TCP_FLAGS_URG,
    F_TCP_FLAGS_ACK, F_TCP_FLAGS_PUSH, F_TCP_FLAGS_RESET, F_TCP_FLAGS_SYN, F_TCP_FLAGS_FIN,
    F_TCP_FLAGS_STR, F_TCP_PORT, F_IP_TTL, F_IP_ID, F_IP_PROTO, F_IP_LEN, F_IP_HDR_LEN,
    F_IP_DSFIELD, F_IPV6_HLIM, F_IPV6_PLEN, F_IPV6_FLOW, F_TCP_ANALYSIS_FLAGS, F_COUNT
} field_id;

static const char *const field_names[F_COUNT] = {
    [F_FRAME_NUMBER] = "frame.number", [F_FRAME_TIME_RELATIVE] = "frame.time_relative",
    [F_FRAME_TIME_EPOCH] = "frame.time_epoch", [F_FRAME_LEN] = "frame.len",
    [F_FRAME_CAP_LEN] = "frame.cap_len", [F_IP_SRC] = "ip.src", [F_IP_DST] = "ip.dst",
    [F_IPV6_SRC] = "ipv6.src", [F_IPV6_DST] = "ipv6.dst", [F_TCP_STREAM] = "tcp.stream",
    [F_TCP_SRCPORT] = "tcp.srcport", [F_TCP_DSTPORT] = "tcp.dstport", [F_TCP_SEQ] = "tcp.seq",
    [F_TCP_ACK] = "tcp.ack", [F_TCP_NXTSEQ] = "tcp.nxtseq", [F_TCP_SEQ_RAW] = "tcp.seq_raw",
    [F_TCP_ACK_RAW] = "tcp.ack_raw", [F_TCP_LEN] = "tcp.len", [F_TCP_HDR_LEN] = "tcp.hdr_len",
    [F_TCP_FLAGS] = "tcp.flags", [F_TCP_URGENT_POINTER] = "tcp.urgent_pointer",
    [F_TCP_WINDOW_SIZE_VALUE] = "tcp.window_size_value", [F_TCP_WINDOW_SIZE] = "tcp.window_size",
    [F_TCP_WINDOW_SIZE_SCALEFACTOR] = "tcp.window_size_scalefactor",
    [F_MSS_VAL] = "tcp.options.mss_val", [F_WSCALE_SHIFT] = "tcp.options.wscale.shift",
    [F_WSCALE_MULTIPLIER] = "tcp.options.wscale.multiplier",
    [F_TSVAL] = "tcp.options.timestamp.tsval", [F_TSECR] = "tcp.options.timestamp.tsecr",
    [F_SACK_LE] = "tcp.options.sack_le", [F_SACK_RE] = "tcp.options.sack_re",
    [F_DUP_ACK_NUM] = "tcp.analysis.duplicate_ack_num",
    [F_DUP_ACK_FRAME] = "tcp.analysis.duplicate_ack_frame",
    [F_ACKS_FRAME] = "tcp.analysis.acks_frame", [F_ACK_RTT] = "tcp.analysis.ack_rtt",
    [F_INITIAL_RTT] = "tcp.analysis.initial_rtt",
    [F_BYTES_IN_FLIGHT] = "tcp.analysis.bytes_in_flight",
    [F_PUSH_BYTES_SENT] = "tcp.analysis.push_bytes_sent",
    [F_TCP_TIME_RELATIVE] = "tcp.time_relative", [F_TCP_TIME_DELTA] = "tcp.time_delta",
    [F_TCP_COMPLETENESS] = "tcp.completeness", [F_INFO] = "_ws.col.Info",
    [F_TCP_FLAGS_RES] = "tcp.flags.res", [F_TCP_FLAGS_AE] = "tcp.flags.ae",
    [F_TCP_FLAGS_CWR] = "tcp.flags.cwr", [F_TCP_FLAGS_ECE] = "tcp.flags.ece",
    [F_TCP_FLAGS_URG] = "tcp.flags.urg", [F_TCP_FLAGS_ACK] = "tcp.flags.ack",
    [F_TCP_FLAGS_PUSH] = "tcp.flags.push", [F_TCP_FLAGS_RESET] = "tcp.flags.reset",
    [F_TCP_FLAGS_SYN] = "tcp.flags.syn", [F_TCP_FLAGS_FIN] = "tcp.flags.fin",
    [F_TCP_FLAGS_STR] = "tcp.flags.str", [F_TCP_PORT] = "tcp.port", [F_IP_TTL] = "ip.ttl",
    [F_IP_ID] = "ip.id", [F_IP_PROTO] = "ip.proto", [F_IP_LEN] = "ip.len",
    [F_IP_HDR_LEN] = "ip.hdr_len", [F_IP_DSFIELD] = "ip.dsfield", [F_IPV6_HLIM] = "ipv6.hlim",
    [F_IPV6_PLEN] = "ipv6.plen", [F_IPV6_FLOW] = "ipv6.flow",
    [F_TCP_ANALYSIS_FLAGS] = "tcp.analysis.flags",
};


const char *tt_field_name(int id)
{
    if (id < 0 || id >= F_COUNT)
        return NULL;
    if (id >= F_AF_FIRST && id < F_AF_FIRST + TT_AF_COUNT)
        return tt_analysis_flag(id - F_AF_FIRST)->field; /* analysis_flags.h */
    return field_names[id];
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

/* An IP header field of every IP layer of one version, as its occurrences. */
typedef enum ip_part {
    IP_SRC, IP_DST, IP_TTL, IP_ID, IP_PROTO, IP_LEN, IP_HDR_LEN, IP_DSFIELD, IP6_PLEN, IP6_FLOW
} ip_part;

static void put_ip_part(const tt_ip_layer *ip, ip_part part, tt_textbuf *b)
{
    switch (part) {
    case IP_SRC: put_addr(b, ip->version, ip->src); break;
    case IP_DST: put_addr(b, ip->version, ip->dst); break;
    case IP_TTL: put_u64(b, ip->ttl); break;
    case IP_ID: put_hex(b, ip->ip_id, 4); break;
    case IP_PROTO: put_u64(b, ip->proto); break;
    case IP_LEN: put_u64(b, ip->total_len); break;
    case IP_HDR_LEN: put_u64(b, ip->hdr_len); break;
    case IP_DSFIELD: put_hex(b, ip->tos, 2); break;
    case IP6_PLEN: put_u64(b, ip->total_len >= 40 ? ip->total_len - 40 : 0); break;
    case IP6_FLOW: put_hex(b, ip->flow_label, 6); break;
    }
}

static void put_ip_field(const tt_segment *s, int version, ip_part part, const tt_field_opts *o,
                         tt_textbuf *b)
{
    const tt_packet *p = &s->pkt;
    occ c = {o, b, 0, 0};
    for (int i = 0; i < p->n_ip; i++)
        c.total += p->ip[i].version == version;
    for (int i = 0; i < p->n_ip; i++)
        if (p->ip[i].version == version && occ_take(&c))
            put_ip_part(&p->ip[i], part, b);
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

/* The frame's and the IP layers' fields: 1 when `id` is one of them. */
static int format_frame_field(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b)
{
    const tt_packet *p = &s->pkt;
    switch ((field_id)id) {
    case F_FRAME_NUMBER: put_u64(b, p->frame); return 1;
    case F_FRAME_TIME_RELATIVE:
        put_time(b, (int64_t)s->time_rel_sec, (int64_t)s->time_rel_nsec);
        return 1;
    case F_FRAME_TIME_EPOCH: put_time(b, (int64_t)p->ts_sec, (int64_t)p->ts_nsec); return 1;
    case F_FRAME_LEN: put_u64(b, p->wirelen); return 1;
    case F_FRAME_CAP_LEN: put_u64(b, p->caplen); return 1;
    case F_IP_SRC: put_ip_field(s, 4, IP_SRC, o, b); return 1;
    case F_IP_DST: put_ip_field(s, 4, IP_DST, o, b); return 1;
    case F_IPV6_SRC: put_ip_field(s, 6, IP_SRC, o, b); return 1;
    case F_IPV6_DST: put_ip_field(s, 6, IP_DST, o, b); return 1;
    case F_IP_TTL: put_ip_field(s, 4, IP_TTL, o, b); return 1;
    case F_IP_ID: put_ip_field(s, 4, IP_ID, o, b); return 1;
    case F_IP_PROTO: put_ip_field(s, 4, IP_PROTO, o, b); return 1;
    case F_IP_LEN: put_ip_field(s, 4, IP_LEN, o, b); return 1;
    case F_IP_HDR_LEN: put_ip_field(s, 4, IP_HDR_LEN, o, b); return 1;
    case F_IP_DSFIELD: put_ip_field(s, 4, IP_DSFIELD, o, b); return 1;
    case F_IPV6_HLIM: put_ip_field(s, 6, IP_TTL, o, b); return 1;
    case F_IPV6_PLEN: put_ip_field(s, 6, IP6_PLEN, o, b); return 1;
    case F_IPV6_FLOW: put_ip_field(s, 6, IP6_FLOW, o, b); return 1;
    case F_INFO: {
        char buf[TT_INFO_MAX];
        size_t n = tt_info_format(s, buf, sizeof buf);
        tt_textbuf_append(b, buf, n);
        return 1;
    }
    default: return 0;
    }
}

/* tcp.flags' bits (tcp.flags.res: any of the three reserved ones), its string, and
 * tcp.port (the source's then the destination's, as two occurrences). */
static int format_flag_field(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b)
{
    static const uint32_t bits[] = {0xe00, 0x100, 0x080, 0x040, 0x020, 0x010, 0x008, 0x004,
                                    0x002, 0x001};
    uint32_t flags;
    if (id >= F_TCP_FLAGS_RES && id <= F_TCP_FLAGS_FIN) {
        if (tt_sv_flags(s, &flags))
            put_str(b, (flags & bits[id - F_TCP_FLAGS_RES]) ? "1" : "0");
        return 1;
    }
    if (id == F_TCP_FLAGS_STR) {
        if (tt_sv_flags(s, &flags))
            put_flags_str(b, flags);
        return 1;
    }
    if (id == F_TCP_PORT) {
        uint32_t sp, dp;
        if (tt_sv_sport(s, &sp) && tt_sv_dport(s, &dp)) {
            occ c = {o, b, 0, 2};
            if (occ_take(&c))
                put_u64(b, sp);
            if (occ_take(&c))
                put_u64(b, dp);
        }
        return 1;
    }
    return 0;
}

/* The TCP header's fields and its options': 1 when `id` is one of them. */
static int format_header_field(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b)
{
    switch ((field_id)id) {
    case F_TCP_SRCPORT: U32(tt_sv_sport); return 1;
    case F_TCP_DSTPORT: U32(tt_sv_dport); return 1;
    case F_TCP_SEQ_RAW: U32(tt_sv_seq_raw); return 1;
    case F_TCP_ACK_RAW: U32(tt_sv_ack_raw); return 1;
    case F_TCP_LEN: U32(tt_sv_len); return 1;
    case F_TCP_HDR_LEN: U32(tt_sv_hdr_len); return 1;
    case F_TCP_FLAGS: {
        uint32_t v;
        if (tt_sv_flags(s, &v))
            put_hex(b, v, 4);
        return 1;
    }
    case F_TCP_URGENT_POINTER: U32(tt_sv_urgent_ptr); return 1;
    case F_TCP_WINDOW_SIZE_VALUE: U32(tt_sv_window_raw); return 1;
    case F_MSS_VAL: U32(tt_sv_mss); return 1;
    case F_WSCALE_SHIFT: U32(tt_sv_ws); return 1;
    case F_WSCALE_MULTIPLIER: {
        uint32_t v;
        /* Wireshark caps the shift at 14 (RFC 7323 2.3) for the multiplier. */
        if (tt_sv_ws(s, &v))
            put_u64(b, (uint64_t)1 << (v > 14 ? 14 : v));
        return 1;
    }
    case F_TSVAL: U32(tt_sv_tsval); return 1;
    case F_TSECR: U32(tt_sv_tsecr); return 1;
    case F_SACK_LE:
    case F_SACK_RE: {
        occ c = {o, b, 0, tt_sv_sack_count(s)};
        for (int i = 0; i < c.total; i++)
            if (occ_take(&c))
                put_u64(b, id == F_SACK_LE ? s->an.sack_le[i] : s->an.sack_re[i]);
        return 1;
    }
    default: return format_flag_field(s, id, o, b);
    }
}

/* The fields of Wireshark's analysis (conversation, relative numbers, tcp.analysis). */
static void format_analysis_field(const tt_segment *s, int id, tt_textbuf *b)
{
    if (id >= F_AF_FIRST && id < F_AF_FIRST + TT_AF_COUNT) {
        /* tshark prints an expert-info flag that is present as 1 */
        if (tt_sv_analysis_flags(s) & (1u << (id - F_AF_FIRST)))
            put_str(b, "1");
        return;
    }
    switch ((field_id)id) {
    case F_TCP_STREAM: U32(tt_sv_stream); break;
    case F_TCP_SEQ: U32(tt_sv_seq); break;
    case F_TCP_ACK: U32(tt_sv_ack); break;
    case F_TCP_NXTSEQ: U32(tt_sv_next_seq); break;
    case F_TCP_WINDOW_SIZE: U32(tt_sv_window); break;
    case F_TCP_WINDOW_SIZE_SCALEFACTOR: {
        int32_t v;
        if (tt_sv_ws_multiplier(s, &v))
            put_i64(b, v);
        break;
    }
    case F_DUP_ACK_NUM: U32(tt_sv_dup_ack_num); break;
    case F_DUP_ACK_FRAME: U64(tt_sv_dup_ack_frame); break;
    case F_ACKS_FRAME: U64(tt_sv_acks_frame); break;
    case F_ACK_RTT: TIME(tt_sv_ack_rtt_ns); break;
    case F_INITIAL_RTT: TIME(tt_sv_initial_rtt_ns); break;
    case F_BYTES_IN_FLIGHT: U32(tt_sv_bytes_in_flight); break;
    case F_PUSH_BYTES_SENT: U32(tt_sv_push_bytes_sent); break;
    case F_TCP_TIME_RELATIVE: TIME(tt_sv_time_since_first_ns); break;
    case F_TCP_TIME_DELTA: TIME(tt_sv_time_since_prev_ns); break;
    case F_TCP_COMPLETENESS: U32(tt_sv_completeness); break;
    case F_TCP_ANALYSIS_FLAGS: /* the expert item tshark adds when any flag is set */
        if (tt_sv_analysis_flags(s))
            put_str(b, "1");
        break;
    default: break;
    }
}

void tt_field_format(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b)
{
    if (format_frame_field(s, id, o, b) || format_header_field(s, id, o, b))
        return;
    format_analysis_field(s, id, b);
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
}
