"""Shared pieces of the aggregators: validation, the non-finite row rule, distances.

Non-finite rule (docs/architecture.md §3): a row is *bad* when any entry is NaN/±Inf or when its
squared norm overflows (e.g. entries of 1e300). Distance-based rules treat a bad row as
infinitely far from every other row (its distances are +inf, it is never selected, never
averaged, and it gets no weight); coordinate-wise rules treat a NaN entry as +inf and let the
trimming discard it."""

from __future__ import annotations

import numbers

import numpy as np


def as_workers(x: object) -> np.ndarray:
    """``x`` as float64 of shape ``[..., m, d]`` with m, d ≥ 1 (no copy when possible)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-2] == 0 or arr.shape[-1] == 0:
        raise ValueError(f"x must have shape [..., m, d] with m, d >= 1; got shape {arr.shape}")
    return arr


def check_f(f: object, m: int, *, name: str, min_m: int | None = None) -> int:
    """Validate the Byzantine count f for an aggregator over m workers.

    ``min_m`` is the smallest m the rule accepts for this f (default 2f + 1, i.e. m > 2f).
    """
    if isinstance(f, bool) or not isinstance(f, numbers.Integral) or int(f) < 0:
        raise ValueError(f"f must be an integer >= 0; got {f!r}")
    f = int(f)
    need = 2 * f + 1 if min_m is None else min_m
    if m < need:
        raise ValueError(f"{name} needs m >= {need} workers for f = {f}; got m = {m}")
    return f


def bad_rows(x: np.ndarray) -> np.ndarray:
    """Rows treated as infinitely far: ``x[..., m, d] -> bool [..., m]``."""
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.einsum("...ij,...ij->...i", x, x)
    return ~np.isfinite(sq)


def pairwise_sqdist(x: np.ndarray) -> np.ndarray:
    """‖x_i − x_j‖² for all pairs: ``x[..., m, d] -> [..., m, m]``, from one Gram matrix.

    Rows are first centred on their coordinate-wise median, which removes a common offset
    (limiting cancellation in ‖y_i‖² + ‖y_j‖² − 2⟨y_i, y_j⟩), cannot be dragged away by a minority
    of Byzantine rows, and keeps small-integer data exact (the median of integers is a
    half-integer), so exactly tied distances stay tied. The diagonal is exactly 0; pairs with a
    bad row are +inf. Cost O(m²d) in one BLAS call per batch element, never ``[m, m, d]``.
    """
    from ._orderstats import rank_range_sum

    bad = bad_rows(x)
    m = x.shape[-2]
    lo, hi = (m - 1) // 2, m // 2 + 1
    with np.errstate(invalid="ignore", over="ignore"):
        centre = rank_range_sum(x, lo, hi) / (hi - lo)
    centre = np.where(np.isfinite(centre), centre, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        y = x - centre[..., None, :]
    if bad.any():
        y = np.where(bad[..., None], 0.0, y)
    gram = y @ np.swapaxes(y, -1, -2)
    sq = np.diagonal(gram, axis1=-2, axis2=-1)
    dist = np.maximum(sq[..., :, None] + sq[..., None, :] - 2.0 * gram, 0.0)
    idx = np.arange(m)
    dist[..., idx, idx] = 0.0
    if bad.any():
        pair_bad = bad[..., :, None] | bad[..., None, :]
        pair_bad[..., idx, idx] = False
        dist = np.where(pair_bad, np.inf, dist)
    return dist


def select_mean(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Mean of the rows ``keep[..., k]`` (indices) of ``x[..., m, d]`` -> ``[..., d]``.

    Gathers only the kept rows, so rows that are not kept (possibly non-finite) never enter
    the arithmetic. Rows are summed in the order given by ``keep``.
    """
    rows = np.take_along_axis(x, keep[..., :, None], axis=-2)
    return rows.mean(axis=-2)
