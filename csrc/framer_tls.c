/* framer_tls: the TLS framer (app_tls.h) behind the framer interface: its ports, its
 * details, and each record's listing line as Wireshark's TLS dissector writes it
 * (Protocol "TLSv1.2", Info "Server Hello, Certificate", "Application Data").
 *
 * Records are the PDUs the listing shows. Handshake messages are reported too, held
 * until the record holding their last byte completes, whose frame they are shown with
 * (tshark dissects a handshake message only once its record is whole). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_tls.h"
#include "framer.h"

enum { F_TLS_TYPE, F_TLS_VERSION, F_HS_TYPES, F_SNI, F_ALPN, F_COUNT };

static const tt_app_field TLS_FIELDS[] = {
    [F_TLS_TYPE] = {"tls_type", TT_APP_INT},       /* record ContentType or HandshakeType */
    [F_TLS_VERSION] = {"tls_version", TT_APP_INT}, /* record version; hello: the highest */
    [F_HS_TYPES] = {"hs_types", TT_APP_U8LIST},    /* record: handshake types begun in it */
    [F_SNI] = {"sni", TT_APP_STR},
    [F_ALPN] = {"alpn", TT_APP_STR},               /* protocols joined by ',' */
};

typedef struct tls_framer {
    tt_tls_conn *conn; /* owned */
    tt_app_emit emit;
} tls_framer;

/* ContentType names (RFC 8446 §5.1, RFC 6520), as Wireshark titles them. */
static const char *content_type_name(unsigned t)
{
    switch (t) {
    case 20: return "Change Cipher Spec";
    case 21: return "Alert";
    case 22: return "Handshake";
    case 23: return "Application Data";
    case 24: return "Heartbeat";
    }
    return NULL;
}

/* HandshakeType names (RFC 8446 §4, RFC 5246 §7.4). */
static const char *handshake_name(unsigned t)
{
    static const char *const names[] = {
        [0] = "Hello Request", [1] = "Client Hello", [2] = "Server Hello",
        [3] = "Hello Verify Request", [4] = "New Session Ticket", [5] = "End Of Early Data",
        [8] = "Encrypted Extensions", [11] = "Certificate", [12] = "Server Key Exchange",
        [13] = "Certificate Request", [14] = "Server Hello Done", [15] = "Certificate Verify",
        [16] = "Client Key Exchange", [20] = "Finished", [21] = "Certificate Url",
        [22] = "Certificate Status", [24] = "Key Update",
    };
    if (t == 254)
        return "Message Hash";
    return t < sizeof names / sizeof *names ? names[t] : NULL;
}

/* The Protocol column for a version: "TLSv1.2"; "TLS" when unknown. */
static tt_app_str version_label(uint16_t v)
{
    switch (v) {
    case 0x0300: return (tt_app_str){"SSLv3", 5};
    case 0x0301: return (tt_app_str){"TLSv1", 5};
    case 0x0302: return (tt_app_str){"TLSv1.1", 7};
    case 0x0303: return (tt_app_str){"TLSv1.2", 7};
    case 0x0304: return (tt_app_str){"TLSv1.3", 7};
    }
    return (tt_app_str){"TLS", 3};
}

static size_t put(char *buf, size_t cap, size_t at, const char *s)
{
    int n = snprintf(buf + at, cap - at, "%s", s);
    return n < 0 ? at : at + (size_t)n < cap ? at + (size_t)n : cap - 1;
}

/* A record as the Info column names it: the handshake messages that begin in it
 * ("Server Hello, Certificate"), "Encrypted Handshake Message", "Application Data". */
static size_t record_info(char *buf, size_t cap, const tt_tls_record *r)
{
    size_t at = 0;
    buf[0] = 0;
    if (r->type == TT_TLS_HANDSHAKE && !(r->flags & TT_TLS_F_ENCRYPTED) && r->n_hs) {
        for (size_t i = 0; i < r->n_hs; i++) {
            char num[8];
            const char *name = handshake_name(r->hs_types[i]);
            if (!name) {
                snprintf(num, sizeof num, "%u", r->hs_types[i]);
                name = num;
            }
            at = put(buf, cap, at, i ? ", " : "");
            at = put(buf, cap, at, name);
        }
        return at;
    }
    if (r->type == TT_TLS_HANDSHAKE)
        return put(buf, cap, 0, "Encrypted Handshake Message");
    const char *name = content_type_name(r->type);
    if (name)
        return put(buf, cap, 0, name);
    int n = snprintf(buf, cap, "Record %u", r->type);
    return n < 0 ? 0 : (size_t)n;
}

