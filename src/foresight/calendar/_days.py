"""Days: the calendar table per day (holidays, make-up working days) and the Spring Festival."""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from functools import lru_cache
from typing import Any

import holidays as _holidays
import numpy as np
import pandas as pd

from foresight import periods
from foresight.errors import CalendarError, ConfigError

__all__ = ["CalendarWarning", "days", "period_start", "spring_festival", "week_start"]

DAY_COLUMNS = ["date", "weekday", "is_workday", "is_holiday", "is_makeup_workday", "holiday", "source"]

_SF_LABEL = "Chinese New Year (Spring Festival)"
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")
# holidays.China (en_US) labels -> the chinese_calendar names, so both sources speak alike.
_CN_NAMES = (
    ("new year's eve", "Spring Festival"),
    ("spring festival", "Spring Festival"),
    ("new year's day", "New Year's Day"),
    ("tomb", "Tomb-sweeping Day"),
    ("labor", "Labour Day"),
    ("labour", "Labour Day"),
    ("dragon boat", "Dragon Boat Festival"),
    ("mid-autumn", "Mid-autumn Festival"),
    ("national day", "National Day"),
)


class CalendarWarning(UserWarning):
    """Calendar answers that are estimates, e.g. Chinese years past ``chinese_calendar``'s data."""


# --------------------------------------------------------------------------------------------------
# period starts


period_start = periods.period_start  # the one implementation, under the calendar's name too


def week_start(dates: Any) -> Any:
    """Return the Monday of the week holding each date (``period_start(dates, "W")``).

    Parameters
    ----------
    dates : date-like, sequence, Series or DatetimeIndex
        Dates to label.

    Returns
    -------
    pandas.Series, pandas.DatetimeIndex or pandas.Timestamp
        As :func:`period_start`.

    Examples
    --------
    >>> week_start(pd.Series(pd.to_datetime(["2024-02-18", "2024-02-19"]))).dt.day.tolist()
    [12, 19]
    """
    return period_start(dates, "W")


# --------------------------------------------------------------------------------------------------
# per-year tables


@lru_cache(maxsize=1)
def _cc_data() -> tuple[dict[_dt.date, str], dict[_dt.date, str], int, int]:
    from chinese_calendar.constants import holidays as hol, workdays as work  # imported on first use (slow)

    return dict(hol), dict(work), min(hol).year, max(hol).year


def _cc_covers(year: int) -> bool:
    _, _, lo, hi = _cc_data()
    return lo <= year <= hi


def _check_holidays_china(year: int) -> None:
    lo, hi = _holidays.China.start_year, _holidays.China.end_year
    if not lo <= year <= hi:
        _, _, clo, chi = _cc_data()
        raise CalendarError(
            f"no calendar source covers China in {year}: chinese_calendar has {clo}-{chi} and "
            f"holidays.China {lo}-{hi}; upgrade chinesecalendar (pip install -U chinesecalendar) "
            f"or holidays, or restrict the dates to those years"
        )


def _frame(year: int) -> pd.DataFrame:
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    return pd.DataFrame({"date": dates, "weekday": dates.day_of_week.astype("int64")})


def _cn_name(label: str) -> str:
    low = label.lower()
    for key, name in _CN_NAMES:
        if key in low:
            return name
    return ""


def _window(year: int) -> pd.DatetimeIndex:
    # a week either side of the year, so a holiday break over New Year joins up
    return pd.date_range(f"{year - 1}-12-25", f"{year + 1}-01-07", freq="D")


def _classify(
    year: int, dates: pd.DatetimeIndex, listed: np.ndarray, names: pd.Series, makeup: np.ndarray, source: str
) -> pd.DataFrame:
    """Day classes of ``year`` from the listed holidays, their names (NaN if unknown) and make-up days.

    A holiday break is a run of rest days (weekend or holiday, less make-up days) that holds a
    holiday; every day of it is a holiday, and unnamed days take the break's first name, as in the
    official schedule ("6月8日至10日放假, 共3天").
    """
    weekday = dates.day_of_week.to_numpy().astype("int64")
    named = np.asarray(listed, dtype=bool)
    is_makeup = makeup & (weekday >= 5)
    rest = (named | (weekday >= 5)) & ~is_makeup
    run = np.cumsum(np.r_[True, rest[1:] != rest[:-1]])
    in_break = rest & pd.Series(named).groupby(run).transform("any").to_numpy()
    fill = pd.Series(names.to_numpy(), dtype=object).groupby(run).transform("first").to_numpy()
    label = np.where(names.notna().to_numpy(), names.to_numpy(dtype=object), fill)
    df = pd.DataFrame(
        {
            "date": dates,
            "weekday": weekday,
            "is_workday": ~rest,
            "is_holiday": in_break,
            "is_makeup_workday": is_makeup,
            "holiday": np.where(in_break, pd.Series(label, dtype=object).fillna("Holiday").to_numpy(), ""),
            "source": source,
        }
    )
    return df[df["date"].dt.year == year].reset_index(drop=True)


