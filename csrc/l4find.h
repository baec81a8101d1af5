/* l4find: where the transport header of a decoded frame starts in its bytes.
 *
 * The decoder keeps the IP layers' fields, not their offsets; the few readers of
 * non-TCP transport bytes (ICMP errors, UDP announcements) find the innermost IP
 * header again by its version, protocol and addresses. */
#ifndef TT_L4FIND_H
#define TT_L4FIND_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* Offset in data of the payload of the innermost IP layer of p (the ICMP or UDP
 * header). False when it cannot be found within caplen. */
bool tt_l4_locate(const uint8_t *data, uint32_t caplen, const tt_packet *p, uint32_t *off);

#endif
