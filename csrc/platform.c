/* platform: the POSIX and the Windows implementation of platform.h. */
#if !defined(_WIN32) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise, nanosleep, pread on glibc and musl */
#endif
#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
/* ------------------------------------------------------------------------------ */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <share.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Paths come in UTF-8 (Python's file system encoding on Windows, PEP 529): the wide
 * API takes every name, the ANSI one only the code page's. NULL when out of memory
 * or not UTF-8 (errno set). Free with free(). */
static wchar_t *widen(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (!w || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) != n) {
        free(w);
        errno = n > 0 ? ENOMEM : EINVAL;
        return NULL;
    }
    return w;
}

int tt_plat_open_read(const char *path, tt_error *err)
{
    int fd = -1;
    wchar_t *w = widen(path);
    /* _O_NOINHERIT: the Windows spelling of O_CLOEXEC. */
    errno_t e = w ? _wsopen_s(&fd, w, _O_RDONLY | _O_BINARY | _O_NOINHERIT, _SH_DENYNO, 0) : errno;
    free(w);
    if (e != 0 || fd < 0) {
        tt_error_set(err, e == ENOENT ? TT_ERR_NOT_FOUND : TT_ERR_IO, "%s: %s", path, strerror(e));
        return -1;
    }
    return fd;
}

ptrdiff_t tt_plat_read(int fd, void *buf, size_t n)
{
    unsigned chunk = n > 0x40000000u ? 0x40000000u : (unsigned)n;
    return (ptrdiff_t)_read(fd, buf, chunk);
}

ptrdiff_t tt_plat_pread(int fd, void *buf, size_t n, int64_t off)
{
    /* ReadFile at an explicit offset: the position of the CRT descriptor is kept. */
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    DWORD want = n > 0x40000000u ? 0x40000000u : (DWORD)n, got = 0;
    if (!ReadFile(h, buf, want, &got, &ov)) {
        if (GetLastError() == ERROR_HANDLE_EOF)
            return 0;
        errno = EIO;
        return -1;
    }
    return (ptrdiff_t)got;
}

ptrdiff_t tt_plat_write(int fd, const void *buf, size_t n)
{
    unsigned chunk = n > 0x40000000u ? 0x40000000u : (unsigned)n;
    return (ptrdiff_t)_write(fd, buf, chunk);
}

int64_t tt_plat_tell(int fd) { return (int64_t)_lseeki64(fd, 0, SEEK_CUR); }
int tt_plat_dup(int fd) { return _dup(fd); } /* CRT descriptors are not inherited by default */
void tt_plat_set_binary(int fd) { (void)_setmode(fd, _O_BINARY); }
void tt_plat_close(int fd) { (void)_close(fd); }

static void from_stat64(const struct _stat64 *s, tt_plat_stat *st)
{
    st->is_regular = (s->st_mode & _S_IFMT) == _S_IFREG;
    st->is_dir = (s->st_mode & _S_IFMT) == _S_IFDIR;
    st->size = s->st_size > 0 ? (uint64_t)s->st_size : 0;
}

int tt_plat_fstat(int fd, tt_plat_stat *st)
{
    struct _stat64 s;
    if (_fstat64(fd, &s) != 0)
        return -1;
    from_stat64(&s, st);
    return 0;
}

int tt_plat_stat_path(const char *path, tt_plat_stat *st)
{
    struct _stat64 s;
    wchar_t *w = widen(path);
    int rc = w ? _wstat64(w, &s) : -1;
    free(w);
    if (rc != 0)
        return -1;
    from_stat64(&s, st);
    return 0;
}

int tt_plat_map_file(const char *path, size_t min_len, tt_plat_map *m)
{
    memset(m, 0, sizeof *m);
    wchar_t *w = widen(path);
    if (!w)
        return -1;
    HANDLE f = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    free(w);
    if (f == INVALID_HANDLE_VALUE)
        return -1;
    LARGE_INTEGER size;
    HANDLE map = NULL;
    if (GetFileType(f) != FILE_TYPE_DISK || !GetFileSizeEx(f, &size) || size.QuadPart < 0 ||
        (uint64_t)size.QuadPart < min_len || (uint64_t)size.QuadPart > (uint64_t)SIZE_MAX)
        goto fail;
    map = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    if (!map)
        goto fail;
    void *view = MapViewOfFile(map, FILE_MAP_READ, 0, 0, 0);
    if (!view)
        goto fail;
    CloseHandle(f); /* the mapping object keeps the file */
    m->base = view;
    m->len = (size_t)size.QuadPart;
    m->handle = map;
    return 0;
fail:
    if (map)
        CloseHandle(map);
    CloseHandle(f);
    return -1;
}

