"""Closed forms of κ* and ε* (docs/theory.md §6): hand formulas, extremal instances evaluated by
the implemented rules, and an adversarial search that must never beat the geometric median's."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from sco.aggregators import make
from sco.robustness import closed_form as cf
from sco.robustness import search_worst


def _valid(max_m: int = 13) -> list[tuple[int, int]]:
    return [(m, f) for m in range(1, max_m + 1) for f in range(m) if 2 * f < m]


def _my_ratio(a: np.ndarray, x: np.ndarray, h: int) -> float:
    """‖a − x̄_S‖²/V_S with S the first h rows, written out from the definition."""
    s = x[:h]
    mean = s.sum(axis=0) / h
    var = sum(float(np.dot(r - mean, r - mean)) for r in s) / h
    err = float(np.dot(a - mean, a - mean))
    return err / var


def _cwmed_hand(m: int, f: int) -> float:
    return (m - 1) / (m + 1 - 2 * f) if m % 2 else (m - 2) / (m + 2 - 2 * f)


def _gm_hand(m: int, f: int) -> float:
    return m / (m - 2 * f) if m % 2 == 0 else (m - 1) / (m - 2 * f + 1)


@pytest.mark.parametrize(("m", "f"), _valid())
def test_cwtm_closed_form_is_q(m: int, f: int) -> None:
    got = cf.closed_form(make("cwtm"), m, f)
    eps = cf.closed_form(make("cwtm"), m, f, no_attack=True)
    assert got is not None and eps is not None
    assert got.method == "closed form" and got.upper == got.value
    if m - f >= 2:
        assert got.value == pytest.approx(f / (m - 2 * f), abs=1e-12)
        assert got.lower == pytest.approx(f / (m - 2 * f), abs=1e-9)
        assert eps.value == pytest.approx(f / (m - f), abs=1e-12)
        assert eps.lower == pytest.approx(f / (m - f), abs=1e-9)


@pytest.mark.parametrize(("m", "f"), _valid(13))
def test_cwmed_closed_form_hand_values_and_eps_consistency(m: int, f: int) -> None:
    med = make("cwmed")
    got = cf.closed_form(med, m, f)
    eps = cf.closed_form(med, m, f, no_attack=True)
    assert got is not None and eps is not None
    if m >= 2:
        assert got.value == pytest.approx(_cwmed_hand(m, f), abs=1e-12)
        k = (m - 1) // 2
        assert eps.value == pytest.approx(k / (m - k), abs=1e-12)
        # CWMed ignores f, so its ε* is its κ* at f = 0
        at0 = cf.closed_form(med, m, 0)
        assert at0 is not None and eps.value == pytest.approx(at0.value, abs=1e-12)
        assert not got.supremum
        assert got.lower == pytest.approx(got.value, abs=1e-9)


@pytest.mark.parametrize(("m", "f"), _valid(12))
def test_gm_instance_reaches_the_closed_form(m: int, f: int) -> None:
    got = cf.closed_form(make("gm"), m, f)
    assert got is not None
    if m < 2 or m - f < 2:
        return
    assert got.value == pytest.approx(_gm_hand(m, f), abs=1e-12)
    if m % 2:
        assert not got.supremum
        assert got.lower == pytest.approx(got.value, rel=1e-9)
    elif m >= 4:
        assert got.supremum
        assert got.value * (1 - 1e-3) <= got.lower <= got.value * (1 + 1e-9)


@pytest.mark.parametrize("m", range(2, 12))
def test_gm_no_attack(m: int) -> None:
    eps = cf.closed_form(make("gm"), m, 0, no_attack=True)
    assert eps is not None
    assert eps.value == pytest.approx(1.0 if m % 2 == 0 else (m - 1) / (m + 1), abs=1e-12)
    assert eps.value * (1 - 1e-3) <= eps.lower <= eps.value * (1 + 1e-9)


@pytest.mark.parametrize(("m", "f"), [(5, 1), (7, 2), pytest.param(6, 1, marks=pytest.mark.slow)])
def test_search_never_beats_gm_closed_form(m: int, f: int) -> None:
    # even m is slow: near-ties make the geometric median expensive to certify
    value = cf.closed_form(make("gm"), m, f)
    assert value is not None
    worst = search_worst("gm", m, f, 2, 0, n=4, iters=15, polish=30, top=2)
    assert worst.ratio <= value.value * (1 + 1e-6)
    # and the search does climb close to it (the family is in its starting set)
    assert worst.ratio >= 0.5 * value.value


def test_mean() -> None:
    mean = make("mean")
    for m, f in [(3, 1), (7, 3), (10, 2)]:
        got = cf.closed_form(mean, m, f)
        assert got is not None
        assert got.value == math.inf and got.upper == math.inf and got.supremum
        assert 1e10 < got.lower < math.inf  # an honest, finite lower bound
        eps = cf.closed_form(mean, m, f, no_attack=True)
        assert eps is not None and eps.value == 0.0 and eps.lower == pytest.approx(0.0, abs=1e-12)
    at0 = cf.closed_form(mean, 5, 0)
    assert at0 is not None and at0.value == 0.0


@pytest.mark.parametrize("spec", ["mean", "cwtm", "cwmed", "gm"])
@pytest.mark.parametrize("no_attack", [False, True])
def test_instance_ratio_recomputed(spec: str, no_attack: bool) -> None:
    agg = make(spec)
    for m, f in _valid(11):
        got = cf.closed_form(agg, m, f, no_attack=no_attack)
        assert got is not None
        h = m if no_attack else m - f
        if h < 2:
            continue
        x = np.array(got.instance)
        assert x.shape[0] == m
        mine = _my_ratio(np.asarray(agg(x, f=f)), x, h)
        assert mine == pytest.approx(got.lower, rel=1e-9, abs=1e-12)
        assert got.lower <= got.value * (1 + 1e-9)


def test_no_closed_form_for_other_rules() -> None:
    assert cf.closed_form(make("krum"), 7, 2) is None
    assert cf.closed_form(make("ctma(cwtm)"), 7, 2) is None
    assert cf.closed_form(make("nnm(gm)"), 7, 2) is None


def test_closed_form_is_cheap() -> None:
    agg = make("gm")
    cf.closed_form(agg, 9, 2)
    t0 = time.perf_counter()
    for _ in range(1000):
        cf.closed_form(agg, 9, 2)
    per_call = (time.perf_counter() - t0) / 1000
    assert per_call < 2e-4  # a cached look-up: ~5 µs on the reference machine
