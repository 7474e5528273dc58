"""The series matrix: a checked panel as a dense ``series x periods`` array, and back.

Forecasting and early warning both work on one row per (area, category) series over a common,
regular period grid; this is the one conversion between that array and the long panel
``area, category, ds, y``. Rows are the series sorted by area then category; columns are period
starts (:mod:`foresight.periods`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from foresight import periods
from foresight.errors import DataError
from foresight.schemas import key_codes, series_runs

__all__ = ["SeriesMatrix", "to_matrix", "to_long"]


@dataclass(frozen=True)
class SeriesMatrix:
    """Counts of many series on one period grid.

    Attributes
    ----------
    keys : DataFrame
        ``area, category`` (str), one row per series, in the row order of ``y``.
    starts : DatetimeIndex
        Period start of each column.
    y : ndarray
        float64 counts, ``len(keys) x len(starts)``; NaN where the series is not observed (see
        :func:`to_matrix`).
    freq : str
        ``"W"`` or ``"M"``.
    gaps : str
        ``"zero"`` or ``"missing"``: how :func:`to_matrix` filled periods without a row.
    before : Timestamp or None
        The cut :func:`to_matrix` applied (rows with ``ds >= before`` dropped), if any.

    Examples
    --------
    >>> p = pd.DataFrame({"area": "A", "category": "x", "ds": pd.to_datetime(["2024-01-08", "2024-01-22"]),
    ...                   "y": [2, 5]})
    >>> m = to_matrix(p, "W")
    >>> m.y.tolist(), m.periods_per_year, m.first.tolist()
    ([[2.0, 0.0, 5.0]], 52, [0])
    """

    keys: pd.DataFrame
    starts: pd.DatetimeIndex
    y: np.ndarray
    freq: str
    gaps: str = "zero"
    before: pd.Timestamp | None = None

    @property
    def active(self) -> np.ndarray:
        """Where each series is observed (not NaN)."""
        return ~np.isnan(self.y)

    @property
    def first(self) -> np.ndarray:
        """Column of each series' first observed period."""
        return np.argmax(self.active, axis=1)

    @property
    def periods_per_year(self) -> int:
        """52 or 12."""
        return periods.periods_per_year(self.freq)


