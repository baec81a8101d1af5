/* source: capture files in (classic pcap by pcapfile.c, in place by pcapmap.c where
 * the file can be mapped; pcapng by pcapng.c), with per-link-type BPF filtering
 * (pcaplib.c). No libpcap here: reading files needs none. */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instream.h"
#include "pcapfile.h"
#include "pcaplib.h"
#include "pcapmap.h"
#include "pcapng.h"
#include "snoop.h"
#include "platform.h"

#define TT_SOURCE_PEEK 24 /* a pcap file header; enough for pcapng's magic */

typedef struct tt_bpf_slot {
    int linktype;
    tt_bpf *prog;             /* owned: NULL when compiling failed */
} tt_bpf_slot;

struct tt_source {
    tt_pcapng *ng;            /* owned: the pcapng reader (owns its stream); NULL for pcap */
    tt_pcapfile *pf;          /* owned: classic pcap records from `in`; NULL for pcapng */
    tt_snoop *snoop;          /* owned: snoop records from `in`; NULL for the others */
    tt_pcapmap *map;          /* owned: classic pcap records in place; NULL: from `in` */
    tt_instream *in;          /* owned for classic pcap; borrowed from ng for pcapng */
    uint32_t ng_ifaces_seen;  /* pcapng interfaces whose link types were noted */
    tt_compression comp;
    tt_pcap_layout layout;    /* classic pcap: how its records are laid out */
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

/* The filter compiled for one link type (once). Returns the slot or NULL. */
static tt_bpf_slot *bpf_for(tt_source *s, int linktype, uint32_t snaplen, tt_error *err)
{
    for (int i = 0; i < s->n_bpf; i++)
        if (s->bpf[i].linktype == linktype)
            return &s->bpf[i];
    if (s->n_bpf >= TT_SOURCE_MAX_LINKTYPES) {
        tt_error_set(err, TT_ERR_FILTER, "too many link types for one filter");
        return NULL;
    }
    tt_bpf *prog = tt_bpf_compile(s->filter, linktype, snaplen, err);
    if (!prog)
        return NULL;
    tt_bpf_slot *slot = &s->bpf[s->n_bpf++];
    slot->linktype = linktype;
    slot->prog = prog;
    return slot;
}

/* 1 when the frame passes the filter (or there is none), 0 when not, -1 on error. */
static int filter_pass(tt_source *s, const tt_frame *f, uint32_t snaplen, tt_error *err)
{
    if (!s->filter)
        return 1;
    tt_bpf_slot *slot = bpf_for(s, f->linktype, snaplen, err);
    if (!slot)
        return -1;
    return tt_bpf_match(slot->prog, f->data, f->caplen, f->wirelen);
}

static void prefix_error(tt_error *err, const char *name)
{
    if (err && !strstr(err->msg, name)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        tt_error_set(err, err->code, "%s: %s", name, msg);
    }
}

/* Other capture formats, recognised by their first bytes only to say what they are. */
static const struct {
    const char *magic;
    size_t len;
    const char *what;
} other_formats[] = {
    {"GMBU", 4, "a Microsoft Network Monitor 2.x capture"},
    {"RTSS", 4, "a Microsoft Network Monitor 1.x capture"},
    {"TRSNIFF data    \x1a", 17, "a Sniffer capture"},
    {"XCP\0", 4, "a NetXray / Sniffer for Windows capture"},
};

/* A file whose first bytes are no capture format this project reads. */
static void unknown_format(const unsigned char *hdr, size_t got, const char *name, tt_error *err)
{
    if (got == 0) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "%s: the file is empty (truncated dump file; tried to read 4 file header "
                     "bytes, only got 0)", name);
        return;
    }
    for (size_t i = 0; i < sizeof other_formats / sizeof other_formats[0]; i++)
        if (got >= other_formats[i].len && memcmp(hdr, other_formats[i].magic, other_formats[i].len) == 0) {
            tt_error_set(err, TT_ERR_FORMAT,
                         "%s: %s, not pcap or pcapng: convert it first (editcap -F pcapng %s out.pcapng)",
                         name, other_formats[i].what, name);
            return;
        }
    char shown[4 * 3 + 1] = "", text[5] = "";
    size_t n = got < 4 ? got : 4, at = 0;
    for (size_t i = 0; i < n; i++) {
        at += (size_t)snprintf(shown + at, sizeof shown - at, "%s%02x", i ? " " : "", hdr[i]);
        text[i] = hdr[i] >= 0x20 && hdr[i] < 0x7f ? (char)hdr[i] : '.';
    }
    tt_error_set(err, TT_ERR_FORMAT,
                 "%s: not a capture file (unknown file format; it starts with %s \"%s\"): tcptrace "
                 "reads pcap and pcapng files, plain or compressed with gzip, zstd, xz or lz4",
                 name, shown, text);
}

