/* fields: Wireshark field names to text, exactly as `tshark -T fields -E occurrence=a`
 * prints them for a TCP segment. One formatter serves `tcptrace fields` (written in
 * C, no Python object per segment) and Segment-level access. */
#ifndef TT_FIELDS_H
#define TT_FIELDS_H

#include <stddef.h>

#include "engine.h"

/* A growable text buffer. */
typedef struct tt_textbuf {
    char *data;  /* owned: NUL-terminated text, NULL until the first append */
    size_t len;
    size_t cap;
    int failed;  /* an allocation failed; what follows is dropped */
} tt_textbuf;

void tt_textbuf_init(tt_textbuf *b);
void tt_textbuf_clear(tt_textbuf *b);
void tt_textbuf_append(tt_textbuf *b, const char *s, size_t n);
void tt_textbuf_reset(tt_textbuf *b); /* length 0, memory kept */

/* The frame shown before this one (frame.time_delta_displayed counts from it). */
typedef struct tt_field_prev {
    int have; /* 0: none yet, the delta is 0 */
    int64_t ts_sec;
    int32_t ts_nsec;
} tt_field_prev;

/* How to print a field with several occurrences (tshark's -E occurrence). */
typedef struct tt_field_opts {
    int occurrence;         /* 0: all (joined by aggregator), -1: last, n > 0: the n-th */
    const char *aggregator; /* borrowed; "," by default */
    const char *separator;  /* borrowed; between fields, "\t" by default */
    tt_field_prev *prev;    /* borrowed, may be NULL: the frame shown before; each row
                             * written by tt_fields_format_row becomes it */
} tt_field_opts;

/* Field id of a name, or -1. */
int tt_field_lookup(const char *name);
/* Name of a field id, or NULL past the last. */
const char *tt_field_name(int id);

/* Whether a field needs conversations and the TCP analysis (else the frame alone). */
int tt_field_needs_analysis(int id);

/* Make s the frame shown before the next one (prev may be NULL: nothing happens). */
void tt_field_prev_set(tt_field_prev *prev, const tt_segment *s);

/* Append the text of one field of s to b (nothing when the field is absent). */
void tt_field_format(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b);

/* Append a whole row: fields separated by o->separator, then a newline; the row's
 * segment becomes o->prev. */
void tt_fields_format_row(const tt_segment *s, const int *ids, size_t n, const tt_field_opts *o,
                          tt_textbuf *b);

/* An option as tshark lists it: tcp.option_kind, and tcp.option_len (-1: none). */
typedef struct tt_option_item {
    int kind, len;
} tt_option_item;

/* The options of the captured option bytes (n_bytes of them, of a header with hdr_optlen
 * option bytes) as tshark lists tcp.option_kind: out holds up to n_bytes items. */
int tt_option_items(const uint8_t *bytes, uint32_t n_bytes, uint32_t hdr_optlen, tt_option_item *out);

#endif
