/* pcapmap: the records of an uncompressed classic pcap file read in place from a
 * read-only memory mapping (platform.h): no read copy into a buffer and no second
 * copy into a record buffer, the two largest costs of reading a file whose pages
 * are cached. The records are parsed by pcapfile.c's rules, as from a stream, so
 * both ways give the same frames; where a file cannot be mapped, source.c reads it
 * through a stream.
 *
 * Pages already read are given back as the reader moves on (MADV_DONTNEED; on
 * Windows, out of the working set), so the process's resident size stays bounded
 * whatever the file's size; a frame's bytes stay readable (the pages come back from
 * the page cache). A file truncated by another process while it is mapped makes the
 * kernel raise SIGBUS on the lost pages: read such a file through a pipe instead
 * (docs). */
#ifndef TT_PCAPMAP_H
#define TT_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pcapfile.h"
#include "source.h"

typedef struct tt_pcapmap tt_pcapmap;

/* Map a file for reading its records, laid out as `layout` says, from just after the
 * file header. NULL when the file cannot be mapped (the caller reads it another way);
 * nothing is reported. */
tt_pcapmap *tt_pcapmap_open(const char *path, const tt_pcap_layout *layout);

/* The next record: 1 with *out filled (out->number and out->linktype are the
 * caller's), 0 at the end of the file, -1 with err filled (TT_ERR_TRUNCATED: the file
 * ends inside a record; TT_ERR_FORMAT: a record's caplen exceeds the limit). */
int tt_pcapmap_next(tt_pcapmap *m, tt_frame *out, tt_error *err);

/* Bytes of the file consumed so far, and its size. */
uint64_t tt_pcapmap_offset(const tt_pcapmap *m);
uint64_t tt_pcapmap_size(const tt_pcapmap *m);

void tt_pcapmap_free(tt_pcapmap *m);

#endif
