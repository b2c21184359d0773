"""Lemma E and the momentum plateau at small scale (docs/theory.md §4), over many seeds with a
seed-bootstrap CI; each has a negative control that the same rule rejects."""

from __future__ import annotations

import numpy as np
import pytest

import problems
import sco
from verify.stats import slope_ci

T, SEEDS = 2000, 256
_BASE = problems.LeastSquares.random(4, cond=4.0, noise=0.0, rng=11)  # σ_L > 0
# Noise-dominated (s² tr Σ = 4D²σ_L², docs/theory.md §5): the slope −1 is a law only where the
# per-point variance is nearly constant along the path. With label noise 0.5 instead, the
# variance shrinks as x_t → x* and the error decays faster: slope −1.17 [−1.24, −1.09].
LS = problems.LeastSquares(
    _BASE.cov,
    _BASE.x_star,
    noise=float(np.sqrt(4 * _BASE.D**2 * _BASE.sigma_L2 / np.trace(_BASE.cov))),
)
ETA_STAR = 1.0 / (8 * LS.L * T)


def slope_near(lo: float, hi: float, target: float, tol: float = 0.1) -> bool:
    """The equivalence rule of verify.checks: the whole CI lies inside target ± tol."""
    return target - tol <= lo and hi <= target + tol


def late(trace: sco.Trace, name: str, start: int) -> tuple[np.ndarray, np.ndarray]:
    keep = trace.steps >= start
    return trace.steps[keep], trace[name][:, keep]


@pytest.mark.parametrize("scale", [10**-2, 10**-0.5, 10**1])  # three step sizes spanning 1e3×
def test_lemma_e_mu2sgd_error_is_below_sigma_tilde2_over_t_with_slope_minus_one(
    scale: float,
) -> None:
    tr = sco.simulate(
        LS,
        aggregator="mean",
        attack=None,
        estimator="mu2sgd",
        m=1,
        f=0,
        T=T,
        lr=scale * ETA_STAR,
        seeds=SEEDS,
        rng=1,
        record=("est_err",),
    )
    assert not tr.diverged.any()
    t, err = late(tr, "est_err", 20)
    slope, lo, hi, _ = slope_ci(t, err)
    assert slope_near(lo, hi, -1.0), (slope, lo, hi)
    # upper CI of the mean (seed bootstrap) below the bound σ̃²/t at every checkpoint
    rng = np.random.default_rng(0)
    boots = np.stack([err[rng.integers(0, SEEDS, SEEDS)].mean(axis=0) for _ in range(1000)])
    upper = np.quantile(boots, 0.975, axis=0)
    assert np.all(upper <= LS.sigma_tilde2 / t)


def test_lemma_e_negative_control_sgd_error_does_not_decay() -> None:
    tr = sco.simulate(
        LS,
        aggregator="mean",
        attack=None,
        estimator="sgd",
        m=1,
        f=0,
        T=T,
        lr=0.05,
        seeds=SEEDS,
        rng=1,
        record=("est_err",),
    )
    t, err = late(tr, "est_err", 20)
    slope, lo, hi, _ = slope_ci(t, err)
    assert not slope_near(lo, hi, -1.0)  # the same rule rejects it
    assert -0.3 < slope < 0.1  # a plateau (the LS variance shrinks a little as x_t → x*)


def test_storm_with_beta_one_is_plain_sgd_messages() -> None:
    """E1's negative control estimator: STORM with β_t = 1 sends ∇f(x_t; z_t), like anytime SGD."""
    kw = dict(aggregator="mean", attack=None, m=1, f=0, T=50, lr=0.01, seeds=3, rng=4)
    a = sco.simulate(LS, estimator="storm(beta=1)", **kw)  # type: ignore[arg-type]
    b = sco.simulate(LS, estimator="anytime_sgd", **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a["est_err"], b["est_err"])


def test_momentum_plateaus_under_alie_while_mu2sgd_decays() -> None:
    quad = problems.Quadratic.random(10, sigma=1.0, rng=12)
    kw = dict(
        aggregator="ctma(cwtm)",
        attack="alie",
        m=17,
        f=4,
        T=T,
        seeds=16,
        rng=2,
        record=("agg_err", "est_err"),
    )
    mom = sco.simulate(quad, estimator="momentum(beta=0.9)", lr=0.05, **kw)  # type: ignore[arg-type]
    mu2 = sco.simulate(quad, estimator="mu2sgd", lr=1 / (8 * quad.L * T), **kw)  # type: ignore[arg-type]
    t, e_mom = late(mom, "est_err", 200)
    _, e_mu2 = late(mu2, "est_err", 200)
    s_mom, lo_mom, hi_mom, _ = slope_ci(t, e_mom)
    s_mu2, lo_mu2, hi_mu2, _ = slope_ci(t, e_mu2)
    assert lo_mom > -0.2, (s_mom, lo_mom, hi_mom)  # plateau
    assert hi_mu2 < -0.7, (s_mu2, lo_mu2, hi_mu2)  # decays like 1/t
    assert e_mu2[:, -1].mean() < 0.1 * e_mom[:, -1].mean()
