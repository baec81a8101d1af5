/* source: capture files in (classic pcap through libpcap, pcapng through the native
 * reader in pcapng.c), with per-link-type BPF filtering. */
#define _GNU_SOURCE /* fopencookie */
#include "source.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapng.h"
#include "pcapmap.h"
#include "instream.h"

#define TT_SOURCE_STDIO_BUF (128 * 1024) /* measured best for libpcap's fread pattern */
#define TT_SOURCE_PEEK 24                /* a pcap file header; enough for pcapng's magic */

/* Classic pcap records longer than the file header's snaplen: libpcap keeps only
 * snaplen bytes of them, Wireshark keeps them whole (frame.cap_len is the record's
 * caplen). So libpcap reads the file through a stream that shows it a header snaplen
 * of 0, which it takes as "the largest for this link type"; the real snaplen is
 * still reported by tt_source_snaplen. The same stdio stream (glibc's fopencookie)
 * carries the decompressed bytes of a compressed file, a pipe or a caller's callback
 * to libpcap. */
#define TT_PCAP_SNAPLEN_OFF 16 /* offset of the snaplen field in the file header */

typedef struct tt_cookie {
    tt_instream *in; /* owned: freed when libpcap closes the FILE */
    uint64_t pos;  /* bytes read so far */
} tt_cookie;

static ssize_t cookie_read(void *cookie, char *buf, size_t n)
{
    tt_cookie *f = cookie;
    /* Whatever is available (tt_instream_read blocks only for the first byte): stdio
     * loops until libpcap's request is whole, so a live record is not held back. */
    ptrdiff_t got = tt_instream_read(f->in, buf, n, NULL);
    if (got < 0) {
        errno = EIO; /* the stream keeps the real error for tt_source_next */
        return -1;
    }
    for (uint64_t i = TT_PCAP_SNAPLEN_OFF; i < TT_PCAP_SNAPLEN_OFF + 4; i++)
        if (i >= f->pos && i < f->pos + (uint64_t)got)
            buf[i - f->pos] = 0;
    f->pos += (uint64_t)got;
    return (ssize_t)got;
}

static int cookie_close(void *cookie)
{
    tt_cookie *f = cookie;
    tt_instream_free(f->in);
    free(f);
    return 0;
}

/* The stream as a stdio stream whose header snaplen reads 0. Takes ownership of `in`
 * (freed here on failure). NULL on failure. */
static FILE *cookie_open(tt_instream *in)
{
    tt_cookie *f = calloc(1, sizeof *f);
    if (!f) {
        tt_instream_free(in);
        return NULL;
    }
    f->in = in;
    cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
    FILE *out = fopencookie(f, "rb", io);
    if (!out)
        cookie_close(f);
    return out;
}

typedef struct tt_bpf_slot {
    int linktype;
    int compiled;             /* 1: prog holds a program; -1: compile failed */
    struct bpf_program prog;  /* owned: freed with pcap_freecode */
} tt_bpf_slot;

struct tt_source {
    pcap_t *pcap;             /* owned: closed with pcap_close (closes fp too); NULL for pcapng */
    tt_pcapng *ng;            /* owned: the native pcapng reader; NULL for classic pcap */
    tt_pcapmap *map;          /* owned: records read in place (pcapmap.h); NULL: by libpcap */
    uint32_t ng_ifaces_seen;  /* pcapng interfaces whose link types were noted */
    FILE *fp;                 /* borrowed from pcap after pcap_fopen_offline */
    tt_instream *in;            /* borrowed: owned by fp's cookie or by the pcapng reader */
    char *iobuf;              /* owned: stdio buffer for fp; outlives pcap */
    tt_compression comp;
    char *filter;             /* owned: filter expression, NULL for none */
    tt_bpf_slot bpf[TT_SOURCE_MAX_LINKTYPES];
    int n_bpf;
    tt_source_format format;
    int linktype;
    uint32_t snaplen;
    int major, minor;
    uint64_t records;
    int32_t linktypes[TT_SOURCE_MAX_LINKTYPES];
    int n_linktypes;
};

static void note_linktype(tt_source *s, int lt)
{
    for (int i = 0; i < s->n_linktypes; i++)
        if (s->linktypes[i] == lt)
            return;
    if (s->n_linktypes < TT_SOURCE_MAX_LINKTYPES)
        s->linktypes[s->n_linktypes++] = lt;
}

