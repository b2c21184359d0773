"""M1's curve (docs/theory.md §7) against the variance of the EMA's weights, summed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from verify.claims.estimation import momentum_curve


def ema_weights(beta: float, t: int) -> np.ndarray:
    """Weights of g_1..g_t in d_t for d_1 = g_1, d_s = βd_{s−1} + (1 − β)g_s."""
    w = np.array([1.0])
    for _ in range(t - 1):
        w = np.append(beta * w, 1.0 - beta)
    return w


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.5, 0.9, 0.99])
def test_curve_is_the_variance_of_the_weights(beta: float) -> None:
    ts = np.arange(1, 60)
    want = [np.sum(ema_weights(beta, int(t)) ** 2) * 2.5 for t in ts]  # σ² = 2.5
    np.testing.assert_allclose(momentum_curve(ts, beta, 2.5), want, rtol=1e-12)
    assert momentum_curve(1, beta, 2.5) == pytest.approx(2.5)
    assert momentum_curve(10_000, beta, 1.0) == pytest.approx((1 - beta) / (1 + beta), abs=1e-12)


def test_the_control_formula_differs() -> None:
    ts = np.arange(1, 65)
    ratio = momentum_curve(ts, 0.9, 1.0, power=2) / momentum_curve(ts, 0.9, 1.0)
    assert ratio[0] == pytest.approx(1.0)  # both start at σ²
    # plateaus (1 − β²)/(1 + β²) against (1 − β)/(1 + β): a factor ≈ 2 at β = 0.9
    assert ratio[-1] == pytest.approx((0.19 / 1.81) / (0.1 / 1.9), rel=1e-3)
    assert ratio.max() > 1.9


def test_m1_refuses_bad_input_before_simulating() -> None:
    import problems
    from verify import claims

    with pytest.raises(ValueError, match=r"^M1: every beta must be a number in \[0, 1\); got 1.0$"):
        claims.run("M1", "smoke", betas=(0.5, 1.0))
    ls = problems.LeastSquares.random(3, rng=0)
    with pytest.raises(ValueError, match="M1 holds on problems with additive noise"):
        claims.run("M1", "smoke", problem=ls)
