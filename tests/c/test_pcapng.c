/* pcapng reader: files built in memory and written to a temporary file.
 * Block layouts from draft-ietf-opsawg-pcapng; error behaviour as Wireshark's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/pcapng.h"
#include "../../csrc/source.h"
#include "tt_build.h"
#include "tt_port.h"
#include "tt_test.h"

/* The writer appends little- or big-endian values as the section says. */
typedef struct ng {
    tt_buf b;
    int be;
} ng;

static void u16(ng *n, uint16_t v) { n->be ? b_u16(&n->b, v) : b_u16le(&n->b, v); }
static void u32(ng *n, uint32_t v) { n->be ? b_u32(&n->b, v) : b_u32le(&n->b, v); }

static void shb(ng *n, uint16_t major, uint16_t minor)
{
    u32(n, 0x0A0D0D0A);
    u32(n, 28);
    u32(n, 0x1A2B3C4D);
    u16(n, major);
    u16(n, minor);
    u32(n, 0xFFFFFFFF);
    u32(n, 0xFFFFFFFF); /* section length unknown */
    u32(n, 28);
}

/* IDB with optional if_tsresol (tsresol >= 0) and if_tsoffset (nonzero). */
static void idb(ng *n, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    uint32_t len = 20 + (tsresol >= 0 ? 8 : 0) + (tsoffset ? 12 : 0) + (tsresol >= 0 || tsoffset ? 4 : 0);
    u32(n, 1);
    u32(n, len);
    u16(n, linktype);
    u16(n, 0);
    u32(n, snaplen);
    if (tsresol >= 0) {
        u16(n, 9);
        u16(n, 1);
        b_u8(&n->b, (uint8_t)tsresol);
        b_zero(&n->b, 3);
    }
    if (tsoffset) {
        u16(n, 14);
        u16(n, 8);
        uint64_t v = (uint64_t)tsoffset;
        if (n->be) {
            u32(n, (uint32_t)(v >> 32));
            u32(n, (uint32_t)v);
        } else {
            u32(n, (uint32_t)v);
            u32(n, (uint32_t)(v >> 32));
        }
    }
    if (tsresol >= 0 || tsoffset) {
        u16(n, 0); /* opt_endofopt */
        u16(n, 0);
    }
    u32(n, len);
}

static void epb(ng *n, uint32_t iface, uint64_t ts, const void *data, uint32_t caplen, uint32_t wirelen)
{
    uint32_t pad = (4 - caplen % 4) % 4;
    uint32_t len = 32 + caplen + pad;
    u32(n, 6);
    u32(n, len);
    u32(n, iface);
    u32(n, (uint32_t)(ts >> 32));
    u32(n, (uint32_t)ts);
    u32(n, caplen);
    u32(n, wirelen);
    b_bytes(&n->b, data, caplen);
    b_zero(&n->b, pad);
    u32(n, len);
}

static void spb(ng *n, const void *data, uint32_t wirelen)
{
    uint32_t pad = (4 - wirelen % 4) % 4;
    uint32_t len = 16 + wirelen + pad;
    u32(n, 3);
    u32(n, len);
    u32(n, wirelen);
    b_bytes(&n->b, data, wirelen);
    b_zero(&n->b, pad);
    u32(n, len);
}

/* Obsolete Packet Block (type 2): 16-bit interface id and drop count. */
static void opb(ng *n, uint16_t iface, uint64_t ts, const void *data, uint32_t caplen)
{
    uint32_t pad = (4 - caplen % 4) % 4;
    uint32_t len = 32 + caplen + pad;
    u32(n, 2);
    u32(n, len);
    u16(n, iface);
    u16(n, 0);
    u32(n, (uint32_t)(ts >> 32));
    u32(n, (uint32_t)ts);
    u32(n, caplen);
    u32(n, caplen);
    b_bytes(&n->b, data, caplen);
    b_zero(&n->b, pad);
    u32(n, len);
}

