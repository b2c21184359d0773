"""Theory as code: bounds, statistics, checkers, claims, sweeps, reports and the ``sco`` CLI.

``verify.Measurement`` is what an experiment returns; ``verify.Verdict`` what a check returns
(``status`` PASS, FAIL, INCONCLUSIVE or VACUOUS). Submodules: :mod:`verify.bounds`,
:mod:`verify.stats`, :mod:`verify.checks`, :mod:`verify.claims`, :mod:`verify.timing`,
:mod:`verify.sweep`, :mod:`verify.report`, :mod:`verify.figures`.
"""

from __future__ import annotations

from sco import __version__

from .measurement import Measurement
from .verdict import Status, Verdict

__all__ = ["Measurement", "Status", "Verdict", "__version__"]
