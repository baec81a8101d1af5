/* Compressed captures and streams: pcap and pcapng files built in memory, compressed
 * here with zlib, zstd, liblzma and liblz4, written to a temporary file (or handed
 * over a read callback) and read back through tt_source. */
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "../../csrc/source.h"
#include "../../csrc/instream.h"
#include "tt_port.h"
#include "tt_test.h"

#define N_RECORDS 3000 /* ~200 KB of capture: more than one 128 KiB buffer */

typedef struct dbuf {
    uint8_t *b; /* owned */
    size_t n, cap;
} dbuf;

static void d_bytes(dbuf *d, const void *p, size_t n)
{
    if (d->n + n > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->n + n)
            cap *= 2;
        uint8_t *b = realloc(d->b, cap);
        if (!b)
            abort();
        d->b = b;
        d->cap = cap;
    }
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void d_u32le(dbuf *d, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    d_bytes(d, x, 4);
}
static void d_u16le(dbuf *d, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    d_bytes(d, x, 2);
}

/* Record i's bytes: 40 + i % 50 bytes, each (i + k) & 0xff. */
static uint32_t rec_len(uint32_t i) { return 40 + i % 50; }
static void rec_data(uint32_t i, uint8_t *out)
{
    for (uint32_t k = 0; k < rec_len(i); k++)
        out[k] = (uint8_t)(i + k);
}

static dbuf make_pcap(uint32_t n)
{
    dbuf d = {0};
    d_u32le(&d, 0xA1B2C3D4);
    d_u16le(&d, 2);
    d_u16le(&d, 4);
    d_u32le(&d, 0);
    d_u32le(&d, 0);
    d_u32le(&d, 65535);
    d_u32le(&d, 1);
    uint8_t buf[128];
    for (uint32_t i = 0; i < n; i++) {
        d_u32le(&d, 1000 + i);
        d_u32le(&d, i % 1000000);
        d_u32le(&d, rec_len(i));
        d_u32le(&d, rec_len(i));
        rec_data(i, buf);
        d_bytes(&d, buf, rec_len(i));
    }
    return d;
}

static dbuf make_pcapng(uint32_t n)
{
    dbuf d = {0};
    d_u32le(&d, 0x0A0D0D0A); /* SHB */
    d_u32le(&d, 28);
    d_u32le(&d, 0x1A2B3C4D);
    d_u16le(&d, 1);
    d_u16le(&d, 0);
    d_u32le(&d, 0xFFFFFFFF);
    d_u32le(&d, 0xFFFFFFFF);
    d_u32le(&d, 28);
    d_u32le(&d, 1); /* IDB */
    d_u32le(&d, 20);
    d_u16le(&d, 1);
    d_u16le(&d, 0);
    d_u32le(&d, 0);
    d_u32le(&d, 20);
    uint8_t buf[128] = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = rec_len(i), padded = (len + 3) & ~3u, total = 32 + padded;
        d_u32le(&d, 6);
        d_u32le(&d, total);
        d_u32le(&d, 0);
        d_u32le(&d, 0);
        d_u32le(&d, 1000000u * (1000 + i));
        d_u32le(&d, len);
        d_u32le(&d, len);
        memset(buf, 0, sizeof buf);
        rec_data(i, buf);
        d_bytes(&d, buf, padded);
        d_u32le(&d, total);
    }
    return d;
}

static dbuf compress_gzip(const dbuf *in, size_t from, size_t to)
{
    dbuf out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    out.cap = deflateBound(&z, (uLong)(to - from)) + 64;
    out.b = malloc(out.cap);
    z.next_in = in->b + from;
    z.avail_in = (uInt)(to - from);
    z.next_out = out.b;
    z.avail_out = (uInt)out.cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    out.n = out.cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static dbuf compress_zstd(const dbuf *in)
{
    dbuf out = {0};
    out.cap = ZSTD_compressBound(in->n);
    out.b = malloc(out.cap);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    out.n = ZSTD_compress2(c, out.b, out.cap, in->b, in->n);
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(out.n))
        abort();
    return out;
}

static dbuf compress_xz(const dbuf *in)
{
    dbuf out = {0};
    out.cap = lzma_stream_buffer_bound(in->n);
    out.b = malloc(out.cap);
    size_t pos = 0;
    if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in->b, in->n, out.b, &pos, out.cap) !=
        LZMA_OK)
        abort();
    out.n = pos;
    return out;
}

static dbuf compress_lz4(const dbuf *in)
{
    dbuf out = {0};
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    out.cap = LZ4F_compressFrameBound(in->n, &prefs);
    out.b = malloc(out.cap);
    out.n = LZ4F_compressFrame(out.b, out.cap, in->b, in->n, &prefs);
    if (LZ4F_isError(out.n))
        abort();
    return out;
}

