/* snoop: records of a Sun snoop capture (RFC 1761; Wireshark's wiretap/snoop.c). */
#include "snoop.h"

#include <stdlib.h>
#include <string.h>

#define SNOOP_REC_HDR 24
#define SNOOP_MAX_RECORD (262144u + SNOOP_REC_HDR + 4) /* WTAP_MAX_PACKET_SIZE_STANDARD */

struct tt_snoop {
    tt_instream *in; /* borrowed */
    uint8_t *buf;    /* owned: the current record's data */
    size_t cap;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int tt_snoop_magic_ok(const uint8_t *h, size_t len)
{
    return len >= 8 && memcmp(h, "snoop\0\0\0", 8) == 0;
}

int tt_snoop_header_parse(const uint8_t *h, size_t len, int *linktype, tt_error *err)
{
    if (len < TT_SNOOP_FILE_HDR) {
        tt_error_set(err, TT_ERR_FORMAT, "snoop: file header cut short (%zu of 16 bytes)", len);
        return -1;
    }
    uint32_t version = be32(h + 8), dl = be32(h + 12);
    /* Versions 2 (Sun) and 3-5 (Shomiti, Network General) share this layout for the
     * datalink types below; version 1 is pre-release. */
    if (version < 2 || version > 5) {
        tt_error_set(err, TT_ERR_FORMAT, "snoop: version %u unsupported", (unsigned)version);
        return -1;
    }
    switch (dl) {
    case 0: /* IEEE 802.3 */
    case 4: *linktype = 1; return 0; /* Ethernet */
    case 8: *linktype = 10; return 0; /* FDDI */
    default:
        tt_error_set(err, TT_ERR_FORMAT, "snoop: network type %u unknown or unsupported",
                     (unsigned)dl);
        return -1;
    }
}

tt_snoop *tt_snoop_open(tt_instream *in)
{
    tt_snoop *s = calloc(1, sizeof *s);
    if (s)
        s->in = in;
    return s;
}

int tt_snoop_next(tt_snoop *s, tt_frame *out, tt_error *err)
{
    uint8_t h[SNOOP_REC_HDR];
    size_t got = 0;
    int rc = tt_instream_read_full(s->in, h, sizeof h, &got, err);
    if (rc != 1)
        return rc; /* 0: the end; -1: cut inside the header (err says so) */
    uint32_t orig = be32(h), incl = be32(h + 4), rec = be32(h + 8);
    /* snoop.c's checks: the record holds its header and data, and is not huge. */
    if (rec < SNOOP_REC_HDR || incl > rec - SNOOP_REC_HDR || rec > SNOOP_MAX_RECORD) {
        tt_error_set(err, TT_ERR_FORMAT, "snoop: record length %u with %u bytes of data",
                     (unsigned)rec, (unsigned)incl);
        return -1;
    }
    size_t body = rec - SNOOP_REC_HDR;
    if (body > s->cap) {
        uint8_t *nb = realloc(s->buf, body);
        if (!nb) {
            tt_error_set(err, TT_ERR_NOMEM, "out of memory");
            return -1;
        }
        s->buf = nb;
        s->cap = body;
    }
    got = 0;
    if (tt_instream_read_full(s->in, s->buf, body, &got, err) != 1) {
        if (err && err->code == TT_OK)
            tt_error_set(err, TT_ERR_TRUNCATED, "snoop: record data cut short");
        return -1;
    }
    out->data = s->buf;
    out->caplen = incl;
    out->wirelen = orig;
    out->ts_sec = (int64_t)be32(h + 16);
    out->ts_nsec = (int32_t)(uint32_t)(be32(h + 20) * 1000u);
    out->ts_ns = (int64_t)((uint64_t)out->ts_sec * 1000000000u + (uint64_t)(int64_t)out->ts_nsec);
    out->iface = 0;
    return 1;
}

void tt_snoop_free(tt_snoop *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s);
}
