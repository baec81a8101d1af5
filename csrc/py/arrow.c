/* tcptrace._core._ArrowStream: the column reads as an Arrow C stream (the Arrow C data
 * and C stream interfaces, https://arrow.apache.org/docs/format/CDataInterface.html and
 * CStreamInterface.html), handed out through the PyCapsule protocol
 * (__arrow_c_stream__ / __arrow_c_schema__) so pyarrow, polars and DuckDB read it
 * without pandas or numpy.
 *
 * The stream is driven by a Python callable (tcptrace/arrow.py) that returns the next
 * chunk of C columns, (rows, parts, addresses) or None at the end, where each part is
 * what Capture._read_columns or _connection_columns hands over: (data, valid or None
 * [, blob]) or a list of str. A plan says, per output column, how it is made from a part:
 * fixed-width data is exported zero-copy (the Py_buffer is held until Arrow releases the
 * array); validity bytes become Arrow bitmaps; derived columns (flag bits, seconds from
 * nanoseconds, MAC text, addresses as a dictionary) are computed here. */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ABI structs, as the Arrow specification gives them (they are a stable ABI). */
#define ARROW_FLAG_NULLABLE 2

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

/* How an output column is made from its part (tcptrace/arrow.py _KIND mirrors these). */
enum plan_kind {
    K_NUM,       /* fixed-width data as is (ints, floats, timestamp[ns]): zero-copy */
    K_BOOL,      /* a byte a row -> a bit a row */
    K_SECONDS,   /* int64 ns -> float64 seconds, null where absent */
    K_BIT,       /* (data & mask) != 0 of an unsigned column of `width` bytes */
    K_DICT,      /* uint32 address codes -> dictionary<int32, utf8> of the addresses */
    K_MAC,       /* 48-bit numbers in uint64 -> utf8 aa:bb:cc:dd:ee:ff */
    K_BYTES,     /* uint64 end offsets + blob -> large_binary */
    K_DELTA,     /* int64 ns -> float64 seconds since the row before (across chunks) */
    K_STR,       /* a list of str (or None) -> utf8 */
    K_COUNT
};

typedef struct plan_col {
    char *name;
    char *format;
    int kind;
    Py_ssize_t src; /* index of its part */
    int width;      /* bytes per row of the part's data */
    uint64_t mask;  /* K_BIT */
} plan_col;

typedef struct stream_priv {
    PyObject *reader; /* owned */
    plan_col *cols;
    Py_ssize_t n_cols;
    int64_t last_time_ns; /* K_DELTA: the time of the last row handed out */
    int have_last;
    int done;
    char error[512];
} stream_priv;

/* ---- memory of one exported array ---------------------------------------------------- */

typedef struct array_priv {
    const void *buffers[3];
    void *owned[3];      /* malloc'd buffers, freed on release */
    Py_buffer views[2];  /* held source buffers (zero-copy data, blob) */
    int n_views;
    struct ArrowArray **children; /* a record batch: its columns */
    struct ArrowArray *dictionary;
} array_priv;

static void array_release(struct ArrowArray *a)
{
    array_priv *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++) {
        struct ArrowArray *c = p->children[i];
        if (c->release) /* not moved away by the consumer */
            c->release(c);
        free(c);
    }
    free(p->children);
    if (p->dictionary) {
        if (p->dictionary->release)
            p->dictionary->release(p->dictionary);
        free(p->dictionary);
    }
    for (int i = 0; i < 3; i++)
        free(p->owned[i]);
    if (p->n_views) {
        /* Arrow may release from any thread, with or without the GIL. */
        PyGILState_STATE g = PyGILState_Ensure();
        for (int i = 0; i < p->n_views; i++)
            PyBuffer_Release(&p->views[i]);
        PyGILState_Release(g);
    }
    free(p);
    a->release = NULL;
}

