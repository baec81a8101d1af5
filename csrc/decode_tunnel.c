/* decode_tunnel: the headers of tunnels and tags, each to where its payload starts.
 *
 * Which tunnel a UDP datagram is follows Wireshark 4.0's UDP dissector with default
 * preferences: the registered port, the lower of the two ports first
 * (packet-udp.c, decode_udp_ports). */
#include "decode_tunnel.h"

#include <stddef.h>

#include "cursor.h"

static tt_inner inner(tt_inner_kind kind, size_t offset, uint16_t type)
{
    tt_inner r = {kind, (uint32_t)offset, type, 0, 0};
    return r;
}

static const tt_inner NONE = {TT_INNER_NONE, 0, 0, 0, 0};

/* ---------------------------------------------------------------- ethertypes */

tt_inner tt_tunnel_ethertype(uint16_t type, const uint8_t *p, uint32_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    uint16_t next;
    switch (type) {
    case TT_ETH_PBB_ITAG:
        /* IEEE 802.1ah I-TAG: 4 bytes (priority, DEI, UCA, I-SID), the customer's
         * addresses, an ethertype. packet-ieee8021ah.c reads the addresses itself
         * (ieee8021ah.c_daddr, not a second eth layer). */
        if (!tt_rd_skip(&c, 16) || !tt_rd_u16be(&c, &next))
            return inner(TT_INNER_TRUNCATED, 0, 0);
        return inner(TT_INNER_ETHERTYPE, 18, next);
    case TT_ETH_FABRICPATH:
        /* Cisco FabricPath: the outer addresses were the Ethernet header's; after the
         * ethertype, a 2-byte FTAG/TTL, then the classical Ethernet frame; the last 4
         * bytes are FabricPath's FCS, not the inner frame's (packet-cfp.c). */
        if (!tt_rd_has(&c, 2))
            return inner(TT_INNER_TRUNCATED, 0, 0);
        tt_inner r = inner(TT_INNER_ETHERNET, 2, 0);
        r.trailer = 4;
        return r;
    case TT_ETH_VNTAG:
        /* VN-Tag: 4 bytes (direction, pointer, destination and source VIFs), then an
         * ethertype (packet-vntag.c). */
        if (!tt_rd_skip(&c, 4) || !tt_rd_u16be(&c, &next))
            return inner(TT_INNER_TRUNCATED, 0, 0);
        return inner(TT_INNER_ETHERTYPE, 6, next);
    default: return NONE;
    }
}

/* ---------------------------------------------------------------- UDP tunnels */

/* Geneve (RFC 8926 §3.4): version 0, options length in 4-byte words, the payload's
 * ethertype (0x6558 for Ethernet), VNI; options follow the 8 fixed bytes. */
static tt_inner geneve(tt_cursor *c)
{
    uint8_t vo;
    uint16_t proto;
    if (!tt_rd_u8(c, &vo) || !tt_rd_skip(c, 1) || !tt_rd_u16be(c, &proto) || !tt_rd_skip(c, 4))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if (vo >> 6 != 0)
        return inner(TT_INNER_UNDECODED, 0, 0); /* an unknown version: Wireshark stops */
    if (!tt_rd_skip(c, (size_t)(vo & 0x3F) * 4))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    return inner(TT_INNER_ETHERTYPE, c->pos, proto);
}

/* GTP-U version 1 (3GPP TS 29.281 §5): flags, message type, length, TEID; the E, S or
 * PN flag adds sequence number, N-PDU number and next-extension type; each extension
 * header is its length in 4-byte words, content, and the next type. Only a G-PDU
 * (type 255) carries a packet: IPv4 or IPv6 by its version nibble (packet-gtp.c). */
static tt_inner gtpu(tt_cursor *c)
{
    uint8_t flags, msg_type;
    if (!tt_rd_u8(c, &flags) || !tt_rd_u8(c, &msg_type) || !tt_rd_skip(c, 6))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if (flags >> 5 != 1 || !(flags & 0x10))
        return inner(TT_INNER_UNDECODED, 0, 0); /* GTP' or version 0/2 */
    if (msg_type != 0xFF)
        return NONE; /* an echo, error indication or end marker: no packet */
    if (flags & 0x07) {
        uint8_t next;
        if (!tt_rd_skip(c, 3) || !tt_rd_u8(c, &next))
            return inner(TT_INNER_TRUNCATED, 0, 0);
        for (int i = 0; next != 0 && i < 64; i++) {
            uint8_t words;
            if (!tt_rd_u8(c, &words) || words == 0 || !tt_rd_skip(c, (size_t)words * 4 - 2) ||
                !tt_rd_u8(c, &next))
                return inner(TT_INNER_TRUNCATED, 0, 0);
        }
    }
    return inner(TT_INNER_IP, c->pos, 0);
}

/* Teredo (RFC 4380 §5.1.1): an IPv6 packet, maybe after an authentication indicator
 * (0x0001, client id and auth lengths, nonce, confirmation) and an origin indication
 * (0x0000, 6 bytes of port and address), as packet-teredo.c reads them. */
