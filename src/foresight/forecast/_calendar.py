"""Calendar regressors per period for the count models (holidays, make-up days, Spring Festival, windows).

The features are counts of days inside each period, so a weekly and a monthly model read them the same
way. China's official calendar (holidays and make-up working days 调休) comes from ``chinesecalendar``
where it covers the year and from ``holidays`` otherwise; other countries come from ``holidays``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from foresight.errors import ConfigError

__all__ = ["CALENDAR_FEATURES", "WINDOW_FEATURES", "calendar_design", "default_windows"]

#: Calendar regressors (counts of days in the period).
CALENDAR_FEATURES = ("holiday", "makeup", "spring_festival", "golden_week", "year_end")
#: Known windows (share of the period's days inside the window).
WINDOW_FEATURES = ("wage", "enrolment")


def default_windows(country: str) -> tuple[str, ...]:
    """The known windows used by default: the wage and enrolment windows in China, none elsewhere."""
    return WINDOW_FEATURES if country.upper() == "CN" else ()


@lru_cache(maxsize=256)
def _lunar_new_year(year: int) -> pd.Timestamp:
    import holidays

    for day, name in sorted(holidays.China(years=year).items()):
        if "Spring Festival" in name:
            return pd.Timestamp(day)
    raise ConfigError(f"no Spring Festival date known for {year}")  # pragma: no cover


def _cn_days(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Per day: official day off on a weekday, make-up working day, Spring Festival / National Day off."""
    import chinese_calendar as cc
    import holidays

    off = np.zeros(len(dates), bool)
    makeup = np.zeros(len(dates), bool)
    sf = np.zeros(len(dates), bool)
    gw = np.zeros(len(dates), bool)
    fallback = holidays.China(years=sorted(set(dates.year)))
    for i, d in enumerate(dates.date):
        try:
            is_hol, name = cc.get_holiday_detail(d)
            weekend = d.weekday() >= 5
            off[i] = is_hol and name is not None
            makeup[i] = weekend and not is_hol
        except NotImplementedError:
            name = fallback.get(d)
            off[i] = name is not None
        label = str(name or "")
        sf[i] = off[i] and "Spring Festival" in label
        gw[i] = off[i] and "National Day" in label
    return pd.DataFrame({"off": off, "makeup": makeup, "sf": sf, "gw": gw}, index=dates)


def _other_days(dates: pd.DatetimeIndex, country: str, subdiv: str | None) -> pd.DataFrame:
    import holidays

    try:
        cal = holidays.country_holidays(country, subdiv=subdiv, years=sorted(set(dates.year)))
    except (NotImplementedError, KeyError) as exc:
        raise ConfigError(
            f"no holiday calendar for country={country!r} subdiv={subdiv!r}: use an ISO code such as "
            "'CN', or 'US' with subdiv='NY'"
        ) from exc
    off = np.fromiter((d in cal for d in dates.date), bool, len(dates))
    z = np.zeros(len(dates), bool)
    return pd.DataFrame({"off": off, "makeup": z, "sf": z, "gw": z}, index=dates)


def calendar_design(
    starts: pd.DatetimeIndex,
    freq: str,
    *,
    country: str = "CN",
    subdiv: str | None = None,
    windows: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Calendar regressors for the periods starting at ``starts`` (one row per period).

    Parameters
    ----------
    starts : DatetimeIndex
        Period starts, consecutive (Mondays for ``freq="W"``, month starts for ``freq="M"``).
    freq : {"W", "M"}
        Period length.
    country, subdiv : str
        Holiday calendar (``"CN"``; ``"US"`` with ``subdiv="NY"`` for New York).
    windows : tuple of str
        Known windows to add, from :data:`WINDOW_FEATURES`.

    Returns
    -------
    DataFrame
        Index ``starts``; columns :data:`CALENDAR_FEATURES` then the windows, in days per period
        (windows as the share of the period's days).

    Raises
    ------
    ConfigError
        Unknown country or window.

    Examples
    --------
    >>> idx = pd.date_range("2024-02-05", periods=3, freq="W-MON")
    >>> calendar_design(idx, "W", country="CN")["spring_festival"].tolist()
    [2.0, 6.0, 0.0]
    """
    unknown = set(windows) - set(WINDOW_FEATURES)
    if unknown:
        raise ConfigError(f"unknown window(s) {sorted(unknown)}: choose from {list(WINDOW_FEATURES)}")
    starts = pd.DatetimeIndex(starts)
    end = starts[-1] + (pd.offsets.MonthBegin(1) if freq == "M" else pd.Timedelta(days=7))
    dates = pd.date_range(starts[0], end - pd.Timedelta(days=1), freq="D")
    if country.upper() == "CN":
        flags = _cn_days(dates)
    else:
        flags = _other_days(dates, country, subdiv)
    weekday = dates.weekday < 5
    day = pd.DataFrame(index=dates)
    day["spring_festival"] = flags["sf"].to_numpy() * 1.0
    day["golden_week"] = flags["gw"].to_numpy() * 1.0
    day["holiday"] = (flags["off"].to_numpy() & weekday & ~flags["sf"].to_numpy() & ~flags["gw"].to_numpy()) * 1.0
    day["makeup"] = flags["makeup"].to_numpy() * 1.0
    day["year_end"] = ((dates.month == 12) & (dates.day >= 24) & weekday) * 1.0
    if "wage" in windows:
        lny = np.array([_lunar_new_year(y).value for y in range(dates.year.min(), dates.year.max() + 2)])
        nxt = lny[np.searchsorted(lny, dates.asi8, side="right")]
        day["wage"] = ((nxt - dates.asi8) <= 28 * 86400 * 10**9) * 1.0
    if "enrolment" in windows:
        day["enrolment"] = ((dates.month >= 3) & (dates.month <= 9)) * 1.0
    key = np.searchsorted(starts.asi8, dates.asi8, side="right") - 1
    out = day.groupby(key).sum()
    for w in windows:
        out[w] = out[w] / day.groupby(key).size()
    out.index = starts[out.index]
    return out.reindex(starts, fill_value=0.0)[list(CALENDAR_FEATURES) + list(windows)]
