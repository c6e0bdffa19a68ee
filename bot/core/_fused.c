/* Three steps of a search (bot/core/retrieval.py) in C: the column scores
 * (Index._scores) in one pass, a follow-up's merge with its context
 * (Index._with_context), and the rerank's closest variants of each best entry
 * (Index._search, `nearest`, at the end of this file).
 *
 * Hand-written on purpose (issue 18), measured first (docs/performance.md, ninth
 * round). The scores: numpy computes them in six passes
 * over every position of the question's columns (positions, gather, repeat,
 * multiply, gather, bincount), each with its own temporary array, and a
 * follow-up's question beside its context reads ~11,000 positions. scipy.sparse
 * was measured slower than that numpy (docs/performance.md, ninth round); no
 * library fuses a gather with a scatter-add. This loop is what `np.bincount`
 * does with the same products added in the same order, so the scores are the
 * same to the last bit: build it with -ffp-contract=off (setup.py) so that no
 * multiply-add is fused. The merge: a Python dict over ~130 features cost ~30 µs
 * a follow-up, about as much as the scores. tests/core/test_fused.py compares
 * both with the numpy and Python code they replace, bit for bit.
 *
 * Optional: when it cannot be built (no C compiler), retrieval uses numpy and
 * Python.
 * Every index is checked before it is used, so a wrong array raises an
 * exception instead of reading or writing outside its memory.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A 1-D C-contiguous native array of int64 ('i') or float64 ('d'). */
static int
get_array(PyObject *obj, Py_buffer *view, int writable, char kind, const char *name)
{
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        return -1;
    }
    const char *f = view->format ? view->format : "B";
    if (f[0] == '@' || f[0] == '=') {
        f++;
    }
    int typed = kind == 'i' ? (f[0] == 'l' || f[0] == 'q') : f[0] == 'd';
    if (view->ndim != 1 || view->itemsize != 8 || !typed || f[1] != '\0') {
        PyErr_Format(PyExc_TypeError, "%s: expected a 1-D contiguous %s array", name,
                     kind == 'i' ? "int64" : "float64");
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(column_scores_doc,
"column_scores(out, indptr, indices, data, idx, w)\n\n"
"out[:] = the sum over k of w[k] times column idx[k] of the compressed-column\n"
"matrix (indptr, indices, data), added position by position in that order.");

static PyObject *
column_scores(PyObject *self, PyObject *args)
{
    PyObject *objs[6];
    Py_buffer out = {0}, indptr = {0}, indices = {0}, data = {0}, idx = {0}, w = {0};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOO:column_scores", &objs[0], &objs[1], &objs[2],
                          &objs[3], &objs[4], &objs[5])) {
        return NULL;
    }
    if (get_array(objs[0], &out, 1, 'd', "out") < 0
        || get_array(objs[1], &indptr, 0, 'i', "indptr") < 0
        || get_array(objs[2], &indices, 0, 'i', "indices") < 0
        || get_array(objs[3], &data, 0, 'd', "data") < 0
        || get_array(objs[4], &idx, 0, 'i', "idx") < 0
        || get_array(objs[5], &w, 0, 'd', "w") < 0) {
        goto done;
    }
    Py_ssize_t n_out = out.len / 8, n_cols = indptr.len / 8 - 1, n_pos = indices.len / 8;
    Py_ssize_t n_query = idx.len / 8;
    if (n_cols < 0 || data.len != indices.len || w.len != idx.len) {
        PyErr_SetString(PyExc_ValueError,
                        "column_scores: indptr is empty, or data and indices, or idx and w, differ in length");
        goto done;
    }
    const int64_t *ptr = indptr.buf, *rows = indices.buf, *cols = idx.buf;
    const double *values = data.buf, *weights = w.buf;
    double *y = out.buf;
    memset(y, 0, (size_t)out.len);
    for (Py_ssize_t k = 0; k < n_query; k++) {
        int64_t c = cols[k];
        if (c < 0 || c >= n_cols) {
            PyErr_Format(PyExc_IndexError, "column_scores: column %lld out of range", (long long)c);
            goto done;
        }
        int64_t start = ptr[c], end = ptr[c + 1];
        if (start < 0 || end < start || end > n_pos) {
            PyErr_SetString(PyExc_ValueError, "column_scores: indptr out of order or range");
            goto done;
        }
        double x = weights[k];
        for (int64_t p = start; p < end; p++) {
            int64_t r = rows[p];
            if (r < 0 || r >= n_out) {
                PyErr_Format(PyExc_IndexError, "column_scores: row %lld out of range", (long long)r);
                goto done;
            }
            double product = values[p] * x;  /* as numpy: the product first, then the sum */
            y[r] += product;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out);
    PyBuffer_Release(&indptr);
    PyBuffer_Release(&indices);
    PyBuffer_Release(&data);
    PyBuffer_Release(&idx);
    PyBuffer_Release(&w);
    return result;
}

