"""The counts panel: cases per ``area x category x period``, long format ``area, category, ds, y``.

A missing week is a zero, not a gap: every series is zero-filled over its active span.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

from foresight.areas import AreaTree, load_areas
from foresight.errors import DataError
from foresight.periods import (last_complete, normalize_freq, panel_freq, period_at, period_index, period_offset,
                               period_start)
from foresight.schemas import PANEL_COLUMNS, check_panel

__all__ = ["ALL", "PANEL_COLUMNS", "period_offset", "rollup", "summarize_panel", "to_panel"]

#: Label of an aggregated-away key (``category == ALL`` is an area total).
ALL = "(all)"
_EPOCH = pd.Timestamp("1970-01-05")  # a Monday: periods are counted from here to expand spans

#: An as-of this long after the latest case is refused (the data do not reach it).
FAR_DAYS = 730
#: An as-of this long after the latest case gets a warning: the data may be stale.
STALE_DAYS = {"W": 28, "M": 62}


def _as_of(value: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise DataError(f"as_of = {value!r} is not a date; use YYYY-MM-DD.")
    return ts.normalize()


def _check_recency(latest: pd.Timestamp, as_of: pd.Timestamp, freq: str) -> None:
    """Refuse an as-of far beyond the data; warn when the data stop well before it (stale)."""
    if pd.isna(latest):
        return
    gap = (as_of - latest).days
    if gap > FAR_DAYS:
        raise DataError(f"as-of {as_of.date()} is {gap // 7} weeks after the latest case "
                        f"({latest.date()}): the data do not reach it. Check the as-of date, or "
                        "ingest the newer exports first.")
    if gap > STALE_DAYS[freq]:
        warnings.warn(f"stale data: the latest case is from {latest.date()}, {gap // 7} weeks before "
                      f"the as-of date {as_of.date()}; recent periods count as zero, so a calm result "
                      "may only mean missing exports. Ingest the latest export, or set an earlier "
                      "as-of.", UserWarning, stacklevel=3)


def to_panel(
    cases: pd.DataFrame,
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
        Canonical cases (``read_cases(...).cases``): needs ``received``, ``area``, ``category``.
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
        Missing columns, or ``level`` without ``areas``.

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
    missing = [c for c in ("received", "area", "category") if c not in cases.columns]
    if missing:
        raise DataError(f"cases lack column(s) {missing}; pass read_cases(...).cases.")
    f = normalize_freq(freq)
    received = pd.to_datetime(cases["received"])
    if as_of is None:
        if received.notna().sum() == 0:
            raise DataError("No cases to count: the cases frame is empty.")
        as_of_ts = period_start(received.max() + pd.Timedelta(days=1), f)
    else:
        as_of_ts = _as_of(as_of)
        _check_recency(received[received < as_of_ts].max(), as_of_ts, f)
    # The last complete period ends on or before as_of (a period holding as_of is incomplete).
    last = last_complete(as_of_ts, f)
    area = cases["area"].astype(object)
    tree = load_areas(areas) if areas is not None else None
    if level is not None:
        if tree is None:
            raise DataError(f"level={level!r} needs the area tree: pass areas=.")
        up = tree.ancestor(area.reset_index(drop=True), level).set_axis(area.index)
        coarse = up.isna()
        if coarse.any():
            warnings.warn(f"{int(coarse.sum())} case(s) are recorded at an area coarser than "
                          f"{level!r} (e.g. {area[coarse].iloc[0]!r}); they keep their own area.",
                          stacklevel=2)
        area = up.where(~coarse, area)
    ds = period_start(received, f)
    keep = (received < as_of_ts) & (ds <= last)
    counts = (pd.DataFrame({"area": area[keep], "category": cases["category"][keep].astype(object),
                            "ds": ds[keep]})
              .groupby(["area", "category", "ds"], sort=False).size().rename("y").reset_index())
    if counts.empty:
        out = pd.DataFrame({"area": pd.Series(dtype=object), "category": pd.Series(dtype=object),
                            "ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype="int64")})
        out.attrs.update(freq=f, as_of=as_of_ts)
        return out

    spans = counts.groupby("area")["ds"].min().rename("start").to_frame()
    spans["end"] = last
    if tree is not None:
        t = tree.table.set_index("code")
        start = period_start(t["start"].dropna(), f)
        end = period_start(t["end"].dropna(), f)
        spans["start"] = np.minimum(spans["start"], start.reindex(spans.index).fillna(spans["start"]))
        spans["end"] = np.minimum(spans["end"], end.reindex(spans.index).fillna(spans["end"]))
        # cases after an area's end still count: extend the span to cover them
        spans["end"] = np.maximum(spans["end"], counts.groupby("area")["ds"].max())
    series = counts[["area", "category"]].drop_duplicates().join(spans, on="area")
    out = _expand(series, f).merge(counts, on=["area", "category", "ds"], how="left")
    out["y"] = out["y"].fillna(0).astype("int64")
    out = out.sort_values(["area", "category", "ds"], ignore_index=True)
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
