/* Shared declarations of the _core extension module (the only Python.h users). */
#ifndef TT_PY_CORE_H
#define TT_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "../engine.h"
#include "../error.h"

/* PyModule_AddObjectRef and Py_NewRef are Python 3.10's; 3.9 (requires-python) gets the
 * same here. AddObjectRef adds a new reference to `value`, the caller keeps its own. */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

static inline int PyModule_AddObjectRef(PyObject *m, const char *name, PyObject *value)
{
    Py_XINCREF(value);
    if (PyModule_AddObject(m, name, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    return 0;
}
#endif

/* The module's state (module.c): its exceptions and types, owned by the module, made at
 * import by each file's register function. No C globals hold Python objects. */
typedef struct tt_py_state {
    PyObject *CaptureError;
    PyObject *CaptureFormatError;
    PyObject *CaptureTruncatedWarning;
    PyTypeObject *SegmentType;
    PyTypeObject *ConnectionType;
    PyTypeObject *ConnIterType;
    PyTypeObject *BufferType;
    PyTypeObject *CaptureType;
    PyTypeObject *LiveType;
    PyTypeObject *ArrowStreamType; /* arrow.c */
} tt_py_state;

/* The state of the loaded module (found by its definition), or NULL with an exception
 * set when it is gone (interpreter shutdown). */
tt_py_state *tt_py_state_get(void);
/* The module's definition, for PyState_FindModule. */
struct PyModuleDef *tt_py_module_def(void);

/* A heap type of the module from its spec (NULL with an exception set); `instantiable`
 * 0 makes calling the type a TypeError, as a static type without tp_new. */
PyTypeObject *tt_py_new_type(PyObject *module, PyType_Spec *spec, int instantiable);

/* Each file's type, made and added to the module at import (PyInit__core calls them in
 * turn): 0, or -1 with an exception set. */
int tt_py_buffer_register(PyObject *module, tt_py_state *st);
int tt_py_segment_register(PyObject *module, tt_py_state *st);
int tt_py_connection_register(PyObject *module, tt_py_state *st);
int tt_py_conniter_register(PyObject *module, tt_py_state *st);
int tt_py_capture_register(PyObject *module, tt_py_state *st);
int tt_py_live_register(PyObject *module, tt_py_state *st);
int tt_py_arrow_register(PyObject *module, tt_py_state *st);

/* A Connection from a finished record (connection.c); source is the (path, filter) of
 * its capture, or NULL. */
PyObject *tt_py_connection_new(tt_py_state *st, const tt_conn_record *r, PyObject *source);
/* Every record of recs[0..n) as C-built columns:
 * (rows, {name: (data, dtype, valid or None)}, {name: list of str}). */
PyObject *tt_py_connection_columns(tt_py_state *st, const tt_conn_record *recs, size_t n);

/* An iterator of Connections over a reader (conniter.c): next(owner, out) gives the
 * next record (1), the end (0), or -1 with an exception set; owner is held. A read
 * error is held back until the records queued before it are handed out. */
typedef int (*tt_py_next_conn_fn)(PyObject *owner, tt_conn_record *out);
PyObject *tt_py_conniter_new(tt_py_state *st, PyObject *owner, tt_py_next_conn_fn next,
                             PyObject *source);

/* A _Buffer taking ownership of a malloc'd block (freed even on failure). */
PyObject *tt_py_buffer_take(tt_py_state *st, void *data, Py_ssize_t len);

/* The engine segment inside a Segment (borrowed), or NULL with TypeError set. */
const tt_segment *tt_py_segment_value(tt_py_state *st, PyObject *o);

/* tcptrace fields in C (py/fields.c). */
PyObject *tt_py_field_names(PyObject *self, PyObject *noargs);
PyObject *tt_py_segment_fields(PyObject *self, PyObject *args);
PyObject *tt_py_field_needs_analysis(PyObject *self, PyObject *noargs);
/* Parse (ids sequence) into a malloc'd int array; NULL with an exception set. */
int *tt_py_field_ids(PyObject *ids, Py_ssize_t *n);

/* A new Segment from an engine segment (copies everything, payload included). */
PyObject *tt_py_segment_new(tt_py_state *st, const tt_segment *seg);

/* Raise the Python exception matching a tt_error (the module's exceptions for I/O and
 * format errors). Returns NULL. */
PyObject *tt_py_raise_error(const tt_error *err);

struct tt_streams_out;
struct tt_streams_stats;
/* The stream layer's queued items as (messages, chunks, follow, nodes) lists of tuples
 * (streams.c); empties the queue. */
PyObject *tt_py_streams_drain(struct tt_streams_out *out);
/* The stream counters as a dict. */
PyObject *tt_py_streams_stats(const struct tt_streams_stats *s);

/* _core.framers(): the framer registry (framers.c) as dicts (streams.c). */
PyObject *tt_py_framers(PyObject *self, PyObject *noargs);

/* Zeek's conn.log rows (py/zeek.c). */
PyObject *tt_py_zeek_conn_rows(PyObject *self, PyObject *args, PyObject *kwds);

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
/* The slot's objects, for a garbage-collected owner's tp_traverse and tp_clear. */
int tt_py_errslot_traverse(tt_py_errslot *e, visitproc visit, void *arg);
void tt_py_errslot_clear(tt_py_errslot *e);
/* A source over "-" (standard input) or a binary file object; errs must outlive it.
 * NULL with an exception set; else *name is a new str naming the input, and *reader
 * the file object's read method the source holds (borrowed: owned by the source until
 * it is freed; NULL for standard input and descriptors), for the owner's tp_traverse. */
struct tt_source *tt_py_source_open(PyObject *obj, const char *filter, tt_py_errslot *errs,
                                    PyObject **name, PyObject **reader);

#endif
