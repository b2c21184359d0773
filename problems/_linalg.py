"""Batched BLAS products whose rounding cannot depend on the batch (docs/architecture.md §2).

``sco.simulate`` promises that seed k's trajectory is bit-identical alone, in any batch and on
rerun. A single BLAS call over a whole batch (``x[S, d] @ A``, a ``gemm`` with S rows) may round
a row differently with S: the library picks kernels and blockings by shape. numpy's ``matmul`` on
*stacked* operands does not do that: its loop (``numpy/_core/src/umath/matmul.c.src``) makes one
BLAS call per stacked matrix, and chooses that call (``dot``, ``gemv``, ``gemm`` or its own loop)
from the core shape and strides alone, which are the same for every item of the stack. So each
helper below treats every row as its own stack item, and a row's result depends only on its
values and the core shape: never on how many rows share the call, nor on where the row lies in
memory (the OpenBLAS ``ddot``/``gemv`` kernels use unaligned loads and peel no elements for
alignment; their summation order is a function of the length alone).

The one layout that does matter is the stride of the summed axis: numpy hands BLAS a strided
vector as is (``incx > 1``), and BLAS sums a strided vector in another order than a contiguous
one, while a row of a Fortran-ordered batch ``x[S, d]`` is strided where the same row alone is
not. So every operand whose last axis is summed is first given a unit stride on that axis
(:func:`unit_rows`: a copy only when needed). The tests check all of this empirically
(``tests/problems/test_oracles.py``, ``tests/simulate/test_bit_identity.py``).

Shapes are numpy-gufunc style; ``...`` broadcasts.
"""

from __future__ import annotations

import numpy as np


def unit_rows(a: np.ndarray) -> np.ndarray:
    """``a`` as float64 with a unit stride on its last axis (a C-ordered copy only if needed)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim and a.shape[-1] > 1 and a.strides[-1] != a.itemsize:
        return np.ascontiguousarray(a)
    return a


def rowdot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """⟨u, v⟩ over the last axis: ``u[..., n]``, ``v[..., n] -> [...]`` (broadcast).

    One BLAS ``ddot`` of length n per pair (a ``[1, n] @ [n, 1]`` stack item).
    """
    u, v = unit_rows(u), unit_rows(v)
    return np.matmul(u[..., None, :], v[..., :, None])[..., 0, 0]


def rowmat(u: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """uᵀM for each row: ``u[..., n]``, ``mat[n, p] -> [..., p]``.

    One BLAS ``gemv`` of shape ``[n, p]`` per row (a ``[1, n] @ [n, p]`` stack item). ``mat``
    is used as given: pass the same array (a problem's constant) on every call.
    """
    return np.matmul(unit_rows(u)[..., None, :], mat)[..., 0, :]


def matvec(mat: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mv for each stacked matrix: ``mat[..., k, n]``, ``v[..., n] -> [..., k]`` (broadcast).

    One BLAS call of shape ``[k, n] @ [n, 1]`` per stack item (``gemv``, or ``ddot`` when
    k = 1).
    """
    return np.matmul(unit_rows(mat), unit_rows(v)[..., :, None])[..., 0]


def vecmat(v: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """vᵀM for each stacked matrix: ``v[..., k]``, ``mat[..., k, n] -> [..., n]`` (broadcast).

    One BLAS ``gemv`` of shape ``[1, k] @ [k, n]`` per stack item; for k = 1 the exact products
    v·M (elementwise, faster than numpy's own matmul loop).
    """
    v, mat = unit_rows(v), unit_rows(mat)
    if mat.shape[-2] == 1:
        return v * mat[..., 0, :]
    return np.matmul(v[..., None, :], mat)[..., 0, :]
