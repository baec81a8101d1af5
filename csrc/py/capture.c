/* tcptrace._core.Capture: an open capture file, iterable over its TCP segments. */
#include "core.h"

#include <structmember.h> /* PyMemberDef before 3.12 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../anomaly.h"
#include "../columns.h"
#include "../fields.h"
#include "../listing.h"
#include "../platform.h"
#include "../source.h"
#include "../stream.h"

typedef struct {
    PyObject_HEAD
    tt_source *src;     /* owned: closed by close() or dealloc */
    tt_engine *eng;     /* owned: lives as long as the Capture (counters stay readable) */
    PyObject *path;     /* owned: str */
    PyObject *filter;   /* owned: str or None */
    tt_addrdict *addrs; /* owned: address dictionary of column reads, made on first use */
    int finished;       /* the end of the file (or an error) was reached */
    int64_t records;    /* records read, before the filter */
    PyObject *conn_cache; /* owned: dict stream -> Connection, filled by connection(n), or NULL */
    tt_py_errslot *rderr; /* owned: a read callback's exception (stdin, file objects) */
    PyObject *reader;   /* borrowed from the source (its read context owns it): the file
                         * object's read method, visited by tp_traverse; NULL without */
    PyObject *weakrefs; /* owned: the weak reference list */
    PyObject *module;   /* owned: tcptrace._core, whose state (types, exceptions) the
                         * reads use: one field read per segment, not a lookup */
    int busy;           /* a read runs (the GIL may be released inside it): set and
                         * cleared with the GIL held; close() and other reads refuse */
} CaptureObject;

/* The module state, through the module the Capture holds (set by __init__). */
static tt_py_state *capture_state(CaptureObject *self)
{
    return self->module ? PyModule_GetState(self->module) : tt_py_state_get();
}

/* One reader at a time: the source and the engine are used with the GIL released, so
 * a second thread, or a file object's read() calling back into its own Capture, must
 * not touch them meanwhile. 0, or -1 with RuntimeError set. */
static int busy_enter(CaptureObject *self)
{
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this Capture is being read already (by another thread, or from inside "
                        "its own file object's read()); use one Capture per thread");
        return -1;
    }
    self->busy = 1;
    return 0;
}

static void busy_leave(CaptureObject *self) { self->busy = 0; }

/* close() while a read runs would free the source under it. */
static int refuse_while_busy(CaptureObject *self, const char *what)
{
    if (!self->busy)
        return 0;
    PyErr_Format(PyExc_RuntimeError,
                 "%s while this Capture is being read (by another thread, or from inside its "
                 "own file object's read()); use one Capture per thread", what);
    return -1;
}

/* linger (seconds or None) in ns for tt_engine_config: 0 for the default, -1 never. */
static int linger_ns(PyObject *linger, int64_t *out)
{
    *out = 0;
    if (linger == Py_None)
        return 0;
    double s = PyFloat_AsDouble(linger);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    if (isnan(s)) {
        PyErr_SetString(PyExc_ValueError, "linger must be a number of seconds");
        return -1;
    }
    if (s < 0 || s > 9.2e9)
        *out = -1; /* never evict */
    else
        *out = s * 1e9 < 1 ? 1 : (int64_t)(s * 1e9);
    return 0;
}

/* The filter's text for libpcap (a C string): NULL with ValueError when it holds a NUL,
 * which would cut the expression short without a word. */
static const char *filter_text(PyObject *filter)
{
    Py_ssize_t len;
    const char *f = PyUnicode_AsUTF8AndSize(filter, &len);
    if (f && strlen(f) != (size_t)len) {
        PyErr_SetString(PyExc_ValueError, "filter: embedded NUL character");
        return NULL;
    }
    return f;
}

/* Capture("-") and Capture(fileobj): standard input or a binary file object. */
static int capture_init_stream(CaptureObject *self, PyObject *obj, PyObject *filter,
                               const tt_engine_config *cfg)
{
    const char *filt = NULL;
    if (filter != Py_None) {
        if (!PyUnicode_Check(filter)) {
            PyErr_SetString(PyExc_TypeError, "filter must be a str or None");
            return -1;
        }
        if (!(filt = filter_text(filter)))
            return -1;
    }
    if (!self->rderr && !(self->rderr = tt_py_errslot_new()))
        return -1;
    PyObject *name = NULL;
    PyObject *reader = NULL;
    tt_source *src = tt_py_source_open(obj, filt, self->rderr, &name, &reader);
    if (!src)
        return -1;
    tt_error err;
    tt_error_clear(&err);
    tt_engine *eng = tt_engine_new(cfg, &err);
    if (!eng) {
        tt_source_free(src);
        Py_DECREF(name);
        tt_py_raise_error(&err);
        return -1;
    }
    self->src = src;
    self->reader = reader;
    self->eng = eng;
    Py_XSETREF(self->path, name);
    Py_INCREF(filter);
    Py_XSETREF(self->filter, filter);
    return 0;
}

