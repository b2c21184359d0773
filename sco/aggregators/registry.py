"""Aggregator objects, declared properties (κ, equivariance), and ``make(spec)``.

An :class:`Aggregator` wraps one pure function with its parameters and declares what the
conformance suite (:func:`sco.testing.check_aggregator`) and the claims may rely on: the κ of
docs/theory.md §2 (when the table gives one), translation equivariance, randomisation, and the
smallest m the rule accepts for a given f.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

from .._registry import Registry
from .._spec import Spec, bind, parse

KappaFn: TypeAlias = Callable[[int, int, "Aggregator | None"], "float | None"]


def _q(m: int, f: int) -> float:
    return f / (m - 2 * f)


def _kappa_cwtm(m: int, f: int, base: Aggregator | None) -> float:
    q = _q(m, f)
    return 6 * q * (1 + q)


def _kappa_median(m: int, f: int, base: Aggregator | None) -> float:
    return 4 * (1 + _q(m, f)) ** 2


def _kappa_krum(m: int, f: int, base: Aggregator | None) -> float:
    return 6 * (1 + _q(m, f))


def _kappa_mean(m: int, f: int, base: Aggregator | None) -> float | None:
    return 0.0 if f == 0 else None


def _kappa_ctma(m: int, f: int, base: Aggregator | None) -> float | None:
    kb = base.kappa(m, f) if base is not None else None
    return None if kb is None else 4 * f * (1 + kb) / (m - f)


def _kappa_nnm(m: int, f: int, base: Aggregator | None) -> float | None:
    kb = base.kappa(m, f) if base is not None else None
    return None if kb is None else 8 * f / (m - f) * (kb + 1)


@dataclass(frozen=True)
class Entry:
    """How to build one registered rule."""

    func: Callable[..., np.ndarray]
    kappa: KappaFn | None = None
    meta: bool = False
    randomized: bool = False
    equivariant: bool = True  # translation equivariant when its base is
    robust: bool = True  # survives up to f non-finite rows
    rtol: float = 1e-10  # relative accuracy of the output (iterative solvers are looser)
    min_m: Callable[[int], int] = field(default=lambda f: 2 * f + 1)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # word-valued params
    reference: str = ""
    coordinatewise: bool = False  # the rule acts on each coordinate alone (κ* reduces to d = 1)


REGISTRY: Registry[Entry] = Registry("aggregator")
#: Alternative names: geometric_median = gm, centered_clipping = cc (and any registered ones).
ALIASES = REGISTRY.aliases


def _as_kappa(kappa: KappaFn | float | None) -> KappaFn | None:
    if kappa is None or callable(kappa):
        return kappa
    if isinstance(kappa, bool) or not isinstance(kappa, (int, float)) or not kappa >= 0:
        raise ValueError(
            f"kappa must be a number >= 0, a callable (m, f, base) or None; got {kappa!r}"
        )
    value = float(kappa)
    return lambda m, f, base: value


def _as_min_m(min_workers: Callable[[int], int] | int | None) -> Callable[[int], int]:
    if min_workers is None:
        return lambda f: 2 * f + 1
    if callable(min_workers):
        return min_workers
    if isinstance(min_workers, bool) or not isinstance(min_workers, int) or min_workers < 1:
        raise ValueError(
            f"min_workers must be an integer >= 1, a callable f -> m or None; got {min_workers!r}"
        )
    n = int(min_workers)
    return lambda f: max(n, f + 1)


def register(
    name: str,
    fn: Callable[..., np.ndarray],
    *,
    kappa: KappaFn | float | None = None,
    reference: str = "",
    robust: bool = False,
    equivariant: bool = False,
    randomised: bool = False,
    min_workers: Callable[[int], int] | int | None = None,
    meta: bool = False,
    choices: Mapping[str, tuple[str, ...]] | None = None,
    rtol: float = 1e-10,
    aliases: tuple[str, ...] = (),
    replace: bool = False,
    coordinatewise: bool = False,
) -> Callable[..., np.ndarray]:
    """Register an aggregation rule ``fn(x[..., m, d], *, f, **params) -> [..., d]`` under
    ``name``, so that ``make(name)``, nested specs (``"ctma(name)"``), TOML sweeps and
    ``sco list`` know it. Returns ``fn``.

    Parameters
    ----------
    kappa : callable or number, optional
        The declared (f, κ) constant of docs/theory.md §2: a number, or ``kappa(m, f, base)``
        returning a float or None (``base`` is the base :class:`Aggregator` of a meta rule).
        :func:`sco.testing.check_aggregator` checks the realised ratio against it.
    reference : str
        Where the rule comes from (a citation), shown by the conformance suite and docs.
    robust : bool
        Up to f non-finite rows never make the output non-finite.
    equivariant : bool
        Translation equivariant: A(x + c) = A(x) + c.
    randomised : bool
        The rule draws random numbers: it takes ``rng=``.
    min_workers : callable, int or None
        The smallest m for f Byzantine workers: ``min_workers(f)``, a fixed number, or None for
        2f + 1.
    meta : bool
        The rule takes a base aggregator (``base=``, an :class:`Aggregator`) and ``rng=``, and
        its spec a nested base: ``name(cwtm)``.
    choices : mapping, optional
        Word-valued parameters and their valid words, e.g. ``{"ties": ("midpoint", "lower")}``.
    rtol : float
        Relative accuracy of the output (iterative solvers are looser than 1e-10).
    aliases : tuple of str
        Other names for the rule.
    replace : bool
        Replace an existing registration instead of raising ``ValueError``.
    coordinatewise : bool
        The rule acts on each coordinate separately with the same 1-D rule (CWTM, CWMed, ...):
        :func:`sco.robustness.kappa_star` then reduces its κ* to d = 1 (docs/theory.md §6) and
        may use the exact enumeration over order patterns.
    """
    if not callable(fn):
        raise ValueError(f"aggregator {name!r}: fn must be callable; got {fn!r}")
    entry = Entry(
        fn,
        _as_kappa(kappa),
        meta=bool(meta),
        randomized=bool(randomised),
        equivariant=bool(equivariant),
        robust=bool(robust),
        rtol=float(rtol),
        min_m=_as_min_m(min_workers),
        choices=dict(choices or {}),
        reference=reference,
        coordinatewise=bool(coordinatewise),
    )
    REGISTRY.register(name, entry, replace=replace, aliases=aliases, reference=reference)
    return fn


def unregister(name: str) -> None:
    """Remove a registered aggregator (and its aliases)."""
    REGISTRY.unregister(name)


def names() -> list[str]:
    """Names accepted by :func:`make` (aliases: geometric_median = gm, centered_clipping = cc)."""
    return REGISTRY.names()


@dataclass(frozen=True, eq=False)
class Aggregator:
    """A configured aggregator: call it as ``agg(x, f=f)`` (``rng=`` for randomised rules).

    Attributes
    ----------
    spec : str
        Canonical spec string, e.g. ``"ctma(cwtm)"``; ``make(agg.spec)`` rebuilds it.
    params : mapping
        Keyword parameters bound to the function.
    base : Aggregator or None
        The base rule of a meta aggregator.
    """

    spec: str
    entry: Entry
    params: Mapping[str, Any]
    base: Aggregator | None = None

    @property
    def name(self) -> str:
        return self.spec.split("(")[0]

    @property
    def randomized(self) -> bool:
        """True when the rule (or its base) draws random numbers and needs ``rng``."""
        return self.entry.randomized or (self.base is not None and self.base.randomized)

    @property
    def translation_equivariant(self) -> bool:
        """A(x + c) = A(x) + c (up to rounding) for every shift c."""
        return self.entry.equivariant and (self.base is None or self.base.translation_equivariant)

    @property
    def robust(self) -> bool:
        """True when up to f non-finite rows never make the output non-finite."""
        return self.entry.robust and (self.base is None or self.base.robust)

    @property
    def rtol(self) -> float:
        """Relative accuracy of the output: exact rules ~1e-10, iterative solvers looser."""
        return max(self.entry.rtol, self.base.rtol if self.base is not None else 0.0)

    @property
    def coordinatewise(self) -> bool:
        """True when the rule applies one 1-D rule to each coordinate separately."""
        return self.entry.coordinatewise and self.base is None

    def kappa(self, m: int, f: int) -> float | None:
        """The declared (f, κ) constant of docs/theory.md §2 for m workers (None if none)."""
        if self.entry.kappa is None or m < self.min_workers(f):
            return None
        return self.entry.kappa(m, f, self.base)

    def min_workers(self, f: int) -> int:
        """Smallest m accepted for f Byzantine workers (for a meta rule: also its base's)."""
        own = self.entry.min_m(f)
        return max(own, self.base.min_workers(f)) if self.base is not None else own

    def __call__(
        self, x: np.ndarray, *, f: int, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        kw = dict(self.params)
        if self.base is not None:
            kw["base"] = self.base
            kw["rng"] = rng
        elif self.entry.randomized:
            kw["rng"] = rng
        return self.entry.func(x, f=f, **kw)

    def __repr__(self) -> str:
        return f"Aggregator({self.spec!r})"


AggregatorLike: TypeAlias = "str | Aggregator | Callable[..., np.ndarray]"


def _wrap_callable(func: Callable[..., np.ndarray]) -> Aggregator:
    name = getattr(func, "__name__", "custom")
    entry = Entry(func, None, equivariant=False, robust=False, min_m=lambda f: 1)
    return Aggregator(name, entry, {})


def resolve(agg: AggregatorLike) -> Aggregator:
    """An :class:`Aggregator` from a spec string, an Aggregator, or a plain callable
    ``fn(x, *, f)`` (which then declares no κ and no equivariance)."""
    if isinstance(agg, Aggregator):
        return agg
    if isinstance(agg, str):
        return make(agg)
    if callable(agg):
        return _wrap_callable(agg)
    raise ValueError(f"aggregator must be a spec string, an Aggregator or a callable; got {agg!r}")


def _build(spec: Spec) -> Aggregator:
    name = REGISTRY.canonical(spec.name)
    entry = REGISTRY.get(name)
    args = list(spec.args)
    kwargs = dict(spec.kwargs)
    base: Aggregator | None = None
    if entry.meta:
        if "base" in kwargs:
            args.insert(0, kwargs.pop("base"))  # type: ignore[arg-type]
        if len(args) != 1 or not isinstance(args[0], Spec):
            raise ValueError(f"{name} needs exactly one base aggregator, e.g. '{name}(cwtm)'")
        base = _build(args[0])
    elif args:
        raise ValueError(f"{name} takes no base aggregator; got {spec!s}")
    for key, valid in entry.choices.items():
        if key in kwargs:
            kwargs[key] = _word(name, key, kwargs[key], valid)
    params = bind("aggregator", name, entry.func, kwargs, {"x", "f", "base", "rng"})
    canon = Spec(name, (parse(base.spec),) if base is not None else (), tuple(params.items()))
    return Aggregator(str(canon), entry, params, base)


def _word(name: str, key: str, value: object, valid: tuple[str, ...]) -> str:
    """A word-valued parameter (``ctma(cwtm, ties=inclusive)``): the parser reads a bare word as
    a nested spec without arguments; it must be one of ``valid``."""
    word = value.name if isinstance(value, Spec) and not value.args and not value.kwargs else value
    if word not in valid:
        shown = value if not isinstance(value, Spec) else str(value)
        raise ValueError(
            f"parameter {key!r} of aggregator {name!r} must be one of {', '.join(valid)};"
            f" got {shown!s}"
        )
    return str(word)


def make(spec: str | Spec) -> Aggregator:
    """Build an aggregator from a spec string such as ``"ctma(nnm(gm))"``,
    ``"multi_krum(k=5)"`` or ``"bucketing(cwmed, s=2)"``.

    Unknown names and unknown parameters raise ``ValueError`` listing the valid ones.
    """
    return _build(parse(spec) if isinstance(spec, str) else spec)
