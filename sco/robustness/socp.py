r"""κ* of coordinate-wise rules by enumerating order patterns (docs/theory.md §6).

A rule that applies one 1-D rule to every coordinate has its κ* attained in d = 1
(Σ_k a_k / Σ_k b_k ≤ max_k a_k / b_k, and a 1-D instance embeds in any d). In one dimension sort
the m values, z_1 ≤ … ≤ z_m, and call a *pattern* the set B of ranks held by the f Byzantine
workers (C(m, f) patterns; the single pattern B = ∅ for the no-attack accuracy ε*). Write H for
the honest ranks, h = #H and V_H(z) = (1/h) Σ_{k∈H} (z_k − z̄_H)².

**L-statistics** (CWTM, CWMed, the mean, ...): A(z) = Σ_k w_k z_k with weights w that do not
depend on the pattern. The weights are identified by evaluating the rule at random sorted
points (rows shuffled, so a rule that looks at worker indices fails) and *verified* on further
random points; a rule that is not linear on the order cell is refused. With c = w − 1_H / h,
per pattern and sign σ = ±1

    max σ cᵀz   subject to   z_1 ≤ … ≤ z_m,   V_H(z) ≤ 1,

is a second-order cone program whose squared optimum is the pattern's worst ratio; κ* is the
largest over patterns and signs. It is solved exactly:

* Σ_k w_k ≠ 1 means A is not translation equivariant and κ* = ∞.
* In the gaps t_j = z_{j+1} − z_j ≥ 0 the objective is Σ_j g_j t_j with g_j = Σ_{k>j} σ c_k.
  Gaps below the lowest or above the highest honest rank leave V_H unchanged: a positive
  coefficient there makes the program unbounded (κ* = ∞), otherwise they are 0 at the optimum.
  The gaps inside one honest gap s_i = y_{i+1} − y_i (i = 1..h−1) share s_i freely, so only the
  largest coefficient G_i of that block matters: the program becomes
  max Gᵀs s.t. s ≥ 0, ‖R s‖ ≤ 1 with R (h × (h−1)) mapping honest gaps to centred honest
  values over √h; R has full column rank.
* Writing G = Rᵀb, Gᵀs = ⟨b, Rs⟩ and the optimum is ‖Π_C(b)‖, the norm of the projection of b
  onto the polyhedral cone C = R(ℝ₊^{h−1}); the projection is a non-negative least squares
  problem, solved by the Lawson–Hanson active-set method (each step an exact least-squares
  solve on the passive set, so the optimum comes out polished), and the KKT residual gives a
  certified upper bound: with r = b − Rs, Gᵀs' ≤ ‖Rs‖ + √(2h)·max_j (Rᵀr)_j⁺ for every feasible
  s' (the honest range is at most √(2h V_H)).

**Meamed** (mean around the median: the m − f values nearest to the median, kept as a window of
m − f consecutive sorted values starting at w ∈ {0..f}) is not an L-statistic on order cells, but
it is linear on each refined cell (pattern, w) cut by the window conditions
med − z_{w−1} ≥ z_{w+h−1} − med and z_{w+h} − med ≥ med − z_w (h = m − f here). Each cell is a
small SOCP solved with Clarabel (reflection z → −z maps (B, w, +) to (B', f − w, −), so one sign
suffices); the best cell is polished on its active set (an equality-constrained problem solved
by linear algebra) and the upper bound is the largest Clarabel dual objective. The rule is
discontinuous where the window switches, so the worst case can be a supremum approached from
inside the cell.

The instance (lower bound) is always evaluated by the implemented rule.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable
from fractions import Fraction

import numpy as np

from ..aggregators import Aggregator
from .result import KappaStar
from .search import ratio

METHOD = "SOCP enumeration"
#: Largest number of order patterns C(m, f) enumerated for an L-statistic.
MAX_LSTAT_PATTERNS = 200_000
#: Largest number of refined cells C(m, f)·(f + 1) solved for meamed.
MAX_WINDOW_CELLS = 30_000
_LIN_TOL = 1e-9  # relative residual allowed when identifying and verifying L-statistic weights
_SIGN_TOL = 1e-10  # a gap coefficient above this counts as positive


# ----------------------------------------------------------------------------- identification


def _probe_points(m: int, n: int, seed: int = 12345) -> np.ndarray:
    """``[n, m]`` sorted points with distinct values of varied structure: exponential gaps at
    several scales, clustered gaps (tiny and large), random offsets."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0, (n, m))
    kind = np.arange(n) % 3
    clustered = np.where(rng.random((n, m)) < 0.5, 1e-2, 1e2) * (0.5 + rng.random((n, m)))
    gaps = np.where((kind == 1)[:, None], clustered, gaps)
    gaps = np.where(
        (kind == 2)[:, None], gaps * np.geomspace(1.0, 50.0, m)[rng.permutation(m)], gaps
    )
    z = np.cumsum(gaps, axis=1) * rng.choice([0.1, 1.0, 10.0], size=(n, 1))
    return z + rng.standard_normal((n, 1)) * 5.0


