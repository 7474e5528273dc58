"""to_panel and rollup: zero-filled spans, complete periods only, totals kept at every level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight.areas import AreaTree
from foresight.errors import DataError
from foresight.panel import ALL, rollup, summarize_panel, to_panel
from foresight.schemas import check_panel


def _cases(dates, areas, cats):
    return pd.DataFrame({"received": pd.to_datetime(dates), "area": areas, "category": cats})


def test_weeks_start_monday_and_gaps_are_zero():
    c = _cases(["2024-01-03", "2024-01-24", "2024-01-25"], ["G1", "G1", "G2"], ["x", "x", "y"])
    p = to_panel(c, as_of="2024-01-29")
    assert (p["ds"].dt.day_of_week == 0).all()
    g1 = p[p.area == "G1"]
    assert g1["ds"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15", "01-22"]
    assert g1["y"].tolist() == [1, 0, 0, 1]
    # G2's span starts at its own first case
    assert p[p.area == "G2"]["ds"].min() == pd.Timestamp("2024-01-22")
    check_panel(p)


def test_as_of_is_exclusive_and_incomplete_period_dropped():
    c = _cases(["2024-01-01", "2024-01-08", "2024-01-10", "2024-01-15"], ["A"] * 4, ["x"] * 4)
    p = to_panel(c, as_of="2024-01-10")  # the week of 01-08 is incomplete on 01-10
    assert p["ds"].max() == pd.Timestamp("2024-01-01") and p["y"].sum() == 1
    d = to_panel(c)  # default: the last case's week (01-15, a Monday) is incomplete
    assert d["ds"].max() == pd.Timestamp("2024-01-08")
    assert d.attrs["as_of"] == pd.Timestamp("2024-01-15")


def test_monthly_panel():
    c = _cases(["2024-01-31", "2024-03-02", "2024-03-31"], ["A"] * 3, ["x"] * 3)
    p = to_panel(c, freq="M")
    assert p["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert p["y"].tolist() == [1, 0, 2]


def test_area_start_and_end_bound_the_span(small_areas):
    t = small_areas.copy()
    t.loc[t.code == "G3", "start"] = "2023-12-04"  # new estate: zeros count before its first case
    t.loc[t.code == "G2", "end"] = "2024-01-14"    # merged away
    tree = AreaTree.from_table(t)
    c = _cases(["2024-01-03", "2024-01-10", "2024-01-24"], ["G1", "G2", "G3"], ["x"] * 3)
    p = to_panel(c, areas=tree, as_of="2024-02-05")
    assert p[p.area == "G3"]["ds"].min() == pd.Timestamp("2023-12-04")
    assert p[p.area == "G2"]["ds"].max() == pd.Timestamp("2024-01-08")
    assert p[p.area == "G1"]["ds"].max() == pd.Timestamp("2024-01-29")


def test_level_rollup_needs_tree_and_matches_rollup(small_areas):
    c = _cases(["2024-01-03", "2024-01-10", "2024-01-24", "2024-01-25"],
               ["G1", "G2", "G3", "G1"], ["x", "x", "x", "y"])
    with pytest.raises(DataError, match="needs the area tree"):
        to_panel(c, level="town")
    towns = to_panel(c, level="town", areas=small_areas, as_of="2024-01-29")
    assert set(towns["area"]) == {"T1", "T2"}
    grid = to_panel(c, areas=small_areas, as_of="2024-01-29")
    up = rollup(grid, level="town", areas=small_areas)
    merged = towns.merge(up, on=["area", "category", "ds"], how="outer", suffixes=("", "_up"))
    assert (merged["y"].fillna(0) == merged["y_up"].fillna(0)).all()


def test_coarser_case_keeps_area_with_warning(small_areas):
    c = _cases(["2024-01-03", "2024-01-04"], ["G1", "T2"], ["x", "x"])
    with pytest.warns(UserWarning, match="coarser than 'community'"):
        p = to_panel(c, level="community", areas=small_areas, as_of="2024-01-08")
    assert set(p["area"]) == {"C1", "T2"}


areas_st = st.sampled_from(["G1", "G2", "G3"])
cats_st = st.sampled_from(["x", "y", "z"])
day_st = st.integers(0, 400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(day_st, areas_st, cats_st), min_size=1, max_size=200),
       st.sampled_from(["W", "M"]))
def test_property_aggregation_keeps_totals(small_areas, rows, freq):
    days, areas, cats = zip(*rows, strict=True)
    c = _cases(pd.Timestamp("2023-01-02") + pd.to_timedelta(np.array(days), unit="D"),
               list(areas), list(cats))
    as_of = pd.Timestamp("2024-03-01")
    p = to_panel(c, freq=freq, as_of=as_of, areas=small_areas)
    counted = int(p["y"].sum())
    last_end = p["ds"].max() + (pd.DateOffset(weeks=1) if freq == "W" else pd.DateOffset(months=1))
    assert counted == int((c["received"] < min(as_of, last_end)).sum())
    assert not p.duplicated(["area", "category", "ds"]).any()
    for over in [("area",), ("category",), ("area", "category")]:
        r = rollup(p, over=over)
        assert int(r["y"].sum()) == counted
        for key in over:
            assert (r[key] == ALL).all()
    for level in ("community", "town", "district"):
        r = rollup(p, level=level, areas=small_areas)
        assert int(r["y"].sum()) == counted
        # every rolled-up series is contiguous (zero-filled)
        step = 7 if freq == "W" else None
        if step:
            gaps = r.groupby(["area", "category"])["ds"].diff().dropna().dt.days
            assert (gaps == 7).all()


def test_summarize_panel_counts():
    c = _cases(["2024-01-03", "2024-01-17"], ["A", "B"], ["x", "x"])
    s = summarize_panel(to_panel(c, as_of="2024-01-22"))
    assert s.loc[0, "cases"] == 2 and s.loc[0, "series"] == 2


def test_public_api_resolves_every_name():
    import foresight as fs

    for name in fs.__all__:
        assert getattr(fs, name) is not None, name
    assert fs.to_panel is to_panel
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fs.nope  # noqa: B018


def test_forecast_stays_the_function_after_its_subpackage_is_imported():
    import subprocess
    import sys

    code = ("import foresight as fs\nimport foresight.forecasting\nfrom foresight.forecasting import "
            "forecast_components\nassert callable(fs.forecast) and fs.forecast.__name__ == 'forecast', "
            "fs.forecast\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
