"""The certified geometric median: its objective against an independent reference minimum on the
extremal family of docs/theory.md §6 and on adversarial inputs, the honesty of its certificate,
and what it reports when it is stopped early.

**Why the reference is trustworthy.** For every instance the reference brackets the minimum,
F_lo ≤ min F ≤ F_hi, with code that shares nothing with the solver under test (no dual vectors,
no Weiszfeld step), and the tests require F_hi − F_lo ≤ 1e-12·F_hi before using it. F_hi is
always F at an explicit point; the lower bounds are:

* one dimension: min F is F at a middle order statistic (exact);
* two distinct points with equal multiplicities (the even-m extremal family without spread, where
  the median is a whole segment): min F = (m/2)·‖x_a − x_b‖, attained at either point;
* near a data point x_k (s points there, R_o the sum of the unit vectors from x_k to the others,
  ε = max(0, ‖R_o‖ − s) plus a rounding allowance; ε = 0 is the subgradient condition of a median
  at x_k): the Bregman inequality of the norm, ‖a − δ‖ − ‖a‖ ≥ −⟨â, δ⟩ + ‖P δ‖²/(2(‖a‖ + ‖δ‖))
  (P the projection orthogonal to a), summed over the other points gives
  F(x_k + δ) − F(x_k) ≥ −εt + λt²/(2(1 + t/D)) for t = ‖δ‖, λ = λ_min(Σ_o P_i/d_i), D the
  nearest other point; if λD ≥ 4ε that is ≥ −ε²/λ for all t, so F_lo = F(x_k) − ε²/λ (tight
  even when the median is near, not at, x_k); always F_lo = F(x_k) − ε·max_i ‖x_i − x_k‖
  (convexity; the median lies in the hull);
* a smooth minimiser: Newton's method with backtracking (written here, d×d Hessian), started at
  cvxpy's SOC solution and near the data points that are almost optimal, gives z; with g = ∇F(z),
  λ = λ_min of the Hessian at z and d_min = min_i ‖x_i − z‖, the same inequality at z gives
  0 ≥ F(z*) − F(z) ≥ −‖g‖t + λt²/(2(1 + t/d_min)) for t = ‖z* − z‖, hence
  t ≤ t̄ = 2‖g‖/(λ − 2‖g‖/d_min), and convexity gives F_lo = F(z) − ‖g‖·t̄ (second order in ‖g‖).

λ is reduced by a rounding allowance (1e-13·m·max|H|) and ‖g‖, ε are increased by 4e-14·m; an
instance no bracket covers tightly fails the test (it is reported, not skipped). F is summed with
math.fsum of per-row norms (rounding ≈ 1e-16 relative, far below the 1e-10 tested).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

GM = importlib.import_module("sco.aggregators.geometric_median")
geometric_median = GM.geometric_median
geometric_median_certified = GM.geometric_median_certified

TOL = 1e-10  # the tolerance asked of the solver in the accuracy test
REF_WIDTH = 1e-12  # the reference bracket must be this tight (relative)


def objective(x: np.ndarray, z: np.ndarray) -> float:
    return math.fsum(float(v) for v in np.linalg.norm(x - z, axis=-1))


# ---------------------------------------------------------------------------------------------
# the independent reference


def _rounding(hess: np.ndarray, m: int) -> float:
    """An allowance for the rounding of λ_min of a Hessian summed from m rows."""
    return 1e-13 * m * float(np.abs(hess).max())


def vertex_bracket(x: np.ndarray, k: int) -> tuple[float, float] | None:
    """[F_lo, F_hi] from data point x_k, or None if x_k is not (nearly) the median.

    With s points at x_k, R_o the sum of the unit vectors from x_k to the others and
    ε = max(0, ‖R_o‖ − s) (0: x_k is the median, by the subgradient condition), every t = ‖δ‖
    has F(x_k + δ) − F(x_k) ≥ −εt + Σ_o ‖P_i δ‖²/(2(d_i + t)) ≥ −εt + λt²/(2(1 + t/D)), D the
    nearest other point, λ = λ_min(Σ_o P_i/d_i); if λD ≥ 4ε this is ≥ −ε²/λ for every t (t ≤ D:
    a quadratic; t ≥ D: ≥ t(λD/4 − ε) ≥ 0). Otherwise convexity gives ≥ −ε·max_i ‖x_i − x_k‖
    (the median lies in the hull)."""
    m, d = x.shape
    diff = x - x[k]
    dist = np.linalg.norm(diff, axis=-1)
    same = dist == 0.0
    u = diff[~same] / dist[~same, None]
    pull = float(np.linalg.norm(u.sum(axis=0)))
    if pull > same.sum() + 0.1:
        return None
    eps = max(0.0, pull - float(same.sum())) + 4e-14 * m  # with a rounding allowance
    f_k = objective(x, x[k])
    lower = f_k - eps * float(dist.max())
    hess = ((np.eye(d)[None] - u[:, :, None] * u[:, None, :]) / dist[~same, None, None]).sum(0)
    lam = float(np.linalg.eigvalsh(hess)[0]) - _rounding(hess, m)
    if lam > 0 and lam * float(dist[~same].min()) >= 4 * eps:
        lower = max(lower, f_k - eps * eps / lam)
    return lower, f_k


def near_vertex_start(x: np.ndarray, k: int) -> np.ndarray | None:
    """Where the model −εt + ½(eᵀHe)t² along e = R_o/‖R_o‖ is minimal (a start for Newton
    when the median is near, not at, x_k), or None when x_k is not close to optimal."""
    diff = x - x[k]
    dist = np.linalg.norm(diff, axis=-1)
    same = dist == 0.0
    u = diff[~same] / dist[~same, None]
    pull = u.sum(axis=0)
    eps = float(np.linalg.norm(pull)) - same.sum()
    if not 0.0 < eps < 0.1:
        return None
    e = pull / np.linalg.norm(pull)
    curv = float(((1.0 - (u @ e) ** 2) / dist[~same]).sum())
    return np.asarray(x[k] + min(eps / curv, 0.5 * float(dist[~same].min())) * e)


def newton_bracket(x: np.ndarray, z: np.ndarray) -> tuple[float, float] | None:
    """[F_lo, F_hi] from Newton's method started at z (module docstring), or None."""
    m, d = x.shape
    fz = objective(x, z)
    for _ in range(200):
        diff = z - x
        dist = np.linalg.norm(diff, axis=-1)
        if dist.min() == 0.0:
            return None
        u = diff / dist[:, None]
        g = u.sum(axis=0)
        hess = (np.eye(d)[None] - u[:, :, None] * u[:, None, :]) / dist[:, None, None]
        step = -np.linalg.lstsq(hess.sum(axis=0), g, rcond=None)[0]
        t = 1.0
        while t > 1e-30:
            trial = z + t * step
            ft = objective(x, trial)
            if ft < fz:
                z, fz = trial, ft
                break
            t *= 0.5
        else:
            break
    diff = z - x
    dist = np.linalg.norm(diff, axis=-1)
    if dist.min() == 0.0:
        return None
    u = diff / dist[:, None]
    gn = float(np.linalg.norm(u.sum(axis=0))) + 4e-14 * m  # with a rounding allowance
    hess = ((np.eye(d)[None] - u[:, :, None] * u[:, None, :]) / dist[:, None, None]).sum(axis=0)
    lam = float(np.linalg.eigvalsh(hess)[0]) - _rounding(hess, m)
    room = lam - 2.0 * gn / float(dist.min())
    if room <= 0.0:
        return None
    return fz - gn * 2.0 * gn / room, fz


