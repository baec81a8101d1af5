/* segview: which fields of a segment are present, and their values, in one place.
 *
 * tshark leaves a field out rather than printing a placeholder; the Segment getters,
 * the column builder and the field formatter all ask these functions, so the three
 * agree on what is absent. Each returns false when the field is absent. */
#ifndef TT_SEGVIEW_H
#define TT_SEGVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

static inline bool tt_sv_conv(const tt_segment *s) { return s->an.have_conv; }
static inline bool tt_sv_hdr(const tt_segment *s) { return s->an.have_conv && s->an.hdr_ok; }
/* The analysis record, as tshark with MPTCP analysis on reports it (tshark-tcp fields):
 * a duplicate ACK that MPTCP tolerates is not one, and its record may not exist. */
static inline bool tt_sv_ta(const tt_segment *s)
{
    return tt_sv_hdr(s) && s->an.have_ta && !(s->an.mptcp_dup_hidden && s->an.ta_only_dup);
}
static inline uint32_t tt_sv_dup_num(const tt_segment *s)
{
    return s->an.mptcp_dup_hidden ? 0u : s->an.dup_ack_num;
}

#define TT_SV_GET(name, type, cond, expr)                                 \
    static inline bool tt_sv_##name(const tt_segment *s, type *out)      \
    {                                                                    \
        if (!(cond))                                                     \
            return false;                                                \
        *out = (type)(expr);                                             \
        return true;                                                     \
    }

/* TCP header fields, as far as the capture holds them (tcp_have). */
TT_SV_GET(sport, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_PORTS, s->pkt.sport)
TT_SV_GET(dport, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_PORTS, s->pkt.dport)
TT_SV_GET(seq_raw, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_SEQ, s->pkt.seq_raw)
TT_SV_GET(ack_raw, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_ACK, s->pkt.ack_raw)
TT_SV_GET(flags, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_FIXED, s->pkt.flags)
TT_SV_GET(window_raw, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_FIXED, s->pkt.window_raw)
TT_SV_GET(hdr_len, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_FIXED, s->pkt.hdr_len)
TT_SV_GET(urgent_ptr, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_FIXED, s->pkt.urgent_ptr)
TT_SV_GET(len, uint32_t,
          s->pkt.tcp_have >= TT_TCP_HAVE_FIXED &&
              !(s->pkt.anomalies & TT_ANOM_BIT(TT_ANOM_TCP_HDR_LEN_INVALID)),
          s->pkt.payload_len)
TT_SV_GET(tcp_checksum, uint32_t, s->pkt.tcp_have >= TT_TCP_HAVE_FIXED, s->pkt.checksum)
TT_SV_GET(mss, uint32_t, s->pkt.opts.present & TT_OPT_MSS, s->pkt.opts.mss)
TT_SV_GET(ws, uint32_t, s->pkt.opts.present & TT_OPT_WSCALE, s->pkt.opts.ws_shift)
TT_SV_GET(tsval, uint32_t, s->pkt.opts.present & TT_OPT_TIMESTAMP, s->pkt.opts.tsval)
TT_SV_GET(tsecr, uint32_t, s->pkt.opts.present & TT_OPT_TIMESTAMP, s->pkt.opts.tsecr)

/* The analysis (tt_analysis), present as tshark shows it. */
TT_SV_GET(stream, uint32_t, tt_sv_conv(s), s->an.stream)
TT_SV_GET(dir, uint32_t, tt_sv_conv(s), s->an.dir)
TT_SV_GET(seq, uint32_t, tt_sv_conv(s), s->an.seq)
TT_SV_GET(ack, uint32_t, tt_sv_hdr(s), s->an.ack)
TT_SV_GET(next_seq, uint32_t, tt_sv_hdr(s) && s->an.have_seglen, s->an.nxtseq)
TT_SV_GET(window, uint32_t, tt_sv_hdr(s), s->an.window)
TT_SV_GET(ws_multiplier, int32_t, tt_sv_hdr(s) && s->an.have_scalefactor, s->an.scalefactor)
TT_SV_GET(dup_ack_num, uint32_t, tt_sv_ta(s) && tt_sv_dup_num(s), tt_sv_dup_num(s))
TT_SV_GET(dup_ack_frame, uint64_t, tt_sv_ta(s) && tt_sv_dup_num(s), s->an.dup_ack_frame)
TT_SV_GET(acks_frame, uint64_t, tt_sv_ta(s) && s->an.acks_frame, s->an.acks_frame)
TT_SV_GET(ack_rtt_ns, int64_t, tt_sv_ta(s) && s->an.have_ack_rtt, s->an.ack_rtt_ns)
TT_SV_GET(initial_rtt_ns, int64_t, tt_sv_ta(s) && s->an.have_initial_rtt, s->an.initial_rtt_ns)
TT_SV_GET(bytes_in_flight, uint32_t, tt_sv_ta(s) && s->an.bytes_in_flight, s->an.bytes_in_flight)
TT_SV_GET(push_bytes_sent, uint32_t, tt_sv_ta(s) && s->an.bytes_in_flight, s->an.push_bytes_sent)
TT_SV_GET(time_since_first_ns, int64_t, tt_sv_hdr(s), s->an.time_rel_ns)
TT_SV_GET(time_since_prev_ns, int64_t, tt_sv_hdr(s), s->an.time_delta_ns)
TT_SV_GET(completeness, uint32_t, tt_sv_conv(s), s->an.completeness)

#undef TT_SV_GET

/* tcp.payload: the captured payload bytes (their count; 0: absent). The data of a RST
 * is not a payload to Wireshark but the reset's cause (tcp.reset_cause, RFC 9293 3.5.3). */
static inline size_t tt_sv_payload(const tt_segment *s, const uint8_t **data)
{
    if (s->pkt.tcp_have < TT_TCP_HAVE_FULL || !s->pkt.payload || !tt_sv_len(s, &(uint32_t){0}) ||
        (s->pkt.flags & TT_TCP_RST))
        return 0;
    *data = s->pkt.payload;
    return s->pkt.payload_caplen;
}

/* tcp.segment_data: the payload bytes tshark's TCP reassembly keeps for a PDU that
 * spans segments (packet-tcp.c, desegment_pdus). Which bytes those are is known to the
 * application framers (stream.c, app_*.c), which do not report it per segment yet:
 * absent until they do (docs/fields.md). */
static inline size_t tt_sv_segment_data(const tt_segment *s, const uint8_t **data)
{
    (void)s;
    (void)data;
    return 0;
}

/* tcp.reassembled_in: the frame a PDU that does not end in this segment is reassembled
 * in. tshark's one pass meets that frame after this one, so it never prints the field
 * (none in the 146 reference captures' HTTP/TLS tables): absent. */
static inline bool tt_sv_reassembled_in(const tt_segment *s, uint64_t *out)
{
    (void)s;
    (void)out;
    return false;
}

/* Analysis flags shown (TT_AF_*): none where tshark has no analysis record. */
static inline uint32_t tt_sv_analysis_flags(const tt_segment *s)
{
    if (!tt_sv_ta(s))
        return 0;
    return s->an.flags & (s->an.mptcp_dup_hidden ? ~(uint32_t)TT_AF_DUPLICATE_ACK : ~(uint32_t)0);
}

/* SACK blocks shown with relative edges. */
static inline int tt_sv_sack_count(const tt_segment *s) { return tt_sv_hdr(s) ? s->an.sack_count : 0; }

#endif
