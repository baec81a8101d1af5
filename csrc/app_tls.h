/* app_tls: the TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2) and handshake message
 * framing (RFC 8446 §4) over a connection's two reassembled byte streams, with the
 * server name (RFC 6066 §3) and ALPN protocols (RFC 7301 §3.1) of the ClientHello.
 *
 * Contract
 *  - One tt_tls_conn per TCP connection: tt_tls_conn_new ... tt_tls_conn_feed(conn,
 *    dir, chunk) for every chunk each direction's tt_reasm delivers ... tt_tls_conn_free.
 *    Chunks may split the stream anywhere: a record may span segments, a segment may
 *    hold several records, a handshake message may span records and a record may hold
 *    several handshake messages.
 *  - The sink's record callback gets every record when its last byte arrives; the
 *    handshake callback gets every handshake message when its last byte arrives (so a
 *    message completed by a record is reported before that record). Strings borrow the
 *    framer's buffer and are valid only during the callback.
 *  - Every length is checked before it is used: a record header that cannot be TLS
 *    (type outside 20..24, major version not 3, length over 2^14 + 2048) is reported as
 *    an invalid record and framing of that direction stops (tls.record.invalid); a
 *    handshake length that overruns its container is tls.handshake.invalid. Nothing is
 *    ever read past the bytes at hand.
 *  - Memory is bounded: only ClientHello and ServerHello bodies are kept (up to
 *    max_hello_bytes) to read their extensions; other contents are counted.
 *  - Lost bytes (GAP, or MISSING cut by the snaplen) inside a record body are counted
 *    (missing_bytes) and framing goes on; lost record header bytes stop the direction's
 *    framing (TLS has no reliable resynchronisation point). After a ChangeCipherSpec,
 *    that direction's handshake records are encrypted (TLS 1.2 Finished) and their
 *    contents are not parsed. */
#ifndef TT_APP_TLS_H
#define TT_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_frames.h"
#include "error.h"
#include "reasm.h"

/* ContentType (RFC 8446 §5.1; heartbeat: RFC 6520) */
enum {
    TT_TLS_CHANGE_CIPHER_SPEC = 20,
    TT_TLS_ALERT = 21,
    TT_TLS_HANDSHAKE = 22,
    TT_TLS_APPLICATION_DATA = 23,
    TT_TLS_HEARTBEAT = 24,
};

/* HandshakeType values used here (RFC 8446 §4) */
enum {
    TT_TLS_HS_CLIENT_HELLO = 1,
    TT_TLS_HS_SERVER_HELLO = 2,
};

/* flags of records and handshake messages */
enum {
    TT_TLS_F_INVALID = 1u << 0,    /* the header cannot be TLS: framing stopped */
    TT_TLS_F_MISSING = 1u << 1,    /* some bytes lost (gap or snaplen) */
    TT_TLS_F_ENCRYPTED = 1u << 2,  /* handshake record after ChangeCipherSpec: not parsed */
    TT_TLS_F_ABANDONED = 1u << 3,  /* cut by the end of the stream or lost bytes */
    TT_TLS_F_BAD_LENGTH = 1u << 4, /* a length inside a hello overruns its container */
    TT_TLS_F_TOO_LONG = 1u << 5,   /* hello longer than max_hello_bytes: extensions not read */
    TT_TLS_F_TRUNCATED = 1u << 6,  /* some bytes cut by the snaplen (MISSING), not a GAP */
};

#define TT_TLS_MAX_HS_TYPES 16 /* handshake types listed per record */
#define TT_TLS_MAX_ALPN 16     /* ALPN protocols listed per hello */

