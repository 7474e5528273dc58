"""Nixtla frames (unique_id, ds, y) in and out, and backtest windows as Nixtla's cross_validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import foresight as fs
from foresight.errors import ConfigError, DataError


def _panel(weeks: int = 60) -> pd.DataFrame:
    ds = pd.date_range("2023-01-02", periods=weeks, freq="W-MON")
    rng = np.random.default_rng(3)
    parts = [pd.DataFrame({"area": a, "category": c, "ds": ds, "y": rng.poisson(lam, weeks)})
             for a, c, lam in [("T1", "school", 6), ("T1", "wage", 2), ("T2", "school", 9)]]
    return pd.concat(parts, ignore_index=True)


def _mean_model(p, *, horizon, freq, quantiles, seed=0):
    last = p.groupby(["area", "category"], as_index=False)["y"].mean()
    start = p["ds"].max() + pd.Timedelta(weeks=1)
    rows = [dict(area=r.area, category=r.category, ds=start + pd.Timedelta(weeks=k), mean=r.y,
                 p10=np.floor(r.y / 2), p50=np.round(r.y), p90=np.ceil(r.y * 2))
            for r in last.itertuples() for k in range(horizon)]
    return pd.DataFrame(rows)


def test_panel_round_trip_and_freq():
    panel = _panel()
    nx = fs.to_nixtla(panel)
    assert nx.columns.tolist() == ["unique_id", "ds", "y"]
    assert set(nx["unique_id"]) == {"T1/school", "T1/wage", "T2/school"}
    back = fs.from_nixtla(nx)
    pd.testing.assert_frame_equal(back, panel.sort_values(["area", "category", "ds"], ignore_index=True))
    assert back.attrs["freq"] == "W"


def test_forecast_round_trip_with_nixtla_interval_names():
    fc = _mean_model(_panel(), horizon=3, freq="W", quantiles=(0.1, 0.5, 0.9)).assign(model="m", note="")
    nx = fs.to_nixtla(fc, sep="::", alias="NB")
    assert nx.columns.tolist() == ["unique_id", "ds", "NB", "NB-lo-80", "NB-median", "NB-hi-80",
                                   "model", "note"]
    back = fs.from_nixtla(nx, sep="::")
    pd.testing.assert_frame_equal(back, fc.sort_values(["area", "category", "ds"], ignore_index=True))


def test_ids_without_separator_and_errors():
    nx = pd.DataFrame({"unique_id": ["H1", "H1"], "ds": ["2020-01-01", "2020-02-01"], "y": [1, 2]})
    p = fs.from_nixtla(nx, category="all")
    assert p["category"].tolist() == ["all", "all"] and p.attrs["freq"] == "M"
    assert fs.from_nixtla(nx.set_index("unique_id"), category="all").equals(p)
    with pytest.raises(DataError, match="counts must be"):
        fs.from_nixtla(nx.assign(y=[1, -1]))
    with pytest.raises(DataError, match="separator"):
        fs.to_nixtla(_panel().assign(area="T/1"))
    with pytest.raises(DataError, match="pass alias"):
        fs.from_nixtla(pd.DataFrame({"unique_id": ["a/b"], "ds": ["2020-01-06"], "A": [1.0], "B": [2.0]}))


@pytest.mark.requires_statsforecast
def test_statsforecast_reads_and_writes_the_frames():
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    panel = _panel()
    sf = StatsForecast(models=[Naive()], freq="W-MON")
    out = sf.forecast(df=fs.to_nixtla(panel), h=4, level=[80])
    fc = fs.from_nixtla(out)
    assert {"area", "category", "ds", "mean", "p10", "p90"} <= set(fc.columns)
    last = panel.sort_values("ds").groupby(["area", "category"])["y"].last()
    got = fc.groupby(["area", "category"])["mean"].first()
    pd.testing.assert_series_equal(got.astype(float), last.astype(float), check_names=False)


@pytest.mark.requires_statsforecast
def test_backtest_windows_are_nixtlas_cross_validation_cutoffs():
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    panel = _panel()
    cv = StatsForecast(models=[Naive()], freq="W-MON").cross_validation(
        df=fs.to_nixtla(panel), h=4, n_windows=3, step_size=2)
    cutoffs = sorted(pd.to_datetime(cv.reset_index()["cutoff"]).unique())
    bt = fs.backtest(panel, horizon=4, n_windows=3, step_size=2, models=[_mean_model])
    origins = sorted(bt.forecasts["origin"].unique())
    assert origins == [c + pd.Timedelta(weeks=1) for c in cutoffs]


def test_backtest_windows_equal_the_origins_they_stand_for():
    panel = _panel()
    last = panel["ds"].max()
    by_windows = fs.backtest(panel, horizon=4, n_windows=2, models=[_mean_model])
    origins = [last - pd.Timedelta(weeks=7), last - pd.Timedelta(weeks=3)]  # step = horizon
    by_origins = fs.backtest(panel, horizon=4, origins=origins, models=[_mean_model])
    pd.testing.assert_frame_equal(by_windows.scores(), by_origins.scores())
    with pytest.raises(ConfigError, match="either origins"):
        fs.backtest(panel, horizon=4, models=[_mean_model])
    with pytest.raises(ConfigError, match="either origins"):
        fs.backtest(panel, horizon=4, origins=origins, n_windows=2, models=[_mean_model])
