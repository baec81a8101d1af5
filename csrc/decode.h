/* decode: one frame's bytes into a tt_packet.
 *
 * A pure function of (bytes, caplen, wirelen, linktype): no allocation, no state, no
 * globals, so it can be unit-tested and fuzzed from byte arrays. What is wrong with a
 * frame is recorded as anomaly bits; the layers that are intact are still filled in. */
#ifndef TT_DECODE_H
#define TT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* LINKTYPE_* values (tcpdump.org/linktypes.html) the decoder understands. */
enum {
    TT_LINKTYPE_NULL = 0,
    TT_LINKTYPE_ETHERNET = 1,
    TT_LINKTYPE_RAW_OLD = 12, /* DLT_RAW on OpenBSD/old libpcap as read from files */
    TT_LINKTYPE_RAW = 101,
    TT_LINKTYPE_C_HDLC = 104,
    TT_LINKTYPE_LOOP = 108,
    TT_LINKTYPE_LINUX_SLL = 113,
    TT_LINKTYPE_PPP = 9,
    TT_LINKTYPE_PPP_HDLC = 50,
    TT_LINKTYPE_PPP_ETHER = 51,
    TT_LINKTYPE_IPV4 = 228,
    TT_LINKTYPE_IPV6 = 229,
    TT_LINKTYPE_LINUX_SLL2 = 276,
    TT_LINKTYPE_FDDI = 10,
    TT_LINKTYPE_IEEE802_11 = 105,
    TT_LINKTYPE_PPI = 192,
    TT_LINKTYPE_NFLOG = 239,
};

typedef enum tt_decode_status {
    TT_DECODE_TCP = 0,     /* pkt holds a TCP segment (possibly with a truncated header) */
    TT_DECODE_NOT_TCP = 1, /* no TCP in this frame */
    TT_DECODE_FRAGMENT = 2 /* an IP fragment: see tt_fragment; TCP may come on reassembly */
} tt_decode_status;

/* Where a non-first or not-last IP fragment sits, for the engine's reassembly. */
typedef struct tt_fragment {
    uint8_t version;          /* 4 or 6 */
    uint8_t proto;            /* upper-layer protocol of the datagram */
    uint32_t id;              /* IPv4 identification or IPv6 fragment identification */
    uint32_t offset;          /* byte offset of this fragment in the datagram payload */
    uint32_t len;             /* bytes of payload in this fragment (per the IP header) */
    uint32_t caplen;          /* of which captured */
    const uint8_t *data;      /* borrowed: the fragment's payload bytes in the frame */
    int more;                 /* more-fragments flag */
} tt_fragment;

/* Decode a frame. `pkt` is fully overwritten; frame/ts/iface are left for the caller
 * to set afterwards. `frag` may be NULL; when the frame is an IP fragment and frag is
 * non-NULL, it is filled and TT_DECODE_FRAGMENT returned. */
tt_decode_status tt_decode_frame(const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                 int linktype, tt_packet *pkt, tt_fragment *frag);

/* Decode a TCP segment from transport bytes: `len` captured of `reported_len` claimed
 * by the IP layer. Used for reassembled datagrams; the IP layers of pkt are kept. */
tt_decode_status tt_decode_tcp(const uint8_t *data, uint32_t len, uint32_t reported_len,
                               tt_packet *pkt);

/* Go on decoding a reassembled IP datagram's payload (protocol `proto`, `caplen` of
 * `reported` bytes) above the IP layers already in pkt: TCP, or a tunnel (GRE,
 * ERSPAN, IP-in-IP, VXLAN) with TCP inside, which may itself be a fragment (frag). */
tt_decode_status tt_decode_ip_payload(uint8_t proto, const uint8_t *data, uint32_t caplen,
                                      uint32_t reported, tt_packet *pkt, tt_fragment *frag);

/* Parse the TCP options area (after the fixed header) into pkt->opts. */
void tt_decode_tcp_options(const uint8_t *data, uint32_t len, tt_packet *pkt);

/* Whether the decoder knows this link type. */
int tt_decode_linktype_supported(int linktype);

#endif
