"""Each declared constant *equals* its formula in docs/theory.md §1, recomputed here from the
raw data (a constant that still bounds the truth but drifts from the formula must fail)."""

from __future__ import annotations

import numpy as np
import pytest

import problems

SEEDS = range(4)


@pytest.mark.parametrize("seed", SEEDS)
def test_quadratic_constants_equal_the_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d, sigma = int(rng.integers(1, 12)), float(rng.uniform(0.0, 3.0))
    p = problems.Quadratic.random(d, cond=float(rng.uniform(1, 50)), sigma=sigma, rng=seed)
    assert p.L == pytest.approx(np.linalg.eigvalsh(p.A)[-1], rel=1e-13)
    assert p.sigma2 == sigma**2 and p.sigma_L2 == 0.0
    assert p.D == 2 * p.radius
    assert p.sigma_tilde2 == 2 * sigma**2
    assert float(p.value(p.x_star)) == p.f_star


@pytest.mark.parametrize("seed", SEEDS)
def test_least_squares_constants_equal_the_formulas(seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    d, s = int(rng.integers(1, 12)), float(rng.uniform(0.0, 3.0))
    p = problems.LeastSquares.random(d, cond=float(rng.uniform(1, 50)), noise=s, rng=seed)
    lam = np.linalg.eigvalsh(p.cov)
    tr = float(np.trace(p.cov))
    assert p.L == pytest.approx(lam[-1], rel=1e-13)
    assert p.sigma_L2 == pytest.approx(lam[-1] * (tr + lam[-1]), rel=1e-13)
    assert p.sigma2 == pytest.approx(s**2 * tr + p.D**2 * lam[-1] * (tr + lam[-1]), rel=1e-13)
    assert p.f_star == pytest.approx(s**2 / 2, rel=1e-15)
    assert p.sigma_tilde2 == pytest.approx(2 * p.sigma2 + 8 * p.D**2 * p.sigma_L2, rel=1e-15)


@pytest.mark.parametrize(("seed", "batch"), [(0, 1), (1, 4)])
def test_logistic_constants_equal_the_formulas(seed: int, batch: int) -> None:
    p = problems.Logistic.synthetic(60, 3, reg=0.05, batch=batch, rng=seed)
    a, n = p.features, p.n_samples
    sq = np.array([float(row @ row) for row in a])  # ‖a_i‖², one row at a time
    assert p.L == pytest.approx(np.linalg.eigvalsh(a.T @ a)[-1] / (4 * n) + 0.05, rel=1e-13)
    assert p.sigma2 == pytest.approx(sq.mean() / batch, rel=1e-13)
    assert p.sigma_L2 == pytest.approx((sq**2).mean() / 16 / batch, rel=1e-13)


def test_a_drifted_constant_is_caught() -> None:
    """Negative control: the same equality rejects σ_L² declared 1 % too large (still a valid
    upper bound, so the Monte-Carlo bound tests alone would let it through)."""
    p = problems.LeastSquares.random(4, rng=0)
    lam = np.linalg.eigvalsh(p.cov)
    drifted = 1.01 * p.sigma_L2
    assert drifted != pytest.approx(lam[-1] * (lam.sum() + lam[-1]), rel=1e-13)