@lru_cache(maxsize=256)
def _year_cc(year: int) -> pd.DataFrame:
    hol, work, _, _ = _cc_data()
    dates = _window(year)
    d = pd.Series(dates.date)
    names = d.map(hol)
    return _classify(year, dates, names.notna().to_numpy(), names, d.isin(work.keys()).to_numpy(), "chinese_calendar")


@lru_cache(maxsize=256)
def _year_cn_estimated(year: int) -> pd.DataFrame:
    _check_holidays_china(year)
    lo, hi = _holidays.China.start_year, _holidays.China.end_year
    years = [y for y in (year - 1, year, year + 1) if lo <= y <= hi]
    hc = _holidays.China(years=years, language="en_US")
    makeup: set[_dt.date] = set()
    for label in hc.values():
        for part in str(label).split(";"):
            m = _SUBSTITUTED.search(part)
            if m:
                makeup.add(_dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))))
    dates = _window(year)
    d = pd.Series(dates.date)
    listed = d.isin(hc.keys()).to_numpy()
    # the label's chinese_calendar name; None for "Day off (substituted ...)", named from its break
    names = pd.Series([_cn_name(str(hc.get(x, ""))) or None for x in d], dtype=object)
    return _classify(year, dates, listed, names, d.isin(makeup).to_numpy(), "holidays.China (estimated)")


@lru_cache(maxsize=256)
def _year_other(year: int, country: str, subdiv: str | None) -> pd.DataFrame:
    try:
        hc = _holidays.country_holidays(country, subdiv=subdiv, years=year, language="en_US")
    except NotImplementedError as exc:
        raise ConfigError(
            f"unknown country or subdivision {country!r}/{subdiv!r} ({exc}); use an ISO 3166 code "
            f"the 'holidays' package supports, e.g. country='US', subdiv='NY'"
        ) from exc
    except (ValueError, TypeError):
        hc = _holidays.country_holidays(country, subdiv=subdiv, years=year)
    df = _frame(year)
    d = df["date"].dt.date
    labels = d.map(lambda x: hc.get(x)).fillna("")
    df["is_holiday"] = (labels != "").to_numpy()
    df["is_makeup_workday"] = False
    df["is_workday"] = ((df["weekday"] < 5) & ~df["is_holiday"]).to_numpy()
    df["holiday"] = labels.to_numpy()
    df["source"] = f"holidays.{country}" + (f"-{subdiv}" if subdiv else "")
    return df


def _year_table(year: int, country: str, subdiv: str | None) -> pd.DataFrame:
    if country == "CN":
        return _year_cc(year) if _cc_covers(year) else _year_cn_estimated(year)
    return _year_other(year, country, subdiv)


def _check_country(country: str) -> str:
    c = str(country).upper()
    if not c.isalpha() or len(c) not in (2, 3):
        raise ConfigError(f"country must be an ISO 3166 code such as 'CN' or 'US', got {country!r}")
    return c


# --------------------------------------------------------------------------------------------------
# public API


