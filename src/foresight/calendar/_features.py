"""Periods: calendar features of each week or month (day counts, Spring Festival position, golden weeks)."""

from __future__ import annotations

from typing import Any

import holidays as _holidays
import numpy as np
import pandas as pd

from foresight import periods
from foresight.calendar._days import _check_country, _days, spring_festival
from foresight.errors import ConfigError

__all__ = ["PERIOD_COLUMNS", "period_features"]

PERIOD_COLUMNS = [
    "ds",
    "days",
    "workdays",
    "holidays",
    "makeup_days",
    "weekend_days",
    "sf_offset",
    "golden_week",
    "spring_festival_days",
]


def period_features(ds: Any, *, freq: str = "W", country: str = "CN", subdiv: str | None = None) -> pd.DataFrame:
    """Calendar features of each period starting at ``ds``: day counts and festival position.

    Parameters
    ----------
    ds : sequence of date-like, Series or DatetimeIndex
        Period starts: Mondays for ``freq="W"``, firsts of the month for ``freq="M"``. Order and
        duplicates are kept.
    freq : {"W", "M"}
        Period length.
    country, subdiv : str
        As in :func:`days`.

    Returns
    -------
    pandas.DataFrame
        One row per ``ds``: ``ds``; day counts ``days``, ``workdays``, ``holidays``, ``makeup_days``
        (working weekend days, 调休) and ``weekend_days`` (ordinary weekend rest days), with
        ``days = workdays + holidays + weekend_days``; ``sf_offset``, periods from the period holding
        the nearest Spring Festival day (negative before, 0 in it, positive after; a tie goes to the
        coming festival); ``golden_week`` and ``spring_festival_days``, the days of the National Day
        and Spring Festival holiday breaks inside the period (a break that also holds another
        holiday, like National Day with Mid-autumn in 2025, counts whole). The three festival columns
        are 0 for countries other than China.

    Raises
    ------
    ConfigError
        If a ``ds`` is not a period start, is missing, or ``freq`` is unknown.
    CalendarError
        As in :func:`days`.

    Warns
    -----
    CalendarWarning
        As in :func:`days`.

    Examples
    --------
    >>> f = period_features(["2024-01-29", "2024-02-05", "2024-02-12"])  # festival: Sat 2024-02-10
    >>> f[["workdays", "holidays", "makeup_days", "sf_offset", "spring_festival_days"]].to_numpy().tolist()
    [[6, 0, 1, -1, 0], [5, 2, 0, 0, 2], [1, 6, 1, 1, 6]]
    """
    f = periods.normalize_freq(freq)
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(ds) if not isinstance(ds, pd.Index) else ds))
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    if idx.hasnans:
        raise ConfigError("period_features: ds holds missing dates; drop them first")
    starts = periods.period_start(idx, f)
    bad = idx[idx != starts]
    if len(bad):
        what = "Mondays" if f == "W" else "first days of a month"
        raise ConfigError(
            f"period_features: ds must be period starts ({what}) for freq={f!r}, but "
            f"{bad[0].date()} is not; label periods with foresight.calendar.period_start(dates, {f!r})"
        )
    if len(idx) == 0:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "ds" else "int64") for c in PERIOD_COLUMNS})
    uniq = pd.DatetimeIndex(np.unique(idx.values))
    last = periods.shift(uniq.max(), 1, f) - pd.Timedelta(days=1)  # the last day of the last period
    c = _check_country(country)
    # a fortnight's margin (inside the same years) so a break cut by the first or last period is whole
    lo = max(uniq.min() - pd.Timedelta(days=14), pd.Timestamp(year=uniq.min().year, month=1, day=1))
    hi = min(last + pd.Timedelta(days=14), pd.Timestamp(year=last.year, month=12, day=31))
    dd = _days(lo, hi, c, subdiv, 3)
    if c == "CN":
        rest = ~dd["is_workday"].to_numpy()
        run = np.cumsum(np.r_[True, rest[1:] != rest[:-1]])
        hol = dd["holiday"].fillna("").to_numpy()
        runs = pd.DataFrame({"run": run, "nd": hol == "National Day", "sf": hol == "Spring Festival"})
        has = runs.groupby("run")[["nd", "sf"]].transform("any")
        is_hol = dd["is_holiday"].to_numpy()
        golden = (has["nd"].to_numpy() & is_hol).astype("int64")
        sf_days = (has["sf"].to_numpy() & is_hol).astype("int64")
    else:
        golden = sf_days = np.zeros(len(dd), dtype="int64")
    dd = dd.assign(
        ds=periods.period_start(pd.DatetimeIndex(dd["date"]), f), golden_week=golden, spring_festival_days=sf_days
    )
    dd = dd[dd["ds"].isin(uniq)]
    wk = dd["weekday"] >= 5
    agg = pd.DataFrame(
        {
            "ds": dd["ds"],
            "days": 1,
            "workdays": dd["is_workday"].astype("int64"),
            "holidays": dd["is_holiday"].astype("int64"),
            "makeup_days": dd["is_makeup_workday"].astype("int64"),
            "weekend_days": (wk & ~dd["is_workday"] & ~dd["is_holiday"]).astype("int64"),
            "golden_week": dd["golden_week"],
            "spring_festival_days": dd["spring_festival_days"],
        }
    )
    per = agg.groupby("ds").sum()
    per["sf_offset"] = _sf_offset(uniq, f) if c == "CN" else 0
    out = per.reindex(idx)[PERIOD_COLUMNS[1:]].astype("int64")
    out.insert(0, "ds", idx.values)
    return out.reset_index(drop=True)


def _sf_offset(starts: pd.DatetimeIndex, f: str) -> np.ndarray:
    years = starts.year.to_numpy()
    ys = np.arange(years.min() - 1, years.max() + 2)
    ys = ys[(ys >= _holidays.China.start_year) & (ys <= _holidays.China.end_year)]
    sf = pd.DatetimeIndex([spring_festival(int(y)) for y in ys])
    sf_start = periods.period_start(sf, f)
    # periods since a common Monday (any fixed period start works: only differences are used)
    diff = (periods.period_index(starts, "1970-01-05", f)[:, None]
            - periods.period_index(sf_start, "1970-01-05", f)[None, :])
    # nearest festival; on a tie prefer the coming one (negative offset): key |d| then d
    key = np.abs(diff) * 2 + (diff > 0)
    return diff[np.arange(len(starts)), key.argmin(axis=1)].astype("int64")