static int capture_init(CaptureObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", "filter", "analysis", "linger", "connections", "max_conns",
                             "max_pending", NULL};
    PyObject *path_obj, *filter = Py_None, *linger = Py_None, *max_conns = Py_None;
    PyObject *max_pending = Py_None;
    int analysis = 1, want_conns = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OpOpOO:Capture", kwlist, &path_obj, &filter,
                                     &analysis, &linger, &want_conns, &max_conns, &max_pending))
        return -1;
    tt_engine_config cfg = {0};
    cfg.decode_only = !analysis;
    cfg.conn_records = want_conns != 0 && analysis;
    if (linger_ns(linger, &cfg.conn_linger_ns) < 0)
        return -1;
    if (linger != Py_None)
        cfg.conn_linger_frames = 1; /* an explicit linger is in capture time only */
    if (max_conns != Py_None) {
        /* None: TT_MAX_CONNS_DEFAULT; else a positive count. */
        Py_ssize_t n = PyNumber_AsSsize_t(max_conns, PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred())
            return -1;
        if (n < 1) {
            PyErr_SetString(PyExc_ValueError, "max_conns must be a positive number of connections");
            return -1;
        }
        cfg.max_conns = (size_t)n;
    }
    if (max_pending != Py_None) {
        /* None: TT_MAX_PENDING_RECORDS_DEFAULT; else a positive count. */
        Py_ssize_t n = PyNumber_AsSsize_t(max_pending, PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred())
            return -1;
        if (n < 1) {
            PyErr_SetString(PyExc_ValueError,
                            "max_pending must be a positive number of connection records");
            return -1;
        }
        cfg.max_pending_records = (size_t)n;
    }
    if (self->src) {
        PyErr_SetString(PyExc_RuntimeError, "Capture is already initialized");
        return -1;
    }
    if (!self->module) {
        if (!tt_py_state_get())
            return -1;
        self->module = Py_NewRef(PyState_FindModule(tt_py_module_def()));
    }
    if (tt_py_is_stream_arg(path_obj))
        return capture_init_stream(self, path_obj, filter, &cfg);
    PyObject *fspath = PyOS_FSPath(path_obj);
    if (!fspath)
        return -1;
    PyObject *path_bytes = NULL;
    if (!PyUnicode_FSConverter(fspath, &path_bytes)) {
        Py_DECREF(fspath);
        return -1;
    }
    const char *filt = NULL;
    if (filter != Py_None) {
        if (!PyUnicode_Check(filter)) {
            PyErr_SetString(PyExc_TypeError, "filter must be a str or None");
            goto fail;
        }
        filt = filter_text(filter);
        if (!filt)
            goto fail;
    }
    tt_error err;
    tt_error_clear(&err);
    tt_source *src;
    const char *cpath = PyBytes_AS_STRING(path_bytes);
    Py_BEGIN_ALLOW_THREADS
    src = tt_source_open_offline(cpath, filt, &err);
    Py_END_ALLOW_THREADS
    if (!src) {
        tt_py_raise_error(&err);
        goto fail;
    }
    tt_engine *eng = tt_engine_new(&cfg, &err);
    if (!eng) {
        tt_source_free(src);
        tt_py_raise_error(&err);
        goto fail;
    }
    self->src = src;
    self->eng = eng;
    Py_XSETREF(self->path, fspath);
    Py_INCREF(filter);
    Py_XSETREF(self->filter, filter);
    Py_DECREF(path_bytes);
    return 0;

fail:
    Py_DECREF(fspath);
    Py_XDECREF(path_bytes);
    return -1;
}

static void capture_close_source(CaptureObject *self)
{
    if (self->src) {
        self->reader = NULL; /* released with the source's read context */
        tt_source_free(self->src);
        self->src = NULL;
    }
}

/* A file object that refers back to its Capture makes a cycle through the source's
 * read context: the collector sees it through `reader`. */
static int capture_traverse(CaptureObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self)); /* instances of a heap type hold it */
    Py_VISIT(self->reader);
    Py_VISIT(self->conn_cache);
    Py_VISIT(self->module);
    return tt_py_errslot_traverse(self->rderr, visit, arg);
}

static int capture_clear(CaptureObject *self)
{
    if (!self->busy) /* a running read keeps its source (it holds a reference) */
        capture_close_source(self);
    Py_CLEAR(self->conn_cache);
    Py_CLEAR(self->module);
    tt_py_errslot_clear(self->rderr);
    return 0;
}

static void capture_dealloc(CaptureObject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs)
        PyObject_ClearWeakRefs((PyObject *)self);
    capture_close_source(self);
    tt_engine_free(self->eng);
    tt_addrdict_free(self->addrs);
    tt_py_errslot_free(self->rderr);
    Py_XDECREF(self->path);
    Py_XDECREF(self->filter);
    Py_XDECREF(self->conn_cache);
    Py_XDECREF(self->module);
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *capture_iter(PyObject *self)
{
    Py_INCREF(self);
    return self;
}

#define TT_PY_BATCH_FRAMES 256 /* frames decoded per pull at most */
#define TT_PY_RELEASE_FRAMES (1 << 18) /* frames per GIL release at most: Ctrl-C and other
                                        * threads wait some 0.1 s at worst */

/* The next TCP segment from the source, without the GIL. Returns 1 with *seg set, 0 at
 * the end, -1 on error (err set), 2 when `budget` frames gave no segment (come back). */
static int capture_pull(CaptureObject *self, tt_segment *seg, tt_error *err, int budget,
                        int *frames)
{
    for (int i = 0; i < budget; i++) {
        tt_frame f;
        int rc = tt_source_next(self->src, &f, err);
        *frames += rc == 1;
        if (rc != 1)
            return rc;
        if (tt_engine_feed(self->eng, &f, seg))
            return 1;
    }
    return 2;
}

/* The end of the file or an error: finish the engine; a cut file only warns. Returns
 * NULL with an exception set, or NULL without one (StopIteration). */
static PyObject *capture_end(CaptureObject *self, int rc, const tt_error *err)
{
    self->finished = 1;
    tt_engine_finish(self->eng);
    if (rc == 0)
        return NULL;
    if (tt_py_errslot_raise(self->rderr))
        return NULL; /* a read callback's exception (KeyboardInterrupt, OSError...) */
    if (err->code == TT_ERR_TRUNCATED) {
        tt_py_state *st = capture_state(self);
        if (st)
            PyErr_WarnFormat(st->CaptureTruncatedWarning, 1, "%U: %s", self->path, err->msg);
        return NULL;
    }
    return tt_py_raise_error(err);
}

static int capture_check_open(CaptureObject *self)
{
    if (!self->src && !self->finished) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed capture");
        return -1;
    }
    return 0;
}

/* ---- the one read loop ---- */

/* What a read does with each pull, with the GIL released: seg is the next segment, or
 * NULL for a pull of TT_PY_BATCH_FRAMES frames that gave none. 0: go on; 1: enough for
 * now; -1: failed (the sink keeps why, and the caller raises it). */
typedef int (*drive_sink)(void *ctx, const tt_segment *seg);
/* Before each pull, with the GIL released: nonzero when the read has what it wants. */
typedef int (*drive_enough)(void *ctx);
/* At the end of each batch, still without the GIL (the fields writer flushes): 0 or -1. */
typedef int (*drive_flush)(void *ctx);

