/* Wrap-safe comparisons of 32-bit TCP sequence numbers (RFC 9293 3.4: sequence
 * space is modular, compared within half the space). Wireshark's LT_SEQ/GT_SEQ
 * in packet-tcp.h mean the same thing. */
#ifndef TT_SEQ_H
#define TT_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a - b as a signed distance in sequence space. */
static inline int32_t tt_seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static inline bool tt_seq_lt(uint32_t a, uint32_t b) { return tt_seq_diff(a, b) < 0; }
static inline bool tt_seq_le(uint32_t a, uint32_t b) { return tt_seq_diff(a, b) <= 0; }
static inline bool tt_seq_gt(uint32_t a, uint32_t b) { return tt_seq_diff(a, b) > 0; }
static inline bool tt_seq_ge(uint32_t a, uint32_t b) { return tt_seq_diff(a, b) >= 0; }

#endif
