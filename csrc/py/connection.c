/* tcptrace.Connection: one finished TCP connection's statistics, immutable; the
 * Capture methods that hand them out (connections(), connection(n)) and the
 * C-built columns behind tcptrace.connections().
 *
 * Every attribute comes from one field table (conn_fields, dir_fields): attribute
 * getters, _asdict(), the HTML table and the DataFrame columns all read it, so they
 * cannot drift apart. Per-direction fields exist as NAME_c2s and NAME_s2c. */
#include "core.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../stats.h"

typedef struct {
    PyObject_HEAD
    tt_conn_record r; /* value copy */
    PyObject *source; /* owned: (path, filter) of the capture it came from, or NULL */
} ConnectionObject;

/* How a field is read and shown. */
enum {
    K_U64, K_U32,   /* counts */
    K_U16_OPT,      /* None when 0 (mss) */
    K_I8_OPT,       /* None when negative (window scale) */
    K_I64_OPT,      /* None when negative (stream length) */
    K_BOOL,
    K_NS,           /* int64 ns shown in seconds */
    K_NS_OPT,       /* ... None when negative */
    K_RTT_N, K_RTT_MIN, K_RTT_MAX, K_RTT_MEAN, K_RTT_STDEV, /* tt_rtt_acc at off, seconds */
    K_WIN_MEAN,     /* None without samples */
    K_SEG_MEAN,     /* payload_bytes / data_packets, None without data */
    K_THROUGHPUT,   /* unique bytes / connection duration (B/s), None when 0 s */
    /* Connection-level specials (off unused). */
    K_STR_CLIENT, K_STR_SERVER, K_STR_STATE, K_STR_HISTORY, K_STR_CLIENT_REASON,
    K_STR_END_REASON, K_STR_STATUS, K_DURATION, K_TIME, K_TOT_PACKETS, K_TOT_BYTES,
    K_U8, K_U16,
};

typedef struct {
    const char *name;
    uint8_t kind;
    uint16_t off;
    const char *doc;
} field_def;

#define RF(f) ((uint16_t)offsetof(tt_conn_record, f))
#define DF(f) ((uint16_t)offsetof(tt_stats_dir, f))

static const field_def conn_fields[] = {
    {"stream", K_U32, RF(stream), "Conversation index (tcp.stream)."},
    {"ip_version", K_U8, RF(ip_version), "4 or 6."},
    {"client", K_STR_CLIENT, 0, "Client address (dir 0 sends from it)."},
    {"client_port", K_U16, RF(port[0]), "Client port."},
    {"server", K_STR_SERVER, 0, "Server address."},
    {"server_port", K_U16, RF(port[1]), "Server port."},
    {"client_reason", K_STR_CLIENT_REASON, 0,
     "Why the client is the client: 'syn' (sent the first SYN), 'synack' (received the "
     "first segment, a SYN/ACK), 'first_sender' (no SYN: sent the first segment)."},
    {"conn_state", K_STR_STATE, 0, "Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH."},
    {"history", K_STR_HISTORY, 0, "Zeek history letters (upper case: client)."},
    {"status", K_STR_STATUS, 0,
     "tcptrace's brief-form word: 'complete' (SYN and FIN both ways), 'reset', "
     "'unidirectional' (segments one way only) or '' (none of these)."},
    {"completeness", K_U8, RF(completeness),
     "Wireshark's tcp.completeness after the last segment (1 SYN, 2 SYN-ACK, 4 ACK, 8 DATA, 16 FIN, 32 RST)."},
    {"end_reason", K_STR_END_REASON, 0,
     "Why the record was handed over: 'rst', 'fin' (both FINs acknowledged), 'reused' "
     "(a new SYN reused the ports), 'capture_end'."},
    {"first_frame", K_U64, RF(first_frame), "Frame number of the first segment."},
    {"last_frame", K_U64, RF(last_frame), "Frame number of the last segment."},
    {"first_time", K_TIME, RF(first_ns), "Time of the first segment, seconds since the epoch."},
    {"first_time_ns", K_U64, RF(first_ns), "... in nanoseconds."},
    {"last_time_ns", K_U64, RF(last_ns), "Time of the last segment, ns since the epoch."},
    {"duration", K_DURATION, 0, "Seconds from the first to the last segment."},
    {"packets", K_TOT_PACKETS, 0, "Segments both ways."},
    {"wire_bytes", K_TOT_BYTES, 0, "Frame bytes both ways (frame.len)."},
    {"handshake_rtt", K_NS_OPT, RF(handshake_rtt_ns),
     "SYN to the handshake's ACK, seconds (Wireshark's tcp.analysis.initial_rtt), or None."},
};
#define N_CONN_FIELDS (sizeof conn_fields / sizeof conn_fields[0])

