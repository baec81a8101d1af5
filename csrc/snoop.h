/* snoop: Sun's snoop capture format (RFC 1761), as Wireshark's wiretap/snoop.c reads it:
 * a 16-byte file header ("snoop\0\0\0", version 2, datalink type) and records of a
 * 24-byte header (original and included length, record length, cumulative drops,
 * seconds, microseconds; all big-endian), the data and padding to the record length. */
#ifndef TT_SNOOP_H
#define TT_SNOOP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "instream.h"
#include "source.h"

#define TT_SNOOP_FILE_HDR 16

/* 1 when the first 8 bytes are snoop's magic. */
int tt_snoop_magic_ok(const uint8_t *h, size_t len);

/* The file header: 0 with *linktype (LINKTYPE_*) set, -1 with err (TT_ERR_FORMAT: a
 * version or datalink type Wireshark does not read). */
int tt_snoop_header_parse(const uint8_t *h, size_t len, int *linktype, tt_error *err);

typedef struct tt_snoop tt_snoop;

/* Records from `in`, positioned after the file header (borrowed). NULL: no memory. */
tt_snoop *tt_snoop_open(tt_instream *in);

/* The next record: 1 with *out filled (data valid until the next call), 0 at the end,
 * -1 with err (TT_ERR_TRUNCATED: cut inside a record; TT_ERR_FORMAT: lengths that lie). */
int tt_snoop_next(tt_snoop *s, tt_frame *out, tt_error *err);

void tt_snoop_free(tt_snoop *s);

#endif