def to_matrix(panel: pd.DataFrame, freq: str, *, before: Any = None,
              gaps: Literal["zero", "missing"] = "zero", reuse: SeriesMatrix | None = None) -> SeriesMatrix:
    """Pivot a checked panel (:func:`foresight.schemas.check_panel`) to a :class:`SeriesMatrix`.

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y`` with unique (area, category, ds) rows.
    freq : {"W", "M"}
        Period length; ``ds`` must be period starts (Mondays or firsts of the month).
    before : date-like, optional
        Drop rows with ``ds >= before`` first.
    gaps : {"zero", "missing"}
        ``"zero"`` (forecasting): a series is active from its first row on, periods without a row
        count 0 (a series that stops early reads as zeros since), and with ``attrs["as_of"]`` the
        grid runs to the last complete period before it. ``"missing"`` (early warning): only the
        panel's rows are observed, every other cell is NaN; the grid ends at the last row.
    reuse : SeriesMatrix, optional
        The matrix an earlier call built from this panel with the same ``freq``, ``before`` and
        ``gaps``: returned as it is once those and the panel's total count agree (steps that share
        one matrix pass it on instead of pivoting the panel again).

    Returns
    -------
    SeriesMatrix

    Raises
    ------
    DataError
        No rows (before ``before``), dates that are not period starts of ``freq``, or a ``reuse``
        matrix built otherwise or from another panel.

    Examples
    --------
    >>> p = pd.DataFrame({"area": ["A", "A", "B"], "category": "x",
    ...                   "ds": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-08"]), "y": [1, 3, 2]})
    >>> to_matrix(p, "W").y.tolist()
    [[1.0, 0.0, 3.0], [nan, 2.0, 0.0]]
    >>> m = to_matrix(p, "W", gaps="missing")
    >>> m.y.tolist()
    [[1.0, nan, 3.0], [nan, 2.0, nan]]
    >>> to_matrix(p, "W", gaps="missing", reuse=m) is m
    True
    """
    f = periods.normalize_freq(freq)
    if reuse is not None:
        return _checked_reuse(reuse, panel, f, before=before, gaps=gaps)
    ds = pd.DatetimeIndex(panel["ds"]).as_unit("ns")  # as check_panel makes it (pandas 3 may give us)
    values = panel["y"].to_numpy()  # cast to float64 as it is written into the matrix
    runs = series_runs(panel["area"], panel["category"])
    ac, au = key_codes(panel["area"].iloc[runs], sort=True)  # one row per run of a series
    cc, cu = key_codes(panel["category"].iloc[runs], sort=True)
    run_combo = ac * len(cu) + cc
    lengths = np.diff(np.append(runs, len(panel)))  # rows of each run
    if before is not None:
        keep = np.asarray(ds < pd.Timestamp(before))
        if not keep.all():
            ds, values = ds[keep], values[keep]
            lengths = np.add.reduceat(keep.astype(np.int64), runs) if len(runs) else lengths
    if len(ds) == 0:
        raise DataError("the panel has no periods before as_of; pass a panel with history before as_of."
                        if before is not None else "the panel has no rows: there is nothing to work on")
    periods.check_period_starts(ds, f)
    dsv = ds.to_numpy()
    t0, t1 = pd.Timestamp(dsv.min()).normalize(), pd.Timestamp(dsv.max()).normalize()
    if gaps == "zero" and panel.attrs.get("as_of") is not None:
        t1 = max(t1, periods.last_complete(panel.attrs["as_of"], f))  # periods up to as_of without cases
    starts = periods.period_range(t0, t1, f)
    au = pd.Index(au).astype(str)
    cu = pd.Index(cu).astype(str)
    seen = run_combo[lengths > 0]
    if len(au) * len(cu) <= 50_000_000:  # O(runs) instead of sorting
        present = np.zeros(len(au) * len(cu), dtype=bool)
        present[seen] = True
        ukeys = np.flatnonzero(present)
        run_sid = (np.cumsum(present) - 1)[run_combo]
    else:
        ukeys = np.unique(seen)
        run_sid = np.searchsorted(ukeys, run_combo)
    n, T = len(ukeys), len(starts)
    # each row's cell in the flattened matrix: its series' row offset (the kept rows of a run are
    # together, in order) plus its period; built in place, one array of the panel's length
    cell = np.repeat(run_sid * T, lengths)
    cell += periods.period_index(ds, t0, f)
    y = np.zeros((n, T)) if gaps == "zero" else np.full((n, T), np.nan)
    y.reshape(-1)[cell] = values
    if gaps == "zero":  # NaN before each series' first row
        nonempty = lengths > 0
        run_first = np.minimum.reduceat(cell, (np.cumsum(lengths) - lengths)[nonempty])
        first = np.full(n, n * T, dtype=np.int64)
        np.minimum.at(first, run_sid[nonempty], run_first)
        first -= np.arange(n) * T
        y[np.arange(T)[None, :] < first[:, None]] = np.nan
    keys = pd.DataFrame({"area": au[ukeys // len(cu)], "category": cu[ukeys % len(cu)]})
    return SeriesMatrix(keys=keys, starts=starts, y=y, freq=f, gaps=gaps,
                        before=None if before is None else pd.Timestamp(before))


def _checked_reuse(m: SeriesMatrix, panel: pd.DataFrame, f: str, *, before: Any, gaps: str) -> SeriesMatrix:
    """``m`` if it was built by :func:`to_matrix` from ``panel`` with these options, else a DataError."""
    cut = None if before is None else pd.Timestamp(before)
    if not isinstance(m, SeriesMatrix) or (m.freq, m.gaps, m.before) != (f, gaps, cut):
        got = (m.freq, m.gaps, m.before) if isinstance(m, SeriesMatrix) else type(m).__name__
        raise DataError(f"the series matrix passed in was built with (freq, gaps, before) = {got}, this step "
                        f"needs {(f, gaps, cut)}: build it with foresight.matrix.to_matrix(panel, {f!r}, "
                        f"before={cut!r}, gaps={gaps!r}) or pass none.")
    y = panel["y"].to_numpy()
    total = np.add.reduce(y, where=np.asarray(panel["ds"] < cut)) if cut is not None else y.sum()
    if float(total) != float(np.nansum(m.y)):
        raise DataError(f"the series matrix passed in counts {np.nansum(m.y):.0f} cases, the panel "
                        f"{float(total):.0f}: it was built from another panel; build it from this one "
                        "(foresight.matrix.to_matrix) or pass none.")
    return m


def to_long(keys: pd.DataFrame, starts: pd.DatetimeIndex, **columns: np.ndarray) -> pd.DataFrame:
    """The long frame ``area, category, ds, <columns>`` of arrays shaped ``len(keys) x len(starts)``.

    Parameters
    ----------
    keys : DataFrame
        ``area, category`` of the rows.
    starts : DatetimeIndex
        Period starts of the columns.
    **columns : ndarray
        Arrays of shape ``(len(keys), len(starts))``, or ``(len(keys),)`` for one value per series.

    Returns
    -------
    DataFrame
        One row per series and period, series-major (all periods of the first series first).

    Examples
    --------
    >>> keys = pd.DataFrame({"area": ["A", "B"], "category": "x"})
    >>> to_long(keys, pd.to_datetime(["2024-01-01", "2024-01-08"]), mean=np.array([[1., 2.], [3., 4.]]),
    ...         model=np.array(["a", "b"]))["model"].tolist()
    ['a', 'a', 'b', 'b']
    """
    n, H = len(keys), len(starts)
    out = pd.DataFrame({
        "area": np.repeat(keys["area"].to_numpy(), H),
        "category": np.repeat(keys["category"].to_numpy(), H),
        "ds": np.tile(pd.DatetimeIndex(starts).to_numpy(), n),
    })
    for name, values in columns.items():
        v = np.asarray(values)
        out[name] = np.repeat(v, H) if v.ndim == 1 else v.reshape(n * H)
    return out
