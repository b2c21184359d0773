r"""x* of L2-regularised logistic regression: damped Newton, certified by strong convexity.

The objective (docs/theory.md §1) is

    F(x) = (1/N) Σ_i log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖²,
    ∇F(x) = −(1/N) Σ_i y_i a_i s(−y_i a_iᵀx) + λx,

with s the logistic sigmoid. The loss term is convex, so F is λ-strongly convex: μ ≥ λ.

**Solver.** :func:`newton` (exact Hessian, Armijo backtracking on F) runs from 0 until
‖∇F(x)‖ ≤ 1e-10. It needs numpy and scipy only; :func:`newton_solve` wraps it, certifies the
result and caches it by the data's content, so building the same problem twice solves once.

**Certificate** (:func:`certify`). Let F be μ-strongly convex and differentiable, K closed and
convex, x*_K = argmin_K F, and x ∈ K. For every v in the normal cone
N_K(x) = {v : ⟨v, z − x⟩ ≤ 0 for all z ∈ K}:

    μ‖x − x*_K‖² ≤ ⟨∇F(x) − ∇F(x*_K), x − x*_K⟩    strong convexity (∇F is μ-strongly monotone)
                ≤ ⟨∇F(x), x − x*_K⟩               optimality of x*_K: ⟨∇F(x*_K), x − x*_K⟩ ≥ 0
                ≤ ⟨∇F(x) + v, x − x*_K⟩           v ∈ N_K(x) and x*_K ∈ K: ⟨v, x − x*_K⟩ ≥ 0
                ≤ ‖∇F(x) + v‖·‖x − x*_K‖,

hence ‖x − x*_K‖ ≤ ρ(x)/μ with the KKT residual ρ(x) = min_{v ∈ N_K(x)} ‖∇F(x) + v‖, which is
0 exactly at x*_K. Without constraints (K = ℝ^d, N_K = {0}) this is the classical
‖x − x*‖ ≤ ‖∇F(x)‖/μ. For the ball K = {z : ‖z − c‖ ≤ R}, N_K(x) = {0} inside and
{t(x − c) : t ≥ 0} on the sphere, so ρ(x) = ‖∇F(x)‖ inside and, on the sphere,
ρ(x) = ‖∇F(x) + t̂(x − c)‖ with t̂ = max(0, −⟨∇F(x), x − c⟩/R²). A floating-point x is never
exactly on the sphere; for x ∈ K with r = ‖x − c‖ ≤ R and any t ≥ 0 the third line loses at
most t·r·(R − r) (since ⟨x − c, x − x*_K⟩ ≥ r(r − R)), so μe² − ρ_t e − t·r(R − r) ≤ 0 for
e = ‖x − x*_K‖ and ρ_t = ‖∇F(x) + t(x − c)‖, i.e.

    ‖x − x*_K‖ ≤ (ρ_t + √(ρ_t² + 4μ·t·r(R − r))) / (2μ),

valid for every t ≥ 0; :func:`certify` takes the smaller of t = 0 and t = t̂. (This is the
projected-gradient/KKT analogue of the gradient-norm certificate; compare the error bounds for
strongly convex problems in Nesterov, *Lectures on Convex Optimization*, 2018, §2.2.)

In ``problems.Logistic`` x* is the *unconstrained* minimiser and the domain is required to
contain it strictly, so the minimisers over ℝ^d and over K coincide and the certificate is
‖x − x*‖ ≤ ‖∇F(x)‖/λ. The computed gradient carries rounding errors; the bound adds an a-priori
bound on them (:func:`gradient_error_bound`), so that it holds for the exact ∇F.

**Row weights.** :func:`newton_solve`, :func:`newton`, :func:`certify` and
:func:`gradient_error_bound` also take optional row weights w_i > 0 (``weights [N]``); the
objective is then F_w(x) = Σ_i w_i log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖², still λ-strongly
convex, and the certificate is the same. ``problems.LogisticSplit`` uses w_i = 1/(h·n_k) for
the rows of shard k (an equal-weight mean over workers). Without ``weights`` every function
computes exactly what it did before (the same operations, so the same bits).

**Cross-check.** cvxpy (an exponential-cone program solved by Clarabel; optional, imported
lazily) solves the same problem independently in :func:`cross_check` and :func:`solve_logistic`:
Newton's point and cvxpy's must lie within the sum of their certificates of each other, and
cvxpy's must not have a lower objective. The tests run it; ``Logistic.solution`` runs it on
demand. Constructing a problem never needs cvxpy.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy.special import expit

GRAD_TOL = 1e-10
_U = 2.0**-53  # unit roundoff of float64
_SLACK = 1.0 + 1e-12  # relative allowance for the rounding of a computed norm


class NewtonSolution(NamedTuple):
    """Damped Newton's x* and its certificate (what ``problems.Logistic`` is built on)."""

    x: np.ndarray  # [d] Newton's solution (the x* of the problem)
    grad_norm: float  # ‖∇F(x)‖ as computed
    newton_iters: int
    error_bound: float  # certified: ‖x − x*‖ ≤ error_bound (strong convexity, rounding included)