static const field_def dir_fields[] = {
    {"packets", K_U64, DF(packets), "Segments sent (tshark conv Frames)."},
    {"wire_bytes", K_U64, DF(wire_bytes), "Frame bytes sent, frame.len (tshark conv Bytes)."},
    {"ip_bytes", K_U64, DF(ip_bytes), "IP total lengths (Zeek *_ip_bytes)."},
    {"malformed_packets", K_U64, DF(malformed_packets),
     "Segments whose TCP header tshark gives up on (length < 20, options that throw); not in packets."},
    {"data_packets", K_U64, DF(data_packets), "Segments with payload (tcptrace actual data pkts)."},
    {"payload_bytes", K_U64, DF(payload_bytes), "Payload bytes, retransmissions included (tcptrace actual data bytes)."},
    {"unique_bytes", K_U64, DF(unique_bytes), "Payload bytes counted once per sequence number (tcptrace unique bytes sent)."},
    {"pure_acks", K_U64, DF(pure_acks), "ACKs without payload, SYN, FIN or RST (tcptrace pure acks sent)."},
    {"ack_packets", K_U64, DF(ack_packets), "Segments with ACK (tcptrace ack pkts sent)."},
    {"syn_packets", K_U64, DF(syn_packets), "Segments with SYN."},
    {"fin_packets", K_U64, DF(fin_packets), "Segments with FIN."},
    {"rst_packets", K_U64, DF(rst_packets), "Segments with RST (tcptrace resets sent)."},
    {"push_packets", K_U64, DF(push_packets), "Data segments with PSH (tcptrace pushed data pkts)."},
    {"urg_packets", K_U64, DF(urg_packets), "Data segments with URG."},
    {"urg_bytes", K_U64, DF(urg_bytes), "Urgent bytes (urgent pointer, at most the payload)."},
    {"sack_packets", K_U64, DF(sack_packets), "Segments carrying SACK blocks (tcptrace sack pkts sent)."},
    {"dsack_packets", K_U64, DF(dsack_packets), "... whose first block is a D-SACK (RFC 2883)."},
    {"sack_blocks", K_U64, DF(sack_blocks), "SACK blocks sent."},
    {"max_sack_blocks", K_U32, DF(max_sack_blocks), "Most SACK blocks in one segment."},
    {"truncated_packets", K_U64, DF(truncated_packets), "Segments whose payload the snapshot length cut."},
    {"truncated_bytes", K_U64, DF(truncated_bytes), "Payload bytes announced but not captured."},
    {"retransmissions", K_U64, DF(retransmissions), "tcp.analysis.retransmission segments (fast and spurious included)."},
    {"retransmitted_bytes", K_U64, DF(retransmitted_bytes), "Payload bytes of those."},
    {"fast_retransmissions", K_U64, DF(fast_retransmissions), "tcp.analysis.fast_retransmission."},
    {"spurious_retransmissions", K_U64, DF(spurious_retransmissions), "tcp.analysis.spurious_retransmission."},
    {"out_of_order", K_U64, DF(out_of_order), "tcp.analysis.out_of_order."},
    {"lost_segments", K_U64, DF(lost_segments), "tcp.analysis.lost_segment (previous segment not captured)."},
    {"acked_unseen", K_U64, DF(acked_unseen), "tcp.analysis.ack_lost_segment (ACKed unseen segment)."},
    {"dup_acks", K_U64, DF(dup_acks), "tcp.analysis.duplicate_ack, counted on the ACK's sender."},
    {"triple_dup_acks", K_U64, DF(triple_dup_acks), "Duplicate ACKs numbered 3 (tcp.analysis.duplicate_ack_num == 3)."},
    {"zero_windows", K_U64, DF(zero_windows), "tcp.analysis.zero_window advertisements."},
    {"zero_window_probes", K_U64, DF(zero_window_probes), "tcp.analysis.zero_window_probe."},
    {"zero_window_probe_acks", K_U64, DF(zero_window_probe_acks), "tcp.analysis.zero_window_probe_ack."},
    {"keep_alives", K_U64, DF(keep_alives), "tcp.analysis.keep_alive."},
    {"keep_alive_acks", K_U64, DF(keep_alive_acks), "tcp.analysis.keep_alive_ack."},
    {"window_updates", K_U64, DF(window_updates), "tcp.analysis.window_update."},
    {"window_full", K_U64, DF(window_full), "tcp.analysis.window_full."},
    {"rexmt_packets", K_U64, DF(rexmt_packets), "Segments re-sending sequence space already seen (tcptrace rexmt data pkts)."},
    {"rexmt_bytes", K_U64, DF(rexmt_bytes), "Sequence bytes re-sent (tcptrace rexmt data bytes)."},
    {"outoforder_packets", K_U64, DF(outoforder_packets), "New data below the highest sequence seen (tcptrace outoforder pkts)."},
    {"zwnd_probe_packets", K_U64, DF(zwnd_probe_packets), "Segments sent into a zero window (tcptrace zwnd probe pkts)."},
    {"zwnd_probe_bytes", K_U64, DF(zwnd_probe_bytes), "Their payload bytes (tcptrace zwnd probe bytes)."},
    {"missed_bytes", K_U64, DF(missed_bytes), "Sequence bytes never seen: gaps (tcptrace missed data, Zeek missed_bytes)."},
    {"stream_length", K_I64_OPT, DF(stream_length), "FIN - ISN - 1 with SYN and FIN seen, else None (tcptrace ttl stream length)."},
    {"seg_max", K_U32, DF(seg_max), "Largest payload (tcptrace max segm size)."},
    {"seg_min", K_U32, DF(seg_min), "Smallest payload of a data segment (tcptrace min segm size)."},
    {"seg_mean", K_SEG_MEAN, 0, "payload_bytes / data_packets, or None (tcptrace avg segm size)."},
    {"win_max", K_U32, DF(win_max), "Largest advertised window, scaled (tcptrace max win adv)."},
    {"win_min", K_U32, DF(win_min), "Smallest non-zero advertised window (tcptrace min win adv)."},
    {"win_mean", K_WIN_MEAN, 0, "Mean advertised window (tcptrace avg win adv), or None."},
    {"zero_win_adv", K_U64, DF(zero_win_adv), "Window samples of zero (tcptrace zero win adv)."},
    {"init_win_bytes", K_U64, DF(init_win_bytes), "Bytes sent before the peer acknowledged data (tcptrace initial window)."},
    {"init_win_packets", K_U64, DF(init_win_packets), "Segments of those."},
    {"idle_max", K_NS, DF(idle_max_ns), "Longest gap between two segments of this direction, seconds."},
    {"throughput", K_THROUGHPUT, 0, "unique_bytes / duration, bytes per second, or None."},
    {"mss", K_U16_OPT, DF(mss), "MSS option of this side's SYN, or None."},
    {"ws_shift", K_I8_OPT, DF(ws_shift), "Window scale shift of this side's SYN, or None."},
    {"sack_permitted", K_BOOL, DF(sack_permitted), "SACK permitted on this side's SYN."},
    {"timestamps", K_BOOL, DF(timestamps), "Timestamps on this side's SYN."},
    {"rtt_samples", K_RTT_N, DF(rtt), "RTT samples of this direction's data (Karn's rule)."},
    {"rtt_min", K_RTT_MIN, DF(rtt), "Smallest RTT sample, seconds."},
    {"rtt_max", K_RTT_MAX, DF(rtt), "Largest RTT sample, seconds."},
    {"rtt_mean", K_RTT_MEAN, DF(rtt), "Mean RTT, seconds."},
    {"rtt_stdev", K_RTT_STDEV, DF(rtt), "Sample standard deviation of the RTT, seconds."},
    {"ts_rtt_samples", K_RTT_N, DF(rtt_ts), "RTT samples from timestamp echoes (TSval -> first TSecr)."},
    {"ts_rtt_min", K_RTT_MIN, DF(rtt_ts), "Smallest, seconds."},
    {"ts_rtt_max", K_RTT_MAX, DF(rtt_ts), "Largest, seconds."},
    {"ts_rtt_mean", K_RTT_MEAN, DF(rtt_ts), "Mean, seconds."},
    {"ts_rtt_stdev", K_RTT_STDEV, DF(rtt_ts), "Sample standard deviation, seconds."},
    {"rtt_3whs", K_NS_OPT, DF(rtt_3whs_ns), "This side's SYN (or SYN/ACK) to the peer's answer, seconds (tcptrace RTT from 3WHS)."},
};
#define N_DIR_FIELDS (sizeof dir_fields / sizeof dir_fields[0])

