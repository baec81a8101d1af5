/* pcapng: native pcapng reader (draft-ietf-opsawg-pcapng; Wireshark's wiretap/pcapng.c
 * is the behaviour matched: same accepted versions, same length checks). */
#include "pcapng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "platform.h"

/* Bytes looked at, at open, for the first IDB (and kept to replay them): any number of
 * blocks before it, as libpcap reads them. Beyond, the first IDB read sets the link type. */
#define TT_PCAPNG_PRESCAN_BYTES (16u * 1024 * 1024)

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_IDB = 0x00000001,
    BT_PB = 0x00000002, /* obsolete Packet Block */
    BT_SPB = 0x00000003,
    BT_EPB = 0x00000006,
    BOM = 0x1A2B3C4D,
    OPT_ENDOFOPT = 0,
    OPT_IF_TSRESOL = 9,
    OPT_IF_TSOFFSET = 14,
};

/* Smallest legal total lengths: header 8 + trailer 4 + the fixed body. */
#define MIN_BLOCK 12u
#define MIN_SHB (MIN_BLOCK + 16u)
#define MIN_IDB (MIN_BLOCK + 8u)
#define MIN_EPB (MIN_BLOCK + 20u)
#define MIN_PB (MIN_BLOCK + 20u)
#define MIN_SPB (MIN_BLOCK + 4u)

typedef struct tt_pcapng_iface {
    int32_t linktype;
    uint32_t snaplen;
    int tsresol_pow2;      /* 1: units are 2^-exp seconds; 0: 10^-exp */
    unsigned tsresol_exp;  /* default 6: microseconds */
    int64_t tsoffset_s;    /* if_tsoffset: seconds added to every time stamp */
} tt_pcapng_iface;

struct tt_pcapng {
    tt_instream *in;         /* owned: the (decompressed) file, freed by tt_pcapng_free */
    uint8_t *buf;          /* owned: body of the current block */
    size_t buf_cap;
    uint64_t file_size;    /* 0 when unknown (not a regular file, or compressed) */
    uint64_t offset;       /* file offset of the next block */
    int swapped;           /* the section's byte order differs from little-endian reads */
    int major, minor;
    tt_pcapng_iface *ifaces; /* owned: every interface of the file, sections in order */
    uint32_t n_ifaces, cap_ifaces;
    uint32_t section_first; /* global index of the current section's interface 0 */
    int have_first;
    int32_t first_linktype;
    uint32_t first_snaplen;
};

static uint32_t get32(const tt_pcapng *r, const uint8_t *p)
{
    if (r->swapped)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool rd16(const tt_pcapng *r, tt_cursor *c, uint16_t *out)
{
    return r->swapped ? tt_rd_u16be(c, out) : tt_rd_u16le(c, out);
}

static bool rd32(const tt_pcapng *r, tt_cursor *c, uint32_t *out)
{
    return r->swapped ? tt_rd_u32be(c, out) : tt_rd_u32le(c, out);
}

/* Read exactly n bytes. 1: done; 0: clean EOF before any byte; -1: short (cut) or a
 * read/decompression error (the stream's code kept: TT_ERR_FORMAT for corrupt data). */
static int read_exact(tt_pcapng *r, void *dst, size_t n, tt_error *err)
{
    size_t got = 0;
    tt_error e;
    tt_error_clear(&e);
    int rc = tt_instream_read_full(r->in, dst, n, &got, &e);
    r->offset += got;
    if (rc >= 0)
        return rc;
    if (e.code == TT_ERR_TRUNCATED)
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "pcapng: the file appears to have been cut short in the middle of a block "
                     "(at offset %llu)", (unsigned long long)r->offset);
    else
        tt_error_set(err, e.code, "pcapng: at offset %llu: %s", (unsigned long long)r->offset,
                     e.msg);
    return -1;
}

static int cut_short(tt_pcapng *r, tt_error *err)
{
    tt_error_set(err, TT_ERR_TRUNCATED,
                 "pcapng: the file appears to have been cut short in the middle of a block "
                 "(at offset %llu)", (unsigned long long)r->offset);
    return -1;
}

