"""CTMA, the Centered Trimmed Meta Aggregator (Dahan & Levy 2024; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f, row_blocks, sqdist_to
from .registry import AggregatorLike, resolve

#: Valid values of ``ctma(..., ties=...)``.
TIES = ("stable", "inclusive")


def ctma(
    x: np.ndarray,
    *,
    f: int,
    base: AggregatorLike,
    ties: str = "stable",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Centered trimmed meta-aggregation of a base rule A.

    1. x₀ = A(x_1..x_m);
    2. r_i = ‖x_i − x₀‖², computed from the direct differences x_i − x₀ (so a common offset of
       the rows cancels exactly and never swamps their spread; exact for dyadic-grid data);
    3. ``ties="stable"`` (default, docs/theory.md §2): S = the m − f indices with the smallest
       r_i, the lower index first on ties, and the output is (1/(m − f)) Σ_{i∈S} x_i.
       ``ties="inclusive"`` (the authors' code, docs/theory.md §8): S = every i with
       r_i ≤ r_(m−f), the (m − f)-th smallest value (so ties at the cut keep more than m − f
       rows), and the output is x₀ + Σ_{i∈S} (x_i − x₀)/(m − f) (weights may sum to more than 1).

    f = 0 returns ``x.mean(axis=-2)`` itself (both tie rules). ``x[..., m, d] -> [..., d]``;
    ``rng`` is passed to a randomised base. Bad rows are infinitely far from x₀ and are never
    kept while at most f rows are bad.
    Cost: cost(A) + one pass over x for the distances (row blocks kept in cache, no [m, d]
    temporary) + O(m log m) for the order + one matrix-vector product for the kept mean (plus
    one more blocked pass over x for ``ties="inclusive"``): linear in m.
    Proposition CTMA (docs/theory.md §2): CTMA(A) is (f, 4f(1 + κ_A)/(m − f))-robust.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {', '.join(TIES)}; got {ties!r}")
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="ctma")
    if f == 0:
        return np.asarray(x.mean(axis=-2))
    center = np.asarray(resolve(base)(x, f=f, rng=rng), dtype=np.float64)
    keep, finite = _kept(x, center, m - f, ties)
    w = keep / (m - f)
    xs = x if finite else np.where(keep[..., None], x, 0.0)  # dropped rows may be non-finite
    if ties == "inclusive":
        return _inclusive(xs, center, w)
    return np.asarray(np.matmul(w[..., None, :], xs)[..., 0, :])


def ctma_selection(
    x: np.ndarray, center: np.ndarray, *, f: int, ties: str = "stable"
) -> np.ndarray:
    """CTMA's kept set S around a given centre x₀ (steps 2–3 of :func:`ctma`):
    ``(x[..., m, d], center[..., d]) -> bool [..., m]``, True on S."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {', '.join(TIES)}; got {ties!r}")
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="ctma")
    return _kept(x, np.asarray(center, dtype=np.float64), m - f, ties)[0]


def _kept(x: np.ndarray, center: np.ndarray, k: int, ties: str) -> tuple[np.ndarray, bool]:
    """(S as a bool mask [..., m], whether every distance is finite)."""
    r = sqdist_to(x, center)
    if ties == "inclusive":
        cut = np.partition(r, k - 1, axis=-1)[..., k - 1 : k]
        keep = r <= cut
    else:
        keep = np.zeros(r.shape, dtype=bool)
        np.put_along_axis(keep, np.argsort(r, axis=-1, kind="stable")[..., :k], True, axis=-1)
    return keep, bool(np.all(np.isfinite(r)))


def _inclusive(x: np.ndarray, center: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x₀ + Σ_i w_i (x_i − x₀), the differences formed and summed block by block."""
    total = np.zeros(np.broadcast_shapes(center.shape, x.shape[:-2] + x.shape[-1:]))
    d = x.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        for blk in row_blocks(x.shape[-2], max(1, w[..., 0].size) * d):
            diff = x[..., blk, :] - center[..., None, :]
            total += np.matmul(w[..., None, blk], diff)[..., 0, :]
        return np.asarray(center + total)
