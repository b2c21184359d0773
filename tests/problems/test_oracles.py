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
    """sample(rng, (K, n)) consumes the same random numbers as K consecutive sample(rng, (n,))
    calls (the generators end in the same state) and gives the same values: bit for bit where
    no arithmetic mixes the draws (quadratic, logistic), to rounding where one BLAS product
    covers the whole block (least squares: a row's rounding may depend on the number of rows)."""
    g_block, g_steps = np.random.default_rng(8), np.random.default_rng(8)
    block = problem.sample(g_block, (7, 5))
    steps = np.stack([problem.sample(g_steps, (5,)) for _ in range(7)])
    assert g_block.bit_generator.state == g_steps.bit_generator.state
    if isinstance(problem, problems.LeastSquares):
        np.testing.assert_allclose(block, steps, rtol=1e-13, atol=1e-14)
    else:
        np.testing.assert_array_equal(block, steps)


def test_samples_depend_only_on_the_stream_and_the_shape(problem: problems.BallProblem) -> None:
    """The same generator state and shape give the same bits (what sco.sampling relies on)."""
    for shape in [(), 3, (24, 13)]:
        a = problem.sample(np.random.default_rng(81), shape)
        b = problem.sample(np.random.default_rng(81), shape)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dim", [3, 100])
def test_least_squares_sample_is_the_design_formula(dim: int) -> None:
    """a = Cz with C lower triangular, C Cᵀ = Σ, and b = aᵀx* + s·z_d from the same normals z:
    the BLAS product agrees to rounding with the formula evaluated one pair at a time (numpy's
    einsum, no BLAS)."""
    p = problems.LeastSquares.random(dim, noise=0.7, rng=4)
    np.testing.assert_array_equal(p._chol, np.tril(p._chol))
    np.testing.assert_allclose(p._chol @ p._chol.T, p.cov, rtol=0, atol=1e-13)
    got = p.sample(np.random.default_rng(9), (6, 13))
    z = np.random.default_rng(9).standard_normal((6, 13, dim + 1))
    a = np.einsum("...i,ji->...j", z[..., :-1], p._chol)
    b = np.einsum("...i,i->...", a, p.x_star) + 0.7 * z[..., -1]
    np.testing.assert_allclose(got[..., :dim], a, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got[..., dim], b, rtol=1e-12, atol=1e-13)


def _copies(x: np.ndarray) -> list[np.ndarray]:
    """``x`` itself, a Fortran-ordered copy and copies shifted by 8..56 bytes in memory."""
    out = [x, np.asfortranarray(x)]
    for shift in range(1, 8):
        buf = np.empty(x.size + shift)
        moved = buf[shift:].reshape(x.shape)
        moved[...] = x
        out.append(moved)
    return out


BATCH_PROBLEMS = {
    "least_squares_d100": lambda: problems.LeastSquares.random(100, rng=6),
    "quadratic_d100": lambda: problems.Quadratic.random(100, rng=6),
    "logistic_d100_b3": lambda: problems.Logistic.synthetic(300, 100, batch=3, rng=6),
}


@pytest.mark.parametrize("name", sorted(BATCH_PROBLEMS))
def test_oracles_do_not_depend_on_the_batch_or_the_layout(name: str) -> None:
    """Bit for bit, as sco.simulate calls them (x ``[S, 1, d]``, samples ``[S, h, ...]``): each
    seed's stochastic gradients, values and gradients equal those computed for that seed
    alone, whatever the memory order or alignment of its rows (BLAS is used at d = 100)."""
    problem = BATCH_PROBLEMS[name]()
    rng = np.random.default_rng(40)
    S, h, d = 6, 13, problem.dim
    x = uniform_ball(rng, S, problem.center, problem.radius)
    z = np.stack([problem.sample(rng, (h,)) for _ in range(S)])
    g, v, gr = problem.stoch_grad(x[:, None, :], z), problem.value(x), problem.grad(x)
    x_fortran = np.asfortranarray(x)  # its rows are strided: what a Fortran-ordered batch holds
    for s in range(S):
        for xs in [*_copies(x[s : s + 1]), x_fortran[s : s + 1]]:
            for zs in _copies(z[s : s + 1]) if z.dtype.kind == "f" else [z[s : s + 1]]:
                np.testing.assert_array_equal(problem.stoch_grad(xs[:, None, :], zs)[0], g[s])
            np.testing.assert_array_equal(problem.value(xs)[0], v[s])
            np.testing.assert_array_equal(problem.grad(xs)[0], gr[s])
    for xb in _copies(x):
        np.testing.assert_array_equal(problem.stoch_grad(xb[:, None, :], z), g)
    assert g.shape == (S, h, d)