/* Walk an options area (pcapng 3.5): code, length, value padded to 4. Wireshark
 * refuses an option whose header or length runs past the block. Calls `on` for
 * each option when non-NULL. Returns 0 or -1 with err filled. */
typedef int (*opt_fn)(tt_pcapng *r, void *ctx, uint16_t code, const uint8_t *val,
                      uint16_t len, tt_error *err);

static int walk_options(tt_pcapng *r, const uint8_t *p, size_t len, const char *block,
                        opt_fn on, void *ctx, tt_error *err)
{
    tt_cursor c;
    tt_cursor_init(&c, p, len);
    while (tt_rd_left(&c) > 0) {
        uint16_t code, olen;
        if (!rd16(r, &c, &code) || !rd16(r, &c, &olen)) {
            tt_error_set(err, TT_ERR_FORMAT,
                         "pcapng: not enough data to read the header of an option of the %s "
                         "block", block);
            return -1;
        }
        if (olen > tt_rd_left(&c)) {
            tt_error_set(err, TT_ERR_FORMAT,
                         "pcapng: not enough data to handle option of length %u in the %s block",
                         olen, block);
            return -1;
        }
        if (code == OPT_ENDOFOPT)
            break;
        if (on && on(r, ctx, code, c.base + c.pos, olen, err) != 0)
            return -1;
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (!tt_rd_skip(&c, padded < tt_rd_left(&c) ? padded : tt_rd_left(&c)))
            break;
    }
    return 0;
}

static int idb_option(tt_pcapng *r, void *ctx, uint16_t code, const uint8_t *val,
                      uint16_t len, tt_error *err)
{
    tt_pcapng_iface *ifc = ctx;
    if (code == OPT_IF_TSRESOL && len == 1) {
        uint8_t v = val[0];
        if (v & 0x80) {
            if ((v & 0x7F) > 63) {
                tt_error_set(err, TT_ERR_FORMAT,
                             "pcapng: IDB power-of-2 time stamp resolution %u > 63", v & 0x7F);
                return -1;
            }
            ifc->tsresol_pow2 = 1;
            ifc->tsresol_exp = v & 0x7F;
        } else {
            if (v > 19) {
                tt_error_set(err, TT_ERR_FORMAT,
                             "pcapng: IDB power-of-10 time stamp resolution %u > 19", v);
                return -1;
            }
            ifc->tsresol_pow2 = 0;
            ifc->tsresol_exp = v;
        }
    } else if (code == OPT_IF_TSOFFSET && len == 8) {
        uint64_t lo = get32(r, val), hi = get32(r, val + 4);
        uint64_t u = r->swapped ? (lo << 32 | hi) : (hi << 32 | lo);
        ifc->tsoffset_s = (int64_t)u;
    }
    return 0;
}

/* Time stamp units into nanoseconds, exactly (floor), as Wireshark's
 * secs = ts / units, nsecs = (ts % units) * 1e9 / units. */
static void to_time(const tt_pcapng_iface *ifc, uint64_t ts, tt_pcapng_record *out)
{
    uint64_t secs, frac_ns;
    if (ifc->tsresol_pow2) {
        unsigned n = ifc->tsresol_exp;
        secs = n ? ts >> n : ts;
        uint64_t frac = n ? ts & ((n == 64 ? 0 : (uint64_t)1 << n) - 1) : 0;
        frac_ns = n ? tt_mul_u64_shr(frac, 1000000000u, n) : 0;
    } else {
        uint64_t units = 1;
        for (unsigned i = 0; i < ifc->tsresol_exp; i++)
            units *= 10;
        secs = ts / units;
        uint64_t frac = ts % units;
        if (units <= 1000000000u)
            frac_ns = frac * (1000000000u / units);
        else
            frac_ns = frac / (units / 1000000000u);
    }
    /* if_tsoffset is reported, not added: Wireshark 4.0 (the reference) ignores it,
     * and frame.time_* must match it. Unsigned arithmetic: a 64-bit count of
     * microseconds is 1.8e13 s, beyond int64 nanoseconds; ts_ns wraps, ts_sec and
     * ts_nsec keep it. */
    out->tsoffset_s = ifc->tsoffset_s;
    uint64_t s = secs;
    out->ts_sec = (int64_t)s;
    out->ts_nsec = (int32_t)frac_ns;
    out->ts_ns = (int64_t)(s * 1000000000u + frac_ns);
}