/* Compile the filter for one link type (once). Returns the slot or NULL. */
static tt_bpf_slot *bpf_for(tt_source *s, int linktype, uint32_t snaplen, tt_error *err)
{
    for (int i = 0; i < s->n_bpf; i++)
        if (s->bpf[i].linktype == linktype)
            return &s->bpf[i];
    if (s->n_bpf >= TT_SOURCE_MAX_LINKTYPES) {
        tt_error_set(err, TT_ERR_FILTER, "too many link types for one filter");
        return NULL;
    }
    tt_bpf_slot *slot = &s->bpf[s->n_bpf++];
    slot->linktype = linktype;
    pcap_t *dead = pcap_open_dead(linktype, snaplen ? (int)snaplen : 262144);
    if (!dead) {
        slot->compiled = -1;
        tt_error_set(err, TT_ERR_NOMEM, "pcap_open_dead failed");
        return NULL;
    }
    if (pcap_compile(dead, &slot->prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        tt_error_set(err, TT_ERR_FILTER, "bad filter expression '%s': %s", s->filter,
                     pcap_geterr(dead));
        slot->compiled = -1;
        pcap_close(dead);
        return NULL;
    }
    slot->compiled = 1;
    pcap_close(dead);
    return slot;
}

static void prefix_error(tt_error *err, const char *name)
{
    if (err && !strstr(err->msg, name)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        tt_error_set(err, err->code, "%s: %s", name, msg);
    }
}

/* Open a capture on a stream (owned from here: freed on failure too). */
static tt_source *open_on_stream(tt_instream *in, const char *name, const char *filter,
                                 tt_error *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    tt_instream *own = in; /* owned until handed to the pcapng reader or the cookie */
    tt_source *s = calloc(1, sizeof *s);
    if (!s) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (tt_instream_detect(in, err) != 0) {
        prefix_error(err, name);
        goto fail;
    }
    s->comp = tt_instream_compression(in);
    uint32_t file_snaplen = 0; /* the pcap header's, before the cookie hides it */
    {
        /* The magic tells pcapng (read natively: libpcap refuses interfaces with
         * different link types or snaplens) from classic pcap (read by libpcap). The
         * header is read ahead and replayed: the stream may be a pipe. */
        unsigned char hdr[TT_SOURCE_PEEK] = {0};
        size_t got = 0;
        tt_instream_mark(in, TT_SOURCE_PEEK);
        int rc = tt_instream_read_full(in, hdr, sizeof hdr, &got, err);
        tt_instream_rewind(in);
        if (rc < 0 && tt_instream_error(in, err)) {
            /* A read failure stays one; a decompressor's is a damaged file. */
            if (err && err->code != TT_ERR_IO && err->code != TT_ERR_NOMEM)
                err->code = TT_ERR_FORMAT;
            prefix_error(err, name);
            goto fail;
        }
        tt_error_clear(err);
        if (got < sizeof hdr && tt_instream_truncated(in)) {
            tt_error_set(err, TT_ERR_FORMAT,
                         "%s: the %s stream appears to have been cut short before the end of "
                         "the capture's file header", name, tt_instream_compression_name(s->comp));
            goto fail;
        }
        uint32_t le = got >= 4 ? (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
                                     (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24
                               : 0;
        int swapped = le == 0xD4C3B2A1 || le == 0x4D3CB2A1 || le == 0x34CDB2A1;
        if (le == 0x0A0D0D0A)
            s->format = TT_FORMAT_PCAPNG;
        else if (le == 0xA1B23C4D || le == 0x4D3CB2A1)
            s->format = TT_FORMAT_PCAP_NSEC;
        else
            s->format = TT_FORMAT_PCAP;
        if (s->format != TT_FORMAT_PCAPNG && got == sizeof hdr) {
            const unsigned char *f = hdr + 20, *sl = hdr + TT_PCAP_SNAPLEN_OFF;
            uint32_t network = swapped ? (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 |
                                             (uint32_t)f[2] << 8 | f[3]
                                       : (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 |
                                             (uint32_t)f[1] << 8 | f[0];
            file_snaplen = swapped ? (uint32_t)sl[0] << 24 | (uint32_t)sl[1] << 16 |
                                         (uint32_t)sl[2] << 8 | sl[3]
                                   : (uint32_t)sl[3] << 24 | (uint32_t)sl[2] << 16 |
                                         (uint32_t)sl[1] << 8 | sl[0];
            /* Wireshark refuses a link-type field with its reserved bits (16-25) set;
             * libpcap ignores them. Bits 26-31 carry the FCS length. */
            if (network & 0x03FF0000u) {
                tt_error_set(err, TT_ERR_FORMAT,
                             "%s: pcap: network type reserved field not zero (0x%08x)", name,
                             network & 0x03FF0000u);
                goto fail;
            }
        }
    }
    s->in = in;
    if (s->format == TT_FORMAT_PCAPNG) {
        own = NULL;
        s->ng = tt_pcapng_open_stream(in, name, err);
        if (!s->ng) {
            if (err && err->code == TT_ERR_FORMAT)
                prefix_error(err, name);
            goto fail;
        }
        int32_t lt = 1;
        uint32_t snap = 0;
        if (!tt_pcapng_first_interface(s->ng, &lt, &snap)) {
            lt = 1; /* no interface described: nothing to decode; Ethernet as libpcap's default */
            snap = 0;
        }
        s->linktype = lt;
        s->snaplen = snap;
        tt_pcapng_version(s->ng, &s->major, &s->minor);
    } else {
        own = NULL;
        s->fp = cookie_open(in);
        if (!s->fp) {
            s->in = NULL;
            tt_error_set(err, TT_ERR_NOMEM, "%s: out of memory", name);
            goto fail;
        }
        /* stdio asks the stream for whole buffers, which skip the stream's own buffer
         * (glibc reads an unbuffered cookie stream in tiny pieces: far slower). */
        s->iobuf = malloc(TT_SOURCE_STDIO_BUF);
        if (s->iobuf)
            setvbuf(s->fp, s->iobuf, _IOFBF, TT_SOURCE_STDIO_BUF);
        s->pcap = pcap_fopen_offline_with_tstamp_precision(s->fp, PCAP_TSTAMP_PRECISION_NANO,
                                                           errbuf);
        if (!s->pcap) {
            tt_error e;
            if (tt_instream_error(in, &e) && e.code != TT_ERR_TRUNCATED)
                tt_error_set(err, e.code == TT_ERR_IO ? TT_ERR_IO : TT_ERR_FORMAT, "%s: %s",
                             name, e.msg);
            else
                tt_error_set(err, TT_ERR_FORMAT, "%s: %s", name,
                             errbuf[0] ? errbuf : "not a capture file");
            fclose(s->fp); /* frees the stream */
            s->fp = NULL;
            s->in = NULL;
            goto fail;
        }
        s->linktype = pcap_datalink(s->pcap);
        s->snaplen = file_snaplen ? file_snaplen : (uint32_t)pcap_snapshot(s->pcap);
        s->major = pcap_major_version(s->pcap);
        s->minor = pcap_minor_version(s->pcap);
    }
    note_linktype(s, s->linktype);
    if (filter && *filter) {
        s->filter = strdup(filter);
        if (!s->filter) {
            tt_error_set(err, TT_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if (!bpf_for(s, s->linktype, s->snaplen, err))
            goto fail;
    }
    return s;

fail:
    tt_instream_free(own);
    tt_source_free(s);
    return NULL;
}

static tt_source *open_path_stdio(const char *path, const char *filter, tt_error *err);

/* libpcap's record limit for a link type whose file header hides its snaplen
 * (max_snaplen_for_dlt): 262144 but for a few link types, which stay with libpcap. */
#define TT_PCAP_MAX_CAPLEN 262144u
#define TT_DLT_USB_LINUX 189         /* libpcap fixes up its header lengths */
#define TT_DLT_USB_LINUX_MMAPPED 220 /* likewise */
#define TT_DLT_DBUS 231              /* larger record limit */
#define TT_DLT_USBPCAP 249           /* larger record limit */
#define TT_DLT_EBHSCR 279            /* larger record limit */

/* Read the records of a classic pcap file in place when libpcap would deliver them
 * untouched (pcapmap.h says which files those are). */
static void try_map(tt_source *s, const char *path)
{
    int lt = s->linktype;
    if (!s->pcap || s->comp != TT_COMP_NONE || pcap_is_swapped(s->pcap) || s->major != 2 ||
        s->minor != 4 || lt == TT_DLT_USB_LINUX || lt == TT_DLT_USB_LINUX_MMAPPED ||
        lt == TT_DLT_DBUS || lt == TT_DLT_USBPCAP || lt == TT_DLT_EBHSCR)
        return;
    s->map = tt_pcapmap_open(path, s->format == TT_FORMAT_PCAP_NSEC, TT_PCAP_MAX_CAPLEN);
}

tt_source *tt_source_open_path(const char *path, const char *filter, int flags, tt_error *err)
{
    tt_source *s = open_path_stdio(path, filter, err);
    if (s && !(flags & TT_SOURCE_NO_MAP))
        try_map(s, path);
    return s;
}

tt_source *tt_source_open_offline(const char *path, const char *filter, tt_error *err)
{
    return tt_source_open_path(path, filter, 0, err);
}

static tt_source *open_path_stdio(const char *path, const char *filter, tt_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        tt_error_set(err, errno == ENOENT ? TT_ERR_NOT_FOUND : TT_ERR_IO, "%s: %s", path,
                     strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        tt_error_set(err, TT_ERR_IO, "%s: is a directory, not a capture file", path);
        return NULL;
    }
    tt_instream *in = tt_instream_open_path(path, err);
    if (!in)
        return NULL;
    return open_on_stream(in, path, filter, err);
}

tt_source *tt_source_open_fd(int fd, int64_t offset, int own, const char *name,
                             const char *filter, tt_error *err)
{
    tt_instream *in = tt_instream_from_fd(fd, offset, own, err);
    if (!in)
        return NULL;
    return open_on_stream(in, name, filter, err);
}

tt_source *tt_source_open_stream(tt_read_fn read, void *ctx, tt_close_fn close,
                                 const char *name, const char *filter, tt_error *err)
{
    tt_instream *in = tt_instream_from_fn(read, ctx, close, err);
    if (!in)
        return NULL;
    return open_on_stream(in, name, filter, err);
}

/* A record cut because the compressed input was: say so. */
static void note_compressed_cut(const tt_source *s, tt_error *err)
{
    if (err && err->code == TT_ERR_TRUNCATED && tt_instream_truncated(s->in)) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, " (the %s stream was cut short)",
                 tt_instream_compression_name(s->comp));
    }
}

/* The end of the records, or a failure, as the error to report: the stream's own
 * failure (a decompressor's or a callback's) first, then a cut compressed stream. */
static int stream_end(tt_source *s, int rc, tt_error *err)
{
    tt_error e;
    if (tt_instream_error(s->in, &e) && e.code != TT_ERR_TRUNCATED) {
        tt_error_set(err, e.code == TT_ERR_IO || e.code == TT_ERR_NOMEM ? e.code : TT_ERR_FORMAT,
                     "damaged capture after record %llu: %s", (unsigned long long)s->records,
                     e.msg);
        return -1;
    }
    if (rc == 0 && tt_instream_truncated(s->in)) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "the %s stream appears to have been cut short (after %llu whole records)",
                     tt_instream_compression_name(s->comp), (unsigned long long)s->records);
        return -1;
    }
    return rc;
}

/* Note the link types of interfaces the pcapng reader described since last time. */
static void note_pcapng_ifaces(tt_source *s)
{
    uint32_t n = tt_pcapng_n_interfaces(s->ng);
    for (; s->ng_ifaces_seen < n; s->ng_ifaces_seen++) {
        int32_t lt;
        uint32_t snap;
        if (tt_pcapng_interface(s->ng, s->ng_ifaces_seen, &lt, &snap))
            note_linktype(s, lt);
    }
}

static int next_pcapng(tt_source *s, tt_frame *out, tt_error *err)
{
    for (;;) {
        tt_pcapng_record rec;
        int rc = tt_pcapng_next(s->ng, &rec, err);
        note_pcapng_ifaces(s);
        if (rc <= 0) {
            if (rc == 0 || (err && err->code != TT_ERR_TRUNCATED &&
                            tt_instream_error(s->in, NULL)))
                return stream_end(s, rc, err);
            if (rc < 0 && err && err->code == TT_ERR_TRUNCATED) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                tt_error_set(err, TT_ERR_TRUNCATED, "after %llu whole records: %s",
                             (unsigned long long)s->records, msg);
                note_compressed_cut(s, err);
            } else if (rc < 0 && err && err->code == TT_ERR_FORMAT) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                tt_error_set(err, TT_ERR_FORMAT, "damaged capture after record %llu: %s",
                             (unsigned long long)s->records, msg);
            }
            return rc;
        }
        s->records++;
        out->data = rec.data;
        out->caplen = rec.caplen;
        out->wirelen = rec.wirelen;
        out->ts_ns = rec.ts_ns;
        out->ts_sec = rec.ts_sec;
        out->ts_nsec = rec.ts_nsec;
        out->linktype = rec.linktype;
        out->iface = rec.iface;
        out->number = s->records;
        if (s->filter) {
            tt_bpf_slot *slot = bpf_for(s, rec.linktype, rec.snaplen, err);
            if (!slot)
                return -1;
            struct pcap_pkthdr h;
            memset(&h, 0, sizeof h);
            h.caplen = rec.caplen;
            h.len = rec.wirelen;
            if (!pcap_offline_filter(&slot->prog, &h, rec.data))
                continue;
        }
        return 1;
    }
}

/* The records of a mapped file; errors as tt_source_next words libpcap's. */
static int next_mapped(tt_source *s, tt_frame *out, tt_error *err)
{
    for (;;) {
        tt_error e;
        tt_error_clear(&e);
        int rc = tt_pcapmap_next(s->map, out, &e);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            if (e.code == TT_ERR_TRUNCATED)
                tt_error_set(err, TT_ERR_TRUNCATED,
                             "the file appears to have been cut short in the middle of a "
                             "record (after %llu whole records): %s",
                             (unsigned long long)s->records, e.msg);
            else
                tt_error_set(err, TT_ERR_FORMAT, "damaged capture after record %llu: %s",
                             (unsigned long long)s->records, e.msg);
            return -1;
        }
        s->records++;
        out->linktype = s->linktype;
        out->number = s->records;
        if (s->filter) {
            tt_bpf_slot *slot = bpf_for(s, out->linktype, s->snaplen, err);
            if (!slot)
                return -1;
            struct pcap_pkthdr h;
            memset(&h, 0, sizeof h);
            h.caplen = out->caplen;
            h.len = out->wirelen;
            if (!pcap_offline_filter(&slot->prog, &h, out->data))
                continue;
        }
        return 1;
    }
}

