"""κ*(A; m, f): the exact worst-case robustness of a rule (docs/theory.md §6).

The dispatch tries, in order, the closed forms (mean, CWTM, CWMed, GM), the exact SDP over the
Gram matrix (Krum, Multi-Krum, CTMA(Krum), NNM∘Krum), the SOCP enumeration over order patterns
(any rule declared coordinate-wise), and finally an adversarial search (any rule, including a
plain callable), which only gives a lower bound and says so.
"""

from __future__ import annotations

from typing import Any

from ..aggregators import Aggregator, AggregatorLike, resolve
from .result import METHODS, KappaStar


def _check(m: object, f: object) -> tuple[int, int]:
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m must be an integer >= 1; got {m!r}")
    if isinstance(f, bool) or not isinstance(f, int) or not 0 <= f < m / 2:
        raise ValueError(f"f must be an integer with 0 <= f < m/2 = {m / 2:g}; got {f!r}")
    return m, f


def validate(rule: AggregatorLike, m: object, f: object) -> Aggregator:
    """The rule as an :class:`Aggregator`, after checking (m, f) for :func:`kappa_star`:
    m ≥ 1, 0 ≤ f < m/2 and m at least the rule's own minimum. Raises a one-line ``ValueError``
    naming ``m`` or ``f`` (the messages start with the parameter's name)."""
    m, f = _check(m, f)
    agg = resolve(rule)
    if m < agg.min_workers(f):
        raise ValueError(f"m: {agg.spec} needs m >= {agg.min_workers(f)} for f = {f}; got {m}")
    return agg


def kappa_star(
    rule: AggregatorLike,
    m: int,
    f: int,
    *,
    no_attack: bool = False,
    method: str | None = None,
    rng: Any = 0,
) -> KappaStar:
    """The exact κ*(rule; m, f) of docs/theory.md §6 (ε* with ``no_attack``), with a primal
    instance (lower bound, evaluated by the implemented rule) and a certificate (upper bound).

    Parameters
    ----------
    rule : str, Aggregator or callable
        A spec such as ``"krum"`` or ``"ctma(krum)"``, or any function ``fn(x[m, d], *, f)``.
    m, f : int
        Workers and Byzantine workers, 0 <= f < m/2 (the rule's own minimum m also applies).
    no_attack : bool
        Compute the no-attack accuracy ε* (all rows honest, the rule still tuned to f).
    method : str, optional
        Force one of ``"closed form"``, ``"SDP"``, ``"SOCP enumeration"``, ``"search only"``
        (``ValueError`` when it does not apply to the rule); default: the strongest that does.
    rng : seed-like
        Seeds the adversarial search (only used by ``"search only"``).

    Returns
    -------
    KappaStar
    """
    agg = validate(rule, m, f)
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    got = _dispatch(agg, m, f, no_attack, method, rng)
    assert got is not None  # the search always answers
    return got


def proven(rule: AggregatorLike, m: int, f: int, *, no_attack: bool = False) -> KappaStar | None:
    """κ*(rule; m, f) when a proof or certificate applies (closed form, SDP or SOCP enumeration
    within their size budgets); None otherwise — never runs a search."""
    m, f = _check(m, f)
    agg = resolve(rule)
    if m < agg.min_workers(f):
        return None
    return _dispatch(agg, m, f, no_attack, None, None, search=False)


def _dispatch(
    agg: Aggregator,
    m: int,
    f: int,
    no_attack: bool,
    method: str | None,
    rng: Any,
    *,
    search: bool = True,
) -> KappaStar | None:
    from . import adversarial, closed_form, sdp, socp

    tried: list[str] = []
    if method in (None, "closed form"):
        got = closed_form.closed_form(agg, m, f, no_attack=no_attack)
        if got is not None:
            return got
        tried.append("closed form")
    if method in (None, "SDP"):
        if sdp.applies(agg, m, f):
            return sdp.sdp_kappa(agg, m, f, no_attack=no_attack)
        tried.append("SDP")
    if method in (None, "SOCP enumeration"):
        if socp.applies(agg, m, f):
            return socp.socp_enumeration(agg, m, f, no_attack=no_attack)
        tried.append("SOCP enumeration")
    if not search:
        return None
    if method in (None, "search only"):
        return adversarial.search_only(agg, m, f, no_attack=no_attack, rng=rng)
    raise ValueError(f"method {method!r} does not apply to {agg.spec} (tried {', '.join(tried)})")
