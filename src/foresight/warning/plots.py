"""Plots of seasonal waves: a wave calendar (areas x weeks of the year) and past years overlaid.

Both helpers take ``ax=None`` (a new figure is made) and return the matplotlib ``Figure``. They never
call ``plt.show()`` and work with the non-interactive ``Agg`` backend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.errors import DataError
from foresight.periods import panel_freq, period_of_year, periods_per_year
from foresight.plots import area_label, area_names, cjk_ready, figure_axes
from foresight.schemas import check_panel
from foresight.warning.waves import seasonal_profile, waves

__all__ = ["plot_wave_calendar", "plot_seasons"]


def plot_wave_calendar(panel: pd.DataFrame, *, category: str, freq: str | None = None, as_of=None,
                       areas: list[str] | None = None, ax=None, names=None, **wave_options):
    """Heat map of one category's seasonal profile: one row per area, one column per week of the year.

    Colour is the rate relative to the area's yearly mean (log scale, 1 = average); the detected
    waves (see :func:`foresight.warning.waves`) are outlined.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y``.
    category : str
        The category to draw.
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    as_of : date, optional
        Ignore periods starting on or after it.
    areas : list of str, optional
        Areas to draw, in this order (default: every area with the category).
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    names : AreaTree, DataFrame, path or mapping, optional
        Area names for the rows (``name (code)``); see :func:`foresight.plots.area_names`.
    **wave_options
        Passed to :func:`waves`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        If the category is not in the panel.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", "2022-12-26", freq="W-MON")
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51)
    >>> y = np.random.default_rng(0).poisson(np.where((wk >= 9) & (wk <= 38), 30, 5))
    >>> panel = pd.DataFrame({"area": "A", "category": "school", "ds": ds, "y": y})
    >>> fig = plot_wave_calendar(panel, category="school")
    >>> fig.axes[0].get_title()
    'Wave calendar: school'
    """
    panel = check_panel(panel)
    sub = panel[panel["category"].astype(str) == str(category)]
    if sub.empty:
        raise DataError(f"category {category!r} is not in the panel; pick one of "
                        f"{sorted(panel['category'].astype(str).unique())[:10]}.")
    f = panel_freq(panel, freq)
    prof = seasonal_profile(sub, freq=f, as_of=as_of)
    mat = prof.pivot(index="area", columns="period", values="ratio")
    if areas is not None:
        mat = mat.reindex([a for a in areas if a in mat.index])
    fig, ax = figure_axes(ax, (10, 0.3 * len(mat) + 1.5))
    vals = np.log2(np.clip(mat.to_numpy(), 0.125, 8.0))
    im = ax.imshow(vals, aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest",
                   extent=(0.5, mat.shape[1] + 0.5, len(mat) - 0.5, -0.5))
    table = area_names(names)
    labels = [area_label(a, table) for a in mat.index]
    cjk_ready(*labels)
    ax.set_yticks(range(len(mat)), labels)
    ax.set_xlabel("week of the year" if f == "W" else "month")
    ax.set_title(f"Wave calendar: {category}")
    cb = fig.colorbar(im, ax=ax)
    cb.set_ticks([-3, -2, -1, 0, 1, 2, 3], labels=["1/8", "1/4", "1/2", "1", "2", "4", "8"])
    cb.set_label("rate / yearly mean")
    found = waves(sub, freq=f, as_of=as_of, **wave_options)
    row = {a: i for i, a in enumerate(mat.index)}
    P = mat.shape[1]
    for w in found.itertuples():
        if w.area not in row:
            continue
        spans = [(w.onset, w.end)] if w.onset <= w.end else [(w.onset, P), (1, w.end)]
        for a, b in spans:
            ax.add_patch(_rect(a - 0.5, row[w.area] - 0.5, b - a + 1, 1.0))
    return fig


def _rect(x, y, w, h):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, fill=False, edgecolor="black", linewidth=1.2)


def plot_seasons(panel: pd.DataFrame, *, area: str, category: str, freq: str | None = None,
                 as_of=None, ax=None, names=None, **wave_options):
    """Past years of one series overlaid by week of the year, with the detected waves shaded.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y``.
    area, category : str
        The series to draw.
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    as_of : date, optional
        Ignore periods starting on or after it.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    names : AreaTree, DataFrame, path or mapping, optional
        Area names for the title (``name (code)``).
    **wave_options
        Passed to :func:`waves`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        If the series is not in the panel.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", "2022-12-26", freq="W-MON")
    >>> y = np.random.default_rng(0).poisson(5, len(ds))
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": y})
    >>> fig = plot_seasons(panel, area="A", category="c")
    >>> len(fig.axes[0].get_lines())  # four years and the typical year
    5
    """
    panel = check_panel(panel)
    sub = panel[(panel["area"].astype(str) == str(area)) & (panel["category"].astype(str) == str(category))]
    if as_of is not None:
        sub = sub[pd.to_datetime(sub["ds"]) < pd.Timestamp(as_of)]
    if sub.empty:
        raise DataError(f"no series area={area!r}, category={category!r} in the panel.")
    f = panel_freq(panel, freq)
    ds = pd.to_datetime(sub["ds"])
    pos = period_of_year(ds, f) + 1
    fig, ax = figure_axes(ax, (9, 4))
    years = ds.dt.year.to_numpy()
    uniq = np.unique(years)
    cmap = _cmap(len(uniq))
    for i, yr in enumerate(uniq):
        m = years == yr
        ax.plot(pos[m], sub["y"].to_numpy()[m], color=cmap[i], linewidth=1.0, alpha=0.8, label=str(yr))
    prof = seasonal_profile(sub, freq=f)
    level = sub.groupby(ds.dt.year)["y"].mean().iloc[-1]
    ax.plot(prof["period"], prof["ratio"] * level, color="black", linewidth=2.2,
            label="typical year (latest level)")
    for w in waves(sub, freq=f, **wave_options).itertuples():
        P = periods_per_year(f)
        spans = [(w.onset, w.end)] if w.onset <= w.end else [(w.onset, P), (1, w.end)]
        for a, b in spans:
            ax.axvspan(a - 0.5, b + 0.5, color="orange", alpha=0.15, linewidth=0)
    ax.set_xlabel("week of the year" if f == "W" else "month")
    ax.set_ylabel("cases per week" if f == "W" else "cases per month")
    title = f"{area_label(area, names)} / {category}: years overlaid"
    cjk_ready(title)
    ax.set_title(title)
    ax.legend(fontsize="small", ncol=2)
    return fig


def _cmap(n: int) -> list:
    from matplotlib import colormaps

    cm = colormaps["viridis"]
    return [cm(x) for x in np.linspace(0.1, 0.9, max(n, 1))]