int tt_source_next(tt_source *s, tt_frame *out, tt_error *err)
{
    if (s->ng)
        return next_pcapng(s, out, err);
    if (s->map)
        return next_mapped(s, out, err);
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(s->pcap, &h, &data);
        if (rc == PCAP_ERROR_BREAK)
            return stream_end(s, 0, err);
        if (rc != 1) {
            if (tt_instream_error(s->in, NULL))
                return stream_end(s, -1, err);
            const char *msg = pcap_geterr(s->pcap);
            /* libpcap words a record cut by the end of file as "truncated dump file". */
            if (msg && strstr(msg, "truncated"))
                tt_error_set(err, TT_ERR_TRUNCATED,
                             "the file appears to have been cut short in the middle of a "
                             "record (after %llu whole records): %s",
                             (unsigned long long)s->records, msg);
            else
                tt_error_set(err, TT_ERR_FORMAT, "damaged capture after record %llu: %s",
                             (unsigned long long)s->records, msg ? msg : "read error");
            note_compressed_cut(s, err);
            return -1;
        }
        s->records++;
        out->data = data;
        out->caplen = h->caplen;
        out->wirelen = h->len;
        /* Wireshark reads the record's seconds as unsigned 32 bits and, for microsecond
         * files, the nanoseconds as (uint32)(usec * 1000): an invalid usec wraps
         * rather than carrying into the seconds. libpcap sign-extends both fields and
         * scales in 64 bits, so take the file's 32-bit values back out of it. */
        out->ts_sec = (int64_t)(uint32_t)h->ts.tv_sec;
        if (s->format == TT_FORMAT_PCAP_NSEC)
            out->ts_nsec = (int32_t)(uint32_t)h->ts.tv_usec;
        else
            out->ts_nsec = (int32_t)((uint32_t)(h->ts.tv_usec / 1000) * 1000u);
        out->ts_ns = (int64_t)((uint64_t)out->ts_sec * 1000000000u + (uint64_t)(int64_t)out->ts_nsec);
        out->linktype = s->linktype;
        out->iface = 0;
        out->number = s->records;
        if (s->filter) {
            tt_bpf_slot *slot = bpf_for(s, out->linktype, s->snaplen, err);
            if (!slot)
                return -1;
            if (!pcap_offline_filter(&slot->prog, h, data))
                continue;
        }
        return 1;
    }
}

