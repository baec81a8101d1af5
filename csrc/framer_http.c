/* framer_http: the HTTP/1.x framer (app_http.h) behind the framer interface: its ports,
 * its details, and each message's listing line as Wireshark's HTTP dissector writes
 * it ("GET / HTTP/1.1", "HTTP/1.1 200 OK  (text/html)"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_http.h"
#include "framer.h"

enum { F_METHOD, F_URI, F_STATUS, F_REASON, F_VERSION, F_CONTENT_TYPE, F_REQUEST_METHOD,
       F_HEADER_BYTES, F_BODY_BYTES, F_CONTENT_BYTES, F_CONTENT_LENGTH, F_COUNT };

static const tt_app_field HTTP_FIELDS[] = {
    [F_METHOD] = {"method", TT_APP_STR},
    [F_URI] = {"uri", TT_APP_STR},
    [F_STATUS] = {"status", TT_APP_INT},
    [F_REASON] = {"reason", TT_APP_STR},
    [F_VERSION] = {"version", TT_APP_STR},
    [F_CONTENT_TYPE] = {"content_type", TT_APP_STR},
    [F_REQUEST_METHOD] = {"request_method", TT_APP_STR},
    [F_HEADER_BYTES] = {"header_bytes", TT_APP_INT},
    [F_BODY_BYTES] = {"body_bytes", TT_APP_INT},
    [F_CONTENT_BYTES] = {"content_bytes", TT_APP_INT},
    [F_CONTENT_LENGTH] = {"content_length", TT_APP_INT},
};

typedef struct http_framer {
    tt_http_conn *conn; /* owned */
    tt_app_emit emit;
} http_framer;

static void set_str(tt_app_value *v, tt_app_str s)
{
    if (s.p) {
        v->set = true;
        v->s = s;
    }
}

static void set_int(tt_app_value *v, int64_t i)
{
    v->set = true;
    v->i = i;
}

/* The start line as Wireshark's Info shows it (format_text: bytes outside printable
 * ASCII escaped), then a space; its length. */
static size_t start_line_text(char *buf, size_t cap, const tt_http_msg *h)
{
    size_t at = 0;
    for (size_t i = 0; i < h->header_len && at + 5 < cap; i++) {
        uint8_t c = h->header[i];
        if (c == '\r' || c == '\n')
            break;
        if (c >= 0x20 && c < 0x7f)
            buf[at++] = (char)c;
        else
            at += (size_t)snprintf(buf + at, cap - at, "\\x%02x", c);
    }
    buf[at++] = ' ';
    buf[at] = 0;
    return at;
}

/* Wireshark's Info for a message: its start line and a space, then, for a body of a
 * media type no dissector takes, " (type)" (Content-Type up to its parameters). */
static size_t message_info(char *buf, size_t cap, const tt_http_msg *h)
{
    size_t at = start_line_text(buf, cap, h);
    if (h->content_type.p) {
        const char *t = h->content_type.p;
        size_t len = h->content_type.len;
        const char *semi = memchr(t, ';', len);
        if (semi)
            len = (size_t)(semi - t);
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
            len--;
        while (len && (*t == ' ' || *t == '\t')) {
            t++;
            len--;
        }
        int n = snprintf(buf + at, cap - at, " (%.*s)", (int)len, t);
        at += n < 0 ? 0 : (size_t)n < cap - at ? (size_t)n : cap - at - 1;
    }
    return at;
}

static void on_http(void *ctx, const tt_http_msg *h)
{
    http_framer *f = ctx;
    char info[4096], lead[4096], version[24];
    tt_app_msg m = {
        .kind = h->kind == TT_HTTP_REQUEST ? "http_request" : "http_response",
        .dir = h->dir, .done_frame = h->done_frame, .start_off = h->start_off,
        .end_off = h->end_off, .length = h->header_bytes + h->body_bytes,
        .missing_bytes = h->missing_bytes, .flags = h->flags, .anomalies = h->anomalies,
        .lost = (h->flags & TT_HTTP_F_MISSING) != 0,
        .truncated = (h->flags & TT_HTTP_F_TRUNCATED) != 0, .pdu = true,
        .protocol = {"HTTP", 4}, .frames = h->frames, .n_frames = h->n_frames,
        .frames_total = h->frames_total,
    };
    int vn = snprintf(version, sizeof version, "%d.%d", h->version_major, h->version_minor);
    if (h->kind == TT_HTTP_RESPONSE)
        set_int(&m.v[F_STATUS], h->status);
    m.info = (tt_app_str){info, message_info(info, sizeof info, h)};
    /* A first frame that carried the whole start line shows it (the dissector sets the
     * Info column before it asks TCP for the rest of the message). */
    size_t llen = start_line_text(lead, sizeof lead, h);
    if (h->n_frames && h->frames[0].bytes >= llen - 1)
        m.lead = (tt_app_str){lead, llen};
    set_str(&m.v[F_METHOD], h->method);
    set_str(&m.v[F_URI], h->uri);
    set_str(&m.v[F_REASON], h->reason);
    if (h->version_major >= 0)
        set_str(&m.v[F_VERSION], (tt_app_str){version, vn > 0 ? (size_t)vn : 0});
    set_str(&m.v[F_CONTENT_TYPE], h->content_type);
    set_str(&m.v[F_REQUEST_METHOD], h->request_method);
    set_int(&m.v[F_HEADER_BYTES], (int64_t)h->header_bytes);
    set_int(&m.v[F_BODY_BYTES], (int64_t)h->body_bytes);
    set_int(&m.v[F_CONTENT_BYTES], (int64_t)h->content_bytes);
    if (h->content_length >= 0)
        set_int(&m.v[F_CONTENT_LENGTH], h->content_length);
    f->emit.msg(f->emit.ctx, &m, false);
}

static void *http_open(const tt_app_emit *emit, tt_error *err)
{
    http_framer *f = calloc(1, sizeof *f);
    if (!f) {
        tt_error_set(err, TT_ERR_NOMEM, "out of memory for an HTTP framer");
        return NULL;
    }
    f->emit = *emit;
    f->conn = tt_http_conn_new(NULL, on_http, f, err);
    if (!f->conn) {
        free(f);
        return NULL;
    }
    return f;
}

static void http_feed(void *state, int dir, const tt_reasm_chunk *c)
{
    http_framer *f = state;
    tt_http_conn_feed(f->conn, dir, c);
}

static void http_close(void *state)
{
    http_framer *f = state;
    if (!f)
        return;
    tt_http_conn_free(f->conn);
    free(f);
}

const tt_framer tt_framer_http = {
    .name = "http",
    .dissector = "http",
    .sniff = tt_http_sniff,
    .info_joins = true,
    .fields = HTTP_FIELDS,
    .n_fields = F_COUNT,
    .open = http_open,
    .feed = http_feed,
    .close = http_close,
};
