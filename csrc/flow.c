#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define TT_FLOW_MIN_CAP 1024u
#define TT_FLOW_DEFAULT_SEED 0x9e3779b97f4a7c15ull

/* A slot keeps its key's hash beside the conversation: a probe that passes over other
 * keys compares hashes in the table's own cache lines instead of loading each
 * passed-over conversation (a cache miss apiece), and a move needs no rehash. */
typedef struct tt_flow_slot {
    uint64_t hash;
    tt_conn *conn; /* owned by the table; NULL = empty */
} tt_flow_slot;

struct tt_flow_table {
    tt_flow_slot *slots; /* owned: cap entries */
    size_t cap;       /* power of two */
    size_t used;
    uint64_t seed;
    tt_flow_counters counters;
};

tt_flow_table *tt_flow_new(uint64_t seed)
{
    tt_flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slots = calloc(TT_FLOW_MIN_CAP, sizeof *t->slots);
    if (!t->slots)
        goto fail;
    t->cap = TT_FLOW_MIN_CAP;
    t->seed = seed ? seed : TT_FLOW_DEFAULT_SEED;
    return t;

fail:
    free(t);
    return NULL;
}

static void conn_free(tt_conn *c)
{
    if (!c)
        return;
    tt_an_conn_clear(&c->an);
    free(c->st);
    free(c);
}

void tt_flow_free(tt_flow_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        conn_free(t->slots[i].conn);
    free(t->slots);
    free(t);
}

/* Compare (addr, port) of two sides: the canonical order puts the lower first. */
static int side_cmp(const uint8_t *a1, uint16_t p1, const uint8_t *a2, uint16_t p2, size_t alen)
{
    int c = memcmp(a1, a2, alen);
    if (c)
        return c;
    return (p1 > p2) - (p1 < p2);
}

bool tt_flow_key_of(const tt_packet *p, tt_flow_key *key, int *side)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (!ip)
        return false;
    memset(key, 0, sizeof *key);
    size_t alen = ip->version == 6 ? 16 : 4;
    key->version = ip->version;
    if (side_cmp(ip->src, p->sport, ip->dst, p->dport, alen) <= 0) {
        memcpy(key->addr[0], ip->src, alen);
        memcpy(key->addr[1], ip->dst, alen);
        key->port[0] = p->sport;
        key->port[1] = p->dport;
        *side = 0;
    } else {
        memcpy(key->addr[0], ip->dst, alen);
        memcpy(key->addr[1], ip->src, alen);
        key->port[0] = p->dport;
        key->port[1] = p->sport;
        *side = 1;
    }
    return true;
}

/* A seeded hash of the key. Each pair of key words is multiplied as 128 bits with
 * the seed mixed into both factors and folded (high ^ low): the products are computed
 * side by side, and which keys collide depends on the seed, so an adversary who does
 * not know it cannot aim keys at one chain. Without 128-bit integers, a chain of
 * splitmix64 finalisers does the same job more slowly. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t fold_mul(uint64_t a, uint64_t b)
{
    uint64_t hi, lo;
    tt_mul_u64(a, b, &hi, &lo);
    return lo ^ hi;
}

static uint64_t key_hash(const tt_flow_key *k, uint64_t seed)
{
    uint64_t w[4];
    memcpy(w, k->addr, sizeof w);
    uint64_t ports = (uint64_t)k->port[0] << 16 | k->port[1] | (uint64_t)k->version << 32;
    /* A different seed word per factor: two products cancel only where the key's
     * words and the (unknown) seed words line up. */
    uint64_t s1 = seed ^ 0xa0761d6478bd642full, s2 = seed ^ 0xe7037ed1a0b428dbull;
    uint64_t s3 = mix64(seed) ^ 0x8ebc6af09c88c6e3ull, s4 = mix64(seed) ^ 0x589965cc75374cc3ull;
    uint64_t h = fold_mul(w[0] ^ s1, w[1] ^ s2) ^ fold_mul(w[2] ^ s3, w[3] ^ s4);
    return mix64(h ^ fold_mul(ports ^ s1, s4));
}

static bool key_eq(const tt_flow_key *a, const tt_flow_key *b)
{
    return a->version == b->version && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

static size_t find_slot(const tt_flow_table *t, const tt_flow_key *key, uint64_t h)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)h & mask;
    while (t->slots[i].conn && (t->slots[i].hash != h || !key_eq(&t->slots[i].conn->key, key)))
        i = (i + 1) & mask;
    return i;
}

tt_conn *tt_flow_lookup(tt_flow_table *t, const tt_flow_key *key)
{
    return t->slots[find_slot(t, key, key_hash(key, t->seed))].conn;
}

static bool grow(tt_flow_table *t)
{
    size_t ncap = t->cap * 2;
    tt_flow_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    tt_flow_slot *old = t->slots;
    size_t ocap = t->cap;
    t->slots = ns;
    t->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].conn)
            t->slots[find_slot(t, &old[i].conn->key, old[i].hash)] = old[i];
    free(old);
    return true;
}

tt_conn *tt_flow_create(tt_flow_table *t, const tt_flow_key *key, int client_side)
{
    if ((t->used + 1) * 2 > t->cap && !grow(t))
        return NULL;
    tt_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->key = *key;
    c->stream = (uint32_t)t->counters.conns++;
    c->client_side = (uint8_t)client_side;
    c->addr_codes[0] = c->addr_codes[1] = UINT32_MAX;
    tt_an_conn_init(&c->an);
    uint64_t h = key_hash(key, t->seed);
    size_t i = find_slot(t, key, h);
    if (t->slots[i].conn) {
        /* Port reuse: the old conversation can never be found again. */
        conn_free(t->slots[i].conn);
        t->counters.conns_replaced++;
    } else {
        t->used++;
        t->counters.conns_live++;
    }
    t->slots[i].hash = h;
    t->slots[i].conn = c;
    return c;
}

void tt_flow_remove(tt_flow_table *t, tt_conn *c)
{
    size_t mask = t->cap - 1;
    size_t i = find_slot(t, &c->key, key_hash(&c->key, t->seed));
    if (t->slots[i].conn != c)
        return;
    conn_free(c);
    t->slots[i].conn = NULL;
    t->used--;
    t->counters.conns_live--;
    /* Backward-shift deletion keeps every later entry of the probe run reachable. */
    for (size_t j = (i + 1) & mask; t->slots[j].conn; j = (j + 1) & mask) {
        size_t home = (size_t)t->slots[j].hash & mask;
        /* Move slot j into the hole i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            t->slots[j].conn = NULL;
            i = j;
        }
    }
}

const tt_flow_counters *tt_flow_counters_get(const tt_flow_table *t) { return &t->counters; }
