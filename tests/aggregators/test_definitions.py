"""Every aggregator against a brute-force reference from its definition (docs/theory.md §2)."""

from __future__ import annotations

import numpy as np
import pytest
import reference as ref
from hypothesis import given
from hypothesis import strategies as st

from sco import aggregators as A
from sco.testing import worker_arrays


def _instances(seed: int, m: int, d: int, n: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, m, d))
    x[1] = np.round(x[1])  # many exact ties
    x[2, : m // 2] *= 50.0  # outliers
    return x


@pytest.mark.parametrize(("m", "f"), [(5, 1), (9, 2), (12, 3), (20, 4)])
def test_cwtm_and_cwmed_match_sorting_each_coordinate(m: int, f: int) -> None:
    for x in _instances(1, m, 4):
        np.testing.assert_allclose(A.cwtm(x, f=f), ref.cwtm(x, f), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(A.cwmed(x, f=f), ref.cwmed(x), rtol=1e-14, atol=1e-14)


@given(worker_arrays(m=(3, 9), d=(1, 4)), st.data())
def test_coordinatewise_on_generated_arrays(x: np.ndarray, data: st.DataObject) -> None:
    m = x.shape[0]
    f = data.draw(st.integers(0, (m - 1) // 2))
    scale = max(1.0, float(np.abs(x).max()))
    np.testing.assert_allclose(A.cwtm(x, f=f), ref.cwtm(x, f), rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(A.cwmed(x), ref.cwmed(x), rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize(("m", "f"), [(5, 1), (9, 2), (11, 4), (20, 3)])
def test_krum_and_multi_krum_scores_by_explicit_loops(m: int, f: int) -> None:
    for x in _instances(2, m, 3):
        np.testing.assert_allclose(
            A.krum_scores(x, f=f), ref.krum_scores(x, f), rtol=1e-9, atol=1e-9
        )
        np.testing.assert_array_equal(A.krum(x, f=f), ref.krum(x, f))
        for k in (1, 3, m - f):
            np.testing.assert_allclose(
                A.multi_krum(x, f=f, k=k), ref.multi_krum(x, f, k), rtol=1e-13, atol=1e-13
            )


def test_krum_ties_pick_the_lowest_index() -> None:
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [9.0, 9.0]])
    # rows 1, 2 and 3 are identical and have the lowest score
    np.testing.assert_array_equal(A.krum(x, f=1), x[1])
    assert np.argmin(A.krum_scores(x, f=1)) == 1


@pytest.mark.parametrize(("m", "f"), [(5, 1), (9, 2), (12, 5)])
def test_nnm_mixing_by_explicit_loops(m: int, f: int) -> None:
    for x in _instances(3, m, 3):
        np.testing.assert_allclose(A.nnm_mix(x, f=f), ref.nnm_mix(x, f), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            A.nnm(x, f=f, base="cwtm"), ref.cwtm(ref.nnm_mix(x, f), f), rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize("base", ["cwtm", "cwmed", "krum", "gm", "mean"])
@pytest.mark.parametrize(("m", "f"), [(7, 2), (11, 3), (17, 4)])
def test_ctma_by_its_three_steps(base: str, m: int, f: int) -> None:
    agg = A.make(base)
    for x in _instances(4, m, 3):
        x0 = agg(x, f=f)  # step 1
        np.testing.assert_allclose(
            A.ctma(x, f=f, base=base), ref.ctma(x, f, x0), rtol=1e-13, atol=1e-13
        )


def test_ctma_exact_properties() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((9, 4))
    np.testing.assert_array_equal(A.ctma(x, f=0, base="cwtm"), x.mean(axis=0))  # f = 0: mean
    honest, byz = rng.standard_normal((7, 4)), 1e3 + rng.standard_normal((2, 4))
    y = np.concatenate([honest[:3], byz[:1], honest[3:], byz[1:]])
    # x̄_G exactly, up to the summation order of one matrix-vector product
    np.testing.assert_allclose(A.ctma(y, f=2, base="cwmed"), honest.mean(axis=0), rtol=1e-14)
    shift = rng.standard_normal(4) * 10
    np.testing.assert_allclose(
        A.ctma(x + shift, f=2, base="cwtm"), A.ctma(x, f=2, base="cwtm") + shift, rtol=1e-12
    )


def test_ctma_is_not_pointwise_better_than_its_base() -> None:
    """docs/theory.md §2: a single instance where CTMA is worse than its base is allowed. Find one,
    so that no code or claim in the toolkit assumes otherwise."""
    rng = np.random.default_rng(6)
    found = False
    for _ in range(200):
        x = rng.standard_normal((7, 2))
        x[5:] = rng.standard_normal((2, 2)) * 3
        honest_mean = x[:5].mean(axis=0)
        base_err = np.sum((A.cwmed(x, f=2) - honest_mean) ** 2)
        ctma_err = np.sum((A.ctma(x, f=2, base="cwmed") - honest_mean) ** 2)
        if ctma_err > base_err * 1.01:
            found = True
            break
    assert found


def _gm_subgradient_gap(x: np.ndarray, z: np.ndarray) -> float:
    """How far 0 is from the subdifferential of Σ‖x_i − z‖ at z (0 at the optimum)."""
    diff = z - x
    dist = np.linalg.norm(diff, axis=1)
    at = dist <= 1e-12 * max(1.0, np.abs(x).max())
    g = np.sum(diff[~at] / dist[~at, None], axis=0)
    return max(0.0, float(np.linalg.norm(g)) - int(at.sum()))


@pytest.mark.parametrize("seed", range(6))
def test_geometric_median_satisfies_optimality_condition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, d = rng.integers(3, 15), rng.integers(1, 6)
    x = rng.standard_normal((m, d)) * rng.choice([1e-3, 1.0, 1e3])
    z = A.geometric_median(x)
    assert _gm_subgradient_gap(x, z) <= 1e-5 * m
    # and no perturbation improves the objective
    best = ref.gm_objective(x, z)
    for _ in range(50):
        w = z + 1e-4 * np.abs(x).max() * rng.standard_normal(d)
        assert ref.gm_objective(x, w) >= best * (1 - 1e-12)


def test_geometric_median_of_symmetric_collinear_points_is_the_middle_point() -> None:
    u = np.array([0.3, -1.2, 2.0])
    c = np.array([5.0, 1.0, -2.0])
    for k in (1, 2, 5):
        x = np.array([c + t * u for t in range(-k, k + 1)])
        np.testing.assert_array_equal(A.geometric_median(x), c)  # exactly the data point


def test_geometric_median_majority_point_is_exact() -> None:
    x = ref_lower = np.concatenate([np.zeros((5, 3)), np.tile([1.0, 2.0, 3.0], (2, 1))])
    np.testing.assert_array_equal(A.geometric_median(ref_lower, f=2), np.zeros(3))
    assert _gm_subgradient_gap(x, np.zeros(3)) == 0.0


def test_centered_clipping_by_loops() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        x = rng.standard_normal((9, 3)) * 3
        v0 = ref.cwmed(x)
        np.testing.assert_allclose(
            A.centered_clipping(x, f=2, tau=0.7, iters=4),
            ref.centered_clipping(x, v0, 0.7, 4),
            rtol=1e-12,
        )


def test_bucketing_by_loops() -> None:
    x = np.random.default_rng(8).standard_normal((11, 3))
    out = A.bucketing(x, f=1, base="cwmed", s=3, rng=np.random.default_rng(9))
    perm = np.argsort(np.random.default_rng(9).random(11), kind="stable")
    buckets = [perm[i : i + 3] for i in range(0, 11, 3)]  # sizes 3, 3, 3, 2
    means = np.array([x[b].mean(axis=0) for b in buckets])
    np.testing.assert_allclose(out, ref.cwmed(means), rtol=1e-14)


@pytest.mark.parametrize(
    ("m", "f", "s"), [(17, 4, 2), (10, 1, 4), (9, 4, 1), (20, 0, 1), (21, 5, 2)]
)
def test_default_bucket_size_keeps_contaminated_buckets_below_half(m: int, f: int, s: int) -> None:
    assert A.default_bucket_size(m, f) == s
    n_buckets = -(-m // s)
    assert f == 0 or 2 * f < n_buckets  # at most f contaminated buckets, strictly below half