void tt_plat_map_release(const tt_plat_map *m, size_t off, size_t len)
{
    /* Unlocking pages that are not locked takes them out of the working set. */
    if (len)
        (void)VirtualUnlock((void *)(m->base + off), len);
}

int tt_plat_map_populate(const tt_plat_map *m, size_t off, size_t len)
{
    /* Touch a byte per page: PrefetchVirtualMemory is not on every Windows. */
    size_t page = tt_plat_page_size();
    volatile uint8_t sink = 0;
    for (size_t p = off; p < off + len; p += page)
        sink ^= m->base[p];
    (void)sink;
    return 0;
}

void tt_plat_unmap(tt_plat_map *m)
{
    if (m->base)
        UnmapViewOfFile(m->base);
    if (m->handle)
        CloseHandle((HANDLE)m->handle);
    memset(m, 0, sizeof *m);
}

size_t tt_plat_page_size(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize ? (size_t)si.dwPageSize : 4096;
}

static unsigned __stdcall thread_main(void *arg)
{
    tt_plat_thread *t = arg;
    t->fn(t->arg);
    return 0;
}

int tt_plat_thread_start(tt_plat_thread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
    t->handle = (void *)h;
    return h ? 0 : -1;
}

void tt_plat_thread_join(tt_plat_thread *t)
{
    if (!t->handle)
        return;
    WaitForSingleObject((HANDLE)t->handle, INFINITE);
    CloseHandle((HANDLE)t->handle);
    t->handle = NULL;
}

void tt_plat_thread_abandon(tt_plat_thread *t)
{
    if (t->handle)
        CloseHandle((HANDLE)t->handle);
    t->handle = NULL;
}

long tt_plat_process_id(void) { return (long)GetCurrentProcessId(); }

void tt_plat_sleep_ns(long ns)
{
    DWORD ms = (DWORD)(ns / 1000000);
    Sleep(ms ? ms : 1);
}

void *tt_plat_lib_open(const char *name, tt_error *err)
{
    /* A full path: its own folder is searched for what it depends on (Npcap's
     * wpcap.dll needs Packet.dll beside it). */
    HMODULE h = LoadLibraryExA(name, NULL, strchr(name, '\\') ? LOAD_WITH_ALTERED_SEARCH_PATH : 0);
    if (!h)
        tt_error_set(err, TT_ERR_IO, "cannot load %s (Windows error %lu)", name,
                     (unsigned long)GetLastError());
    return (void *)h;
}

void *tt_plat_lib_symbol(void *lib, const char *name)
{
    return (void *)(uintptr_t)GetProcAddress((HMODULE)lib, name);
}

int tt_plat_system_dir(char *buf, size_t n)
{
    UINT len = GetSystemDirectoryA(buf, (UINT)n);
    return len > 0 && len < n ? (int)len : 0;
}

#else
/* ------------------------------------------------------------------------------ */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

int tt_plat_open_read(const char *path, tt_error *err)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        tt_error_set(err, errno == ENOENT ? TT_ERR_NOT_FOUND : TT_ERR_IO, "%s: %s", path,
                     strerror(errno));
    return fd;
}

ptrdiff_t tt_plat_read(int fd, void *buf, size_t n) { return (ptrdiff_t)read(fd, buf, n); }

ptrdiff_t tt_plat_pread(int fd, void *buf, size_t n, int64_t off)
{
    return (ptrdiff_t)pread(fd, buf, n, (off_t)off);
}

int tt_plat_dup(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }
void tt_plat_set_binary(int fd) { (void)fd; }

ptrdiff_t tt_plat_write(int fd, const void *buf, size_t n) { return (ptrdiff_t)write(fd, buf, n); }