static tt_inner teredo(tt_cursor *c)
{
    uint16_t ind;
    if (tt_peek_u16be(c, 0, &ind) && ind == 0x0001) {
        uint8_t id_len, au_len;
        if (!tt_rd_skip(c, 2) || !tt_rd_u8(c, &id_len) || !tt_rd_u8(c, &au_len) ||
            !tt_rd_skip(c, (size_t)id_len + au_len + 9))
            return inner(TT_INNER_TRUNCATED, 0, 0);
    }
    if (tt_peek_u16be(c, 0, &ind) && ind == 0x0000 && !tt_rd_skip(c, 8))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    uint8_t v;
    if (!tt_peek_u8(c, 0, &v))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    return v >> 4 == 6 ? inner(TT_INNER_IP, c->pos, 0) : inner(TT_INNER_UNDECODED, 0, 0);
}

/* AYIYA (draft-massar-v6ops-ayiya §5): identity length (as a power of two) and type,
 * signature length in 4-byte words and hash method, authentication method and opcode,
 * next header, 4-byte epoch; identity and signature follow. Opcode 1 (forward)
 * carries the packet of that IP protocol (packet-ayiya.c). */
static tt_inner ayiya(tt_cursor *c)
{
    uint8_t id, sig, op, next;
    if (!tt_rd_u8(c, &id) || !tt_rd_u8(c, &sig) || !tt_rd_u8(c, &op) || !tt_rd_u8(c, &next) ||
        !tt_rd_skip(c, 4) || !tt_rd_skip(c, ((size_t)1 << (id >> 4)) + (size_t)(sig >> 4) * 4))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if ((op & 0x0F) != 1)
        return NONE; /* a heartbeat, query or response: no packet */
    if (next != 4 && next != 41)
        return inner(TT_INNER_UNDECODED, 0, 0);
    return inner(TT_INNER_IP, c->pos, 0);
}

/* L2TPv2 (RFC 2661 §3.1): flags and version; length (L), tunnel and session ids,
 * Ns/Nr (S), offset size and padding (O). A data message carries PPP; control
 * messages (T) carry none. Version 3 over UDP (RFC 3931 §4.1.2.1) is not read. */
static tt_inner l2tp(tt_cursor *c)
{
    uint16_t fl, off;
    if (!tt_rd_u16be(c, &fl))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if ((fl & 0x000F) != 2)
        return inner(TT_INNER_UNDECODED, 0, 0);
    if (fl & 0x8000)
        return NONE; /* a control message */
    size_t skip = 4 + ((fl & 0x4000) ? 2 : 0) + ((fl & 0x0800) ? 4 : 0);
    if (!tt_rd_skip(c, skip))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if ((fl & 0x0200) && (!tt_rd_u16be(c, &off) || !tt_rd_skip(c, off)))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    return inner(TT_INNER_PPP, c->pos, 0);
}

/* VXLAN (RFC 7348 §5): 8 bytes, the I flag set, then Ethernet. */
static tt_inner vxlan(tt_cursor *c)
{
    uint8_t flags;
    if (!tt_peek_u8(c, 0, &flags) || !tt_rd_skip(c, 8))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    return (flags & 0x08) ? inner(TT_INNER_ETHERNET, 8, 0) : inner(TT_INNER_UNDECODED, 0, 0);
}

static tt_inner udp_port(uint16_t port, const uint8_t *p, uint32_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    switch (port) {
    case TT_UDP_VXLAN: return vxlan(&c);
    case TT_UDP_GENEVE: return geneve(&c);
    case TT_UDP_GTPU: return gtpu(&c);
    case TT_UDP_TEREDO: return teredo(&c);
    case TT_UDP_AYIYA: return ayiya(&c);
    case TT_UDP_L2TP: return l2tp(&c);
    case TT_UDP_GRE: return inner(TT_INNER_GRE, 0, 0); /* RFC 8086 §3: GRE, no more */
    default: return NONE;
    }
}

static int known_port(uint16_t port)
{
    switch (port) {
    case TT_UDP_VXLAN:
    case TT_UDP_GENEVE:
    case TT_UDP_GTPU:
    case TT_UDP_TEREDO:
    case TT_UDP_AYIYA:
    case TT_UDP_L2TP:
    case TT_UDP_GRE: return 1;
    default: return 0;
    }
}

tt_inner tt_tunnel_udp(uint16_t sport, uint16_t dport, const uint8_t *p, uint32_t len)
{
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    if (known_port(lo))
        return udp_port(lo, p, len);
    if (known_port(hi))
        return udp_port(hi, p, len);
    return NONE;
}

/* ---------------------------------------------------------------- 802.11, FDDI */

int tt_tunnel_gre_aruba(uint16_t proto)
{
    /* packet-gre.h: GRE_ARUBA_8200 .. GRE_ARUBA_8370, every 0x10. */
    return proto >= 0x8200 && proto <= 0x8370 && (proto & 0x000F) == 0;
}

