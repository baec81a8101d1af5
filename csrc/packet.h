/* tt_packet: what the decoder reads out of one frame, as a fixed-size value.
 *
 * The decoder fills it from (bytes, caplen, wirelen, linktype) and never allocates;
 * its two pointers borrow the caller's bytes. Absent things are marked by
 * bits (`tcp_have`, `opts.present`), never by magic values. */
#ifndef TT_PACKET_H
#define TT_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"

#define TT_MAX_IP_LAYERS 6   /* outer tunnels + the datagram carrying TCP */
#define TT_MAX_SACK_BLOCKS 4 /* RFC 2018: at most 4 blocks fit in 40 option bytes */
#define TT_MAX_OPT_KINDS 40  /* one kind per option byte at most */
#define TT_MAX_OPT_BYTES 40  /* RFC 9293 3.1: data offset 15 leaves 40 option bytes */
#define TT_MAX_ETH_LAYERS 4  /* Ethernet headers kept for eth.src/eth.dst (tunnels) */
#define TT_MAX_VLAN_TAGS 4   /* 802.1Q tags kept for vlan.id */

/* TCP flag bits as in the header's low 12 bits (RFC 9293, RFC 3168, RFC 3540). */
enum {
    TT_TCP_FIN = 0x001,
    TT_TCP_SYN = 0x002,
    TT_TCP_RST = 0x004,
    TT_TCP_PSH = 0x008,
    TT_TCP_ACK = 0x010,
    TT_TCP_URG = 0x020,
    TT_TCP_ECE = 0x040,
    TT_TCP_CWR = 0x080,
    TT_TCP_NS = 0x100,
    TT_TCP_RES = 0xE00, /* reserved bits, Wireshark's tcp.flags.res */
};

/* How far the TCP header could be read: each level implies the ones before. */
enum {
    TT_TCP_HAVE_NONE = 0,
    TT_TCP_HAVE_PORTS = 1,  /* source and destination port */
    TT_TCP_HAVE_SEQ = 2,    /* + sequence number */
    TT_TCP_HAVE_ACK = 3,    /* + acknowledgment number */
    TT_TCP_HAVE_FIXED = 4,  /* the whole 20-byte fixed header */
    TT_TCP_HAVE_FULL = 5,   /* fixed header and every option byte */
};

/* Bits of tt_tcp_options.present. */
enum {
    TT_OPT_MSS = 1u << 0,
    TT_OPT_WSCALE = 1u << 1,
    TT_OPT_SACK_PERM = 1u << 2,
    TT_OPT_SACK = 1u << 3,
    TT_OPT_TIMESTAMP = 1u << 4,
    TT_OPT_TFO = 1u << 5,
    TT_OPT_MPTCP = 1u << 6,
    TT_OPT_EOL = 1u << 7,
    TT_OPT_NOP = 1u << 8,
    TT_OPT_UNKNOWN = 1u << 9,
    TT_OPT_MD5 = 1u << 10,
    TT_OPT_AO = 1u << 11,
};

/* TCP option kinds (IANA "TCP Option Kind Numbers"). */
enum {
    TT_TCPOPT_EOL = 0,
    TT_TCPOPT_NOP = 1,
    TT_TCPOPT_MSS = 2,
    TT_TCPOPT_WSCALE = 3,
    TT_TCPOPT_SACK_PERM = 4,
    TT_TCPOPT_SACK = 5,
    TT_TCPOPT_TIMESTAMP = 8,
    TT_TCPOPT_MD5 = 19,
    TT_TCPOPT_AO = 29,
    TT_TCPOPT_MPTCP = 30,
    TT_TCPOPT_TFO = 34,
    TT_TCPOPT_EXP1 = 253, /* RFC 4727 experiments, with RFC 6994's 16-bit ExID */
    TT_TCPOPT_EXP2 = 254,
};

typedef struct tt_tcp_options {
    uint32_t present;   /* TT_OPT_* bits */
    uint16_t mss;       /* RFC 9293 3.2: maximum segment size */
    uint8_t ws_shift;   /* RFC 7323 2.2: shift count as sent (not capped) */
    uint8_t sack_count; /* RFC 2018: number of blocks in sack_le/sack_re */
    uint32_t tsval, tsecr;                 /* RFC 7323 3 */
    uint32_t sack_le[TT_MAX_SACK_BLOCKS];  /* raw left edges */
    uint32_t sack_re[TT_MAX_SACK_BLOCKS];  /* raw right edges */
    uint8_t tfo_cookie_len;                /* RFC 7413: 0 = cookie request */
    uint8_t tfo_cookie[16];
    uint8_t n_exp;                         /* experimental options (253, 254) seen... */
    uint16_t exp_exid[2];                  /*   and the ExIDs of the first two (RFC 6994);
                                              0xF989 is TFO's (RFC 7413 §4.1.1) */
    uint8_t stopped;                       /* parsing stopped at an option whose length lies */
    uint8_t stopped_kind;                  /*   and this was its kind */
    uint8_t n_kinds;                       /* options in wire order, for the Info line */
    uint8_t kinds[TT_MAX_OPT_KINDS];
    uint8_t lens[TT_MAX_OPT_KINDS];        /* length byte of each (1 for EOL/NOP) */
    uint8_t mptcp_subtypes;                /* RFC 8684 3: bit s for each MPTCP option of
                                            * subtype s < 8 (the high nibble of its third
                                            * byte), for the analysis' MPTCP signalling */
    uint8_t raw_len;                       /* option bytes captured (tcp.options), in
                                            * tt_packet.opt_bytes */
} tt_tcp_options;

