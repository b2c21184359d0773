"""rank_range_sum (the CWTM / CWMed kernel) against its definition, on both code paths.

The reference below is the definition written out: per coordinate, ``sorted()`` of Python floats
with NaN replaced by +inf, then a left-to-right sum of ranks lo .. hi-1 starting from 0.0. The
kernel promises the same additions in the same order, so results are compared bit for bit
(including the sign of zero and the position of NaN).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sco.aggregators import _orderstats
from sco.aggregators._orderstats import _rank_range_sum_numpy, rank_range_sum

needs_kernel = pytest.mark.skipif(not _orderstats.COMPILED, reason="C kernel not built")

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3.0, 1e300, -1e300, 1e-300, 1e16, 1.0 + 2.0**-52]
SPECIAL += [math.inf, -math.inf, math.nan]


def reference(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The definition, one coordinate at a time: ``x[..., m, d] -> [..., d]``."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1, *x.shape[-2:])
    out = np.empty((flat.shape[0], x.shape[-1]))
    for b in range(flat.shape[0]):
        for j in range(x.shape[-1]):
            ranked = sorted(math.inf if math.isnan(v) else v for v in flat[b, :, j].tolist())
            total = 0.0
            for v in ranked[lo:hi]:
                total += v
            out[b, j] = total
    return out.reshape(*x.shape[:-2], x.shape[-1])


def reference_all_ranges(x: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """The reference for every 0 <= lo < hi <= m at once (running sums from each lo): [m, d]."""
    m, d = x.shape
    out = {(lo, hi): np.empty(d) for lo in range(m) for hi in range(lo + 1, m + 1)}
    for j in range(d):
        ranked = sorted(math.inf if math.isnan(v) else v for v in x[:, j].tolist())
        for lo in range(m):
            total = 0.0
            for hi in range(lo + 1, m + 1):
                total += ranked[hi - 1]
                out[lo, hi][j] = total
    return out


def assert_same_bits(got: np.ndarray, want: np.ndarray) -> None:
    """Equal shapes, NaN in the same places, and identical bits (so -0.0 != +0.0) elsewhere."""
    assert got.shape == want.shape
    assert got.dtype == np.float64
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64))


def random_workers(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values with ties, NaN, ±inf, huge values and signed zeros sprinkled in."""
    x = rng.standard_normal(shape)
    ties = rng.random(shape) < 0.3
    x[ties] = np.round(x[ties])  # many equal values, and both signs of zero
    pick = rng.random(shape)
    x[pick < 0.03] = np.nan
    x[(pick >= 0.03) & (pick < 0.05)] = np.inf
    x[(pick >= 0.05) & (pick < 0.07)] = -np.inf
    x[(pick >= 0.07) & (pick < 0.09)] = -0.0
    x[(pick >= 0.09) & (pick < 0.10)] = 1e300
    return x


def both_paths(x: np.ndarray, lo: int, hi: int) -> list[np.ndarray]:
    """The result of every available path: the public function and the numpy fallback."""
    return [rank_range_sum(x, lo, hi), _rank_range_sum_numpy(x, lo, hi)]


@st.composite
def cases(draw: st.DrawFn, max_m: int = 12, max_d: int = 20) -> tuple[np.ndarray, int, int]:
    batch = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    m = draw(st.integers(1, max_m))
    d = draw(st.integers(1, max_d))
    values = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))
    x = draw(hnp.arrays(np.float64, (*batch, m, d), elements=values))
    lo = draw(st.integers(0, m - 1))
    hi = draw(st.integers(lo + 1, m))
    return x, lo, hi


@given(cases())
def test_matches_definition_small(case: tuple[np.ndarray, int, int]) -> None:
    x, lo, hi = case
    want = reference(x, lo, hi)
    for got in both_paths(x, lo, hi):
        assert_same_bits(got, want)


@given(cases(max_m=70, max_d=35))
def test_matches_definition_larger_networks(case: tuple[np.ndarray, int, int]) -> None:
    x, lo, hi = case
    want = reference(x, lo, hi)
    for got in both_paths(x, lo, hi):
        assert_same_bits(got, want)


@pytest.mark.parametrize(
    "m", [1, 2, 3, 7, 16, 17, 33, 100, pytest.param(257, marks=pytest.mark.slow)]
)
def test_every_rank_range(m: int) -> None:
    """All valid (lo, hi); d is not a multiple of the tile width (and spans several tiles)."""
    rng = np.random.default_rng(100 + m)
    d = 37 if m <= 100 else 29
    x = random_workers(rng, (m, d))
    want = reference_all_ranges(x)
    for (lo, hi), expected in want.items():
        assert_same_bits(rank_range_sum(x, lo, hi), expected)