typedef struct tt_tls_record {
    int dir;
    uint8_t type;          /* ContentType */
    uint16_t version;      /* legacy_record_version, e.g. 0x0301, 0x0303 */
    uint16_t length;       /* bytes of the fragment after the 5-byte header */
    uint64_t start_off;    /* stream offset of the header's first byte */
    uint64_t end_off;      /* stream offset just past the record */
    uint8_t hs_types[TT_TLS_MAX_HS_TYPES]; /* handshake messages that begin in it */
    size_t n_hs;           /* entries in hs_types */
    size_t n_hs_total;     /* messages that begin in it (more than n_hs if many) */
    uint64_t missing_bytes;
    uint32_t flags;        /* TT_TLS_F_* */
    uint64_t anomalies;    /* TT_ANOM_BIT(TT_ANOM_TLS_*) */
    const tt_app_frame *frames; /* borrowed: the frames that carried it, with their bytes */
    size_t n_frames;
    uint64_t frames_total;
    uint64_t done_frame;   /* the frame that completed it; 0 when invalid or abandoned */
} tt_tls_record;

typedef struct tt_tls_handshake {
    int dir;
    uint8_t type;          /* HandshakeType */
    uint32_t length;       /* body bytes after the 4-byte header */
    uint64_t start_off;    /* stream offset of its header (record headers between its
                              parts lie inside [start_off, end_off) too) */
    uint64_t end_off;
    uint16_t hello_version;  /* Client/ServerHello legacy_version */
    uint16_t cipher_suite;   /* ServerHello: the chosen suite */
    uint16_t max_version;    /* ClientHello: highest supported_versions entry (RFC 8446
                                §4.2.1); ServerHello: the selected version; 0 if absent */
    tt_app_str sni;          /* ClientHello: the first host_name of server_name */
    tt_app_str alpn[TT_TLS_MAX_ALPN]; /* ClientHello: protocols offered; ServerHello: chosen */
    size_t n_alpn;
    size_t n_alpn_total;
    uint64_t missing_bytes;
    uint32_t flags;
    uint64_t anomalies;
    const tt_app_frame *frames; /* borrowed: frames carrying its bytes (record headers excluded) */
    size_t n_frames;
    uint64_t frames_total;
    uint64_t done_frame;
} tt_tls_handshake;

typedef struct tt_tls_sink {
    void (*record)(void *ctx, const tt_tls_record *rec);      /* may be NULL */
    void (*handshake)(void *ctx, const tt_tls_handshake *hs); /* may be NULL */
    void *ctx;                                                /* borrowed */
} tt_tls_sink;

typedef struct tt_tls_config {
    size_t max_hello_bytes; /* Client/ServerHello body kept to read extensions (0: default) */
    size_t max_frames;      /* frames listed per record or message (0: default) */
} tt_tls_config;

#define TT_TLS_MAX_HELLO_DEFAULT (64u * 1024)

/* RFC 5246 §6.2.3: TLSCiphertext.length never exceeds 2^14 + 2048. */
#define TT_TLS_MAX_RECORD_LEN (16384u + 2048u)

typedef struct tt_tls_stats {
    uint64_t records[2];      /* records per direction (invalid ones included) */
    uint64_t handshakes[2];   /* handshake messages per direction */
    uint64_t invalid;         /* invalid record headers */
    uint64_t bad_lengths;     /* hello lengths that lied */
    uint64_t unparsed_bytes;  /* bytes after framing stopped */
    uint64_t missing_bytes;   /* record bytes lost */
} tt_tls_stats;

typedef struct tt_tls_conn tt_tls_conn;

tt_tls_conn *tt_tls_conn_new(const tt_tls_config *cfg, const tt_tls_sink *sink, tt_error *err);

void tt_tls_conn_feed(tt_tls_conn *c, int dir, const tt_reasm_chunk *chunk);

const tt_tls_stats *tt_tls_conn_stats(const tt_tls_conn *c);

void tt_tls_conn_free(tt_tls_conn *c);

/* Whether bytes at the start of a stream look like a TLS record header: a known
 * content type, major version 3, a possible length. */
bool tt_tls_sniff(const uint8_t *p, size_t len);

/* Read a ClientHello or ServerHello body (without its 4-byte header) into hs: version,
 * SNI, ALPN, supported versions, cipher suite. Strings borrow body. Bounds-checked:
 * returns false (and sets TT_TLS_F_BAD_LENGTH) when a length overruns, keeping what
 * was read before. Exposed for tests and for callers holding a hello already. */
bool tt_tls_parse_hello(uint8_t type, const uint8_t *body, size_t len, tt_tls_handshake *hs);

#endif
