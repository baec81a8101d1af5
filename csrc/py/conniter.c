/* tcptrace._core._ConnectionIterator: Connections one at a time from a reader of
 * finished records (a Capture's connections()), through the reader's next function. */
#include "core.h"

typedef struct {
    PyObject_HEAD
    PyObject *owner;          /* owned: the reader (a Capture) */
    tt_py_next_conn_fn next;  /* the owner's next record */
    PyObject *source;         /* owned: (path, filter) each Connection remembers, or NULL */
    PyObject *exc_type, *exc_value, *exc_tb; /* owned: a read error held back until the
                                              * records queued before it are handed out */
} ConnIterObject;

static int conniter_traverse(ConnIterObject *it, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(it)); /* instances of a heap type hold it */
    Py_VISIT(it->owner);
    Py_VISIT(it->source);
    Py_VISIT(it->exc_type);
    Py_VISIT(it->exc_value);
    Py_VISIT(it->exc_tb);
    return 0;
}

static int conniter_clear(ConnIterObject *it)
{
    Py_CLEAR(it->owner);
    Py_CLEAR(it->source);
    Py_CLEAR(it->exc_type);
    Py_CLEAR(it->exc_value);
    Py_CLEAR(it->exc_tb);
    return 0;
}

static void conniter_dealloc(ConnIterObject *it)
{
    PyTypeObject *tp = Py_TYPE(it);
    PyObject_GC_UnTrack(it);
    conniter_clear(it);
    PyObject_GC_Del(it);
    Py_DECREF(tp);
}

static PyObject *conniter_next(ConnIterObject *it)
{
    tt_conn_record r;
    if (!it->owner)
        return NULL; /* cleared by the collector */
    tt_py_state *st = tt_py_state_get();
    if (!st)
        return NULL;
    int rc = it->next(it->owner, &r);
    if (rc < 0 && !it->exc_type && PyErr_ExceptionMatches(PyExc_Exception)) {
        /* A damaged capture: the connections read so far still come first. An interrupt
         * (KeyboardInterrupt: Ctrl-C, SystemExit) is not an Exception: it goes at once. */
        PyErr_Fetch(&it->exc_type, &it->exc_value, &it->exc_tb);
        rc = it->next(it->owner, &r);
    }
    if (rc > 0)
        return tt_py_connection_new(st, &r, it->source);
    if (rc == 0 && it->exc_type) {
        PyErr_Restore(it->exc_type, it->exc_value, it->exc_tb);
        it->exc_type = it->exc_value = it->exc_tb = NULL;
    }
    return NULL;
}

static PyType_Slot conniter_slots[] = {
    {Py_tp_dealloc, (void *)conniter_dealloc},
    {Py_tp_traverse, (void *)conniter_traverse},
    {Py_tp_clear, (void *)conniter_clear},
    {Py_tp_iter, (void *)PyObject_SelfIter},
    {Py_tp_iternext, (void *)conniter_next},
    {0, NULL},
};

static PyType_Spec conniter_spec = {
    .name = "tcptrace._core._ConnectionIterator",
    .basicsize = sizeof(ConnIterObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = conniter_slots,
};

int tt_py_conniter_register(PyObject *module, tt_py_state *st)
{
    st->ConnIterType = tt_py_new_type(module, &conniter_spec, 0);
    if (!st->ConnIterType)
        return -1;
    return PyModule_AddObjectRef(module, "_ConnectionIterator", (PyObject *)st->ConnIterType);
}

PyObject *tt_py_conniter_new(tt_py_state *st, PyObject *owner, tt_py_next_conn_fn next,
                             PyObject *source)
{
    ConnIterObject *it = PyObject_GC_New(ConnIterObject, st->ConnIterType);
    if (!it)
        return NULL;
    it->owner = Py_NewRef(owner);
    it->next = next;
    Py_XINCREF(source);
    it->source = source;
    it->exc_type = it->exc_value = it->exc_tb = NULL;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}