static array_priv *array_start(struct ArrowArray *a, int64_t rows, int n_buffers)
{
    array_priv *p = calloc(1, sizeof *p);
    memset(a, 0, sizeof *a);
    if (!p)
        return NULL;
    a->length = rows;
    a->n_buffers = n_buffers;
    a->buffers = p->buffers;
    a->private_data = p;
    a->release = array_release;
    return p;
}

/* Validity bytes -> an Arrow bitmap (LSB first); NULL and *nulls 0 when all are valid. */
static uint8_t *bitmap_from_bytes(const uint8_t *valid, int64_t rows, int64_t *nulls, int *nomem)
{
    *nulls = 0;
    if (!valid)
        return NULL;
    uint8_t *bm = calloc((size_t)(rows + 7) / 8 + 1, 1);
    if (!bm) {
        *nomem = 1;
        return NULL;
    }
    for (int64_t i = 0; i < rows; i++) {
        if (valid[i])
            bm[i >> 3] |= (uint8_t)(1u << (i & 7));
        else
            (*nulls)++;
    }
    if (*nulls == 0) {
        free(bm);
        return NULL;
    }
    return bm;
}

static uint64_t load_u(const uint8_t *d, int width, int64_t i)
{
    switch (width) {
    case 1: return d[i];
    case 2: { uint16_t v; memcpy(&v, d + 2 * i, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, d + 4 * i, 4); return v; }
    default: { uint64_t v; memcpy(&v, d + 8 * i, 8); return v; }
    }
}

/* ---- one column ------------------------------------------------------------------------ */

typedef struct part_view {
    Py_buffer data, valid, blob;
    int have_data, have_valid, have_blob;
    PyObject *strs; /* K_STR: borrowed list */
} part_view;

static void part_release(part_view *v)
{
    if (v->have_data)
        PyBuffer_Release(&v->data);
    if (v->have_valid)
        PyBuffer_Release(&v->valid);
    if (v->have_blob)
        PyBuffer_Release(&v->blob);
}

static int part_open(PyObject *part, int kind, part_view *v)
{
    memset(v, 0, sizeof *v);
    if (kind == K_STR) {
        if (!PyList_Check(part)) {
            PyErr_SetString(PyExc_TypeError, "arrow: a string column's part must be a list");
            return -1;
        }
        v->strs = part;
        return 0;
    }
    if (!PyTuple_Check(part) || PyTuple_GET_SIZE(part) < 2) {
        PyErr_SetString(PyExc_TypeError, "arrow: a column's part must be (data, valid[, blob])");
        return -1;
    }
    if (PyObject_GetBuffer(PyTuple_GET_ITEM(part, 0), &v->data, PyBUF_SIMPLE) < 0)
        return -1;
    v->have_data = 1;
    PyObject *ok = PyTuple_GET_ITEM(part, 1);
    if (ok != Py_None) {
        if (PyObject_GetBuffer(ok, &v->valid, PyBUF_SIMPLE) < 0)
            return -1;
        v->have_valid = 1;
    }
    if (kind == K_BYTES) {
        if (PyTuple_GET_SIZE(part) < 3) {
            PyErr_SetString(PyExc_TypeError, "arrow: a bytes column's part must be (ends, valid, blob)");
            return -1;
        }
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(part, 2), &v->blob, PyBUF_SIMPLE) < 0)
            return -1;
        v->have_blob = 1;
    }
    return 0;
}

/* utf8 offsets + bytes of n strings made by text(i, buf) (each at most 63 bytes). */
static int utf8_fixed(array_priv *p, int64_t rows, const uint8_t *d, const uint8_t *valid)
{
    int32_t *offs = malloc(sizeof(int32_t) * (size_t)(rows + 1));
    char *chars = malloc((size_t)rows * 17 + 1);
    if (!offs || !chars) {
        free(offs);
        free(chars);
        return -1;
    }
    int32_t at = 0;
    offs[0] = 0;
    for (int64_t i = 0; i < rows; i++) {
        if (!valid || valid[i]) {
            uint64_t m = load_u(d, 8, i);
            at += snprintf(chars + at, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(m >> 40) & 0xFF,
                           (unsigned)(m >> 32) & 0xFF, (unsigned)(m >> 24) & 0xFF, (unsigned)(m >> 16) & 0xFF,
                           (unsigned)(m >> 8) & 0xFF, (unsigned)m & 0xFF);
        }
        offs[i + 1] = at;
    }
    p->owned[1] = offs;
    p->owned[2] = chars;
    return 0;
}

