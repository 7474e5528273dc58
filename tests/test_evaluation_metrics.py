"""Metrics against hand-computed cases (foresight.evaluation.metrics)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from foresight.errors import DataError
from foresight.evaluation.metrics import (
    coverage,
    naive_scales,
    pinball_loss,
    rmsse,
    scaled_pinball,
    wape,
)
from foresight.evaluation.scores import score_series, series_scales, summarise_scores


def test_wape_hand_computed():
    # |4-2| + |0-1| + |6-6| = 3 over 10
    assert wape([4, 0, 6], [2, 1, 6]) == pytest.approx(0.3)


def test_wape_perfect_and_all_zero():
    assert wape([3, 1, 0], [3, 1, 0]) == 0.0
    assert math.isnan(wape([0, 0], [1, 1]))


def test_pinball_hand_computed():
    # under-forecast by 4 at q=0.9 -> 3.6; over-forecast by 4 at q=0.9 -> 0.4
    got = pinball_loss([10, 2], [6, 6], 0.9)
    assert got.tolist() == pytest.approx([3.6, 0.4])
    assert pinball_loss([5], [5], 0.1).tolist() == [0.0]


def test_pinball_rejects_bad_level_and_length():
    with pytest.raises(DataError, match="outside"):
        pinball_loss([1], [1], 1.5)
    with pytest.raises(DataError, match="length"):
        pinball_loss([1, 2], [1], 0.5)


def test_coverage_inclusive_bounds():
    # 0 in [0,2] and 4 in [0,4] (bounds inclusive); 5 below 6; 10 above 9
    assert coverage([0, 4, 5, 10], [0, 0, 6, 0], [2, 4, 9, 9]) == pytest.approx(0.5)


def test_naive_scales_start_at_first_nonzero():
    # leading zeros ignored; diffs from [5, 5, 7] are [0, 2]
    s2, s1 = naive_scales([0, 0, 0, 5, 5, 7])
    assert (s2, s1) == (2.0, 1.0)
    assert all(math.isnan(v) for v in naive_scales([0, 0, 0]))


def test_rmsse_and_spl_hand_computed():
    # errors 2 and 0 -> MSE 2, scale 0.5 -> sqrt(4) = 2
    assert rmsse([3, 4], [1, 4], 0.5) == pytest.approx(2.0)
    assert math.isnan(rmsse([3, 4], [1, 4], 0.0))
    # q=0.5 losses: |4-2|*0.5=1, 0 -> mean 0.5; scale 0.25 -> 2
    assert scaled_pinball([4, 1], {0.5: [2, 1]}, 0.25) == pytest.approx(2.0)


def _panel(values: dict[str, list[int]], start: str = "2024-01-01") -> pd.DataFrame:
    rows = []
    for cat, ys in values.items():
        ds = pd.date_range(start, periods=len(ys), freq="W-MON")
        rows.append(pd.DataFrame({"area": "A", "category": cat, "ds": ds, "y": ys}))
    return pd.concat(rows, ignore_index=True)


def test_series_scales_matches_scalar_rule_and_window():
    rng = np.random.default_rng(3)
    vals = {f"c{i}": [0] * i + rng.poisson(2.0, 30 - i).tolist() for i in range(6)}
    vals["flat"] = [0, 0, 4, 4, 4, 4] + [4] * 24
    p = _panel(vals)
    origin = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=25)
    wstart = origin - pd.Timedelta(weeks=10)
    s = series_scales(p, origin=origin, window_start=wstart).set_index("category")
    for cat, ys in vals.items():
        hist = ys[:25]
        s2, s1 = naive_scales(hist)
        if s2 > 0:
            assert s.loc[cat, "s2"] == pytest.approx(s2)
            assert s.loc[cat, "s1"] == pytest.approx(s1)
        assert s.loc[cat, "weight"] == sum(hist[15:25])
    # a constant series has scale 0: reported as undefined, not 0
    assert math.isnan(s.loc["flat", "s2"]) and math.isnan(s.loc["flat", "s1"])


def test_unscaled_series_are_counted_and_left_out_of_weighted_means():
    j = pd.DataFrame(
        {
            "k": ["a", "a", "b", "b"],
            "y": [2, 2, 1, 1],
            "mean": [1.0, 1.0, 5.0, 5.0],
            "p10": [0, 0, 0, 0],
            "p50": [1, 1, 5, 5],
            "p90": [3, 3, 9, 9],
            "s2": [1.0, 1.0, np.nan, np.nan],
            "s1": [1.0, 1.0, np.nan, np.nan],
            "weight": [10, 10, 10, 10],
        }
    )
    per = score_series(j, keys=["k"], quantiles=(0.1, 0.5, 0.9))
    per["m"] = "x"
    out = summarise_scores(per, by=["m"]).iloc[0]
    assert out["rmsse"] == pytest.approx(1.0)  # only series a, |err| 1, scale 1
    assert out["n_unscaled"] == 1 and out["n_series"] == 2
    # WAPE still pools both: (1+1+4+4)/(2+2+1+1)
    assert out["wape"] == pytest.approx(10 / 6)
    assert out["coverage80"] == pytest.approx(1.0)


def test_weights_volume_weighted_mean():
    per = pd.DataFrame(
        {"m": "x", "abs_err": 0.0, "abs_y": 1.0, "n": 1, "n_in80": 1,
         "rmsse": [1.0, 3.0], "spl": [2.0, 4.0], "weight": [3, 1]}
    )
    out = summarise_scores(per, by=["m"]).iloc[0]
    assert out["rmsse"] == pytest.approx((3 * 1 + 1 * 3) / 4)
    assert out["spl"] == pytest.approx((3 * 2 + 1 * 4) / 4)
