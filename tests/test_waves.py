"""Tests of seasonal wave detection ``foresight.warning.waves`` and its plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from _support import NYC_CASES

from foresight.errors import ConfigError, DataError
from foresight.warning import period_label, plot_seasons, plot_wave_calendar, seasonal_profile, waves

START, END = "2019-01-07", "2024-12-30"  # six complete years of Mondays


def _weeks(start=START, end=END) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="W-MON")


def _woy(ds: pd.DatetimeIndex) -> np.ndarray:
    """1-based week of the year as the library counts it (day of year // 7, 53rd folded into 52)."""
    return np.minimum((ds.day_of_year - 1) // 7, 51) + 1


def _raised_cosine(wk: np.ndarray, onset: int, peak: int, end: int) -> np.ndarray:
    """0 outside [onset, end], rising to 1 at peak (like the sample district generator's waves)."""
    up = (wk >= onset) & (wk < peak)
    dn = (wk >= peak) & (wk <= end)
    out = np.zeros(len(wk))
    out[up] = 0.5 * (1 - np.cos(np.pi * (wk[up] - onset) / (peak - onset)))
    out[dn] = 0.5 * (1 + np.cos(np.pi * (wk[dn] - peak) / (end - peak)))
    return out


def _nb(rng, mu, phi=1.5):
    size = mu / (phi - 1)
    return rng.negative_binomial(size, size / (size + mu))


def _series(area, category, ds, y):
    return pd.DataFrame({"area": area, "category": category, "ds": ds, "y": np.asarray(y, dtype="int64")})


@pytest.fixture(scope="module")
def school_panel() -> pd.DataFrame:
    """A March-September enrolment wave (weeks 10-39, peak 24) over a base of 6 a week, and a flat series."""
    rng = np.random.default_rng(42)
    ds = _weeks()
    wk = _woy(ds)
    wave = 6 * (1 + 4 * _raised_cosine(wk, 10, 24, 39))
    flat = np.full(len(ds), 8.0)
    return pd.concat([_series("T01", "school", ds, _nb(rng, wave)),
                      _series("T01", "roads", ds, _nb(rng, flat))], ignore_index=True)


def test_planted_march_september_wave_found_with_onset_peak_end_and_recurrence(school_panel):
    w = waves(school_panel)
    assert w["category"].tolist() == ["school"], "exactly one wave, in the wave series only"
    row = w.iloc[0]
    assert 8 <= row.onset <= 13  # planted onset week 10 (early March)
    assert 21 <= row.peak <= 27  # planted peak week 24
    assert 36 <= row.end <= 41  # planted end week 39 (late September)
    assert row.years == 6 and row.recurred == 6 and row.confidence == 1.0
    assert 3.0 <= row.height <= 7.0  # planted peak/base = 5
    assert row.peak_low <= row.peak_high
    assert row.base == pytest.approx(6, rel=0.35)


def test_recurrence_counts_the_years_the_wave_came():
    rng = np.random.default_rng(3)
    ds = _weeks()
    wk = _woy(ds)
    shape = _raised_cosine(wk, 10, 24, 39)
    on = np.isin(ds.year, [2019, 2020, 2022, 2024])  # no wave in 2021 and 2023
    y = _nb(rng, 6 * (1 + 4 * shape * on))
    w = waves(_series("A", "school", ds, y))
    assert len(w) == 1
    assert (w.iloc[0].years, w.iloc[0].recurred) == (6, 4)
    assert w.iloc[0].confidence == pytest.approx(4 / 6)


def test_wave_across_the_new_year_has_onset_after_end():
    rng = np.random.default_rng(5)
    ds = _weeks()
    wk = _woy(ds)
    winter = (wk >= 45) | (wk <= 8)
    w = waves(_series("A", "heat", ds, _nb(rng, np.where(winter, 20.0, 3.0))))
    assert len(w) == 1
    assert w.iloc[0].onset > w.iloc[0].end
    assert 42 <= w.iloc[0].onset <= 47 and 6 <= w.iloc[0].end <= 11


def test_growth_one_off_bursts_and_noise_are_not_waves():
    rng = np.random.default_rng(11)
    ds = _weeks()
    t = np.arange(len(ds)) / 52
    growing = _nb(rng, 5 * 1.35 ** t)  # strong growth, no season
    burst = _nb(rng, np.full(len(ds), 6.0))
    burst[(ds.year == 2021) & (_woy(ds) >= 20) & (_woy(ds) <= 25)] += 40  # one year only
    sparse = rng.poisson(0.15, len(ds))  # a handful of cases a year
    panel = pd.concat([_series("A", "grow", ds, growing), _series("A", "burst", ds, burst),
                       _series("A", "sparse", ds, sparse)], ignore_index=True)
    assert waves(panel).empty


def test_as_of_ignores_later_periods_and_partial_years_are_not_counted(school_panel):
    w = waves(school_panel, as_of="2022-07-04")
    # 2019, 2020, 2021 complete; 2022 is half a year and does not count
    assert w.iloc[0].years == 3


def test_monthly_panel():
    rng = np.random.default_rng(8)
    ds = pd.date_range("2018-01-01", "2023-12-01", freq="MS")
    y = _nb(rng, np.where(ds.month.isin([6, 7, 8]), 120.0, 30.0))
    w = waves(_series("A", "flood", ds, y), freq="M")
    assert len(w) == 1 and (w.iloc[0].onset, w.iloc[0].end) == (6, 8)
    assert w.attrs["freq"] == "M"


def test_errors_say_what_is_wrong(school_panel):
    with pytest.raises(DataError, match="lacks column"):
        waves(school_panel.drop(columns="y"))
    with pytest.raises(DataError, match="Monday"):
        waves(school_panel.assign(ds=school_panel["ds"] + pd.Timedelta(days=1)))
    with pytest.raises(ConfigError):
        waves(school_panel, min_height=0.9)
    with pytest.raises(ConfigError):
        waves(school_panel, freq="D")


def test_seasonal_profile_has_mean_one_and_peaks_in_the_wave(school_panel):
    prof = seasonal_profile(school_panel)
    school = prof[prof.category == "school"]
    assert len(school) == 52
    assert school["ratio"].mean() == pytest.approx(1.0)
    assert 20 <= school.loc[school["ratio"].idxmax(), "period"] <= 28


def test_period_label():
    assert period_label(1) == "week 1 (early Jan)"
    assert period_label(52) == "week 52 (late Dec)"
    assert period_label(3, "M", language="zh") == "3月"


def test_plots_return_figures_and_draw_on_a_given_axis(school_panel):
    from matplotlib.figure import Figure

    fig = plot_wave_calendar(school_panel, category="school")
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == 1  # the wave outlined
    own = Figure()
    ax = own.add_subplot()
    assert plot_seasons(school_panel, area="T01", category="school", ax=ax) is own
    assert len(ax.get_lines()) == 6 + 1  # six years and the typical year
    with pytest.raises(DataError):
        plot_wave_calendar(school_panel, category="nope")


@pytest.fixture(scope="module")
def nyc_panel() -> pd.DataFrame:
    from foresight.panel import to_panel

    d = pd.read_csv(NYC_CASES, usecols=["account", "opendate", "complaint_type", "descriptor"])
    category = d["complaint_type"].where(d["descriptor"] != "Heat/Hot Water", "Heat/Hot Water")
    cases = pd.DataFrame({"received": pd.to_datetime(d["opendate"]), "area": d["account"],
                          "category": category})
    return to_panel(cases, as_of="2020-01-06")  # 2015-2019, before COVID-19


@pytest.mark.requires_nyc
def test_nyc_winter_heat_and_summer_parks_waves(nyc_panel):
    city = nyc_panel.groupby(["category", "ds"], as_index=False)["y"].sum().assign(area="NYC")
    w = waves(city).set_index("category")
    heat = w.loc["Heat/Hot Water"]
    assert heat.onset > heat.end, "the heat season crosses the new year"
    assert heat.peak >= 48 or heat.peak <= 8
    assert heat.recurred == heat.years == 5
    parks = w.loc[["Parks"]].sort_values("excess").iloc[-1]
    assert 22 <= parks.peak <= 36 and parks.onset >= 10 and parks.end <= 46
    by_area = waves(nyc_panel)
    heat_areas = by_area[by_area.category == "Heat/Hot Water"]
    parks_areas = by_area[by_area.category == "Parks"]
    assert len(heat_areas) >= 5 and len(parks_areas) >= 10
    assert ((heat_areas.peak >= 45) | (heat_areas.peak <= 10)).all()
    assert parks_areas.peak.between(18, 40).all()


def test_array_helpers_equal_the_numpy_reference_operations():
    # the seasons' per-cell sums, circular smoothing and medians over years are array operations;
    # they must give numpy.add.at's, numpy.roll's and numpy.nanmedian's results exactly
    from foresight.warning._seasons import _nanmedian, _per_cell, _smooth

    rng = np.random.default_rng(3)
    values = rng.poisson(4.0, (50, 300)).astype(float)
    cell = np.sort(rng.integers(0, 280, 300))  # repeated cells (a 53rd week) and empty ones
    ref = np.zeros((50, 290))
    np.add.at(ref.T, cell, values.T)
    assert (cell[1:] == cell[:-1]).any() and np.array_equal(_per_cell(values, cell, 290), ref)

    prof = rng.gamma(2.0, 0.5, (40, 6, 52))
    for width in (3, 5):
        h = width // 2
        wts = [h + 1 - abs(k) for k in range(-h, h + 1)]
        rolled = sum(w * np.roll(prof, k, axis=-1) for k, w in zip(range(-h, h + 1), wts)) / sum(wts)
        np.testing.assert_allclose(_smooth(prof, width), rolled, rtol=1e-14)

    rel = np.where(rng.random((40, 6, 52)) < 0.3, np.nan, prof)
    rel[0, :, :] = np.nan  # a series without a single usable year
    rel[1, :4, :] = np.nan  # two years: the median is the mean of two
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmedian(rel, axis=1)
    np.testing.assert_array_equal(_nanmedian(rel, axis=1), expected)


def test_profile_in_blocks_of_series_equals_the_whole_matrix(monkeypatch):
    """The seasonal profile and the per-year off-season rates are computed a block of series at a time
    (memory); block edges change nothing."""
    from foresight.warning import _seasons

    rng = np.random.default_rng(7)
    ds = _weeks()
    wk = _woy(ds)
    parts = []
    for i in range(23):  # waves of different timing, flat series, sparse ones and a late starter
        onset = 5 + 2 * i % 40
        mu = (0.3 + i % 5) * (1 + 3 * _raised_cosine(wk, onset, onset + 6, onset + 14) * (i % 3 > 0))
        y = _nb(rng, mu)
        if i == 11:
            y[:150] = 0
        parts.append(_series(f"A{i:02d}", "c", ds, y))
    panel = pd.concat(parts, ignore_index=True)
    panel = panel[rng.random(len(panel)) > 0.03]  # gaps
    whole = waves(panel)
    monkeypatch.setattr(_seasons, "BLOCK", 5)  # blocks of 5, 5, 5, 5, 3 series
    blocked = waves(panel)
    assert len(whole) > 5
    pd.testing.assert_frame_equal(blocked, whole, check_exact=True)


def test_a_shared_series_matrix_gives_the_same_waves_and_a_wrong_one_is_refused(school_panel):
    from foresight.matrix import to_matrix

    cut = pd.Timestamp("2022-07-04")
    shared = to_matrix(school_panel, "W", before=cut, gaps="missing")
    pd.testing.assert_frame_equal(waves(school_panel, as_of=cut, matrix=shared), waves(school_panel, as_of=cut))
    with pytest.raises(DataError, match="gaps"):
        waves(school_panel, as_of=cut, matrix=to_matrix(school_panel, "W", before=cut))
    with pytest.raises(DataError, match="another panel"):
        waves(school_panel.assign(y=school_panel["y"] + 1), as_of=cut, matrix=shared)
