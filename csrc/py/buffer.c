/* tcptrace._core._Buffer: a read-only buffer that owns one malloc'd array handed over
 * by the C core (a detached column). numpy.frombuffer keeps it alive; since the array
 * was detached from its builder, nothing can grow or free it under a view. */
#include "core.h"

#include <stdlib.h>

typedef struct {
    PyObject_HEAD
    void *data;      /* owned: freed with free() in dealloc */
    Py_ssize_t len;  /* bytes */
} BufferObject;

static void buffer_dealloc(BufferObject *b)
{
    PyTypeObject *tp = Py_TYPE(b);
    free(b->data);
    tp->tp_free((PyObject *)b);
    Py_DECREF(tp); /* instances of a heap type hold it */
}

static int buffer_getbuffer(BufferObject *b, Py_buffer *view, int flags)
{
    static char empty;
    return PyBuffer_FillInfo(view, (PyObject *)b, b->data ? b->data : &empty, b->len, 1, flags);
}

static Py_ssize_t buffer_length(BufferObject *b) { return b->len; }

#if PY_VERSION_HEX < 0x030C0000
/* __buffer__(flags) -> memoryview: what Python 3.12 gives every buffer type (PEP 688),
 * so the stub's one declaration holds on every version. */
static PyObject *buffer_dunder_buffer(PyObject *b, PyObject *flags)
{
    if (PyLong_AsLong(flags) == -1 && PyErr_Occurred())
        return NULL;
    return PyMemoryView_FromObject(b);
}

static PyMethodDef buffer_methods[] = {
    {"__buffer__", buffer_dunder_buffer, METH_O, "A memoryview of the block (PEP 688)."},
    {NULL, NULL, 0, NULL},
};
#endif

static PyType_Slot buffer_slots[] = {
    {Py_tp_dealloc, (void *)buffer_dealloc},
    {Py_bf_getbuffer, (void *)buffer_getbuffer},
    {Py_sq_length, (void *)buffer_length},
#if PY_VERSION_HEX < 0x030C0000
    {Py_tp_methods, buffer_methods},
#endif
    {Py_tp_doc, (void *)"A read-only block of memory owned by the C core (a column)."},
    {0, NULL},
};

static PyType_Spec buffer_spec = {
    .name = "tcptrace._core._Buffer",
    .basicsize = sizeof(BufferObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = buffer_slots,
};

int tt_py_buffer_register(PyObject *module, tt_py_state *st)
{
    st->BufferType = tt_py_new_type(module, &buffer_spec, 0);
    if (!st->BufferType)
        return -1;
    return PyModule_AddObjectRef(module, "_Buffer", (PyObject *)st->BufferType);
}

PyObject *tt_py_buffer_take(tt_py_state *st, void *data, Py_ssize_t len)
{
    BufferObject *b = PyObject_New(BufferObject, st->BufferType);
    if (!b) {
        free(data);
        return NULL;
    }
    b->data = data;
    b->len = data ? len : 0;
    return (PyObject *)b;
}
