#include "icmperr.h"

#include <string.h>

#include "decode.h"

/* Find the outer IP header in the frame: the decoder does not keep offsets, so
 * look for the header whose version, protocol and addresses it reported. */
static bool find_ip_header(const uint8_t *d, uint32_t caplen, const tt_ip_layer *ip, uint32_t *off)
{
    uint32_t min = ip->version == 4 ? 20 : 40;
    for (uint32_t k = 0; k + min <= caplen; k++) {
        if ((d[k] >> 4) != ip->version)
            continue;
        if (ip->version == 4) {
            if ((uint32_t)(d[k] & 0x0f) * 4 != ip->hdr_len || d[k + 9] != ip->proto ||
                memcmp(d + k + 12, ip->src, 4) != 0 || memcmp(d + k + 16, ip->dst, 4) != 0)
                continue;
        } else if (memcmp(d + k + 8, ip->src, 16) != 0 || memcmp(d + k + 24, ip->dst, 16) != 0) {
            continue;
        }
        *off = k;
        return true;
    }
    return false;
}

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
    uint32_t off;
    if (!find_ip_header(data, caplen, ip, &off))
        return false;
    uint32_t icmp = off + ip->hdr_len;
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
