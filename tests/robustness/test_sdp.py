"""The SDP for κ* of Krum, Multi-Krum, CTMA(Krum) and NNM∘Krum (sco.robustness.sdp;
docs/theory.md §6): the reference values, both certificates, independent recomputation of the
primal instances, adversarial searches against the dual bound, and a planted neighbour-count
bug that the formulation must notice."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sco.aggregators import make
from sco.robustness import KappaStar, local_search, search_worst
from sco.robustness import sdp as sdpmod

# docs/theory.md §6, "Krum (and Multi-Krum, CTMA(Krum), NNM∘Krum)"
REFERENCE = [
    ("krum", 5, 1, 4.1667),
    ("krum", 7, 2, 7.9848),
    ("krum", 9, 3, 9.7426),
    ("krum", 11, 4, 11.3667),
    ("ctma(krum)", 5, 1, 1.667),
]

_CACHE: dict[tuple[str, int, int, bool], KappaStar] = {}


def solved(spec: str, m: int, f: int, no_attack: bool = False) -> KappaStar:
    """sdp_kappa, computed once per test session."""
    key = (spec, m, f, no_attack)
    if key not in _CACHE:
        _CACHE[key] = sdpmod.sdp_kappa(make(spec), m, f, no_attack=no_attack)
    return _CACHE[key]


# ---------------------------------------------------------------- independent reference rules


def my_sqdist(x: np.ndarray) -> np.ndarray:
    diff = x[:, None, :] - x[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)


def my_krum_scores(x: np.ndarray, f: int) -> np.ndarray:
    """Sum of the squared distances to the m − f − 2 nearest other rows, written out."""
    m = x.shape[0]
    dist = my_sqdist(x)
    scores = np.empty(m)
    for i in range(m):
        others = sorted(dist[i, l] for l in range(m) if l != i)  # noqa: E741
        scores[i] = sum(others[: m - f - 2])
    return scores


def my_rule(spec: str, x: np.ndarray, f: int) -> np.ndarray:
    m = x.shape[0]
    scores = my_krum_scores(x, f)
    if spec == "krum":
        return x[int(np.argmin(scores))]  # argmin: the lowest index on ties
    if spec == "multi_krum":
        order = sorted(range(m), key=lambda i: (scores[i], i))
        return x[order[: m - f]].mean(axis=0)
    if spec == "ctma(krum)":
        x0 = x[int(np.argmin(scores))]
        r = np.sum((x - x0) ** 2, axis=1)
        keep = sorted(range(m), key=lambda i: (r[i], i))[: m - f]
        return x[keep].mean(axis=0)
    raise AssertionError(spec)


def my_ratio(out: np.ndarray, x: np.ndarray, rows: int) -> float:
    honest = x[:rows]
    mean = honest.mean(axis=0)
    var = np.mean(np.sum((honest - mean) ** 2, axis=1))
    return float(np.sum((out - mean) ** 2) / var)


# ---------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize(("spec", "m", "f", "expected"), REFERENCE)
def test_reference_values(spec: str, m: int, f: int, expected: float) -> None:
    got = solved(spec, m, f)
    assert got.method == "SDP"
    assert abs(got.value - expected) <= 1e-3
    assert got.lower <= got.value * (1 + 1e-9)
    assert got.value <= got.upper * (1 + 1e-9)
    assert got.gap <= 5e-5
    assert got.lower >= got.value * (1 - 1e-6)
    assert "SDP dual" in got.certificate
    assert got.details["patterns"] >= 1


@pytest.mark.parametrize(("spec", "m", "f"), [(s, m, f) for s, m, f, _ in REFERENCE])
def test_instance_ratio_recomputed_independently(spec: str, m: int, f: int) -> None:
    got = solved(spec, m, f)
    x = got.instance
    assert x.shape[0] == m and np.all(np.isfinite(x))
    mine = my_ratio(my_rule(spec, x, f), x, m - f)
    assert mine == pytest.approx(got.lower, rel=1e-9)
    # and the instance is the SDP's optimum, not just any instance
    assert mine == pytest.approx(got.value, rel=1e-6)


@pytest.mark.parametrize(("spec", "m", "f"), [("krum", 5, 1), ("ctma(krum)", 5, 1)])
def test_no_attack_instance_and_bounds(spec: str, m: int, f: int) -> None:
    got = solved(spec, m, f, no_attack=True)
    assert got.no_attack
    assert got.lower <= got.value * (1 + 1e-9) <= got.upper * (1 + 1e-9)
    assert got.lower >= got.value * (1 - 1e-6)
    x = got.instance
    assert my_ratio(my_rule(spec, x, f), x, m) == pytest.approx(got.lower, rel=1e-9)
    # every (f, κ)-robust rule has ε* ≥ f/(m − f) (docs/theory.md §6, Yang, Shi & Li 2023)
    assert got.upper >= f / (m - f)
    assert got.value >= f / (m - f) * (1 - 1e-6)
    # random all-honest instances never beat the dual bound
    rng = np.random.default_rng(5)
    for _ in range(300):
        y = rng.standard_normal((m, int(rng.integers(1, m + 1)))) * rng.choice([0.01, 1.0, 50.0])
        assert my_ratio(my_rule(spec, y, f), y, m) <= got.upper * (1 + 1e-6)


def test_no_attack_values() -> None:
    # ε*(Krum; 5, 1) = 20/11: the SDP's value, realised by the implemented rule
    got = solved("krum", 5, 1, no_attack=True)
    assert got.value == pytest.approx(20 / 11, rel=1e-6)
    # CTMA(Krum) meets the lower bound f/(m − f) of every robust rule without attack
    assert solved("ctma(krum)", 5, 1, no_attack=True).value == pytest.approx(0.25, rel=1e-6)


def test_krum_5_0_realised_or_flagged() -> None:
    # at m = 5, f = 0 the factored optimum may lose Krum's tie to rounding; the instance then
    # comes from the margin SDP and κ* is flagged as a supremum
    got = solved("krum", 5, 0)
    x = got.instance
    assert my_ratio(my_rule("krum", x, 0), x, 5) == pytest.approx(got.lower, rel=1e-9)
    if got.supremum:
        assert str(got.details["instance_from"]).startswith("margin")
        assert got.value * (1 - 1e-5) <= got.lower < got.value
    else:
        assert got.lower >= got.value * (1 - 1e-6)


def test_margin_sdp_separates_the_scores() -> None:
    # the margin SDP: every competitor scores strictly above the selected row, at a small cost
    m, f, s = 7, 2, 5
    pats = list(sdpmod.krum_patterns(m, f, s))
    value = solved("krum", m, f).value
    progs = sdpmod._Programs(m, m - f - 2)
    q = sdpmod._basis(m, s)
    best = max(pats, key=lambda p: sdpmod.solve_patterns([p], m, s, m - f - 2)[0])
    z = sdpmod._margin_z(progs, best, q, s, value * (1 - 1e-4))
    assert z is not None
    x = sdpmod._instance(z, q)
    j = best.chosen[0][0]
    scores = my_krum_scores(x, f)
    assert np.all(np.delete(scores, j) > scores[j] + 1e-9 * scores[j])
    assert my_ratio(x[j], x, s) >= value * (1 - 1e-4) * (1 - 1e-6)


@pytest.mark.parametrize(("spec", "m", "f"), [("krum", 5, 1), ("krum", 7, 2), ("ctma(krum)", 5, 1)])
def test_search_never_exceeds_upper(spec: str, m: int, f: int) -> None:
    got = solved(spec, m, f)
    rng = np.random.default_rng(11)
    worst = search_worst(spec, m, f, m, rng, n=8, iters=40, polish=150)
    assert worst.ratio <= got.upper * (1 + 1e-6)
    # climbing from the SDP's own optimum (jittered) cannot get above the bound either
    x0 = got.instance
    scale = np.sqrt(np.mean(np.sum((x0[: m - f] - x0[: m - f].mean(0)) ** 2, axis=1)))
    starts = x0[None] + 1e-3 * scale * rng.standard_normal((6, *x0.shape))
    best, _ = local_search(spec, starts, f, rng, iters=150, step=0.01)
    assert float(best.max()) <= got.upper * (1 + 1e-6)


def test_planted_neighbour_count_changes_the_value() -> None:
    m, f, s = 7, 2, 5
    right = sdpmod.solve_patterns(list(sdpmod.krum_patterns(m, f, s)), m, s, m - f - 2)
    assert right[0] == pytest.approx(solved("krum", m, f).value, rel=1e-6)
    # the m − f − 1 neighbours of some other implementations (docs/theory.md §8)
    wrong = sdpmod.solve_patterns(list(sdpmod.krum_patterns(m, f, s, m - f - 1)), m, s, m - f - 1)
    assert abs(wrong[0] - right[0]) > 1e-2


def test_planted_normalisation_changes_the_value() -> None:
    # V over every row instead of S (s = m with the attack's patterns): a different SDP
    m, f = 5, 1
    right = sdpmod.solve_patterns(list(sdpmod.krum_patterns(m, f, m - f)), m, m - f, m - f - 2)
    wrong = sdpmod.solve_patterns(list(sdpmod.krum_patterns(m, f, m)), m, m, m - f - 2)
    assert abs(wrong[0] - right[0]) > 1e-2


def test_ctma_tie_rules_agree_at_5_1() -> None:
    stable = solved("ctma(krum)", 5, 1)
    inclusive = solved("ctma(krum, ties=inclusive)", 5, 1)
    assert inclusive.details["patterns"] > stable.details["patterns"]
    assert inclusive.value == pytest.approx(stable.value, rel=1e-6)
    assert inclusive.lower >= inclusive.value * (1 - 1e-6)


def test_multi_krum_5_1() -> None:
    got = solved("multi_krum", 5, 1)
    assert got.lower >= got.value * (1 - 1e-6)
    assert got.value <= got.upper * (1 + 1e-9) and got.gap <= 5e-5
    x = got.instance
    assert my_ratio(my_rule("multi_krum", x, 1), x, 4) == pytest.approx(got.lower, rel=1e-9)
    # Multi-Krum(k = 1) is Krum
    assert solved("multi_krum(k=1)", 5, 1).value == pytest.approx(
        solved("krum", 5, 1).value, rel=1e-6
    )
    worst = search_worst("multi_krum", 5, 1, 5, np.random.default_rng(3), n=8, iters=40)
    assert worst.ratio <= got.upper * (1 + 1e-6)


@pytest.mark.slow
def test_nnm_krum_5_1() -> None:
    got = solved("nnm(krum)", 5, 1)
    assert got.lower >= got.value * (1 - 1e-6)
    assert got.value <= got.upper * (1 + 1e-9)
    worst = search_worst("nnm(krum)", 5, 1, 5, np.random.default_rng(4), n=8, iters=40)
    assert worst.ratio <= got.upper * (1 + 1e-6)


def test_applies() -> None:
    assert sdpmod.applies(make("krum"), 17, 7)
    assert sdpmod.applies(make("ctma(krum)"), 5, 1)
    assert sdpmod.applies(make("ctma(krum, ties=inclusive)"), 7, 2)
    assert sdpmod.applies(make("multi_krum"), 5, 1)
    assert sdpmod.applies(make("multi_krum(k=2)"), 7, 2)
    assert sdpmod.applies(make("nnm(krum)"), 5, 1)
    assert not sdpmod.applies(make("nnm(krum)"), 9, 3)  # beyond the enumeration budget
    assert not sdpmod.applies(make("krum"), 6, 2)  # Krum needs m ≥ 2f + 3
    assert not sdpmod.applies(make("cwtm"), 7, 2)
    assert not sdpmod.applies(make("ctma(cwtm)"), 7, 2)
    assert not sdpmod.applies(make("multi_krum(k=5)"), 5, 1)  # the mean: unbounded
    with pytest.raises(ValueError, match="does not handle"):
        sdpmod.sdp_kappa(make("cwtm"), 7, 2)


def test_f_zero_mean_cases() -> None:
    got = sdpmod.sdp_kappa(make("ctma(krum)"), 5, 0)
    assert got.value == 0.0 and got.upper == 0.0 and got.lower == pytest.approx(0.0, abs=1e-12)


def test_import_is_lazy() -> None:
    code = (
        "import sys, sco.robustness; before = set(sys.modules); import sco.robustness.sdp;"
        " new = set(sys.modules) - before;"
        " assert not [k for k in new if k.split('.')[0] in ('cvxpy', 'scipy')], new"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