def cvxpy_start(x: np.ndarray) -> np.ndarray:
    import cvxpy as cp

    # solve on centred, unit-scale data (the solver's tolerances are absolute)
    centre = np.median(x, axis=0)
    scale = float(np.abs(x - centre).max()) or 1.0
    y = (x - centre) / scale
    z = cp.Variable(x.shape[1])
    resid = y - cp.reshape(z, (1, x.shape[1]), order="C")
    cp.Problem(cp.Minimize(cp.sum(cp.norm(resid, 2, axis=1)))).solve(solver=cp.CLARABEL)
    return np.asarray(centre + scale * np.asarray(z.value, dtype=np.float64))


def reference(x: np.ndarray) -> tuple[float, float]:
    """(F_lo, F_hi) with F_lo ≤ min F ≤ F_hi (module docstring): the best of every bracket
    that applies."""
    m, d = x.shape
    if d == 1:
        srt = np.sort(x[:, 0])
        best = objective(x, srt[(m - 1) // 2 : (m - 1) // 2 + 1])
        return best, best
    rows, counts = np.unique(x, axis=0, return_counts=True)
    if rows.shape[0] == 1:
        return 0.0, 0.0
    if rows.shape[0] == 2 and counts[0] == counts[1]:
        best = objective(x, rows[0])
        return best, best
    brackets = [b for k in range(m) if (b := vertex_bracket(x, k)) is not None]
    if not any(hi - lo <= REF_WIDTH * hi for lo, hi in brackets):
        starts = [cvxpy_start(x)] + [
            z for k in range(m) if (z := near_vertex_start(x, k)) is not None
        ]
        for z in starts:
            b = newton_bracket(x, z)
            if b is not None:
                brackets.append(b)
    if not brackets:
        raise AssertionError("the reference could not bracket the minimum")
    return max(lo for lo, _ in brackets), min(hi for _, hi in brackets)


# ---------------------------------------------------------------------------------------------
# instances


def _rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return np.asarray(q * np.sign(np.diag(r)))


def _place(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """A random rotation, a scale in 1e-6..1e6 and an offset of up to 10 scales."""
    d = x.shape[1]
    scale = 10.0 ** rng.uniform(-6, 6)
    offset = scale * rng.uniform(0, 10) * rng.standard_normal(d)
    return np.asarray(offset + scale * (x @ _rotation(rng, d).T))


def extremal(
    rng: np.random.Generator, m: int, f: int, d: int, spread: float, everything: bool = False
) -> np.ndarray:
    """docs/theory.md §6: g honest points and the f Byzantines at 0, h − g at a unit vector;
    ``spread`` > 0 jitters the far cluster (the approach to the even-m supremum, the median
    staying at 0) or, with ``everything``, every point."""
    h, g = m - f, -(-(m - 2 * f) // 2)
    e = rng.standard_normal(d)
    x = np.zeros((m, d))
    x[g:h] = e / np.linalg.norm(e)
    jitter = spread * rng.standard_normal((m, d))
    if not everything:
        jitter[:g] = jitter[h:] = 0.0
    return _place(rng, x + jitter)


def adversarial(rng: np.random.Generator) -> Iterator[tuple[str, np.ndarray]]:
    for _ in range(8):  # duplicate clusters (median at a cluster or not)
        m, d = int(rng.integers(5, 20)), int(rng.integers(2, 8))
        x = rng.standard_normal((m, d))
        k = int(rng.integers(2, m // 2 + 1))
        x[:k] = x[0]
        yield "duplicates", _place(rng, x)
    for m in (3, 4, 5, 8, 9, 12):  # exactly collinear (integers), odd and even m
        d = int(rng.integers(2, 6))
        t = rng.integers(-50, 50, m).astype(float)
        v = rng.integers(-5, 6, d).astype(float)
        v[0] = v[0] or 1.0
        c = rng.integers(-100, 100, d).astype(float)
        yield "collinear", np.ldexp(c + t[:, None] * v, int(rng.integers(-20, 20)))
    for _ in range(8):  # the median is a data point: a weighted centre
        m, d = int(rng.integers(6, 20)), int(rng.integers(2, 8))
        x = rng.standard_normal((m, d)) * rng.uniform(0.5, 3.0, (m, 1))
        x[: m // 3] = 0.0
        yield "median_at_point", _place(rng, x)
    for delta in (1e-2, 1e-4, 1e-6, 1e-8):  # optimum near, not at, a data point
        for _ in range(2):
            d = int(rng.integers(2, 7))
            e, f2 = np.eye(d)[0], np.eye(d)[1]
            cos = (1.0 + delta) / 2.0  # two points at ±θ from e pull with 2cosθ = 1 + δ
            sin = math.sqrt(1.0 - cos * cos)
            pts = [np.zeros(d), rng.uniform(1, 3) * (cos * e + sin * f2)]
            pts.append(rng.uniform(1, 3) * (cos * e - sin * f2))
            for _ in range(int(rng.integers(0, 4))):  # symmetric pairs pull nothing at 0
                w = rng.standard_normal(d)
                pts += [w, -w]
            yield "near_vertex", _place(rng, np.array(pts))
    for _ in range(6):  # near-duplicates: copies one ulp apart
        m, d = int(rng.integers(7, 14)), int(rng.integers(2, 6))
        x = _place(rng, rng.standard_normal((m, d)))
        k = int(rng.integers(3, m // 2 + 2))
        x[1:k] = x[0]
        x[k - 1] = np.nextafter(x[0], np.inf)
        yield "near_duplicates", x
    for _ in range(4):  # a tiny spread far from the origin
        m, d = int(rng.integers(5, 15)), int(rng.integers(2, 6))
        x = 100.0 + 1e-6 * rng.standard_normal((m, d))
        yield "offset", x
    for _ in range(6):  # near-degenerate: nearly collinear, nearly coincident
        m, d = int(rng.integers(4, 12)), int(rng.integers(2, 6))
        t = rng.standard_normal(m)
        v = rng.standard_normal(d)
        x = t[:, None] * v + 10.0 ** rng.uniform(-4, -2) * rng.standard_normal((m, d))
        yield "near_collinear", _place(rng, x)
    for _ in range(60):  # Gaussian rows with far outliers
        m, d = int(rng.integers(3, 30)), int(rng.integers(1, 11))
        x = rng.standard_normal((m, d))
        f = int(rng.integers(0, (m - 1) // 2 + 1))
        if f:
            x[m - f :] = rng.choice([10.0, 1e3]) * rng.standard_normal((f, d)) + 5.0
        yield "gaussian+outliers", _place(rng, x)


def instances() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(20240611)
    cases: list[tuple[str, np.ndarray]] = []
    for m, f in [(5, 1), (7, 2), (9, 2), (11, 3), (17, 4), (6, 1), (8, 2), (10, 3), (16, 4)]:
        for d in (1, 2, 3, 5, 10):
            for spread, every in ((0.0, False), (1e-3, False), (1e-6, False), (1e-3, True)):
                name = f"extremal(m={m}, f={f}, d={d}, spread={spread:g}, all={every})"
                cases.append((name, extremal(rng, m, f, d, spread, every)))
    cases += list(adversarial(rng))
    return cases


CASES = instances()


Solved = list[tuple[str, np.ndarray, tuple[float, float], Any]]


@pytest.fixture(scope="module")
def solved() -> Solved:
    out = []
    for name, x in CASES:
        out.append((name, x, reference(x), geometric_median_certified(x, tol=TOL)))
    return out


# ---------------------------------------------------------------------------------------------


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 150
    kinds = {name.split("(")[0] for name, _ in CASES}
    assert {"extremal", "duplicates", "collinear", "near_vertex", "near_duplicates"} <= kinds


def test_reference_brackets_are_tight(solved: Solved) -> None:
    for name, _, (lo, hi), _ in solved:
        assert hi - lo <= REF_WIDTH * hi, (name, lo, hi)


def test_objective_is_within_1e_10_of_the_reference_minimum(solved: Solved) -> None:
    worst = 0.0
    for name, x, (_, hi), cert in solved:
        assert bool(cert.converged), (name, cert)
        fz = objective(x, cert.z)
        excess = (fz - hi) / hi if hi > 0 else fz
        worst = max(worst, excess)
        assert excess <= 1e-10, (name, excess)
        # the reported objective is F at the returned point
        assert cert.objective == pytest.approx(fz, rel=1e-13, abs=1e-300)
    print(f"worst relative excess over the reference: {worst:.3g}")


def test_certificate_is_honest(solved: Solved) -> None:
    """lower_bound ≤ min F (so rel_gap·F ≥ F(z) − min F), and converged means rel_gap ≤ tol."""
    for name, _, (_, hi), cert in solved:
        slack = 1e-14 * hi
        assert float(cert.lower_bound) <= hi + slack, (name, float(cert.lower_bound), hi)
        gap = float(cert.objective - cert.lower_bound)
        assert gap >= float(cert.objective) - hi - slack, name
        assert float(cert.rel_gap) <= TOL and bool(cert.converged), name
        assert float(cert.rel_gap) == pytest.approx(
            gap / max(float(cert.objective), 1e-300), rel=1e-6, abs=1e-15
        )


def test_medians_at_data_points_are_returned_exactly(solved: Solved) -> None:
    for name, x, _, cert in solved:
        if name.startswith("extremal") and "spread=0," in name and x.shape[0] % 2:
            assert (x == cert.z).all(axis=-1).any(), name  # odd m: the cluster point itself
            # certified by the vertex condition: only the rounding allowance 2·m·ε remains
            assert float(cert.rel_gap) <= 2.0 * x.shape[0] * np.finfo(float).eps, name


def test_batched_certificates_equal_single_calls() -> None:
    rng = np.random.default_rng(1)
    x = np.stack([extremal(rng, 17, 4, 5, s) for s in (0.0, 1e-6, 1e-3, 1e-1)] * 3)
    x = x.reshape(3, 4, 17, 5)
    batch = geometric_median_certified(x, tol=1e-10)
    assert batch.z.shape == (3, 4, 5) and batch.iterations.shape == (3, 4)
    for idx in np.ndindex(3, 4):
        one = geometric_median_certified(x[idx], tol=1e-10)
        assert np.array_equal(one.z, batch.z[idx])
        assert one.rel_gap == batch.rel_gap[idx] and one.iterations == batch.iterations[idx]
    assert batch.converged.all()


def test_early_stop_is_reported_not_converged() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((25, 6))
    x[-5:] += 30.0
    _, hi = reference(x)
    cert = geometric_median_certified(x, tol=1e-8, max_iter=3)
    assert int(cert.iterations) == 3
    assert not bool(cert.converged) and float(cert.rel_gap) > 1e-8
    assert float(cert.lower_bound) <= hi  # still a valid bound
    assert objective(x, cert.z) - hi > 0.0  # and it really is not optimal
    # the aggregator returns that last iterate with a warning, and does not raise
    with pytest.warns(RuntimeWarning, match="not certified"):
        z = geometric_median(x, tol=1e-8, max_iter=3)
    np.testing.assert_array_equal(z, cert.z)
    full = geometric_median_certified(x, tol=1e-8)
    assert bool(full.converged) and int(full.iterations) > 3


def test_bad_rows_are_excluded() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 4))
    y = np.concatenate([x, np.full((1, 4), np.nan), np.full((1, 4), 1e300)])
    a, b = geometric_median_certified(x), geometric_median_certified(y)
    np.testing.assert_allclose(b.z, a.z, rtol=1e-12, atol=1e-12)
    assert b.objective == pytest.approx(float(a.objective), rel=1e-12) and bool(b.converged)


def test_degenerate_inputs() -> None:
    x = np.tile([1.5, -2.0, 3.0], (6, 1))  # all rows equal: F = 0
    cert = geometric_median_certified(x)
    np.testing.assert_array_equal(cert.z, x[0])
    assert cert.objective == 0.0 and cert.rel_gap == 0.0 and bool(cert.converged)
    one = geometric_median_certified(np.array([[2.0, 7.0]]))
    np.testing.assert_array_equal(one.z, [2.0, 7.0])
    nothing = geometric_median_certified(np.full((3, 2), np.nan))  # no good row: z = 0
    np.testing.assert_array_equal(nothing.z, [0.0, 0.0])


def test_power_of_two_scaling_is_exact() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 13, 6))
    a = geometric_median_certified(x)
    b = geometric_median_certified(x * 2.0**-40)
    np.testing.assert_array_equal(b.z, a.z * 2.0**-40)
    np.testing.assert_array_equal(b.iterations, a.iterations)


def test_default_tolerance_is_accurate_and_spec_strings_still_work() -> None:
    from sco import aggregators as A

    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 15, 4))
    x[:, -3:] *= 50.0
    for spec in ("gm", "gm(tol=1e-5)", "gm(tol=1e-12, max_iter=50)"):
        z = A.make(spec)(x, f=3)
        tol = float(spec.split("tol=")[1].split(",")[0].rstrip(")")) if "tol" in spec else 1e-8
        for k in range(8):
            _, hi = reference(x[k])
            assert objective(x[k], z[k]) <= hi * (1 + tol), spec


def test_every_certificate_is_a_valid_bound_at_any_point(solved: Solved) -> None:
    """The solver only ever reports gaps from these constructions, so each must bound
    F(z) − min F at *every* z, not only near the median: random points at several distances
    from the median, the data points themselves (points at z: the absorption by v) and points
    one step of 1e-9 away from them (near-duplicates of z)."""
    rng = np.random.default_rng(6)
    checked = 0
    for name, x, (_, hi), cert in solved[::3]:
        m, d = x.shape
        spread = float(np.abs(x - cert.z).max()) or 1.0
        zs = [cert.z + spread * r * rng.standard_normal(d) for r in (1e-6, 1e-3, 0.1, 1.0, 10.0)]
        zs += [x[k] for k in rng.choice(m, min(m, 3), replace=False)]
        zs += [x[k] + 1e-9 * spread * rng.standard_normal(d) for k in range(min(m, 2))]
        z = np.array(zs)
        y = np.broadcast_to(x, (len(zs), m, d))
        good = np.ones((len(zs), m), dtype=bool)
        rows = GM._Rows(y, good, good.sum(axis=-1), y.sum(axis=-2))
        st = GM._evaluate(rows, z, True)
        excess = np.array([objective(x, zi) for zi in zs]) - hi
        slack = 1e-13 * hi + 1e-300
        gaps = {
            "cheap": st.gap,
            "exact": GM._exact_gap(st, rows),
            "absorbed": GM._absorbed_gap(st, rows),
        }
        smooth = np.flatnonzero(st.eta == 0)
        newton = np.full(len(zs), np.inf)
        newton[smooth] = GM._newton_gap(st.take(smooth), rows.take(smooth))
        gaps["newton"] = newton
        for kind, gap in gaps.items():
            assert np.all(gap >= excess - slack), (name, kind, gap, excess)
        checked += len(zs)
    assert checked > 500


@pytest.mark.parametrize(
    ("m", "f", "d"), [(27, 1, 8), (5, 2, 3), (41, 20, 2), (9, 3, 1), (16, 7, 5)]
)
def test_a_median_at_a_data_point_is_returned_exactly_even_if_certified_nearby(
    m: int, f: int, d: int
) -> None:
    """The lower-bound construction of docs/theory.md §2 (m − f zeros, f copies of a): the median
    is the data point 0 (multiplicity m − f > f ≥ ‖Σ u_i‖), so GM must return 0 exactly; a
    certificate reached at a nearby iterate first (relative gap ≤ tol) is not enough. Found by
    claim K2 at m = 27, f = 1, d = 8, where the ratio came out 0.03999999974 instead of 1/25."""
    from sco.robustness import lower_bound_instance

    rng = np.random.default_rng([m, f, d])
    a = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 3)
    x = lower_bound_instance(m, f, a)
    z = geometric_median(x, f=f)
    assert np.array_equal(z, np.zeros(d))
    cert = geometric_median_certified(x)
    assert cert.converged and np.array_equal(cert.z, np.zeros(d))
