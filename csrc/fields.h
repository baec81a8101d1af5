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

/* How to print a field with several occurrences (tshark's -E occurrence). */
typedef struct tt_field_opts {
    int occurrence;         /* 0: all (joined by aggregator), -1: last, n > 0: the n-th */
    const char *aggregator; /* borrowed; "," by default */
    const char *separator;  /* borrowed; between fields, "\t" by default */
} tt_field_opts;

/* Field id of a name, or -1. */
int tt_field_lookup(const char *name);
/* Name of a field id, or NULL past the last. */
const char *tt_field_name(int id);

/* Append the text of one field of s to b (nothing when the field is absent). */
void tt_field_format(const tt_segment *s, int id, const tt_field_opts *o, tt_textbuf *b);

/* Append a whole row: fields separated by o->separator, then a newline. */
void tt_fields_format_row(const tt_segment *s, const int *ids, size_t n, const tt_field_opts *o,
                          tt_textbuf *b);

#endif
