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
    free(b->data);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static int buffer_getbuffer(BufferObject *b, Py_buffer *view, int flags)
{
    static char empty;
    return PyBuffer_FillInfo(view, (PyObject *)b, b->data ? b->data : &empty, b->len, 1, flags);
}

static PyBufferProcs buffer_as_buffer = {(getbufferproc)buffer_getbuffer, NULL};

static Py_ssize_t buffer_length(BufferObject *b) { return b->len; }

static PySequenceMethods buffer_as_sequence = {.sq_length = (lenfunc)buffer_length};

PyTypeObject tt_py_BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tcptrace._core._Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = (destructor)buffer_dealloc,
    .tp_as_buffer = &buffer_as_buffer,
    .tp_as_sequence = &buffer_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A read-only block of memory owned by the C core (a column).",
};

PyObject *tt_py_buffer_take(void *data, Py_ssize_t len)
{
    BufferObject *b = PyObject_New(BufferObject, &tt_py_BufferType);
    if (!b) {
        free(data);
        return NULL;
    }
    b->data = data;
    b->len = data ? len : 0;
    return (PyObject *)b;
}
