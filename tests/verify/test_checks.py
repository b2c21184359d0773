"""Checkers decide PASS, FAIL and INCONCLUSIVE by the rules of verify.checks, on data whose
truth is known by construction; non-finite data are never dropped silently."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verify import Measurement, Status, Verdict, checks
from verify.verdict import combine, worst_status


def meas(values: np.ndarray, theory: object = None, x: object = None, **kw: object) -> Measurement:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    k = values.shape[1]
    grid = np.arange(1.0, k + 1) if x is None else np.asarray(x, float)
    th = None if theory is None else np.broadcast_to(np.asarray(theory, float), (k,))
    return Measurement(grid, values, th, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ upper bound


def test_upper_bound_pass_fail_and_inconclusive() -> None:
    rng = np.random.default_rng(0)
    vals = rng.exponential(1.0, (64, 3)) * np.array([1.0, 0.5, 0.25])  # means 1, .5, .25
    assert checks.check_upper_bound(meas(vals, [2.0, 1.0, 0.5])).status == Status.PASS
    bad = checks.check_upper_bound(meas(vals, [2.0, 1.0, 0.1]))
    assert bad.status == Status.FAIL and bad.predicted == 0.1 and bad.n_seeds == 64
    # a bound at the mean itself: the CI straddles it
    m = vals.mean(axis=0)
    assert checks.check_upper_bound(meas(vals, m)).status == Status.INCONCLUSIVE


def test_upper_bound_uses_the_upper_ci_end_not_the_mean() -> None:
    rng = np.random.default_rng(1)
    vals = rng.normal(1.0, 0.5, (32, 1))
    v = checks.check_upper_bound(meas(vals, 1.0 + 0.02))  # mean < bound < upper CI end
    assert vals.mean() < 1.02 < v.ci[1] and v.status != Status.PASS


def test_upper_bound_tightness_is_the_largest_mean_over_bound() -> None:
    vals = np.tile([[1.0, 2.0, 3.0]], (8, 1)) + np.linspace(0, 1e-9, 8)[:, None]
    v = checks.check_upper_bound(meas(vals, [10.0, 4.0, 100.0]))
    assert v.tightness == pytest.approx(0.5, rel=1e-6) and v.status == Status.PASS


def test_one_diverged_seed_fails_unless_divergence_is_allowed() -> None:
    rng = np.random.default_rng(2)
    vals = rng.exponential(1.0, (64, 4))
    vals[5, 2] = np.nan
    v = checks.check_upper_bound(meas(vals, 100.0))
    assert v.status == Status.FAIL and v.n_diverged == 1 and "diverged" in v.details["reason"]
    allowed = checks.check_upper_bound(meas(vals, 100.0), allow_divergence=True)
    assert allowed.status == Status.PASS and allowed.n_diverged == 1
    assert "dropped" in allowed.details["divergence"]
    every = np.full((4, 2), np.inf)
    assert checks.check_upper_bound(meas(every, 1.0), allow_divergence=True).status == Status.FAIL


def test_diverged_flag_counts_even_with_finite_values() -> None:
    vals = np.ones((4, 2))
    v = checks.check_upper_bound(meas(vals, 2.0, diverged=[False, True, False, False]))
    assert v.status == Status.FAIL and v.n_diverged == 1


def test_lower_bound_mirrors_the_upper_bound() -> None:
    rng = np.random.default_rng(3)
    vals = rng.exponential(1.0, (64, 2)) + 1.0  # means ≈ 2
    assert checks.check_lower_bound(meas(vals, 1.0)).status == Status.PASS
    assert checks.check_lower_bound(meas(vals, 4.0)).status == Status.FAIL
    assert checks.check_lower_bound(meas(vals, vals.mean(0))).status == Status.INCONCLUSIVE
    v = checks.check_lower_bound(meas(np.array([[2.0, 4.0]]), [1.0, 1.0]))
    assert v.tightness == pytest.approx(0.5)  # floor/measured, largest over the grid


# ------------------------------------------------------------------ equivalence


@pytest.mark.parametrize(
    ("center", "expected"), [(1.0, Status.PASS), (1.3, Status.FAIL), (1.05, Status.INCONCLUSIVE)]
)
def test_equivalence_is_a_two_one_sided_decision(center: float, expected: Status) -> None:
    rng = np.random.default_rng(4)
    vals = center + 0.05 * rng.standard_normal((400, 5))
    assert checks.check_equivalence(meas(vals, 1.0), 0.05).status == expected


def test_equivalence_band_is_simultaneous_over_the_grid() -> None:
    """A single grid point far off fails the whole check."""
    rng = np.random.default_rng(5)
    vals = 1.0 + 0.01 * rng.standard_normal((200, 6))
    vals[:, 3] += 0.2
    v = checks.check_equivalence(meas(vals, 1.0), 0.05)
    assert v.status == Status.FAIL and v.details["x_worst"] == 4.0


# ------------------------------------------------------------------ slopes


def power_law(slope: float, noise: float, seeds: int, rng: np.random.Generator) -> Measurement:
    t = np.geomspace(10, 1000, 12)
    vals = t**slope * rng.lognormal(0.0, noise, (seeds, t.size))
    return meas(vals, x=t)


def test_slope_equivalence_pass_fail_and_a_ci_that_only_touches_the_band() -> None:
    rng = np.random.default_rng(6)
    assert checks.check_slope(power_law(-1.0, 0.2, 64, rng), -1.0, 0.1).status == Status.PASS
    assert checks.check_slope(power_law(0.0, 0.2, 64, rng), -1.0, 0.1).status == Status.FAIL
    # the defect of the old rule: slope −0.863 with a CI reaching into −1 ± 0.1 passed
    v = checks.check_slope(power_law(-0.863, 1.2, 64, rng), -1.0, 0.1)
    assert v.ci[0] < -0.9 < v.ci[1], v
    assert v.status == Status.INCONCLUSIVE


def test_one_sided_slopes() -> None:
    rng = np.random.default_rng(7)
    m = power_law(-1.0, 0.2, 64, rng)
    assert checks.check_slope(m, -0.5, 0.1, side="upper").status == Status.PASS
    assert checks.check_slope(m, -0.5, 0.1, side="lower").status == Status.FAIL
    assert checks.check_slope(m, -1.0, 0.0, side="upper").status == Status.INCONCLUSIVE


def test_slope_with_a_diverged_seed_fails() -> None:
    """The old bootstrap dropped non-finite resamples and passed with estimate nan."""
    rng = np.random.default_rng(8)
    m = power_law(-1.0, 0.2, 64, rng)
    vals = np.array(m.values)
    vals[17, 4] = np.inf
    v = checks.check_slope(meas(vals, x=m.x), -1.0, 0.1)
    assert v.status == Status.FAIL and v.n_diverged == 1


def test_slope_with_zero_means_in_resamples_is_never_decided() -> None:
    vals = np.zeros((20, 4))
    vals[0] = [1.0, 0.5, 0.25, 0.125]  # one seed carries all the mass: resamples without it are 0
    v = checks.check_slope(meas(vals, x=[1, 2, 4, 8]), -1.0, 0.1)
    assert v.status == Status.INCONCLUSIVE and v.ci == (-np.inf, np.inf)
    assert v.details["undefined_resamples"] > 0


# ------------------------------------------------------------------ exact, spread, ratio


def test_exact_check_takes_an_absolute_tolerance() -> None:
    m = meas(np.array([[1.0 + 1e-10, 2.0]]), [1.0, 2.0])
    assert checks.check_exact(m, atol=1e-9).status == Status.PASS
    assert checks.check_exact(m, atol=1e-11).status == Status.FAIL
    assert checks.check_exact(meas(np.array([[0.0, 1e-13]]), 0.0), atol=1e-12).passed
    assert checks.check_exact(m, atol=0.0, rtol=1e-9).status == Status.PASS
    nan = meas(np.array([[np.nan]]), 1.0)
    assert checks.check_exact(nan, atol=1e300).status == Status.FAIL
    with pytest.raises(ValueError, match="atol and rtol must be >= 0"):
        checks.check_exact(m, atol=-1.0)


def test_spread_check() -> None:
    rng = np.random.default_rng(9)
    flat = rng.exponential(1.0, (64, 5)) * np.array([1.0, 1.2, 0.9, 1.1, 1.0])
    assert checks.check_spread(meas(flat), 5.0).status == Status.PASS
    wide = flat * np.array([1.0, 3.0, 10.0, 30.0, 100.0])
    assert checks.check_spread(meas(wide), 5.0).status == Status.FAIL


def test_min_slope_ignores_disturbed_repeats() -> None:
    """Timings: the minimum over repeats is the undisturbed run, so spikes do not matter."""
    m_grid = np.array([100.0, 200.0, 400.0, 800.0])
    rng = np.random.default_rng(10)
    base = m_grid * 1e-6  # linear cost: exponent 1
    reps = base * (1.0 + 0.01 * rng.random((9, 4)))
    reps[::2, -1] *= 4.0  # load spikes on half the repeats at the largest m
    v = checks.check_min_slope(meas(reps, x=m_grid), 1.1)
    assert v.status == Status.PASS and v.estimate == pytest.approx(1.0, abs=0.02)
    assert checks.check_min_slope(meas(reps, x=m_grid), 0.9, side="lower").status == Status.PASS
    assert checks.check_min_slope(meas(reps, x=m_grid), 0.5).status == Status.FAIL


def test_ratio_check() -> None:
    assert checks.check_ratio("X", 0.9, 1.0).status == Status.PASS
    assert checks.check_ratio("X", 0.9, 1.0, ci=(0.8, 1.1)).status == Status.INCONCLUSIVE
    assert checks.check_ratio("X", 1.2, 1.0, ci=(1.1, 1.3)).status == Status.FAIL
    assert checks.check_ratio("X", float("nan"), 1.0).status == Status.FAIL


# ------------------------------------------------------------------ verdicts


def test_status_precedence_when_parts_combine() -> None:
    def part(s: Status) -> Verdict:
        return Verdict("X", s, 1.0, (1.0, 1.0), 1.0)

    order = [Status.FAIL, Status.VACUOUS, Status.INCONCLUSIVE, Status.PASS]
    for i, s in enumerate(order):
        assert worst_status(order[i:]) == s
        assert combine("X", [part(t) for t in order[i:]]).status == s
    with pytest.raises(ValueError):
        worst_status([])


def test_verdict_str_names_status_tightness_seeds_instances() -> None:
    v = Verdict(
        "E1",
        Status.PASS,
        -1.01,
        (-1.05, -0.97),
        -1.0,
        0.1,
        "≈",
        "slope",
        0.5,
        48,
        2,
        ("a", "b", "c"),
    )
    assert str(v) == (
        "PASS E1 slope −1.01 [−1.05, −0.97] ≈ −1 ± 0.1; tightness 0.5; 48 seeds × 3 instances; "
        "2 diverged"
    )
    assert not v.negative_control and v.passed
    neg = v.with_(control="storm", status=Status.FAIL)
    assert neg.negative_control and neg.rejected and "[negative control: storm]" in str(neg)


def test_verdict_round_trips_through_json_with_its_measurement() -> None:
    rng = np.random.default_rng(11)
    vals = rng.standard_normal((5, 3))
    vals[1, 2] = np.nan
    vals[2, 0] = np.inf
    m = meas(vals, [1.0, 2.0, 3.0], config={"a": np.float64(1.5), "b": [np.int64(2)]})
    v = checks.check_upper_bound(m)
    part = v.with_(details={"arr": np.arange(3), "x": np.inf})
    whole = combine("X", [part, part], statement="s", family="fam", details={"k": 1})
    text = json.dumps(whole.to_dict())
    back = Verdict.from_dict(json.loads(text))
    assert back.status == whole.status and back.family == "fam" and len(back.parts) == 2
    assert back.measurement is not None and whole.measurement is not None
    np.testing.assert_array_equal(back.measurement.values, whole.measurement.values)
    np.testing.assert_array_equal(back.measurement.diverged, [False, True, True, False, False])
    assert back.measurement.config == {"a": 1.5, "b": [2]}
    assert back.parts[0].details == {"arr": [0, 1, 2], "x": "inf"}
    assert back.to_dict() == json.loads(text)


def test_measurement_validates_shapes() -> None:
    with pytest.raises(ValueError, match="x\\[k\\] and values\\[S, k\\]"):
        Measurement(np.arange(3.0), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="theory must have shape"):
        Measurement(np.arange(3.0), np.zeros((2, 3)), np.zeros(2))
    m = Measurement(np.arange(3.0), np.zeros(3))
    assert m.n_seeds == 1 and not m.values.flags.writeable
