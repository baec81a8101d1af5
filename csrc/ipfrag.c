#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

/* RFC 791: a fragment offset is 13 bits of 8-byte units, so a datagram payload ends
 * before 65536 + 8 * 8191 bytes; anything claiming more is invalid. */
#define TT_IPFRAG_MAX_PAYLOAD (65535u + 8u * 8191u)
#define TT_IPFRAG_MAX_PENDING 4096 /* datagrams in reassembly at once */

typedef struct tt_dgram {
    uint8_t version, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint32_t total;      /* payload length, known once the last fragment arrived; 0 before */
    uint32_t size;       /* bytes allocated in buf / bits in have */
    uint32_t captured_end; /* lowest offset not captured (a snaplen cut), or UINT32_MAX */
    uint64_t n_frags;
    uint64_t first_frame;
    uint8_t *buf;        /* owned: payload bytes by offset */
    uint8_t *have;       /* owned: bitmap of bytes received */
    struct tt_dgram *next; /* owned list link (insertion order: oldest first) */
} tt_dgram;

struct tt_ipfrag {
    size_t cap;
    size_t used;
    tt_dgram *head;      /* owned: pending datagrams, oldest first */
    tt_dgram *tail;      /* borrowed: last of head's list */
    int n_pending;
    uint64_t dropped;
    uint8_t *done;       /* owned: the last completed datagram's bytes */
};

tt_ipfrag *tt_ipfrag_new(size_t mem_cap_bytes)
{
    tt_ipfrag *f = calloc(1, sizeof *f);
    if (f)
        f->cap = mem_cap_bytes;
    return f;
}

/* Bytes a datagram of `size` holds: its buffer and its bitmap. */
static size_t footprint(uint32_t size) { return size ? (size_t)size + size / 8 + 1 : 0; }

static void dgram_free(tt_ipfrag *f, tt_dgram *d)
{
    f->used -= footprint(d->size);
    free(d->buf);
    free(d->have);
    free(d);
}

static void unlink_dgram(tt_ipfrag *f, tt_dgram *d)
{
    tt_dgram **pp = &f->head, *prev = NULL;
    while (*pp && *pp != d) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = d->next;
    if (f->tail == d)
        f->tail = prev;
    f->n_pending--;
}

static void drop_oldest(tt_ipfrag *f)
{
    tt_dgram *d = f->head;
    if (!d)
        return;
    unlink_dgram(f, d);
    f->dropped += d->n_frags;
    dgram_free(f, d);
}

static int grow(tt_ipfrag *f, tt_dgram *d, uint32_t need)
{
    if (need <= d->size)
        return 1;
    uint32_t size = d->size ? d->size : 2048;
    while (size < need)
        size = size * 2 > TT_IPFRAG_MAX_PAYLOAD ? TT_IPFRAG_MAX_PAYLOAD : size * 2;
    size_t add = footprint(size) - footprint(d->size);
    while (f->used + add > f->cap && f->head && f->head != d)
        drop_oldest(f);
    if (f->used + add > f->cap)
        return 0;
    uint8_t *buf = realloc(d->buf, size);
    if (!buf)
        return 0;
    d->buf = buf;
    uint8_t *have = realloc(d->have, size / 8 + 1);
    if (!have)
        return 0;
    memset(have + (d->size ? d->size / 8 + 1 : 0), 0,
           size / 8 + 1 - (d->size ? d->size / 8 + 1 : 0));
    d->have = have;
    f->used += add;
    d->size = size;
    return 1;
}

static int complete(const tt_dgram *d)
{
    if (!d->total)
        return 0;
    for (uint32_t i = 0; i < d->total; i++)
        if (!(d->have[i / 8] & (1u << (i % 8))))
            return 0;
    return 1;
}

int tt_ipfrag_add(tt_ipfrag *f, const tt_packet *pkt, const tt_fragment *frag, uint64_t frame,
                  const uint8_t **data, uint32_t *caplen, uint32_t *reported,
                  uint64_t *anomalies)
{
    const tt_ip_layer *ip = tt_packet_ip(pkt);
    if (!ip)
        return 0;
    uint32_t end = frag->offset + frag->len;
    if (end > TT_IPFRAG_MAX_PAYLOAD || end < frag->offset) {
        f->dropped++;
        return 0;
    }
    size_t alen = ip->version == 4 ? 4 : 16;
    tt_dgram *d = f->head;
    for (; d; d = d->next)
        if (d->version == ip->version && d->id == frag->id && d->proto == frag->proto &&
            !memcmp(d->src, ip->src, alen) && !memcmp(d->dst, ip->dst, alen))
            break;
    if (!d) {
        if (f->n_pending >= TT_IPFRAG_MAX_PENDING)
            drop_oldest(f);
        d = calloc(1, sizeof *d);
        if (!d) {
            f->dropped++;
            return 0;
        }
        d->version = ip->version;
        d->proto = frag->proto;
        d->id = frag->id;
        memcpy(d->src, ip->src, alen);
        memcpy(d->dst, ip->dst, alen);
        d->captured_end = UINT32_MAX;
        d->first_frame = frame;
        if (f->tail)
            f->tail->next = d;
        else
            f->head = d;
        f->tail = d;
        f->n_pending++;
    }
    if (!grow(f, d, end ? end : 1)) {
        f->dropped++;
        return 0;
    }
    d->n_frags++;
    /* Bytes already received are kept: on overlap the first copy wins, as in
     * Wireshark's reassembly (which flags the overlap). */
    int overlap = 0;
    for (uint32_t i = frag->offset; i < end; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));
        if (d->have[i / 8] & bit) {
            overlap = 1;
            continue;
        }
        if (i - frag->offset < frag->caplen)
            d->buf[i] = frag->data[i - frag->offset];
        d->have[i / 8] |= bit;
    }
    if (overlap && anomalies)
        *anomalies |= TT_ANOM_BIT(TT_ANOM_IP_FRAG_OVERLAP);
    if (frag->caplen < frag->len && frag->offset + frag->caplen < d->captured_end)
        d->captured_end = frag->offset + frag->caplen;
    if (!frag->more)
        d->total = end;
    if (!complete(d))
        return 0;
    unlink_dgram(f, d);
    free(f->done);
    f->done = d->buf;
    d->buf = NULL;
    *data = f->done;
    *reported = d->total;
    *caplen = d->captured_end < d->total ? d->captured_end : d->total;
    f->used -= footprint(d->size); /* buf handed over to done, bitmap freed */
    free(d->have);
    free(d);
    return 1;
}

uint64_t tt_ipfrag_flush(tt_ipfrag *f)
{
    uint64_t n = 0;
    while (f->head) {
        n += f->head->n_frags;
        tt_dgram *d = f->head;
        unlink_dgram(f, d);
        dgram_free(f, d);
    }
    return n;
}

uint64_t tt_ipfrag_dropped(const tt_ipfrag *f) { return f->dropped; }

size_t tt_ipfrag_used(const tt_ipfrag *f) { return f->used; }

void tt_ipfrag_free(tt_ipfrag *f)
{
    if (!f)
        return;
    tt_ipfrag_flush(f);
    free(f->done);
    free(f);
}
