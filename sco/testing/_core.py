"""The machinery shared by the suites: checks, results, reports and the failure type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

# ---------------------------------------------------------------------------------------------
# The check machinery
# ---------------------------------------------------------------------------------------------


class ConformanceError(AssertionError):
    """A conformance check failed. ``check`` is the check's name (e.g. ``"no-mutation"``),
    ``subject`` the object under test; the message reads ``[check] subject: what failed``."""

    def __init__(self, check: str, subject: str, message: str) -> None:
        super().__init__(f"[{check}] {subject}: {message}")
        self.check = check
        self.subject = subject
        self.detail = message


class SkipCheck(Exception):
    """Raised inside a check function when the check turns out not to apply."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Result:
    """The outcome of one check that did not fail: ``status`` is "passed" or "skipped"."""

    name: str
    status: Literal["passed", "skipped"]
    reason: str = ""
    info: Mapping[str, Any] = field(default_factory=dict)


def Skipped(name: str, reason: str) -> Result:
    """A skipped :class:`Result`."""
    return Result(name, "skipped", reason)


@dataclass(frozen=True)
class Check:
    """One named conformance check of one object.

    ``fn()`` raises :class:`ConformanceError` on failure, may raise :class:`SkipCheck`, and may
    return a mapping of information (kept in the :class:`Result`). ``skip`` is a reason known
    before running (the check does not apply to this object).
    """

    name: str
    fn: Callable[[], Mapping[str, Any] | None]
    subject: str = ""
    skip: str | None = None

    def run(self) -> Result:
        """Run the check: a passed or skipped :class:`Result`, or raise ConformanceError."""
        if self.skip is not None:
            return Skipped(self.name, self.skip)
        try:
            info = self.fn()
        except SkipCheck as s:
            return Skipped(self.name, s.reason)
        return Result(self.name, "passed", info=dict(info or {}))

    __call__ = run

    def __repr__(self) -> str:
        return f"Check({self.subject}-{self.name})"


@dataclass(frozen=True)
class Report:
    """What a ``check_*`` function ran: every result, in order."""

    subject: str
    results: tuple[Result, ...]

    @property
    def checks(self) -> tuple[str, ...]:
        """Names of the checks that ran and passed."""
        return tuple(r.name for r in self.results if r.status == "passed")

    @property
    def skipped(self) -> dict[str, str]:
        """Name → reason of every skipped check."""
        return {r.name: r.reason for r in self.results if r.status == "skipped"}

    def info(self, name: str) -> Mapping[str, Any]:
        for r in self.results:
            if r.name == name:
                return r.info
        raise KeyError(name)


@dataclass(frozen=True)
class Conformance(Report):
    """What :func:`check_aggregator` ran and found (a :class:`Report` with the κ probe)."""

    m: int = 0
    f: int = 0
    kappa: float | None = None  # declared κ(m, f), or None
    worst_ratio: float = float("nan")  # largest realised ‖A − x̄_S‖²/V_S (S = honest rows)
    worst_attack: str = ""  # the attack that produced it

    @property
    def spec(self) -> str:
        return self.subject

    @property
    def worst_over_kappa(self) -> float | None:
        return None if self.kappa is None else self.worst_ratio / max(self.kappa, 1e-300)


def run_checks(checks: Iterable[Check], subject: str = "") -> Report:
    """Run ``checks`` in order; raise the first :class:`ConformanceError`, else a Report."""
    results = tuple(c.run() for c in checks)
    return Report(subject, results)


def _fail(check: str, subject: str, message: str) -> ConformanceError:
    return ConformanceError(check, subject, message)


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _close(a: Any, b: Any, rtol: float, atol: float = 0.0) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _z(alpha: float) -> float:
    """The one-sided standard-normal quantile z with P(Z > z) = alpha."""
    return -NormalDist().inv_cdf(alpha)


def _label(obj: Any) -> str:
    for attr in ("spec", "name"):
        v = getattr(obj, attr, None)
        if isinstance(v, str) and v:
            return v
    return getattr(obj, "__name__", type(obj).__name__)
