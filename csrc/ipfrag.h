/* ipfrag: IPv4/IPv6 fragment reassembly, as Wireshark does it by default: the
 * datagram is decoded in the frame that completes it. Held fragments are bounded by a
 * memory cap; what the cap or an unfinished datagram drops is counted. Per fragment the
 * work is O(log n) in the datagrams pending plus its own bytes: pending datagrams are
 * found in a tree by their key and completeness is a first-hole cursor. */
#ifndef TT_IPFRAG_H
#define TT_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "packet.h"

typedef struct tt_ipfrag tt_ipfrag;

tt_ipfrag *tt_ipfrag_new(size_t mem_cap_bytes);

/* Add a fragment; pkt's innermost IP layer gives the addresses. Returns 1 when this
 * fragment completed its datagram: *data (owned by ipfrag, valid until the next call)
 * holds *caplen captured bytes of a *reported-byte payload. Returns 0 otherwise.
 * Bytes that overlap ones already held are dropped (the first copy wins) and set
 * TT_ANOM_IP_FRAG_OVERLAP in *anomalies (may be NULL). */
int tt_ipfrag_add(tt_ipfrag *f, const tt_packet *pkt, const tt_fragment *frag, uint64_t frame,
                  const uint8_t **data, uint32_t *caplen, uint32_t *reported,
                  uint64_t *anomalies);

/* Bytes of fragments held now (buffers and bitmaps), never above the cap. */
size_t tt_ipfrag_used(const tt_ipfrag *f);

/* Drop every datagram still incomplete; returns how many fragments that dropped. */
uint64_t tt_ipfrag_flush(tt_ipfrag *f);

/* Fragments dropped so far by the memory cap or as invalid. */
uint64_t tt_ipfrag_dropped(const tt_ipfrag *f);

/* Work done so far that depends on what is held rather than on the fragment's own bytes:
 * look-up tree nodes visited and bitmap bytes passed by the completeness cursor. It
 * grows O(log n) per fragment (the tests bound it), whatever the fragments' order. */
uint64_t tt_ipfrag_steps(const tt_ipfrag *f);

void tt_ipfrag_free(tt_ipfrag *f);

#endif
