"""The report's few charts, drawn with matplotlib (Agg, no pyplot state) and returned as PNG bytes."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from foresight.text import labels, month_name, render

__all__ = ["png_data_uri", "total_chart", "trend_chart", "wave_calendar_chart"]

_BLUE, _ORANGE, _GREY = "#1f5fa8", "#d9711c", "#888888"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def png_data_uri(png: bytes) -> str:
    """Embed PNG bytes as a ``data:`` URI for an ``<img src=...>``.

    Examples
    --------
    >>> png_data_uri(b"abc")
    'data:image/png;base64,YWJj'
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _fan(ax, hist: pd.DataFrame, fc: pd.DataFrame, *, as_of: pd.Timestamp, language: str,
         legend: bool = False) -> None:
    t = labels(language)
    ax.plot(hist["ds"], hist["y"], color=_BLUE, lw=1.2, label=t["history"])
    if len(fc):
        lo, hi = ("p10", "p90") if {"p10", "p90"} <= set(fc.columns) else ("mean", "mean")
        ax.fill_between(fc["ds"], fc[lo], fc[hi], color=_ORANGE, alpha=0.25, lw=0, label=t["band"])
        mid = "p50" if "p50" in fc.columns else "mean"
        ax.plot(fc["ds"], fc[mid], color=_ORANGE, lw=1.2, ls="--", label=t["median"])
    ax.axvline(as_of, color=_GREY, lw=0.8)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, lw=0.5)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend:
        ax.legend(fontsize=8, frameon=False, loc="upper left")


def total_chart(total: pd.DataFrame, fc: pd.DataFrame, *, as_of: pd.Timestamp, language: str = "zh",
                years: int = 2) -> bytes:
    """All cases per period: the last ``years`` of history and the forecast fan.

    Parameters
    ----------
    total : DataFrame
        ``ds, y`` for the grand total.
    fc : DataFrame
        ``ds, mean, p10, p50, p90`` forecast of the grand total.
    as_of : Timestamp
        Start of the first forecast period (a vertical line).
    language : {"zh", "en"}
        Label language.
    years : int
        Years of history shown.

    Returns
    -------
    bytes
        A PNG image.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    >>> png = total_chart(pd.DataFrame({"ds": ds[:52], "y": 5}), pd.DataFrame(
    ...     {"ds": ds[52:], "mean": 5.0, "p10": 3, "p50": 5, "p90": 8}), as_of=ds[52], language="en")
    >>> png[:4]
    b'\\x89PNG'
    """
    t = labels(language)
    hist = total[total["ds"] >= as_of - pd.DateOffset(years=years)]
    fig = Figure(figsize=(9, 2.6))
    ax = fig.subplots()
    _fan(ax, hist, fc, as_of=as_of, language=language, legend=True)
    ax.set_title(f"{t['total']}（{t['all_areas']}）" if language == "zh" else f"{t['total']} ({t['all_areas']})",
                 fontsize=10, loc="left")
    return _png(fig)


