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

struct tt_streams_out;
struct tt_streams_stats;
/* The stream layer's queued items as (messages, chunks, follow, nodes) lists of tuples
 * (streams.c); empties the queue. */
PyObject *tt_py_streams_drain(struct tt_streams_out *out);
/* The stream counters as a dict. */
PyObject *tt_py_streams_stats(const struct tt_streams_stats *s);

/* Address bytes to text: "192.0.2.1" / "2001:db8::1". */
PyObject *tt_py_addr_str(int version, const uint8_t *addr);

#endif
