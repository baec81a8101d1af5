#include "pcapmap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Pages further than this behind the reader are given back (MADV_DONTNEED). */
#define TT_PCAPMAP_KEEP_BYTES ((size_t)32 << 20)
/* Page tables are filled this far ahead in one call, not one fault per 64 KiB. */
#define TT_PCAPMAP_AHEAD_BYTES ((size_t)4 << 20)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL: faults as before */
#endif

struct tt_pcapmap {
    const uint8_t *base; /* owned: the mapping, munmap'ed by tt_pcapmap_free */
    size_t len;          /* bytes mapped: the file's size when opened */
    size_t off;          /* offset of the next record header */
    size_t dropped;      /* pages below this offset were given back */
    size_t populated;    /* page tables are filled below this offset */
    int nsec;            /* 1: the fraction field holds nanoseconds */
    uint32_t max_caplen;
};

tt_pcapmap *tt_pcapmap_open(const char *path, int nsec, uint32_t max_caplen)
{
    tt_pcapmap *m = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
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

/* Fill the page tables of the next stretch at once; give back the pages well behind
 * the reader: the resident size stays bounded. */
static void drop_behind(tt_pcapmap *m)
{
    if (m->off + TT_PCAPMAP_AHEAD_BYTES / 2 > m->populated && m->populated < m->len) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t from = m->populated > m->off ? m->populated : m->off & ~(page - 1);
        size_t to = from + TT_PCAPMAP_AHEAD_BYTES;
        if (to > m->len)
            to = m->len;
        (void)madvise((void *)(m->base + from), to - from, MADV_POPULATE_READ);
        m->populated = to;
    }
    if (m->off - m->dropped < 2 * TT_PCAPMAP_KEEP_BYTES)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t upto = (m->off - TT_PCAPMAP_KEEP_BYTES) & ~(page - 1);
    if (upto > m->dropped) {
        (void)madvise((void *)(m->base + m->dropped), upto - m->dropped, MADV_DONTNEED);
        m->dropped = upto;
    }
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
    munmap((void *)m->base, m->len);
    free(m);
}