/* A block this reader has no use for (a Name Resolution Block, or custom). */
static void other_block(ng *n, uint32_t type, uint32_t body)
{
    u32(n, type);
    u32(n, 12 + body);
    b_zero(&n->b, body);
    u32(n, 12 + body);
}

static char *write_tmp(const void *data, size_t n)
{
    return tt_tmp_write("pcapng", data, n);
}

/* Read every record of the file; returns the number read and the final rc/err. */
static int read_all(const ng *n, tt_pcapng_record *recs, int max, int *rc_out, tt_error *err)
{
    char *path = write_tmp(n->b.b, n->b.n);
    tt_error_clear(err);
    tt_pcapng *r = tt_pcapng_open(path, err);
    int count = 0, rc = -1;
    static uint8_t copies[16][256];
    if (r) {
        tt_pcapng_record rec;
        while ((rc = tt_pcapng_next(r, &rec, err)) == 1) {
            if (count < max) {
                recs[count] = rec;
                memcpy(copies[count], rec.data, rec.caplen < 256 ? rec.caplen : 256);
                recs[count].data = copies[count];
            }
            count++;
        }
        tt_pcapng_free(r);
    }
    tt_tmp_remove(path);
    free(path);
    *rc_out = r ? rc : -2;
    return count;
}

static const uint8_t pkt[] = "0123456789abcdefghij"; /* 20 bytes + NUL */

static void test_little_endian_mixed_link_types_and_snaplens(void)
{
    /* What libpcap refuses: interfaces with different link types and snaplens. */
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 65535, -1, 0);
    idb(&n, 113, 128, -1, 0);
    epb(&n, 0, 1500000, pkt, 20, 60);
    epb(&n, 1, 2500000, pkt, 14, 14);
    tt_pcapng_record r[4];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 4, &rc, &err), 2);
    CHECK_EQ(rc, 0);
    CHECK_EQ(r[0].linktype, 1);
    CHECK_EQ(r[0].caplen, 20);
    CHECK_EQ(r[0].wirelen, 60);
    CHECK_EQ(r[0].ts_ns, 1500000000LL); /* default resolution: microseconds */
    CHECK_EQ(r[1].linktype, 113);
    CHECK_EQ(r[1].snaplen, 128);
    CHECK_EQ(r[1].iface, 1);
    CHECK(memcmp(r[1].data, pkt, 14) == 0);
}

static void test_big_endian_section(void)
{
    ng n = {.be = 1};
    shb(&n, 1, 0);
    idb(&n, 101, 0, -1, 0);
    epb(&n, 0, 7, pkt, 20, 20);
    tt_pcapng_record r[2];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 2, &rc, &err), 1);
    CHECK_EQ(rc, 0);
    CHECK_EQ(r[0].linktype, 101);
    CHECK_EQ(r[0].ts_ns, 7000);
}

static void test_tsresol_power_of_ten_and_two_and_tsoffset(void)
{
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, 9, 0);        /* nanoseconds */
    idb(&n, 1, 0, 0x80 | 10, 0); /* 2^-10 s */
    idb(&n, 1, 0, 3, 100);      /* milliseconds, 100 s offset */
    epb(&n, 0, 1234567890123ULL, pkt, 4, 4);
    epb(&n, 1, 3 * 1024 + 512, pkt, 4, 4);
    epb(&n, 2, 1500, pkt, 4, 4);
    tt_pcapng_record r[4];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 4, &rc, &err), 3);
    CHECK_EQ(r[0].ts_ns, 1234567890123LL);
    CHECK_EQ(r[1].ts_ns, 3500000000LL);
    /* if_tsoffset is reported, not added, as Wireshark 4.0 does. */
    CHECK_EQ(r[2].ts_ns, 1500000000LL);
    CHECK_EQ(r[2].ts_sec, 1);
    CHECK_EQ(r[2].ts_nsec, 500000000);
    CHECK_EQ(r[2].tsoffset_s, 100);
}

