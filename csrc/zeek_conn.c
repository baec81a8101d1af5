/* zeek_conn: Zeek's connection table, clock and timers over the decoded packets; see
 * zeek_conn.h. The per-connection TCP rules are in zeek_tcp.c. */
#include "zeek_conn.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "packet.h"
#include "zeek_tcp.h"

/* The TCP ports Zeek's base scripts register with Analyzer::register_for_ports, which
 * adds them to likely_server_ports (base/frameworks/analyzer/main.zeek), as loaded by
 * a plain `zeek -r`: base/protocols/{dce-rpc,dnp3,dns,finger,ftp,http,imap,irc,krb,ldap,
 * modbus,mqtt,mysql,postgresql,rdp,redis,smb,smtp,socks,ssh,ssl,syslog,xmpp}. */
static const uint16_t default_ports[] = {
    21,   22,   25,   53,   79,   80,   81,   88,   135,  139,  143,  389,  443,
    445,  465,  502,  514,  563,  585,  587,  614,  631,  636,  989,  990,  992,
    993,  995,  1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269,
    5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
};

const uint16_t *tt_zeek_default_ports(size_t *n)
{
    *n = sizeof default_ports / sizeof default_ports[0];
    return default_ports;
}

typedef struct zk_slot {
    zk_conn c;           /* first: a zk_conn pointer is its slot's */
    uint32_t index;      /* in slots[] */
    uint32_t incarnation; /* bumped when the slot is reused: old timers see it */
    uint32_t chain;      /* next slot in the hash bucket, or NONE */
    bool live;
} zk_slot;

typedef struct zk_timer {
    double at;
    uint64_t order;      /* ties fire in the order they were set */
    uint32_t slot, incarnation, gen;
    uint8_t type;
} zk_timer;

#define NONE UINT32_MAX

struct tt_zeek {
    tt_zeek_config cfg;
    uint8_t server_port[65536 / 8];
    tt_engine *eng;      /* owned: decoding and IP reassembly only */
    zk_slot **slots;     /* owned, each slot too */
    uint32_t n_slots, cap_slots;
    uint32_t free_head;  /* free slots, chained through chain */
    uint32_t *buckets;   /* owned: hash heads */
    uint32_t n_buckets, n_live;
    zk_timer *heap;      /* owned: a binary min-heap on (at, order) */
    uint32_t n_heap, cap_heap;
    uint64_t timer_order;
    bool nomem;          /* a timer could not be stored */
    tt_zeek_row *rows;   /* owned: logged rows, taken from rows_head */
    size_t n_rows, cap_rows, rows_head;
    double network_time;
    bool have_time;
    tt_zeek_counters counters;
};

/* ---- timers ---- */

