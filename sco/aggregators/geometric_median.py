r"""Geometric median with a certificate of optimality (docs/theory.md §2, GM).

The solver minimises F(z) = Σ_i ‖x_i − z‖ over the good rows and stops only when a *duality gap*
proves F(z) − min F ≤ tol·F(z); it never stops on a step length.

**Lower bound (the dual).** For vectors u_i with ‖u_i‖ ≤ 1 and Σ_i u_i = 0, and any point p,
Σ_i ⟨u_i, x_i⟩ = Σ_i ⟨u_i, x_i − p⟩ ≤ Σ_i ‖x_i − p‖ = F(p) (the first equality because the u_i
sum to zero, the inequality by Cauchy–Schwarz). So D(u) = Σ_i ⟨u_i, x_i⟩ ≤ min F, and
gap = F(z) − D(u) ≥ F(z) − min F. At the median the bound is tight: u_i = (x_i − z*)/‖x_i − z*‖
for the points away from z*, and the points sitting at z* share minus the sum of those (the
subgradient condition of a median at a data point is exactly that this share has norm ≤ 1).

**The feasible u built at an iterate z.** With diff_i = x_i − z, d_i = ‖diff_i‖, the points away
from z (d_i > 0) take u_i = diff_i/d_i; let R = Σ_{d_i>0} u_i (= −∇F(z) where F is smooth), η the
number of points at z and n the number of good points.

1. The η points at z each take v = −R/max(η, ‖R‖) (norm ≤ 1); what is left over is
   ρ = R + ηv = R·(1 − η/max(η, ‖R‖)) (zero when ‖R‖ ≤ η, the Vardi–Zhang vertex condition).
2. Every point then subtracts w = ρ/n, so the vectors sum to exactly zero.
3. Their norms are at most 1 + ‖w‖ (‖v − w‖ too), so all are scaled by c = 1/(1 + ‖w‖), which
   keeps Σ = 0 and makes them feasible. Close to tol the exact c = 1/max(1, maxᵢ ‖u_i − w‖) is
   used instead (‖u_i − w‖² = 1 − 2⟨u_i, w⟩ + ‖w‖², one more pass over the rows).

Since diff_i = 0 at the points at z, the dual value is D = c·Σ_{d_i>0} ⟨u_i − w, diff_i⟩ =
c·(F(z) − ⟨w, S⟩) with S = Σ_i diff_i, so

    gap = F(z) − D = (1 − c)·F(z) + c·⟨w, S⟩ ≥ F(z) − min F

(F(z) itself when D < 0: u = 0 is feasible), a sum computed without the cancellation of F − D.
The certificate is first order in the gradient (gap ≈ ‖R‖·F/n away from data points), so
certifying gap ≤ tol·F also drives the gradient to ≈ tol·n: the point, not only the objective, is
accurate. It is exact at a vertex: when z is a data point with ‖R‖ ≤ η, ρ = w = 0, c = 1 and
gap = 0. Where the first-order gap cannot reach tol although F is optimal to rounding (the solver
stalls), two sharper certificates are tried: the points nearest to z absorb the residual as if
they were at z (a cluster of near-duplicates, e.g. rows one ulp apart; :func:`_absorbed_gap`),
and the same construction at the unrounded Newton point (second order, for data with an offset
far above their spread; :func:`_newton_gap`). Rounding: Σ u_i = 0 and ‖u_i‖ = 1 hold to machine
precision and F is summed over n rows, so the reported gap adds 2·n·ε·F(z) (ε the machine
epsilon): a tol below about 1e-14 cannot be certified.

**Iteration.** Each step takes the Vardi & Zhang (2000) step, well defined at data points,

    z ← z + max(0, 1 − η/‖R‖)·R / Σ_{d_i>0} 1/d_i,

unless another candidate lowers F more (compared through an accurate difference of F,
:func:`_decrease`, not through F itself, whose rounding hides the last digits). Where the gap
shrank by less than half in the last step (Weiszfeld's crawl is exactly that) the candidates are

* a Newton step z + H⁻¹R on the smooth objective, H = Σ_{d_i>0} (I − u_i u_iᵀ)/d_i (solved in the
  m×m Woodbury form when m ≤ d, with a relative ridge of 1e-12), when no point sits at z: it
  removes the slow linear convergence when the median is near, but not at, a data point;
* a step out of a cluster of (near-)coincident points at z that is not the median
  (:func:`_escape_point`);
* the nearest good data point itself, the exact vertex test (also every 8th step): a median on a
  cluster is returned exactly instead of being approached sublinearly. A rigorous lower bound on
  F(x_k) − F(z) (:func:`_vertex_may_win`, one pass) skips it where it cannot win.

The solver stops when the gap certifies tol, after ``max_iter`` steps, or after 8 steps that
lower neither F nor the gap (rounding). Instances with entries beyond 2^±300 are first divided
by a power of two (exact), so no squared distance overflows; batch elements are iterated only
while they are active.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ._common import as_workers, bad_rows, check_f

_NEWTON_SLOW = 0.5  # try a Newton step when the gap shrank by less than this factor
_RIDGE = 1e-12  # relative ridge on the Newton system (collinear data make H singular)
_SHARPEN = 8.0  # compute the exact certificate once the cheap one is within this of tol
_CHECK = 8  # test the nearest data point at least every this many steps
_ROUNDING = 2.0 * np.finfo(np.float64).eps  # per row: the reported gap adds this·n·F
_STALL = 8  # stop after this many steps in a row that lower neither F nor the gap


class GeometricMedianCertificate(NamedTuple):
    """What :func:`geometric_median_certified` found, per batch element.

    ``z`` ``[..., d]``: the point returned; ``objective`` ``[...]``: F(z) = Σ ‖x_i − z‖ over the
    good rows; ``lower_bound`` ``[...]``: a certified lower bound on min F; ``rel_gap``
    ``[...]``: (objective − lower_bound)/objective (0 when the objective is 0), so that
    F(z) − min F ≤ rel_gap·F(z), i.e. F(z)/min F − 1 ≤ rel_gap/(1 − rel_gap); ``iterations``
    ``[...]``: steps taken; ``converged`` ``[...]``: rel_gap ≤ tol.
    """

    z: np.ndarray
    objective: np.ndarray
    lower_bound: np.ndarray
    rel_gap: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def geometric_median(
    x: np.ndarray, *, f: int = 0, tol: float = 1e-8, max_iter: int = 10_000
) -> np.ndarray:
    r"""argmin_z Σ_i ‖x_i − z‖ over the good rows: ``x[..., m, d] -> [..., d]``.

    Solved to a certified relative objective accuracy ``tol`` by
    :func:`geometric_median_certified` (see the module docstring for the certificate); medians
    that are data points are returned exactly. If ``max_iter`` steps do not reach the
    certificate (or rounding stalls the solver first), the best iterate found is returned and a
    ``RuntimeWarning`` is issued; nothing is raised. Bad rows (non-finite or overflowing) are
    excluded. (f, κ)-robust with κ = 4(1 + q)², q = f/(m − 2f) (Allouah et al. 2023, Table 1);
    f is validated (m > 2f), otherwise unused.
    """
    x = as_workers(x)
    check_f(f, x.shape[-2], name="geometric_median")
    cert = geometric_median_certified(x, tol=tol, max_iter=max_iter)
    if not cert.converged.all():
        bad = int(np.size(cert.converged) - np.count_nonzero(cert.converged))
        warnings.warn(
            f"geometric_median: {bad} batch element(s) not certified to tol={tol:g} within "
            f"max_iter={max_iter} steps (worst relative gap {float(np.max(cert.rel_gap)):.3g}); "
            "returning the best iterate",
            RuntimeWarning,
            stacklevel=2,
        )
    return cert.z


def geometric_median_certified(
    x: np.ndarray, *, tol: float = 1e-8, max_iter: int = 10_000
) -> GeometricMedianCertificate:
    """The geometric median of ``x[..., m, d]`` with its optimality certificate.

    Iterates (see the module docstring) until the duality gap certifies
    F(z) − min F ≤ tol·F(z), for at most ``max_iter`` steps; stops early, unconverged, when
    rounding keeps both F and the gap from improving for a few steps (``tol`` below the
    attainable precision, about 1e-14). Bad rows (non-finite or overflowing) are excluded; with
    no good row, z = 0. Never raises on hard inputs: ``converged`` says what was certified.
    """
    x = as_workers(x)
    if not tol > 0 or max_iter < 1:
        raise ValueError(
            f"tol must be > 0 and max_iter >= 1; got tol={tol!r}, max_iter={max_iter!r}"
        )
    good = ~bad_rows(x)
    xs = np.where(good[..., None], x, 0.0) if not good.all() else x
    return _solve(xs, good, tol=float(tol), max_iter=int(max_iter))


class _Rows(NamedTuple):
    """The scaled rows of the active batch elements: ``y[n, m, d]`` (bad rows zeroed),
    ``good[n, m]``, ``n_good[n]`` good rows (at least 1), ``total[n, d]`` = Σ_good y_i."""

    y: np.ndarray
    good: np.ndarray
    n_good: np.ndarray
    total: np.ndarray

    def take(self, keep: np.ndarray) -> _Rows:
        return _Rows(*(a[keep] for a in self))


class _State(NamedTuple):
    """F and its certificate at iterates ``z[n, d]``."""

    z: np.ndarray  # [n, d]
    diff: np.ndarray  # [n, m, d] y_i − z
    dist: np.ndarray  # [n, m] ‖y_i − z‖ (+inf for bad rows)
    inv: np.ndarray  # [n, m] 1/d_i (0 at z and for bad rows)
    obj: np.ndarray  # [n] F(z)
    grad: np.ndarray  # [n, d] R = Σ_{d_i>0} u_i
    rnorm: np.ndarray  # [n] ‖R‖
    eta: np.ndarray  # [n] number of points at z
    gap: np.ndarray  # [n] duality gap (absolute, ≥ 0)

    def take(self, keep: np.ndarray) -> _State:
        return _State(*(a[keep] for a in self))

    def put(self, rows: np.ndarray, other: _State) -> _State:
        """A copy with ``rows`` replaced by ``other`` (whose length is ``rows.size``)."""
        out = []
        for a, b in zip(self, other, strict=True):
            a = a.copy()
            a[rows] = b
            out.append(a)
        return _State(*out)


def _evaluate(rows: _Rows, z: np.ndarray, all_good: bool) -> _State:
    """F, R and a duality gap at ``z[n, d]``: the certificate of the module docstring with the
    cheap scale c = 1/(1 + ‖w‖) (every ‖u_i − w‖ is at most that); :func:`_exact_gap` sharpens
    it with the exact maxᵢ ‖u_i − w‖."""
    diff = rows.y - z[:, None, :]
    dist = np.sqrt(np.einsum("nij,nij->ni", diff, diff))
    if not all_good:
        dist[~rows.good] = np.inf
    live = dist > 0.0
    inv = np.divide(1.0, dist, out=np.zeros_like(dist), where=live)  # 0 at z and for bad rows
    eta = dist.shape[-1] - np.count_nonzero(live, axis=-1)
    obj = dist.sum(axis=-1) if all_good else np.where(rows.good, dist, 0.0).sum(axis=-1)
    grad = np.einsum("ni,nij->nj", inv, diff)
    rnorm = np.sqrt(np.einsum("nj,nj->n", grad, grad))
    # w = k·R; with no point at z, k = 1/n
    k = _dual_shift(rnorm, eta, rows.n_good) if eta.any() else 1.0 / rows.n_good
    s_vec = rows.total - rows.n_good[:, None] * z  # S = Σ_i diff_i
    ws = k * np.einsum("nj,nj->n", grad, s_vec)
    q = k * rnorm  # ‖w‖: c = 1/(1 + q), 1 − c = q/(1 + q)
    gap = np.where(obj > ws, (q * obj + ws) / (1.0 + q), obj)
    return _State(z, diff, dist, inv, obj, grad, rnorm, eta, np.maximum(gap, 0.0))


def _dual_shift(rnorm: np.ndarray, eta: np.ndarray, count: np.ndarray) -> np.ndarray:
    """k with w = k·R = ρ/n: what is left of R after the points at z took v = −R/max(η, ‖R‖)
    each, shared by the n points."""
    left = 1.0 - eta / np.maximum(np.maximum(eta, rnorm), 1e-300)
    return np.asarray(left / np.maximum(count, 1))


def _gap(obj: np.ndarray, c: np.ndarray, ws: np.ndarray) -> np.ndarray:
    """F − D with D = c·(F − ⟨w, S⟩) (or D = 0 from u = 0 when that is larger); rounding can
    make it slightly negative at the median, which is reported as 0."""
    return np.maximum(np.where(obj - ws > 0.0, (1.0 - c) * obj + c * ws, obj), 0.0)


def _exact_gap(st: _State, rows: _Rows) -> np.ndarray:
    """The gap with c = 1/max(1, maxᵢ ‖u_i − w‖): ‖u_i − w‖² = 1 − 2⟨u_i, w⟩ + ‖w‖² at the points
    away from z, ‖v − w‖² = ‖v‖² − 2⟨v, w⟩ + ‖w‖² with v = −R/max(η, ‖R‖) at the points at z;
    ⟨w, S⟩ is summed from the rows, Σ_i ⟨diff_i, w⟩."""
    w = st.grad * _dual_shift(st.rnorm, st.eta, rows.n_good)[:, None]
    ww = np.einsum("nj,nj->n", w, w)
    dw = np.where(rows.good, np.einsum("nij,nj->ni", st.diff, w), 0.0)  # ⟨diff_i, w⟩
    live = rows.good & (st.dist > 0.0)
    norm2 = np.where(live, 1.0 - 2.0 * st.inv * dw, 0.0).max(axis=-1) + ww
    share = np.where(st.eta > 0, 1.0 / np.maximum(np.maximum(st.eta, st.rnorm), 1e-300), 0.0)
    at_z = (share * st.rnorm) ** 2 + 2.0 * share * np.einsum("nj,nj->n", st.grad, w) + ww
    norm2 = np.maximum(norm2, np.where(st.eta > 0, at_z, 0.0))
    c = 1.0 / np.maximum(1.0, np.sqrt(norm2))
    return np.minimum(st.gap, _gap(st.obj, c, dw.sum(axis=-1)))


def _absorbed_gap(st: _State, rows: _Rows) -> np.ndarray:
    """The smallest gap when the j points nearest to z play the role of the points at z
    (j = 1..n): they take v = −R_A/max(j, ‖R_A‖), R_A = Σ_{i∉A} u_i, at a cost of at most 2d_i
    each; the rest is as in the module docstring (with the scale c = 1/(1 + ‖w‖)). This
    certifies medians in a cluster of near-duplicates (e.g. rows one ulp apart), where F is
    optimal to rounding but no point is exactly at z:

        D = c·(F − F_A − ⟨w, S⟩ + ⟨v, S_A⟩),  F_A = Σ_{i∈A} d_i,  S_A = Σ_{i∈A} diff_i."""
    order = np.argsort(st.dist, axis=-1, kind="stable")  # bad rows (+inf) last
    dist = np.take_along_axis(st.dist, order, axis=-1)
    diff = np.take_along_axis(st.diff, order[..., None], axis=-2)
    inv = np.take_along_axis(st.inv, order, axis=-1)
    sum_u = np.cumsum(diff * inv[..., None], axis=-2)  # [n, j, d]
    sum_diff = np.cumsum(diff, axis=-2)
    sum_dist = np.cumsum(np.where(np.isfinite(dist), dist, 0.0), axis=-1)
    n = np.maximum(rows.n_good, 1)[:, None]
    j = np.arange(1, dist.shape[-1] + 1)[None, :]
    r_a = st.grad[:, None, :] - sum_u
    rn = np.sqrt(np.einsum("njd,njd->nj", r_a, r_a))
    big = np.maximum(np.maximum(j, rn), 1e-300)
    w = r_a * ((1.0 - j / big) / n)[..., None]
    c = 1.0 / (1.0 + np.sqrt(np.einsum("njd,njd->nj", w, w)))
    s_vec = rows.total - rows.n_good[:, None] * st.z  # S = Σ_i diff_i
    ws = np.einsum("njd,nd->nj", w, s_vec)
    vs = -np.einsum("njd,njd->nj", r_a, sum_diff) / big  # ⟨v, S_A⟩
    obj = st.obj[:, None]
    dual = c * (obj - sum_dist - ws + vs)
    gap = np.where(dual > 0.0, (1.0 - c) * obj + c * (sum_dist + ws - vs), obj)
    gap = np.maximum(gap, 0.0)
    gap = np.where(j <= rows.n_good[:, None], gap, np.inf)
    return np.asarray(gap.min(axis=-1))


def _decrease(new: _State, ref: _State, good: np.ndarray) -> np.ndarray:
    """F(new.z) − F(ref.z), accurate to rounding of the *difference* (not of F): per row,
    ‖a'‖ − ‖a‖ = (‖a'‖² − ‖a‖²)/(‖a'‖ + ‖a‖) = −(2⟨a', δ⟩ + ‖δ‖²)/(‖a'‖ + ‖a‖), a' = a − δ,
    δ = new.z − ref.z. Steps near the median change F by less than its rounding; not this."""
    delta = new.z - ref.z
    dot = np.einsum("nij,nj->ni", new.diff, delta)
    num = 2.0 * dot + np.einsum("nj,nj->n", delta, delta)[:, None]
    den = new.dist + ref.dist
    ok = good & (den > 0)
    return -np.where(ok, num / np.where(ok, den, 1.0), 0.0).sum(axis=-1)


def _vz_point(st: _State) -> np.ndarray:
    """The Vardi–Zhang step from each state (z itself when every good row is at z)."""
    wsum = st.inv.sum(axis=-1)
    ok = (st.rnorm > 0) & (wsum > 0)
    move = np.maximum(0.0, 1.0 - st.eta / np.where(ok, st.rnorm, 1.0)) / np.where(ok, wsum, 1.0)
    return st.z + np.where(ok, move, 0.0)[:, None] * st.grad


def _solve_each(mat: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``mat[n, k, k]⁻¹ rhs[n, k]``, with NaN for the systems LAPACK finds singular (solved one
    by one only then, so each batch element's answer does not depend on the others)."""
    try:
        return np.asarray(np.linalg.solve(mat, rhs[..., None])[..., 0])
    except np.linalg.LinAlgError:
        out = np.full(rhs.shape, np.nan)
        for i in range(rhs.shape[0]):
            try:
                out[i] = np.linalg.solve(mat[i], rhs[i])
            except np.linalg.LinAlgError:
                pass
        return out


def _newton_step(st: _State, good: np.ndarray) -> np.ndarray:
    """H⁻¹R for states with no point at z (the caller checks); 0 where a solve fails."""
    m, d = st.diff.shape[-2:]
    u = st.diff * st.inv[..., None]  # unit vectors (0 for bad rows)
    s = st.inv.sum(axis=-1) * (1.0 + _RIDGE)
    if m <= d:  # Woodbury: H⁻¹ = (1/s)[I + Uᵀ (s·D − U Uᵀ)⁻¹ U], D = diag(d_i)
        mat = -np.einsum("nid,njd->nij", u, u)
        idx = np.arange(m)
        mat[:, idx, idx] = np.where(good, st.dist * (s[:, None] - st.inv), 1.0)  # s·d_i − 1
        a = _solve_each(mat, np.einsum("nid,nd->ni", u, st.grad))
        step = (st.grad + np.einsum("nid,ni->nd", u, a)) / s[:, None]
    else:  # H = s·I − Σ_i u_i u_iᵀ/d_i
        hess = -np.einsum("ni,nij,nik->njk", st.inv, u, u)
        jdx = np.arange(d)
        hess[:, jdx, jdx] += s[:, None]
        step = _solve_each(hess, st.grad)
    ok = np.isfinite(step).all(axis=-1)
    return np.where(ok[:, None], step, 0.0)


def _newton_gap(st: _State, rows: _Rows) -> np.ndarray:
    """A second-order certificate for states with no point at z: the dual vectors are built as
    in the module docstring but at the Newton point z⁺ = z + δ, δ = H⁻¹R (never rounded to a
    representable point), and the dual value is taken at z. Per row, with a = diff_i,
    u⁺ = (a − δ)/‖a − δ‖: ‖a‖ − ⟨u⁺, a⟩ = (‖δ‖² − ⟨u⁺, δ⟩²)/(‖a‖ + ⟨u⁺, a⟩) (since
    a − δ ∥ u⁺), so

        gap = (1 − c)·F + c·(Σ_i (‖δ‖² − ⟨u⁺_i, δ⟩²)/(d_i + ⟨u⁺_i, diff_i⟩) + ⟨w, S⟩)

    (the plain d_i − ⟨u⁺_i, diff_i⟩ where ⟨u⁺_i, diff_i⟩ ≤ 0), with w = R⁺/n, R⁺ = Σ_i u⁺_i and
    c = 1/(1 + ‖w‖). Near the median this is ≈ ½ δᵀHδ: it certifies a median whose position is
    limited by rounding (data with an offset far above their spread), where the first-order
    gap ≈ ‖R‖·F/n cannot reach tol. (+inf where a point sits at z⁺; where the solve fails δ = 0
    and this is the first-order gap.)"""
    step = _newton_step(st, rows.good)
    diff = st.diff - step[:, None, :]
    dist = np.sqrt(np.einsum("nij,nij->ni", diff, diff))
    live = rows.good & (dist > 0.0)
    inv = np.where(live, 1.0 / np.where(live, dist, 1.0), 0.0)
    grad = np.einsum("ni,nij->nj", inv, diff)
    w = grad / np.maximum(rows.n_good, 1)[:, None]
    c = 1.0 / (1.0 + np.sqrt(np.einsum("nj,nj->n", w, w)))
    ud = inv * np.einsum("nij,nj->ni", diff, step)  # ⟨u⁺_i, δ⟩
    ua = np.where(live, dist + ud, 1.0)  # ⟨u⁺_i, diff_i⟩ = ‖a − δ‖ + ⟨u⁺_i, δ⟩
    dd = np.einsum("nj,nj->n", step, step)
    # d_i − ⟨u⁺_i, diff_i⟩: the cancellation-free form where ⟨u⁺_i, diff_i⟩ > 0 (then the
    # denominator is ≥ d_i), the plain difference (a sum of non-negatives) elsewhere
    acute = live & (ua > 0.0)
    term = np.where(
        acute,
        np.maximum(dd[:, None] - ud**2, 0.0) / np.where(acute, st.dist + ua, 1.0),
        np.where(live, st.dist - ua, 0.0),
    )
    s_vec = rows.total - rows.n_good[:, None] * st.z
    ws = np.einsum("nj,nj->n", w, s_vec)
    rest = term.sum(axis=-1) + ws
    gap = np.maximum(np.where(st.obj - rest > 0.0, (1.0 - c) * st.obj + c * rest, st.obj), 0.0)
    ok = (live == rows.good).all(axis=-1)
    return np.where(ok, gap, np.inf)


def _vertex_may_win(st: _State, good: np.ndarray, k: np.ndarray, bar: np.ndarray) -> np.ndarray:
    """False only where the data point ``y_k`` provably has F(y_k) − F(z) > ``bar``.

    For δ = y_k − z and each row, ‖a − δ‖ − ‖a‖ ≥ −⟨u, δ⟩ + ‖P_u δ‖²/(2(‖a‖ + ‖δ‖)), with
    a = y_i − z, u = a/‖a‖ and P_u the projection orthogonal to u (for b = a − δ,
    ‖b‖ − ⟨u, b⟩ = ‖P_u b‖²/(‖b‖ + ⟨u, b⟩) ≥ ‖P_u δ‖²/(2‖b‖)). Summing over the rows:
    F(y_k) − F(z) ≥ −⟨R, δ⟩ + Σ_i (‖δ‖² − ⟨u_i, δ⟩²)/(2(d_i + ‖δ‖)). Needs no point at z.
    """
    delta = st.diff[np.arange(k.size), k]  # y_k − z
    dd = np.einsum("nj,nj->n", delta, delta)
    ud = st.inv * np.einsum("nij,nj->ni", st.diff, delta)
    curv = np.maximum(dd[:, None] - ud**2, 0.0) / (2.0 * (st.dist + np.sqrt(dd)[:, None]))
    low = np.where(good, curv, 0.0).sum(axis=-1) - np.einsum("nj,nj->n", st.grad, delta)
    return np.asarray(low <= bar)


def _escape_point(st: _State, good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A step away from a cluster C of (near-)coincident points at z that is not the median.

    The Vardi–Zhang step from a data point is scaled by 1/Σ 1/d_i, which a near-duplicate
    (a row one ulp away) makes vanish, and Weiszfeld then escapes only geometrically. Treating
    the points within 1e-6 of the mean distance as one point of mass #C, the model
    #C·t − ‖R_O‖·t + ½t²·eᵀH_O e along e = R_O/‖R_O‖ (R_O, H_O: the other points' pull and
    Hessian) is minimal at t = (‖R_O‖ − #C)/eᵀH_O e. Returns (z + t·e ``[n, d]``, whether the
    step applies ``[n]``). Only a candidate: it is kept only if it lowers F.
    """
    n = good.sum(axis=-1)
    mean = np.where(good, st.dist, 0.0).sum(axis=-1) / np.maximum(n, 1)
    near = good & (st.dist <= 1e-6 * mean[:, None])
    size = near.sum(axis=-1)
    pull = st.grad - np.einsum("ni,nij->nj", np.where(near, st.inv, 0.0), st.diff)
    rn = np.sqrt(np.einsum("nj,nj->n", pull, pull))
    ok = (size > 0) & (size < n) & (rn > size)
    e = pull / np.where(ok, rn, 1.0)[:, None]
    ue = st.inv * np.einsum("nij,nj->ni", st.diff, e)  # ⟨u_i, e⟩
    curv = np.where(good & ~near, (1.0 - ue**2) * st.inv, 0.0).sum(axis=-1)
    ok &= curv > 0
    t = np.where(ok, (rn - size) / np.where(ok, curv, 1.0), 0.0)
    return st.z + t[:, None] * e, ok


def _offer(
    nxt: _State, st: _State, sel: np.ndarray, cand: _State, rows: _Rows, *, ties: bool = False
) -> _State:
    """``nxt`` with the rows ``sel`` replaced by ``cand`` where that lowers F more (compared
    through :func:`_decrease` from the current states ``st``; ``ties``: also on equality)."""
    cur, good = st.take(sel), rows.good[sel]
    mine = _decrease(cand, cur, good)
    theirs = _decrease(nxt.take(sel), cur, good)
    win = mine <= theirs if ties else mine < theirs
    return nxt.put(sel[win], cand.take(win)) if win.any() else nxt


def _solve(
    xs: np.ndarray, good: np.ndarray, *, tol: float, max_iter: int
) -> GeometricMedianCertificate:
    batch, (m, d) = xs.shape[:-2], xs.shape[-2:]
    flat_g = good.reshape(-1, m)
    flat_x = xs.reshape(-1, m, d)
    all_good = bool(flat_g.all())
    # Instances with entries beyond 2^±300 are divided by a power of two ≥ their largest entry:
    # exact, and no squared distance overflows or underflows (bad rows are zero here).
    amax = np.maximum(flat_x.max(axis=(-2, -1)), -flat_x.min(axis=(-2, -1)))
    extreme = (amax > 2.0**300) | ((amax < 2.0**-300) & (amax > 0))
    scale = np.where(extreme, np.ldexp(1.0, np.frexp(amax)[1]), 1.0)
    y = flat_x / scale[:, None, None] if extreme.any() else flat_x
    count = flat_g.sum(axis=-1)
    total = np.einsum("ni,nij->nj", flat_g.astype(np.float64), y)
    rows = _Rows(y, flat_g, np.maximum(count, 1), total)
    nb = y.shape[0]
    all_rows = rows
    out_z = np.zeros((nb, d))
    out_obj = np.zeros(nb)
    out_gap = np.zeros(nb)
    used = np.zeros(nb, dtype=np.int64)

    idx = np.arange(nb)
    st = _evaluate(rows, total / np.maximum(count, 1)[:, None], all_good)  # from the mean
    # stop when gap + 2nε·F (what rounding may hide, see above) ≤ tol·F
    room = tol - _ROUNDING * count
    prev_gap = np.full(nb, np.inf)
    low_obj, low_gap = st.obj.copy(), st.gap.copy()
    stall = np.zeros(nb, dtype=np.int64)
    for it in range(max_iter + 1):
        # the cheap certificate first; the exact one where it may decide, and when stuck
        short = st.gap > room * st.obj
        sharpen = short & (st.gap <= _SHARPEN * tol * st.obj)
        stuck = final = None
        if it == max_iter or stall.max() >= 2:
            final = stall >= _STALL if it < max_iter else np.ones(idx.size, dtype=bool)
            stuck = short & (final | (stall >= 2))
            sharpen |= stuck
        if sharpen.any():
            sel = np.flatnonzero(sharpen)
            gap = st.gap.copy()
            gap[sel] = _exact_gap(st.take(sel), rows.take(sel))
            if stuck is not None and stuck.any():  # maybe a cluster of near-duplicates at z
                sel = np.flatnonzero(stuck)
                cur, sub = st.take(sel), rows.take(sel)
                gap[sel] = np.minimum(gap[sel], _absorbed_gap(cur, sub))
                smooth = cur.eta == 0
                if smooth.any():
                    part = np.flatnonzero(smooth)
                    gap[sel[part]] = np.minimum(
                        gap[sel[part]], _newton_gap(cur.take(part), sub.take(part))
                    )
            st = st._replace(gap=gap)
            short = gap > room * st.obj
        done = ~short if final is None else ~short | final
        if done.any():
            out_z[idx[done]] = st.z[done]
            out_obj[idx[done]] = st.obj[done]
            out_gap[idx[done]] = st.gap[done] + (_ROUNDING * rows.n_good * st.obj)[done]
            used[idx[done]] = it
            keep = ~done
            if not keep.any():
                break
            idx, rows, st, room = idx[keep], rows.take(keep), st.take(keep), room[keep]
            prev_gap, stall = prev_gap[keep], stall[keep]
            low_obj, low_gap = low_obj[keep], low_gap[keep]
        # The Vardi–Zhang step (a descent step: always accepted) ...
        nxt = _evaluate(rows, _vz_point(st), all_good)
        # ... unless, where the gap shrinks slowly (and every _CHECK steps), a Newton step
        # (where F is smooth at z), an escape from a cluster at z or the nearest data point
        # decreases F more.
        slow = st.gap > _NEWTON_SLOW * prev_gap
        if stall.any():
            slow |= stall > 0
        free = st.eta == 0
        smooth = slow & free
        if smooth.any():
            sel = np.flatnonzero(smooth)
            cur, sub = st.take(sel), rows.take(sel)
            step = _newton_step(cur, sub.good)
            nxt = _offer(nxt, st, sel, _evaluate(sub, cur.z + step, all_good), rows)
        if slow.any():
            sel = np.flatnonzero(slow)
            cur = st.take(sel)
            z_esc, ok = _escape_point(cur, rows.good[sel])
            if ok.any():
                sel, cur, z_esc = sel[ok], cur.take(ok), z_esc[ok]
                sub = rows.take(sel)
                for shrink in (1.0, 0.25, 0.0625):
                    zc = cur.z + shrink * (z_esc - cur.z)
                    nxt = _offer(nxt, st, sel, _evaluate(sub, zc, all_good), rows)
        check = smooth if it % _CHECK != _CHECK - 1 else free
        if check.any():
            sel = np.flatnonzero(check)
            cur = st if sel.size == idx.size else st.take(sel)
            k = np.argmin(cur.dist, axis=-1)
            # the vertex can only win if F(y_k) ≤ F(z_next); 1e-12·F covers rounding
            bar = nxt.obj[sel] - cur.obj + 1e-12 * cur.obj
            test = _vertex_may_win(cur, rows.good[sel], k, bar)
            if test.any():
                sel, k = sel[test], k[test]
                sub = rows.take(sel)
                cand = _evaluate(sub, sub.y[np.arange(sel.size), k], all_good)
                nxt = _offer(nxt, st, sel, cand, rows, ties=True)
        progress = (nxt.obj < low_obj) | (nxt.gap < low_gap)
        stall = np.where(progress, 0, stall + 1)
        low_obj, low_gap = np.minimum(low_obj, nxt.obj), np.minimum(low_gap, nxt.gap)
        prev_gap, st = st.gap, nxt

    # Exact finish: where the good data point nearest to the result satisfies the vertex
    # condition ‖R‖ ≤ η, that point is a median; return it exactly (its certificate is exact),
    # even when the gap was certified at a nearby iterate first.
    near = np.where(
        all_rows.good, np.einsum("nij,nij->ni", y - out_z[:, None], y - out_z[:, None]), np.inf
    ).argmin(axis=-1)
    cand = _evaluate(all_rows, y[np.arange(nb), near], all_good)
    vertex = (cand.eta > 0) & (cand.rnorm <= cand.eta) & all_rows.good.any(axis=-1)
    if vertex.any():
        out_z[vertex] = cand.z[vertex]
        out_obj[vertex] = cand.obj[vertex]
        out_gap[vertex] = (_ROUNDING * all_rows.n_good * cand.obj)[vertex]
    obj = out_obj * scale
    gap = out_gap * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(obj > 0, gap / obj, 0.0)
    return GeometricMedianCertificate(
        z=(out_z * scale[:, None]).reshape((*batch, d)),
        objective=obj.reshape(batch),
        lower_bound=(obj - gap).reshape(batch),
        rel_gap=rel.reshape(batch),
        iterations=used.reshape(batch),
        converged=(rel <= tol).reshape(batch),
    )
