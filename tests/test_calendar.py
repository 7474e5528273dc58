"""Tests of foresight.calendar: China's holidays, make-up working days (调休) and period features."""

from __future__ import annotations

import datetime as dt
import warnings

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight.calendar import (
    CalendarWarning,
    days,
    period_features,
    period_start,
    spring_festival,
    week_start,
)
from foresight.errors import CalendarError, ConfigError

CC_LAST = max(chinese_calendar.constants.holidays).year  # last year the official schedule covers


def _day(frame: pd.DataFrame, date: str) -> pd.Series:
    return frame.loc[frame["date"] == pd.Timestamp(date)].iloc[0]


# --- spring festival ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2016, "2016-02-08"), (2020, "2020-01-25"), (2024, "2024-02-10"), (2026, "2026-02-17"), (2027, "2027-02-06")],
)
def test_spring_festival_dates(year, expected):
    assert spring_festival(year) == pd.Timestamp(expected)


def test_spring_festival_outside_any_source_raises():
    with pytest.raises(CalendarError, match="2101"):
        spring_festival(2101)


# --- days -----------------------------------------------------------------------------------------


def test_days_columns_and_one_row_per_day():
    d = days("2023-12-30", "2024-01-02")
    assert list(d.columns) == [
        "date", "weekday", "is_workday", "is_holiday", "is_makeup_workday", "holiday", "source",
    ]
    assert d["date"].tolist() == list(pd.date_range("2023-12-30", "2024-01-02"))
    assert d["weekday"].tolist() == [5, 6, 0, 1]


def test_makeup_sundays_2024_spring_festival_are_workdays():
    d = days("2024-02-01", "2024-02-29")
    for date in ("2024-02-04", "2024-02-18"):  # Sundays worked to bridge the festival break
        row = _day(d, date)
        assert row["weekday"] == 6
        assert row["is_workday"] and row["is_makeup_workday"] and not row["is_holiday"]
    brk = d[(d["date"] >= "2024-02-10") & (d["date"] <= "2024-02-17")]
    assert not brk["is_workday"].any()
    assert brk["is_holiday"].all()
    assert (brk["holiday"] == "Spring Festival").all()
    # an ordinary Saturday is neither a workday nor a holiday
    sat = _day(d, "2024-02-24")
    assert not sat["is_workday"] and not sat["is_holiday"] and sat["holiday"] == ""


def test_national_day_2025_golden_week_has_no_workdays():
    d = days("2025-09-27", "2025-10-12")
    gw = d[(d["date"] >= "2025-10-01") & (d["date"] <= "2025-10-08")]
    assert len(gw) == 8 and not gw["is_workday"].any() and gw["is_holiday"].all()
    for date in ("2025-09-28", "2025-10-11"):  # make-up Sunday and Saturday
        assert _day(d, date)["is_makeup_workday"]
    assert _day(d, "2025-10-09")["is_workday"]


def test_workdays_agree_with_chinese_calendar_every_day():
    d = days("2015-01-01", f"{CC_LAST}-12-31")
    expected = [chinese_calendar.is_workday(x) for x in d["date"].dt.date]
    assert d["is_workday"].tolist() == expected
    assert (d["source"] == "chinese_calendar").all()
    # classes are exclusive: make-up days are weekend workdays; holidays are never workdays
    assert not (d["is_holiday"] & d["is_workday"]).any()
    assert (d.loc[d["is_makeup_workday"], "weekday"] >= 5).all()
    assert d.loc[d["is_makeup_workday"], "is_workday"].all()


def test_weekend_inside_holiday_break_counts_as_holiday():
    # 2024 Dragon Boat: "6月8日至10日放假, 共3天" (Sat-Mon)
    d = days("2024-06-08", "2024-06-10")
    assert d["is_holiday"].all()
    assert (d["holiday"] == "Dragon Boat Festival").all()


def test_years_past_coverage_warn_and_still_return_holidays():
    year = CC_LAST + 1
    with pytest.warns(CalendarWarning, match=str(year)):
        d = days(f"{year}-01-01", f"{year}-12-31")
    assert len(d) == (366 if pd.Timestamp(f"{year}-12-31").is_leap_year else 365)
    assert d["source"].str.contains("estimated").all()
    assert _day(d, f"{year}-01-01")["is_holiday"]
    assert _day(d, f"{year}-10-01")["holiday"] == "National Day"
    sf = _day(d, spring_festival(year).strftime("%Y-%m-%d"))
    assert sf["is_holiday"] and sf["holiday"] == "Spring Festival"
    assert d["is_holiday"].sum() >= 11  # at least the statutory days


