/* framer_dns: DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded
 * by a two-byte length; several may follow each other on a connection, in either
 * direction. Reports every message with its header (id, QR, opcode, rcode, counts),
 * its first question and Wireshark's Info line ("Standard query 0x1a2b A example.com",
 * "Standard query response 0x1a2b A example.com A 93.184.216.34").
 *
 * Memory is bounded: a message is buffered while it arrives (at most 65,535 bytes, the
 * most its length can say) to read its names, which may point anywhere before them
 * (RFC 1035 §4.1.4). Lost bytes inside a message are counted (missing_bytes) and what
 * lies after them is not parsed; lost bytes in a length prefix stop the direction's
 * framing (TCP DNS has no resynchronisation point). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtext.h"
#include "anomaly.h"
#include "framer.h"

#define DNS_HDR_LEN 12          /* RFC 1035 §4.1.1 */
#define DNS_KEEP_BUF 4096u      /* a bigger message buffer is freed after its message */
#define DNS_INFO_MAX 4096u      /* Wireshark's COL_MAX_INFO_LEN */
#define DNS_NAME_MAX 1024u      /* a presentation name: 255 wire bytes, escaped */

enum { F_ID, F_RESPONSE, F_OPCODE, F_RCODE, F_QDCOUNT, F_ANCOUNT, F_NSCOUNT, F_ARCOUNT, F_QNAME,
       F_QTYPE, F_QCLASS, F_COUNT };

static const tt_app_field DNS_FIELDS[] = {
    [F_ID] = {"dns_id", TT_APP_INT},
    [F_RESPONSE] = {"dns_response", TT_APP_INT}, /* the QR bit */
    [F_OPCODE] = {"opcode", TT_APP_INT},
    [F_RCODE] = {"rcode", TT_APP_INT},
    [F_QDCOUNT] = {"qdcount", TT_APP_INT},
    [F_ANCOUNT] = {"ancount", TT_APP_INT},
    [F_NSCOUNT] = {"nscount", TT_APP_INT},
    [F_ARCOUNT] = {"arcount", TT_APP_INT},
    [F_QNAME] = {"qname", TT_APP_STR},           /* the first question's name */
    [F_QTYPE] = {"qtype", TT_APP_INT},
    [F_QCLASS] = {"qclass", TT_APP_INT},
};

/* tt_app_msg.flags of DNS messages */
enum {
    TT_DNS_F_ABANDONED = 1u << 0, /* cut by the end of the stream: incomplete */
    TT_DNS_F_MISSING = 1u << 1,   /* some bytes lost (gap or snaplen) */
    TT_DNS_F_INVALID = 1u << 3,   /* shorter than a header, or a name or record that overruns */
    TT_DNS_F_TRUNCATED = 1u << 6, /* some bytes cut by the snaplen (MISSING), not a GAP */
};

typedef enum dstate { D_LEN = 0, D_BODY, D_LOST } dstate;

typedef struct dns_dir {
    dstate state;
    uint8_t lenbuf[2];
    uint8_t have_len;     /* length bytes read */
    uint32_t msg_len;     /* the message's length */
    uint32_t got;         /* message bytes seen (held or lost) */
    uint32_t held;        /* bytes at buf from the start, before any loss */
    bool lost, truncated;
    uint64_t start_off;   /* stream offset of the length prefix */
    uint64_t missing;
    uint8_t *buf;         /* owned: the message's first `held` bytes */
    size_t cap;
    tt_app_frames frames;
} dns_dir;

typedef struct dns_framer {
    tt_app_emit emit;
    dns_dir d[2];
} dns_framer;

/* ---- names and Info ---- */

typedef struct rd {
    const uint8_t *p; /* borrowed: the message */
    size_t len;
} rd;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Read the name at *at into out (presentation form, "<Root>" for the root); *at moves
 * past it in the message (not past what a pointer points to). False when it overruns,
 * loops, or exceeds 255 bytes (RFC 1035 §2.3.4). */