static void test_spb_obsolete_pb_and_skipped_blocks(void)
{
    ng n = {0};
    shb(&n, 1, 0);
    other_block(&n, 4, 8);          /* Name Resolution Block */
    idb(&n, 1, 8, -1, 0);           /* snaplen 8: the SPB's captured length */
    other_block(&n, 5, 16);         /* Interface Statistics Block */
    other_block(&n, 0x40000BAD, 4); /* custom block */
    other_block(&n, 10, 0);         /* Decryption Secrets Block */
    other_block(&n, 0x1234, 4);     /* unknown */
    spb(&n, pkt, 20);
    opb(&n, 0, 5, pkt, 12);
    tt_pcapng_record r[4];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 4, &rc, &err), 2);
    CHECK_EQ(rc, 0);
    CHECK_EQ(r[0].caplen, 8);
    CHECK_EQ(r[0].wirelen, 20);
    CHECK_EQ(r[1].caplen, 12);
    CHECK_EQ(r[1].ts_ns, 5000);

    /* An SPB whose block cannot hold min(original length, snaplen) bytes lies. */
    ng m = {0};
    shb(&m, 1, 0);
    idb(&m, 1, 0, -1, 0);
    spb(&m, pkt, 8);
    m.b.b[m.b.n - 4 - 8 - 4] = 40; /* original length 40 in an 8-byte body */
    CHECK_EQ(read_all(&m, r, 4, &rc, &err), 0);
    CHECK_EQ(rc, -1);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
}

static void test_multiple_sections_renumber_interfaces(void)
{
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, -1, 0);
    epb(&n, 0, 1, pkt, 4, 4);
    ng m = {.be = 1};
    shb(&m, 1, 0);
    idb(&m, 113, 0, -1, 0);
    epb(&m, 0, 2, pkt, 4, 4);
    b_bytes(&n.b, m.b.b, m.b.n);
    tt_pcapng_record r[4];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 4, &rc, &err), 2);
    CHECK_EQ(rc, 0);
    CHECK_EQ(r[1].iface, 1); /* the second section's interface 0 */
    CHECK_EQ(r[1].linktype, 113);
}

static void test_unsupported_versions_are_format_errors(void)
{
    /* Wireshark: "pcapng: unknown SHB version"; 1.2 is read as 1.0. */
    uint16_t bad[][2] = {{0, 1}, {1, 1}, {2, 0}};
    for (size_t i = 0; i < 3; i++) {
        ng n = {0};
        shb(&n, bad[i][0], bad[i][1]);
        tt_pcapng_record r[1];
        int rc;
        tt_error err;
        CHECK_EQ(read_all(&n, r, 1, &rc, &err), 0);
        CHECK_EQ(rc, -2);
        CHECK_EQ(err.code, TT_ERR_FORMAT);
        CHECK(strstr(err.msg, "unknown SHB version") != NULL);
    }
    ng ok = {0};
    shb(&ok, 1, 2);
    tt_pcapng_record r[1];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&ok, r, 1, &rc, &err), 0);
    CHECK_EQ(rc, 0);
}

static void test_lying_block_lengths(void)
{
    int rc;
    tt_error err;
    tt_pcapng_record r[2];
    struct { uint32_t len; tt_error_code want; } cases[] = {
        {8, TT_ERR_FORMAT},          /* smaller than a block header and trailer */
        {30, TT_ERR_FORMAT},         /* not a multiple of 4 */
        {0xFFFFFFF0u, TT_ERR_FORMAT},/* absurd: above the cap */
        {4096, TT_ERR_TRUNCATED},    /* larger than the file */
    };
    for (size_t i = 0; i < 4; i++) {
        ng n = {0};
        shb(&n, 1, 0);
        idb(&n, 1, 0, -1, 0);
        epb(&n, 0, 1, pkt, 4, 4);
        u32(&n, 6);
        u32(&n, cases[i].len);
        b_zero(&n.b, 24);
        CHECK_EQ(read_all(&n, r, 2, &rc, &err), 1); /* the whole record before it */
        CHECK_EQ(rc, -1);
        CHECK_EQ(err.code, cases[i].want);
    }
    /* Trailing length that disagrees with the leading one. */
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, -1, 0);
    n.b.b[n.b.n - 4] = 99;
    CHECK_EQ(read_all(&n, r, 2, &rc, &err), 0);
    CHECK_EQ(rc, -1);
    CHECK(strstr(err.msg, "don't match") != NULL);
}

