/* libFuzzer harness: the decompressing stream and the pcapng reader over arbitrary bytes.
 * Byte 0 sets the read callback's piece size (1..256 bytes a call); the rest is the
 * file: plain or gzip/zstd/xz/lz4-compressed pcapng (or anything else). Every read ends
 * in records, a clean end or an error; look-ahead (mark/rewind) runs as at open. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../csrc/pcapng.h"
#include "../csrc/instream.h"

typedef struct piece_ctx {
    const uint8_t *p;
    size_t n, pos, piece;
} piece_ctx;

static ptrdiff_t piece_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    (void)err;
    piece_ctx *c = ctx;
    size_t k = c->n - c->pos;
    if (k > n)
        k = n;
    if (k > c->piece)
        k = c->piece;
    memcpy(buf, c->p + c->pos, k);
    c->pos += k;
    return (ptrdiff_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    piece_ctx c = {data + 1, size - 1, 0, (size_t)data[0] + 1};
    tt_error err;
    /* The pcapng reader over the (decompressed) stream. */
    tt_instream *s = tt_instream_from_fn(piece_read, &c, NULL, &err);
    if (!s)
        return 0;
    if (tt_instream_detect(s, &err) != 0) {
        tt_instream_free(s);
        return 0;
    }
    tt_pcapng *r = tt_pcapng_open_stream(s, "fuzz", &err); /* owns s */
    if (r) {
        tt_pcapng_record rec;
        for (int i = 0; i < 100000 && tt_pcapng_next(r, &rec, &err) == 1; i++)
            if (rec.caplen && rec.data[rec.caplen - 1] == 0xA5)
                err.code = TT_OK; /* touch the bytes: ASan checks them */
        tt_pcapng_free(r);
    }
    /* The raw decoded bytes, with a look-ahead replayed. */
    c.pos = 0;
    s = tt_instream_from_fn(piece_read, &c, NULL, &err);
    if (!s)
        return 0;
    if (tt_instream_detect(s, &err) == 0) {
        uint8_t a[64], b[64];
        tt_instream_mark(s, sizeof a);
        size_t got = 0;
        tt_instream_read_full(s, a, sizeof a, &got, &err);
        tt_instream_rewind(s);
        size_t again = 0;
        tt_instream_read_full(s, b, got, &again, &err);
        if (again != got || memcmp(a, b, got) != 0)
            __builtin_trap(); /* a replay must give the same bytes */
        uint8_t buf[4096];
        uint64_t total = 0;
        ptrdiff_t k;
        while ((k = tt_instream_read(s, buf, sizeof buf, &err)) > 0 && total < (64u << 20))
            total += (uint64_t)k;
    }
    tt_instream_free(s);
    return 0;
}
