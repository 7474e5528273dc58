"""Steps: period starts, shifts, ranges and indices (every date arithmetic on periods)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from foresight.errors import DataError
from foresight.periods._freq import normalize_freq, period_offset

__all__ = [
    "check_period_starts", "future_starts", "last_complete", "period_at", "period_index", "period_of_year",
    "period_range", "period_start", "shift",
]

_DAY_NS = 86_400_000_000_000


def period_start(dates: Any, freq: str = "W") -> Any:
    """Return the start of the period holding each date: its Monday (``"W"``) or month start (``"M"``).

    Parameters
    ----------
    dates : date-like, sequence, Series or DatetimeIndex
        Dates to label; times of day are dropped, ``NaT`` stays ``NaT``.
    freq : {"W", "M"}
        Weekly periods start on Monday; monthly periods on the first of the month.

    Returns
    -------
    pandas.Series, pandas.DatetimeIndex or pandas.Timestamp
        A Series (same index and name) for a Series, a Timestamp for a scalar, else a DatetimeIndex;
        values are ``datetime64[ns]``.

    Raises
    ------
    ConfigError
        If ``freq`` is not a known period.

    Examples
    --------
    >>> period_start(["2024-02-10", "2024-02-12"], "W").strftime("%Y-%m-%d").tolist()
    ['2024-02-05', '2024-02-12']
    >>> period_start(pd.Timestamp("2024-02-10"), "M")
    Timestamp('2024-02-01 00:00:00')
    """
    f = normalize_freq(freq)
    if isinstance(dates, pd.Series):
        idx = pd.DatetimeIndex(pd.to_datetime(dates))
        return pd.Series(_start_index(idx, f), index=dates.index, name=dates.name)
    if np.ndim(dates) == 0 and not isinstance(dates, pd.Index):
        ts = pd.Timestamp(dates)
        if ts is pd.NaT:
            return pd.NaT
        return _start_index(pd.DatetimeIndex([ts]), f)[0]
    return _start_index(pd.DatetimeIndex(pd.to_datetime(dates)), f)


def _start_index(idx: pd.DatetimeIndex, f: str) -> pd.DatetimeIndex:
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    vals = idx.values.astype("datetime64[D]")
    if f == "W":
        # 1970-01-01 was a Thursday: day number + 3 is days since a Monday.
        dnum = vals.astype("int64")
        out = (vals - ((dnum + 3) % 7).astype("timedelta64[D]")).astype("datetime64[ns]")
    else:
        out = vals.astype("datetime64[M]").astype("datetime64[ns]")
    return pd.DatetimeIndex(out)


def shift(start: Any, n: int, freq: str) -> pd.Timestamp:
    """The period start ``n`` periods after (``n < 0``: before) ``start``.

    Parameters
    ----------
    start : date-like
        A period start.
    n : int
        Periods to move.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.Timestamp

    Examples
    --------
    >>> shift("2024-01-01", 3, "W"), shift("2024-03-01", -2, "M")
    (Timestamp('2024-01-22 00:00:00'), Timestamp('2024-01-01 00:00:00'))
    """
    return pd.Timestamp(start) + int(n) * period_offset(freq)


def period_range(start: Any, end: Any, freq: str) -> pd.DatetimeIndex:
    """Every period start from ``start`` to ``end`` (both included), ``start`` a period start.

    Parameters
    ----------
    start, end : date-like
        First and last period starts.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.DatetimeIndex

    Examples
    --------
    >>> period_range("2024-01-01", "2024-01-15", "W").day.tolist()
    [1, 8, 15]
    """
    return pd.date_range(start, end, freq="7D" if normalize_freq(freq) == "W" else "MS")


def future_starts(last: Any, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The ``horizon`` period starts that follow the period starting at ``last``.

    Parameters
    ----------
    last : date-like
        Start of the last observed period.
    horizon : int
        Periods ahead.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.DatetimeIndex

    Examples
    --------
    >>> future_starts("2024-01-29", 2, "M").strftime("%m-%d").tolist()
    ['02-29', '03-29']
    >>> future_starts("2024-01-01", 2, "W").strftime("%m-%d").tolist()
    ['01-08', '01-15']
    """
    last = pd.Timestamp(last)
    step = pd.Timedelta(days=7) if normalize_freq(freq) == "W" else pd.DateOffset(months=1)
    return pd.DatetimeIndex([last + step * (i + 1) for i in range(int(horizon))])


def last_complete(as_of: Any, freq: str) -> pd.Timestamp:
    """Start of the last complete period before ``as_of`` (the period holding ``as_of`` is incomplete).

    Parameters
    ----------
    as_of : date-like
        Cut-off, exclusive.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.Timestamp

    Examples
    --------
    >>> last_complete("2024-01-10", "W"), last_complete("2024-01-08", "W"), last_complete("2024-03-01", "M")
    (Timestamp('2024-01-01 00:00:00'), Timestamp('2024-01-01 00:00:00'), Timestamp('2024-02-01 00:00:00'))
    """
    return period_start(pd.Timestamp(as_of).normalize(), freq) - period_offset(freq)