/* utf8 of a Python list of str or None (the validity bitmap is built here). */
static int utf8_list(array_priv *p, struct ArrowArray *a, PyObject *list, int64_t rows)
{
    if (PyList_GET_SIZE(list) < rows) {
        PyErr_SetString(PyExc_ValueError, "arrow: a string column is shorter than its chunk");
        return -1;
    }
    int32_t *offs = malloc(sizeof(int32_t) * (size_t)(rows + 1));
    uint8_t *bm = calloc((size_t)(rows + 7) / 8 + 1, 1);
    size_t total = 0;
    for (int64_t i = 0; i < rows; i++) {
        PyObject *s = PyList_GET_ITEM(list, i);
        Py_ssize_t n = 0;
        if (s != Py_None && !PyUnicode_AsUTF8AndSize(s, &n))
            goto fail;
        total += (size_t)n;
    }
    if (total > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "arrow: a string column over 2 GiB in one chunk");
        goto fail;
    }
    char *chars = malloc(total + 1);
    if (!offs || !bm || !chars) {
        free(chars);
        PyErr_NoMemory();
        goto fail;
    }
    int32_t at = 0;
    offs[0] = 0;
    for (int64_t i = 0; i < rows; i++) {
        PyObject *s = PyList_GET_ITEM(list, i);
        if (s == Py_None) {
            a->null_count++;
        } else {
            Py_ssize_t n;
            const char *u = PyUnicode_AsUTF8AndSize(s, &n);
            memcpy(chars + at, u, (size_t)n);
            at += (int32_t)n;
            bm[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        offs[i + 1] = at;
    }
    p->owned[0] = bm;
    p->owned[1] = offs;
    p->owned[2] = chars;
    return 0;
fail:
    free(offs);
    free(bm);
    return -1;
}

/* The dictionary of the address codes: every address so far, as utf8. */
static int dict_of(array_priv *p, PyObject *addresses)
{
    if (!addresses || !PyList_Check(addresses)) {
        PyErr_SetString(PyExc_TypeError, "arrow: an address column needs the address list");
        return -1;
    }
    struct ArrowArray *d = malloc(sizeof *d);
    if (!d) {
        PyErr_NoMemory();
        return -1;
    }
    int64_t n = PyList_GET_SIZE(addresses);
    array_priv *dp = array_start(d, n, 3);
    if (!dp || utf8_list(dp, d, addresses, n) < 0) {
        if (!dp)
            PyErr_NoMemory();
        if (d->release)
            d->release(d);
        free(d);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        dp->buffers[i] = dp->owned[i];
    p->dictionary = d;
    return 0;
}

/* Derived values computed into a fresh buffer of `rows` elements. */
static int derive(const plan_col *pc, stream_priv *s, array_priv *p, const part_view *v, int64_t rows)
{
    const uint8_t *d = v->data.buf;
    const uint8_t *ok = v->have_valid ? v->valid.buf : NULL;
    if (pc->kind == K_BOOL || pc->kind == K_BIT) {
        uint8_t *bits = calloc((size_t)(rows + 7) / 8 + 1, 1);
        if (!bits)
            return -1;
        for (int64_t i = 0; i < rows; i++) {
            int on = pc->kind == K_BOOL ? d[i] != 0 : (load_u(d, pc->width, i) & pc->mask) != 0;
            if (on)
                bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
        p->owned[1] = bits;
        return 0;
    }
    double *sec = malloc(sizeof(double) * (size_t)(rows ? rows : 1));
    if (!sec)
        return -1;
    for (int64_t i = 0; i < rows; i++) {
        int64_t ns = (int64_t)load_u(d, 8, i);
        if (pc->kind == K_DELTA) {
            /* frame.time_delta_displayed: 0 for the first row shown */
            int64_t before = s->have_last ? s->last_time_ns : ns;
            sec[i] = (double)(ns - before) / 1e9;
            s->last_time_ns = ns;
            s->have_last = 1;
        } else {
            sec[i] = (double)ns / 1e9;
        }
    }
    p->owned[1] = sec;
    (void)ok;
    return 0;
}

/* Column c of a chunk of `rows` rows into *a. Returns 0, or -1 with a Python error. */
static int column_export(stream_priv *s, const plan_col *pc, PyObject *part, PyObject *addresses, int64_t rows,
                         struct ArrowArray *a)
{
    part_view v;
    int n_buffers = pc->kind == K_MAC || pc->kind == K_BYTES || pc->kind == K_STR ? 3 : 2;
    array_priv *p = array_start(a, rows, n_buffers);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    if (part_open(part, pc->kind, &v) < 0)
        goto fail;
    if (pc->kind != K_STR && (v.data.len < rows * (pc->kind == K_BYTES || pc->kind == K_MAC ? 8 : pc->width) ||
                              (v.have_valid && v.valid.len < rows))) {
        PyErr_SetString(PyExc_ValueError, "arrow: a column buffer is shorter than its chunk");
        goto fail;
    }
    int nomem = 0;
    int bitmap_kind = pc->kind != K_BIT && pc->kind != K_STR && pc->kind != K_DELTA;
    uint8_t *bm = bitmap_kind ? bitmap_from_bytes(v.have_valid ? v.valid.buf : NULL, rows, &a->null_count, &nomem)
                              : NULL;
    p->owned[0] = bm;
    if (nomem)
        goto nomem;
    switch (pc->kind) {
    case K_NUM:
    case K_DICT:
        /* zero-copy: the source stays held until Arrow releases the array */
        p->views[p->n_views++] = v.data;
        v.have_data = 0;
        p->buffers[1] = p->views[0].buf;
        if (pc->kind == K_DICT && dict_of(p, addresses) < 0)
            goto fail;
        a->dictionary = p->dictionary;
        break;
    case K_MAC:
        if (utf8_fixed(p, rows, v.data.buf, v.have_valid ? v.valid.buf : NULL) < 0)
            goto nomem;
        break;
    case K_BYTES: {
        int64_t *offs = malloc(sizeof(int64_t) * (size_t)(rows + 1));
        if (!offs)
            goto nomem;
        offs[0] = 0;
        memcpy(offs + 1, v.data.buf, sizeof(int64_t) * (size_t)rows);
        p->owned[1] = offs;
        p->views[p->n_views++] = v.blob;
        v.have_blob = 0;
        p->buffers[2] = p->views[0].buf;
        break;
    }
    case K_STR:
        if (utf8_list(p, a, v.strs, rows) < 0)
            goto fail;
        break;
    default:
        if (derive(pc, s, p, &v, rows) < 0)
            goto nomem;
        break;
    }
    for (int i = 0; i < 3; i++)
        if (p->owned[i])
            p->buffers[i] = p->owned[i];
    if (pc->kind == K_BYTES && !p->buffers[2]) {
        static const char empty;
        p->buffers[2] = &empty;
    }
    part_release(&v);
    return 0;
nomem:
    PyErr_NoMemory();
fail:
    part_release(&v);
    a->release(a);
    return -1;
}

/* ---- the schema -------------------------------------------------------------------------- */

typedef struct schema_priv {
    char *format, *name; /* owned copies: a schema may outlive the plan it came from */
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
} schema_priv;

static void schema_release(struct ArrowSchema *sc)
{
    schema_priv *p = sc->private_data;
    if (p) {
        for (int64_t i = 0; i < sc->n_children; i++) {
            if (p->children[i]->release)
                p->children[i]->release(p->children[i]);
            free(p->children[i]);
        }
        free(p->children);
        if (p->dictionary) {
            if (p->dictionary->release)
                p->dictionary->release(p->dictionary);
            free(p->dictionary);
        }
        free(p->format);
        free(p->name);
        free(p);
    }
    sc->release = NULL;
}

/* A schema node with its own copies of format and name; NULL private_data (and -1)
 * when out of memory, releasable either way. */
static int schema_leaf(struct ArrowSchema *sc, const char *format, const char *name, int64_t flags)
{
    memset(sc, 0, sizeof *sc);
    sc->release = schema_release;
    schema_priv *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    sc->private_data = p;
    p->format = strdup(format);
    p->name = strdup(name);
    if (!p->format || !p->name)
        return -1;
    sc->format = p->format;
    sc->name = p->name;
    sc->flags = flags;
    return 0;
}

/* The schema of a plan: a struct of its columns. */
static int schema_build(const stream_priv *s, struct ArrowSchema *out)
{
    if (schema_leaf(out, "+s", "", 0) < 0)
        goto nomem;
    schema_priv *p = out->private_data;
    p->children = calloc((size_t)(s->n_cols ? s->n_cols : 1), sizeof *p->children);
    if (!p->children)
        goto nomem;
    out->children = p->children;
    for (Py_ssize_t i = 0; i < s->n_cols; i++) {
        const plan_col *pc = &s->cols[i];
        struct ArrowSchema *c = malloc(sizeof *c);
        if (!c)
            goto nomem;
        p->children[i] = c;
        out->n_children = i + 1;
        if (schema_leaf(c, pc->kind == K_DICT ? "i" : pc->format, pc->name, ARROW_FLAG_NULLABLE) < 0)
            goto nomem;
        if (pc->kind == K_DICT) {
            schema_priv *cp = c->private_data;
            struct ArrowSchema *d = malloc(sizeof *d);
            if (!d)
                goto nomem;
            cp->dictionary = d;
            c->dictionary = d;
            if (schema_leaf(d, "u", "", ARROW_FLAG_NULLABLE) < 0)
                goto nomem;
        }
    }
    return 0;
nomem:
    if (out->release)
        out->release(out);
    return ENOMEM;
}

/* ---- the stream --------------------------------------------------------------------------- */

static void stream_set_error(stream_priv *s)
{
    /* The consumer sees only the text: keep the exception's type in it. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *str = value ? PyObject_Str(value) : NULL;
    const char *msg = str ? PyUnicode_AsUTF8(str) : NULL;
    snprintf(s->error, sizeof s->error, "%s: %s", type ? ((PyTypeObject *)type)->tp_name : "error",
             msg ? msg : "unknown");
    PyErr_Clear();
    Py_XDECREF(str);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

static int stream_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out)
{
    stream_priv *s = st->private_data;
    int rc = schema_build(s, out);
    if (rc)
        snprintf(s->error, sizeof s->error, "out of memory");
    return rc;
}

/* The next chunk into *out: (rows, parts, addresses) from the reader. */
static int batch_export(stream_priv *s, PyObject *got, struct ArrowArray *out)
{
    Py_ssize_t rows;
    PyObject *parts, *addresses;
    if (!PyArg_ParseTuple(got, "nOO:arrow chunk", &rows, &parts, &addresses))
        return -1;
    if (!PySequence_Check(parts)) {
        PyErr_SetString(PyExc_TypeError, "arrow: a chunk's parts must be a sequence");
        return -1;
    }
    array_priv *p = array_start(out, rows, 1);
    if (!p || !(p->children = calloc((size_t)(s->n_cols ? s->n_cols : 1), sizeof *p->children))) {
        if (out->release)
            out->release(out);
        PyErr_NoMemory();
        return -1;
    }
    out->children = p->children;
    for (Py_ssize_t i = 0; i < s->n_cols; i++) {
        struct ArrowArray *c = calloc(1, sizeof *c);
        if (!c) {
            PyErr_NoMemory();
            out->release(out);
            return -1;
        }
        p->children[i] = c;
        out->n_children = i + 1;
        PyObject *part = PySequence_GetItem(parts, s->cols[i].src);
        int rc = part ? column_export(s, &s->cols[i], part, addresses, rows, c) : -1;
        Py_XDECREF(part);
        if (rc < 0) {
            out->release(out);
            return -1;
        }
    }
    return 0;
}

static int stream_get_next(struct ArrowArrayStream *st, struct ArrowArray *out)
{
    stream_priv *s = st->private_data;
    memset(out, 0, sizeof *out);
    if (s->done)
        return 0; /* release == NULL: the end */
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = 0;
    PyObject *got = PyObject_CallNoArgs(s->reader);
    if (!got) {
        rc = EIO;
    } else if (got == Py_None) {
        s->done = 1;
    } else if (batch_export(s, got, out) < 0) {
        rc = EIO;
    }
    if (rc)
        stream_set_error(s);
    Py_XDECREF(got);
    PyGILState_Release(g);
    return rc;
}

static const char *stream_last_error(struct ArrowArrayStream *st)
{
    stream_priv *s = st->private_data;
    return s->error[0] ? s->error : NULL;
}

static void plan_free(plan_col *cols, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; cols && i < n; i++) {
        free(cols[i].name);
        free(cols[i].format);
    }
    free(cols);
}

static void stream_release(struct ArrowArrayStream *st)
{
    stream_priv *s = st->private_data;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_XDECREF(s->reader);
    PyGILState_Release(g);
    plan_free(s->cols, s->n_cols);
    free(s);
    st->release = NULL;
}

/* ---- the Python type ----------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *reader;   /* NULL once exported: a stream is read once */
    plan_col *cols;
    Py_ssize_t n_cols;
} ArrowStreamObject;

static int plan_parse(PyObject *plan, plan_col **out, Py_ssize_t *n_out)
{
    PyObject *seq = PySequence_Fast(plan, "arrow: the plan must be a sequence");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    plan_col *cols = calloc((size_t)(n ? n : 1), sizeof *cols);
    if (!cols) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name, *format;
        unsigned long long mask;
        plan_col *c = &cols[i];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "sisniK:arrow plan row", &name, &c->kind, &format,
                              &c->src, &c->width, &mask))
            goto fail;
        c->mask = mask;
        if (c->kind < 0 || c->kind >= K_COUNT || c->src < 0 ||
            (c->width != 1 && c->width != 2 && c->width != 4 && c->width != 8)) {
            PyErr_Format(PyExc_ValueError, "arrow: bad plan row for %s", name);
            goto fail;
        }
        c->name = strdup(name);
        c->format = strdup(format);
        if (!c->name || !c->format) {
            PyErr_NoMemory();
            goto fail;
        }
    }
    Py_DECREF(seq);
    *out = cols;
    *n_out = n;
    return 0;
