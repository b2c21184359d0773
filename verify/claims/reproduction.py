"""Claim P1 (docs/theory.md §5 and §8): the named variants reproduce the authors' public code.

The experiment runs ``sco.simulate`` with a variant of the authors' code and recomputes the
same run from §8's formulas by an independent, deliberately plain implementation (Python loops
over seeds and workers, per-step sample draws from the run's own per-seed streams, explicit
formulas for the attack, CWTM and CTMA with inclusive ties). The measurement is, per seed, the
largest deviation max_t ‖x_t^sim − x_t^ref‖ / (1 + ‖x_t^ref‖) over every step t ≤ T; the claim is
that it is 0 up to rounding (≤ 1e-12).

A second part applies the aggregator to worker arrays on which the tie rule decides the output
(f identical Byzantine copies with the cut r_(m−f) strictly inside them) and compares it with
§8's inclusive rule.

The negative controls run the defaults instead (μ²-SGD of §4; CTMA with stable ties) against
the same §8 reference: they must differ.

Family (``verify.claims.families.AUTHORS_CODE``): quadratic and least-squares instances with
m ∈ {9, 13, 17}, the Byzantine behaviours of the CTMA code (IPM with ε = 0.5, ALIE with the
CTMA code's z, the CTMA code's sign flip) and the three variants of ``mu2sgd_paper_code``.
T = 250 so that both floors (β_t and γ_t at 0.01) are reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import ndtri

import sco
from sco.seeds import seed_generators
from sco.simulate import theory_lr

from ..checks import check_exact
from ..measurement import Measurement
from .families import AUTHORS_CODE
from .registry import Claim, Control, Part, register

BYZANTINE = ("ipm", "alie", "sign_flip")


# ------------------------------------------------------------------ the §8 reference


def _beta(t: int, variant: Mapping[str, Any]) -> float:
    b = 1.0 / t
    return max(round(b, 3) if variant["rounding"] else b, variant["floor"])


def _gamma(t: int, variant: Mapping[str, Any]) -> float:
    g = 2.0 / (t + 1.0)
    return max(round(g, 3) if variant["rounding"] else g, variant["floor"])


def _project(v: np.ndarray, center: np.ndarray, radius: float) -> np.ndarray:
    gap = v - center
    norm = float(np.sqrt(np.sum(gap * gap)))
    return v if norm <= radius else center + gap * (radius / norm)


def _cwtm(rows: np.ndarray, f: int) -> np.ndarray:
    m = rows.shape[0]
    return np.sort(rows, axis=0)[f : m - f].mean(axis=0)


def _ctma_inclusive(rows: np.ndarray, f: int) -> np.ndarray:
    """§8: keep every row with r_i ≤ r_(m−f) and return x₀ + Σ_kept (x_i − x₀)/(m − f)."""
    m = rows.shape[0]
    x0 = _cwtm(rows, f)
    r = np.array([float(np.sum((row - x0) ** 2)) for row in rows])
    cut = np.sort(r)[m - f - 1]
    out = x0.copy()
    for i in range(m):
        if r[i] <= cut:
            out = out + (rows[i] - x0) / (m - f)
    return out


def _attack(honest: np.ndarray, f: int, kind: str) -> np.ndarray:
    m, h = honest.shape[0] + f, honest.shape[0]
    mean = honest.sum(axis=0) / h
    if kind == "ipm":
        return np.tile(-0.5 * mean, (f, 1))
    # ALIE with the CTMA code's z = Φ⁻¹((m − f − s)/(m − f)), s = ⌊m/2 + 1⌋ − f
    s = m // 2 + 1 - f
    z = float(ndtri((m - f - s) / (m - f)))
    std = np.sqrt(((honest - mean) ** 2).sum(axis=0) / (h - 1))
    return np.tile(mean - z * std, (f, 1))


def reference_trajectory(
    problem: Any,
    *,
    m: int,
    f: int,
    T: int,
    lr: float,
    byzantine: str,
    variant: Mapping[str, Any],
    rng: int,
    seed: int,
) -> np.ndarray:
    """x_1..x_T ``[T, d]`` of docs/theory.md §8 for one seed: STORM workers with
    β_t = max(round(1/t, 3), floor), CTMA(CWTM) with inclusive ties, w_{t+1} = Π_K(w_t − η_t d̂_t)
    (η_t = η, or η·t with ``alpha_step``) and x_{t+1} = (1 − γ_t)x_t + γ_t w_{t+1}. Samples are
    drawn one step at a time from the seed's honest and Byzantine streams."""
    gens = seed_generators(rng, [seed])
    g_honest, g_byz = gens["honest"][0], gens["byzantine"][0]
    h = m - f
    center, radius = np.asarray(problem.center, dtype=float), float(problem.radius)
    x = np.array(problem.x0, dtype=float)
    w = x.copy()
    x_prev = x
    n_msg = h + (f if byzantine == "sign_flip" else 0)
    d_msg = [np.zeros_like(x) for _ in range(n_msg)]
    xs = np.empty((T, x.size))
    for t in range(1, T + 1):
        xs[t - 1] = x
        z_h = problem.sample(g_honest, (h,))
        z_all = [z_h[i] for i in range(h)]
        if byzantine == "sign_flip":
            z_b = problem.sample(g_byz, (f,))
            z_all += [z_b[i] for i in range(f)]
        for i, z in enumerate(z_all):
            g = problem.stoch_grad(x, z)
            if t == 1:
                d_msg[i] = g
            else:
                d_msg[i] = g + (1.0 - _beta(t, variant)) * (
                    d_msg[i] - problem.stoch_grad(x_prev, z)
                )
        honest = np.array(d_msg[:h])
        if byzantine == "sign_flip":
            byz = -np.array(d_msg[h:])
        else:
            byz = _attack(honest, f, byzantine)
        d_hat = _ctma_inclusive(np.vstack([honest, byz]), f)
        step = lr * t if variant["alpha_step"] else lr
        w = _project(w - step * d_hat, center, radius)
        gamma = _gamma(t, variant)
        x_prev, x = x, (1.0 - gamma) * x + gamma * w
    return xs