def period_index(ds: Any, origin: Any, freq: str) -> np.ndarray:
    """Whole periods from ``origin`` to each date of ``ds`` (int64; times of day are ignored).

    Parameters
    ----------
    ds : sequence of dates
        Period starts.
    origin : date-like
        The period counted as 0.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> period_index(pd.to_datetime(["2024-01-01", "2024-01-15"]), "2024-01-01", "W").tolist()
    [0, 2]
    >>> period_index(pd.to_datetime(["2024-03-01"]), "2023-12-01", "M").tolist()
    [3]
    """
    idx = pd.DatetimeIndex(ds)
    t0 = pd.Timestamp(origin)
    if normalize_freq(freq) == "W":
        if idx.tz is None and idx.unit == "ns":
            # on the int64 nanoseconds: the same numbers, without building n Timedelta fields
            k = idx.asi8 - t0.value
            k //= 7 * _DAY_NS  # in place: one array of the input's length, not two
            return k
        return np.asarray((idx - t0).days // 7, dtype=np.int64)
    return np.asarray((idx.year - t0.year) * 12 + idx.month - t0.month, dtype=np.int64)


def period_at(index: Any, origin: Any, freq: str) -> pd.DatetimeIndex:
    """The period starts ``index`` whole periods after ``origin`` (the inverse of :func:`period_index`).

    Parameters
    ----------
    index : sequence of int
        Periods from ``origin``.
    origin : date-like
        A period start (period 0).
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.DatetimeIndex

    Examples
    --------
    >>> period_at([0, 2], "2024-01-01", "W").day.tolist(), period_at([13], "2023-12-01", "M").month.tolist()
    ([1, 15], [1])
    """
    k = np.asarray(index, dtype=np.int64)
    t0 = pd.Timestamp(origin)
    if normalize_freq(freq) == "W":
        ns = k * (7 * _DAY_NS)  # int64 nanoseconds: one array, no timedelta conversion
        ns += t0.as_unit("ns").value
        return pd.DatetimeIndex(ns.view("datetime64[ns]"))
    months = t0.year * 12 + t0.month - 1 + k
    return pd.DatetimeIndex(pd.to_datetime({"year": months // 12, "month": months % 12 + 1, "day": 1}))


def period_of_year(ds: Any, freq: str) -> np.ndarray:
    """0-based position of each period in its calendar year: week 0..51 (``"W"``) or month 0..11.

    A 53rd Monday in a year (day of year 365 or 366) is folded into week 51 (the 52nd week).

    Parameters
    ----------
    ds : sequence of dates
        Period starts.
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    numpy.ndarray
        int64 positions.

    Examples
    --------
    >>> period_of_year(pd.to_datetime(["2024-01-01", "2024-12-30"]), "W").tolist()
    [0, 51]
    """
    idx = pd.DatetimeIndex(ds)
    if normalize_freq(freq) == "M":
        return np.asarray(idx.month - 1, dtype=np.int64)
    return np.minimum((np.asarray(idx.day_of_year) - 1) // 7, 51).astype(np.int64)


def check_period_starts(ds: Any, freq: str, *, what: str = "panel") -> None:
    """Raise :class:`~foresight.errors.DataError` unless every date starts a period of ``freq``.

    Weekly periods start on Monday, monthly ones on the first of the month; times of day are
    ignored.

    Parameters
    ----------
    ds : sequence of dates
        Dates to check.
    freq : {"W", "M"}
        Period length.
    what : str
        Name of the frame, for the message.

    Examples
    --------
    >>> check_period_starts(pd.to_datetime(["2024-01-02"]), "W")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.errors.DataError: weekly panel periods (ds) must all start on Monday (...), but 2024-01-02 is a Tuesday: ...
    """
    f = normalize_freq(freq)
    idx = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(ds)))  # each date once, in order of appearance
    day = idx.normalize()
    bad = day != period_start(day, f)
    if bad.any():
        first = idx[bad][0]
        if f == "W":
            raise DataError(f"weekly {what} periods (ds) must all start on Monday (the week start to_panel "
                            f"uses), but {first.date()} is a {first.day_name()}: rebuild the panel with "
                            f"foresight.to_panel(cases, freq='W') or label dates with "
                            f"foresight.calendar.period_start(dates, 'W')")
        raise DataError(f"monthly {what} periods (ds) must start on the first of the month, but "
                        f"{first.date()} does not: rebuild the panel with foresight.to_panel(cases, freq='M')")
