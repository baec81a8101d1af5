/* columns: typed, growable arrays filled from segments as the engine runs, handed over
 * whole (detach) so Python can wrap them zero-copy with numpy.frombuffer.
 *
 * Only the columns asked for are built. A nullable column has a parallel validity
 * array (1 byte per row, 1 = present). Addresses are interned in an address
 * dictionary; the src/dst columns hold dictionary codes (pandas categoricals). */
#ifndef TT_COLUMNS_H
#define TT_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef enum tt_col_type {
    TT_COL_U8, TT_COL_U16, TT_COL_U32, TT_COL_U64, TT_COL_I64, TT_COL_F64, TT_COL_BOOL, TT_COL_I32,
    TT_COL_BYTES, /* variable length: the array holds each row's end offset (uint64) into
                   * the column's byte blob (tt_columns_detach_blob) */
} tt_col_type;

/* Every column of segments(): one row each, the only place a column is listed. The id
 * enum, the specs (csrc/columns.c) and, through _core._column_specs(), the Python side's
 * column lists are generated from it; columns.c holds how each one is filled.
 *
 *   X(ENUM, name, type, nullable, needs analysis)
 *
 * Append only: the Python side refers to columns by name, files by id. nullable: a
 * validity array rides along (absent where tshark leaves the field out). needs analysis:
 * reading it runs the TCP analysis (analysis.h); a read without any such column skips it. */
#define TT_COLUMNS(X)                                                                                                   \
    X(FRAME, "frame", U64, 0, 0) /* frame.number */                                                                     \
    X(TIME_NS, "time_ns", I64, 0, 0) /* capture time, ns since the epoch */                                             \
    X(TIME_REL_NS, "time_rel_ns", I64, 0, 0) /* ns since the first frame */                                             \
    X(CAPLEN, "caplen", U32, 0, 0)                                                                                      \
    X(WIRELEN, "wirelen", U32, 0, 0)                                                                                    \
    X(IP_VERSION, "ip_version", U8, 0, 0)                                                                               \
    X(SRC, "src", U32, 0, 0) /* address dictionary code */                                                              \
    X(DST, "dst", U32, 0, 0)                                                                                            \
    X(SPORT, "sport", U16, 1, 0)                                                                                        \
    X(DPORT, "dport", U16, 1, 0)                                                                                        \
    X(SEQ_RAW, "seq_raw", U32, 1, 0)                                                                                    \
    X(ACK_RAW, "ack_raw", U32, 1, 0)                                                                                    \
    X(FLAGS, "flags", U16, 1, 0)                                                                                        \
    X(WINDOW_RAW, "window_raw", U16, 1, 0)                                                                              \
    X(HDR_LEN, "hdr_len", U8, 1, 0)                                                                                     \
    X(LEN, "len", U32, 1, 0)                                                                                            \
    X(URGENT_PTR, "urgent_ptr", U16, 1, 0)                                                                              \
    X(MSS, "mss", U16, 1, 0)                                                                                            \
    X(WS, "ws", U8, 1, 0)                                                                                               \
    X(TSVAL, "tsval", U32, 1, 0)                                                                                        \
    X(TSECR, "tsecr", U32, 1, 0)                                                                                        \
    X(SACK_PERM, "sack_perm", BOOL, 0, 0)                                                                               \
    X(N_SACK, "n_sack", U8, 0, 0)                                                                                       \
    X(ANOMALIES, "anomalies", U64, 0, 0) /* bitmask of TT_ANOM_* */                                                     \
    X(STREAM, "stream", U32, 1, 1) /* tcp.stream */                                                                     \
    X(DIR, "dir", U8, 1, 1) /* 0 client -> server */                                                                    \
    X(SEQ, "seq", U32, 1, 1) /* tcp.seq (relative) */                                                                   \
    X(ACK, "ack", U32, 1, 1) /* tcp.ack (relative) */                                                                   \
    X(NEXT_SEQ, "next_seq", U32, 1, 1) /* tcp.nxtseq */                                                                 \
    X(WINDOW, "window", U32, 1, 1) /* tcp.window_size (scaled) */                                                       \
    X(WS_MULTIPLIER, "ws_multiplier", I32, 1, 1) /* tcp.window_size_scalefactor: multiplier, -1 unknown, -2 not used */ \
    X(ANALYSIS_FLAGS, "analysis_flags", U32, 0, 1) /* TT_AF_* bitmask */                                                \
    X(DUP_ACK_NUM, "dup_ack_num", U32, 1, 1) /* tcp.analysis.duplicate_ack_num */                                       \
    X(DUP_ACK_FRAME, "dup_ack_frame", U64, 1, 1) /* tcp.analysis.duplicate_ack_frame */                                 \
    X(ACKS_FRAME, "acks_frame", U64, 1, 1) /* tcp.analysis.acks_frame */                                                \
    X(ACK_RTT_NS, "ack_rtt_ns", I64, 1, 1) /* tcp.analysis.ack_rtt */                                                   \
    X(INITIAL_RTT_NS, "initial_rtt_ns", I64, 1, 1) /* tcp.analysis.initial_rtt */                                       \
    X(BYTES_IN_FLIGHT, "bytes_in_flight", U32, 1, 1) /* tcp.analysis.bytes_in_flight */                                 \
    X(PUSH_BYTES_SENT, "push_bytes_sent", U32, 1, 1) /* tcp.analysis.push_bytes_sent */                                 \
    X(TIME_SINCE_FIRST_NS, "time_since_first_ns", I64, 1, 1) /* tcp.time_relative */                                    \
    X(TIME_SINCE_PREV_NS, "time_since_prev_ns", I64, 1, 1) /* tcp.time_delta */                                         \
    X(COMPLETENESS, "completeness", U8, 1, 1) /* tcp.completeness, as it stood before this segment */ \
    X(TIME_DELTA_NS, "time_delta_ns", I64, 0, 0) /* frame.time_delta: since the frame before */         \
    X(ETH_SRC, "eth_src", U64, 1, 0) /* eth.src of the outermost Ethernet header, 48 bits */            \
    X(ETH_DST, "eth_dst", U64, 1, 0) /* eth.dst */                                                      \
    X(VLAN_ID, "vlan_id", U16, 1, 0) /* vlan.id of the outermost 802.1Q tag */                          \
    X(TTL, "ttl", U8, 0, 0) /* ip.ttl / ipv6.hlim (the IP layer carrying TCP, as below) */              \
    X(IP_ID, "ip_id", U16, 1, 0) /* ip.id (IPv4) */                                                     \
    X(IP_DF, "ip_df", BOOL, 0, 0) /* ip.flags.df */                                                     \
    X(DSCP, "dscp", U8, 0, 0) /* ip.dsfield.dscp / the traffic class's */                               \
    X(ECN, "ecn", U8, 0, 0) /* ip.dsfield.ecn */                                                        \
    X(IP_CHECKSUM, "ip_checksum", U16, 1, 0) /* ip.checksum (IPv4) */                                   \
    X(IP_HDR_LEN, "ip_hdr_len", U16, 0, 0) /* ip.hdr_len (IPv6: 40 + extension headers) */              \
    X(IP_LEN, "ip_len", U32, 1, 0) /* ip.len (IPv4) */                                                  \
    X(IP_PROTO, "ip_proto", U8, 0, 0) /* ip.proto (IPv6: after extension headers) */                    \
    X(IPV6_FLOW, "ipv6_flow", U32, 1, 0) /* ipv6.flow */                                                \
    X(IPV6_NXT, "ipv6_nxt", U8, 1, 0) /* ipv6.nxt */                                                    \
    X(CHECKSUM, "checksum", U16, 1, 0) /* tcp.checksum */ \
    X(PAYLOAD, "payload", BYTES, 1, 0) /* tcp.payload: the captured payload bytes */                    \
    X(OPTIONS, "options", BYTES, 1, 0) /* tcp.options: the option bytes as captured */ \
    X(INFO, "info", BYTES, 1, 1) /* _ws.col.Info of the TCP layer, UTF-8 (info.h) */     \
    X(FLAGS_STR, "flags_str", BYTES, 1, 0) /* the flags as Info names them: "SYN, ACK" */ \
    X(OPTION_NAMES, "option_names", BYTES, 1, 0) /* tcp.option_kind's names (optnames.h) */

