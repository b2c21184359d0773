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
    assert problems.names() == [
        "breast_cancer",
        "heterogeneous_quadratic",
        "least_squares",
        "logistic",
        "logistic_split",
        "quadratic",
    ]
    assert isinstance(problems.make("quadratic", dim=2), problems.Quadratic)
    assert isinstance(problems.make("least_squares", dim=2), problems.LeastSquares)
    assert isinstance(problems.make("logistic", n_samples=30, dim=2), problems.Logistic)
    bc = problems.make("breast_cancer")
    assert isinstance(bc, problems.Logistic) and bc.dim == 30 and bc.n_samples == 569
    np.testing.assert_allclose(bc.features.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(bc.features.std(axis=0), 1.0, rtol=1e-12)
    split = problems.make("logistic_split", n_samples=60, dim=2, h=5, split="quantity")
    assert isinstance(split, problems.LogisticSplit) and split.h == 5
    assert split.method == "quantity"
    hq = problems.make("heterogeneous_quadratic", kind="random", h=4, dim=3, rng=2)
    assert isinstance(hq, problems.HeterogeneousQuadratic) and (hq.h, hq.dim) == (4, 3)


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


HQ = problems.HeterogeneousQuadratic


def _same(p: problems.HeterogeneousQuadratic, q: problems.HeterogeneousQuadratic) -> None:
    for name in ("a", "c", "x0", "center"):
        assert np.array_equal(getattr(p, name), getattr(q, name)), name
    assert (p.radius, p.sigma) == (q.radius, q.sigma)


def test_heterogeneous_quadratic_builder_dispatches() -> None:
    make = problems.make
    _same(
        make("heterogeneous_quadratic", kind="two_point", m=10, f=2, B2=1.0, x0=0.5, sigma=0.1),
        HQ.two_point(10, 2, 1.0, x0=0.5, sigma=0.1),
    )
    for scenario in (1, 2):
        p = make("heterogeneous_quadratic", kind="h1", m=7, f=2, a=3.0, scenario=scenario, x0=1.0)
        _same(p, HQ.h1_scenarios(7, 2, 3.0, x0=1.0)[scenario - 1])
        assert (p.byzantine is not None) == (scenario == 1)
    _same(
        make("heterogeneous_quadratic", h=5, dim=2, rng=3, a_spread=0.2, c_scale=2.0),
        HQ.random(5, 2, rng=3, a_low=0.8, a_high=1.2, c_scale=2.0),
    )
    g = make("heterogeneous_quadratic", kind="pure_g", h=5, dim=2, rng=3)
    assert g.B2_min == 0.0 and g.E > 0 and np.all(g.a == 1.0)
    b = make("heterogeneous_quadratic", kind="pure_b", h=5, dim=2, rng=3)
    assert b.E == 0.0 and b.G2(b.B2_min) == 0.0 and b.B2_min > 0
    assert np.all((b.a >= 0.5) & (b.a <= 1.5))


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"kind": "spiral"}, r"^kind must be one of \['two_point', 'h1', 'random'"),
        ({"kind": "two_point", "m": 10, "f": 2}, r"^B2 is required for kind = 'two_point'"),
        ({"kind": "h1", "m": 7, "f": 2}, r"^a is required for kind = 'h1'"),
        ({"kind": "random"}, r"^h is required for kind = 'random'"),
        ({"kind": "two_point", "m": 4, "f": 2, "B2": 0.0}, r"^m must be an integer >= 5; got 4$"),
        ({"kind": "two_point", "m": 10, "f": 0, "B2": 0.0}, r"^f must be an integer >= 1"),
        (
            {"kind": "two_point", "m": 10, "f": 2, "B2": 3.5},
            r"^B2 must satisfy 0 <= B2 <= \(m - 2f\)/f = 3; got 3.5$",
        ),
        (
            {"kind": "two_point", "m": 10, "f": 2, "B2": -1.0},
            r"^B2 must be finite and >= 0; got -1.0$",
        ),
        ({"kind": "h1", "m": 7, "f": 2, "a": "x"}, r"^a must be a real number; got 'x'$"),
        ({"kind": "h1", "m": 7, "f": 2, "a": 1.0, "scenario": 3}, r"^scenario must be 1 or 2"),
        ({"h": 0}, r"^h must be an integer >= 1; got 0$"),
        ({"h": 3, "dim": 0}, r"^dim must be an integer >= 1"),
        ({"h": 3, "rng": -1}, r"^rng must be an integer >= 0"),
        ({"h": 3, "sigma": -0.1}, r"^sigma must be finite and >= 0; got -0.1$"),
        ({"h": 3, "a_spread": 1.0}, r"^a_spread must satisfy 0 <= a_spread < 1"),
        ({"h": 3, "a_spread": -0.5}, r"^a_spread must be finite and >= 0; got -0.5$"),
        ({"h": 3, "c_scale": float("nan")}, r"^c_scale must be finite and >= 0; got nan$"),
        ({"h": 3, "x0": float("inf")}, r"^x0 must be finite; got inf$"),
        ({"h": 3, "x0": True}, r"^x0 must be a real number; got True$"),
        ({"h": 3, "kind": "pure_b", "dim": 1.5}, r"^dim must be an integer"),
    ],
)
def test_heterogeneous_quadratic_builder_validates(kw: dict[str, object], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern) as info:
        problems.make("heterogeneous_quadratic", **kw)
    assert "\n" not in str(info.value)


def test_heterogeneous_quadratic_builder_validates_before_computing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A bad keyword unused by the kind is still reported, and nothing is built first."""

    def boom(*args: object, **kw: object) -> None:
        raise AssertionError("built before validating")

    monkeypatch.setattr(HQ, "two_point", boom)
    with pytest.raises(ValueError, match=r"^sigma must"):
        problems.make("heterogeneous_quadratic", kind="two_point", m=10, f=2, B2=1.0, sigma=-1)
    with pytest.raises(ValueError, match=r"^dim must"):
        problems.make("heterogeneous_quadratic", kind="two_point", m=10, f=2, B2=1.0, dim=0)