def test_covered_years_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        days(f"{CC_LAST}-01-01", f"{CC_LAST}-12-31")


def test_estimated_years_match_official_schedule_where_holidays_knows_it():
    # the rule-based path, run on a covered year, reproduces the official day classes
    from foresight.calendar import _days as cal

    for year in (2019, 2024, 2025):
        official, estimated = cal._year_cc(year), cal._year_cn_estimated(year)
        for col in ("is_workday", "is_holiday", "is_makeup_workday"):
            assert official[col].tolist() == estimated[col].tolist(), (year, col)


def test_year_no_source_covers_raises_calendar_error():
    with pytest.raises(CalendarError, match="2101.*chinesecalendar"):
        days("2101-01-01", "2101-01-31")


def test_us_independence_day():
    d = days("2024-07-01", "2024-07-07", country="US", subdiv="NY")
    jul4 = _day(d, "2024-07-04")
    assert jul4["is_holiday"] and not jul4["is_workday"] and jul4["holiday"] == "Independence Day"
    assert d["is_workday"].sum() == 4  # Mon-Fri less July 4
    assert not d["is_makeup_workday"].any()


def test_bad_arguments():
    with pytest.raises(ConfigError, match="before start"):
        days("2024-02-01", "2024-01-01")
    with pytest.raises(ConfigError, match="country"):
        days("2024-01-01", "2024-01-02", country="XX")


# --- period_start ---------------------------------------------------------------------------------


def test_period_start_week_and_month():
    dates = pd.Series(
        [pd.Timestamp("2024-02-04"), pd.Timestamp("2024-02-05"), pd.Timestamp("2024-02-11 23:59"), pd.NaT],
        index=[5, 6, 7, 8],
    )
    w = period_start(dates, "W")
    assert w.index.tolist() == [5, 6, 7, 8]
    assert w.iloc[:3].tolist() == [pd.Timestamp("2024-01-29"), pd.Timestamp("2024-02-05"), pd.Timestamp("2024-02-05")]
    assert pd.isna(w.iloc[3])
    m = period_start(pd.DatetimeIndex(["2024-02-29", "2024-03-01"]), "M")
    assert list(m) == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    assert period_start("2024-02-10", "W") == pd.Timestamp("2024-02-05")
    assert week_start(pd.Timestamp("2024-02-12")) == pd.Timestamp("2024-02-12")
    with pytest.raises(ConfigError, match="freq"):
        period_start(dates, "Q")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)), min_size=1, max_size=30))
def test_period_start_is_the_monday_or_month_start_on_or_before(dates):
    idx = pd.DatetimeIndex(dates)
    w = period_start(idx, "W")
    assert (w.day_of_week == 0).all()
    assert ((idx - w) >= pd.Timedelta(0)).all() and ((idx - w) < pd.Timedelta(days=7)).all()
    m = period_start(idx, "M")
    assert (m.day == 1).all() and (m.month == idx.month).all() and (m.year == idx.year).all()


# --- period_features ------------------------------------------------------------------------------


def test_week_with_makeup_day_has_six_workdays():
    f = period_features(["2024-01-29", "2024-02-26"])  # Sun 2024-02-04 worked; an ordinary week
    assert f["workdays"].tolist() == [6, 5]
    assert f["makeup_days"].tolist() == [1, 0]
    assert f["weekend_days"].tolist() == [1, 2]


def test_sf_offset_around_the_festival():
    for year in (2024, 2026):  # Saturday and Tuesday festivals
        sf_week = period_start(spring_festival(year), "W")
        ds = [sf_week + pd.Timedelta(weeks=k) for k in (-3, -1, 0, 1, 4)]
        assert period_features(ds)["sf_offset"].tolist() == [-3, -1, 0, 1, 4]
    months = period_features(["2025-12-01", "2026-02-01", "2026-03-01"], freq="M")
    assert months["sf_offset"].tolist() == [-2, 0, 1]


