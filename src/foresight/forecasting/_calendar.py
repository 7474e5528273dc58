"""Calendar regressors per period for the count models (holidays, make-up days, Spring Festival, windows).

The features are counts of days inside each period, so a weekly and a monthly model read them the same
way. The day classes come from :func:`foresight.calendar.days` (China's official calendar with make-up
working days 调休 from ``chinesecalendar``, an estimate with a ``CalendarWarning`` for the years it
does not cover; other countries from ``holidays``). This module only turns them into regressors that
:func:`foresight.calendar.period_features` does not provide:

* ``holiday`` counts official days off that fall on a *weekday* outside the Spring Festival and
  National Day breaks (``period_features``' ``holidays`` also counts the weekend days of a break,
  which cost an office no working day, and includes the two long breaks that have their own
  regressor here);
* ``year_end`` (weekdays from 24 December) and the known windows ``wage`` (four weeks before the
  Spring Festival) and ``enrolment`` (March to September) are shares of the period, not calendar
  facts.

``spring_festival`` and ``golden_week`` count the days off named Spring Festival / National Day
(China only; ``period_features`` counts a whole break that also holds National Day, such as the merged
Mid-autumn days of 2025, which here stay ordinary holidays); ``makeup`` is its ``makeup_days``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.calendar import days, spring_festival
from foresight.errors import ConfigError
from foresight.periods import shift

__all__ = ["CALENDAR_FEATURES", "WINDOW_FEATURES", "calendar_design", "default_windows"]

#: Calendar regressors (counts of days in the period).
CALENDAR_FEATURES = ("holiday", "makeup", "spring_festival", "golden_week", "year_end")
#: Known windows (share of the period's days inside the window).
WINDOW_FEATURES = ("wage", "enrolment")


def default_windows(country: str) -> tuple[str, ...]:
    """The known windows used by default: the wage and enrolment windows in China, none elsewhere."""
    return WINDOW_FEATURES if country.upper() == "CN" else ()


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
    CalendarError
        A Chinese year no calendar source covers (see :func:`foresight.calendar.days`).

    Warns
    -----
    CalendarWarning
        Chinese years past ``chinesecalendar``'s data (holidays estimated, no make-up days).

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
    end = shift(starts[-1], 1, freq)
    dates = pd.date_range(starts[0], end - pd.Timedelta(days=1), freq="D")
    dd = days(dates[0], dates[-1], country=country, subdiv=subdiv)
    weekday = dd["weekday"].to_numpy() < 5
    off = dd["is_holiday"].to_numpy(bool)
    name = dd["holiday"].fillna("").to_numpy(dtype=object)
    cn = country.upper() == "CN"
    sf = off & (name == "Spring Festival") & cn
    gw = off & (name == "National Day") & cn
    day = pd.DataFrame(index=dates)
    day["spring_festival"] = sf * 1.0
    day["golden_week"] = gw * 1.0
    day["holiday"] = (off & weekday & ~sf & ~gw) * 1.0
    day["makeup"] = dd["is_makeup_workday"].to_numpy(bool) * 1.0
    day["year_end"] = ((dates.month == 12) & (dates.day >= 24) & weekday) * 1.0
    if "wage" in windows:
        lny = np.array([spring_festival(y).value for y in range(dates.year.min(), dates.year.max() + 2)])
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
