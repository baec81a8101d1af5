/* stream: buffered byte input with on-the-fly decompression (gzip, zstd, xz, lz4). */
#include "instream.h"

#include <errno.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "platform.h"

#define TT_STREAM_BUF (128 * 1024) /* input buffer, and decoded-output buffer */
#define TT_STREAM_BUF_FIRST 4096   /* the input buffer until the first bytes are looked at:
                                    * libpcap's stdio reads whole buffers past it */
#define TT_STREAM_MAGIC 6          /* bytes looked at to recognise a codec (xz's) */
#define TT_STREAM_FRAME_START 5    /* zstd, lz4: input given for a frame's first call */

struct tt_instream {
    tt_read_fn fn;        /* the raw input */
    void *ctx;            /* owned: released by close_fn */
    tt_close_fn close_fn;
    uint64_t size;        /* regular file size, 0 when unknown */

    uint8_t *in;          /* owned: raw bytes read ahead, in[in_pos..in_len) unread */
    size_t in_pos, in_len, in_cap;
    int detected;         /* tt_instream_detect ran: the input buffer may grow to full size */
    int in_eof;           /* the raw input has ended */

    tt_compression comp;
    uint8_t *out;         /* owned (codecs only): decoded bytes, out[out_pos..out_len) unread */
    size_t out_pos, out_len;
    z_stream z;           /* gzip: inflate state when z_live */
    int z_live;
    int gz_between;       /* gzip: a member ended; another may follow */
    ZSTD_DStream *zs;     /* owned (zstd) */
    lzma_stream lz;       /* xz: decoder state when lz_live */
    int lz_live;
    LZ4F_dctx *l4;        /* owned (lz4) */
    size_t hint;          /* zstd, lz4: input the decoder asks for next (0: any) */
    int in_frame;         /* input consumed since the last complete frame/member */
    int done;             /* the decoded stream has ended (trailing bytes ignored) */
    int truncated;        /* the input ended inside a frame */

    int failed;           /* sticky: err holds the failure */
    tt_error err;

    uint8_t *rp;          /* owned: look-ahead kept since the mark, rp[rp_pos..rp_len) unread */
    size_t rp_len, rp_pos, rp_cap, rp_limit;
    int marking;
    uint64_t offset;      /* decoded bytes delivered */
    uint64_t mark_offset;
};

/* ---- raw input: file descriptors ---- */

typedef struct tt_fd_ctx {
    int fd;
    int own;
    int64_t off; /* pread position, or -1 for read() */
} tt_fd_ctx;

static ptrdiff_t fd_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    tt_fd_ctx *f = ctx;
    ptrdiff_t r;
    do
        r = f->off >= 0 ? tt_plat_pread(f->fd, buf, n, f->off) : tt_plat_read(f->fd, buf, n);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        tt_error_set(err, TT_ERR_IO, "read error: %s", strerror(errno));
        return -1;
    }
    if (f->off >= 0)
        f->off += r;
    return r;
}

static void fd_close(void *ctx)
{
    tt_fd_ctx *f = ctx;
    if (f->own)
        tt_plat_close(f->fd);
    free(f);
}

