/* Captures read from standard input ("-") or a Python binary file object.
 *
 * The core reads through a callback (tt_source_open_stream) and knows nothing of
 * Python: the callbacks here take the GIL themselves (the core runs them with the GIL
 * released), call the file object's readinto1/readinto/read, and keep a Python
 * exception in an error slot owned by the Capture, to be raised where the core's read
 * error surfaces. A real file with a descriptor is read with pread from its position,
 * without Python. */
#include "core.h" /* Python.h first, as the C API asks */

#include <errno.h>
#include <string.h>

#include "../platform.h"
#include "../source.h"

struct tt_py_errslot {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc; /* owned */
#else
    PyObject *type, *value, *tb; /* owned */
#endif
};

tt_py_errslot *tt_py_errslot_new(void)
{
    tt_py_errslot *e = PyMem_Calloc(1, sizeof *e);
    if (!e)
        PyErr_NoMemory();
    return e;
}

/* With the GIL: move the current exception into the slot (the first one kept). A
 * StopIteration from read() would end the capture silently where it escapes (PEP 479):
 * it is kept as the RuntimeError it stands for. */
static void errslot_store(tt_py_errslot *e)
{
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyErr_NormalizeException(&t, &v, &tb);
        PyErr_SetString(PyExc_RuntimeError, "the file object's read raised StopIteration");
        PyObject *t2, *v2, *tb2;
        PyErr_Fetch(&t2, &v2, &tb2);
        PyErr_NormalizeException(&t2, &v2, &tb2);
        if (v) {
            PyException_SetCause(v2, Py_NewRef(v));
            PyException_SetContext(v2, Py_NewRef(v));
        }
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
        PyErr_Restore(t2, v2, tb2);
    }
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
    if (e->exc)
        Py_XDECREF(exc);
    else
        e->exc = exc;
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (e->type) {
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
    } else {
        e->type = t;
        e->value = v;
        e->tb = tb;
    }
#endif
}

int tt_py_errslot_raise(tt_py_errslot *e)
{
    if (!e)
        return 0;
#if PY_VERSION_HEX >= 0x030C0000
    if (!e->exc)
        return 0;
    PyErr_SetRaisedException(e->exc);
    e->exc = NULL;
#else
    if (!e->type)
        return 0;
    PyErr_Restore(e->type, e->value, e->tb);
    e->type = e->value = e->tb = NULL;
#endif
    return 1;
}

int tt_py_errslot_traverse(tt_py_errslot *e, visitproc visit, void *arg)
{
    if (!e)
        return 0;
#if PY_VERSION_HEX >= 0x030C0000
    Py_VISIT(e->exc);
#else
    Py_VISIT(e->type);
    Py_VISIT(e->value);
    Py_VISIT(e->tb);
#endif
    return 0;
}

void tt_py_errslot_clear(tt_py_errslot *e)
{
    if (!e)
        return;
#if PY_VERSION_HEX >= 0x030C0000
    Py_CLEAR(e->exc);
#else
    Py_CLEAR(e->type);
    Py_CLEAR(e->value);
    Py_CLEAR(e->tb);
#endif
}

void tt_py_errslot_free(tt_py_errslot *e)
{
    if (!e)
        return;
#if PY_VERSION_HEX >= 0x030C0000
    Py_XDECREF(e->exc);
#else
    Py_XDECREF(e->type);
    Py_XDECREF(e->value);
    Py_XDECREF(e->tb);
#endif
    PyMem_Free(e);
}

/* ---- standard input: read(2) without the GIL; signals checked on EINTR ---- */

typedef struct stdin_ctx {
    int fd;
    tt_py_errslot *errs; /* borrowed: the Capture's */
} stdin_ctx;

static ptrdiff_t stdin_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    stdin_ctx *c = ctx;
    for (;;) {
        ptrdiff_t r = tt_plat_read(c->fd, buf, n);
        if (r >= 0)
            return (ptrdiff_t)r;
        if (errno != EINTR) {
            tt_error_set(err, TT_ERR_IO, "standard input: read error: %s", strerror(errno));
            return -1;
        }
        /* A signal: let Python's handlers run (Ctrl-C raises KeyboardInterrupt). */
        PyGILState_STATE g = PyGILState_Ensure();
        int rc = PyErr_CheckSignals();
        if (rc < 0)
            errslot_store(c->errs);
        PyGILState_Release(g);
        if (rc < 0) {
            tt_error_set(err, TT_ERR_IO, "standard input: interrupted");
            return -1;
        }
    }
}

static void stdin_close(void *ctx) { PyMem_RawFree(ctx); }

/* ---- file objects: readinto1 / readinto / read under the GIL ---- */

enum { M_READINTO, M_READ };