def _evaluate(agg: Aggregator, z: np.ndarray, f: int, seed: int = 7) -> np.ndarray | None:
    """The rule on ``z[n, m]`` (sorted) with the rows of each point shuffled; None on error."""
    rng = np.random.default_rng(seed)
    x = rng.permuted(z, axis=1)[..., None]
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(agg(x, f=f), dtype=np.float64)
    except Exception:  # a rule that cannot run here is simply not handled
        return None
    if out.shape != (z.shape[0], 1) or not np.all(np.isfinite(out)):
        return None
    return out[:, 0]


def _snap(w: np.ndarray, m: int) -> np.ndarray:
    """Round weights that are within 1e-11 of a fraction with a small denominator."""
    out = w.copy()
    for k, v in enumerate(w):
        fr = Fraction(float(v)).limit_denominator(8 * m * m + 8)
        if abs(float(fr) - v) <= 1e-11:
            out[k] = float(fr)
    return out


def lstat_weights(agg: Aggregator, m: int, f: int) -> np.ndarray | None:
    """The weights w of ``agg`` as an L-statistic in 1-D (A(z) = Σ_k w_k z_(k)), identified on
    random sorted points with shuffled rows and verified on as many again; None when the rule
    is not linear on the order cell (or is not symmetric in the workers)."""
    z = _probe_points(m, 4 * m + 16)
    out = _evaluate(agg, z, f)
    if out is None:
        return None
    k = m + 4
    w, *_ = np.linalg.lstsq(z[:k], out[:k], rcond=None)
    w = _snap(w, m)
    scale = 1.0 + np.max(np.abs(z), axis=1)
    if np.max(np.abs(z @ w - out) / scale) > _LIN_TOL:
        return None
    return np.asarray(w)


