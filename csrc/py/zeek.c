/* _core.zeek_conn_rows: Zeek's conn.log TCP rows of a capture (csrc/zeek_conn.h). */
#include "core.h"

#include "../source.h"
#include "../zeek_conn.h"

#define TT_PY_ZEEK_BATCH 65536 /* frames per GIL release */

static PyObject *row_tuple(const tt_zeek_row *r)
{
    PyObject *dur = Py_None, *ob = Py_None, *rb = Py_None;
    PyObject *t = NULL;
    if (r->have_duration) {
        dur = PyFloat_FromDouble(r->duration);
        ob = PyLong_FromUnsignedLongLong(r->orig_bytes);
        rb = PyLong_FromUnsignedLongLong(r->resp_bytes);
        if (!dur || !ob || !rb)
            goto done;
    } else {
        Py_INCREF(dur);
        Py_INCREF(ob);
        Py_INCREF(rb);
    }
    t = Py_BuildValue("(dsNiNiOOOsKsKKKK)", r->ts, r->uid, tt_py_addr_str(r->ip_version, r->orig_h),
                      (int)r->orig_p, tt_py_addr_str(r->ip_version, r->resp_h), (int)r->resp_p,
                      dur, ob, rb, r->conn_state, (unsigned long long)r->missed_bytes, r->history,
                      (unsigned long long)r->orig_pkts, (unsigned long long)r->orig_ip_bytes,
                      (unsigned long long)r->resp_pkts, (unsigned long long)r->resp_ip_bytes);
done:
    Py_XDECREF(dur);
    Py_XDECREF(ob);
    Py_XDECREF(rb);
    return t;
}

/* server_ports: None or an iterable of ints 0..65535 -> a malloc'd array. */
static int parse_ports(PyObject *obj, uint16_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (obj == Py_None)
        return 0;
    PyObject *seq = PySequence_Fast(obj, "server_ports must be an iterable of port numbers");
    if (!seq)
        return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    *out = PyMem_Malloc((size_t)(len ? len : 1) * sizeof **out);
    if (!*out) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v < 0 || v > 65535) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "a server port must be 0..65535");
            Py_DECREF(seq);
            PyMem_Free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = (uint16_t)v;
    }
    *n = (size_t)len;
    Py_DECREF(seq);
    return 0;
}

static tt_source *open_source(PyObject *path, const char *filter, tt_py_errslot *errs)
{
    if (tt_py_is_stream_arg(path)) {
        PyObject *name = NULL, *reader = NULL;
        tt_source *src = tt_py_source_open(path, filter, errs, &name, &reader);
        Py_XDECREF(name);
        return src;
    }
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(path, &bytes))
        return NULL;
    tt_error err;
    tt_error_clear(&err);
    tt_source *src;
    const char *cpath = PyBytes_AS_STRING(bytes);
    Py_BEGIN_ALLOW_THREADS
    src = tt_source_open_offline(cpath, filter, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (!src)
        tt_py_raise_error(&err);
    return src;
}

/* Feed every frame, a batch at a time without the GIL; 0 at the end, -1 raised. */
static int drive(tt_source *src, tt_zeek *z, tt_py_errslot *errs, PyObject *path)
{
    tt_error err;
    tt_error_clear(&err);
    for (;;) {
        int rc = 1;
        Py_BEGIN_ALLOW_THREADS
        for (int i = 0; i < TT_PY_ZEEK_BATCH && rc == 1; i++) {
            tt_frame f;
            rc = tt_source_next(src, &f, &err);
            if (rc == 1 && tt_zeek_feed(z, &f, &err) < 0)
                rc = -1;
        }
        Py_END_ALLOW_THREADS
        if (rc == 0)
            return 0;
        if (rc < 0) {
            if (tt_py_errslot_raise(errs))
                return -1;
            if (err.code == TT_ERR_TRUNCATED)
                return PyErr_WarnFormat(tt_py_CaptureTruncatedWarning, 1, "%S: %s", path, err.msg);
            tt_py_raise_error(&err);
            return -1;
        }
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

static PyObject *rows_list(tt_zeek *z)
{
    PyObject *list = PyList_New(0);
    tt_zeek_row r;
    while (list && tt_zeek_next_row(z, &r)) {
        PyObject *t = row_tuple(&r);
        if (!t || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(t);
    }
    return list;
}

static PyObject *counters_dict(const tt_zeek_counters *c)
{
    return Py_BuildValue("{sKsKsKsKsKsKsKsK}", "frames", (unsigned long long)c->frames,
                         "tcp_packets", (unsigned long long)c->tcp_packets, "tunneled",
                         (unsigned long long)c->tunneled, "dropped_ip",
                         (unsigned long long)c->dropped_ip, "dropped_tcp_header",
                         (unsigned long long)c->dropped_tcp_hdr, "bad_checksum",
                         (unsigned long long)c->bad_checksum, "connections",
                         (unsigned long long)c->conns, "history_cut",
                         (unsigned long long)c->history_cut);
}

PyObject *tt_py_zeek_conn_rows(PyObject *self, PyObject *args, PyObject *kwds)
{
    (void)self;
    static char *kwlist[] = {"path", "ignore_checksums", "filter", "server_ports",
                             "partial_close_timer", "reset_timer", NULL};
    PyObject *path, *filter = Py_None, *ports_obj = Py_None;
    int ignore = 0, partial = 0, reset = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|pOOpp:zeek_conn_rows", kwlist, &path, &ignore,
                                     &filter, &ports_obj, &partial, &reset))
        return NULL;
    const char *filt = NULL;
    if (filter != Py_None && !(filt = PyUnicode_AsUTF8(filter)))
        return NULL;
    tt_zeek_config cfg = {0};
    cfg.ignore_checksums = ignore;
    cfg.partial_close_timer = partial;
    cfg.reset_timer = reset;
    uint16_t *ports = NULL;
    if (parse_ports(ports_obj, &ports, &cfg.n_server_ports) < 0)
        return NULL;
    cfg.server_ports = ports;
    PyObject *result = NULL;
    tt_py_errslot *errs = tt_py_errslot_new();
    tt_source *src = errs ? open_source(path, filt, errs) : NULL;
    tt_error err;
    tt_error_clear(&err);
    tt_zeek *z = src ? tt_zeek_new(&cfg, &err) : NULL;
    if (src && !z)
        tt_py_raise_error(&err);
    if (z && drive(src, z, errs, path) == 0) {
        tt_zeek_finish(z);
        PyObject *rows = rows_list(z);
        PyObject *counters = rows ? counters_dict(tt_zeek_get_counters(z)) : NULL;
        if (rows && counters)
            result = PyTuple_Pack(2, rows, counters);
        Py_XDECREF(rows);
        Py_XDECREF(counters);
    }
    tt_zeek_free(z);
    tt_source_free(src);
    tt_py_errslot_free(errs);
    PyMem_Free(ports);
    return result;
}
