"""The experiments and constants behind claims H1–H3 (docs/theory.md §7), tested against hand
derivations and brute force; planted faults must make the checks fail."""

from __future__ import annotations

import math

import numpy as np
import pytest

import problems
from verify import claims
from verify.checks import check_exact, check_upper_bound
from verify.claims import heterogeneity as H

HQ = problems.HeterogeneousQuadratic


def test_h3_grid_sides_by_hand() -> None:
    grid = {(f, b2): side for f, b2, side in H.h3_grid(20, (0.0, 1.0))}
    # B² = 0: threshold 1/2, 0.97/2 = 0.485 > 9/20, so every f is below
    assert all(grid[f, 0.0] == "below" for f in range(1, 10))
    # B² = 1: 0.97/3 = 0.3233 ≥ f/20 for f ≤ 6; 1.03/3 = 0.3433 ≤ f/20 for f ≥ 7
    assert [grid[f, 1.0] for f in range(1, 10)] == ["below"] * 6 + ["above"] * 3
    # a point inside the band: m = 30, B² = 1, f = 10 (1/3 exactly) is neither side
    assert dict(((f, b), s) for f, b, s in H.h3_grid(30, (1.0,)))[10, 1.0] == "band"


def test_h3_horizon_suffices_everywhere_below_the_curve() -> None:
    """Brute force over a fine grid of (f/m, B²) below 0.97/(2 + B²): the rate c of
    x_{t+1} = (1 − c)x_t gives ‖x_T‖ ≤ 1e-8‖x_1‖ at T = H3_T."""
    worst = 1.0
    for b2 in np.concatenate([[0.0], np.geomspace(1e-3, 1e4, 400)]):
        for delta in np.linspace(1e-3, 1.0, 300) * (0.97 / (2 + b2)):
            c = 1.0 - math.sqrt(b2) * math.sqrt(delta / (1 - 2 * delta))
            worst = min(worst, c)
    assert worst > 0 and (1 - worst) ** (H.H3_T - 1) <= H.H3_CONVERGED
    # and the horizon is not wasteful by more than a few percent over the limit rate
    limit = 1 - math.sqrt(0.97)
    assert (1 - limit) ** (H.H3_T - 1) <= H.H3_CONVERGED < (1 - limit) ** (0.9 * H.H3_T)