static int grow_buf(tt_pcapng *r, size_t need, tt_error *err)
{
    if (need <= r->buf_cap)
        return 0;
    size_t cap = r->buf_cap ? r->buf_cap : 65536;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(r->buf, cap);
    if (!b) {
        tt_error_set(err, TT_ERR_NOMEM, "pcapng: out of memory for a %zu-byte block", need);
        return -1;
    }
    r->buf = b;
    r->buf_cap = cap;
    return 0;
}

/* Parse an SHB whose 12 first bytes (type, length, byte-order magic) are in hdr, and
 * read the rest of it. Returns 0 or -1. */
static int read_shb(tt_pcapng *r, const uint8_t hdr[12], uint32_t *body_len, tt_error *err)
{
    uint32_t bom_le = (uint32_t)hdr[11] << 24 | (uint32_t)hdr[10] << 16 |
                      (uint32_t)hdr[9] << 8 | hdr[8];
    if (bom_le == BOM)
        r->swapped = 0;
    else if (bom_le == 0x4D3C2B1A)
        r->swapped = 1;
    else {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: unknown byte-order magic number 0x%08x",
                     bom_le);
        return -1;
    }
    uint32_t total = get32(r, hdr + 4);
    if (total < MIN_SHB) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: total block length %u of an SHB is less than the minimum SHB "
                     "size %u", total, MIN_SHB);
        return -1;
    }
    *body_len = total;
    return 0;
}

/* Read one block. Returns 1 with the block's type and body (after the 8-byte header,
 * without the trailer) in r->buf, 0 at a clean end, -1 on error. For an SHB the body
 * starts at the byte-order magic. */
static int read_block(tt_pcapng *r, uint32_t *type, uint32_t *body_len, tt_error *err)
{
    uint8_t hdr[12];
    int rc = read_exact(r, hdr, 8, err);
    if (rc <= 0)
        return rc;
    uint64_t block_start = r->offset - 8;
    uint32_t total;
    uint32_t t_le = (uint32_t)hdr[3] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[1] << 8 | hdr[0];
    int is_shb = t_le == BT_SHB; /* a palindrome: the same in either byte order */
    if (is_shb) {
        rc = read_exact(r, hdr + 8, 4, err);
        if (rc == 0)
            return cut_short(r, err);
        if (rc < 0)
            return -1;
        if (read_shb(r, hdr, &total, err) != 0)
            return -1;
        *type = BT_SHB;
    } else {
        *type = get32(r, hdr);
        total = get32(r, hdr + 4);
        if (total < MIN_BLOCK) {
            tt_error_set(err, TT_ERR_FORMAT,
                         "pcapng: total block length %u of block type 0x%08x at offset %llu is "
                         "less than the minimum block size %u", total, *type,
                         (unsigned long long)block_start, MIN_BLOCK);
            return -1;
        }
    }
    if (total % 4 != 0) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: total block length %u of block type 0x%08x at offset %llu is "
                     "not a multiple of 4", total, *type, (unsigned long long)block_start);
        return -1;
    }
    if (total > TT_PCAPNG_MAX_BLOCK) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: total block length %u is too large (> %u)",
                     total, TT_PCAPNG_MAX_BLOCK);
        return -1;
    }
    if (r->file_size && block_start + total > r->file_size) {
        r->offset = r->file_size;
        return cut_short(r, err);
    }
    /* Body: what follows the 8-byte header (an SHB's magic already read), then the
     * trailing copy of the total length. */
    size_t already = is_shb ? 4 : 0;
    size_t body = total - MIN_BLOCK;
    if (grow_buf(r, body + 4, err) != 0)
        return -1;
    if (is_shb)
        memcpy(r->buf, hdr + 8, 4);
    rc = read_exact(r, r->buf + already, body + 4 - already, err);
    if (rc == 0)
        return cut_short(r, err);
    if (rc < 0)
        return -1;
    uint32_t trailer = get32(r, r->buf + body);
    if (trailer != total) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: total block lengths (first %u and second %u) don't match at "
                     "offset %llu", total, trailer, (unsigned long long)block_start);
        return -1;
    }
    *body_len = (uint32_t)body;
    return 1;
}

