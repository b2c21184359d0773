"""Robustness of aggregation rules (docs/theory.md §2 and §6).

- pathwise ratios and adversarial search: :func:`ratio`, :func:`worst_ratio`,
  :func:`search_worst`, ... (``search``);
- the exact worst case κ*(A; m, f) with certificates: :func:`kappa_star` → :class:`KappaStar`;
- checking an outside implementation against a reference rule: :func:`certify`.
"""

from .certify import CertifyReport, Finding, certify
from .kappa_star import kappa_star, proven
from .result import METHODS, KappaStar
from .search import (
    FAMILIES,
    Probe,
    Worst,
    adversarial_instances,
    honest_batch,
    local_search,
    lower_bound_instance,
    median_cluster_family,
    ratio,
    search_worst,
    starting_instances,
    worst_ratio,
    worst_subset_ratio,
)

__all__ = [
    "FAMILIES",
    "METHODS",
    "CertifyReport",
    "Finding",
    "KappaStar",
    "Probe",
    "Worst",
    "adversarial_instances",
    "certify",
    "honest_batch",
    "kappa_star",
    "local_search",
    "lower_bound_instance",
    "median_cluster_family",
    "proven",
    "ratio",
    "search_worst",
    "starting_instances",
    "worst_ratio",
    "worst_subset_ratio",
]
