/* Anomalies found while decoding, as bits with stable dotted names.
 *
 * "truncated" means the capture cut the bytes (snaplen); "invalid" means a header
 * field lies (a length or offset that cannot be). The names are part of the public
 * surface: never renumber or rename one, only add. */
#ifndef TT_ANOMALY_H
#define TT_ANOMALY_H

#include <stdint.h>

typedef enum tt_anomaly {
    TT_ANOM_LINK_TRUNCATED = 0,      /* link.truncated */
    TT_ANOM_LINK_UNSUPPORTED,        /* link.unsupported */
    TT_ANOM_IP_TRUNCATED,            /* ip.truncated */
    TT_ANOM_IP_VERSION_INVALID,      /* ip.version.invalid */
    TT_ANOM_IP_HDR_LEN_INVALID,      /* ip.hdr_len.invalid */
    TT_ANOM_IP_TOTAL_LEN_INVALID,    /* ip.total_len.invalid */
    TT_ANOM_IPV6_PAYLOAD_LEN_INVALID,/* ipv6.payload_len.invalid */
    TT_ANOM_IPV6_EXT_TRUNCATED,      /* ipv6.ext.truncated */
    TT_ANOM_IPV6_EXT_INVALID,        /* ipv6.ext.invalid */
    TT_ANOM_IP_FRAGMENT,             /* ip.fragment: part of a fragmented datagram */
    TT_ANOM_IP_FRAG_INCOMPLETE,      /* ip.fragment.incomplete: never completed (counted per fragment at finish) */
    TT_ANOM_IP_FRAG_OVERLAP,         /* ip.fragment.overlap */
    TT_ANOM_TUNNEL_TRUNCATED,        /* tunnel.truncated */
    TT_ANOM_TUNNEL_INVALID,          /* tunnel.invalid */
    TT_ANOM_TUNNEL_TOO_DEEP,         /* tunnel.too_deep */
    TT_ANOM_TCP_TRUNCATED,           /* tcp.truncated: header cut by the snaplen */
    TT_ANOM_TCP_HDR_LEN_INVALID,     /* tcp.hdr_len.invalid: data offset < 5 or past the segment */
    TT_ANOM_TCP_OPT_TRUNCATED,       /* tcp.opt.truncated: options cut by the snaplen */
    TT_ANOM_TCP_OPT_LEN_INVALID,     /* tcp.opt.len.invalid: option length < 2 or past the header */
    TT_ANOM_TCP_OPT_DUPLICATE,       /* tcp.opt.duplicate */
    TT_ANOM_TCP_PAYLOAD_TRUNCATED,   /* tcp.payload.truncated: payload cut by the snaplen */
    TT_ANOM_IP_OPT_LEN_INVALID,      /* ip.opt.len.invalid: an IPv4 option too short for its kind */
    TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT, /* tcp.segment.overlap.conflict: resent bytes differ from the first copy */
    TT_ANOM_TCP_REASM_GAP,           /* tcp.reassembly.gap: stream bytes never seen, skipped (missed bytes) */
    TT_ANOM_TCP_REASM_DROPPED,       /* tcp.reassembly.dropped: bytes discarded because the memory cap gave up on them */
    TT_ANOM_HTTP_INVALID,            /* http.invalid: a start line or framing header that cannot be parsed */
    TT_ANOM_HTTP_HEADER_TOO_LONG,    /* http.header.too_long: header block over the configured cap */
    TT_ANOM_HTTP_ABANDONED,          /* http.abandoned: message cut by a gap or the end of the stream */
    TT_ANOM_TLS_RECORD_INVALID,      /* tls.record.invalid: record type or length impossible; framing lost */
    TT_ANOM_TLS_HANDSHAKE_INVALID,   /* tls.handshake.invalid: a handshake length that lies */
    TT_ANOM_COUNT
} tt_anomaly;

#define TT_ANOM_BIT(a) ((uint64_t)1 << (a))

/* The stable dotted name of an anomaly, or NULL if out of range. */
const char *tt_anomaly_name(int anomaly);

#endif
