"""Tests of ``foresight.warning.prior``: the shipped weekly counts of the public logs and their pooling."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from _support import NYC_CASES, ZURICH_REPORTS
from foresight.errors import ConfigError
from foresight.schemas import check_panel
from foresight.warning.prior import PRIOR_LOGS, prior_panels

RESOURCE = importlib.resources.files("foresight.warning") / "data" / "prior_weekly.parquet"


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    return {p.attrs["log"]: p for p in prior_panels()}


def test_the_file_is_found_in_the_package_and_holds_counts_only():
    """Read through importlib.resources (in CI's high env: from the installed wheel)."""
    assert RESOURCE.is_file()
    with importlib.resources.as_file(RESOURCE) as path:
        schema = pq.read_schema(path)
        size = path.stat().st_size
    assert schema.names == ["log", "area", "category", "ds", "y"]
    assert size < 2_000_000


def test_one_checked_weekly_panel_per_log_with_its_source(panels):
    assert list(panels) == list(PRIOR_LOGS) == ["nyc", "zurich"]
    for name, p in panels.items():
        pd.testing.assert_frame_equal(check_panel(p), p)
        assert list(p.columns) == ["area", "category", "ds", "y"]
        assert (p["ds"].dt.day_of_week == 0).all()
        assert (p["y"] >= 0).all() and p["y"].sum() > 0
        assert p.attrs["freq"] == "W" and p.attrs["log"] == name
        assert p.attrs["as_of"] == p["ds"].max() + pd.Timedelta(weeks=1)
        assert {"source", "licence", "country", "subdiv"} <= p.attrs.keys()


def test_every_series_runs_without_a_gap_from_its_areas_first_case_to_the_logs_end(panels):
    for p in panels.values():
        g = p.groupby(["area", "category"])["ds"]
        weeks = (g.max() - g.min()).dt.days // 7 + 1
        assert (weeks == g.size()).all()  # contiguous, no duplicate week
        assert g.max().nunique() == 1
        area_first = p[p["y"] > 0].groupby("area")["ds"].min()
        starts = g.min().reset_index()
        assert (starts["ds"].to_numpy() == area_first.reindex(starts["area"]).to_numpy()).all()


def test_monthly_returns_no_panel_and_exclude_leaves_a_log_out():
    assert prior_panels("M") == []
    assert [p.attrs["log"] for p in prior_panels("weekly", exclude={"nyc"})] == ["zurich"]
    with pytest.raises(ConfigError, match="exclude"):
        prior_panels(exclude=["boston"])
    with pytest.raises(ConfigError, match="freq"):
        prior_panels("D")


def test_each_call_returns_fresh_copies():
    first = prior_panels()[1]
    total = first["y"].sum()
    first["y"] = 0
    first.attrs["log"] = "changed"
    again = prior_panels()[1]
    assert again["y"].sum() == total and again.attrs["log"] == "zurich"


def _weekly_recount(path, *, date: str, area: str, category: str) -> pd.Series:
    """Cases per area x category x Monday week, counted straight from a raw log."""
    raw = pd.read_csv(path, usecols=[date, area, category], dtype=str, keep_default_na=False)
    day = pd.to_datetime(raw[date])
    week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    cat = raw[category].where(raw[category] != "", "(none)")
    return pd.DataFrame({"area": raw[area], "category": cat, "ds": week}).value_counts().sort_index()


@pytest.mark.parametrize("name, path, cols", [
    pytest.param("nyc", NYC_CASES, dict(date="opendate", area="account", category="complaint_type"),
                 marks=pytest.mark.requires_nyc),
    pytest.param("zurich", ZURICH_REPORTS, dict(date="date", area="district", category="service_code"),
                 marks=pytest.mark.requires_zurich),
])
def test_counts_equal_a_recount_of_the_raw_log(panels, name, path, cols):
    p = panels[name]
    shipped = p[p["y"] > 0].set_index(["area", "category", "ds"])["y"].sort_index()
    recount = _weekly_recount(path, **cols)
    assert len(shipped) == len(recount)
    assert (shipped.index == recount.index).all()
    assert (shipped.to_numpy() == recount.to_numpy()).all()


def test_a_short_history_pooled_with_the_prior_trains_a_wave_model():
    pytest.importorskip("sklearn")
    from foresight.warning.learned import fit_wave_model, wave_probability

    ds = pd.date_range("2022-01-03", periods=110, freq="W-MON")  # about two years of records
    rng = np.random.default_rng(0)
    own = pd.concat([pd.DataFrame({"area": a, "category": "heat", "ds": ds, "y": rng.poisson(5.0, len(ds))})
                     for a in "ABC"], ignore_index=True)
    as_of = ds[-1] + pd.Timedelta(weeks=1)
    model = fit_wave_model([own, *prior_panels()], until=as_of, every=13, max_iter=5, max_series=300,
                           expected=False)
    assert model.info["logs"] == 3 and model.info["positives"] > 0
    p = wave_probability(own, as_of, model=model)
    assert len(p) == 3 and p["p_wave"].between(0, 1).all()
