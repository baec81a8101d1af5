/* What the C tests need from the operating system, for POSIX systems and Windows
 * (mingw-w64, MSVC): temporary files in the system's temporary directory (created
 * new and empty, as mkstemp does), pipes, and whether libpcap (BPF filters) is there
 * when the core loads it at run time (TT_PCAP_RUNTIME). */
#ifndef TT_PORT_H
#define TT_PORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "../../csrc/error.h"
#ifdef TT_PCAP_RUNTIME
#include "../../csrc/pcaplib.h"
#endif
#include "tt_test.h"

/* A new empty file of a unique name in the temporary directory ($TMPDIR or /tmp;
 * GetTempPath on Windows): its path (malloc'd, the caller frees it), or NULL. */
static inline char *tt_tmp_create(const char *tag)
{
#ifdef _WIN32
    char dir[MAX_PATH + 1];
    DWORD n = GetTempPathA((DWORD)sizeof dir, dir);
    if (n == 0 || n >= sizeof dir)
        return NULL;
    char *path = malloc(MAX_PATH + 1);
    (void)tag; /* GetTempFileName takes a three-letter prefix: "tt" */
    if (path && GetTempFileNameA(dir, "tt", 0, path) == 0) { /* creates the file */
        free(path);
        path = NULL;
    }
    return path;
#else
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir) + strlen(tag) + sizeof "/tt__XXXXXX";
    char *path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%s/tt_%s_XXXXXX", dir, tag);
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    close(fd);
    return path;
#endif
}

/* Remove a file tt_tmp_create made. */
static inline void tt_tmp_remove(const char *path)
{
    if (path)
        remove(path);
}

/* A new temporary file holding the n bytes at data: its path (malloc'd), or NULL
 * (and no file left behind). */
static inline char *tt_tmp_write(const char *tag, const void *data, size_t n)
{
    char *path = tt_tmp_create(tag);
    if (!path)
        return NULL;
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    if (f) {
        ok = fwrite(data, 1, n, f) == n;
        ok = (fclose(f) == 0) && ok;
    }
    if (!ok) {
        tt_tmp_remove(path);
        free(path);
        return NULL;
    }
    return path;
}

/* A pipe (fds[0] the end to read, fds[1] to write; binary, with a buffer of at least
 * 64 KiB): 0, or -1. */
static inline int tt_pipe(int fds[2])
{
#ifdef _WIN32
    return _pipe(fds, 1u << 20, _O_BINARY);
#else
    return pipe(fds);
#endif
}

/* write(2)/close(2) on such a descriptor. */
static inline long tt_fd_write(int fd, const void *buf, size_t n)
{
#ifdef _WIN32
    return _write(fd, buf, (unsigned)n);
#else
    return (long)write(fd, buf, n);
#endif
}

static inline void tt_fd_close(int fd)
{
#ifdef _WIN32
    _close(fd);
#else
    close(fd);
#endif
}

/* 1 when BPF filters can be used: always where libpcap is linked at build time; with
 * TT_PCAP_RUNTIME, when the core could load it (else 0, saying why on stderr). */
static inline int tt_have_libpcap(const char *what)
{
#ifdef TT_PCAP_RUNTIME
    static int said; /* the reason once per test file */
    tt_error err;
    tt_error_clear(&err);
    if (!tt_pcaplib_available(&err)) {
        if (!said++)
            fprintf(stderr, "skipped: %s: %s\n", what, err.msg);
        return 0;
    }
#endif
    (void)what;
    return 1;
}

/* At the top of a test that needs BPF filters: without libpcap the test is skipped
 * (counted as skipped, not passed). */
#define TT_REQUIRE_LIBPCAP()                \
    do {                                    \
        if (!tt_have_libpcap(__func__)) {   \
            tt_test_skipped = 1;            \
            return;                         \
        }                                   \
    } while (0)

#endif
