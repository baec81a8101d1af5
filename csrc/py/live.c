/* tcptrace._core._Live: an interface captured into a pcap file by libpcap (pcaplib.c),
 * the engine of tcptrace.capture (tcptrace/live.py runs run() on a thread of its own). */
#include "core.h"

#include <string.h>

#include "../pcaplib.h"

typedef struct {
    PyObject_HEAD
    tt_live *lv; /* owned: freed by close() or dealloc */
    int running; /* run() is inside tt_live_run (changed with the GIL held) */
} LiveObject;

static void live_dealloc(LiveObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tt_live_free(self->lv); /* a running thread holds a reference: not reached then */
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static int live_check_open(LiveObject *self)
{
    if (!self->lv) {
        PyErr_SetString(PyExc_ValueError, "the live capture is closed");
        return -1;
    }
    return 0;
}

/* _Live(interface, filter, snaplen, path): open the interface (PermissionError without
 * the capture privilege). */
static PyObject *live_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"interface", "filter", "snaplen", "path", NULL};
    const char *iface, *filter = NULL, *path;
    int snaplen = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "szis:_Live", kwlist, &iface, &filter, &snaplen,
                                     &path))
        return NULL;
    LiveObject *self = (LiveObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    tt_error err;
    tt_error_clear(&err);
    Py_BEGIN_ALLOW_THREADS
    self->lv = tt_live_open(iface, filter, snaplen, path, &err);
    Py_END_ALLOW_THREADS
    if (!self->lv) {
        Py_DECREF(self);
        if (strncmp(err.msg, TT_LIVE_PERM_PREFIX, sizeof TT_LIVE_PERM_PREFIX - 1) == 0) {
            PyErr_SetString(PyExc_PermissionError, err.msg);
            return NULL;
        }
        return tt_py_raise_error(&err);
    }
    return (PyObject *)self;
}

static PyObject *live_run(LiveObject *self, PyObject *noargs)
{
    (void)noargs;
    if (live_check_open(self) < 0)
        return NULL;
    if (self->running) {
        PyErr_SetString(PyExc_RuntimeError, "the live capture is already running");
        return NULL;
    }
    tt_error err;
    tt_error_clear(&err);
    int rc;
    self->running = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = tt_live_run(self->lv, &err);
    Py_END_ALLOW_THREADS
    self->running = 0;
    if (rc != 0)
        return tt_py_raise_error(&err);
    Py_RETURN_NONE;
}

static PyObject *live_stop(LiveObject *self, PyObject *noargs)
{
    (void)noargs;
    if (live_check_open(self) < 0)
        return NULL;
    tt_live_stop(self->lv);
    Py_RETURN_NONE;
}

static PyObject *live_stats(LiveObject *self, PyObject *noargs)
{
    (void)noargs;
    if (live_check_open(self) < 0)
        return NULL;
    uint64_t recv = 0, drop = 0;
    if (tt_live_stats(self->lv, &recv, &drop) != 0)
        return Py_BuildValue("(KOO)", (unsigned long long)tt_live_frames(self->lv), Py_None, Py_None);
    return Py_BuildValue("(KKK)", (unsigned long long)tt_live_frames(self->lv),
                         (unsigned long long)recv, (unsigned long long)drop);
}

static PyObject *live_close(LiveObject *self, PyObject *noargs)
{
    (void)noargs;
    if (self->running) {
        PyErr_SetString(PyExc_RuntimeError, "stop the live capture and join its thread first");
        return NULL;
    }
    tt_live_free(self->lv);
    self->lv = NULL;
    Py_RETURN_NONE;
}

static PyMethodDef live_methods[] = {
    {"run", (PyCFunction)live_run, METH_NOARGS,
     "run()\n\nCapture until stop() (releases the GIL; run it on a thread)."},
    {"stop", (PyCFunction)live_stop, METH_NOARGS, "stop()\n\nAsk run() to drain, flush and return."},
    {"stats", (PyCFunction)live_stats, METH_NOARGS,
     "stats() -> (written, received, dropped)\n\nFrames written; libpcap's counts (None if "
     "unavailable)."},
    {"close", (PyCFunction)live_close, METH_NOARGS, "close()\n\nClose the interface and the file."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot live_slots[] = {
    {Py_tp_new, (void *)live_new},
    {Py_tp_dealloc, (void *)live_dealloc},
    {Py_tp_methods, live_methods},
    {Py_tp_doc, (void *)"_Live(interface, filter, snaplen, path)\n\nAn interface open for live "
                        "capture into a pcap file (tcptrace.capture drives it)."},
    {0, NULL},
};

static PyType_Spec live_spec = {
    .name = "tcptrace._core._Live",
    .basicsize = sizeof(LiveObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = live_slots,
};

int tt_py_live_register(PyObject *module, tt_py_state *st)
{
    st->LiveType = tt_py_new_type(module, &live_spec, 1);
    if (!st->LiveType)
        return -1;
    return PyModule_AddObjectRef(module, "_Live", (PyObject *)st->LiveType);
}
