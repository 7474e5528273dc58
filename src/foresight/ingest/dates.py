"""Parse the dates that real exports hold, vectorized.

Accepted: ``2023-03-05``, ``2023/3/5``, ``2023.3.5``, ``2023年3月5日``, ``20230305``, any of them with a
time (``2023/3/5 14:22``, ``2023-03-05T14:22:01``), Excel serial day numbers (``44990``), and datetime
values (Excel and Parquet cells). The time of day is dropped; a timestamp that carries a time zone
(``2023-03-05T17:30:00Z``, ``+08:00``, a tz-aware Parquet column) is first converted to the centre's
time zone, so a Monday morning in China is not dated Sunday in UTC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["parse_dates"]

_DATE = (
    r"^\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}(?::\d{1,2}){1,2}(?:\.\d+)?)?\s*$"
)
_COMPACT = r"^\s*(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})\s*$"
_SERIAL = r"^\s*(?P<n>\d{5})(?:\.\d+)?\s*$"
_AWARE = (r"^\s*\d{4}-\d{2}-\d{2}[\sT]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*"
          r"(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)\s*$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: The default time zone of a centre: aware timestamps are converted to it before the date is taken.
DEFAULT_TZ = "Asia/Shanghai"


def parse_dates(values: pd.Series, *, tz: str = DEFAULT_TZ) -> tuple[pd.Series, pd.Series]:
    """Parse a column of raw date values.

    Parameters
    ----------
    values
        Raw cells: strings, numbers (Excel serial days 10000-99999), or datetimes.
    tz
        The centre's time zone (IANA name): timestamps with a time zone are converted to it before
        the date is taken; naive ones are taken as local already.

    Returns
    -------
    dates
        ``datetime64[ns]`` normalized to midnight, ``NaT`` where missing or unparseable.
    bad
        Boolean mask: True where a value was present but could not be parsed.

    Examples
    --------
    >>> s = pd.Series(["2023-03-05", "2023/3/5 14:22", "2023年3月5日", "44990", "bad", ""])
    >>> dates, bad = parse_dates(s)
    >>> dates.dt.strftime("%Y-%m-%d").tolist()[:4]
    ['2023-03-05', '2023-03-05', '2023-03-05', '2023-03-05']
    >>> bad.tolist()
    [False, False, False, False, True, False]
    >>> parse_dates(pd.Series(["2024-03-03T17:30:00Z"]))[0].dt.strftime("%a %Y-%m-%d").tolist()
    ['Mon 2024-03-04']
    """
    values = pd.Series(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = pd.to_datetime(values)
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_convert(tz).dt.tz_localize(None)
        return dates.dt.normalize().astype("datetime64[ns]"), pd.Series(False, index=values.index)

    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # text only: fast path
        is_dt = is_num = pd.Series(False, index=values.index)
        return _parse_text(values, out, is_dt, is_num, tz)
    is_dt = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"))
    if is_dt.any():
        out[is_dt] = values[is_dt].map(lambda v: _local(_timestamp(v), tz)).astype("datetime64[ns]")
    is_num = values.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                        and not isinstance(v, bool))
    num = pd.to_numeric(values.where(is_num & ~is_dt), errors="coerce")
    serial_ok = num.between(10000, 99999)
    out[serial_ok] = _EXCEL_EPOCH + pd.to_timedelta(np.floor(num[serial_ok]), unit="D")
    return _parse_text(values, out, is_dt, is_num, tz)


def _timestamp(value: object) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (OverflowError, ValueError, TypeError):
        return pd.NaT


def _local(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
    """Midnight of the day ``ts`` falls on in ``tz`` (naive timestamps are local already)."""
    try:
        if ts is pd.NaT:
            return ts
        if ts.tzinfo is not None:
            ts = ts.tz_convert(tz).tz_localize(None)
        return pd.Timestamp(ts.normalize().as_unit("ns"))
    except (OverflowError, ValueError):  # out of the datetime64[ns] range: a broken cell
        return pd.NaT


def _ns(dates: pd.Series) -> pd.Series:
    """``dates`` as ``datetime64[ns]``; a date outside its range (year 9999, say) becomes NaT.

    pandas 3 parses text at a coarser resolution, where such dates exist; the cases frame is ns.
    """
    if dates.dtype == "datetime64[ns]":
        return dates
    fits = dates.notna() & (dates >= pd.Timestamp.min) & (dates <= pd.Timestamp.max)
    return dates.where(fits).astype("datetime64[ns]")


def _parse_text(values: pd.Series, out: pd.Series, is_dt: pd.Series, is_num: pd.Series, tz: str
                ) -> tuple[pd.Series, pd.Series]:
    text = values.where(~(is_dt | is_num)).astype("string").str.strip()
    present = text.notna() & (text != "")
    iso = _ns(pd.to_datetime(text.where(present & out.isna()), format="%Y-%m-%d", errors="coerce"))
    out = out.where(out.notna(), iso)  # the common case, fast; the regexes handle the rest
    for pattern in (_DATE, _COMPACT):
        todo = present & out.isna()
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        ok = parts["y"].notna()
        if ok.any():
            ymd = parts[ok].astype(int).rename(columns={"y": "year", "m": "month", "d": "day"})
            out[ymd.index] = _ns(pd.to_datetime(ymd, errors="coerce"))
    todo = present & out.isna() & text.str.match(_AWARE, na=False)
    if todo.any():
        aware = pd.to_datetime(text[todo].str.replace(r"\s*UTC\s*$", "Z", regex=True), utc=True,
                               format="ISO8601", errors="coerce")
        out[todo] = _ns(aware.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize())
    todo = present & out.isna()
    if todo.any():
        n = text[todo].str.extract(_SERIAL)["n"].dropna().astype(float)
        out[n.index] = _EXCEL_EPOCH + pd.to_timedelta(n, unit="D")

    missing = values.isna() | (~(is_dt | is_num) & ~present.fillna(False).astype(bool))
    bad = out.isna() & ~missing
    return out, bad.astype(bool)
