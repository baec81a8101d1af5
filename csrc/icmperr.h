/* icmperr: the TCP header quoted inside an ICMP or ICMPv6 error (RFC 792, RFC 4443).
 *
 * tshark runs its TCP dissector on that quoted header: it finds or creates the
 * conversation and moves its timestamps, completeness and handshake state, without
 * a segment length and without a row of its own. The engine feeds such headers to
 * the analysis so the following segments read as tshark reads them. */
#ifndef TT_ICMPERR_H
#define TT_ICMPERR_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* When `outer` (a frame decoded without TCP) is an ICMP or ICMPv6 error quoting a TCP
 * header of at least 20 bytes, decode the quoted datagram (from outer->ip_payload)
 * into `inner` and return true. */
bool tt_icmperr_inner_tcp(const tt_packet *outer, tt_packet *inner);

#endif
