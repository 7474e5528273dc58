"""The counts panel: cases per ``area x category x period``, long format ``area, category, ds, y``.

A missing week is a zero, not a gap: every series is zero-filled over its active span.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

from foresight._panel_sql import FAR_DAYS, STALE_DAYS, check_recency, cut_off, parquet_counts
from foresight.areas import AreaTree, load_areas
from foresight.errors import DataError
from foresight.periods import (last_complete, normalize_freq, panel_freq, period_at, period_index, period_offset,
                               period_start)
from foresight.schemas import PANEL_COLUMNS, check_panel

__all__ = ["ALL", "FAR_DAYS", "PANEL_COLUMNS", "STALE_DAYS", "complete_panel", "period_offset", "rollup",
           "summarize_panel", "to_panel"]

#: Label of an aggregated-away key (``category == ALL`` is an area total).
ALL = "(all)"
_EPOCH = pd.Timestamp("1970-01-05")  # a Monday: periods are counted from here to expand spans

def _as_of(value: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise DataError(f"as_of = {value!r} is not a date; use YYYY-MM-DD.")
    return ts.normalize()


def to_panel(
    cases: pd.DataFrame | str | os.PathLike[str],
    *,
    freq: str = "W",
    level: str | None = None,
    areas: AreaTree | pd.DataFrame | str | os.PathLike[str] | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Count cases per area, category and period.

    Parameters
    ----------
    cases
        Canonical cases (``read_cases(...).cases``): needs ``received``, ``area``, ``category``. Or the
        path of a Parquet file, folder or glob of such cases (e.g. the dataset
        ``CaseStore.export_parquet`` writes): DuckDB then does the counting, out of pandas, so 20
        million cases take seconds; the panel is the same.
    freq
        ``"W"`` (weeks starting Monday) or ``"M"`` (calendar months).
    level
        Roll areas up to this level of ``areas`` (``district``, ``town``, ``community``, ``grid``).
        Cases recorded at a coarser area than ``level`` keep their own area (with a warning).
    areas
        The area tree; its ``start``/``end`` dates bound each area's span.
    as_of
        Cut-off, exclusive: cases on or after it are not counted, and the panel ends with the last
        complete period before it. Default: the start of the period after the latest complete one,
        so a partly observed last period is left out.

    Returns
    -------
    DataFrame
        ``area, category, ds, y``, sorted, one row per series and period, where each (area, category)
        with at least one case spans from its area's first case (or the area's start date) to the
        last complete period (or the area's end date). ``attrs`` holds ``freq`` and ``as_of``.

    Raises
    ------
    DataError
        Missing columns, ``level`` without ``areas``, or an ``as_of`` more than :data:`FAR_DAYS` days
        after the latest case before it (the data do not reach it).

    Warns
    -----
    UserWarning
        ``stale data: ...`` when the latest case before ``as_of`` is more than :data:`STALE_DAYS`
        days before it (4 weeks, or 2 months for ``freq="M"``). The same rule holds for a Parquet
        source and for :meth:`foresight.store.CaseStore.panel`.

    Examples
    --------
    >>> cases = pd.DataFrame({"received": pd.to_datetime(["2024-01-02", "2024-01-17", "2024-01-18"]),
    ...                       "area": ["A", "A", "B"], "category": ["x", "x", "y"]})
    >>> p = to_panel(cases, as_of="2024-01-22")
    >>> p[p.area == "A"]["y"].tolist()
    [1, 0, 1]
    >>> p.attrs["as_of"]
    Timestamp('2024-01-22 00:00:00')
    """
    f = normalize_freq(freq)
    tree = load_areas(areas) if areas is not None else None
    if level is not None and tree is None:
        raise DataError(f"level={level!r} needs the area tree: pass areas=.")
    if isinstance(cases, (str, os.PathLike)):
        counts, as_of_ts, coarse = parquet_counts(cases, freq=f, level=level, tree=tree, as_of=as_of, stacklevel=3)
    else:
        counts, as_of_ts, coarse = _frame_counts(cases, freq=f, level=level, tree=tree, as_of=as_of)
    warn_coarse(coarse, level, stacklevel=3)
    return complete_panel(counts, freq=f, as_of=as_of_ts, tree=tree)


def warn_coarse(coarse: tuple[int, str] | None, level: str | None, *, stacklevel: int = 2) -> None:
    """Warn that ``coarse[0]`` cases (e.g. area ``coarse[1]``) sit above ``level`` and keep their area."""
    if coarse is not None:
        warnings.warn(f"{coarse[0]} case(s) are recorded at an area coarser than {level!r} "
                      f"(e.g. {coarse[1]!r}); they keep their own area.", stacklevel=stacklevel)