PyDoc_STRVAR(merge_doc,
"merge(out_idx, out_w, slots, idx, w, cidx, cw, weight) -> m\n\n"
"A question's sparse vector plus weight times its context's, as a Python dict\n"
"would sum them: out_idx[:m] the feature ids in the order they first come\n"
"(the question's, then the context's new ones), out_w[:m] their sums.\n"
"`slots` (one per feature, all -1) is scratch, left all -1 again.");

/* Retrieval's `_with_context` merge (bot/core/retrieval.py): the same sums in the
 * same order as its dict, ~130 features a follow-up, without a Python object
 * per feature. `slots[f]` is where feature f sits in the output while merging.
 * Every check comes before the first write, so an error leaves `slots` as it was. */
static PyObject *
merge(PyObject *self, PyObject *args)
{
    PyObject *objs[7];
    double weight;
    Py_buffer out_idx = {0}, out_w = {0}, slots = {0}, idx = {0}, w = {0}, cidx = {0}, cw = {0};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOd:merge", &objs[0], &objs[1], &objs[2], &objs[3],
                          &objs[4], &objs[5], &objs[6], &weight)) {
        return NULL;
    }
    if (get_array(objs[0], &out_idx, 1, 'i', "out_idx") < 0
        || get_array(objs[1], &out_w, 1, 'd', "out_w") < 0
        || get_array(objs[2], &slots, 1, 'i', "slots") < 0
        || get_array(objs[3], &idx, 0, 'i', "idx") < 0
        || get_array(objs[4], &w, 0, 'd', "w") < 0
        || get_array(objs[5], &cidx, 0, 'i', "cidx") < 0
        || get_array(objs[6], &cw, 0, 'd', "cw") < 0) {
        goto done;
    }
    Py_ssize_t n_q = idx.len / 8, n_c = cidx.len / 8, n_feat = slots.len / 8;
    if (w.len != idx.len || cw.len != cidx.len || out_idx.len != out_w.len
        || out_idx.len / 8 < n_q + n_c) {
        PyErr_SetString(PyExc_ValueError,
                        "merge: ids and weights differ in length, or the output is too short");
        goto done;
    }
    int64_t *pos = slots.buf, *ids = out_idx.buf;
    const int64_t *q = idx.buf, *c = cidx.buf;
    const double *qw = w.buf, *cv = cw.buf;
    double *sums = out_w.buf;
    for (Py_ssize_t k = 0; k < n_q + n_c; k++) {
        int64_t f = k < n_q ? q[k] : c[k - n_q];
        if (f < 0 || f >= n_feat) {
            PyErr_Format(PyExc_IndexError, "merge: feature %lld out of range", (long long)f);
            goto done;
        }
        if (pos[f] != -1) {
            PyErr_SetString(PyExc_ValueError, "merge: slots must all be -1");
            goto done;
        }
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t k = 0; k < n_q + n_c; k++) {
        int64_t f = k < n_q ? q[k] : c[k - n_q];
        double x = k < n_q ? qw[k] : weight * cv[k - n_q];  /* as Python: the product, then the sum */
        if (pos[f] == -1) {
            pos[f] = m;
            ids[m] = f;
            sums[m] = 0.0 + x;  /* dict.get(f, 0.0) + x */
            m++;
        } else {
            sums[pos[f]] = sums[pos[f]] + x;
        }
    }
    for (Py_ssize_t j = 0; j < m; j++) {
        pos[ids[j]] = -1;
    }
    result = PyLong_FromSsize_t(m);
done:
    PyBuffer_Release(&out_idx);
    PyBuffer_Release(&out_w);
    PyBuffer_Release(&slots);
    PyBuffer_Release(&idx);
    PyBuffer_Release(&w);
    PyBuffer_Release(&cidx);
    PyBuffer_Release(&cw);
    return result;
}

