"""The conformance suite of an attack."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, Literal, overload

import numpy as np

from ..aggregators import AggregatorLike
from ..attacks import Attack
from ..attacks import resolve as resolve_attack
from ..seeds import SeedStack
from ._core import (
    Check,
    Report,
    _fail,
    _same,
    run_checks,
)

# ---------------------------------------------------------------------------------------------
# Attacks
# ---------------------------------------------------------------------------------------------


def attack_checks(
    attack: Any,
    *,
    h: int = 9,
    f: int = 2,
    d: int = 4,
    aggregator: AggregatorLike = "cwtm",
    rng: Any = 0,
) -> Iterator[Check]:
    """The attack suite, one :class:`Check` at a time (see :func:`check_attack`)."""
    atk: Attack = resolve_attack(attack)
    s = atk.spec
    gen = np.random.default_rng(rng)
    honest = gen.standard_normal((h, d)) + gen.standard_normal(d)
    stack = gen.standard_normal((3, h, d))
    stack[1] = honest
    randomised = "rng" in inspect.signature(atk.func).parameters

    def call(x: np.ndarray, ff: int = f, seed: Any = 11) -> np.ndarray:
        r = seed if not isinstance(seed, int) else np.random.default_rng(seed)
        return np.asarray(atk(x, f=ff, rng=r, aggregator=aggregator))

    def shape() -> None:
        """honest [h, d] gives [f, d]; honest [3, h, d] gives [3, f, d]."""
        for x, want in ((honest, (f, d)), (stack, (3, f, d))):
            got = np.shape(call(x.copy()))
            if got != want:
                raise _fail("shape", s, f"honest {x.shape} gave {got}, expected {want}")

    def no_mutation() -> None:
        """The honest array is unchanged, and the output is a fresh array (no view of it)."""
        y = honest.copy()
        out = call(y)
        if not _same(y, honest):
            raise _fail("no-mutation", s, "the honest messages were mutated")
        if np.shares_memory(out, y):
            raise _fail("no-mutation", s, "the output is a view of the honest messages")

    def batching() -> None:
        """A [3, h, d] batch equals each element alone, bit for bit (a randomised attack gets
        one generator per batch element through a SeedStack, as sco.simulate passes them)."""
        if randomised:
            batched = call(stack, seed=SeedStack([np.random.default_rng(k) for k in range(3)]))
            alone = [call(stack[k], seed=k) for k in range(3)]
        else:
            batched = call(stack)
            alone = [call(stack[k]) for k in range(3)]
        for k in range(3):
            if not _same(batched[k], alone[k]):
                raise _fail("batching", s, f"batch element {k} differs from the same call alone")

    def f_zero() -> None:
        """f = 0 gives an empty [..., 0, d] array."""
        for x in (honest, stack):
            got = np.shape(call(x, 0))
            if got != (*x.shape[:-2], 0, d):
                raise _fail("f-zero", s, f"f = 0 gave shape {got}")

    def determinism() -> None:
        """Two calls with generators of the same seed give the same output, bit for bit."""
        if not _same(call(honest, seed=5), call(honest, seed=5)):
            raise _fail("determinism", s, "two calls with the same rng seed differ")

    yield Check("shape", shape, s)
    yield Check("no-mutation", no_mutation, s)
    yield Check("batching", batching, s)
    yield Check("f-zero", f_zero, s)
    yield Check("determinism", determinism, s)


@overload
def check_attack(attack: Any, *, generate_only: Literal[True], **kw: Any) -> Iterator[Check]: ...
@overload
def check_attack(attack: Any, *, generate_only: Literal[False] = ..., **kw: Any) -> Report: ...
def check_attack(
    attack: Any, *, generate_only: bool = False, **kw: Any
) -> Report | Iterator[Check]:
    """Run the attack suite (keywords h=9, f=2, d=4, aggregator="cwtm", rng=0).

    Checks: ``shape`` ([..., h, d] → [..., f, d]); ``no-mutation`` (honest unchanged, output
    not a view of it); ``batching`` (batch == loop, bit for bit; per-element generators for
    randomised attacks); ``f-zero`` (f = 0 gives [..., 0, d]); ``determinism`` (same seed,
    same output).
    """
    checks = attack_checks(attack, **kw)
    return checks if generate_only else run_checks(checks, resolve_attack(attack).spec)
