"""The adaptive (worst-case search) attack of docs/theory.md §3."""

from __future__ import annotations

import numpy as np

from ..aggregators import Aggregator, AggregatorLike, resolve

DIRECTIONS = ("sign", "alie", "pc", "-pc")


def directions(honest: np.ndarray) -> dict[str, np.ndarray]:
    """Unit search directions from the honest messages, each ``[..., d]``:
    ``sign`` = −mean(H), ``alie`` = −std(H) (coordinate-wise), ``±pc`` = top principal
    direction of the centred H (both signs). A zero direction stays zero."""
    mu = honest.mean(axis=-2)
    centred = honest - mu[..., None, :]
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    raw = {
        "sign": -mu,
        "alie": -centred.std(axis=-2),
        "pc": vt[..., 0, :],
    }
    raw["-pc"] = -raw["pc"]
    out = {}
    for key, v in raw.items():
        n = np.linalg.norm(v, axis=-1, keepdims=True)
        out[key] = np.where(n > 0, v / np.where(n > 0, n, 1.0), 0.0)
    return out


def adaptive(
    honest: np.ndarray,
    *,
    f: int,
    aggregator: AggregatorLike,
    rng: np.random.Generator | None = None,
    n_scales: int = 25,
    low: float = 1e-2,
    high: float = 1e2,
    refine: int = 2,
) -> np.ndarray:
    r"""Worst case over a line search: Byzantine vector b = mean(H) + s·u repeated f times,
    with u among :func:`directions` and s on a log grid ``[low, high]·ρ`` (ρ = honest spread
    √V_H + ‖mean(H)‖), refined ``refine`` times around the best scale; returns the b that
    maximises ‖A(H ∪ {b}^f) − mean(H)‖ for the given aggregator A (per batch element).

    ``honest[..., h, d] -> [..., f, d]``. The aggregator sees honest rows first, then the f
    Byzantine rows. ``rng`` is passed to a randomised aggregator.
    """
    agg: Aggregator = resolve(aggregator)
    batch, d = honest.shape[:-2], honest.shape[-1]
    mu = honest.mean(axis=-2)
    spread = np.sqrt(np.mean(np.sum((honest - mu[..., None, :]) ** 2, axis=-1), axis=-1))
    rho = spread + np.linalg.norm(mu, axis=-1)
    rho = np.where(rho > 0, rho, 1.0)
    best_dev = np.full(batch, -np.inf)
    best = np.array(np.broadcast_to(mu, (*batch, d)))
    grid = np.geomspace(low, high, n_scales)
    for u in directions(honest).values():
        scales = np.broadcast_to(grid, (*batch, n_scales))
        for _ in range(refine + 1):
            cand = mu[..., None, :] + (scales * rho[..., None])[..., None] * u[..., None, :]
            dev = _deviation(agg, honest, cand, f, rng)  # [..., n_scales]
            k = np.argmax(dev, axis=-1)[..., None]
            top = np.take_along_axis(dev, k, axis=-1)[..., 0]
            better = top > best_dev
            pick = np.take_along_axis(cand, k[..., None], axis=-2)[..., 0, :]
            best = np.where(better[..., None], pick, best)
            best_dev = np.where(better, top, best_dev)
            # refine on a finer grid around each batch element's best scale
            scales = np.take_along_axis(scales, k, axis=-1) * np.geomspace(1 / 1.5, 1.5, n_scales)
    return np.array(np.broadcast_to(best[..., None, :], (*batch, f, d)))


def _deviation(
    agg: Aggregator, honest: np.ndarray, cand: np.ndarray, f: int, rng: np.random.Generator | None
) -> np.ndarray:
    """‖A(H ∪ {c}^f) − mean(H)‖ for each candidate c: ``cand[..., C, d] -> [..., C]``."""
    h = np.broadcast_to(honest[..., None, :, :], cand.shape[:-1] + honest.shape[-2:])
    byz = np.broadcast_to(cand[..., None, :], (*cand.shape[:-1], f, cand.shape[-1]))
    x = np.concatenate([h, byz], axis=-2)  # [..., C, m, d]
    out = agg(x, f=f, rng=rng)
    with np.errstate(invalid="ignore", over="ignore"):
        dev = np.linalg.norm(out - honest.mean(axis=-2)[..., None, :], axis=-1)
    return np.where(np.isfinite(dev), dev, np.inf)
