"""Shared test configuration: derandomised hypothesis (every example reproducible in CI)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "byzsco",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("byzsco")
