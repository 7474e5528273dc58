"""The forecast frames of a fit's series and aggregate nodes: the levels' names and order, each node's
history, its notes and its frame (used by :func:`foresight.forecasting.forecast_hierarchy` and by the
second pass of :mod:`foresight.distributed`, which builds the levels that cross partitions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foresight.forecasting._dist import nb_quantiles
from foresight.forecasting._frame import quantile_columns
from foresight.matrix import to_long

if TYPE_CHECKING:
    from foresight.forecasting._core import LevelFit
    from foresight.forecasting.engine import EngineResult

__all__ = ["LEVEL_ORDER", "forecast_frame", "node_forecasts", "node_matrix", "series_notes", "sort_levels"]

#: The levels of :func:`foresight.forecasting.forecast_hierarchy`'s frame, in their order.
LEVEL_ORDER = {"area x category": 0, "area": 1, "category": 2, "total": 3, "parent area": 4,
               "parent area x category": 5}


def node_matrix(y: np.ndarray, A: Any) -> np.ndarray:
    """The history of every aggregate node (rows of the summing matrix ``A``): the sums of its series,
    NaN before the first period any of them was observed.

    Examples
    --------
    >>> from scipy import sparse
    >>> node_matrix(np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, 3.0]]), sparse.csr_matrix(np.ones((1, 2))))
    array([[nan,  1.,  5.]])
    """
    first = np.argmax(~np.isnan(y), axis=1)
    yn = np.asarray(A @ np.nan_to_num(y))
    A = A.tocsr()
    nfirst = np.minimum.reduceat(first[A.indices], A.indptr[:-1])
    yn[np.arange(yn.shape[1])[None, :] < nfirst[:, None]] = np.nan
    return yn


def series_notes(lev: LevelFit, y: np.ndarray, starts: pd.DatetimeIndex, season: int) -> np.ndarray:
    """The ``note`` of every row of a level fit: a level shift, a short history or no cases yet ("" otherwise).

    Examples
    --------
    >>> from foresight.forecasting._core import LevelFit
    >>> lev = LevelFit(*(np.zeros(2) for _ in range(3)), break_at=np.array([-1, -1]), break_ratio=np.ones(2))
    >>> y = np.array([[np.nan, 1.0, 2.0], [0.0, 0.0, 0.0]])
    >>> series_notes(lev, y, pd.date_range("2024-01-01", periods=3, freq="W-MON"), 52).tolist()
    ['short history (2 periods)', 'no cases yet']
    """
    T = y.shape[1]
    first = np.argmax(~np.isnan(y), axis=1)
    total = np.nansum(y, axis=1)
    notes = np.full(len(y), "", dtype=object)
    for i in np.flatnonzero(lev.break_at >= 0):
        r = lev.break_ratio[i]
        change = "from zero" if not np.isfinite(r) else (f"up x{r:.2f}" if r >= 1 else f"down {1 - r:.0%}")
        notes[i] = f"level shift {starts[lev.break_at[i]].date()} ({change})"
    short = (T - first) < season
    for i in np.flatnonzero(short & (notes == "")):
        notes[i] = f"short history ({T - first[i]} period{'s' if T - first[i] != 1 else ''})"
    notes[(total == 0)] = "no cases yet"
    return notes


def forecast_frame(keys: pd.DataFrame, fut: pd.DatetimeIndex, mean: np.ndarray, alpha: np.ndarray,
                   quantiles: tuple[float, ...], model: np.ndarray | str, note: np.ndarray) -> pd.DataFrame:
    """The forecast frame ``area, category, ds, mean, pNN..., model, note`` of rows with negative-binomial
    spread ``alpha`` (one per row) around ``mean`` (rows x periods).

    Examples
    --------
    >>> keys = pd.DataFrame({"area": ["A"], "category": ["c"]})
    >>> fc = forecast_frame(keys, pd.date_range("2024-01-01", periods=2, freq="W-MON"), np.array([[4.0, 6.0]]),
    ...                     np.array([0.1]), (0.5,), "nbglm", np.array([""]))
    >>> fc[["mean", "p50"]].to_numpy().tolist()
    [[4.0, 4.0], [6.0, 6.0]]
    """
    n = len(keys)
    qv = nb_quantiles(mean, alpha[:, None], quantiles)
    return to_long(keys, fut, mean=mean, **{nm: qv[..., j] for j, nm in enumerate(quantile_columns(quantiles))},
                   model=np.broadcast_to(np.asarray(model, dtype=object), (n,)), note=np.asarray(note, dtype=object))


def node_forecasts(res: EngineResult, quantiles: tuple[float, ...], *, model: str, rows: np.ndarray | None = None,
                   mean: np.ndarray | None = None) -> pd.DataFrame:
    """The forecast frame of a fit's aggregate nodes (``level`` first): ``mean`` (default the sums of
    the reconciled series, ``res.mean_n``), the quantiles from each node's own negative-binomial
    spread, the notes from each node's own history.

    Parameters
    ----------
    res : EngineResult
        The fit (:func:`foresight.forecasting.engine.run_engine`).
    quantiles : tuple of float
        Quantile levels.
    model : str
        The ``model`` column (the default model's name).
    rows : ndarray of int, optional
        The nodes to give (default all, in ``res.nodes``' order).
    mean : ndarray, optional
        Their means (``len(rows) x horizon``), e.g. summed over partitions.

    Returns
    -------
    DataFrame
        ``level, area, category, ds, mean, pNN..., model, note``.

    Examples
    --------
    >>> from foresight.forecasting.engine import run_engine
    >>> ds = pd.date_range("2022-01-03", periods=104, freq="W-MON")
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "x", "ds": ds, "y": 2}) for a in "AB"])
    >>> agg = node_forecasts(run_engine(panel, 2, country="CN"), (0.5,), model="nbglm")
    >>> agg.groupby("level", sort=False)["mean"].first().round(1).to_dict()
    {'total': 4.0, 'category': 4.0, 'area': 2.0}
    """
    rows = np.arange(len(res.nodes)) if rows is None else np.asarray(rows)
    mean = res.mean_n[rows] if mean is None else mean
    fut = res.starts[res.design.n_hist:]
    notes = series_notes(res.lev_n, node_matrix(res.matrix.y, res.A), res.matrix.starts,
                         res.matrix.periods_per_year)
    nodes = res.nodes.iloc[rows].reset_index(drop=True)
    out = forecast_frame(nodes[["area", "category"]], fut, mean, res.lev_n.alpha[rows], tuple(quantiles), model,
                         notes[rows])
    out.insert(0, "level", np.repeat(nodes["level"].to_numpy(), len(fut)))
    return out


def sort_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in :data:`LEVEL_ORDER`, then by area, category and period (a fresh index).

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["total", "area"], "area": ["(all)", "A"], "category": "(all)",
    ...                   "ds": pd.Timestamp("2024-01-01")})
    >>> sort_levels(f)["level"].tolist()
    ['area', 'total']
    """
    return frame.sort_values(["level", "area", "category", "ds"], kind="stable",
                             key=lambda s: s.map(LEVEL_ORDER) if s.name == "level" else s).reset_index(drop=True)