static void test_caplen_larger_than_block_and_bad_interface(void)
{
    int rc;
    tt_error err;
    tt_pcapng_record r[2];
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, -1, 0);
    epb(&n, 0, 1, pkt, 4, 4);
    n.b.b[n.b.n - 4 - 4 - 8] = 200; /* captured length 200 in a 4-byte block body */
    CHECK_EQ(read_all(&n, r, 2, &rc, &err), 0);
    CHECK_EQ(rc, -1);
    CHECK_EQ(err.code, TT_ERR_FORMAT);

    ng m = {0};
    shb(&m, 1, 0);
    idb(&m, 1, 0, -1, 0);
    epb(&m, 3, 1, pkt, 4, 4); /* interface 3 of 1 */
    CHECK_EQ(read_all(&m, r, 2, &rc, &err), 0);
    CHECK_EQ(rc, -1);
    CHECK(strstr(err.msg, "interface") != NULL);
}

static void test_file_cut_mid_block_delivers_whole_records(void)
{
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, -1, 0);
    epb(&n, 0, 1, pkt, 20, 20);
    epb(&n, 0, 2, pkt, 20, 20);
    tt_pcapng_record r[2];
    int rc;
    tt_error err;
    for (size_t cut = 1; cut < 52; cut++) {
        ng c = n;
        c.b.n = n.b.n - cut;
        CHECK_EQ(read_all(&c, r, 2, &rc, &err), 1);
        CHECK_EQ(rc, -1);
        CHECK_EQ(err.code, TT_ERR_TRUNCATED);
    }
}

static void test_option_running_past_the_block(void)
{
    /* Wireshark: "Not enough data to handle option of length". */
    ng n = {0};
    shb(&n, 1, 0);
    u32(&n, 1);
    u32(&n, 28);
    u16(&n, 1);
    u16(&n, 0);
    u32(&n, 0);
    u16(&n, 2);   /* if_name */
    u16(&n, 200); /* longer than the block */
    u32(&n, 0);
    u32(&n, 28);
    tt_pcapng_record r[1];
    int rc;
    tt_error err;
    CHECK_EQ(read_all(&n, r, 1, &rc, &err), 0);
    CHECK_EQ(rc, -1);
    CHECK(strstr(err.msg, "option") != NULL);
}

