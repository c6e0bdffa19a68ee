/* The column scores of a search (bot/core/retrieval.py, Index._scores) in one pass.
 *
 * Hand-written on purpose (issue 18): numpy computes these scores in six passes
 * over every position of the question's columns (positions, gather, repeat,
 * multiply, gather, bincount), each with its own temporary array, and a
 * follow-up's question beside its context reads ~11,000 positions. scipy.sparse
 * was measured slower than that numpy (docs/performance.md, ninth round); no
 * library fuses a gather with a scatter-add. This loop is what `np.bincount`
 * does with the same products added in the same order, so the scores are the
 * same to the last bit (tests/core/test_retrieval_index.py compares them): build
 * it with -ffp-contract=off (setup.py) so that no multiply-add is fused.
 *
 * Optional: when it cannot be built (no C compiler), retrieval uses numpy.
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

static PyMethodDef methods[] = {
    {"column_scores", column_scores, METH_VARARGS, column_scores_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "bot.core._fused",
    "Retrieval's column scores in one pass (optional; numpy otherwise).", -1, methods,
};

PyMODINIT_FUNC
PyInit__fused(void)
{
    return PyModule_Create(&module);
}