static const char *const dir_suffix[2] = {"_c2s", "_s2c"};

/* ---- Values ---- */

/* A field as a number: *iv for integer kinds, *dv for float kinds; *valid false for
 * None. Returns 'i', 'f', 'b' (bool in *iv) or 's' (string kinds: use field_str). */
static char field_num(const tt_conn_record *r, const field_def *f, int dir, int64_t *iv, double *dv,
                      bool *valid)
{
    const char *base = dir < 0 ? (const char *)r : (const char *)&r->d[dir];
    const tt_stats_dir *d = dir < 0 ? NULL : &r->d[dir];
    const tt_rtt_acc *rtt = (const tt_rtt_acc *)(base + f->off);
    *valid = true;
    *iv = 0;
    *dv = 0;
    switch (f->kind) {
    case K_U64: {
        uint64_t v;
        memcpy(&v, base + f->off, sizeof v);
        *iv = (int64_t)v;
        return 'i';
    }
    case K_U32: {
        uint32_t v;
        memcpy(&v, base + f->off, sizeof v);
        *iv = v;
        return 'i';
    }
    case K_U16: case K_U16_OPT: {
        uint16_t v;
        memcpy(&v, base + f->off, sizeof v);
        *iv = v;
        *valid = f->kind == K_U16 || v != 0;
        return 'i';
    }
    case K_U8: *iv = *(const uint8_t *)(base + f->off); return 'i';
    case K_I8_OPT: *iv = *(const int8_t *)(base + f->off); *valid = *iv >= 0; return 'i';
    case K_I64_OPT: memcpy(iv, base + f->off, sizeof *iv); *valid = *iv >= 0; return 'i';
    case K_BOOL: *iv = *(const bool *)(base + f->off); return 'b';
    case K_NS: case K_NS_OPT: case K_TIME: {
        int64_t v;
        memcpy(&v, base + f->off, sizeof v);
        *valid = f->kind != K_NS_OPT || v >= 0;
        *dv = (double)v / 1e9;
        return 'f';
    }
    case K_RTT_N: *iv = (int64_t)rtt->n; return 'i';
    case K_RTT_MIN: *valid = rtt->n > 0; *dv = (double)rtt->min_ns / 1e9; return 'f';
    case K_RTT_MAX: *valid = rtt->n > 0; *dv = (double)rtt->max_ns / 1e9; return 'f';
    case K_RTT_MEAN: *valid = rtt->n > 0; *dv = tt_rtt_mean_ns(rtt) / 1e9; return 'f';
    case K_RTT_STDEV: *valid = rtt->n > 0; *dv = tt_rtt_stdev_ns(rtt) / 1e9; return 'f';
    case K_WIN_MEAN: *valid = d->win_samples > 0; *dv = d->win_mean; return 'f';
    case K_SEG_MEAN:
        *valid = d->data_packets > 0;
        *dv = *valid ? (double)d->payload_bytes / (double)d->data_packets : 0;
        return 'f';
    case K_THROUGHPUT: {
        int64_t dur = r->last_ns - r->first_ns;
        *valid = dur > 0;
        *dv = *valid ? (double)d->unique_bytes / ((double)dur / 1e9) : 0;
        return 'f';
    }
    case K_DURATION: *dv = (double)(r->last_ns - r->first_ns) / 1e9; return 'f';
    case K_TOT_PACKETS: *iv = (int64_t)(r->d[0].packets + r->d[1].packets); return 'i';
    case K_TOT_BYTES: *iv = (int64_t)(r->d[0].wire_bytes + r->d[1].wire_bytes); return 'i';
    default: return 's';
    }
}

