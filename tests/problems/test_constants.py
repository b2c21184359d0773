"""The declared constants L, σ², σ_L² are valid (and exact where docs/theory.md gives a formula).

Quadratic and least squares are checked by Monte Carlo against hand-derived formulas; the
logistic finite sum is checked by exact enumeration over its N rows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import problems
from mc import differs, exceeds, uniform_ball

N_MC = 200_000


def variance_draws(p: problems.BallProblem, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draws of ‖g(x; z) − ∇f(x)‖² for i.i.d. samples z."""
    g = p.stoch_grad(x, p.sample(rng, N_MC))
    return np.sum((g - p.grad(x)) ** 2, axis=-1)


def smoothness_draws(
    p: problems.BallProblem, x: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draws of ‖(g(x; z) − g(y; z)) − (∇f(x) − ∇f(y))‖² / ‖x − y‖² with one z at both points."""
    z = p.sample(rng, N_MC)
    diff = p.stoch_grad(x, z) - p.stoch_grad(y, z) - (p.grad(x) - p.grad(y))
    return np.sum(diff**2, axis=-1) / np.sum((x - y) ** 2)


def probe_points(p: problems.BallProblem, rng: np.random.Generator) -> np.ndarray:
    """Random points of K plus boundary points, including the farthest point from x*."""
    inside = uniform_ball(rng, 6, p.center, p.radius)
    away = p.x_star - p.center
    far = p.center - p.radius * away / max(np.linalg.norm(away), 1e-300)
    return np.vstack([inside, far[None]])


# ---------------------------------------------------------------- quadratic


def test_quadratic_variance_is_exactly_sigma2() -> None:
    p = problems.Quadratic.random(5, sigma=1.3, rng=1)
    rng = np.random.default_rng(20)
    for x in probe_points(p, rng):
        assert not differs(variance_draws(p, x, rng), p.sigma2)
    assert p.sigma_L2 == 0.0
    x, y = probe_points(p, rng)[:2]
    z = p.sample(rng, 1000)
    np.testing.assert_allclose(
        p.stoch_grad(x, z) - p.stoch_grad(y, z), np.broadcast_to(p.grad(x) - p.grad(y), (1000, 5))
    )


# ------------------------------------------------------------ least squares


def ls_variance_formula(p: problems.LeastSquares, x: np.ndarray) -> float:
    """(uᵀΣu)·tr Σ + ‖Σu‖² + s²·tr Σ with u = x − x* (docs/theory.md §1), by hand."""
    u = x - p.x_star
    s, tr = p.cov, np.trace(p.cov)
    return float(u @ s @ u * tr + np.sum((s @ u) ** 2) + p.noise**2 * tr)


def test_least_squares_variance_matches_formula_and_declared_sup() -> None:
    p = problems.LeastSquares.random(4, cond=5.0, noise=0.5, rng=2)
    rng = np.random.default_rng(21)
    for x in probe_points(p, rng):
        draws = variance_draws(p, x, rng)
        assert not differs(draws, ls_variance_formula(p, x))
        assert not exceeds(draws, p.sigma2)
    # sup over ‖u‖ ≤ D of the formula is s² tr Σ + D² λ₁(tr Σ + λ₁) = declared σ².
    vec = np.linalg.eigh(p.cov)[1]
    u = p.D * vec[:, -1]
    assert ls_variance_formula(p, p.x_star + u) == pytest.approx(p.sigma2, rel=1e-12)


def test_least_squares_smoothness_variance_is_exact_on_top_eigenvector() -> None:
    p = problems.LeastSquares.random(4, cond=5.0, noise=0.5, rng=2)
    rng = np.random.default_rng(22)
    lam, vec = np.linalg.eigh(p.cov)
    assert p.sigma_L2 == pytest.approx(lam[-1] * (lam.sum() + lam[-1]), rel=1e-14)
    x = p.x_star
    top = smoothness_draws(p, x, x + 0.3 * vec[:, -1], rng)
    assert not differs(top, p.sigma_L2)  # attained: equality, not only an upper bound
    pts = probe_points(p, rng)
    for x, y in itertools.pairwise(pts):
        assert not exceeds(smoothness_draws(p, x, y, rng), p.sigma_L2)


# ---------------------------------------------------------- logistic (exact)


def per_row_grads(p: problems.Logistic, x: np.ndarray) -> np.ndarray:
    """∇f(x; i) for every row i by an explicit loop: ``[N, d]``."""
    out = np.empty((p.n_samples, p.dim))
    for i in range(p.n_samples):
        a, y = p.features[i], p.labels[i]
        out[i] = -y * a / (1.0 + np.exp(y * (a @ x))) + p.reg * x
    return out


@pytest.mark.parametrize("batch", [1, 3])
def test_logistic_variance_and_smoothness_bounds_by_enumeration(batch: int) -> None:
    p = problems.Logistic.synthetic(150, 4, reg=1e-2, batch=batch, rng=7)
    rng = np.random.default_rng(23)
    pts = probe_points(p, rng)
    for x in pts:
        g = per_row_grads(p, x)
        var = np.mean(np.sum((g - p.grad(x)) ** 2, axis=1)) / batch  # i.i.d. rows
        assert var <= p.sigma2
    for x, y in itertools.pairwise(pts):
        diff = per_row_grads(p, x) - per_row_grads(p, y) - (p.grad(x) - p.grad(y))
        sv = np.mean(np.sum(diff**2, axis=1)) / np.sum((x - y) ** 2) / batch
        assert sv <= p.sigma_L2


def test_logistic_minibatch_variance_is_single_row_variance_over_b() -> None:
    p1 = problems.Logistic.synthetic(150, 4, batch=1, rng=7)
    p3 = problems.Logistic.synthetic(150, 4, batch=3, rng=7)
    x = p3.x0 + 0.5
    rng = np.random.default_rng(24)
    exact = np.mean(np.sum((per_row_grads(p1, x) - p1.grad(x)) ** 2, axis=1))
    assert not differs(variance_draws(p3, x, rng), exact / 3)
    assert p3.sigma2 == pytest.approx(p1.sigma2 / 3) and p3.sigma_L2 == pytest.approx(
        p1.sigma_L2 / 3
    )


# ---------------------------------------------------------------- smoothness


def test_gradient_is_L_lipschitz_on_random_pairs(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(25)
    x = uniform_ball(rng, 4000, problem.center, problem.radius)
    y = uniform_ball(rng, 4000, problem.center, problem.radius)
    lhs = np.linalg.norm(problem.grad(x) - problem.grad(y), axis=1)
    assert np.all(lhs <= problem.L * np.linalg.norm(x - y, axis=1) * (1 + 1e-12))


def test_logistic_L_bounds_the_hessian(logistic: problems.Logistic) -> None:
    rng = np.random.default_rng(26)
    a = logistic.features
    for x in uniform_ball(rng, 20, logistic.center, logistic.radius):
        p = 1.0 / (1.0 + np.exp(-logistic.labels * (a @ x)))
        hess = (a.T * (p * (1 - p))) @ a / logistic.n_samples + logistic.reg * np.eye(logistic.dim)
        assert np.linalg.eigvalsh(hess)[-1] <= logistic.L


@pytest.mark.parametrize("kind", ["quadratic", "least_squares"])
def test_L_is_attained_and_an_understated_L_is_caught(kind: str) -> None:
    p = problems.make(kind, dim=5, cond=8.0, rng=8)
    hess = p.A if isinstance(p, problems.Quadratic) else p.cov  # type: ignore[attr-defined]
    top = np.linalg.eigh(hess)[1][:, -1]
    x, y = p.x_star, p.x_star + 0.2 * top
    ratio = np.linalg.norm(p.grad(x) - p.grad(y)) / np.linalg.norm(x - y)
    assert ratio == pytest.approx(p.L, rel=1e-12)
    assert ratio > 0.999 * p.L  # an understated L (×0.999) would fail the Lipschitz test


def test_negative_control_understated_constants_are_rejected() -> None:
    """The same Monte-Carlo rules reject σ², σ_L² declared 10% too small."""
    rng = np.random.default_rng(27)
    q = problems.Quadratic.random(5, sigma=1.0, rng=1)
    assert exceeds(variance_draws(q, q.x0, rng), 0.9 * q.sigma2)
    ls = problems.LeastSquares.random(4, cond=5.0, rng=2)
    top = np.linalg.eigh(ls.cov)[1][:, -1]
    draws = smoothness_draws(ls, ls.x_star, ls.x_star + 0.3 * top, rng)
    assert exceeds(draws, 0.9 * ls.sigma_L2)


def test_sigma_tilde2_definition(problem: problems.BallProblem) -> None:
    expected = 2 * problem.sigma2 + 8 * problem.D**2 * problem.sigma_L2
    assert problem.sigma_tilde2 == pytest.approx(expected, rel=1e-15)
