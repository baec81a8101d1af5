/* pcapmap: the records of an uncompressed classic pcap file read in place from a
 * read-only memory mapping: no read(2) copy into a stdio buffer and no second copy
 * into libpcap's, the two largest costs of reading a file whose pages are cached.
 *
 * source.c opens every file with libpcap first (it validates the file header and
 * maps the link type exactly as before) and hands over to this reader only the
 * files libpcap itself would read record by record without touching the bytes:
 * host byte order, version 2.4, a link type with libpcap's usual 262144-byte record
 * limit and no pseudo-header fix-up. Record errors are worded as libpcap words them.
 *
 * Pages already read are dropped from the mapping as the reader moves on
 * (MADV_DONTNEED), so the process's resident size stays bounded whatever the file's
 * size; a frame's bytes stay readable (the pages come back from the page cache).
 * A file truncated by another process while it is mapped makes the kernel raise
 * SIGBUS on the lost pages: read such a file through a pipe instead (docs). */
#ifndef TT_PCAPMAP_H
#define TT_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "source.h"

#define TT_PCAPMAP_FILE_HDR 24
#define TT_PCAPMAP_REC_HDR 16

typedef struct tt_pcapmap tt_pcapmap;

/* Map a file for reading its records from just after the file header. NULL when the
 * file cannot be mapped (the caller reads it another way); nothing is reported. */
tt_pcapmap *tt_pcapmap_open(const char *path, int nsec, uint32_t max_caplen);

/* The next record: 1 with *out filled (out->number and out->linktype are the
 * caller's), 0 at the end of the file, -1 with err filled (TT_ERR_TRUNCATED: the file
 * ends inside a record; TT_ERR_FORMAT: a record's caplen exceeds max_caplen). */
int tt_pcapmap_next(tt_pcapmap *m, tt_frame *out, tt_error *err);

/* One record parsed from buf[*off..len) (the pure part of tt_pcapmap_next). */
int tt_pcapmap_parse(const uint8_t *buf, size_t len, size_t *off, int nsec,
                     uint32_t max_caplen, tt_frame *out, tt_error *err);

/* Bytes of the file consumed so far, and its size. */
uint64_t tt_pcapmap_offset(const tt_pcapmap *m);
uint64_t tt_pcapmap_size(const tt_pcapmap *m);

void tt_pcapmap_free(tt_pcapmap *m);

#endif
