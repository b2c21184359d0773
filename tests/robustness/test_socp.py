"""κ* of coordinate-wise rules by enumerating order patterns (docs/theory.md §6): CWTM against
f/(m − 2f), CWMed against the closed forms, a planted wrong weight, meamed against its definition
and a brute-force grid, and every instance re-evaluated from scratch."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import time

import numpy as np
import pytest

from sco.aggregators import make
from sco.aggregators.coordinatewise import cwtm
from sco.aggregators.registry import Aggregator, Entry
from sco.robustness import closed_form as cf
from sco.robustness import socp


def _valid(max_m: int) -> list[tuple[int, int]]:
    return [(m, f) for m in range(1, max_m + 1) for f in range(m) if 2 * f < m]


def _coordinatewise(name: str, fn: object) -> Aggregator:
    return Aggregator(name, Entry(fn, coordinatewise=True), {})  # type: ignore[arg-type]


def _my_ratio(a: np.ndarray, x: np.ndarray, h: int) -> float:
    """‖a − x̄_S‖²/V_S with S the first h rows, from the definition."""
    s = x[:h]
    mean = s.sum(axis=0) / h
    var = sum(float(np.dot(r - mean, r - mean)) for r in s) / h
    return float(np.dot(a - mean, a - mean)) / var


def _meamed_ref(x: np.ndarray, *, f: int = 0) -> np.ndarray:
    """Meamed from its definition, one coordinate and one batch element at a time: the median
    (midpoint of the two middle values for even m), then the mean of the m − f values nearest
    to it, ties going to the lower worker index."""
    x = np.asarray(x, dtype=np.float64)
    m, d = x.shape[-2:]
    flat = x.reshape(-1, m, d)
    out = np.empty((flat.shape[0], d))
    for b in range(flat.shape[0]):
        for k in range(d):
            col = [float(v) for v in flat[b, :, k]]
            s = sorted(col)
            med = (s[(m - 1) // 2] + s[m // 2]) / 2
            order = sorted(range(m), key=lambda i: (abs(col[i] - med), i))
            out[b, k] = sum(col[i] for i in order[: m - f]) / (m - f)
    return out.reshape((*x.shape[:-2], d))


def _meamed() -> Aggregator:
    try:
        return make("meamed")
    except ValueError:
        return _coordinatewise("meamed_ref", _meamed_ref)


# --------------------------------------------------------------------------- CWTM, CWMed


def test_cwtm_is_q_for_every_m_up_to_13() -> None:
    agg = make("cwtm")
    t0 = time.perf_counter()
    for m, f in _valid(13):
        got = socp.socp_enumeration(agg, m, f)
        assert got.method == "SOCP enumeration"
        if m - f < 2:
            assert got.value == 0.0
            continue
        q = f / (m - 2 * f)
        assert got.value == pytest.approx(q, abs=1e-9), (m, f)
        assert got.value - 1e-9 <= got.upper <= q + 1e-9, (m, f)
        assert got.lower == pytest.approx(q, abs=1e-9), (m, f)
        assert not got.supremum
    assert time.perf_counter() - t0 < 60


@pytest.mark.parametrize(("m", "f"), _valid(13))
def test_cwtm_no_attack(m: int, f: int) -> None:
    got = socp.socp_enumeration(make("cwtm"), m, f, no_attack=True)
    if m >= 2:
        assert got.value == pytest.approx(f / (m - f), abs=1e-9)
        assert got.lower == pytest.approx(f / (m - f), abs=1e-9)


@pytest.mark.parametrize(("m", "f"), _valid(11))
def test_cwmed_closed_form_equals_enumeration(m: int, f: int) -> None:
    med = make("cwmed")
    for no_attack in (False, True):
        by_enum = socp.socp_enumeration(med, m, f, no_attack=no_attack)
        closed = cf.closed_form(med, m, f, no_attack=no_attack)
        assert closed is not None
        assert by_enum.value == pytest.approx(closed.value, abs=1e-9), (m, f, no_attack)
        assert by_enum.upper == pytest.approx(closed.value, abs=1e-9)


def test_mean_is_unbounded_and_exact_without_attack() -> None:
    mean = make("mean")
    got = socp.socp_enumeration(mean, 7, 2)
    assert got.value == math.inf and got.upper == math.inf and got.lower > 1e6
    assert socp.socp_enumeration(mean, 7, 2, no_attack=True).value == pytest.approx(0, abs=1e-12)


# --------------------------------------------------------------------------- planted bugs


def _trim(k: int):  # type: ignore[no-untyped-def]
    def rule(x: np.ndarray, *, f: int = 0) -> np.ndarray:
        return cwtm(x, f=k)

    return rule


@pytest.mark.parametrize(("m", "f"), [(5, 2), (9, 3), (11, 4)])
def test_under_trimming_is_caught(m: int, f: int) -> None:
    """Trimming f − 1 per side lets one Byzantine value through: κ* = ∞, not f/(m − 2f)."""
    bug = _coordinatewise("cwtm_minus_one", _trim(f - 1))
    got = socp.socp_enumeration(bug, m, f)
    assert got.value == math.inf
    assert got.lower > 1e6 * f / (m - 2 * f)


@pytest.mark.parametrize(("m", "f"), [(7, 1), (9, 2), (11, 3)])
def test_over_trimming_changes_kappa(m: int, f: int) -> None:
    """Trimming f + 1 per side is still robust but no longer optimal: κ* > f/(m − 2f)."""
    bug = _coordinatewise("cwtm_plus_one", _trim(f + 1))
    got = socp.socp_enumeration(bug, m, f)
    assert got.value > f / (m - 2 * f) * (1 + 1e-3)
    # its instance really shows the excess through the rule
    assert got.lower == pytest.approx(got.value, rel=1e-9)


def test_wrong_weight_is_caught() -> None:
    """An L-statistic with one weight moved (still summing to 1) has a different κ*."""

    def skewed(x: np.ndarray, *, f: int = 0) -> np.ndarray:
        s = np.sort(np.asarray(x, dtype=np.float64), axis=-2)
        m = s.shape[-2]
        w = np.zeros(m)
        w[f : m - f] = 1.0 / (m - 2 * f)
        w[f] += 0.05
        w[m - f - 1] -= 0.05
        return np.einsum("...md,m->...d", s, w)

    got = socp.socp_enumeration(_coordinatewise("skewed", skewed), 9, 2)
    assert abs(got.value - 2 / 5) > 1e-3


def test_nonlinear_or_order_dependent_rules_are_refused() -> None:
    def clipped(x: np.ndarray, *, f: int = 0) -> np.ndarray:
        return np.clip(np.asarray(x).mean(axis=-2), -1.0, 1.0)

    def first_row(x: np.ndarray, *, f: int = 0) -> np.ndarray:
        return np.asarray(x)[..., 0, :]

    for fn in (clipped, first_row):
        agg = _coordinatewise(fn.__name__, fn)
        assert not socp.applies(agg, 7, 2)
        with pytest.raises(ValueError, match="not an L-statistic"):
            socp.socp_enumeration(agg, 7, 2)
    assert not socp.applies(make("gm"), 7, 2)  # not declared coordinate-wise
    with pytest.raises(ValueError, match="coordinate-wise"):
        socp.socp_enumeration(make("gm"), 7, 2)
    assert socp.applies(make("cwtm"), 7, 2) and socp.applies(make("cwmed"), 8, 3)


# --------------------------------------------------------------------------- meamed


def test_meamed_reference_sanity() -> None:
    x = np.array([[0.0], [1.0], [3.0], [10.0], [-10.0]])  # median 1; nearest 3: 0, 1, 3
    assert _meamed_ref(x, f=2)[0] == pytest.approx(4 / 3)
    y = np.array([[-1.0], [1.0], [3.0]])  # median 1; −1 and 3 tie, the lower index (−1) is kept
    assert _meamed_ref(y, f=1)[0] == pytest.approx(0.0)
    assert socp.applies(_meamed(), 7, 2)


def test_meamed_hand_value_m3_f1() -> None:
    """Honest −1 and 1, Byzantine 3 − δ: the median is 1, the kept pair is {1, 3 − δ}, the
    output → 2 while x̄_S = 0 and V_S = 1, so κ*(meamed; 3, 1) ≥ 4."""
    got = socp.socp_enumeration(_meamed(), 3, 1)
    x = np.array([[-1.0], [1.0], [3.0 - 1e-9]])
    assert _my_ratio(_meamed_ref(x, f=1), x, 2) == pytest.approx(4.0, rel=1e-8)
    assert got.value == pytest.approx(4.0, abs=1e-9)


def _grid_max(m: int, f: int, levels: np.ndarray) -> float:
    """Largest ratio of meamed over every 1-D instance on a grid of values (S = first m − f)."""
    agg = _meamed()
    xs = np.array(list(itertools.product(levels, repeat=m)))[:, :, None]
    h = m - f
    hon = xs[:, :h, 0]
    var = hon.var(axis=1)
    keep = var > 0
    out = np.asarray(agg(xs[keep], f=f))[:, 0]
    err = (out - hon[keep].mean(axis=1)) ** 2
    return float(np.max(err / var[keep]))


@pytest.mark.parametrize(("m", "f"), [(3, 1), (4, 1), (5, 1), (5, 2)])
def test_meamed_grid_never_beats_enumeration(m: int, f: int) -> None:
    got = socp.socp_enumeration(_meamed(), m, f)
    grid = _grid_max(m, f, np.array([-4.0, -2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0]))
    assert grid <= got.value * (1 + 1e-9)
    assert grid >= 0.5 * got.value  # the grid is rich enough to get close


@pytest.mark.parametrize(("m", "f"), [(5, 1), (6, 2), (7, 3), (8, 2)])
def test_meamed_enumeration(m: int, f: int) -> None:
    agg = _meamed()
    got = socp.socp_enumeration(agg, m, f)
    eps = socp.socp_enumeration(agg, m, f, no_attack=True)
    assert got.value >= f / (m - 2 * f) - 1e-9  # every rule (docs/theory.md §2)
    assert eps.value >= f / (m - f) - 1e-9  # every robust rule (Yang, Shi & Li 2023)
    for r in (got, eps):
        assert r.value * (1 - 1e-3) <= r.lower <= r.value * (1 + 1e-9)
        assert r.value - 1e-9 <= r.upper <= r.value * (1 + 1e-6) + 1e-9
    assert socp.socp_enumeration(agg, m, 0).value == pytest.approx(0.0, abs=1e-9)  # the mean


# --------------------------------------------------------------------------- instances, imports


@pytest.mark.parametrize("spec", ["cwtm", "cwmed", "mean", "meamed"])
@pytest.mark.parametrize("no_attack", [False, True])
def test_instance_ratio_recomputed(spec: str, no_attack: bool) -> None:
    agg = _meamed() if spec == "meamed" else make(spec)
    for m, f in _valid(8):
        got = socp.socp_enumeration(agg, m, f, no_attack=no_attack)
        h = m if no_attack else m - f
        if h < 2:
            continue
        x = np.array(got.instance)
        assert x.shape == (m, 1)
        mine = _my_ratio(np.asarray(agg(x, f=f)), x, h)
        assert mine == pytest.approx(got.lower, rel=1e-9, abs=1e-12)


def test_solvers_are_imported_lazily() -> None:
    code = (
        "import sys, sco.robustness.socp, sco.robustness.closed_form; "
        "print(sorted(k for k in ('clarabel', 'cvxpy', 'scipy.optimize') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registered_meamed_matches_the_definition_with_ties() -> None:
    try:
        agg = make("meamed")
    except ValueError:
        pytest.skip("meamed is not registered yet")
    rng = np.random.default_rng(0)
    for m, f in _valid(9):
        x = rng.integers(-3, 4, size=(50, m, 2)).astype(np.float64)  # many ties
        np.testing.assert_allclose(agg(x, f=f), _meamed_ref(x, f=f), atol=1e-12)