class LogisticSolution(NamedTuple):
    """Newton's x* cross-checked against cvxpy (:func:`cross_check`)."""

    x: np.ndarray  # [d] Newton solution (the x* used by the problem)
    grad_norm: float  # ‖∇F(x)‖ at the Newton solution
    newton_iters: int
    x_cvxpy: np.ndarray  # [d] cvxpy's solution
    cvxpy_grad_norm: float  # ‖∇F(x_cvxpy)‖
    distance: float  # ‖x − x_cvxpy‖
    certificate: float  # the largest distance strong convexity allows: the sum of both bounds
    error_bound: float  # Newton's certified ‖x − x*‖ bound alone


_CACHE: dict[str, NewtonSolution] = {}
_CHECKED: dict[str, LogisticSolution] = {}
_STATS = {"hits": 0, "misses": 0}


def _key(a: np.ndarray, y: np.ndarray, reg: float, weights: np.ndarray | None = None) -> str:
    extra = b"" if weights is None else b"weights" + weights.tobytes()
    return hashlib.sha256(
        a.tobytes() + y.tobytes() + np.float64(reg).tobytes() + str(a.shape).encode() + extra
    ).hexdigest()


def _check_weights(weights: object, n: int) -> np.ndarray:
    """Row weights as a float64 [n] array of finite values > 0 (one-line ValueError otherwise)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or not np.all(w > 0):
        raise ValueError(f"weights must be a [N] = [{n}] array of finite values > 0")
    return w


def _objective(
    a: np.ndarray, y: np.ndarray, reg: float, x: np.ndarray, weights: np.ndarray | None = None
) -> float:
    if weights is None:
        return float(np.logaddexp(0.0, -y * (a @ x)).mean() + 0.5 * reg * x @ x)
    return float(weights @ np.logaddexp(0.0, -y * (a @ x)) + 0.5 * reg * x @ x)


def _gradient(
    a: np.ndarray, y: np.ndarray, reg: float, x: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    if weights is None:
        return np.asarray(-(y * expit(-y * (a @ x))) @ a / a.shape[0] + reg * x)
    return np.asarray(-(weights * y * expit(-y * (a @ x))) @ a + reg * x)


def _gamma(n: int) -> float:
    """γ_n = nu/(1 − nu): the relative error bound of an n-term sum or dot product."""
    return n * _U / (1.0 - n * _U)


def gradient_error_bound(
    a: np.ndarray, y: np.ndarray, reg: float, x: np.ndarray, weights: np.ndarray | None = None
) -> float:
    r"""An upper bound on ‖ĝ − ∇F(x)‖ for the floating-point gradient ĝ = ``_gradient(x)``.

    A priori bounds for sums and dot products in any order (Higham, *Accuracy and Stability
    of Numerical Algorithms*, 2002, §3.1: an n-term dot product errs by at most
    γ_n·Σ|terms|, γ_n = nu/(1 − nu), u = 2⁻⁵³):

    - margins m_i = a_iᵀx: |m̂_i − m_i| ≤ γ_d·|a_i|ᵀ|x|;
    - s_i = s(−y_i m_i): s is ¼-Lipschitz and ``expit`` = 1/(1 + e^{−z}) has a relative error
      of a few u (exp, one addition, one division; 8u allowed), so
      |ŝ_i − s_i| ≤ e_i := 8u + γ_d·|a_i|ᵀ|x|/4;
    - the sum Σ_i y_i ŝ_i a_ij (|ŝ_i| ≤ 1) errs by at most γ_N·Σ_i|a_ij|, the exact
      coefficients by at most Σ_i e_i|a_ij|;
    - dividing by N, adding λx_j and rounding the result: 2u(|ĝ_j| + Σ_i|a_ij|/N + λ|x_j|).

    Returns the norm of the per-coordinate bounds times (1 + 1e-12) for the rounding of this
    formula itself. For the problems here it is ~1e-14, far below the Newton tolerance 1e-10.

    With row ``weights`` (the gradient −Σ_i w_i y_i s_i a_i + λx): the coefficient
    w_i·y_i·ŝ_i (y_i = ±1 exact) rounds once, and the weights themselves are allowed a relative
    error u against the exact weights they stand for (1/(h·n_k) computed by one division is),
    so each coefficient errs by at most w_i(e_i + 3u); the sum errs by at most
    γ_N(1 + u)·Σ_i w_i|a_ij|, and the last step by 2u(|ĝ_j| + Σ_i w_i|a_ij| + λ|x_j|).
    """
    n, d = a.shape
    abs_a = np.abs(a)
    e = 8.0 * _U + _gamma(d) * (abs_a @ np.abs(x)) / 4.0
    if weights is not None:
        colw = weights @ abs_a  # Σ_i w_i |a_ij|
        gw = _gradient(a, y, reg, x, weights)
        perw = (1.0 + 2.0 * _U) * (
            (weights * (e + 3.0 * _U)) @ abs_a + _gamma(n) * (1.0 + _U) * colw
        ) + 2.0 * _U * (np.abs(gw) + colw + reg * np.abs(x))
        return float(np.linalg.norm(perw)) * (1.0 + 1e-12)
    col = abs_a.sum(axis=0) / n  # Σ_i |a_ij| / N
    g = _gradient(a, y, reg, x)
    per = (1.0 + 2.0 * _U) * ((e @ abs_a) / n + _gamma(n) * col) + 2.0 * _U * (
        np.abs(g) + col + reg * np.abs(x)
    )
    return float(np.linalg.norm(per)) * (1.0 + 1e-12)


def kkt_bound(
    grad: np.ndarray,
    x: np.ndarray,
    mu: float,
    *,
    center: np.ndarray | None = None,
    radius: float | None = None,
    grad_error: float = 0.0,
) -> float:
    """The certificate ‖x − x*_K‖ ≤ bound of the module docstring for a μ-strongly convex F.

    ``grad`` is ∇F(x) (``[d]``) up to ``grad_error`` in norm; without ``radius`` K = ℝ^d and the
    bound is (‖∇F(x)‖ + grad_error)/μ; with the ball (``center``, ``radius``) x must lie in K
    and the bound is the smaller of the t = 0 and t = t̂ forms of the KKT residual. Computed
    norms are inflated by a relative 1e-12 to cover their own rounding.
    """
    if not mu > 0:
        raise ValueError(f"mu must be > 0; got {mu!r}")
    grad = np.asarray(grad, dtype=np.float64)
    plain = (float(np.linalg.norm(grad)) * _SLACK + grad_error) / mu
    if radius is None:
        return plain
    c = np.zeros_like(grad) if center is None else np.asarray(center, dtype=np.float64)
    u = np.asarray(x, dtype=np.float64) - c
    r = float(np.linalg.norm(u))
    if r > radius:
        raise ValueError(f"x must lie in the ball: ‖x − c‖ = {r!r} > R = {radius!r}")
    if r == 0.0:
        return plain
    t = max(0.0, -float(grad @ u) / r**2)
    rho = float(np.linalg.norm(grad + t * u)) * _SLACK + grad_error
    slack = t * r * (radius - r)
    return min(plain, (rho + math.sqrt(rho**2 + 4.0 * mu * slack)) / (2.0 * mu))


def certify(
    a: np.ndarray,
    y: np.ndarray,
    reg: float,
    x: np.ndarray,
    *,
    center: np.ndarray | None = None,
    radius: float | None = None,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """(‖∇F(x)‖, bound) with ‖x − x*‖ ≤ bound for the logistic objective (μ ≥ λ).

    x* is the unconstrained minimiser, or the minimiser over the ball (``center``, ``radius``)
    when ``radius`` is given (then x must lie in the ball). Rounding in ∇F is accounted for.
    With ``weights [N]`` the objective is the row-weighted F_w of the module docstring.
    """
    if weights is not None:
        weights = _check_weights(weights, a.shape[0])
    g = _gradient(a, y, reg, x, weights)
    err = gradient_error_bound(a, y, reg, x, weights)
    bound = kkt_bound(g, x, reg, center=center, radius=radius, grad_error=err)
    return float(np.linalg.norm(g)), bound


def newton(
    a: np.ndarray,
    y: np.ndarray,
    reg: float,
    *,
    tol: float = GRAD_TOL,
    max_iter: int = 100,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Damped Newton from 0 until ‖∇F‖ ≤ tol; returns (x, iterations). Raises if it stalls.

    Step p = H⁻¹∇F(x) with the exact Hessian H = (1/N)Σ_i s_i(1 − s_i) a_i a_iᵀ + λI; Armijo
    backtracking x ← x − tp with F(x − tp) ≤ F(x) − t·pᵀ∇F/4, t halving from 1; once the
    predicted decrease pᵀ∇F is below the rounding of F the full step is taken (the quadratic
    model is then exact to working precision and Newton contracts ‖∇F‖ quadratically).
    With ``weights [N]`` the row-weighted F_w (Hessian Σ_i w_i s_i(1 − s_i) a_i a_iᵀ + λI).
    """
    n, d = a.shape
    if weights is not None:
        weights = _check_weights(weights, n)
    x = np.zeros(d)
    for it in range(1, max_iter + 1):
        g = _gradient(a, y, reg, x, weights)
        if np.linalg.norm(g) <= tol:
            return x, it - 1
        p = expit(y * (a @ x))
        if weights is None:
            hess = (a.T * (p * (1.0 - p))) @ a / n + reg * np.eye(d)
        else:
            hess = (a.T * (weights * p * (1.0 - p))) @ a + reg * np.eye(d)
        step = np.linalg.solve(hess, g)
        fx, t = _objective(a, y, reg, x, weights), 1.0
        if g @ step <= 1e-13 * max(1.0, abs(fx)):
            # The predicted decrease is below the rounding of f: the quadratic model is exact
            # here, so take the full Newton step (it contracts ‖∇f‖ quadratically).
            x = x - step
            continue
        # Armijo backtracking on f.
        while _objective(a, y, reg, x - t * step, weights) > fx - 0.25 * t * g @ step and t > 1e-12:
            t *= 0.5
        x = x - t * step
    g = _gradient(a, y, reg, x, weights)
    if np.linalg.norm(g) <= tol:
        return x, max_iter
    raise RuntimeError(f"Newton did not reach ‖∇f‖ ≤ {tol:g} ({np.linalg.norm(g):.3g} left)")