/* The SHB body (from the byte-order magic) in r->buf: version check, new section. */
static int parse_shb(tt_pcapng *r, uint32_t body_len, tt_error *err)
{
    tt_cursor c;
    tt_cursor_init(&c, r->buf, body_len);
    uint32_t bom;
    uint16_t major, minor;
    if (!rd32(r, &c, &bom) || !rd16(r, &c, &major) || !rd16(r, &c, &minor) ||
        !tt_rd_skip(&c, 8)) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: section header block too short");
        return -1;
    }
    /* Wireshark 4.0 reads 1.0, and 1.2 as written by some old tools (the same
     * layout); every other version is "unknown SHB version". */
    if (!(major == 1 && (minor == 0 || minor == 2))) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: unknown SHB version %u.%u", major, minor);
        return -1;
    }
    if (walk_options(r, c.base + c.pos, tt_rd_left(&c), "section header", NULL, NULL, err) != 0)
        return -1;
    r->major = major;
    r->minor = minor;
    r->section_first = r->n_ifaces;
    return 0;
}

static int parse_idb(tt_pcapng *r, uint32_t body_len, tt_error *err)
{
    tt_cursor c;
    tt_cursor_init(&c, r->buf, body_len);
    uint16_t lt, reserved;
    uint32_t snaplen;
    if (body_len + MIN_BLOCK < MIN_IDB || !rd16(r, &c, &lt) || !rd16(r, &c, &reserved) ||
        !rd32(r, &c, &snaplen)) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: total block length %u of an IDB is less than the minimum IDB "
                     "size %u", body_len + MIN_BLOCK, MIN_IDB);
        return -1;
    }
    (void)reserved;
    tt_pcapng_iface ifc = {.linktype = lt, .snaplen = snaplen, .tsresol_exp = 6};
    if (walk_options(r, c.base + c.pos, tt_rd_left(&c), "interface description", idb_option,
                     &ifc, err) != 0)
        return -1;
    if (r->n_ifaces - r->section_first >= TT_PCAPNG_MAX_INTERFACES) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: more than %u interfaces in a section",
                     TT_PCAPNG_MAX_INTERFACES);
        return -1;
    }
    if (r->n_ifaces >= TT_PCAPNG_MAX_INTERFACES_FILE) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: more than %u interfaces in the file",
                     TT_PCAPNG_MAX_INTERFACES_FILE);
        return -1;
    }
    if (r->n_ifaces == r->cap_ifaces) {
        uint32_t cap = r->cap_ifaces ? r->cap_ifaces * 2 : 8;
        tt_pcapng_iface *n = realloc(r->ifaces, cap * sizeof *n);
        if (!n) {
            tt_error_set(err, TT_ERR_NOMEM, "pcapng: out of memory");
            return -1;
        }
        r->ifaces = n;
        r->cap_ifaces = cap;
    }
    r->ifaces[r->n_ifaces++] = ifc;
    if (!r->have_first) { /* not found by the prescan (over its bytes): this is the first */
        r->have_first = 1;
        r->first_linktype = ifc.linktype;
        r->first_snaplen = ifc.snaplen;
    }
    return 0;
}

static const tt_pcapng_iface *iface_of(tt_pcapng *r, uint32_t local, tt_error *err)
{
    uint32_t in_section = r->n_ifaces - r->section_first;
    if (local >= in_section) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: interface index %u is not less than the interface count %u",
                     local, in_section);
        return NULL;
    }
    return &r->ifaces[r->section_first + local];
}