enum { C_GZIP, C_ZSTD, C_XZ, C_LZ4, C_N };
static const char *const codec_names[C_N] = {"gzip", "zstd", "xz", "lz4"};

static dbuf compress_with(int codec, const dbuf *in)
{
    switch (codec) {
    case C_GZIP: return compress_gzip(in, 0, in->n);
    case C_ZSTD: return compress_zstd(in);
    case C_XZ: return compress_xz(in);
    default: return compress_lz4(in);
    }
}

static char *write_tmp(const void *data, size_t n)
{
    char *path = tt_tmp_write("instream", data, n);
    if (!path)
        abort();
    return path;
}

/* Read every frame, checking each against the record it must be. Returns the count. */
static uint32_t read_check(tt_source *src, int *rc_out, tt_error *err)
{
    tt_frame f;
    uint32_t count = 0;
    int rc;
    uint8_t want[128];
    while ((rc = tt_source_next(src, &f, err)) == 1) {
        rec_data(count, want);
        if (f.caplen != rec_len(count) || memcmp(f.data, want, f.caplen) != 0 ||
            f.ts_sec != 1000 + count || f.number != count + 1) {
            CHECK(!"frame differs from the record written");
            break;
        }
        count++;
    }
    *rc_out = rc;
    return count;
}

static uint32_t read_file(const dbuf *file, const char *want_comp, int *rc, tt_error *err)
{
    char *path = write_tmp(file->b, file->n);
    tt_error_clear(err);
    uint32_t count = 0;
    tt_source *src = tt_source_open_offline(path, NULL, err);
    if (src) {
        if (want_comp)
            CHECK(tt_source_compression(src) && !strcmp(tt_source_compression(src), want_comp));
        else
            CHECK(tt_source_compression(src) == NULL);
        count = read_check(src, rc, err);
        tt_source_free(src);
    } else {
        *rc = -2;
    }
    tt_tmp_remove(path);
    free(path);
    return count;
}

static void test_each_codec_pcap_and_pcapng(void)
{
    for (int fmt = 0; fmt < 2; fmt++) {
        dbuf plain = fmt ? make_pcapng(N_RECORDS) : make_pcap(N_RECORDS);
        for (int c = 0; c < C_N; c++) {
            dbuf z = compress_with(c, &plain);
            tt_error err;
            int rc;
            uint32_t count = read_file(&z, codec_names[c], &rc, &err);
            if (count != N_RECORDS || rc != 0)
                fprintf(stderr, "%s %s: %u records, rc %d: %s\n", codec_names[c],
                        fmt ? "pcapng" : "pcap", count, rc, err.msg);
            CHECK_EQ(count, N_RECORDS);
            CHECK_EQ(rc, 0);
            free(z.b);
        }
        tt_error err;
        int rc;
        CHECK_EQ(read_file(&plain, NULL, &rc, &err), N_RECORDS);
        CHECK_EQ(rc, 0);
        free(plain.b);
    }
}

static void test_concatenated_gzip_members(void)
{
    dbuf plain = make_pcap(N_RECORDS);
    size_t half = plain.n / 2 + 7; /* inside a record: members split bytes, not records */
    dbuf a = compress_gzip(&plain, 0, half), b = compress_gzip(&plain, half, plain.n);
    d_bytes(&a, b.b, b.n);
    tt_error err;
    int rc;
    CHECK_EQ(read_file(&a, "gzip", &rc, &err), N_RECORDS);
    CHECK_EQ(rc, 0);
    free(a.b);
    free(b.b);
    free(plain.b);
}

static void test_cut_streams_give_whole_records_then_truncated(void)
{
    for (int fmt = 0; fmt < 2; fmt++) {
        dbuf plain = fmt ? make_pcapng(N_RECORDS) : make_pcap(N_RECORDS);
        for (int c = 0; c < C_N; c++) {
            dbuf z = compress_with(c, &plain);
            for (int cut = 1; cut <= 3; cut++) {
                dbuf part = {z.b, z.n * (size_t)cut / 4, z.cap};
                tt_error err;
                int rc;
                uint32_t count = read_file(&part, codec_names[c], &rc, &err);
                if (getenv("TT_TEST_VERBOSE"))
                    fprintf(stderr, "%s %s cut %d/4: %u records, rc %d: %s\n", codec_names[c],
                            fmt ? "pcapng" : "pcap", cut, count, rc, err.msg);
                CHECK(count < N_RECORDS);
                if (rc == -2) {
                    /* zstd's 128 KiB blocks, lz4's 64 KiB: a cut may come before the first
                     * block is whole, so before the capture's header: an open error. */
                    CHECK(c == C_ZSTD || c == C_LZ4);
                    CHECK_EQ(err.code, TT_ERR_FORMAT);
                    CHECK(strstr(err.msg, "cut short") != NULL);
                    CHECK(strstr(err.msg, codec_names[c]) != NULL);
                } else {
                    CHECK(count > 0 || c == C_XZ || c == C_ZSTD);
                    CHECK_EQ(rc, -1);
                    CHECK_EQ(err.code, TT_ERR_TRUNCATED);
                }
            }
            free(z.b);
        }
        free(plain.b);
    }
}

