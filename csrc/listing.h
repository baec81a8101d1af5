/* listing: Wireshark's packet list at the TCP level, one line per segment (No., Time,
 * Source, Destination, Protocol, Length, Info), as `tcptrace CAPTURE` prints it, built
 * in C so the first command anyone runs costs what `tcptrace fields` costs.
 *
 * Rows are kept for a chunk (1,000 by default) and written aligned: each column but
 * Info padded to the widest cell of the chunk, so a long capture streams. The cells
 * are those of tcptrace/listing.py's listing_cells, which the `--app` listing keeps
 * using (tests/test_listing.py checks the two agree). */
#ifndef TT_LISTING_H
#define TT_LISTING_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "fields.h"

#define TT_LISTING_COLUMNS 7
#define TT_LISTING_CHUNK_DEFAULT 1000u

typedef struct tt_listing {
    tt_textbuf cells;   /* owned: the chunk's cells, back to back, no separators */
    size_t *ends;       /* owned: rows * TT_LISTING_COLUMNS cell end offsets */
    size_t rows, chunk;
    size_t width[TT_LISTING_COLUMNS];
    bool failed;        /* an allocation failed: rows were lost */
} tt_listing;

void tt_listing_init(tt_listing *l, size_t chunk_rows);

/* Add one segment's row; true when the chunk is full (render it). */
bool tt_listing_add(tt_listing *l, const tt_segment *s);

/* Append the chunk's rows, aligned, each ending in a newline, to out; empty the chunk. */
void tt_listing_render(tt_listing *l, tt_textbuf *out);

void tt_listing_clear(tt_listing *l);

#endif