/* EPB (type 6) and the obsolete PB (type 2): same fixed part but PB's interface id is
 * 16 bits followed by a 16-bit drop count. */
static int parse_epb(tt_pcapng *r, uint32_t type, uint32_t body_len, tt_pcapng_record *out,
                     tt_error *err)
{
    tt_cursor c;
    tt_cursor_init(&c, r->buf, body_len);
    uint32_t id, hi, lo, caplen, wirelen;
    bool ok;
    if (type == BT_PB) {
        uint16_t id16, drops;
        ok = rd16(r, &c, &id16) && rd16(r, &c, &drops);
        id = id16;
    } else {
        ok = rd32(r, &c, &id);
    }
    ok = ok && rd32(r, &c, &hi) && rd32(r, &c, &lo) && rd32(r, &c, &caplen) &&
         rd32(r, &c, &wirelen);
    if (!ok) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: total block length %u of a packet block is less than the minimum "
                     "size %u", body_len + MIN_BLOCK, type == BT_PB ? MIN_PB : MIN_EPB);
        return -1;
    }
    if (caplen > tt_rd_left(&c)) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: captured length %u of a packet is larger than its block "
                     "(%zu bytes of packet data)", caplen, tt_rd_left(&c));
        return -1;
    }
    const tt_pcapng_iface *ifc = iface_of(r, id, err);
    if (!ifc)
        return -1;
    out->data = c.base + c.pos;
    size_t padded = ((size_t)caplen + 3) & ~(size_t)3;
    if (padded > tt_rd_left(&c))
        padded = tt_rd_left(&c);
    tt_rd_skip(&c, padded);
    if (walk_options(r, c.base + c.pos, tt_rd_left(&c), "packet", NULL, NULL, err) != 0)
        return -1;
    out->caplen = caplen;
    out->wirelen = wirelen;
    to_time(ifc, (uint64_t)hi << 32 | lo, out);
    out->iface = (uint32_t)(ifc - r->ifaces);
    out->linktype = ifc->linktype;
    out->snaplen = ifc->snaplen;
    return 1;
}

/* SPB (type 3): interface 0 of the section, no time stamp; the captured length is the
 * original length cut to the snaplen and to the block (pcapng 4.4). */