fail:
    Py_DECREF(seq);
    plan_free(cols, n);
    return -1;
}

static int arrowstream_init(ArrowStreamObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"reader", "plan", NULL};
    PyObject *reader, *plan;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:_ArrowStream", kwlist, &reader, &plan))
        return -1;
    if (!PyCallable_Check(reader)) {
        PyErr_SetString(PyExc_TypeError, "_ArrowStream: reader must be callable");
        return -1;
    }
    plan_col *cols;
    Py_ssize_t n;
    if (plan_parse(plan, &cols, &n) < 0)
        return -1;
    plan_free(self->cols, self->n_cols);
    Py_XSETREF(self->reader, Py_NewRef(reader));
    self->cols = cols;
    self->n_cols = n;
    return 0;
}

static void arrowstream_dealloc(ArrowStreamObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    Py_XDECREF(self->reader);
    plan_free(self->cols, self->n_cols);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp); /* instances of a heap type hold it */
}

static void stream_capsule_free(PyObject *cap)
{
    struct ArrowArrayStream *st = PyCapsule_GetPointer(cap, "arrow_array_stream");
    if (!st)
        return;
    if (st->release)
        st->release(st);
    free(st);
}

static void schema_capsule_free(PyObject *cap)
{
    struct ArrowSchema *sc = PyCapsule_GetPointer(cap, "arrow_schema");
    if (!sc)
        return;
    if (sc->release)
        sc->release(sc);
    free(sc);
}

