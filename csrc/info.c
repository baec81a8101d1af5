#include "info.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct sbuf {
    char *p;     /* borrowed: the caller's buffer */
    size_t size;
    size_t len;
} sbuf;

#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 2, 3))) /* C99 formats (%zu), not msvcrt's */
#elif defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = b->len + (size_t)n < b->size ? b->len + (size_t)n : b->size - 1;
}

/* The order tshark shows the analysis labels in (it prepends each one, so the last one
 * printed comes first: tcp_print_sequence_number_analysis). The labels themselves are
 * analysis_flags.h's. */
static const int label_order[TT_AF_COUNT] = {
    TT_AF_BIT_ZERO_WINDOW_PROBE_ACK, TT_AF_BIT_ZERO_WINDOW, TT_AF_BIT_ZERO_WINDOW_PROBE,
    TT_AF_BIT_DUPLICATE_ACK, TT_AF_BIT_KEEP_ALIVE_ACK, TT_AF_BIT_KEEP_ALIVE,
    TT_AF_BIT_WINDOW_FULL, TT_AF_BIT_WINDOW_UPDATE, TT_AF_BIT_ACK_LOST_SEGMENT,
    TT_AF_BIT_LOST_SEGMENT, TT_AF_BIT_OUT_OF_ORDER, TT_AF_BIT_SPURIOUS_RETRANSMISSION,
    TT_AF_BIT_FAST_RETRANSMISSION, TT_AF_BIT_RETRANSMISSION, TT_AF_BIT_REUSED_PORTS,
};

static void put_labels(sbuf *b, const tt_analysis *an)
{
    uint32_t f = an->flags;
    for (int k = 0; k < TT_AF_COUNT; k++) {
        int bit = label_order[k];
        if (!(f & (1u << bit)))
            continue;
        const char *label = tt_analysis_flag(bit)->info_label;
        if (bit == TT_AF_BIT_DUPLICATE_ACK) {
            /* The label shows the frame repeated and the count: absent without a count. */
            if (an->dup_ack_num)
                put(b, label, (unsigned long long)an->dup_ack_frame, an->dup_ack_num);
        } else if (bit == TT_AF_BIT_RETRANSMISSION &&
                   (f & (TT_AF_FAST_RETRANSMISSION | TT_AF_SPURIOUS_RETRANSMISSION))) {
            /* Fast and spurious ones also carry the retransmission field, not its label. */
        } else {
            put(b, "%s", label);
        }
    }
}

/* Flags as tshark 4.0 names them (tcp_flags_to_str): 0x100 is "AE" (RFC 9768). */
size_t tt_flags_format(uint16_t flags, char *buf, size_t size)
{
    static const char *const names[9] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
    sbuf b = {buf, size, 0};
    if (!size)
        return 0;
    buf[0] = '\0';
    bool any = false;
    for (int i = 0; i < 9; i++) {
        if (flags & (1u << i)) {
            put(&b, "%s%s", any ? ", " : "", names[i]);
            any = true;
        }
    }
    if (flags & TT_TCP_RES) {
        put(&b, "%sReserved", any ? ", " : "");
        any = true;
    }
    if (!any)
        put(&b, "<None>");
    return b.len;
}

static void put_flags(sbuf *b, uint16_t flags)
{
    char names[64];
    tt_flags_format(flags, names, sizeof names);
    put(b, " [%s]", names);
}

/* Options in wire order, as their dissectors append them to the Info column. */
static void put_options(sbuf *b, const tt_packet *p, const tt_analysis *an)
{
    const tt_tcp_options *o = &p->opts;
    bool sack_done = false;
    int exp = 0; /* experimental options met so far */
    for (int i = 0; i < o->n_kinds; i++) {
        switch (o->kinds[i]) {
        case TT_TCPOPT_MSS:
            if (o->present & TT_OPT_MSS)
                put(b, " MSS=%u", o->mss);
            break;
        case TT_TCPOPT_WSCALE:
            if (o->present & TT_OPT_WSCALE)
                put(b, " WS=%u", 1u << (o->ws_shift > 14 ? 14 : o->ws_shift));
            break;
        case TT_TCPOPT_SACK_PERM:
            put(b, " SACK_PERM");
            break;
        case TT_TCPOPT_TIMESTAMP:
            if (o->present & TT_OPT_TIMESTAMP)
                put(b, " TSval=%u TSecr=%u", o->tsval, o->tsecr);
            break;
        case TT_TCPOPT_SACK:
            if (sack_done)
                break;
            sack_done = true;
            for (int k = 0; k < an->sack_count; k++)
                put(b, " SLE=%u SRE=%u", an->sack_le[k], an->sack_re[k]);
            break;
        case TT_TCPOPT_TFO:
            if (o->present & TT_OPT_TFO)
                put(b, " TFO=%s", o->tfo_cookie_len ? "C" : "R");
            break;
        case TT_TCPOPT_EXP1:
        case TT_TCPOPT_EXP2:
            /* RFC 6994's ExID, as tshark shows it: hex without 0x; TFO's as kind 34's */
            if (o->lens[i] >= 4 && exp < 2 && exp < o->n_exp) {
                uint16_t exid = o->exp_exid[exp];
                if (exid == 0xF989)
                    put(b, " TFO=%s", o->tfo_cookie_len ? "C" : "R");
                else
                    put(b, " ExID=%X", exid);
            }
            exp++;
            break;
        default:
            break;
        }
    }
}

size_t tt_info_format(const tt_segment *s, char *buf, size_t size)
{
    sbuf b = {buf, size, 0};
    if (!size)
        return 0;
    buf[0] = '\0';
    const tt_packet *p = &s->pkt;
    const tt_analysis *an = &s->an;
    if (an->hdr_ok && an->have_ta && !an->opt_error)
        put_labels(&b, an);
    put(&b, "%u \u2192 %u", p->sport, p->dport);
    if (p->tcp_have < TT_TCP_HAVE_FIXED) {
        put(&b, "[Packet size limited during capture]");
        return b.len;
    }
    put_flags(&b, p->flags);
    put(&b, " Seq=%u", an->have_conv ? an->seq : p->seq_raw);
    if (p->flags & TT_TCP_ACK)
        put(&b, " Ack=%u", an->have_conv ? an->ack : p->ack_raw);
    put(&b, " Win=%u", an->have_conv ? an->window : p->window_raw);
    if (p->hdr_len < 20) {
        put(&b, ", bogus TCP header length (%u, must be at least 20)", p->hdr_len);
        return b.len;
    }
    if (p->flags & TT_TCP_URG)
        put(&b, " Urg=%u", p->urgent_ptr);
    if (an->have_seglen)
        put(&b, " Len=%u", p->payload_len);
    put_options(&b, p, an);
    /* Wireshark's TCP-AO dissector names itself in Info before reading its fields, so
     * a cut TCP-AO option shows "TCP AO" ahead of the exception text. */
    if (an->opt_error && p->opts.stopped && p->opts.stopped_kind == TT_TCPOPT_AO)
        put(&b, "TCP AO");
    if (an->opt_error == TT_OPT_ERR_TRUNCATED)
        put(&b, "[Packet size limited during capture]");
    else if (an->opt_error == TT_OPT_ERR_MALFORMED)
        put(&b, "[Malformed Packet]");
    return b.len;
}
