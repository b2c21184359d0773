"""The Monte-Carlo rules of tests/mc.py accept true statements and reject false ones."""

from __future__ import annotations

import numpy as np

from mc import biased, differs, exceeds


def test_exceeds_accepts_true_bound_and_rejects_understated_bound() -> None:
    draws = np.random.default_rng(0).exponential(2.0, size=100_000)  # E = 2
    assert not exceeds(draws, 2.0)
    assert exceeds(draws, 1.9)


def test_differs_accepts_exact_value_and_rejects_wrong_one() -> None:
    draws = np.random.default_rng(1).normal(3.0, 1.0, size=100_000)
    assert not differs(draws, 3.0)
    assert differs(draws, 3.05)


def test_biased_rejects_a_shifted_mean() -> None:
    draws = np.random.default_rng(2).normal(0.0, 1.0, size=(50_000, 4))
    assert not biased(draws, np.zeros(4))
    assert biased(draws, np.array([0.0, 0.0, 0.05, 0.0]))


def test_slope_ci_covers_a_known_slope_and_rejects_a_wrong_one() -> None:
    """Coverage over 40 replicates (nominal 95%), not one lucky run; a flat series is rejected."""
    from mc import slope_ci

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
