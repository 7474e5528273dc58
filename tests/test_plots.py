"""plot_forecast, and area names (not only codes) on every plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import foresight as fs
from foresight.errors import DataError
from foresight.forecasting import forecast_components, plot_components
from foresight.periods import period_of_year
from foresight.warning import plot_seasons, plot_wave_calendar

TREE = pd.DataFrame({"code": ["D", "T1", "T2"], "name": ["南溪区", "狮岭镇", "桂湖街道"],
                     "parent": ["", "D", "D"], "level": ["district", "town", "town"]})


@pytest.fixture(scope="module")
def panel():
    ds = pd.date_range("2021-01-04", "2024-06-24", freq="W-MON")
    wk = period_of_year(ds, "W") + 1
    rng = np.random.default_rng(2)
    return pd.concat([pd.DataFrame({"area": a, "category": "school", "ds": ds,
                                    "y": rng.poisson(np.where((wk >= 9) & (wk <= 20), hi, 3))})
                      for a, hi in [("T1", 30), ("T2", 20)]], ignore_index=True)


def _fc(panel, weeks=6):
    ds = pd.date_range(panel["ds"].max() + pd.Timedelta(weeks=1), periods=weeks, freq="W-MON")
    return pd.DataFrame({"area": "T1", "category": "school", "ds": ds, "mean": 4.0, "p10": 1,
                         "p50": 4, "p90": 8, "model": "m", "note": ""})


def test_plot_forecast_draws_history_median_mean_and_interval(panel, tmp_path):
    TREE.to_csv(tmp_path / "areas.csv", index=False)
    fig = fs.plot_forecast(_fc(panel), panel, area="T1", category="school",
                           names=tmp_path / "areas.csv", history=52)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "狮岭镇 (T1) / school"
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert {"cases", "median", "mean"} <= set(lines)
    assert len(lines["cases"].get_xdata()) == 52
    assert [c.get_label() for c in ax.collections] == ["80% interval (p10 to p90)"]
    fig.savefig(tmp_path / "f.png")  # renders with the Agg backend


def test_plot_forecast_on_a_given_axis_and_errors(panel):
    fig = Figure()
    ax = fig.add_subplot()
    assert fs.plot_forecast(_fc(panel), panel, area="T1", category="school", ax=ax) is fig
    assert ax.get_title() == "T1 / school"  # no names: the code
    with pytest.raises(DataError, match="no series"):
        fs.plot_forecast(_fc(panel), panel, area="T9", category="school")
    with pytest.raises(DataError, match="interval"):
        fs.plot_forecast(_fc(panel).drop(columns=["p10"]), panel, area="T1", category="school")


def test_existing_plots_show_area_names(panel):
    cal = plot_wave_calendar(panel, category="school", names=TREE)
    assert [t.get_text() for t in cal.axes[0].get_yticklabels()] == ["狮岭镇 (T1)", "桂湖街道 (T2)"]
    seasons = plot_seasons(panel, area="T2", category="school", names={"T2": "桂湖街道"})
    assert seasons.axes[0].get_title().startswith("桂湖街道 (T2) / school")
    comp = forecast_components(panel, 4, area="T1", category="school", country="CN")
    fig = plot_components(comp, area="T1", category="school", names=TREE)
    assert fig.axes[0].get_title() == "狮岭镇 (T1) / school"