void tt_source_free(tt_source *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_bpf; i++)
        if (s->bpf[i].compiled == 1)
            pcap_freecode(&s->bpf[i].prog);
    if (s->pcap)
        pcap_close(s->pcap);
    tt_pcapng_free(s->ng);
    tt_pcapmap_free(s->map);
    free(s->iobuf);
    free(s->filter);
    free(s);
}

tt_source_format tt_source_format_of(const tt_source *s) { return s->format; }
const char *tt_source_compression(const tt_source *s) { return tt_instream_compression_name(s->comp); }
int tt_source_linktype(const tt_source *s) { return s->linktype; }
uint32_t tt_source_snaplen(const tt_source *s) { return s->snaplen; }
uint64_t tt_source_records(const tt_source *s) { return s->records; }

const char *tt_source_lib_version(void) { return pcap_lib_version(); }

void tt_source_progress(const tt_source *s, uint64_t *done, uint64_t *total)
{
    if (s->map) {
        *done = tt_pcapmap_offset(s->map);
        *total = tt_pcapmap_size(s->map);
        return;
    }
    *done = s->in ? tt_instream_offset(s->in) : 0;
    *total = s->in && tt_instream_compression(s->in) == TT_COMP_NONE ? tt_instream_size(s->in) : 0;
}

