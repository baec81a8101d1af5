/* pcapmap: classic pcap records read in place give exactly the frames, and the errors,
 * that libpcap's stdio reader gives: record parsing from byte arrays, then every
 * capture of tests/data (and cut copies of one) read both ways. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../../csrc/pcapmap.h"
#include "../../csrc/source.h"
#include "tt_port.h"
#include "tt_test.h"

/* Records written little-endian, read with the layout of a little-endian file. */
static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
#define LE_LAYOUT(nsec, max) (&(tt_pcap_layout){0, (nsec), 16, TT_PCAP_LENGTHS_NORMAL, (max)})

static void test_pcapmap_parses_a_record_and_stops_at_the_end(void)
{
    uint8_t buf[16 + 3];
    put_u32(buf, 1700000000u);
    put_u32(buf + 4, 123456);
    put_u32(buf + 8, 3);
    put_u32(buf + 12, 60);
    memcpy(buf + 16, "abc", 3);
    size_t off = 0;
    tt_frame f;
    tt_error err;
    tt_error_clear(&err);
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, sizeof buf, &off, &f, &err), 1);
    CHECK_EQ(f.caplen, 3);
    CHECK_EQ(f.wirelen, 60);
    CHECK(f.data == buf + 16);
    CHECK_EQ(f.ts_sec, 1700000000);
    CHECK_EQ(f.ts_nsec, 123456000);
    CHECK_EQ(f.ts_ns, 1700000000123456000LL);
    CHECK_EQ(off, sizeof buf);
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, sizeof buf, &off, &f, &err), 0);
}

/* Wireshark reads a microsecond field of 10^6 or more as (uint32)(usec * 1000):
 * it wraps instead of carrying into the seconds. */
static void test_pcapmap_usec_out_of_range_wraps_like_wireshark(void)
{
    uint8_t buf[16];
    put_u32(buf, 5);
    put_u32(buf + 4, 4294968u); /* * 1000 wraps past 2^32 */
    put_u32(buf + 8, 0);
    put_u32(buf + 12, 0);
    size_t off = 0;
    tt_frame f;
    tt_error err;
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, sizeof buf, &off, &f, &err), 1);
    CHECK_EQ(f.ts_nsec, (int32_t)(uint32_t)(4294968u * 1000u));
    put_u32(buf + 4, 999999999u);
    off = 0;
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(1, 262144), buf, sizeof buf, &off, &f, &err), 1);
    CHECK_EQ(f.ts_nsec, 999999999);
}

static void test_pcapmap_faults_are_worded_as_libpcap_words_them(void)
{
    uint8_t buf[16 + 8];
    memset(buf, 0, sizeof buf);
    put_u32(buf + 8, 10); /* 10 bytes announced, 8 there */
    size_t off = 0;
    tt_frame f;
    tt_error err;
    tt_error_clear(&err);
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, 5, &off, &f, &err), -1);
    CHECK_EQ(err.code, TT_ERR_TRUNCATED);
    CHECK(strstr(err.msg, "tried to read 16 header bytes, only got 5") != NULL);
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, sizeof buf, &off, &f, &err), -1);
    CHECK_EQ(err.code, TT_ERR_TRUNCATED);
    CHECK(strstr(err.msg, "tried to read 10 captured bytes, only got 8") != NULL);
    put_u32(buf + 8, 262145);
    CHECK_EQ(tt_pcap_parse(LE_LAYOUT(0, 262144), buf, sizeof buf, &off, &f, &err), -1);
    CHECK_EQ(err.code, TT_ERR_FORMAT);
    CHECK(strstr(err.msg, "invalid packet capture length 262145, bigger than snaplen of 262144"));
    CHECK_EQ(off, 0);
}

