/* zeek_conn: Zeek's conn.log TCP rows from the decoded packets of a capture.
 *
 *   tt_zeek_new(cfg) -> tt_zeek_feed(frame) ... -> tt_zeek_finish() -> tt_zeek_next_row()
 *
 * Zeek's connection model, not Wireshark's tcp.stream: connections are split by Zeek's
 * timers (attempt, close, inactivity) and by a SYN that reuses a closed connection's
 * ports; orientation by likely server ports and the SYN-ACK flip; sizes in sequence
 * space; packets with a bad IP or TCP checksum dropped unless ignore_checksums (zeek -C).
 * The rules are Zeek's (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc,
 * src/analyzer/protocol/tcp/TCP_Endpoint.cc and TCP_Reassembler.cc, src/session/,
 * scripts/base/protocols/conn/main.zeek); docs/zeek.md lists them. Only TCP rows. */
#ifndef TT_ZEEK_CONN_H
#define TT_ZEEK_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "source.h"

#define TT_ZEEK_HISTORY_MAX 96 /* history letters kept; more are counted, not kept */

typedef struct tt_zeek_config {
    bool ignore_checksums; /* zeek -C */
    /* TCP ports of likely_server_ports (orientation of connections seen without a SYN).
     * NULL: the ports default Zeek's base scripts register (tt_zeek_default_ports). */
    const uint16_t *server_ports;
    size_t n_server_ports;
    /* Zeek schedules the partial-close timer (tcp_partial_close_delay) only when a script
     * handles connection_partial_close; the base scripts do not. */
    bool partial_close_timer;
    bool reset_timer;          /* likewise for connection_reset (tcp_reset_delay) */
} tt_zeek_config;

typedef struct tt_zeek_row {
    double ts;                /* start time, as Zeek's double */
    double duration;          /* valid when have_duration (Zeek logs it only when > 0) */
    bool have_duration;       /* also says orig_bytes/resp_bytes are logged */
    uint8_t ip_version;       /* 4 or 6 */
    uint8_t orig_h[16], resp_h[16];
    uint16_t orig_p, resp_p;
    uint64_t orig_bytes, resp_bytes; /* sequence space, gaps included (TCP_Endpoint::Size) */
    const char *conn_state;   /* static text: "SF", "S0", ... */
    uint64_t missed_bytes;
    char history[TT_ZEEK_HISTORY_MAX + 1]; /* NUL-terminated; "" is logged as "-" */
    uint64_t orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes;
    char uid[20];             /* "C" + base62, stable: from the 5-tuple and start time */
} tt_zeek_row;

typedef struct tt_zeek_counters {
    uint64_t frames;          /* frames fed */
    uint64_t tcp_packets;     /* frames with a TCP header Zeek could key */
    uint64_t tunneled;        /* of which inside a tunnel (Zeek logs the tunnel's own
                               * UDP or IP connection too, not a TCP row) */
    uint64_t dropped_ip;      /* dropped by Zeek's IP checks (bad checksum, zero or
                               * impossible total length) */
    uint64_t dropped_tcp_hdr; /* TCP header too short or cut: keyed, then skipped */
    uint64_t bad_checksum;    /* TCP checksum errors (the C/c letters), skipped */
    uint64_t conns;           /* connections made */
    uint64_t history_cut;     /* rows whose history was longer than TT_ZEEK_HISTORY_MAX */
} tt_zeek_counters;

typedef struct tt_zeek tt_zeek;

tt_zeek *tt_zeek_new(const tt_zeek_config *cfg, tt_error *err);

/* Feed one frame (its time moves Zeek's clock and fires its timers). 0, or -1 when
 * memory ran out (err filled). */
int tt_zeek_feed(tt_zeek *z, const tt_frame *frame, tt_error *err);

/* End of input: every connection still open is logged. */
void tt_zeek_finish(tt_zeek *z);

/* The next logged row, in Zeek's order of removal: 1 with *out set, 0 when none waits. */
int tt_zeek_next_row(tt_zeek *z, tt_zeek_row *out);

const tt_zeek_counters *tt_zeek_get_counters(const tt_zeek *z);

/* Zeek's default TCP likely_server_ports (base/protocols/...: register_for_ports). */
const uint16_t *tt_zeek_default_ports(size_t *n);

void tt_zeek_free(tt_zeek *z);

#endif
