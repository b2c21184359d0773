"""x* is optimal: stationarity, no point of K beats f*, a generic optimiser cannot beat f*."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

import problems
from mc import uniform_ball


def best_found(problem: problems.BallProblem, rng: np.random.Generator, starts: int = 4) -> float:
    """Lowest value BFGS reaches from random starts in K (x* is interior, so unconstrained)."""
    best = np.inf
    for x0 in uniform_ball(rng, starts, problem.center, problem.radius):
        res = minimize(
            lambda x: float(problem.value(x)),
            x0,
            jac=lambda x: problem.grad(x),
            method="BFGS",
            options={"gtol": 1e-12, "maxiter": 10_000},
        )
        best = min(best, float(res.fun))
    return best


def beaten(value: float, f_star: float) -> bool:
    """True when ``value`` is below the claimed optimum beyond rounding."""
    return value < f_star - 1e-12 * max(1.0, abs(f_star))


def test_gradient_vanishes_at_x_star(problem: problems.BallProblem) -> None:
    assert np.linalg.norm(problem.grad(problem.x_star)) <= 1e-10


def test_x_star_strictly_inside_and_value_matches(problem: problems.BallProblem) -> None:
    assert np.linalg.norm(problem.x_star - problem.center) < problem.radius
    assert problem.value(problem.x_star) == pytest.approx(problem.f_star, rel=1e-14, abs=1e-15)
    assert problem.D == 2 * problem.radius


def test_no_point_of_K_beats_f_star(problem: problems.BallProblem) -> None:
    rng = np.random.default_rng(10)
    pts = uniform_ball(rng, 20_000, problem.center, problem.radius)
    near = problem.x_star + 1e-4 * rng.standard_normal((2_000, problem.dim))
    values = problem.value(np.concatenate([pts, near]))
    assert not beaten(float(values.min()), problem.f_star)


def test_generic_optimiser_does_not_beat_f_star(problem: problems.BallProblem) -> None:
    assert not beaten(best_found(problem, np.random.default_rng(11)), problem.f_star)


def test_negative_control_wrong_optimum_is_beaten() -> None:
    """The same rule catches a problem whose declared f* is too low to be the optimum's value
    at a wrong point: the value at a shifted x* is beaten by the optimiser."""
    p = problems.Quadratic.random(4, rng=5)
    wrong_x = p.x_star + 0.1
    assert beaten(best_found(p, np.random.default_rng(12)), float(p.value(wrong_x)))


def test_logistic_solvers_agree(logistic: problems.Logistic) -> None:
    sol = logistic.solution
    assert sol.grad_norm <= 1e-10
    assert sol.distance <= sol.certificate * (1 + 1e-6) + 1e-12
    assert sol.distance <= 1e-5 * (1 + np.linalg.norm(sol.x))
    # cvxpy's point is a near-optimal point, not better than Newton's.
    assert logistic.value(sol.x_cvxpy) >= logistic.f_star - 1e-12


def test_logistic_cross_check_rejects_disagreeing_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    from problems import _logistic_solve as solve

    def off_by_a_bit(a: np.ndarray, y: np.ndarray, reg: float) -> np.ndarray:
        x, _ = solve.newton(a, y, reg)
        return x + 1e-3

    monkeypatch.setattr(solve, "cvxpy_solve", off_by_a_bit)
    with pytest.raises(RuntimeError, match="disagree"):
        problems.Logistic.synthetic(50, 3, rng=99)


def test_logistic_solve_is_cached() -> None:
    problems.Logistic.synthetic(80, 3, rng=123)
    before = problems.solve_cache_info()
    again = problems.Logistic.synthetic(80, 3, rng=123)
    after = problems.solve_cache_info()
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"]
    assert np.linalg.norm(again.grad(again.x_star)) <= 1e-10


def test_import_problems_does_not_load_cvxpy_until_a_logistic_solve() -> None:
    import subprocess
    import sys

    code = (
        "import sys, problems; a = 'cvxpy' in sys.modules; "
        "problems.Logistic.synthetic(30, 2, rng=0); print(a, 'cvxpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
