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
} tt_col_type;

/* Column ids. Append only: the Python side refers to columns by name. */
typedef enum tt_col_id {
    TT_COL_FRAME = 0,     /* frame.number */
    TT_COL_TIME_NS,       /* capture time, ns since the epoch */
    TT_COL_TIME_REL_NS,   /* ns since the first frame */
    TT_COL_CAPLEN,
    TT_COL_WIRELEN,
    TT_COL_IP_VERSION,
    TT_COL_SRC,           /* address dictionary code */
    TT_COL_DST,
    TT_COL_SPORT,
    TT_COL_DPORT,
    TT_COL_SEQ_RAW,
    TT_COL_ACK_RAW,
    TT_COL_FLAGS,
    TT_COL_WINDOW_RAW,
    TT_COL_HDR_LEN,
    TT_COL_LEN,
    TT_COL_URGENT_PTR,
    TT_COL_MSS,
    TT_COL_WS,
    TT_COL_TSVAL,
    TT_COL_TSECR,
    TT_COL_SACK_PERM,
    TT_COL_N_SACK,
    TT_COL_ANOMALIES,     /* bitmask of TT_ANOM_* */
    /* The analysis (analysis.h): absent where tshark leaves the field out. */
    TT_COL_STREAM,        /* tcp.stream */
    TT_COL_DIR,           /* 0 client -> server */
    TT_COL_SEQ,           /* tcp.seq (relative) */
    TT_COL_ACK,           /* tcp.ack (relative) */
    TT_COL_NEXT_SEQ,      /* tcp.nxtseq */
    TT_COL_WINDOW,        /* tcp.window_size (scaled) */
    TT_COL_WS_MULTIPLIER, /* tcp.window_size_scalefactor: multiplier, -1 unknown, -2 not used */
    TT_COL_ANALYSIS_FLAGS,/* TT_AF_* bitmask */
    TT_COL_DUP_ACK_NUM,   /* tcp.analysis.duplicate_ack_num */
    TT_COL_DUP_ACK_FRAME, /* tcp.analysis.duplicate_ack_frame */
    TT_COL_ACKS_FRAME,    /* tcp.analysis.acks_frame */
    TT_COL_ACK_RTT_NS,    /* tcp.analysis.ack_rtt */
    TT_COL_INITIAL_RTT_NS,/* tcp.analysis.initial_rtt */
    TT_COL_BYTES_IN_FLIGHT, /* tcp.analysis.bytes_in_flight */
    TT_COL_PUSH_BYTES_SENT, /* tcp.analysis.push_bytes_sent */
    TT_COL_TIME_SINCE_FIRST_NS, /* tcp.time_relative */
    TT_COL_TIME_SINCE_PREV_NS,  /* tcp.time_delta */
    TT_COL_COMPLETENESS,  /* tcp.completeness, as it stood before this segment */
    TT_COL_COUNT
} tt_col_id;

typedef struct tt_col_spec {
    const char *name;
    tt_col_type type;
    int nullable;
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
    tt_addrdict *addrs;            /* borrowed: shared by every chunk of one read */
} tt_columns;

/* Prepare an empty builder for the columns in `want` (caller owns *c). */
void tt_columns_init(tt_columns *c, uint64_t want, tt_addrdict *addrs);
/* Append one row. Returns 0, or -1 when out of memory (the row is not added). */
int tt_columns_append(tt_columns *c, const tt_segment *s);
/* Hand the arrays of a column to the caller (who frees them with free()) and forget
 * them; *valid is NULL for non-nullable columns. */
void tt_columns_detach(tt_columns *c, int id, void **data, uint8_t **valid);
/* Free what is still attached and empty the builder (keeps `want` and `addrs`). */
void tt_columns_clear(tt_columns *c);

#endif
