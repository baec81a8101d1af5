/* pcapfile: the native classic pcap reader. Every capture of tests/data gives the
 * frames libpcap gives (where libpcap is linked); the same capture rewritten
 * big-endian, in Kuznetzov's patched format and as a version 2.2 file (caplen and len
 * swapped) gives the same frames; files that are no capture get a message that says
 * what they are. And without libpcap, reading still works and a filter says what to
 * install. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/pcapfile.h"
#include "../../csrc/pcaplib.h"
#include "../../csrc/platform.h"
#include "../../csrc/source.h"
#include "tt_test.h"

#if !defined(TT_PCAP_RUNTIME) && !defined(_WIN32)
#include <dirent.h>
#include <pcap/pcap.h> /* the reference reader, linked in the tests only */
#define TT_HAVE_LIBPCAP_REF 1
#endif

static void tmp_path(char *buf, size_t n, const char *name)
{
    const char *d = getenv("TMPDIR");
    if (!d || !*d)
        d = getenv("TEMP");
    if (!d || !*d)
        d = "/tmp";
    snprintf(buf, n, "%s/tt_pcapfile_%ld_%s", d, tt_plat_process_id(), name);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            }
            buf = p;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int spit(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(buf, 1, len, f);
    fclose(f);
    return w == len ? 0 : -1;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

typedef enum { AS_BIG_ENDIAN, AS_KUZNETZOV, AS_V22 } rewrite_kind;

/* A little-endian microsecond pcap file rewritten; *out_len its length. NULL if the
 * input is not such a file. */
static uint8_t *rewrite(const uint8_t *in, size_t len, rewrite_kind kind, size_t *out_len)
{
    if (len < 24 || le32(in) != 0xA1B2C3D4u)
        return NULL;
    uint8_t *out = malloc(len * 2 + 64);
    if (!out)
        return NULL;
    size_t o = 24, i = 24;
    memcpy(out, in, 24);
    if (kind == AS_BIG_ENDIAN) {
        put_be32(out, 0xA1B2C3D4u);
        out[4] = 0, out[5] = in[4], out[6] = 0, out[7] = in[6]; /* versions 2, 4 */
        for (int k = 8; k < 24; k += 4)
            put_be32(out + k, le32(in + k));
    } else if (kind == AS_KUZNETZOV) {
        put_le32(out, 0xA1B2CD34u);
    } else {
        out[6] = 2; /* version 2.2: caplen and len swapped in every record */
    }
    while (i + 16 <= len) {
        uint32_t caplen = le32(in + i + 8);
        if (i + 16 + caplen > len)
            break;
        const uint8_t *h = in + i;
        if (kind == AS_BIG_ENDIAN) {
            for (int k = 0; k < 16; k += 4)
                put_be32(out + o + k, le32(h + k));
            o += 16;
        } else if (kind == AS_KUZNETZOV) {
            memcpy(out + o, h, 16);
            memset(out + o + 16, 0xEE, 8); /* ifindex, protocol, pkt_type, pad */
            o += 24;
        } else {
            memcpy(out + o, h, 8);
            memcpy(out + o + 8, h + 12, 4);
            memcpy(out + o + 12, h + 8, 4);
            o += 16;
        }
        memcpy(out + o, in + i + 16, caplen);
        o += caplen;
        i += 16 + caplen;
    }
    *out_len = o;
    return out;
}

/* Two sources give the same frames and end the same way. */
static int same_frames(tt_source *a, tt_source *b)
{
    int frames = 0;
    for (;;) {
        tt_frame fa, fb;
        tt_error ea, eb;
        int ra = tt_source_next(a, &fa, &ea), rb = tt_source_next(b, &fb, &eb);
        CHECK_EQ(ra, rb);
        if (ra != 1 || rb != 1)
            return frames;
        frames++;
        CHECK_EQ(fa.caplen, fb.caplen);
        CHECK_EQ(fa.wirelen, fb.wirelen);
        CHECK_EQ(fa.ts_ns, fb.ts_ns);
        CHECK_EQ(fa.linktype, fb.linktype);
        CHECK(fa.caplen == fb.caplen && memcmp(fa.data, fb.data, fa.caplen) == 0);
    }
}

static void check_rewritten(const char *src, rewrite_kind kind, const char *name)
{
    size_t len = 0, out_len = 0;
    uint8_t *in = slurp(src, &len);
    CHECK(in != NULL);
    uint8_t *out = in ? rewrite(in, len, kind, &out_len) : NULL;
    CHECK(out != NULL);
    char path[1024];
    tmp_path(path, sizeof path, name);
    if (out && spit(path, out, out_len) == 0) {
        tt_error e1, e2;
        tt_source *a = tt_source_open_path(src, NULL, TT_SOURCE_NO_MAP, &e1);
        tt_source *b = tt_source_open_path(path, NULL, TT_SOURCE_NO_MAP, &e2);
        tt_source *c = tt_source_open_path(path, NULL, 0, &e2); /* and mapped */
        CHECK(a && b && c);
        if (a && b)
            CHECK(same_frames(a, b) > 5);
        tt_source_free(a);
        a = tt_source_open_path(src, NULL, 0, &e1);
        if (a && c)
            CHECK(same_frames(a, c) > 5);
        tt_source_free(a);
        tt_source_free(b);
        tt_source_free(c);
    }
    remove(path);
    free(out);
    free(in);
}

static void test_pcapfile_big_endian_file_reads_the_same(void)
{
    check_rewritten("tests/data/http_get_clean.pcap", AS_BIG_ENDIAN, "be.pcap");
}

static void test_pcapfile_kuznetzov_patched_format_reads_the_same(void)
{
    check_rewritten("tests/data/http_get_clean.pcap", AS_KUZNETZOV, "kuz.pcap");
}

static void test_pcapfile_version_2_2_has_caplen_and_len_swapped(void)
{
    check_rewritten("tests/data/http_get_clean.pcap", AS_V22, "v22.pcap");
}

static void test_pcapfile_header_rules(void)
{
    uint8_t h[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0};
    put_le32(h + 16, 0);
    put_le32(h + 20, 101 | 0x10000000u); /* raw IP, with an FCS length in bits 28-31 */
    tt_pcap_header ph;
    tt_error err;
    CHECK_EQ(tt_pcap_header_parse(h, sizeof h, &ph, &err), 0);
    CHECK_EQ(ph.linktype, 101);
    CHECK_EQ(ph.layout.big_endian, 0);
    CHECK_EQ(ph.layout.max_caplen, 262144);
    put_le32(h + 20, 1 | 0x00010000u); /* a reserved bit */
    CHECK_EQ(tt_pcap_header_parse(h, sizeof h, &ph, &err), -1);
    CHECK(strstr(err.msg, "reserved field not zero") != NULL);
    put_le32(h + 20, 231); /* D-Bus: libpcap allows 128 MiB records */
    CHECK_EQ(tt_pcap_header_parse(h, sizeof h, &ph, &err), 0);
    CHECK_EQ(ph.layout.max_caplen, 128u << 20);
    h[4] = 3; /* version 3.4 */
    CHECK_EQ(tt_pcap_header_parse(h, sizeof h, &ph, &err), -1);
    CHECK(strstr(err.msg, "unsupported pcap savefile version 3.4") != NULL);
    h[4] = 2;
    CHECK_EQ(tt_pcap_header_parse(h, 20, &ph, &err), -1);
    CHECK_EQ(err.code, TT_ERR_TRUNCATED);
    CHECK(strstr(err.msg, "tried to read 24 file header bytes, only got 20") != NULL);
    /* nanosecond magic, big-endian */
    uint8_t b[24] = {0xA1, 0xB2, 0x3C, 0x4D, 0, 2, 0, 4};
    put_be32(b + 20, 1);
    CHECK_EQ(tt_pcap_header_parse(b, sizeof b, &ph, &err), 0);
    CHECK_EQ(ph.layout.big_endian, 1);
    CHECK_EQ(ph.layout.nsec, 1);
    CHECK_EQ(ph.linktype, 1);
}

static void expect_open_error(const char *name, const void *bytes, size_t len, const char *want)
{
    char path[1024];
    tmp_path(path, sizeof path, name);
    CHECK(spit(path, bytes, len) == 0);
    tt_error err;
    tt_error_clear(&err);
    tt_source *s = tt_source_open_path(path, NULL, 0, &err);
    CHECK(s == NULL);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    if (!strstr(err.msg, want))
        fprintf(stderr, "%s: got \"%s\", wanted \"%s\"\n", name, err.msg, want);
    CHECK(strstr(err.msg, want) != NULL);
    tt_source_free(s);
    remove(path);
}

static void test_pcapfile_files_that_are_no_capture_say_what_they_are(void)
{
    const char text[] = "this is not a capture file at all\n";
    expect_open_error("text", text, sizeof text - 1, "unknown file format; it starts with 74 68 69 73 \"this\"");
    expect_open_error("empty", "", 0, "the file is empty");
    const char netmon[] = "GMBU\x00\x02 plus a header";
    expect_open_error("netmon", netmon, sizeof netmon - 1, "Network Monitor 2.x");
    const char snoop[] = "snoop\0\0\0\0\0\0\x02\0\0\0\x02"; /* token ring: snoop.c reads Ethernet, FDDI */
    expect_open_error("snoop", snoop, sizeof snoop - 1, "snoop: network type 2 unknown or unsupported");
    const uint8_t cut[10] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0};
    expect_open_error("cut", cut, sizeof cut, "tried to read 24 file header bytes, only got 10");
}

