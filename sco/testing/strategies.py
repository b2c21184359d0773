"""hypothesis strategies for worker arrays (hypothesis is imported inside the functions)."""

from __future__ import annotations

from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------------
# hypothesis
# ---------------------------------------------------------------------------------------------


def worker_arrays(
    *,
    m: tuple[int, int] = (3, 12),
    d: tuple[int, int] = (1, 6),
    batch: tuple[int, ...] = (),
    magnitude: float = 1e6,
) -> Any:
    """A hypothesis strategy for float64 worker arrays ``[*batch, m, d]`` with m and d drawn from
    the inclusive ranges, finite entries of absolute value ≤ ``magnitude`` (including exact
    ties and zeros)."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    elements = st.one_of(
        st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0]),
    )
    shapes = st.tuples(st.integers(*m), st.integers(*d)).map(lambda md: (*batch, *md))
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=elements))
