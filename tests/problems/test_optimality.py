"""x* is optimal: stationarity, no point of K beats f*, a generic optimiser cannot beat f*."""

from __future__ import annotations

from collections.abc import Iterator

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
    sol = logistic.solution  # the cvxpy cross-check, run on first access
    assert sol.grad_norm <= 1e-10
    assert sol.distance <= sol.certificate
    assert sol.certificate == pytest.approx(
        logistic.x_star_error_bound + sol.cvxpy_grad_norm / logistic.reg, rel=1e-2, abs=1e-10
    )
    assert sol.distance <= 1e-5 * (1 + np.linalg.norm(sol.x))
    # cvxpy's point is a near-optimal point, not better than Newton's.
    assert logistic.value(sol.x_cvxpy) >= logistic.f_star - 1e-12
    np.testing.assert_array_equal(sol.x, logistic.x_star)


def test_logistic_x_star_is_certified_at_construction(logistic: problems.Logistic) -> None:
    """‖x − x*‖ ≤ x_star_error_bound = (‖∇f(x)‖ + rounding)/λ, recorded on the object."""
    g = float(np.linalg.norm(logistic.grad(logistic.x_star)))
    assert logistic.newton.grad_norm <= 1e-10
    assert g / logistic.reg <= logistic.x_star_error_bound <= (1e-10 + 1e-12) / logistic.reg
    assert logistic.x_star_error_bound == logistic.newton.error_bound


def test_logistic_cross_check_rejects_disagreeing_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    from problems import _logistic_solve as solve

    def off_by_a_bit(a: np.ndarray, y: np.ndarray, reg: float) -> np.ndarray:
        x, _ = solve.newton(a, y, reg)
        return x + 1e-3

    monkeypatch.setattr(solve, "cvxpy_solve", off_by_a_bit)
    p = problems.Logistic.synthetic(50, 3, rng=99)  # construction needs no second solver
    with pytest.raises(RuntimeError, match="disagree"):
        _ = p.solution
    with pytest.raises(RuntimeError, match="disagree"):
        problems.solve_logistic(np.asarray(p.features), np.asarray(p.labels), p.reg)


def test_logistic_solve_is_cached() -> None:
    problems.Logistic.synthetic(80, 3, rng=123)
    before = problems.solve_cache_info()
    again = problems.Logistic.synthetic(80, 3, rng=123)
    after = problems.solve_cache_info()
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"]
    assert np.linalg.norm(again.grad(again.x_star)) <= 1e-10


