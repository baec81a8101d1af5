/* libFuzzer harness: the decoder over raw bytes with every link type.
 * The first byte picks the link type; the rest is the frame. The wire length is the
 * captured length or, when the second byte is odd, larger (a snaplen cut). */
#include <stddef.h>
#include <stdint.h>

#include "../csrc/decode.h"

static const int linktypes[] = {
    TT_LINKTYPE_NULL, TT_LINKTYPE_ETHERNET, TT_LINKTYPE_RAW_OLD, TT_LINKTYPE_RAW, 14,
    TT_LINKTYPE_C_HDLC, TT_LINKTYPE_LOOP, TT_LINKTYPE_LINUX_SLL, TT_LINKTYPE_PPP,
    TT_LINKTYPE_PPP_HDLC, TT_LINKTYPE_PPP_ETHER, TT_LINKTYPE_IPV4, TT_LINKTYPE_IPV6,
    TT_LINKTYPE_LINUX_SLL2, 9999,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
    uint32_t wirelen = (uint32_t)(size - 2) + ((data[1] & 1) ? 1000u : 0u);
    tt_packet p;
    tt_fragment frag;
    tt_decode_status st = tt_decode_frame(data + 2, (uint32_t)(size - 2), wirelen, lt, &p, &frag);
    /* Touch what the decoder says is there, so ASan sees any pointer that lies. */
    volatile uint8_t sink = 0;
    if (st == TT_DECODE_TCP && p.payload)
        for (uint32_t i = 0; i < p.payload_caplen; i++)
            sink ^= p.payload[i];
    if (st == TT_DECODE_FRAGMENT)
        for (uint32_t i = 0; i < frag.caplen; i++)
            sink ^= frag.data[i];
    (void)sink;
    return 0;
}
