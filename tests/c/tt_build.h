/* Building frames and files from bytes for the C tests: a fixed buffer with
 * big/little-endian appenders and helpers for the common headers. */
#ifndef TT_BUILD_H
#define TT_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct tt_buf {
    uint8_t b[8192];
    size_t n;
} tt_buf;

static inline void b_bytes(tt_buf *p, const void *d, size_t n)
{
    if (p->n + n > sizeof p->b)
        return; /* tests never get here; keep the writer in bounds */
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
static inline void b_u8(tt_buf *p, uint8_t v) { b_bytes(p, &v, 1); }
static inline void b_u16(tt_buf *p, uint16_t v) { uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v}; b_bytes(p, x, 2); }
static inline void b_u32(tt_buf *p, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    b_bytes(p, x, 4);
}
static inline void b_u16le(tt_buf *p, uint16_t v) { uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; b_bytes(p, x, 2); }
static inline void b_u32le(tt_buf *p, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    b_bytes(p, x, 4);
}
static inline void b_zero(tt_buf *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_u8(p, 0);
}

/* Ethernet II: zero MACs, then the ethertype. */
static inline void b_eth(tt_buf *p, uint16_t type)
{
    b_zero(p, 12);
    b_u16(p, type);
}

/* IPv4 header (RFC 791) without options: total length = 20 + payload_len. */
static inline void b_ipv4(tt_buf *p, uint8_t proto, uint16_t payload_len, uint16_t id,
                          uint16_t frag, uint8_t src_last, uint8_t dst_last)
{
    b_u8(p, 0x45);
    b_u8(p, 0);
    b_u16(p, (uint16_t)(20 + payload_len));
    b_u16(p, id);
    b_u16(p, frag);
    b_u8(p, 64);
    b_u8(p, proto);
    b_u16(p, 0);
    uint8_t src[4] = {10, 0, 0, src_last}, dst[4] = {10, 0, 0, dst_last};
    b_bytes(p, src, 4);
    b_bytes(p, dst, 4);
}

/* IPv6 header (RFC 8200): 2001:db8::src_last -> 2001:db8::dst_last. */
static inline void b_ipv6(tt_buf *p, uint8_t next, uint16_t plen, uint8_t src_last, uint8_t dst_last)
{
    b_u32(p, 0x60000000);
    b_u16(p, plen);
    b_u8(p, next);
    b_u8(p, 64);
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
    a[15] = src_last;
    b_bytes(p, a, 16);
    a[15] = dst_last;
    b_bytes(p, a, 16);
}

/* TCP header (RFC 9293) with `optlen` option bytes (a multiple of 4) and flags. */
static inline void b_tcp_opts(tt_buf *p, uint16_t sport, uint16_t dport, uint32_t seq,
                              uint32_t ack, uint16_t flags, const uint8_t *opts, size_t optlen)
{
    b_u16(p, sport);
    b_u16(p, dport);
    b_u32(p, seq);
    b_u32(p, ack);
    b_u16(p, (uint16_t)(((20 + optlen) / 4) << 12 | (flags & 0x0FFF)));
    b_u16(p, 8192);
    b_u16(p, 0);
    b_u16(p, 0);
    if (optlen)
        b_bytes(p, opts, optlen);
}

/* The TCP segment most tests carry: 1234 -> 80, ACK|PSH, seq 1000, ack 2000, "data". */
#define TT_SEG_LEN 24u
static inline void b_seg(tt_buf *p)
{
    b_tcp_opts(p, 1234, 80, 1000, 2000, 0x018, NULL, 0);
    b_bytes(p, "data", 4);
}

#endif
