"""Attack objects and ``make(spec)`` (``"ipm(eps=0.5)"``, ``"alie(z=1.5)"``, ``"adaptive"``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._spec import Spec, lookup
from ..aggregators import AggregatorLike
from . import simple as _simple
from .adaptive_search import adaptive

_FUNCS: dict[str, Callable[..., np.ndarray]] = {
    "sign_flip": _simple.sign_flip,
    "ipm": _simple.ipm,
    "alie": _simple.alie,
    "gaussian": _simple.gaussian,
    "mimic": _simple.mimic,
    "nan": _simple.nan,
    "inf": _simple.inf,
    "huge": _simple.huge,
    "constant": _simple.constant,
    "adaptive": adaptive,
}


def names() -> list[str]:
    """Names accepted by :func:`make`."""
    return sorted(_FUNCS)


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

    @property
    def needs_aggregator(self) -> bool:
        return "aggregator" in inspect.signature(self.func).parameters

    def __call__(
        self,
        honest: np.ndarray,
        *,
        f: int,
        rng: np.random.Generator | None = None,
        aggregator: AggregatorLike | None = None,
    ) -> np.ndarray:
        honest = np.asarray(honest, dtype=np.float64)
        if honest.ndim < 2 or honest.shape[-2] == 0:
            raise ValueError(f"honest must have shape [..., h, d] with h >= 1; got {honest.shape}")
        if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 0:
            raise ValueError(f"f must be an integer >= 0; got {f!r}")
        if f == 0:
            return np.zeros((*honest.shape[:-2], 0, honest.shape[-1]))
        sig = inspect.signature(self.func).parameters
        kw: dict[str, Any] = dict(self.params)
        if "rng" in sig:
            if sig["rng"].default is inspect.Parameter.empty and rng is None:
                raise ValueError(f"attack {self.name!r} is randomised: pass rng=")
            kw["rng"] = rng
        if "aggregator" in sig:
            if aggregator is None:
                raise ValueError(f"attack {self.name!r} needs the aggregator: pass aggregator=")
            kw["aggregator"] = aggregator
        return self.func(honest, f=int(f), **kw)

    def __repr__(self) -> str:
        return f"Attack({self.spec!r})"


def make(spec: str | Spec) -> Attack:
    """Build an attack from a spec string; unknown names/parameters raise ``ValueError``."""
    name, func, params = lookup("attack", spec, _FUNCS, {"honest", "f", "rng", "aggregator"})
    return Attack(str(Spec(name, (), tuple(params.items()))), func, params)
