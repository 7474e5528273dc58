"""The seasonal outlook: every recurring wave of the coming year, its size and the preparation lead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _support import SAMPLES

import foresight as fs
from foresight.errors import ConfigError
from foresight.periods import period_of_year
from foresight.warning.outlook import OUTLOOK_COLUMNS, seasonal_outlook


def _school(years=("2021-01-04", "2024-11-18"), seed=0, low=4, high=40, weeks=(9, 14)):
    ds = pd.date_range(*years, freq="W-MON")
    wk = period_of_year(ds, "W") + 1
    lam = np.where((wk >= weeks[0]) & (wk <= weeks[1]), high, low)
    return pd.DataFrame({"area": "T1", "category": "school", "ds": ds,
                         "y": np.random.default_rng(seed).poisson(lam)})


def _monday_of_week(year: int, week: int) -> pd.Timestamp:
    """The Monday in week ``week`` of ``year`` (week k = days 7(k-1)+1 .. 7k of the year)."""
    d0 = pd.Timestamp(year=year, month=1, day=1) + pd.Timedelta(days=7 * (week - 1))
    return d0 + pd.Timedelta(days=(7 - d0.day_of_week) % 7)


def test_wave_months_ahead_with_lead_against_prep_weeks():
    panel = _school()
    cats = pd.DataFrame({"code": ["school"], "name_zh": ["入学学位"], "theme": ["入学宣讲"],
                         "department": ["教育局"], "prep_weeks": [8]})
    as_of = pd.Timestamp("2024-11-25")
    wave = fs.waves(panel[panel["ds"] < as_of]).iloc[0]
    out = seasonal_outlook(panel, as_of, categories=cats)
    assert list(out.columns) == OUTLOOK_COLUMNS and len(out) == 1
    r = out.iloc[0]
    assert r["start"] == _monday_of_week(2025, wave["onset"]) and r["start"] <= pd.Timestamp("2025-02-24")
    assert r["end"] == r["start"] + pd.Timedelta(weeks=wave["periods"] - 1)
    assert r["weeks_to_start"] == (r["start"] - as_of).days // 7 > 8
    assert r["prep_weeks"] == 8 and r["weeks_left"] == r["weeks_to_start"] - 8 and not r["act_now"]
    assert r["prepare_by"] == r["start"] - pd.Timedelta(weeks=8)
    assert (r["theme"], r["department"]) == ("入学宣讲", "教育局")
    # six weeks at 40 and the flanks at 4 a week: about 260 cases, inside the interval
    assert r["lower"] <= r["expected"] <= r["upper"]
    assert 200 < r["expected"] < 320 and r["baseline"] < r["expected"] / 3
    season = panel[(panel["ds"] >= r["last_start"])
                   & (panel["ds"] < r["last_start"] + pd.Timedelta(weeks=wave["periods"]))]
    assert r["last_start"].year == 2024 and r["last_cases"] == season["y"].sum()


def test_act_now_when_the_wave_is_closer_than_the_preparation_time_and_default_prep():
    panel = _school()
    r = seasonal_outlook(panel, "2025-01-13", default_prep_weeks=6).iloc[0]
    assert r["weeks_to_start"] < 6 and r["prep_weeks"] == 6 and r["act_now"]
    assert r["weeks_left"] == r["weeks_to_start"] - 6 < 0


def test_weeks_ahead_limits_the_outlook_and_as_of_cuts_the_history():
    panel = _school()
    lead = seasonal_outlook(panel, "2024-11-25")["weeks_to_start"].iloc[0]
    assert seasonal_outlook(panel, "2024-11-25", weeks_ahead=lead).empty
    assert len(seasonal_outlook(panel, "2024-11-25", weeks_ahead=lead + 1)) == 1
    # at the start of 2024, that year's wave is ahead and the 2023 season is the last one seen
    early = seasonal_outlook(panel, "2024-01-01").iloc[0]
    assert early["start"].year == 2024 and early["last_start"].year == 2023


def test_growing_series_is_sized_at_the_current_level():
    small = _school(years=("2021-01-04", "2023-12-25"), high=20, low=2)
    big = _school(years=("2024-01-01", "2024-11-18"), high=40, low=4, seed=1)
    out = seasonal_outlook(pd.concat([small, big], ignore_index=True), "2024-11-25")
    assert out["expected"].iloc[0] > 180  # this year's size, not the average of the small years


def test_errors_name_the_fix():
    panel = _school()
    with pytest.raises(ConfigError, match="not a Monday"):
        seasonal_outlook(panel, "2024-11-27")
    with pytest.raises(ConfigError, match="weeks_ahead"):
        seasonal_outlook(panel, "2024-11-25", weeks_ahead=0)


@pytest.mark.slow
def test_sample_district_march_enrolment_wave_shows_in_late_november():
    cases = fs.read_cases(sorted((SAMPLES / "exports").iterdir()), mapping=SAMPLES / "mapping.toml",
                          areas=SAMPLES / "areas.csv", categories=SAMPLES / "categories.csv").cases
    panel = fs.to_panel(cases, freq="W", level="town", areas=SAMPLES / "areas.csv")
    out = fs.seasonal_outlook(panel, "2026-11-23", categories=SAMPLES / "categories.csv")
    school = out[out["category"] == "school_enrolment"]
    assert len(school) >= 5
    assert school["start"].min().month == 3 and school["start"].min().year == 2027
    assert (school["prep_weeks"] == 8).all() and (school["weeks_to_start"] > 8).all()
    # sized like last year's season
    ratio = school["expected"] / school["last_cases"]
    assert ratio.between(0.6, 1.6).mean() >= 0.8


def test_prep_weeks_read_from_an_integer_column_and_missing_values_take_the_default():
    cats = pd.DataFrame({"code": ["school", "wage"], "name_zh": ["入学学位", "欠薪"],
                         "prep_weeks": pd.array([8, None], dtype="Int64")})
    assert fs.load_categories(cats).table["prep_weeks"].tolist() == ["8", "", ""]  # + other
    out = seasonal_outlook(_school(), "2024-11-25", categories=cats, default_prep_weeks=3)
    assert out["prep_weeks"].tolist() == [8.0]
    wage = _school().assign(category="wage")
    out = seasonal_outlook(wage, "2024-11-25", categories=cats, default_prep_weeks=3)
    assert out["prep_weeks"].tolist() == [3.0]
