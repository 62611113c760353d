"""Which differences between two solves are effects: tolerance and moved-flow reasons."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from optimizer.studies.moves import WITHIN, is_tie, moved_flows, tolerance, verdict


@dataclass
class _Solved:
    objective: float | None
    bound: float | None


def test_a_difference_within_the_combined_gaps_is_not_an_effect():
    a, b = _Solved(100.0, 99.9), _Solved(100.15, 100.0)
    tol = tolerance(a, b)
    assert tol == 0.25 or abs(tol - 0.25) < 1e-12
    assert verdict(0.15, tol) == WITHIN
    assert verdict(1.0, tol) == "higher"
    assert verdict(-1.0, tol) == "lower"
    assert verdict(0.0, tolerance(a, _Solved(100.0, None))) == WITHIN  # unknown bound: inf


def _routes(rows):
    return pd.DataFrame(rows, columns=["demand_id", "services", "warehouse", "tonnes"])


def test_moved_flows_are_told_apart_by_cause():
    before = _routes(
        [
            ("A", "truck;sea;lm", "", 10.0),  # uses the changed sea service
            ("B", "truck;rail;lm", "", 5.0),  # shares the rail lane the change fills
            ("C", "truck2;air;lm2", "", 2.0),  # nothing on its routes changed
            ("D", "truck;rail;lm", "", 1.0),  # did not move
        ]
    )
    after = _routes(
        [
            ("A", "truck;rail;lm", "", 10.0),
            ("B", "truck;rail2;lm", "", 5.0),
            ("C", "truck2;air2;lm2", "", 2.0),
            ("D", "truck;rail;lm", "", 1.0),
        ]
    )
    m = moved_flows(before, after, {"sea"}, container_lanes={"rail", "sea"}).set_index("demand_id")
    assert set(m.index) == {"A", "B", "C"}
    assert m.at["A", "reason"] == "its route uses a changed service"
    assert m.at["A", "tonnes_moved"] == 10.0
    assert m.at["B", "reason"].startswith("consolidation")
    assert is_tie(m.at["C", "reason"])
