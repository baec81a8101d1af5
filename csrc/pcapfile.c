/* pcapfile: classic pcap headers and records (libpcap's sf-pcap.c rules). */
#include "pcapfile.h"

#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define TT_PCAP_MAGIC_USEC 0xA1B2C3D4u
#define TT_PCAP_MAGIC_NSEC 0xA1B23C4Du
#define TT_PCAP_MAGIC_KUZNETZOV 0xA1B2CD34u
#define TT_PCAP_REC_HDR 16
#define TT_PCAP_REC_HDR_KUZNETZOV 24 /* + ifindex, protocol, pkt_type, pad */

/* libpcap's record limits (max_snaplen_for_dlt), by LINKTYPE. */
#define TT_PCAP_MAX_CAPLEN 262144u
#define TT_LINKTYPE_DBUS 231
#define TT_LINKTYPE_USBPCAP 249
#define TT_LINKTYPE_EBHSCR 279

static uint32_t rd32(const uint8_t *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t rd16(const uint8_t *p, int be)
{
    return (uint16_t)(be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0]);
}

static int known_magic(uint32_t m)
{
    return m == TT_PCAP_MAGIC_USEC || m == TT_PCAP_MAGIC_NSEC || m == TT_PCAP_MAGIC_KUZNETZOV;
}

int tt_pcap_magic_ok(const uint8_t *magic4)
{
    return known_magic(rd32(magic4, 1)) || known_magic(rd32(magic4, 0));
}

static uint32_t max_caplen_for(int32_t linktype)
{
    switch (linktype) {
    case TT_LINKTYPE_DBUS: return 128u << 20;
    case TT_LINKTYPE_EBHSCR: return 8u << 20;
    case TT_LINKTYPE_USBPCAP: return 1u << 20;
    default: return TT_PCAP_MAX_CAPLEN;
    }
}

int tt_pcap_header_parse(const uint8_t *h, size_t len, tt_pcap_header *out, tt_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < 4 || !tt_pcap_magic_ok(h)) {
        tt_error_set(err, TT_ERR_FORMAT, "unknown file format");
        return -1;
    }
    int be = known_magic(rd32(h, 1));
    uint32_t magic = rd32(h, be);
    if (len < TT_PCAP_FILE_HDR) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "truncated dump file; tried to read %d file header bytes, only got %zu",
                     TT_PCAP_FILE_HDR, len);
        return -1;
    }
    out->major = rd16(h + 4, be);
    out->minor = rd16(h + 6, be);
    out->snaplen = rd32(h + 16, be);
    uint32_t network = rd32(h + 20, be);
    if (!((out->major == 2 && out->minor <= 4) || (out->major == 543 && out->minor == 0))) {
        tt_error_set(err, TT_ERR_FORMAT, "unsupported pcap savefile version %u.%u",
                     (unsigned)out->major, (unsigned)out->minor);
        return -1;
    }
    /* Wireshark refuses a network field with its reserved bits (16-25) set; libpcap
     * ignores them. Bits 26-31 carry the FCS length. */
    if (network & 0x03FF0000u) {
        tt_error_set(err, TT_ERR_FORMAT, "pcap: network type reserved field not zero (0x%08x)",
                     network & 0x03FF0000u);
        return -1;
    }
    out->linktype = (int32_t)(network & 0xFFFFu);
    tt_pcap_layout *l = &out->layout;
    l->big_endian = be;
    l->nsec = magic == TT_PCAP_MAGIC_NSEC;
    l->rec_hdr = magic == TT_PCAP_MAGIC_KUZNETZOV ? TT_PCAP_REC_HDR_KUZNETZOV : TT_PCAP_REC_HDR;
    if (out->major == 543 || out->minor < 3)
        l->lengths = TT_PCAP_LENGTHS_SWAPPED;
    else if (out->minor == 3)
        l->lengths = TT_PCAP_LENGTHS_MAYBE_SWAPPED;
    else
        l->lengths = TT_PCAP_LENGTHS_NORMAL;
    l->max_caplen = max_caplen_for(out->linktype);
    return 0;
}

int tt_pcap_rec_decode(const tt_pcap_layout *l, const uint8_t *h, tt_pcap_rec *r, tt_error *err)
{
    int be = l->big_endian;
    r->sec = rd32(h, be);
    r->frac = rd32(h + 4, be);
    r->caplen = rd32(h + 8, be);
    r->wirelen = rd32(h + 12, be);
    if (l->lengths == TT_PCAP_LENGTHS_SWAPPED ||
        (l->lengths == TT_PCAP_LENGTHS_MAYBE_SWAPPED && r->caplen > r->wirelen)) {
        uint32_t t = r->caplen;
        r->caplen = r->wirelen;
        r->wirelen = t;
    }
    if (r->caplen > l->max_caplen) {
        /* libpcap's words: the limit stands in for the hidden snaplen. */
        tt_error_set(err, TT_ERR_FORMAT,
                     "invalid packet capture length %u, bigger than snaplen of %u", r->caplen,
                     l->max_caplen);
        return -1;
    }
    return 0;
}

