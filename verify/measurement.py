"""What an experiment returns: per-seed values on a grid, with the theory beside them.

Data flows one way: problem → ``sco.simulate`` → ``Trace`` → :class:`Measurement` →
:class:`verify.Verdict` → report. Figures and reports are drawn from measurements only, so a
report can be redrawn from its ``verdicts.json`` without running anything again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _array(a: Any, dtype: Any = np.float64) -> np.ndarray:
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Measurement:
    """Per-seed values of one experiment on a grid.

    Attributes
    ----------
    x : float array [k]
        The grid (steps t, horizons T, δ, m, or rule indices).
    values : float array [S, k]
        One row per seed (S = 1 for deterministic measurements); NaN/Inf where a seed diverged.
    theory : float array [k] or None
        What the theory says at each grid point (a bound, an exact value), evaluated at that
        very point; None where the claim is about a slope or a spread.
    diverged : bool array [S]
        Seeds whose run became non-finite.
    instance : str
        A label of the instance the values come from (the family draw, or the user's problem).
    config : dict
        Everything else needed to read or rerun it (aggregator, attack, estimator, m, f, ...).
    x_name, quantity, theory_name : str
        Axis name, what ``values`` measures, and what ``theory`` is (for tables and figures).
    seeds : int array [S]
        Seed indices of the rows.
    """

    x: np.ndarray
    values: np.ndarray
    theory: np.ndarray | None = None
    diverged: np.ndarray | None = None
    instance: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    x_name: str = "x"
    quantity: str = "value"
    theory_name: str = ""
    seeds: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = _array(self.x)
        values = _array(self.values)
        if values.ndim == 1:
            values = _array(values[None, :])
        if x.ndim != 1 or values.ndim != 2 or values.shape[1] != x.shape[0]:
            raise ValueError(
                f"Measurement needs x[k] and values[S, k]; got x {x.shape}, values {values.shape}"
            )
        s = values.shape[0]
        theory = None if self.theory is None else _array(self.theory)
        if theory is not None and theory.shape != x.shape:
            raise ValueError(f"theory must have shape [k] = {x.shape}; got {theory.shape}")
        div = np.zeros(s, bool) if self.diverged is None else np.array(self.diverged, bool)
        div = div | ~np.all(np.isfinite(values), axis=1)
        seeds = np.arange(s) if self.seeds is None else np.asarray(self.seeds, np.int64)
        if div.shape != (s,) or seeds.shape != (s,):
            raise ValueError(f"diverged and seeds must have shape [S] = ({s},)")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "theory", theory)
        object.__setattr__(self, "diverged", _array(div, bool))
        object.__setattr__(self, "seeds", _array(seeds, np.int64))

    @property
    def n_seeds(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_diverged(self) -> int:
        assert self.diverged is not None
        return int(self.diverged.sum())

    def finite(self) -> Measurement:
        """The same measurement without its diverged seeds (callers must say they drop them)."""
        assert self.diverged is not None and self.seeds is not None
        keep = ~self.diverged
        return Measurement(
            self.x,
            self.values[keep],
            self.theory,
            np.zeros(int(keep.sum()), bool),
            self.instance,
            dict(self.config),
            self.x_name,
            self.quantity,
            self.theory_name,
            self.seeds[keep],
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers as the strings "nan", "inf", "-inf")."""
        return {
            "x": _encode(self.x),
            "values": _encode(self.values),
            "theory": None if self.theory is None else _encode(self.theory),
            "diverged": np.asarray(self.diverged).tolist(),
            "instance": self.instance,
            "config": jsonable(self.config),
            "x_name": self.x_name,
            "quantity": self.quantity,
            "theory_name": self.theory_name,
            "seeds": np.asarray(self.seeds).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict` (bit-exact for the arrays)."""
        return cls(
            _decode(d["x"]),
            _decode(d["values"]),
            None if d.get("theory") is None else _decode(d["theory"]),
            np.array(d["diverged"], bool),
            d.get("instance", ""),
            dict(d.get("config", {})),
            d.get("x_name", "x"),
            d.get("quantity", "value"),
            d.get("theory_name", ""),
            np.array(d["seeds"], np.int64),
        )


def _encode(a: np.ndarray) -> Any:
    return jsonable(np.asarray(a, dtype=np.float64))


def _decode(a: Any) -> np.ndarray:
    def num(v: Any) -> Any:
        if isinstance(v, list):
            return [num(u) for u in v]
        return float(v)  # float("nan"), float("inf") and float("-inf") parse the strings

    return np.array(num(a), dtype=np.float64)


def jsonable(obj: Any) -> Any:
    """Convert numpy containers and scalars to JSON types; non-finite floats become strings
    (JSON has no NaN or Inf) and floats keep their full precision (``repr`` round trip)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else str(v)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)