static bool read_name(const rd *m, size_t *at, char *out, size_t cap)
{
    size_t pos = *at, o = 0, wire = 0;
    bool jumped = false;
    for (unsigned hops = 0; hops < 128; hops++) {
        if (pos >= m->len)
            return false;
        uint8_t l = m->p[pos];
        if ((l & 0xC0) == 0xC0) { /* a pointer: RFC 1035 §4.1.4 */
            if (pos + 1 >= m->len)
                return false;
            if (!jumped)
                *at = pos + 2;
            jumped = true;
            pos = (size_t)(be16(m->p + pos) & 0x3FFF);
            continue;
        }
        if (l & 0xC0)
            return false; /* extended label types (RFC 6891 §5): not names we read */
        if (l == 0) {
            if (!jumped)
                *at = pos + 1;
            if (!o)
                o = (size_t)snprintf(out, cap, "<Root>");
            out[o < cap ? o : cap - 1] = 0;
            return true;
        }
        wire += 1u + l;
        if (wire > 255 || pos + 1 + l > m->len)
            return false;
        if (o && o + 1 < cap)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t c = m->p[pos + 1 + i];
            if (c > 0x20 && c < 0x7F && o + 1 < cap)
                out[o++] = (char)c;
            else if (o + 5 < cap) /* Wireshark escapes other bytes as \ddd */
                o += (size_t)snprintf(out + o, cap - o, "\\%03u", c);
        }
        pos += 1u + l;
    }
    return false;
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case 1: return "A";         case 2: return "NS";        case 5: return "CNAME";
    case 6: return "SOA";       case 12: return "PTR";      case 13: return "HINFO";
    case 15: return "MX";       case 16: return "TXT";      case 17: return "RP";
    case 18: return "AFSDB";    case 28: return "AAAA";     case 29: return "LOC";
    case 33: return "SRV";      case 35: return "NAPTR";    case 39: return "DNAME";
    case 41: return "OPT";      case 43: return "DS";       case 44: return "SSHFP";
    case 46: return "RRSIG";    case 47: return "NSEC";     case 48: return "DNSKEY";
    case 50: return "NSEC3";    case 52: return "TLSA";     case 64: return "SVCB";
    case 65: return "HTTPS";    case 99: return "SPF";      case 249: return "TKEY";
    case 250: return "TSIG";    case 251: return "IXFR";    case 252: return "AXFR";
    case 255: return "ANY";     case 257: return "CAA";
    }
    return NULL;
}

static const char *opcode_name(unsigned op)
{
    switch (op) {
    case 0: return "Standard query";
    case 1: return "Inverse query";
    case 2: return "Server status request";
    case 4: return "Zone change notification";
    case 5: return "Dynamic update";
    case 6: return "DNS Stateful operations (DSO)";
    }
    return NULL;
}

static const char *rcode_name(unsigned rc)
{
    static const char *const names[] = {
        "No error", "Format error", "Server failure", "No such name", "Not implemented",
        "Refused", "Name exists", "RRset exists", "RRset does not exist", "Not authoritative",
        "Name out of zone",
    };
    return rc < sizeof names / sizeof *names ? names[rc] : NULL;
}

typedef struct info {
    char *buf; /* borrowed: DNS_INFO_MAX bytes */
    size_t at;
} info;

static void info_add(info *b, const char *fmt, const char *a, unsigned n)
{
    if (b->at + 1 >= DNS_INFO_MAX)
        return;
    int k = a ? snprintf(b->buf + b->at, DNS_INFO_MAX - b->at, fmt, a)
              : snprintf(b->buf + b->at, DNS_INFO_MAX - b->at, fmt, n);
    if (k > 0)
        b->at = b->at + (size_t)k < DNS_INFO_MAX ? b->at + (size_t)k : DNS_INFO_MAX - 1;
}

static void info_type(info *b, unsigned t)
{
    const char *name = type_name(t);
    if (name)
        info_add(b, " %s", name, 0);
    else
        info_add(b, " Unknown (%u)", NULL, t);
}

