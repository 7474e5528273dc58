"""The second pass of a partitioned hierarchy: one coherent forecast of every level from the partitions' fits.

Each partition fits :func:`foresight.forecasting.forecast_hierarchy` on its own series, so its bottom
(area x category) and area levels are complete. The levels that cross partitions, categories and the
total, are built here as the single-machine fit builds its aggregates: the mean is the sum of the
reconciled bottom means (so every total is the sum of its parts), the quantiles come from the node's
own negative-binomial spread fitted on the node's history (a small fit of the category totals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The order of the levels in :func:`foresight.forecasting.forecast_hierarchy`'s frame.
LEVEL_ORDER = {"area x category": 0, "area": 1, "category": 2, "total": 3, "parent area": 4,
               "parent area x category": 5}
CROSSING = ("category", "total")  # levels that sum over partitions


def merge_hierarchies(pieces: list[pd.DataFrame], category_panel: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Every level of the run: the partitions' own levels, and categories and total summed over them.

    One partition is the whole hierarchy: its frame is returned as it is (the single-machine fit).
    """
    if len(pieces) == 1:
        return pieces[0]
    from foresight.forecasting.engine import DEFAULT_MODEL, _frame, _node_matrix, _notes, run_engine
    from foresight.forecasting.reconcile import ALL

    own = pd.concat([p[~p["level"].isin(CROSSING)] for p in pieces], ignore_index=True)
    bottom = own[own["level"] == "area x category"]
    res = run_engine(category_panel, settings["horizon"], freq=settings["freq"], country=settings["country"],
                     subdiv=settings["subdiv"], reconcile=False)
    rows = np.flatnonzero(res.nodes["level"].isin(CROSSING).to_numpy())
    nodes = res.nodes.iloc[rows].reset_index(drop=True)
    fut = res.starts[res.design.n_hist:]
    sums = (bottom.assign(category=bottom["category"].astype(str), ds=pd.to_datetime(bottom["ds"]))
            .pivot_table(index="category", columns="ds", values="mean", aggfunc="sum").reindex(columns=fut))
    cats = nodes["category"].astype(str).to_numpy()
    mean = np.where((cats == ALL)[:, None], sums.sum().to_numpy()[None, :], sums.reindex(cats).to_numpy())
    notes = _notes(res.lev_n, _node_matrix(res.matrix.y, res.A), res.matrix.starts, res.matrix.periods_per_year)
    cross = _frame(nodes[["area", "category"]], fut, mean, res.lev_n.alpha[rows], tuple(settings["quantiles"]),
                   DEFAULT_MODEL, notes[rows])
    cross.insert(0, "level", np.repeat(nodes["level"].to_numpy(), len(fut)))
    out = pd.concat([own, cross], ignore_index=True)
    out["ds"] = pd.to_datetime(out["ds"])
    return out.sort_values(["level", "area", "category", "ds"], kind="stable",
                           key=lambda s: s.map(LEVEL_ORDER) if s.name == "level" else s).reset_index(drop=True)
