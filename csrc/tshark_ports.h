/* tshark_ports: the TCP port table of tshark 4.0.17 with default preferences (which
 * dissector a port is given before any heuristic runs), generated into tshark_ports.c
 * by tools/gen_tshark_ports.py. The framer registry (framers.c) reads it: a framer owns
 * the ports of the dissector it stands for, and a port given to another dissector is
 * not sniffed as any framer's. */
#ifndef TT_TSHARK_PORTS_H
#define TT_TSHARK_PORTS_H

#include <stddef.h>
#include <stdint.h>

/* The dissector tshark gives TCP port `port` ("http", "tls", "ssh"...), or NULL. */
const char *tt_tshark_tcp_port(uint16_t port);

/* The ports given to `dissector`, in ascending order: writes up to cap of them to out
 * and returns how many there are. */
size_t tt_tshark_tcp_ports_of(const char *dissector, uint16_t *out, size_t cap);

#endif
