"""Clipping as pre-aggregation: static clipping and ARC, adaptive robust clipping (Allouah et al.
2024; docs/theory.md §2). Both rescale rows, then hand them to a base rule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._common import as_workers, bad_rows, check_f, rowsq
from .registry import AggregatorLike, resolve


def _norms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(‖x_i‖ as ``[..., m]``, bad rows): the norm is sqrt(fl Σ_k x_ik²), the same summation
    for every row whatever the batch layout; +inf on bad rows (non-finite entries or an
    overflowing squared norm, ``_common``)."""
    d = x.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        sq = rowsq(np.ascontiguousarray(x).reshape(-1, d)).reshape(x.shape[:-1])
    bad = bad_rows(x)
    return np.where(bad, np.inf, np.sqrt(np.where(bad, 0.0, sq))), bad


def clip_rows(x: np.ndarray, tau: np.ndarray | float) -> np.ndarray:
    r"""x_i · min(1, τ/‖x_i‖) for every row: ``(x[..., m, d], tau[..., 1] or scalar) ->
    [..., m, d]``. A zero row stays zero; a row with norm ≤ τ is unchanged (bit for bit). Bad
    rows come out as NaN rows (they have no direction to keep), which every robust base rule
    treats as bad."""
    x = as_workers(x)
    norm, bad = _norms(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.minimum(1.0, tau / norm)
    scale = np.where(norm <= tau, 1.0, scale)  # unchanged rows stay bit for bit (and 0/0)
    with np.errstate(invalid="ignore"):  # inf · 0 on bad rows, overwritten below
        out = x * scale[..., None]
    if bad.any():
        out[bad] = np.nan
    return out


def _check_tau(tau: object) -> float:
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not 0 < tau < math.inf:
        raise ValueError(f"tau must be a finite number > 0; got {tau!r}")
    return float(tau)


def clip(
    x: np.ndarray,
    *,
    f: int,
    base: AggregatorLike,
    tau: float = 1.0,
    rng: Any = None,
) -> np.ndarray:
    r"""Static clipping, then the base rule: x_i ← x_i · min(1, τ/‖x_i‖), then F(x) with the
    same f.

    ``x[..., m, d] -> [..., d]``; τ a finite number > 0 (default 1). Not translation
    equivariant (the clipping is centred at 0). Bad rows are passed on as NaN rows (see
    :func:`clip_rows`), so the result is robust whenever the base is. No tie rule is needed:
    every row is rescaled by its own norm. ``rng`` is passed to a randomised base.
    """
    tau = _check_tau(tau)
    x = as_workers(x)
    f = check_f(f, x.shape[-2], name="clip", min_m=1)  # the base checks m against f
    return resolve(base)(clip_rows(x, tau), f=f, rng=rng)


def arc_k(m: int, f: int) -> int:
    """ARC's number of clipped rows, k = ⌊2(f/m)(m − f)⌋, in exact integer arithmetic."""
    return (2 * f * (m - f)) // m


def arc_threshold(x: np.ndarray, *, f: int) -> np.ndarray:
    """ARC's clipping threshold: the (k + 1)-th largest row norm, k = :func:`arc_k`;
    ``x[..., m, d] -> [...]`` (bad rows count as norm +inf)."""
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="arc")
    norm, _ = _norms(x)
    k = arc_k(m, f)
    return np.asarray(np.partition(norm, m - 1 - k, axis=-1)[..., m - 1 - k])


def arc(
    x: np.ndarray,
    *,
    f: int,
    base: AggregatorLike,
    rng: Any = None,
) -> np.ndarray:
    r"""Adaptive robust clipping (ARC; Allouah et al. 2024, "Boosting robustness by clipping
    gradients in distributed learning"), then the base rule F with the same f.

    With k = ⌊2(f/m)(m − f)⌋ and τ = the (k + 1)-th largest of the m row norms, every row is
    clipped to τ: x_i ← x_i · min(1, τ/‖x_i‖); so the k largest-norm rows are scaled down to norm
    τ (up to rounding) and the others are unchanged. Tie rule: none is needed — τ is a value,
    rows whose norm equals τ are left as they are, so the result does not depend on which of
    several equal-norm rows counts as "the (k + 1)-th"; the output does not depend on the row
    order (beyond the base's own tie rule).

    ``x[..., m, d] -> [..., d]``; needs m > 2f. Norms are sqrt(fl Σ_k x_ik²); bad rows have norm
    +inf and are passed on as NaN rows. Since k ≥ f for 0 < f < m/2, up to f bad rows are
    among the k clipped ones and τ is the norm of a finite row. f = 0 gives k = 0: no clipping.
    Not translation equivariant. ``rng`` is passed to a randomised base.
    """
    tau = arc_threshold(x, f=f)
    return resolve(base)(clip_rows(x, tau[..., None]), f=f, rng=rng)