def test_best_bound_with_w_zero_is_the_endpoint() -> None:
    p = HQ.pure_b([0.9, 1.0, 1.1, 1.0], [0.5])
    kappa = 2.0
    bound, b2, g2 = H.best_bound(p, kappa)
    assert b2 == p.B2_min and g2 == 0.0 and bound == 0.0
    q = HQ.pure_g(np.array([[0.0], [1.0], [3.0]]))
    bound, b2, g2 = H.best_bound(q, 0.5)
    assert bound == pytest.approx(0.5 * q.E, rel=1e-15) and b2 == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_best_bound_is_the_minimum_over_the_admissible_frontier(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = HQ.random(6, 3, rng=rng, a_low=0.85, a_high=1.15)
    kappa = float(rng.uniform(0.2, 3.0))
    bound, b2, g2 = H.best_bound(p, kappa)
    top = H.KB2_MAX / kappa
    grid = np.linspace(p.B2_min, top, 200001)[1:]
    brute = np.array([kappa * p.G2(b) / (1 - kappa * b) for b in grid])
    assert p.B2_min < b2 <= top and g2 == p.G2(b2)
    assert bound == pytest.approx(kappa * g2 / (1 - kappa * b2), rel=1e-15)
    assert bound <= brute.min() * (1 + 1e-9)  # never looser than a fine grid
    assert bound >= brute.min() * (1 - 1e-6)  # and a real value of the frontier


def test_best_bound_is_infinite_without_an_admissible_pair() -> None:
    p = HQ.pure_b([0.2, 1.8], [0.0])  # B2_min = 0.64
    assert math.isinf(H.best_bound(p, 1.0)[0])


def test_h1_identity_check_fails_for_an_order_dependent_rule() -> None:
    """A rule that returns the last row sees the rows in a different order in the two
    scenarios: the identity check must fail (it is not passing by construction)."""

    def last_row(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.array(x[..., -1, :])

    meas = H.h1_outputs(
        m=7,
        f=2,
        a=1.0,
        x0=0.3,
        estimators=("gd",),
        aggregators=(last_row,),
        T=10,
        lr=0.5,
        oracle=False,
    )
    assert check_exact(meas[0], atol=meas[0].config["atol"]).status == "FAIL"


def test_h1_errors_by_hand_for_cwtm() -> None:
    """GD + CWTM with η = 1 on scenario 2: CWTM returns x, so x_T = 0 in both scenarios; the
    errors are 0 and x*² = (fa/(m − f))², four times ¼qG²."""
    m, f, a = 9, 2, 2.0
    meas = H.h1_outputs(
        m=m, f=f, a=a, x0=0.7, estimators=("gd",), aggregators=("cwtm",), T=20, lr=1.0, oracle=False
    )
    xs = f * a / (m - f)
    assert meas[0].values[0, 0] == 0.0
    assert meas[1].values[0, 0] == pytest.approx(xs**2, rel=1e-14)
    assert meas[1].config["floor"] == pytest.approx(xs**2 / 4, rel=1e-14)


def test_h2_a_bound_with_half_the_constant_is_broken_by_the_attained_instance() -> None:
    """Planted fault: the attained case held to q/2 instead of q must fail."""
    meas = H.h2_attained(m=11, f=3, a=1.5, rule="cwtm", attack="copy_cluster", estimator="gd", T=10)
    assert check_exact(meas[0], atol=0.0, rtol=1e-6).status == "PASS"
    halved = meas[0].values / 0.5
    from verify.measurement import Measurement

    planted = Measurement(x=meas[0].x, values=halved, theory=np.ones(1))
    assert check_upper_bound(planted).status == "FAIL"


def test_h2_fixed_point_runs_every_attack_and_records_skips() -> None:
    p = HQ.random(4, 2, rng=np.random.default_rng(0), a_low=0.95, a_high=1.05)
    meas = H.h2_fixed_point(
        problem=p,
        m=5,
        f=1,
        rules=("cwtm", "krum", "bulyan"),
        attacks=None,
        estimator="gd",
        T=20,
        kappa_of=None,
    )[0]
    from sco import attacks

    assert len(meas.config["pairs"]) == 2 * len(attacks.names())  # cwtm and krum
    assert any(s.startswith("bulyan") for s in meas.config["skipped"])
    assert check_upper_bound(meas).status == "PASS"


def test_h_claims_describe_their_families_and_controls() -> None:
    for cid in ("H1", "H2", "H3"):
        text = claims.get(cid).describe()
        assert "docs/theory.md §7" in text and "negative controls" in text
    assert "vacuity" in claims.get("H2").describe()


@pytest.mark.parametrize(
    ("cid", "kw", "pattern"),
    [
        ("H1", {"m": 4, "f": 2, "a": 1.0, "x0": 0.0}, r"^H1: needs integers with 1 <= f < m/2"),
        ("H1", {"m": 9, "f": 2, "a": 0.0, "x0": 0.1}, r"^H1: a must be nonzero"),
        ("H1", {"a": 1.0}, r"^H1: the instance keywords m, f, a, x0 go together; missing \['m'"),
        (
            "H2",
            {"problem": HQ.random(3, 2), "m": 40, "f": 1, "a": 1.0},
            r"^H2: m - f must equal problem.h",
        ),
        ("H2", {"attacks": ("nope",)}, r"nope"),
        ("H3", {"m": 20, "x0": 0.0}, r"^H3: x0 must be a finite nonzero number"),
        ("H3", {"B2s": (-1.0,)}, r"^H3: every B2 must be a finite number >= 0"),
    ],
)
def test_bad_overrides_fail_before_any_run(cid: str, kw: dict, pattern: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=pattern):
        claims.run(cid, "smoke", **kw)


def test_h3_control_the_mean_fails_at_every_f_equal_one_point() -> None:
    """docs/theory.md §5: the mean under the same attack fails already at f = 1 (one Byzantine
    worker drags it anywhere), at every B² of the grid; CWTM converges there."""
    for agg, ok in (("mean", False), ("cwtm", True)):
        meas = H.h3_breakdown(
            m=14, x0=0.6, B2s=(0.0, 1.0, 4.0), aggregator=agg, attack="anti_sign", T=H.H3_T
        )
        rows = [r for r in meas[0].config["grid"] if r["f"] == 1]
        assert len(rows) == 3 and all(r["side"] == "below" for r in rows)
        assert all((r["ratio"] <= H.H3_CONVERGED) == ok for r in rows)


def test_a_diverged_run_keeps_its_non_finite_value_and_fails() -> None:
    """A rule that returns +inf makes every run diverge: the measurement keeps ‖x_T‖/‖x_1‖ =
    inf (it is not replaced by a number) and both sides of H3's check fail."""

    def blow_up(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.full((*x.shape[:-2], x.shape[-1]), np.inf)

    meas = H.h3_breakdown(m=12, x0=0.5, B2s=(0.0, 4.0), aggregator=blow_up, attack="anti_sign", T=5)
    assert {m.config["side"] for m in meas} == {"below", "above"}
    for m in meas:
        assert np.all(np.isinf(m.values)) and bool(m.diverged[0])
        assert H._h3_check(m).status == "FAIL"


def test_figure_clip_marks_zeros_and_counts_non_finite_values() -> None:
    from verify.figures import _clip

    out, low, bad = _clip(np.array([0.0, 1e-9, 1.0, np.nan, np.inf]), 1e-6)
    np.testing.assert_array_equal(out[:3], [1e-6, 1e-6, 1.0])
    assert np.all(np.isnan(out[3:])) and low and bad == 2
