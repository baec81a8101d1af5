#include "pcapmap.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* Pages further than this behind the reader are given back. */
#define TT_PCAPMAP_KEEP_BYTES ((size_t)16 << 20)
/* The helper thread fills page tables this far ahead of the reader, a step at a time. */
#define TT_PCAPMAP_AHEAD_BYTES ((size_t)8 << 20)
#define TT_PCAPMAP_STEP_BYTES ((size_t)2 << 20)
#define TT_PCAPMAP_POLL_NS 100000       /* the helper's nap when it is ahead: 0.1 ms, */
#define TT_PCAPMAP_POLL_MAX_NS 20000000 /* doubling while the reader stands still */

/* The mapping's page faults and page releases cost the reader about a quarter of its
 * time when done inline: a helper thread does them beside it. It only reads the
 * reader's position (an atomic, no lock: a forked child, which has no helper, never
 * waits on one) and changes nothing the reader sees: populated pages hold the file's
 * bytes, released ones come back from the page cache if touched again. */
struct tt_pcapmap {
    tt_plat_map map;     /* owned: the mapping, unmapped by tt_pcapmap_free */
    size_t off;          /* offset of the next record header */
    size_t dropped;      /* inline releases (no helper): pages below were given back */
    tt_pcap_layout layout;
    tt_plat_thread helper; /* owned: joined by tt_pcapmap_free when have_helper */
    int have_helper;
    long helper_pid;     /* the process the helper runs in: a forked child has none */
    _Atomic size_t reader_off; /* the reader's position, for the helper */
    atomic_int stop;           /* set by tt_pcapmap_free */
};

/* Give back the pages more than TT_PCAPMAP_KEEP_BYTES behind the reader at `off`,
 * once a second such stretch has built up (*dropped: released below it so far). */
static bool release_behind(const tt_pcapmap *m, size_t off, size_t *dropped)
{
    if (off < *dropped + 2 * TT_PCAPMAP_KEEP_BYTES)
        return false;
    size_t page = tt_plat_page_size();
    size_t upto = (off - TT_PCAPMAP_KEEP_BYTES) & ~(page - 1);
    tt_plat_map_release(&m->map, *dropped, upto - *dropped);
    *dropped = upto;
    return true;
}

static void helper_main(void *arg)
{
    tt_pcapmap *m = arg;
    size_t page = tt_plat_page_size(), len = m->map.len;
    size_t populated = 0, dropped = 0;
    int populate_ok = 1;
    long nap_ns = TT_PCAPMAP_POLL_NS;
    while (!atomic_load_explicit(&m->stop, memory_order_relaxed)) {
        size_t off = atomic_load_explicit(&m->reader_off, memory_order_relaxed);
        /* A reader that got ahead (pages coming from a slow disk) has faulted in what
         * lies behind it: populate from where it is, and never starve the release. */
        if (populated < off)
            populated = off & ~(page - 1);
        if (release_behind(m, off, &dropped)) {
            nap_ns = TT_PCAPMAP_POLL_NS;
            continue;
        }
        if (populate_ok && populated < len && populated < off + TT_PCAPMAP_AHEAD_BYTES) {
            size_t to = populated + TT_PCAPMAP_STEP_BYTES < len ? populated + TT_PCAPMAP_STEP_BYTES
                                                                : len;
            if (tt_plat_map_populate(&m->map, populated, to - populated) != 0)
                populate_ok = 0; /* not offered here: the reader faults pages in itself */
            populated = to;
            nap_ns = TT_PCAPMAP_POLL_NS;
            continue;
        }
        if (off >= len)
            break;
        /* Nothing to do: the reader is not moving (a capture left open in a notebook,
         * a caller busy between chunks), so wake less and less often. */
        tt_plat_sleep_ns(nap_ns);
        if (nap_ns < TT_PCAPMAP_POLL_MAX_NS)
            nap_ns *= 2;
    }
}

tt_pcapmap *tt_pcapmap_open(const char *path, const tt_pcap_layout *layout)
{
    tt_pcapmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (tt_plat_map_file(path, TT_PCAP_FILE_HDR, &m->map) != 0) {
        free(m);
        return NULL;
    }
    m->off = TT_PCAP_FILE_HDR;
    m->layout = *layout;
    atomic_init(&m->reader_off, m->off);
    atomic_init(&m->stop, 0);
    m->helper_pid = tt_plat_process_id();
    m->have_helper = tt_plat_thread_start(&m->helper, helper_main, m) == 0;
    return m;
}

/* Tell the helper where the reader is; without a helper, give back the pages well
 * behind the reader here: the resident size stays bounded (the file's pages stay in
 * the page cache). */
static void drop_behind(tt_pcapmap *m)
{
    if (m->have_helper) {
        atomic_store_explicit(&m->reader_off, m->off, memory_order_relaxed);
        return;
    }
    (void)release_behind(m, m->off, &m->dropped);
}

int tt_pcapmap_next(tt_pcapmap *m, tt_frame *out, tt_error *err)
{
    int rc = tt_pcap_parse(&m->layout, m->map.base, m->map.len, &m->off, out, err);
    if (rc == 1)
        drop_behind(m);
    return rc;
}

uint64_t tt_pcapmap_offset(const tt_pcapmap *m) { return m->off; }
uint64_t tt_pcapmap_size(const tt_pcapmap *m) { return m->map.len; }

void tt_pcapmap_free(tt_pcapmap *m)
{
    if (!m)
        return;
    if (m->have_helper) {
        /* In a child forked while the file was open the helper does not exist:
         * joining its parent's thread would wait for ever. */
        if (tt_plat_process_id() == m->helper_pid) {
            atomic_store(&m->stop, 1);
            tt_plat_thread_join(&m->helper);
        } else {
            tt_plat_thread_abandon(&m->helper);
        }
    }
    tt_plat_unmap(&m->map);
    free(m);
}
