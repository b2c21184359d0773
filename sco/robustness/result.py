"""The result type of :func:`sco.robustness.kappa_star` (docs/theory.md §6)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: How a κ* was obtained, from the strongest to the weakest certificate.
METHODS = ("closed form", "SDP", "SOCP enumeration", "search only")


@dataclass(frozen=True, eq=False)
class KappaStar:
    """The exact worst-case robustness constant κ*(A; m, f) of docs/theory.md §6, with both
    certificates.

    κ* = sup over d, x_1..x_m and S (#S = m − f, V_S > 0) of ‖A(x) − x̄_S‖²/V_S; with
    ``no_attack`` it is the no-attack accuracy ε*: S = all m rows, the rule still tuned to f.

    Attributes
    ----------
    rule : str
        The aggregator's spec (or the callable's name).
    m, f : int
        Workers and the f the rule is tuned to.
    no_attack : bool
        True for ε* (all rows honest).
    value : float
        The reported constant: the proof's value (closed form), the SDP/SOCP optimum, or the
        best lower bound found (search only).
    lower : float
        ‖A(instance) − x̄_S‖²/V_S computed by the implemented rule on ``instance``.
    upper : float
        A proven upper bound: the closed form, the SDP's dual value, the largest SOCP optimum
        over all order patterns; ``inf`` when only a search was run.
    instance : ndarray, shape (m, d)
        The primal instance; S is its first m − f rows (all rows when ``no_attack``).
    certificate : str
        The proof's name, or the solver's dual value and status.
    method : str
        One of :data:`METHODS`.
    supremum : bool
        True when κ* is approached but not attained by the implemented rule (a tie that the
        rule breaks the other way, or an ε-perturbation): ``lower`` is then within the stated
        tolerance below ``value``.
    details : dict
        Method-specific extras (patterns solved, solver times, worst pattern, ...).
    """

    rule: str
    m: int
    f: int
    no_attack: bool
    value: float
    lower: float
    upper: float
    instance: np.ndarray
    certificate: str
    method: str
    supremum: bool = False
    details: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")

    @property
    def gap(self) -> float:
        """(upper − lower)/upper: 0 for a tight certificate, 1 (or nan) when only a lower bound
        is known."""
        if not np.isfinite(self.upper):
            return float("nan")
        return 0.0 if self.upper == 0 else (self.upper - self.lower) / self.upper

    @property
    def exact(self) -> bool:
        """True when an upper bound is proven (every method except ``"search only"``)."""
        return self.method != "search only"

    def __repr__(self) -> str:
        what = "eps*" if self.no_attack else "kappa*"
        return (
            f"KappaStar({what}({self.rule}; m={self.m}, f={self.f}) = {self.value:.6g}"
            f" in [{self.lower:.6g}, {self.upper:.6g}], {self.method}: {self.certificate})"
        )
