"""Explain a forecast: level, trend, season, holiday and known-window effects per period, and a plot.

The default model is multiplicative, so each period's mean is

    mean = level x trend x season x holiday x window x reconciliation

where ``level`` is the series' current count per period in an ordinary week, ``trend`` is the
category's fitted trend relative to now (1 over the horizon: the level is held), ``season`` the annual
shape, ``holiday`` the calendar effect (holidays, make-up days, Spring Festival, Golden Week, year end),
``window`` the known windows (pre-Spring-Festival wage window, enrolment window) and
``reconciliation`` the adjustment that makes the forecast add up with the area and category totals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from foresight.errors import ConfigError
from foresight.forecasting.engine import run_engine

__all__ = ["forecast_components", "plot_components", "COMPONENTS"]

#: Multiplicative components, in the order they multiply.
COMPONENTS = ("level", "trend", "season", "holiday", "window", "reconciliation")


def forecast_components(
    panel: pd.DataFrame,
    horizon: int = 13,
    *,
    area: str | list[str] | None = None,
    category: str | list[str] | None = None,
    include_history: bool = True,
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    windows: tuple[str, ...] | None = None,
    tree: Any = None,
) -> pd.DataFrame:
    """The component table of the default model's forecasts (and, optionally, of the history).

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y``.
    horizon : int
        Periods ahead, as in :func:`foresight.forecasting.forecast`.
    area, category : str or list of str, optional
        Keep only these series.
    include_history : bool
        Add the fitted components over the history (``part == "history"``), with the actual ``y``.
    freq, country, subdiv, windows, tree
        As in :func:`foresight.forecasting.forecast`.

    Returns
    -------
    DataFrame
        ``area, category, ds, part, y, level, trend, season, holiday, window, reconciliation, mean``:
        ``level`` in counts per period, the others multiplicative factors (1 = no effect); ``mean``
        is their product and equals the forecast's ``mean`` over the horizon.

    Raises
    ------
    DataError, ConfigError
        As in :func:`foresight.forecasting.forecast`; ConfigError when no series matches the filter.

    Examples
    --------
    >>> ds = pd.date_range("2021-01-04", periods=208, freq="W-MON")
    >>> y = (5 + 3 * (ds.month.isin([3, 4]))).astype(int)
    >>> panel = pd.DataFrame({"area": "A", "category": "edu", "ds": ds, "y": y})
    >>> comp = forecast_components(panel, 13, country="CN", include_history=False)
    >>> comp.columns.tolist()[:6]
    ['area', 'category', 'ds', 'part', 'y', 'level']
    >>> bool(np.allclose(comp["mean"], comp[["level", "trend", "season", "holiday", "window",
    ...     "reconciliation"]].prod(axis=1)))
    True
    """
    res = run_engine(panel, horizon, freq=freq, country=country, subdiv=subdiv, windows=windows, tree=tree)
    keys = res.matrix.keys
    sel = np.ones(len(keys), bool)
    for col, want in (("area", area), ("category", category)):
        if want is not None:
            sel &= keys[col].isin([want] if isinstance(want, str) else list(want)).to_numpy()
    rows = np.flatnonzero(sel)
    if rows.size == 0:
        raise ConfigError(f"no series matches area={area!r}, category={category!r}: check the codes")
    T = res.design.n_hist
    parts = res.shapes.log_parts(res.bottom_shape_row[rows])
    trend = parts["trend"] - parts["trend"][:, [T - 1]]
    trend[:, T:] = 0.0
    n, L = len(rows), len(res.starts)
    level = np.repeat(res.lev_b.level[rows][:, None], L, axis=1)
    recon = np.ones((n, L))
    base = res.base_b[rows]
    recon[:, T:] = np.where(base > 0, res.mean_b[rows] / np.where(base > 0, base, 1.0), 1.0)

    y = np.full((n, L), np.nan)
    y[:, :T] = res.matrix.y[rows]
    comp = {
        "level": level, "trend": np.exp(trend), "season": np.exp(parts["season"]) * res.shape_b[rows] / np.exp(res.shapes.log_shape(res.bottom_shape_row[rows])),
        "holiday": np.exp(parts["holiday"]), "window": np.exp(parts["window"]), "reconciliation": recon,
    }
    # a series that "auto" handed to a baseline: its forecast is the baseline's, shown as the level
    other = res.model_b[rows] != "nbglm"
    if other.any():
        for c in COMPONENTS:
            comp[c][np.ix_(other, np.arange(T, L))] = 1.0
        comp["level"][np.ix_(other, np.arange(T, L))] = res.mean_b[rows][other]
    mean = np.prod(np.stack([comp[c] for c in COMPONENTS]), axis=0)
    out = pd.DataFrame({
        "area": np.repeat(keys["area"].to_numpy()[rows], L),
        "category": np.repeat(keys["category"].to_numpy()[rows], L),
        "ds": np.tile(res.starts.to_numpy(), n),
        "part": np.tile(np.where(np.arange(L) < T, "history", "forecast"), n),
        "y": y.ravel(),
    })
    for c in COMPONENTS:
        out[c] = comp[c].ravel()
    out["mean"] = mean.ravel()
    active = ~np.isnan(y) | (np.arange(L)[None, :] >= T)
    out = out[active.ravel()]
    if not include_history:
        out = out[out["part"] == "forecast"]
    return out.reset_index(drop=True)


def plot_components(components: pd.DataFrame, *, area: str | None = None, category: str | None = None,
                    ax: Any = None, names: Any = None) -> Any:
    """Plot one series' forecast and its components (from :func:`forecast_components`).

    Parameters
    ----------
    components : DataFrame
        Output of :func:`forecast_components`.
    area, category : str, optional
        The series to draw (default: the first in the table).
    ax : matplotlib Axes or sequence of 4 Axes, optional
        One Axes: draw the multiplicative factors only. Four Axes: the full plot. None: a new figure.
    names : AreaTree, DataFrame, path or mapping, optional
        Area names for the titles (``name (code)``); see :func:`foresight.plots.area_names`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ConfigError
        The series is not in the table.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ds = pd.date_range("2021-01-04", periods=160, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": 4})
    >>> fig = plot_components(forecast_components(panel, 8, country="CN"))
    >>> len(fig.axes)
    4
    """
    import matplotlib.pyplot as plt

    c = components
    if area is None or category is None:
        first = c.iloc[0] if len(c) else None
        if first is None:
            raise ConfigError("the component table is empty")
        area = first["area"] if area is None else area
        category = first["category"] if category is None else category
    s = c[(c["area"] == area) & (c["category"] == category)]
    if s.empty:
        raise ConfigError(f"series area={area!r} category={category!r} is not in the component table")
    hist, fut = s[s["part"] == "history"], s[s["part"] == "forecast"]
    from foresight.plots import area_label, cjk_ready

    label = f"{area_label(area, names)} / {category}"
    cjk_ready(label)
    factors = ("trend", "season", "holiday", "window")
    if ax is not None and not isinstance(ax, (list, tuple, np.ndarray)):
        for name in factors:
            ax.plot(s["ds"], s[name], label=name)
        ax.axhline(1.0, color="grey", lw=0.5)
        ax.set_title(f"{label}: multiplicative effects")
        ax.legend(loc="best", fontsize="small")
        return ax.figure
    if ax is None:
        fig, axes = plt.subplots(4, 1, figsize=(10, 9), sharex=True)
    else:
        axes = list(ax)
        fig = axes[0].figure
    a0, a1, a2, a3 = axes
    if len(hist):
        a0.plot(hist["ds"], hist["y"], color="0.6", lw=0.8, label="actual")
        a0.plot(hist["ds"], hist["mean"], color="C0", lw=1.0, label="fitted")
    a0.plot(fut["ds"], fut["mean"], color="C3", lw=1.5, label="forecast")
    a0.set_ylabel("count")
    a0.set_title(label)
    a0.legend(loc="upper left", fontsize="small")
    a1.plot(s["ds"], s["level"] * s["trend"], color="C1")
    a1.set_ylabel("level x trend")
    a2.plot(s["ds"], s["season"], color="C2")
    a2.set_ylabel("season")
    a3.plot(s["ds"], s["holiday"], label="holiday", color="C4")
    a3.plot(s["ds"], s["window"], label="window", color="C5")
    a3.set_ylabel("calendar")
    a3.legend(loc="upper left", fontsize="small")
    for a in axes:
        if len(fut):
            a.axvline(fut["ds"].iloc[0], color="k", lw=0.5, ls=":")
    fig.tight_layout()
    return fig