/* The link layers' facts the fields show (eth.src/dst, vlan.id): the first Ethernet
 * headers and 802.1Q tags met, outermost first (tt_packet.n_eth, n_vlan say how many;
 * a fifth of either, deep in tunnels, is not kept). */
typedef struct tt_link_info {
    uint8_t eth[TT_MAX_ETH_LAYERS][12];    /* destination then source address */
    uint16_t vlan_tci[TT_MAX_VLAN_TAGS];   /* tag control information (id: low 12 bits) */
} tt_link_info;

typedef struct tt_ip_layer {
    uint8_t version;      /* 4 or 6 */
    uint8_t proto;        /* upper-layer protocol (after IPv6 extension headers) */
    uint8_t ttl;          /* TTL / hop limit */
    uint8_t tos;          /* DSCP+ECN / traffic class */
    uint8_t src[16];      /* IPv4 in the first 4 bytes */
    uint8_t dst[16];
    uint16_t hdr_len;     /* IPv4 IHL*4; IPv6 40 + extension headers */
    uint16_t ip_id;       /* IPv4 identification (0 for IPv6 unless fragmented) */
    uint32_t total_len;   /* datagram length claimed by the header (v6: 40 + payload length) */
    uint32_t total_len_hdr; /* the same as the header says it, before the TSO fix-up of a
                             * zero (v4: the total length field; v6: 40 + payload length) */
    uint32_t frame_wire_from_hdr; /* wire bytes of the frame from this header on, whatever
                                   * the layers below say (0: not in the frame's bytes) */
    uint32_t frame_cap_from_hdr;  /* captured bytes of the frame from this header on (Zeek
                                   * trusts the IP length over a PPPoE length) */
    bool hdr_cksum_bad;   /* IPv4: the header checksum does not verify (RFC 791); false
                           * for IPv6 and for a header not wholly captured */
    uint32_t flow_label;  /* IPv6 */
    uint16_t checksum;    /* IPv4 header checksum as sent (ip.checksum) */
    uint16_t frag_field;  /* IPv4 flags and fragment offset word (ip.flags.df: 0x4000) */
    uint8_t nxt;          /* IPv6: next header of the fixed header (ipv6.nxt) */
    bool reassembled;     /* payload came from IP fragment reassembly */
} tt_ip_layer;

typedef struct tt_packet {
    uint64_t frame;      /* 1-based number of the record in the capture */
    int64_t ts_ns;       /* nanoseconds since the Unix epoch */
    int64_t ts_sec;      /* the time stamp exactly as read: ts_sec seconds + ts_nsec */
    int32_t ts_nsec;     /*   nanoseconds (ts_ns wraps where this does not) */
    uint32_t caplen;     /* bytes captured */
    uint32_t wirelen;    /* bytes on the wire */
    int32_t linktype;    /* LINKTYPE_* of the interface */
    uint32_t iface;      /* interface index (pcapng), 0 for pcap */
    uint64_t anomalies;  /* TT_ANOM_* bits (anomaly.h) */

    uint8_t n_ip;                      /* IP layers, outermost first */
    uint8_t n_eth, n_vlan;             /* entries of link.eth, link.vlan_tci */
    /* Arrays read only below their counts, so the decoder does not zero them for each
     * packet (tt_decode_frame): from ip to tcp_have. */
    tt_ip_layer ip[TT_MAX_IP_LAYERS];  /* ip[n_ip-1] carries the TCP segment */
    tt_link_info link;                 /* Ethernet addresses and VLAN tags */
    uint8_t opt_bytes[TT_MAX_OPT_BYTES]; /* the TCP option bytes (opts.raw_len): a copy,
                                          * since a Segment outlives the frame */

    uint8_t tcp_have;    /* TT_TCP_HAVE_*: how much of the TCP header was captured */
    uint16_t sport, dport;
    uint32_t seq_raw, ack_raw;
    uint8_t hdr_len;     /* data offset * 4, as the header claims */
    uint16_t flags;      /* low 12 bits of the flags field */
    uint16_t window_raw; /* tcp.window_size_value */
    uint16_t checksum;
    uint16_t urgent_ptr;
    uint32_t payload_len;    /* tcp.len: from the IP lengths, what was on the wire */
    uint32_t payload_caplen; /* bytes of that payload actually captured */
    const uint8_t *payload;  /* borrowed: frame bytes or the engine's defragmentation buffer */
    tt_tcp_options opts;

    /* The payload of the innermost IP layer (ip[n_ip-1]): for a frame without TCP, the
     * ICMP or UDP header and what follows, read by the ICMP error and UDP announcement
     * readers (icmperr.c, expect.c). Borrowed like payload; ip_payload_caplen bytes
     * captured, up to the IP length (no link-layer padding). NULL when that layer's
     * payload was not reached: a cut or invalid header, a fragment not reassembled. */
    const uint8_t *ip_payload;
    uint32_t ip_payload_caplen;
} tt_packet;

static inline const tt_ip_layer *tt_packet_ip(const tt_packet *p)
{
    return p->n_ip ? &p->ip[p->n_ip - 1] : 0;
}

#endif