static PyObject *arrowstream_c_stream(ArrowStreamObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"requested_schema", NULL};
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:__arrow_c_stream__", kwlist, &requested))
        return NULL;
    /* requested_schema is a hint the producer may ignore (PyCapsuleInterface). */
    if (!self->reader) {
        PyErr_SetString(PyExc_ValueError, "this Arrow stream was already read (a stream is read once)");
        return NULL;
    }
    struct ArrowArrayStream *st = calloc(1, sizeof *st);
    stream_priv *s = calloc(1, sizeof *s);
    if (!st || !s) {
        free(st);
        free(s);
        return PyErr_NoMemory();
    }
    s->reader = self->reader; /* the reference moves to the stream */
    self->reader = NULL;
    s->cols = self->cols;
    s->n_cols = self->n_cols;
    self->cols = NULL;
    self->n_cols = 0;
    st->get_schema = stream_get_schema;
    st->get_next = stream_get_next;
    st->get_last_error = stream_last_error;
    st->release = stream_release;
    st->private_data = s;
    return PyCapsule_New(st, "arrow_array_stream", stream_capsule_free);
}

static PyObject *arrowstream_c_schema(ArrowStreamObject *self, PyObject *noargs)
{
    (void)noargs;
    if (!self->cols && !self->reader) {
        PyErr_SetString(PyExc_ValueError, "this Arrow stream was already read (a stream is read once)");
        return NULL;
    }
    struct ArrowSchema *sc = calloc(1, sizeof *sc);
    if (!sc)
        return PyErr_NoMemory();
    stream_priv tmp = {.cols = self->cols, .n_cols = self->n_cols};
    if (schema_build(&tmp, sc)) {
        free(sc);
        return PyErr_NoMemory();
    }
    return PyCapsule_New(sc, "arrow_schema", schema_capsule_free);
}