static void test_corrupt_streams_name_the_codec(void)
{
    dbuf plain = make_pcap(N_RECORDS);
    for (int c = 0; c < C_N; c++) {
        dbuf z = compress_with(c, &plain);
        /* The integrity check at the end: every record is delivered, then the error. */
        /* gzip: the member's CRC-32; zstd, lz4: the content checksum; xz: the stream
         * footer's magic. */
        size_t at = c == C_GZIP ? z.n - 8 : z.n - 2;
        z.b[at] ^= 0x55;
        tt_error err;
        int rc;
        uint32_t count = read_file(&z, codec_names[c], &rc, &err);
        if (rc != -1 || count != N_RECORDS)
            fprintf(stderr, "corrupt %s: %u records, rc %d: %s\n", codec_names[c], count, rc,
                    err.msg);
        CHECK_EQ(rc, -1);
        CHECK_EQ(err.code, TT_ERR_FORMAT);
        CHECK(strstr(err.msg, codec_names[c]) != NULL);
        if (c != C_XZ) /* xz's footer is read with the index: after the last block */
            CHECK_EQ(count, N_RECORDS);
        free(z.b);
    }
    /* A damaged gzip header: an open error that names gzip. */
    dbuf z = compress_gzip(&plain, 0, plain.n);
    z.b[3] = 0xE0; /* reserved flag bits */
    char *path = write_tmp(z.b, z.n);
    tt_error err;
    tt_source *src = tt_source_open_offline(path, NULL, &err);
    CHECK(src == NULL);
    if (!src) {
        CHECK_EQ(err.code, TT_ERR_FORMAT);
        CHECK(strstr(err.msg, "gzip") != NULL);
        CHECK(strstr(err.msg, path) != NULL);
    }
    tt_source_free(src);
    tt_tmp_remove(path);
    free(path);
    free(z.b);
    free(plain.b);
}

/* A callback over memory: at most `chunk` bytes a call, failing once `fail_at` bytes
 * have been given (0: never). */
typedef struct mem_ctx {
    const uint8_t *p;
    size_t n, pos, chunk, fail_at;
    int *closed;
} mem_ctx;

static ptrdiff_t mem_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    mem_ctx *m = ctx;
    if (m->fail_at && m->pos >= m->fail_at) {
        tt_error_set(err, TT_ERR_IO, "callback says no");
        return -1;
    }
    size_t k = m->n - m->pos;
    if (k > n)
        k = n;
    if (k > m->chunk)
        k = m->chunk;
    if (m->fail_at && m->pos + k > m->fail_at)
        k = m->fail_at - m->pos;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ptrdiff_t)k;
}

static void mem_close(void *ctx)
{
    mem_ctx *m = ctx;
    (*m->closed)++;
    free(m);
}

static tt_source *open_mem(const dbuf *d, size_t chunk, size_t fail_at, int *closed, tt_error *err)
{
    mem_ctx *m = calloc(1, sizeof *m);
    m->p = d->b;
    m->n = d->n;
    m->chunk = chunk;
    m->fail_at = fail_at;
    m->closed = closed;
    return tt_source_open_stream(mem_read, m, mem_close, "<mem>", NULL, err);
}

static void test_callback_streams_in_small_pieces(void)
{
    for (int fmt = 0; fmt < 2; fmt++) {
        dbuf plain = fmt ? make_pcapng(500) : make_pcap(500);
        for (int c = -1; c < C_N; c++) {
            dbuf z = c < 0 ? plain : compress_with(c, &plain);
            size_t chunks[] = {1, 7, 4096};
            for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
                int closed = 0;
                tt_error err;
                tt_source *src = open_mem(&z, chunks[k], 0, &closed, &err);
                CHECK(src != NULL);
                if (!src)
                    continue;
                int rc;
                CHECK_EQ(read_check(src, &rc, &err), 500);
                CHECK_EQ(rc, 0);
                tt_source_free(src);
                CHECK_EQ(closed, 1);
            }
            if (c >= 0)
                free(z.b);
        }
        free(plain.b);
    }
}