@pytest.mark.parametrize("m", [1, 2, 3, 7, 16, 17, 33, 100, 257])
def test_fallback_equals_public_path(m: int) -> None:
    rng = np.random.default_rng(200 + m)
    x = random_workers(rng, (2, m, 45))
    f = (m - 1) // 4
    for lo, hi in {(0, m), (f, m - f), ((m - 1) // 2, m // 2 + 1), (0, 1), (m - 1, m)}:
        assert_same_bits(rank_range_sum(x, lo, hi), _rank_range_sum_numpy(x, lo, hi))


def test_fallback_is_used_without_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the compiled module unavailable, the public function runs the numpy path."""
    rng = np.random.default_rng(3)
    x = random_workers(rng, (3, 9, 50))
    compiled = rank_range_sum(x, 2, 7)
    monkeypatch.setattr(_orderstats, "_KERNEL", None)
    assert_same_bits(rank_range_sum(x, 2, 7), compiled)
    assert_same_bits(rank_range_sum(x, 2, 7), reference(x, 2, 7))


def test_large_m() -> None:
    rng = np.random.default_rng(4)
    x = random_workers(rng, (1000, 19))
    for lo, hi in [(249, 751), (499, 501), (0, 1000), (999, 1000)]:
        assert_same_bits(rank_range_sum(x, lo, hi), reference(x, lo, hi))


@needs_kernel
@pytest.mark.parametrize("m", [1, 4, 5, 13, 20, 64, 100, 130])
def test_every_instruction_set_agrees(m: int) -> None:
    """The AVX2, SSE2 and portable builds of the kernel give the same bits."""
    from sco.aggregators import _orderstats_c

    rng = np.random.default_rng(300 + m)
    x = random_workers(rng, (2, m, 41))
    f = (m - 1) // 4
    want = reference(x, f, m - f)
    for isa in _orderstats_c.ISAS:
        out = np.empty((2, 41))
        _orderstats_c.rank_range_sum(x, out, 2, m, 41, f, m - f, isa)
        assert_same_bits(out, want)


@pytest.mark.parametrize(("m", "d"), [(20, 1500), (40, 2000), (100, 700)])
def test_wide_inputs(m: int, d: int) -> None:
    """Many tiles, and (for m >= 33) several column blocks with a ragged last one."""
    rng = np.random.default_rng(400 + m)
    x = random_workers(rng, (2, m, d))
    f = (m - 1) // 4
    for lo, hi in [(f, m - f), ((m - 1) // 2, m // 2 + 1), (0, m)]:
        want = reference(x, lo, hi)
        for got in both_paths(x, lo, hi):
            assert_same_bits(got, want)


def test_batch_element_is_bit_identical_to_alone() -> None:
    rng = np.random.default_rng(5)
    for m in (5, 20, 33):
        x = random_workers(rng, (4, m, 29))
        lo, hi = (m - 1) // 4, m - (m - 1) // 4
        batched = rank_range_sum(x, lo, hi)
        for b in range(4):
            assert_same_bits(batched[b], rank_range_sum(x[b], lo, hi))
            assert_same_bits(rank_range_sum(x[b][None], lo, hi)[0], batched[b])
        assert_same_bits(rank_range_sum(x[None], lo, hi)[0], batched)
        stacked = np.stack([x[2], x[0], x[2]])
        out = rank_range_sum(stacked, lo, hi)
        assert_same_bits(out[0], batched[2])
        assert_same_bits(out[1], batched[0])
        assert_same_bits(out[2], batched[2])


def test_input_is_not_mutated() -> None:
    rng = np.random.default_rng(6)
    x = random_workers(rng, (3, 20, 40))
    before = x.copy()
    for lo, hi in [(0, 20), (4, 16), (9, 11)]:
        rank_range_sum(x, lo, hi)
        _rank_range_sum_numpy(x, lo, hi)
    assert x.tobytes() == before.tobytes()


def test_read_only_input() -> None:
    rng = np.random.default_rng(7)
    x = random_workers(rng, (6, 30))
    x.setflags(write=False)
    assert_same_bits(rank_range_sum(x, 1, 5), reference(x, 1, 5))


def test_non_contiguous_and_converted_inputs() -> None:
    rng = np.random.default_rng(8)
    base = random_workers(rng, (2, 9, 60))
    views = [
        base[..., ::2],  # strided columns
        base[:, ::-1, :],  # reversed workers
        np.swapaxes(random_workers(rng, (2, 33, 9)), -1, -2),  # transposed: [2, 9, 33]
        np.asfortranarray(base[0]),
        rng.standard_normal((9, 20)).astype(np.float32),
    ]
    for v in views:
        want = reference(np.asarray(v, dtype=np.float64), 2, 7)
        for got in both_paths(v, 2, 7):
            assert_same_bits(got, want)
    ints = rng.integers(-5, 5, size=(9, 13))
    assert_same_bits(rank_range_sum(ints, 3, 6), reference(ints.astype(np.float64), 3, 6))


@pytest.mark.parametrize("shape", [(0, 5, 7), (2, 0, 5, 7), (5, 0), (3, 5, 0), (0, 5, 0)])
def test_empty_batch_or_no_coordinates(shape: tuple[int, ...]) -> None:
    x = np.zeros(shape)
    for got in both_paths(x, 1, 3):
        assert got.shape == (*shape[:-2], shape[-1])


def test_outside_values_never_leak() -> None:
    """NaN and ±inf outside the rank range do not touch the result; inside they propagate."""
    x = np.array([[np.nan, -np.inf, 1.0], [1.0, 2.0, np.inf], [2.0, 3.0, -np.inf], [3.0, 4.0, 5.0]])
    for got in both_paths(x, 1, 3):
        np.testing.assert_array_equal(got, [5.0, 5.0, 6.0])
    for got in both_paths(x, 0, 4):  # all ranks: -inf + inf -> nan, NaN counts as +inf
        assert_same_bits(got, reference(x, 0, 4))
        assert got[0] == np.inf and np.isnan(got[2])


def test_zero_result_is_positive_zero() -> None:
    x = np.array([[-0.0, 0.0], [-0.0, -0.0]])
    for got in both_paths(x, 0, 2):
        assert not np.signbit(got).any()


@pytest.mark.parametrize(
    ("lo", "hi"), [(-1, 2), (0, 0), (3, 3), (4, 3), (0, 6), (5, 6), (1.0, 3), (True, 3), ("1", 3)]
)
def test_bad_rank_range_raises(lo: object, hi: object) -> None:
    x = np.zeros((5, 4))
    for fn in (rank_range_sum, _rank_range_sum_numpy):
        with pytest.raises(ValueError, match=r"0 <= lo < hi <= m = 5; got lo=.*, hi=") as err:
            fn(x, lo, hi)  # type: ignore[arg-type]
        assert "\n" not in str(err.value)


def test_numpy_integer_ranks_are_accepted() -> None:
    x = np.arange(20.0).reshape(5, 4)
    got = rank_range_sum(x, np.int64(1), np.int32(3))  # type: ignore[arg-type]
    assert_same_bits(got, reference(x, 1, 3))


@pytest.mark.parametrize("shape", [(5,), ()])
def test_needs_worker_axis(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shape"):
        rank_range_sum(np.zeros(shape), 0, 1)


def test_no_workers_has_no_valid_range() -> None:
    with pytest.raises(ValueError, match="m = 0"):
        rank_range_sum(np.zeros((0, 3)), 0, 1)


@needs_kernel
def test_kernel_checks_its_buffers() -> None:
    """The low-level entry point refuses sizes that do not match (memory safety)."""
    from sco.aggregators import _orderstats_c

    x, out = np.zeros((4, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="buffer sizes"):
        _orderstats_c.rank_range_sum(x, out, 1, 4, 4, 0, 1)
    with pytest.raises(ValueError, match="buffer sizes"):
        _orderstats_c.rank_range_sum(x, np.zeros(2), 1, 4, 3, 0, 1)
    with pytest.raises(ValueError, match="lo"):
        _orderstats_c.rank_range_sum(x, out, 1, 4, 3, 2, 2)
    with pytest.raises(ValueError, match="isa"):
        _orderstats_c.rank_range_sum(x, out, 1, 4, 3, 0, 1, "no-such-isa")
    with pytest.raises((TypeError, BufferError, ValueError)):
        _orderstats_c.rank_range_sum(x, np.zeros(3)[::-1], 1, 4, 3, 0, 1)


def test_compiled_flag() -> None:
    assert isinstance(_orderstats.COMPILED, bool)
    assert _orderstats.COMPILED == (_orderstats._KERNEL is not None)


def test_concurrent_calls_agree() -> None:
    """The kernel releases the GIL; concurrent calls must not share scratch state."""
    rng = np.random.default_rng(9)
    xs = [random_workers(rng, (50, 300)) for _ in range(8)]
    want = [rank_range_sum(x, 12, 38) for x in xs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda x: rank_range_sum(x, 12, 38), xs * 3))
    for i, g in enumerate(got):
        assert_same_bits(g, want[i % len(xs)])
