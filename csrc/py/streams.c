/* Python views of the stream layer's queue (stream.h): messages become dicts (a common
 * header and the framer's details, named by its field table), chunks, follow records
 * and follow nodes tuples; the queue is then emptied. And the framer registry. */
#include "core.h"

#include <stdio.h>
#include <string.h>

#include "../framer.h"
#include "../stream.h"
#include "../tshark_ports.h"

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

static int append_new(PyObject *list, PyObject *item)
{
    if (!item)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

static PyObject *text_or_none(const char *s, size_t len)
{
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "backslashreplace");
}

static PyObject *value_obj(const tt_app_field *f, const tt_stream_value *v)
{
    if (!v->set)
        Py_RETURN_NONE;
    if (f->type == TT_APP_INT)
        return PyLong_FromLongLong((long long)v->i);
    if (f->type == TT_APP_STR)
        return text_or_none(v->s, v->len);
    PyObject *t = PyTuple_New((Py_ssize_t)v->len); /* TT_APP_U8LIST */
    for (size_t i = 0; t && i < v->len; i++)
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, PyLong_FromLong((unsigned char)v->s[i]));
    return t;
}

static PyObject *cstr_or_none(const char *s)
{
    return text_or_none(s, s ? strlen(s) : 0);
}

static int set_new(PyObject *d, const char *key, PyObject *v)
{
    if (!v)
        return -1;
    int rc = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return rc;
}

/* A message as a dict: the common header (stream.h: tt_stream_msg), then the
 * framer's details under their own names, in "details". */
static PyObject *msg_dict(const tt_stream_msg *m)
{
    PyObject *d = PyDict_New(), *details = PyDict_New();
    if (!d || !details)
        goto fail;
    const tt_framer *fr = m->framer;
    for (size_t i = 0; i < fr->n_fields && i < TT_APP_MAX_FIELDS; i++)
        if (set_new(details, fr->fields[i].name, value_obj(&fr->fields[i], &m->v[i])) < 0)
            goto fail;
    if (set_new(d, "framer", PyUnicode_FromString(fr->name)) < 0 ||
        set_new(d, "kind", PyUnicode_FromString(m->kind)) < 0 ||
        set_new(d, "stream", PyLong_FromUnsignedLong(m->stream)) < 0 ||
        set_new(d, "dir", PyLong_FromLong(m->dir)) < 0 ||
        set_new(d, "done_frame", PyLong_FromUnsignedLongLong(m->done_frame)) < 0 ||
        set_new(d, "start_off", PyLong_FromUnsignedLongLong(m->start_off)) < 0 ||
        set_new(d, "end_off", PyLong_FromUnsignedLongLong(m->end_off)) < 0 ||
        set_new(d, "length", PyLong_FromUnsignedLongLong(m->length)) < 0 ||
        set_new(d, "flags", PyLong_FromUnsignedLong(m->flags)) < 0 ||
        set_new(d, "anomalies", PyLong_FromUnsignedLongLong(m->anomalies)) < 0 ||
        set_new(d, "missing_bytes", PyLong_FromUnsignedLongLong(m->missing_bytes)) < 0 ||
        set_new(d, "lost", PyBool_FromLong(m->lost)) < 0 ||
        set_new(d, "truncated", PyBool_FromLong(m->truncated)) < 0 ||
        set_new(d, "pdu", PyBool_FromLong(m->pdu)) < 0 ||
        set_new(d, "protocol", cstr_or_none(m->protocol)) < 0 ||
        set_new(d, "info", cstr_or_none(m->info)) < 0 ||
        set_new(d, "stream_protocol", cstr_or_none(m->stream_protocol)) < 0 ||
        set_new(d, "note", cstr_or_none(m->note)) < 0 ||
        set_new(d, "lead", cstr_or_none(m->lead)) < 0 ||
        set_new(d, "frames", frames_list(m->frames, m->n_frames)) < 0 ||
        set_new(d, "frames_total", PyLong_FromUnsignedLongLong(m->frames_total)) < 0)
        goto fail;
    if (PyDict_SetItemString(d, "details", details) < 0)
        goto fail;
    Py_DECREF(details);
    return d;
fail:
    Py_XDECREF(d);
    Py_XDECREF(details);
    return NULL;
}

PyObject *tt_py_framers(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    static const char *const type_names[] = {[TT_APP_INT] = "int", [TT_APP_STR] = "str",
                                             [TT_APP_U8LIST] = "list"};
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && tt_framers[i]; i++) {
        const tt_framer *fr = tt_framers[i];
        uint16_t pv[1024];
        size_t np = tt_tshark_tcp_ports_of(fr->dissector, pv, sizeof pv / sizeof *pv);
        np = np < sizeof pv / sizeof *pv ? np : sizeof pv / sizeof *pv;
        PyObject *ports = PyTuple_New((Py_ssize_t)np);
        PyObject *fields = PyList_New(0);
        for (size_t k = 0; ports && k < np; k++)
            PyTuple_SET_ITEM(ports, (Py_ssize_t)k, PyLong_FromLong(pv[k]));
        for (size_t k = 0; fields && k < fr->n_fields; k++)
            if (append_new(fields, Py_BuildValue("(ss)", fr->fields[k].name,
                                                 type_names[fr->fields[k].type])) < 0)
                Py_CLEAR(fields);
        PyObject *row = ports && fields
                            ? Py_BuildValue("{s:s,s:N,s:N,s:O,s:O}", "name", fr->name, "ports", ports,
                                            "fields", fields, "sniffs", fr->sniff ? Py_True : Py_False,
                                            "info_joins", fr->info_joins ? Py_True : Py_False)
                            : NULL;
        if (!row) {
            Py_XDECREF(ports);
            Py_XDECREF(fields);
        }
        if (append_new(out, row) < 0)
            Py_CLEAR(out);
    }
    return out;
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

PyObject *tt_py_streams_drain(tt_streams_out *o)
{
    PyObject *msgs = PyList_New(0), *chunks = PyList_New(0), *follow = PyList_New(0),
             *nodes = PyList_New(0);
    if (!msgs || !chunks || !follow || !nodes)
        goto fail;
    for (size_t i = 0; i < o->msgs.n; i++)
        if (append_new(msgs, msg_dict(&o->msgs.v[i])) < 0)
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
        {"held_peak", s->held_peak}, {"reasm_steps", s->reasm_steps}, {"messages", s->messages}, {"nomem", s->nomem},
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
    /* "<framer>_conns": connections given each framer */
    for (size_t i = 0; tt_framers[i] && i < TT_STREAMS_MAX_FRAMERS; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s_conns", tt_framers[i]->name);
        if (set_new(d, key, PyLong_FromUnsignedLongLong(s->framer_conns[i])) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}
