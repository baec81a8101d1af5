/* decode: link layer -> (tunnels) -> IPv4/IPv6 -> TCP, through a bounds-checked cursor. */
#include "decode.h"

#include <stddef.h>
#include <string.h>

#include "cursor.h"
#include "decode_tunnel.h"

#define TT_MAX_ENCAP_DEPTH 12 /* nested link/tunnel layers before we give up */

/* Ethertypes (IEEE 802 numbers) */
enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86DD,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88A8,
    ETH_QINQ_OLD = 0x9100,
    ETH_MPLS = 0x8847,
    ETH_MPLS_MC = 0x8848,
    ETH_PPPOE_SESS = 0x8864,
    ETH_TEB = 0x6558,      /* transparent Ethernet bridging (GRE) */
    ETH_ERSPAN2 = 0x88BE,  /* ERSPAN type I/II (GRE protocol type) */
    ETH_ERSPAN3 = 0x22EB,  /* ERSPAN type III */
    ETH_PPP = 0x880B,      /* PPP inside enhanced GRE (PPTP) */
};

/* IP protocol numbers (IANA) */
enum {
    IPP_HOPOPTS = 0,
    IPP_IPIP = 4,
    IPP_TCP = 6,
    IPP_UDP = 17,
    IPP_IPV6 = 41,
    IPP_ROUTING = 43,
    IPP_FRAGMENT = 44,
    IPP_GRE = 47,
    IPP_AH = 51,
    IPP_NONE = 59,
    IPP_DSTOPTS = 60,
};

typedef struct dctx {
    tt_packet *pkt;
    tt_fragment *frag; /* borrowed, may be NULL */
    int depth;
    /* Bytes the current layer had on the wire beyond its captured end (Wireshark's
     * reported length minus captured length): a header claiming more than the wire
     * carried is cut to what the wire carried, as Wireshark's set_actual_length only
     * ever shrinks a layer. */
    uint32_t extra;
    const uint8_t *frame;   /* borrowed: the frame's bytes (NULL for a reassembled payload) */
    uint32_t frame_caplen, frame_wirelen;
} dctx;

/* Wire and captured bytes of the frame from p (a header inside it) to the frame's end,
 * whatever the layers below claim; 0 when p is not in the frame (a reassembled datagram). */
static void frame_from(const dctx *d, const uint8_t *p, tt_ip_layer *ip)
{
    if (!d->frame || p < d->frame || p > d->frame + d->frame_caplen)
        return;
    uint32_t off = (uint32_t)(p - d->frame);
    ip->frame_wire_from_hdr = d->frame_wirelen > off ? d->frame_wirelen - off : 0;
    ip->frame_cap_from_hdr = d->frame_caplen - off;
}