/* tcptrace's brief-form word. */
static const char *status_word(const tt_conn_record *r)
{
    if (r->d[0].rst_packets || r->d[1].rst_packets)
        return "reset";
    if (r->d[0].syn_packets && r->d[1].syn_packets && r->d[0].fin_packets && r->d[1].fin_packets)
        return "complete";
    if (!r->d[0].packets || !r->d[1].packets)
        return "unidirectional";
    return "";
}

static PyObject *field_str(const tt_conn_record *r, const field_def *f)
{
    switch (f->kind) {
    case K_STR_CLIENT: return tt_py_addr_str(r->ip_version, r->addr[0]);
    case K_STR_SERVER: return tt_py_addr_str(r->ip_version, r->addr[1]);
    case K_STR_STATE: return PyUnicode_FromString(tt_conn_state_name(r->conn_state));
    case K_STR_HISTORY: return PyUnicode_FromString(r->history);
    case K_STR_CLIENT_REASON: return PyUnicode_FromString(tt_client_reason_name(r->client_reason));
    case K_STR_END_REASON: return PyUnicode_FromString(tt_end_reason_name(r->end_reason));
    case K_STR_STATUS: return PyUnicode_FromString(status_word(r));
    default: Py_RETURN_NONE;
    }
}

static PyObject *field_value(const tt_conn_record *r, const field_def *f, int dir)
{
    int64_t iv;
    double dv;
    bool valid;
    char t = field_num(r, f, dir, &iv, &dv, &valid);
    if (t == 's')
        return field_str(r, f);
    if (!valid)
        Py_RETURN_NONE;
    if (t == 'b')
        return PyBool_FromLong((long)iv);
    if (t == 'f')
        return PyFloat_FromDouble(dv);
    if (f->kind == K_U64 || f->kind == K_RTT_N || f->kind == K_TOT_PACKETS || f->kind == K_TOT_BYTES)
        return PyLong_FromUnsignedLongLong((unsigned long long)iv);
    return PyLong_FromLongLong(iv);
}

/* ---- The type ---- */

#define MAX_ATTRS (N_CONN_FIELDS + 2 * N_DIR_FIELDS + 3)

typedef struct {
    const field_def *f;
    int dir; /* -1: connection level */
} attr_closure;

/* Module-level tables, filled once by tt_py_connection_prepare (read-only after). */
static PyGetSetDef conn_getset[MAX_ATTRS];
static attr_closure conn_closures[MAX_ATTRS];
static char dir_names[2 * N_DIR_FIELDS][48];
static char dir_docs[2 * N_DIR_FIELDS][256];

static PyObject *attr_get(PyObject *o, void *closure)
{
    const attr_closure *c = closure;
    return field_value(&((ConnectionObject *)o)->r, c->f, c->dir);
}

