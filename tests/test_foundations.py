"""The shared bottom layer: periods, the one panel check, and the one series matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight import periods
from foresight.errors import ConfigError, DataError
from foresight.matrix import to_long, to_matrix
from foresight.schemas import check_panel

# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "want"), [("W", "W"), ("w-mon", "W"), ("week", "W"), ("Weekly", "W"),
                                            ("M", "M"), ("MS", "M"), ("ME", "M"), ("monthly", "M")])
def test_freq_spellings(given, want):
    assert periods.normalize_freq(given) == want


@pytest.mark.parametrize("bad", ["D", "Q", "W-SUN", "", None])
def test_unknown_freq_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="'W'.*'M'"):
        periods.normalize_freq(bad)


def test_infer_freq_and_panel_freq_agree_everywhere():
    weeks = pd.date_range("2024-01-01", periods=10, freq="W-MON")
    months = pd.date_range("2024-01-01", periods=10, freq="MS")  # 2024-01-01 is a Monday as well
    assert periods.infer_freq(weeks) == "W" and periods.infer_freq(months) == "M"
    p = pd.DataFrame({"ds": months})
    assert periods.panel_freq(p) == "M"
    p.attrs["freq"] = "W"
    assert periods.panel_freq(p) == "W" and periods.panel_freq(p, "MS") == "M"
    with pytest.raises(DataError, match="freq='W'"):
        periods.infer_freq(pd.to_datetime(["2024-01-02", "2024-01-05"]))


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2090-12-31").date()),
       st.integers(-400, 400), st.sampled_from(["W", "M"]))
def test_period_arithmetic_is_consistent(day, k, f):
    start = periods.period_start(pd.Timestamp(day), f)
    assert start <= pd.Timestamp(day) < periods.shift(start, 1, f)
    moved = periods.shift(start, k, f)
    assert moved == periods.period_start(moved, f)
    assert periods.period_index(pd.DatetimeIndex([moved]), start, f).tolist() == [k]
    assert periods.period_at([k], start, f)[0] == moved
    # as_of is exclusive: the period holding it (or starting on it) is incomplete
    assert periods.last_complete(pd.Timestamp(day), f) == periods.shift(start, -1, f)


def test_future_starts_and_ranges():
    fut = periods.future_starts("2024-01-29", 3, "W")
    assert fut.strftime("%m-%d").tolist() == ["02-05", "02-12", "02-19"]
    assert periods.period_range("2024-01-01", "2024-04-01", "M").month.tolist() == [1, 2, 3, 4]
    assert periods.periods_per_year("W") == 52 and periods.periods_per_year("monthly") == 12
    assert periods.last_complete("2024-01-10", "W") == pd.Timestamp("2024-01-01")


def test_period_starts_are_checked():
    periods.check_period_starts(pd.to_datetime(["2024-01-01 13:00"]), "W")  # a time of day is fine
    with pytest.raises(DataError, match="Monday.*Tuesday"):
        periods.check_period_starts(pd.to_datetime(["2024-01-02"]), "W")
    with pytest.raises(DataError, match="first of the month"):
        periods.check_period_starts(pd.to_datetime(["2024-01-02"]), "M")


# --- the panel check ----------------------------------------------------------------------------

PANEL = pd.DataFrame({"area": ["A", "A", "B"], "category": ["x", "x", "x"],
                      "ds": ["2024-01-01", "2024-01-08", "2024-01-01"], "y": [1.0, 0.0, 2.0],
                      "extra": [1, 2, 3]})


def test_check_panel_canonical_dtypes_and_keeps_the_rest():
    p = PANEL.copy()
    p.attrs["freq"] = "W"
    out = check_panel(p)
    assert str(out["ds"].dtype) == "datetime64[ns]" and out["y"].dtype == np.int64
    assert out["extra"].tolist() == [1, 2, 3] and out.attrs["freq"] == "W"
    assert PANEL["y"].dtype == float  # the input is not changed


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p.drop(columns="ds"), r"lacks column\(s\) \['ds'\]"),
    (lambda p: p.assign(y=[1, -2, 0]), "negative count.*must be >= 0"),
    (lambda p: p.assign(y=[1, None, 0]), "use 0 for periods with no cases"),
    (lambda p: p.assign(y=[1, 0.5, 0]), "whole counts"),
    (lambda p: p.assign(area=["A", None, "B"]), "column area has 1 missing"),
    (lambda p: p.assign(ds=["2024-01-01", None, "2024-01-01"]), "missing date"),
    (lambda p: pd.concat([p, p.head(1)]), r"1 duplicate \(area, category, ds\).*groupby"),
])
def test_check_panel_errors_name_the_fix(change, message):
    with pytest.raises(DataError, match=message):
        check_panel(change(PANEL))


def test_every_consumer_rejects_duplicate_rows():
    from foresight.evaluation import backtest
    from foresight.forecasting import forecast
    from foresight.panel import rollup
    from foresight.warning import surges, waves

    ds = pd.date_range("2021-01-04", periods=120, freq="W-MON")
    p = pd.DataFrame({"area": "A", "category": "x", "ds": ds, "y": 3})
    dup = pd.concat([p, p.tail(1)], ignore_index=True)
    calls = [lambda: forecast(dup, 2, country="CN"), lambda: waves(dup), lambda: surges(dup, ds[-1]),
             lambda: rollup(dup, over=("area",)), lambda: backtest(dup, origins=[ds[-10]], horizon=2)]
    for call in calls:
        with pytest.raises(DataError, match="duplicate"):
            call()


# --- the series matrix --------------------------------------------------------------------------


def _panel():
    p = pd.DataFrame({"area": ["B", "A", "A"], "category": "x",
                      "ds": pd.to_datetime(["2024-01-08", "2024-01-01", "2024-01-15"]), "y": [2, 1, 3]})
    return check_panel(p)


def test_matrix_gaps_zero_and_missing():
    z = to_matrix(_panel(), "W")
    assert z.keys.values.tolist() == [["A", "x"], ["B", "x"]]
    np.testing.assert_array_equal(z.y, [[1, 0, 3], [np.nan, 2, 0]])
    m = to_matrix(_panel(), "W", gaps="missing")
    np.testing.assert_array_equal(m.y, [[1, np.nan, 3], [np.nan, 2, np.nan]])
    assert to_matrix(_panel(), "W", before="2024-01-15").starts.max() == pd.Timestamp("2024-01-08")


def test_matrix_runs_to_as_of_for_forecasting():
    p = _panel()
    p.attrs["as_of"] = pd.Timestamp("2024-02-05")  # no cases in the last two complete weeks
    z = to_matrix(p, "W")
    assert z.starts[-1] == pd.Timestamp("2024-01-29") and z.y[:, -1].tolist() == [0, 0]
    assert to_matrix(p, "W", gaps="missing").starts[-1] == pd.Timestamp("2024-01-15")


def test_matrix_round_trip_through_the_long_frame():
    p = _panel()
    z = to_matrix(p, "W", gaps="missing")
    long = to_long(z.keys, z.starts, y=z.y).dropna(subset=["y"])
    got = long.sort_values(["area", "ds"]).reset_index(drop=True)
    want = p.sort_values(["area", "ds"]).reset_index(drop=True)
    assert got[["area", "category", "ds"]].equals(want[["area", "category", "ds"]])
    assert got["y"].tolist() == want["y"].astype(float).tolist()


def test_matrix_monthly_and_bad_dates():
    p = check_panel(pd.DataFrame({"area": "A", "category": "x", "ds": pd.to_datetime(["2024-01-01", "2024-03-01"]),
                                  "y": [1, 2]}))
    assert to_matrix(p, "M").y.tolist() == [[1.0, 0.0, 2.0]]
    with pytest.raises(DataError, match="Monday"):
        to_matrix(p.assign(ds=p["ds"] + pd.Timedelta(days=1)), "W")
    with pytest.raises(DataError, match="before as_of"):
        to_matrix(p, "M", before="2023-01-01")
