/* addrtext: IP addresses as text, as Wireshark prints them: IPv4 dotted quad, IPv6 in
 * RFC 5952's canonical form. One place for both, used by the fields and the framers. */
#ifndef TT_ADDRTEXT_H
#define TT_ADDRTEXT_H

#include <stddef.h>
#include <stdint.h>

#define TT_ADDR_TEXT_MAX 48 /* enough for either, with the NUL */

/* Write address a (4 bytes for version 4, else 16) to out (TT_ADDR_TEXT_MAX bytes,
 * NUL-terminated); returns the length. */
size_t tt_addr_text(int version, const uint8_t *a, char *out);

#endif