typedef enum tt_col_id {
#define TT_COL_ENUM_ROW(e, name, type, nullable, analysis) TT_COL_##e,
    TT_COLUMNS(TT_COL_ENUM_ROW)
#undef TT_COL_ENUM_ROW
    TT_COL_COUNT
} tt_col_id;

typedef struct tt_col_spec {
    const char *name;
    tt_col_type type;
    int nullable;
    int needs_analysis;
} tt_col_spec;

/* The spec of a column id, or NULL. */
const tt_col_spec *tt_col_spec_of(int id);
size_t tt_col_type_size(tt_col_type t);

/* Interned addresses: (version, 16 bytes) -> code, in order of first appearance. */
typedef struct tt_addrdict tt_addrdict;
tt_addrdict *tt_addrdict_new(void);
/* Code of an address, adding it when new; UINT32_MAX when out of memory. */
uint32_t tt_addrdict_intern(tt_addrdict *d, int version, const uint8_t *addr);
size_t tt_addrdict_size(const tt_addrdict *d);
/* The address of a code: version and a pointer to 16 bytes (valid until the next intern). */
int tt_addrdict_get(const tt_addrdict *d, uint32_t code, const uint8_t **addr);
void tt_addrdict_free(tt_addrdict *d);

typedef struct tt_columns {
    uint64_t want;                 /* bit i: column i is built */
    size_t rows;                   /* rows filled */
    size_t cap;                    /* rows allocated */
    void *data[TT_COL_COUNT];      /* owned: column arrays, NULL when not built */
    uint8_t *valid[TT_COL_COUNT];  /* owned: validity of nullable columns, NULL otherwise */
    uint8_t *blob[TT_COL_COUNT];   /* owned: the bytes of a BYTES column, NULL otherwise */
    size_t blob_len[TT_COL_COUNT], blob_cap[TT_COL_COUNT];
    tt_addrdict *addrs;            /* borrowed: shared by every chunk of one read */
} tt_columns;

/* Prepare an empty builder for the columns in `want` (caller owns *c). */
void tt_columns_init(tt_columns *c, uint64_t want, tt_addrdict *addrs);
/* Append one row. Returns 0, or -1 when out of memory (the row is not added). */
int tt_columns_append(tt_columns *c, const tt_segment *s);
/* Hand the arrays of a column to the caller (who frees them with free()) and forget
 * them; *valid is NULL for non-nullable columns. */
void tt_columns_detach(tt_columns *c, int id, void **data, uint8_t **valid);
/* Hand a BYTES column's blob to the caller (free() it) and forget it: row i's bytes are
 * blob[end[i-1] .. end[i]) of the offsets tt_columns_detach gives (end[-1] = 0). */
void tt_columns_detach_blob(tt_columns *c, int id, uint8_t **blob, size_t *len);
/* Free what is still attached and empty the builder (keeps `want` and `addrs`). */
void tt_columns_clear(tt_columns *c);

#endif
