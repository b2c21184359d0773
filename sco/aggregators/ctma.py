"""CTMA, the Centered Trimmed Meta Aggregator (Dahan & Levy 2024; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f, select_mean
from .registry import AggregatorLike, resolve


def ctma(
    x: np.ndarray, *, f: int, base: AggregatorLike, rng: np.random.Generator | None = None
) -> np.ndarray:
    r"""Centered trimmed meta-aggregation of a base rule A.

    1. x₀ = A(x_1..x_m);
    2. r_i = ‖x_i − x₀‖ and S = the m − f indices with the smallest r_i (ties: lower index);
    3. return (1/(m − f)) Σ_{i∈S} x_i.

    f = 0 returns ``x.mean(axis=-2)`` itself. Distances are expanded as
    ‖x_i‖² − 2⟨x_i, x₀⟩ + ‖x₀‖² (two passes over x, no [m, d] temporary) and the kept mean is
    one matrix-vector product with weights 1/(m − f) on S, so the step costs about three means
    on top of the base; the rounding of the expansion is ε·(‖x_i‖² + ‖x₀‖²), negligible unless the
    rows share an offset ~10⁷ times their spread.

    ``x[..., m, d] -> [..., d]``; ``rng`` is passed to a randomised base. Bad rows are
    infinitely far from x₀ and are never kept while at most f rows are bad.
    Cost: cost(A) + O(md) for the distances + O(m log m) for the order.
    Proposition CTMA (docs/theory.md §2): CTMA(A) is (f, 4f(1 + κ_A)/(m − f))-robust.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="ctma")
    if f == 0:
        return np.asarray(x.mean(axis=-2))
    center = resolve(base)(x, f=f, rng=rng)
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.einsum("...ij,...ij->...i", x, x)
        r = (
            sq
            - 2.0 * np.matmul(x, center[..., :, None])[..., 0]
            + np.sum(center**2, axis=-1)[..., None]
        )
    r = np.where(np.isnan(r), np.inf, r)
    keep = np.argsort(r, axis=-1, kind="stable")[..., : m - f]
    if not np.all(np.isfinite(np.take_along_axis(sq, keep, axis=-1))):
        return select_mean(x, np.sort(keep, axis=-1))  # more than f bad rows: gather
    w = np.zeros(r.shape)
    np.put_along_axis(w, keep, 1.0 / (m - f), axis=-1)
    if np.all(np.isfinite(sq)):
        return np.asarray(np.matmul(w[..., None, :], x)[..., 0, :])
    return np.asarray(np.matmul(w[..., None, :], np.where(w[..., None] > 0, x, 0.0))[..., 0, :])