# ------------------------------------------------------------------ the experiment


def variant_spec(variant: Mapping[str, Any]) -> str:
    """The estimator spec of a §8 variant (``rounding``, ``floor``, ``alpha_step``)."""
    est = sco.estimators.mu2sgd_paper_code(
        rounding=variant["rounding"], floor=variant["floor"], alpha_step=variant["alpha_step"]
    )
    return est.spec


def reproduction(
    problem: Any,
    *,
    variant: Mapping[str, Any],
    byzantine: str,
    m: int,
    f: int,
    T: int,
    lr_scale: float,
    estimator: str | None,
    aggregator: str,
    seeds: int,
    rng: int,
) -> list[Measurement]:
    """Per seed, max_t ‖x_t^sim − x_t^ref‖/(1 + ‖x_t^ref‖) between ``sco.simulate`` (with
    ``estimator``, default the variant's ``mu2sgd_paper_code``, and ``aggregator``) and the §8
    reference of :func:`reference_trajectory`; theory 0. η = lr_scale/(8LT)."""
    if byzantine not in BYZANTINE:
        raise ValueError(f"byzantine must be one of {BYZANTINE}; got {byzantine!r}")
    spec = estimator if estimator is not None else variant_spec(variant)
    lr = float(lr_scale) * theory_lr(problem, T)
    attack = {"ipm": "ipm(eps=0.5)", "alie": "alie(z_rule=ctma_code)", "sign_flip": None}
    tr = sco.simulate(
        problem,
        aggregator=aggregator,
        attack=attack[byzantine],
        byzantine_data="sign_flip" if byzantine == "sign_flip" else None,
        estimator=spec,
        m=m,
        f=f,
        T=T,
        lr=lr,
        seeds=seeds,
        rng=rng,
        record=("x",),
        checkpoints=range(1, T + 1),
    )
    sim = tr.iterates["x"]
    dev = np.empty(tr.n_seeds)
    for s, k in enumerate(tr.seeds.tolist()):
        ref = reference_trajectory(
            problem, m=m, f=f, T=T, lr=lr, byzantine=byzantine, variant=variant, rng=rng, seed=k
        )
        gap = np.linalg.norm(sim[s] - ref, axis=1) / (1.0 + np.linalg.norm(ref, axis=1))
        dev[s] = float(np.max(np.where(np.isfinite(gap), gap, np.inf)))
    return [
        Measurement(
            x=np.array([float(T)]),
            values=dev[:, None],
            theory=np.zeros(1),
            diverged=tr.diverged,
            config={
                "simulated": spec,
                "aggregator": aggregator,
                "reference": f"§8 {variant_spec(variant)} + ctma(cwtm) inclusive ties",
                "byzantine": byzantine,
                "m": m,
                "f": f,
                "lr": lr,
            },
            x_name="T",
            quantity="max_t ‖x_t − x_t(§8)‖/(1 + ‖x_t(§8)‖)",
            theory_name="0 (the authors' code, docs/theory.md §8)",
            seeds=tr.seeds,
        )
    ]