int tt_source_linktypes(const tt_source *s, int32_t *out, int max)
{
    int n = s->n_linktypes < max ? s->n_linktypes : max;
    for (int i = 0; i < n; i++)
        out[i] = s->linktypes[i];
    return n;
}

void tt_source_version(const tt_source *s, int *major, int *minor)
{
    *major = s->major;
    *minor = s->minor;
}

const char *tt_source_linktype_name(int linktype)
{
    return pcap_datalink_val_to_name(linktype);
}

/* ---- live capture to a file ------------------------------------------------------ */

#include <stdatomic.h>

#define TT_LIVE_TIMEOUT_MS 20 /* how often a blocked read wakes to look at the stop flag */
#define TT_LIVE_BUFFER_BYTES (32 << 20) /* kernel ring of a live capture */

struct tt_live {
    pcap_t *pcap;          /* owned: closed with pcap_close */
    pcap_dumper_t *dumper; /* owned: closed with pcap_dump_close */
    atomic_int stop;       /* set by tt_source_live_stop */
    atomic_ullong frames;  /* frames written */
};

static void live_write(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    tt_live *lv = (tt_live *)(void *)user;
    pcap_dump((u_char *)lv->dumper, h, bytes);
    atomic_fetch_add(&lv->frames, 1);
}

