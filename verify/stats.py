"""Estimating expectations honestly: means over seeds, seed-bootstrap CIs, log-log slopes.

Every interval comes from a seed bootstrap: seeds are resampled with replacement
(``N_BOOT`` = 2000 resamples, at least the 1000 that docs/theory.md §5 asks for) by a fixed
generator, so a verdict is reproducible. The confidence level is ``LEVEL`` = 0.95, two-sided
(percentile intervals); a one-sided check uses the relevant end of that interval, which is a
97.5 % one-sided bound. The level is tested by a coverage test (tests/verify/test_stats.py).

Nothing here drops a non-finite value: callers decide what a diverged seed means (see
:mod:`verify.checks`) and pass finite arrays. A function given non-finite data raises.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

N_BOOT = 2000
LEVEL = 0.95
BOOT_SEED = 20240715


class Estimate(NamedTuple):
    """A point estimate with a two-sided confidence interval ``[low, high]``."""

    value: float
    low: float
    high: float


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0 or values.shape[0] == 0:
        raise ValueError(f"{what} needs at least one seed; got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{what} got non-finite values: decide what the diverged seeds mean before "
            "estimating (verify.checks does)"
        )
    return values


def _tails(level: float) -> tuple[float, float]:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    a = (1.0 - level) / 2.0
    return a, 1.0 - a


def bootstrap_indices(n_seeds: int, n_boot: int = N_BOOT) -> np.ndarray:
    """``[n_boot, n_seeds]`` seed indices drawn with replacement by the fixed generator."""
    return np.random.default_rng(BOOT_SEED).integers(0, n_seeds, (n_boot, n_seeds))


def bootstrap_means(values: np.ndarray, n_boot: int = N_BOOT) -> np.ndarray:
    """Means of ``values[S, ...]`` over resampled seeds: ``[n_boot, ...]``."""
    values = _finite(values, "bootstrap_means")
    idx = bootstrap_indices(values.shape[0], n_boot)
    return values[idx].mean(axis=1)


def mean_ci(values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL) -> list[Estimate]:
    """Mean over seeds with a percentile bootstrap CI, per column of ``values[S, k]`` (a single
    column for ``values[S]``).

    With one seed the interval is the point itself: the caller must treat ``S = 1`` as a
    deterministic measurement (``verify.checks`` does).
    """
    values = _finite(values, "mean_ci")
    flat = values.reshape(values.shape[0], -1)
    means = flat.mean(axis=0)
    if flat.shape[0] == 1:
        return [Estimate(float(v), float(v), float(v)) for v in means]
    boots = bootstrap_means(flat, n_boot)
    lo_q, hi_q = _tails(level)
    lo, hi = np.quantile(boots, lo_q, axis=0), np.quantile(boots, hi_q, axis=0)
    return [Estimate(float(v), float(a), float(b)) for v, a, b in zip(means, lo, hi, strict=True)]


def simultaneous_ci(
    values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL
) -> list[Estimate]:
    """Mean over seeds per column of ``values[S, k]`` with intervals that cover all k means at
    once with probability ``level`` (a bootstrap band on the largest standardised deviation).

    For each resample b the largest standardised deviation max_j abs(m_bj − m_j)/se_j is taken; the
    band is m_j ± c·se_j with c the ``level`` quantile of that maximum. Columns with zero spread
    get a zero-width interval.
    """
    values = _finite(values, "simultaneous_ci")
    flat = values.reshape(values.shape[0], -1)
    means = flat.mean(axis=0)
    if flat.shape[0] == 1:
        return [Estimate(float(v), float(v), float(v)) for v in means]
    boots = bootstrap_means(flat, n_boot)
    se = boots.std(axis=0)
    safe = np.where(se > 0, se, 1.0)
    dev = np.where(se > 0, np.abs(boots - means) / safe, 0.0).max(axis=1)
    c = float(np.quantile(dev, level))
    return [
        Estimate(float(v), float(v - c * s), float(v + c * s))
        for v, s in zip(means, se, strict=True)
    ]


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x (every x and y must be > 0)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(x <= 0) or np.any(y <= 0) or not np.all(np.isfinite(y)):
        raise ValueError("loglog_slope needs positive, finite x and y")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


class SlopeEstimate(NamedTuple):
    """A log-log slope with its CI and the number of resamples whose mean curve had a
    non-positive point (their slope is undefined; when there are any the CI is unbounded)."""

    value: float
    low: float
    high: float
    undefined: int


def slope_ci(
    x: np.ndarray, values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL
) -> SlopeEstimate:
    """Slope of log(mean over seeds of ``values[S, k]``) against log ``x[k]``, with a seed
    bootstrap CI (each resample refits the slope on its own means).

    A resample whose mean is ≤ 0 somewhere has no log-log slope. Such resamples are not dropped:
    if there is any, the interval is (−∞, ∞), which no equivalence or one-sided test can pass.
    """
    values = _finite(values, "slope_ci")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.shape[0] != values.shape[1] or x.shape[0] < 2 or np.any(x <= 0):
        raise ValueError("slope_ci needs x[k] > 0 with k >= 2 matching values[S, k]")
    means = values.mean(axis=0)
    if np.any(means <= 0):
        return SlopeEstimate(float("nan"), -np.inf, np.inf, n_boot)
    est = loglog_slope(x, means)
    if values.shape[0] == 1:
        return SlopeEstimate(est, est, est, 0)
    boots = bootstrap_means(values, n_boot)
    bad = int(np.sum(np.any(boots <= 0, axis=1)))
    if bad:
        return SlopeEstimate(est, -np.inf, np.inf, bad)
    logx = np.log(x)
    design = np.vstack([logx, np.ones_like(logx)]).T
    coef = np.linalg.lstsq(design, np.log(boots).T, rcond=None)[0][0]
    lo_q, hi_q = _tails(level)
    return SlopeEstimate(est, float(np.quantile(coef, lo_q)), float(np.quantile(coef, hi_q)), 0)


def spread_ci(values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL) -> Estimate:
    """max/min over the columns of the seed means of ``values[S, k]`` (all > 0), with a seed
    bootstrap CI: how far apart the best and the worst grid point are."""
    values = _finite(values, "spread_ci")
    means = values.mean(axis=0)
    if np.any(means <= 0):
        raise ValueError("spread_ci needs positive means")
    est = float(means.max() / means.min())
    if values.shape[0] == 1:
        return Estimate(est, est, est)
    boots = bootstrap_means(values, n_boot)
    with np.errstate(divide="ignore"):
        r = boots.max(axis=1) / boots.min(axis=1)
    lo_q, hi_q = _tails(level)
    return Estimate(est, float(np.quantile(r, lo_q)), float(np.quantile(r, hi_q)))


def min_slope_ci(
    x: np.ndarray, values: np.ndarray, n_boot: int = N_BOOT, level: float = LEVEL
) -> Estimate:
    """Slope of log(min over rows of ``values[R, k]``) against log ``x[k]``, with a bootstrap
    CI over the rows (repeats of a timing: the minimum is the least disturbed run)."""
    values = _finite(values, "min_slope_ci")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.shape[0] != values.shape[1] or x.shape[0] < 2 or np.any(x <= 0):
        raise ValueError("min_slope_ci needs x[k] > 0 with k >= 2 matching values[R, k]")
    if np.any(values <= 0):
        raise ValueError("min_slope_ci needs positive values")
    est = loglog_slope(x, values.min(axis=0))
    if values.shape[0] == 1:
        return Estimate(est, est, est)
    idx = bootstrap_indices(values.shape[0], n_boot)
    mins = values[idx].min(axis=1)  # [n_boot, k]
    logx = np.log(x)
    design = np.vstack([logx, np.ones_like(logx)]).T
    coef = np.linalg.lstsq(design, np.log(mins).T, rcond=None)[0][0]
    lo_q, hi_q = _tails(level)
    return Estimate(est, float(np.quantile(coef, lo_q)), float(np.quantile(coef, hi_q)))