def newton_solve(
    a: np.ndarray, y: np.ndarray, reg: float, weights: np.ndarray | None = None
) -> NewtonSolution:
    """x* by :func:`newton` with its certified error bound (cached by the data's content).

    Needs numpy and scipy only. ``error_bound`` ≥ ‖x − x*‖ for the exact minimiser x*.
    With ``weights [N]`` (finite, > 0) it solves the row-weighted F_w of the module docstring
    (cached under the weights too).
    """
    if weights is not None:
        weights = _check_weights(weights, a.shape[0])
    key = _key(a, y, reg, weights)
    if key in _CACHE:
        _STATS["hits"] += 1
        return _CACHE[key]
    _STATS["misses"] += 1
    x, iters = newton(a, y, reg, weights=weights)
    grad_norm, bound = certify(a, y, reg, x, weights=weights)
    sol = NewtonSolution(x, grad_norm, iters, bound)
    _CACHE[key] = sol
    return sol


def cvxpy_solve(
    a: np.ndarray,
    y: np.ndarray,
    reg: float,
    *,
    center: np.ndarray | None = None,
    radius: float | None = None,
) -> np.ndarray:
    """The same objective, times N for conditioning, as an exponential-cone program (Clarabel),
    optionally constrained to the ball ‖x − c‖ ≤ R. Needs cvxpy (imported here, lazily).

    Clarabel may report ``optimal_inaccurate`` on larger instances; its point is accepted only
    through the strong-convexity certificate in :func:`cross_check`, so the warning is muted.
    """
    import cvxpy as cp

    n, d = a.shape
    x = cp.Variable(d)
    obj = cp.sum(cp.logistic(-cp.multiply(y, a @ x))) + 0.5 * n * reg * cp.sum_squares(x)
    cons = []
    if radius is not None:
        c = np.zeros(d) if center is None else np.asarray(center, dtype=np.float64)
        cons.append(cp.norm(x - c, 2) <= radius)
    problem = cp.Problem(cp.Minimize(obj), cons)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Solution may be inaccurate", UserWarning)
        problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    if x.value is None or problem.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"cvxpy did not solve the logistic problem (status {problem.status})")
    return np.asarray(x.value, dtype=np.float64)


