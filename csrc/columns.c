#include "columns.h"

#include "info.h"
#include "optnames.h"
#include "segview.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(TT_COL_COUNT <= 64, "tt_columns.want is a 64-bit mask of column ids");

static const tt_col_spec specs[TT_COL_COUNT] = {
#define TT_COL_SPEC_ROW(e, name, type, nullable, analysis) {name, TT_COL_##type, nullable, analysis},
    TT_COLUMNS(TT_COL_SPEC_ROW)
#undef TT_COL_SPEC_ROW
};

const tt_col_spec *tt_col_spec_of(int id)
{
    if (id < 0 || id >= TT_COL_COUNT)
        return NULL;
    return &specs[id];
}

size_t tt_col_type_size(tt_col_type t)
{
    switch (t) {
    case TT_COL_U8:
    case TT_COL_BOOL: return 1;
    case TT_COL_U16: return 2;
    case TT_COL_U32:
    case TT_COL_I32: return 4;
    case TT_COL_U64:
    case TT_COL_I64:
    case TT_COL_F64:
    case TT_COL_BYTES: return 8;
    }
    return 8;
}

/* ------------------------------------------------------------ address dictionary */

typedef struct tt_addr_entry {
    uint8_t version;
    uint8_t addr[16];
} tt_addr_entry;

struct tt_addrdict {
    tt_addr_entry *entries; /* owned: code -> address */
    size_t n, cap;
    uint32_t *slots;        /* owned: open-addressing table of code+1 (0 = empty) */
    size_t nslots;          /* power of two */
};

tt_addrdict *tt_addrdict_new(void)
{
    tt_addrdict *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->nslots = 64;
    d->slots = calloc(d->nslots, sizeof *d->slots);
    if (!d->slots) {
        free(d);
        return NULL;
    }
    return d;
}

static uint64_t addr_mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

static uint64_t addr_hash(int version, const uint8_t *a)
{
    /* Two 64-bit words of the (zero-padded) address, mixed: one entry per distinct
     * address, so collisions only cost a probe, never correctness. */
    uint64_t w0, w1;
    memcpy(&w0, a, 8);
    memcpy(&w1, a + 8, 8);
    return addr_mix(addr_mix(w0 ^ (uint64_t)version) ^ w1);
}

static int addr_eq(const tt_addr_entry *e, int version, const uint8_t *key)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, e->addr, 8);
    memcpy(&a1, e->addr + 8, 8);
    memcpy(&b0, key, 8);
    memcpy(&b1, key + 8, 8);
    return e->version == version && a0 == b0 && a1 == b1;
}

static int addrdict_grow(tt_addrdict *d)
{
    size_t nslots = d->nslots * 2;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        size_t j = addr_hash(d->entries[i].version, d->entries[i].addr) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

uint32_t tt_addrdict_intern(tt_addrdict *d, int version, const uint8_t *addr)
{
    uint8_t key[16] = {0};
    memcpy(key, addr, version == 6 ? 16 : 4);
    size_t j = addr_hash(version, key) & (d->nslots - 1);
    while (d->slots[j]) {
        tt_addr_entry *e = &d->entries[d->slots[j] - 1];
        if (addr_eq(e, version, key))
            return d->slots[j] - 1;
        j = (j + 1) & (d->nslots - 1);
    }
    if (d->n >= UINT32_MAX - 1)
        return UINT32_MAX;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        tt_addr_entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e)
            return UINT32_MAX;
        d->entries = e;
        d->cap = cap;
    }
    tt_addr_entry *e = &d->entries[d->n];
    e->version = (uint8_t)version;
    memcpy(e->addr, key, 16);
    d->slots[j] = (uint32_t)(d->n + 1);
    uint32_t code = (uint32_t)d->n++;
    if (d->n * 2 > d->nslots && addrdict_grow(d) < 0)
        return UINT32_MAX;
    return code;
}

size_t tt_addrdict_size(const tt_addrdict *d) { return d->n; }

int tt_addrdict_get(const tt_addrdict *d, uint32_t code, const uint8_t **addr)
{
    if (code >= d->n)
        return 0;
    *addr = d->entries[code].addr;
    return d->entries[code].version;
}

void tt_addrdict_free(tt_addrdict *d)
{
    if (!d)
        return;
    free(d->entries);
    free(d->slots);
    free(d);
}

/* ------------------------------------------------------------ builder */

void tt_columns_init(tt_columns *c, uint64_t want, tt_addrdict *addrs)
{
    memset(c, 0, sizeof *c);
    c->want = want;
    c->addrs = addrs;
}

