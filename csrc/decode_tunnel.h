/* decode_tunnel: where the payload of a tunnel or tagging header starts, and what it is.
 *
 * Pure functions over a header's bytes (no packet, no state): decode.c calls them at
 * its dispatch points (an ethertype, a UDP port pair, a link type) and goes on with
 * the layer they name. Each cites the dissector and the specification it follows. */
#ifndef TT_DECODE_TUNNEL_H
#define TT_DECODE_TUNNEL_H

#include <stdint.h>

typedef enum tt_inner_kind {
    TT_INNER_NONE = 0,   /* not this tunnel (or a message that carries no packet) */
    TT_INNER_ETHERNET,   /* an Ethernet frame starts at offset */
    TT_INNER_ETHERTYPE,  /* a payload of ethertype `type` starts at offset */
    TT_INNER_IP,         /* an IPv4 or IPv6 packet (by its version nibble) */
    TT_INNER_PPP,        /* PPP (RFC 1661), maybe with HDLC address/control */
    TT_INNER_GRE,        /* a GRE header (RFC 8086's GRE-in-UDP) */
    TT_INNER_IEEE80211,  /* an 802.11 MAC frame (Aruba's GRE) */
    TT_INNER_TRUNCATED,  /* this tunnel, but its header is cut by the capture */
    TT_INNER_UNDECODED,  /* this tunnel, carrying what the decoder does not read */
} tt_inner_kind;

typedef struct tt_inner {
    tt_inner_kind kind;
    uint32_t offset; /* bytes of tunnel header before the payload */
    uint16_t type;   /* TT_INNER_ETHERTYPE: the payload's ethertype */
    uint8_t trailer; /* bytes at the frame's end that are not the payload's (an FCS) */
    uint8_t more;    /* more payloads follow the one at offset (A-MSDU): not read */
} tt_inner;

/* Ethertypes whose header is followed by another Ethernet header or ethertype. */
enum {
    TT_ETH_PBB_ITAG = 0x88E7,   /* IEEE 802.1ah backbone service instance tag */
    TT_ETH_FABRICPATH = 0x8903, /* Cisco FabricPath */
    TT_ETH_VNTAG = 0x8926,      /* Cisco VN-Tag (IEEE 802.1Qbh draft) */
};

/* UDP ports of the tunnels tt_tunnel_udp knows. */
enum {
    TT_UDP_L2TP = 1701,
    TT_UDP_GTPU = 2152,
    TT_UDP_TEREDO = 3544,
    TT_UDP_GRE = 4754,
    TT_UDP_VXLAN = 4789,
    TT_UDP_AYIYA = 5072,
    TT_UDP_GENEVE = 6081,
};

/* The header after ethertype `type` (p: its bytes, len captured). NONE when `type` is
 * not one of TT_ETH_*. */
tt_inner tt_tunnel_ethertype(uint16_t type, const uint8_t *p, uint32_t len);

/* A UDP payload between these ports: the tunnel Wireshark's UDP dissector would hand
 * it to (the lower port is tried first, as decode_udp_ports does), or NONE. */
tt_inner tt_tunnel_udp(uint16_t sport, uint16_t dport, const uint8_t *p, uint32_t len);

/* A GRE protocol type that Aruba's access points use for 802.11 frames, or not. */
int tt_tunnel_gre_aruba(uint16_t proto);

/* An 802.11 MAC frame: a data frame's LLC/SNAP payload as an ethertype, UNDECODED for
 * a protected (encrypted) or non-data frame, TRUNCATED when cut. */
tt_inner tt_tunnel_ieee80211(const uint8_t *p, uint32_t len);

/* An FDDI frame (LINKTYPE_FDDI): frame control, addresses, then LLC/SNAP. */
tt_inner tt_tunnel_fddi(const uint8_t *p, uint32_t len);

/* A PPI header (LINKTYPE_PPI): Ethernet or 802.11 after it. */
tt_inner tt_tunnel_ppi(const uint8_t *p, uint32_t len);

/* A Linux NFLOG record (LINKTYPE_NFLOG): its payload attribute, an IP packet. */
tt_inner tt_tunnel_nflog(const uint8_t *p, uint32_t len);

#endif