def _frame_counts(cases: pd.DataFrame, *, freq: str, level: str | None, tree: AreaTree | None,
                  as_of: object) -> tuple[pd.DataFrame, pd.Timestamp, tuple[int, str] | None]:
    """Cases per ``area, category, ds`` from a cases frame (pandas), the cut-off, and the coarse cases."""
    missing = [c for c in ("received", "area", "category") if c not in cases.columns]
    if missing:
        raise DataError(f"cases lack column(s) {missing}; pass read_cases(...).cases.")
    received = pd.to_datetime(cases["received"])
    if as_of is not None:
        as_of = _as_of(as_of)
        check_recency(received[received < as_of].max(), as_of, freq, stacklevel=3)
    as_of_ts, last = cut_off(received.max() if received.notna().any() else None, as_of, freq)
    area = cases["area"].astype(object)
    coarse_info = None
    if level is not None and tree is not None:
        up = tree.ancestor(area.reset_index(drop=True), level).set_axis(area.index)
        coarse = up.isna()
        if coarse.any():
            coarse_info = (int(coarse.sum()), str(area[coarse].iloc[0]))
        area = up.where(~coarse, area)
    ds = period_start(received, freq)
    keep = (received < as_of_ts) & (ds <= last)
    counts = (pd.DataFrame({"area": area[keep], "category": cases["category"][keep].astype(object),
                            "ds": ds[keep]})
              .groupby(["area", "category", "ds"], sort=False).size().rename("y").reset_index())
    return counts, as_of_ts, coarse_info


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a string column and its distinct values, sorted (a Categorical keeps its codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = np.asarray(column.cat.categories, dtype=object)
        order = np.argsort(cats, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = column.cat.codes.to_numpy()
        return rank[codes], cats[order]
    codes, uniques = pd.factorize(column.astype(object), sort=True)
    return codes, np.asarray(uniques, dtype=object)


def complete_panel(counts: pd.DataFrame, *, freq: str, as_of: pd.Timestamp,
                   tree: AreaTree | None = None) -> pd.DataFrame:
    """Zero-fill counts ``area, category, ds, y`` over each series' active span (see :func:`to_panel`).

    Each (area, category) with a count spans from its area's first count (or the area's start date in
    ``tree``, if earlier) to the last complete period before ``as_of`` (or the area's end date, but
    never before its last count). Vectorised: one pass over the series, none over the rows.

    Parameters
    ----------
    counts
        ``area, category, ds, y``: period starts, one row per (area, category, period) with cases.
    freq
        ``"W"`` or ``"M"``.
    as_of
        The cut-off (exclusive); the panel ends with the last complete period before it.
    tree
        The area tree whose ``start``/``end`` dates bound each area's span.

    Returns
    -------
    DataFrame
        The panel ``area, category, ds, y``, sorted, ``attrs`` holding ``freq`` and ``as_of``.

    Examples
    --------
    >>> c = pd.DataFrame({"area": ["A", "A"], "category": ["x", "x"],
    ...                   "ds": pd.to_datetime(["2024-01-01", "2024-01-15"]), "y": [2, 1]})
    >>> complete_panel(c, freq="W", as_of=pd.Timestamp("2024-01-22"))["y"].tolist()
    [2, 0, 1]
    """
    f = normalize_freq(freq)
    as_of_ts = pd.Timestamp(as_of)
    if counts.empty:
        out = pd.DataFrame({"area": pd.Series(dtype=object), "category": pd.Series(dtype=object),
                            "ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype="int64")})
        out.attrs.update(freq=f, as_of=as_of_ts)
        return out
    last = period_index([last_complete(as_of_ts, f)], _EPOCH, f)[0]
    a_code, a_uni = _sorted_codes(counts["area"])
    p = period_index(counts["ds"], _EPOCH, f)
    n_area = len(a_uni)
    first = np.full(n_area, np.iinfo(np.int64).max)
    np.minimum.at(first, a_code, p)
    end = np.full(n_area, last)
    if tree is not None:
        t = tree.table.set_index("code")
        for col, fold in (("start", np.minimum), ("end", np.minimum)):
            known = t[col].reindex(a_uni).to_numpy()
            ok = ~pd.isna(known)
            bound = period_index(period_start(pd.DatetimeIndex(known[ok]), f), _EPOCH, f)
            if col == "start":
                first[ok] = fold(first[ok], bound)
            else:
                end[ok] = fold(end[ok], bound)
        # cases after an area's end still count: extend the span to cover them
        latest = np.full(n_area, np.iinfo(np.int64).min)
        np.maximum.at(latest, a_code, p)
        end = np.maximum(end, latest)
    c_code, c_uni = _sorted_codes(counts["category"])
    key = a_code.astype(np.int64) * len(c_uni) + c_code
    s_key, s_of_row = np.unique(key, return_inverse=True)  # series sorted by area, then category
    s_area = s_key // len(c_uni)
    s_start = first[s_area]
    n = np.clip(end[s_area] - s_start + 1, 0, None)
    offset = np.cumsum(n) - n
    total = int(n.sum())
    y = np.zeros(total, dtype=np.int64)
    pos = offset[s_of_row] + (p - s_start[s_of_row])
    inside = (p >= s_start[s_of_row]) & (p - s_start[s_of_row] < n[s_of_row])
    np.add.at(y, pos[inside], counts["y"].to_numpy(dtype=np.int64)[inside])
    # row r of series s is period s_start[s] + (r - offset[s]); every column built by one repeat, and
    # handed to the frame as is (copy=False: a default frame copies each 8-byte column once more)
    period = np.repeat(s_start - offset, n)
    period += np.arange(total)
    out = pd.DataFrame({
        "area": np.repeat(np.asarray(a_uni, dtype=object)[s_area], n),
        "category": np.repeat(np.asarray(c_uni, dtype=object)[s_key % len(c_uni)], n),
        "ds": period_at(period, _EPOCH, f).to_numpy(),
        "y": y,
    }, copy=False)
    out.attrs.update(freq=f, as_of=as_of_ts)
    return out


def _expand(series: pd.DataFrame, f: str) -> pd.DataFrame:
    """One row per period between each series' ``start`` and ``end`` (inclusive)."""
    p0 = period_index(series["start"], _EPOCH, f)
    n = np.clip(period_index(series["end"], _EPOCH, f) - p0 + 1, 0, None)
    rep = series.loc[series.index.repeat(n), ["area", "category"]].reset_index(drop=True)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    rep["ds"] = period_at(np.repeat(p0, n) + k, _EPOCH, f)
    return rep


def rollup(
    panel: pd.DataFrame,
    *,
    level: str | None = None,
    areas: AreaTree | pd.DataFrame | str | os.PathLike[str] | None = None,
    over: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """Sum a panel up the area tree and/or over areas or categories; totals are kept exactly.

    Parameters
    ----------
    panel
        ``area, category, ds, y``.
    level
        Roll areas up to this level of ``areas``.
    areas
        The area tree (needed with ``level``).
    over
        Keys to sum away: ``("category",)`` gives area totals, ``("area",)`` category totals,
        ``("area", "category")`` the grand total. A summed-away key is labelled :data:`ALL`.

    Returns
    -------
    DataFrame
        ``area, category, ds, y``, each series zero-filled from its first to its last period; the
        sum of ``y`` equals the input's.

    Raises
    ------
    DataError
        ``over`` names another column, or ``level`` is given without ``areas``.

    Examples
    --------
    >>> p = pd.DataFrame({"area": ["A", "A", "B"], "category": ["x", "y", "x"],
    ...                   "ds": pd.to_datetime(["2024-01-01"] * 3), "y": [1, 2, 3]})
    >>> rollup(p, over=("area",))[["area", "category", "y"]].values.tolist()
    [['(all)', 'x', 4], ['(all)', 'y', 2]]
    """
    bad = [k for k in over if k not in ("area", "category")]
    if bad:
        raise DataError(f"over={tuple(over)!r}: only 'area' and 'category' can be summed away.")
    panel = check_panel(panel)
    frame = panel[list(PANEL_COLUMNS)].copy()
    if level is not None:
        if areas is None:
            raise DataError(f"level={level!r} needs the area tree: pass areas=.")
        frame["area"] = load_areas(areas).lift(frame["area"], level)
    for key in over:
        frame[key] = ALL
    out = frame.groupby(["area", "category", "ds"], sort=True)["y"].sum().reset_index()
    f = panel_freq(panel)
    spans = out.groupby(["area", "category"])["ds"].agg(start="min", end="max").reset_index()
    out = _expand(spans, f).merge(out, on=["area", "category", "ds"], how="left")
    out["y"] = out["y"].fillna(0).astype("int64")
    out.attrs.update(panel.attrs)
    return out.sort_values(["area", "category", "ds"], ignore_index=True)


def summarize_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """One line per category: series, periods, total cases, mean per period, share of zero periods.

    Parameters
    ----------
    panel
        ``area, category, ds, y``.

    Returns
    -------
    DataFrame
        ``category, series, first, last, cases, mean_per_series_period, zero_share``, the busiest
        category first.

    Examples
    --------
    >>> p = pd.DataFrame({"area": ["A", "A"], "category": ["x", "x"],
    ...                   "ds": pd.to_datetime(["2024-01-01", "2024-01-08"]), "y": [0, 4]})
    >>> summarize_panel(p)[["category", "series", "cases", "zero_share"]].to_dict("records")
    [{'category': 'x', 'series': 1, 'cases': 4, 'zero_share': 0.5}]
    """
    g = panel.groupby("category")
    out = pd.DataFrame({
        "series": g["area"].nunique().astype(int),
        "first": g["ds"].min(),
        "last": g["ds"].max(),
        "cases": g["y"].sum().astype(int),
        "mean_per_series_period": g["y"].mean().round(3),
        "zero_share": g["y"].apply(lambda y: float((y == 0).mean())).round(3),
    }).reset_index()
    return out.sort_values("cases", ascending=False, ignore_index=True)