typedef struct drive_ops {
    drive_sink sink;
    drive_enough enough; /* may be NULL */
    drive_flush flush;   /* may be NULL */
    int batch;           /* pulls per GIL release */
} drive_ops;

enum { DRIVE_ENOUGH = 1, DRIVE_END = 0, DRIVE_SINK_FAILED = -1, DRIVE_RAISED = -2 };

/* Pull segments from the source with the GIL released, a batch at a time, handing each
 * to the sink; between batches, take the GIL back and let signal handlers run (Ctrl-C
 * raises at once). At the end of the capture (or a read error) the engine is finished
 * and a cut file warns (capture_end). Returns DRIVE_ENOUGH, DRIVE_END, DRIVE_SINK_FAILED
 * (no exception set) or DRIVE_RAISED (an exception set; *at_end says whether it is the
 * capture's own end, a damaged file or a read callback's exception, rather than a
 * signal's). The caller holds the busy flag. */
static int capture_drive(CaptureObject *self, const drive_ops *ops, void *ctx, int *at_end)
{
    if (at_end)
        *at_end = 0;
    tt_error err;
    tt_error_clear(&err);
    for (;;) {
        int rc = 2, verdict = 0, frames = 0;
        Py_BEGIN_ALLOW_THREADS
        for (int i = 0; i < ops->batch && verdict == 0; i++) {
            if (ops->enough && ops->enough(ctx)) {
                verdict = DRIVE_ENOUGH;
                break;
            }
            tt_segment seg;
            rc = capture_pull(self, &seg, &err, TT_PY_BATCH_FRAMES, &frames);
            if (rc != 1 && rc != 2)
                break;
            verdict = ops->sink(ctx, rc == 1 ? &seg : NULL);
            if (frames >= TT_PY_RELEASE_FRAMES)
                break; /* a long run of frames without segments: look at signals */
        }
        if (verdict == 0 && ops->flush && ops->flush(ctx) < 0)
            verdict = -1;
        Py_END_ALLOW_THREADS
        if (verdict == 1)
            return DRIVE_ENOUGH;
        if (verdict < 0)
            return DRIVE_SINK_FAILED;
        if (rc == 0 || rc == -1) {
            if (at_end)
                *at_end = 1;
            capture_end(self, rc, &err);
            return PyErr_Occurred() ? DRIVE_RAISED : DRIVE_END;
        }
        if (PyErr_CheckSignals() < 0)
            return DRIVE_RAISED;
    }
}

/* next(): the first segment is enough. */
typedef struct next_ctx {
    tt_segment seg;
    int have;
} next_ctx;

static int next_sink(void *ctx, const tt_segment *seg)
{
    next_ctx *c = ctx;
    if (!seg)
        return 0;
    c->seg = *seg;
    c->have = 1;
    return 1;
}

static PyObject *capture_next_impl(CaptureObject *self)
{
    if (capture_check_open(self) < 0 || self->finished)
        return NULL;
    /* One pull per GIL release: a long run of non-TCP frames still lets other threads
     * and signals in every TT_PY_BATCH_FRAMES frames. */
    static const drive_ops ops = {.sink = next_sink, .batch = 1};
    tt_py_state *st = capture_state(self);
    if (!st)
        return NULL;
    next_ctx c;
    c.have = 0;
    if (capture_drive(self, &ops, &c, NULL) == DRIVE_ENOUGH)
        return tt_py_segment_new(st, &c.seg);
    return NULL; /* the end (StopIteration) or an exception */
}

static PyObject *capture_next(CaptureObject *self)
{
    if (busy_enter(self) < 0)
        return NULL;
    PyObject *r = capture_next_impl(self);
    busy_leave(self);
    return r;
}

#define TT_PY_COLUMN_BATCH 65536 /* segments per GIL release when building columns */

/* _read_columns: every segment appended to the columns, up to max_rows. */
typedef struct columns_ctx {
    tt_columns *cols;
    size_t limit;
} columns_ctx;

static int columns_sink(void *ctx, const tt_segment *seg)
{
    columns_ctx *c = ctx;
    if (!seg)
        return 0;
    return tt_columns_append(c->cols, seg) < 0 ? -1 : 0;
}

static int columns_enough(void *ctx)
{
    const columns_ctx *c = ctx;
    return c->cols->rows >= c->limit;
}

