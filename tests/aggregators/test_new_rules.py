"""MeaMed, MDA, static clipping, ARC, Bulyan and the MoNNA preset (docs/theory.md §2, "Further
rules"): each against a brute force written from its definition in exact arithmetic, with a
planted bug that the same brute force tells apart; conformance, registration and specs."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

import problems
import sco
import sco.presets
from sco import aggregators as A
from sco.aggregators.bulyan import bulyan, bulyan_order
from sco.aggregators.clipping import arc, arc_k, arc_threshold, clip, clip_rows
from sco.aggregators.mda import MAX_SUBSETS, mda, mda_selection
from sco.aggregators.meamed import meamed
from sco.aggregators.registry import REGISTRY
from sco.testing import check_aggregator
from verify.cli import main

Q = Fraction


def _ints(seed: int, shape: tuple[int, ...], lo: int = -3, hi: int = 3) -> np.ndarray:
    """Small integers: every sum, square and distance is exact in float64; many exact ties."""
    return np.random.default_rng(seed).integers(lo, hi + 1, shape).astype(np.float64)


def _sqdist(a: np.ndarray, b: np.ndarray) -> Fraction:
    return sum(((Q(float(u)) - Q(float(v))) ** 2 for u, v in zip(a, b, strict=True)), Q(0))


def _f64(values: list[Fraction]) -> np.ndarray:
    return np.array([float(v) for v in values])


# ---------------------------------------------------------------------------------------------
# Brute-force references (exact Fractions), each with the mutations the planted-bug tests use
# ---------------------------------------------------------------------------------------------


def _nearest_mean_1d(col: list[Fraction], k: int, *, ties_high: bool = False) -> float:
    """Mean of the k values nearest the median (midpoint for even n), ties: lower index first
    (the mutation ``ties_high`` keeps the higher index first). The selection is exact; the kept
    values are added in ascending order in float64 from +0.0 and divided by k (the stated
    arithmetic; on small integers this is the exact mean, correctly rounded)."""
    n = len(col)
    s = sorted(col)
    med = (s[(n - 1) // 2] + s[n // 2]) / 2
    sign = -1 if ties_high else 1
    order = sorted(range(n), key=lambda i: (abs(col[i] - med), sign * i))
    total = 0.0
    for v in sorted(col[i] for i in order[:k]):
        total += float(v)
    return total / k


def ref_meamed(x: np.ndarray, f: int, mutation: str = "") -> np.ndarray:
    m, d = x.shape
    k = m - f + (1 if mutation == "keep_one_more" else 0)
    cols = [[Q(float(v)) for v in x[:, j]] for j in range(d)]
    return np.array([_nearest_mean_1d(c, k, ties_high=mutation == "ties_high") for c in cols])


def ref_mda_set(x: np.ndarray, f: int, mutation: str = "") -> tuple[int, ...]:
    m = x.shape[0]
    size = m - f + (1 if mutation == "keep_one_more" else 0)
    best: tuple[Fraction, tuple[int, ...]] | None = None
    for subset in itertools.combinations(range(m), size):  # lexicographic order
        diam = max(
            (_sqdist(x[i], x[j]) for i, j in itertools.combinations(subset, 2)), default=Q(0)
        )
        better = best is None or diam < best[0] or (mutation == "lex_last" and diam == best[0])
        if better:
            best = (diam, subset)
    assert best is not None
    return best[1]


def ref_mda(x: np.ndarray, f: int, mutation: str = "") -> np.ndarray:
    kept = ref_mda_set(x, f, mutation)
    return _f64(
        [sum((Q(float(x[i, j])) for i in kept), Q(0)) / len(kept) for j in range(x.shape[1])]
    )


def ref_clip_rows(x: np.ndarray, tau_sq: Fraction, mutation: str = "") -> np.ndarray:
    """x_i · min(1, τ/‖x_i‖), the comparison ‖x_i‖² > τ² exact; ``normalise`` rescales every
    nonzero row to norm τ (also scaling small rows up)."""
    out = x.copy()
    for i, row in enumerate(x):
        sq = _sqdist(row, np.zeros_like(row))
        if sq > tau_sq or (mutation == "normalise" and sq > 0):
            out[i] = row * (math.sqrt(tau_sq) / math.sqrt(sq))
    return out


def ref_arc_rows(x: np.ndarray, f: int, mutation: str = "") -> np.ndarray:
    m = x.shape[0]
    k = math.floor(Q(2 * f, m) * (m - f)) + (1 if mutation == "k_plus_one" else 0)
    sq = sorted((_sqdist(row, np.zeros_like(row)) for row in x), reverse=True)
    return ref_clip_rows(x, sq[min(k, m - 1)])  # the (k + 1)-th largest norm


def ref_bulyan(x: np.ndarray, f: int, mutation: str = "") -> np.ndarray:
    m, d = x.shape
    theta = m - 2 * f - (1 if mutation == "select_one_less" else 0)
    remaining = list(range(m))
    picked: list[int] = []
    for _ in range(theta):
        n = max(len(remaining) - f - 2, 1)
        scores = {
            i: sum(sorted(_sqdist(x[i], x[j]) for j in remaining if j != i)[:n], Q(0))
            for i in remaining
        }
        best = min(remaining, key=lambda i: (scores[i], i))
        picked.append(best)
        remaining.remove(best)
    sel = sorted(picked)
    beta = theta - 2 * f + (1 if mutation == "beta_plus_one" else 0)
    return np.array([_nearest_mean_1d([Q(float(x[i, j])) for i in sel], beta) for j in range(d)])


def _disagrees(
    impl: Callable[[np.ndarray], np.ndarray],
    ref: Callable[[np.ndarray, str], np.ndarray],
    instances: np.ndarray,
    mutation: str,
) -> bool:
    """The implementation equals the exact reference on every instance, and the mutated
    reference differs from it on at least one: the definition test can tell the bug."""
    found = False
    for x in instances:
        got = impl(x)
        np.testing.assert_array_equal(got, ref(x, ""))
        found |= not np.array_equal(got, ref(x, mutation))
    return found


# ---------------------------------------------------------------------------------------------
# MeaMed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "f"), [(1, 0), (3, 1), (4, 1), (6, 2), (7, 3), (8, 2), (9, 4)])
def test_meamed_matches_brute_force_with_ties_and_batches(m: int, f: int) -> None:
    x = _ints(m * 10 + f, (5, 4, m, 3))  # a batch of 20 small-integer instances
    out = meamed(x, f=f)
    assert out.shape == (5, 4, 3)
    for idx in np.ndindex(5, 4):
        np.testing.assert_array_equal(out[idx], ref_meamed(x[idx], f))
        np.testing.assert_array_equal(out[idx], A.make("meamed")(x[idx], f=f))


def test_meamed_cross_median_ties_keep_the_lower_index() -> None:
    # median 0: the values -1 and 1 tie at distance 1 and one of them must go
    x = np.array([[1.0], [0.0], [-1.0]])
    np.testing.assert_array_equal(meamed(x, f=1), [0.5])  # keeps rows 0, 1
    np.testing.assert_array_equal(meamed(x[::-1], f=1), [-0.5])  # keeps rows 0, 1 again
    # even m: median (0 + 2)/2 = 1; rows 0 (value 3) and 3 (value -1) tie at distance 2
    y = np.array([[3.0], [0.0], [2.0], [-1.0]])
    np.testing.assert_array_equal(meamed(y, f=1), [5.0 / 3.0])


def test_meamed_decides_distances_exactly() -> None:
    """|−1 − 2⁻⁶⁰| > |1 − 2⁻⁶⁰| exactly, though both differences round to 1.0: the value 1
    is nearer and is kept (a float comparison would tie and keep the lower index, −1)."""
    t = 2.0**-60
    x = np.array([[-1.0], [t], [1.0]])
    np.testing.assert_array_equal(meamed(x, f=1), ref_meamed(x, 1))
    assert meamed(x, f=1)[0] == (t + 1.0) / 2
    np.testing.assert_array_equal(meamed(-x, f=1), -meamed(x, f=1))


def _near_ties(seed: int, n: int, m: int) -> np.ndarray:
    """Columns of values med ± a(1 + tiny) at wildly different scales: the differences to the
    median round, and exact distances differ by far less than an ulp of their float values."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, m, 1))
    for i in range(n):
        centre = rng.standard_normal() * 2.0 ** rng.integers(-70, 10)
        spread = 2.0 ** rng.integers(-5, 5)
        a = spread * (1 + rng.integers(-2, 3, m) * 2.0**-50)
        out[i, :, 0] = centre + rng.choice([-1.0, 1.0], m) * a
        out[i, rng.integers(m), 0] = centre  # often the median itself
    return out


