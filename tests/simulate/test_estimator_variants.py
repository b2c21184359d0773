"""The control estimators: stand_still never moves, storm(offset=k) uses β_t = 1/(t + k)."""

from __future__ import annotations

import numpy as np
import pytest

import problems
import sco
from sco import estimators

P = problems.Quadratic.random(3, sigma=0.5, rng=2)


def test_stand_still_keeps_x1() -> None:
    tr = sco.simulate(
        P,
        aggregator="mean",
        attack=None,
        estimator="stand_still",
        m=2,
        f=0,
        T=20,
        lr=0.3,
        seeds=2,
        rng=0,
        record=("subopt", "x"),
        checkpoints=range(1, 21),
    )
    np.testing.assert_array_equal(tr.iterates["x"], np.broadcast_to(P.x0, (2, 20, 3)))
    assert np.all(tr["subopt"] == P.value(P.x0) - P.f_star)


def test_storm_offset_schedule_by_hand() -> None:
    """d_t = g_t + (1 − β_t)(d_{t−1} − g'_t) with β_t = 1/(t + 1): at t = 2, weight 2/3."""
    est = estimators.make("storm(offset=1)")
    assert est.spec == "storm(offset=1)"
    w = est.worker
    s = w.init(np.array([1.0]))
    s = w.update(s, np.array([4.0]), np.array([2.0]), 2)
    assert s.d[0] == pytest.approx(4.0 + (2 / 3) * (1.0 - 2.0))  # 10/3
    s = w.update(s, np.array([0.0]), np.array([1.0]), 3)
    assert s.d[0] == pytest.approx((3 / 4) * (10 / 3 - 1.0))  # 1.75


def test_storm_offset_and_beta_are_exclusive() -> None:
    with pytest.raises(ValueError, match="either a constant beta or an offset"):
        estimators.storm(beta=0.5, offset=1)
    with pytest.raises(ValueError, match="offset must be an integer >= 0"):
        estimators.storm(offset=-1)
    assert estimators.make("storm").spec == "storm"
