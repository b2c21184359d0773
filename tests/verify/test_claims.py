"""Regression tests on the bounds: every claim passes at smoke scale, and every negative
control is rejected by the same checker. C1 measures wall-clock time, so its verdict is not
asserted here (no timing assertions in tests); its negative-free run is checked for shape."""

from __future__ import annotations

import pytest

from verify import claims

TIMED = {"C1"}


@pytest.mark.parametrize("cid", [c for c in claims.ids() if c not in TIMED])
def test_claim_passes_at_smoke_scale(cid: str) -> None:
    v = claims.run(cid, "smoke")
    assert v.passed, str(v)
    assert v.claim == cid and not v.negative_control


@pytest.mark.parametrize("cid", claims.ids())
def test_negative_control_is_rejected(cid: str) -> None:
    try:
        v = claims.run(cid, "smoke", negative=True)
    except LookupError:
        assert cid in {"K2", "K4", "C1"}  # THEORY.md §5 gives these no negative control
        return
    assert v.negative_control
    assert not v.passed, f"negative control of {cid} was not rejected: {v}"


def test_timed_claim_runs_and_reports_exponents() -> None:
    v = claims.run("C1", "smoke")
    assert v.claim == "C1" and "nnm_exponent" in v.details and len(v.details["m"]) == 4


def test_registry_and_errors() -> None:
    assert claims.ids() == ["K1", "K2", "K3", "K4", "E1", "E2", "R1", "R2", "R3", "S1", "C1"]
    with pytest.raises(ValueError, match="unknown claim 'Z9'"):
        claims.run("Z9")
    with pytest.raises(ValueError, match="scale must be one of"):
        claims.run("K1", "huge")
