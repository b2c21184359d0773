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
