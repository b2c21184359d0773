"""The κ table, the lower bound and the CTMA proposition, checked pathwise (docs/theory.md §2)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import reference as ref
from hypothesis import given
from hypothesis import strategies as st

from sco import aggregators as A
from sco.robustness import lower_bound_instance, ratio, worst_ratio, worst_subset_ratio
from sco.testing import worker_arrays

TABLE = [
    "cwtm",
    "cwmed",
    "gm",
    "krum",
    "nnm(cwtm)",
    "nnm(krum)",
    "ctma(cwtm)",
    "ctma(cwmed)",
    "ctma(gm)",
    "ctma(krum)",
]


def q(m: int, f: int) -> float:
    return f / (m - 2 * f)


@pytest.mark.parametrize(("m", "f"), [(7, 1), (11, 2), (17, 4), (20, 9)])
def test_declared_kappa_matches_table_by_hand(m: int, f: int) -> None:
    """docs/theory.md §2 Table 1 (Allouah et al. 2023) evaluated by hand."""
    qq = q(m, f)
    assert A.make("cwtm").kappa(m, f) == pytest.approx(6 * qq * (1 + qq), rel=1e-15)
    assert A.make("cwmed").kappa(m, f) == pytest.approx(4 * (1 + qq) ** 2, rel=1e-15)
    assert A.make("gm").kappa(m, f) == pytest.approx(4 * (1 + qq) ** 2, rel=1e-15)
    k_cwtm = 6 * qq * (1 + qq)
    assert A.make("nnm(cwtm)").kappa(m, f) == pytest.approx(8 * f / (m - f) * (k_cwtm + 1))
    assert A.make("ctma(cwtm)").kappa(m, f) == pytest.approx(4 * f * (1 + k_cwtm) / (m - f))
    if m >= 2 * f + 3:
        assert A.make("krum").kappa(m, f) == pytest.approx(6 * (1 + qq))
    else:
        assert A.make("krum").kappa(m, f) is None
    assert A.make("mean").kappa(m, f) is None and A.make("mean").kappa(m, 0) == 0.0


@pytest.mark.parametrize(
    "spec", ["cwtm", "cwmed", "gm", "krum", "ctma(cwtm)", "ctma(gm)", "nnm(cwmed)"]
)
@pytest.mark.parametrize(("m", "f"), [(5, 1), (9, 3), (13, 4)])
def test_lower_bound_construction_gives_exactly_f_over_m_minus_2f(
    spec: str, m: int, f: int
) -> None:
    agg = A.make(spec)
    if m < agg.min_workers(f):
        pytest.skip(f"{spec} needs m >= {agg.min_workers(f)}")
    x = lower_bound_instance(m, f, np.array([3.0, -1.0, 2.0]))
    out = agg(x, f=f)
    np.testing.assert_array_equal(out, 0.0)  # V_S = 0 for S = the zeros forces A = 0
    s = tuple(range(m - 2 * f)) + tuple(range(m - f, m))
    assert ref.ratio(out, x, s) == pytest.approx(f / (m - 2 * f), rel=1e-12)
    assert ratio(out, x, np.array(s)) == pytest.approx(f / (m - 2 * f), rel=1e-12)


@given(worker_arrays(m=(5, 9), d=(1, 3), magnitude=1e3), st.data())
def test_kappa_table_holds_for_every_subset_on_generated_arrays(
    x: np.ndarray, data: st.DataObject
) -> None:
    m = x.shape[0]
    f = data.draw(st.integers(1, (m - 1) // 2))
    for spec in TABLE:
        agg = A.make(spec)
        kappa = agg.kappa(m, f)
        if kappa is None:
            continue
        bad = ref.kappa_violations(agg(x, f=f), x, f, kappa)
        assert not bad, f"{spec}: ‖A − x̄_S‖² > κ V_S for S = {bad[0]}"


# The worst ratios found by the adversarial search, as a fraction of κ; docs/robustness.md
# reports the table produced by benchmarks/kappa_probe.py.
@pytest.mark.parametrize("spec", TABLE)
@pytest.mark.parametrize(("m", "f"), [(11, 2), (17, 4)])
def test_kappa_holds_under_adversarial_search(spec: str, m: int, f: int) -> None:
    agg = A.make(spec)
    probe = worst_ratio(agg, m, f, 4, np.random.default_rng(11), n=24)
    kappa = agg.kappa(m, f)
    assert kappa is not None
    assert probe.ratio <= kappa, (
        f"{spec}: worst ratio {probe.ratio:.4g} ({probe.attack}) > κ {kappa:.4g}"
    )


def test_negative_control_mean_against_kappa_of_cwtm() -> None:
    """K1's negative control: the mean is far outside CWTM's κ on the same search."""
    probe = worst_ratio("mean", 11, 2, 4, np.random.default_rng(11), n=24)
    assert probe.ratio > A.make("cwtm").kappa(11, 2)


def test_krum_can_exceed_its_kappa_when_m_below_2f_plus_3() -> None:
    """docs/theory.md §2: Krum's κ needs m ≥ 2f + 3. With m = 2f + 1 the score uses
    m − f − 2 = f − 1 neighbours, so f identical colluding points score exactly 0 and Krum
    returns one of them, however far away they are."""
    m, f = 5, 2
    x = np.array([[0.0], [1.0], [-1.0], [100.0], [100.0]])
    scores = ref.krum_scores(x, f)  # the reference, since A.krum refuses m < 2f + 3
    chosen = x[min(range(m), key=lambda i: (scores[i], i))]
    assert chosen[0] == 100.0
    assert ref.ratio(chosen, x, (0, 1, 2)) > 6 * (1 + q(m, f))
    with pytest.raises(ValueError, match="krum needs m >= 7"):
        A.krum(x, f=f)


# ------------------------------------------------------------- CTMA proposition


def ctma_bound(
    x: np.ndarray, f: int, x0: np.ndarray, kept: list[int], s_prime: tuple[int, ...]
) -> float:
    """Right-hand side (4k/(m − f))·(V_S' + ‖x₀ − x̄_S'‖²), k = |S \\ S'| (docs/theory.md §2)."""
    m = x.shape[0]
    k = len(set(kept) - set(s_prime))
    xs = x[list(s_prime)]
    mean = xs.mean(axis=0)
    var = float(np.mean(np.sum((xs - mean) ** 2, axis=1)))
    return 4 * k / (m - f) * (var + float(np.sum((x0 - mean) ** 2)))