static int reserve(tt_columns *c)
{
    if (c->rows < c->cap)
        return 0;
    size_t cap = c->cap ? c->cap * 2 : 4096;
    for (int i = 0; i < TT_COL_COUNT; i++) {
        if (!(c->want & ((uint64_t)1 << i)))
            continue;
        size_t w = tt_col_type_size(specs[i].type);
        void *p = realloc(c->data[i], cap * w);
        if (!p)
            return -1;
        c->data[i] = p;
        if (specs[i].nullable) {
            uint8_t *v = realloc(c->valid[i], cap);
            if (!v)
                return -1;
            c->valid[i] = v;
        }
    }
    c->cap = cap;
    return 0;
}

/* One row is written straight through, column by column in id order, each behind a
 * test of whether it is built: the tests go the same way on every row of a read, so
 * they cost next to nothing, where a switch per column cost a mispredicted indirect
 * jump apiece. SV: a segview getter (value and presence); FIXED: always present. */
#define SV(id, T, VT, getter)                                          \
    if (c->data[id]) {                                                 \
        VT v = 0;                                                      \
        int ok = getter(s, &v);                                        \
        ((T *)c->data[id])[r] = (T)v;                                  \
        if (c->valid[id])                                              \
            c->valid[id][r] = (uint8_t)ok;                             \
    }
#define FIXED(id, T, value)                                            \
    if (c->data[id]) {                                                 \
        ((T *)c->data[id])[r] = (T)(value);                            \
        if (c->valid[id])                                              \
            c->valid[id][r] = 1;                                       \
    }

/* OPT: present when `cond` holds (the value is read only then). */
#define OPT(id, T, cond, value)                                        \
    if (c->data[id]) {                                                 \
        int ok_ = (cond);                                              \
        ((T *)c->data[id])[r] = ok_ ? (T)(value) : (T)0;               \
        c->valid[id][r] = (uint8_t)ok_;                                \
    }

/* A MAC address as a 48-bit number (the first byte most significant). */
static uint64_t mac48(const uint8_t *a)
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | a[i];
    return v;
}

static bool eth_src(const tt_segment *s, uint64_t *out)
{
    if (!s->pkt.n_eth)
        return false;
    *out = mac48(s->pkt.link.eth[0] + 6);
    return true;
}

static bool eth_dst(const tt_segment *s, uint64_t *out)
{
    if (!s->pkt.n_eth)
        return false;
    *out = mac48(s->pkt.link.eth[0]);
    return true;
}

static bool vlan_id(const tt_segment *s, uint32_t *out)
{
    if (!s->pkt.n_vlan)
        return false;
    *out = s->pkt.link.vlan_tci[0] & 0x0FFF;
    return true;
}

/* The dictionary code of the row's source (dst = 0) or destination address. The
 * conversation remembers its two codes: one dictionary lookup per address and
 * connection rather than per row. UINT32_MAX when out of memory. */
static uint32_t addr_code(tt_columns *c, const tt_segment *s, const tt_ip_layer *ip, int dst)
{
    uint32_t *cached = s->addr_codes ? &s->addr_codes[s->src_side ^ dst] : NULL;
    if (cached && *cached != UINT32_MAX)
        return *cached;
    uint32_t code = UINT32_MAX;
    if (ip && c->addrs)
        code = tt_addrdict_intern(c->addrs, ip->version, dst ? ip->dst : ip->src);
    if (cached)
        *cached = code;
    return code;
}

/* Row r of a BYTES column: n bytes (or absent), appended to its blob. -1: no memory. */
static int append_bytes(tt_columns *c, int id, size_t r, const uint8_t *p, size_t n, int ok)
{
    if (!c->data[id])
        return 0;
    if (c->blob_len[id] + n > c->blob_cap[id]) {
        size_t cap = c->blob_cap[id] ? c->blob_cap[id] : 65536;
        while (cap < c->blob_len[id] + n)
            cap *= 2;
        uint8_t *b = realloc(c->blob[id], cap);
        if (!b)
            return -1;
        c->blob[id] = b;
        c->blob_cap[id] = cap;
    }
    if (n)
        memcpy(c->blob[id] + c->blob_len[id], p, n);
    c->blob_len[id] += n;
    ((uint64_t *)c->data[id])[r] = c->blob_len[id];
    c->valid[id][r] = (uint8_t)ok;
    return 0;
}

