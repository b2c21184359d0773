"""One registry implementation for every kind of plug-in (aggregators, attacks, estimators).

A :class:`Registry` maps names (and aliases) to objects with declared properties. Looking up an
unknown name first loads the installed plug-ins once (the entry-point group ``byzsco.plugins``,
see :func:`load_plugins`), then raises a ``ValueError`` listing the valid names and the nearest
one ("did you mean").
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._spec import unknown_name

T = TypeVar("T")

#: The entry-point group through which installed packages register their plug-ins: each entry
#: point names a module (imported) or a callable (called with no arguments).
ENTRY_POINT_GROUP = "byzsco.plugins"

_plugins_loaded = False
_generation = 0  # bumped by every register/unregister: caches of validated specs key on it


def generation() -> int:
    """A counter that changes whenever any registry changes (for caches of validated specs)."""
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


def load_plugins() -> None:
    """Load every entry point of the group ``byzsco.plugins``, once per process.

    A plug-in that fails to load is reported with a warning and skipped, so that one broken
    package does not break every lookup.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True  # set first: a plug-in that looks a name up must not recurse
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            if callable(obj):
                obj()
        except Exception as exc:  # a broken plug-in must not break the package
            warnings.warn(
                f"byzsco plug-in {ep.name!r} ({ep.value}) failed to load: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )


@dataclass(frozen=True)
class Registered(Generic[T]):
    """One registered object with its declared properties (``reference`` and kind-specific
    ones)."""

    name: str
    obj: T
    declared: Mapping[str, Any] = field(default_factory=dict)


class Registry(Generic[T]):
    """Names → objects of one kind (``kind`` is used in error messages)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Registered[T]] = {}
        self.aliases: dict[str, str] = {}

    def register(
        self,
        name: str,
        obj: T,
        *,
        replace: bool = False,
        aliases: tuple[str, ...] = (),
        **declared: Any,
    ) -> T:
        """Add ``obj`` under ``name`` (and ``aliases``); an existing name raises ``ValueError``
        unless ``replace=True``. Returns ``obj`` (usable as a decorator helper)."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self.kind} name must be an identifier like 'my_rule'; got {name!r}")
        for n in (name, *aliases):
            if not replace and (n in self._items or n in self.aliases):
                raise ValueError(
                    f"{self.kind} {n!r} is already registered; pass replace=True to replace it"
                )
        self._items[name] = Registered(name, obj, dict(declared))
        _bump()
        for a in aliases:
            self.aliases[a] = name
        return obj

    def unregister(self, name: str) -> None:
        """Remove ``name`` and its aliases (no error if absent)."""
        self._items.pop(name, None)
        _bump()
        for a in [a for a, n in self.aliases.items() if n == name]:
            del self.aliases[a]

    def canonical(self, name: str) -> str:
        """The registered name for ``name`` or an alias of it; unknown names load the plug-ins
        once, then raise ``ValueError`` with the valid names and the nearest one."""
        name = self.aliases.get(name, name)
        if name not in self._items:
            load_plugins()
            name = self.aliases.get(name, name)
        if name not in self._items:
            raise unknown_name(self.kind, name, self.names() + sorted(self.aliases))
        return name

    def entry(self, name: str) -> Registered[T]:
        """The :class:`Registered` record of ``name`` (or an alias)."""
        return self._items[self.canonical(name)]

    def get(self, name: str) -> T:
        """The object registered under ``name`` (or an alias)."""
        return self.entry(name).obj

    def names(self) -> list[str]:
        """The registered names, sorted (aliases excluded)."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.aliases.get(name, name) in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