static PyObject *dir_dict(const tt_conn_record *r, int dir)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (size_t i = 0; i < N_DIR_FIELDS; i++) {
        PyObject *v = field_value(r, &dir_fields[i], dir);
        if (!v || PyDict_SetItemString(d, dir_fields[i].name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *get_c2s(PyObject *o, void *c) { (void)c; return dir_dict(&((ConnectionObject *)o)->r, 0); }
static PyObject *get_s2c(PyObject *o, void *c) { (void)c; return dir_dict(&((ConnectionObject *)o)->r, 1); }

int tt_py_connection_prepare(void)
{
    size_t n = 0;
    for (size_t i = 0; i < N_CONN_FIELDS; i++, n++) {
        conn_closures[n] = (attr_closure){&conn_fields[i], -1};
        conn_getset[n] = (PyGetSetDef){conn_fields[i].name, attr_get, NULL, conn_fields[i].doc,
                                       &conn_closures[n]};
    }
    for (size_t i = 0; i < N_DIR_FIELDS; i++) {
        for (int dir = 0; dir < 2; dir++, n++) {
            char *name = dir_names[2 * i + (size_t)dir];
            char *doc = dir_docs[2 * i + (size_t)dir];
            snprintf(name, sizeof dir_names[0], "%s%s", dir_fields[i].name, dir_suffix[dir]);
            snprintf(doc, sizeof dir_docs[0], "%s %s", dir == 0 ? "Client -> server:" : "Server -> client:",
                     dir_fields[i].doc);
            conn_closures[n] = (attr_closure){&dir_fields[i], dir};
            conn_getset[n] = (PyGetSetDef){name, attr_get, NULL, doc, &conn_closures[n]};
        }
    }
    conn_getset[n++] = (PyGetSetDef){"c2s", get_c2s, NULL,
                                     "The client -> server values as a dict (names without suffix).", NULL};
    conn_getset[n++] = (PyGetSetDef){"s2c", get_s2c, NULL,
                                     "The server -> client values as a dict (names without suffix).", NULL};
    conn_getset[n] = (PyGetSetDef){NULL, NULL, NULL, NULL, NULL};
    return 0;
}

PyObject *tt_py_connection_new(const tt_conn_record *r)
{
    ConnectionObject *o = PyObject_New(ConnectionObject, &tt_py_ConnectionType);
    if (!o)
        return NULL;
    o->r = *r;
    o->source = NULL;
    return (PyObject *)o;
}

/* A Connection that remembers its capture (path and filter), so payload(), chunks()
 * and messages() can read its bytes again. */
static PyObject *connection_new_from(const tt_conn_record *r, PyObject *cap)
{
    ConnectionObject *o = (ConnectionObject *)tt_py_connection_new(r);
    if (!o)
        return NULL;
    PyObject *path = PyObject_GetAttrString(cap, "path");
    PyObject *filter = path ? PyObject_GetAttrString(cap, "filter") : NULL;
    if (filter)
        o->source = PyTuple_Pack(2, path, filter);
    Py_XDECREF(path);
    Py_XDECREF(filter);
    if (!o->source) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

static void connection_dealloc(PyObject *o)
{
    Py_XDECREF(((ConnectionObject *)o)->source);
    PyObject_Free(o);
}

/* Call tcptrace.streams.<fn>((path, filter), stream[, direction]). */
static PyObject *connection_streams_call(PyObject *o, const char *fn, PyObject *direction)
{
    ConnectionObject *c = (ConnectionObject *)o;
    if (!c->source) {
        PyErr_SetString(PyExc_ValueError, "this Connection does not know its capture file");
        return NULL;
    }
    PyObject *mod = PyImport_ImportModule("tcptrace.streams");
    if (!mod)
        return NULL;
    PyObject *r = direction ? PyObject_CallMethod(mod, fn, "OkO", c->source, (unsigned long)c->r.stream, direction)
                            : PyObject_CallMethod(mod, fn, "Ok", c->source, (unsigned long)c->r.stream);
    Py_DECREF(mod);
    return r;
}

static PyObject *connection_payload(PyObject *o, PyObject *direction)
{
    return connection_streams_call(o, "payload", direction);
}

static PyObject *connection_chunks(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    return connection_streams_call(o, "chunks", NULL);
}

static PyObject *connection_messages(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    return connection_streams_call(o, "conn_messages", NULL);
}

static PyObject *connection_asdict(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (PyGetSetDef *g = conn_getset; g->name; g++) {
        if (!g->closure)
            continue; /* c2s / s2c: the suffixed names carry the same values */
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

/* "192.0.2.1:80" or "[2001:db8::1]:80". */
static PyObject *endpoint_str(const tt_conn_record *r, int side)
{
    PyObject *a = tt_py_addr_str(r->ip_version, r->addr[side]);
    if (!a)
        return NULL;
    PyObject *s = r->ip_version == 6 ? PyUnicode_FromFormat("[%U]:%u", a, (unsigned)r->port[side])
                                     : PyUnicode_FromFormat("%U:%u", a, (unsigned)r->port[side]);
    Py_DECREF(a);
    return s;
}

static PyObject *connection_repr(PyObject *o)
{
    const tt_conn_record *r = &((ConnectionObject *)o)->r;
    PyObject *c = endpoint_str(r, 0), *s = endpoint_str(r, 1), *res = NULL;
    if (c && s) {
        char dur[32];
        snprintf(dur, sizeof dur, "%.6f", (double)(r->last_ns - r->first_ns) / 1e9);
        res = PyUnicode_FromFormat(
            "<Connection stream=%u %U -> %U %s history=%s c2s=%llu pkts/%llu B s2c=%llu pkts/%llu B "
            "duration=%s s>",
            (unsigned)r->stream, c, s, tt_conn_state_name(r->conn_state), r->history,
            (unsigned long long)r->d[0].packets, (unsigned long long)r->d[0].payload_bytes,
            (unsigned long long)r->d[1].packets, (unsigned long long)r->d[1].payload_bytes, dur);
    }
    Py_XDECREF(c);
    Py_XDECREF(s);
    return res;
}

/* An HTML table: connection fields, then one row per direction field (c2s | s2c). */
static PyObject *connection_repr_html(PyObject *o, PyObject *noargs)
{
    (void)noargs;
    const tt_conn_record *r = &((ConnectionObject *)o)->r;
    PyObject *html = NULL;
    PyObject *parts = PyList_New(0);
    if (!parts)
        return NULL;
#define ADD(obj)                                         \
    do {                                                 \
        PyObject *_x = (obj);                            \
        if (!_x || PyList_Append(parts, _x) < 0) {       \
            Py_XDECREF(_x);                              \
            goto done;                                   \
        }                                                \
        Py_DECREF(_x);                                   \
    } while (0)
    ADD(PyUnicode_FromString("<table><thead><tr><th>connection</th><th colspan=\"2\"></th></tr>"
                             "</thead><tbody>"));
    for (size_t i = 0; i < N_CONN_FIELDS; i++) {
        PyObject *v = field_value(r, &conn_fields[i], -1);
        if (!v)
            goto done;
        PyObject *esc = PyObject_Str(v);
        Py_DECREF(v);
        if (!esc)
            goto done;
        ADD(PyUnicode_FromFormat("<tr><th style=\"text-align:left\">%s</th><td colspan=\"2\">%U</td></tr>",
                                 conn_fields[i].name, esc));
        Py_DECREF(esc);
    }
    ADD(PyUnicode_FromString("<tr><th></th><th>client &#8594; server</th><th>server &#8594; client</th></tr>"));
    for (size_t i = 0; i < N_DIR_FIELDS; i++) {
        PyObject *a = field_value(r, &dir_fields[i], 0), *b = a ? field_value(r, &dir_fields[i], 1) : NULL;
        if (!a || !b) {
            Py_XDECREF(a);
            goto done;
        }
        PyObject *row = PyUnicode_FromFormat("<tr><th style=\"text-align:left\">%s</th><td>%S</td><td>%S</td></tr>",
                                             dir_fields[i].name, a, b);
        Py_DECREF(a);
        Py_DECREF(b);
        ADD(row);
    }
    ADD(PyUnicode_FromString("</tbody></table>"));
#undef ADD
    {
        PyObject *sep = PyUnicode_FromString("");
        if (sep) {
            html = PyUnicode_Join(sep, parts);
            Py_DECREF(sep);
        }
    }
done:
    Py_DECREF(parts);
    return html;
}

static PyObject *connection_fields(PyObject *cls, PyObject *noargs)
{
    (void)cls;
    (void)noargs;
    /* ([connection field names], [direction field names without suffix]) */
    PyObject *a = PyList_New((Py_ssize_t)N_CONN_FIELDS), *b = PyList_New((Py_ssize_t)N_DIR_FIELDS);
    if (!a || !b)
        goto fail;
    for (size_t i = 0; i < N_CONN_FIELDS; i++)
        PyList_SET_ITEM(a, (Py_ssize_t)i, PyUnicode_FromString(conn_fields[i].name));
    for (size_t i = 0; i < N_DIR_FIELDS; i++)
        PyList_SET_ITEM(b, (Py_ssize_t)i, PyUnicode_FromString(dir_fields[i].name));
    return Py_BuildValue("(NN)", a, b);
fail:
    Py_XDECREF(a);
    Py_XDECREF(b);
    return NULL;
}

static PyMethodDef connection_methods[] = {
    {"_asdict", connection_asdict, METH_NOARGS, "_asdict() -> dict\n\nEvery attribute by name."},
    {"payload", connection_payload, METH_O,
     "payload(direction) -> Payload\n\nThe reassembled bytes of one direction ('c2s' or 's2c') "
     "with a gap map; reads the capture file again (tcptrace.streams.payload)."},
    {"chunks", connection_chunks, METH_NOARGS,
     "chunks() -> list[Chunk]\n\nThe conversation's ordered (direction, offset, bytes, frames) chunks."},
    {"messages", connection_messages, METH_NOARGS,
     "messages() -> list[Message]\n\nHTTP/1.x and TLS messages of the connection, with their frames."},
    {"_repr_html_", connection_repr_html, METH_NOARGS, "An HTML table (Jupyter)."},
    {"_fields", connection_fields, METH_NOARGS | METH_CLASS,
     "_fields() -> (connection names, direction names without _c2s/_s2c)"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject tt_py_ConnectionType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tcptrace.Connection",
    .tp_basicsize = sizeof(ConnectionObject),
    .tp_dealloc = connection_dealloc,
    .tp_repr = connection_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One TCP connection's statistics, state and history, as it ended. Immutable.\n\n"
              "Per-direction values are NAME_c2s (client -> server) and NAME_s2c; .c2s and .s2c "
              "give them as dicts. See docs/connections.md.",
    .tp_methods = connection_methods,
    .tp_getset = conn_getset,
};

/* ---- Iterator over a capture's connections ---- */

typedef struct {
    PyObject_HEAD
    PyObject *cap; /* owned: the Capture */
    PyObject *exc_type, *exc_value, *exc_tb; /* owned: a read error held back until the
                                              * records queued before it are handed out */
} ConnIterObject;

static int conniter_traverse(ConnIterObject *it, visitproc visit, void *arg)
{
    Py_VISIT(it->cap);
    Py_VISIT(it->exc_type);
    Py_VISIT(it->exc_value);
    Py_VISIT(it->exc_tb);
    return 0;
}

static int conniter_clear(ConnIterObject *it)
{
    Py_CLEAR(it->cap);
    Py_CLEAR(it->exc_type);
    Py_CLEAR(it->exc_value);
    Py_CLEAR(it->exc_tb);
    return 0;
}

static void conniter_dealloc(ConnIterObject *it)
{
    PyObject_GC_UnTrack(it);
    conniter_clear(it);
    PyObject_GC_Del(it);
}

static PyObject *conniter_next(ConnIterObject *it)
{
    tt_conn_record r;
    if (!it->cap)
        return NULL; /* cleared by the collector */
    int rc = tt_py_capture_next_conn(it->cap, &r);
    if (rc < 0 && !it->exc_type && PyErr_ExceptionMatches(PyExc_Exception)) {
        /* A damaged capture: the connections read so far still come first. An interrupt
         * (KeyboardInterrupt: Ctrl-C, SystemExit) is not an Exception: it goes at once. */
        PyErr_Fetch(&it->exc_type, &it->exc_value, &it->exc_tb);
        rc = tt_py_capture_next_conn(it->cap, &r);
    }
    if (rc > 0)
        return connection_new_from(&r, it->cap);
    if (rc == 0 && it->exc_type) {
        PyErr_Restore(it->exc_type, it->exc_value, it->exc_tb);
        it->exc_type = it->exc_value = it->exc_tb = NULL;
    }
    return NULL;
}

PyTypeObject tt_py_ConnIterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tcptrace._core._ConnectionIterator",
    .tp_basicsize = sizeof(ConnIterObject),
    .tp_dealloc = (destructor)conniter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)conniter_traverse,
    .tp_clear = (inquiry)conniter_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)conniter_next,
};

PyObject *tt_py_capture_connections(PyObject *cap, PyObject *noargs)
{
    (void)noargs;
    ConnIterObject *it = PyObject_GC_New(ConnIterObject, &tt_py_ConnIterType);
    if (!it)
        return NULL;
    Py_INCREF(cap);
    it->cap = cap;
    it->exc_type = it->exc_value = it->exc_tb = NULL;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

PyObject *tt_py_capture_connection(PyObject *cap, PyObject *arg)
{
    long want = PyLong_AsLong(arg);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    PyObject **cache = tt_py_capture_conn_cache(cap);
    if (!*cache && !(*cache = PyDict_New()))
        return NULL;
    PyObject *hit = PyDict_GetItem(*cache, arg);
    if (hit)
        return Py_NewRef(hit);
    for (;;) {
        tt_conn_record r;
        int rc = tt_py_capture_next_conn(cap, &r);
        if (rc < 0)
            return NULL;
        if (rc == 0) {
            PyErr_Format(PyExc_KeyError, "no connection with stream index %ld", want);
            return NULL;
        }
        PyObject *c = connection_new_from(&r, cap);
        PyObject *k = c ? PyLong_FromUnsignedLong(r.stream) : NULL;
        if (!k || PyDict_SetItem(*cache, k, c) < 0) {
            Py_XDECREF(k);
            Py_XDECREF(c);
            return NULL;
        }
        Py_DECREF(k);
        if ((long)r.stream == want)
            return c;
        Py_DECREF(c);
    }
}

int tt_py_linger_ns(PyObject *linger, int64_t *out)
{
    *out = 0;
    if (linger == Py_None)
        return 0;
    double s = PyFloat_AsDouble(linger);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    if (isnan(s)) {
        PyErr_SetString(PyExc_ValueError, "linger must be a number of seconds");
        return -1;
    }
    if (s < 0 || s > 9.2e9)
        *out = -1; /* never evict */
    else
        *out = s * 1e9 < 1 ? 1 : (int64_t)(s * 1e9);
    return 0;
}

/* ---- Columns for tcptrace.connections() ---- */

/* The next `limit` connection records of the capture (0: every remaining one), into
 * *recs (owned by the caller, free()). 0, or -1 with an exception set. */
static int read_records(PyObject *cap, size_t limit, tt_conn_record **recs, size_t *n)
{
    size_t cap_n = 0;
    *recs = NULL;
    *n = 0;
    for (;;) {
        if (limit && *n == limit)
            return 0;
        if (*n == cap_n) {
            size_t nc = cap_n ? cap_n * 2 : 256;
            if (limit && nc > limit)
                nc = limit;
            tt_conn_record *nr = realloc(*recs, nc * sizeof *nr);
            if (!nr) {
                PyErr_NoMemory();
                return -1;
            }
            *recs = nr;
            cap_n = nc;
        }
        int rc = tt_py_capture_next_conn(cap, &(*recs)[*n]);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        (*n)++;
    }
}

/* Column k of the table: its field, direction (-1: the connection's) and name. */
static const field_def *column_of(size_t k, int *dir, char *name, size_t name_len)
{
    if (k < N_CONN_FIELDS) {
        *dir = -1;
        snprintf(name, name_len, "%s", conn_fields[k].name);
        return &conn_fields[k];
    }
    size_t j = k - N_CONN_FIELDS;
    const field_def *f = &dir_fields[j / 2];
    *dir = (int)(j % 2);
    snprintf(name, name_len, "%s%s", f->name, dir_suffix[*dir]);
    return f;
}

/* A string column: a list of str. */
static PyObject *string_column(const tt_conn_record *recs, size_t n, const field_def *f)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = field_str(&recs[i], f);
        if (!v) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

static bool field_nullable(const field_def *f)
{
    return f->kind == K_U16_OPT || f->kind == K_I8_OPT || f->kind == K_I64_OPT;
}

/* numpy's dtype of a numeric column of type t ('b', 'f' or 'i'). */
static const char *column_dtype(const field_def *f, char t)
{
    if (t == 'b')
        return "?";
    if (t == 'f')
        return "<f8";
    if (!field_nullable(f) && (f->kind == K_U64 || f->kind == K_U32 || f->kind == K_RTT_N ||
                               f->kind == K_TOT_PACKETS || f->kind == K_TOT_BYTES ||
                               f->kind == K_U8 || f->kind == K_U16))
        return "<u8";
    return "<i8";
}

/* A numeric column: (data buffer, dtype, validity buffer or None). */
static PyObject *numeric_column(const tt_conn_record *recs, size_t n, const field_def *f, int dir,
                                char t)
{
    bool nullable = field_nullable(f);
    size_t w = t == 'b' ? 1 : 8;
    void *data = malloc(n ? n * w : 1);
    uint8_t *ok = nullable ? malloc(n ? n : 1) : NULL;
    if (!data || (nullable && !ok)) {
        free(data);
        free(ok);
        return PyErr_NoMemory();
    }
    for (size_t i = 0; i < n; i++) {
        int64_t iv;
        double dv;
        bool valid;
        field_num(&recs[i], f, dir, &iv, &dv, &valid);
        if (t == 'b')
            ((uint8_t *)data)[i] = (uint8_t)iv;
        else if (t == 'f')
            ((double *)data)[i] = valid ? dv : NAN;
        else
            ((int64_t *)data)[i] = valid ? iv : 0;
        if (ok)
            ok[i] = valid;
    }
    PyObject *d = tt_py_buffer_take(data, (Py_ssize_t)(n * w));
    PyObject *v = ok ? tt_py_buffer_take(ok, (Py_ssize_t)n) : Py_NewRef(Py_None);
    PyObject *entry = (d && v) ? Py_BuildValue("(OsO)", d, column_dtype(f, t), v) : NULL;
    Py_XDECREF(d);
    Py_XDECREF(v);
    return entry;
}

PyObject *tt_py_capture_connection_columns(PyObject *cap, PyObject *args)
{
    Py_ssize_t max_rows = 0;
    if (!PyArg_ParseTuple(args, "|n:_connection_columns", &max_rows))
        return NULL;
    if (max_rows < 0) {
        PyErr_SetString(PyExc_ValueError, "max_rows must not be negative");
        return NULL;
    }
    tt_conn_record *recs = NULL;
    size_t n = 0;
    PyObject *cols = NULL, *strs = NULL, *result = NULL;
    if (read_records(cap, (size_t)max_rows, &recs, &n) < 0)
        goto done;
    cols = PyDict_New();
    strs = PyDict_New();
    if (!cols || !strs)
        goto done;
    tt_conn_record empty; /* only to learn each field's type when there is no row */
    memset(&empty, 0, sizeof empty);
    for (size_t k = 0; k < N_CONN_FIELDS + 2 * N_DIR_FIELDS; k++) {
        int dir;
        char name[64];
        const field_def *f = column_of(k, &dir, name, sizeof name);
        int64_t iv;
        double dv;
        bool valid;
        char t = field_num(n ? &recs[0] : &empty, f, dir, &iv, &dv, &valid);
        PyObject *col = t == 's' ? string_column(recs, n, f) : numeric_column(recs, n, f, dir, t);
        int bad = !col || PyDict_SetItemString(t == 's' ? strs : cols, name, col) < 0;
        Py_XDECREF(col);
        if (bad)
            goto done;
    }
    result = Py_BuildValue("(nOO)", (Py_ssize_t)n, cols, strs);
done:
    Py_XDECREF(cols);
    Py_XDECREF(strs);
    free(recs);
    return result;
}