static int parse_spb(tt_pcapng *r, uint32_t body_len, tt_pcapng_record *out, tt_error *err)
{
    tt_cursor c;
    tt_cursor_init(&c, r->buf, body_len);
    uint32_t wirelen;
    if (!rd32(r, &c, &wirelen)) {
        tt_error_set(err, TT_ERR_FORMAT, "pcapng: simple packet block too short");
        return -1;
    }
    const tt_pcapng_iface *ifc = iface_of(r, 0, err);
    if (!ifc)
        return -1;
    uint32_t caplen = wirelen;
    if (ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    if (caplen > tt_rd_left(&c)) {
        /* Wireshark: "total block length of an SPB is too small for N bytes". */
        tt_error_set(err, TT_ERR_FORMAT,
                     "pcapng: simple packet block too small for %u bytes of packet data",
                     wirelen);
        return -1;
    }
    out->data = c.base + c.pos;
    out->caplen = caplen;
    out->wirelen = wirelen;
    out->ts_ns = 0; /* an SPB has no time stamp */
    out->ts_sec = 0;
    out->ts_nsec = 0;
    out->tsoffset_s = ifc->tsoffset_s;
    out->iface = (uint32_t)(ifc - r->ifaces);
    out->linktype = ifc->linktype;
    out->snaplen = ifc->snaplen;
    return 1;
}

int tt_pcapng_next(tt_pcapng *r, tt_pcapng_record *out, tt_error *err)
{
    for (;;) {
        uint32_t type, body;
        int rc = read_block(r, &type, &body, err);
        if (rc <= 0)
            return rc;
        switch (type) {
        case BT_SHB:
            if (parse_shb(r, body, err) != 0)
                return -1;
            break;
        case BT_IDB:
            if (parse_idb(r, body, err) != 0)
                return -1;
            break;
        case BT_EPB:
        case BT_PB: return parse_epb(r, type, body, out, err);
        case BT_SPB: return parse_spb(r, body, out, err);
        default: break; /* NRB, ISB, DSB, custom and unknown blocks: not packets */
        }
    }
}

/* Look ahead for the first IDB without consuming anything: the capture's link type
 * must be known at open, as libpcap reports it. Errors are left for next() to find. */
static void prescan(tt_pcapng *r)
{
    uint64_t saved_offset = r->offset;
    int saved_swapped = r->swapped;
    tt_pcapng_iface *saved_ifaces = r->ifaces;
    uint32_t saved_n = r->n_ifaces, saved_cap = r->cap_ifaces;
    r->ifaces = NULL;
    r->n_ifaces = r->cap_ifaces = 0;
    /* Streams (pipes, decompressors) cannot seek: what is read here is kept and read
     * again after the rewind. */
    tt_instream_mark(r->in, TT_PCAPNG_PRESCAN_BYTES);
    tt_error e;
    for (;;) {
        uint32_t type, body;
        if (read_block(r, &type, &body, &e) <= 0)
            break; /* the end, an error, or over the bytes kept (TT_ERR_NOMEM) */
        if (type == BT_IDB) {
            parse_idb(r, body, &e); /* sets the first interface */
            break;
        }
        if (type == BT_EPB || type == BT_PB || type == BT_SPB || type == BT_SHB)
            break;
    }
    tt_instream_rewind(r->in);
    free(r->ifaces);
    r->ifaces = saved_ifaces;
    r->n_ifaces = saved_n;
    r->cap_ifaces = saved_cap;
    r->offset = saved_offset;
    r->swapped = saved_swapped;
}

tt_pcapng *tt_pcapng_open(const char *path, tt_error *err)
{
    tt_instream *in = tt_instream_open_path(path, err);
    if (!in)
        return NULL;
    return tt_pcapng_open_stream(in, path, err);
}

tt_pcapng *tt_pcapng_open_stream(tt_instream *in, const char *name, tt_error *err)
{
    tt_pcapng *r = calloc(1, sizeof *r);
    if (!r) {
        tt_instream_free(in);
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->in = in;
    r->file_size = tt_instream_size(in);
    uint32_t type, body;
    int rc = read_block(r, &type, &body, err);
    if (rc == 0 || (rc > 0 && type != BT_SHB)) {
        tt_error_set(err, TT_ERR_FORMAT, "%s: not a pcapng file (no section header block)", name);
        goto fail;
    }
    if (rc < 0) {
        /* A first block cut short is a damaged file, not a truncated capture. */
        if (err && err->code == TT_ERR_TRUNCATED)
            err->code = TT_ERR_FORMAT;
        goto fail;
    }
    if (parse_shb(r, body, err) != 0)
        goto fail;
    prescan(r);
    return r;

fail:
    tt_pcapng_free(r);
    return NULL;
}

uint32_t tt_pcapng_n_interfaces(const tt_pcapng *r) { return r->n_ifaces; }

int tt_pcapng_interface(const tt_pcapng *r, uint32_t i, int32_t *linktype, uint32_t *snaplen)
{
    if (i >= r->n_ifaces)
        return 0;
    *linktype = r->ifaces[i].linktype;
    *snaplen = r->ifaces[i].snaplen;
    return 1;
}

int tt_pcapng_first_interface(const tt_pcapng *r, int32_t *linktype, uint32_t *snaplen)
{
    if (!r->have_first)
        return 0;
    *linktype = r->first_linktype;
    *snaplen = r->first_snaplen;
    return 1;
}

void tt_pcapng_version(const tt_pcapng *r, int *major, int *minor)
{
    *major = r->major;
    *minor = r->minor;
}

void tt_pcapng_free(tt_pcapng *r)
{
    if (!r)
        return;
    tt_instream_free(r->in);
    free(r->buf);
    free(r->ifaces);
    free(r);
}
