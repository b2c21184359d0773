"""Attack objects and ``make(spec)`` (``"ipm(eps=0.5)"``, ``"alie(z=1.5)"``, ``"adaptive"``)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._registry import Registry
from .._spec import Spec, lookup
from ..aggregators import AggregatorLike
from ..seeds import as_generator
from . import simple as _simple
from .adaptive_search import adaptive

REGISTRY: Registry[Callable[..., np.ndarray]] = Registry("attack")


def register(
    name: str,
    fn: Callable[..., np.ndarray],
    *,
    reference: str = "",
    choices: Mapping[str, tuple[str, ...]] | None = None,
    replace: bool = False,
) -> Callable[..., np.ndarray]:
    """Register an attack ``fn(honest[..., h, d], *, f, **params) -> [..., f, d]`` under
    ``name`` (it is given ``rng=`` and ``aggregator=`` when its signature names them), so that
    ``make(name)``, TOML sweeps and ``sco list`` know it. ``choices`` maps word-valued
    parameters to their valid words; an existing name raises unless ``replace=True``.
    Returns ``fn``."""
    if not callable(fn):
        raise ValueError(f"attack {name!r}: fn must be callable; got {fn!r}")
    REGISTRY.register(name, fn, replace=replace, reference=reference, choices=dict(choices or {}))
    return fn


def unregister(name: str) -> None:
    """Remove a registered attack."""
    REGISTRY.unregister(name)


for _name, _fn, _choices in (
    ("sign_flip", _simple.sign_flip, None),
    ("ipm", _simple.ipm, None),
    ("alie", _simple.alie, {"z_rule": _simple.Z_RULES}),
    ("gaussian", _simple.gaussian, None),
    ("mimic", _simple.mimic, None),
    ("copy_cluster", _simple.copy_cluster, None),
    ("anti_sign", _simple.anti_sign, None),
    ("nan", _simple.nan, None),
    ("inf", _simple.inf, None),
    ("huge", _simple.huge, None),
    ("constant", _simple.constant, None),
    ("adaptive", adaptive, None),
):
    register(_name, _fn, choices=_choices)


def names() -> list[str]:
    """Names accepted by :func:`make`."""
    return REGISTRY.names()


@dataclass(frozen=True, eq=False)
class Attack:
    """A configured attack: ``attack(honest[..., h, d], f=f, rng=rng, aggregator=agg)``
    returns the ``[..., f, d]`` Byzantine messages of one round."""

    spec: str
    func: Callable[..., np.ndarray]
    params: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.spec.split("(")[0]

    @functools.cached_property
    def _signature(self) -> Mapping[str, inspect.Parameter]:
        return inspect.signature(self.func).parameters

    @property
    def needs_aggregator(self) -> bool:
        return "aggregator" in self._signature

    def __call__(
        self,
        honest: np.ndarray,
        *,
        f: int,
        rng: Any = None,
        aggregator: AggregatorLike | None = None,
    ) -> np.ndarray:
        honest = np.asarray(honest, dtype=np.float64)
        if honest.ndim < 2 or honest.shape[-2] == 0:
            raise ValueError(f"honest must have shape [..., h, d] with h >= 1; got {honest.shape}")
        if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 0:
            raise ValueError(f"f must be an integer >= 0; got {f!r}")
        if f == 0:
            return np.zeros((*honest.shape[:-2], 0, honest.shape[-1]))
        sig = self._signature
        kw: dict[str, Any] = dict(self.params)
        if "rng" in sig:
            if sig["rng"].default is inspect.Parameter.empty and rng is None:
                raise ValueError(f"attack {self.name!r} is randomised: pass rng=")
            kw["rng"] = None if rng is None else as_generator(rng)
        if "aggregator" in sig:
            if aggregator is None:
                raise ValueError(f"attack {self.name!r} needs the aggregator: pass aggregator=")
            kw["aggregator"] = aggregator
        return self.func(honest, f=int(f), **kw)

    def __repr__(self) -> str:
        return f"Attack({self.spec!r})"


def make(spec: str | Spec) -> Attack:
    """Build an attack from a spec string; unknown names/parameters raise ``ValueError``."""
    name, func, params = lookup("attack", spec, REGISTRY, {"honest", "f", "rng", "aggregator"})
    choices = REGISTRY.entry(name).declared.get("choices", {})
    for key, value in params.items():
        valid = choices.get(key)
        if valid is not None and value not in valid:
            raise ValueError(f"{key} of attack {name!r} must be one of {valid}; got {value!r}")
    z_rule = params.get("z_rule", "baruch")
    if name == "alie" and params.get("z") is not None and z_rule != "baruch":
        raise ValueError("alie: give either z or z_rule, not both")
    return Attack(str(Spec(name, (), tuple(params.items()))), func, params)


def resolve(attack: str | Attack | Callable[..., np.ndarray]) -> Attack:
    """An :class:`Attack` from a spec string, an Attack, or a plain callable
    ``fn(honest[..., h, d], *, f) -> [..., f, d]`` (it is given ``rng=`` and ``aggregator=``
    when its signature names them), as :func:`sco.aggregators.resolve` does for aggregators."""
    if isinstance(attack, Attack):
        return attack
    if isinstance(attack, str):
        return make(attack)
    if callable(attack):
        return Attack(getattr(attack, "__name__", "custom"), attack, {})
    raise ValueError(f"attack must be a spec string, an Attack or a callable; got {attack!r}")