static PyMethodDef arrowstream_methods[] = {
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))arrowstream_c_stream, METH_VARARGS | METH_KEYWORDS,
     "__arrow_c_stream__(requested_schema=None) -> PyCapsule 'arrow_array_stream' (read once)"},
    {"__arrow_c_schema__", (PyCFunction)arrowstream_c_schema, METH_NOARGS,
     "__arrow_c_schema__() -> PyCapsule 'arrow_schema'"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot arrowstream_slots[] = {
    {Py_tp_dealloc, (void *)arrowstream_dealloc},
    {Py_tp_methods, arrowstream_methods},
    {Py_tp_init, (void *)arrowstream_init},
    {Py_tp_new, (void *)PyType_GenericNew},
    {Py_tp_doc, (void *)"_ArrowStream(reader, plan): column chunks as an Arrow C stream (PyCapsule protocol)."},
    {0, NULL},
};

static PyType_Spec arrowstream_spec = {
    .name = "tcptrace._core._ArrowStream",
    .basicsize = sizeof(ArrowStreamObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = arrowstream_slots,
};

int tt_py_arrow_register(PyObject *module, tt_py_state *st)
{
    st->ArrowStreamType = tt_py_new_type(module, &arrowstream_spec, 1);
    if (!st->ArrowStreamType)
        return -1;
    return PyModule_AddObjectRef(module, "_ArrowStream", (PyObject *)st->ArrowStreamType);
}