tt_instream *tt_instream_from_fn(tt_read_fn fn, void *ctx, tt_close_fn close_fn, tt_error *err)
{
    tt_instream *s = calloc(1, sizeof *s);
    if (s)
        s->in = malloc(TT_STREAM_BUF_FIRST);
    if (!s || !s->in) {
        free(s);
        if (close_fn)
            close_fn(ctx);
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->in_cap = TT_STREAM_BUF_FIRST;
    s->fn = fn;
    s->ctx = ctx;
    s->close_fn = close_fn;
    return s;
}

tt_instream *tt_instream_from_fd(int fd, int64_t offset, int own, tt_error *err)
{
    tt_fd_ctx *f = malloc(sizeof *f);
    if (!f) {
        if (own)
            tt_plat_close(fd);
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    f->fd = fd;
    f->own = own;
    f->off = offset;
    tt_instream *s = tt_instream_from_fn(fd_read, f, fd_close, err);
    if (!s)
        return NULL;
    tt_plat_stat st;
    if (tt_plat_fstat(fd, &st) == 0 && st.is_regular) {
        uint64_t start = offset > 0 ? (uint64_t)offset : 0;
        if (offset < 0) {
            int64_t cur = tt_plat_tell(fd);
            start = cur > 0 ? (uint64_t)cur : 0;
        }
        s->size = st.size > start ? st.size - start : 0;
    }
    return s;
}

tt_instream *tt_instream_open_path(const char *path, tt_error *err)
{
    int fd = tt_plat_open_read(path, err);
    if (fd < 0)
        return NULL;
    return tt_instream_from_fd(fd, -1, 1, err);
}

static void fail(tt_instream *s, tt_error_code code, const char *what, const char *msg)
{
    s->failed = 1;
    tt_error_set(&s->err, code, "%s: %s (after %llu decompressed bytes)", what, msg,
                 (unsigned long long)(s->offset + (s->out_len - s->out_pos)));
}

/* One raw read after the unread bytes: > 0, 0 at the end (in_eof set), -1 (failed). */
static ptrdiff_t raw_fill(tt_instream *s)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    if (s->detected && s->in_cap < TT_STREAM_BUF) {
        uint8_t *p = realloc(s->in, TT_STREAM_BUF);
        if (!p) {
            s->failed = 1;
            tt_error_set(&s->err, TT_ERR_NOMEM, "out of memory");
            return -1;
        }
        s->in = p;
        s->in_cap = TT_STREAM_BUF;
    }
    if (s->in_len == s->in_cap)
        return 1;
    ptrdiff_t r = s->fn(s->ctx, s->in + s->in_len, s->in_cap - s->in_len, &s->err);
    if (r < 0) {
        s->failed = 1;
        if (s->err.code == TT_OK)
            tt_error_set(&s->err, TT_ERR_IO, "read error");
        return -1;
    }
    if (r == 0)
        s->in_eof = 1;
    s->in_len += (size_t)r;
    return r;
}

/* ---- codecs: one decoding step over in[] into dst ---- */

static int step_gzip(tt_instream *s, uint8_t *dst, size_t n, size_t *prod, size_t *cons)
{
    size_t avail = s->in_len - s->in_pos;
    if (s->gz_between) {
        /* zcat: another member may follow; anything else after a member is ignored. */
        if (avail < 2) {
            if (s->in_eof)
                s->done = 1;
            return 0;
        }
        if (s->in[s->in_pos] != 0x1f || s->in[s->in_pos + 1] != 0x8b) {
            s->done = 1;
            return 0;
        }
        if (inflateReset(&s->z) != Z_OK) {
            fail(s, TT_ERR_FORMAT, "gzip", "cannot reset the decoder");
            return -1;
        }
        s->gz_between = 0;
    }
    s->z.next_in = s->in + s->in_pos;
    s->z.avail_in = (uInt)(avail > UINT32_MAX ? UINT32_MAX : avail);
    s->z.next_out = dst;
    s->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uInt in0 = s->z.avail_in, out0 = s->z.avail_out;
    int ret = inflate(&s->z, Z_NO_FLUSH);
    *cons = in0 - s->z.avail_in;
    *prod = out0 - s->z.avail_out;
    if (*cons)
        s->in_frame = 1;
    if (ret == Z_STREAM_END) {
        s->in_frame = 0;
        s->gz_between = 1;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        fail(s, ret == Z_MEM_ERROR ? TT_ERR_NOMEM : TT_ERR_FORMAT, "gzip",
             s->z.msg ? s->z.msg : "corrupt data");
        return -1;
    }
    return 0;
}

/* zstd and lz4 report a failed check (the content checksum) without the sizes of
 * what the same call decoded before it: fed only the input they ask for, they decode
 * one block a call, and the records before the damage all come out. */
static size_t hinted(const tt_instream *s)
{
    size_t avail = s->in_len - s->in_pos;
    return s->hint && s->hint < avail ? s->hint : avail;
}

static int step_zstd(tt_instream *s, uint8_t *dst, size_t n, size_t *prod, size_t *cons)
{
    ZSTD_inBuffer ib = {s->in + s->in_pos, hinted(s), 0};
    ZSTD_outBuffer ob = {dst, n, 0};
    size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
    *cons = ib.pos;
    *prod = ob.pos;
    if (ZSTD_isError(r)) {
        fail(s, TT_ERR_FORMAT, "zstd", ZSTD_getErrorName(r));
        return -1;
    }
    if (*cons || *prod)
        s->in_frame = r != 0;
    s->hint = r ? r : TT_STREAM_FRAME_START;
    return 0;
}

static const char *lzma_msg(lzma_ret r)
{
    switch (r) {
    case LZMA_MEM_ERROR: return "cannot allocate memory";
    case LZMA_MEMLIMIT_ERROR: return "memory usage limit reached";
    case LZMA_FORMAT_ERROR: return "file format not recognized";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options";
    case LZMA_DATA_ERROR: return "compressed data is corrupt";
    case LZMA_BUF_ERROR: return "unexpected end of input";
    default: return "internal error";
    }
}

static int step_xz(tt_instream *s, uint8_t *dst, size_t n, size_t *prod, size_t *cons)
{
    s->lz.next_in = s->in + s->in_pos;
    s->lz.avail_in = s->in_len - s->in_pos;
    s->lz.next_out = dst;
    s->lz.avail_out = n;
    lzma_ret ret;
    /* At the end of input, FINISH tells a complete stream (STREAM_END) from a cut one
     * (BUF_ERROR once no progress is possible: liblzma says so on the second try). */
    for (int tries = 0;; tries++) {
        ret = lzma_code(&s->lz, s->in_eof ? LZMA_FINISH : LZMA_RUN);
        if (!(s->in_eof && ret == LZMA_OK && s->lz.avail_out == n &&
              s->lz.avail_in == s->in_len - s->in_pos && tries < 2))
            break;
    }
    *cons = (s->in_len - s->in_pos) - s->lz.avail_in;
    *prod = n - s->lz.avail_out;
    if (ret == LZMA_STREAM_END) {
        s->done = 1;
    } else if (ret == LZMA_BUF_ERROR) {
        if (s->in_eof) {
            s->truncated = 1;
            s->done = 1;
        }
    } else if (ret != LZMA_OK) {
        fail(s, ret == LZMA_MEM_ERROR ? TT_ERR_NOMEM : TT_ERR_FORMAT, "xz", lzma_msg(ret));
        return -1;
    }
    return 0;
}

static int step_lz4(tt_instream *s, uint8_t *dst, size_t n, size_t *prod, size_t *cons)
{
    size_t dsz = n, ssz = hinted(s);
    size_t r = LZ4F_decompress(s->l4, dst, &dsz, s->in + s->in_pos, &ssz, NULL);
    *cons = LZ4F_isError(r) ? 0 : ssz;
    *prod = LZ4F_isError(r) ? 0 : dsz;
    if (LZ4F_isError(r)) {
        fail(s, TT_ERR_FORMAT, "lz4", LZ4F_getErrorName(r));
        return -1;
    }
    if (*cons || *prod)
        s->in_frame = r != 0;
    s->hint = r ? r : TT_STREAM_FRAME_START;
    return 0;
}

/* Decode up to n bytes into dst: > 0, 0 at the end, -1 (failed set). Reads the raw
 * input only when the decoder has nothing to give from what it holds. */
static ptrdiff_t produce(tt_instream *s, uint8_t *dst, size_t n)
{
    for (;;) {
        if (s->done)
            return 0;
        size_t prod = 0, cons = 0;
        int rc;
        switch (s->comp) {
        case TT_COMP_GZIP: rc = step_gzip(s, dst, n, &prod, &cons); break;
        case TT_COMP_ZSTD: rc = step_zstd(s, dst, n, &prod, &cons); break;
        case TT_COMP_XZ: rc = step_xz(s, dst, n, &prod, &cons); break;
        case TT_COMP_LZ4: rc = step_lz4(s, dst, n, &prod, &cons); break;
        default: return 0;
        }
        s->in_pos += cons;
        if (prod)
            return (ptrdiff_t)prod; /* a failure in the same step is reported next time */
        if (rc < 0)
            return -1;
        if (s->done)
            return 0;
        if (cons && s->in_pos < s->in_len)
            continue;
        if (s->in_eof) {
            if (s->in_frame || s->in_pos < s->in_len)
                s->truncated = 1;
            s->done = 1;
            return 0;
        }
        if (s->in_len - s->in_pos == s->in_cap && s->in_cap == TT_STREAM_BUF) {
            fail(s, TT_ERR_FORMAT, tt_instream_compression_name(s->comp), "decoder stalled");
            return -1;
        }
        if (raw_fill(s) < 0)
            return -1;
    }
}

int tt_instream_detect(tt_instream *s, tt_error *err)
{
    while (s->in_len - s->in_pos < TT_STREAM_MAGIC && !s->in_eof)
        if (raw_fill(s) < 0) {
            if (err)
                *err = s->err;
            return -1;
        }
    s->detected = 1;
    const uint8_t *m = s->in + s->in_pos;
    size_t have = s->in_len - s->in_pos;
    tt_compression c = TT_COMP_NONE;
    if (have >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        c = TT_COMP_GZIP;
    else if (have >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        c = TT_COMP_ZSTD;
    else if (have >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6))
        c = TT_COMP_XZ;
    else if (have >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18)
        c = TT_COMP_LZ4;
    if (c == TT_COMP_NONE)
        return 0;
    s->out = malloc(TT_STREAM_BUF);
    if (!s->out) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory");
        return -1;
    }
    int ok = 0;
    switch (c) {
    case TT_COMP_GZIP:
        ok = inflateInit2(&s->z, 15 + 16) == Z_OK; /* 15: any window; +16: gzip only */
        s->z_live = ok;
        break;
    case TT_COMP_ZSTD:
        s->zs = ZSTD_createDStream();
        ok = s->zs && !ZSTD_isError(ZSTD_initDStream(s->zs));
        break;
    case TT_COMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        s->lz = init;
        ok = lzma_stream_decoder(&s->lz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
        s->lz_live = ok;
        break;
    }
    case TT_COMP_LZ4: ok = !LZ4F_isError(LZ4F_createDecompressionContext(&s->l4, LZ4F_VERSION)); break;
    default: break;
    }
    s->comp = c;
    s->hint = TT_STREAM_FRAME_START;
    if (!ok) {
        tt_error_set(err, TT_ERR_NOMEM, "%s: cannot start the decoder",
                     tt_instream_compression_name(c));
        return -1;
    }
    return 0;
}

/* Bytes after the look-ahead: raw (through in[]) or decoded (through out[]). */
static ptrdiff_t under_read(tt_instream *s, uint8_t *buf, size_t n)
{
    if (s->comp == TT_COMP_NONE) {
        if (s->in_pos == s->in_len) {
            if (s->failed)
                return -1;
            if (s->in_eof)
                return 0;
            if (n >= TT_STREAM_BUF) { /* big reads skip the copy */
                ptrdiff_t r = s->fn(s->ctx, buf, n, &s->err);
                if (r < 0) {
                    s->failed = 1;
                    if (s->err.code == TT_OK)
                        tt_error_set(&s->err, TT_ERR_IO, "read error");
                }
                if (r == 0)
                    s->in_eof = 1;
                return r;
            }
            if (raw_fill(s) <= 0)
                return s->failed ? -1 : 0;
        }
        size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;
        memcpy(buf, s->in + s->in_pos, k);
        s->in_pos += k;
        return (ptrdiff_t)k;
    }
    if (s->out_pos == s->out_len) {
        if (s->failed)
            return -1;
        if (n >= TT_STREAM_BUF)
            return produce(s, buf, n);
        ptrdiff_t r = produce(s, s->out, TT_STREAM_BUF);
        if (r <= 0)
            return r;
        s->out_pos = 0;
        s->out_len = (size_t)r;
    }
    size_t k = s->out_len - s->out_pos < n ? s->out_len - s->out_pos : n;
    memcpy(buf, s->out + s->out_pos, k);
    s->out_pos += k;
    return (ptrdiff_t)k;
}

ptrdiff_t tt_instream_read(tt_instream *s, void *buf, size_t n, tt_error *err)
{
    if (n == 0)
        return 0;
    if (s->rp_pos < s->rp_len) { /* replaying the look-ahead */
        size_t k = s->rp_len - s->rp_pos < n ? s->rp_len - s->rp_pos : n;
        memcpy(buf, s->rp + s->rp_pos, k);
        s->rp_pos += k;
        s->offset += k;
        if (!s->marking && s->rp_pos == s->rp_len)
            s->rp_pos = s->rp_len = 0;
        return (ptrdiff_t)k;
    }
    ptrdiff_t r;
    if (s->marking) {
        if (s->rp_len >= s->rp_limit) {
            tt_error_set(err, TT_ERR_NOMEM, "look-ahead limit of %zu bytes reached", s->rp_limit);
            return -1;
        }
        size_t want = n < s->rp_limit - s->rp_len ? n : s->rp_limit - s->rp_len;
        if (want > TT_STREAM_BUF)
            want = TT_STREAM_BUF;
        if (s->rp_len + want > s->rp_cap) {
            size_t cap = s->rp_cap ? s->rp_cap : (want > 64 ? want : 64);
            while (cap < s->rp_len + want)
                cap *= 2;
            uint8_t *p = realloc(s->rp, cap);
            if (!p) {
                tt_error_set(err, TT_ERR_NOMEM, "out of memory");
                return -1;
            }
            s->rp = p;
            s->rp_cap = cap;
        }
        r = under_read(s, s->rp + s->rp_len, want);
        if (r > 0) {
            memcpy(buf, s->rp + s->rp_len, (size_t)r);
            s->rp_len += (size_t)r;
            s->rp_pos = s->rp_len;
        }
    } else {
        r = under_read(s, buf, n);
    }
    if (r > 0)
        s->offset += (uint64_t)r;
    else if (r < 0 && err)
        *err = s->err;
    return r;
}

int tt_instream_read_full(tt_instream *s, void *buf, size_t n, size_t *got, tt_error *err)
{
    size_t have = 0;
    while (have < n) {
        ptrdiff_t r = tt_instream_read(s, (uint8_t *)buf + have, n - have, err);
        if (r < 0) {
            if (got)
                *got = have;
            return -1;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    if (got)
        *got = have;
    if (have == n)
        return 1;
    if (have == 0)
        return 0;
    tt_error_set(err, TT_ERR_TRUNCATED, "the input ends %zu bytes into a %zu-byte read", have, n);
    return -1;
}

void tt_instream_mark(tt_instream *s, size_t limit)
{
    if (s->rp_pos > 0) { /* keep only the unread look-ahead */
        memmove(s->rp, s->rp + s->rp_pos, s->rp_len - s->rp_pos);
        s->rp_len -= s->rp_pos;
        s->rp_pos = 0;
    }
    s->marking = 1;
    s->rp_limit = limit > s->rp_len ? limit : s->rp_len;
    s->mark_offset = s->offset;
}

void tt_instream_rewind(tt_instream *s)
{
    if (!s->marking)
        return;
    s->marking = 0;
    s->rp_pos = 0;
    s->offset = s->mark_offset;
}

tt_compression tt_instream_compression(const tt_instream *s) { return s->comp; }

const char *tt_instream_compression_name(tt_compression c)
{
    switch (c) {
    case TT_COMP_GZIP: return "gzip";
    case TT_COMP_ZSTD: return "zstd";
    case TT_COMP_XZ: return "xz";
    case TT_COMP_LZ4: return "lz4";
    default: return NULL;
    }
}

int tt_instream_truncated(const tt_instream *s) { return s->truncated; }
uint64_t tt_instream_size(const tt_instream *s) { return s->comp == TT_COMP_NONE ? s->size : 0; }
uint64_t tt_instream_offset(const tt_instream *s) { return s->offset; }

int tt_instream_error(const tt_instream *s, tt_error *err)
{
    if (!s->failed)
        return 0;
    if (err)
        *err = s->err;
    return 1;
}

void tt_instream_free(tt_instream *s)
{
    if (!s)
        return;
    if (s->z_live)
        inflateEnd(&s->z);
    ZSTD_freeDStream(s->zs);
    if (s->lz_live)
        lzma_end(&s->lz);
    if (s->l4)
        LZ4F_freeDecompressionContext(s->l4);
    if (s->close_fn)
        s->close_fn(s->ctx);
    free(s->in);
    free(s->out);
    free(s->rp);
    free(s);
}
