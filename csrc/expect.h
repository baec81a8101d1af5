/* expect: connections announced before they start. tshark's FTP dissector
 * announces data connections (PASV/EPSV replies, PORT commands; RFC 959, RFC 2428)
 * and its Asphodel dissector the device's TCP port (a UDP reply to an "Asphodel"
 * inquiry). tshark creates the conversation at the announcement, so the
 * connection's first SYN does not find a *new* conversation and its
 * tcp.completeness does not count that SYN. Fixed size: the newest announcements win. */
#ifndef TT_EXPECT_H
#define TT_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

#define TT_EXPECT_SLOTS 64

typedef enum tt_expect_kind {
    TT_EXPECT_TCP = 0,          /* a TCP conversation */
    TT_EXPECT_ASPHODEL_REPLY,   /* a UDP reply to an Asphodel inquiry (addr1:port1 asked) */
} tt_expect_kind;

typedef struct tt_expect {
    bool used;
    bool any_addr2;     /* the other side's address is a wildcard too */
    uint8_t kind;       /* tt_expect_kind */
    uint8_t version;
    uint8_t addr1[16];  /* the side whose port is known */
    uint16_t port1;
    uint8_t addr2[16];  /* the other side, any port */
} tt_expect;

typedef struct tt_expect_table {
    tt_expect slot[TT_EXPECT_SLOTS];
    unsigned next;      /* ring position of the next announcement */
} tt_expect_table;

void tt_expect_init(tt_expect_table *t);

/* Read an FTP control segment (port 21) for a data connection announcement. */
void tt_expect_ftp(tt_expect_table *t, const tt_packet *p);

/* Read a frame without TCP for a UDP announcement (Asphodel inquiry and reply): p is
 * its decoding, whose ip_payload holds the UDP header. */
void tt_expect_udp(tt_expect_table *t, const tt_packet *p);

/* Whether a conversation with this key was announced; the announcement is used up. */
bool tt_expect_take(tt_expect_table *t, const tt_flow_key *key);

#endif
