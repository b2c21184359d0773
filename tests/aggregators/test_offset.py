"""No cancellation: distance-based rules select the same rows for x and for x + c·1, with |c| up
to 1e12 times the spread of x (docs/theory.md §2; every rule here is translation equivariant).

Exactness, so that "the same" can be asserted bit for bit:

* outputs (:func:`test_outputs_shift_exactly`): x has integer entries in [-8, 8] (spread ≤ 16)
  and c is an integer with |c| ≤ 2**44 ≈ 1.1e12 × 16. Every x_i + c is exact, every sum of up
  to 16 such values stays below 2**49 and is exact, and the groups that are averaged (m − f,
  m − 2f for CWTM, k, the bucket size, an odd m for the median) are powers of two or odd-m
  medians, so rule(x + c) − c == rule(x) must hold exactly;
* selections (:func:`test_selections_do_not_move_with_a_large_offset`): integer entries in
  [-2**10, 2**10] (spread ≤ 2**11) and |c| ≤ 2**51 ≈ 1.1e12 × 2**11, so x + c is exact (below
  2**53) while means of shifted rows would not be: the kept or chosen rows are compared instead.

Before the fix CTMA expanded ‖x_i‖² − 2⟨x_i, x₀⟩ + ‖x₀‖² and lost its kept set from offsets of
about 1e7 times the spread.
"""

from __future__ import annotations

import numpy as np
import pytest

from sco import aggregators as A
from sco.aggregators.ctma import ctma_selection
from sco.aggregators.krum import krum_selection
from sco.aggregators.nnm import nnm_neighbours

N_CASES = 60  # per group of specs

# (spec, admissible (m, f)) — chosen so every average is exact (see the module docstring)
ODD = [(5, 1), (9, 1), (11, 3)]  # m odd, m − f a power of two, m ≥ 2f + 3
POW2 = [(3, 1), (6, 2), (12, 4)]  # m − f and m − 2f powers of two
GROUPS: list[tuple[list[str], list[tuple[int, int]]]] = [
    (
        [
            "krum",
            "multi_krum(k=4)",
            "ctma(cwmed)",
            "ctma(cwmed, ties=inclusive)",
            "ctma(krum)",
            "ctma(krum, ties=inclusive)",
            "nnm(cwmed)",
            "nnm(krum)",
            "ctma(nnm(cwmed))",
        ],
        ODD,
    ),
    (["cwtm", "ctma(cwtm)", "ctma(cwtm, ties=inclusive)", "nnm(cwtm)"], POW2),
    (["bucketing(krum, s=2)", "bucketing(ctma(cwmed), s=2)"], [(10, 1)]),
    (["bucketing(multi_krum(k=2), s=4)", "bucketing(krum, s=4)"], [(28, 2)]),
]


def _tied_integers(rng: np.random.Generator, m: int, d: int, hi: int) -> np.ndarray:
    """Integer rows in [-hi, hi] with ties: some duplicated, some mirrored."""
    x = rng.integers(-hi, hi + 1, (m, d)).astype(float)
    for i in range(0, m - 1, 3):
        x[i + 1] = x[i] if rng.random() < 0.5 else -x[i]
    return x[rng.permutation(m)]


@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_outputs_shift_exactly(group: int) -> None:
    specs, sizes = GROUPS[group]
    rng = np.random.default_rng(group)
    for case in range(N_CASES):
        m, f = sizes[int(rng.integers(len(sizes)))]
        x = _tied_integers(rng, m, int(rng.integers(1, 5)), 8)
        c = float(rng.integers(-(2**44), 2**44 + 1))
        for spec in specs:
            agg = A.make(spec)
            base = agg(x, f=f, rng=np.random.default_rng(case))
            moved = agg(x + c, f=f, rng=np.random.default_rng(case))
            assert np.array_equal(moved - c, base), (spec, case, m, f, c, x)


def test_selections_do_not_move_with_a_large_offset() -> None:
    rng = np.random.default_rng(11)
    for case in range(4 * N_CASES):
        m, d = int(rng.integers(5, 14)), int(rng.integers(1, 6))
        f = int(rng.integers(0, (m - 3) // 2 + 1))
        x = _tied_integers(rng, m, d, 2**10)
        c = float(rng.integers(-(2**51), 2**51 + 1))
        y = x + c
        assert np.array_equal(y - c, x)  # the shift itself is exact
        where = f"case {case}: m={m} f={f} c={c}"
        np.testing.assert_array_equal(nnm_neighbours(y, f=f), nnm_neighbours(x, f=f), where)
        for k in (1, 2, m - f):
            np.testing.assert_array_equal(
                krum_selection(y, f=f, k=k), krum_selection(x, f=f, k=k), where
            )
        np.testing.assert_array_equal(A.krum(y, f=f) - c, A.krum(x, f=f), where)
        if f > 0 and m % 2:  # the median of an odd number of rows is exact: cwmed(y) = cwmed(x) + c
            for ties in ("stable", "inclusive"):
                np.testing.assert_array_equal(
                    ctma_selection(y, A.cwmed(y), f=f, ties=ties),
                    ctma_selection(x, A.cwmed(x), f=f, ties=ties),
                    where,
                )


def test_ctma_kept_set_survives_offsets_of_1e12_times_the_spread_on_gaussian_rows() -> None:
    """The defect as reported: Gaussian rows (spread ~1) plus a common offset c = 2**e of
    1.7e7 … 1.1e12; the kept set of CTMA around the correspondingly shifted centre must not
    change. The rows are rounded to a grid of 4 ulp(c) first, so that x + c is exact."""
    rng = np.random.default_rng(12)
    for e in (24, 27, 30, 34, 40):
        c = 2.0**e  # ≈ 1.7e7 … 1.1e12
        grid = np.spacing(c) * 4
        x = np.round(rng.standard_normal((3, 40, 6)) / grid) * grid  # exact after adding c
        centre = A.cwmed(x)
        y, centre_y = x + c, centre + c
        assert np.array_equal(y - c, x) and np.array_equal(centre_y - c, centre)
        for ties in ("stable", "inclusive"):
            np.testing.assert_array_equal(
                ctma_selection(y, centre_y, f=8, ties=ties),
                ctma_selection(x, centre, f=8, ties=ties),
            )
