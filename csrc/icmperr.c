#include "icmperr.h"

#include <string.h>

#include "decode.h"

/* ICMP error types that quote the offending datagram. */
static bool is_error_type(int version, uint8_t type)
{
    /* unreachable, source quench, time exceeded, parameter problem; tshark leaves
     * the conversation of a redirect's quoted datagram alone (observed). */
    if (version == 4)
        return type == 3 || type == 4 || type == 11 || type == 12;
    /* ICMPv6: unreachable, packet too big, time exceeded, parameter problem */
    return type >= 1 && type <= 4;
}

bool tt_icmperr_inner_tcp(const tt_packet *outer, tt_packet *inner)
{
    const tt_ip_layer *ip = tt_packet_ip(outer);
    const uint8_t *icmp = outer->ip_payload;
    if (!ip || !icmp)
        return false;
    if (!((ip->version == 4 && ip->proto == 1) || (ip->version == 6 && ip->proto == 58)))
        return false;
    /* The 8-byte ICMP header (type, code, checksum, 4 more), then the quoted datagram. */
    if (outer->ip_payload_caplen < 8 + 1 || !is_error_type(ip->version, icmp[0]))
        return false;
    const uint8_t *q = icmp + 8;
    uint32_t qlen = outer->ip_payload_caplen - 8;
    int lt = (q[0] >> 4) == 6 ? TT_LINKTYPE_IPV6 : TT_LINKTYPE_IPV4;
    if (tt_decode_frame(q, qlen, qlen, lt, inner, NULL) != TT_DECODE_TCP)
        return false;
    return inner->tcp_have >= TT_TCP_HAVE_FIXED;
}
