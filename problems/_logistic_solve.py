"""x* of L2-regularised logistic regression by two independent solvers that must agree.

Solver 1 is a damped Newton method written here (exact Hessian, backtracking on f); solver 2 is
cvxpy's exponential-cone model of the same objective (Clarabel, imported lazily). Newton's point
is returned after it reaches ‖∇f(x)‖ ≤ 1e-10; the cvxpy point must lie within the strong-convexity
certificate ‖x_cvx − x*‖ ≤ ‖∇f(x_cvx)‖/λ of it, and must not have a lower objective.
Results are cached by the data's content, so building the same problem twice solves once.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import NamedTuple

import numpy as np
from scipy.special import expit

GRAD_TOL = 1e-10


class LogisticSolution(NamedTuple):
    """Solver report for one logistic instance."""

    x: np.ndarray  # [d] Newton solution (the x* used by the problem)
    grad_norm: float  # ‖∇f(x)‖ at the Newton solution
    newton_iters: int
    x_cvxpy: np.ndarray  # [d] cvxpy's solution
    cvxpy_grad_norm: float  # ‖∇f(x_cvxpy)‖
    distance: float  # ‖x − x_cvxpy‖
    certificate: float  # (‖∇f(x)‖ + ‖∇f(x_cvxpy)‖)/λ: the largest distance strong convexity allows


_CACHE: dict[str, LogisticSolution] = {}
_STATS = {"hits": 0, "misses": 0}


def _objective(a: np.ndarray, y: np.ndarray, reg: float, x: np.ndarray) -> float:
    return float(np.logaddexp(0.0, -y * (a @ x)).mean() + 0.5 * reg * x @ x)


def _gradient(a: np.ndarray, y: np.ndarray, reg: float, x: np.ndarray) -> np.ndarray:
    return np.asarray(-(y * expit(-y * (a @ x))) @ a / a.shape[0] + reg * x)


def newton(
    a: np.ndarray, y: np.ndarray, reg: float, *, tol: float = GRAD_TOL, max_iter: int = 100
) -> tuple[np.ndarray, int]:
    """Damped Newton from 0 until ‖∇f‖ ≤ tol; returns (x, iterations). Raises if it stalls."""
    n, d = a.shape
    x = np.zeros(d)
    for it in range(1, max_iter + 1):
        g = _gradient(a, y, reg, x)
        if np.linalg.norm(g) <= tol:
            return x, it - 1
        p = expit(y * (a @ x))
        hess = (a.T * (p * (1.0 - p))) @ a / n + reg * np.eye(d)
        step = np.linalg.solve(hess, g)
        fx, t = _objective(a, y, reg, x), 1.0
        if g @ step <= 1e-13 * max(1.0, abs(fx)):
            # The predicted decrease is below the rounding of f: the quadratic model is exact
            # here, so take the full Newton step (it contracts ‖∇f‖ quadratically).
            x = x - step
            continue
        # Armijo backtracking on f.
        while _objective(a, y, reg, x - t * step) > fx - 0.25 * t * g @ step and t > 1e-12:
            t *= 0.5
        x = x - t * step
    g = _gradient(a, y, reg, x)
    if np.linalg.norm(g) <= tol:
        return x, max_iter
    raise RuntimeError(f"Newton did not reach ‖∇f‖ ≤ {tol:g} ({np.linalg.norm(g):.3g} left)")


def cvxpy_solve(a: np.ndarray, y: np.ndarray, reg: float) -> np.ndarray:
    """The same objective, times N for conditioning, as an exponential-cone program (Clarabel).

    Clarabel may report ``optimal_inaccurate`` on larger instances; its point is accepted only
    through the strong-convexity certificate in :func:`solve_logistic`, so the warning is muted.
    """
    import cvxpy as cp

    n, d = a.shape
    x = cp.Variable(d)
    obj = cp.sum(cp.logistic(-cp.multiply(y, a @ x))) + 0.5 * n * reg * cp.sum_squares(x)
    problem = cp.Problem(cp.Minimize(obj))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Solution may be inaccurate", UserWarning)
        problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    if x.value is None or problem.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"cvxpy did not solve the logistic problem (status {problem.status})")
    return np.asarray(x.value, dtype=np.float64)


def solve_logistic(a: np.ndarray, y: np.ndarray, reg: float) -> LogisticSolution:
    """x* of (1/N)Σ log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖², cross-checked by two solvers (cached).

    Raises ``RuntimeError`` when the solvers disagree beyond what strong convexity (μ ≥ λ)
    allows, or when cvxpy's point has a lower objective than Newton's.
    """
    key = hashlib.sha256(
        a.tobytes() + y.tobytes() + np.float64(reg).tobytes() + str(a.shape).encode()
    ).hexdigest()
    if key in _CACHE:
        _STATS["hits"] += 1
        return _CACHE[key]
    _STATS["misses"] += 1
    x, iters = newton(a, y, reg)
    x_cvx = cvxpy_solve(a, y, reg)
    g_nt = float(np.linalg.norm(_gradient(a, y, reg, x)))
    g_cvx = float(np.linalg.norm(_gradient(a, y, reg, x_cvx)))
    dist = float(np.linalg.norm(x - x_cvx))
    cert = (g_nt + g_cvx) / reg
    if dist > cert * (1 + 1e-6) + 1e-12 or dist > 1e-4 * (1.0 + np.linalg.norm(x)):
        raise RuntimeError(
            f"logistic solvers disagree: ‖x_newton − x_cvxpy‖ = {dist:.3g} "
            f"(strong-convexity certificate {cert:.3g})"
        )
    f_nt, f_cvx = _objective(a, y, reg, x), _objective(a, y, reg, x_cvx)
    if f_cvx < f_nt - 1e-12 * max(1.0, abs(f_nt)):
        raise RuntimeError(f"cvxpy found a lower objective ({f_cvx!r} < {f_nt!r})")
    sol = LogisticSolution(x, g_nt, iters, x_cvx, g_cvx, dist, cert)
    _CACHE[key] = sol
    return sol


def solve_cache_info() -> dict[str, int]:
    """Counts of cached (``hits``) and fresh (``misses``) logistic solves in this process."""
    return dict(_STATS, size=len(_CACHE))
