/* libFuzzer harness: classic pcap records parsed in place (pcapfile.c, as pcapmap.c reads them) from the input
 * taken as a mapped file's bytes after its header. Byte 0 picks microseconds or
 * nanoseconds and a record limit; every record's bytes are read, to the last. */
#include <stddef.h>
#include <stdint.h>

#include "../csrc/pcapfile.h"

/* The input read as a little-endian file's records. */
#define LE_LAYOUT(nsec, max) (&(tt_pcap_layout){0, (nsec), 16, TT_PCAP_LENGTHS_NORMAL, (max)})

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int nsec = data[0] & 1;
    uint32_t max_caplen = (data[0] & 2) ? 262144u : 64u;
    size_t off = 1;
    tt_frame f;
    tt_error err;
    uint64_t n = 0;
    for (;;) {
        size_t before = off;
        int rc = tt_pcap_parse(LE_LAYOUT(nsec, max_caplen), data, size, &off, &f, &err);
        if (rc != 1)
            break;
        if (off <= before || off > size || f.caplen > max_caplen)
            __builtin_trap(); /* no progress, or past the end */
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < f.caplen; i++)
            sink ^= f.data[i];
        (void)sink;
        n++;
    }
    return (int)(n & 0);
}
