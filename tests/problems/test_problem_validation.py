"""Bad input is rejected at the boundary with a one-line message naming the parameter."""

from __future__ import annotations

import numpy as np
import pytest

import problems


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: problems.Quadratic.random(0), r"^dim must be an integer >= 1; got 0$"),
        (lambda: problems.Quadratic.random(-3), r"^dim must be an integer >= 1"),
        (lambda: problems.Quadratic.random(2.5), r"^dim must be an integer"),  # type: ignore[arg-type]
        (lambda: problems.LeastSquares.random(True), r"^dim must be an integer"),
        (lambda: problems.Quadratic.random(3, cond=0.5), r"^cond must be finite and >= 1"),
        (lambda: problems.LeastSquares.random(3, cond=float("nan")), r"^cond must be finite"),
        (lambda: problems.Quadratic.random(3, sigma=-1.0), r"^sigma must be finite and >= 0"),
        (lambda: problems.LeastSquares.random(3, noise=-0.1), r"^noise must be finite and >= 0"),
        (lambda: problems.Quadratic.random(3, radius=0.5), r"^radius must be > ‖x\* − center‖ = 1"),
        (lambda: problems.LeastSquares.random(3, radius=1.0), r"^radius must be > ‖x\* − center‖"),
        (lambda: problems.Quadratic.random(3, radius=-2.0), r"^radius must be finite and > 0"),
        (lambda: problems.Logistic.synthetic(50, 3, radius=1e-3), r"^radius must be >"),
        (lambda: problems.Logistic.synthetic(50, 3, reg=0.0), r"^reg must be finite and > 0"),
        (lambda: problems.Logistic.synthetic(50, 3, batch=0), r"^batch must be an integer >= 1"),
        (lambda: problems.Logistic.synthetic(1, 3), r"^n_samples must be an integer >= 2"),
        (lambda: problems.Logistic(np.ones((3, 2)), [1, 0, 1]), r"^labels must be"),
        (lambda: problems.Quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]), [0, 0]), r"^A must be"),
        (lambda: problems.Quadratic(-np.eye(2), [0, 0]), r"^A must be positive semi-definite"),
        (lambda: problems.Quadratic(np.eye(2), [0, 0, 0]), r"^x_star must be a 1-D array of len"),
        (lambda: problems.Quadratic(np.eye(2), [0, 0], x0=[5, 5]), r"^x0 must lie in the ball"),
        (lambda: problems.make("quadratc", dim=3), r"^problem name must be one of .*'quadratic'\?"),
        (
            lambda: problems.make("quadratic", dim=3, sigma2=1),
            r"^unknown keyword 'sigma2'.*'sigma'",
        ),
    ],
)
def test_bad_input_gets_one_line_error(call, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern) as info:
        call()
    assert "\n" not in str(info.value)


def test_make_builds_every_name() -> None:
    assert problems.names() == ["breast_cancer", "least_squares", "logistic", "quadratic"]
    assert isinstance(problems.make("quadratic", dim=2), problems.Quadratic)
    assert isinstance(problems.make("least_squares", dim=2), problems.LeastSquares)
    assert isinstance(problems.make("logistic", n_samples=30, dim=2), problems.Logistic)
    bc = problems.make("breast_cancer")
    assert isinstance(bc, problems.Logistic) and bc.dim == 30 and bc.n_samples == 569
    np.testing.assert_allclose(bc.features.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(bc.features.std(axis=0), 1.0, rtol=1e-12)


def test_problems_satisfy_the_sco_protocol() -> None:
    import sco

    for name in ("quadratic", "least_squares"):
        assert isinstance(problems.make(name, dim=2), sco.Problem)


@pytest.mark.parametrize("dim", [1, 2, 50, 100, 300])
def test_random_constructors_work_in_every_dimension(dim: int) -> None:
    for name in ("quadratic", "least_squares"):
        p = problems.make(name, dim=dim, cond=100.0, rng=dim)
        assert p.dim == dim and p.L == pytest.approx(1.0, rel=1e-12)
        assert np.linalg.norm(p.grad(p.x_star)) <= 1e-12
