/* Python views of the stream layer's queue (stream.h): messages, chunks, follow
 * records and follow nodes become tuples; the queue is then emptied. */
#include "core.h"

#include "../stream.h"

static const char *msg_kind_name(tt_msg_kind k)
{
    switch (k) {
    case TT_MSG_HTTP_REQUEST: return "http_request";
    case TT_MSG_HTTP_RESPONSE: return "http_response";
    case TT_MSG_TLS_RECORD: return "tls_record";
    case TT_MSG_TLS_HANDSHAKE: return "tls_handshake";
    }
    return "unknown";
}

static const char *chunk_kind_name(int k)
{
    switch (k) {
    case TT_REASM_DATA: return "data";
    case TT_REASM_MISSING: return "missing";
    case TT_REASM_GAP: return "gap";
    case TT_REASM_END: return "end";
    }
    return "unknown";
}

static const char *end_name(int e)
{
    switch (e) {
    case TT_REASM_END_FIN: return "fin";
    case TT_REASM_END_RST: return "rst";
    case TT_REASM_END_FLUSH: return "flush";
    }
    return NULL;
}

static PyObject *str_or_none(const char *s)
{
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "backslashreplace");
}

static PyObject *frames_list(const tt_app_frame *f, size_t n)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *t = Py_BuildValue("(KK)", (unsigned long long)f[i].frame,
                                    (unsigned long long)f[i].bytes);
        if (!t) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, t);
    }
    return l;
}

static PyObject *msg_tuple(const tt_stream_msg *m)
{
    PyObject *hs = PyTuple_New(m->n_hs);
    if (!hs)
        return NULL;
    for (int i = 0; i < m->n_hs; i++)
        PyTuple_SET_ITEM(hs, i, PyLong_FromLong(m->hs_types[i]));
    PyObject *version = NULL;
    if (m->kind == TT_MSG_HTTP_REQUEST || m->kind == TT_MSG_HTTP_RESPONSE)
        version = PyUnicode_FromFormat("%d.%d", m->version_major, m->version_minor);
    else
        version = Py_NewRef(Py_None);
    PyObject *frames = frames_list(m->frames, m->n_frames);
    if (!version || !frames) {
        Py_DECREF(hs);
        Py_XDECREF(version);
        Py_XDECREF(frames);
        return NULL;
    }
    int http = m->kind == TT_MSG_HTTP_REQUEST || m->kind == TT_MSG_HTTP_RESPONSE;
    return Py_BuildValue(
        "(sIiKKKKIKiNNNNNNKKKLiiNNNNKK)", msg_kind_name(m->kind), (unsigned)m->stream, (int)m->dir,
        (unsigned long long)m->done_frame, (unsigned long long)m->start_off,
        (unsigned long long)m->end_off, (unsigned long long)m->length, (unsigned)m->flags,
        (unsigned long long)m->missing_bytes, m->status, version, str_or_none(m->method),
        str_or_none(m->uri), str_or_none(m->reason), str_or_none(m->content_type),
        str_or_none(m->request_method), (unsigned long long)m->header_bytes,
        (unsigned long long)m->body_bytes, (unsigned long long)m->content_bytes,
        (long long)m->content_length, http ? -1 : (int)m->tls_type,
        http ? -1 : (int)m->tls_version, hs, str_or_none(m->sni), str_or_none(m->alpn), frames,
        (unsigned long long)m->frames_total, (unsigned long long)m->anomalies);
}

static PyObject *chunk_tuple(const tt_stream_chunk *c)
{
    PyObject *data = c->data ? PyBytes_FromStringAndSize((const char *)c->data, (Py_ssize_t)c->len)
                             : Py_NewRef(Py_None);
    PyObject *parts = PyList_New((Py_ssize_t)c->n_parts);
    if (!data || !parts) {
        Py_XDECREF(data);
        Py_XDECREF(parts);
        return NULL;
    }
    for (size_t i = 0; i < c->n_parts; i++) {
        PyObject *t = Py_BuildValue("(KI)", (unsigned long long)c->parts[i].frame,
                                    (unsigned)c->parts[i].len);
        if (!t) {
            Py_DECREF(data);
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, (Py_ssize_t)i, t);
    }
    return Py_BuildValue("(IisKKKNNN)", (unsigned)c->stream, (int)c->dir, chunk_kind_name(c->kind),
                         (unsigned long long)c->off, (unsigned long long)c->len,
                         (unsigned long long)c->frame, data, parts,
                         str_or_none(c->kind == TT_REASM_END ? end_name(c->end) : NULL));
}

static int append_new(PyObject *list, PyObject *item)
{
    if (!item)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

PyObject *tt_py_streams_drain(tt_streams_out *o)
{
    PyObject *msgs = PyList_New(0), *chunks = PyList_New(0), *follow = PyList_New(0),
             *nodes = PyList_New(0);
    if (!msgs || !chunks || !follow || !nodes)
        goto fail;
    for (size_t i = 0; i < o->msgs.n; i++)
        if (append_new(msgs, msg_tuple(&o->msgs.v[i])) < 0)
            goto fail;
    for (size_t i = 0; i < o->chunks.n; i++)
        if (append_new(chunks, chunk_tuple(&o->chunks.v[i])) < 0)
            goto fail;
    for (size_t i = 0; i < o->follow.n; i++) {
        const tt_stream_follow *f = &o->follow.v[i];
        if (append_new(follow, Py_BuildValue("(IiKy#)", (unsigned)f->stream, (int)f->node,
                                             (unsigned long long)f->frame, (const char *)f->data,
                                             (Py_ssize_t)f->len)) < 0)
            goto fail;
    }
    for (size_t i = 0; i < o->nodes.n; i++) {
        const tt_stream_nodes *n = &o->nodes.v[i];
        PyObject *a0 = tt_py_addr_str(n->version, n->addr[0]);
        PyObject *a1 = tt_py_addr_str(n->version, n->addr[1]);
        if (!a0 || !a1) {
            Py_XDECREF(a0);
            Py_XDECREF(a1);
            goto fail;
        }
        if (append_new(nodes, Py_BuildValue("(IiNiNi)", (unsigned)n->stream, (int)n->version, a0,
                                            (int)n->port[0], a1, (int)n->port[1])) < 0)
            goto fail;
    }
    tt_streams_out_clear(o);
    return Py_BuildValue("(NNNN)", msgs, chunks, follow, nodes);
fail:
    tt_streams_out_clear(o);
    Py_XDECREF(msgs);
    Py_XDECREF(chunks);
    Py_XDECREF(follow);
    Py_XDECREF(nodes);
    return NULL;
}

PyObject *tt_py_streams_stats(const tt_streams_stats *s)
{
    const struct {
        const char *name;
        uint64_t v;
    } items[] = {
        {"conns", s->conns}, {"segments", s->segments}, {"bytes", s->bytes},
        {"gap_bytes", s->gap_bytes}, {"gaps", s->gaps}, {"missing_bytes", s->missing_bytes},
        {"overlap_bytes", s->overlap_bytes}, {"conflicts", s->conflicts},
        {"dropped_bytes", s->dropped_bytes}, {"forced_gaps", s->forced_gaps},
        {"trimmed_bytes", s->trimmed_bytes}, {"implausible_segments", s->implausible_segments},
        {"held_peak", s->held_peak}, {"messages", s->messages}, {"http_conns", s->http_conns},
        {"tls_conns", s->tls_conns}, {"nomem", s->nomem},
        {"follow_dropped_bytes", s->follow_dropped_bytes},
    };
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(items[i].v);
        if (!v || PyDict_SetItemString(d, items[i].name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}
