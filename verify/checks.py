"""Checkers: compare measurements with theory and return a :class:`Verdict` (never assert)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .stats import Estimate, mean_ci, slope_ci


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check.

    ``estimate`` and ``ci`` are the measured statistic and its confidence interval,
    ``predicted`` what the theory says, ``tolerance`` the allowed deviation; ``details`` keeps
    anything else worth reporting (per-point values, the worst instance, ...).
    """

    claim: str
    passed: bool
    estimate: float
    ci: tuple[float, float]
    predicted: float
    tolerance: float
    n_seeds: int
    statement: str = ""
    quantity: str = "value"
    relation: str = "≤"
    negative_control: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        tag = "PASS" if self.passed else "FAIL"
        neg = " [negative control]" if self.negative_control else ""
        tol = f" ± {self.tolerance:.3g}" if self.relation == "±" else ""
        rel = "vs" if self.relation == "±" else self.relation
        seeds = f" ({self.n_seeds} seeds)" if self.n_seeds else ""
        return (
            f"{tag} {self.claim}{neg} {self.quantity} {_num(self.estimate)} "
            f"[{_num(self.ci[0])}, {_num(self.ci[1])}] {rel} {_num(self.predicted)}{tol}{seeds}"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ci"] = list(self.ci)
        out["details"] = _jsonable(self.details)
        return out


def _num(v: float) -> str:
    return f"{v:.3g}".replace("-", "−")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else str(float(obj))
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    return obj


def check_upper_bound(
    claim: str,
    values: np.ndarray,
    bound: np.ndarray | float,
    *,
    quantity: str = "E[value]",
    negative_control: bool = False,
    statement: str = "",
    details: dict[str, Any] | None = None,
) -> Verdict:
    """One-sided: passes when the upper CI of the mean over seeds is ≤ the bound at every point.

    ``values[S, k]`` (or ``[S]``) are per-seed measurements at k points and ``bound[k]`` the
    theory's upper bound there. The reported estimate is the point with the largest
    (upper CI)/bound ratio.
    """
    values = np.asarray(values, dtype=np.float64)
    values2 = values.reshape(values.shape[0], -1)
    b = np.broadcast_to(np.asarray(bound, dtype=np.float64), (values2.shape[1],))
    ests = mean_ci(values2)
    finite = np.all(np.isfinite(values2), axis=0)
    uppers = np.array([e.high if ok else np.inf for e, ok in zip(ests, finite, strict=True)])
    ratios = uppers / b
    j = int(np.argmax(ratios))
    e = ests[j]
    info = dict(details or {}, upper_over_bound=ratios, bound=b, mean=[x.value for x in ests])
    return Verdict(
        claim,
        bool(np.all(uppers <= b)),
        e.value,
        (e.low, e.high),
        float(b[j]),
        0.0,
        values.shape[0],
        statement,
        quantity,
        "≤",
        negative_control,
        info,
    )


def check_slope(
    claim: str,
    x: np.ndarray,
    values: np.ndarray,
    target: float,
    tol: float,
    *,
    side: str = "two",
    max_width: float = 0.3,
    quantity: str = "slope",
    negative_control: bool = False,
    statement: str = "",
    details: dict[str, Any] | None = None,
) -> Verdict:
    """Log-log slope of the seed mean of ``values[S, k]`` against ``x[k]`` with a bootstrap CI.

    ``side="two"``: passes when the CI reaches the band target ± tol and is at most
    ``max_width`` wide (so a vague measurement cannot pass); ``"upper"``: passes when the upper
    CI ≤ target + tol; ``"lower"``: when the lower CI ≥ target − tol.
    """
    est: Estimate = slope_ci(np.asarray(x), np.asarray(values))
    if side == "two":
        ok = (
            est.low <= target + tol and est.high >= target - tol and est.high - est.low <= max_width
        )
        rel = "±"
    elif side == "upper":
        ok, rel = est.high <= target + tol, "≤"
    elif side == "lower":
        ok, rel = est.low >= target - tol, "≥"
    else:
        raise ValueError(f"side must be 'two', 'upper' or 'lower'; got {side!r}")
    pred = target if side == "two" else (target + tol if side == "upper" else target - tol)
    return Verdict(
        claim,
        bool(ok),
        est.value,
        (est.low, est.high),
        pred,
        tol if side == "two" else 0.0,
        int(np.asarray(values).shape[0]),
        statement,
        quantity,
        rel,
        negative_control,
        dict(details or {}),
    )


def check_ratio(
    claim: str,
    ratio: float,
    limit: float,
    *,
    ci: tuple[float, float] | None = None,
    n_seeds: int = 0,
    quantity: str = "ratio",
    negative_control: bool = False,
    statement: str = "",
    details: dict[str, Any] | None = None,
) -> Verdict:
    """Passes when ``ratio`` (or the upper end of its CI, when given) is ≤ ``limit``."""
    top = ci[1] if ci is not None else ratio
    return Verdict(
        claim,
        bool(np.isfinite(top) and top <= limit),
        float(ratio),
        ci or (ratio, ratio),
        float(limit),
        0.0,
        n_seeds,
        statement,
        quantity,
        "≤",
        negative_control,
        dict(details or {}),
    )


def check_exact(
    claim: str,
    value: float,
    target: float,
    rtol: float,
    *,
    quantity: str = "value",
    statement: str = "",
    details: dict[str, Any] | None = None,
) -> Verdict:
    """Passes when |value − target| ≤ rtol·|target|."""
    ok = abs(value - target) <= rtol * abs(target)
    return Verdict(
        claim,
        bool(ok),
        float(value),
        (float(value), float(value)),
        float(target),
        rtol,
        0,
        statement,
        quantity,
        "±",
        False,
        dict(details or {}),
    )
