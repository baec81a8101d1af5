/* listing: see listing.h. */
#include "listing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtext.h"
#include "info.h"

void tt_listing_init(tt_listing *l, size_t chunk_rows)
{
    memset(l, 0, sizeof *l);
    tt_textbuf_init(&l->cells);
    l->chunk = chunk_rows ? chunk_rows : TT_LISTING_CHUNK_DEFAULT;
}

static void end_cell(tt_listing *l, size_t col)
{
    size_t at = l->rows * TT_LISTING_COLUMNS + col;
    l->ends[at] = l->cells.len;
    size_t start = at ? l->ends[at - 1] : 0; /* cells lie back to back, rows too */
    size_t w = l->cells.len - start;
    if (w > l->width[col])
        l->width[col] = w;
}

static void put(tt_listing *l, const char *s, size_t n, size_t col)
{
    tt_textbuf_append(&l->cells, s, n);
    end_cell(l, col);
}

/* Seconds since the first frame with six decimals, as Wireshark's Time column: the
 * nanoseconds' sign, then their magnitude cut (not rounded) to microseconds. */
static size_t time_cell(int64_t ns, char *buf, size_t cap)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    int n = snprintf(buf, cap, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "", mag / 1000000000u,
                     mag % 1000000000u / 1000u);
    return n < 0 ? 0 : (size_t)n;
}

bool tt_listing_add(tt_listing *l, const tt_segment *s)
{
    if (!l->ends) {
        l->ends = malloc(l->chunk * TT_LISTING_COLUMNS * sizeof *l->ends);
        if (!l->ends) {
            l->failed = true;
            return false;
        }
    }
    char buf[2048];
    size_t n;
    const tt_packet *p = &s->pkt;
    n = (size_t)snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)p->frame);
    put(l, buf, n, 0);
    n = time_cell(s->time_rel_ns, buf, sizeof buf);
    put(l, buf, n, 1);
    const tt_ip_layer *ip = tt_packet_ip(p);
    if (ip) {
        put(l, buf, tt_addr_text(ip->version, ip->src, buf), 2);
        put(l, buf, tt_addr_text(ip->version, ip->dst, buf), 3);
    } else {
        put(l, "None", 4, 2);
        put(l, "None", 4, 3);
    }
    put(l, "TCP", 3, 4);
    n = (size_t)snprintf(buf, sizeof buf, "%" PRIu32, p->wirelen);
    put(l, buf, n, 5);
    n = tt_info_format(s, buf, sizeof buf);
    put(l, buf, n < sizeof buf ? n : sizeof buf - 1, 6);
    if (l->cells.failed)
        l->failed = true;
    l->rows++;
    return l->rows == l->chunk;
}

static const char SPACES[64] = "                                                               ";

static void pad(tt_textbuf *out, size_t n)
{
    while (n) {
        size_t k = n < sizeof SPACES - 1 ? n : sizeof SPACES - 1;
        tt_textbuf_append(out, SPACES, k);
        n -= k;
    }
}

void tt_listing_render(tt_listing *l, tt_textbuf *out)
{
    const char *text = l->cells.data;
    size_t from = 0;
    for (size_t r = 0; r < l->rows; r++) {
        for (size_t c = 0; c < TT_LISTING_COLUMNS; c++) {
            size_t to = l->ends[r * TT_LISTING_COLUMNS + c];
            tt_textbuf_append(out, text + from, to - from);
            if (c + 1 < TT_LISTING_COLUMNS) {
                pad(out, l->width[c] - (to - from));
                tt_textbuf_append(out, " ", 1);
            }
            from = to;
        }
        tt_textbuf_append(out, "\n", 1);
    }
    tt_textbuf_reset(&l->cells);
    l->rows = 0;
    memset(l->width, 0, sizeof l->width);
}

void tt_listing_clear(tt_listing *l)
{
    tt_textbuf_clear(&l->cells);
    free(l->ends);
    l->ends = NULL;
    l->rows = 0;
}