def proposition_violations(
    x: np.ndarray, f: int, out: np.ndarray, x0: np.ndarray, kept: list[int]
) -> int:
    """How many S' of size m − f violate ‖out − x̄_S'‖² ≤ bound (rounding slack 1e-9)."""
    m = x.shape[0]
    bad = 0
    for s_prime in itertools.combinations(range(m), m - f):
        lhs = float(np.sum((out - x[list(s_prime)].mean(axis=0)) ** 2))
        if lhs > ctma_bound(x, f, x0, kept, s_prime) * (1 + 1e-9) + 1e-12:
            bad += 1
    return bad


def kept_rows(x: np.ndarray, x0: np.ndarray, n_keep: int) -> list[int]:
    order = sorted(range(x.shape[0]), key=lambda i: (ref.sqdist(x[i], x0), i))
    return sorted(order[:n_keep])


@given(worker_arrays(m=(4, 9), d=(1, 3), magnitude=1e3), st.data())
def test_ctma_proposition_pathwise_on_generated_arrays(x: np.ndarray, data: st.DataObject) -> None:
    m = x.shape[0]
    f = data.draw(st.integers(1, (m - 1) // 2))
    base = data.draw(st.sampled_from(["cwtm", "cwmed", "gm", "mean"]))
    x0 = A.make(base)(x, f=f)
    out = A.ctma(x, f=f, base=base)
    assert proposition_violations(x, f, out, x0, kept_rows(x, x0, m - f)) == 0


@pytest.mark.parametrize("base", ["cwtm", "cwmed", "krum"])
def test_ctma_proposition_on_adversarial_instances(base: str) -> None:
    from sco.robustness import adversarial_instances

    m, f = 9, 3
    rng = np.random.default_rng(12)
    agg = A.make(f"ctma({base})")
    worst = 0.0
    for _, xs in adversarial_instances(agg, m, f, 3, rng, n=6):
        xs = np.where(np.isfinite(xs), np.clip(xs, -1e100, 1e100), 1e100)
        for x in xs:
            x0 = A.make(base)(x, f=f)
            out = agg(x, f=f)
            kept = kept_rows(x, x0, m - f)
            assert proposition_violations(x, f, out, x0, kept) == 0
            bound = ctma_bound(x, f, x0, kept, tuple(range(m - f)))
            if bound > 0:  # bound 0 (k = 0): equality up to rounding, checked above
                worst = max(worst, float(np.sum((out - x[: m - f].mean(0)) ** 2)) / bound)
    assert worst <= 1.0


def test_negative_control_ctma_with_a_wrong_trim_violates_the_proposition() -> None:
    """K3's negative control: keeping m − f + 1 rows (one Byzantine row survives) breaks the
    bound on a crafted input, and the same checker reports it."""
    m, f = 7, 2
    x = np.zeros((m, 2))
    x[: m - f, 0] = np.linspace(-1.0, 1.0, m - f)
    x[m - f :] = [[30.0, 30.0], [40.0, 40.0]]
    x0 = A.cwmed(x, f=f)
    kept = kept_rows(x, x0, m - f + 1)  # the wrong trim
    wrong = x[kept].mean(axis=0)
    assert proposition_violations(x, f, wrong, x0, kept_rows(x, x0, m - f)) > 0
    right = A.ctma(x, f=f, base="cwmed")
    assert proposition_violations(x, f, right, x0, kept_rows(x, x0, m - f)) == 0


def test_worst_subset_ratio_agrees_with_reference() -> None:
    rng = np.random.default_rng(13)
    x = rng.standard_normal((7, 3))
    out = A.cwtm(x, f=2)
    assert float(worst_subset_ratio(out, x, 2)) == pytest.approx(
        ref.worst_subset_ratio(out, x, 2), rel=1e-12
    )
