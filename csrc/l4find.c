#include "l4find.h"

#include <string.h>

bool tt_l4_locate(const uint8_t *d, uint32_t caplen, const tt_packet *p, uint32_t *off)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (!ip || !d)
        return false;
    uint32_t min = ip->version == 4 ? 20 : 40;
    /* The innermost header is the last match: tunnels put the outer ones first. */
    bool found = false;
    for (uint32_t k = 0; k + min <= caplen; k++) {
        if ((d[k] >> 4) != ip->version)
            continue;
        if (ip->version == 4) {
            if ((uint32_t)(d[k] & 0x0f) * 4 != ip->hdr_len || memcmp(d + k + 12, ip->src, 4) != 0 ||
                memcmp(d + k + 16, ip->dst, 4) != 0)
                continue;
        } else if (memcmp(d + k + 8, ip->src, 16) != 0 || memcmp(d + k + 24, ip->dst, 16) != 0) {
            continue;
        }
        *off = k + ip->hdr_len;
        found = true;
    }
    return found && *off <= caplen;
}