typedef struct fileobj_ctx {
    PyObject *meth;      /* owned: the bound method called */
    int kind;            /* M_READINTO or M_READ */
    tt_py_errslot *errs; /* borrowed: the Capture's */
} fileobj_ctx;

static ptrdiff_t fileobj_read(void *ctx, uint8_t *buf, size_t n, tt_error *err)
{
    fileobj_ctx *c = ctx;
    if (n > (size_t)PY_SSIZE_T_MAX)
        n = (size_t)PY_SSIZE_T_MAX;
    PyGILState_STATE g = PyGILState_Ensure();
    ptrdiff_t got = -1;
    PyObject *res = NULL;
    if (c->kind == M_READINTO) {
        PyObject *mv = PyMemoryView_FromMemory((char *)buf, (Py_ssize_t)n, PyBUF_WRITE);
        if (mv) {
            res = PyObject_CallOneArg(c->meth, mv);
            if (!res)
                errslot_store(c->errs); /* release() below needs no exception set */
            /* The view must not outlive this call: it points into the core's buffer. */
            PyObject *rel = PyObject_CallMethod(mv, "release", NULL);
            if (!rel && res) /* still exported (kept by the callee): refuse the data */
                Py_CLEAR(res);
            Py_XDECREF(rel);
            Py_DECREF(mv);
        }
        if (res == Py_None) {
            PyErr_SetString(PyExc_BlockingIOError,
                            "the file object has no data now (non-blocking): tcptrace needs a "
                            "blocking binary file object");
            Py_CLEAR(res);
        }
        if (res) {
            Py_ssize_t k = PyLong_AsSsize_t(res);
            if (k < 0 && !PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "readinto() returned a negative count");
            else if (k > (Py_ssize_t)n)
                PyErr_SetString(PyExc_ValueError, "readinto() returned more than it was asked");
            else if (k >= 0)
                got = k;
        }
    } else {
        res = PyObject_CallFunction(c->meth, "n", (Py_ssize_t)n);
        if (res && PyUnicode_Check(res)) {
            PyErr_SetString(PyExc_TypeError,
                            "the file object gives str: open the capture in binary mode ('rb')");
        } else if (res == Py_None) {
            PyErr_SetString(PyExc_BlockingIOError,
                            "the file object has no data now (non-blocking): tcptrace needs a "
                            "blocking binary file object");
        } else if (res) {
            Py_buffer view;
            if (PyObject_GetBuffer(res, &view, PyBUF_SIMPLE) == 0) {
                if (view.len > (Py_ssize_t)n) {
                    PyErr_SetString(PyExc_ValueError, "read() returned more than it was asked");
                } else {
                    memcpy(buf, view.buf, (size_t)view.len);
                    got = view.len;
                }
                PyBuffer_Release(&view);
            }
        }
    }
    Py_XDECREF(res);
    if (got < 0) {
        if (PyErr_Occurred())
            errslot_store(c->errs);
        tt_error_set(err, TT_ERR_IO, "the file object's read failed");
    }
    PyGILState_Release(g);
    return got;
}

static void fileobj_close(void *ctx)
{
    fileobj_ctx *c = ctx;
    PyGILState_STATE g = PyGILState_Ensure(); /* freed with or without the GIL held */
    Py_XDECREF(c->meth);
    PyGILState_Release(g);
    PyMem_RawFree(c);
}

int tt_py_is_stream_arg(PyObject *obj)
{
    if (PyUnicode_Check(obj))
        return PyUnicode_CompareWithASCIIString(obj, "-") == 0;
    if (PyBytes_Check(obj) || PyByteArray_Check(obj))
        return 0;
    return PyObject_HasAttrString(obj, "readinto") || PyObject_HasAttrString(obj, "read");
}

/* The file's descriptor when it is a regular file at a known position: 1 with a dup'd
 * descriptor and the position; 0 to read it through Python; -1 with an exception. */