/* Without libpcap (a run-time build whose library cannot be loaded), files are read
 * and a filter says what is missing. With it, the filter works on raw-IP pcapng,
 * whose LINKTYPE_RAW (101) libpcap knows as DLT_RAW (12). */
static void test_pcapfile_filters_need_libpcap_reading_does_not(void)
{
    tt_error err;
    tt_error_clear(&err);
    const char *path = "tests/data/rawip_tcp_empty_sack.pcap";
    tt_source *plain = tt_source_open_path(path, NULL, 0, &err);
    CHECK(plain != NULL);
    tt_frame f;
    CHECK_EQ(plain ? tt_source_next(plain, &f, &err) : -1, 1);
    tt_source_free(plain);
    tt_source *filtered = tt_source_open_path(path, "tcp", 0, &err);
    if (tt_pcaplib_available(NULL)) {
        CHECK(filtered != NULL);
        CHECK_EQ(filtered ? tt_source_next(filtered, &f, &err) : -1, 1);
        CHECK_EQ(tt_pcaplib_linktype_to_dlt(101), 12);
        CHECK(strcmp(tt_pcaplib_linktype_name(101), "RAW") == 0);
    } else {
        CHECK(filtered == NULL);
        CHECK_EQ(err.code, TT_ERR_FILTER);
        CHECK(strstr(err.msg, "reading capture files needs nothing") != NULL);
        CHECK(strcmp(tt_pcaplib_linktype_name(101), "RAW") == 0); /* the built-in names */
    }
    tt_source_free(filtered);
}