/* _read_columns(ids, max_rows) -> (rows, [(data, valid or None), ...]) or None at the end */
static PyObject *capture_read_columns_impl(CaptureObject *self, PyObject *args)
{
    PyObject *ids_obj;
    Py_ssize_t max_rows;
    if (!PyArg_ParseTuple(args, "On:_read_columns", &ids_obj, &max_rows))
        return NULL;
    if (capture_check_open(self) < 0)
        return NULL;
    if (self->finished)
        Py_RETURN_NONE;
    tt_py_state *st = capture_state(self);
    if (!st)
        return NULL;
    PyObject *ids = PySequence_Tuple(ids_obj);
    if (!ids)
        return NULL;
    uint64_t want = 0;
    Py_ssize_t n = PyTuple_GET_SIZE(ids);
    for (Py_ssize_t i = 0; i < n; i++) {
        long id = PyLong_AsLong(PyTuple_GET_ITEM(ids, i));
        if (id < 0 || id >= TT_COL_COUNT) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "no column id %ld", id);
            Py_DECREF(ids);
            return NULL;
        }
        want |= (uint64_t)1 << id;
    }
    if (!self->addrs && !(self->addrs = tt_addrdict_new())) {
        Py_DECREF(ids);
        return PyErr_NoMemory();
    }
    tt_columns cols;
    tt_columns_init(&cols, want, self->addrs);
    columns_ctx c = {&cols, max_rows > 0 ? (size_t)max_rows : SIZE_MAX};
    static const drive_ops ops = {.sink = columns_sink, .enough = columns_enough,
                                  .batch = TT_PY_COLUMN_BATCH};
    PyObject *result = NULL, *list = NULL;
    int how = capture_drive(self, &ops, &c, NULL);
    if (how == DRIVE_SINK_FAILED)
        PyErr_NoMemory();
    if (how < 0)
        goto done;
    list = PyList_New(n);
    if (!list)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        int id = (int)PyLong_AsLong(PyTuple_GET_ITEM(ids, i));
        void *data;
        uint8_t *valid;
        tt_columns_detach(&cols, id, &data, &valid);
        Py_ssize_t w = (Py_ssize_t)tt_col_type_size(tt_col_spec_of(id)->type);
        PyObject *d = tt_py_buffer_take(st, data, (Py_ssize_t)cols.rows * w);
        PyObject *v = valid ? tt_py_buffer_take(st, valid, (Py_ssize_t)cols.rows) : Py_NewRef(Py_None);
        PyObject *pair = NULL;
        if (d && v && tt_col_spec_of(id)->type == TT_COL_BYTES) {
            /* (end offsets, valid, the bytes) */
            uint8_t *blob;
            size_t blen;
            tt_columns_detach_blob(&cols, id, &blob, &blen);
            PyObject *bl = tt_py_buffer_take(st, blob, (Py_ssize_t)blen);
            pair = bl ? PyTuple_Pack(3, d, v, bl) : NULL;
            Py_XDECREF(bl);
        } else if (d && v) {
            pair = PyTuple_Pack(2, d, v);
        }
        Py_XDECREF(d);
        Py_XDECREF(v);
        if (!pair)
            goto done;
        PyList_SET_ITEM(list, i, pair);
    }
    result = Py_BuildValue("(nO)", (Py_ssize_t)cols.rows, list);

done:
    Py_XDECREF(list);
    tt_columns_clear(&cols);
    Py_DECREF(ids);
    return result;
}

static PyObject *capture_read_columns(CaptureObject *self, PyObject *args)
{
    if (busy_enter(self) < 0)
        return NULL;
    PyObject *r = capture_read_columns_impl(self, args);
    busy_leave(self);
    return r;
}

/* Write all of b to fd; returns 0, or errno. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ptrdiff_t w = tt_plat_write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

#define TT_PY_FIELDS_FLUSH (64 * 1024) /* bytes of rows written at once */

/* _write_fields: each segment's fields formatted in C, written in 64 KiB pieces (or
 * line by line) without the GIL. */
typedef struct fields_ctx {
    const int *ids;
    size_t n_ids;
    tt_field_opts o;
    tt_textbuf b;
    int fd;
    int line_flush;
    int werr;                /* errno of a failed write */
    unsigned long long rows;
} fields_ctx;

static int fields_flush(void *ctx)
{
    fields_ctx *c = ctx;
    if (c->b.len) {
        c->werr = write_all(c->fd, c->b.data, c->b.len);
        tt_textbuf_reset(&c->b);
    }
    return c->werr ? -1 : 0;
}

static int fields_sink(void *ctx, const tt_segment *seg)
{
    fields_ctx *c = ctx;
    if (!seg)
        return 0;
    tt_fields_format_row(seg, c->ids, c->n_ids, &c->o, &c->b);
    c->rows++;
    if (c->b.failed)
        return -1;
    if (c->line_flush || c->b.len >= TT_PY_FIELDS_FLUSH)
        return fields_flush(c);
    return 0;
}

/* _write_fields(fd, ids, separator, occurrence, aggregator, line_flush) -> rows
 * Formats every further segment's fields in C and writes them to the descriptor. */
static PyObject *capture_write_fields_impl(CaptureObject *self, PyObject *args)
{
    int fd, occurrence, line_flush;
    PyObject *ids_obj;
    const char *sep, *agg;
    if (!PyArg_ParseTuple(args, "iOsisp:_write_fields", &fd, &ids_obj, &sep, &occurrence, &agg, &line_flush))
        return NULL;
    if (capture_check_open(self) < 0)
        return NULL;
    Py_ssize_t n;
    int *ids = tt_py_field_ids(ids_obj, &n);
    if (!ids)
        return NULL;
    tt_field_prev prev = {0, 0, 0}; /* every segment written is shown */
    fields_ctx c = {.ids = ids, .n_ids = (size_t)n, .o = {occurrence, agg, sep, &prev}, .fd = fd,
                    .line_flush = line_flush};
    tt_textbuf_init(&c.b);
    static const drive_ops ops = {.sink = fields_sink, .flush = fields_flush,
                                  .batch = TT_PY_COLUMN_BATCH};
    PyObject *result = NULL;
    int how = self->finished ? DRIVE_END : capture_drive(self, &ops, &c, NULL);
    if (how == DRIVE_SINK_FAILED && c.b.failed)
        PyErr_NoMemory();
    else if (how == DRIVE_SINK_FAILED) {
        errno = c.werr;
        PyErr_SetFromErrno(c.werr == EPIPE ? PyExc_BrokenPipeError : PyExc_OSError);
    }
    if (how < 0)
        goto done;
    result = PyLong_FromUnsignedLongLong(c.rows);

done:
    tt_textbuf_clear(&c.b);
    free(ids);
    return result;
}

static PyObject *capture_write_fields(CaptureObject *self, PyObject *args)
{
    if (busy_enter(self) < 0)
        return NULL;
    PyObject *r = capture_write_fields_impl(self, args);
    busy_leave(self);
    return r;
}

/* _write_listing: the packet-list lines (listing.h) formatted in C, a chunk of rows
 * aligned at a time, written without the GIL. */
typedef struct listing_ctx {
    tt_listing l;
    tt_textbuf b;
    int fd;
    int line_flush;
    int werr;                /* errno of a failed write */
    unsigned long long rows;
} listing_ctx;

/* Write the rendered rows (at the end of each batch: a chunk in progress waits, so the
 * columns align over the same rows as the Python listing's chunks). */
static int listing_flush(void *ctx)
{
    listing_ctx *c = ctx;
    if (c->b.len) {
        c->werr = write_all(c->fd, c->b.data, c->b.len);
        tt_textbuf_reset(&c->b);
    }
    return c->werr ? -1 : 0;
}

