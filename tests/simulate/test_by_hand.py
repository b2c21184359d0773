"""The first steps of SGD, worker momentum and μ²-SGD on a 1-D quadratic, computed by hand
from docs/theory.md §4 with the same samples the simulator draws."""

from __future__ import annotations

import numpy as np
import pytest

import problems
import sco
from sco.seeds import seed_generators

A, C, SIGMA, LR = 2.0, 0.7, 0.5, 0.1


def quadratic(radius: float = 5.0) -> problems.Quadratic:
    return problems.Quadratic([[A]], [C], sigma=SIGMA, radius=radius)


def noise(p: problems.Quadratic, n: int, seed: int = 0, rng: int = 7) -> list[float]:
    """The simulator's noise for seed ``seed``: one (1, 1) draw per step from the honest stream."""
    g = seed_generators(rng, [seed])["honest"][0]
    return [float(p.sample(g, (1,))[0, 0]) for _ in range(n)]


def grad(x: float, xi: float) -> float:
    return A * (x - C) + xi


def run(p: problems.Quadratic, estimator: str, T: int = 3) -> sco.Trace:
    return sco.simulate(
        p,
        aggregator="mean",
        attack=None,
        estimator=estimator,
        m=1,
        f=0,
        T=T,
        lr=LR,
        seeds=1,
        rng=7,
        checkpoints=range(1, T + 1),
    )


def check(trace: sco.Trace, xs: list[float], ds: list[float]) -> None:
    for t, (x, d) in enumerate(zip(xs, ds, strict=True)):
        assert trace["dist"][0, t] == pytest.approx((x - C) ** 2, rel=1e-13)
        assert trace["subopt"][0, t] == pytest.approx(0.5 * A * (x - C) ** 2, rel=1e-13)
        assert trace["est_err"][0, t] == pytest.approx((d - A * (x - C)) ** 2, rel=1e-12, abs=1e-15)


def test_sgd_by_hand() -> None:
    p = quadratic()
    xi = noise(p, 3)
    x1 = 0.0
    d1 = grad(x1, xi[0])
    x2 = x1 - LR * d1
    d2 = grad(x2, xi[1])
    x3 = x2 - LR * d2
    d3 = grad(x3, xi[2])
    check(run(p, "sgd"), [x1, x2, x3], [d1, d2, d3])


def test_momentum_by_hand() -> None:
    p, beta = quadratic(), 0.9
    xi = noise(p, 3)
    x1 = 0.0
    d1 = grad(x1, xi[0])  # d_1 = g_1
    x2 = x1 - LR * d1
    d2 = beta * d1 + (1 - beta) * grad(x2, xi[1])
    x3 = x2 - LR * d2
    d3 = beta * d2 + (1 - beta) * grad(x3, xi[2])
    check(run(p, "momentum(beta=0.9)"), [x1, x2, x3], [d1, d2, d3])


def test_mu2sgd_by_hand() -> None:
    p = quadratic()
    xi = noise(p, 3)
    # t = 1: w1 = x1 = 0, d1 = g(x1; z1)
    w1 = x1 = 0.0
    d1 = grad(x1, xi[0])
    # w2 = w1 − η·α1·d1, x2 = (α_{1:1} x1 + α2 w2)/α_{1:2} = (1·x1 + 2·w2)/3
    w2 = w1 - LR * 1 * d1
    x2 = (1 * x1 + 2 * w2) / 3
    # d2 = g(x2; z2) + (1 − β2)(d1 − g(x1; z2)), β2 = 1/2, same sample z2 at both points
    d2 = grad(x2, xi[1]) + 0.5 * (d1 - grad(x1, xi[1]))
    # w3 = w2 − η·2·d2, x3 = (3·x2 + 3·w3)/6
    w3 = w2 - LR * 2 * d2
    x3 = (3 * x2 + 3 * w3) / 6
    d3 = grad(x3, xi[2]) + (2 / 3) * (d2 - grad(x2, xi[2]))
    check(run(p, "mu2sgd"), [x1, x2, x3], [d1, d2, d3])


def test_mu2sgd_projection_binds_on_w() -> None:
    p = quadratic(radius=1.0)  # x* = 0.7 inside, but a large step leaves the ball
    xi = noise(p, 2)
    d1 = grad(0.0, xi[0])
    big = 5.0
    w2 = float(np.clip(0.0 - big * d1, -1.0, 1.0))
    x2 = 2 * w2 / 3
    trace = sco.simulate(
        p,
        aggregator="mean",
        attack=None,
        estimator="mu2sgd",
        m=1,
        f=0,
        T=2,
        lr=big,
        seeds=1,
        rng=7,
        checkpoints=[1, 2],
    )
    assert abs(0.0 - big * d1) > 1.0  # the projection was active
    assert trace["dist"][0, 1] == pytest.approx((x2 - C) ** 2, rel=1e-13)


def test_paper_code_variant_by_hand() -> None:
    p = quadratic()
    xi = noise(p, 3)
    w1 = x1 = 0.0
    d1 = grad(x1, xi[0])
    w2 = w1 - LR * d1  # constant step on w
    x2 = (1 - 2 / 3) * x1 + (2 / 3) * w2  # γ1 = max(2/3, 0.01)
    d2 = grad(x2, xi[1]) + (1 - 0.5) * (d1 - grad(x1, xi[1]))
    w3 = w2 - LR * d2
    x3 = (1 - 0.5) * x2 + 0.5 * w3  # γ2 = max(2/4, 0.01)
    d3 = grad(x3, xi[2]) + (1 - 1 / 3) * (d2 - grad(x2, xi[2]))
    check(run(p, "mu2sgd_paper_code"), [x1, x2, x3], [d1, d2, d3])
