/* flow: the connection table. A canonical bidirectional key (IP version, both
 * addresses, both ports: the same for either direction) maps to the current
 * conversation; stream indexes count conversations in order of first appearance,
 * as Wireshark's tcp.stream does.
 *
 * Open addressing with linear probing over a power-of-two array of pointers, hashed
 * with a per-table seed, grown at half load: millions of connections cost one
 * pointer slot and one tt_conn each. */
#ifndef TT_FLOW_H
#define TT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "packet.h"
#include "stats.h"

/* Side 0 of a key is the lower (address, port) pair, side 1 the higher. */
typedef struct tt_flow_key {
    uint8_t version;      /* 4 or 6 */
    uint8_t addr[2][16];  /* IPv4 in the first 4 bytes, rest zero */
    uint16_t port[2];
} tt_flow_key;

struct tt_streams_conn;

typedef struct tt_conn {
    tt_flow_key key;
    uint32_t stream;      /* tcp.stream */
    uint8_t client_side;  /* key side of the client (dir 0 = client -> server) */
    tt_an_conn an;        /* per-direction analysis state (owns its segment lists) */
    tt_stats_conn *st;    /* owned: per-connection statistics (stats.h), by dir, not key
                           * side; NULL when the engine hands over no records (2.5 KB saved) */
    tt_close_track close; /* whether and how it closed (FINs acked, RST), by dir */
    struct tt_conn *prev, *next; /* not owned: the engine's list of open or closing conns */
    struct tt_conn *lru_prev, *lru_next; /* not owned: the engine's list of live conns,
                                          * least recently active first (max_conns) */
    int64_t close_ns;     /* capture time the connection closed (RST / both FINs acked) */
    uint64_t close_frame; /* frames fed to the engine when it closed */
    struct tt_streams_conn *app; /* borrowed: stream state, owned by the engine's tt_streams
                                    (stream.c), which outlives the table; NULL until used */
    uint32_t addr_codes[2]; /* the columns builder's codes of key.addr[0], key.addr[1] in its
                             * address dictionary (one per read); UINT32_MAX until known */
} tt_conn;

typedef struct tt_flow_counters {
    uint64_t conns;          /* conversations created (== next stream index) */
    uint64_t conns_live;     /* conversations held now */
    uint64_t conns_replaced; /* freed because a SYN with a new ISN reused their ports */
} tt_flow_counters;

typedef struct tt_flow_table tt_flow_table;

/* seed: hash seed (any value; 0 picks a fixed default). NULL when out of memory. */
tt_flow_table *tt_flow_new(uint64_t seed);
void tt_flow_free(tt_flow_table *t);

/* The key of a packet's innermost IP layer and ports, and the key side it was sent
 * from (0 or 1). Returns false when the packet has no IP layer. */
bool tt_flow_key_of(const tt_packet *p, tt_flow_key *key, int *side);

/* The current conversation for key, or NULL. */
tt_conn *tt_flow_lookup(tt_flow_table *t, const tt_flow_key *key);

/* A new conversation for key with the next stream index, replacing (and freeing)
 * any current one: Wireshark's conversation_new, which later lookups find first.
 * client_side is the key side of the client. NULL when out of memory. */
tt_conn *tt_flow_create(tt_flow_table *t, const tt_flow_key *key, int client_side);

/* Remove conversation c from the table and free it (a finished connection whose
 * state is no longer needed); later segments of its key start a new conversation. */
void tt_flow_remove(tt_flow_table *t, tt_conn *c);

const tt_flow_counters *tt_flow_counters_get(const tt_flow_table *t);

#endif
