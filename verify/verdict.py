"""The outcome of a check: :class:`Verdict`, its :class:`Status`, and how parts combine.

A claim's verdict is made of parts (one per instance and per check); it passes only when every
part passes. Status precedence when parts are combined: FAIL, then VACUOUS, then INCONCLUSIVE,
then PASS: one failing instance fails the claim, one vacuous instance makes it vacuous, and a
claim is inconclusive while any instance is.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .measurement import Measurement, jsonable


class Status(enum.StrEnum):
    """PASS: the data support the claim. FAIL: they contradict it. INCONCLUSIVE: the
    confidence interval straddles the decision boundary. VACUOUS: the claim held, but an
    optimiser that stands still satisfies it too, so it shows nothing (docs/theory.md §5)."""

    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    VACUOUS = "VACUOUS"


PRECEDENCE = (Status.FAIL, Status.VACUOUS, Status.INCONCLUSIVE, Status.PASS)


def worst_status(statuses: Sequence[Status]) -> Status:
    """The combined status of parts (PASS for no parts is refused: a claim needs evidence)."""
    if not statuses:
        raise ValueError("cannot combine an empty list of verdicts")
    return min(statuses, key=PRECEDENCE.index)


@dataclass(frozen=True, eq=False)
class Verdict:
    """One check's outcome, or a claim's (then ``parts`` holds the per-instance checks).

    Attributes
    ----------
    claim : str
        Claim ID (docs/theory.md §5) or a user's name.
    status : Status
        PASS, FAIL, INCONCLUSIVE or VACUOUS; ``passed`` is ``status == PASS``.
    estimate, ci : float, (float, float)
        The measured statistic and its confidence interval (a point for deterministic checks).
    predicted, tolerance, relation : float, float, str
        What the theory says, the allowed deviation, and how they compare: "≤", "≥", "≈"
        (equivalence, ``predicted ± tolerance``) or "=" (exact).
    quantity : str
        What ``estimate`` measures.
    tightness : float or None
        measured/bound, the largest over the grid (1 is sharp, 1e-3 is loose); None where the
        check has no bound (a slope).
    n_seeds, n_diverged : int
        Seeds per instance behind the verdict (after any escalation) and seeds that diverged.
    instances : tuple of str
        Labels of the instances the claim was run on.
    measurement : Measurement or None
        The data behind a part (a combined verdict carries its headline part's).
    statement, family, control : str
        The claim's statement and instance family; ``control`` describes the negative control
        (empty for the claim itself).
    parts : tuple of Verdict
        Per-instance, per-check verdicts of a claim.
    details : dict
        Anything else worth reporting (JSON-serialisable after :func:`jsonable`).
    """

    claim: str
    status: Status
    estimate: float
    ci: tuple[float, float]
    predicted: float
    tolerance: float = 0.0
    relation: str = "≤"
    quantity: str = "value"
    tightness: float | None = None
    n_seeds: int = 0
    n_diverged: int = 0
    instances: tuple[str, ...] = ()
    measurement: Measurement | None = None
    statement: str = ""
    family: str = ""
    control: str = ""
    parts: tuple[Verdict, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS

    @property
    def negative_control(self) -> bool:
        return bool(self.control)

    @property
    def rejected(self) -> bool:
        """For a negative control: the checker rejected it, as it must."""
        return self.status == Status.FAIL

    def __str__(self) -> str:
        neg = f" [negative control: {self.control}]" if self.control else ""
        if self.relation == "≈":
            rel = f"≈ {_num(self.predicted)} ± {_num(self.tolerance)}"
        else:
            rel = f"{self.relation} {_num(self.predicted)}"
        lo, hi = self.ci
        ci = "" if lo == hi == self.estimate else f" [{_num(lo)}, {_num(hi)}]"
        tight = "" if self.tightness is None else f"; tightness {_num(self.tightness)}"
        seeds = f"; {self.n_seeds} seeds" if self.n_seeds > 1 else ""
        inst = f" × {len(self.instances)} instances" if len(self.instances) > 1 else ""
        div = f"; {self.n_diverged} diverged" if self.n_diverged else ""
        return (
            f"{self.status.value} {self.claim}{neg} {self.quantity} {_num(self.estimate)}{ci} "
            f"{rel}{tight}{seeds}{inst}{div}"
        )

    def with_(self, **changes: Any) -> Verdict:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, measurements and parts included (see :meth:`from_dict`)."""
        return {
            "claim": self.claim,
            "status": self.status.value,
            "passed": self.passed,
            "estimate": jsonable(self.estimate),
            "ci": jsonable(list(self.ci)),
            "predicted": jsonable(self.predicted),
            "tolerance": jsonable(self.tolerance),
            "relation": self.relation,
            "quantity": self.quantity,
            "tightness": jsonable(self.tightness),
            "n_seeds": self.n_seeds,
            "n_diverged": self.n_diverged,
            "instances": list(self.instances),
            "measurement": None if self.measurement is None else self.measurement.to_dict(),
            "statement": self.statement,
            "family": self.family,
            "control": self.control,
            "negative_control": self.negative_control,
            "parts": [p.to_dict() for p in self.parts],
            "details": jsonable(self.details),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verdict:
        """Rebuild a verdict written by :meth:`to_dict`."""
        tight = d.get("tightness")
        return cls(
            claim=d["claim"],
            status=Status(d["status"]),
            estimate=float(d["estimate"]),
            ci=(float(d["ci"][0]), float(d["ci"][1])),
            predicted=float(d["predicted"]),
            tolerance=float(d.get("tolerance", 0.0)),
            relation=d.get("relation", "≤"),
            quantity=d.get("quantity", "value"),
            tightness=None if tight is None else float(tight),
            n_seeds=int(d.get("n_seeds", 0)),
            n_diverged=int(d.get("n_diverged", 0)),
            instances=tuple(d.get("instances", ())),
            measurement=(
                None if d.get("measurement") is None else Measurement.from_dict(d["measurement"])
            ),
            statement=d.get("statement", ""),
            family=d.get("family", ""),
            control=d.get("control", ""),
            parts=tuple(cls.from_dict(p) for p in d.get("parts", ())),
            details=dict(d.get("details", {})),
        )


def _num(v: float | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return f"{v:.3g}".replace("-", "−")


def headline(parts: Sequence[Verdict]) -> Verdict:
    """The part that speaks for a combined verdict: the first part with the combined (worst)
    status; among several, the one closest to failing (largest tightness) of the first check
    kind that has that status."""
    status = worst_status([p.status for p in parts])
    cands = [p for p in parts if p.status == status]
    first = cands[0].quantity
    same = [p for p in cands if p.quantity == first]
    tight = [p for p in same if p.tightness is not None]
    if tight:
        return max(tight, key=lambda p: p.tightness or 0.0)
    return same[0]


def combine(
    claim: str,
    parts: Sequence[Verdict],
    *,
    statement: str = "",
    family: str = "",
    control: str = "",
    details: dict[str, Any] | None = None,
) -> Verdict:
    """A claim's verdict from its parts: worst status (FAIL > VACUOUS > INCONCLUSIVE > PASS),
    the headline part's numbers, the largest tightness, and totals of seeds and divergences."""
    parts = tuple(parts)
    head = headline(parts)
    tights = [p.tightness for p in parts if p.tightness is not None]
    instances = tuple(dict.fromkeys(i for p in parts for i in p.instances))
    return Verdict(
        claim=claim,
        status=worst_status([p.status for p in parts]),
        estimate=head.estimate,
        ci=head.ci,
        predicted=head.predicted,
        tolerance=head.tolerance,
        relation=head.relation,
        quantity=head.quantity,
        tightness=max(tights) if tights else None,
        n_seeds=max((p.n_seeds for p in parts), default=0),
        n_diverged=sum(p.n_diverged for p in parts),
        instances=instances,
        measurement=head.measurement,
        statement=statement,
        family=family,
        control=control,
        parts=parts,
        details=dict(details or {}),
    )
