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

__all__ = ["PANEL_COLUMNS", "KEYS", "check_panel", "key_codes", "series_runs"]

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
    starts = series_runs(out["area"], out["category"])
    lengths = np.diff(np.append(starts, len(out)))
    codes = {}
    for c in ("area", "category"):
        codes[c] = key_codes(out[c].iloc[starts])[0]  # every missing value starts a run of its own
        na = codes[c] < 0
        if na.any():
            raise DataError(f"{name} column {c} has {int(lengths[na].sum())} missing value(s) (first at row "
                            f"{out.index[starts[na][0]]}): every row needs an area and a category")
    for c, canonical in (("ds", _dates), ("y", _counts)):
        col = out[c]
        checked = canonical(col, out, name)
        if checked is not col:  # set only what changed: setting a column copies it
            out[c] = checked
    run_key = codes["area"] * (int(codes["category"].max(initial=-1)) + 1) + codes["category"]
    dup = _duplicates(run_key, starts, lengths, out["ds"].to_numpy().view("int64"))
    if dup is not None:
        bad = out.iloc[int(np.argmax(dup))]
        raise DataError(
            f"{name} has {int(dup.sum())} duplicate (area, category, ds) row(s), first area={bad['area']!r} "
            f"category={bad['category']!r} ds={pd.Timestamp(bad['ds']).date()}: sum them first "
            f"({name}.groupby(['area', 'category', 'ds'], as_index=False)['y'].sum()) or {_BUILD}"
        )
    return out


def series_runs(area: pd.Series, category: pd.Series) -> np.ndarray:
    """Positions where a run of rows with the same (area, category) begins (a panel keeps a series together).

    Comparing neighbours costs one pass and no hashing; the keys of a panel are then coded on one row per
    run (:func:`key_codes` of ``column.iloc[starts]``). A missing value never equals its neighbour, so
    it starts a run (a run of ``None`` starts with one).

    Parameters
    ----------
    area, category : Series
        The key columns, of equal length.

    Returns
    -------
    ndarray
        int64 row positions, increasing, the first 0 (empty for no rows).

    Examples
    --------
    >>> series_runs(pd.Series(["A", "A", "A", "B"]), pd.Series(["x", "x", "y", "y"])).tolist()
    [0, 2, 3]
    """
    n = len(area)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for col in (area, category):
        if isinstance(col.dtype, pd.CategoricalDtype):
            v = col.cat.codes.to_numpy()
            change[1:] |= v[1:] != v[:-1]
            continue
        v = col.to_numpy()
        try:
            change[1:] |= np.asarray(v[1:] != v[:-1], dtype=bool)
        except (TypeError, ValueError):  # e.g. pd.NA, which has no truth value: every row its own run
            return np.arange(n, dtype=np.int64)
    return np.flatnonzero(change)


def key_codes(col: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a key column (``area`` or ``category``) and its distinct labels, -1 where missing.

    Parameters
    ----------
    col : Series
        The column (or one row of each run of it, see :func:`series_runs`).
    sort : bool
        Number the labels in sorted order (an unordered categorical's by their text, an ordered one's
        in its order), else in order of appearance (categories' order for a categorical).

    Returns
    -------
    codes : ndarray
        int64, one per row: the position of the row's label in ``uniques``, -1 for a missing value.
    uniques : Index
        The distinct labels (without missing values; all categories of a categorical).

    Examples
    --------
    >>> codes, uniques = key_codes(pd.Series(["b", "b", "a", None, "b"]), sort=True)
    >>> codes.tolist(), uniques.tolist()
    ([1, 1, 0, -1, 1], ['a', 'b'])
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats, codes = col.cat.categories, col.cat.codes.to_numpy().astype(np.int64)
        if not sort or col.cat.ordered:  # an ordered categorical sorts in its own order
            return codes, cats
        order = np.argsort(cats.astype(str), kind="stable")
        remap = np.empty(len(cats) + 1, dtype=np.int64)
        remap[order] = np.arange(len(cats))
        remap[-1] = -1  # a missing value's code -1 stays -1
        return remap[codes], cats[order]
    codes, uniques = pd.factorize(col.to_numpy(), sort=sort)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _duplicates(run_key: np.ndarray, starts: np.ndarray, lengths: np.ndarray, ds: np.ndarray) -> np.ndarray | None:
    """Rows repeating an earlier row's (series, ds), or None when there is none.

    ``run_key`` is the series of each run of rows (:func:`series_runs`). Each series in one run with
    its dates increasing (a sorted panel) has none, which one pass shows; otherwise rows are hashed.
    """
    if len(ds) < 2:
        return None
    within = np.ones(len(ds) - 1, dtype=bool)
    within[starts[1:] - 1] = False  # row i and i + 1 are in one run
    if not (within & (ds[1:] <= ds[:-1])).any() and len(pd.unique(run_key)) == len(run_key):
        return None
    dup = pd.DataFrame({"s": np.repeat(run_key, lengths), "ds": ds}).duplicated().to_numpy()
    return dup if dup.any() else None


def _dates(ds: pd.Series, frame: pd.DataFrame, name: str) -> pd.Series:
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


def _counts(y: pd.Series, frame: pd.DataFrame, name: str) -> pd.Series:
    original = y
    if not pd.api.types.is_integer_dtype(y) or y.hasnans:
        y = pd.to_numeric(y, errors="coerce")
    where = (lambda m: f"area={frame.loc[m, 'area'].iloc[0]!r}, category={frame.loc[m, 'category'].iloc[0]!r}, "
                       f"ds={pd.Timestamp(frame.loc[m, 'ds'].iloc[0]).date()}")
    if y.isna().any():
        m = y.isna().to_numpy()
        raise DataError(f"{name} column y has {int(m.sum())} missing or non-numeric value(s) (first at "
                        f"{where(m)}): use 0 for periods with no cases")
    if isinstance(y.dtype, np.dtype) and y.dtype.kind in "iu":  # whole already: no float round trip
        yi = y.to_numpy(dtype="int64")
        if (yi < 0).any():
            m = yi < 0
            raise DataError(f"{name} column y has {int(m.sum())} negative count(s) (first {float(yi[m][0]):g} "
                            f"at {where(m)}): counts must be >= 0; fix or drop those rows")
        return original if original.dtype == np.int64 else pd.Series(yi, index=frame.index, name="y")
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
