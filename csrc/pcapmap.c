#include "pcapmap.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Pages further than this behind the reader are given back (MADV_DONTNEED). */
#define TT_PCAPMAP_KEEP_BYTES ((size_t)16 << 20)
/* The helper thread fills page tables this far ahead of the reader, a step at a time. */
#define TT_PCAPMAP_AHEAD_BYTES ((size_t)8 << 20)
#define TT_PCAPMAP_STEP_BYTES ((size_t)2 << 20)
#define TT_PCAPMAP_POLL_NS 100000       /* the helper's nap when it is ahead: 0.1 ms, */
#define TT_PCAPMAP_POLL_MAX_NS 20000000 /* doubling while the reader stands still */

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL: the reader faults */
#endif

/* The mapping's page faults and page releases cost the reader about a quarter of its
 * time when done inline: a helper thread does them beside it. It only reads the
 * reader's position (an atomic, no lock: a forked child, which has no helper, never
 * waits on one) and changes nothing the reader sees: populated pages hold the file's
 * bytes, released ones come back from the page cache if touched again. */
struct tt_pcapmap {
    const uint8_t *base; /* owned: the mapping, munmap'ed by tt_pcapmap_free */
    size_t len;          /* bytes mapped: the file's size when opened */
    size_t off;          /* offset of the next record header */
    size_t dropped;      /* inline releases (no helper): pages below were given back */
    int nsec;            /* 1: the fraction field holds nanoseconds */
    uint32_t max_caplen;
    pthread_t helper;    /* owned: joined by tt_pcapmap_free when have_helper */
    int have_helper;
    pid_t helper_pid;    /* the process the helper runs in: a forked child has none */
    _Atomic size_t reader_off; /* the reader's position, for the helper */
    atomic_int stop;           /* set by tt_pcapmap_free */
};

/* Give back the pages more than TT_PCAPMAP_KEEP_BYTES behind the reader at `off`,
 * once a second such stretch has built up (*dropped: released below it so far). */
static bool release_behind(const tt_pcapmap *m, size_t off, size_t *dropped)
{
    if (off < *dropped + 2 * TT_PCAPMAP_KEEP_BYTES)
        return false;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t upto = (off - TT_PCAPMAP_KEEP_BYTES) & ~(page - 1);
    (void)madvise((void *)(m->base + *dropped), upto - *dropped, MADV_DONTNEED);
    *dropped = upto;
    return true;
}

static void *helper_main(void *arg)
{
    tt_pcapmap *m = arg;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
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
        if (populate_ok && populated < m->len && populated < off + TT_PCAPMAP_AHEAD_BYTES) {
            size_t to = populated + TT_PCAPMAP_STEP_BYTES < m->len ? populated + TT_PCAPMAP_STEP_BYTES
                                                                   : m->len;
            if (madvise((void *)(m->base + populated), to - populated, MADV_POPULATE_READ) != 0)
                populate_ok = 0; /* not offered here: the reader faults pages in itself */
            populated = to;
            nap_ns = TT_PCAPMAP_POLL_NS;
            continue;
        }
        if (off >= m->len)
            break;
        /* Nothing to do: the reader is not moving (a capture left open in a notebook,
         * a caller busy between chunks), so wake less and less often. */
        struct timespec nap = {0, nap_ns};
        nanosleep(&nap, NULL);
        if (nap_ns < TT_PCAPMAP_POLL_MAX_NS)
            nap_ns *= 2;
    }
    return NULL;
}