static int listing_sink(void *ctx, const tt_segment *seg)
{
    listing_ctx *c = ctx;
    if (!seg)
        return 0;
    bool full = tt_listing_add(&c->l, seg);
    c->rows++;
    if (c->l.failed)
        return -1;
    if (full)
        tt_listing_render(&c->l, &c->b);
    if (c->b.failed)
        return -1;
    /* to a pipe or terminal each chunk goes out as soon as it is aligned */
    return (full && c->line_flush) || c->b.len >= TT_PY_FIELDS_FLUSH ? listing_flush(c) : 0;
}

/* _write_listing(fd, chunk_rows, line_flush) -> rows; with line_flush each aligned
 * chunk is written at once (a pipe, a terminal), else in 64 KiB pieces. */
static PyObject *capture_write_listing_impl(CaptureObject *self, PyObject *args)
{
    int fd, line_flush;
    Py_ssize_t chunk;
    if (!PyArg_ParseTuple(args, "inp:_write_listing", &fd, &chunk, &line_flush))
        return NULL;
    if (capture_check_open(self) < 0)
        return NULL;
    if (chunk < 1) {
        PyErr_SetString(PyExc_ValueError, "chunk_rows must be at least 1");
        return NULL;
    }
    listing_ctx c = {.fd = fd, .line_flush = line_flush};
    tt_listing_init(&c.l, (size_t)chunk);
    tt_textbuf_init(&c.b);
    static const drive_ops ops = {.sink = listing_sink, .flush = listing_flush,
                                  .batch = TT_PY_COLUMN_BATCH};
    PyObject *result = NULL;
    int how = self->finished ? DRIVE_END : capture_drive(self, &ops, &c, NULL);
    if (how >= 0) { /* the last, partial chunk */
        tt_listing_render(&c.l, &c.b);
        if (c.b.failed || listing_flush(&c) < 0)
            how = DRIVE_SINK_FAILED;
    }
    if (how == DRIVE_SINK_FAILED && (c.l.failed || c.b.failed))
        PyErr_NoMemory();
    else if (how == DRIVE_SINK_FAILED) {
        errno = c.werr;
        PyErr_SetFromErrno(c.werr == EPIPE ? PyExc_BrokenPipeError : PyExc_OSError);
    }
    if (how >= 0)
        result = PyLong_FromUnsignedLongLong(c.rows);
    tt_listing_clear(&c.l);
    tt_textbuf_clear(&c.b);
    return result;
}

static PyObject *capture_write_listing(CaptureObject *self, PyObject *args)
{
    if (busy_enter(self) < 0)
        return NULL;
    PyObject *r = capture_write_listing_impl(self, args);
    busy_leave(self);
    return r;
}

/* The next finished connection record, reading further when none is waiting. Returns
 * 1 with *out filled, 0 at the end of the capture, -1 with an exception set. */
static int capture_next_conn_impl(CaptureObject *self, tt_conn_record *out);

static int capture_next_conn(PyObject *obj, tt_conn_record *out)
{
    CaptureObject *self = (CaptureObject *)obj;
    if (busy_enter(self) < 0)
        return -1;
    int rc = capture_next_conn_impl(self, out);
    busy_leave(self);
    return rc;
}

#define TT_PY_CONNS_BATCH 8192 /* segments per GIL release while reading for records */

static int conns_sink(void *ctx, const tt_segment *seg)
{
    (void)ctx;
    (void)seg;
    return 0;
}

static int conns_enough(void *ctx) { return tt_engine_conns_pending((tt_engine *)ctx); }

static int capture_next_conn_impl(CaptureObject *self, tt_conn_record *out)
{
    if (!self->eng) {
        PyErr_SetString(PyExc_ValueError, "Capture is not initialized");
        return -1;
    }
    /* A flood of connections that never end delivers no record for a long time: look
     * at signals every TT_PY_CONNS_BATCH segments (Ctrl-C within ~50 ms). */
    static const drive_ops ops = {.sink = conns_sink, .enough = conns_enough,
                                  .batch = TT_PY_CONNS_BATCH};
    for (;;) {
        if (tt_engine_next_conn(self->eng, out))
            return 1;
        if (self->finished)
            return 0;
        if (capture_check_open(self) < 0)
            return -1;
        if (capture_drive(self, &ops, self->eng, NULL) == DRIVE_RAISED)
            return -1;
    }
}

/* (path, filter): what a Connection remembers to read its bytes again. */
static PyObject *capture_source(CaptureObject *self)
{
    return PyTuple_Pack(2, self->path ? self->path : Py_None, self->filter ? self->filter : Py_None);
}

static PyObject *capture_connections(CaptureObject *self, PyObject *noargs)
{
    (void)noargs;
    tt_py_state *st = capture_state(self);
    PyObject *source = st ? capture_source(self) : NULL;
    if (!source)
        return NULL;
    PyObject *it = tt_py_conniter_new(st, (PyObject *)self, capture_next_conn, source);
    Py_DECREF(source);
    return it;
}

static PyObject *capture_connection(CaptureObject *self, PyObject *arg)
{
    long want = PyLong_AsLong(arg);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    tt_py_state *st = capture_state(self);
    if (!st)
        return NULL;
    if (!self->conn_cache && !(self->conn_cache = PyDict_New()))
        return NULL;
    PyObject *hit = PyDict_GetItem(self->conn_cache, arg);
    if (hit)
        return Py_NewRef(hit);
    PyObject *source = capture_source(self);
    if (!source)
        return NULL;
    PyObject *found = NULL;
    for (;;) {
        tt_conn_record r;
        int rc = capture_next_conn((PyObject *)self, &r);
        if (rc < 0)
            break;
        if (rc == 0) {
            PyErr_Format(PyExc_KeyError, "no connection with stream index %ld", want);
            break;
        }
        PyObject *c = tt_py_connection_new(st, &r, source);
        PyObject *k = c ? PyLong_FromUnsignedLong(r.stream) : NULL;
        if (!k || PyDict_SetItem(self->conn_cache, k, c) < 0) {
            Py_XDECREF(k);
            Py_XDECREF(c);
            break;
        }
        Py_DECREF(k);
        if ((long)r.stream == want) {
            found = c;
            break;
        }
        Py_DECREF(c);
    }
    Py_DECREF(source);
    return found;
}

