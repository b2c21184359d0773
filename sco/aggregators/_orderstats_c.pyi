"""Type stub of the compiled kernel ``_orderstats_c.c`` (used by ``_orderstats.py``).

The C function accepts any C-contiguous float64 buffers; the wrapper passes ndarrays.
"""

import numpy as np

#: Instruction sets the kernel can use on this CPU, fastest (the default) first.
ISAS: tuple[str, ...]

def rank_range_sum(
    x: np.ndarray,
    out: np.ndarray,
    nbatch: int,
    m: int,
    d: int,
    lo: int,
    hi: int,
    isa: str | None = None,
    /,
) -> None: ...
