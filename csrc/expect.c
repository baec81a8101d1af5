#include "expect.h"

#include <string.h>


#define FTP_PORT 21

void tt_expect_init(tt_expect_table *t) { memset(t, 0, sizeof *t); }

static tt_expect *add_kind(tt_expect_table *t, tt_expect_kind kind, uint8_t version, const uint8_t *addr1,
                           uint16_t port1, const uint8_t *addr2)
{
    tt_expect *e = &t->slot[t->next++ % TT_EXPECT_SLOTS];
    memset(e, 0, sizeof *e);
    e->used = true;
    e->kind = (uint8_t)kind;
    e->version = version;
    size_t alen = version == 6 ? 16 : 4;
    memcpy(e->addr1, addr1, alen);
    if (addr2)
        memcpy(e->addr2, addr2, alen);
    else
        e->any_addr2 = true;
    e->port1 = port1;
    return e;
}

static void add(tt_expect_table *t, uint8_t version, const uint8_t *addr1, uint16_t port1, const uint8_t *addr2)
{
    add_kind(t, TT_EXPECT_TCP, version, addr1, port1, addr2);
}

/* Up to `max` decimal numbers separated by commas, starting at the first digit. */
static int parse_numbers(const uint8_t *s, size_t n, unsigned *out, int max)
{
    size_t i = 0;
    while (i < n && (s[i] < '0' || s[i] > '9'))
        i++;
    int k = 0;
    while (i < n && k < max) {
        unsigned v = 0;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9' && v < 100000)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start)
            break;
        out[k++] = v;
        if (i >= n || s[i] != ',')
            break;
        i++;
    }
    return k;
}

/* h1,h2,h3,h4,p1,p2 (RFC 959 PASV reply and PORT argument). */
static bool parse_hostport(const uint8_t *s, size_t n, uint8_t addr[4], uint16_t *port)
{
    unsigned v[6];
    if (parse_numbers(s, n, v, 6) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (v[i] > 255)
            return false;
    for (int i = 0; i < 4; i++)
        addr[i] = (uint8_t)v[i];
    *port = (uint16_t)(v[4] << 8 | v[5]);
    return *port != 0;
}

/* The last |-delimited field before the closing delimiter: "(|||6446|)" or
 * "|2|::1|6446|" (RFC 2428). */
static bool parse_ext_port(const uint8_t *s, size_t n, uint16_t *port)
{
    size_t end = n;
    while (end > 0 && s[end - 1] != '|')
        end--;
    if (end == 0)
        return false;
    end--; /* at the closing delimiter */
    size_t start = end;
    while (start > 0 && s[start - 1] >= '0' && s[start - 1] <= '9')
        start--;
    if (start == end || start == 0 || s[start - 1] != '|')
        return false;
    unsigned v = 0;
    for (size_t i = start; i < end && v < 100000; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    if (v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool starts(const uint8_t *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 32);
        if (c != (uint8_t)w[i])
            return false;
    }
    return true;
}

void tt_expect_ftp(tt_expect_table *t, const tt_packet *p)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (!ip || !p->payload || p->payload_caplen == 0 || (p->sport != FTP_PORT && p->dport != FTP_PORT))
        return;
    const uint8_t *s = p->payload;
    size_t n = p->payload_caplen;
    for (size_t i = 0; i < n; i++) { /* the first line only */
        if (s[i] == '\r' || s[i] == '\n') {
            n = i;
            break;
        }
    }
    uint8_t a4[16] = {0};
    uint16_t port;
    if (p->sport == FTP_PORT) { /* reply from the server */
        if (starts(s, n, "227") && ip->version == 4 && parse_hostport(s + 3, n - 3, a4, &port))
            add(t, 4, a4, port, ip->dst);
        else if (starts(s, n, "229") && parse_ext_port(s, n, &port))
            add(t, ip->version, ip->src, port, ip->dst);
    } else if (starts(s, n, "PORT ") && ip->version == 4 && parse_hostport(s + 5, n - 5, a4, &port)) {
        /* Active mode: the server connects to the announced client port. tshark
         * 4.0 was not seen to do the same for EPRT, so neither do we. */
        add(t, 4, a4, port, ip->dst);
    }
}

/* Asphodel (packet-asphodel.c): an inquiry carries "Asphodel" at byte 2; a reply
 * of at least 16 bytes to the inquirer announces the replier's address and port
 * as a TCP conversation with any peer. */
#define ASPHODEL_MAGIC "Asphodel"
#define ASPHODEL_REPLY_MIN 16

void tt_expect_udp(tt_expect_table *t, const tt_packet *p)
{
    const tt_ip_layer *ip = tt_packet_ip(p);
    const uint8_t *udp = p->ip_payload;
    if (!ip || ip->proto != 17 || !udp || p->ip_payload_caplen < 8)
        return;
    uint16_t sport = (uint16_t)(udp[0] << 8 | udp[1]);
    uint16_t dport = (uint16_t)(udp[2] << 8 | udp[3]);
    const uint8_t *pl = udp + 8;
    uint32_t plen = p->ip_payload_caplen - 8;
    if (plen >= 11 && memcmp(pl + 2, ASPHODEL_MAGIC, sizeof ASPHODEL_MAGIC) == 0) {
        add_kind(t, TT_EXPECT_ASPHODEL_REPLY, ip->version, ip->src, sport, NULL);
        return;
    }
    if (plen < ASPHODEL_REPLY_MIN)
        return;
    size_t alen = ip->version == 6 ? 16 : 4;
    for (unsigned i = 0; i < TT_EXPECT_SLOTS; i++) {
        tt_expect *e = &t->slot[i];
        if (e->used && e->kind == TT_EXPECT_ASPHODEL_REPLY && e->version == ip->version && e->port1 == dport &&
            memcmp(e->addr1, ip->dst, alen) == 0) {
            add_kind(t, TT_EXPECT_TCP, ip->version, ip->src, sport, NULL);
            return;
        }
    }
}

bool tt_expect_take(tt_expect_table *t, const tt_flow_key *key)
{
    size_t alen = key->version == 6 ? 16 : 4;
    for (unsigned i = 0; i < TT_EXPECT_SLOTS; i++) {
        tt_expect *e = &t->slot[i];
        if (!e->used || e->kind != TT_EXPECT_TCP || e->version != key->version)
            continue;
        for (int side = 0; side < 2; side++) {
            if (key->port[side] == e->port1 && memcmp(key->addr[side], e->addr1, alen) == 0 &&
                (e->any_addr2 || memcmp(key->addr[!side], e->addr2, alen) == 0)) {
                e->used = false;
                return true;
            }
        }
    }
    return false;
}