/* The next `limit` connection records of the capture (0: every remaining one), into
 * *recs (owned by the caller, free()). 0, or -1 with an exception set. */
static int read_records(CaptureObject *self, size_t limit, tt_conn_record **recs, size_t *n)
{
    size_t cap_n = 0;
    *recs = NULL;
    *n = 0;
    for (;;) {
        if (limit && *n == limit)
            return 0;
        if (*n == cap_n) {
            size_t nc = cap_n ? cap_n * 2 : 256;
            if (limit && nc > limit)
                nc = limit;
            tt_conn_record *nr = realloc(*recs, nc * sizeof *nr);
            if (!nr) {
                PyErr_NoMemory();
                return -1;
            }
            *recs = nr;
            cap_n = nc;
        }
        int rc = capture_next_conn((PyObject *)self, &(*recs)[*n]);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        (*n)++;
    }
}

static PyObject *capture_connection_columns(CaptureObject *self, PyObject *args)
{
    Py_ssize_t max_rows = 0;
    if (!PyArg_ParseTuple(args, "|n:_connection_columns", &max_rows))
        return NULL;
    if (max_rows < 0) {
        PyErr_SetString(PyExc_ValueError, "max_rows must not be negative");
        return NULL;
    }
    tt_py_state *st = capture_state(self);
    if (!st)
        return NULL;
    tt_conn_record *recs = NULL;
    size_t n = 0;
    PyObject *result = NULL;
    if (read_records(self, (size_t)max_rows, &recs, &n) == 0)
        result = tt_py_connection_columns(st, recs, n);
    free(recs);
    return result;
}

/* _enable_streams(messages, collect, follow, budget, max_held): stream reassembly and
 * HTTP/TLS framing (stream.h), before the first read. */
static PyObject *capture_enable_streams(CaptureObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"messages", "collect", "follow", "budget", "max_held", NULL};
    int messages = 1, follow = 0;
    long long collect = TT_STREAMS_COLLECT_NONE;
    Py_ssize_t budget = 0, max_held = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|pLpnn:_enable_streams", kwlist, &messages,
                                     &collect, &follow, &budget, &max_held))
        return NULL;
    if (refuse_while_busy(self, "enabling streams") < 0)
        return NULL;
    if (!self->eng || self->finished) {
        PyErr_SetString(PyExc_ValueError, "streams must be enabled before the first read");
        return NULL;
    }
    if (budget < 0 || max_held < 0 || collect < TT_STREAMS_COLLECT_ALL) {
        PyErr_SetString(PyExc_ValueError, "budget, max_held and collect must not be negative");
        return NULL;
    }
    tt_streams_config cfg = {
        .budget_bytes = (size_t)budget, .max_held_bytes = (size_t)max_held,
        .messages = messages != 0, .collect = collect, .follow = follow != 0,
    };
    tt_error err;
    tt_error_clear(&err);
    if (tt_engine_streams(self->eng, &cfg, &err) < 0)
        return tt_py_raise_error(&err);
    Py_RETURN_NONE;
}

#define TT_PY_STREAM_BATCH 65536 /* frames per GIL release when reading streams */

/* _read_streams(max_frames) -> (messages, chunks, follow, nodes) or None at the end:
 * reads up to max_frames further frames (0: to the end) and returns what the streams
 * produced meanwhile (everything, flushed, once the end is reached). */
/* _read_streams: frames read until max_frames (a pull without a segment counts as
 * TT_PY_BATCH_FRAMES), the streams' messages then handed out. */
typedef struct streams_ctx {
    int64_t done, limit;
} streams_ctx;

static int streams_sink(void *ctx, const tt_segment *seg)
{
    streams_ctx *c = ctx;
    c->done += seg ? 1 : TT_PY_BATCH_FRAMES;
    return 0;
}

static int streams_enough(void *ctx)
{
    const streams_ctx *c = ctx;
    return c->done >= c->limit;
}

static PyObject *capture_read_streams_impl(CaptureObject *self, PyObject *args)
{
    Py_ssize_t max_frames = 0;
    if (!PyArg_ParseTuple(args, "|n:_read_streams", &max_frames))
        return NULL;
    if (capture_check_open(self) < 0)
        return NULL;
    tt_streams_out *out = self->eng ? tt_engine_streams_out(self->eng) : NULL;
    if (!out) {
        PyErr_SetString(PyExc_ValueError, "streams are not enabled (_enable_streams)");
        return NULL;
    }
    if (self->finished)
        Py_RETURN_NONE;
    streams_ctx c = {0, max_frames > 0 ? (int64_t)max_frames : INT64_MAX};
    static const drive_ops ops = {.sink = streams_sink, .enough = streams_enough,
                                  .batch = TT_PY_STREAM_BATCH / TT_PY_BATCH_FRAMES};
    int at_end = 0;
    if (capture_drive(self, &ops, &c, &at_end) == DRIVE_RAISED) {
        if (at_end) {
            /* a damaged file: what was read before the damage (the streams are flushed)
             * rides on the exception as .partial, as tshark shows what it could read */
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            PyObject *partial = tt_py_streams_drain(out);
            if (!partial || !value || PyObject_SetAttrString(value, "partial", partial) < 0)
                PyErr_Clear();
            Py_XDECREF(partial);
            PyErr_Restore(type, value, tb);
        }
        return NULL;
    }
    return tt_py_streams_drain(out);
}

static PyObject *capture_read_streams(CaptureObject *self, PyObject *args)
{
    if (busy_enter(self) < 0)
        return NULL;
    PyObject *r = capture_read_streams_impl(self, args);
    busy_leave(self);
    return r;
}

static PyObject *get_stream_counters(CaptureObject *self, void *c)
{
    (void)c;
    if (!self->eng || !tt_engine_streams_out(self->eng))
        Py_RETURN_NONE;
    return tt_py_streams_stats(&tt_engine_counters(self->eng)->streams);
}

