#include "icmperr.h"

#include <string.h>

#include "decode.h"
#include "l4find.h"

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

bool tt_icmperr_inner_tcp(const uint8_t *data, uint32_t caplen, const tt_packet *outer, tt_packet *inner)
{
    const tt_ip_layer *ip = tt_packet_ip(outer);
    if (!ip || !data)
        return false;
    if (!((ip->version == 4 && ip->proto == 1) || (ip->version == 6 && ip->proto == 58)))
        return false;
    uint32_t icmp;
    if (!tt_l4_locate(data, caplen, outer, &icmp))
        return false;
    if (icmp + 8 > caplen || !is_error_type(ip->version, data[icmp]))
        return false;
    uint32_t q = icmp + 8, qlen = caplen - q;
    if (qlen < 1)
        return false;
    int lt = (data[q] >> 4) == 6 ? TT_LINKTYPE_IPV6 : TT_LINKTYPE_IPV4;
    if (tt_decode_frame(data + q, qlen, qlen, lt, inner, NULL) != TT_DECODE_TCP)
        return false;
    return inner->tcp_have >= TT_TCP_HAVE_FIXED;
}
