/* app_http: HTTP/1.x message framing (RFC 9112) over a connection's two reassembled
 * byte streams.
 *
 * Contract
 *  - One tt_http_conn per TCP connection: tt_http_conn_new ... tt_http_conn_feed(conn,
 *    dir, chunk) for every chunk each direction's tt_reasm delivers (DATA, MISSING, GAP,
 *    END), in the order the engine receives them ... tt_http_conn_free.
 *  - Chunks may split the stream anywhere (one byte at a time works). The two
 *    directions pair up because a response's framing depends on its request (RFC 9112
 *    §6.3: a response to HEAD, a 1xx, 204 or 304 has no body; a 2xx to CONNECT or a
 *    101 turns the connection into a tunnel): a request, once its header is read,
 *    queues its method for the responses of the other direction, in order, so
 *    pipelining pairs correctly. Either direction may carry requests or responses:
 *    the start line decides.
 *  - Every message, complete or not, is handed to the sink once, when it ends: at its
 *    last byte, at the end of the stream (body delimited by close), or when a gap or a
 *    cap abandons it. Strings in tt_http_msg borrow the framer's header buffer and are
 *    valid only during the sink call.
 *  - Memory is bounded: the header block is kept up to max_header_bytes (then the
 *    message is abandoned: http.header.too_long); bodies are counted, never stored.
 *  - Lost bytes (a GAP, or MISSING bytes cut by the snaplen) inside a body whose
 *    length is known (Content-Length, chunk data, close-delimited) are counted in
 *    missing_bytes and framing goes on. Lost bytes anywhere else abandon the message
 *    (http.abandoned) and the framer resynchronises on the next line that parses as a
 *    request line or status line. */
#ifndef TT_APP_HTTP_H
#define TT_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_frames.h"
#include "error.h"
#include "reasm.h"

typedef enum tt_http_kind {
    TT_HTTP_REQUEST = 1,
    TT_HTTP_RESPONSE = 2,
} tt_http_kind;

/* How the message body is delimited (RFC 9112 §6.3). */
typedef enum tt_http_body {
    TT_HTTP_BODY_NONE = 0, /* no body: request without length, HEAD/1xx/204/304 response */
    TT_HTTP_BODY_LENGTH,   /* Content-Length */
    TT_HTTP_BODY_CHUNKED,  /* Transfer-Encoding: chunked (RFC 9112 §7.1) */
    TT_HTTP_BODY_CLOSE,    /* response read until the server's FIN (a RST or the end of
                              the capture leaves it abandoned) */
    TT_HTTP_BODY_TUNNEL,   /* 101 or 2xx to CONNECT: the rest is another protocol */
} tt_http_body;

/* tt_http_msg.flags */
enum {
    TT_HTTP_F_ABANDONED = 1u << 0,   /* cut by a gap, a cap, or the stream's end: incomplete */
    TT_HTTP_F_MISSING = 1u << 1,     /* body bytes lost (missing_bytes) but framing kept */
    TT_HTTP_F_TOO_LONG = 1u << 2,    /* header block over max_header_bytes */
    TT_HTTP_F_INVALID = 1u << 3,     /* a framing header that cannot be parsed */
    TT_HTTP_F_RESYNC = 1u << 4,      /* found by resynchronising after lost bytes */
    TT_HTTP_F_UNPAIRED = 1u << 5,    /* response with no request queued: method unknown */
    TT_HTTP_F_TRUNCATED = 1u << 6,   /* some of its bytes were cut by the snaplen (MISSING
                                        chunks), as opposed to never seen (GAP) */
};

typedef struct tt_http_msg {
    tt_http_kind kind;
    int dir;                  /* the direction given to tt_http_conn_feed */
    tt_app_str method;        /* request: the method token */
    tt_app_str uri;           /* request: the request-target as sent */
    tt_app_str reason;        /* response: the reason phrase (may be empty) */
    tt_app_str content_type;  /* Content-Type field value, trimmed; p NULL when absent */
    tt_app_str request_method;/* response: the method of the request it answers */
    const uint8_t *header;    /* borrowed: the header block as captured, header_len bytes */
    size_t header_len;        /* bytes at header (less than header_bytes when too long) */
    int version_major, version_minor;
    int status;               /* response: the status code; 0 for a request */
    uint64_t header_bytes;    /* start line, fields and the empty line */
    uint64_t body_bytes;      /* message body on the wire, chunk framing included */
    uint64_t content_bytes;   /* body without the chunked coding (== body_bytes otherwise) */
    int64_t content_length;   /* the Content-Length value, -1 when absent */
    tt_http_body body_kind;
    uint64_t start_off;       /* stream offset of the first byte of the start line */
    uint64_t end_off;         /* stream offset just past the message's last byte */
    uint64_t missing_bytes;   /* body bytes lost (gap or snaplen) */
    uint32_t flags;           /* TT_HTTP_F_* */
    uint64_t anomalies;       /* TT_ANOM_BIT(TT_ANOM_HTTP_*) */
    const tt_app_frame *frames; /* borrowed: the frames that carried it, with their bytes */
    size_t n_frames;          /* entries at frames */
    uint64_t frames_total;    /* frames that carried it (n_frames unless the list is capped) */
    uint64_t done_frame;      /* the frame that completed it (Wireshark's reassembled_in) */
} tt_http_msg;

typedef void (*tt_http_sink)(void *ctx, const tt_http_msg *msg);

typedef struct tt_http_config {
    size_t max_header_bytes; /* header block kept per message (0: default) */
    size_t max_frames;       /* frames listed per message (0: default) */
    size_t max_pending;      /* request methods queued for responses (0: default) */
} tt_http_config;

#define TT_HTTP_MAX_HEADER_DEFAULT (64u * 1024)
#define TT_HTTP_MAX_PENDING_DEFAULT 256u

typedef struct tt_http_stats {
    uint64_t messages[2];     /* messages handed over, per direction */
    uint64_t abandoned;       /* of those, abandoned */
    uint64_t invalid;         /* start lines or framing headers that did not parse */
    uint64_t skipped_bytes;   /* bytes skipped while resynchronising (not in any message) */
    uint64_t tunnel_bytes;    /* bytes after a 101 / CONNECT: not HTTP */
    uint64_t unpaired;        /* responses without a queued request */
    uint64_t pending_dropped; /* queued request methods dropped because the queue was full */
} tt_http_stats;

typedef struct tt_http_conn tt_http_conn;

/* cfg NULL: defaults. NULL on no memory (err filled). */
tt_http_conn *tt_http_conn_new(const tt_http_config *cfg, tt_http_sink sink, void *sink_ctx,
                               tt_error *err);

/* Feed one chunk of direction dir (0 or 1). */
void tt_http_conn_feed(tt_http_conn *c, int dir, const tt_reasm_chunk *chunk);

const tt_http_stats *tt_http_conn_stats(const tt_http_conn *c);

void tt_http_conn_free(tt_http_conn *c);

/* Whether bytes at the start of a stream look like HTTP/1.x: a method token and a
 * space, or "HTTP/". For the engine to decide which framer to attach. */
bool tt_http_sniff(const uint8_t *p, size_t len);

#endif
