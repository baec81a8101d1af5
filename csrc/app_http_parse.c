/* app_http_parse: start lines and framing fields of HTTP/1.x; see app_http_parse.h. */
#include "app_http_parse.h"

#include <string.h>

bool tt_http_is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

int tt_http_hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool tt_http_ieq(const uint8_t *p, size_t n, const char *lower)
{
    if (n != strlen(lower))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = p[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (a != (uint8_t)lower[i])
            return false;
    }
    return true;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3) */
static bool parse_version(const uint8_t *p, size_t n, int *maj, int *min)
{
    if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) || p[6] != '.' || !is_digit(p[7]))
        return false;
    *maj = p[5] - '0';
    *min = p[7] - '0';
    return true;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the
 * SP after the code is tolerated when the reason is absent. n excludes the CRLF. */
static bool status_line(const uint8_t *p, size_t n, tt_http_start *out)
{
    if (n < 12 || !parse_version(p, 8, &out->version_major, &out->version_minor) || p[8] != ' ' ||
        !is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]) || (n > 12 && p[12] != ' '))
        return false;
    out->kind = TT_HTTP_RESPONSE;
    out->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    out->reason_off = n > 12 ? 13 : 12;
    out->reason_len = n > 12 ? n - 13 : 0;
    return true;
}

/* The request methods Wireshark's HTTP dissector knows (packet-http.c,
 * is_http_request_or_reply): RFC 9110 §9, WebDAV (RFC 4918, RFC 3253), UPnP GENA and
 * SSDP, [MS-RPCH], SCCM's CCM_POST. A first line whose text up to its first space is
 * not one of these (case matters) is not a request there. */
static const char *const METHODS[] = {
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL",
    "TRACE", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY",
    "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE",
    "PROPPATCH", "BPROPFIND", "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE",
    "RPC_CONNECT", "RPC_IN_DATA", "UNSUBSCRIBE", "RPC_OUT_DATA", "VERSION-CONTROL",
    "BASELINE-CONTROL", "PATCH", "M-SEARCH",
};

/* Whether p[0, n) is a known method; RFC 2774's "M-" prefix of a mandatory extension
 * is allowed before any. */
static bool known_method(const uint8_t *p, size_t n)
{
    if (n > 2 && p[0] == 'M' && p[1] == '-') {
        p += 2;
        n -= 2;
    }
    for (size_t i = 0; i < sizeof METHODS / sizeof *METHODS; i++)
        if (strlen(METHODS[i]) == n && memcmp(p, METHODS[i], n) == 0)
            return true;
    return false;
}

/* A request line as Wireshark reads it: the method up to the first space (or the whole
 * line), the target up to the next space (possibly empty), the rest the version.
 * Returns false when the method is not a known one. */
static bool request_line(const uint8_t *p, size_t n, tt_http_start *out)
{
    size_t sp = 0;
    while (sp < n && p[sp] != ' ')
        sp++;
    if (!sp || !known_method(p, sp))
        return false;
    out->kind = TT_HTTP_REQUEST;
    out->method_off = 0;
    out->method_len = sp;
    out->version_major = out->version_minor = -1; /* absent or not HTTP/d.d */
    if (sp == n) {
        out->uri_off = n;
        return true; /* a bare method: Wireshark shows it as a request all the same */
    }
    size_t t0 = sp + 1, i = t0;
    while (i < n && p[i] != ' ')
        i++;
    out->uri_off = t0;
    out->uri_len = i - t0;
    if (i < n)
        parse_version(p + i + 1, n - i - 1, &out->version_major, &out->version_minor);
    return true;
}

bool tt_http_parse_start_line(const uint8_t *p, size_t n, tt_http_start *out)
{
    memset(out, 0, sizeof *out);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return status_line(p, n, out);
    return request_line(p, n, out);
}

bool tt_http_parse_partial_start_line(const uint8_t *p, size_t n, tt_http_start *out)
{
    memset(out, 0, sizeof *out);
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return status_line(p, n, out);
    /* cut short, a method must be followed by its space to be one */
    return memchr(p, ' ', n) && request_line(p, n, out);
}

bool tt_http_plausible_start(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n && p[0] == 'H' && memcmp(p, "HTTP/", n < 5 ? n : 5) == 0)
        return true;
    while (i < n && tt_http_is_tchar(p[i]))
        i++;
    if (i < n && p[i] != ' ')
        return false;
    for (; i < n; i++)
        if (p[i] < ' ' && p[i] != '\r')
            return false;
    return true;
}

/* Content-Length = 1*DIGIT, possibly repeated as a list of equal values (RFC 9110
 * §8.6, RFC 9112 §6.3 rule 5). -1 when invalid. */
static int64_t parse_length(const uint8_t *p, size_t n, int64_t prev)
{
    int64_t v = prev;
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        if (i == n)
            break;
        int64_t x = 0;
        size_t k = 0;
        while (i < n && is_digit(p[i])) {
            if (x > (INT64_MAX - 9) / 10)
                return -1;
            x = x * 10 + (p[i++] - '0');
            k++;
        }
        if (!k || (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != ','))
            return -1;
        if (v >= 0 && v != x)
            return -1;
        v = x;
    }
    return v;
}

/* Whether the last transfer coding of a Transfer-Encoding value is "chunked"
 * (RFC 9112 §6.3 rule 4: only a final chunked delimits the body). */
static bool final_chunked(const uint8_t *p, size_t n)
{
    size_t e = n;
    while (e && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == ','))
        e--;
    size_t b = e;
    while (b && p[b - 1] != ',')
        b--;
    while (b < e && (p[b] == ' ' || p[b] == '\t'))
        b++;
    return tt_http_ieq(p + b, e - b, "chunked");
}

void tt_http_parse_fields(const uint8_t *buf, size_t len, tt_http_fields *f)
{
    memset(f, 0, sizeof *f);
    f->cl = -1;
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        size_t le = e;
        if (le > i && buf[le - 1] == '\r')
            le--;
        const uint8_t *p = buf + i;
        size_t n = le - i, colon = 0;
        while (colon < n && p[colon] != ':')
            colon++;
        if (colon < n && colon > 0) {
            size_t vb = colon + 1, ve = n; /* field-value without OWS (RFC 9112 §5) */
            while (vb < ve && (p[vb] == ' ' || p[vb] == '\t'))
                vb++;
            while (ve > vb && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
                ve--;
            if (tt_http_ieq(p, colon, "content-length")) {
                int64_t v = parse_length(p + vb, ve - vb, f->cl);
                if (v < 0)
                    f->cl_bad = true;
                else
                    f->cl = v;
            } else if (tt_http_ieq(p, colon, "transfer-encoding")) {
                f->te = true;
                f->chunked = final_chunked(p + vb, ve - vb);
            } else if (tt_http_ieq(p, colon, "content-type") && !f->has_ctype) {
                f->has_ctype = true;
                f->ctype_off = i + vb;
                f->ctype_len = ve - vb;
            }
        }
        i = e + 1;
    }
}

bool tt_http_sniff(const uint8_t *p, size_t len)
{
    /* Wireshark's test of a first line (is_http_request_or_reply): "HTTP/" or "ICY"
     * starts a response; otherwise the text up to the first space must be a method it
     * knows (or, cut short, the start of one). */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        return true;
    if (len >= 4 && memcmp(p, "ICY ", 4) == 0)
        return true;
    size_t n = 0;
    while (n < len && p[n] != ' ' && p[n] != '\r' && p[n] != '\n')
        n++;
    return n && known_method(p, n);
}