static bool timer_before(const zk_timer *a, const zk_timer *b)
{
    return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void heap_swap(zk_timer *h, uint32_t i, uint32_t j)
{
    zk_timer t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void add_timer(void *table, zk_conn *c, int type, double at)
{
    tt_zeek *z = table;
    if (z->n_heap == z->cap_heap) {
        uint32_t cap = z->cap_heap ? z->cap_heap * 2 : 256;
        zk_timer *h = realloc(z->heap, cap * sizeof *h);
        if (!h) {
            z->nomem = true;
            return;
        }
        z->heap = h;
        z->cap_heap = cap;
    }
    zk_slot *s = (zk_slot *)c;
    zk_timer t = {at, z->timer_order++, s->index, s->incarnation,
                  type == ZK_T_INACTIVITY ? c->inact_gen : c->an_gen, (uint8_t)type};
    uint32_t i = z->n_heap++;
    z->heap[i] = t;
    while (i > 0 && timer_before(&z->heap[i], &z->heap[(i - 1) / 2])) {
        heap_swap(z->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static zk_timer heap_pop(tt_zeek *z)
{
    zk_timer top = z->heap[0];
    z->heap[0] = z->heap[--z->n_heap];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < z->n_heap && timer_before(&z->heap[l], &z->heap[m]))
            m = l;
        if (r < z->n_heap && timer_before(&z->heap[r], &z->heap[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(z->heap, i, m);
        i = m;
    }
    return top;
}

/* ---- the table ---- */

static uint32_t key_hash(uint8_t version, const uint8_t *a, uint16_t pa, const uint8_t *b,
                         uint16_t pb)
{
    /* Either direction hashes alike: order the two ends first. */
    int alen = version == 4 ? 4 : 16;
    int cmp = memcmp(a, b, (size_t)alen);
    if (cmp > 0 || (cmp == 0 && pa > pb)) {
        const uint8_t *t = a;
        a = b;
        b = t;
        uint16_t tp = pa;
        pa = pb;
        pb = tp;
    }
    uint64_t h = 1469598103934665603ull ^ version;
    for (int i = 0; i < alen; i++)
        h = (h ^ a[i]) * 1099511628211ull;
    for (int i = 0; i < alen; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    h = (h ^ pa) * 1099511628211ull;
    h = (h ^ pb) * 1099511628211ull;
    return (uint32_t)(h ^ (h >> 32));
}

static bool conn_matches(const zk_conn *c, uint8_t version, const uint8_t *src, uint16_t sp,
                         const uint8_t *dst, uint16_t dp)
{
    if (c->ip_version != version)
        return false;
    size_t n = version == 4 ? 4 : 16;
    for (int side = 0; side < 2; side++)
        if (!memcmp(c->addr[side], src, n) && c->port[side] == sp &&
            !memcmp(c->addr[1 - side], dst, n) && c->port[1 - side] == dp)
            return true;
    return false;
}

static zk_slot *lookup(tt_zeek *z, uint8_t v, const uint8_t *src, uint16_t sp, const uint8_t *dst,
                       uint16_t dp, uint32_t *bucket)
{
    *bucket = key_hash(v, src, sp, dst, dp) & (z->n_buckets - 1);
    for (uint32_t i = z->buckets[*bucket]; i != NONE; i = z->slots[i]->chain)
        if (conn_matches(&z->slots[i]->c, v, src, sp, dst, dp))
            return z->slots[i];
    return NULL;
}

static void unlink_slot(tt_zeek *z, zk_slot *s)
{
    const zk_conn *c = &s->c;
    uint32_t b = key_hash(c->ip_version, c->addr[0], c->port[0], c->addr[1], c->port[1]) &
                 (z->n_buckets - 1);
    uint32_t *p = &z->buckets[b];
    while (*p != NONE && *p != s->index)
        p = &z->slots[*p]->chain;
    if (*p == s->index)
        *p = s->chain;
}

static int grow_buckets(tt_zeek *z)
{
    uint32_t n = z->n_buckets * 2;
    uint32_t *b = malloc(n * sizeof *b);
    if (!b)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        b[i] = NONE;
    for (uint32_t i = 0; i < z->n_slots; i++) {
        zk_slot *s = z->slots[i];
        if (!s->live)
            continue;
        const zk_conn *c = &s->c;
        uint32_t h = key_hash(c->ip_version, c->addr[0], c->port[0], c->addr[1], c->port[1]) & (n - 1);
        s->chain = b[h];
        b[h] = i;
    }
    free(z->buckets);
    z->buckets = b;
    z->n_buckets = n;
    return 0;
}

static zk_slot *new_slot(tt_zeek *z)
{
    if (z->free_head != NONE) {
        zk_slot *s = z->slots[z->free_head];
        z->free_head = s->chain;
        s->incarnation++;
        return s;
    }
    if (z->n_slots == z->cap_slots) {
        uint32_t cap = z->cap_slots ? z->cap_slots * 2 : 64;
        zk_slot **p = realloc(z->slots, cap * sizeof *p);
        if (!p)
            return NULL;
        z->slots = p;
        z->cap_slots = cap;
    }
    zk_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->index = z->n_slots;
    z->slots[z->n_slots++] = s;
    return s;
}

/* A stable Zeek-shaped uid: "C" and 17 base62 digits of a hash of the row's 5-tuple and
 * start time (Zeek's own come from its random seed). */
static void make_uid(const tt_zeek_row *r, char *out)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t h = 1469598103934665603ull, g = 7809847782465536322ull;
    uint8_t buf[16 + 16 + 4 + sizeof(double)];
    memcpy(buf, r->orig_h, 16);
    memcpy(buf + 16, r->resp_h, 16);
    buf[32] = (uint8_t)(r->orig_p >> 8);
    buf[33] = (uint8_t)r->orig_p;
    buf[34] = (uint8_t)(r->resp_p >> 8);
    buf[35] = (uint8_t)r->resp_p;
    memcpy(buf + 36, &r->ts, sizeof(double));
    for (size_t i = 0; i < sizeof buf; i++) {
        h = (h ^ buf[i]) * 1099511628211ull;
        g = (g ^ buf[i]) * 6364136223846793005ull + 1442695040888963407ull;
    }
    out[0] = 'C';
    for (int i = 1; i <= 17; i++) {
        uint64_t *w = i <= 9 ? &h : &g;
        out[i] = digits[*w % 62];
        *w /= 62;
    }
    out[18] = 0;
}

/* Session removal: connection_state_remove logs the row; the slot is freed. */
static void remove_conn(tt_zeek *z, zk_slot *s)
{
    if (z->n_rows == z->cap_rows) {
        size_t cap = z->cap_rows ? z->cap_rows * 2 : 64;
        tt_zeek_row *r = realloc(z->rows, cap * sizeof *r);
        if (!r) {
            z->nomem = true; /* the row is lost; the caller reports no memory */
            cap = 0;
        } else {
            z->rows = r;
            z->cap_rows = cap;
        }
    }
    if (z->n_rows < z->cap_rows) {
        tt_zeek_row *row = &z->rows[z->n_rows++];
        zk_conn_row(&s->c, row);
        make_uid(row, row->uid);
        if (s->c.hist_cut)
            z->counters.history_cut++;
    }
    unlink_slot(z, s);
    zk_conn_free(&s->c);
    s->live = false;
    z->n_live--;
    s->chain = z->free_head;
    z->free_head = s->index;
}

static void fire_timers(tt_zeek *z)
{
    while (z->n_heap && z->heap[0].at <= z->network_time) {
        zk_timer t = heap_pop(z);
        zk_slot *s = z->slots[t.slot];
        if (!s->live || s->incarnation != t.incarnation)
            continue;
        uint32_t gen = t.type == ZK_T_INACTIVITY ? s->c.inact_gen : s->c.an_gen;
        if (gen != t.gen)
            continue; /* cancelled */
        if (zk_timer_fired(&s->c, t.type, z->network_time))
            remove_conn(z, s);
    }
}

/* ---- packets ---- */

static bool likely_server(const tt_zeek *z, uint16_t port)
{
    return (z->server_port[port >> 3] >> (port & 7)) & 1;
}

/* IPAnalyzer::AnalyzePacket's drops, for every IP layer: a zero total length (TSO)
 * unless checksums are ignored, a header checksum that fails, a datagram longer than
 * the frame. */
static bool ip_dropped(const tt_zeek *z, const tt_packet *p)
{
    for (int i = 0; i < p->n_ip; i++) {
        const tt_ip_layer *ip = &p->ip[i];
        if (ip->frame_wire_from_hdr && ip->total_len_hdr > ip->frame_wire_from_hdr)
            return true; /* truncated_IP_len: the frame's wire length, not a PPPoE length */
        if (!z->cfg.ignore_checksums && ip->version == 4 &&
            (ip->total_len_hdr == 0 || ip->hdr_cksum_bad))
            return true; /* ip_hdr_len_zero (TSO) or bad_IP_checksum */
    }
    return false;
}

static uint32_t sum16(const uint8_t *d, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)d[i] << 8 | d[i + 1];
    if (n & 1)
        sum += (uint32_t)d[n - 1] << 8;
    return sum;
}

/* The TCP payload's length as Zeek takes it: from the IP header's length (a PPPoE or
 * other link length does not cut it), captured as far as the frame goes; a zero IPv4
 * length (TSO, only read with -C) means what was captured (TCPAnalyzer::DeliverPacket). */
static void zeek_lengths(const tt_packet *p, const tt_ip_layer *ip, uint32_t *len, uint32_t *caplen)
{
    *len = p->payload_len;
    *caplen = p->payload_caplen;
    if (!ip->frame_cap_from_hdr || ip->reassembled)
        return;
    uint32_t hdrs = (uint32_t)ip->hdr_len + p->hdr_len;
    uint32_t cap = ip->frame_cap_from_hdr;
    uint32_t total = ip->total_len_hdr ? ip->total_len_hdr : cap;
    if (total < hdrs || cap < hdrs)
        return;
    if (cap > total)
        cap = total; /* Ethernet padding */
    *len = ip->total_len_hdr ? total - hdrs : cap - hdrs;
    *caplen = cap - hdrs;
}

/* TCP_Endpoint::ValidChecksum: over the pseudo-header (RFC 9293 3.1, RFC 8200 8.1). */
static bool tcp_checksum_ok(const tt_packet *p, uint32_t len)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    size_t alen = ip->version == 4 ? 4 : 16;
    uint32_t tcp_len = (uint32_t)p->hdr_len + len;
    uint32_t sum = sum16(ip->src, alen, 0);
    sum = sum16(ip->dst, alen, sum);
    sum += 6u + (tcp_len & 0xFFFF) + (tcp_len >> 16);
    sum = sum16(p->payload - p->hdr_len, tcp_len, sum);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return sum == 0xFFFF;
}

static bool is_broadcast(uint8_t version, const uint8_t *a)
{
    return version == 4 && a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
}

/* IPBasedAnalyzer::NewConn with TCPAnalyzer::WantConnection's orientation: a connection
 * that starts without a SYN, or with a SYN-ACK, is turned round when its source port is
 * a likely server port (both likely: only a non-SYN toward a higher port). */
static zk_slot *new_conn(tt_zeek *z, const tt_packet *p, const tt_ip_layer *ip, double t)
{
    if (z->n_live + 1 > z->n_buckets && grow_buckets(z) < 0)
        return NULL;
    zk_slot *s = new_slot(z);
    if (!s)
        return NULL;
    zk_conn *c = &s->c;
    uint32_t index = s->index, incarnation = s->incarnation;
    memset(s, 0, sizeof *s);
    s->index = index;
    s->incarnation = incarnation;
    s->live = true;
    c->ip_version = ip->version;
    memcpy(c->addr[0], ip->src, 16);
    memcpy(c->addr[1], ip->dst, 16);
    c->port[0] = p->sport;
    c->port[1] = p->dport;
    c->table = z;
    c->add_timer = add_timer;
    c->partial_close_timer = z->cfg.partial_close_timer;
    c->reset_timer = z->cfg.reset_timer;
    uint32_t b = key_hash(ip->version, ip->src, p->sport, ip->dst, p->dport) & (z->n_buckets - 1);
    s->chain = z->buckets[b];
    z->buckets[b] = s->index;
    z->n_live++;
    z->counters.conns++;
    zk_conn_init(c, t, z->network_time);
    bool syn = p->flags & TT_TCP_SYN, ack = p->flags & TT_TCP_ACK;
    bool flip = false;
    if ((!syn || ack) && likely_server(z, p->sport))
        flip = likely_server(z, p->dport) ? !syn && p->sport < p->dport : true;
    if (flip && !is_broadcast(ip->version, c->addr[1]))
        zk_conn_flip(c);
    return s;
}

static int process_packet(tt_zeek *z, const tt_packet *p, double t)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (!ip || p->tcp_have < TT_TCP_HAVE_FIXED)
        return 0;
    if (ip_dropped(z, p)) {
        z->counters.dropped_ip++;
        return 0;
    }
    z->counters.tcp_packets++;
    z->counters.tunneled += p->n_ip > 1;
    uint32_t bucket;
    zk_slot *s = lookup(z, ip->version, ip->src, p->sport, ip->dst, p->dport, &bucket);
    if (s && p->hdr_len >= 20 && zk_is_reuse(&s->c, t, p->flags, p->seq_raw)) {
        remove_conn(z, s);
        s = NULL;
    }
    if (!s && !(s = new_conn(z, p, ip, t)))
        return -1;
    zk_conn *c = &s->c;
    size_t alen = ip->version == 4 ? 4 : 16;
    bool is_orig = !memcmp(ip->src, c->addr[0], alen) && p->sport == c->port[0];
    if (p->tcp_have < TT_TCP_HAVE_FULL) {
        z->counters.dropped_tcp_hdr++; /* bad_TCP_header_len / truncated_header */
        return 0;
    }
    uint32_t len, caplen;
    zeek_lengths(p, ip, &len, &caplen);
    if (!z->cfg.ignore_checksums && caplen >= len && !tcp_checksum_ok(p, len)) {
        z->counters.bad_checksum++;
        zk_checksum_error(c, is_orig);
        return 0;
    }
    zk_endp *sender = is_orig ? c->orig : c->resp; /* ConnSize counts it after Process */
    zk_seg seg = {t, p->flags, p->seq_raw, p->ack_raw, p->window_raw, (int)len, (int)caplen};
    if (zk_process(c, is_orig, &seg) < 0)
        return -1;
    sender->pkts++;
    /* IP_Hdr::TotalLen: 0 for TSO adds 0; of a reassembled datagram, its whole length. */
    sender->ip_bytes += ip->reassembled ? (uint64_t)ip->hdr_len + p->hdr_len + p->payload_len
                                        : ip->total_len_hdr;
    return 0;
}

/* ---- the facade ---- */

tt_zeek *tt_zeek_new(const tt_zeek_config *cfg, tt_error *err)
{
    tt_zeek *z = calloc(1, sizeof *z);
    if (!z) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    z->cfg = *cfg;
    size_t n = cfg->n_server_ports;
    const uint16_t *ports = cfg->server_ports;
    if (!ports)
        ports = tt_zeek_default_ports(&n);
    for (size_t i = 0; i < n; i++)
        z->server_port[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
    z->cfg.server_ports = NULL; /* not kept: the bitmap is */
    tt_engine_config ecfg = {0};
    ecfg.decode_only = 1;
    z->eng = tt_engine_new(&ecfg, err);
    z->n_buckets = 1024;
    z->buckets = malloc(z->n_buckets * sizeof *z->buckets);
    z->free_head = NONE;
    if (!z->eng || !z->buckets) {
        if (z->eng)
            tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        tt_zeek_free(z);
        return NULL;
    }
    for (uint32_t i = 0; i < z->n_buckets; i++)
        z->buckets[i] = NONE;
    return z;
}

int tt_zeek_feed(tt_zeek *z, const tt_frame *frame, tt_error *err)
{
    z->counters.frames++;
    /* Zeek's packet time: a double of seconds and microseconds (libpcap's precision). */
    double t = (double)frame->ts_sec + (double)(frame->ts_nsec / 1000) / 1e6;
    if (!z->have_time || t > z->network_time)
        z->network_time = t; /* network_time never goes back */
    z->have_time = true;
    fire_timers(z);
    tt_segment seg;
    int rc = tt_engine_feed(z->eng, frame, &seg) ? process_packet(z, &seg.pkt, t) : 0;
    if (rc < 0 || z->nomem) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory in the Zeek connection table");
        return -1;
    }
    return 0;
}

void tt_zeek_finish(tt_zeek *z)
{
    tt_engine_finish(z->eng);
    for (uint32_t i = 0; i < z->n_slots; i++)
        if (z->slots[i]->live)
            remove_conn(z, z->slots[i]);
    z->n_heap = 0;
}

int tt_zeek_next_row(tt_zeek *z, tt_zeek_row *out)
{
    if (z->rows_head >= z->n_rows)
        return 0;
    *out = z->rows[z->rows_head++];
    if (z->rows_head == z->n_rows)
        z->rows_head = z->n_rows = 0;
    return 1;
}

const tt_zeek_counters *tt_zeek_get_counters(const tt_zeek *z) { return &z->counters; }

void tt_zeek_free(tt_zeek *z)
{
    if (!z)
        return;
    for (uint32_t i = 0; i < z->n_slots; i++) {
        zk_conn_free(&z->slots[i]->c);
        free(z->slots[i]);
    }
    free(z->slots);
    free(z->buckets);
    free(z->heap);
    free(z->rows);
    tt_engine_free(z->eng);
    free(z);
}