/* The data of a record as the Info line summarises it (addresses, target names). */
static void info_rdata(info *b, const rd *m, unsigned type, size_t at, size_t rdlen)
{
    char name[DNS_NAME_MAX], text[64];
    const uint8_t *p = m->p + at;
    size_t pos = at;
    if (type == 1 && rdlen == 4) {
        snprintf(text, sizeof text, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        info_add(b, " %s", text, 0);
    } else if (type == 28 && rdlen == 16) {
        tt_addr_text(6, p, text);
        info_add(b, " %s", text, 0);
    } else if ((type == 2 || type == 5 || type == 12 || type == 39 || type == 6) &&
               read_name(m, &pos, name, sizeof name)) {
        info_add(b, " %s", name, 0); /* SOA: its primary name server */
    } else if (type == 15 && rdlen >= 3) {
        pos += 2;
        if (read_name(m, &pos, name, sizeof name)) {
            info_add(b, " %u", NULL, be16(p));
            info_add(b, " %s", name, 0);
        }
    } else if (type == 33 && rdlen >= 7) {
        pos += 6;
        if (read_name(m, &pos, name, sizeof name)) {
            snprintf(text, sizeof text, " %u %u %u", be16(p), be16(p + 2), be16(p + 4));
            info_add(b, "%s", text, 0);
            info_add(b, " %s", name, 0);
        }
    }
}

/* ---- one message ---- */

typedef struct parsed {
    bool header, question;
    uint16_t id, flags, count[4], qtype, qclass;
    char qname[DNS_NAME_MAX];
    bool invalid;
} parsed;

/* Questions and resource records (RFC 1035 §4.1.2, §4.1.3) into the Info line. */
static void parse_sections(const rd *m, parsed *r, info *b)
{
    size_t at = DNS_HDR_LEN;
    char name[DNS_NAME_MAX];
    for (unsigned q = 0; q < r->count[0]; q++) {
        if (!read_name(m, &at, name, sizeof name) || at + 4 > m->len)
            goto bad;
        unsigned type = be16(m->p + at), cls = be16(m->p + at + 2);
        at += 4;
        if (q == 0) {
            memcpy(r->qname, name, sizeof name);
            r->qtype = (uint16_t)type;
            r->qclass = (uint16_t)cls;
            r->question = true;
        }
        info_type(b, type);
        info_add(b, " %s", name, 0);
    }
    unsigned n_rr = (unsigned)r->count[1] + r->count[2] + r->count[3];
    for (unsigned i = 0; i < n_rr; i++) {
        if (!read_name(m, &at, name, sizeof name) || at + 10 > m->len)
            goto bad;
        unsigned type = be16(m->p + at);
        size_t rdlen = be16(m->p + at + 8);
        at += 10;
        if (at + rdlen > m->len)
            goto bad;
        info_type(b, type);
        info_rdata(b, m, type, at, rdlen);
        at += rdlen;
    }
    return;
bad:
    r->invalid = true;
}

static void parse(const rd *m, parsed *r, info *b)
{
    memset(r, 0, sizeof *r);
    if (m->len < DNS_HDR_LEN) {
        r->invalid = true;
        return;
    }
    r->header = true;
    r->id = be16(m->p);
    r->flags = be16(m->p + 2);
    for (int i = 0; i < 4; i++)
        r->count[i] = be16(m->p + 4 + 2 * i);
    unsigned op = (r->flags >> 11) & 0xF, rc = r->flags & 0xF;
    const char *opn = opcode_name(op);
    if (opn)
        info_add(b, "%s", opn, 0);
    else
        info_add(b, "Unknown operation (%u)", NULL, op);
    if (r->flags & 0x8000)
        info_add(b, "%s", " response", 0);
    info_add(b, " 0x%04x", NULL, r->id);
    if ((r->flags & 0x8000) && rc) {
        const char *rcn = rcode_name(rc);
        if (rcn)
            info_add(b, " %s", rcn, 0);
        else
            info_add(b, " Unknown error (%u)", NULL, rc);
    }
    parse_sections(m, r, b);
}

static void set_int(tt_app_value *v, int64_t i)
{
    v->set = true;
    v->i = i;
}

static void emit_msg(dns_framer *f, int dir, uint64_t done_frame, bool abandoned)
{
    dns_dir *d = &f->d[dir];
    char text[DNS_INFO_MAX];
    info b = {text, 0};
    text[0] = 0;
    rd m = {d->buf, d->held};
    parsed r;
    parse(&m, &r, &b);
    uint32_t flags = (abandoned ? TT_DNS_F_ABANDONED : 0u) | (d->lost ? TT_DNS_F_MISSING : 0u) |
                     (d->truncated ? TT_DNS_F_TRUNCATED : 0u);
    /* a parse cut short by lost bytes is not a lie of the message's */
    bool invalid = r.invalid && !d->lost && !abandoned;
    if (invalid) {
        flags |= TT_DNS_F_INVALID;
        info_add(&b, "%s", "[Malformed Packet]", 0); /* as Wireshark marks a dissector's
                                                        exception in the Info column */
    }
    tt_app_msg out = {
        .kind = r.header && (r.flags & 0x8000) ? "dns_response" : "dns_query",
        .dir = dir, .done_frame = abandoned ? 0 : done_frame, .start_off = d->start_off,
        .end_off = d->start_off + 2u + d->got, .length = 2u + (uint64_t)d->got,
        .missing_bytes = d->missing, .flags = flags,
        .anomalies = (invalid ? TT_ANOM_BIT(TT_ANOM_DNS_INVALID) : 0) |
                     (abandoned ? TT_ANOM_BIT(TT_ANOM_DNS_ABANDONED) : 0),
        .lost = d->lost, .truncated = d->truncated, .pdu = true, .protocol = {"DNS", 3},
        .info = {text, b.at}, .frames = d->frames.v, .n_frames = d->frames.n,
        .frames_total = d->frames.n_total,
    };
    if (r.header) {
        set_int(&out.v[F_ID], r.id);
        set_int(&out.v[F_RESPONSE], (r.flags >> 15) & 1);
        set_int(&out.v[F_OPCODE], (r.flags >> 11) & 0xF);
        set_int(&out.v[F_RCODE], r.flags & 0xF);
        for (int i = 0; i < 4; i++)
            set_int(&out.v[F_QDCOUNT + i], r.count[i]);
    }
    if (r.question) {
        out.v[F_QNAME] = (tt_app_value){.set = true, .s = {r.qname, strlen(r.qname)}};
        set_int(&out.v[F_QTYPE], r.qtype);
        set_int(&out.v[F_QCLASS], r.qclass);
    }
    f->emit.msg(f->emit.ctx, &out, false);
    d->state = D_LEN;
    d->have_len = 0;
    d->got = d->held = 0;
    d->lost = d->truncated = false;
    d->missing = 0;
    tt_app_frames_reset(&d->frames);
    if (d->cap > DNS_KEEP_BUF) {
        free(d->buf);
        d->buf = NULL;
        d->cap = 0;
    }
}

/* ---- feeding ---- */

static bool reserve(dns_dir *d, size_t need)
{
    if (need <= d->cap)
        return true;
    size_t cap = d->cap ? d->cap : 512;
    while (cap < need)
        cap *= 2;
    uint8_t *nb = realloc(d->buf, cap);
    if (!nb)
        return false;
    d->buf = nb;
    d->cap = cap;
    return true;
}

static void feed_data(dns_framer *f, int dir, const tt_reasm_chunk *ch)
{
    dns_dir *d = &f->d[dir];
    uint64_t i = 0;
    while (i < ch->len && d->state != D_LOST) {
        if (d->state == D_LEN) {
            if (d->have_len == 0)
                d->start_off = ch->off + i;
            d->lenbuf[d->have_len++] = ch->data[i];
            tt_app_frames_add_chunk(&d->frames, ch, i, 1);
            i++;
            if (d->have_len == 2) {
                d->msg_len = be16(d->lenbuf);
                d->state = D_BODY;
                if (!d->msg_len)
                    emit_msg(f, dir, tt_app_done_frame(ch, i - 1), false);
            }
            continue;
        }
        uint64_t take = ch->len - i;
        if (take > d->msg_len - d->got)
            take = d->msg_len - d->got;
        if (!d->lost) {
            if (reserve(d, (size_t)d->held + take)) {
                memcpy(d->buf + d->held, ch->data + i, (size_t)take);
                d->held += (uint32_t)take;
            } else {
                d->lost = true; /* no memory: the rest is counted, not parsed */
            }
        }
        tt_app_frames_add_chunk(&d->frames, ch, i, take);
        d->got += (uint32_t)take;
        i += take;
        if (d->got == d->msg_len)
            emit_msg(f, dir, tt_app_done_frame(ch, i - 1), false);
    }
}

static void feed_lost(dns_framer *f, int dir, const tt_reasm_chunk *ch)
{
    dns_dir *d = &f->d[dir];
    uint64_t left = ch->len;
    while (left && d->state == D_BODY) {
        uint64_t take = left < d->msg_len - d->got ? left : d->msg_len - d->got;
        d->lost = true;
        d->truncated = d->truncated || ch->kind == TT_REASM_MISSING;
        d->missing += take;
        if (ch->kind == TT_REASM_MISSING)
            tt_app_frames_add_chunk(&f->d[dir].frames, ch, ch->len - left, take);
        d->got += (uint32_t)take;
        left -= take;
        if (d->got == d->msg_len)
            emit_msg(f, dir, ch->frame, false);
    }
    if (left)
        d->state = D_LOST; /* a length prefix lost: nothing to frame by */
}

static void dns_feed(void *state, int dir, const tt_reasm_chunk *ch)
{
    dns_framer *f = state;
    if (dir != 0 && dir != 1)
        return;
    if (ch->kind == TT_REASM_DATA)
        feed_data(f, dir, ch);
    else if (ch->kind == TT_REASM_END) {
        if (f->d[dir].state == D_BODY || (f->d[dir].state == D_LEN && f->d[dir].have_len))
            emit_msg(f, dir, 0, true);
        f->d[dir].state = D_LOST;
    } else {
        feed_lost(f, dir, ch);
    }
}

static void *dns_open(const tt_app_emit *emit, tt_error *err)
{
    dns_framer *f = calloc(1, sizeof *f);
    if (!f) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory for a DNS framer");
        return NULL;
    }
    f->emit = *emit;
    for (int i = 0; i < 2; i++)
        tt_app_frames_init(&f->d[i].frames, 0);
    return f;
}

static void dns_close(void *state)
{
    dns_framer *f = state;
    if (!f)
        return;
    for (int i = 0; i < 2; i++) {
        free(f->d[i].buf);
        tt_app_frames_clear(&f->d[i].frames);
    }
    free(f);
}

const tt_framer tt_framer_dns = {
    .name = "dns",
    .dissector = "dns",
    .sniff = NULL, /* no signature to sniff by: the port decides */
    .info_joins = false,
    .fields = DNS_FIELDS,
    .n_fields = F_COUNT,
    .open = dns_open,
    .feed = dns_feed,
    .close = dns_close,
};
