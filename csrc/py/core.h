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

/* A new Segment from an engine segment (copies everything, payload included). */
PyObject *tt_py_segment_new(const tt_segment *seg);

/* Raise the Python exception matching a tt_error. Returns NULL. */
PyObject *tt_py_raise_error(const tt_error *err);

/* Address bytes to text: "192.0.2.1" / "2001:db8::1". */
PyObject *tt_py_addr_str(int version, const uint8_t *addr);

/* Standard input and file objects (pystream.c). The error slot holds a Python
 * exception raised inside a read callback until the core's read error surfaces. */
typedef struct tt_py_errslot tt_py_errslot;
tt_py_errslot *tt_py_errslot_new(void);
/* Raise the kept exception, if any: 1 when one was raised. */
int tt_py_errslot_raise(tt_py_errslot *e);
void tt_py_errslot_free(tt_py_errslot *e);
/* 1 for "-" and for objects with read/readinto (not str paths, bytes, PathLike). */
int tt_py_is_stream_arg(PyObject *obj);
/* A source over "-" (standard input) or a binary file object; errs must outlive it.
 * NULL with an exception set; else *name is a new str naming the input. */
struct tt_source *tt_py_source_open(PyObject *obj, const char *filter, tt_py_errslot *errs,
                                    PyObject **name);

#endif