/* _addresses() -> list of address strings, indexed by the codes of src/dst columns */
static PyObject *capture_addresses(CaptureObject *self, PyObject *noargs)
{
    (void)noargs;
    size_t n = self->addrs ? tt_addrdict_size(self->addrs) : 0;
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *a;
        int v = tt_addrdict_get(self->addrs, (uint32_t)i, &a);
        PyObject *s = tt_py_addr_str(v, a);
        if (!s) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return list;
}

static PyObject *capture_close(CaptureObject *self, PyObject *noargs)
{
    (void)noargs;
    if (refuse_while_busy(self, "close()") < 0)
        return NULL;
    capture_close_source(self);
    Py_RETURN_NONE;
}

static PyObject *capture_enter(PyObject *self, PyObject *noargs)
{
    (void)noargs;
    Py_INCREF(self);
    return self;
}

static PyObject *capture_exit(CaptureObject *self, PyObject *args)
{
    (void)args;
    if (refuse_while_busy(self, "leaving the with block") < 0)
        return NULL;
    capture_close_source(self);
    Py_RETURN_FALSE;
}

static PyObject *counters_dict(const tt_counters *c)
{
    PyObject *anom = PyDict_New();
    if (!anom)
        return NULL;
    for (int i = 0; i < TT_ANOM_COUNT; i++) {
        if (!c->anomalies[i])
            continue;
        PyObject *v = PyLong_FromUnsignedLongLong(c->anomalies[i]);
        if (!v || PyDict_SetItemString(anom, tt_anomaly_name(i), v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(anom);
            return NULL;
        }
        Py_DECREF(v);
    }
    PyObject *d = Py_BuildValue("{sKsKsKsKsKsKsKsKsN}", "frames", (unsigned long long)c->frames,
                         "tcp_segments", (unsigned long long)c->tcp_segments, "non_tcp",
                         (unsigned long long)c->non_tcp, "truncated",
                         (unsigned long long)c->truncated, "invalid", (unsigned long long)c->invalid,
                         "ip_fragments", (unsigned long long)c->ip_fragments, "ip_reassembled",
                         (unsigned long long)c->ip_reassembled, "ip_fragments_dropped",
                         (unsigned long long)c->ip_frag_dropped, "anomalies", anom);
    /* Connections: created, held in memory now, freed after their linger time. */
    PyObject *more = d ? Py_BuildValue("{sKsKsKsKsKsKsKsK}", "connections", (unsigned long long)c->conns,
                                       "connections_live", (unsigned long long)c->conns_live,
                                       "connections_evicted", (unsigned long long)c->conns_evicted,
                                       "connections_late", (unsigned long long)c->conns_late,
                                       /* max_conns: evicted to bound the table, most held */
                                       "connections_limit_evicted",
                                       (unsigned long long)c->conns_limit_evicted,
                                       "connections_peak", (unsigned long long)c->conns_peak,
                                       /* records never taken, over the queue bound */
                                       "connection_records_dropped",
                                       (unsigned long long)c->conn_records_dropped,
                                       /* segments not remembered: engine-wide unacked bound */
                                       "unacked_not_remembered",
                                       (unsigned long long)c->unacked_refused)
                       : NULL;
    if (!more || PyDict_Update(d, more) < 0) {
        Py_XDECREF(more);
        Py_XDECREF(d);
        return NULL;
    }
    Py_DECREF(more);
    return d;
}

static PyObject *get_counters(CaptureObject *self, void *c)
{
    (void)c;
    if (!self->eng)
        Py_RETURN_NONE;
    return counters_dict(tt_engine_counters(self->eng));
}

static PyObject *need_src(CaptureObject *self)
{
    if (!self->src) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed capture");
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *get_format(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    switch (tt_source_format_of(self->src)) {
    case TT_FORMAT_PCAP: return PyUnicode_FromString("pcap");
    case TT_FORMAT_PCAP_NSEC: return PyUnicode_FromString("pcap-nsec");
    case TT_FORMAT_PCAPNG: return PyUnicode_FromString("pcapng");
    case TT_FORMAT_SNOOP: return PyUnicode_FromString("snoop");
    }
    Py_RETURN_NONE;
}

static PyObject *get_compression(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    const char *name = tt_source_compression(self->src);
    if (!name)
        Py_RETURN_NONE;
    return PyUnicode_FromString(name);
}

static PyObject *get_linktype(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    return PyLong_FromLong(tt_source_linktype(self->src));
}

static PyObject *get_linktypes(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    int32_t lts[TT_SOURCE_MAX_LINKTYPES];
    int n = tt_source_linktypes(self->src, lts, TT_SOURCE_MAX_LINKTYPES);
    PyObject *t = PyTuple_New(n);
    if (!t)
        return NULL;
    for (int i = 0; i < n; i++)
        PyTuple_SET_ITEM(t, i, PyLong_FromLong(lts[i]));
    return t;
}

static PyObject *get_snaplen(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    return PyLong_FromUnsignedLong(tt_source_snaplen(self->src));
}

static PyObject *get_version(CaptureObject *self, void *c)
{
    (void)c;
    if (!need_src(self))
        return NULL;
    int major, minor;
    tt_source_version(self->src, &major, &minor);
    return Py_BuildValue("(ii)", major, minor);
}

static PyObject *get_path(CaptureObject *self, void *c)
{
    (void)c;
    PyObject *p = self->path ? self->path : Py_None;
    Py_INCREF(p);
    return p;
}

static PyObject *get_filter(CaptureObject *self, void *c)
{
    (void)c;
    PyObject *p = self->filter ? self->filter : Py_None;
    Py_INCREF(p);
    return p;
}

static PyObject *get_progress(CaptureObject *self, void *c)
{
    (void)c;
    uint64_t done = 0, total = 0;
    if (self->src)
        tt_source_progress(self->src, &done, &total);
    return Py_BuildValue("(KK)", (unsigned long long)done, (unsigned long long)total);
}

static PyObject *get_closed(CaptureObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->src == NULL);
}

static PyMethodDef capture_methods[] = {
    {"close", (PyCFunction)capture_close, METH_NOARGS, "close()\n\nRelease the file."},
    {"_read_columns", (PyCFunction)capture_read_columns, METH_VARARGS,
     "_read_columns(ids, max_rows) -> (rows, [(data, valid), ...]) | None\n\n"
     "Build the columns of up to max_rows further segments (0: all) in C."},
    {"_write_fields", (PyCFunction)capture_write_fields, METH_VARARGS,
     "_write_fields(fd, ids, separator, occurrence, aggregator, line_flush) -> int\n\n"
     "Write the named fields of every further segment to a file descriptor, formatted in C."},
    {"_write_listing", (PyCFunction)capture_write_listing, METH_VARARGS,
     "_write_listing(fd, chunk_rows, line_flush) -> int\n\n"
     "Write the packet-list line of every further segment to a file descriptor, formatted "
     "in C, chunk_rows rows aligned at a time."},
    {"_enable_streams", (PyCFunction)(void (*)(void))capture_enable_streams,
     METH_VARARGS | METH_KEYWORDS,
     "_enable_streams(messages=True, collect=-1, follow=False, budget=0, max_held=0)\n\n"
     "Turn on stream reassembly and HTTP/TLS framing before the first read."},
    {"_read_streams", (PyCFunction)capture_read_streams, METH_VARARGS,
     "_read_streams(max_frames=0) -> (messages, chunks, follow, nodes) | None"},
    {"_addresses", (PyCFunction)capture_addresses, METH_NOARGS,
     "_addresses() -> list[str]\n\nThe address dictionary of the column reads."},
    {"connections", (PyCFunction)capture_connections, METH_NOARGS,
     "connections() -> Iterator[Connection]\n\nEach connection as it ends (then the rest at "
     "the end of the capture), reading the capture as far as needed."},
    {"connection", (PyCFunction)capture_connection, METH_O,
     "connection(stream) -> Connection\n\nThe connection with that stream index (KeyError if "
     "none); reads as far as needed and keeps the records it passes over."},
    {"_connection_columns", (PyCFunction)capture_connection_columns, METH_VARARGS,
     "_connection_columns(max_rows=0) -> (rows, {name: (data, dtype, valid or None)}, "
     "{name: list})\n\nThe next max_rows connections (0: every remaining one) as C-built "
     "columns."},
    {"__enter__", capture_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)capture_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef capture_getset[] = {
    {"path", (getter)get_path, NULL,
     "The capture file's path ('<stdin>', or a file object's name).", NULL},
    {"filter", (getter)get_filter, NULL, "The BPF filter, or None.", NULL},
    {"format", (getter)get_format, NULL, "'pcap', 'pcap-nsec' or 'pcapng'.", NULL},
    {"compression", (getter)get_compression, NULL,
     "'gzip', 'zstd', 'xz' or 'lz4' for a compressed capture (recognised by its first "
     "bytes), else None.", NULL},
    {"linktype", (getter)get_linktype, NULL, "LINKTYPE_ of the first interface.", NULL},
    {"linktypes", (getter)get_linktypes, NULL, "Every link type of the interfaces seen so far.", NULL},
    {"snaplen", (getter)get_snaplen, NULL, "Snapshot length of the first interface.", NULL},
    {"version", (getter)get_version, NULL, "File format version (major, minor).", NULL},
    {"counters", (getter)get_counters, NULL,
     "Frames read, TCP segments, non-TCP frames, truncated and invalid frames, IP fragments, "
     "and anomaly counts by name, so far.", NULL},
    {"closed", (getter)get_closed, NULL, "True once closed.", NULL},
    {"progress", (getter)get_progress, NULL,
     "(bytes read, file size): the size is 0 when unknown (a pipe, a compressed file).", NULL},
    {"stream_counters", (getter)get_stream_counters, NULL,
     "Stream reassembly counters (gaps, dropped bytes, ...), or None when streams are off.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef capture_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(CaptureObject, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot capture_slots[] = {
    {Py_tp_dealloc, (void *)capture_dealloc},
    {Py_tp_traverse, (void *)capture_traverse},
    {Py_tp_clear, (void *)capture_clear},
    {Py_tp_doc, (void *)"Capture(path, filter=None, analysis=True, linger=None, connections=True, "
                  "max_conns=None, max_pending=None)\n\nAn open "
                  "pcap or pcapng file (compressed or not); path may also be '-' (standard input) or a "
                  "binary file object. Iterating it yields one tcptrace.Segment per TCP segment, in frame "
                  "order. connections() yields a tcptrace.Connection as each connection ends; linger "
                  "is the capture time (s) a closed connection is kept for late segments (None: 120 s, "
                  "a negative number: never freed, every answer as Wireshark's). analysis=False skips "
                  "conversations and the TCP analysis (their attributes are then None). max_conns bounds "
                  "the connections held in memory (None: 1,000,000); beyond it the least recently "
                  "active is handed over early (end_reason 'evicted', counted in counters). "
                  "max_pending bounds the finished connection records waiting for connections() "
                  "(None: 1,000,000); beyond it the oldest is dropped (counters "
                  "'connection_records_dropped')."},
    {Py_tp_iter, (void *)capture_iter},
    {Py_tp_iternext, (void *)capture_next},
    {Py_tp_methods, capture_methods},
    {Py_tp_members, capture_members},
    {Py_tp_getset, capture_getset},
    {Py_tp_init, (void *)capture_init},
    {Py_tp_new, (void *)PyType_GenericNew},
    {0, NULL},
};

static PyType_Spec capture_spec = {
    .name = "tcptrace._core.Capture",
    .basicsize = sizeof(CaptureObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = capture_slots,
};

int tt_py_capture_register(PyObject *module, tt_py_state *st)
{
    st->CaptureType = tt_py_new_type(module, &capture_spec, 1);
    if (!st->CaptureType)
        return -1;
    return PyModule_AddObjectRef(module, "Capture", (PyObject *)st->CaptureType);
}