def _run(code: str) -> list[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_constructing_a_logistic_problem_does_not_load_cvxpy() -> None:
    """Only the cross-check (``solution``) imports cvxpy."""
    code = (
        "import sys, problems; a = 'cvxpy' in sys.modules; "
        "p = problems.Logistic.synthetic(30, 2, rng=0); b = 'cvxpy' in sys.modules; "
        "p.solution; print(a, b, 'cvxpy' in sys.modules)"
    )
    assert _run(code) == ["False", "False", "True"]


def test_logistic_without_cvxpy() -> None:
    """With cvxpy unimportable (``sys.modules['cvxpy'] = None``) a Logistic problem is built
    and certified as usual; only the cross-check raises, with an ImportError naming cvxpy."""
    code = """
import sys
sys.modules["cvxpy"] = None
import numpy as np, problems
p = problems.Logistic.synthetic(200, 8, reg=1e-2, batch=2, rng=7)
g = float(np.linalg.norm(p.grad(p.x_star)))
assert g <= 1e-10 and g / p.reg <= p.x_star_error_bound <= 1.1e-8, (g, p.x_star_error_bound)
assert np.linalg.norm(p.x_star - p.center) < p.radius
try:
    p.solution
except ImportError as exc:
    print("ImportError", "cvxpy" in str(exc))
print(p.x_star_error_bound)
"""
    out = _run(code)
    assert out[:2] == ["ImportError", "True"]
    assert 0.0 < float(out[2]) <= 1.1e-8


@pytest.mark.parametrize("seed", range(6))
def test_newton_and_cvxpy_agree_within_the_certificates(seed: int) -> None:
    """On random instances (sizes, ridge weights down to 1e-4, well-separated classes) the exact
    x* lies within Newton's certified bound of Newton's point and within cvxpy's own bound of
    cvxpy's point, so the two points are at most the sum apart."""
    from problems import _logistic_solve as solve

    gen = np.random.default_rng([2024, seed])
    n, d = int(gen.integers(20, 400)), int(gen.integers(1, 25))
    reg = float(10 ** gen.uniform(-4, -1))
    a = gen.standard_normal((n, d)) * gen.uniform(0.3, 3.0, size=d)
    x_true = gen.standard_normal(d) * gen.uniform(0.5, 4.0)
    y = np.where(gen.random(n) < 1 / (1 + np.exp(-a @ x_true)), 1.0, -1.0)
    nt = solve.newton_solve(a, y, reg)
    x_cvx = solve.cvxpy_solve(a, y, reg)
    _, bound_cvx = solve.certify(a, y, reg, x_cvx)
    assert nt.grad_norm <= 1e-10
    assert nt.error_bound <= (1e-10 + 1e-12) / reg
    assert np.linalg.norm(nt.x - x_cvx) <= nt.error_bound + bound_cvx


@pytest.mark.parametrize("seed", range(4))
def test_kkt_certificate_over_a_ball_against_cvxpy(seed: int) -> None:
    """Over a ball that cuts x* off, the minimiser x*_K lies on the sphere, ∇f(x*_K) ≠ 0, and
    only the KKT residual certifies: ‖x − x*_K‖ ≤ certify(x, ball) for points x of K, checked
    against cvxpy's constrained solution (itself certified the same way)."""
    from problems import _logistic_solve as solve

    gen = np.random.default_rng([77, seed])
    n, d, reg = 150, 5, 1e-2
    a = gen.standard_normal((n, d))
    y = np.where(gen.random(n) < 1 / (1 + np.exp(-a @ (3 * gen.standard_normal(d)))), 1.0, -1.0)
    x_star = solve.newton_solve(a, y, reg).x
    center = 0.3 * gen.standard_normal(d)
    radius = 0.5 * float(np.linalg.norm(x_star - center))  # x* outside K

    def into_ball(x: np.ndarray, *, sphere: bool = False) -> np.ndarray:
        u = x - center
        r = float(np.linalg.norm(u))
        return x if r <= radius and not sphere else center + u * (radius * (1 - 1e-15) / r)

    # x*_K is on the sphere (x* is outside K): put cvxpy's point there too
    x_k = into_ball(solve.cvxpy_solve(a, y, reg, center=center, radius=radius), sphere=True)
    g_k, b_k = solve.certify(a, y, reg, x_k, center=center, radius=radius)
    assert g_k > 1e-3  # the plain gradient certificate would say nothing here
    assert b_k <= 1e-4  # the KKT residual does (to cvxpy's accuracy)
    for scale in (1e-6, 1e-3, 1e-1, 1.0):
        for _ in range(5):
            x = into_ball(x_k + scale * gen.standard_normal(d))
            _, b = solve.certify(a, y, reg, x, center=center, radius=radius)
            assert np.linalg.norm(x - x_k) <= b + b_k


def _ball_quadratics(
    count: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray, float, float, np.ndarray, np.random.Generator]]:
    """(h, z, μ, R, x_K) for F(x) = ½(x − z)ᵀdiag(h)(x − z) over ‖x‖ ≤ R: the minimiser is
    x(ν) = (H + νI)⁻¹Hz with ν ≥ 0 the root of ‖x(ν)‖ = R (the trust-region subproblem), found
    by bisection, or z itself when ‖z‖ ≤ R."""
    gen = np.random.default_rng(seed)
    for _ in range(count):
        d = int(gen.integers(1, 8))
        h = gen.uniform(0.1, 5.0, d)
        z = gen.standard_normal(d) * 3
        radius = float(gen.uniform(0.2, 2.0)) * float(np.linalg.norm(z))
        lo, hi = 0.0, float(h.max()) * float(np.linalg.norm(z)) / radius + 1.0
        for _ in range(200):
            nu = 0.5 * (lo + hi)
            lo, hi = (nu, hi) if np.linalg.norm(h * z / (h + nu)) > radius else (lo, nu)
        x_k = h * z / (h + hi) if np.linalg.norm(z) > radius else z
        yield h, z, float(h.min()), radius, x_k, gen


def _point_in_ball(gen: np.random.Generator, d: int, radius: float, where: float) -> np.ndarray:
    u = gen.standard_normal(d)
    x = u / np.linalg.norm(u) * radius * where
    n = float(np.linalg.norm(x))
    return x if n <= radius else x * (radius * (1 - 1e-15) / n)


def test_kkt_bound_on_quadratics_with_an_exact_ball_minimiser() -> None:
    """Independent of any solver: the bound holds at random points of K (inside, on and near
    the sphere, near the minimiser)."""
    from problems._logistic_solve import kkt_bound

    for h, z, mu, radius, x_k, gen in _ball_quadratics(300, 5):
        d = h.size
        points = [
            _point_in_ball(gen, d, radius, float(gen.uniform(0, 1))),
            _point_in_ball(gen, d, radius, 1.0),
            _point_in_ball(gen, d, radius, 1.0 - 1e-9),
        ]
        u = x_k + 1e-6 * gen.standard_normal(d)
        n = float(np.linalg.norm(u))
        points.append(u if n <= radius else u * (radius * (1 - 1e-15) / n))
        for x in points:
            b = kkt_bound(h * (x - z), x, mu, radius=radius)
            assert np.linalg.norm(x - x_k) <= b * (1 + 1e-9) + 1e-12


def test_negative_control_kkt_bound_without_the_interior_slack_fails() -> None:
    """The same check rejects the tempting shortcut ρ_t̂/μ at interior points (dropping the
    slack t·r(R − r)): the normal-cone step of the proof needs x on the sphere."""
    violations = 0
    for h, z, mu, radius, x_k, gen in _ball_quadratics(1000, 6):
        x = _point_in_ball(gen, h.size, radius, float(gen.uniform(0, 1)))
        grad = h * (x - z)
        t = max(0.0, -float(grad @ x) / float(x @ x))
        shortcut = min(np.linalg.norm(grad), np.linalg.norm(grad + t * x)) / mu
        violations += bool(np.linalg.norm(x - x_k) > shortcut * (1 + 1e-9) + 1e-12)
    assert violations > 0