#ifdef TT_HAVE_LIBPCAP_REF
/* Our frames against libpcap's for one file. libpcap cuts records longer than the
 * header's snaplen (Wireshark, and this reader, keep them whole): compared up to it. */

/* libpcap rewrites some link-layer headers into the reading host's byte order
 * (pcap-common.c, swap_pseudo_headers: NFLOG's TLVs, Linux USB's header) when the file's
 * differs: on a big-endian host those bytes are libpcap's, not the file's, which we
 * hand on as they are (the decoder reads them in an explicit order). */
static int libpcap_rewrites(int dlt)
{
    const uint16_t one = 1;
    int host_big = *(const uint8_t *)&one == 0;
    return host_big && (dlt == 239 /* NFLOG */ || dlt == 189 || dlt == 220 /* USB Linux */);
}

static void compare_with_libpcap(const char *path, int *files)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    tt_error err;
    tt_error_clear(&err);
    tt_source *s = tt_source_open_path(path, NULL, TT_SOURCE_NO_MAP, &err);
    if (!p) {
        if (s)
            fprintf(stderr, "%s: libpcap refuses it (%s), we read it\n", path, errbuf);
        /* A reserved-bits header Wireshark refuses is the one case libpcap reads. */
        CHECK(s == NULL);
        tt_source_free(s);
        return;
    }
    if (!s && strstr(err.msg, "reserved field not zero")) {
        pcap_close(p); /* Wireshark refuses it, and so do we; libpcap reads it */
        return;
    }
    (*files)++;
    if (!s)
        fprintf(stderr, "%s: we refuse it: %s\n", path, err.msg);
    CHECK(s != NULL);
    CHECK_EQ(s ? tt_source_linktype(s) : -1, pcap_datalink(p) == 12 ? 101 : pcap_datalink(p));
    uint32_t snap = (uint32_t)pcap_snapshot(p);
    while (s) {
        struct pcap_pkthdr *h;
        const u_char *data;
        tt_frame f;
        int rp = pcap_next_ex(p, &h, &data);
        int rs = tt_source_next(s, &f, &err);
        if (rp != 1 || rs != 1) {
            /* Both end, or both fail (the words may differ: libpcap's snaplen cut). */
            if ((rp == PCAP_ERROR_BREAK) != (rs == 0))
                fprintf(stderr, "%s: libpcap %d (%s), ours %d (%s)\n", path, rp, pcap_geterr(p), rs,
                        err.msg);
            CHECK_EQ(rp == PCAP_ERROR_BREAK, rs == 0);
            break;
        }
        CHECK_EQ(h->len, f.wirelen);
        CHECK_EQ(h->caplen, f.caplen < snap ? f.caplen : snap);
        if (!libpcap_rewrites(pcap_datalink(p)))
            CHECK(memcmp(data, f.data, h->caplen) == 0);
        CHECK_EQ((int64_t)(uint32_t)h->ts.tv_sec, f.ts_sec);
        if (tt_source_format_of(s) == TT_FORMAT_PCAP_NSEC)
            CHECK_EQ((int32_t)(uint32_t)h->ts.tv_usec, f.ts_nsec);
        else
            CHECK_EQ((int32_t)((uint32_t)(h->ts.tv_usec / 1000) * 1000u), f.ts_nsec);
    }
    tt_source_free(s);
    pcap_close(p);
}

