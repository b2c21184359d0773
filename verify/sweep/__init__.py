"""Sweeps: TOML specs → runs → a resumable SQLite store → a long-form DataFrame.

``run(spec, out)`` executes every run of the spec that the store at ``out`` does not have yet
(locally or on Dask) and returns a :class:`Summary`; ``load(out)`` returns the results as a
pandas DataFrame with one row per (run, seed, step, metric).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sco import __version__

from . import executors
from .spec import SpecError, expand, run_key
from .spec import load as load_spec
from .store import Store, StoreError

__all__ = ["SpecError", "Store", "StoreError", "Summary", "expand", "load", "load_spec", "run"]


@dataclass(frozen=True)
class Summary:
    total: int
    skipped: int
    ran: int
    out: Path


def run(
    spec: str | Path | dict[str, Any],
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> Summary:
    """Run a sweep; finished runs (same config and package version) are skipped."""
    raw = load_spec(spec) if not isinstance(spec, dict) else spec
    runs = expand(raw)
    if executor not in ("local", "dask"):
        raise SpecError(f"executor must be 'local' or 'dask'; got {executor!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers must be an integer >= 1; got {workers!r}")
    store = Store(out)
    try:
        done = store.keys()
        jobs, seen = [], set()
        for cfg in runs:
            key = run_key(cfg, __version__)
            if key not in done and key not in seen:
                jobs.append((key, cfg))
                seen.add(key)
        results = (
            executors.local(jobs, workers)
            if executor == "local"
            else executors.dask(jobs, workers, scheduler)
        )
        configs = dict(jobs)
        bar = _progress(len(jobs), progress)
        for key, result in results:
            store.put(key, configs[key], __version__, result)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    finally:
        store.close()
    return Summary(len(runs), len(runs) - len(jobs), len(jobs), Path(out))


def _progress(total: int, progress: bool | None) -> Any:
    show = sys.stderr.isatty() if progress is None else progress
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr)


def load(out: str | Path) -> Any:
    """The store at ``out`` as a long-form pandas DataFrame: config columns (``problem`` and
    ``problem.<kw>``, ``aggregator``, ``attack``, ``estimator``, ``m``, ``f``, ``T``, ``lr``,
    ``rng``, ...), ``run``, ``seed``, ``step``, ``metric``, ``value``, ``diverged`` (the seed's
    run diverged), ``eta`` (the resolved step size) and ``const.L``, ``const.D``,
    ``const.sigma2``, ``const.sigmaL2`` (the problem's constants; NaN for results stored before
    they were recorded)."""
    import numpy as np
    import pandas as pd

    if not (Path(out) / "results.sqlite").exists():
        raise StoreError(f"no results store in {out} (expected {Path(out) / 'results.sqlite'})")
    store = Store(out)
    frames = []
    try:
        for key, cfg, res in store.runs():
            flat = {k: v for k, v in cfg.items() if k not in ("problem", "record", "checkpoints")}
            flat.update(
                {f"problem.{k}" if k != "name" else "problem": v for k, v in cfg["problem"].items()}
            )
            steps, seeds = res["steps"], res["seeds"]
            extra = {
                k: float(res[k]) if k in res else float("nan")
                for k in ("eta", "const.L", "const.D", "const.sigma2", "const.sigmaL2")
            }
            for name in [k for k in res if k.startswith("metric.")]:
                vals = res[name]
                frame = pd.DataFrame(
                    {
                        "seed": np.repeat(seeds, steps.size),
                        "step": np.tile(steps, seeds.size),
                        "metric": name.split(".", 1)[1],
                        "value": vals.ravel(),
                        "diverged": np.repeat(res["diverged"], steps.size),
                        **extra,
                    }
                )
                for k, v in flat.items():
                    frame[k] = v if not isinstance(v, (list, dict)) else str(v)
                frame["run"] = key[:12]
                frames.append(frame)
    finally:
        store.close()
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
