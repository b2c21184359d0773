"""Oracle semantics: unbiasedness, one sample at two points, batching, seeds, projection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import problems
from mc import biased, uniform_ball


def test_stoch_grad_is_unbiased(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(30)
    x = uniform_ball(rng, 1, problem.center, problem.radius)[0]
    draws = problem.stoch_grad(x, problem.sample(rng, 200_000))
    assert not biased(draws, problem.grad(x))


def test_negative_control_a_biased_oracle_is_caught(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(31)
    x = problem.x0
    draws = problem.stoch_grad(x, problem.sample(rng, 200_000))
    shift = np.zeros(problem.dim)
    shift[0] = 0.05 * np.sqrt(problem.sigma2)
    assert biased(draws + shift, problem.grad(x))


def test_logistic_finite_sum_average_is_exact_gradient(logistic: problems.Logistic) -> None:
    """Averaging the per-row stochastic gradient over every row gives ∇f exactly."""
    x = logistic.x0 + 0.3
    rows = np.arange(logistic.n_samples)[:, None].repeat(logistic.batch, axis=1)
    np.testing.assert_allclose(
        logistic.stoch_grad(x, rows).mean(axis=0), logistic.grad(x), rtol=1e-12, atol=1e-14
    )


def test_same_samples_at_two_points_quadratic_and_least_squares() -> None:
    rng = np.random.default_rng(32)
    q = problems.Quadratic.random(4, rng=3)
    x, y = uniform_ball(rng, 2, q.center, q.radius)
    z = q.sample(rng, 50)
    np.testing.assert_allclose(
        q.stoch_grad(x, z) - q.stoch_grad(y, z), np.tile(q.A @ (x - y), (50, 1))
    )
    ls = problems.LeastSquares.random(4, rng=3)
    z = ls.sample(rng, 50)
    a = z[:, :4]
    expected = a * (a @ (x - y))[:, None]  # a aᵀ(x − y): the label b cancels
    np.testing.assert_allclose(ls.stoch_grad(x, z) - ls.stoch_grad(y, z), expected, atol=1e-12)


def test_logistic_minibatch_is_mean_of_rows(logistic: problems.Logistic) -> None:
    rng = np.random.default_rng(33)
    x = uniform_ball(rng, 1, logistic.center, logistic.radius)[0]
    idx = logistic.sample(rng, 7)
    assert idx.shape == (7, logistic.batch) and idx.dtype.kind == "i"
    for row in idx:
        by_hand = (
            np.mean(
                [
                    -logistic.labels[i]
                    * logistic.features[i]
                    / (1 + np.exp(logistic.labels[i] * logistic.features[i] @ x))
                    for i in row
                ],
                axis=0,
            )
            + logistic.reg * x
        )
        np.testing.assert_allclose(logistic.stoch_grad(x, row), by_hand, rtol=1e-12, atol=1e-14)


def test_batch_equals_loop(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(34)
    xs = uniform_ball(rng, 12, problem.center, problem.radius).reshape(3, 4, problem.dim)
    z = problem.sample(rng, (3, 4))
    g, v, gr = problem.stoch_grad(xs, z), problem.value(xs), problem.grad(xs)
    assert g.shape == gr.shape == (3, 4, problem.dim) and v.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            np.testing.assert_allclose(
                g[i, j], problem.stoch_grad(xs[i, j], z[i, j]), rtol=1e-13, atol=1e-15
            )
            np.testing.assert_allclose(gr[i, j], problem.grad(xs[i, j]), rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(v[i, j], problem.value(xs[i, j]), rtol=1e-13)
    # one point against many samples broadcasts too
    assert problem.stoch_grad(xs[0, 0], z).shape == (3, 4, problem.dim)


def test_grad_matches_finite_differences_of_value(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(35)
    x = uniform_ball(rng, 1, problem.center, problem.radius)[0]
    h = 1e-6
    eye = np.eye(problem.dim)
    fd = (problem.value(x + h * eye) - problem.value(x - h * eye)) / (2 * h)
    np.testing.assert_allclose(fd, problem.grad(x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", ["quadratic", "least_squares", "logistic"])
def test_reproducible_from_seed(kind: str) -> None:
    kw = {"n_samples": 40, "dim": 3} if kind == "logistic" else {"dim": 3}
    a, b, c = (problems.make(kind, **kw, rng=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.x_star, b.x_star)
    assert not np.array_equal(a.x_star, c.x_star)
    za = a.sample(np.random.default_rng(7), (2, 3))
    zb = b.sample(np.random.default_rng(7), (2, 3))
    np.testing.assert_array_equal(za, zb)


def test_constants_are_read_only(problem: problems.BallProblem) -> None:
    with pytest.raises(ValueError, match="read-only"):
        problem.x_star[0] = 1.0


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3),
    st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3),
)
def test_projection_is_the_nearest_point_of_the_ball(xs: list[float], zs: list[float]) -> None:
    p = problems.Quadratic(np.eye(3), [0.1, 0.0, 0.0], center=[0.5, -0.5, 0.0], radius=1.5)
    x = np.array(xs)
    before = x.copy()
    proj = p.project(x)
    np.testing.assert_array_equal(x, before)  # not mutated
    assert p.contains(proj)
    np.testing.assert_allclose(p.project(proj), proj, rtol=1e-15, atol=1e-15)
    # variational inequality ⟨x − Π(x), z − Π(x)⟩ ≤ 0 for z ∈ K
    z = p.project(p.center + 1.5 * np.array(zs))
    assert (x - proj) @ (z - proj) <= 1e-9 * max(1.0, float(np.abs(x).max()))
    if np.linalg.norm(x - p.center) <= p.radius:
        np.testing.assert_array_equal(proj, x)


def test_projection_batches() -> None:
    p = problems.Quadratic.random(3, rng=0)
    xs = np.random.default_rng(36).normal(0, 5, (4, 5, 3))
    out = p.project(xs)
    for i in range(4):
        for j in range(5):
            np.testing.assert_allclose(out[i, j], p.project(xs[i, j]), rtol=1e-15)


def test_projection_of_huge_vectors_lands_on_the_sphere() -> None:
    p = problems.Quadratic(np.eye(3), [0.1, 0.0, 0.0], center=[1.0, 0.0, 0.0], radius=2.0)
    for x in ([1e300, 0.0, 0.0], [-1e300, 1e300, 0.0], [1e200, -3e200, 2e200]):
        proj = p.project(np.array(x))
        assert np.linalg.norm(proj - p.center) == pytest.approx(2.0, rel=1e-14)
        u = np.array(x) / np.abs(x).max()
        np.testing.assert_allclose((proj - p.center) / 2.0, u / np.linalg.norm(u), rtol=1e-14)


def test_samples_are_block_consistent(problem: problems.BallProblem) -> None:
    """sample(rng, (K, n)) equals K consecutive sample(rng, (n,)) calls (sco.simulate relies on
    it to draw in blocks)."""
    block = problem.sample(np.random.default_rng(8), (7, 5))
    gen = np.random.default_rng(8)
    steps = np.stack([problem.sample(gen, (5,)) for _ in range(7)])
    np.testing.assert_array_equal(block, steps)
