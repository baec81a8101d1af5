#include "anomaly.h"

#include <stddef.h>

static const char *const tt_anomaly_names[TT_ANOM_COUNT] = {
    [TT_ANOM_LINK_TRUNCATED] = "link.truncated",
    [TT_ANOM_LINK_UNSUPPORTED] = "link.unsupported",
    [TT_ANOM_IP_TRUNCATED] = "ip.truncated",
    [TT_ANOM_IP_VERSION_INVALID] = "ip.version.invalid",
    [TT_ANOM_IP_HDR_LEN_INVALID] = "ip.hdr_len.invalid",
    [TT_ANOM_IP_TOTAL_LEN_INVALID] = "ip.total_len.invalid",
    [TT_ANOM_IPV6_PAYLOAD_LEN_INVALID] = "ipv6.payload_len.invalid",
    [TT_ANOM_IPV6_EXT_TRUNCATED] = "ipv6.ext.truncated",
    [TT_ANOM_IPV6_EXT_INVALID] = "ipv6.ext.invalid",
    [TT_ANOM_IP_FRAGMENT] = "ip.fragment",
    [TT_ANOM_IP_FRAG_INCOMPLETE] = "ip.fragment.incomplete",
    [TT_ANOM_IP_FRAG_OVERLAP] = "ip.fragment.overlap",
    [TT_ANOM_TUNNEL_TRUNCATED] = "tunnel.truncated",
    [TT_ANOM_TUNNEL_INVALID] = "tunnel.invalid",
    [TT_ANOM_TUNNEL_TOO_DEEP] = "tunnel.too_deep",
    [TT_ANOM_TCP_TRUNCATED] = "tcp.truncated",
    [TT_ANOM_TCP_HDR_LEN_INVALID] = "tcp.hdr_len.invalid",
    [TT_ANOM_TCP_OPT_TRUNCATED] = "tcp.opt.truncated",
    [TT_ANOM_TCP_OPT_LEN_INVALID] = "tcp.opt.len.invalid",
    [TT_ANOM_TCP_OPT_DUPLICATE] = "tcp.opt.duplicate",
    [TT_ANOM_TCP_PAYLOAD_TRUNCATED] = "tcp.payload.truncated",
    [TT_ANOM_IP_OPT_LEN_INVALID] = "ip.opt.len.invalid",
    [TT_ANOM_TCP_SEGMENT_OVERLAP_CONFLICT] = "tcp.segment.overlap.conflict",
    [TT_ANOM_TCP_REASM_GAP] = "tcp.reassembly.gap",
    [TT_ANOM_TCP_REASM_DROPPED] = "tcp.reassembly.dropped",
    [TT_ANOM_HTTP_INVALID] = "http.invalid",
    [TT_ANOM_HTTP_HEADER_TOO_LONG] = "http.header.too_long",
    [TT_ANOM_HTTP_ABANDONED] = "http.abandoned",
    [TT_ANOM_TLS_RECORD_INVALID] = "tls.record.invalid",
    [TT_ANOM_TLS_HANDSHAKE_INVALID] = "tls.handshake.invalid",
};

const char *tt_anomaly_name(int anomaly)
{
    if (anomaly < 0 || anomaly >= TT_ANOM_COUNT)
        return NULL;
    return tt_anomaly_names[anomaly];
}