static void test_records_come_before_the_input_fails(void)
{
    /* The input fails right after the first record: that record must come out first,
     * so the source does not wait for a full buffer (a live pipe's records arrive). */
    for (int fmt = 0; fmt < 2; fmt++) {
        dbuf plain = fmt ? make_pcapng(10) : make_pcap(10);
        size_t first_end = fmt ? 28 + 20 + 32 + ((rec_len(0) + 3) & ~3u) : 24 + 16 + rec_len(0);
        int closed = 0;
        tt_error err;
        tt_source *src = open_mem(&plain, 1 << 20, first_end, &closed, &err);
        CHECK(src != NULL);
        if (src) {
            int rc;
            CHECK_EQ(read_check(src, &rc, &err), 1);
            CHECK_EQ(rc, -1);
            CHECK_EQ(err.code, TT_ERR_IO);
            CHECK(strstr(err.msg, "callback says no") != NULL);
            tt_source_free(src);
        }
        CHECK_EQ(closed, 1);
        free(plain.b);
    }
}

static void test_open_errors_release_the_callback(void)
{
    dbuf junk = {0};
    d_bytes(&junk, "not a capture at all, nothing like one", 38);
    int closed = 0;
    tt_error err;
    CHECK(open_mem(&junk, 5, 0, &closed, &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    CHECK_EQ(closed, 1);
    closed = 0;
    CHECK(open_mem(&junk, 5, 3, &closed, &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_IO);
    CHECK_EQ(closed, 1);
    dbuf empty = {(uint8_t *)"", 0, 0};
    closed = 0;
    CHECK(open_mem(&empty, 5, 0, &closed, &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    CHECK_EQ(closed, 1);
    free(junk.b);
}

static void test_fd_source_reads_a_pipe(void)
{
    dbuf plain = make_pcap(200);
    dbuf z = compress_zstd(&plain);
    int fds[2];
    CHECK(tt_pipe(fds) == 0);
    /* The compressed capture fits in the pipe's buffer: write it all, then read. */
    CHECK(z.n < 60000);
    CHECK(tt_fd_write(fds[1], z.b, z.n) == (long)z.n);
    tt_fd_close(fds[1]);
    tt_error err;
    tt_source *src = tt_source_open_fd(fds[0], -1, 1, "-", NULL, &err);
    CHECK(src != NULL);
    if (src) {
        CHECK(!strcmp(tt_source_compression(src), "zstd"));
        int rc;
        CHECK_EQ(read_check(src, &rc, &err), 200);
        CHECK_EQ(rc, 0);
        tt_source_free(src);
    }
    free(z.b);
    free(plain.b);
}

static void test_stream_mark_and_rewind(void)
{
    dbuf plain = make_pcap(5);
    int closed = 0;
    mem_ctx *m = calloc(1, sizeof *m);
    m->p = plain.b;
    m->n = plain.n;
    m->chunk = 3;
    m->closed = &closed;
    tt_error err;
    tt_instream *s = tt_instream_from_fn(mem_read, m, mem_close, &err);
    CHECK(tt_instream_detect(s, &err) == 0);
    CHECK_EQ(tt_instream_compression(s), TT_COMP_NONE);
    uint8_t a[40], b[40];
    tt_instream_mark(s, 30);
    CHECK_EQ(tt_instream_read_full(s, a, 30, NULL, &err), 1);
    CHECK_EQ(tt_instream_read(s, b, 1, &err), -1); /* past the limit */
    CHECK_EQ(err.code, TT_ERR_NOMEM);
    tt_instream_rewind(s);
    CHECK_EQ(tt_instream_offset(s), 0);
    CHECK_EQ(tt_instream_read_full(s, b, 40, NULL, &err), 1);
    CHECK(memcmp(a, b, 30) == 0);
    CHECK(memcmp(b, plain.b, 40) == 0);
    CHECK_EQ(tt_instream_offset(s), 40);
    tt_instream_free(s);
    CHECK_EQ(closed, 1);
    free(plain.b);
}

TT_TESTS(tt_instream_tests) = {
    {"instream/each_codec_pcap_and_pcapng", test_each_codec_pcap_and_pcapng},
    {"instream/concatenated_gzip_members", test_concatenated_gzip_members},
    {"instream/cut_streams_give_whole_records_then_truncated", test_cut_streams_give_whole_records_then_truncated},
    {"instream/corrupt_streams_name_the_codec", test_corrupt_streams_name_the_codec},
    {"instream/callback_streams_in_small_pieces", test_callback_streams_in_small_pieces},
    {"instream/records_come_before_the_input_fails", test_records_come_before_the_input_fails},
    {"instream/open_errors_release_the_callback", test_open_errors_release_the_callback},
    {"instream/fd_source_reads_a_pipe", test_fd_source_reads_a_pipe},
    {"instream/mark_and_rewind", test_stream_mark_and_rewind},
    {NULL, NULL},
};
