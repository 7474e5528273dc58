"""Frequencies: the codes ``"W"`` and ``"M"``, their aliases, inference from dates, periods per year."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError

__all__ = ["FREQS", "infer_freq", "normalize_freq", "panel_freq", "period_offset", "periods_per_year"]

#: The two period lengths, by their canonical code.
FREQS = ("W", "M")
_ALIASES = {"W": "W", "W-MON": "W", "WEEK": "W", "WEEKLY": "W",
            "M": "M", "MS": "M", "ME": "M", "MONTH": "M", "MONTHLY": "M"}


def normalize_freq(freq: Any) -> str:
    """Return ``"W"`` or ``"M"`` for any accepted spelling of a period length.

    Parameters
    ----------
    freq : str
        ``"W"``, ``"W-MON"``, ``"week"``, ``"weekly"``, ``"M"``, ``"MS"``, ``"ME"``, ``"month"`` or
        ``"monthly"`` (any case).

    Returns
    -------
    str
        ``"W"`` (weeks starting Monday) or ``"M"`` (calendar months).

    Raises
    ------
    ConfigError
        Any other value.

    Examples
    --------
    >>> normalize_freq("W-MON"), normalize_freq("ms"), normalize_freq("weekly")
    ('W', 'M', 'W')
    """
    f = _ALIASES.get(str(freq).strip().upper())
    if f is None:
        raise ConfigError(f"unknown freq {freq!r}: use 'W' (weeks starting Monday) or 'M' (calendar months)")
    return f


def infer_freq(ds: Any) -> str:
    """Tell weekly from monthly period starts.

    Weekly when every date falls on one weekday, 7-day multiples apart; monthly when every date is
    the first of a month. A single date is weekly when it is a Monday or not a first of month;
    no dates at all count as weekly.

    Parameters
    ----------
    ds : sequence of dates
        Period starts (e.g. a panel's ``ds`` column).

    Returns
    -------
    str
        ``"W"`` or ``"M"``.

    Raises
    ------
    DataError
        Dates that are neither (say which freq to pass).

    Examples
    --------
    >>> infer_freq(pd.to_datetime(["2024-01-01", "2024-01-08"])), infer_freq(pd.to_datetime(["2024-02-01"]))
    ('W', 'M')
    """
    idx = pd.DatetimeIndex(pd.to_datetime(ds)).dropna().unique().sort_values()
    if len(idx) == 0:
        return "W"
    days = idx.values.astype("datetime64[D]").astype(np.int64)  # whatever the resolution
    weekly = bool((np.diff(days) % 7 == 0).all())
    monthly = bool((idx.day == 1).all())
    if len(idx) == 1:
        return "M" if monthly and idx[0].day_of_week != 0 else "W"
    if weekly:
        return "W"
    if monthly:
        return "M"
    raise DataError("cannot tell the panel's period from its dates (ds): pass freq='W' (Monday starts) "
                    "or freq='M' (month starts), or build the panel with foresight.to_panel")


def panel_freq(panel: pd.DataFrame, freq: str | None = None) -> str:
    """The period length of a panel: ``freq`` if given, else ``panel.attrs["freq"]``, else its dates.

    Parameters
    ----------
    panel : DataFrame
        A frame with a ``ds`` column (period starts).
    freq : str, optional
        An explicit choice (any spelling :func:`normalize_freq` accepts).

    Returns
    -------
    str
        ``"W"`` or ``"M"``.

    Examples
    --------
    >>> p = pd.DataFrame({"ds": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
    >>> panel_freq(p), panel_freq(p, "W")
    ('M', 'W')
    """
    f = freq or panel.attrs.get("freq")
    if f is not None:
        return normalize_freq(f)
    return infer_freq(panel["ds"])


def period_offset(freq: str) -> pd.DateOffset:
    """The length of one period: a week for ``"W"``, a calendar month for ``"M"``.

    Parameters
    ----------
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    pandas.DateOffset
        ``DateOffset(weeks=1)`` or ``DateOffset(months=1)``; multiply it to step several periods.

    Examples
    --------
    >>> pd.Timestamp("2024-01-31") + period_offset("M")
    Timestamp('2024-02-29 00:00:00')
    """
    return pd.DateOffset(weeks=1) if normalize_freq(freq) == "W" else pd.DateOffset(months=1)


def periods_per_year(freq: str) -> int:
    """Periods in a year: 52 weeks or 12 months (the seasonal period of every model and detector).

    Parameters
    ----------
    freq : {"W", "M"}
        Period length.

    Returns
    -------
    int
        52 or 12.

    Examples
    --------
    >>> periods_per_year("W"), periods_per_year("M")
    (52, 12)
    """
    return 52 if normalize_freq(freq) == "W" else 12