/* Read the first bytes without consuming them; the stream may be a pipe. */
static int peek_header(tt_source *s, tt_instream *in, const char *name, unsigned char *hdr,
                       size_t *got, tt_error *err)
{
    tt_instream_mark(in, TT_SOURCE_PEEK);
    int rc = tt_instream_read_full(in, hdr, TT_SOURCE_PEEK, got, err);
    tt_instream_rewind(in);
    if (rc < 0 && tt_instream_error(in, err)) {
        /* A read failure stays one; a decompressor's is a damaged file. */
        if (err && err->code != TT_ERR_IO && err->code != TT_ERR_NOMEM)
            err->code = TT_ERR_FORMAT;
        prefix_error(err, name);
        return -1;
    }
    tt_error_clear(err);
    if (*got < TT_SOURCE_PEEK && tt_instream_truncated(in)) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "%s: the %s stream appears to have been cut short before the end of "
                     "the capture's file header", name, tt_instream_compression_name(s->comp));
        return -1;
    }
    return 0;
}

static int open_pcapng(tt_source *s, tt_instream *in, const char *name, tt_error *err)
{
    s->format = TT_FORMAT_PCAPNG;
    s->in = in;
    s->ng = tt_pcapng_open_stream(in, name, err); /* owns the stream from here */
    if (!s->ng) {
        s->in = NULL;
        if (err && err->code == TT_ERR_FORMAT)
            prefix_error(err, name);
        return -1;
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
    return 0;
}

static int open_pcap(tt_source *s, tt_instream *in, const unsigned char *hdr, size_t got,
                     const char *name, tt_error *err)
{
    s->in = in; /* owned from here */
    tt_pcap_header h;
    if (tt_pcap_header_parse(hdr, got, &h, err) != 0) {
        if (err)
            err->code = TT_ERR_FORMAT; /* a cut file header: no capture to read */
        prefix_error(err, name);
        return -1;
    }
    unsigned char skip[TT_PCAP_FILE_HDR];
    size_t n = 0;
    if (tt_instream_read_full(in, skip, sizeof skip, &n, err) != 1) {
        prefix_error(err, name);
        return -1;
    }
    s->format = h.layout.nsec ? TT_FORMAT_PCAP_NSEC : TT_FORMAT_PCAP;
    s->layout = h.layout;
    s->linktype = h.linktype;
    /* A header snaplen of 0 stands for the largest (libpcap's reading). */
    s->snaplen = h.snaplen ? h.snaplen : h.layout.max_caplen;
    s->major = h.major;
    s->minor = h.minor;
    s->pf = tt_pcapfile_open(in, &h.layout);
    if (!s->pf) {
        tt_error_set(err, TT_ERR_NOMEM, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

/* A snoop capture (snoop.c): its file header read past, records from `in`. */
static int open_snoop(tt_source *s, tt_instream *in, const unsigned char *hdr, size_t got,
                      const char *name, tt_error *err)
{
    s->in = in; /* owned from here */
    unsigned char skip[TT_SNOOP_FILE_HDR];
    size_t n = 0;
    if (tt_snoop_header_parse(hdr, got, &s->linktype, err) != 0 ||
        tt_instream_read_full(in, skip, sizeof skip, &n, err) != 1) {
        prefix_error(err, name);
        return -1;
    }
    s->format = TT_FORMAT_SNOOP;
    s->snaplen = 262144; /* snoop has none: Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD */
    s->major = 2;
    s->snoop = tt_snoop_open(in);
    if (!s->snoop) {
        tt_error_set(err, TT_ERR_NOMEM, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

/* Open a capture on a stream (owned from here: freed on failure too). */
static tt_source *open_on_stream(tt_instream *in, const char *name, const char *filter,
                                 tt_error *err)
{
    tt_source *s = calloc(1, sizeof *s);
    if (!s) {
        tt_instream_free(in);
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    unsigned char hdr[TT_SOURCE_PEEK] = {0};
    size_t got = 0;
    if (tt_instream_detect(in, err) != 0) {
        prefix_error(err, name);
        tt_instream_free(in);
        goto fail;
    }
    s->comp = tt_instream_compression(in);
    if (peek_header(s, in, name, hdr, &got, err) != 0) {
        tt_instream_free(in);
        goto fail;
    }
    /* The magic tells pcapng from classic pcap: byte-order independent for both. */
    if (got >= 4 && hdr[0] == 0x0A && hdr[1] == 0x0D && hdr[2] == 0x0D && hdr[3] == 0x0A) {
        if (open_pcapng(s, in, name, err) != 0)
            goto fail;
    } else if (got >= 4 && tt_pcap_magic_ok(hdr)) {
        if (open_pcap(s, in, hdr, got, name, err) != 0)
            goto fail;
    } else if (tt_snoop_magic_ok(hdr, got)) {
        if (open_snoop(s, in, hdr, got, name, err) != 0)
            goto fail;
    } else {
        unknown_format(hdr, got, name, err);
        tt_instream_free(in);
        goto fail;
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
    tt_source_free(s);
    return NULL;
}

tt_source *tt_source_open_path(const char *path, const char *filter, int flags, tt_error *err)
{
    tt_plat_stat st;
    if (tt_plat_stat_path(path, &st) != 0) {
        tt_error_set(err, errno == ENOENT ? TT_ERR_NOT_FOUND : TT_ERR_IO, "%s: %s", path,
                     strerror(errno));
        return NULL;
    }
    if (st.is_dir) {
        tt_error_set(err, TT_ERR_IO, "%s: is a directory, not a capture file", path);
        return NULL;
    }
    tt_instream *in = tt_instream_open_path(path, err);
    if (!in)
        return NULL;
    tt_source *s = open_on_stream(in, path, filter, err);
    /* An uncompressed classic pcap file is read in place where it can be mapped. */
    if (s && s->pf && s->comp == TT_COMP_NONE && !(flags & TT_SOURCE_NO_MAP))
        s->map = tt_pcapmap_open(path, &s->layout);
    return s;
}

tt_source *tt_source_open_offline(const char *path, const char *filter, tt_error *err)
{
    return tt_source_open_path(path, filter, 0, err);
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
        int pass = filter_pass(s, out, rec.snaplen, err);
        if (pass != 0)
            return pass;
    }
}

/* A classic pcap record's failure, worded as libpcap's reader worded it. */
static int pcap_record_error(tt_source *s, const tt_error *e, tt_error *err)
{
    if (e->code == TT_ERR_TRUNCATED) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "the file appears to have been cut short in the middle of a record (after "
                     "%llu whole records): %s", (unsigned long long)s->records, e->msg);
        note_compressed_cut(s, err);
    } else if (e->code == TT_ERR_NOMEM) {
        tt_error_set(err, TT_ERR_NOMEM, "%s", e->msg);
    } else {
        tt_error_set(err, TT_ERR_FORMAT, "damaged capture after record %llu: %s",
                     (unsigned long long)s->records, e->msg);
    }
    return -1;
}

static int next_pcap(tt_source *s, tt_frame *out, tt_error *err)
{
    for (;;) {
        tt_error e;
        tt_error_clear(&e);
        int rc = s->map     ? tt_pcapmap_next(s->map, out, &e)
                 : s->snoop ? tt_snoop_next(s->snoop, out, &e)
                            : tt_pcapfile_next(s->pf, out, &e);
        if (rc == 0)
            return s->map ? 0 : stream_end(s, 0, err);
        if (rc < 0) {
            if (!s->map && tt_instream_error(s->in, NULL))
                return stream_end(s, -1, err);
            return pcap_record_error(s, &e, err);
        }
        s->records++;
        out->linktype = s->linktype;
        out->number = s->records;
        int pass = filter_pass(s, out, s->snaplen, err);
        if (pass != 0)
            return pass;
    }
}

int tt_source_next(tt_source *s, tt_frame *out, tt_error *err)
{
    return s->ng ? next_pcapng(s, out, err) : next_pcap(s, out, err);
}

void tt_source_free(tt_source *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_bpf; i++)
        tt_bpf_free(s->bpf[i].prog);
    tt_pcapmap_free(s->map);
    tt_pcapfile_free(s->pf);
    tt_snoop_free(s->snoop);
    if (s->ng)
        tt_pcapng_free(s->ng); /* frees its stream */
    else
        tt_instream_free(s->in);
    free(s->filter);
    free(s);
}

tt_source_format tt_source_format_of(const tt_source *s) { return s->format; }
const char *tt_source_compression(const tt_source *s) { return tt_instream_compression_name(s->comp); }
int tt_source_linktype(const tt_source *s)
{
    /* pcapng: the first IDB may come after more blocks than the open looked at */
    int32_t lt;
    uint32_t snap;
    if (s->ng && tt_pcapng_first_interface(s->ng, &lt, &snap))
        return lt;
    return s->linktype;
}
uint32_t tt_source_snaplen(const tt_source *s) { return s->snaplen; }
uint64_t tt_source_records(const tt_source *s) { return s->records; }

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