/* The payload and option bytes (tcp.payload, tcp.options: present as the fields are). */
static int append_byte_columns(tt_columns *c, const tt_segment *s, size_t r)
{
    const uint8_t *data = NULL;
    size_t n = tt_sv_payload(s, &data);
    const tt_tcp_options *o = &s->pkt.opts;
    if (append_bytes(c, TT_COL_PAYLOAD, r, data, n, n > 0) < 0 ||
        append_bytes(c, TT_COL_OPTIONS, r, s->pkt.opt_bytes, o->raw_len, o->raw_len > 0) < 0)
        return -1;
    char text[TT_INFO_MAX];
    if (c->data[TT_COL_INFO] &&
        append_bytes(c, TT_COL_INFO, r, (const uint8_t *)text, tt_info_format(s, text, sizeof text), 1) < 0)
        return -1;
    uint32_t flags;
    int have_flags = tt_sv_flags(s, &flags);
    if (c->data[TT_COL_FLAGS_STR] &&
        append_bytes(c, TT_COL_FLAGS_STR, r, (const uint8_t *)text,
                     have_flags ? tt_flags_format((uint16_t)flags, text, sizeof text) : 0, have_flags) < 0)
        return -1;
    if (c->data[TT_COL_OPTION_NAMES]) {
        size_t n = tt_option_names_format(s, text, sizeof text);
        if (append_bytes(c, TT_COL_OPTION_NAMES, r, (const uint8_t *)text, n, n > 0) < 0)
            return -1;
    }
    return 0;
}

/* Issue 18's columns (link layer, IP header, checksums): one test above skips them all
 * on a read that wants none, so the default read pays nothing for them. */
static void append_analyst(tt_columns *c, const tt_segment *s, size_t r)
{
    const tt_packet *p = &s->pkt;
    const tt_ip_layer *ip = tt_packet_ip(p);
    int v4 = ip && ip->version == 4, v6 = ip && ip->version == 6;
    uint8_t tos = ip ? ip->tos : 0;
    /* wrapping, as time_rel_ns: absurd time stamps must not be undefined behaviour */
    FIXED(TT_COL_TIME_DELTA_NS, int64_t,
          (uint64_t)s->time_delta_sec * 1000000000u + (uint64_t)s->time_delta_nsec);
    SV(TT_COL_ETH_SRC, uint64_t, uint64_t, eth_src);
    SV(TT_COL_ETH_DST, uint64_t, uint64_t, eth_dst);
    SV(TT_COL_VLAN_ID, uint16_t, uint32_t, vlan_id);
    FIXED(TT_COL_TTL, uint8_t, ip ? ip->ttl : 0);
    OPT(TT_COL_IP_ID, uint16_t, v4, ip->ip_id);
    FIXED(TT_COL_IP_DF, uint8_t, v4 && (ip->frag_field & 0x4000));
    FIXED(TT_COL_DSCP, uint8_t, tos >> 2);
    FIXED(TT_COL_ECN, uint8_t, tos & 3);
    OPT(TT_COL_IP_CHECKSUM, uint16_t, v4, ip->checksum);
    FIXED(TT_COL_IP_HDR_LEN, uint16_t, ip ? ip->hdr_len : 0);
    OPT(TT_COL_IP_LEN, uint32_t, v4, ip->total_len);
    FIXED(TT_COL_IP_PROTO, uint8_t, ip ? ip->proto : 0);
    OPT(TT_COL_IPV6_FLOW, uint32_t, v6, ip->flow_label);
    OPT(TT_COL_IPV6_NXT, uint8_t, v6, ip->nxt);
    SV(TT_COL_CHECKSUM, uint16_t, uint32_t, tt_sv_tcp_checksum);
}

