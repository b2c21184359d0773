"""The figures of claims H1–H3 draw from smoke-scale verdicts (and from their JSON round trip),
and the breakdown diagram maps each grid point to the marker its ‖x_T‖/‖x_1‖ calls for."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify import Verdict, claims, figures
from verify.claims import heterogeneity as H


@pytest.fixture(scope="module")
def smoke() -> dict[str, tuple[Any, Any]]:
    """H1, H2 and H3 at smoke scale, each with its negative control."""
    return {
        cid: (claims.run(cid, "smoke"), claims.run(cid, "smoke", negative=True))
        for cid in ("H1", "H2", "H3")
    }


@pytest.mark.parametrize("cid", ["H1", "H2", "H3"])
def test_figure_is_registered_and_draws_a_png(
    cid: str, smoke: dict[str, tuple[Any, Any]], tmp_path: Path
) -> None:
    v, control = smoke[cid]
    path = figures.FIGURES[cid](v, [control], tmp_path)
    assert path.exists() and path.suffix == ".png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


@pytest.mark.parametrize("cid", ["H1", "H3"])
def test_figure_draws_without_a_control_and_after_a_json_round_trip(
    cid: str, smoke: dict[str, tuple[Any, Any]], tmp_path: Path
) -> None:
    v, control = smoke[cid]
    back = [Verdict.from_dict(x.to_dict()) for x in (v, control)]
    assert figures.FIGURES[cid](v, [], tmp_path).stat().st_size > 0
    assert figures.FIGURES[cid](back[0], [back[1]], tmp_path).stat().st_size > 0


def test_draw_all_draws_the_heterogeneity_figures(
    smoke: dict[str, tuple[Any, Any]], tmp_path: Path
) -> None:
    verdicts = [x for pair in smoke.values() for x in pair]
    made = figures.draw_all(verdicts, tmp_path)
    assert sorted(p.name for p in made) == ["h1.png", "h2.png", "h3.png"]


def test_breakdown_class_thresholds() -> None:
    assert figures.breakdown_class(0.0) == "converged"
    assert figures.breakdown_class(1e-8) == "converged"
    assert figures.breakdown_class(2e-8) == "partial"
    assert figures.breakdown_class(0.4999) == "partial"
    assert figures.breakdown_class(0.5) == "no progress"
    assert figures.breakdown_class(2.05) == "no progress"
    # a run that blew up, also as a JSON round trip stores it
    assert figures.breakdown_class(math.inf) == "no progress"
    assert figures.breakdown_class("inf") == "no progress"
    assert figures.breakdown_class(math.nan) == "no progress"


def test_breakdown_thresholds_are_the_claims() -> None:
    assert (figures.BREAKDOWN_CONVERGED, figures.BREAKDOWN_STUCK) == (
        H.H3_CONVERGED,
        H.H3_STUCK,
    )
    assert (figures.BREAKDOWN_BELOW, figures.BREAKDOWN_ABOVE) == (H.H3_BELOW, H.H3_ABOVE)


def test_breakdown_points_put_each_grid_point_under_its_marker() -> None:
    grid = [
        {"f": 1, "delta": 0.1, "B2": 0.0, "B2_instance": 0.0, "side": "below", "ratio": 0.0},
        {"f": 4, "delta": 0.4, "B2": 1.0, "B2_instance": 1.0, "side": "above", "ratio": 1.0},
        {"f": 3, "delta": 0.3, "B2": 1.0, "B2_instance": 1.0, "side": "band", "ratio": 0.01},
        {"f": 5, "delta": 0.5, "B2": 4.0, "B2_instance": 0.0, "side": "above", "ratio": "inf"},
    ]
    pts = figures.breakdown_points(grid)
    assert set(pts) == set(figures.BREAKDOWN_STYLE)
    np.testing.assert_array_equal(pts["converged"][0], [0.0])
    np.testing.assert_array_equal(pts["converged"][1], [0.1])
    np.testing.assert_array_equal(pts["partial"][0], [1.0])
    # above the curve, no progress: drawn at (B², f/m) with the "no progress" marker
    np.testing.assert_array_equal(pts["no progress"][0], [1.0, 4.0])
    np.testing.assert_array_equal(pts["no progress"][1], [0.4, 0.5])
    assert figures.BREAKDOWN_STYLE["no progress"][0] != figures.BREAKDOWN_STYLE["converged"][0]


def test_smoke_diagram_classes_match_the_sides(smoke: dict[str, tuple[Any, Any]]) -> None:
    """On the passing claim every checked point below the curve is drawn converged and every one
    above it as no progress; the mean (the control) makes no progress anywhere."""
    v, control = smoke["H3"]
    grid = next(p.measurement.config["grid"] for p in v.parts if p.measurement is not None)
    for row in grid:
        kind = figures.breakdown_class(row["ratio"])
        if row["side"] == "below":
            assert kind == "converged"
        elif row["side"] == "above":
            assert kind == "no progress"
    ctl = next(p.measurement.config["grid"] for p in control.parts if p.measurement is not None)
    assert {figures.breakdown_class(r["ratio"]) for r in ctl} == {"no progress"}
