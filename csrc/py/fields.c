/* Field formatting (csrc/fields.c) for Python: names, one segment's cells. */
#include "core.h"

#include <stdlib.h>

#include "../fields.h"

PyObject *tt_py_field_names(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *list = PyList_New(0);
    if (!list)
        return NULL;
    for (int i = 0; tt_field_name(i); i++) {
        PyObject *s = PyUnicode_FromString(tt_field_name(i));
        if (!s || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(s);
    }
    PyObject *t = PyList_AsTuple(list);
    Py_DECREF(list);
    return t;
}

int *tt_py_field_ids(PyObject *ids_obj, Py_ssize_t *n)
{
    PyObject *seq = PySequence_Fast(ids_obj, "field ids must be a sequence of ints");
    if (!seq)
        return NULL;
    *n = PySequence_Fast_GET_SIZE(seq);
    int *ids = malloc(sizeof *ids * (size_t)(*n ? *n : 1));
    if (!ids) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if ((v == -1 && PyErr_Occurred()) || !tt_field_name((int)v)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "no field id %ld", v);
            free(ids);
            Py_DECREF(seq);
            return NULL;
        }
        ids[i] = (int)v;
    }
    Py_DECREF(seq);
    return ids;
}

/* _field_needs_analysis() -> tuple[bool, ...], by field id */
PyObject *tt_py_field_needs_analysis(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    int n = 0;
    while (tt_field_name(n))
        n++;
    PyObject *t = PyTuple_New(n);
    for (int i = 0; t && i < n; i++)
        PyTuple_SET_ITEM(t, i, PyBool_FromLong(tt_field_needs_analysis(i)));
    return t;
}

/* The frame before, for frame.time_delta_displayed: a Segment, or None (the first). */
static int prev_of(tt_py_state *st, PyObject *prev_obj, tt_field_prev *prev)
{
    prev->have = 0;
    if (!prev_obj || prev_obj == Py_None)
        return 0;
    const tt_segment *p = tt_py_segment_value(st, prev_obj);
    if (!p)
        return -1;
    tt_field_prev_set(prev, p);
    return 0;
}

/* _segment_fields(segment, ids, occurrence=0, aggregator=",", prev=None) -> list[str] */
PyObject *tt_py_segment_fields(PyObject *self, PyObject *args)
{
    PyObject *seg_obj, *ids_obj, *prev_obj = NULL;
    int occurrence = 0;
    const char *aggregator = ",";
    if (!PyArg_ParseTuple(args, "OO|isO:_segment_fields", &seg_obj, &ids_obj, &occurrence, &aggregator,
                          &prev_obj))
        return NULL;
    const tt_segment *sv = tt_py_segment_value(PyModule_GetState(self), seg_obj);
    tt_field_prev prev;
    if (!sv || prev_of(PyModule_GetState(self), prev_obj, &prev) < 0)
        return NULL;
    /* The Segment keeps its payload in a bytes object (tcp.payload reads it there). */
    tt_segment seg = *sv;
    const tt_segment *s = &seg;
    PyObject *payload = PyObject_GetAttrString(seg_obj, "payload");
    if (!payload)
        return NULL;
    if (PyBytes_Check(payload) && PyBytes_GET_SIZE(payload) > 0) {
        seg.pkt.payload = (const uint8_t *)PyBytes_AS_STRING(payload);
        seg.pkt.payload_caplen = (uint32_t)PyBytes_GET_SIZE(payload);
    }
    Py_ssize_t n;
    int *ids = tt_py_field_ids(ids_obj, &n);
    if (!ids) {
        Py_DECREF(payload);
        return NULL;
    }
    PyObject *out = PyList_New(n);
    tt_field_opts o = {occurrence, aggregator, "\t", &prev};
    tt_textbuf b;
    tt_textbuf_init(&b);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        tt_textbuf_reset(&b);
        tt_field_format(s, ids[i], &o, &b);
        if (b.failed) {
            Py_CLEAR(out);
            PyErr_NoMemory();
            break;
        }
        PyObject *t = PyUnicode_DecodeUTF8(b.data ? b.data : "", (Py_ssize_t)b.len, "replace");
        if (!t) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
    tt_textbuf_clear(&b);
    free(ids);
    Py_DECREF(payload);
    return out;
}
