"""Plots for notebooks: one series' forecast with its history, and area names on every plot.

Every plot takes ``ax=None`` (a new figure is made), returns the matplotlib ``Figure``, never calls
``plt.show()`` and works with the non-interactive ``Agg`` backend. ``names`` (an area tree, its table
or file, or a ``code -> name`` mapping) puts area names beside the codes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from foresight.errors import DataError

__all__ = ["area_label", "area_names", "plot_forecast"]

Names = Any  # AreaTree | DataFrame | str | os.PathLike | Mapping[str, str] | None


def area_names(names: Names) -> dict[str, str]:
    """``code -> name`` from an area tree, its table or file, or a mapping (``{}`` for ``None``).

    Parameters
    ----------
    names : AreaTree, DataFrame, path, mapping or None
        Where the names are.

    Returns
    -------
    dict of str to str

    Raises
    ------
    DataError
        ``names`` is of another type, or the area table is invalid.

    Examples
    --------
    >>> area_names({"D01T03": "狮岭镇"})
    {'D01T03': '狮岭镇'}
    >>> area_names(pd.DataFrame({"code": ["D"], "name": ["南溪区"], "parent": [""], "level": ["district"]}))
    {'D': '南溪区'}
    """
    if names is None:
        return {}
    if isinstance(names, Mapping):
        return {str(k): str(v) for k, v in names.items()}
    if isinstance(names, (pd.DataFrame, str, os.PathLike)) or hasattr(names, "table"):
        from foresight.areas import load_areas

        t = load_areas(names).table
        return dict(zip(t["code"].astype(str), t["name"].astype(str), strict=True))
    raise DataError(f"names must be an AreaTree, its table or file, or a code -> name mapping, not "
                    f"{type(names).__name__}.")


def area_label(code: str, names: Names | dict[str, str]) -> str:
    """``name (code)`` when the name is known, else the code.

    Parameters
    ----------
    code : str
        The area code.
    names : AreaTree, DataFrame, path, mapping or None
        Where the names are (see :func:`area_names`).

    Returns
    -------
    str

    Examples
    --------
    >>> area_label("D01T03", {"D01T03": "狮岭镇"}), area_label("X", {})
    ('狮岭镇 (D01T03)', 'X')
    """
    table = names if isinstance(names, dict) else area_names(names)
    name = table.get(str(code))
    return f"{name} ({code})" if name and name != str(code) else str(code)


def cjk_ready(*labels: str) -> None:
    """Make matplotlib able to draw Chinese when a label has it (quietly; boxes when no font).

    Parameters
    ----------
    *labels : str
        The texts about to be drawn.

    Examples
    --------
    >>> cjk_ready("plain ASCII")  # nothing to do
    """
    if any(not str(s).isascii() for s in labels):
        from foresight.fonts import use_cjk_font

        use_cjk_font(warn=False)


def figure_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_forecast(fc: pd.DataFrame, panel: pd.DataFrame, *, area: str, category: str, ax=None,
                  names: Names = None, history: int | None = 104, interval: tuple[str, str] | None = None):
    """One series: its history, the forecast median and mean, and the forecast interval.

    Parameters
    ----------
    fc : DataFrame
        A forecast ``area, category, ds, mean, pNN...`` (:func:`foresight.forecast`).
    panel : DataFrame
        The counts panel ``area, category, ds, y`` the forecast was made from.
    area, category : str
        The series to draw.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    names : AreaTree, DataFrame, path or mapping, optional
        Area names for the title (``name (code)``).
    history : int, optional
        Periods of history to show before the forecast (``None``: all).
    interval : (str, str), optional
        The quantile columns of the band; default the widest symmetric pair (``p10``-``p90``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        The series is in neither frame, or the forecast has no quantile columns for the band.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "D01T03", "category": "wage", "ds": ds, "y": 5})
    >>> fc = pd.DataFrame({"area": "D01T03", "category": "wage",
    ...                    "ds": pd.date_range("2024-07-29", periods=4, freq="W-MON"),
    ...                    "mean": 5.0, "p10": 2, "p50": 5, "p90": 8})
    >>> fig = plot_forecast(fc, panel, area="D01T03", category="wage", names={"D01T03": "狮岭镇"})
    >>> fig.axes[0].get_title()
    '狮岭镇 (D01T03) / wage'
    """
    key = (fc["area"].astype(str) == str(area)) & (fc["category"].astype(str) == str(category))
    ahead = fc[key].sort_values("ds")
    past = panel[(panel["area"].astype(str) == str(area))
                 & (panel["category"].astype(str) == str(category))].sort_values("ds")
    if ahead.empty and past.empty:
        raise DataError(f"no series area={area!r}, category={category!r} in the forecast or the panel.")
    if history is not None:
        past = past.tail(int(history))
    qs = sorted(int(c[1:]) for c in fc.columns if c[:1] == "p" and c[1:].isdigit())
    if interval is None:
        pair = next(((f"p{q}", f"p{100 - q}") for q in qs if q < 50 and 100 - q in qs), None)
    else:
        pair = interval
    if pair is None or not set(pair) <= set(fc.columns):
        raise DataError(f"the forecast has no interval columns {pair or 'pNN/p(100-NN)'}; forecast with "
                        "quantiles=(0.1, 0.5, 0.9) or pass interval=.")
    title = f"{area_label(area, names)} / {category}"
    cjk_ready(title)
    fig, ax = figure_axes(ax, (10, 3.5))
    ds = pd.to_datetime(ahead["ds"])
    ax.plot(pd.to_datetime(past["ds"]), past["y"], color="0.3", lw=1, label="cases")
    lo, hi = pair
    ax.fill_between(ds, ahead[lo], ahead[hi], color="tab:blue", alpha=0.25, step="mid",
                    label=f"{100 - 2 * int(lo[1:])}% interval ({lo} to {hi})")
    if "p50" in ahead.columns:
        ax.plot(ds, ahead["p50"], color="tab:blue", lw=1, ls="--", drawstyle="steps-mid", label="median")
    ax.plot(ds, ahead["mean"], color="tab:blue", lw=2, label="mean")
    if len(ds):
        ax.axvline(ds.iloc[0], color="0.5", ls=":", lw=1)
    ax.set_title(title)
    ax.set_ylabel("cases per period")
    ax.legend(loc="upper left", fontsize="small")
    return fig
