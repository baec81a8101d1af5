#include "ipfrag.h"

#include "avltree.h"

#include <stdlib.h>
#include <string.h>

/* RFC 791: a fragment offset is 13 bits of 8-byte units, so a datagram payload ends
 * before 65536 + 8 * 8191 bytes; anything claiming more is invalid. */
#define TT_IPFRAG_MAX_PAYLOAD (65535u + 8u * 8191u)
#define TT_IPFRAG_MAX_PENDING 4096 /* datagrams in reassembly at once */

/* The reassembly key, packed for memcmp: version, protocol, identification, source,
 * destination (RFC 791 3.2 and RFC 815 for IPv4; RFC 8200 4.5 for IPv6, where the
 * protocol is kept in the key as well, as before). IPv4 addresses are zero-padded. */
#define TT_IPFRAG_KEY_LEN (1 + 1 + 4 + 16 + 16)

typedef struct tt_dgram {
    tt_avl_node node;    /* in tt_ipfrag.tree, by key */
    uint8_t key[TT_IPFRAG_KEY_LEN];
    uint32_t total;      /* payload length, known once the last fragment arrived; 0 before */
    uint32_t size;       /* bytes allocated in buf / bits in have */
    uint32_t hole;       /* the first hole: every byte before it is received */
    uint32_t captured_end; /* lowest offset not captured (a snaplen cut), or UINT32_MAX */
    uint64_t n_frags;
    uint64_t first_frame;
    uint8_t *buf;        /* owned: payload bytes by offset */
    uint8_t *have;       /* owned: bitmap of bytes received */
    struct tt_dgram *prev; /* borrowed: age list links (insertion order: oldest first) */
    struct tt_dgram *next; /* owned */
} tt_dgram;

struct tt_ipfrag {
    size_t cap;
    size_t used;
    tt_dgram *head;      /* owned: pending datagrams, oldest first (eviction order) */
    tt_dgram *tail;      /* borrowed: last of head's list */
    tt_avl_node *tree;   /* borrowed: the same datagrams by key, for the look-up */
    int n_pending;
    uint64_t dropped;
    uint64_t steps;      /* tree nodes visited + bitmap bytes the first-hole cursor passed */
    uint8_t *done;       /* owned: the last completed datagram's bytes */
};

static int key_cmp(const void *key, const tt_avl_node *n)
{
    return memcmp(key, ((const tt_dgram *)(const void *)n)->key, TT_IPFRAG_KEY_LEN);
}

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
    if (d->prev)
        d->prev->next = d->next;
    else
        f->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        f->tail = d->prev;
    f->tree = tt_avl_remove(f->tree, d->key, key_cmp, &f->steps);
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

/* Move the first-hole cursor past the bytes received: it only moves forward, so over
 * a datagram's life it passes each bitmap byte once, whatever the fragment order
 * (rescanning from offset 0 after each fragment was quadratic in the fragments). */
static void advance_hole(tt_ipfrag *f, tt_dgram *d)
{
    uint32_t i = d->hole;
    while (i < d->size) {
        f->steps++;
        if (i % 8 == 0 && i + 8 <= d->size && d->have[i / 8] == 0xFF) {
            i += 8;
            continue;
        }
        if (!(d->have[i / 8] & (1u << (i % 8))))
            break;
        i++;
    }
    d->hole = i;
}

static void make_key(uint8_t key[TT_IPFRAG_KEY_LEN], const tt_ip_layer *ip,
                     const tt_fragment *frag)
{
    size_t alen = ip->version == 4 ? 4 : 16;
    memset(key, 0, TT_IPFRAG_KEY_LEN);
    key[0] = ip->version;
    key[1] = frag->proto;
    key[2] = (uint8_t)(frag->id >> 24);
    key[3] = (uint8_t)(frag->id >> 16);
    key[4] = (uint8_t)(frag->id >> 8);
    key[5] = (uint8_t)frag->id;
    memcpy(key + 6, ip->src, alen);
    memcpy(key + 22, ip->dst, alen);
}

/* The pending datagram of this key, or a new one (evicting the oldest past the
 * pending bound); NULL when out of memory. */
static tt_dgram *find_or_add(tt_ipfrag *f, const uint8_t key[TT_IPFRAG_KEY_LEN], uint64_t frame)
{
    tt_avl_node *n = tt_avl_find(f->tree, key, key_cmp, &f->steps);
    if (n)
        return (tt_dgram *)(void *)n;
    if (f->n_pending >= TT_IPFRAG_MAX_PENDING)
        drop_oldest(f);
    tt_dgram *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    memcpy(d->key, key, TT_IPFRAG_KEY_LEN);
    d->captured_end = UINT32_MAX;
    d->first_frame = frame;
    d->prev = f->tail;
    if (f->tail)
        f->tail->next = d;
    else
        f->head = d;
    f->tail = d;
    f->tree = tt_avl_insert(f->tree, &d->node, d->key, key_cmp, &f->steps);
    f->n_pending++;
    return d;
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
    uint8_t key[TT_IPFRAG_KEY_LEN];
    make_key(key, ip, frag);
    tt_dgram *d = find_or_add(f, key, frame);
    if (!d) {
        f->dropped++;
        return 0;
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
    if (frag->offset <= d->hole && d->hole < end)
        advance_hole(f, d);
    if (!d->total || d->hole < d->total)
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

uint64_t tt_ipfrag_steps(const tt_ipfrag *f) { return f->steps; }

size_t tt_ipfrag_used(const tt_ipfrag *f) { return f->used; }

void tt_ipfrag_free(tt_ipfrag *f)
{
    if (!f)
        return;
    tt_ipfrag_flush(f);
    free(f->done);
    free(f);
}