/* Read a file both ways; every frame and the final result must agree. */
static void compare_readers(const char *path, const char *filter)
{
    tt_error e1, e2;
    tt_error_clear(&e1);
    tt_error_clear(&e2);
    tt_source *a = tt_source_open_path(path, filter, 0, &e1);
    tt_source *b = tt_source_open_path(path, filter, TT_SOURCE_NO_MAP, &e2);
    CHECK_EQ(a == NULL, b == NULL);
    if (!a || !b) {
        CHECK_EQ(e1.code, e2.code);
        tt_source_free(a);
        tt_source_free(b);
        return;
    }
    for (;;) {
        tt_frame fa, fb;
        int ra = tt_source_next(a, &fa, &e1);
        int rb = tt_source_next(b, &fb, &e2);
        if (ra != rb)
            fprintf(stderr, "%s: mapped %d (%s), stdio %d (%s)\n", path, ra, e1.msg, rb, e2.msg);
        CHECK_EQ(ra, rb);
        if (ra != 1 || rb != 1) {
            if (ra < 0 && rb < 0) {
                CHECK_EQ(e1.code, e2.code);
                if (strcmp(e1.msg, e2.msg) != 0)
                    fprintf(stderr, "%s:\n  mapped: %s\n  stdio:  %s\n", path, e1.msg, e2.msg);
                CHECK(strcmp(e1.msg, e2.msg) == 0);
            }
            break;
        }
        CHECK_EQ(fa.number, fb.number);
        CHECK_EQ(fa.caplen, fb.caplen);
        CHECK_EQ(fa.wirelen, fb.wirelen);
        CHECK_EQ(fa.ts_ns, fb.ts_ns);
        CHECK_EQ(fa.ts_sec, fb.ts_sec);
        CHECK_EQ(fa.ts_nsec, fb.ts_nsec);
        CHECK_EQ(fa.linktype, fb.linktype);
        CHECK(fa.caplen == fb.caplen && memcmp(fa.data, fb.data, fa.caplen) == 0);
    }
    uint64_t done, total;
    tt_source_progress(a, &done, &total);
    CHECK(done <= total);
    tt_source_free(a);
    tt_source_free(b);
}

static int is_pcap(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".pcap") == 0;
}

static void compare_dir(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_pcap(de->d_name))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        compare_readers(path, NULL);
        if (tt_have_libpcap("pcapmap: the filtered half"))
            compare_readers(path, "tcp port 80");
        (*files)++;
    }
    closedir(d);
}

static void test_pcapmap_reads_every_test_capture_as_libpcap_does(void)
{
    int files = 0;
    compare_dir("tests/data", &files);
    compare_dir("tests/data/malformed", &files);
    CHECK(files >= 20);
}

/* A file cut at every length around its first records: the same whole records, then
 * the same truncation error, from both readers. */
static void test_pcapmap_cut_files_fail_as_libpcap_does(void)
{
    FILE *in = fopen("tests/data/http_get_clean.pcap", "rb");
    CHECK(in != NULL);
    if (!in)
        return;
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    char *path = tt_tmp_create("pcapmap");
    CHECK(path != NULL);
    if (!path)
        return;
    for (size_t cut = 24; cut <= n && cut < 400; cut += 7) {
        FILE *out = fopen(path, "wb");
        fwrite(buf, 1, cut, out);
        fclose(out);
        compare_readers(path, NULL);
    }
    tt_tmp_remove(path);
    free(path);
}

TT_TESTS(tt_pcapmap_tests) = {
    {"pcapmap_parses_a_record_and_stops_at_the_end", test_pcapmap_parses_a_record_and_stops_at_the_end},
    {"pcapmap_usec_out_of_range_wraps_like_wireshark", test_pcapmap_usec_out_of_range_wraps_like_wireshark},
    {"pcapmap_faults_are_worded_as_libpcap_words_them", test_pcapmap_faults_are_worded_as_libpcap_words_them},
    {"pcapmap_reads_every_test_capture_as_libpcap_does", test_pcapmap_reads_every_test_capture_as_libpcap_does},
    {"pcapmap_cut_files_fail_as_libpcap_does", test_pcapmap_cut_files_fail_as_libpcap_does},
    {NULL, NULL},
};
