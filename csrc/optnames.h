/* optnames: the names of a segment's TCP options, as tshark 4.0.17 names the values of
 * tcp.option_kind ("Maximum Segment Size, No-Operation, Window Scale"). */
#ifndef TT_OPTNAMES_H
#define TT_OPTNAMES_H

#include <stddef.h>

#include "engine.h"

/* The name of an option kind; NULL for a kind tshark has no name for. */
const char *tt_option_kind_name(int kind);

/* The names of s's options in the order tcp.option_kind lists them, joined by ", " (an
 * unnamed kind as "Unknown (N)"), into buf (NUL-terminated, cut to size). Returns the
 * length, 0 when the segment has no options. */
size_t tt_option_names_format(const tt_segment *s, char *buf, size_t size);

#endif