int64_t tt_plat_tell(int fd) { return (int64_t)lseek(fd, 0, SEEK_CUR); }
void tt_plat_close(int fd) { (void)close(fd); }

static void from_stat(const struct stat *s, tt_plat_stat *st)
{
    st->is_regular = S_ISREG(s->st_mode);
    st->is_dir = S_ISDIR(s->st_mode);
    st->size = s->st_size > 0 ? (uint64_t)s->st_size : 0;
}

int tt_plat_fstat(int fd, tt_plat_stat *st)
{
    struct stat s;
    if (fstat(fd, &s) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

int tt_plat_stat_path(const char *path, tt_plat_stat *st)
{
    struct stat s;
    if (stat(path, &s) != 0)
        return -1;
    from_stat(&s, st);
    return 0;
}

int tt_plat_map_file(const char *path, size_t min_len, tt_plat_map *m)
{
    memset(m, 0, sizeof *m);
    /* Only a regular file: opening a FIFO again would wait for another writer. */
    struct stat pre;
    if (stat(path, &pre) != 0 || !S_ISREG(pre.st_mode))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
        (uint64_t)st.st_size >= min_len && (uint64_t)st.st_size <= (uint64_t)SIZE_MAX &&
        st.st_size > 0)
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd); /* the mapping keeps the file */
    if (p == MAP_FAILED)
        return -1;
#ifdef MADV_SEQUENTIAL
    (void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL); /* read ahead generously */
#endif
    m->base = p;
    m->len = (size_t)st.st_size;
    return 0;
}

void tt_plat_map_release(const tt_plat_map *m, size_t off, size_t len)
{
#ifdef MADV_DONTNEED
    if (len)
        (void)madvise((void *)(m->base + off), len, MADV_DONTNEED);
#else
    (void)m, (void)off, (void)len;
#endif
}

#if defined(__linux__) && !defined(MADV_POPULATE_READ)
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL */
#endif

int tt_plat_map_populate(const tt_plat_map *m, size_t off, size_t len)
{
#ifdef MADV_POPULATE_READ
    return madvise((void *)(m->base + off), len, MADV_POPULATE_READ) == 0 ? 0 : -1;
#else
    /* No populate call (macOS, the BSDs): touch a byte per page. */
    size_t page = tt_plat_page_size();
    volatile uint8_t sink = 0;
    for (size_t p = off; p < off + len; p += page)
        sink ^= m->base[p];
    (void)sink;
    return 0;
#endif
}

void tt_plat_unmap(tt_plat_map *m)
{
    if (m->base)
        munmap((void *)m->base, m->len);
    memset(m, 0, sizeof *m);
}

size_t tt_plat_page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static void *thread_main(void *arg)
{
    tt_plat_thread *t = arg;
    t->fn(t->arg);
    return NULL;
}

int tt_plat_thread_start(tt_plat_thread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    pthread_t *th = malloc(sizeof *th);
    if (!th)
        return -1;
    if (pthread_create(th, NULL, thread_main, t) != 0) {
        free(th);
        t->handle = NULL;
        return -1;
    }
    t->handle = th;
    return 0;
}

void tt_plat_thread_join(tt_plat_thread *t)
{
    if (!t->handle)
        return;
    pthread_join(*(pthread_t *)t->handle, NULL);
    free(t->handle);
    t->handle = NULL;
}

void tt_plat_thread_abandon(tt_plat_thread *t)
{
    free(t->handle);
    t->handle = NULL;
}

long tt_plat_process_id(void) { return (long)getpid(); }

void tt_plat_sleep_ns(long ns)
{
    struct timespec nap = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&nap, NULL);
}

void *tt_plat_lib_open(const char *name, tt_error *err)
{
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        tt_error_set(err, TT_ERR_IO, "cannot load %s: %s", name, why ? why : "not found");
    }
    return h;
}

void *tt_plat_lib_symbol(void *lib, const char *name)
{
    return dlsym(lib, name);
}

int tt_plat_system_dir(char *buf, size_t n)
{
    if (n)
        buf[0] = '\0';
    return 0;
}

#endif
