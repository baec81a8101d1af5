/* info: the TCP-level Info column of a segment, as tshark 4.0 prints it with every
 * protocol above TCP switched off ("[TCP Dup ACK 8#1] 53451 → 80 [ACK] Seq=76 ..."). */
#ifndef TT_INFO_H
#define TT_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Longest Info line: labels, ports, flags, numbers, 40 option bytes' worth of text. */
#define TT_INFO_MAX 1024

/* Write the Info line of s into buf (NUL-terminated, cut to size). Returns its length. */
size_t tt_info_format(const tt_segment *s, char *buf, size_t size);

/* The TCP flags as tshark 4.0 names them in Info and tcp.flags' summary (tcp_flags_to_str):
 * "SYN, ACK"; "<None>" when no flag is set. Returns the length written (cut to size). */
size_t tt_flags_format(uint16_t flags, char *buf, size_t size);

#endif
