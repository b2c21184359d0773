"""Execute one run config (a dict from :mod:`verify.sweep.spec`) in any process."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

import problems
import sco


def execute(cfg: dict[str, Any]) -> dict[str, np.ndarray]:
    """Build the problem, run :func:`sco.simulate`, return the trace as plain arrays.

    Pure in its inputs: the same config gives bit-identical arrays in any process, executor or
    order (every random stream derives from ``cfg["rng"]`` and the seed indices).
    """
    for module in cfg.get("plugins", ()):
        importlib.import_module(module)  # a spawned worker registers the spec's plug-ins too
    prob_kw = dict(cfg["problem"])
    p = problems.make(prob_kw.pop("name"), **prob_kw)
    tr = sco.simulate(
        p,
        aggregator=cfg["aggregator"],
        attack=cfg["attack"],
        estimator=cfg["estimator"],
        m=cfg["m"],
        f=cfg["f"],
        T=cfg["T"],
        lr=cfg["lr"],  # a number or "theory", which simulate resolves (and records)
        seeds=cfg["seeds"],
        rng=cfg["rng"],
        record=tuple(cfg["record"]),
        checkpoints=cfg["checkpoints"],
        byzantine_data=cfg["byzantine_data"],
    )
    out = {"steps": tr.steps, "diverged": tr.diverged, "x_final": tr.x_final, "seeds": tr.seeds}
    out.update({f"metric.{k}": v for k, v in tr.metrics.items()})
    # what a report needs to draw the theory beside the run: the resolved step and constants
    out["eta"] = np.array(tr.config["lr"])
    for name in ("L", "D", "sigma2", "sigma_L2"):
        out[f"const.{name}"] = np.array(float(getattr(p, name)))
    return out