def test_meamed_exact_on_near_ties_at_mixed_scales() -> None:
    inst = _near_ties(21, 300, 7)
    for f in (1, 2, 3):
        out = meamed(inst, f=f)
        for x, got in zip(inst, out, strict=True):
            np.testing.assert_array_equal(got, ref_meamed(x, f))


@pytest.mark.parametrize("mutation", ["keep_one_more", "ties_high"])
def test_meamed_planted_bugs_are_told_apart(mutation: str) -> None:
    f = 2
    inst = _ints(11, (40, 7, 3))
    assert _disagrees(lambda x: meamed(x, f=f), lambda x, mu: ref_meamed(x, f, mu), inst, mutation)


def test_meamed_is_the_window_of_sorted_values() -> None:
    """The kept values are m − f consecutive sorted values (the κ* helper's view)."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        m, f = 9, 3
        col = rng.standard_normal(m)
        s = np.sort(col)
        windows = [s[i : i + m - f] for i in range(f + 1)]
        assert any(
            math.isclose(meamed(col[:, None], f=f)[0], float(np.mean(w)), rel_tol=1e-14)
            for w in windows
        )


def test_meamed_drops_f_non_finite_values() -> None:
    x = np.random.default_rng(4).standard_normal((9, 4))
    y = x.copy()
    y[[1, 5]] = [[np.nan, np.inf, -np.inf, 1e300]] * 2
    good = np.delete(x, [1, 5], axis=0)
    np.testing.assert_allclose(meamed(y, f=2), good.mean(axis=0), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# MDA
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "f"), [(1, 0), (4, 0), (5, 1), (5, 2), (7, 2), (8, 3)])
def test_mda_matches_brute_force_with_ties_and_batches(m: int, f: int) -> None:
    x = _ints(m * 10 + f, (4, 3, m, 2), -2, 2)
    keep = mda_selection(x, f=f)
    out = mda(x, f=f)
    for idx in np.ndindex(4, 3):
        assert tuple(np.flatnonzero(keep[idx])) == ref_mda_set(x[idx], f)
        np.testing.assert_array_equal(out[idx], ref_mda(x[idx], f))


def test_mda_ties_are_common_on_generic_data_and_go_to_the_first_subset() -> None:
    """Several subsets can share the minimum diameter (it is set by one pair), even on random
    real data; the lexicographically first one is kept, so MDA depends on the row order there."""
    gen = np.random.default_rng(0)
    x = gen.standard_normal((11, 5)) + gen.standard_normal(5)
    y = x / np.maximum(1.0, np.linalg.norm(x, axis=1))[:, None]  # on or inside the unit ball
    diam = {
        s: max(_sqdist(y[i], y[j]) for i, j in itertools.combinations(s, 2))
        for s in itertools.combinations(range(11), 9)
    }
    best = min(diam.values())
    tied = [s for s, v in diam.items() if v == best]
    assert len(tied) > 1
    assert tuple(np.flatnonzero(mda_selection(y, f=2))) == tied[0] == ref_mda_set(y, 2)


@pytest.mark.parametrize("mutation", ["keep_one_more", "lex_last"])
def test_mda_planted_bugs_are_told_apart(mutation: str) -> None:
    f = 2
    inst = _ints(12, (25, 7, 2), -2, 2)
    assert _disagrees(lambda x: mda(x, f=f), lambda x, mu: ref_mda(x, f, mu), inst, mutation)


def test_mda_refuses_too_many_subsets_naming_m_and_f() -> None:
    m, f = 40, 10
    assert math.comb(m, f) > MAX_SUBSETS
    with pytest.raises(ValueError, match=r"C\(40, 10\) = .*\(m = 40, f = 10\)"):
        mda(np.zeros((m, 2)), f=f)
    mda(np.zeros((20, 2)), f=4)  # C(20, 4) = 4845 is fine


def test_mda_drops_f_bad_rows() -> None:
    x = np.random.default_rng(5).standard_normal((9, 3))
    y = x.copy()
    y[2], y[7] = np.nan, 1e300
    np.testing.assert_array_equal(mda(y, f=2), np.delete(x, [2, 7], axis=0).mean(axis=0))


# ---------------------------------------------------------------------------------------------
# Static clipping and ARC
# ---------------------------------------------------------------------------------------------


def test_clip_matches_brute_force() -> None:
    x = _ints(13, (6, 7, 3))
    for tau in (0.5, 2.0, 3.0, math.sqrt(5.0)):
        out = clip(x, f=2, base="mean", tau=tau)
        for i in range(6):
            want = ref_clip_rows(x[i], Q(tau) ** 2).mean(axis=0)
            np.testing.assert_allclose(out[i], want, rtol=1e-14, atol=1e-15)
        same = A.make(f"clip(cwtm, tau={tau})")(x, f=2)
        np.testing.assert_array_equal(same, A.cwtm(clip_rows(x, tau), f=2))


def test_clip_planted_bug_is_told_apart() -> None:
    x = _ints(14, (10, 7, 3))
    tau_sq = Q(4)
    differs = False
    for inst in x:
        got = clip_rows(inst, 2.0)
        np.testing.assert_allclose(got, ref_clip_rows(inst, tau_sq), rtol=1e-15, atol=0)
        differs |= not np.allclose(got, ref_clip_rows(inst, tau_sq, "normalise"))
    assert differs


@pytest.mark.parametrize(("m", "f"), [(3, 1), (5, 2), (7, 2), (10, 3), (11, 5)])
def test_arc_matches_brute_force_with_ties_and_batches(m: int, f: int) -> None:
    assert arc_k(m, f) == math.floor(Q(2 * f * (m - f), m))
    x = _ints(m + 100 * f, (3, 4, m, 2))  # many equal norms at the cut
    out = arc(x, f=f, base="mean")
    for idx in np.ndindex(3, 4):
        np.testing.assert_allclose(
            out[idx], ref_arc_rows(x[idx], f).mean(axis=0), rtol=1e-14, atol=1e-15
        )
        np.testing.assert_array_equal(out[idx], A.make("arc(mean)")(x[idx], f=f))


def test_arc_clips_exactly_k_rows_and_ignores_tie_order() -> None:
    x = np.array([[3.0, 4.0], [0.0, 5.0], [5.0, 0.0], [1.0, 0.0], [0.0, 1.0], [6.0, 8.0]])
    m, f = 6, 1
    k = arc_k(m, f)  # ⌊2·(1/6)·5⌋ = 1
    assert k == 1
    clipped = clip_rows(x, arc_threshold(x, f=f)[..., None])
    # τ = 5 (three rows tie at norm 5 and stay); only the norm-10 row is scaled, to (3, 4)
    np.testing.assert_array_equal(clipped[:5], x[:5])
    np.testing.assert_allclose(clipped[5], [3.0, 4.0], rtol=1e-15)
    perm = [5, 2, 4, 0, 3, 1]
    np.testing.assert_array_equal(arc(x[perm], f=f, base="cwmed"), arc(x, f=f, base="cwmed"))


def test_arc_planted_bug_is_told_apart() -> None:
    f = 2
    inst = _ints(15, (20, 7, 2))

    def impl(x: np.ndarray) -> np.ndarray:
        return clip_rows(x, arc_threshold(x, f=f)[..., None])

    found = False
    for x in inst:
        np.testing.assert_allclose(impl(x), ref_arc_rows(x, f), rtol=1e-15, atol=0)
        found |= not np.allclose(impl(x), ref_arc_rows(x, f, "k_plus_one"))
    assert found


def test_clipping_rules_pass_bad_rows_on_as_nan_and_stay_finite() -> None:
    x = np.random.default_rng(6).standard_normal((11, 3)) * 5
    y = x.copy()
    y[[0, 4]] = [[np.inf, 0.0, 1.0], [1e300, 1e300, 1e300]]
    rows = clip_rows(y, 1.0)
    assert np.isnan(rows[[0, 4]]).all() and np.isfinite(np.delete(rows, [0, 4], axis=0)).all()
    for spec in ("clip(cwtm)", "arc(cwtm)", "arc(krum)", "clip(mda, tau=3)"):
        assert np.isfinite(A.make(spec)(y, f=2)).all()


def test_clip_tau_is_validated_before_computing() -> None:
    for tau in (0, -1.0, math.inf, math.nan, True, "1"):
        with pytest.raises(ValueError, match=r"^tau must be a finite number > 0"):
            clip(np.zeros((5, 2)), f=1, base="cwtm", tau=tau)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tau must be"):
        A.make("clip(cwtm, tau=0)")(np.zeros((5, 2)), f=1)


# ---------------------------------------------------------------------------------------------
# Bulyan
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "f"), [(3, 0), (7, 1), (8, 1), (11, 2), (12, 2)])
def test_bulyan_matches_brute_force_with_ties_and_batches(m: int, f: int) -> None:
    x = _ints(m * 7 + f, (3, 3, m, 2), -2, 2)
    out = bulyan(x, f=f)
    for idx in np.ndindex(3, 3):
        np.testing.assert_array_equal(out[idx], ref_bulyan(x[idx], f))


def test_bulyan_first_pick_is_krums_choice() -> None:
    for x in _ints(16, (20, 11, 3)):
        first = bulyan_order(x, f=2)[0]
        np.testing.assert_array_equal(x[first], A.krum(x, f=2))


@pytest.mark.parametrize("mutation", ["beta_plus_one", "select_one_less"])
def test_bulyan_planted_bugs_are_told_apart(mutation: str) -> None:
    f = 1
    inst = _ints(17, (20, 8, 2), -2, 2)
    assert _disagrees(lambda x: bulyan(x, f=f), lambda x, mu: ref_bulyan(x, f, mu), inst, mutation)


def test_bulyan_validates_m_and_selector() -> None:
    with pytest.raises(ValueError, match=r"bulyan needs m >= 11 workers for f = 2; got m = 10"):
        bulyan(np.zeros((10, 2)), f=2)
    with pytest.raises(ValueError, match="selector must be one of krum"):
        bulyan(np.zeros((11, 2)), f=2, selector="gm")
    with pytest.raises(ValueError, match="parameter 'selector' of aggregator 'bulyan'"):
        A.make("bulyan(selector=gm)")


def test_bulyan_never_selects_bad_rows() -> None:
    x = np.random.default_rng(7).standard_normal((11, 3))
    x[[3, 9]] = np.nan
    order = bulyan_order(x, f=2)
    assert not set(order.tolist()) & {3, 9}
    assert np.isfinite(bulyan(x, f=2)).all()


# ---------------------------------------------------------------------------------------------
# Registry, specs, conformance
# ---------------------------------------------------------------------------------------------

NEW = {
    # name: (min_workers at f = 2, robust, translation equivariant, meta, coordinatewise)
    "meamed": (5, True, True, False, True),
    "mda": (5, True, True, False, False),
    "bulyan": (11, True, True, False, False),
    "clip": (3, True, False, True, False),
    "arc": (5, True, False, True, False),
}


@pytest.mark.parametrize("name", sorted(NEW))
def test_registration(name: str) -> None:
    min_m, robust, equiv, meta, coordwise = NEW[name]
    assert name in A.names()
    entry = REGISTRY.get(name)
    assert entry.meta is meta and entry.kappa is None and entry.reference
    assert entry.min_m(2) == min_m and entry.robust is robust
    assert entry.equivariant is equiv and entry.coordinatewise is coordwise
    agg = A.make(f"{name}(mean)" if meta else name)
    assert agg.kappa(11, 2) is None and agg.randomized is False


def test_sco_list_shows_the_new_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("aggregators:"))
    for name in NEW:
        assert name in line


SPECS = [
    "meamed",
    "mda",
    "bulyan",
    "bulyan(selector=krum)",
    "clip(cwtm)",
    "clip(krum, tau=0.5)",
    "arc(cwtm)",
    "arc(krum)",
    "arc(nnm(cwtm))",
    "ctma(meamed)",
    "nnm(mda)",
    "arc(bulyan)",
]


@pytest.mark.parametrize("spec", SPECS)
def test_spec_round_trip(spec: str) -> None:
    agg = A.make(spec)
    assert A.make(agg.spec).spec == agg.spec
    assert A.make(A.make(agg.spec).spec).spec == agg.spec


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(("m", "f", "d"), [(11, 2, 4), (15, 3, 3), (9, 0, 2)])
def test_conformance(spec: str, m: int, f: int, d: int) -> None:
    agg = A.make(spec)
    if m < agg.min_workers(f):
        pytest.skip(f"{spec} needs m >= {agg.min_workers(f)}")
    report = check_aggregator(spec, m=m, f=f, d=d, rng=m + f, n_instances=8)
    if f > 0:
        assert "non-finite-rows" in report.checks
    assert ("translation-equivariance" in report.checks) is agg.translation_equivariant


# ---------------------------------------------------------------------------------------------
# MoNNA preset
# ---------------------------------------------------------------------------------------------


def test_monna_preset_specs() -> None:
    assert sco.presets.monna() == {"estimator": "momentum(beta=0.9)", "aggregator": "nnm(cwtm)"}
    p = sco.presets.PRESETS["monna"](beta=0.5, base="ctma(gm)")
    assert p == {"estimator": "momentum(beta=0.5)", "aggregator": "nnm(ctma(gm))"}
    assert sco.estimators.make(p["estimator"]).spec == p["estimator"]
    assert sco.presets.monna(base=A.make("cwmed"))["aggregator"] == "nnm(cwmed)"
    for bad in (1.5, -0.1, True, "0.9"):
        with pytest.raises(ValueError, match=r"^beta must be a number in \[0, 1\]"):
            sco.presets.monna(beta=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown aggregator"):
        sco.presets.monna(base="nope")


def test_monna_simulation_equals_the_explicit_run_bit_for_bit() -> None:
    problem = problems.make("quadratic", dim=3, rng=0)
    kw = dict(attack="alie", m=9, f=2, T=15, lr=0.05, seeds=2, rng=1)
    preset = sco.simulate(problem, **sco.presets.monna(beta=0.8), **kw)  # type: ignore[arg-type]
    explicit = sco.simulate(
        problem,
        estimator=sco.estimators.momentum(beta=0.8),
        aggregator=A.make("nnm(cwtm)"),
        **kw,  # type: ignore[arg-type]
    )
    other = sco.simulate(problem, **sco.presets.monna(beta=0.5), **kw)  # type: ignore[arg-type]
    assert preset.metrics.keys() == explicit.metrics.keys()
    for name in preset.metrics:
        np.testing.assert_array_equal(preset.metrics[name], explicit.metrics[name])
    np.testing.assert_array_equal(preset.x_final, explicit.x_final)
    assert not np.array_equal(preset.x_final, other.x_final)  # the comparison can tell