static void on_record(void *ctx, const tt_tls_record *r)
{
    tls_framer *f = ctx;
    char info[512];
    int dir = r->dir ? 1 : 0;
    f->emit.settle(f->emit.ctx, dir, r->end_off, r->done_frame);
    size_t n_hs = r->n_hs < TT_TLS_MAX_HS_TYPES ? r->n_hs : TT_TLS_MAX_HS_TYPES;
    tt_app_msg m = {
        .kind = "tls_record", .dir = dir, .done_frame = r->done_frame,
        .start_off = r->start_off, .end_off = r->end_off, .length = 5u + r->length,
        .missing_bytes = r->missing_bytes, .flags = r->flags, .anomalies = r->anomalies,
        .lost = (r->flags & TT_TLS_F_MISSING) != 0,
        .truncated = (r->flags & TT_TLS_F_TRUNCATED) != 0, .pdu = true,
        .protocol = version_label(r->version), .frames = r->frames, .n_frames = r->n_frames,
        .frames_total = r->frames_total,
        .lead = {"", 0}, /* the dissector clears the Info column of a record's first frame */
    };
    m.info = (tt_app_str){info, record_info(info, sizeof info, r)};
    m.v[F_TLS_TYPE] = (tt_app_value){.set = true, .i = r->type};
    m.v[F_TLS_VERSION] = (tt_app_value){.set = true, .i = r->version};
    m.v[F_HS_TYPES] = (tt_app_value){.set = true, .s = {(const char *)r->hs_types, n_hs}};
    f->emit.msg(f->emit.ctx, &m, false);
}

static void on_handshake(void *ctx, const tt_tls_handshake *h)
{
    tls_framer *f = ctx;
    char info[64], note[300], alpn[1024];
    uint16_t version = h->max_version ? h->max_version : h->hello_version;
    tt_app_msg m = {
        .kind = "tls_handshake", .dir = h->dir ? 1 : 0, .done_frame = h->done_frame,
        .start_off = h->start_off, .end_off = h->end_off, .length = 4u + h->length,
        .missing_bytes = h->missing_bytes, .flags = h->flags, .anomalies = h->anomalies,
        .lost = (h->flags & TT_TLS_F_MISSING) != 0,
        .truncated = (h->flags & TT_TLS_F_TRUNCATED) != 0, .protocol = version_label(version),
        .frames = h->frames, .n_frames = h->n_frames, .frames_total = h->frames_total,
    };
    const char *name = handshake_name(h->type);
    int n = name ? snprintf(info, sizeof info, "%s", name)
                 : snprintf(info, sizeof info, "Handshake %u", h->type);
    m.info = (tt_app_str){info, n < 0 ? 0 : (size_t)n};
    if (h->type == TT_TLS_HS_SERVER_HELLO && version)
        m.stream_protocol = version_label(version);
    m.v[F_TLS_TYPE] = (tt_app_value){.set = true, .i = h->type};
    m.v[F_TLS_VERSION] = (tt_app_value){.set = true, .i = version};
    m.v[F_HS_TYPES] = (tt_app_value){.set = true, .s = {"", 0}};
    if (h->sni.p) {
        m.v[F_SNI] = (tt_app_value){.set = true, .s = h->sni};
        n = snprintf(note, sizeof note, "SNI=%.*s", (int)h->sni.len, h->sni.p);
        m.note = (tt_app_str){note, n < 0 ? 0 : (size_t)n < sizeof note ? (size_t)n : sizeof note - 1};
    }
    if (h->n_alpn) {
        size_t at = 0;
        for (size_t i = 0; i < h->n_alpn && at + h->alpn[i].len + 1 < sizeof alpn; i++) {
            if (i)
                alpn[at++] = ',';
            memcpy(alpn + at, h->alpn[i].p, h->alpn[i].len);
            at += h->alpn[i].len;
        }
        m.v[F_ALPN] = (tt_app_value){.set = true, .s = {alpn, at}};
    }
    f->emit.msg(f->emit.ctx, &m, true);
}

static void *tls_open(const tt_app_emit *emit, tt_error *err)
{
    tls_framer *f = calloc(1, sizeof *f);
    if (!f) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory for a TLS framer");
        return NULL;
    }
    f->emit = *emit;
    tt_tls_sink sink = {on_record, on_handshake, f};
    f->conn = tt_tls_conn_new(NULL, &sink, err);
    if (!f->conn) {
        free(f);
        return NULL;
    }
    return f;
}

static void tls_feed(void *state, int dir, const tt_reasm_chunk *c)
{
    tls_framer *f = state;
    tt_tls_conn_feed(f->conn, dir, c);
}

static void tls_close(void *state)
{
    tls_framer *f = state;
    if (!f)
        return;
    tt_tls_conn_free(f->conn);
    free(f);
}

const tt_framer tt_framer_tls = {
    .name = "tls",
    .dissector = "tls",
    .sniff = tt_tls_sniff,
    .info_joins = true,
    .fields = TLS_FIELDS,
    .n_fields = F_COUNT,
    .open = tls_open,
    .feed = tls_feed,
    .close = tls_close,
};
