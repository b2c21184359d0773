"""Regression tests on the bounds: every claim passes at smoke scale on its family, every
negative control is rejected by the same checks, overrides work and bad ones are refused before
any computation, and the theory in every measurement is the bound at that very grid point.

C1 measures time, so its verdict is not asserted here (no timing assertions in tests); that it
runs and records what it timed is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import problems
import sco
from verify import Status, claims
from verify.claims import _runs, registry

TIMED = {"C1"}
CONTROLS = [(cid, c.name) for cid in claims.ids() for c in claims.controls(cid)]


@pytest.fixture(scope="module")
def smoke() -> dict[str, Any]:
    """Every claim at smoke scale, run once for the module."""
    return {cid: claims.run(cid, "smoke") for cid in claims.ids()}


@pytest.mark.parametrize("cid", [c for c in claims.ids() if c not in TIMED])
def test_claim_passes_at_smoke_scale(cid: str, smoke: dict[str, Any]) -> None:
    v = smoke[cid]
    assert v.status == Status.PASS, str(v)
    assert v.claim == cid and not v.negative_control and v.parts
    assert v.family and v.instances and v.statement


@pytest.mark.parametrize(("cid", "control"), [c for c in CONTROLS if c[0] not in TIMED])
def test_negative_control_is_rejected(cid: str, control: str) -> None:
    v = claims.run(cid, "smoke", negative=control)
    assert v.negative_control and v.control == registry.get(cid).control(control).description
    assert v.status == Status.FAIL, f"negative control {control} of {cid} was not rejected: {v}"


def test_every_claim_has_a_negative_control() -> None:
    assert all(claims.controls(cid) for cid in claims.ids())


def test_timed_claim_runs_and_records_its_clock(smoke: dict[str, Any]) -> None:
    v = smoke["C1"]
    rules = {p.measurement.config["rule"] for p in v.parts}
    assert rules == {"ctma", "nnm"}
    assert all("thread CPU time" in p.measurement.config["clock"] for p in v.parts)
    assert all(p.measurement.values.shape == (5, 4) for p in v.parts)  # repeats × m grid


def test_registry_order_and_errors() -> None:
    assert claims.ids() == [
        *("K1", "K2", "K3", "K4", "K5", "K6", "E0", "E1", "E2", "M1", "H1", "H2", "H3"),
        *("R1", "R2", "R3", "S1", "C1", "P1"),
    ]
    with pytest.raises(ValueError, match="unknown claim 'Z9'"):
        claims.run("Z9")
    with pytest.raises(ValueError, match="scale must be one of"):
        claims.run("K1", "huge")
    with pytest.raises(ValueError, match="has no negative control 'nope'"):
        claims.run("E1", "smoke", negative="nope")


# ------------------------------------------------------------------ overrides


def test_override_aggregator_returns_a_verdict_with_measurements() -> None:
    v = claims.run("E2", scale="smoke", aggregator="ctma(gm)")
    assert v.measurement is not None and v.measurement.config["aggregator"] == "ctma(gm)"
    assert v.details["overrides"] == {"aggregator": "'ctma(gm)'"}
    kappa = sco.aggregators.make("ctma(gm)").kappa(17, 4)
    assert v.measurement.config["kappa"] == kappa


def test_override_problem_runs_on_the_given_instance_and_can_be_vacuous() -> None:
    """A least-squares problem started at the centre, one unit from x*: Theorem R's bound
    (σ² includes D²σ_L²) is far above f(x_1) − f*, so an optimiser that stands still satisfies
    it too. The verdict says so instead of passing."""
    p = problems.LeastSquares.random(6, rng=3)
    v = claims.run("R1", scale="smoke", problem=p)
    assert v.family == "given by the caller" and len(v.instances) == 1
    assert v.measurement is not None and v.measurement.values.shape == (16, 3)
    assert v.status == Status.VACUOUS
    assert v.parts[0].details["stand_still"] == "PASS"


@pytest.mark.parametrize(
    ("cid", "kw", "message"),
    [
        ("K1", {"problem": 1}, "claim K1 takes no parameter 'problem'; valid: aggregators"),
        ("E2", {"aggregator": "cc"}, "E2 needs an aggregator that declares κ"),
        ("E2", {"aggregator": "ctma(nope)"}, "unknown aggregator 'nope'"),
        ("E2", {"f": 9}, "aggregator ctma\\(cwtm\\) needs m >= 19 for f = 9"),
        ("E2", {"attack": "alie(q=1)"}, "alie"),
        ("R1", {"lr": 1.0}, "Theorem R needs η ≤ 1/\\(8LT\\)"),
        ("R1", {"problem": object()}, "problem must be an sco.Problem"),
        ("E0", {"problem": problems.LeastSquares.random(3, rng=0)}, "additive noise"),
        ("E1", {"seeds": 1}, "seeds must be an integer >= 2"),
        ("S1", {"lr_base": "huge"}, "lr_base must be 'theory' or 'usual'"),
        ("R2", {"instances": 0}, "instances must be an integer >= 1"),
        ("C1", {"linear_rule": "nope"}, "unknown aggregator 'nope'"),
    ],
)
def test_bad_overrides_fail_in_one_line_before_any_simulation(
    cid: str, kw: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*a: object, **k: object) -> None:
        raise AssertionError("simulated before validating")

    monkeypatch.setattr(_runs.sco, "simulate", forbidden)
    _runs.clear()
    with pytest.raises(ValueError, match=message) as info:
        claims.run(cid, "smoke", **kw)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ seeds and vacuity


def _toy_claim(cid: str, values: Any, *, stand_still: Any = None) -> registry.Claim:
    """A registered claim whose measurement comes from ``values(seeds, estimator)``."""
    from verify import Measurement, checks

    def experiment(*, seeds: int, estimator: str, rng: int) -> list[Measurement]:
        v = values(seeds, estimator)
        return [Measurement(np.array([1.0]), v[:, None], np.array([1.0]), quantity="toy")]

    def draw(rng: np.random.Generator, n: int) -> list[registry.Instance]:
        return [registry.Instance(f"#{i}", {"rng": i}) for i in range(n)]

    return registry.Claim(
        id=cid,
        statement="toy",
        reference="none",
        family=registry.Family("toy family", draw, ("rng",)),
        parts=(registry.Part("p", experiment, (checks.check_upper_bound,), vacuity=True),),
        scales={s: {"instances": 2, "seeds": 8, "estimator": "mu2sgd"} for s in claims.SCALES},
        stand_still={"estimator": "stand_still"} if stand_still else None,
    )


@pytest.fixture
def temporary() -> Iterator[Callable[[registry.Claim], None]]:
    """Register toy claims for one test and remove them afterwards."""
    added: list[str] = []

    def put(claim: registry.Claim) -> None:
        registry.register(claim)
        added.append(claim.id)

    yield put
    for cid in added:
        registry.unregister(cid)


def test_inconclusive_claims_rerun_with_two_then_four_times_the_seeds(
    temporary: Callable[[registry.Claim], None],
) -> None:
    rng = np.random.default_rng(0)

    def values(seeds: int, est: str) -> np.ndarray:
        # mean 0.9 below the bound 1: straddles at 8 seeds, settles with more
        return 0.9 + (0.6 if seeds == 8 else 0.05) * rng.standard_normal(seeds)

    temporary(_toy_claim("T1", values))
    v = claims.run("T1", "smoke")
    assert v.details["seeds_tried"] == [8, 16] and v.status == Status.PASS and v.n_seeds == 16

    def stuck(seeds: int, est: str) -> np.ndarray:
        return 1.0 + 0.01 * rng.standard_normal(seeds)  # the bound itself: never settles

    temporary(_toy_claim("T2", stuck))
    v2 = claims.run("T2", "smoke")
    assert v2.details["seeds_tried"] == [8, 16, 32] and v2.status == Status.INCONCLUSIVE


def test_a_claim_that_a_standing_optimiser_satisfies_is_vacuous(
    temporary: Callable[[registry.Claim], None],
) -> None:
    def values(seeds: int, est: str) -> np.ndarray:
        return np.full(seeds, 0.5 if est == "stand_still" else 0.1)

    temporary(_toy_claim("T3", values, stand_still=True))
    assert claims.run("T3", "smoke").status == Status.VACUOUS

    def far(seeds: int, est: str) -> np.ndarray:
        return np.full(seeds, 5.0 if est == "stand_still" else 0.1)

    temporary(_toy_claim("T4", far, stand_still=True))
    v = claims.run("T4", "smoke")
    assert v.status == Status.PASS and v.parts[0].details["stand_still"] == "FAIL"


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["PASS", "FAIL"], 0),
        (["PASS", "PASS"], 1),  # a negative control passed
        (["FAIL", "FAIL"], 1),
        (["VACUOUS", "FAIL"], 1),
        (["PASS", "VACUOUS"], 1),
        (["INCONCLUSIVE", "FAIL"], 3),
        (["PASS", "INCONCLUSIVE"], 3),
        (["FAIL", "INCONCLUSIVE"], 1),
    ],
)
def test_outcome_codes(statuses: list[str], code: int) -> None:
    from verify import Verdict

    claim = Verdict("X", Status(statuses[0]), 1.0, (1.0, 1.0), 1.0)
    control = Verdict("X", Status(statuses[1]), 1.0, (1.0, 1.0), 1.0, control="ctl")
    assert claims.outcome_code([claim, control]) == code


# ------------------------------------------------------------------ theory at the grid


def _instances(cid: str, n: int = 1) -> list[registry.Instance]:
    return registry.draw(registry.get(cid).family, n)


def theorem_r_by_hand(p: Any, kappa: float, m: int, f: int, T: float, eta: float) -> float:
    """docs/theory.md §4, Theorem R, typed out: 2D²/(ηT(T+1)) + 2ηS² + (8/3)DS√(T+1)/T."""
    st2 = 2 * p.sigma2 + 8 * p.D**2 * p.sigma_L2
    S = math.sqrt(st2) * (math.sqrt(kappa) + 1 / math.sqrt(m - f))
    return (
        2 * p.D**2 / (eta * T * (T + 1)) + 2 * eta * S**2 + 8 / 3 * p.D * S * math.sqrt(T + 1) / T
    )


def q(m: int, f: int) -> float:
    return f / (m - 2 * f)


KAPPA_BY_HAND = {
    "cwtm": lambda m, f: 6 * q(m, f) * (1 + q(m, f)),
    "cwmed": lambda m, f: 4 * (1 + q(m, f)) ** 2,
    "gm": lambda m, f: 4 * (1 + q(m, f)) ** 2,
    "krum": lambda m, f: 6 * (1 + q(m, f)),
}


#: κ* of docs/theory.md §6 typed out (closed forms), with h = m − f and g = ⌈(m − 2f)/2⌉
KAPPA_STAR_BY_HAND = {
    "cwtm": q,
    "cwmed": lambda m, f: (m - 1) / (m + 1 - 2 * f) if m % 2 else (m - 2) / (m + 2 - 2 * f),
    "gm": lambda m, f: (m - f - math.ceil((m - 2 * f) / 2)) / math.ceil((m - 2 * f) / 2),
}


def kappa_by_hand(spec: str, m: int, f: int) -> float:
    if spec.startswith("ctma("):
        return 4 * f * (1 + kappa_by_hand(spec[5:-1], m, f)) / (m - f)
    if spec.startswith("nnm("):
        return 8 * f / (m - f) * (kappa_by_hand(spec[4:-1], m, f) + 1)
    return KAPPA_BY_HAND[spec](m, f)


def test_every_bound_is_evaluated_at_the_grid_point_it_is_compared_with(
    smoke: dict[str, Any],
) -> None:
    """Recompute the theory of each measurement from its own grid and config by hand."""
    p = {cid: _instances(cid)[0].keywords.get("problem") for cid in ("E0", "E1", "E2", "R1", "R3")}
    for part in smoke["E0"].parts:
        mm = part.measurement
        np.testing.assert_allclose(mm.theory, p["E0"].sigma2 / (mm.config["m"] * mm.x), rtol=1e-12)
    for part in smoke["E1"].parts:
        mm = part.measurement
        st2 = 2 * p["E1"].sigma2 + 8 * p["E1"].D ** 2 * p["E1"].sigma_L2
        np.testing.assert_allclose(mm.theory, st2 / mm.x, rtol=1e-12)
    for part in smoke["E2"].parts:
        mm, pe = part.measurement, p["E2"]
        k = kappa_by_hand("ctma(cwtm)", 17, 4)
        assert mm.config["kappa"] == pytest.approx(k, rel=1e-12)
        st2 = 2 * pe.sigma2 + 8 * pe.D**2 * pe.sigma_L2
        S2 = st2 * (math.sqrt(k) + 1 / math.sqrt(13)) ** 2
        np.testing.assert_allclose(mm.theory, S2 / mm.x, rtol=1e-12)
    for part in smoke["R1"].parts:
        mm = part.measurement
        if mm.quantity != "E[f(x_T) − f*]":
            continue
        k = kappa_by_hand("ctma(cwtm)", 17, 4)
        want = [theorem_r_by_hand(p["R1"], k, 17, 4, T, 1 / (8 * p["R1"].L * T)) for T in mm.x]
        np.testing.assert_allclose(mm.theory, want, rtol=1e-12)
    mm = smoke["R3"].parts[0].measurement
    fs = np.round(mm.x * 17).astype(int)
    T = mm.config["T"]
    want = [
        theorem_r_by_hand(p["R3"], kappa_by_hand("ctma(cwtm)", 17, f), 17, f, T, 1 / (8 * T))
        for f in fs
    ]
    np.testing.assert_allclose(mm.theory, want, rtol=1e-12)
    for cid in ("K1", "K2"):
        for part in smoke[cid].parts:
            mm = part.measurement
            m_, f_ = mm.config["m"], mm.config["f"]
            for i, (rule, th) in enumerate(zip(mm.config["rules"], mm.theory, strict=True)):
                if cid == "K2":
                    assert th == pytest.approx(q(m_, f_), rel=1e-12), (cid, rule)
                    continue
                assert mm.config["table"][i] == pytest.approx(kappa_by_hand(rule, m_, f_))
                if rule in KAPPA_STAR_BY_HAND:  # a closed form: checked against κ*
                    want = KAPPA_STAR_BY_HAND[rule](m_, f_) * (1 + 1e-9)
                    assert th == pytest.approx(want, rel=1e-12), (cid, rule)
                elif mm.config["kappa_star"][i] is None:  # no κ* at this size: the table
                    assert th == pytest.approx(kappa_by_hand(rule, m_, f_), rel=1e-12), rule
                else:  # an SDP: its certified upper bound, just above κ*
                    assert mm.config["kappa_star"][i] <= th <= mm.config["kappa_star"][i] * 1.001


def test_negative_controls_keep_the_claims_bound(smoke: dict[str, Any]) -> None:
    """R1's control swaps the aggregator for the mean but is checked against CTMA(CWTM)'s bound."""
    ctl = claims.run("R1", "smoke", negative=True)
    assert ctl.measurement is not None and smoke["R1"].measurement is not None
    np.testing.assert_array_equal(ctl.measurement.theory, smoke["R1"].measurement.theory)
    assert ctl.measurement.config["aggregator"] == "mean"
    assert ctl.measurement.config["kappa_of"] == "ctma(cwtm)"
