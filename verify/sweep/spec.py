"""TOML run and sweep specs (docs/architecture.md §2–§3).

A spec's keys are the keyword names of :func:`sco.simulate`; the problem is a table whose keys
are those of :func:`problems.make` (``name`` plus its keywords)::

    problem = { name = "least_squares", dim = 10, rng = 0 }
    aggregator = ["ctma(cwtm)", "cwtm"]     # a list: one run per value (the sweep grid)
    attack = "alie"
    estimator = "mu2sgd"
    m = 17
    f = [1, 4]
    T = 1000
    lr = "theory"                           # or a number; "theory" is 1/(8 L T)
    seeds = 8
    rng = 0

Every list value (top level or inside ``problem``) is a grid axis; a run is one point of the
grid. Validation is strict: unknown keys, wrong types, out-of-range values and unknown names
raise :class:`SpecError` with a one-line message naming the key.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import problems
from sco import aggregators, attacks, estimators
from sco.trace import METRICS

REQUIRED = ("problem", "aggregator", "estimator", "m", "f", "T", "lr")
OPTIONAL: dict[str, Any] = {
    "attack": None,
    "seeds": 1,
    "rng": 0,
    "record": list(METRICS),
    "checkpoints": None,
    "byzantine_data": None,
}
KEYS = set(REQUIRED) | set(OPTIONAL)


class SpecError(ValueError):
    """A bad spec: the message is one line and names the key."""


def load(path: str | Path) -> dict[str, Any]:
    """Read a TOML spec file (``SpecError`` if it is missing or not valid TOML)."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text())
    except FileNotFoundError as exc:
        raise SpecError(f"spec file not found: {p}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: not valid TOML ({exc})") from exc


def expand(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a spec: the cartesian product of every list value, each run validated."""
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        near = difflib.get_close_matches(unknown[0], sorted(KEYS), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SpecError(f"unknown key {unknown[0]!r}{hint}; valid keys: {', '.join(sorted(KEYS))}")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise SpecError(f"missing key {missing[0]!r} (required: {', '.join(REQUIRED)})")
    flat: dict[str, Any] = {k: v for k, v in raw.items() if k != "problem"}
    prob = raw["problem"]
    if isinstance(prob, str):
        prob = {"name": prob}
    if not isinstance(prob, dict) or "name" not in prob:
        raise SpecError(
            "problem must be a name or a table with a 'name' key, e.g. "
            'problem = { name = "quadratic", dim = 10 }'
        )
    for k, v in prob.items():
        flat[f"problem.{k}"] = v
    axes = {
        k: v for k, v in flat.items() if isinstance(v, list) and k not in ("record", "checkpoints")
    }
    for k, v in axes.items():
        if not v:
            raise SpecError(f"{k} is an empty list; give at least one value")
    keys = list(axes)
    runs = []
    for values in itertools.product(*(axes[k] for k in keys)) if keys else [()]:
        point = dict(flat, **dict(zip(keys, values, strict=True)))
        runs.append(validate(point))
    return runs


def validate(point: dict[str, Any]) -> dict[str, Any]:
    """Check one run's values; returns the canonical run config (defaults filled in)."""
    cfg = dict(OPTIONAL)
    cfg.update({k: v for k, v in point.items() if not k.startswith("problem.")})
    prob = {k.split(".", 1)[1]: v for k, v in point.items() if k.startswith("problem.")}
    name = prob.pop("name")
    if not isinstance(name, str) or name not in problems.names():
        raise SpecError(f"problem.name must be one of {problems.names()}; got {name!r}")
    for key in ("m", "f", "T"):
        _int(key, cfg[key], 0 if key == "f" else 1)
    if not (
        isinstance(cfg["seeds"], int) and not isinstance(cfg["seeds"], bool) and cfg["seeds"] >= 1
    ):
        raise SpecError(f"seeds must be an integer >= 1; got {cfg['seeds']!r}")
    _int("rng", cfg["rng"], 0)
    lr = cfg["lr"]
    if lr != "theory" and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0):
        raise SpecError(f'lr must be a number > 0 or "theory" (= 1/(8LT)); got {lr!r}')
    for key, module, kind in (
        ("aggregator", aggregators, "aggregator"),
        ("estimator", estimators, "estimator"),
    ):
        _spec_string(key, cfg[key], module.make, kind)
    if cfg["attack"] is not None:
        _spec_string("attack", cfg["attack"], attacks.make, "attack")
    if not isinstance(cfg["record"], list) or any(r not in METRICS for r in cfg["record"]):
        raise SpecError(
            f"record must be a list of metrics among {list(METRICS)}; got {cfg['record']!r}"
        )
    for k, v in prob.items():
        if isinstance(v, (dict, list)):
            raise SpecError(f"problem.{k} must be a number or string; got {v!r}")
    cfg["problem"] = {"name": name, **prob}
    return cfg


def _int(key: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError(f"{key} must be an integer >= {low}; got {value!r}")


_EXAMPLE = {"aggregator": "ctma(cwtm)", "estimator": "mu2sgd", "attack": "alie"}


def _spec_string(key: str, value: Any, make: Any, kind: str) -> None:
    if not isinstance(value, str):
        raise SpecError(f"{key} must be a spec string like {_EXAMPLE[kind]!r}; got {value!r}")
    try:
        make(value)
    except ValueError as exc:
        raise SpecError(f"{key}: {exc}") from exc


def run_key(cfg: dict[str, Any], version: str) -> str:
    """Content hash of a run config plus the package version (the store's primary key)."""
    blob = json.dumps({"config": cfg, "version": version}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