def median_weights(m: int) -> np.ndarray:
    """The median of m sorted values as weights (midpoint of the two middle values, m even)."""
    w = np.zeros(m)
    w[(m - 1) // 2] += 0.5
    w[m // 2] += 0.5
    return w


def meamed_reference(z: np.ndarray, f: int) -> np.ndarray:
    """Meamed on rows of distinct values ``z[n, m]``: the mean of the m − f values nearest to
    the median (used only to recognise the rule on tie-free points)."""
    s = np.sort(z, axis=-1)
    med = s @ median_weights(s.shape[-1])
    near = np.argsort(np.abs(s - med[:, None]), axis=-1, kind="stable")[:, : s.shape[-1] - f]
    return np.take_along_axis(s, near, axis=-1).mean(axis=-1)


def _is_meamed(agg: Aggregator, m: int, f: int) -> bool:
    z = _probe_points(m, 6 * m + 16, seed=999)
    out = _evaluate(agg, z, f)
    if out is None:
        return False
    scale = 1.0 + np.max(np.abs(z), axis=1)
    return bool(np.max(np.abs(meamed_reference(z, f) - out) / scale) <= _LIN_TOL)


def _kind(agg: Aggregator, m: int, f: int) -> tuple[str, np.ndarray | None]:
    if not agg.coordinatewise or agg.randomized:
        return "none", None
    w = lstat_weights(agg, m, f)
    if w is not None:
        return "lstat", w
    if _is_meamed(agg, m, f):
        return "meamed", None
    return "none", None


def applies(agg: Aggregator, m: int, f: int) -> bool:
    """True when ``agg`` is declared coordinate-wise and is, numerically verified, either an
    L-statistic on order cells (C(m, f) ≤ :data:`MAX_LSTAT_PATTERNS`) or meamed
    (C(m, f)·(f + 1) ≤ :data:`MAX_WINDOW_CELLS`)."""
    if not (isinstance(m, int) and isinstance(f, int) and m >= 1 and 0 <= f < m / 2):
        return False
    kind, _ = _kind(agg, m, f)
    if kind == "lstat":
        return math.comb(m, f) <= MAX_LSTAT_PATTERNS
    if kind == "meamed":
        return math.comb(m, f) * (f + 1) <= MAX_WINDOW_CELLS
    return False


# ----------------------------------------------------------------------------- shared pieces


def _patterns(m: int, f: int, no_attack: bool) -> Iterable[tuple[int, ...]]:
    return [()] if no_attack else itertools.combinations(range(m), f)


def _rows(z: np.ndarray, byz: tuple[int, ...]) -> np.ndarray:
    """Instance ``[m, 1]`` from sorted values: honest ranks first (in order), then Byzantine."""
    honest = np.ones(z.size, dtype=bool)
    honest[list(byz)] = False
    return np.concatenate([z[honest], z[~honest]])[:, None]


def _lower(agg: Aggregator, x: np.ndarray, f: int, h: int) -> float:
    with np.errstate(all="ignore"):
        return float(ratio(agg(x, f=f), x, np.arange(h)))


def _trivial(agg: Aggregator, m: int, f: int, no_attack: bool, t0: float) -> KappaStar:
    """h = 1: V_S = 0 for every input, the supremum runs over an empty set (0 by convention)."""
    x = np.zeros((m, 1))
    return KappaStar(
        agg.spec, m, f, no_attack, 0.0, _lower(agg, x, f, 1), 0.0, x,
        "|S| = 1: V_S = 0 for every input (empty supremum, 0 by convention)", METHOD,
        details={"seconds": time.perf_counter() - t0},
    )  # fmt: skip


# ----------------------------------------------------------------------------- L-statistics


def _gap_matrix(h: int) -> np.ndarray:
    """R (h × (h−1)): honest gaps s ↦ centred honest values / √h, so V_H = ‖R s‖²."""
    low = np.tril(np.ones((h, h - 1)), -1)
    return np.asarray((low - low.mean(axis=0)) / math.sqrt(h))


def _nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin_{s ≥ 0} ‖a s − b‖ by the Lawson–Hanson active-set method; every iterate on the
    passive set is an exact least-squares solve, so the result is the polished solution."""
    n = a.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    tol = 1e-13 * (1.0 + float(np.linalg.norm(a)) * float(np.linalg.norm(b)))
    grad = a.T @ b
    for _ in range(4 * n + 8):
        free = ~passive
        if not free.any() or float(np.max(np.where(free, grad, -np.inf))) <= tol:
            break
        passive[int(np.argmax(np.where(free, grad, -np.inf)))] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if np.all(z[passive] > 0):
                x = z
                break
            neg = passive & (z <= 0)
            alpha = float(np.min(x[neg] / (x[neg] - z[neg])))
            x = x + alpha * (z - x)
            passive &= x > 1e-15 * (1.0 + float(np.max(np.abs(x))))
            x[~passive] = 0.0
            if not passive.any():
                break
        grad = a.T @ (b - a @ x)
    return x


def _solve_pattern(
    rmat: np.ndarray, rpinv_t: np.ndarray, gvec: np.ndarray, h: int
) -> tuple[float, float, np.ndarray]:
    """max Gᵀs s.t. s ≥ 0, ‖R s‖ ≤ 1: (objective at the returned maximiser, certified upper
    bound, maximiser with ‖R s‖ = 1).

    With b = R⁺ᵀG (so Rᵀb = G) and s the projection coefficients of b onto the cone R(ℝ₊),
    r = b − Rs: for every feasible s', Gᵀs' = ⟨Rs, Rs'⟩ + ⟨Rᵀr, s'⟩ ≤ ‖Rs‖ + Σ_j s'_j (Rᵀr)_j⁺
    ≤ ‖Rs‖ + √(2h)·max_j (Rᵀr)_j⁺, since Σ_j s'_j is the honest range ≤ √(2h V_H)."""
    b = rpinv_t @ gvec
    s = _nnls(rmat, b)
    v = rmat @ s
    norm = float(np.linalg.norm(v))
    viol = float(max(0.0, np.max(rmat.T @ (b - v)))) if s.size else 0.0
    upper = norm + math.sqrt(2 * h) * viol
    if norm <= 0:
        return 0.0, upper, s
    return max(0.0, float(gvec @ s) / norm), upper, s / norm


def _lstat_enumeration(
    agg: Aggregator, w: np.ndarray, m: int, f: int, no_attack: bool, t0: float
) -> KappaStar:
    h = m if no_attack else m - f
    if h < 2:
        return _trivial(agg, m, f, no_attack, t0)
    if abs(float(w.sum()) - 1.0) > 1e-9:
        z = np.zeros(m)
        z[-1] = 1.0  # V_S > 0; the common shift 1e6 then shows the bias
        x = _rows(z, ()) + 1e6
        return KappaStar(
            agg.spec, m, f, no_attack, math.inf, _lower(agg, x, f, h), math.inf, x,
            f"Σ weights = {w.sum():.12g} ≠ 1: not translation equivariant, unbounded", METHOD,
            details={"weights": w.tolist(), "seconds": time.perf_counter() - t0},
        )  # fmt: skip
    rmat = _gap_matrix(h)
    rpinv_t = np.linalg.pinv(rmat.T)
    # (val, upper, byz, sign, s, gs) of the best pattern so far
    best: tuple[float, float, tuple[int, ...], int, np.ndarray, np.ndarray]
    best = (-1.0, 0.0, (), 1, np.zeros(0), np.zeros(0))
    upper2 = 0.0
    count = 0
    unbounded: tuple[tuple[int, ...], np.ndarray, int] | None = None
    for byz in _patterns(m, f, no_attack):
        honest = np.ones(m, dtype=bool)
        honest[list(byz)] = False
        c = w - honest / h
        g = np.cumsum(c[::-1])[::-1][1:]  # g_j = Σ_{k>j} c_k
        ranks = np.flatnonzero(honest)
        for sign in (1, -1):
            count += 1
            gs = sign * g
            outer = np.concatenate([gs[: ranks[0]], gs[ranks[-1] :]])
            if outer.size and outer.max() > _SIGN_TOL:
                out_idx = np.r_[np.arange(ranks[0]), np.arange(ranks[-1], m - 1)]
                unbounded = (byz, gs, int(out_idx[np.argmax(outer)]))
                break
            gvec = np.maximum.reduceat(gs[: ranks[-1]], ranks[:-1])
            val, up, s = _solve_pattern(rmat, rpinv_t, gvec, h)
            upper2 = max(upper2, up * up)
            if val > best[0]:
                best = (val, up, byz, sign, s, gs)
        if unbounded is not None:
            break
    details: dict[str, object] = {
        "kind": "L-statistic",
        "weights": w.tolist(),
        "programs": count,
        "patterns": math.comb(m, f) if not no_attack else 1,
    }
    if unbounded is not None:
        byz, gs, j = unbounded
        honest = np.ones(m, dtype=bool)
        honest[list(byz)] = False
        ranks = np.flatnonzero(honest)
        t = np.zeros(m - 1)
        t[ranks[0]] = 1.0  # some honest spread, so V_S > 0
        t[j] = 1e6  # the unbounded direction
        x = _rows(np.concatenate([[0.0], np.cumsum(t)]), byz)
        details.update(worst_pattern=list(byz), seconds=time.perf_counter() - t0)
        return KappaStar(
            agg.spec, m, f, no_attack, math.inf, _lower(agg, x, f, h), math.inf, x,
            f"unbounded: gap {j} outside the honest range has a positive coefficient", METHOD,
            details=details,
        )  # fmt: skip
    val, _, byz, sign, s, gs = best
    honest = np.ones(m, dtype=bool)
    honest[list(byz)] = False
    ranks = np.flatnonzero(honest)
    t = np.zeros(m - 1)
    for i in range(h - 1):  # each honest gap goes to the block's best rank gap
        t[ranks[i] + int(np.argmax(gs[ranks[i] : ranks[i + 1]]))] = s[i]
    z = np.concatenate([[0.0], np.cumsum(t)])
    z -= z[honest].mean()
    if not np.any(z[honest] != 0):  # value 0: any instance with V_S > 0
        z = np.where(honest, 0.0, 0.0)
        z[ranks[-1]] = 1.0
    x = _rows(z, byz)
    value = val * val
    details.update(worst_pattern=list(byz), sign=sign, seconds=time.perf_counter() - t0)
    return KappaStar(
        agg.spec, m, f, no_attack, value, _lower(agg, x, f, h), max(upper2, value), x,
        f"NNLS cone projection over {count} pattern×sign programs, KKT-certified", METHOD,
        details=details,
    )  # fmt: skip


# ----------------------------------------------------------------------------- meamed


def _window_rows(m: int, keep: int, w: int) -> list[np.ndarray]:
    """The linear conditions (rows a with aᵀz ≥ 0) selecting window w of ``keep`` values."""
    mu2 = 2 * median_weights(m)
    e = np.eye(m)
    rows = []
    if w >= 1:  # med − z_{w−1} ≥ z_{w+keep−1} − med
        rows.append(mu2 - e[w - 1] - e[w + keep - 1])
    if w + keep <= m - 1:  # z_{w+keep} − med ≥ med − z_w
        rows.append(e[w + keep] + e[w] - mu2)
    return rows


def _polish(
    c: np.ndarray, alin: np.ndarray, honest: np.ndarray, z: np.ndarray
) -> np.ndarray | None:
    """Exact maximiser of cᵀz on the face of the active constraints at ``z`` (with Σ_H z = 0 and
    V_H ≤ 1), or None when it leaves the cell."""
    h = int(honest.sum())
    slack = alin @ z
    active = slack <= 1e-6 * (1.0 + np.abs(z).max())
    eq = np.vstack([alin[active], honest[None, :].astype(float)])
    _, sv, vt = np.linalg.svd(eq)
    rank = int(np.sum(sv > 1e-10 * sv.max()))
    basis = vt[rank:].T  # null space of the active constraints
    if basis.shape[1] == 0:
        return None
    qn = basis[honest].T @ basis[honest] / h
    cn = basis.T @ c
    u = np.linalg.pinv(qn) @ cn
    val2 = float(cn @ u)
    if not val2 > 0 or np.linalg.norm(qn @ u - cn) > 1e-9 * (1 + np.linalg.norm(cn)):
        return None
    zz = basis @ (u / math.sqrt(val2))
    if np.min(alin @ zz) < -1e-10:
        return None
    return np.asarray(zz)


def _interior(alin: np.ndarray, honest: np.ndarray) -> np.ndarray | None:
    """A point of the cell with every constraint strictly positive (Chebyshev-style LP)."""
    from scipy.optimize import linprog

    m = alin.shape[1]
    norms = np.linalg.norm(alin, axis=1)
    # variables (z, τ): maximise τ s.t. alin z ≥ τ‖a‖, Σ_H z = 0, |z| ≤ 1
    a_ub = np.hstack([-alin, norms[:, None]])
    res = linprog(
        np.r_[np.zeros(m), -1.0],
        A_ub=a_ub,
        b_ub=np.zeros(len(alin)),
        A_eq=np.r_[honest.astype(float), 0.0][None, :],
        b_eq=[0.0],
        bounds=[(-1, 1)] * m + [(None, 1)],
    )
    if res.status != 0 or -res.fun <= 1e-9:
        return None
    return np.asarray(res.x[:m])


def _meamed_enumeration(agg: Aggregator, m: int, f: int, no_attack: bool, t0: float) -> KappaStar:
    import clarabel  # type: ignore[import-untyped]
    from scipy import sparse

    h = m if no_attack else m - f
    if h < 2:
        return _trivial(agg, m, f, no_attack, t0)
    keep = m - f
    diff = np.diff(np.eye(m), axis=0)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-10
    settings.tol_feas = 1e-10
    pmat = sparse.csc_matrix((m, m))
    best: tuple[float, tuple[int, ...], int, np.ndarray, np.ndarray, np.ndarray] | None = None
    upper = 0.0
    count = 0
    unbounded: tuple[tuple[int, ...], int] | None = None
    for byz in _patterns(m, f, no_attack):
        honest = np.ones(m, dtype=bool)
        honest[list(byz)] = False
        hidx = np.flatnonzero(honest)
        soc = np.zeros((h + 1, m))
        soc[np.arange(1, h + 1), hidx] = -1.0 / math.sqrt(h)
        for w in range(f + 1):
            count += 1
            alin = np.vstack([diff, *_window_rows(m, keep, w)])
            c = -honest.astype(float) / h
            c[w : w + keep] += 1.0 / keep
            amat = sparse.csc_matrix(np.vstack([honest[None, :].astype(float), -alin, soc]))
            bvec = np.zeros(amat.shape[0])
            bvec[1 + len(alin)] = 1.0
            cones = [
                clarabel.ZeroConeT(1),
                clarabel.NonnegativeConeT(len(alin)),
                clarabel.SecondOrderConeT(h + 1),
            ]
            sol = clarabel.DefaultSolver(pmat, -c, amat, bvec, cones, settings).solve()
            status = str(sol.status)
            if "DualInfeasible" in status:
                unbounded = (byz, w)
                break
            if "Solved" not in status:
                raise RuntimeError(f"Clarabel: {status} on pattern {byz}, window {w}")
            val = max(0.0, -float(sol.obj_val))
            upper = max(upper, max(0.0, -float(sol.obj_val_dual), val) ** 2)
            if best is None or val > best[0]:
                best = (val, byz, w, np.asarray(sol.x), c, alin)
        if unbounded is not None:
            break
    details: dict[str, object] = {"kind": "meamed windows", "programs": count}
    if unbounded is not None:
        raise RuntimeError(f"meamed unexpectedly unbounded on pattern {unbounded}")
    assert best is not None
    val, byz, w, z, c, alin = best
    honest = np.ones(m, dtype=bool)
    honest[list(byz)] = False
    polished = _polish(c, alin, honest, z) if val > 0 else None
    if polished is not None and abs(float(c @ polished) - val) <= 1e-6 * (1 + val):
        z, val = polished, float(c @ polished)
        details["polished"] = True
    value = val * val
    x = _rows(z, byz)
    lower = _lower(agg, x, f, h)
    # at a tie of the window conditions the rule jumps: the value is approached from inside
    window_slack = alin[m - 1 :] @ z
    supremum = bool(np.any(window_slack <= 1e-9 * (1.0 + float(np.max(np.abs(z))))))
    if value > 0 and lower < value * (1 - 1e-9):  # approach the supremum from inside the cell
        inner = _interior(alin, honest)
        if inner is not None:
            for delta in 10.0 ** -np.arange(3, 9):
                xx = _rows(z + delta * inner, byz)
                got = _lower(agg, xx, f, h)
                if got > lower and got <= value * (1 + 1e-9):
                    x, lower = xx, got
        supremum = True
    details.update(worst_pattern=list(byz), window=w, seconds=time.perf_counter() - t0)
    return KappaStar(
        agg.spec, m, f, no_attack, value, lower, max(upper, value), x,
        f"Clarabel over {count} (pattern, window) cells; upper = largest dual objective", METHOD,
        supremum=supremum, details=details,
    )  # fmt: skip


# ----------------------------------------------------------------------------- entry point


def socp_enumeration(agg: Aggregator, m: int, f: int, *, no_attack: bool = False) -> KappaStar:
    """κ*(agg; m, f) (ε* with ``no_attack``) of a coordinate-wise rule by enumerating the order
    patterns of its 1-D reduction and solving one SOCP per pattern (see the module docstring;
    docs/theory.md §6).

    Raises
    ------
    ValueError
        When ``agg`` is not declared coordinate-wise, or is neither a verified L-statistic on
        order cells nor meamed.
    """
    t0 = time.perf_counter()
    if not agg.coordinatewise:
        raise ValueError(f"{agg.spec} is not declared coordinate-wise; no SOCP enumeration")
    kind, w = _kind(agg, m, f)
    if kind == "lstat":
        assert w is not None
        return _lstat_enumeration(agg, w, m, f, no_attack, t0)
    if kind == "meamed":
        return _meamed_enumeration(agg, m, f, no_attack, t0)
    raise ValueError(
        f"{agg.spec} (m={m}, f={f}) is not an L-statistic on order cells: a linear fit of its 1-D "
        "output on sorted values fails at random interior points (or the rule depends on worker "
        "order), and it is not meamed; no SOCP enumeration"
    )
