"""The statistics behind every verdict: reproducible bootstrap CIs whose coverage is the
declared level (and demonstrably not another one), honest slopes, no silent NaN handling."""

from __future__ import annotations

import numpy as np
import pytest

from verify import Measurement, checks, stats

# Coverage of a 95 % interval over REPS replicates: Binomial(REPS, ≈0.945) has sd ≈ 0.0072, so
# [0.925, 0.965] holds a correct level with probability > 0.99, while a 90 % (coverage ≈ 0.89)
# or a 99 % interval (≈ 0.985) falls outside it with probability > 0.99.
REPS = 1000
BAND = (0.925, 0.965)


def coverage(level: float | None, rng: np.random.Generator, seeds: int = 64) -> float:
    """How often the CI that check_upper_bound reports covers the true mean 0 of N(0, 1)."""
    hit = 0
    for _ in range(REPS):
        vals = rng.standard_normal((seeds, 1))
        if level is None:  # what the checkers use
            v = checks.check_upper_bound(Measurement(np.ones(1), vals, np.array([1e9])))
            lo, hi = v.ci
        else:
            e = stats.mean_ci(vals, level=level)[0]
            lo, hi = e.low, e.high
        hit += lo <= 0.0 <= hi
    return hit / REPS


@pytest.mark.slow
def test_checker_cis_cover_at_the_declared_level() -> None:
    assert stats.LEVEL == 0.95
    c = coverage(None, np.random.default_rng(100))
    assert BAND[0] <= c <= BAND[1], c


@pytest.mark.slow
@pytest.mark.parametrize("other", [0.90, 0.99])
def test_the_coverage_test_rejects_another_level(other: float) -> None:
    """The same test on intervals at another level fails: it can tell 95 % from 90 % or 99 %."""
    c = coverage(other, np.random.default_rng(101))
    assert not BAND[0] <= c <= BAND[1], c


@pytest.mark.slow
def test_simultaneous_band_covers_every_point_at_once() -> None:
    rng = np.random.default_rng(102)
    k, reps, hit, hit_pointwise = 10, 400, 0, 0
    corr = np.linalg.cholesky(0.5 * np.eye(k) + 0.5)  # correlated columns, like checkpoints
    for _ in range(reps):
        vals = rng.standard_normal((64, k)) @ corr.T
        band = stats.simultaneous_ci(vals)
        point = stats.mean_ci(vals)
        hit += all(b.low <= 0 <= b.high for b in band)
        hit_pointwise += all(p.low <= 0 <= p.high for p in point)
    assert hit / reps >= 0.92, hit / reps  # family-wise ≈ 95 %
    assert hit_pointwise / reps < hit / reps - 0.05  # per-point intervals are not enough


def test_bootstrap_is_reproducible() -> None:
    rng = np.random.default_rng(2)
    vals = rng.normal(3.0, 1.0, (200, 1))
    assert stats.mean_ci(vals) == stats.mean_ci(vals)
    assert stats.mean_ci(vals[:1]) == [stats.Estimate(vals[0, 0], vals[0, 0], vals[0, 0])]


def test_non_finite_values_are_refused_not_dropped() -> None:
    vals = np.ones((8, 3))
    vals[2, 1] = np.nan
    for fn in (stats.mean_ci, stats.simultaneous_ci, stats.bootstrap_means):
        with pytest.raises(ValueError, match="non-finite"):
            fn(vals)
    with pytest.raises(ValueError, match="non-finite"):
        stats.slope_ci(np.arange(1.0, 4.0), vals)


def test_slope_ci_covers_a_known_slope_and_rejects_a_wrong_one() -> None:
    """Coverage over 40 replicates (nominal 95 %), not one lucky run; a flat series is rejected."""
    rng = np.random.default_rng(3)
    t = np.geomspace(10, 1000, 20)
    covered = 0
    for _ in range(40):
        values = (3.0 / t) * rng.exponential(1.0, size=(64, t.size))  # E = 3/t: slope −1
        _, lo, hi, bad = stats.slope_ci(t, values, n_boot=300)
        covered += lo <= -1.0 <= hi
        assert bad == 0
    assert covered >= 32  # P(covered < 32 | 95 % coverage) < 1e-3
    flat = rng.exponential(1.0, size=(64, t.size))  # slope 0
    _, lo0, hi0, _ = stats.slope_ci(t, flat)
    assert not lo0 <= -1.0 <= hi0
    assert -0.1 < lo0 < hi0 < 0.1


def test_min_slope_and_spread() -> None:
    x = np.array([1.0, 2.0, 4.0])
    vals = np.array([[1.0, 4.0, 16.0], [2.0, 4.5, 30.0]])
    e = stats.min_slope_ci(x, vals)
    assert e.value == pytest.approx(2.0)
    s = stats.spread_ci(np.array([[1.0, 2.0, 4.0], [1.0, 2.0, 4.0]]))
    assert s.value == pytest.approx(4.0) and s.low == pytest.approx(4.0)
    with pytest.raises(ValueError, match="positive"):
        stats.spread_ci(np.array([[0.0, 1.0]]))
