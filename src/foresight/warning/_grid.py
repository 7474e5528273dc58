"""Panel <-> dense matrix helpers shared by the early-warning modules (internal).

A long panel ``area, category, ds, y`` becomes one row per series on a common, regular period grid;
periods outside a series' active span are ``NaN`` (not observed), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.errors import ConfigError, DataError

__all__ = ["Grid", "to_grid", "check_panel", "panel_freq", "period_of_year"]

_REQUIRED = ("area", "category", "ds", "y")


def check_panel(panel: pd.DataFrame, *, name: str = "panel") -> None:
    """Raise :class:`DataError` unless ``panel`` has the panel columns with usable values."""
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame with columns area, category, ds, y; "
                        f"got {type(panel).__name__}. Build it with foresight.panel.to_panel(cases).")
    missing = [c for c in _REQUIRED if c not in panel.columns]
    if missing:
        raise DataError(f"{name} lacks column(s) {missing}; a panel has columns area, category, ds, y. "
                        "Build it with foresight.panel.to_panel(cases).")
    if len(panel) and panel["y"].isna().any():
        raise DataError(f"{name}.y has missing values; a panel is zero-filled over each series' span. "
                        "Fill gaps with 0 or rebuild the panel with foresight.panel.to_panel.")
    if len(panel) and (pd.to_numeric(panel["y"]) < 0).any():
        raise DataError(f"{name}.y has negative counts; counts must be >= 0.")


def panel_freq(panel: pd.DataFrame, freq: str | None) -> str:
    """The panel frequency: ``freq`` if given, else ``panel.attrs['freq']``, else ``"W"``."""
    f = freq or panel.attrs.get("freq") or "W"
    f = str(f).upper()
    if f.startswith("W"):
        return "W"
    if f in ("M", "MS", "ME"):
        return "M"
    raise ConfigError(f"freq {freq!r} is not supported here; use 'W' (weekly) or 'M' (monthly).")


def period_of_year(ds: pd.DatetimeIndex | pd.Series, freq: str) -> np.ndarray:
    """0-based position of each period in its calendar year: week 0..51 (W) or month 0..11 (M).

    A 53rd Monday in a year (day of year 365 or 366) is folded into week 51 (the 52nd week).
    """
    ds = pd.DatetimeIndex(ds)
    if freq == "M":
        return np.asarray(ds.month - 1, dtype=np.int64)
    return np.minimum((np.asarray(ds.day_of_year) - 1) // 7, 51).astype(np.int64)


@dataclass(frozen=True)
class Grid:
    """Series on a common regular grid: ``values[i, t]`` is series ``keys.iloc[i]`` at ``dates[t]``."""

    keys: pd.DataFrame  # area, category (one row per series)
    dates: pd.DatetimeIndex
    values: np.ndarray  # float64, NaN outside a series' span
    freq: str

    @property
    def periods_per_year(self) -> int:
        return 12 if self.freq == "M" else 52


def to_grid(panel: pd.DataFrame, *, freq: str, before: pd.Timestamp | None = None) -> Grid:
    """Pivot a long panel into a :class:`Grid`; rows with ``ds >= before`` are dropped."""
    df = panel[list(_REQUIRED)]
    ds = pd.to_datetime(df["ds"])
    if before is not None:
        keep = (ds < before).to_numpy()
        df, ds = df[keep], ds[keep]
    if df.empty:
        raise DataError("the panel has no periods before as_of; pass a panel with history before as_of.")
    step = pd.offsets.Week(weekday=0) if freq == "W" else pd.offsets.MonthBegin()
    if freq == "W" and (ds.dt.day_of_week != 0).any():
        raise DataError("weekly panel dates (ds) must be Mondays (period starts); rebuild the panel "
                        "with foresight.panel.to_panel(cases, freq='W').")
    if freq == "M" and (ds.dt.day != 1).any():
        raise DataError("monthly panel dates (ds) must be the first of the month; rebuild the panel "
                        "with foresight.panel.to_panel(cases, freq='M').")
    dates = pd.date_range(ds.min(), ds.max(), freq=step)
    if freq == "W":
        t = ((ds - dates[0]).dt.days // 7).to_numpy()
    else:
        t = ((ds.dt.year - dates[0].year) * 12 + ds.dt.month - dates[0].month).to_numpy()
    codes, uniques = pd.MultiIndex.from_frame(df[["area", "category"]].astype(str)).factorize()
    keys = uniques.to_frame(index=False, name=["area", "category"])
    order = np.lexsort((keys["category"].to_numpy(), keys["area"].to_numpy()))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    shape = (len(keys), len(dates))
    idx = rank[codes] * len(dates) + t
    flat = np.zeros(shape[0] * shape[1])
    np.add.at(flat, idx, df["y"].to_numpy(dtype=float))  # duplicated (series, period) rows are summed
    seen = np.zeros(flat.size, dtype=bool)
    seen[idx] = True
    values = np.where(seen, flat, np.nan).reshape(shape)
    keys = keys.iloc[order].reset_index(drop=True)
    return Grid(keys=keys, dates=dates, values=values, freq=freq)