def test_sf_offset_takes_the_nearest_festival():
    ds = pd.date_range("2018-01-01", "2025-12-29", freq="W-MON")
    f = period_features(ds)
    # offsets count from the nearest festival, so they never exceed half a year
    assert f["sf_offset"].abs().max() <= 27
    assert (f["sf_offset"] == 0).sum() == 8  # one festival week a year


def test_day_counts_add_up_and_festival_days_match_daily_calendar():
    ds = pd.date_range("2016-01-04", f"{CC_LAST}-12-24", freq="W-MON")  # last week inside CC_LAST
    f = period_features(ds)
    assert (f["days"] == 7).all()
    assert (f["days"] == f["workdays"] + f["holidays"] + f["weekend_days"]).all()
    assert (f["makeup_days"] <= f["workdays"]).all()
    d = days(ds[0], ds[-1] + pd.Timedelta(days=6))
    assert f["holidays"].sum() == d["is_holiday"].sum()
    assert f["makeup_days"].sum() == d["is_makeup_workday"].sum()
    by_year = f.groupby(f["ds"].dt.year)
    assert (by_year["spring_festival_days"].sum().loc[2017:CC_LAST] >= 7).all()
    assert (by_year["golden_week"].sum().loc[2016:CC_LAST] >= 7).all()


def test_golden_week_2025_counts_the_whole_break():
    f = period_features(["2025-09-22", "2025-09-29", "2025-10-06"])
    assert f["golden_week"].tolist() == [0, 5, 3]  # Oct 1-8, with Mid-autumn on Oct 6
    assert f["workdays"].tolist()[1] == 2
    # asked alone, a week whose only break day is named Mid-autumn (Sun 2012-09-30, first day of the
    # 2012-09-30..10-07 National Day break) still counts it
    assert period_features(["2012-09-24"])["golden_week"].item() == 1
    assert period_features(["2026-10-05"])["golden_week"].item() == 3  # Oct 1-7 2026, Thu-Wed


def test_monthly_days_are_month_lengths():
    ds = pd.date_range("2024-01-01", "2024-12-01", freq="MS")
    f = period_features(ds, freq="M")
    assert f["days"].tolist() == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert f.loc[1, "spring_festival_days"] == 8
    assert f.loc[9, "golden_week"] == 7


def test_order_and_duplicates_are_kept():
    ds = ["2024-02-12", "2024-01-29", "2024-02-12"]
    f = period_features(ds)
    assert f["ds"].tolist() == [pd.Timestamp(x) for x in ds]
    assert f.iloc[0].equals(f.iloc[2])


def test_non_period_starts_are_rejected():
    with pytest.raises(ConfigError, match="2024-02-06.*period_start"):
        period_features(["2024-02-05", "2024-02-06"])
    with pytest.raises(ConfigError, match="first days of a month"):
        period_features(["2024-02-05"], freq="M")


def test_other_countries_have_zero_festival_columns():
    f = period_features(pd.date_range("2024-07-01", periods=3, freq="W-MON"), country="US", subdiv="NY")
    assert list(f.columns) == [
        "ds", "days", "workdays", "holidays", "makeup_days", "weekend_days",
        "sf_offset", "golden_week", "spring_festival_days",
    ]
    assert (f[["sf_offset", "golden_week", "spring_festival_days"]] == 0).all().all()
    assert f["holidays"].tolist() == [1, 0, 0]  # July 4
    assert f["workdays"].tolist() == [4, 5, 5]


def test_period_features_warn_past_coverage():
    ds = pd.date_range(f"{CC_LAST + 1}-01-04", periods=60, freq="W-MON")
    with pytest.warns(CalendarWarning):
        f = period_features(ds[ds.day_of_week == 0])
    assert (f["sf_offset"] == 0).sum() >= 1
    assert f["spring_festival_days"].sum() >= 3


def test_empty_ds():
    f = period_features([])
    assert f.empty and "sf_offset" in f.columns
    assert np.issubdtype(f["ds"].dtype, np.datetime64)


def test_calendar_warning_once_per_process_but_always_when_asked():
    from foresight.calendar import _days as cal

    cal._WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        days("2031-01-01", "2031-01-02")
        days("2031-02-01", "2031-02-02")  # another line: Python's own registry would warn again
    assert len([w for w in caught if issubclass(w.category, CalendarWarning)]) == 1
    with pytest.warns(CalendarWarning, match="2031"):  # pytest.warns ("always") still sees it
        days("2031-03-01", "2031-03-02")
