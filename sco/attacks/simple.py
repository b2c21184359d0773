"""Omniscient attacks built from the honest messages of the round (docs/theory.md §3).

Each attack maps ``honest[..., h, d]`` to ``[..., f, d]`` Byzantine messages. Unless stated
otherwise all f Byzantine workers send the same vector.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def _repeat(v: np.ndarray, f: int) -> np.ndarray:
    """``v[..., d] -> [..., f, d]`` (a fresh array, never a view of the honest messages)."""
    return np.array(np.broadcast_to(v[..., None, :], (*v.shape[:-1], f, v.shape[-1])))


def sign_flip(honest: np.ndarray, *, f: int) -> np.ndarray:
    """−mean(H): the reversed honest mean."""
    return _repeat(-honest.mean(axis=-2), f)


def ipm(honest: np.ndarray, *, f: int, eps: float = 0.1) -> np.ndarray:
    """Inner-product manipulation (Xie, Koyejo & Gupta 2020): −ε·mean(H), default ε = 0.1."""
    return _repeat(-eps * honest.mean(axis=-2), f)


Z_RULES = ("baruch", "ctma_code")


def alie_z(m: int, f: int, rule: str = "baruch") -> float:
    """ALIE's z from s = ⌊m/2 + 1⌋ − f (docs/theory.md §3 and §8):

    - ``"baruch"`` (Baruch et al. 2019, the default): z = Φ⁻¹((m − s)/m);
    - ``"ctma_code"`` (the authors' CTMA code): z = Φ⁻¹((m − f − s)/(m − f)).

    m = 17, f = 4: 0.541 and 0.293.
    """
    if rule not in Z_RULES:
        raise ValueError(f"z_rule must be one of {Z_RULES}; got {rule!r}")
    s = (m // 2 + 1) - f
    n = m if rule == "baruch" else m - f
    return NormalDist().inv_cdf((n - s) / n)  # the standard normal quantile Φ⁻¹


def alie(
    honest: np.ndarray, *, f: int, z: float | None = None, z_rule: str = "baruch"
) -> np.ndarray:
    """A little is enough (Baruch et al. 2019): mean(H) − z·std(H) coordinate-wise (ddof = 1),
    with z = :func:`alie_z` (m, f, z_rule) unless given (m = h + f)."""
    if z is not None and z_rule != "baruch":
        raise ValueError("give either z or z_rule, not both")
    h = honest.shape[-2]
    zz = alie_z(h + f, f, z_rule) if z is None else float(z)
    mean = honest.mean(axis=-2)
    if h > 1:
        dev = honest - mean[..., None, :]
        std = np.sqrt(np.einsum("...hd,...hd->...d", dev, dev) / (h - 1))
    else:
        std = np.zeros_like(mean)
    return _repeat(mean - zz * std, f)


def gaussian(
    honest: np.ndarray, *, f: int, rng: np.random.Generator, scale: float = 1.0
) -> np.ndarray:
    """mean(H) + scale·N(0, I), an independent draw for each Byzantine worker."""
    mu = honest.mean(axis=-2)
    noise = rng.standard_normal((*mu.shape[:-1], f, mu.shape[-1]))
    return mu[..., None, :] + scale * noise


def mimic(honest: np.ndarray, *, f: int, target: int = 0) -> np.ndarray:
    """Every Byzantine worker copies honest worker ``target`` (default the first)."""
    h = honest.shape[-2]
    if not 0 <= target < h:
        raise ValueError(f"target must be an honest worker index in [0, {h - 1}]; got {target!r}")
    return _repeat(honest[..., target, :], f)


def anti_sign(honest: np.ndarray, *, f: int, value: float = 1e300) -> np.ndarray:
    """Every coordinate −value·sign(mean(H)) (0 where the honest mean's coordinate is 0): a
    huge push against the honest direction. Against coordinate-wise trimming it leaves exactly
    the smallest honest values in each coordinate: the breakdown attack of H3
    (docs/theory.md §7), where CWTM then returns the mean of the h − f smallest gradients."""
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"value must be a finite number > 0; got {value!r}")
    return _repeat(-v * np.sign(honest.mean(axis=-2)), f)


def copy_cluster(
    honest: np.ndarray, *, f: int, first: int = 0, count: int | None = None
) -> np.ndarray:
    """Byzantine worker j copies honest worker first + (j mod count): the f Byzantine messages
    replay the cluster of honest rows first, first + 1, …, first + count − 1 (``count``
    defaults to min(f, h − first)), cycling when f > count.

    On heterogeneous workers this doubles the weight of one group of honest objectives, which
    no aggregator can tell from honest data: the attack behind the lower bound H1 and the
    attained fixed-point bound H2 of docs/theory.md §7 (on H1's scenario 2, copying the
    c = 0 cluster listed first). ``copy_cluster(first=i, count=1)`` is ``mimic(target=i)``.
    """
    h = honest.shape[-2]
    if isinstance(first, bool) or not isinstance(first, (int, np.integer)) or not 0 <= first < h:
        raise ValueError(f"first must be an honest worker index in [0, {h - 1}]; got {first!r}")
    most = h - int(first)
    n = min(f, most) if count is None else count
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= most:
        raise ValueError(f"count must be an integer in [1, h - first = {most}]; got {count!r}")
    rows = int(first) + np.arange(f) % int(n)
    return np.array(honest[..., rows, :])


def constant(honest: np.ndarray, *, f: int, value: float = 10.0) -> np.ndarray:
    """A fixed vector with every coordinate equal to ``value``, whatever the honest messages."""
    return np.full((*honest.shape[:-2], f, honest.shape[-1]), float(value))


def nan(honest: np.ndarray, *, f: int) -> np.ndarray:
    """All-NaN vectors (robustness test)."""
    return np.full((*honest.shape[:-2], f, honest.shape[-1]), np.nan)


def inf(honest: np.ndarray, *, f: int, sign: float = 1.0) -> np.ndarray:
    """All-±Inf vectors (``sign`` ±1; robustness test)."""
    return np.full((*honest.shape[:-2], f, honest.shape[-1]), np.copysign(np.inf, sign))


def huge(honest: np.ndarray, *, f: int, value: float = 1e300) -> np.ndarray:
    """Finite but overflowing vectors, every coordinate ``value`` (default 1e300)."""
    return np.full((*honest.shape[:-2], f, honest.shape[-1]), float(value))
