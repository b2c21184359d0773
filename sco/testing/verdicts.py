"""``assert_verdict``: a verdict as a pytest assertion with a one-line message."""

from __future__ import annotations

from typing import Any


class VerdictError(AssertionError):
    """A verdict that did not pass; the message is the verdict's one line, its tightness and,
    for a claim, the first failing part's instance."""


def assert_verdict(verdict: Any, *, expect: str = "PASS") -> None:
    """Fail unless ``verdict.status`` is ``expect`` (default PASS; "FAIL" for a negative control).

    ``verdict`` is a ``verify.Verdict`` (duck-typed: ``status``, ``tightness``, ``parts``, and a
    one-line ``str``). The failure message is one line, e.g.
    ``FAIL E2 E‖d̂_t − ∇f(x_t)‖² 31.2 [29.8, 32.7] ≤ 25.3; tightness 1.23 (first failing
    instance: #2 least squares d=9 ...)``, never the whole object. Raises a
    :class:`VerdictError` (an ``AssertionError``), so it also fails under ``python -O``.
    """
    status = getattr(getattr(verdict, "status", None), "value", None)
    if status is None:
        raise TypeError(f"assert_verdict needs a verify.Verdict; got {type(verdict).__name__}")
    if status == expect:
        return
    line = str(verdict).splitlines()[0] if str(verdict) else status
    tight = getattr(verdict, "tightness", None)
    if tight is not None and "tightness" not in line:
        line += f"; tightness {tight:.3g}"
    parts: list[Any] = list(getattr(verdict, "parts", None) or [])
    failing = [p for p in parts if getattr(p.status, "value", None) != "PASS"]
    if failing and getattr(failing[0], "instances", None):
        line += f" (first failing instance: {failing[0].instances[0]})"
    raise VerdictError(f"expected {expect}, got {line}")