def cross_check(
    a: np.ndarray, y: np.ndarray, reg: float, newton_sol: NewtonSolution | None = None
) -> LogisticSolution:
    """Newton's x* against cvxpy's, an independent solver (cached; needs cvxpy).

    Raises ``ImportError`` without cvxpy, and ``RuntimeError`` when the two points are farther
    apart than their certificates allow (‖x_newton − x_cvxpy‖ ≤ bound_newton + bound_cvxpy, each
    ‖x − x*‖ ≤ bound), when cvxpy's point is implausibly far (> 1e-4(1 + ‖x‖)), or when it has
    a lower objective than Newton's.
    """
    key = _key(a, y, reg)
    if key in _CHECKED:
        return _CHECKED[key]
    sol = newton_sol if newton_sol is not None else newton_solve(a, y, reg)
    try:
        x_cvx = cvxpy_solve(a, y, reg)
    except ImportError as exc:
        raise ImportError(
            "the cross-check of logistic x* needs cvxpy (pip install cvxpy); x* itself is "
            "certified without it (see Logistic.x_star_error_bound)"
        ) from exc
    g_cvx, bound_cvx = certify(a, y, reg, x_cvx)
    dist = float(np.linalg.norm(sol.x - x_cvx))
    cert = sol.error_bound + bound_cvx
    if dist > cert or dist > 1e-4 * (1.0 + np.linalg.norm(sol.x)):
        raise RuntimeError(
            f"logistic solvers disagree: ‖x_newton − x_cvxpy‖ = {dist:.3g} "
            f"(strong-convexity certificate {cert:.3g})"
        )
    f_nt, f_cvx = _objective(a, y, reg, sol.x), _objective(a, y, reg, x_cvx)
    if f_cvx < f_nt - 1e-12 * max(1.0, abs(f_nt)):
        raise RuntimeError(f"cvxpy found a lower objective ({f_cvx!r} < {f_nt!r})")
    out = LogisticSolution(
        sol.x, sol.grad_norm, sol.newton_iters, x_cvx, g_cvx, dist, cert, sol.error_bound
    )
    _CHECKED[key] = out
    return out


def solve_logistic(a: np.ndarray, y: np.ndarray, reg: float) -> LogisticSolution:
    """x* of (1/N)Σ log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖² by Newton, cross-checked against cvxpy.

    :func:`newton_solve` followed by :func:`cross_check` (both cached); needs cvxpy.
    """
    return cross_check(a, y, reg, newton_solve(a, y, reg))


def solve_cache_info() -> dict[str, int]:
    """Counts of cached (``hits``) and fresh (``misses``) Newton solves in this process, the
    number of solves held (``size``) and of cvxpy cross-checks done (``cross_checks``)."""
    return dict(_STATS, size=len(_CACHE), cross_checks=len(_CHECKED))
