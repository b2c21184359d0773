"""Estimating expectations honestly: means over seeds, seed-bootstrap CIs, log-log slopes.

Every interval here comes from a seed bootstrap (resampling seeds with replacement, ≥ 1000
resamples, a fixed generator so verdicts are reproducible), as THEORY.md §5 prescribes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

N_BOOT = 2000
LEVEL = 0.95


class Estimate(NamedTuple):
    """A point estimate with a two-sided confidence interval."""

    value: float
    low: float
    high: float


def _rng(seed: int = 20240715) -> np.random.Generator:
    return np.random.default_rng(seed)


def bootstrap_means(values: np.ndarray, n_boot: int = N_BOOT) -> np.ndarray:
    """Means of ``values[S, ...]`` over resampled seeds: ``[n_boot, ...]``."""
    values = np.asarray(values, dtype=np.float64)
    s = values.shape[0]
    idx = _rng().integers(0, s, (n_boot, s))
    return values[idx].mean(axis=1)


def mean_ci(values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL) -> list[Estimate]:
    """Mean over seeds with a bootstrap CI, per column of ``values[S, k]`` (or a scalar column
    for ``values[S]``)."""
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(values.shape[0], -1)
    boots = bootstrap_means(flat, n_boot)
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, a, axis=0), np.quantile(boots, 1 - a, axis=0)
    return [
        Estimate(float(v), float(a_), float(b_))
        for v, a_, b_ in zip(flat.mean(0), lo, hi, strict=True)
    ]


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def slope_ci(
    x: np.ndarray, values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL
) -> Estimate:
    """Slope of log(mean over seeds of ``values[S, k]``) against log ``x[k]``, with a seed
    bootstrap CI (each resample refits the slope on its own means)."""
    values = np.asarray(values, dtype=np.float64)
    boots = bootstrap_means(values, n_boot)
    logx = np.log(np.asarray(x, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        logy = np.log(boots)
    ok = np.all(np.isfinite(logy), axis=1)
    design = np.vstack([logx, np.ones_like(logx)]).T
    coef = np.linalg.lstsq(design, logy[ok].T, rcond=None)[0][0]
    a = (1 - level) / 2
    return Estimate(
        loglog_slope(x, values.mean(axis=0)),
        float(np.quantile(coef, a)),
        float(np.quantile(coef, 1 - a)),
    )