def trend_chart(cat_panel: pd.DataFrame, cat_fc: pd.DataFrame, *, categories: list[str],
                names: dict[str, str], as_of: pd.Timestamp, language: str = "zh", years: int = 2,
                ncols: int = 3) -> bytes:
    """Small multiples: one panel per category with its history and forecast fan.

    Parameters
    ----------
    cat_panel, cat_fc : DataFrame
        Category totals (``category, ds, y``) and their forecasts (``category, ds, mean, p10, p50, p90``).
    categories : list of str
        Categories to draw, in order.
    names : dict
        Category code -> display name.
    as_of : Timestamp
        Start of the forecast.
    language : {"zh", "en"}
        Label language.
    years : int
        Years of history shown.
    ncols : int
        Panels per row.

    Returns
    -------
    bytes
        A PNG image.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    >>> p = pd.DataFrame({"category": "wage", "ds": ds[:52], "y": np.arange(52) % 7})
    >>> f = pd.DataFrame({"category": "wage", "ds": ds[52:], "mean": 3.0, "p10": 1, "p50": 3, "p90": 6})
    >>> trend_chart(p, f, categories=["wage"], names={"wage": "欠薪"}, as_of=ds[52])[:4]
    b'\\x89PNG'
    """
    n = max(len(categories), 1)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(3.2 * ncols, 2.1 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    hist_all = cat_panel[cat_panel["ds"] >= as_of - pd.DateOffset(years=years)]
    for i, (ax, cat) in enumerate(zip(axes, categories)):
        _fan(ax, hist_all[hist_all["category"] == cat], cat_fc[cat_fc["category"] == cat], as_of=as_of,
             language=language, legend=(i == 0))
        ax.set_title(names.get(cat, cat), fontsize=9, loc="left")
        ax.xaxis.set_major_locator(_year_locator())
    for ax in axes[len(categories):]:
        ax.set_visible(False)
    fig.tight_layout()
    return _png(fig)


def _year_locator():
    import matplotlib.dates as mdates

    return mdates.MonthLocator(bymonth=(1, 7))


def wave_calendar_chart(waves: pd.DataFrame, *, categories: list[str], names: dict[str, str],
                        as_of: pd.Timestamp, freq: str = "W", language: str = "zh") -> bytes:
    """Heat map: areas in a seasonal wave, by category (rows) and period of the year (columns).

    Parameters
    ----------
    waves : DataFrame
        ``area, category, onset, end`` (1-based period of the year), from ``foresight.warning.waves``.
    categories : list of str
        Rows, in order.
    names : dict
        Category code -> display name.
    as_of : Timestamp
        Now (a vertical line).
    freq : {"W", "M"}
        Period of the wave positions.
    language : {"zh", "en"}
        Label language.

    Returns
    -------
    bytes
        A PNG image.

    Examples
    --------
    >>> w = pd.DataFrame({"area": ["A"], "category": ["school"], "onset": [9], "end": [38]})
    >>> wave_calendar_chart(w, categories=["school"], names={}, as_of=pd.Timestamp("2024-05-06"))[:4]
    b'\\x89PNG'
    """
    P = 12 if freq == "M" else 52
    grid = np.zeros((len(categories), P))
    pos = np.arange(1, P + 1)
    row = {c: i for i, c in enumerate(categories)}
    w = waves[waves["category"].isin(row)]
    if len(w):
        onset, end = w["onset"].to_numpy()[:, None], w["end"].to_numpy()[:, None]
        inside = np.where(onset <= end, (pos >= onset) & (pos <= end), (pos >= onset) | (pos <= end))
        rows = w["category"].map(row).to_numpy()
        np.add.at(grid, rows, inside.astype(float))
    fig = Figure(figsize=(9, 0.35 * max(len(categories), 2) + 1.0))
    ax = fig.subplots()
    im = ax.imshow(grid, aspect="auto", cmap="OrRd", interpolation="nearest",
                   extent=(0.5, P + 0.5, len(categories) - 0.5, -0.5), vmin=0)
    ax.set_yticks(range(len(categories)), [names.get(c, c) for c in categories], fontsize=8)
    if freq == "M":
        ticks = list(range(1, 13))
        ax.set_xticks(ticks, [month_name(m, language) for m in ticks], fontsize=8)
        now = as_of.month
    else:
        ticks = [1 + int((pd.Timestamp(2021, m, 1).day_of_year - 1) // 7) for m in range(1, 13)]
        ax.set_xticks(ticks, [month_name(m, language) for m in range(1, 13)], fontsize=8)
        now = min((as_of.day_of_year - 1) // 7, 51) + 1
    ax.axvline(now, color=_BLUE, lw=1.5)
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
    cb.ax.tick_params(labelsize=7)
    cb.set_label(render("areas_count", language), fontsize=8)
    return _png(fig)
