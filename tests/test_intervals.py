"""Interval scales learned on past origins (foresight.forecasting.intervals, forecast_hierarchy(calibrate_intervals=N))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from foresight.errors import ConfigError, DataError
from foresight.forecasting import apply_interval_scales, forecast_hierarchy, learn_interval_scales
from foresight.forecasting.intervals import past_forecasts
from foresight.settings import IntervalSettings

QS = (0.1, 0.5, 0.9)


def _draws(spread: float, *, n_origins: int = 8, n: int = 3000, seed: int = 0, level: str = "area",
           h: int = 1) -> pd.DataFrame:
    """Rows of a backtest-like frame: the forecast's quantiles are Poisson(mu)'s, the actuals
    negative binomial with variance ``mu + spread * mu**2`` (spread 0: Poisson, the forecast is right)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(5, 60, n)
    if spread > 0:
        y = rng.negative_binomial(1 / spread, 1 / (1 + spread * mu))
    else:
        y = rng.poisson(mu)
    frame = pd.DataFrame({"origin": np.repeat(pd.date_range("2019-01-07", periods=n_origins, freq="13W-MON"),
                                              -(-n // n_origins))[:n],
                          "level": level, "area": [f"a{i}" for i in range(n)], "category": "(all)",
                          "ds": pd.Timestamp("2021-01-04"), "h": h, "y": y, "mean": mu})
    for q in QS:
        frame[f"p{round(q * 100)}"] = stats.poisson.ppf(q, mu).astype(np.int64)
    return frame


def _coverage(f: pd.DataFrame) -> float:
    return float(((f["y"] >= f["p10"]) & (f["y"] <= f["p90"])).mean())


@pytest.mark.parametrize("truth,forecast_spread,wider", [(0.15, 0.0, True), (0.0, 0.05, False)])
def test_scale_moves_coverage_of_new_origins_to_nominal(truth, forecast_spread, wider):
    past = _draws(truth, seed=1)
    if forecast_spread:  # a forecast too wide: quantiles of a more dispersed distribution
        mu, r = past["mean"].to_numpy(), 1 / forecast_spread
        for q in QS:
            past[f"p{round(q * 100)}"] = stats.nbinom.ppf(q, r, r / (r + mu)).astype(np.int64)
    sc = learn_interval_scales(past)
    row = sc.iloc[0]
    assert (row["scale_lower"] > 1.0) if wider else (row["scale_lower"] < 1.0)
    assert abs(row["coverage"] - 0.8) > 0.07  # the setting is clearly off nominal as forecast
    new = _draws(truth, seed=2)  # the same process at later origins
    if forecast_spread:
        mu = new["mean"].to_numpy()
        for q in QS:
            new[f"p{round(q * 100)}"] = stats.nbinom.ppf(q, r, r / (r + mu)).astype(np.int64)
    out = apply_interval_scales(new.drop(columns=["y", "origin", "h"]), sc)
    out["y"] = new["y"]
    assert abs(_coverage(out) - 0.8) < 0.03 < abs(_coverage(new) - 0.8)


def test_a_right_forecast_keeps_its_quantiles_under_the_pinball_rule():
    sc = learn_interval_scales(_draws(0.0, seed=3), settings=IntervalSettings(rule="pinball")).iloc[0]
    assert abs(sc["scale_lower"] - 1.0) <= 0.1 and abs(sc["scale_upper"] - 1.0) <= 0.1


def test_quantiles_stay_monotone_whole_and_non_negative_mean_and_p50_unchanged():
    qs = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
    rng = np.random.default_rng(4)
    mu = rng.uniform(0.2, 30, 500)
    fc = pd.DataFrame({"level": "category", "area": "(all)", "category": [f"c{i}" for i in range(500)],
                       "ds": pd.Timestamp("2024-01-01"), "mean": mu})
    for q in qs:
        fc[f"p{round(q * 100)}"] = stats.poisson.ppf(q, mu).astype(np.int64)
    # the inner pair widened a lot, the outer ones narrowed: unchecked, the quantiles would cross
    sc = pd.DataFrame({"level": "category", "h_from": 1, "lower": ["p5", "p10", "p25"],
                       "upper": ["p95", "p90", "p75"], "scale_lower": [0.5, 0.6, 2.5],
                       "scale_upper": [0.5, 0.6, 2.5]})
    out = apply_interval_scales(fc, sc)
    cols = [f"p{round(q * 100)}" for q in qs]
    v = out[cols].to_numpy()
    assert (np.diff(v, axis=1) >= 0).all() and (v >= 0).all()
    assert all(out[c].dtype == fc[c].dtype for c in cols)
    pd.testing.assert_series_equal(out["p50"], fc["p50"])
    pd.testing.assert_series_equal(out["mean"], fc["mean"])
    assert (out["p25"] <= fc["p25"]).all() and (out["p25"] < fc["p25"]).any()  # the widened pair moved
    assert out.attrs["intervals"][0]["scale_lower"] == 0.5


def test_too_few_origins_scale_one_and_say_so():
    past = _draws(0.3, n_origins=3, seed=5)
    sc = learn_interval_scales(past, settings=IntervalSettings(min_origins=4))
    assert sc[["scale_lower", "scale_upper"]].to_numpy().tolist() == [[1.0, 1.0]]
    assert "3 past origin(s), fewer than the 4 needed" in sc["note"].iloc[0]
    fc = past.drop(columns=["y", "origin", "h"])
    out = apply_interval_scales(fc, sc)
    pd.testing.assert_frame_equal(out, fc)
    assert learn_interval_scales(past, settings=IntervalSettings(min_origins=3))["scale_lower"].iloc[0] > 1.0


def test_pinball_rule_widens_only_the_side_that_is_short():
    past = _draws(0.0, seed=10)
    past["p90"] = np.maximum(past["p90"] - 4, past["p50"])  # the upper tail cut short; the lower one right
    sc = learn_interval_scales(past, settings=IntervalSettings(rule="pinball")).iloc[0]
    assert sc["scale_upper"] > 1.2 and abs(sc["scale_lower"] - 1.0) <= 0.15
    cov = learn_interval_scales(past).iloc[0]
    assert cov["scale_lower"] == cov["scale_upper"]


def test_bands_learn_a_scale_per_horizon_band():
    near = _draws(0.02, seed=6, h=1)
    far = _draws(0.3, seed=7, h=13)  # the spread grows with the horizon; the forecast's does not
    sc = learn_interval_scales(pd.concat([near, far]), settings=IntervalSettings(bands=(4,)))
    assert sc["h_from"].tolist() == [1, 5]
    assert sc["scale_lower"].iloc[1] > sc["scale_lower"].iloc[0]


def test_forecast_hierarchy_calibrate_intervals():
    rng = np.random.default_rng(8)
    ds = pd.date_range("2019-01-07", periods=170, freq="W-MON")
    panel = pd.concat([pd.DataFrame({"area": a, "category": c, "ds": ds,
                                     "y": rng.negative_binomial(2, 2 / (2 + rng.uniform(3, 9)), len(ds))})
                       for a in "AB" for c in "xy"], ignore_index=True)
    plain = forecast_hierarchy(panel, 4, country="US")
    cal = forecast_hierarchy(panel, 4, country="US", calibrate_intervals=4)
    pd.testing.assert_frame_equal(cal[["level", "area", "category", "ds", "mean", "p50"]],
                                  plain[["level", "area", "category", "ds", "mean", "p50"]])
    table = pd.DataFrame(cal.attrs["intervals"])
    assert set(table["level"]) == {"area x category", "area", "category", "total"}
    assert (table["n_origins"] == 4).all() and (table["note"] == "").all()
    assert (cal["p10"] <= cal["p50"]).all() and (cal["p50"] <= cal["p90"]).all() and (cal["p10"] >= 0).all()
    short = forecast_hierarchy(panel[panel["ds"] < ds[110]], 4, country="US", calibrate_intervals=4)
    notes = pd.DataFrame(short.attrs["intervals"])
    assert (notes[["scale_lower", "scale_upper"]] == 1.0).all().all() and notes["note"].str.contains("fewer than the 4 needed").all()
    with pytest.raises(ConfigError, match="calibrate_intervals"):
        forecast_hierarchy(panel, 4, country="US", calibrate_intervals=-1)


def test_past_forecasts_have_the_backtest_layout_and_actuals():
    from foresight.evaluation import backtest

    rng = np.random.default_rng(9)
    ds = pd.date_range("2019-01-07", periods=130, freq="W-MON")
    panel = pd.concat([pd.DataFrame({"area": a, "category": "x", "ds": ds, "y": rng.poisson(5, len(ds))})
                       for a in "AB"], ignore_index=True)
    run = lambda p: forecast_hierarchy(p, 4, country="US")  # noqa: E731
    past = past_forecasts(panel, 4, n_origins=1, forecaster=run)
    origin = past["origin"].iloc[0]
    assert origin == ds[-4]
    bt = backtest(panel, origins=[origin], horizon=4, quantiles=QS).forecasts
    key = ["level", "area", "category", "ds"]
    both = past.merge(bt, on=key, suffixes=("", "_bt"))
    assert len(both) == len(bt) == len(past)
    assert (both["y"] == both["y_bt"]).all() and (both["h"] == both["h_bt"]).all()
    assert set(bt.columns) - {"model", "source"} <= set(past.columns)


def test_errors_name_the_fix():
    past = _draws(0.1)
    with pytest.raises(DataError, match="backtest"):
        learn_interval_scales(past.drop(columns="h"))
    with pytest.raises(ConfigError, match=r"bt.forecasts\[bt.forecasts\['model'\] == 'auto'\]"):
        learn_interval_scales(past.assign(model=np.where(np.arange(len(past)) % 2, "a", "b")))
    with pytest.raises(ConfigError, match=r"quantiles=\(0.1, 0.5, 0.9\)"):
        learn_interval_scales(past.drop(columns="p90"))
    with pytest.raises(ConfigError, match="0.5 in quantiles"):
        apply_interval_scales(past.drop(columns="p50"), learn_interval_scales(past))
    with pytest.raises(ConfigError, match="learn_interval_scales"):
        apply_interval_scales(past, pd.DataFrame({"level": ["area"]}))
    with pytest.raises(ConfigError, match="bands"):
        IntervalSettings(bands=(13, 4))
    with pytest.raises(ConfigError, match="include 1"):
        IntervalSettings(grid_min=1.2)