int tt_columns_append(tt_columns *c, const tt_segment *s)
{
    if (reserve(c) < 0)
        return -1;
    const tt_packet *p = &s->pkt;
    const tt_ip_layer *ip = tt_packet_ip(p);
    size_t r = c->rows;
    FIXED(TT_COL_FRAME, uint64_t, p->frame);
    FIXED(TT_COL_TIME_NS, int64_t, p->ts_ns);
    FIXED(TT_COL_TIME_REL_NS, int64_t, s->time_rel_ns);
    FIXED(TT_COL_CAPLEN, uint32_t, p->caplen);
    FIXED(TT_COL_WIRELEN, uint32_t, p->wirelen);
    FIXED(TT_COL_IP_VERSION, uint8_t, ip ? ip->version : 0);
    for (int dst = 0; dst < 2; dst++) {
        int id = dst ? TT_COL_DST : TT_COL_SRC;
        if (c->data[id]) {
            uint32_t code = addr_code(c, s, ip, dst);
            if (code == UINT32_MAX)
                return -1;
            ((uint32_t *)c->data[id])[r] = code;
        }
    }
    SV(TT_COL_SPORT, uint16_t, uint32_t, tt_sv_sport);
    SV(TT_COL_DPORT, uint16_t, uint32_t, tt_sv_dport);
    SV(TT_COL_SEQ_RAW, uint32_t, uint32_t, tt_sv_seq_raw);
    SV(TT_COL_ACK_RAW, uint32_t, uint32_t, tt_sv_ack_raw);
    SV(TT_COL_FLAGS, uint16_t, uint32_t, tt_sv_flags);
    SV(TT_COL_WINDOW_RAW, uint16_t, uint32_t, tt_sv_window_raw);
    SV(TT_COL_HDR_LEN, uint8_t, uint32_t, tt_sv_hdr_len);
    SV(TT_COL_LEN, uint32_t, uint32_t, tt_sv_len);
    SV(TT_COL_URGENT_PTR, uint16_t, uint32_t, tt_sv_urgent_ptr);
    SV(TT_COL_MSS, uint16_t, uint32_t, tt_sv_mss);
    SV(TT_COL_WS, uint8_t, uint32_t, tt_sv_ws);
    SV(TT_COL_TSVAL, uint32_t, uint32_t, tt_sv_tsval);
    SV(TT_COL_TSECR, uint32_t, uint32_t, tt_sv_tsecr);
    FIXED(TT_COL_SACK_PERM, uint8_t, (p->opts.present & TT_OPT_SACK_PERM) != 0);
    FIXED(TT_COL_N_SACK, uint8_t, p->opts.sack_count);
    FIXED(TT_COL_ANOMALIES, uint64_t, p->anomalies);
    SV(TT_COL_STREAM, uint32_t, uint32_t, tt_sv_stream);
    SV(TT_COL_DIR, uint8_t, uint32_t, tt_sv_dir);
    SV(TT_COL_SEQ, uint32_t, uint32_t, tt_sv_seq);
    SV(TT_COL_ACK, uint32_t, uint32_t, tt_sv_ack);
    SV(TT_COL_NEXT_SEQ, uint32_t, uint32_t, tt_sv_next_seq);
    SV(TT_COL_WINDOW, uint32_t, uint32_t, tt_sv_window);
    SV(TT_COL_WS_MULTIPLIER, int32_t, int32_t, tt_sv_ws_multiplier);
    FIXED(TT_COL_ANALYSIS_FLAGS, uint32_t, tt_sv_analysis_flags(s));
    SV(TT_COL_DUP_ACK_NUM, uint32_t, uint32_t, tt_sv_dup_ack_num);
    SV(TT_COL_DUP_ACK_FRAME, uint64_t, uint64_t, tt_sv_dup_ack_frame);
    SV(TT_COL_ACKS_FRAME, uint64_t, uint64_t, tt_sv_acks_frame);
    SV(TT_COL_ACK_RTT_NS, int64_t, int64_t, tt_sv_ack_rtt_ns);
    SV(TT_COL_INITIAL_RTT_NS, int64_t, int64_t, tt_sv_initial_rtt_ns);
    SV(TT_COL_BYTES_IN_FLIGHT, uint32_t, uint32_t, tt_sv_bytes_in_flight);
    SV(TT_COL_PUSH_BYTES_SENT, uint32_t, uint32_t, tt_sv_push_bytes_sent);
    SV(TT_COL_TIME_SINCE_FIRST_NS, int64_t, int64_t, tt_sv_time_since_first_ns);
    SV(TT_COL_TIME_SINCE_PREV_NS, int64_t, int64_t, tt_sv_time_since_prev_ns);
    SV(TT_COL_COMPLETENESS, uint8_t, uint32_t, tt_sv_completeness);
    if (c->want >> TT_COL_TIME_DELTA_NS) {
        append_analyst(c, s, r);
        if (append_byte_columns(c, s, r) < 0)
            return -1;
    }
    c->rows++;
    return 0;
}

#undef SV
#undef FIXED
#undef OPT

void tt_columns_detach(tt_columns *c, int id, void **data, uint8_t **valid)
{
    *data = NULL;
    *valid = NULL;
    if (id < 0 || id >= TT_COL_COUNT)
        return;
    *data = c->data[id];
    *valid = c->valid[id];
    c->data[id] = NULL;
    c->valid[id] = NULL;
}

void tt_columns_detach_blob(tt_columns *c, int id, uint8_t **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    if (id < 0 || id >= TT_COL_COUNT)
        return;
    *blob = c->blob[id];
    *len = c->blob_len[id];
    c->blob[id] = NULL;
    c->blob_len[id] = c->blob_cap[id] = 0;
}

void tt_columns_clear(tt_columns *c)
{
    for (int i = 0; i < TT_COL_COUNT; i++) {
        free(c->data[i]);
        free(c->valid[i]);
        free(c->blob[i]);
        c->data[i] = NULL;
        c->valid[i] = NULL;
        c->blob[i] = NULL;
        c->blob_len[i] = c->blob_cap[i] = 0;
    }
    c->rows = 0;
    c->cap = 0;
}
