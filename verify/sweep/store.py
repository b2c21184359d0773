"""The results store: one SQLite file per sweep (docs/architecture.md §3).

Table ``runs`` is keyed by the content hash of the run config plus the package version; each
row holds the config (JSON), the result arrays (an ``.npz`` blob) and the blob's SHA-256. Only
the coordinator writes, one transaction per finished run, so an interrupted sweep (even by
SIGKILL) loses at most the runs in flight and a rerun skips every finished one. Opening checks
the schema and SQLite's integrity; reading checks each blob's hash; a damaged store raises
:class:`StoreError` and is never used silently.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = 1
FILENAME = "results.sqlite"


class StoreError(RuntimeError):
    """The store is damaged or not a byzsco store."""


def _encode(result: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    save: Any = np.savez  # numpy's stubs do not type **arrays
    save(buf, **result)
    return buf.getvalue()


def _decode(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class Store:
    """A sweep's results: ``Store(directory)`` opens or creates ``directory/results.sqlite``."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path)
            ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise StoreError(f"results store {self.path} is damaged: {ok}")
            with self.db:
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
                )
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, config TEXT NOT NULL, "
                    "version TEXT NOT NULL, created REAL NOT NULL, blob BLOB NOT NULL, "
                    "sha256 TEXT NOT NULL)"
                )
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            schema = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"results store {self.path} is damaged or not a store: {exc}") from exc
        if schema != str(SCHEMA):
            raise StoreError(f"results store {self.path} has schema {schema}, expected {SCHEMA}")

    def keys(self) -> set[str]:
        """Keys of the finished runs."""
        return {row[0] for row in self.db.execute("SELECT key FROM runs")}

    def put(
        self, key: str, config: dict[str, Any], version: str, result: dict[str, np.ndarray]
    ) -> None:
        """Record a finished run atomically (a second put of the same key is ignored)."""
        blob = _encode(result)
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    json.dumps(config, sort_keys=True),
                    version,
                    time.time(),
                    blob,
                    hashlib.sha256(blob).hexdigest(),
                ),
            )

    def runs(self) -> Iterator[tuple[str, dict[str, Any], dict[str, np.ndarray]]]:
        """(key, config, result arrays) for every finished run, hashes checked."""
        rows = self.db.execute("SELECT key, config, blob, sha256 FROM runs ORDER BY created, key")
        for key, config, blob, sha in rows:
            if hashlib.sha256(blob).hexdigest() != sha:
                raise StoreError(
                    f"results store {self.path}: run {key[:12]} is corrupted (hash mismatch)"
                )
            try:
                yield key, json.loads(config), _decode(blob)
            except (ValueError, OSError) as exc:
                raise StoreError(
                    f"results store {self.path}: run {key[:12]} is unreadable: {exc}"
                ) from exc

    def close(self) -> None:
        self.db.close()
