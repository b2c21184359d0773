"""The claim registry: IDs of THEORY.md §5, each with an experiment, a checker and (most) a
negative control that the same checker must reject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..checks import Verdict

SCALES = ("smoke", "quick", "full")


@dataclass(frozen=True)
class Claim:
    """One claim: ``check(scale)`` runs the experiment and returns its verdict;
    ``negative(scale)`` runs the negative control (expected ``passed=False``) or is None."""

    id: str
    statement: str
    family: str
    check: Callable[[str], Verdict]
    negative: Callable[[str], Verdict] | None = None


_CLAIMS: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    _CLAIMS[claim.id] = claim
    return claim


def ids() -> list[str]:
    """Claim IDs in THEORY.md order."""
    order = ["K1", "K2", "K3", "K4", "E1", "E2", "R1", "R2", "R3", "S1", "C1"]
    return [i for i in order if i in _CLAIMS] + sorted(set(_CLAIMS) - set(order))


def get(claim_id: str) -> Claim:
    if claim_id not in _CLAIMS:
        raise ValueError(f"unknown claim {claim_id!r}; valid: {', '.join(ids())}")
    return _CLAIMS[claim_id]


def run(claim_id: str, scale: str = "quick", negative: bool = False) -> Verdict:
    """Run a claim (or its negative control) at a scale: ``smoke`` (seconds), ``quick``
    (the CLI default) or ``full``. Claims without a negative control raise ``LookupError``."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}")
    claim = get(claim_id)
    if negative:
        if claim.negative is None:
            raise LookupError(f"claim {claim_id} has no negative control (THEORY.md §5)")
        return claim.negative(scale)
    return claim.check(scale)
