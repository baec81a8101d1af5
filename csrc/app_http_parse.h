/* app_http_parse: the pure byte-level pieces of HTTP/1.x parsing (RFC 9112): start
 * lines, the framing header fields, character classes. No state, no allocation:
 * functions of the bytes they are given, bounded by the lengths they are given. */
#ifndef TT_APP_HTTP_PARSE_H
#define TT_APP_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_http.h"

/* A parsed start line; the offsets are into the bytes given. */
typedef struct tt_http_start {
    tt_http_kind kind;
    int version_major, version_minor; /* -1 when a request line has no HTTP/d.d version */
    int status;                       /* response */
    size_t method_off, method_len;    /* request */
    size_t uri_off, uri_len;          /* request */
    size_t reason_off, reason_len;    /* response */
} tt_http_start;

/* A request line as Wireshark reads it (RFC 9112 §3's method SP request-target SP
 * HTTP-version, leniently): a method Wireshark knows up to the first space, the target
 * up to the next (possibly empty or absent), the rest the version (HTTP/d.d, else
 * version -1); status-line = HTTP-version SP 3DIGIT SP [reason] (RFC 9112 §4). The line
 * may end in CRLF or LF. */
bool tt_http_parse_start_line(const uint8_t *p, size_t n, tt_http_start *out);

/* A start line cut short (by the snaplen): a known method and as much of the rest as
 * there is, or a status line up to its code. */
bool tt_http_parse_partial_start_line(const uint8_t *p, size_t n, tt_http_start *out);

/* Whether the first n bytes of a line can still become a start line. */
bool tt_http_plausible_start(const uint8_t *p, size_t n);

/* What the header fields say about framing (RFC 9112 §6). */
typedef struct tt_http_fields {
    bool te;          /* Transfer-Encoding present */
    bool chunked;     /* its final transfer coding is chunked (the last field decides) */
    bool cl_bad;      /* a Content-Length that does not parse, or differing values */
    int64_t cl;       /* Content-Length, -1 when absent */
    bool has_ctype;   /* a Content-Type field: its trimmed value at ctype_off */
    size_t ctype_off, ctype_len;
} tt_http_fields;

/* Read the field lines p[0, n) (after the start line, up to and with the empty line). */
void tt_http_parse_fields(const uint8_t *p, size_t n, tt_http_fields *out);

/* tchar (RFC 9110 §5.6.2) */
bool tt_http_is_tchar(uint8_t c);

/* ASCII case-insensitive equality with a lower-case literal. */
bool tt_http_ieq(const uint8_t *p, size_t n, const char *lower);

/* A hex digit's value, -1 if not one. */
int tt_http_hexval(uint8_t c);

#endif
