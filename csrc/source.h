/* source: capture files in, frames out, on every platform and with no libpcap.
 *
 * Classic pcap (micro- and nanosecond, either byte order) is read by the native
 * reader (pcapfile.h), its records in place from a memory mapping where the file can
 * be mapped (pcapmap.h); pcapng by the native reader (pcapng.c), which also takes
 * files whose interfaces have different link types or snapshot lengths. BPF filters
 * are compiled by libpcap (pcaplib.h) once per link type. */
#ifndef TT_SOURCE_H
#define TT_SOURCE_H

#include <stdint.h>

#include "error.h"
#include "instream.h"

typedef struct tt_frame {
    const uint8_t *data; /* borrowed: valid until the next tt_source_next or free */
    uint32_t caplen;
    uint32_t wirelen;
    int64_t ts_ns;       /* nanoseconds since the Unix epoch (ts_sec*1e9+ts_nsec, wrapping) */
    int64_t ts_sec;      /* seconds as Wireshark reads them (pcap: unsigned 32-bit) */
    int32_t ts_nsec;     /* nanoseconds as the file says: may lie outside 0..1e9-1 */
    int32_t linktype;    /* LINKTYPE_* of the frame's interface, as the file says */
    uint32_t iface;      /* interface index (pcapng), 0 for pcap */
    uint64_t number;     /* 1-based record number in the file, counted before the filter */
} tt_frame;

typedef enum tt_source_format {
    TT_FORMAT_PCAP = 1,
    TT_FORMAT_PCAP_NSEC = 2,
    TT_FORMAT_PCAPNG = 3,
    TT_FORMAT_SNOOP = 4,
} tt_source_format;

#define TT_SOURCE_MAX_LINKTYPES 64

typedef struct tt_source tt_source;

/* Open a capture file; `filter` may be NULL. Returns NULL and fills err on failure.
 * Compressed files (gzip, zstd, xz, lz4) are recognised by their first bytes and read
 * through a streaming decompressor. */
tt_source *tt_source_open_offline(const char *path, const char *filter, tt_error *err);

/* tt_source_open_offline with flags: TT_SOURCE_NO_MAP reads an uncompressed classic
 * pcap file through the stream reader instead of in place (pcapmap.h); the frames are
 * the same either way. */
#define TT_SOURCE_NO_MAP 1
tt_source *tt_source_open_path(const char *path, const char *filter, int flags, tt_error *err);

/* Open a capture read from a file descriptor: a pipe or standard input (offset < 0:
 * read(), never seeked), or a regular file read with pread from `offset`. own: the
 * source closes fd (also on failure). `name` is for messages ("-", "<stdin>"). */
tt_source *tt_source_open_fd(int fd, int64_t offset, int own, const char *name,
                             const char *filter, tt_error *err);

/* Open a capture read through a callback (see instream.h: it returns what is available,
 * 0 at the end, -1 with err filled). Owns ctx from the call: close(ctx) runs in
 * tt_source_free, or before returning NULL. A callback failure ends the records with
 * that error (its code kept, TT_ERR_IO for a plain read failure). */
tt_source *tt_source_open_stream(tt_read_fn read, void *ctx, tt_close_fn close,
                                 const char *name, const char *filter, tt_error *err);

/* Next frame (after the filter). Returns 1 with *out set, 0 at the end, -1 on error
 * (err filled; TT_ERR_TRUNCATED when the file was cut inside a record: every whole
 * record before it was delivered). */
int tt_source_next(tt_source *src, tt_frame *out, tt_error *err);

void tt_source_free(tt_source *src);

tt_source_format tt_source_format_of(const tt_source *src);
/* "gzip", "zstd", "xz", "lz4", or NULL for an uncompressed capture. */
const char *tt_source_compression(const tt_source *src);
/* Link type of the first interface. */
int tt_source_linktype(const tt_source *src);
/* Snapshot length of the first interface. */
uint32_t tt_source_snaplen(const tt_source *src);
/* Distinct link types seen so far (all interfaces described so far, in order). */
int tt_source_linktypes(const tt_source *src, int32_t *out, int max);
/* pcap file version (major, minor); for pcapng the section header's. */
void tt_source_version(const tt_source *src, int *major, int *minor);
/* Records read from the file, before the filter. */
uint64_t tt_source_records(const tt_source *src);
/* Progress: decoded bytes of the file read so far, and the file's size (0: unknown, as
 * for a pipe or a compressed file). */
void tt_source_progress(const tt_source *src, uint64_t *done, uint64_t *total);
#endif
