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
    """docs/theory.md §8: β_t = max(round(1/t, 3), .01), a constant step on w and
    γ_t = max(round(2/(t + 1), 3), .01), so γ_1 = 1 (x_2 = w_2), γ_2 = 0.667, β_3 = 0.333."""
    p = quadratic()
    xi = noise(p, 3)
    w1 = x1 = 0.0
    d1 = grad(x1, xi[0])
    w2 = w1 - LR * d1  # constant step on w
    x2 = w2  # γ_1 = 1
    d2 = grad(x2, xi[1]) + (1 - 0.5) * (d1 - grad(x1, xi[1]))
    w3 = w2 - LR * d2
    x3 = (1 - 0.667) * x2 + 0.667 * w3  # γ_2 = round(2/3, 3)
    d3 = grad(x3, xi[2]) + (1 - 0.333) * (d2 - grad(x2, xi[2]))  # β_3 = round(1/3, 3)
    check(run(p, "mu2sgd_paper_code"), [x1, x2, x3], [d1, d2, d3])


def test_mu2sgd_repository_variant_by_hand() -> None:
    """rounding=False, floor=0: β_t = 1/t, γ_t = 2/(t + 1) exactly; alpha_step: w steps η·t."""
    p = quadratic()
    xi = noise(p, 3)
    for alpha_step in (False, True):
        x1 = w1 = 0.0
        d1 = grad(x1, xi[0])
        w2 = w1 - LR * d1
        x2 = w2
        d2 = grad(x2, xi[1]) + (1 - 1 / 2) * (d1 - grad(x1, xi[1]))
        w3 = w2 - (2 * LR if alpha_step else LR) * d2
        x3 = (1 - 2 / 3) * x2 + (2 / 3) * w3
        d3 = grad(x3, xi[2]) + (1 - 1 / 3) * (d2 - grad(x2, xi[2]))
        spec = f"mu2sgd_paper_code(rounding=False, floor=0, alpha_step={alpha_step})"
        check(run(p, spec), [x1, x2, x3], [d1, d2, d3])


class ConstantGradient:
    """f(x) = x on a 1-D ball of radius 10: every (stochastic) gradient is exactly 1."""

    dim, radius, L, sigma2, sigma_L2, D, sigma_tilde2 = 1, 10.0, 0.0, 0.0, 0.0, 20.0, 0.0
    name = "constant_gradient"
    x_star = np.array([-10.0])
    f_star = -10.0
    x0 = np.zeros(1)
    center = np.zeros(1)

    def value(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)[..., 0]

    def grad(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(np.asarray(x, dtype=np.float64))

    def sample(self, rng: np.random.Generator, shape: object = ()) -> np.ndarray:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)  # type: ignore[arg-type]
        return rng.standard_normal((*shape, 1))

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        return np.ones(np.broadcast_shapes(np.shape(x), samples.shape))

    def project(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, -10.0, 10.0)


def test_paper_code_check_value() -> None:
    """The check value of docs/theory.md §8: x_1 = 0, d̂_t ≡ 1, η = 0.1 give
    x_2, x_3, x_4 = −0.1, −0.1667, −0.23335 (γ_1 = 1, γ_2 = 0.667, γ_3 = 0.5)."""
    tr = sco.simulate(
        ConstantGradient(),
        aggregator="mean",
        attack=None,
        estimator="mu2sgd_paper_code",
        m=3,
        f=0,
        T=4,
        lr=0.1,
        record=("x",),
        checkpoints=range(1, 5),
    )
    xs = tr.iterates["x"][0, :, 0]
    np.testing.assert_allclose(xs, [0.0, -0.1, -0.1667, -0.23335], rtol=1e-13, atol=1e-16)
    # the default μ²-SGD already differs at x_2: x_2 = (1·x_1 + 2·w_2)/3 with w_2 = −0.1
    tr = sco.simulate(
        ConstantGradient(),
        aggregator="mean",
        attack=None,
        estimator="mu2sgd",
        m=3,
        f=0,
        T=2,
        lr=0.1,
        record=("x",),
        checkpoints=[2],
    )
    assert tr.iterates["x"][0, 0, 0] == pytest.approx(-0.2 / 3, rel=1e-14)
