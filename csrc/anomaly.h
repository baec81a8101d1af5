/* Anomalies found while decoding, as bits with stable dotted names.
 *
 * "truncated" means the capture cut the bytes (snaplen); "invalid" means a header
 * field lies (a length or offset that cannot be). The names are part of the public
 * surface: never renumber or rename one, only add. */
#ifndef TT_ANOMALY_H
#define TT_ANOMALY_H

#include <stdint.h>

/* Every anomaly: one row each, the only place one is listed. The enum, the names and
 * the engine's truncated/invalid frame counters (engine.c) are generated from it.
 *
 *   X(ENUM, dotted name, class)
 *
 * class: TRUNCATED counts the frame as cut by the capture, INVALID as lying about its
 * own headers, OTHER neither (a fact, or a stream-layer finding). */
#define TT_ANOMALIES(X)                                                                                                  \
    X(LINK_TRUNCATED, "link.truncated", TRUNCATED)                                                                       \
    X(LINK_UNSUPPORTED, "link.unsupported", OTHER)                                                                       \
    X(IP_TRUNCATED, "ip.truncated", TRUNCATED)                                                                           \
    X(IP_VERSION_INVALID, "ip.version.invalid", INVALID)                                                                 \
    X(IP_HDR_LEN_INVALID, "ip.hdr_len.invalid", INVALID)                                                                 \
    X(IP_TOTAL_LEN_INVALID, "ip.total_len.invalid", INVALID)                                                             \
    X(IPV6_PAYLOAD_LEN_INVALID, "ipv6.payload_len.invalid", INVALID)                                                     \
    X(IPV6_EXT_TRUNCATED, "ipv6.ext.truncated", TRUNCATED)                                                               \
    X(IPV6_EXT_INVALID, "ipv6.ext.invalid", INVALID)                                                                     \
    X(IP_FRAGMENT, "ip.fragment", OTHER) /* part of a fragmented datagram */                                             \
    X(IP_FRAG_INCOMPLETE, "ip.fragment.incomplete", OTHER) /* never completed (counted per fragment at finish) */        \
    X(IP_FRAG_OVERLAP, "ip.fragment.overlap", OTHER)                                                                     \
    X(TUNNEL_TRUNCATED, "tunnel.truncated", TRUNCATED)                                                                   \
    X(TUNNEL_INVALID, "tunnel.invalid", INVALID)                                                                         \
    X(TUNNEL_TOO_DEEP, "tunnel.too_deep", OTHER)                                                                         \
    X(TCP_TRUNCATED, "tcp.truncated", TRUNCATED) /* header cut by the snaplen */                                         \
    X(TCP_HDR_LEN_INVALID, "tcp.hdr_len.invalid", INVALID) /* data offset < 5 or past the segment */                     \
    X(TCP_OPT_TRUNCATED, "tcp.opt.truncated", TRUNCATED) /* options cut by the snaplen */                                \
    X(TCP_OPT_LEN_INVALID, "tcp.opt.len.invalid", INVALID) /* option length < 2 or past the header */                    \
    X(TCP_OPT_DUPLICATE, "tcp.opt.duplicate", OTHER)                                                                     \
    X(TCP_PAYLOAD_TRUNCATED, "tcp.payload.truncated", TRUNCATED) /* payload cut by the snaplen */                        \
    X(IP_OPT_LEN_INVALID, "ip.opt.len.invalid", INVALID) /* an IPv4 option too short for its kind */                     \
    X(TCP_SEGMENT_OVERLAP_CONFLICT, "tcp.segment.overlap.conflict", OTHER) /* resent bytes differ from the first copy */ \
    X(TCP_REASM_GAP, "tcp.reassembly.gap", OTHER) /* stream bytes never seen, skipped (missed bytes) */                  \
    X(TCP_REASM_DROPPED, "tcp.reassembly.dropped", OTHER) /* bytes discarded because the memory cap gave up on them */   \
    X(HTTP_INVALID, "http.invalid", OTHER) /* a start line or framing header that cannot be parsed */                    \
    X(HTTP_HEADER_TOO_LONG, "http.header.too_long", OTHER) /* header block over the configured cap */                    \
    X(HTTP_ABANDONED, "http.abandoned", OTHER) /* message cut by a gap or the end of the stream */                       \
    X(TLS_RECORD_INVALID, "tls.record.invalid", OTHER) /* record type or length impossible; framing lost */              \
    X(TLS_HANDSHAKE_INVALID, "tls.handshake.invalid", OTHER) /* a handshake length that lies */                         \
    X(DNS_INVALID, "dns.invalid", OTHER) /* a DNS message shorter than its header, or a name or record overruns */       \
    X(DNS_ABANDONED, "dns.abandoned", OTHER) /* a DNS message cut by the end of the stream */                           \
    X(TUNNEL_UNDECODED, "tunnel.undecoded", OTHER) /* a tunnel whose payload is not read (encrypted 802.11, GTP') */

typedef enum tt_anomaly_class {
    TT_ANOM_CLASS_OTHER = 0,
    TT_ANOM_CLASS_TRUNCATED,
    TT_ANOM_CLASS_INVALID,
} tt_anomaly_class;

typedef enum tt_anomaly {
#define TT_ANOM_ENUM_ROW(e, name, cls) TT_ANOM_##e,
    TT_ANOMALIES(TT_ANOM_ENUM_ROW)
#undef TT_ANOM_ENUM_ROW
    TT_ANOM_COUNT
} tt_anomaly;

#define TT_ANOM_BIT(a) ((uint64_t)1 << (a))

/* The anomalies of the TRUNCATED and of the INVALID class, as masks of TT_ANOM_BIT()s
 * (constant expressions). */
#define TT_ANOM_IF_TRUNCATED_(e, name, cls) \
    | (TT_ANOM_CLASS_##cls == TT_ANOM_CLASS_TRUNCATED ? TT_ANOM_BIT(TT_ANOM_##e) : 0)
#define TT_ANOM_IF_INVALID_(e, name, cls) \
    | (TT_ANOM_CLASS_##cls == TT_ANOM_CLASS_INVALID ? TT_ANOM_BIT(TT_ANOM_##e) : 0)
#define TT_ANOM_TRUNCATED_MASK ((uint64_t)0 TT_ANOMALIES(TT_ANOM_IF_TRUNCATED_))
#define TT_ANOM_INVALID_MASK ((uint64_t)0 TT_ANOMALIES(TT_ANOM_IF_INVALID_))

/* The stable dotted name of an anomaly, or NULL if out of range. */
const char *tt_anomaly_name(int anomaly);
/* Its class (TT_ANOM_CLASS_OTHER out of range). */
tt_anomaly_class tt_anomaly_class_of(int anomaly);

#endif
