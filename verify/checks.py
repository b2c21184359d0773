"""Checkers: compare a :class:`Measurement` with theory and return a :class:`Verdict`.

Checkers never assert and never drop data silently. Their decision rules:

- **upper bound** ("E[value] ≤ bound at every grid point"): PASS when the upper end of every
  point's CI is ≤ the bound; FAIL when the lower end of the simultaneous band is above the bound
  at some point; INCONCLUSIVE otherwise.
- **equivalence** ("≈ target ± tol"): PASS when the CI lies inside the band, FAIL when it is
  disjoint from it, INCONCLUSIVE otherwise. A CI that merely touches the band never passes.
- **one-sided** ("≤ limit", "≥ limit"): the one relevant CI end decides PASS, the other FAIL.
- **diverged seeds**: a measurement with non-finite values FAILs unless the claim declares that
  divergence is allowed; then the diverged seeds are dropped and counted in the verdict.
- **deterministic** measurements (one row, no seeds) have a point CI, so they are never
  INCONCLUSIVE.

CIs are seed-bootstrap percentile intervals at :data:`verify.stats.LEVEL`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .measurement import Measurement
from .stats import mean_ci, min_slope_ci, simultaneous_ci, slope_ci, spread_ci
from .verdict import Status, Verdict, combine

__all__ = [
    "Status",
    "Verdict",
    "check_equivalence",
    "check_exact",
    "check_lower_bound",
    "check_min_slope",
    "check_ratio",
    "check_slope",
    "check_spread",
    "check_upper_bound",
    "combine",
]


def _base(meas: Measurement, claim: str, **kw: Any) -> dict[str, Any]:
    return dict(
        claim=claim,
        n_seeds=meas.n_seeds,
        n_diverged=meas.n_diverged,
        instances=(meas.instance,) if meas.instance else (),
        measurement=meas,
        **kw,
    )


def _usable(meas: Measurement, allow_divergence: bool) -> tuple[Measurement | None, str]:
    """The data a checker may use, and a note on what was done with diverged seeds."""
    n = meas.n_diverged
    if n == 0:
        return meas, ""
    if not allow_divergence:
        return None, f"{n} of {meas.n_seeds} seeds diverged (divergence is not allowed)"
    kept = meas.finite()
    if kept.n_seeds == 0:
        return None, f"every one of the {n} seeds diverged"
    return kept, f"{n} diverged seeds dropped (the claim allows divergence)"


def _diverged(meas: Measurement, claim: str, note: str, quantity: str, relation: str) -> Verdict:
    return Verdict(
        status=Status.FAIL,
        estimate=float("nan"),
        ci=(float("nan"), float("nan")),
        predicted=float("nan"),
        relation=relation,
        quantity=quantity,
        details={"reason": note},
        **_base(meas, claim),
    )


def _decide_one_sided(low: float, high: float, limit: float, upper: bool) -> Status:
    if upper:
        return Status.PASS if high <= limit else Status.FAIL if low > limit else Status.INCONCLUSIVE
    return Status.PASS if low >= limit else Status.FAIL if high < limit else Status.INCONCLUSIVE


def _check_bound(meas: Measurement, claim: str, allow_divergence: bool, upper: bool) -> Verdict:
    name = "check_upper_bound" if upper else "check_lower_bound"
    rel = "≤" if upper else "≥"
    if meas.theory is None:
        raise ValueError(f"{name} needs a measurement with theory (the bound) [k]")
    data, note = _usable(meas, allow_divergence)
    if data is None:
        return _diverged(meas, claim, note, meas.quantity, rel)
    bound = np.asarray(data.theory)
    point = mean_ci(data.values)
    band = simultaneous_ci(data.values)
    means = np.array([e.value for e in point])
    if upper:
        near = np.array([e.high for e in point])  # the CI end that must clear the bound
        holds = bool(np.all(near <= bound))
        broken = any(b.low > lim for b, lim in zip(band, bound, strict=True))
    else:
        near = np.array([e.low for e in point])
        holds = bool(np.all(near >= bound))
        broken = any(b.high < lim for b, lim in zip(band, bound, strict=True))
    status = Status.PASS if holds else Status.FAIL if broken else Status.INCONCLUSIVE
    with np.errstate(divide="ignore", invalid="ignore"):
        if upper:
            j = int(np.argmax(np.where(bound > 0, near / bound, np.inf)))
            tight = float(np.max(np.where(bound > 0, means / bound, np.inf)))
        else:  # closest to the floor; tightness floor/measured, ≤ 1 while the floor holds
            j = int(np.argmin(np.where(bound > 0, near / bound, -np.inf)))
            tight = float(np.max(np.where(means > 0, bound / means, np.inf)))
    e = point[j]
    details: dict[str, Any] = {"x_worst": float(data.x[j])}
    if note:
        details["divergence"] = note
    return Verdict(
        status=status,
        estimate=e.value,
        ci=(e.low, e.high),
        predicted=float(bound[j]),
        relation=rel,
        quantity=meas.quantity,
        tightness=tight,
        details=details,
        **_base(meas, claim),
    )


def check_upper_bound(
    meas: Measurement, *, claim: str = "", allow_divergence: bool = False
) -> Verdict:
    """E[value] ≤ theory at every grid point of ``meas`` (theory = the bound ``[k]``).

    PASS when every point's upper CI is ≤ its bound; FAIL when the simultaneous band
    (:func:`verify.stats.simultaneous_ci`) is above the bound at some point; else INCONCLUSIVE.
    The reported estimate is the point with the largest upper-CI/bound; the tightness is the
    largest mean/bound over the grid.
    """
    return _check_bound(meas, claim, allow_divergence, upper=True)


def check_lower_bound(
    meas: Measurement, *, claim: str = "", allow_divergence: bool = False
) -> Verdict:
    """E[value] ≥ theory at every grid point (the mirror of :func:`check_upper_bound`); the
    tightness is the largest floor/mean over the grid (≤ 1 while the floor holds)."""
    return _check_bound(meas, claim, allow_divergence, upper=False)


def check_equivalence(
    meas: Measurement, tol: float, *, claim: str = "", allow_divergence: bool = False
) -> Verdict:
    """value/theory ≈ 1 ± ``tol`` at every grid point, as one simultaneous equivalence test.

    The per-seed ratios ``values/theory`` get a simultaneous bootstrap band over the grid;
    PASS when the band lies inside [1 − tol, 1 + tol] at every point, FAIL when it is disjoint
    from that interval at some point, INCONCLUSIVE otherwise.
    """
    if meas.theory is None or np.any(np.asarray(meas.theory) == 0):
        raise ValueError("check_equivalence needs non-zero theory [k]")
    if not tol > 0:
        raise ValueError(f"tol must be > 0; got {tol!r}")
    data, note = _usable(meas, allow_divergence)
    quantity = f"{meas.quantity} / theory"
    if data is None:
        return _diverged(meas, claim, note, quantity, "≈")
    ratio = data.values / np.asarray(data.theory)
    band = simultaneous_ci(ratio)
    lo, hi = 1.0 - tol, 1.0 + tol
    inside = all(lo <= b.low and b.high <= hi for b in band)
    disjoint = any(b.high < lo or b.low > hi for b in band)
    status = Status.PASS if inside else Status.FAIL if disjoint else Status.INCONCLUSIVE
    j = int(np.argmax([max(abs(b.low - 1.0), abs(b.high - 1.0)) for b in band]))
    e = band[j]
    details: dict[str, Any] = {"x_worst": float(data.x[j]), "simultaneous": True}
    if note:
        details["divergence"] = note
    return Verdict(
        status=status,
        estimate=e.value,
        ci=(e.low, e.high),
        predicted=1.0,
        tolerance=float(tol),
        relation="≈",
        quantity=quantity,
        tightness=float(max(b.value for b in band)),
        details=details,
        **_base(meas, claim),
    )


def check_slope(
    meas: Measurement,
    target: float,
    tol: float = 0.0,
    *,
    side: str = "two",
    claim: str = "",
    allow_divergence: bool = False,
) -> Verdict:
    """Log-log slope of the seed mean of ``meas.values`` against ``meas.x``, with a bootstrap CI.

    ``side="two"``: equivalence with target ± tol (CI inside → PASS, disjoint → FAIL);
    ``"upper"``: slope ≤ target + tol (upper CI decides PASS, lower CI decides FAIL);
    ``"lower"``: slope ≥ target − tol.
    """
    if side not in ("two", "upper", "lower"):
        raise ValueError(f"side must be 'two', 'upper' or 'lower'; got {side!r}")
    rel = {"two": "≈", "upper": "≤", "lower": "≥"}[side]
    quantity = f"slope in {meas.x_name} of {meas.quantity}"
    data, note = _usable(meas, allow_divergence)
    if data is None:
        return _diverged(meas, claim, note, quantity, rel)
    est = slope_ci(data.x, data.values)
    if side == "two":
        lo_b, hi_b = target - tol, target + tol
        if lo_b <= est.low and est.high <= hi_b:
            status = Status.PASS
        elif est.high < lo_b or est.low > hi_b:
            status = Status.FAIL
        else:
            status = Status.INCONCLUSIVE
        pred, tolerance = target, tol
    else:
        limit = target + tol if side == "upper" else target - tol
        status = _decide_one_sided(est.low, est.high, limit, upper=side == "upper")
        pred, tolerance = limit, 0.0
    details: dict[str, Any] = {}
    if est.undefined:
        details["undefined_resamples"] = est.undefined
    if note:
        details["divergence"] = note
    return Verdict(
        status=status,
        estimate=est.value,
        ci=(est.low, est.high),
        predicted=float(pred),
        tolerance=float(tolerance),
        relation=rel,
        quantity=quantity,
        details=details,
        **_base(meas, claim),
    )


def check_min_slope(
    meas: Measurement, limit: float, *, side: str = "upper", claim: str = ""
) -> Verdict:
    """Log-log slope of the minimum over rows of ``meas.values[R, k]`` (repeats of a timing)
    against ``meas.x``, one-sided: ``side="upper"`` slope ≤ limit, ``"lower"`` slope ≥ limit.
    The CI resamples the repeats. Non-finite or non-positive timings fail."""
    if side not in ("upper", "lower"):
        raise ValueError(f"side must be 'upper' or 'lower'; got {side!r}")
    quantity = f"exponent in {meas.x_name} of {meas.quantity} (min over repeats)"
    rel = "≤" if side == "upper" else "≥"
    if meas.n_diverged or np.any(meas.values <= 0):
        return _diverged(meas, claim, "non-finite or non-positive timings", quantity, rel)
    est = min_slope_ci(meas.x, meas.values)
    return Verdict(
        status=_decide_one_sided(est.low, est.high, limit, upper=side == "upper"),
        estimate=est.value,
        ci=(est.low, est.high),
        predicted=float(limit),
        relation=rel,
        quantity=quantity,
        **_base(meas, claim),
    )


def check_spread(
    meas: Measurement, limit: float, *, claim: str = "", allow_divergence: bool = False
) -> Verdict:
    """max/min over the grid of the seed-mean values ≤ ``limit`` (one-sided, bootstrap CI)."""
    data, note = _usable(meas, allow_divergence)
    quantity = f"max/min of {meas.quantity} over {meas.x_name}"
    if data is None:
        return _diverged(meas, claim, note, quantity, "≤")
    if np.any(data.values.mean(axis=0) <= 0):
        return _diverged(meas, claim, "a grid point has a non-positive mean", quantity, "≤")
    est = spread_ci(data.values)
    status = _decide_one_sided(est.low, est.high, limit, upper=True)
    details: dict[str, Any] = {"divergence": note} if note else {}
    return Verdict(
        status=status,
        estimate=est.value,
        ci=(est.low, est.high),
        predicted=float(limit),
        relation="≤",
        quantity=quantity,
        tightness=est.value / limit,
        details=details,
        **_base(meas, claim),
    )


def check_exact(meas: Measurement, *, atol: float, rtol: float = 0.0, claim: str = "") -> Verdict:
    """Deterministic: abs(value − theory) ≤ atol + rtol·abs(theory) at every grid point and seed.

    Non-finite values fail. The reported estimate is the value with the largest error; the
    tightness is the largest abs(value/theory) where theory ≠ 0 (None when theory is 0).
    """
    if meas.theory is None:
        raise ValueError("check_exact needs a measurement with theory [k]")
    if not (atol >= 0 and rtol >= 0):
        raise ValueError(f"atol and rtol must be >= 0; got atol={atol!r}, rtol={rtol!r}")
    target = np.broadcast_to(np.asarray(meas.theory), meas.values.shape)
    allowed = atol + rtol * np.abs(target)
    with np.errstate(invalid="ignore"):
        err = np.abs(meas.values - target)
    err = np.where(np.isfinite(err), err, np.inf)
    ok = bool(np.all(err <= allowed))
    s, j = np.unravel_index(int(np.argmax(err - allowed)), err.shape)
    nonzero = target != 0
    with np.errstate(invalid="ignore"):
        ratio = np.abs(meas.values[nonzero] / target[nonzero])
    tight = float(ratio.max()) if ratio.size and np.all(np.isfinite(ratio)) else None
    return Verdict(
        status=Status.PASS if ok else Status.FAIL,
        estimate=float(meas.values[s, j]),
        ci=(float(meas.values[s, j]), float(meas.values[s, j])),
        predicted=float(target[s, j]),
        tolerance=float(allowed[s, j]),
        relation="=",
        quantity=meas.quantity,
        tightness=tight,
        details={"max_abs_error": float(err.max()), "x_worst": float(meas.x[j])},
        **_base(meas, claim),
    )


def check_ratio(
    claim: str,
    ratio: float,
    limit: float,
    *,
    ci: tuple[float, float] | None = None,
    n_seeds: int = 0,
    quantity: str = "ratio",
) -> Verdict:
    """A scalar ``ratio`` ≤ ``limit``: with a CI the upper end decides PASS and the lower end
    FAIL (INCONCLUSIVE between); without one the point decides. Non-finite never passes."""
    lo, hi = ci if ci is not None else (ratio, ratio)
    if np.isnan(ratio) or np.isnan(lo) or np.isnan(hi):
        status = Status.FAIL
    else:
        status = _decide_one_sided(lo, hi, limit, upper=True)
    return Verdict(
        claim=claim,
        status=status,
        estimate=float(ratio),
        ci=(float(lo), float(hi)),
        predicted=float(limit),
        relation="≤",
        quantity=quantity,
        tightness=float(ratio / limit) if limit > 0 else None,
        n_seeds=n_seeds,
    )