static int regular_fd(PyObject *obj, PyObject *io, int *fd_out, int64_t *pos_out)
{
    /* Only io's own files, whose tell() is a position in the file behind fileno():
     * gzip.GzipFile has a fileno() too, of the compressed file. */
    int plain = 0;
    PyObject *fileio = PyObject_GetAttrString(io, "FileIO");
    PyObject *bufr = PyObject_GetAttrString(io, "BufferedReader");
    PyObject *bufrw = PyObject_GetAttrString(io, "BufferedRandom");
    if (fileio && bufr && bufrw) {
        plain = PyObject_IsInstance(obj, fileio) == 1;
        if (!plain && (PyObject_IsInstance(obj, bufr) == 1 || PyObject_IsInstance(obj, bufrw) == 1)) {
            PyObject *raw = PyObject_GetAttrString(obj, "raw");
            plain = raw && PyObject_IsInstance(raw, fileio) == 1;
            Py_XDECREF(raw);
        }
    }
    Py_XDECREF(fileio);
    Py_XDECREF(bufr);
    Py_XDECREF(bufrw);
    PyErr_Clear();
    if (!plain)
        return 0;
    PyObject *r = PyObject_CallMethod(obj, "fileno", NULL);
    if (!r) {
        PyErr_Clear(); /* io.UnsupportedOperation: BytesIO and friends */
        return 0;
    }
    int fd = (int)PyLong_AsLong(r);
    Py_DECREF(r);
    if (fd < 0) {
        PyErr_Clear();
        return 0;
    }
    tt_plat_stat st;
    if (tt_plat_fstat(fd, &st) != 0 || !st.is_regular)
        return 0;
    PyObject *t = PyObject_CallMethod(obj, "tell", NULL);
    if (!t) {
        PyErr_Clear();
        return 0;
    }
    long long pos = PyLong_AsLongLong(t);
    Py_DECREF(t);
    if (pos < 0) {
        PyErr_Clear();
        return 0;
    }
    int dupfd = tt_plat_dup(fd);
    if (dupfd < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    *fd_out = dupfd;
    *pos_out = pos;
    return 1;
}

static PyObject *name_of(PyObject *obj)
{
    if (PyUnicode_Check(obj))
        return PyUnicode_FromString("<stdin>");
    PyObject *name = PyObject_GetAttrString(obj, "name");
    if (name && PyUnicode_Check(name))
        return name;
    Py_XDECREF(name);
    PyErr_Clear();
    return PyUnicode_FromFormat("<%s>", Py_TYPE(obj)->tp_name);
}

tt_source *tt_py_source_open(PyObject *obj, const char *filter, tt_py_errslot *errs,
                             PyObject **name_out, PyObject **reader_out)
{
    *reader_out = NULL;
    PyObject *name = name_of(obj);
    if (!name)
        return NULL;
    const char *cname = PyUnicode_AsUTF8(name);
    if (!cname) {
        Py_DECREF(name);
        return NULL;
    }
    tt_error err;
    tt_error_clear(&err);
    tt_source *src = NULL;
    int fd = -1;
    int64_t pos = -1;
    int how = 2;
    if (!PyUnicode_Check(obj)) {
        PyObject *io = PyImport_ImportModule("io");
        PyObject *text = io ? PyObject_GetAttrString(io, "TextIOBase") : NULL;
        int is_text = text ? PyObject_IsInstance(obj, text) : -1;
        Py_XDECREF(text);
        if (is_text == 1)
            PyErr_SetString(PyExc_TypeError,
                            "the file object is in text mode: open the capture in binary mode ('rb')");
        how = is_text == 0 ? regular_fd(obj, io, &fd, &pos) : -1;
        Py_XDECREF(io);
    }
    if (how < 0) {
        Py_DECREF(name);
        return NULL;
    }
    if (how == 2) { /* "-": standard input, never closed */
        stdin_ctx *c = PyMem_RawMalloc(sizeof *c);
        if (!c) {
            Py_DECREF(name);
            PyErr_NoMemory();
            return NULL;
        }
        c->fd = 0;
        tt_plat_set_binary(c->fd);
        c->errs = errs;
        Py_BEGIN_ALLOW_THREADS
        src = tt_source_open_stream(stdin_read, c, stdin_close, cname, filter, &err);
        Py_END_ALLOW_THREADS
    } else if (how == 1) {
        Py_BEGIN_ALLOW_THREADS
        src = tt_source_open_fd(fd, pos, 1, cname, filter, &err);
        Py_END_ALLOW_THREADS
    } else {
        fileobj_ctx *c = PyMem_RawCalloc(1, sizeof *c);
        if (!c) {
            Py_DECREF(name);
            PyErr_NoMemory();
            return NULL;
        }
        static const char *const methods[] = {"readinto1", "readinto", "read1", "read"};
        for (size_t i = 0; i < sizeof methods / sizeof methods[0] && !c->meth; i++) {
            c->meth = PyObject_GetAttrString(obj, methods[i]);
            if (!c->meth)
                PyErr_Clear();
            c->kind = i < 2 ? M_READINTO : M_READ;
        }
        if (!c->meth) {
            PyMem_RawFree(c);
            Py_DECREF(name);
            PyErr_SetString(PyExc_TypeError, "expected a path, '-' or a binary file object");
            return NULL;
        }
        c->errs = errs;
        PyObject *meth = c->meth; /* the context (so the source) owns it from here */
        Py_BEGIN_ALLOW_THREADS
        src = tt_source_open_stream(fileobj_read, c, fileobj_close, cname, filter, &err);
        Py_END_ALLOW_THREADS
        if (src)
            *reader_out = meth;
    }
    if (!src) {
        if (!tt_py_errslot_raise(errs))
            tt_py_raise_error(&err);
        Py_DECREF(name);
        return NULL;
    }
    *name_out = name;
    return src;
}
