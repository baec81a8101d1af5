/* tcptrace._core: module definition and state, exceptions, shared helpers. Each type
 * lives in its own file and registers itself (tt_py_*_register). */
#include "core.h"

#ifdef _WIN32
#include <ws2tcpip.h> /* inet_ntop (ws2_32) */
#else
#include <arpa/inet.h>
#endif
#include <errno.h>
#include <string.h>

#include "../anomaly.h"
#include "../analysis.h"
#include "../columns.h"
#include "../pcaplib.h"
#include "../source.h"

static struct PyModuleDef core_module;

struct PyModuleDef *tt_py_module_def(void) { return &core_module; }

tt_py_state *tt_py_state_get(void)
{
    /* A single-phase module: the interpreter keeps it by its definition. */
    PyObject *m = PyState_FindModule(&core_module);
    if (!m) {
        PyErr_SetString(PyExc_RuntimeError, "tcptrace._core is not loaded");
        return NULL;
    }
    return PyModule_GetState(m);
}

PyTypeObject *tt_py_new_type(PyObject *module, PyType_Spec *spec, int instantiable)
{
#if PY_VERSION_HEX >= 0x030A0000
    if (!instantiable)
        spec->flags |= Py_TPFLAGS_DISALLOW_INSTANTIATION;
#endif
    PyTypeObject *t = (PyTypeObject *)PyType_FromModuleAndSpec(module, spec, NULL);
#if PY_VERSION_HEX < 0x030A0000
    if (t && !instantiable)
        t->tp_new = NULL; /* 3.9: a heap type inherits object's tp_new otherwise */
#endif
    return t;
}

PyObject *tt_py_raise_error(const tt_error *err)
{
    tt_py_state *st;
    switch (err->code) {
    case TT_ERR_NOT_FOUND: {
        PyObject *args = Py_BuildValue("(is)", ENOENT, err->msg);
        if (args) { /* PyErr_SetObject does not take the reference */
            PyErr_SetObject(PyExc_FileNotFoundError, args);
            Py_DECREF(args);
        }
        break;
    }
    case TT_ERR_FILTER: PyErr_SetString(PyExc_ValueError, err->msg); break;
    case TT_ERR_NOMEM: PyErr_NoMemory(); break;
    case TT_ERR_ARG: PyErr_SetString(PyExc_ValueError, err->msg); break;
    case TT_ERR_IO:
        if ((st = tt_py_state_get()))
            PyErr_SetString(st->CaptureError, err->msg);
        break;
    default:
        if ((st = tt_py_state_get()))
            PyErr_SetString(st->CaptureFormatError, err->msg);
        break;
    }
    return NULL;
}

PyObject *tt_py_addr_str(int version, const uint8_t *addr)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf))
        return PyUnicode_FromString("?");
    return PyUnicode_FromString(buf);
}

/* A tuple of the n names name(0) .. name(n-1) of one of the core's tables. */
static PyObject *names_tuple(int n, const char *(*name)(int))
{
    PyObject *t = PyTuple_New(n);
    if (!t)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(name(i));
        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static PyObject *py_anomaly_names(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return names_tuple(TT_ANOM_COUNT, tt_anomaly_name);
}

static PyObject *py_linktype_name(PyObject *self, PyObject *arg)
{
    (void)self;
    long lt = PyLong_AsLong(arg);
    if (lt == -1 && PyErr_Occurred())
        return NULL;
    const char *name = tt_pcaplib_linktype_name((int)lt);
    if (!name)
        Py_RETURN_NONE;
    return PyUnicode_FromString(name);
}

static PyObject *py_column_specs(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    static const char *const type_names[] = {"u1", "u2", "u4", "u8", "i8", "f8", "b1", "i4", "bytes"};
    PyObject *list = PyList_New(TT_COL_COUNT);
    if (!list)
        return NULL;
    for (int i = 0; i < TT_COL_COUNT; i++) {
        const tt_col_spec *sp = tt_col_spec_of(i);
        PyObject *t = Py_BuildValue("(ssOO)", sp->name, type_names[sp->type],
                                    sp->nullable ? Py_True : Py_False,
                                    sp->needs_analysis ? Py_True : Py_False);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, t);
    }
    return list;
}

/* analysis_flags() -> ((name, field, info_label, expert_severity, expert_summary, title), ...)
 * in bit order: csrc/analysis_flags.h, for the Python side's lists. */
static PyObject *py_analysis_flags(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *t = PyTuple_New(TT_AF_COUNT);
    if (!t)
        return NULL;
    for (int i = 0; i < TT_AF_COUNT; i++) {
        const tt_analysis_flag_info *f = tt_analysis_flag(i);
        PyObject *row = Py_BuildValue("(ssssss)", f->name, f->field, f->info_label,
                                      f->expert_severity, f->expert_summary, f->title);
        if (!row) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, row);
    }
    return t;
}

static PyObject *py_analysis_flag_names(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return names_tuple(TT_AF_COUNT, tt_analysis_flag_name);
}

static PyObject *py_libpcap_version(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return PyUnicode_FromString(tt_pcaplib_version());
}