void tt_pcap_rec_frame(const tt_pcap_layout *l, const tt_pcap_rec *r, const uint8_t *data,
                       tt_frame *out)
{
    out->data = data;
    out->caplen = r->caplen;
    out->wirelen = r->wirelen;
    /* As Wireshark reads them: unsigned 32-bit seconds, and for microsecond files the
     * nanoseconds as (uint32)(usec * 1000), wrapping rather than carrying. */
    out->ts_sec = (int64_t)r->sec;
    out->ts_nsec = l->nsec ? (int32_t)r->frac : (int32_t)(uint32_t)(r->frac * 1000u);
    out->ts_ns = (int64_t)((uint64_t)out->ts_sec * 1000000000u + (uint64_t)(int64_t)out->ts_nsec);
    out->iface = 0;
}

int tt_pcap_parse(const tt_pcap_layout *l, const uint8_t *buf, size_t len, size_t *off,
                  tt_frame *out, tt_error *err)
{
    if (*off >= len)
        return 0;
    size_t left = len - *off;
    /* libpcap's words for the same faults (sf-pcap.c), so both readers say the same. */
    if (left < l->rec_hdr) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "truncated dump file; tried to read %u header bytes, only got %zu",
                     (unsigned)l->rec_hdr, left);
        return -1;
    }
    const uint8_t *h = buf + *off;
    tt_pcap_rec r;
    if (tt_pcap_rec_decode(l, h, &r, err) != 0)
        return -1;
    left -= l->rec_hdr;
    if (left < r.caplen) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "truncated dump file; tried to read %u captured bytes, only got %zu",
                     r.caplen, left);
        return -1;
    }
    tt_pcap_rec_frame(l, &r, h + l->rec_hdr, out);
    *off += l->rec_hdr + (size_t)r.caplen;
    /* The next record's header and its packet's first bytes: fetched while this
     * packet is analysed (the payload between them defeats the stream prefetcher). */
    if (*off + 128 <= len) {
        TT_PREFETCH(buf + *off);
        TT_PREFETCH(buf + *off + 64);
    }
    return 1;
}

/* ---- records from a stream ---- */

struct tt_pcapfile {
    tt_instream *in;       /* borrowed: the caller's */
    tt_pcap_layout layout;
    uint8_t *buf;          /* owned: the current record's header and bytes */
    size_t cap;
};

tt_pcapfile *tt_pcapfile_open(tt_instream *in, const tt_pcap_layout *layout)
{
    tt_pcapfile *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->in = in;
    f->layout = *layout;
    f->cap = 2048; /* grows to the largest record seen */
    f->buf = malloc(f->cap);
    if (!f->buf) {
        free(f);
        return NULL;
    }
    return f;
}

static int grow(tt_pcapfile *f, size_t need, tt_error *err)
{
    if (need <= f->cap)
        return 0;
    size_t cap = f->cap;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(f->buf, cap);
    if (!p) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory for a %zu-byte record", need);
        return -1;
    }
    f->buf = p;
    f->cap = cap;
    return 0;
}

int tt_pcapfile_next(tt_pcapfile *f, tt_frame *out, tt_error *err)
{
    const tt_pcap_layout *l = &f->layout;
    size_t got = 0;
    int rc = tt_instream_read_full(f->in, f->buf, l->rec_hdr, &got, err);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        if (err && err->code == TT_ERR_TRUNCATED)
            tt_error_set(err, TT_ERR_TRUNCATED,
                         "truncated dump file; tried to read %u header bytes, only got %zu",
                         (unsigned)l->rec_hdr, got);
        return -1;
    }
    tt_pcap_rec r;
    if (tt_pcap_rec_decode(l, f->buf, &r, err) != 0)
        return -1;
    if (grow(f, (size_t)l->rec_hdr + r.caplen, err) != 0)
        return -1;
    got = 0;
    if (r.caplen) {
        rc = tt_instream_read_full(f->in, f->buf + l->rec_hdr, r.caplen, &got, err);
        if (rc <= 0) {
            if (rc == 0 || (err && err->code == TT_ERR_TRUNCATED))
                tt_error_set(err, TT_ERR_TRUNCATED,
                             "truncated dump file; tried to read %u captured bytes, only got %zu",
                             r.caplen, got);
            return -1;
        }
    }
    tt_pcap_rec_frame(l, &r, f->buf + l->rec_hdr, out);
    return 1;
}

void tt_pcapfile_free(tt_pcapfile *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f);
}
