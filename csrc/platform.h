/* platform: everything that differs by operating system, behind one small interface
 * with a portable fallback, and nowhere else in the core:
 *
 *   - files: opening for reading (binary, not inherited by children), reads,
 *     positional reads, what a descriptor or a path is (regular file, size);
 *   - mapping a file read-only (mmap / MapViewOfFile), giving its pages back and
 *     faulting them in ahead of the reader; where a platform has no mapping the
 *     caller reads the file through a stream instead;
 *   - the helper thread (pthreads / Windows threads), a nap, the process id;
 *   - loading a shared library at run time (dlopen / LoadLibrary), for libpcap;
 *   - 128-bit products, for compilers without __int128 (MSVC).
 *
 * File descriptors are C runtime descriptors on every platform (POSIX ones, or the
 * Microsoft CRT's on Windows), so callers hold an int either way. */
#ifndef TT_PLATFORM_H
#define TT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- compiler ---- */

#if defined(__GNUC__) || defined(__clang__)
#define TT_PREFETCH(p) __builtin_prefetch(p)
#else
#define TT_PREFETCH(p) ((void)(p))
#endif

/* ---- files ---- */

typedef struct tt_plat_stat {
    int is_regular;  /* a regular file (its size is meaningful, pread works) */
    int is_dir;
    uint64_t size;   /* bytes, for a regular file */
} tt_plat_stat;

/* Open `path` for reading in binary mode, not inherited by child processes.
 * The descriptor, or -1 with err filled (TT_ERR_NOT_FOUND, TT_ERR_IO). */
int tt_plat_open_read(const char *path, tt_error *err);
/* Up to n bytes: the count, 0 at the end, -1 with errno set (EINTR is the caller's to
 * retry: a signal may have to be looked at first). */
ptrdiff_t tt_plat_read(int fd, void *buf, size_t n);
/* Up to n bytes from byte `off` without moving the descriptor's position (another
 * reader may share it): the count, 0 at the end, -1 with errno set. */
ptrdiff_t tt_plat_pread(int fd, void *buf, size_t n, int64_t off);
/* A second descriptor for the same open file, not inherited by children; -1. */
int tt_plat_dup(int fd);
/* Read `fd` as bytes: the Windows CRT opens standard input in text mode (CR LF
 * translated, ^Z an end); a no-op elsewhere. */
void tt_plat_set_binary(int fd);
/* Up to n bytes written: the count, or -1 with errno set (EINTR the caller's). */
ptrdiff_t tt_plat_write(int fd, const void *buf, size_t n);
/* The descriptor's position, or -1. */
int64_t tt_plat_tell(int fd);
void tt_plat_close(int fd);
/* 0 with *st filled, -1 with errno set. */
int tt_plat_fstat(int fd, tt_plat_stat *st);
int tt_plat_stat_path(const char *path, tt_plat_stat *st);

/* ---- a file mapped read-only ---- */

typedef struct tt_plat_map {
    const uint8_t *base; /* owned: the view, released by tt_plat_unmap */
    size_t len;          /* bytes mapped: the file's size when opened */
    void *handle;        /* owned (Windows): the file-mapping object; NULL elsewhere */
} tt_plat_map;

/* Map a whole regular file of at least min_len bytes. 0 with *m filled; -1 when it
 * cannot be mapped (not a regular file, too small, no mapping on this platform): the
 * caller reads it another way, so nothing is reported. */
int tt_plat_map_file(const char *path, size_t min_len, tt_plat_map *m);
/* Give back the pages of [off, off+len) (page-aligned): the resident size drops, the
 * bytes come back from the page cache if touched again. A no-op where unsupported. */
void tt_plat_map_release(const tt_plat_map *m, size_t off, size_t len);
/* Fault in [off, off+len) now (from the helper thread, so that the reader does not).
 * 0, or -1 when this platform cannot (the reader faults pages in itself). */
int tt_plat_map_populate(const tt_plat_map *m, size_t off, size_t len);
void tt_plat_unmap(tt_plat_map *m);
size_t tt_plat_page_size(void);

/* ---- threads ---- */

typedef struct tt_plat_thread {
    void *handle; /* owned: the thread, until tt_plat_thread_join */
    void (*fn)(void *);
    void *arg;
} tt_plat_thread;

/* Start fn(arg) on a new thread; t must stay where it is until joined. 0, or -1. */
int tt_plat_thread_start(tt_plat_thread *t, void (*fn)(void *), void *arg);
void tt_plat_thread_join(tt_plat_thread *t);
/* Forget a thread without waiting for it: in a child forked after it started, the
 * thread does not exist (joining would wait for ever). */
void tt_plat_thread_abandon(tt_plat_thread *t);
/* The calling process's id: a child forked after a thread started has another. */
long tt_plat_process_id(void);
void tt_plat_sleep_ns(long ns);

/* ---- shared libraries loaded at run time ---- */

/* The library, or NULL (why in err). */
void *tt_plat_lib_open(const char *name, tt_error *err);
void *tt_plat_lib_symbol(void *lib, const char *name);
/* Windows' system folder (C:\Windows\System32) into buf: its length, or 0 (and
 * always 0 elsewhere). */
int tt_plat_system_dir(char *buf, size_t n);

/* ---- 128-bit arithmetic ---- */

/* The full 128-bit product a * b as (*hi, *lo). */
static inline void tt_mul_u64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 m = (unsigned __int128)a * b;
    *hi = (uint64_t)(m >> 64);
    *lo = (uint64_t)m;
#else
    /* Schoolbook on 32-bit halves: no partial sum overflows 64 bits. */
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* (a * b) >> shift for shift in 0..64, the low 64 bits of it. */
static inline uint64_t tt_mul_u64_shr(uint64_t a, uint64_t b, unsigned shift)
{
    uint64_t hi, lo;
    tt_mul_u64(a, b, &hi, &lo);
    if (shift == 0)
        return lo;
    if (shift >= 64)
        return hi >> (shift - 64);
    return (lo >> shift) | (hi << (64 - shift));
}

#endif
