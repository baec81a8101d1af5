/* Bounds-checked big/little-endian reads over captured bytes.
 *
 * Every read of packet bytes in the core goes through a tt_cursor: a read past the
 * captured end returns false and leaves the output untouched, so a decoder can tell
 * "the capture cut this" (truncated) from "the header lies" (invalid) and keep the
 * layers that were intact.  Modelled on tcpdump's GET_BE_U_2 discipline. */
#ifndef TT_CURSOR_H
#define TT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tt_cursor {
    const uint8_t *base; /* borrowed: the frame's captured bytes, owned by the caller */
    size_t len;          /* bytes available from base */
    size_t pos;          /* read position, 0..len */
} tt_cursor;

static inline void tt_cursor_init(tt_cursor *c, const uint8_t *base, size_t len)
{
    c->base = base;
    c->len = len;
    c->pos = 0;
}

static inline size_t tt_rd_left(const tt_cursor *c) { return c->len - c->pos; }

static inline bool tt_rd_has(const tt_cursor *c, size_t n) { return n <= c->len - c->pos; }

static inline bool tt_rd_skip(tt_cursor *c, size_t n)
{
    if (!tt_rd_has(c, n))
        return false;
    c->pos += n;
    return true;
}

static inline bool tt_rd_u8(tt_cursor *c, uint8_t *out)
{
    if (!tt_rd_has(c, 1))
        return false;
    *out = c->base[c->pos];
    c->pos += 1;
    return true;
}

static inline bool tt_rd_u16be(tt_cursor *c, uint16_t *out)
{
    if (!tt_rd_has(c, 2))
        return false;
    const uint8_t *p = c->base + c->pos;
    *out = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
    c->pos += 2;
    return true;
}

static inline bool tt_rd_u16le(tt_cursor *c, uint16_t *out)
{
    if (!tt_rd_has(c, 2))
        return false;
    const uint8_t *p = c->base + c->pos;
    *out = (uint16_t)((uint16_t)p[1] << 8 | p[0]);
    c->pos += 2;
    return true;
}

static inline bool tt_rd_u32be(tt_cursor *c, uint32_t *out)
{
    if (!tt_rd_has(c, 4))
        return false;
    const uint8_t *p = c->base + c->pos;
    *out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    c->pos += 4;
    return true;
}

static inline bool tt_rd_u32le(tt_cursor *c, uint32_t *out)
{
    if (!tt_rd_has(c, 4))
        return false;
    const uint8_t *p = c->base + c->pos;
    *out = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
    c->pos += 4;
    return true;
}

static inline bool tt_rd_bytes(tt_cursor *c, void *out, size_t n)
{
    if (!tt_rd_has(c, n))
        return false;
    const uint8_t *p = c->base + c->pos;
    uint8_t *o = (uint8_t *)out;
    for (size_t i = 0; i < n; i++)
        o[i] = p[i];
    c->pos += n;
    return true;
}

/* Peek without advancing. */
static inline bool tt_peek_u8(const tt_cursor *c, size_t off, uint8_t *out)
{
    if (off >= c->len - c->pos)
        return false;
    *out = c->base[c->pos + off];
    return true;
}

static inline bool tt_peek_u16be(const tt_cursor *c, size_t off, uint16_t *out)
{
    if (c->len - c->pos < 2 || off > c->len - c->pos - 2)
        return false;
    const uint8_t *p = c->base + c->pos + off;
    *out = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
    return true;
}

#endif
