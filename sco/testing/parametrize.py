"""One pytest test per check: :func:`parametrize_with_checks`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..aggregators import Aggregator, resolve
from ..attacks import Attack
from ..attacks import resolve as resolve_attack
from ..estimators import Estimator
from ..estimators import resolve as resolve_estimator
from ._core import (
    Check,
    ConformanceError,
    Result,
    _label,
)
from .aggregators import aggregator_checks
from .attacks import attack_checks
from .estimators import estimator_checks
from .problems import problem_checks

# ---------------------------------------------------------------------------------------------
# pytest
# ---------------------------------------------------------------------------------------------


def _suite_for(obj: Any, kind: str | None) -> tuple[str, Callable[..., Iterator[Check]]]:
    from ..problem import Problem

    suites: dict[str, Callable[..., Iterator[Check]]] = {
        "aggregator": aggregator_checks,
        "attack": attack_checks,
        "estimator": estimator_checks,
        "problem": problem_checks,
    }
    if kind is None:
        kind = _kind_of(obj, Problem)
    if kind not in suites:
        raise ValueError(f"kind must be one of {sorted(suites)}; got {kind!r}")
    return kind, suites[kind]


def _kind_of(obj: Any, problem_type: type) -> str:
    """Which suite applies: by type; a spec string by the registry that builds it (aggregators,
    then attacks, then estimators); a plain callable by its signature (``honest`` → attack, no
    required parameter → estimator factory, else aggregator)."""
    if isinstance(obj, Attack):
        return "attack"
    if isinstance(obj, Estimator):
        return "estimator"
    if isinstance(obj, Aggregator):
        return "aggregator"
    if isinstance(obj, str):
        for kind, build in (
            ("aggregator", resolve),
            ("attack", resolve_attack),
            ("estimator", resolve_estimator),
        ):
            try:
                build(obj)
            except ValueError:
                continue
            return kind
        raise ValueError(f"{obj!r} names no aggregator, attack or estimator; pass kind=")
    if isinstance(obj, problem_type):
        return "problem"
    if callable(obj):
        params = inspect.signature(obj).parameters
        if "honest" in params:
            return "attack"
        required = [
            p
            for p in params.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        return "estimator" if not required else "aggregator"
    raise ValueError(f"cannot tell which conformance suite applies to {obj!r}; pass kind=")


class _PytestCheck:
    """A check as a pytest parameter: calling it runs the check and turns a skip into
    ``pytest.skip(reason)``."""

    def __init__(self, check: Check, pytest: Any) -> None:
        self.check = check
        self._pytest = pytest
        self.name = check.name

    def __call__(self) -> Result:
        result = self.check.run()
        if result.status == "skipped":
            self._pytest.skip(f"{self.check.name}: {result.reason}")
        return result

    def __repr__(self) -> str:
        return repr(self.check)


def parametrize_with_checks(
    objs: Iterable[Any],
    *,
    expected_failures: Mapping[Any, str] | None = None,
    kind: str | None = None,
    **kw: Any,
) -> Any:
    """A ``pytest.mark.parametrize("obj, check", ...)`` decorator over every check of every
    object, with ids ``<obj>-<check>``. Use as::

        @parametrize_with_checks(["cwtm", my_rule], expected_failures={"declared-kappa": "why"})
        def test_conformance(obj, check):
            check()

    ``check()`` runs the check (a skip becomes ``pytest.skip`` with its reason).
    ``expected_failures`` maps a check name (every object), or a pair ``(obj, check)`` (obj
    the object itself or its label), to a reason; those become ``xfail(strict=True)`` expecting
    a :class:`ConformanceError`. The suite is chosen from each object's type (aggregators for
    strings and plain callables) unless ``kind`` is given; ``kw`` goes to the suite.
    """
    import pytest  # only here: test code already running under pytest; sco never needs it

    xfail = dict(expected_failures or {})
    used: set[Any] = set()
    params = []
    for obj in objs:
        _, suite = _suite_for(obj, kind)
        for check in suite(obj, **kw):
            label = check.subject or _label(obj)
            keys = [check.name, (label, check.name)]
            try:
                keys.append((obj, check.name))
            except TypeError:  # pragma: no cover - unhashable objects
                pass
            reason = None
            for key in keys:
                try:
                    hit = key in xfail
                except TypeError:
                    hit = False
                if hit:
                    reason = xfail[key]
                    used.add(key)
                    break
            marks = (
                [pytest.mark.xfail(strict=True, raises=ConformanceError, reason=reason)]
                if reason is not None
                else []
            )
            params.append(
                pytest.param(
                    obj, _PytestCheck(check, pytest), id=f"{label}-{check.name}", marks=marks
                )
            )
    unknown = [k for k in xfail if k not in used]
    if unknown:
        raise ValueError(f"expected_failures names no generated check: {unknown!r}")
    return pytest.mark.parametrize(("obj", "check"), params)