static void test_not_pcapng_and_empty(void)
{
    tt_error err;
    char *path = write_tmp("abc", 3);
    CHECK(tt_pcapng_open(path, &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    tt_tmp_remove(path);
    free(path);
    CHECK(tt_pcapng_open("/nonexistent/x.pcapng", &err) == NULL);
    CHECK_EQ(err.code, TT_ERR_NOT_FOUND);
}

static void test_source_reads_pcapng_with_filter(void)
{
    /* Through tt_source: a BPF filter compiled per link type (Ethernet, SLL). */
    TT_REQUIRE_LIBPCAP();
    tt_buf e = {0}, s = {0};
    b_eth(&e, 0x0800);
    b_ipv4(&e, 6, 20, 1, 0, 1, 2);
    b_tcp_opts(&e, 1, 80, 0, 0, 2, NULL, 0);
    b_u16(&s, 0); b_u16(&s, 1); b_u16(&s, 6); b_zero(&s, 8); b_u16(&s, 0x0800);
    b_ipv4(&s, 6, 20, 1, 0, 1, 2);
    b_tcp_opts(&s, 1, 443, 0, 0, 2, NULL, 0);
    ng n = {0};
    shb(&n, 1, 0);
    idb(&n, 1, 0, -1, 0);
    idb(&n, 113, 0, -1, 0);
    epb(&n, 0, 1, e.b, (uint32_t)e.n, (uint32_t)e.n);
    epb(&n, 1, 2, s.b, (uint32_t)s.n, (uint32_t)s.n);
    epb(&n, 1, 3, s.b, (uint32_t)s.n, (uint32_t)s.n);
    char *path = write_tmp(n.b.b, n.b.n);
    tt_error err;
    tt_source *src = tt_source_open_offline(path, "tcp port 443", &err);
    CHECK(src != NULL);
    if (src) {
        CHECK_EQ(tt_source_format_of(src), TT_FORMAT_PCAPNG);
        CHECK_EQ(tt_source_linktype(src), 1);
        tt_frame f;
        int got = 0;
        while (tt_source_next(src, &f, &err) == 1) {
            got++;
            CHECK_EQ(f.linktype, 113);
        }
        CHECK_EQ(got, 2);
        CHECK_EQ(tt_source_records(src), 3);
        int32_t lts[4];
        CHECK_EQ(tt_source_linktypes(src, lts, 4), 2);
        tt_source_free(src);
    }
    tt_tmp_remove(path);
    free(path);
}

static void test_mutated_files_end_cleanly(void)
{
    /* Deterministic fuzz: corrupt bytes of a valid file; every run ends with 0 or an
     * error after a bounded number of records, never a crash or a hang. */
    ng base = {0};
    shb(&base, 1, 0);
    idb(&base, 1, 0, 6, 5);
    idb(&base, 113, 64, 0x80 | 20, 0);
    epb(&base, 0, 1, pkt, 20, 20);
    spb(&base, pkt, 20);
    opb(&base, 1, 3, pkt, 16);
    other_block(&base, 4, 8);
    epb(&base, 1, 9, pkt, 20, 40);
    uint32_t st = 99;
    for (int iter = 0; iter < 300; iter++) {
        ng m = base;
        int flips = 1 + (int)((st = st * 1664525u + 1013904223u) >> 8) % 4;
        for (int k = 0; k < flips; k++) {
            st = st * 1664525u + 1013904223u;
            size_t at = (st >> 8) % m.b.n;
            st = st * 1664525u + 1013904223u;
            m.b.b[at] = (uint8_t)(st >> 8);
        }
        tt_pcapng_record r[8];
        int rc;
        tt_error err;
        int count = read_all(&m, r, 8, &rc, &err);
        CHECK(count <= 8);
        CHECK(rc == 0 || rc == -1 || rc == -2);
    }
}

TT_TESTS(tt_pcapng_tests) = {
    {"pcapng/little_endian_mixed_link_types_and_snaplens", test_little_endian_mixed_link_types_and_snaplens},
    {"pcapng/big_endian_section", test_big_endian_section},
    {"pcapng/tsresol_power_of_ten_and_two_and_tsoffset", test_tsresol_power_of_ten_and_two_and_tsoffset},
    {"pcapng/spb_obsolete_pb_and_skipped_blocks", test_spb_obsolete_pb_and_skipped_blocks},
    {"pcapng/multiple_sections_renumber_interfaces", test_multiple_sections_renumber_interfaces},
    {"pcapng/unsupported_versions_are_format_errors", test_unsupported_versions_are_format_errors},
    {"pcapng/lying_block_lengths", test_lying_block_lengths},
    {"pcapng/caplen_larger_than_block_and_bad_interface", test_caplen_larger_than_block_and_bad_interface},
    {"pcapng/file_cut_mid_block_delivers_whole_records", test_file_cut_mid_block_delivers_whole_records},
    {"pcapng/option_running_past_the_block", test_option_running_past_the_block},
    {"pcapng/not_pcapng_and_empty", test_not_pcapng_and_empty},
    {"pcapng/source_reads_pcapng_with_filter", test_source_reads_pcapng_with_filter},
    {"pcapng/mutated_files_end_cleanly", test_mutated_files_end_cleanly},
    {NULL, NULL},
};
