/* addrtext: see addrtext.h. */
#include "addrtext.h"

size_t tt_addr_text(int version, const uint8_t *a, char *buf)
{
    size_t n = 0;
    if (version == 4) {
        for (int i = 0; i < 4; i++) {
            if (i)
                buf[n++] = '.';
            unsigned v = a[i];
            if (v >= 100)
                buf[n++] = (char)('0' + v / 100);
            if (v >= 10)
                buf[n++] = (char)('0' + v / 10 % 10);
            buf[n++] = (char)('0' + v % 10);
        }
        buf[n] = 0;
        return n;
    }
    /* RFC 5952 text: lower-case hex, the longest run (>= 2) of zero groups as "::". */
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            buf[n++] = ':';
            buf[n++] = ':';
            i += best_len - 1;
            continue;
        }
        if (i && !(best >= 0 && i == best + best_len))
            buf[n++] = ':';
        uint16_t v = g[i];
        int started = 0;
        for (int s = 12; s >= 0; s -= 4) {
            unsigned d = (v >> s) & 15;
            if (d || started || s == 0) {
                buf[n++] = hex[d];
                started = 1;
            }
        }
    }
    buf[n] = 0;
    return n;
}