/* Reported (wire) bytes left from the cursor's position to the layer's end. */
static inline uint32_t wire_left(const dctx *d, const tt_cursor *c)
{
    uint64_t n = (uint64_t)tt_rd_left(c) + d->extra;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static inline void anom(dctx *d, tt_anomaly a) { d->pkt->anomalies |= TT_ANOM_BIT(a); }

/* A length field ends the current layer `len` bytes from the cursor: shrink the
 * captured and the wire length to it (never grow: Wireshark's set_actual_length). */
static void limit_layer(dctx *d, tt_cursor *c, uint32_t len)
{
    if (len >= wire_left(d, c))
        return;
    if (len <= tt_rd_left(c)) {
        c->len = c->pos + len;
        d->extra = 0;
    } else {
        d->extra = len - (uint32_t)tt_rd_left(c);
    }
}

static tt_decode_status dec_ethernet(dctx *d, tt_cursor *c);
static tt_decode_status dec_ethertype(dctx *d, tt_cursor *c, uint16_t type);
static tt_decode_status dec_ip(dctx *d, tt_cursor *c);
static tt_decode_status dec_ipv4(dctx *d, tt_cursor *c);
static tt_decode_status dec_ipv6(dctx *d, tt_cursor *c);
static tt_decode_status dec_ip_payload(dctx *d, uint8_t proto, const uint8_t *data,
                                       uint32_t caplen, uint32_t reported);
static tt_decode_status dec_ppp(dctx *d, tt_cursor *c);
static tt_decode_status dec_gre(dctx *d, tt_cursor *c);
static tt_decode_status dec_inner(dctx *d, tt_cursor *c, tt_inner in);

static bool deeper(dctx *d)
{
    if (++d->depth > TT_MAX_ENCAP_DEPTH) {
        anom(d, TT_ANOM_TUNNEL_TOO_DEEP);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- link facts
 * What the fields show of the link layers (eth.src/dst, vlan.id), kept apart from the
 * decoding itself: a copy of 12 bytes or 2 per header, none of it read back here. */

/* The Ethernet header at the cursor (its first 12 bytes: destination, source). */
static void note_eth(dctx *d, const tt_cursor *c)
{
    tt_packet *p = d->pkt;
    if (tt_rd_has(c, 12) && p->n_eth < TT_MAX_ETH_LAYERS)
        memcpy(p->link.eth[p->n_eth++], c->base + c->pos, 12);
}

/* An 802.1Q tag's TCI: Wireshark's vlan dissector takes 0x8100 and 0x9100; 0x88a8 is
 * its ieee8021ad one, with no vlan.id. */
static void note_vlan(dctx *d, uint16_t type, uint16_t tci)
{
    tt_packet *p = d->pkt;
    if (type != ETH_QINQ && p->n_vlan < TT_MAX_VLAN_TAGS)
        p->link.vlan_tci[p->n_vlan++] = tci;
}

/* ---------------------------------------------------------------- link layers */

static tt_decode_status dec_ethernet(dctx *d, tt_cursor *c)
{
    uint16_t type;
    note_eth(d, c);
    if (!tt_rd_skip(c, 12) || !tt_rd_u16be(c, &type)) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    if (type <= 1500) {
        /* IEEE 802.3 length field: only LLC/SNAP with an ethertype can carry IP. */
        uint8_t dsap, ssap, ctl;
        if (!tt_rd_u8(c, &dsap) || !tt_rd_u8(c, &ssap) || !tt_rd_u8(c, &ctl))
            return TT_DECODE_NOT_TCP;
        if (dsap != 0xAA || ssap != 0xAA || ctl != 0x03 || !tt_rd_skip(c, 3) ||
            !tt_rd_u16be(c, &type))
            return TT_DECODE_NOT_TCP;
    }
    return dec_ethertype(d, c, type);
}

static tt_decode_status dec_ppp_proto(dctx *d, tt_cursor *c, uint16_t proto)
{
    switch (proto) {
    case 0x0021: return dec_ipv4(d, c); /* RFC 1332 */
    case 0x0057: return dec_ipv6(d, c); /* RFC 5072 */
    default: return TT_DECODE_NOT_TCP;
    }
}

/* PPP in HDLC-like framing (RFC 1662): optional FF 03, then a 1- or 2-byte protocol. */
static tt_decode_status dec_ppp(dctx *d, tt_cursor *c)
{
    uint8_t b0, b1;
    if (tt_peek_u8(c, 0, &b0) && b0 == 0xFF && tt_peek_u8(c, 1, &b1) && b1 == 0x03)
        tt_rd_skip(c, 2);
    if (!tt_rd_u8(c, &b0)) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    uint16_t proto = b0;
    if (!(b0 & 1)) { /* protocol field compression: odd low byte ends it (RFC 1661 2) */
        if (!tt_rd_u8(c, &b1)) {
            anom(d, TT_ANOM_LINK_TRUNCATED);
            return TT_DECODE_NOT_TCP;
        }
        proto = (uint16_t)(b0 << 8 | b1);
    }
    return dec_ppp_proto(d, c, proto);
}

/* PPPoE session stage (RFC 2516 4): ver/type, code, session id, length, then PPP. */
static tt_decode_status dec_pppoe(dctx *d, tt_cursor *c)
{
    uint8_t vt, code;
    uint16_t sess, len, proto;
    if (!tt_rd_u8(c, &vt) || !tt_rd_u8(c, &code) || !tt_rd_u16be(c, &sess) ||
        !tt_rd_u16be(c, &len) || !tt_rd_u16be(c, &proto)) {
        anom(d, TT_ANOM_TUNNEL_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    (void)sess;
    if (vt != 0x11 || code != 0) {
        /* RFC 2516 4: version 1, type 1; a session packet has code 0. */
        anom(d, TT_ANOM_TUNNEL_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    /* The PPPoE length counts the PPP protocol field and payload (RFC 2516 4). */
    if (len >= 2)
        limit_layer(d, c, len - 2u);
    return dec_ppp_proto(d, c, proto);
}

/* MPLS label stack (RFC 3032): labels until bottom-of-stack, then guess IPv4/IPv6 by
 * the first nibble, as Wireshark does without a configured payload. */
static tt_decode_status dec_mpls(dctx *d, tt_cursor *c)
{
    for (int i = 0; i < 16; i++) {
        uint32_t lse;
        if (!tt_rd_u32be(c, &lse)) {
            anom(d, TT_ANOM_TUNNEL_TRUNCATED);
            return TT_DECODE_NOT_TCP;
        }
        if (lse & 0x100)
            break;
    }
    uint8_t first;
    if (!tt_peek_u8(c, 0, &first))
        return TT_DECODE_NOT_TCP;
    switch (first >> 4) {
    case 4: return dec_ipv4(d, c);
    case 6: return dec_ipv6(d, c);
    case 0: /* pseudowire control word (RFC 4385), then Ethernet */
        if (!tt_rd_skip(c, 4))
            return TT_DECODE_NOT_TCP;
        return dec_ethernet(d, c);
    default: return TT_DECODE_NOT_TCP;
    }
}

static tt_decode_status dec_ethertype(dctx *d, tt_cursor *c, uint16_t type)
{
    if (!deeper(d))
        return TT_DECODE_NOT_TCP;
    for (;;) {
        switch (type) {
        case ETH_IPV4: return dec_ipv4(d, c);
        case ETH_IPV6: return dec_ipv6(d, c);
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD: {
            uint16_t tci, tag_type = type;
            if (!tt_rd_u16be(c, &tci) || !tt_rd_u16be(c, &type)) {
                anom(d, TT_ANOM_LINK_TRUNCATED);
                return TT_DECODE_NOT_TCP;
            }
            note_vlan(d, tag_type, tci);
            continue; /* 802.1Q / 802.1ad tags stack */
        }
        case ETH_MPLS:
        case ETH_MPLS_MC: return dec_mpls(d, c);
        case ETH_PPPOE_SESS: return dec_pppoe(d, c);
        case ETH_TEB: return dec_ethernet(d, c);
        case ETH_PPP: return dec_ppp(d, c);
        default:
            return dec_inner(d, c, tt_tunnel_ethertype(type, c->base + c->pos, (uint32_t)tt_rd_left(c)));
        }
    }
}

/* Linux cooked capture v1: 16-byte header, protocol in the last two bytes. */
static tt_decode_status dec_sll(dctx *d, tt_cursor *c)
{
    uint16_t pkttype, arphrd, alen, proto;
    if (!tt_rd_u16be(c, &pkttype) || !tt_rd_u16be(c, &arphrd) || !tt_rd_u16be(c, &alen) ||
        !tt_rd_skip(c, 8) || !tt_rd_u16be(c, &proto)) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    (void)pkttype;
    (void)alen;
    if (arphrd == 778) /* ARPHRD_IPGRE: the protocol is a GRE protocol type */
        return dec_ethertype(d, c, proto);
    return dec_ethertype(d, c, proto);
}

/* Linux cooked capture v2: protocol first, 20-byte header. */
static tt_decode_status dec_sll2(dctx *d, tt_cursor *c)
{
    uint16_t proto;
    if (!tt_rd_u16be(c, &proto) || !tt_rd_skip(c, 18)) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    return dec_ethertype(d, c, proto);
}

/* BSD loopback: a 4-byte address family. NULL stores it in the capturing host's byte
 * order, LOOP in network order. AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24
 * (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin). */
static tt_decode_status dec_null(dctx *d, tt_cursor *c, bool network_order)
{
    uint32_t af;
    if (!(network_order ? tt_rd_u32be(c, &af) : tt_rd_u32le(c, &af))) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    if (!network_order && (af & 0xFFFF0000u) && !(af & 0xFFFF))
        af = (af >> 24) | ((af >> 8) & 0xFF00); /* written by a big-endian host */
    switch (af) {
    case 2: return dec_ipv4(d, c);
    case 10:
    case 24:
    case 28:
    case 30: return dec_ipv6(d, c);
    default: return TT_DECODE_NOT_TCP;
    }
}

/* Cisco HDLC: address, control, ethertype. */
static tt_decode_status dec_chdlc(dctx *d, tt_cursor *c)
{
    uint16_t type;
    if (!tt_rd_skip(c, 2) || !tt_rd_u16be(c, &type)) {
        anom(d, TT_ANOM_LINK_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    return dec_ethertype(d, c, type);
}

/* ---------------------------------------------------------------- IP */

static tt_decode_status dec_ip(dctx *d, tt_cursor *c)
{
    uint8_t first;
    if (!tt_peek_u8(c, 0, &first)) {
        anom(d, TT_ANOM_IP_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    switch (first >> 4) {
    case 4: return dec_ipv4(d, c);
    case 6: return dec_ipv6(d, c);
    default: anom(d, TT_ANOM_IP_VERSION_INVALID); return TT_DECODE_NOT_TCP;
    }
}

/* RFC 1071: the one's-complement sum of 16-bit words, folded; a header whose checksum
 * is right sums to 0xFFFF (what Zeek's in_cksum tests, packet_analysis/protocol/ip). */
static uint16_t ones_sum_fold(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

static tt_ip_layer *push_ip(dctx *d)
{
    tt_packet *p = d->pkt;
    if (p->n_ip >= TT_MAX_IP_LAYERS) {
        anom(d, TT_ANOM_TUNNEL_TOO_DEEP);
        return NULL;
    }
    tt_ip_layer *ip = &p->ip[p->n_ip++];
    memset(ip, 0, sizeof *ip);
    p->ip_payload = NULL; /* the new innermost layer's payload is not reached yet */
    p->ip_payload_caplen = 0;
    return ip;
}

/* Bytes an IPv4 option of this kind must have for Wireshark's option dissector to read
 * its fields (type and length included); 0 when any length >= 2 will do. Wireshark
 * hands each option to its dissector as a tvb of the option's own length, so a
 * shorter option throws and the packet is malformed at the IP layer: nothing above IP
 * is dissected. */
static uint32_t ipv4_opt_min_len(uint8_t kind, const uint8_t *opt, uint32_t len)
{
    switch (kind) {
    case 7:   /* Record Route (RFC 791): pointer */
    case 130: /* Security (RFC 791, RFC 1108): classification level */
    case 131: /* Loose Source Route: pointer */
    case 133: /* Extended Security (RFC 1108): format code */
    case 137: /* Strict Source Route: pointer */
        return 3;
    case 68:  /* Timestamp (RFC 791): pointer, overflow/flags */
    case 136: /* Stream ID: 16-bit id */
    case 11:  /* MTU Probe (RFC 1063) */
    case 12:  /* MTU Reply (RFC 1063) */
    case 148: /* Router Alert (RFC 2113) */
        return 4;
    case 134: /* CIPSO: 32-bit domain of interpretation */
        return 6;
    case 82:  /* Traceroute (RFC 1393) */
        return 12;
    case 25:  /* Quick-Start (RFC 4782): command byte, then nonce for request/report */
        if (len < 3)
            return 3;
        return (opt[2] >> 4) == 0 || (opt[2] >> 4) == 8 ? 8 : 3;
    default: return 0;
    }
}

/* Walk the IPv4 options as Wireshark's dissect_ip_options does: a length that runs
 * past the options ends the walk quietly; an option too short for its kind is fatal. */
static bool ipv4_options_ok(const uint8_t *p, uint32_t n)
{
    tt_cursor c;
    tt_cursor_init(&c, p, n);
    while (tt_rd_left(&c) > 0) {
        uint8_t kind, len;
        tt_rd_u8(&c, &kind);
        if (kind == 0)
            break; /* end of option list */
        if (kind == 1)
            continue; /* no-operation */
        if (!tt_peek_u8(&c, 0, &len) || len < 2 || (uint32_t)len - 1 > tt_rd_left(&c))
            break;
        const uint8_t *opt = c.base + c.pos - 1;
        if (len < ipv4_opt_min_len(kind, opt, len))
            return false;
        tt_rd_skip(&c, (size_t)len - 1);
    }
    return true;
}

/* IPv4 (RFC 791). */
static tt_decode_status dec_ipv4(dctx *d, tt_cursor *c)
{
    if (!deeper(d))
        return TT_DECODE_NOT_TCP;
    uint8_t vihl = 0, tos = 0, ttl = 0, proto = 0;
    uint16_t total = 0, id = 0, frag = 0, csum = 0;
    if (!tt_rd_has(c, 20)) {
        anom(d, TT_ANOM_IP_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    size_t start = c->pos;
    tt_rd_u8(c, &vihl);
    tt_rd_u8(c, &tos);
    tt_rd_u16be(c, &total);
    tt_rd_u16be(c, &id);
    tt_rd_u16be(c, &frag);
    tt_rd_u8(c, &ttl);
    tt_rd_u8(c, &proto);
    tt_rd_u16be(c, &csum);
    if (vihl >> 4 != 4) {
        anom(d, TT_ANOM_IP_VERSION_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    uint32_t ihl = (uint32_t)(vihl & 0x0F) * 4;
    if (ihl < 20) {
        anom(d, TT_ANOM_IP_HDR_LEN_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    tt_ip_layer *ip = push_ip(d);
    if (!ip)
        return TT_DECODE_NOT_TCP;
    ip->version = 4;
    ip->tos = tos;
    ip->ttl = ttl;
    ip->proto = proto;
    ip->ip_id = id;
    ip->hdr_len = (uint16_t)ihl;
    ip->total_len = total;
    ip->total_len_hdr = total;
    ip->checksum = csum;
    ip->frag_field = frag;
    frame_from(d, c->base + start, ip);
    tt_rd_bytes(c, ip->src, 4);
    tt_rd_bytes(c, ip->dst, 4);
    uint32_t total32 = total;
    if (total == 0) {
        /* Wireshark's default "TCP segmentation offload" support: a zero total length
         * means the datagram is what the wire carried. */
        c->pos = start;
        total32 = wire_left(d, c);
        ip->total_len = total32;
    }
    if (total32 < ihl) {
        anom(d, TT_ANOM_IP_TOTAL_LEN_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    c->pos = start;
    if (ihl > 20 && tt_rd_has(c, ihl) && !ipv4_options_ok(c->base + c->pos + 20, ihl - 20)) {
        anom(d, TT_ANOM_IP_OPT_LEN_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    if (!tt_rd_skip(c, ihl)) {
        anom(d, TT_ANOM_IP_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    ip->hdr_cksum_bad = ones_sum_fold(c->base + start, ihl) != 0xFFFF;
    uint32_t reported = total32 - ihl;
    if (reported > wire_left(d, c)) {
        /* Wireshark: "IPv4 total length exceeds packet length"; the wire decides. */
        anom(d, TT_ANOM_IP_TOTAL_LEN_INVALID);
        reported = wire_left(d, c);
    }
    uint32_t avail = (uint32_t)tt_rd_left(c);
    uint32_t captured = avail < reported ? avail : reported;
    const uint8_t *payload = c->base + c->pos;

    uint32_t frag_off = (uint32_t)(frag & 0x1FFF) * 8;
    int more = (frag & 0x2000) != 0;
    if (frag_off != 0 || more) {
        anom(d, TT_ANOM_IP_FRAGMENT);
        if (d->frag) {
            d->frag->version = 4;
            d->frag->proto = proto;
            d->frag->id = id;
            d->frag->offset = frag_off;
            d->frag->len = reported;
            d->frag->caplen = captured;
            d->frag->data = payload;
            d->frag->more = more;
            return TT_DECODE_FRAGMENT;
        }
        return TT_DECODE_NOT_TCP;
    }
    return dec_ip_payload(d, proto, payload, captured, reported);
}

/* IPv6 (RFC 8200) with its extension headers. */
static tt_decode_status dec_ipv6(dctx *d, tt_cursor *c)
{
    if (!deeper(d))
        return TT_DECODE_NOT_TCP;
    uint32_t vtf = 0;
    uint16_t plen = 0;
    uint8_t next = 0, hlim = 0;
    if (!tt_rd_has(c, 40)) {
        anom(d, TT_ANOM_IP_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    tt_rd_u32be(c, &vtf);
    tt_rd_u16be(c, &plen);
    tt_rd_u8(c, &next);
    tt_rd_u8(c, &hlim);
    if (vtf >> 28 != 6) {
        anom(d, TT_ANOM_IP_VERSION_INVALID);
        return TT_DECODE_NOT_TCP;
    }
    tt_ip_layer *ip = push_ip(d);
    if (!ip)
        return TT_DECODE_NOT_TCP;
    ip->version = 6;
    ip->tos = (uint8_t)(vtf >> 20);
    ip->flow_label = vtf & 0xFFFFF;
    ip->ttl = hlim;
    ip->total_len = 40u + plen;
    ip->total_len_hdr = 40u + plen;
    ip->nxt = next;
    frame_from(d, c->base + c->pos - 8, ip);
    tt_rd_bytes(c, ip->src, 16);
    tt_rd_bytes(c, ip->dst, 16);

    /* Bytes of the datagram after the fixed header: claimed, cut to what the wire had. */
    uint32_t reported = plen;
    if (reported > wire_left(d, c)) {
        anom(d, TT_ANOM_IPV6_PAYLOAD_LEN_INVALID);
        reported = wire_left(d, c);
    }
    uint32_t hdr = 40;
    int is_frag = 0;
    uint32_t frag_off = 0, frag_id = 0;
    int more = 0;
    for (int n = 0; n < 16; n++) {
        if (next != IPP_HOPOPTS && next != IPP_ROUTING && next != IPP_DSTOPTS &&
            next != IPP_FRAGMENT && next != IPP_AH)
            break;
        uint8_t nh, hlen;
        if (!tt_peek_u8(c, 0, &nh) || !tt_peek_u8(c, 1, &hlen)) {
            anom(d, TT_ANOM_IPV6_EXT_TRUNCATED);
            ip->proto = next;
            return TT_DECODE_NOT_TCP;
        }
        uint32_t elen;
        if (next == IPP_FRAGMENT)
            elen = 8;
        else if (next == IPP_AH)
            elen = ((uint32_t)hlen + 2) * 4; /* RFC 4302 2.2 */
        else
            elen = ((uint32_t)hlen + 1) * 8;
        if (elen > reported) {
            anom(d, TT_ANOM_IPV6_EXT_INVALID);
            ip->proto = next;
            return TT_DECODE_NOT_TCP;
        }
        if (next == IPP_FRAGMENT) {
            uint16_t offm;
            uint32_t ident;
            tt_cursor f = *c;
            if (!tt_rd_skip(&f, 2) || !tt_rd_u16be(&f, &offm) || !tt_rd_u32be(&f, &ident)) {
                anom(d, TT_ANOM_IPV6_EXT_TRUNCATED);
                ip->proto = next;
                return TT_DECODE_NOT_TCP;
            }
            frag_off = (uint32_t)(offm & 0xFFF8);
            more = offm & 1;
            frag_id = ident;
            ip->ip_id = (uint16_t)ident;
            is_frag = frag_off != 0 || more;
        }
        if (!tt_rd_skip(c, elen)) {
            anom(d, TT_ANOM_IPV6_EXT_TRUNCATED);
            ip->proto = next;
            return TT_DECODE_NOT_TCP;
        }
        hdr += elen;
        reported -= elen;
        next = nh;
    }
    ip->proto = next;
    ip->hdr_len = (uint16_t)(hdr > 0xFFFF ? 0xFFFF : hdr);
    uint32_t avail = (uint32_t)tt_rd_left(c);
    uint32_t captured = avail < reported ? avail : reported;
    const uint8_t *payload = c->base + c->pos;
    if (is_frag) {
        anom(d, TT_ANOM_IP_FRAGMENT);
        if (d->frag) {
            d->frag->version = 6;
            d->frag->proto = next;
            d->frag->id = frag_id;
            d->frag->offset = frag_off;
            d->frag->len = reported;
            d->frag->caplen = captured;
            d->frag->data = payload;
            d->frag->more = more;
            return TT_DECODE_FRAGMENT;
        }
        return TT_DECODE_NOT_TCP;
    }
    return dec_ip_payload(d, next, payload, captured, reported);
}

/* GRE (RFC 2784, RFC 2890; version 1 is PPTP's enhanced GRE, RFC 2637). */
static tt_decode_status dec_gre(dctx *d, tt_cursor *c)
{
    uint16_t fl, proto;
    if (!tt_rd_u16be(c, &fl) || !tt_rd_u16be(c, &proto)) {
        anom(d, TT_ANOM_TUNNEL_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    int version = fl & 7;
    size_t skip = 0;
    if (fl & 0x8000 || fl & 0x4000)
        skip += 4; /* checksum + reserved/offset */
    if (fl & 0x2000)
        skip += 4; /* key (v1: payload length + call id) */
    if (fl & 0x1000)
        skip += 4; /* sequence number */
    if (version == 1 && (fl & 0x0080))
        skip += 4; /* acknowledgment number */
    if (!tt_rd_skip(c, skip)) {
        anom(d, TT_ANOM_TUNNEL_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    if (fl & 0x4000) {
        /* Source route entries (RFC 1701), ended by a NULL entry. */
        for (int i = 0; i < 32; i++) {
            uint16_t af;
            uint8_t off, len;
            if (!tt_rd_u16be(c, &af) || !tt_rd_u8(c, &off) || !tt_rd_u8(c, &len)) {
                anom(d, TT_ANOM_TUNNEL_TRUNCATED);
                return TT_DECODE_NOT_TCP;
            }
            if (af == 0 && len == 0)
                break;
            if (!tt_rd_skip(c, len)) {
                anom(d, TT_ANOM_TUNNEL_TRUNCATED);
                return TT_DECODE_NOT_TCP;
            }
        }
    }
    if (proto == ETH_ERSPAN2) {
        /* ERSPAN type I has no sequence bit and no header; type II has an 8-byte one. */
        if ((fl & 0x1000) && !tt_rd_skip(c, 8)) {
            anom(d, TT_ANOM_TUNNEL_TRUNCATED);
            return TT_DECODE_NOT_TCP;
        }
        return dec_ethernet(d, c);
    }
    if (tt_tunnel_gre_aruba(proto))
        return dec_inner(d, c, tt_tunnel_ieee80211(c->base + c->pos, (uint32_t)tt_rd_left(c)));
    if (proto == ETH_ERSPAN3) {
        uint8_t b;
        /* 12-byte header; the O bit (last bit of byte 11) adds an 8-byte platform subheader. */
        if (!tt_peek_u8(c, 11, &b) || !tt_rd_skip(c, 12) || ((b & 1) && !tt_rd_skip(c, 8))) {
            anom(d, TT_ANOM_TUNNEL_TRUNCATED);
            return TT_DECODE_NOT_TCP;
        }
        return dec_ethernet(d, c);
    }
    return dec_ethertype(d, c, proto);
}

/* A tunnel's payload (decode_tunnel.c says where it starts and what it is). A tunnel
 * whose header is cut, or whose payload is not read here, is counted, never dropped
 * silently. */
static tt_decode_status dec_inner(dctx *d, tt_cursor *c, tt_inner in)
{
    if (in.kind == TT_INNER_NONE)
        return TT_DECODE_NOT_TCP;
    if (in.kind == TT_INNER_TRUNCATED || !tt_rd_skip(c, in.offset)) {
        anom(d, TT_ANOM_TUNNEL_TRUNCATED);
        return TT_DECODE_NOT_TCP;
    }
    if (in.kind == TT_INNER_UNDECODED) {
        anom(d, TT_ANOM_TUNNEL_UNDECODED);
        return TT_DECODE_NOT_TCP;
    }
    if (in.more)
        anom(d, TT_ANOM_TUNNEL_UNDECODED);
    if (in.trailer) {
        uint32_t left = wire_left(d, c);
        limit_layer(d, c, left > in.trailer ? left - in.trailer : 0);
    }
    if (!deeper(d))
        return TT_DECODE_NOT_TCP;
    switch (in.kind) {
    case TT_INNER_ETHERNET: return dec_ethernet(d, c);
    case TT_INNER_ETHERTYPE: return dec_ethertype(d, c, in.type);
    case TT_INNER_IP: return dec_ip(d, c);
    case TT_INNER_PPP: return dec_ppp(d, c);
    case TT_INNER_GRE: return dec_gre(d, c);
    case TT_INNER_IEEE80211:
        return dec_inner(d, c, tt_tunnel_ieee80211(c->base + c->pos, (uint32_t)tt_rd_left(c)));
    default: return TT_DECODE_NOT_TCP;
    }
}

/* UDP (RFC 768): only to reach the tunnels it carries (decode_tunnel.c). */
static tt_decode_status dec_udp(dctx *d, const uint8_t *data, uint32_t caplen)
{
    tt_cursor c;
    tt_cursor_init(&c, data, caplen);
    uint16_t sport, dport;
    if (!tt_rd_u16be(&c, &sport) || !tt_rd_u16be(&c, &dport) || !tt_rd_skip(&c, 4))
        return TT_DECODE_NOT_TCP;
    return dec_inner(d, &c, tt_tunnel_udp(sport, dport, c.base + c.pos, (uint32_t)tt_rd_left(&c)));
}

/* An experimental option (RFC 4727) with its ExID (RFC 6994); TFO before its kind was
 * assigned used ExID 0xF989 (RFC 7413 §4.1.1), read as kind 34's cookie. */
static void read_exp_option(tt_tcp_options *o, tt_cursor *v)
{
    uint16_t exid;
    if (!tt_rd_u16be(v, &exid)) {
        o->present |= TT_OPT_UNKNOWN;
        return;
    }
    if (o->n_exp < 2)
        o->exp_exid[o->n_exp] = exid;
    o->n_exp++;
    if (exid != 0xF989) {
        o->present |= TT_OPT_UNKNOWN; /* an experiment we do not model */
        return;
    }
    o->present |= TT_OPT_TFO;
    size_t n = tt_rd_left(v);
    if (n > sizeof o->tfo_cookie)
        n = sizeof o->tfo_cookie;
    o->tfo_cookie_len = (uint8_t)n;
    tt_rd_bytes(v, o->tfo_cookie, n);
}

static tt_decode_status dec_ip_payload(dctx *d, uint8_t proto, const uint8_t *data,
                                       uint32_t caplen, uint32_t reported)
{
    tt_cursor c;
    tt_cursor_init(&c, data, caplen);
    d->extra = reported > caplen ? reported - caplen : 0;
    d->pkt->ip_payload = data;
    d->pkt->ip_payload_caplen = caplen;
    switch (proto) {
    case IPP_TCP: return tt_decode_tcp(data, caplen, reported, d->pkt);
    case IPP_IPIP: return dec_ipv4(d, &c);
    case IPP_IPV6: return dec_ipv6(d, &c);
    case IPP_GRE:
        if (!deeper(d))
            return TT_DECODE_NOT_TCP;
        return dec_gre(d, &c);
    case IPP_UDP: return dec_udp(d, data, caplen);
    default: return TT_DECODE_NOT_TCP;
    }
}

/* ---------------------------------------------------------------- TCP */

void tt_decode_tcp_options(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    tt_tcp_options *o = &pkt->opts;
    tt_cursor c;
    tt_cursor_init(&c, data, len);
    uint32_t seen[8] = {0}; /* option kinds met so far, one bit each */
    while (tt_rd_left(&c) > 0) {
        uint8_t kind, olen;
        tt_rd_u8(&c, &kind);
        if (kind == TT_TCPOPT_EOL || kind == TT_TCPOPT_NOP) {
            if (o->n_kinds < TT_MAX_OPT_KINDS) {
                o->kinds[o->n_kinds] = kind;
                o->lens[o->n_kinds++] = 1;
            }
            if (kind == TT_TCPOPT_EOL) {
                o->present |= TT_OPT_EOL;
                break; /* RFC 9293 3.2: end of option list */
            }
            o->present |= TT_OPT_NOP;
            continue;
        }
        if (!tt_rd_u8(&c, &olen)) {
            pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            break;
        }
        if (olen < 2 || (uint32_t)olen - 2 > tt_rd_left(&c)) {
            pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            o->stopped_kind = kind; /* the option parsing stopped at (Wireshark names some) */
            o->stopped = 1;
            break;
        }
        if (seen[kind / 32] & (1u << (kind % 32)))
            pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_DUPLICATE);
        seen[kind / 32] |= 1u << (kind % 32);
        tt_cursor v;
        tt_cursor_init(&v, c.base + c.pos, (size_t)olen - 2);
        tt_rd_skip(&c, (size_t)olen - 2);
        if (o->n_kinds < TT_MAX_OPT_KINDS) {
            o->kinds[o->n_kinds] = kind;
            o->lens[o->n_kinds++] = olen;
        }
        switch (kind) {
        case TT_TCPOPT_MSS:
            if (olen == 4 && tt_rd_u16be(&v, &o->mss))
                o->present |= TT_OPT_MSS;
            else
                pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            break;
        case TT_TCPOPT_WSCALE:
            if (olen == 3 && tt_rd_u8(&v, &o->ws_shift))
                o->present |= TT_OPT_WSCALE;
            else
                pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            break;
        case TT_TCPOPT_SACK_PERM:
            if (olen == 2)
                o->present |= TT_OPT_SACK_PERM;
            else
                pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            break;
        case TT_TCPOPT_SACK:
            if ((olen - 2) % 8 != 0)
                pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            o->present |= TT_OPT_SACK;
            while (tt_rd_left(&v) >= 8 && o->sack_count < TT_MAX_SACK_BLOCKS) {
                tt_rd_u32be(&v, &o->sack_le[o->sack_count]);
                tt_rd_u32be(&v, &o->sack_re[o->sack_count]);
                o->sack_count++;
            }
            break;
        case TT_TCPOPT_TIMESTAMP:
            if (olen == 10 && tt_rd_u32be(&v, &o->tsval) && tt_rd_u32be(&v, &o->tsecr))
                o->present |= TT_OPT_TIMESTAMP;
            else
                pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_LEN_INVALID);
            break;
        case TT_TCPOPT_TFO: {
            o->present |= TT_OPT_TFO;
            size_t n = tt_rd_left(&v);
            if (n > sizeof o->tfo_cookie)
                n = sizeof o->tfo_cookie;
            o->tfo_cookie_len = (uint8_t)n;
            tt_rd_bytes(&v, o->tfo_cookie, n);
            break;
        }
        case TT_TCPOPT_EXP1:
        case TT_TCPOPT_EXP2:
            read_exp_option(o, &v);
            break;
        case TT_TCPOPT_MPTCP: {
            o->present |= TT_OPT_MPTCP;
            uint8_t sub;
            if (tt_peek_u8(&v, 0, &sub) && (sub >> 4) < 8)
                o->mptcp_subtypes |= (uint8_t)(1u << (sub >> 4));
            break;
        }
        case TT_TCPOPT_MD5: o->present |= TT_OPT_MD5; break;
        case TT_TCPOPT_AO: o->present |= TT_OPT_AO; break;
        default: o->present |= TT_OPT_UNKNOWN; break;
        }
    }
}

/* The option bytes as captured, for tcp.options (tshark shows the captured part of
 * options a snaplen cut): a copy (at most 40 bytes, RFC 9293 3.1), since a Segment
 * outlives the frame's buffer. */
static void keep_option_bytes(const uint8_t *data, uint32_t len, tt_packet *pkt)
{
    if (len > TT_MAX_OPT_BYTES)
        len = TT_MAX_OPT_BYTES;
    memcpy(pkt->opt_bytes, data, len);
    pkt->opts.raw_len = (uint8_t)len;
}

tt_decode_status tt_decode_tcp(const uint8_t *data, uint32_t len, uint32_t reported_len,
                               tt_packet *pkt)
{
    tt_cursor c;
    tt_cursor_init(&c, data, len);
    pkt->tcp_have = TT_TCP_HAVE_NONE;
    if (!tt_rd_u16be(&c, &pkt->sport) || !tt_rd_u16be(&c, &pkt->dport)) {
        pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_TRUNCATED);
        /* Nothing of TCP could be read: still a TCP frame if any byte is there. */
        return len > 0 ? TT_DECODE_TCP : TT_DECODE_NOT_TCP;
    }
    pkt->tcp_have = TT_TCP_HAVE_PORTS;
    if (reported_len < 20) {
        /* The IP layer leaves less than a fixed header on the wire: the header lies.
         * Wireshark shows the ports and stops (no tcp.seq, tcp.len, tcp.hdr_len). */
        pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID);
        return TT_DECODE_TCP;
    }
    if (!tt_rd_u32be(&c, &pkt->seq_raw))
        goto truncated;
    pkt->tcp_have = TT_TCP_HAVE_SEQ;
    if (!tt_rd_u32be(&c, &pkt->ack_raw))
        goto truncated;
    pkt->tcp_have = TT_TCP_HAVE_ACK;
    uint16_t off_flags;
    if (!tt_rd_u16be(&c, &off_flags) || !tt_rd_u16be(&c, &pkt->window_raw) ||
        !tt_rd_u16be(&c, &pkt->checksum) || !tt_rd_u16be(&c, &pkt->urgent_ptr))
        goto truncated;
    pkt->tcp_have = TT_TCP_HAVE_FIXED;
    pkt->hdr_len = (uint8_t)((off_flags >> 12) * 4);
    pkt->flags = off_flags & 0x0FFF;
    if (pkt->hdr_len < 20 || pkt->hdr_len > reported_len) {
        pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID);
        return TT_DECODE_TCP;
    }
    pkt->payload_len = reported_len - pkt->hdr_len;
    uint32_t optlen = pkt->hdr_len - 20u;
    if (optlen > tt_rd_left(&c)) {
        pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_OPT_TRUNCATED);
        tt_decode_tcp_options(c.base + c.pos, (uint32_t)tt_rd_left(&c), pkt);
        keep_option_bytes(c.base + c.pos, (uint32_t)tt_rd_left(&c), pkt);
        return TT_DECODE_TCP;
    }
    tt_decode_tcp_options(c.base + c.pos, optlen, pkt);
    keep_option_bytes(c.base + c.pos, optlen, pkt);
    tt_rd_skip(&c, optlen);
    pkt->tcp_have = TT_TCP_HAVE_FULL;
    uint32_t avail = (uint32_t)tt_rd_left(&c);
    pkt->payload = c.base + c.pos;
    pkt->payload_caplen = avail < pkt->payload_len ? avail : pkt->payload_len;
    if (pkt->payload_caplen < pkt->payload_len)
        pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_PAYLOAD_TRUNCATED);
    return TT_DECODE_TCP;

truncated:
    pkt->anomalies |= TT_ANOM_BIT(TT_ANOM_TCP_TRUNCATED);
    return TT_DECODE_TCP;
}

/* ---------------------------------------------------------------- entry points */

tt_decode_status tt_decode_ip_payload(uint8_t proto, const uint8_t *data, uint32_t caplen,
                                      uint32_t reported, tt_packet *pkt, tt_fragment *frag)
{
    /* Each IP layer already decoded counted towards the depth limit. */
    dctx d = {pkt, frag, pkt->n_ip, 0, NULL, 0, 0};
    return dec_ip_payload(&d, proto, data, caplen, reported);
}

int tt_decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case TT_LINKTYPE_NULL:
    case TT_LINKTYPE_ETHERNET:
    case TT_LINKTYPE_RAW_OLD:
    case TT_LINKTYPE_RAW:
    case 14: /* DLT_RAW as some BSDs write it */
    case TT_LINKTYPE_C_HDLC:
    case TT_LINKTYPE_LOOP:
    case TT_LINKTYPE_LINUX_SLL:
    case TT_LINKTYPE_PPP:
    case TT_LINKTYPE_PPP_HDLC:
    case TT_LINKTYPE_PPP_ETHER:
    case TT_LINKTYPE_IPV4:
    case TT_LINKTYPE_IPV6:
    case TT_LINKTYPE_LINUX_SLL2:
    case TT_LINKTYPE_FDDI:
    case TT_LINKTYPE_IEEE802_11:
    case TT_LINKTYPE_PPI:
    case TT_LINKTYPE_NFLOG: return 1;
    default: return 0;
    }
}

tt_decode_status tt_decode_frame(const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                 int linktype, tt_packet *pkt, tt_fragment *frag)
{
    /* Everything but the arrays from ip to tcp_have, read only below their counts (the
     * IP layers are zeroed as they are added, push_ip): 280 of the 808 bytes, every
     * packet. */
    memset(pkt, 0, offsetof(tt_packet, ip));
    memset((uint8_t *)pkt + offsetof(tt_packet, tcp_have), 0,
           sizeof *pkt - offsetof(tt_packet, tcp_have));
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = linktype;
    dctx d = {pkt, frag, 0, wirelen > caplen ? wirelen - caplen : 0, data, caplen, wirelen};
    tt_cursor c;
    tt_cursor_init(&c, data, caplen);
    switch (linktype) {
    case TT_LINKTYPE_ETHERNET: return dec_ethernet(&d, &c);
    case TT_LINKTYPE_NULL: return dec_null(&d, &c, false);
    case TT_LINKTYPE_LOOP: return dec_null(&d, &c, true);
    case TT_LINKTYPE_RAW_OLD:
    case 14:
    case TT_LINKTYPE_RAW: return dec_ip(&d, &c);
    case TT_LINKTYPE_IPV4: return dec_ipv4(&d, &c);
    case TT_LINKTYPE_IPV6: return dec_ipv6(&d, &c);
    case TT_LINKTYPE_LINUX_SLL: return dec_sll(&d, &c);
    case TT_LINKTYPE_LINUX_SLL2: return dec_sll2(&d, &c);
    case TT_LINKTYPE_C_HDLC: return dec_chdlc(&d, &c);
    case TT_LINKTYPE_PPP:
    case TT_LINKTYPE_PPP_HDLC: return dec_ppp(&d, &c);
    case TT_LINKTYPE_PPP_ETHER: return dec_pppoe(&d, &c);
    case TT_LINKTYPE_FDDI: return dec_inner(&d, &c, tt_tunnel_fddi(data, caplen));
    case TT_LINKTYPE_IEEE802_11: return dec_inner(&d, &c, tt_tunnel_ieee80211(data, caplen));
    case TT_LINKTYPE_PPI: return dec_inner(&d, &c, tt_tunnel_ppi(data, caplen));
    case TT_LINKTYPE_NFLOG: return dec_inner(&d, &c, tt_tunnel_nflog(data, caplen));
    default: anom(&d, TT_ANOM_LINK_UNSUPPORTED); return TT_DECODE_NOT_TCP;
    }
}
