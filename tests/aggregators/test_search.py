"""The adversarial search behind K1/K4: it only ever improves, the ratio it reports is the
implemented rule's ratio on the instance it returns, and it names where that instance came from."""

from __future__ import annotations

import numpy as np
import pytest

from sco import aggregators as A
from sco.aggregators.geometric_median import geometric_median_certified
from sco.robustness import (
    FAMILIES,
    local_search,
    median_cluster_family,
    ratio,
    search_worst,
    starting_instances,
)


def honest_ratio(spec: str, x: np.ndarray, f: int) -> float:
    m = x.shape[-2]
    return float(ratio(A.make(spec)(x, f=f), x, np.arange(m - f)))


def test_local_search_never_lowers_a_ratio_and_reports_the_rule_on_its_instance() -> None:
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((6, 11, 3))
    start, _ = local_search("cwmed", x0, 2, rng, iters=0)
    r, x = local_search("cwmed", x0, 2, rng, iters=60)
    assert np.all(r >= start)
    for k in range(6):
        assert r[k] == pytest.approx(honest_ratio("cwmed", x[k], 2), rel=1e-12)


@pytest.mark.parametrize("spec", ["cwtm", "ctma(cwmed)", "krum"])
def test_search_worst_beats_its_starting_point_and_names_its_family(spec: str) -> None:
    w = search_worst(spec, 13, 3, 3, np.random.default_rng(1), n=4, iters=5, polish=40)
    assert w.family and w.ratio >= w.start_ratio
    assert w.ratio == pytest.approx(honest_ratio(spec, w.x, 3), rel=1e-12)
    kappa = A.make(spec).kappa(13, 3)
    assert kappa is not None and w.ratio <= kappa


def test_ctma_search_beats_the_lower_bound_construction() -> None:
    """K4 needs a real search: from the lower-bound construction (ratio f/(m − 2f)) the climb
    must reach well above it."""
    m, f = 41, 2
    w = search_worst("ctma(cwmed)", m, f, 4, np.random.default_rng(2), n=4, iters=3, polish=200)
    assert w.ratio > 2.0 * f / (m - 2 * f)


def test_surrogate_drives_the_climb_but_the_rule_scores_it() -> None:
    rng = np.random.default_rng(3)
    w = search_worst(
        "ctma(gm)", 15, 3, 3, rng, n=2, iters=2, polish=10, surrogate=A.make("ctma(gm(tol=1e-4))")
    )
    assert w.ratio == pytest.approx(honest_ratio("ctma(gm)", w.x, 3), rel=1e-12)


def test_families_select_the_starting_kinds() -> None:
    rng = np.random.default_rng(4)
    names = [name for name, _ in starting_instances("cwmed", 11, 2, 2, rng, 2)]
    assert {"lower_bound", "median_cluster", "alie", "random(scale=1)"} <= set(names)
    assert set(FAMILIES) == {"attacks", "random", "lower_bound", "median_cluster"}
    w = search_worst("cwmed", 11, 2, 2, rng, n=2, iters=0, polish=0, families=("median_cluster",))
    assert w.family == "median_cluster"
    with pytest.raises(ValueError, match="no starting family"):
        search_worst("cwmed", 11, 2, 2, rng, families=("none",))


def test_median_cluster_family_reaches_the_gm_constant_for_odd_m() -> None:
    """docs/theory.md §6: GM's worst ratio is (m − 1)/(m − 2f + 1) for odd m, attained by this
    family (without jitter)."""
    m, f = 11, 3
    x = median_cluster_family(np.random.default_rng(5), 8, m, f, 2)
    best = max(honest_ratio("gm", xi, f) for xi in x)
    assert best == pytest.approx((m - 1) / (m - 2 * f + 1), rel=1e-6)


def test_geometric_median_stops_at_an_optimal_vertex_without_crawling() -> None:
    """A median on a jittered cluster is often one of its points; the vertex test returns that
    point exactly (certified: the relative gap is only the rounding allowance 2·m·ε) instead of
    letting Weiszfeld crawl towards it for 10⁴ steps; elsewhere Newton keeps the steps few."""
    rng = np.random.default_rng(6)
    m, f, d = 21, 5, 3
    x = median_cluster_family(rng, 6, m, f, d)
    cert = geometric_median_certified(x, tol=1e-8, max_iter=10_000)
    assert cert.converged.all() and cert.iterations.max() < 50
    at_point = (x == cert.z[:, None, :]).all(axis=-1).any(axis=-1)
    assert at_point.any()
    assert np.all(cert.rel_gap[at_point] <= 2.0 * m * np.finfo(float).eps)
