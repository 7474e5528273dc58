"""The frames that flow between modules, and the one check of a counts panel.

A panel is long format ``area, category, ds, y``: one row per series and period, ``ds`` the period
start, ``y`` a whole count >= 0. :func:`check_panel` is the only place that decides whether a frame
is a usable panel; forecasting, early warning, evaluation and the panel functions all call it, so a
panel that one accepts the others accept too, and every error says how to fix the input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.errors import DataError

__all__ = ["PANEL_COLUMNS", "KEYS", "check_panel"]

#: Columns of a counts panel, in order.
PANEL_COLUMNS: tuple[str, ...] = ("area", "category", "ds", "y")
#: The key of one panel row (a series is ``area, category``).
KEYS: tuple[str, ...] = ("area", "category", "ds")
_BUILD = "build it with foresight.to_panel(cases)"


def check_panel(panel: pd.DataFrame, *, name: str = "panel", allow_empty: bool = True) -> pd.DataFrame:
    """Check a counts panel and return it with canonical dtypes; every error says the fix.

    Parameters
    ----------
    panel : DataFrame
        A frame with columns ``area, category, ds, y`` (other columns are kept as they are).
    name : str
        What to call the frame in error messages (e.g. ``"history"``).
    allow_empty : bool
        Accept a panel without rows (``False``: an empty panel is an error).

    Returns
    -------
    DataFrame
        A shallow copy with ``ds`` as ``datetime64[ns]`` and ``y`` as ``int64``; ``attrs`` kept.

    Raises
    ------
    DataError
        Not a DataFrame, missing columns, missing areas, categories or dates, missing, negative or
        fractional counts, or repeated (area, category, ds) rows; the message names the first bad
        row and the fix.

    Examples
    --------
    >>> p = pd.DataFrame({"area": ["A", "A"], "category": ["x", "x"], "ds": ["2024-01-01", "2024-01-08"],
    ...                   "y": [1.0, 0.0]})
    >>> check_panel(p)[["ds", "y"]].dtypes.astype(str).tolist()
    ['datetime64[ns]', 'int64']
    >>> check_panel(p.assign(y=[1, -1]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    foresight.errors.DataError: panel column y has 1 negative count(s) (first -1 at area='A', ...
    """
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame with columns area, category, ds, y, got "
                        f"{type(panel).__name__}: {_BUILD}")
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise DataError(f"{name} lacks column(s) {missing} (has {list(panel.columns)}); a panel has columns "
                        f"area, category, ds, y: {_BUILD}, or rename your columns")
    if panel.empty and not allow_empty:
        raise DataError(f"{name} has no rows: there is nothing to work on (check the as_of date and filters)")
    out = panel.copy(deep=False)
    out.attrs = dict(panel.attrs)
    for c in ("area", "category"):
        if out[c].isna().any():
            raise DataError(f"{name} column {c} has {int(out[c].isna().sum())} missing value(s) (first at row "
                            f"{_row(out, out[c].isna())}): every row needs an area and a category")
    out["ds"] = _dates(out["ds"], name)
    out["y"] = _counts(out, name)
    dup = out.duplicated(list(KEYS))
    if dup.any():
        bad = out.loc[dup].iloc[0]
        raise DataError(
            f"{name} has {int(dup.sum())} duplicate (area, category, ds) row(s), first area={bad['area']!r} "
            f"category={bad['category']!r} ds={pd.Timestamp(bad['ds']).date()}: sum them first "
            f"({name}.groupby(['area', 'category', 'ds'], as_index=False)['y'].sum()) or {_BUILD}"
        )
    return out


def _row(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> object:
    return frame.index[np.asarray(mask)][0]


def _dates(ds: pd.Series, name: str) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(ds):
        try:
            ds = pd.to_datetime(ds)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{name} column ds must hold period start dates (e.g. 2024-01-01): {exc}") from exc
    if getattr(ds.dt, "tz", None) is not None:
        ds = ds.dt.tz_localize(None)
    if ds.dtype != "datetime64[ns]":
        ds = ds.astype("datetime64[ns]")
    if ds.isna().any():
        raise DataError(f"{name} column ds has {int(ds.isna().sum())} missing date(s) (first at row "
                        f"{ds.index[ds.isna().to_numpy()][0]}): every row needs its period start")
    return ds


def _counts(frame: pd.DataFrame, name: str) -> pd.Series:
    y = frame["y"]
    if not pd.api.types.is_integer_dtype(y) or y.hasnans:
        y = pd.to_numeric(y, errors="coerce")
    where = (lambda m: f"area={frame.loc[m, 'area'].iloc[0]!r}, category={frame.loc[m, 'category'].iloc[0]!r}, "
                       f"ds={pd.Timestamp(frame.loc[m, 'ds'].iloc[0]).date()}")
    if y.isna().any():
        m = y.isna().to_numpy()
        raise DataError(f"{name} column y has {int(m.sum())} missing or non-numeric value(s) (first at "
                        f"{where(m)}): use 0 for periods with no cases")
    yv = y.to_numpy(dtype="float64")
    if (yv < 0).any():
        m = yv < 0
        raise DataError(f"{name} column y has {int(m.sum())} negative count(s) (first {yv[m][0]:g} at "
                        f"{where(m)}): counts must be >= 0; fix or drop those rows")
    if (np.floor(yv) != yv).any():
        m = np.floor(yv) != yv
        raise DataError(f"{name} column y must hold whole counts, but has {yv[m][0]:g} at {where(m)}: round "
                        f"the counts or {_BUILD}")
    return pd.Series(yv.astype("int64"), index=frame.index, name="y")
