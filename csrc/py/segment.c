/* tcptrace.Segment: one decoded TCP segment, immutable. */
#include "core.h"

#include <stddef.h>

#include "../anomaly.h"
#include "../segview.h"
#include "../info.h"
#include "../optnames.h"

typedef struct {
    PyObject_HEAD
    tt_segment s;      /* value copy; s.pkt.payload and s.addr_codes are NULL (the bytes
                        * live in payload) */
    PyObject *payload; /* owned: bytes, the captured TCP payload */
} SegmentObject;

PyObject *tt_py_segment_new(tt_py_state *st, const tt_segment *seg)
{
    SegmentObject *o = PyObject_New(SegmentObject, st->SegmentType);
    if (!o)
        return NULL;
    o->s = *seg;
    o->s.pkt.payload = NULL;
    o->s.addr_codes = NULL; /* the connection's cache: valid only during the feed */
    const tt_packet *p = &seg->pkt;
    o->payload = PyBytes_FromStringAndSize(p->payload && p->payload_caplen ? (const char *)p->payload : "",
                                           p->payload ? (Py_ssize_t)p->payload_caplen : 0);
    if (!o->payload) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

const tt_segment *tt_py_segment_value(tt_py_state *st, PyObject *o)
{
    if (!PyObject_TypeCheck(o, st->SegmentType)) {
        PyErr_SetString(PyExc_TypeError, "expected a tcptrace.Segment");
        return NULL;
    }
    return &((SegmentObject *)o)->s;
}

static void segment_dealloc(SegmentObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    Py_XDECREF(o->payload);
    PyObject_Free(o);
    Py_DECREF(tp); /* instances of a heap type hold it */
}

#define PKT(o) (&((SegmentObject *)(o))->s.pkt)
#define HAVE(o, lvl) (PKT(o)->tcp_have >= (lvl))
#define OPT(o, bit) (PKT(o)->opts.present & (bit))

static PyObject *u64(uint64_t v) { return PyLong_FromUnsignedLongLong(v); }

static PyObject *get_frame(PyObject *o, void *c) { (void)c; return u64(PKT(o)->frame); }
static PyObject *get_time_ns(PyObject *o, void *c) { (void)c; return PyLong_FromLongLong(PKT(o)->ts_ns); }
/* Seconds as floats (the nanosecond integers stay exact). */
static PyObject *get_time(PyObject *o, void *c)
{
    (void)c;
    const tt_packet *p = PKT(o);
    return PyFloat_FromDouble((double)p->ts_sec + (double)p->ts_nsec / 1e9);
}
static PyObject *get_time_rel(PyObject *o, void *c)
{
    (void)c;
    const tt_segment *s = &((SegmentObject *)o)->s;
    return PyFloat_FromDouble((double)s->time_rel_sec + (double)s->time_rel_nsec / 1e9);
}
static PyObject *get_time_rel_ns(PyObject *o, void *c)
{
    (void)c;
    /* Exact, from seconds + nanoseconds: time_rel_ns wraps for absurd time stamps. */
    const tt_segment *s = &((SegmentObject *)o)->s;
    PyObject *sec = PyLong_FromLongLong(s->time_rel_sec);
    PyObject *giga = sec ? PyLong_FromLong(1000000000L) : NULL;
    PyObject *prod = giga ? PyNumber_Multiply(sec, giga) : NULL;
    PyObject *nsec = prod ? PyLong_FromLongLong(s->time_rel_nsec) : NULL;
    PyObject *sum = nsec ? PyNumber_Add(prod, nsec) : NULL;
    Py_XDECREF(sec);
    Py_XDECREF(giga);
    Py_XDECREF(prod);
    Py_XDECREF(nsec);
    return sum;
}
static PyObject *get_caplen(PyObject *o, void *c) { (void)c; return u64(PKT(o)->caplen); }
static PyObject *get_wirelen(PyObject *o, void *c) { (void)c; return u64(PKT(o)->wirelen); }
static PyObject *get_linktype(PyObject *o, void *c) { (void)c; return PyLong_FromLong(PKT(o)->linktype); }
static PyObject *get_iface(PyObject *o, void *c) { (void)c; return u64(PKT(o)->iface); }

static PyObject *get_ip_version(PyObject *o, void *c)
{
    (void)c;
    const tt_ip_layer *ip = tt_packet_ip(PKT(o));
    if (!ip)
        Py_RETURN_NONE;
    return PyLong_FromLong(ip->version);
}
static PyObject *get_src(PyObject *o, void *c)
{
    (void)c;
    const tt_ip_layer *ip = tt_packet_ip(PKT(o));
    if (!ip)
        Py_RETURN_NONE;
    return tt_py_addr_str(ip->version, ip->src);
}
static PyObject *get_dst(PyObject *o, void *c)
{
    (void)c;
    const tt_ip_layer *ip = tt_packet_ip(PKT(o));
    if (!ip)
        Py_RETURN_NONE;
    return tt_py_addr_str(ip->version, ip->dst);
}
static PyObject *get_ip_layers(PyObject *o, void *c)
{
    (void)c;
    const tt_packet *p = PKT(o);
    PyObject *t = PyTuple_New(p->n_ip);
    if (!t)
        return NULL;
    for (int i = 0; i < p->n_ip; i++) {
        PyObject *src = tt_py_addr_str(p->ip[i].version, p->ip[i].src);
        PyObject *dst = tt_py_addr_str(p->ip[i].version, p->ip[i].dst);
        PyObject *e = (src && dst) ? Py_BuildValue("(iNN)", p->ip[i].version, src, dst) : NULL;
        if (!e) {
            Py_XDECREF(src);
            Py_XDECREF(dst);
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, e);
    }
    return t;
}

#define SEG(o) (&((SegmentObject *)(o))->s)

/* Optional values: present as segview.h decides (the columns and fields agree). */
#define SV_U32(name)                                           \
    static PyObject *get_##name(PyObject *o, void *c)          \
    {                                                          \
        (void)c;                                               \
        uint32_t v;                                            \
        if (!tt_sv_##name(SEG(o), &v))                         \
            Py_RETURN_NONE;                                    \
        return u64(v);                                         \
    }
#define SV_U64(name)                                           \
    static PyObject *get_##name(PyObject *o, void *c)          \
    {                                                          \
        (void)c;                                               \
        uint64_t v;                                            \
        if (!tt_sv_##name(SEG(o), &v))                         \
            Py_RETURN_NONE;                                    \
        return u64(v);                                         \
    }
#define SV_NS(name)                                            \
    static PyObject *get_##name##_ns(PyObject *o, void *c)     \
    {                                                          \
        (void)c;                                               \
        int64_t v;                                             \
        if (!tt_sv_##name##_ns(SEG(o), &v))                    \
            Py_RETURN_NONE;                                    \
        return PyLong_FromLongLong(v);                         \
    }                                                          \
    static PyObject *get_##name(PyObject *o, void *c)          \
    {                                                          \
        (void)c;                                               \
        int64_t v;                                             \
        if (!tt_sv_##name##_ns(SEG(o), &v))                    \
            Py_RETURN_NONE;                                    \
        return PyFloat_FromDouble((double)v / 1e9);            \
    }

SV_U32(sport)
SV_U32(dport)
SV_U32(seq_raw)
SV_U32(ack_raw)
SV_U32(flags)
SV_U32(window_raw)
SV_U32(hdr_len)
SV_U32(urgent_ptr)
SV_U32(len)
SV_U32(mss)
SV_U32(ws)
SV_U32(tsval)
SV_U32(tsecr)

static PyObject *get_checksum(PyObject *o, void *c)
{
    (void)c;
    if (!HAVE(o, TT_TCP_HAVE_FIXED))
        Py_RETURN_NONE;
    return u64(PKT(o)->checksum);
}

static PyObject *get_payload(PyObject *o, void *c)
{
    (void)c;
    PyObject *p = ((SegmentObject *)o)->payload;
    Py_INCREF(p);
    return p;
}

static PyObject *get_flags_str(PyObject *o, void *c)
{
    (void)c;
    if (!HAVE(o, TT_TCP_HAVE_FIXED))
        Py_RETURN_NONE;
    /* the names of Info and of the DataFrame's flags_str (info.c): one rule */
    char buf[64];
    size_t n = tt_flags_format(PKT(o)->flags, buf, sizeof buf);
    return PyUnicode_FromStringAndSize(buf, (Py_ssize_t)n);
}

static PyObject *get_sack_perm(PyObject *o, void *c) { (void)c; return PyBool_FromLong(OPT(o, TT_OPT_SACK_PERM) != 0); }
static PyObject *get_mptcp(PyObject *o, void *c) { (void)c; return PyBool_FromLong(OPT(o, TT_OPT_MPTCP) != 0); }
static PyObject *get_sack(PyObject *o, void *c)
{
    (void)c;
    const tt_tcp_options *op = &PKT(o)->opts;
    PyObject *t = PyTuple_New(op->sack_count);
    if (!t)
        return NULL;
    for (int i = 0; i < op->sack_count; i++) {
        PyObject *e = Py_BuildValue("(kk)", (unsigned long)op->sack_le[i], (unsigned long)op->sack_re[i]);
        if (!e) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, e);
    }
    return t;
}
static PyObject *get_tfo(PyObject *o, void *c)
{
    (void)c;
    if (!OPT(o, TT_OPT_TFO))
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)PKT(o)->opts.tfo_cookie, PKT(o)->opts.tfo_cookie_len);
}
static PyObject *get_options(PyObject *o, void *c)
{
    (void)c;
    const tt_tcp_options *op = &PKT(o)->opts;
    PyObject *t = PyTuple_New(op->n_kinds);
    if (!t)
        return NULL;
    for (int i = 0; i < op->n_kinds; i++) {
        PyObject *e = PyLong_FromLong(op->kinds[i]);
        if (!e) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, e);
    }
    return t;
}
static PyObject *get_anomalies(PyObject *o, void *c)
{
    (void)c;
    uint64_t a = PKT(o)->anomalies;
    PyObject *l = PyList_New(0);
    if (!l)
        return NULL;
    for (int i = 0; i < TT_ANOM_COUNT; i++) {
        if (!(a & TT_ANOM_BIT(i)))
            continue;
        PyObject *s = PyUnicode_FromString(tt_anomaly_name(i));
        if (!s || PyList_Append(l, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(l);
            return NULL;
        }
        Py_DECREF(s);
    }
    PyObject *t = PyList_AsTuple(l);
    Py_DECREF(l);
    return t;
}

/* ---- Conversation and sequence analysis (csrc/analysis.h) ---- */

#define AN(o) (&((SegmentObject *)(o))->s.an)

SV_U32(stream)
SV_U32(dir)
SV_U32(seq)
SV_U32(ack)
SV_U32(next_seq)
SV_U32(window)
SV_U32(dup_ack_num)
SV_U64(dup_ack_frame)
SV_U64(acks_frame)
SV_U32(bytes_in_flight)
SV_U32(push_bytes_sent)
SV_U32(completeness)
SV_NS(ack_rtt)
SV_NS(initial_rtt)
SV_NS(time_since_first)
SV_NS(time_since_prev)

static PyObject *get_ws_multiplier(PyObject *o, void *c)
{
    (void)c;
    int32_t v;
    if (!tt_sv_ws_multiplier(SEG(o), &v))
        Py_RETURN_NONE;
    return PyLong_FromLong(v);
}
static PyObject *get_analysis(PyObject *o, void *c)
{
    (void)c;
    PyObject *names = PyList_New(0);
    if (!names)
        return NULL;
    uint32_t f = tt_sv_analysis_flags(SEG(o));
    for (int i = 0; i < TT_AF_COUNT; i++) {
        if (!(f & (1u << i)))
            continue;
        PyObject *s = PyUnicode_FromString(tt_analysis_flag_name(i));
        if (!s || PyList_Append(names, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(names);
            return NULL;
        }
        Py_DECREF(s);
    }
    PyObject *fs = PyFrozenSet_New(names);
    Py_DECREF(names);
    return fs;
}
static PyObject *get_analysis_flags(PyObject *o, void *c)
{
    (void)c;
    return u64(tt_sv_analysis_flags(SEG(o)));
}
static PyObject *get_sack_rel(PyObject *o, void *c)
{
    (void)c;
    const tt_analysis *an = AN(o);
    int n = tt_sv_sack_count(SEG(o));
    PyObject *t = PyTuple_New(n);
    if (!t)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *e = Py_BuildValue("(kk)", (unsigned long)an->sack_le[i], (unsigned long)an->sack_re[i]);
        if (!e) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, e);
    }
    return t;
}
static PyObject *get_info(PyObject *o, void *c)
{
    (void)c;
    char buf[TT_INFO_MAX];
    size_t n = tt_info_format(&((SegmentObject *)o)->s, buf, sizeof buf);
    return PyUnicode_DecodeUTF8(buf, (Py_ssize_t)n, "replace");
}

static PyObject *get_option_names(PyObject *o, void *c)
{
    (void)c;
    char buf[TT_INFO_MAX];
    size_t n = tt_option_names_format(&((SegmentObject *)o)->s, buf, sizeof buf);
    if (!n)
        Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize(buf, (Py_ssize_t)n);
}

/* What the analysis rules compared (tt_evidence), for Segment.explain: a dict, or
 * None where no sequence analysis ran. */
static PyObject *segment_evidence(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    const tt_evidence *ev = &AN(o)->ev;
    if (!tt_sv_hdr(SEG(o)) || !ev->have)
        Py_RETURN_NONE;
    return Py_BuildValue(
        "{s:k,s:N,s:k,s:K,s:k,s:N,s:k,s:N,s:k,s:k,s:N,s:i,s:k,s:k,s:i,s:K,s:k,s:L,s:L,s:L,s:L,s:k,s:k}",
        "seglen", (unsigned long)ev->seglen,
        "nextseq_known", PyBool_FromLong(ev->nextseq_known),
        "nextseq", (unsigned long)ev->nextseq,
        "nextseq_frame", (unsigned long long)ev->nextseq_frame,
        "prev_ack", (unsigned long)ev->prev_ack,
        "prev_window", ev->prev_window == UINT32_MAX ? (Py_INCREF(Py_None), Py_None) : u64(ev->prev_window),
        "rev_lastack", (unsigned long)ev->rev_lastack,
        "rev_window", ev->rev_window == UINT32_MAX ? (Py_INCREF(Py_None), Py_None) : u64(ev->rev_window),
        "rev_window_scaled", (unsigned long)ev->rev_window_scaled,
        "rev_maxseq", (unsigned long)ev->rev_maxseq,
        "rev_scale_known", PyBool_FromLong(ev->rev_scale_known),
        "rev_shift", (int)ev->rev_shift,
        "rev_nextseq", (unsigned long)ev->rev_nextseq,
        "rev_last_flags", (unsigned long)ev->rev_last_flags,
        "rev_dupacks", (int)ev->rev_dupacks,
        "rev_last_frame", (unsigned long long)ev->rev_last_frame,
        "old_isn", (unsigned long)ev->old_isn,
        "since_rev_ack_ns", (long long)ev->since_rev_ack_ns,
        "since_nextseq_ns", (long long)ev->since_nextseq_ns,
        "ooo_threshold_ns", (long long)ev->ooo_threshold_ns,
        "fast_threshold_ns", (long long)ev->fast_threshold_ns,
        "old_stream", (unsigned long)ev->old_stream,
        "window_raw", (unsigned long)PKT(o)->window_raw);
}

static PyGetSetDef segment_getset[] = {
    {"frame", get_frame, NULL, "Frame number in the capture, from 1 (frame.number).", NULL},
    {"time", get_time, NULL, "Capture time, seconds since the Unix epoch (float; time_ns is exact).", NULL},
    {"time_rel", get_time_rel, NULL, "Seconds since the first frame, as a float (frame.time_relative).", NULL},
    {"time_ns", get_time_ns, NULL, "Capture time, nanoseconds since the Unix epoch.", NULL},
    {"time_rel_ns", get_time_rel_ns, NULL, "Nanoseconds since the first frame (frame.time_relative).", NULL},
    {"caplen", get_caplen, NULL, "Bytes captured (frame.cap_len).", NULL},
    {"wirelen", get_wirelen, NULL, "Bytes on the wire (frame.len).", NULL},
    {"linktype", get_linktype, NULL, "LINKTYPE_ value of the frame's interface.", NULL},
    {"iface", get_iface, NULL, "Interface index (pcapng), 0 for pcap.", NULL},
    {"ip_version", get_ip_version, NULL, "4 or 6: the IP version carrying the segment.", NULL},
    {"src", get_src, NULL, "Source address of the IP layer carrying the segment, as text.", NULL},
    {"dst", get_dst, NULL, "Destination address of the IP layer carrying the segment, as text.", NULL},
    {"ip_layers", get_ip_layers, NULL, "Every IP layer, outermost first: (version, src, dst).", NULL},
    {"sport", get_sport, NULL, "Source port (tcp.srcport).", NULL},
    {"dport", get_dport, NULL, "Destination port (tcp.dstport).", NULL},
    {"seq_raw", get_seq_raw, NULL, "Sequence number as on the wire (tcp.seq_raw).", NULL},
    {"ack_raw", get_ack_raw, NULL, "Acknowledgment number as on the wire (tcp.ack_raw).", NULL},
    {"flags", get_flags, NULL, "The 12 flag bits as an int (tcp.flags).", NULL},
    {"flags_str", get_flags_str, NULL, "Flags as Wireshark lists them: \"SYN, ACK\".", NULL},
    {"window_raw", get_window_raw, NULL, "Window field as on the wire (tcp.window_size_value).", NULL},
    {"hdr_len", get_hdr_len, NULL, "TCP header length in bytes (tcp.hdr_len).", NULL},
    {"len", get_len, NULL, "TCP payload length from the IP lengths (tcp.len).", NULL},
    {"payload", get_payload, NULL, "Captured payload bytes (may be shorter than len).", NULL},
    {"urgent_ptr", get_urgent_ptr, NULL, "Urgent pointer (tcp.urgent_pointer).", NULL},
    {"checksum", get_checksum, NULL, "TCP checksum field (not verified).", NULL},
    {"mss", get_mss, NULL, "MSS option value, or None (tcp.options.mss_val).", NULL},
    {"ws", get_ws, NULL, "Window scale shift as sent, or None (tcp.options.wscale.shift).", NULL},
    {"tsval", get_tsval, NULL, "Timestamp value, or None (tcp.options.timestamp.tsval).", NULL},
    {"tsecr", get_tsecr, NULL, "Timestamp echo reply, or None (tcp.options.timestamp.tsecr).", NULL},
    {"sack_perm", get_sack_perm, NULL, "SACK permitted option present.", NULL},
    {"sack", get_sack, NULL, "SACK blocks as raw (left, right) edges.", NULL},
    {"tfo", get_tfo, NULL, "TCP Fast Open cookie (b\"\" for a request), or None.", NULL},
    {"mptcp", get_mptcp, NULL, "An MPTCP option (kind 30) is present.", NULL},
    {"options", get_options, NULL, "Option kinds in wire order, NOP and EOL included.", NULL},
    {"anomalies", get_anomalies, NULL, "Stable names of the decoding anomalies of this frame.", NULL},
    {"stream", get_stream, NULL, "Conversation index, from 0 in order of first appearance (tcp.stream).", NULL},
    {"dir", get_dir, NULL, "0 client->server (the client sent the first SYN, else the first segment), 1 back.", NULL},
    {"seq", get_seq, NULL, "Relative sequence number (tcp.seq).", NULL},
    {"ack", get_ack, NULL, "Relative acknowledgment number (tcp.ack; raw when ACK is not set).", NULL},
    {"next_seq", get_next_seq, NULL, "Relative next sequence number: seq + len (+1 SYN, +1 FIN) (tcp.nxtseq).", NULL},
    {"window", get_window, NULL, "Calculated window: raw << the sender's scale (tcp.window_size).", NULL},
    {"ws_multiplier", get_ws_multiplier, NULL, "Window scale multiplier, -1 unknown, -2 not used; None on SYNs (tcp.window_size_scalefactor).", NULL},
    {"analysis", get_analysis, NULL, "frozenset of tcp.analysis flag names (\"retransmission\", \"duplicate_ack\", ...).", NULL},
    {"analysis_flags", get_analysis_flags, NULL, "The analysis flags as an int bitmask (bit order of tcptrace.ANALYSIS_FLAGS).", NULL},
    {"dup_ack_num", get_dup_ack_num, NULL, "Duplicate ACK count, or None (tcp.analysis.duplicate_ack_num).", NULL},
    {"dup_ack_frame", get_dup_ack_frame, NULL, "Frame this ACK duplicates, or None (tcp.analysis.duplicate_ack_frame).", NULL},
    {"acks_frame", get_acks_frame, NULL, "Frame this segment acknowledges, or None (tcp.analysis.acks_frame).", NULL},
    {"ack_rtt", get_ack_rtt, NULL, "Seconds since the acknowledged segment, or None (tcp.analysis.ack_rtt).", NULL},
    {"ack_rtt_ns", get_ack_rtt_ns, NULL, "ack_rtt in nanoseconds, or None.", NULL},
    {"initial_rtt", get_initial_rtt, NULL, "Handshake RTT in seconds, or None (tcp.analysis.initial_rtt).", NULL},
    {"initial_rtt_ns", get_initial_rtt_ns, NULL, "initial_rtt in nanoseconds, or None.", NULL},
    {"bytes_in_flight", get_bytes_in_flight, NULL, "Unacknowledged bytes after this segment, or None (tcp.analysis.bytes_in_flight).", NULL},
    {"push_bytes_sent", get_push_bytes_sent, NULL, "Bytes sent since the last PSH, or None (tcp.analysis.push_bytes_sent).", NULL},
    {"time_since_first", get_time_since_first, NULL, "Seconds since the conversation's first segment (tcp.time_relative).", NULL},
    {"time_since_first_ns", get_time_since_first_ns, NULL, "time_since_first in nanoseconds.", NULL},
    {"time_since_prev", get_time_since_prev, NULL, "Seconds since the conversation's previous segment (tcp.time_delta).", NULL},
    {"time_since_prev_ns", get_time_since_prev_ns, NULL, "time_since_prev in nanoseconds.", NULL},
    {"completeness", get_completeness, NULL, "Conversation completeness bitmask before this segment (tcp.completeness).", NULL},
    {"sack_rel", get_sack_rel, NULL, "SACK blocks as relative (left, right) edges (tcp.options.sack_le/re).", NULL},
    {"info", get_info, NULL, "The TCP-level Info line, as tshark shows it.", NULL},
    {"option_names", get_option_names, NULL,
     "The options' names as tshark names tcp.option_kind, joined by \", \" (None without options).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};


static PyObject *segment_asdict(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (PyGetSetDef *g = segment_getset; g->name; g++) {
        PyObject *v = g->get(o, g->closure);
        if (!v || PyDict_SetItemString(d, g->name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *segment_repr(PyObject *o)
{
    const tt_packet *p = PKT(o);
    PyObject *src = get_src(o, NULL), *dst = get_dst(o, NULL), *fl = get_flags_str(o, NULL);
    PyObject *r = NULL;
    if (src && dst && fl) {
        const tt_ip_layer *ip = tt_packet_ip(p);
        int v6 = ip && ip->version == 6;
        r = PyUnicode_FromFormat("<Segment frame=%llu %s%S%s:%u -> %s%S%s:%u [%S] seq_raw=%lu len=%lu>",
                                 (unsigned long long)p->frame, v6 ? "[" : "", src, v6 ? "]" : "",
                                 (unsigned)p->sport, v6 ? "[" : "", dst, v6 ? "]" : "",
                                 (unsigned)p->dport, fl, (unsigned long)p->seq_raw,
                                 (unsigned long)p->payload_len);
    }
    Py_XDECREF(src);
    Py_XDECREF(dst);
    Py_XDECREF(fl);
    return r;
}

static PyMethodDef segment_methods[] = {
    {"_asdict", segment_asdict, METH_NOARGS, "_asdict() -> dict\n\nEvery attribute by name."},
    {"_evidence", segment_evidence, METH_NOARGS,
     "_evidence() -> dict or None\n\nThe values the analysis rules compared (internal; see explain())."},
    {NULL, NULL, 0, NULL},
};

/* explain() is Python's (tcptrace/_bind.py attaches it at import): its sentences are
 * written in tcptrace/explain.py from _evidence. */
static PyType_Slot segment_slots[] = {
    {Py_tp_dealloc, (void *)segment_dealloc},
    {Py_tp_repr, (void *)segment_repr},
    {Py_tp_doc, (void *)"One TCP segment of a capture, with its frame, IP and TCP header fields.\n\n"
                        "Immutable; made by iterating a Capture (tcptrace.open)."},
    {Py_tp_methods, segment_methods},
    {Py_tp_getset, segment_getset},
    {0, NULL},
};

static PyType_Spec segment_spec = {
    .name = "tcptrace.Segment",
    .basicsize = sizeof(SegmentObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = segment_slots,
};

int tt_py_segment_register(PyObject *module, tt_py_state *st)
{
    st->SegmentType = tt_py_new_type(module, &segment_spec, 0);
    if (!st->SegmentType)
        return -1;
    return PyModule_AddObjectRef(module, "Segment", (PyObject *)st->SegmentType);
}