static void live_activate_error(tt_live *lv, const char *iface, int rc, tt_error *err)
{
    const char *why = pcap_geterr(lv->pcap);
    if (rc == PCAP_ERROR_PERM_DENIED) {
        tt_error_set(err, TT_ERR_IO,
                     TT_LIVE_PERM_PREFIX " capturing on %s: %s (needs root, or the CAP_NET_RAW "
                     "and CAP_NET_ADMIN capabilities: setcap cap_net_raw,cap_net_admin=eip on the "
                     "Python interpreter)",
                     iface, why && *why ? why : pcap_statustostr(rc));
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
        tt_error_set(err, TT_ERR_NOT_FOUND, "no such interface %s: %s", iface,
                     why && *why ? why : pcap_statustostr(rc));
    } else {
        tt_error_set(err, TT_ERR_IO, "cannot capture on %s: %s", iface,
                     rc == PCAP_ERROR && why && *why ? why : pcap_statustostr(rc));
    }
}

tt_live *tt_source_live_open(const char *iface, const char *filter, int snaplen, const char *path,
                             tt_error *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    int have_prog = 0;
    if (!iface || !*iface || !path || !*path) {
        tt_error_set(err, TT_ERR_ARG, "an interface and an output path are needed");
        return NULL;
    }
    tt_live *lv = calloc(1, sizeof *lv);
    if (!lv) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    atomic_init(&lv->stop, 0);
    atomic_init(&lv->frames, 0);
    lv->pcap = pcap_create(iface, errbuf);
    if (!lv->pcap) {
        tt_error_set(err, TT_ERR_IO, "cannot capture on %s: %s", iface, errbuf);
        goto fail;
    }
    pcap_set_snaplen(lv->pcap, snaplen > 0 ? snaplen : 262144);
    pcap_set_promisc(lv->pcap, 0);
    pcap_set_timeout(lv->pcap, TT_LIVE_TIMEOUT_MS);
    pcap_set_immediate_mode(lv->pcap, 1);
    /* Immediate mode rings hold whole-snaplen slots (on loopback 64 KiB each): libpcap's
     * 2 MiB default is some 30 frames, dropped as soon as the writer waits for a core. */
    (void)pcap_set_buffer_size(lv->pcap, TT_LIVE_BUFFER_BYTES);
    (void)pcap_set_tstamp_precision(lv->pcap, PCAP_TSTAMP_PRECISION_NANO); /* micro if refused */
    int rc = pcap_activate(lv->pcap);
    if (rc < 0) {
        live_activate_error(lv, iface, rc, err);
        goto fail;
    }
    if (filter && *filter) {
        if (pcap_compile(lv->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            tt_error_set(err, TT_ERR_FILTER, "invalid filter %s: %s", filter, pcap_geterr(lv->pcap));
            goto fail;
        }
        have_prog = 1;
        if (pcap_setfilter(lv->pcap, &prog) != 0) {
            tt_error_set(err, TT_ERR_FILTER, "cannot set filter %s: %s", filter, pcap_geterr(lv->pcap));
            goto fail;
        }
        pcap_freecode(&prog);
        have_prog = 0;
    }
    lv->dumper = pcap_dump_open(lv->pcap, path);
    if (!lv->dumper) {
        tt_error_set(err, TT_ERR_IO, "cannot write %s: %s", path, pcap_geterr(lv->pcap));
        goto fail;
    }
    return lv;
fail:
    if (have_prog)
        pcap_freecode(&prog);
    tt_source_live_free(lv);
    return NULL;
}

int tt_source_live_run(tt_live *lv, tt_error *err)
{
    int result = 0;
    while (!atomic_load(&lv->stop)) {
        int n = pcap_dispatch(lv->pcap, -1, live_write, (u_char *)(void *)lv);
        if (n == PCAP_ERROR) {
            tt_error_set(err, TT_ERR_IO, "live capture failed: %s", pcap_geterr(lv->pcap));
            result = -1;
            break;
        }
        /* 0: the read timed out; PCAP_ERROR_BREAK: tt_source_live_stop woke us. */
    }
    if (result == 0) {
        /* Drain what the kernel already holds: frames sent just before the stop. */
        char errbuf[PCAP_ERRBUF_SIZE];
        if (pcap_setnonblock(lv->pcap, 1, errbuf) == 0) {
            for (int i = 0; i < 1000; i++) {
                int n = pcap_dispatch(lv->pcap, -1, live_write, (u_char *)(void *)lv);
                if (n == PCAP_ERROR_BREAK)
                    continue;
                if (n <= 0)
                    break;
            }
        }
    }
    if (pcap_dump_flush(lv->dumper) != 0 && result == 0) {
        tt_error_set(err, TT_ERR_IO, "cannot write the capture file: %s", strerror(errno));
        result = -1;
    }
    return result;
}

void tt_source_live_stop(tt_live *lv)
{
    if (!lv)
        return;
    atomic_store(&lv->stop, 1);
    if (lv->pcap)
        pcap_breakloop(lv->pcap);
}

uint64_t tt_source_live_frames(const tt_live *lv)
{
    return atomic_load(&((tt_live *)(uintptr_t)lv)->frames);
}

int tt_source_live_stats(tt_live *lv, uint64_t *received, uint64_t *dropped)
{
    struct pcap_stat st;
    if (!lv->pcap || pcap_stats(lv->pcap, &st) != 0)
        return -1;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    return 0;
}

void tt_source_live_free(tt_live *lv)
{
    if (!lv)
        return;
    if (lv->dumper)
        pcap_dump_close(lv->dumper);
    if (lv->pcap)
        pcap_close(lv->pcap);
    free(lv);
}