def days(start: Any, end: Any, *, country: str = "CN", subdiv: str | None = None) -> pd.DataFrame:
    """One row per calendar day from ``start`` to ``end`` (both included) with its day class.

    Parameters
    ----------
    start, end : date-like
        First and last day; times of day are dropped.
    country : str, default "CN"
        ISO 3166 country code. ``"CN"`` uses ``chinese_calendar`` (with 调休 make-up days) where it
        has data and ``holidays.China`` elsewhere; other codes use the ``holidays`` package.
    subdiv : str, optional
        Subdivision for ``holidays`` (e.g. ``"NY"``). Ignored by the national Chinese calendar.

    Returns
    -------
    pandas.DataFrame
        ``date`` (datetime64[ns]), ``weekday`` (0 = Monday), ``is_workday``, ``is_holiday``,
        ``is_makeup_workday`` (a Saturday or Sunday that is a working day, 调休), ``holiday`` (the
        holiday's name, ``""`` on other days; for China the ``chinese_calendar`` English names such
        as ``"Spring Festival"``, ``"National Day"``) and ``source`` (which source answered).

    Raises
    ------
    CalendarError
        For a Chinese year no source covers (outside ``holidays.China``'s 1950-2100).
    ConfigError
        If ``end`` is before ``start`` or the country is unknown.

    Warns
    -----
    CalendarWarning
        For Chinese years outside ``chinese_calendar``'s data: holidays are computed by rule and
        make-up working days are unknown.

    Examples
    --------
    >>> d = days("2024-02-04", "2024-02-11")  # 2024-02-04 was a working Sunday (调休)
    >>> bool(d.loc[0, "is_workday"]), bool(d.loc[0, "is_makeup_workday"])
    (True, True)
    >>> d["holiday"].tolist()[-2:]
    ['Spring Festival', 'Spring Festival']
    >>> days("2024-07-04", "2024-07-04", country="US", subdiv="NY")["holiday"].item()
    'Independence Day'
    """
    return _days(start, end, country, subdiv, 3)


_WARNED: set[str] = set()


def _warn_once(message: str, category: type[Warning], *, stacklevel: int) -> None:
    """Warn once per process (the same message again is dropped), unless the active filter for
    ``category`` is ``always`` or ``error`` (as in ``pytest.warns``).

    ``warnings``' own once-per-location registry is reset whenever any code changes the filters
    (``catch_warnings``), so a run that forecasts several times would repeat the warning.
    """
    action = next((f[0] for f in warnings.filters
                   if issubclass(category, f[2]) and (f[1] is None or f[1].match(message))), "default")
    if message in _WARNED and action not in ("always", "error"):
        return
    _WARNED.add(message)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def _days(start: Any, end: Any, country: str, subdiv: str | None, _stacklevel: int) -> pd.DataFrame:
    s = pd.Timestamp(start).normalize()
    e = pd.Timestamp(end).normalize()
    if s is pd.NaT or e is pd.NaT:
        raise ConfigError("days() needs real start and end dates, got NaT")
    if e < s:
        raise ConfigError(f"end {e.date()} is before start {s.date()}: swap them")
    c = _check_country(country)
    sub = None if subdiv is None else str(subdiv).upper()
    if c == "CN":
        sub = None  # the national calendar applies in every province
    tables = [_year_table(y, c, sub) for y in range(s.year, e.year + 1)]
    if c == "CN":
        est = [y for y, t in zip(range(s.year, e.year + 1), tables) if not _cc_covers(y)]
        if est:
            _, _, lo, hi = _cc_data()
            _warn_once(
                f"China {', '.join(map(str, est))}: chinese_calendar has data for {lo}-{hi} only, so "
                f"holidays are estimated from holidays.China rules and make-up working days (调休) "
                f"are unknown; upgrade chinesecalendar (pip install -U chinesecalendar) when the "
                f"official schedule is out",
                CalendarWarning,
                stacklevel=_stacklevel + 1,
            )
    out = pd.concat(tables, ignore_index=True)
    out = out[(out["date"] >= s) & (out["date"] <= e)].reset_index(drop=True)
    out["holiday"] = out["holiday"].astype("string")
    out["source"] = out["source"].astype("string")
    return out[DAY_COLUMNS]


def spring_festival(year: int) -> pd.Timestamp:
    """The Spring Festival (lunar new year's day, 春节 正月初一) of ``year``.

    Parameters
    ----------
    year : int
        Gregorian year, 1950-2100 (the range ``holidays.China`` computes).

    Returns
    -------
    pandas.Timestamp
        Midnight of the festival day.

    Raises
    ------
    CalendarError
        If ``holidays.China`` does not cover the year.

    Examples
    --------
    >>> spring_festival(2024)
    Timestamp('2024-02-10 00:00:00')
    """
    return pd.Timestamp(_spring_festival(int(year)))


@lru_cache(maxsize=512)
def _spring_festival(year: int) -> _dt.date:
    _check_holidays_china(year)
    hc = _holidays.China(years=year, language="en_US")
    found = sorted(d for d, label in hc.items() if _SF_LABEL in str(label) and "observed" not in str(label))
    if not found:  # pragma: no cover - defensive: label changed in a future holidays release
        raise CalendarError(
            f"holidays.China lists no Spring Festival in {year}; check the installed holidays version"
        )
    return found[0]