static PyMethodDef module_methods[] = {
    {"framers", tt_py_framers, METH_NOARGS,
     PyDoc_STR("framers() -> list of dict: the application framers (name, ports, fields).")},
    {"libpcap_version", py_libpcap_version, METH_NOARGS,
     "libpcap_version() -> str\n\nThe version string of the libpcap this build runs against."},
    {"field_names", tt_py_field_names, METH_NOARGS,
     "field_names() -> tuple[str, ...]\n\nThe Wireshark field names tcptrace fields knows; a name's "
     "position is its field id."},
    {"_segment_fields", tt_py_segment_fields, METH_VARARGS,
     "_segment_fields(segment, ids, occurrence=0, aggregator=',', prev=None) -> list[str]\n\n"
     "The cells of one segment, as tshark -T fields prints them; prev: the segment shown "
     "before it (frame.time_delta_displayed), None for the first."},
    {"_field_needs_analysis", tt_py_field_needs_analysis, METH_NOARGS,
     "_field_needs_analysis() -> tuple[bool, ...]\n\nBy field id: whether the field needs "
     "the TCP analysis (csrc/fields.c's table)."},
    {"analysis_flags", py_analysis_flags, METH_NOARGS,
     "analysis_flags() -> tuple of (name, field, info_label, expert_severity, expert_summary, "
     "title), one per tcp.analysis flag in bit order (csrc/analysis_flags.h)."},
    {"analysis_flag_names", py_analysis_flag_names, METH_NOARGS,
     "analysis_flag_names() -> tuple[str, ...]\n\nThe tcp.analysis flag names, in bit order."},
    {"_column_specs", py_column_specs, METH_NOARGS,
     "_column_specs() -> list[(name, numpy type code, nullable, needs_analysis)], indexed by "
     "column id (csrc/columns.h's table)."},
    {"anomaly_names", py_anomaly_names, METH_NOARGS,
     "anomaly_names() -> tuple[str, ...]\n\nEvery stable anomaly name, in code order."},
    {"linktype_name", py_linktype_name, METH_O,
     "linktype_name(linktype) -> str | None\n\nlibpcap's name of a LINKTYPE_ value (\"EN10MB\")."},
    {"zeek_conn_rows", (PyCFunction)(void (*)(void))tt_py_zeek_conn_rows, METH_VARARGS | METH_KEYWORDS,
     "zeek_conn_rows(path, ignore_checksums=False, filter=None, server_ports=None, "
     "partial_close_timer=False, reset_timer=False) -> (rows, counters)\n\n"
     "Zeek's conn.log TCP rows of a capture (csrc/zeek_conn.h), each a tuple in conn.log's "
     "column order without proto and service; counters says what was dropped."},
    {NULL, NULL, 0, NULL},
};

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    tt_py_state *st = PyModule_GetState(m);
    if (!st)
        return 0;
    Py_VISIT(st->CaptureError);
    Py_VISIT(st->CaptureFormatError);
    Py_VISIT(st->CaptureTruncatedWarning);
    Py_VISIT(st->SegmentType);
    Py_VISIT(st->ConnectionType);
    Py_VISIT(st->ConnIterType);
    Py_VISIT(st->BufferType);
    Py_VISIT(st->CaptureType);
    Py_VISIT(st->LiveType);
    Py_VISIT(st->ArrowStreamType);
    return 0;
}

static int module_clear(PyObject *m)
{
    tt_py_state *st = PyModule_GetState(m);
    if (!st)
        return 0;
    Py_CLEAR(st->CaptureError);
    Py_CLEAR(st->CaptureFormatError);
    Py_CLEAR(st->CaptureTruncatedWarning);
    Py_CLEAR(st->SegmentType);
    Py_CLEAR(st->ConnectionType);
    Py_CLEAR(st->ConnIterType);
    Py_CLEAR(st->BufferType);
    Py_CLEAR(st->CaptureType);
    Py_CLEAR(st->LiveType);
    Py_CLEAR(st->ArrowStreamType);
    return 0;
}

static void module_free(void *m) { module_clear((PyObject *)m); }

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "tcptrace._core",
    "The C core of tcptrace: capture reading, decoding and TCP analysis.", sizeof(tt_py_state),
    module_methods, NULL, module_traverse, module_clear, module_free,
};

/* An exception of the module, kept in the state and added under its short name. */
static int add_exception(PyObject *m, PyObject **slot, const char *name, const char *doc,
                         PyObject *base)
{
    *slot = PyErr_NewExceptionWithDoc(name, doc, base, NULL);
    if (!*slot)
        return -1;
    return PyModule_AddObjectRef(m, strrchr(name, '.') + 1, *slot);
}

PyMODINIT_FUNC PyInit__core(void)
{
    PyObject *m = PyModule_Create(&core_module);
    if (!m)
        return NULL;
    tt_py_state *st = PyModule_GetState(m);
    if (add_exception(m, &st->CaptureError, "tcptrace.CaptureError",
                      "A capture file that cannot be read.", PyExc_OSError) < 0 ||
        add_exception(m, &st->CaptureFormatError, "tcptrace.CaptureFormatError",
                      "A file that is not a capture, or a capture damaged past reading.",
                      st->CaptureError) < 0 ||
        add_exception(m, &st->CaptureTruncatedWarning, "tcptrace.CaptureTruncatedWarning",
                      "The capture file ends in the middle of a record; every whole record was "
                      "read.", PyExc_UserWarning) < 0)
        goto fail;
    if (tt_py_buffer_register(m, st) < 0 || tt_py_segment_register(m, st) < 0 ||
        tt_py_connection_register(m, st) < 0 || tt_py_conniter_register(m, st) < 0 ||
        tt_py_capture_register(m, st) < 0 || tt_py_live_register(m, st) < 0 ||
        tt_py_arrow_register(m, st) < 0)
        goto fail;
    return m;

fail:
    Py_DECREF(m);
    return NULL;
}