static void compare_dir_with_libpcap(const char *dir, int *compared)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".pcap") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        compare_with_libpcap(path, compared);
    }
    if (d)
        closedir(d);
}

static void test_pcapfile_reads_every_test_capture_as_libpcap_does(void)
{
    int compared = 0;
    compare_dir_with_libpcap("tests/data", &compared);
    compare_dir_with_libpcap("tests/data/malformed", &compared);
    CHECK(compared >= 20);
}
#endif

TT_TESTS(tt_pcapfile_tests) = {
    {"pcapfile/big_endian_file_reads_the_same", test_pcapfile_big_endian_file_reads_the_same},
    {"pcapfile/kuznetzov_patched_format_reads_the_same", test_pcapfile_kuznetzov_patched_format_reads_the_same},
    {"pcapfile/version_2_2_has_caplen_and_len_swapped", test_pcapfile_version_2_2_has_caplen_and_len_swapped},
    {"pcapfile/header_rules", test_pcapfile_header_rules},
    {"pcapfile/files_that_are_no_capture_say_what_they_are", test_pcapfile_files_that_are_no_capture_say_what_they_are},
    {"pcapfile/filters_need_libpcap_reading_does_not", test_pcapfile_filters_need_libpcap_reading_does_not},
#ifdef TT_HAVE_LIBPCAP_REF
    {"pcapfile/reads_every_test_capture_as_libpcap_does", test_pcapfile_reads_every_test_capture_as_libpcap_does},
#endif
    {NULL, NULL},
};
