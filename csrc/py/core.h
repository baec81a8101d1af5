/* Shared declarations of the _core extension module (the only Python.h users). */
#ifndef TT_PY_CORE_H
#define TT_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "../engine.h"
#include "../error.h"

/* Exceptions, created at module init (owned by the module). */
extern PyObject *tt_py_CaptureError;
extern PyObject *tt_py_CaptureFormatError;
extern PyObject *tt_py_CaptureTruncatedWarning;

extern PyTypeObject tt_py_SegmentType;
extern PyTypeObject tt_py_CaptureType;
extern PyTypeObject tt_py_BufferType;

/* A _Buffer taking ownership of a malloc'd block (freed even on failure). */
PyObject *tt_py_buffer_take(void *data, Py_ssize_t len);

/* The engine segment inside a Segment (borrowed), or NULL with TypeError set. */
const tt_segment *tt_py_segment_value(PyObject *o);

/* tcptrace fields in C (py/fields.c). */
PyObject *tt_py_field_names(PyObject *self, PyObject *noargs);
PyObject *tt_py_segment_fields(PyObject *self, PyObject *args);
/* Parse (ids sequence) into a malloc'd int array; NULL with an exception set. */
int *tt_py_field_ids(PyObject *ids, Py_ssize_t *n);

/* A new Segment from an engine segment (copies everything, payload included). */
PyObject *tt_py_segment_new(const tt_segment *seg);

/* Raise the Python exception matching a tt_error. Returns NULL. */
PyObject *tt_py_raise_error(const tt_error *err);

/* Address bytes to text: "192.0.2.1" / "2001:db8::1". */
PyObject *tt_py_addr_str(int version, const uint8_t *addr);

#endif
