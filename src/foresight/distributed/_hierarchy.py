"""The second pass of a partitioned hierarchy: one coherent forecast of every level from the partitions' fits.

Each partition fits :func:`foresight.forecasting.forecast_hierarchy` on its own series, so its bottom
(area x category) and area levels are complete; it sends its bottom forecasts once (as its
``forecasts``) and its other levels apart. The levels that cross partitions, categories and the
total, are built here as the single-machine fit builds its aggregates: the mean is the sum of the
reconciled bottom means (so every total is the sum of its parts), the quantiles come from the node's
own negative-binomial spread fitted on the node's history (a small fit of the category totals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CROSSING = ("category", "total")  # levels that sum over partitions
BOTTOM = "area x category"


def merge_hierarchies(bottoms: list[pd.DataFrame], pieces: list[pd.DataFrame], category_panel: pd.DataFrame,
                      settings: dict) -> pd.DataFrame:
    """Every level of the run: the partitions' bottom forecasts and own levels, and categories and
    total summed over them.

    ``bottoms[i]`` is partition i's bottom forecast frame (no ``level`` column), ``pieces[i]`` its
    other levels. One partition is the whole hierarchy: its two parts are put back together (the
    single-machine fit's frame).
    """
    from foresight.forecasting._nodes import node_forecasts, sort_levels
    from foresight.forecasting.engine import DEFAULT_MODEL, run_engine
    from foresight.forecasting.reconcile import ALL

    bottom = pd.concat(bottoms, ignore_index=True)
    with_level = bottom.copy()
    with_level.insert(0, "level", BOTTOM)
    if len(pieces) == 1:
        return sort_levels(pd.concat([with_level, pieces[0]], ignore_index=True))
    own = pd.concat([with_level] + [p[~p["level"].isin(CROSSING)] for p in pieces], ignore_index=True)
    res = run_engine(category_panel, settings["horizon"], freq=settings["freq"], country=settings["country"],
                     subdiv=settings["subdiv"], reconcile=False)
    rows = np.flatnonzero(res.nodes["level"].isin(CROSSING).to_numpy())
    fut = res.starts[res.design.n_hist:]
    sums = (bottom.assign(category=bottom["category"].astype(str), ds=pd.to_datetime(bottom["ds"]))
            .pivot_table(index="category", columns="ds", values="mean", aggfunc="sum").reindex(columns=fut))
    cats = res.nodes["category"].iloc[rows].astype(str).to_numpy()
    mean = np.where((cats == ALL)[:, None], sums.sum().to_numpy()[None, :], sums.reindex(cats).to_numpy())
    cross = node_forecasts(res, tuple(settings["quantiles"]), model=DEFAULT_MODEL, rows=rows, mean=mean)
    out = pd.concat([own, cross], ignore_index=True)
    out["ds"] = pd.to_datetime(out["ds"])
    return sort_levels(out)
