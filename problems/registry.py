"""``problems.make(name, **kw)``: build a problem by name with strictly validated keywords."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable

from ._ball import BallProblem
from .heterogeneous_builder import heterogeneous_quadratic
from .least_squares import LeastSquares
from .logistic import Logistic
from .logistic_split import LogisticSplit
from .quadratic import Quadratic

_BUILDERS: dict[str, Callable[..., BallProblem]] = {
    "quadratic": Quadratic.random,
    "least_squares": LeastSquares.random,
    "logistic": Logistic.synthetic,
    "breast_cancer": Logistic.breast_cancer,
    "logistic_split": LogisticSplit.synthetic,
    "heterogeneous_quadratic": heterogeneous_quadratic,
}


_generation = 0  # bumped by register/unregister: caches of validated specs key on it


def generation() -> int:
    """A counter that changes whenever a problem is registered or removed."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


def register(
    name: str, builder: Callable[..., BallProblem], *, replace: bool = False
) -> Callable[..., BallProblem]:
    """Register a problem ``builder(**kw)`` under ``name`` for :func:`make`, TOML sweeps and
    ``sco list``; an existing name raises ``ValueError`` unless ``replace=True``. Returns
    ``builder``. (The same pattern as ``sco``'s registries; ``problems`` never imports ``sco``.)"""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"problem name must be an identifier like 'my_problem'; got {name!r}")
    if not callable(builder):
        raise ValueError(f"problem {name!r}: builder must be callable; got {builder!r}")
    if name in _BUILDERS and not replace:
        raise ValueError(f"problem {name!r} is already registered; pass replace=True to replace it")
    _BUILDERS[name] = builder
    _bump()
    return builder


def unregister(name: str) -> None:
    """Remove a registered problem (no error if absent)."""
    _BUILDERS.pop(name, None)
    _bump()


def names() -> list[str]:
    """The names accepted by :func:`make`."""
    return sorted(_BUILDERS)


def make(name: str, **kw: object) -> BallProblem:
    """Build a problem: ``quadratic`` (:meth:`Quadratic.random`), ``least_squares``
    (:meth:`LeastSquares.random`), ``logistic`` (:meth:`Logistic.synthetic`),
    ``breast_cancer`` (:meth:`Logistic.breast_cancer`), ``logistic_split``
    (:meth:`LogisticSplit.synthetic`, h workers of a split data set) or
    ``heterogeneous_quadratic`` (:func:`problems.heterogeneous_builder.heterogeneous_quadratic`,
    per-worker quadratics chosen by ``kind``); keywords go to that constructor.

    Unknown names and unknown keywords raise ``ValueError`` listing the valid ones.
    """
    if name not in _BUILDERS:
        near = difflib.get_close_matches(str(name), names(), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ValueError(f"problem name must be one of {names()}; got {name!r}{hint}")
    builder = _BUILDERS[name]
    params = inspect.signature(builder).parameters
    for key in kw:
        if key not in params:
            raise ValueError(
                f"unknown keyword {key!r} for problem {name!r}; valid keywords: {sorted(params)}"
            )
    return builder(**kw)
