/* framer: the one interface every application framer (HTTP, TLS, DNS, ...) offers the
 * stream layer, and the message it reports.
 *
 * A framer is a table of operations (tt_framer) listed once in the registry
 * (framers.c). The stream layer (stream.c) knows nothing of any protocol: it picks a
 * framer per connection by port and first bytes (tt_framer_choose), feeds it the
 * delivered chunks of both directions, and closes it once. A framer reports each
 * message as a tt_app_msg: a common header (where it lies in the stream, which frames
 * carried it, how Wireshark's listing shows it) and the framer's own details as
 * values named by the framer's field table, so the binding, the DataFrame and the CLI
 * handle a new framer's messages with no change.
 *
 * Adding a framer: one file defining its `const tt_framer` and one line in
 * framers.c. */
#ifndef TT_FRAMER_H
#define TT_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_frames.h"
#include "error.h"
#include "reasm.h"

/* The type of a detail value. */
typedef enum tt_app_vtype {
    TT_APP_INT = 1,  /* an integer (i) */
    TT_APP_STR,      /* text (s: UTF-8 as sent; shown with backslash escapes if not) */
    TT_APP_U8LIST,   /* a list of small integers (s: one byte each) */
} tt_app_vtype;

/* One detail a framer's messages carry: its column name and type. */
typedef struct tt_app_field {
    const char *name; /* static: the attribute and DataFrame column name */
    tt_app_vtype type;
} tt_app_field;

/* A detail's value; unset details are None in Python. */
typedef struct tt_app_value {
    bool set;
    int64_t i;
    tt_app_str s; /* borrowed: valid during the emit call */
} tt_app_value;

#define TT_APP_MAX_FIELDS 16 /* details per framer at most */

/* One application message, as a framer reports it. Everything borrowed is valid only
 * during the emit call; the stream layer copies what it keeps. */
typedef struct tt_app_msg {
    const char *kind;        /* static: "http_request", "tls_record", "dns", ... */
    int dir;                 /* the direction it was fed (0 c2s, 1 s2c) */
    uint64_t done_frame;     /* the frame that completed it (0: never completed) */
    uint64_t start_off, end_off; /* stream offsets of its first byte and just past it */
    uint64_t length;         /* its bytes, headers included */
    uint64_t missing_bytes;  /* bytes lost (gap or snaplen) */
    uint32_t flags;          /* the framer's own flag bits (a detail, documented there) */
    uint64_t anomalies;      /* TT_ANOM_BIT(...) it showed */
    bool lost;               /* bytes of it were lost (gap or snaplen) */
    bool truncated;          /* ... and only by the snaplen (tshark still shows it) */
    bool pdu;                /* a PDU of the TCP stream: the listing shows it at
                                done_frame, the frames before are "[TCP segment of a
                                reassembled PDU]", tcp.reassembled_in points at it */
    tt_app_str protocol;     /* the listing's Protocol column ("HTTP", "TLSv1.2") */
    tt_app_str info;         /* the listing's Info text ("GET / HTTP/1.1") */
    tt_app_str stream_protocol; /* when set: the Protocol of every PDU of this
                                   connection (TLS: the version the ServerHello chose) */
    tt_app_str note;         /* extra text for `tcptrace messages` ("SNI=example.com") */
    tt_app_str lead;         /* when set: the Info of its first frame, if a later frame
                                completes it, before " [TCP segment of a reassembled
                                PDU]" (HTTP: the start line; TLS: empty) */
    const tt_app_frame *frames; /* borrowed: the frames that carried it, with their bytes */
    size_t n_frames;
    uint64_t frames_total;   /* frames that carried it (more than n_frames when capped) */
    tt_app_value v[TT_APP_MAX_FIELDS]; /* details, in the order of the framer's fields */
} tt_app_msg;

/* Where a framer sends what it finds. Owned by the stream layer. */
typedef struct tt_app_emit {
    /* A message, queued at once; with hold, kept until settle releases it. */
    void (*msg)(void *ctx, const tt_app_msg *m, bool hold);
    /* Release the held messages of dir that end at or before end_off; done_frame,
     * when not 0, replaces their done_frame (TLS: a handshake message is shown with
     * the frame that completes the record holding its last byte). */
    void (*settle)(void *ctx, int dir, uint64_t end_off, uint64_t done_frame);
    void *ctx;
} tt_app_emit;

typedef struct tt_framer {
    const char *name;              /* "http": messages() kind prefix, the stats name */
    const char *dissector;         /* the tshark dissector it stands for: its ports are
                                      the ones tshark gives that one (tshark_ports.h) */
    /* Whether the first bytes of a direction look like this protocol; NULL: the
     * port alone decides. */
    bool (*sniff)(const uint8_t *p, size_t len);
    /* Several of its PDUs ending in one frame: true when the listing shows their Info
     * lines joined by ", " (the dissector appends: TLS, HTTP), false when the last
     * one's alone (the dissector sets the column: DNS). */
    bool info_joins;
    const tt_app_field *fields;    /* the details of its messages */
    size_t n_fields;
    /* A framer for one connection; NULL with err set on no memory. */
    void *(*open)(const tt_app_emit *emit, tt_error *err);
    /* Every chunk a direction's reassembly delivers (DATA, MISSING, GAP, END). */
    void (*feed)(void *state, int dir, const tt_reasm_chunk *chunk);
    /* The connection ended: report what is pending, then free the state. */
    void (*close)(void *state);
} tt_framer;

/* The registry, in priority order (framers.c); NULL-terminated. */
extern const tt_framer *const tt_framers[];

size_t tt_framer_count(void);
const tt_framer *tt_framer_find(const char *name);

/* The framer for a connection whose client port is port[0] and server port port[1]
 * and whose first delivered bytes are p[0..len), as tshark picks a dissector
 * (packet-tcp.c, decode_tcp_ports): the port table first, the server's port, then the
 * lower, then the higher; the first port tshark gives to a dissector decides: that
 * framer, or none when the dissector is no framer's (HTTP sent to port 22 is SSH).
 * With neither port in the table, a framer that recognises the bytes. NULL: none. */
const tt_framer *tt_framer_choose(const uint16_t port[2], const uint8_t *p, size_t len);

/* Whether tshark gives port to fr's dissector. */
bool tt_framer_has_port(const tt_framer *fr, uint16_t port);

#endif
