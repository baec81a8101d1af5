/* snoop: a Sun snoop capture built from bytes, read through tt_source. */
#include <stdlib.h>
#include <string.h>

#include "../../csrc/decode.h"
#include "../../csrc/source.h"
#include "tt_build.h"
#include "tt_test.h"

typedef struct snoop_mem {
    const uint8_t *p;
    size_t n, pos;
} snoop_mem;

static ptrdiff_t snoop_mem_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    (void)err;
    snoop_mem *m = ctx;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ptrdiff_t)k;
}

static void snoop_mem_close(void *ctx) { free(ctx); }

static tt_source *open_bytes(const tt_buf *b, tt_error *err)
{
    snoop_mem *m = calloc(1, sizeof *m);
    m->p = b->b;
    m->n = b->n;
    return tt_source_open_stream(snoop_mem_read, m, snoop_mem_close, "<snoop>", NULL, err);
}

/* A record: 24-byte header (RFC 1761 §3), `n` bytes of data, padding to 4. */
static void snoop_record(tt_buf *b, const uint8_t *data, uint32_t n, uint32_t sec, uint32_t usec)
{
    uint32_t rec = 24 + ((n + 3) & ~3u);
    b_u32(b, n + 4); /* original length: 4 more on the wire (an FCS not kept) */
    b_u32(b, n);
    b_u32(b, rec);
    b_u32(b, 0);
    b_u32(b, sec);
    b_u32(b, usec);
    b_bytes(b, data, n);
    b_zero(b, rec - 24 - n);
}

static void test_snoop_ethernet_records(void)
{
    tt_buf b = {0};
    b_bytes(&b, "snoop\0\0\0", 8);
    b_u32(&b, 2); /* version */
    b_u32(&b, 4); /* Ethernet */
    static const uint8_t frame[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00, 0x45};
    snoop_record(&b, frame, sizeof frame, 1000, 250);
    snoop_record(&b, frame, 14, 1001, 0);
    tt_error err;
    tt_error_clear(&err);
    tt_source *s = open_bytes(&b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ(tt_source_format_of(s), TT_FORMAT_SNOOP);
    CHECK_EQ(tt_source_linktype(s), TT_LINKTYPE_ETHERNET);
    tt_frame f;
    CHECK_EQ(tt_source_next(s, &f, &err), 1);
    CHECK_EQ(f.caplen, sizeof frame);
    CHECK_EQ(f.wirelen, sizeof frame + 4);
    CHECK_EQ(f.ts_sec, 1000);
    CHECK_EQ(f.ts_nsec, 250000);
    CHECK(memcmp(f.data, frame, sizeof frame) == 0);
    CHECK_EQ(tt_source_next(s, &f, &err), 1);
    CHECK_EQ(f.caplen, 14);
    CHECK_EQ(f.number, 2);
    CHECK_EQ(tt_source_next(s, &f, &err), 0);
    tt_source_free(s);
}

static void test_snoop_record_longer_than_itself_is_damaged(void)
{
    tt_buf b = {0};
    b_bytes(&b, "snoop\0\0\0", 8);
    b_u32(&b, 2);
    b_u32(&b, 4);
    b_u32(&b, 100);
    b_u32(&b, 100); /* 100 bytes of data in a 30-byte record */
    b_u32(&b, 30);
    b_zero(&b, 12 + 8);
    tt_error err;
    tt_error_clear(&err);
    tt_source *s = open_bytes(&b, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    tt_frame f;
    CHECK_EQ(tt_source_next(s, &f, &err), -1);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    tt_source_free(s);
}

static void test_snoop_unknown_datalink_is_refused(void)
{
    tt_buf b = {0};
    b_bytes(&b, "snoop\0\0\0", 8);
    b_u32(&b, 2);
    b_u32(&b, 2); /* IEEE 802.5 token ring: not read */
    tt_error err;
    tt_error_clear(&err);
    CHECK(open_bytes(&b, &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    CHECK(strstr(err.msg, "network type 2") != NULL);
}

const tt_test_case tt_snoop_tests[] = {
    {"snoop/ethernet_records", test_snoop_ethernet_records},
    {"snoop/record_longer_than_itself", test_snoop_record_longer_than_itself_is_damaged},
    {"snoop/unknown_datalink", test_snoop_unknown_datalink_is_refused},
    {NULL, NULL},
};