PyDoc_STRVAR(nearest_doc,
"nearest(out, values, starts, ends, entries) -> ties\n\n"
"For each entries[j], the rows of its block values[starts[e]:ends[e]] with the\n"
"three highest values, highest first, in out[3*j:3*j+3] (-1 where the block is\n"
"shorter). Bit j of `ties` is set when equal values leave the answer to a sort's\n"
"choice (two of the first three equal, or the third and the fourth) or a value\n"
"is NaN: the caller then sorts that block itself.");

/* The rerank's closest variants of each of the best entries (Index._search): what
 * `np.argsort(-block)[:3]` gives, in one pass over ~110 values a block instead of a
 * sort (~20,000 instructions a block, ~7 % of a new text's turn for 12 blocks).
 * Which of several equal values a sort puts first is its own choice (numpy's
 * quicksort is not stable), so wherever equal values decide the order of the
 * three or which three are taken, the block is flagged and left to numpy.
 * Elsewhere the values alone decide, and any sort gives these rows in this order. */
static PyObject *
nearest(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    Py_buffer out = {0}, values = {0}, starts = {0}, ends = {0}, entries = {0};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOO:nearest", &objs[0], &objs[1], &objs[2], &objs[3],
                          &objs[4])) {
        return NULL;
    }
    if (get_array(objs[0], &out, 1, 'i', "out") < 0
        || get_array(objs[1], &values, 0, 'd', "values") < 0
        || get_array(objs[2], &starts, 0, 'i', "starts") < 0
        || get_array(objs[3], &ends, 0, 'i', "ends") < 0
        || get_array(objs[4], &entries, 0, 'i', "entries") < 0) {
        goto done;
    }
    Py_ssize_t n_values = values.len / 8, n_blocks = starts.len / 8, n_entries = entries.len / 8;
    if (ends.len != starts.len || out.len / 8 < 3 * n_entries || n_entries > 64) {
        PyErr_SetString(PyExc_ValueError,
                        "nearest: starts and ends differ in length, out is too short, or over 64 entries");
        goto done;
    }
    const int64_t *first = starts.buf, *last = ends.buf, *which = entries.buf;
    const double *v = values.buf;
    for (Py_ssize_t j = 0; j < n_entries; j++) {
        int64_t e = which[j];
        if (e < 0 || e >= n_blocks) {
            PyErr_Format(PyExc_IndexError, "nearest: entry %lld out of range", (long long)e);
            goto done;
        }
        if (first[e] < 0 || last[e] < first[e] || last[e] > n_values) {
            PyErr_SetString(PyExc_ValueError, "nearest: a block out of order or range");
            goto done;
        }
    }
    int64_t *rows = out.buf;
    unsigned long long ties = 0;
    for (Py_ssize_t j = 0; j < n_entries; j++) {
        int64_t s = first[which[j]], e = last[which[j]];
        double best[4];
        int64_t at[4];
        int kept = 0, nan = 0;
        for (int64_t p = s; p < e; p++) {
            double x = v[p];
            if (x != x) {
                nan = 1;
                continue;
            }
            if (kept == 4 && !(x > best[3])) {
                continue;
            }
            int i = kept < 4 ? kept++ : 3;  /* the place it takes, moved up past smaller ones */
            while (i > 0 && x > best[i - 1]) {
                best[i] = best[i - 1];
                at[i] = at[i - 1];
                i--;
            }
            best[i] = x;
            at[i] = p;
        }
        int64_t size = e - s;
        int equal = 0;  /* two of the first three, or the third and the fourth */
        for (int t = 1; t < kept && t < 4; t++) {
            equal |= best[t - 1] == best[t];
        }
        if (nan || equal) {
            ties |= 1ULL << j;
        }
        for (int t = 0; t < 3; t++) {
            rows[3 * j + t] = t < kept ? at[t] : -1;
        }
    }
    result = PyLong_FromUnsignedLongLong(ties);
done:
    PyBuffer_Release(&out);
    PyBuffer_Release(&values);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&entries);
    return result;
}

static PyMethodDef methods[] = {
    {"column_scores", column_scores, METH_VARARGS, column_scores_doc},
    {"merge", merge, METH_VARARGS, merge_doc},
    {"nearest", nearest, METH_VARARGS, nearest_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "bot.core._fused",
    "Retrieval's column scores, context merge and closest variants in C (optional; numpy and Python otherwise).", -1, methods,
};

PyMODINIT_FUNC
PyInit__fused(void)
{
    return PyModule_Create(&module);
}
