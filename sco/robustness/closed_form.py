r"""Closed forms of κ*(A; m, f) and ε*(A; m, f) (docs/theory.md §6), each with an extremal
instance evaluated by the implemented rule.

Notation: h = m − f honest rows (the first h rows of every instance), q = f/(m − 2f),
g = ⌈(m − 2f)/2⌉. S is the honest rows for κ* and all m rows for ε* (the rule still tuned to f).

===========  ==============================================  ====================================
rule         κ*(A; m, f)                                     ε*(A; m, f)
===========  ==============================================  ====================================
mean         ∞ for f ≥ 1, 0 for f = 0                        0
CWTM         q = f/(m − 2f)  (CWTM is optimal)               f/(m − f)
CWMed        (m − 1)/(m + 1 − 2f)  m odd                      ⌊(m−1)/2⌋/(m − ⌊(m−1)/2⌋)
             (m − 2)/(m + 2 − 2f)  m even (midpoint rule)
GM           (h − g)/g  (any d)                              1 for m even, (m − 1)/(m + 1) m odd
===========  ==============================================  ====================================

CWMed and GM ignore f, so their ε* is their κ* at f = 0 (checked in the tests).

Extremal instances (d = 1 unless stated):

* mean, f ≥ 1: m − 2f honest zeros, f honest ones, f Byzantine rows at B = 10⁶; the ratio grows
  like B², so κ* = ∞ is a supremum and ``lower`` is the (large, finite) ratio at this B.
* CWTM: the lower-bound construction of docs/theory.md §2 (m − 2f honest zeros, f honest ones,
  f Byzantine zeros: CWTM outputs 0, ratio exactly q); ε*: m − f zeros and f ones.
* CWMed: f Byzantine and n₀ honest values at 0, the other honest values at 1, with
  n₀ + f = (m + 1)/2 (m odd) or m/2 + 1 (m even): the median is 0 and the ratio is p/(1 − p),
  p the honest fraction at 1.
* GM: g honest points and the f Byzantine points at 0, h − g honest points at e. For m odd the
  points at 0 are a strict majority and the median is exactly 0 (attained). For m even the two
  groups tie and every point of [0, e] is a median; the points at e are spread on a small circle
  orthogonal to e (d = 3, radius ρ = √(10⁻⁴ g/h)) so that 0 is the unique median, giving
  (h − g)/(g + hρ²) ≥ κ*(1 − 10⁻⁴): κ* is a supremum. With m = 2 (f = 0) there is nothing to
  spread: the implemented rule picks a point of the segment and ``lower`` says which ratio that
  gives (the built-in GM returns an end point, so ε*(GM; 2) = 1 is attained).

Results are cached per (rule, m, f, no_attack): the first call evaluates the rule once on the
instance (GM: one certified Weiszfeld solve), later calls cost a dictionary look-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..aggregators import Aggregator
from .result import KappaStar
from .search import ratio

METHOD = "closed form"
_T6 = "docs/theory.md §6"
_MEAN_SCALE = 1e6
_CACHE: dict[tuple[object, ...], KappaStar] = {}


def _rule_kind(agg: Aggregator) -> str | None:
    """Which closed form applies: the registered function itself (not only its name) must be
    the built-in mean, CWTM, CWMed or geometric median, with no base rule."""
    from ..aggregators.coordinatewise import cwmed, cwtm
    from ..aggregators.geometric_median import geometric_median
    from ..aggregators.mean import mean

    if agg.base is not None:
        return None
    known: dict[Callable[..., np.ndarray], str] = {
        mean: "mean",
        cwtm: "cwtm",
        cwmed: "cwmed",
        geometric_median: "gm",
    }
    return known.get(agg.entry.func)


def _line(zeros: int, ones: int, byz_at: float = 0.0, byz: int = 0) -> np.ndarray:
    """``[zeros + ones + byz, 1]``: honest zeros, honest ones, then Byzantine rows at byz_at."""
    return np.concatenate([np.zeros(zeros), np.ones(ones), np.full(byz, byz_at)])[:, None]


def _spread_cluster(zeros: int, n_far: int, byz: int, h: int, g: int) -> np.ndarray:
    """``[m, 3]``: ``zeros`` honest points at 0, ``n_far`` honest points on a circle of radius
    ρ = √(1e-4·g/h) around e = (1, 0, 0) orthogonal to e (their mean stays e), ``byz`` Byzantine
    points at 0."""
    rho = math.sqrt(1e-4 * g / h)
    theta = 2 * math.pi * np.arange(n_far) / n_far
    far = np.stack([np.ones(n_far), rho * np.cos(theta), rho * np.sin(theta)], axis=1)
    return np.concatenate([np.zeros((zeros, 3)), far, np.zeros((byz, 3))])


def _nonzero_var(m: int) -> np.ndarray:
    """An instance with V_S > 0 for rules whose value is 0: m − 1 zeros and one 1."""
    return _line(m - 1, 1) if m >= 2 else np.zeros((1, 1))


def _build(kind: str, m: int, f: int, no_attack: bool) -> tuple[float, np.ndarray, str, bool]:
    """(value, instance, certificate, supremum) of one closed form."""
    if kind == "mean":
        if no_attack or f == 0:
            return 0.0, _nonzero_var(m), "the mean of S is the mean of all rows", False
        x = _line(m - 2 * f, f, _MEAN_SCALE, f)
        return (
            math.inf,
            x,
            f"one Byzantine row moves the mean freely: the ratio grows like B² (B = {_MEAN_SCALE:g}"
            " here), so κ* = ∞ is a supremum",
            True,
        )
    if kind == "cwtm":
        if no_attack:
            value = f / (m - f)
            x = _line(m - f, f) if f else _nonzero_var(m)
            return value, x, f"Yang, Shi & Li 2023, Thm 3.1 (reported); {_T6}", False
        value = f / (m - 2 * f)
        x = _line(m - 2 * f, f, 0.0, f) if f else _nonzero_var(m)
        return value, x, f"CWTM optimality, {_T6}", False
    if kind == "cwmed":
        ff = 0 if no_attack else f
        hh = m - ff
        if m % 2:
            value = (m - 1) / (m + 1 - 2 * ff)
            at_zero = (m + 1) // 2 - ff
        else:
            value = (m - 2) / (m + 2 - 2 * ff)
            at_zero = m // 2 + 1 - ff
        x = _line(at_zero, hh - at_zero, 0.0, ff) if value > 0 else _nonzero_var(m)
        proof = "the GM argument in 1-D (m odd)" if m % 2 else "enumeration (m even, midpoint rule)"
        return value, x, f"CWMed closed form, {_T6}: {proof}", False
    if kind == "gm":
        ff = 0 if no_attack else f
        hh = m - ff
        g = -(-(m - 2 * ff) // 2)
        value = (hh - g) / g
        if m % 2:
            return value, _line(g, hh - g, 0.0, ff), f"GM closed form, {_T6} (attained)", False
        if hh - g >= 2:
            x = _spread_cluster(g, hh - g, ff, hh, g)
            return value, x, f"GM closed form, {_T6} (supremum, m even)", True
        return (
            value,
            _line(g, hh - g, 0.0, ff),
            f"GM closed form, {_T6}: m = 2, every point of the segment is a median; the"
            " implemented rule's choice is the lower bound",
            True,
        )
    raise AssertionError(kind)


def closed_form(agg: Aggregator, m: int, f: int, *, no_attack: bool = False) -> KappaStar | None:
    r"""κ*(agg; m, f) (ε* with ``no_attack``) by a closed form of docs/theory.md §6, or None
    when none applies (any rule other than the built-in mean, CWTM, CWMed and GM).

    value = upper = the closed form (the proof is the certificate); ``lower`` is the ratio
    ‖A(x) − x̄_S‖²/V_S of the extremal instance x (module docstring) through the implemented
    rule, S = its first m − f rows (all rows for ε*). ``supremum`` is set where the value is
    approached but not attained (mean with f ≥ 1, GM with m even).
    """
    kind = _rule_kind(agg)
    if kind is None:
        return None
    key = (agg.spec, agg.entry.func, m, f, bool(no_attack))
    got = _CACHE.get(key)
    if got is not None:
        return got
    h = m if no_attack else m - f
    if h < 2:
        value, x, cert, sup = 0.0, np.zeros((m, 1)), "|S| = 1: V_S = 0 (empty supremum)", False
    else:
        value, x, cert, sup = _build(kind, m, f, bool(no_attack))
    with np.errstate(all="ignore"):
        lower = float(ratio(agg(x, f=f), x, np.arange(h)))
    if sup and math.isfinite(value) and lower >= value * (1 - 1e-9):
        sup = False  # the implemented rule's tie-break happens to attain it (GM at m = 2)
    x.setflags(write=False)
    got = KappaStar(
        agg.spec, m, f, bool(no_attack), value, lower, value, x, cert, METHOD, supremum=sup,
        details={"kind": kind},
    )  # fmt: skip
    _CACHE[key] = got
    return got
