"""Checkers return verdicts that pass on true statements and fail on false ones."""

from __future__ import annotations

import json

import numpy as np

from verify import checks, stats
from verify.stats import slope_ci


def test_upper_bound_check_passes_and_fails() -> None:
    rng = np.random.default_rng(0)
    vals = rng.exponential(1.0, (64, 3)) * np.array([1.0, 0.5, 0.25])
    ok = checks.check_upper_bound("X", vals, np.array([2.0, 1.0, 0.5]))
    bad = checks.check_upper_bound("X", vals, np.array([2.0, 1.0, 0.2]))
    assert ok.passed and not bad.passed
    assert bad.predicted == 0.2 and bad.n_seeds == 64
    nan = vals.copy()
    nan[0, 0] = np.nan
    assert not checks.check_upper_bound("X", nan, 10.0).passed  # non-finite data never passes


def test_slope_check_sides_and_width() -> None:
    rng = np.random.default_rng(1)
    t = np.geomspace(10, 1000, 12)
    vals = (2 / t) * rng.exponential(1.0, (64, t.size))
    assert checks.check_slope("X", t, vals, -1.0, 0.1).passed
    assert not checks.check_slope("X", t, vals, 0.0, 0.1).passed
    assert checks.check_slope("X", t, vals, -0.5, 0.1, side="upper").passed
    assert not checks.check_slope("X", t, vals, -0.5, 0.1, side="lower").passed
    few = (2 / t) * rng.exponential(1.0, (3, t.size))
    assert not checks.check_slope("X", t, few, -1.0, 0.1, max_width=0.01).passed  # too vague


def test_verdict_str_and_dict() -> None:
    v = checks.Verdict(
        "E1",
        True,
        -1.01,
        (-1.05, -0.97),
        -1.0,
        0.1,
        48,
        quantity="slope",
        relation="±",
        details={"a": np.arange(2), "b": np.inf},
    )
    assert str(v) == "PASS E1 slope −1.01 [−1.05, −0.97] vs −1 ± 0.1 (48 seeds)"
    d = v.to_dict()
    json.dumps(d)
    assert d["claim"] == "E1" and d["passed"] and d["ci"] == [-1.05, -0.97]
    assert d["details"] == {"a": [0, 1], "b": "inf"}


def test_ratio_and_exact_checks() -> None:
    assert checks.check_ratio("X", 0.9, 1.0).passed
    assert not checks.check_ratio("X", 0.9, 1.0, ci=(0.8, 1.1)).passed
    assert not checks.check_ratio("X", float("nan"), 1.0).passed
    assert checks.check_exact("X", 1.0 + 1e-12, 1.0, 1e-9).passed
    assert not checks.check_exact("X", 1.0 + 1e-6, 1.0, 1e-9).passed


def test_bootstrap_is_reproducible_and_covers() -> None:
    rng = np.random.default_rng(2)
    vals = rng.normal(3.0, 1.0, (200, 1))
    a, b = stats.mean_ci(vals), stats.mean_ci(vals)
    assert a == b and a[0].low < 3.0 < a[0].high


def test_slope_ci_covers_a_known_slope_and_rejects_a_wrong_one() -> None:
    """Coverage over 40 replicates (nominal 95%), not one lucky run; a flat series is rejected."""
    rng = np.random.default_rng(3)
    t = np.geomspace(10, 1000, 20)
    covered = 0
    for _ in range(40):
        values = (3.0 / t) * rng.exponential(1.0, size=(64, t.size))  # E = 3/t: slope −1
        _, lo, hi = slope_ci(t, values, n_boot=300)
        covered += lo <= -1.0 <= hi
    assert covered >= 32  # P(covered < 32 | 95% coverage) < 1e-3
    flat = rng.exponential(1.0, size=(64, t.size))  # slope 0
    _, lo0, hi0 = slope_ci(t, flat)
    assert not lo0 <= -1.0 <= hi0  # −1 is rejected
    assert -0.1 < lo0 < hi0 < 0.1  # and the interval sits around the true slope 0