/* LLC (IEEE 802.2) with SNAP (RFC 1042): AA AA 03, an OUI, the ethertype. */
static tt_inner llc_snap(tt_cursor *c)
{
    uint8_t dsap, ssap, ctl;
    uint16_t type;
    if (!tt_rd_u8(c, &dsap) || !tt_rd_u8(c, &ssap) || !tt_rd_u8(c, &ctl))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if (dsap != 0xAA || ssap != 0xAA || ctl != 0x03)
        return inner(TT_INNER_UNDECODED, 0, 0);
    if (!tt_rd_skip(c, 3) || !tt_rd_u16be(c, &type))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    return inner(TT_INNER_ETHERTYPE, c->pos, type);
}

tt_inner tt_tunnel_ieee80211(const uint8_t *p, uint32_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    uint8_t fc0, fc1;
    if (!tt_rd_u8(&c, &fc0) || !tt_rd_u8(&c, &fc1))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    /* IEEE 802.11-2016 §9.2.4.1: type 2 is data; subtypes with bit 2 set (null
     * function) carry nothing; bit 3 is QoS (a 2-byte QoS control); To DS and From DS
     * both set add a fourth address; the Order bit on a QoS frame adds an HT control. */
    unsigned type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
    if (type != 2 || (subtype & 0x4))
        return NONE;
    if (fc1 & 0x40)
        return inner(TT_INNER_UNDECODED, 0, 0); /* Protected: encrypted payload */
    int qos = (subtype & 0x8) != 0;
    size_t qos_at = 24 + ((fc1 & 3) == 3 ? 6 : 0);
    size_t hdr = qos_at + (qos ? 2 : 0) + (qos && (fc1 & 0x80) ? 4 : 0);
    if (!tt_rd_skip(&c, hdr - 2))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    /* QoS control bit 7: an A-MSDU. */
    if (!qos || !(p[qos_at] & 0x80))
        return llc_snap(&c);
    /* A-MSDU (§9.3.2.2.2): subframes of destination, source, length, the LLC payload,
     * padded to 4 bytes. The first is read; more after it are counted, not read (a
     * frame here carries one TCP segment). */
    uint16_t sub_len;
    if (!tt_rd_skip(&c, 12) || !tt_rd_u16be(&c, &sub_len))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    tt_inner r = llc_snap(&c);
    r.more = (size_t)hdr + 14 + sub_len < len;
    return r;
}

tt_inner tt_tunnel_fddi(const uint8_t *p, uint32_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    uint8_t fc;
    /* ANSI X3.139 frame control, destination, source (packet-fddi.c): an LLC frame
     * (FC 0x50-0x57) carries 802.2 LLC. */
    if (!tt_rd_u8(&c, &fc) || !tt_rd_skip(&c, 12))
        return inner(TT_INNER_TRUNCATED, 0, 0);
    if ((fc & 0x78) != 0x50) /* async 0x50-0x57, sync 0xD0-0xD7 */
        return NONE;
    return llc_snap(&c);
}

tt_inner tt_tunnel_ppi(const uint8_t *p, uint32_t len)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    uint16_t hdr_len;
    uint32_t dlt;
    /* Per-Packet Information header (PPI specification 1.0.10, packet-ppi.c): version,
     * flags, little-endian header length and the DLT of what follows it. */
    if (!tt_rd_skip(&c, 2) || !tt_rd_u16le(&c, &hdr_len) || !tt_rd_u32le(&c, &dlt) ||
        hdr_len < 8 || hdr_len > len)
        return inner(TT_INNER_TRUNCATED, 0, 0);
    switch (dlt) {
    case 1: return inner(TT_INNER_ETHERNET, hdr_len, 0);
    case 105: return inner(TT_INNER_IEEE80211, hdr_len, 0);
    default: return inner(TT_INNER_UNDECODED, 0, 0);
    }
}

/* One NFLOG TLV length or type: host byte order on the machine that wrote the capture
 * (libpcap's pcap/nflog.h); read little-endian unless that cannot be a TLV here. */
static uint16_t nflog_u16(const uint8_t *p, int big)
{
    return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

tt_inner tt_tunnel_nflog(const uint8_t *p, uint32_t len)
{
    /* Linux NFLOG (LINKTYPE_NFLOG, packet-nflog.c): family, version, resource id, then
     * TLVs of (length, type) each padded to 4 bytes; type 9 (NFULA_PAYLOAD) is the IP
     * packet. */
    if (len < 4)
        return inner(TT_INNER_TRUNCATED, 0, 0);
    uint32_t off = 4;
    int big = -1;
    while (off + 4 <= len) {
        if (big < 0) {
            uint16_t le = nflog_u16(p + off, 0);
            big = (le < 4 || le > len - off) ? 1 : 0;
        }
        uint16_t tlv_len = nflog_u16(p + off, big), type = nflog_u16(p + off + 2, big) & 0x7FFF;
        if (tlv_len < 4 || tlv_len > len - off)
            return inner(TT_INNER_TRUNCATED, 0, 0);
        if (type == 9)
            return inner(TT_INNER_IP, off + 4, 0);
        off += (uint32_t)(tlv_len + 3u) & ~3u;
    }
    return NONE; /* no payload attribute: nothing was logged */
}
