"""Coordinate-wise order statistics over the worker axis: sums of a range of ranks.

:func:`rank_range_sum` is the one primitive behind CWTM and CWMed: per coordinate, sort the m
worker values (NaN counts as +inf) and add up ranks ``lo .. hi-1``. It runs a compiled kernel
(``_orderstats_c``, a SIMD comparator network; see the C source) when that extension is built
and the pure-numpy :func:`_rank_range_sum_numpy` otherwise; :data:`COMPILED` says which. Both
paths return bit-identical results: ranks are added left to right in ascending order, starting
from +0.0, exactly as ``sum(sorted(values)[lo:hi])`` does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import SupportsIndex

import numpy as np

__all__ = ["COMPILED", "rank_range_sum"]

# kernel(x, out, nbatch, m, d, lo, hi): x C-contiguous float64 [nbatch, m, d], out [nbatch, d]
_Kernel = Callable[[np.ndarray, np.ndarray, int, int, int, int, int], None]


def _load_kernel() -> _Kernel | None:
    """The compiled kernel, or None when the optional C extension was not built."""
    try:
        from ._orderstats_c import rank_range_sum as kernel
    except ImportError:
        return None
    return kernel


_KERNEL: _Kernel | None = _load_kernel()

#: True when :func:`rank_range_sum` uses the compiled kernel, False for the numpy fallback.
COMPILED: bool = _KERNEL is not None


def _rank(v: object) -> int | None:
    """``v`` as a Python int if it is an integer (Python or numpy, not bool), else None."""
    if isinstance(v, bool) or not isinstance(v, SupportsIndex):
        return None
    return operator.index(v)


def _prepare(x: object, lo: object, hi: object) -> tuple[np.ndarray, int, int]:
    """``x`` as a C-contiguous float64 array ``[..., m, d]`` (copied only if needed) and the
    validated ranks ``(lo, hi)``."""
    arr = np.ascontiguousarray(x, dtype=np.float64)
    if arr.ndim < 2:
        raise ValueError(f"x must have shape [..., m, d]; got shape {arr.shape}")
    m = arr.shape[-2]
    ilo, ihi = _rank(lo), _rank(hi)
    if ilo is None or ihi is None or not 0 <= ilo < ihi <= m:
        raise ValueError(
            f"rank range needs integers 0 <= lo < hi <= m = {m}; got lo={lo!r}, hi={hi!r}"
        )
    return arr, ilo, ihi


def rank_range_sum(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Per coordinate, the sum of the order statistics of ranks ``lo .. hi-1`` over the workers.

    Parameters
    ----------
    x : ndarray, shape [..., m, d]
        Worker values (any real dtype; converted to C-contiguous float64 with a copy only if
        needed). Never mutated.
    lo, hi : int
        Rank range, 0-based and half-open, ``0 <= lo < hi <= m``.

    Returns
    -------
    ndarray, shape [..., d], float64
        For every batch element and coordinate j: sort ``x[..., :, j]`` ascending with NaN
        treated as +inf, then add the values of ranks ``lo .. hi-1`` left to right (ascending
        rank) starting from +0.0. Values outside the rank range never affect the result;
        infinities inside it propagate as in a plain sum (``inf + -inf`` is NaN). A zero
        result is always +0.0. The output of a batch element does not depend on the batch it
        is computed in (bit for bit).

    Raises
    ------
    ValueError
        If ``x.ndim < 2`` or ``lo``, ``hi`` are not integers with ``0 <= lo < hi <= m``.
    """
    arr, lo, hi = _prepare(x, lo, hi)
    kernel = _KERNEL
    if kernel is None:
        return _rank_range_sum_numpy(arr, lo, hi)
    *batch, m, d = arr.shape
    out = np.empty((*batch, d), dtype=np.float64)
    if out.size:
        kernel(arr, out, out.size // d, m, d, lo, hi)
    return out


def _rank_range_sum_numpy(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Reference/fallback for :func:`rank_range_sum` (same contract, same bits), in numpy.

    Sorts along the worker axis after replacing NaN by +inf, then adds ranks ``lo .. hi-1`` one
    at a time (an explicit loop: ``ndarray.sum`` may use pairwise summation, a different
    rounding). ``x[..., m, d] -> [..., d]``.
    """
    arr, lo, hi = _prepare(x, lo, hi)
    ranked = np.sort(np.where(np.isnan(arr), np.inf, arr), axis=-2)
    out = np.zeros(arr.shape[:-2] + arr.shape[-1:], dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf and overflow, as in the kernel
        for r in range(lo, hi):
            out += ranked[..., r, :]
    return out
