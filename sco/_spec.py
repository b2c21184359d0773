"""Spec strings: ``"ctma(nnm(gm))"``, ``"multi_krum(k=5)"``, ``"bucketing(cwmed, s=2)"``.

Grammar::

    spec  := NAME [ "(" [ arg ("," arg)* ] ")" ]
    arg   := spec | NAME "=" value
    value := NUMBER | "true" | "false" | "none" | spec

Positional arguments are nested specs (the base of a meta aggregator); keyword values are numbers,
booleans, ``none`` or nested specs. Parsing is strict: anything left over is an error that quotes
the spec and the position.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>[(),=]))"
)


@dataclass(frozen=True)
class Spec:
    """A parsed spec: ``name(args..., key=value...)``."""

    name: str
    args: tuple[Spec, ...] = ()
    kwargs: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        parts = [str(a) for a in self.args]
        parts += [f"{k}={_fmt(v)}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})" if parts else self.name


def _fmt(v: object) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse(text: str) -> Spec:
    """Parse a spec string; raises ``ValueError`` naming the position of the first error."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"spec must be a non-empty string like 'ctma(cwtm)'; got {text!r}")
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot parse spec {text!r} at position {pos}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    spec, i = _parse_spec(text, tokens, 0)
    if i != len(tokens):
        raise ValueError(f"unexpected {tokens[i][1]!r} in spec {text!r} at position {tokens[i][2]}")
    return spec


def _expect(text: str, tokens: list[tuple[str, str, int]], i: int, what: str) -> None:
    if i >= len(tokens) or tokens[i][1] != what:
        where = f"at position {tokens[i][2]}" if i < len(tokens) else "at the end"
        raise ValueError(f"expected {what!r} in spec {text!r} {where}")


def _parse_spec(text: str, tokens: list[tuple[str, str, int]], i: int) -> tuple[Spec, int]:
    if i >= len(tokens) or tokens[i][0] != "name":
        where = f"at position {tokens[i][2]}" if i < len(tokens) else "at the end"
        raise ValueError(f"expected a name in spec {text!r} {where}")
    name = tokens[i][1]
    i += 1
    args: list[Spec] = []
    kwargs: dict[str, object] = {}
    if i < len(tokens) and tokens[i][1] == "(":
        i += 1
        while i < len(tokens) and tokens[i][1] != ")":
            if tokens[i][0] == "name" and i + 1 < len(tokens) and tokens[i + 1][1] == "=":
                key = tokens[i][1]
                if key in kwargs:
                    raise ValueError(f"parameter {key!r} given twice in spec {text!r}")
                kwargs[key], i = _parse_value(text, tokens, i + 2)
            else:
                if kwargs:
                    raise ValueError(f"positional argument after keywords in spec {text!r}")
                arg, i = _parse_spec(text, tokens, i)
                args.append(arg)
            if i < len(tokens) and tokens[i][1] == ",":
                i += 1
            elif i < len(tokens) and tokens[i][1] != ")":
                raise ValueError(f"expected ',' or ')' in spec {text!r} at position {tokens[i][2]}")
        _expect(text, tokens, i, ")")
        i += 1
    return Spec(name, tuple(args), tuple(kwargs.items())), i


def _parse_value(text: str, tokens: list[tuple[str, str, int]], i: int) -> tuple[object, int]:
    if i >= len(tokens):
        raise ValueError(f"expected a value in spec {text!r} at the end")
    kind, tok, _ = tokens[i]
    if kind == "num":
        return (float(tok) if any(c in tok for c in ".eE") else int(tok)), i + 1
    low = tok.lower()
    if kind == "name" and low in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[low], i + 1
    if kind == "name":
        return _parse_spec(text, tokens, i)
    raise ValueError(f"expected a value in spec {text!r} at position {tokens[i][2]}")


def unknown_name(kind: str, name: str, valid: list[str]) -> ValueError:
    """The error for an unknown registry name: lists the valid names and the nearest one."""
    near = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(valid)}{hint}")


def unknown_param(kind: str, name: str, key: str, valid: list[str]) -> ValueError:
    """The error for an unknown parameter of a registry entry: lists the valid parameters."""
    near = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    shown = ", ".join(valid) if valid else "none"
    return ValueError(f"unknown parameter {key!r} for {kind} {name!r}; valid: {shown}{hint}")


def bind(
    kind: str, name: str, func: object, kwargs: dict[str, object], fixed: set[str]
) -> dict[str, object]:
    """Check spec keywords against the keyword parameters of ``func`` (minus ``fixed``).

    Returns the keywords; unknown ones raise :func:`unknown_param`. A bare word is accepted as
    the value of a parameter whose default is a string (``alie(z_rule=ctma_code)``); any other
    nested spec as a value raises.
    """
    import inspect

    params = inspect.signature(func).parameters  # type: ignore[arg-type]
    valid = [p for p in params if p not in fixed]
    out: dict[str, object] = {}
    for key, value in kwargs.items():
        if key not in valid:
            raise unknown_param(kind, name, key, valid)
        if isinstance(value, Spec):
            if isinstance(params[key].default, str) and not value.args and not value.kwargs:
                value = value.name  # a word-valued parameter, e.g. ties=inclusive
            else:
                raise ValueError(
                    f"parameter {key!r} of {kind} {name!r} must be a number; got {value!s}"
                )
        out[key] = value
    return out


def lookup(
    kind: str, spec: str | Spec, table: Any, fixed: set[str]
) -> tuple[str, Any, dict[str, object]]:
    """Resolve a keyword-only spec (``"ipm(eps=0.5)"``) against ``table`` (a
    :class:`sco._registry.Registry` of callables): returns (name, callable, checked keywords).
    Unknown names, positional arguments and unknown keywords (the callable's parameters minus
    ``fixed``) raise ``ValueError``."""
    parsed = parse(spec) if isinstance(spec, str) else spec
    name = table.canonical(parsed.name)
    if parsed.args:
        raise ValueError(f"{kind} {name!r} takes only keyword parameters; got {parsed!s}")
    func = table.get(name)
    return name, func, bind(kind, name, func, dict(parsed.kwargs), fixed)