tt_pcapmap *tt_pcapmap_open(const char *path, int nsec, uint32_t max_caplen)
{
    tt_pcapmap *m = NULL;
    /* Only a regular file: opening a FIFO again would wait for another writer. */
    struct stat pre;
    if (stat(path, &pre) != 0 || !S_ISREG(pre.st_mode))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < TT_PCAPMAP_FILE_HDR ||
        (uint64_t)st.st_size > (uint64_t)SIZE_MAX)
        goto fail;
    m = calloc(1, sizeof *m);
    if (!m)
        goto fail;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    /* Read ahead generously; pages behind the reader may go. */
    (void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
    m->base = p;
    m->len = (size_t)st.st_size;
    m->off = TT_PCAPMAP_FILE_HDR;
    m->nsec = nsec;
    m->max_caplen = max_caplen;
    atomic_init(&m->reader_off, m->off);
    atomic_init(&m->stop, 0);
    m->helper_pid = getpid();
    m->have_helper = pthread_create(&m->helper, NULL, helper_main, m) == 0;
    close(fd); /* the mapping keeps the file */
    return m;

fail:
    free(m);
    close(fd);
    return NULL;
}

static uint32_t rd_u32_host(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

int tt_pcapmap_parse(const uint8_t *buf, size_t len, size_t *off, int nsec,
                     uint32_t max_caplen, tt_frame *out, tt_error *err)
{
    if (*off >= len)
        return 0;
    size_t left = len - *off;
    /* libpcap's words for the same faults (sf-pcap.c), so both readers say the same. */
    if (left < TT_PCAPMAP_REC_HDR) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "truncated dump file; tried to read %d header bytes, only got %zu",
                     TT_PCAPMAP_REC_HDR, left);
        return -1;
    }
    const uint8_t *h = buf + *off;
    uint32_t sec = rd_u32_host(h), frac = rd_u32_host(h + 4);
    uint32_t caplen = rd_u32_host(h + 8), wirelen = rd_u32_host(h + 12);
    if (caplen > max_caplen) {
        tt_error_set(err, TT_ERR_FORMAT,
                     "invalid packet capture length %u, bigger than snaplen of %u", caplen,
                     max_caplen);
        return -1;
    }
    left -= TT_PCAPMAP_REC_HDR;
    if (left < caplen) {
        tt_error_set(err, TT_ERR_TRUNCATED,
                     "truncated dump file; tried to read %u captured bytes, only got %zu",
                     caplen, left);
        return -1;
    }
    out->data = h + TT_PCAPMAP_REC_HDR;
    out->caplen = caplen;
    out->wirelen = wirelen;
    /* As Wireshark reads them: unsigned 32-bit seconds, and for microsecond files
     * the nanoseconds as (uint32)(usec * 1000), wrapping rather than carrying. */
    out->ts_sec = (int64_t)sec;
    out->ts_nsec = nsec ? (int32_t)frac : (int32_t)(uint32_t)(frac * 1000u);
    out->ts_ns = (int64_t)((uint64_t)out->ts_sec * 1000000000u + (uint64_t)(int64_t)out->ts_nsec);
    out->iface = 0;
    *off += TT_PCAPMAP_REC_HDR + (size_t)caplen;
    /* The next record's header and its packet's first bytes: fetched while this
     * packet is analysed (the payload between them defeats the stream prefetcher). */
    if (*off + 128 <= len) {
        __builtin_prefetch(buf + *off);
        __builtin_prefetch(buf + *off + 64);
    }
    return 1;
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
    int rc = tt_pcapmap_parse(m->base, m->len, &m->off, m->nsec, m->max_caplen, out, err);
    if (rc == 1)
        drop_behind(m);
    return rc;
}

uint64_t tt_pcapmap_offset(const tt_pcapmap *m) { return m->off; }
uint64_t tt_pcapmap_size(const tt_pcapmap *m) { return m->len; }

void tt_pcapmap_free(tt_pcapmap *m)
{
    if (!m)
        return;
    /* In a child forked while the file was open the helper does not exist: joining
     * its parent's thread would wait for ever. */
    if (m->have_helper && getpid() == m->helper_pid) {
        atomic_store(&m->stop, 1);
        pthread_join(m->helper, NULL);
    }
    munmap((void *)m->base, m->len);
    free(m);
}