def _straddles(rows: np.ndarray, f: int, copy: int) -> bool:
    """Whether the (m − f)-th smallest distance to CWTM falls strictly inside the group of
    identical rows that starts at index ``copy``: then §8 keeps the whole group and the stable
    rule only part of it."""
    m = rows.shape[0]
    x0 = _cwtm(rows, f)
    r = np.array([float(np.sum((row - x0) ** 2)) for row in rows])
    below, upto = int(np.sum(r < r[copy])), int(np.sum(r <= r[copy]))
    return below < m - f < upto


def tie_cases(
    problem: Any, *, m: int, f: int, aggregator: str, cases: int, rng: int
) -> list[Measurement]:
    """CTMA on worker arrays whose f Byzantine rows are identical copies placed so that the cut
    r_(m−f) falls strictly inside the copies (found by rejection from Gaussian honest rows in
    R^d, d = the instance's dimension, and copies in a random direction at U(0, 3) times the
    largest honest norm): per array, ‖A(x) − ref‖/(1 + ‖ref‖) with ref §8's inclusive rule;
    theory 0. These are the arrays on which the tie rule decides the output; with f = 1 there
    are none (no measurement)."""
    if f < 2:
        return []  # a single Byzantine row cannot make a tie at the cut
    gen = np.random.default_rng([rng, m, f, problem.dim])
    agg = sco.aggregators.make(aggregator)
    h, d = m - f, int(problem.dim)
    found: list[np.ndarray] = []
    for _ in range(200 * cases):
        if len(found) == cases:
            break
        honest = gen.standard_normal((h, d))
        u = gen.standard_normal(d)
        radius = gen.uniform(0.0, 3.0) * float(np.linalg.norm(honest, axis=1).max())
        rows = np.vstack([honest, np.tile(radius * u / np.linalg.norm(u), (f, 1))])
        if _straddles(rows, f, h):
            found.append(rows)
    if len(found) < cases:
        raise RuntimeError(f"P1: only {len(found)} of {cases} tie cases found for m={m}, f={f}")
    dev = np.array(
        [
            float(np.linalg.norm(agg(x, f=f) - (ref := _ctma_inclusive(x, f))))
            / (1.0 + float(np.linalg.norm(ref)))
            for x in found
        ]
    )
    return [
        Measurement(
            x=np.arange(cases, dtype=float),
            values=dev[None, :],
            theory=np.zeros(cases),
            config={"aggregator": aggregator, "m": m, "f": f, "d": d, "cases": cases},
            x_name="case",
            quantity="‖A(x) − CTMA_§8(x)‖/(1 + ‖CTMA_§8(x)‖) on tied arrays",
            theory_name="0 (inclusive ties, docs/theory.md §8)",
        )
    ]


register(
    Claim(
        id="P1",
        statement="mu2sgd_paper_code and ctma(..., ties=inclusive) follow the authors' code "
        "(docs/theory.md §8) to 1e-12 on the same samples",
        reference="docs/theory.md §8 and §5 (P1)",
        family=AUTHORS_CODE,
        parts=(
            Part(
                "trajectory",
                reproduction,
                (lambda meas: check_exact(meas, atol=1e-12),),
            ),
            Part("ties at the cut", tie_cases, (lambda meas: check_exact(meas, atol=1e-12),)),
        ),
        scales={
            s: dict(
                T=250,
                lr_scale=8.0,
                estimator=None,
                aggregator="ctma(cwtm, ties=inclusive)",
                seeds=n_seeds,
                rng=0,
                cases=32,
                instances=n,
            )
            for s, n, n_seeds in (("smoke", 3, 2), ("quick", 6, 3), ("full", 12, 8))
        },
        controls=(
            Control(
                "mu2sgd",
                "the default μ²-SGD of §4 held against the §8 reference",
                {"estimator": "mu2sgd"},
                parts=("trajectory",),
            ),
            Control(
                "stable_ties",
                "CTMA with the default stable ties held against §8's inclusive ties",
                {"aggregator": "ctma(cwtm)"},
                parts=("ties at the cut",),
            ),
        ),
        seeded=False,
        weight=0.5,
    )
)
