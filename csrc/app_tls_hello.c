/* app_tls_hello: ClientHello and ServerHello bodies (RFC 8446 §4.1.2, §4.1.3; RFC 5246
 * §7.4.1), read through the bounds-checked cursor: every vector length is checked
 * against what its container holds before a byte of it is touched. */
#include <string.h>

#include "app_tls.h"
#include "cursor.h"

/* Extension types (IANA TLS ExtensionType Values) */
enum {
    EXT_SERVER_NAME = 0,                /* RFC 6066 §3 */
    EXT_ALPN = 16,                      /* RFC 7301 §3.1 */
    EXT_SUPPORTED_VERSIONS = 43,        /* RFC 8446 §4.2.1 */
};

/* A sub-cursor over the next n bytes of c (an opaque vector's contents). */
static bool sub(tt_cursor *c, size_t n, tt_cursor *out)
{
    if (!tt_rd_has(c, n))
        return false;
    tt_cursor_init(out, c->base + c->pos, n);
    c->pos += n;
    return true;
}

/* A vector with a 1- or 2-byte length prefix. */
static bool vec8(tt_cursor *c, tt_cursor *out)
{
    uint8_t n;
    return tt_rd_u8(c, &n) && sub(c, n, out);
}

static bool vec16(tt_cursor *c, tt_cursor *out)
{
    uint16_t n;
    return tt_rd_u16be(c, &n) && sub(c, n, out);
}

static tt_app_str str_at(const tt_cursor *c, size_t len)
{
    tt_app_str s = {(const char *)c->base + c->pos, len};
    return s;
}

/* server_name: ServerNameList server_name_list<1..2^16-1>; each entry NameType (0:
 * host_name) and HostName<1..2^16-1>. The first host_name is the SNI. */
static bool ext_server_name(tt_cursor *e, tt_tls_handshake *hs)
{
    tt_cursor list;
    if (!vec16(e, &list))
        return false;
    while (tt_rd_left(&list)) {
        uint8_t type;
        tt_cursor name;
        if (!tt_rd_u8(&list, &type) || !vec16(&list, &name))
            return false;
        if (type == 0 && !hs->sni.p)
            hs->sni = str_at(&name, name.len);
    }
    return true;
}

/* application_layer_protocol_negotiation: ProtocolNameList protocol_name_list
 * <2..2^16-1>; each ProtocolName<1..2^8-1>. */
static bool ext_alpn(tt_cursor *e, tt_tls_handshake *hs)
{
    tt_cursor list;
    if (!vec16(e, &list))
        return false;
    while (tt_rd_left(&list)) {
        tt_cursor name;
        if (!vec8(&list, &name) || name.len == 0)
            return false;
        if (hs->n_alpn < TT_TLS_MAX_ALPN)
            hs->alpn[hs->n_alpn++] = str_at(&name, name.len);
        hs->n_alpn_total++;
    }
    return true;
}

/* supported_versions: ClientHello: ProtocolVersion versions<2..254>; ServerHello: the
 * selected ProtocolVersion. GREASE values (0x?a?a, RFC 8701) are not versions. */
static bool ext_versions(uint8_t type, tt_cursor *e, tt_tls_handshake *hs)
{
    uint16_t v;
    if (type == TT_TLS_HS_SERVER_HELLO) {
        if (!tt_rd_u16be(e, &v))
            return false;
        hs->max_version = v;
        return true;
    }
    tt_cursor list;
    if (!vec8(e, &list))
        return false;
    while (tt_rd_u16be(&list, &v))
        if ((v & 0x0f0f) != 0x0a0a && v > hs->max_version)
            hs->max_version = v;
    return tt_rd_left(&list) == 0;
}

static bool extensions(uint8_t type, tt_cursor *c, tt_tls_handshake *hs)
{
    if (!tt_rd_left(c))
        return true; /* RFC 5246 §7.4.1.2: extensions may be absent */
    tt_cursor all;
    if (!vec16(c, &all))
        return false;
    while (tt_rd_left(&all)) {
        uint16_t et;
        tt_cursor e;
        if (!tt_rd_u16be(&all, &et) || !vec16(&all, &e))
            return false;
        bool ok = true;
        if (et == EXT_SERVER_NAME && type == TT_TLS_HS_CLIENT_HELLO)
            ok = ext_server_name(&e, hs);
        else if (et == EXT_ALPN)
            ok = ext_alpn(&e, hs);
        else if (et == EXT_SUPPORTED_VERSIONS)
            ok = ext_versions(type, &e, hs);
        if (!ok)
            return false;
    }
    return true;
}

bool tt_tls_parse_hello(uint8_t type, const uint8_t *body, size_t len, tt_tls_handshake *hs)
{
    tt_cursor c, skip;
    tt_cursor_init(&c, body, len);
    bool ok = tt_rd_u16be(&c, &hs->hello_version) && tt_rd_skip(&c, 32) /* random */ &&
              vec8(&c, &skip) /* legacy_session_id */;
    if (ok && type == TT_TLS_HS_CLIENT_HELLO) {
        ok = vec16(&c, &skip) /* cipher_suites */ && vec8(&c, &skip) /* compression */ &&
             extensions(type, &c, hs);
    } else if (ok) {
        uint8_t comp;
        ok = tt_rd_u16be(&c, &hs->cipher_suite) && tt_rd_u8(&c, &comp) && extensions(type, &c, hs);
    }
    if (!ok) {
        hs->flags |= TT_TLS_F_BAD_LENGTH;
        hs->anomalies |= TT_ANOM_BIT(TT_ANOM_TLS_HANDSHAKE_INVALID);
    }
    return ok;
}
