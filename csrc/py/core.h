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
extern PyTypeObject tt_py_ConnectionType;
extern PyTypeObject tt_py_ConnIterType;

/* Connections (connection.c): a new Connection from a finished record; the Capture
 * methods connections(), connection(n), _connection_columns(); the linger argument
 * (seconds or None) in ns for tt_engine_config; the attribute table, set up before
 * PyType_Ready. */
PyObject *tt_py_connection_new(const tt_conn_record *r);
PyObject *tt_py_capture_connections(PyObject *cap, PyObject *noargs);
PyObject *tt_py_capture_connection(PyObject *cap, PyObject *arg);
PyObject *tt_py_capture_connection_columns(PyObject *cap, PyObject *args);
int tt_py_linger_ns(PyObject *linger, int64_t *out);
int tt_py_connection_prepare(void);
#define TT_PY_CONNECTION_METHODS                                                              \
    {"connections", (PyCFunction)tt_py_capture_connections, METH_NOARGS,                      \
     "connections() -> Iterator[Connection]\n\nEach connection as it ends (then the rest at "   \
     "the end of the capture), reading the capture as far as needed."},                        \
    {"connection", (PyCFunction)tt_py_capture_connection, METH_O,                             \
     "connection(stream) -> Connection\n\nThe connection with that stream index (KeyError if "  \
     "none); reads as far as needed and keeps the records it passes over."},                  \
    {"_connection_columns", (PyCFunction)tt_py_capture_connection_columns, METH_VARARGS,      \
     "_connection_columns(max_rows=0) -> (rows, {name: (data, dtype, valid or None)}, "         \
     "{name: list})\n\nThe next max_rows connections (0: every remaining one) as C-built "     \
     "columns."},

/* Capture (capture.c): the next finished connection record, reading further as needed:
 * 1 with *out set, 0 at the end, -1 with an exception. */
int tt_py_capture_next_conn(PyObject *cap, tt_conn_record *out);
/* The Capture's cache of records passed over by connection(n) (a dict or NULL). */
PyObject **tt_py_capture_conn_cache(PyObject *cap);

/* A _Buffer taking ownership of a malloc'd block (freed even on failure). */
PyObject *tt_py_buffer_take(void *data, Py_ssize_t len);

/* The engine segment inside a Segment (borrowed), or NULL with TypeError set. */
const tt_segment *tt_py_segment_value(PyObject *o);

/* tcptrace fields in C (py/fields.c). */
PyObject *tt_py_field_names(PyObject *self, PyObject *noargs);
PyObject *tt_py_segment_fields(PyObject *self, PyObject *args);
PyObject *tt_py_field_needs_analysis(PyObject *self, PyObject *noargs);
/* Parse (ids sequence) into a malloc'd int array; NULL with an exception set. */
int *tt_py_field_ids(PyObject *ids, Py_ssize_t *n);

/* A new Segment from an engine segment (copies everything, payload included). */
PyObject *tt_py_segment_new(const tt_segment *seg);

/* Raise the Python exception matching a tt_error. Returns NULL. */
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
