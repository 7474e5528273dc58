"""The default global-local negative-binomial model, reconciled: ``forecast_hierarchy``, ``level_shifts``
and the default model behind :func:`foresight.forecasting.forecast`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from foresight.errors import ConfigError, ModelError
from foresight.forecasting._baselines import METHODS, baseline_means, holdout_alpha, holdout_sse, validation_periods
from foresight.forecasting._calendar import default_windows
from foresight.forecasting._core import (
    LevelFit,
    ShapeFit,
    fit_levels,
    fit_shapes,
    history_years,
    local_shape,
    volume_groups,
)
from foresight.forecasting._design import Design, build_design
from foresight.forecasting._dist import nb_variance
from foresight.forecasting._frame import quantile_columns
from foresight.forecasting._nodes import forecast_frame, node_forecasts, node_matrix, series_notes, sort_levels
from foresight.forecasting.reconcile import ALL, aggregation, reconcile_wls
from foresight.matrix import SeriesMatrix, to_matrix
from foresight.periods import future_starts, panel_freq, periods_per_year
from foresight.schemas import check_panel

__all__ = ["ALL", "AUTO_CANDIDATES", "DEFAULT_MODEL", "EngineResult", "default_forecast", "forecast_hierarchy",
           "level_shifts", "run_engine"]

DEFAULT_MODEL = "nbglm"
#: Baselines that ``model="auto"`` may pick for a volume group where they beat the default model.
AUTO_CANDIDATES = ("snaive", "swa", "mean")
# Tuning constants: source as in foresight.forecasting._core (set in the first engine, commit bcf12e9;
# docs/benchmarks.md measures the model with these values).
#: Half-lives (in periods) of the recent level that the holdouts choose from, per volume group: one
#: month to one year (weekly), one to twelve months (monthly).
HALF_LIVES = {"W": (4.0, 8.0, 13.0, 26.0, 52.0), "M": (1.0, 2.0, 3.0, 6.0, 12.0)}
#: A baseline replaces the default model in a volume group only when its holdout score is this much
#: lower (2%), so that noise between near-equal models does not flip the choice from week to week.
AUTO_MARGIN = 0.98


def _parent_map(tree: Any) -> dict[str, str] | None:
    """child -> parent from a mapping, a frame with area/parent columns, or an AreaTree-like object."""
    if tree is None:
        return None
    if isinstance(tree, (str, os.PathLike)):  # the area table's file
        from foresight.areas import load_areas

        return load_areas(tree).parent_map()
    if isinstance(tree, Mapping):
        return {str(k): str(v) for k, v in tree.items() if v is not None and v == v}
    if isinstance(tree, pd.DataFrame):
        child = next((c for c in ("area", "code", "child") if c in tree.columns), None)
        if child is None or "parent" not in tree.columns:
            raise ConfigError("an area tree frame needs columns 'area' (or 'code') and 'parent'")
        t = tree.dropna(subset=["parent"])
        return dict(zip(t[child].astype(str), t["parent"].astype(str), strict=True))
    for attr in ("parent_map", "parents", "parent"):
        got = getattr(tree, attr, None)
        got = got() if callable(got) else got
        if isinstance(got, Mapping):
            return _parent_map(got)
    frame = getattr(tree, "frame", None) or getattr(tree, "areas", None)
    if isinstance(frame, pd.DataFrame):
        return _parent_map(frame)
    raise ConfigError(
        "tree must be a child -> parent mapping, a frame with area and parent columns, or an AreaTree"
    )


@dataclass
class EngineResult:
    """Everything the default model computed; used by forecast, forecast_hierarchy and components."""

    matrix: SeriesMatrix
    design: Design
    starts: pd.DatetimeIndex  # history + horizon
    nodes: pd.DataFrame
    A: Any
    shapes: ShapeFit
    bottom_shape_row: np.ndarray
    lev_b: LevelFit
    lev_n: LevelFit
    base_b: np.ndarray  # n x H unreconciled means
    base_n: np.ndarray
    mean_b: np.ndarray  # reconciled
    mean_n: np.ndarray
    horizon: int
    model_b: np.ndarray
    shape_b: np.ndarray  # n x (T + H) multiplicative shape of each series (its own season included)


def run_engine(*args: Any, **kwargs: Any) -> EngineResult:
    """Fit the default model on a panel (see :func:`foresight.forecasting.forecast`), BLAS kept to one thread.

    The work is many small matrix products and solves; spreading each over threads costs more in
    synchronisation than it gains (and far more on a busy machine).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_engine(*args, **kwargs)


def _run_engine(
    panel: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    windows: tuple[str, ...] | None = None,
    tree: Any = None,
    reconcile: bool = True,
    breaks: bool = True,
    half_lives: tuple[float, ...] | None = None,
    local_season: bool = True,
    candidates: tuple[str, ...] = (),
) -> EngineResult:
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ConfigError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    p = check_panel(panel, allow_empty=False)
    f = panel_freq(p, freq)
    country = country or p.attrs.get("country") or "CN"
    subdiv = subdiv or p.attrs.get("subdiv")
    windows = default_windows(country) if windows is None else tuple(windows)
    M = to_matrix(p, f)
    T = M.y.shape[1]
    season = periods_per_year(f)
    val = validation_periods(horizon, f)
    hl = half_lives or HALF_LIVES[f]
    starts = M.starts.append(future_starts(M.starts[-1], horizon, f))
    design = build_design(starts, T, f, country=country, subdiv=subdiv, windows=windows)
    nodes, A = aggregation(M.keys, parent=_parent_map(tree))
    yn = node_matrix(M.y, A)
    try:
        shapes = fit_shapes(yn, design, total_row=0)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - ridge makes this unlikely
        raise ModelError(f"the seasonal regression could not be solved: {exc}") from exc
    cat_row = {c: i for i, c in enumerate(nodes["category"]) if nodes["level"].iat[i] == "category"}
    row_b = np.array([cat_row[c] for c in M.keys["category"]])
    log_nodes = shapes.log_shape()
    shape_n = np.exp(log_nodes)
    if local_season:
        shape_b = local_shape(M.y, log_nodes[row_b], design)
        np.exp(shape_b, out=shape_b)  # in place: a (series x periods) array less to fault in
        # a node that is one bottom series (an area with a single category) is that series: it
        # takes the series' own shape, so the two forecasts reconciled are of the same thing
        An = A.tocsr()
        single = np.flatnonzero(np.diff(An.indptr) == 1)
        shape_n[single] = shape_b[An.indices[An.indptr[single]]]
        # a node with 1.5 to 2 years of data has its own season held flat (see fit_shapes), yet
        # has seen two seasons: it takes the local seasonal correction the bottom series get
        yrs = history_years(yn, design)
        young = np.setdiff1d(np.flatnonzero((yrs >= 1.5) & (yrs < 2.0)), single)
        if young.size:
            shape_n[young] = np.exp(local_shape(yn[young], log_nodes[young], design))
    else:
        shape_b = shape_n[row_b]
    lev_b = fit_levels(M.y, shape_b, n_hist=T, season=season, val=val, half_lives=hl, breaks=breaks)
    lev_n = fit_levels(yn, shape_n, n_hist=T, season=season, val=val, half_lives=hl, breaks=breaks)
    base_b = lev_b.level[:, None] * shape_b[:, T:]
    base_n = lev_n.level[:, None] * shape_n[:, T:]
    model_b = np.full(len(base_b), DEFAULT_MODEL, dtype=object)
    if candidates:
        base_b, model_b = _choose(M.y, base_b, lev_b, candidates, season=season, val=val, freq=f)
    if reconcile:
        mean_b = reconcile_wls(base_b, base_n, A, nb_variance(base_b, lev_b.alpha[:, None]),
                               nb_variance(base_n, lev_n.alpha[:, None]))
    else:
        mean_b = base_b
    mean_n = np.asarray(A @ mean_b)
    return EngineResult(M, design, starts, nodes, A, shapes, row_b, lev_b, lev_n, base_b, base_n,
                        mean_b, mean_n, horizon, model_b, shape_b)


def _choose(y: np.ndarray, base: np.ndarray, lev: LevelFit, candidates: tuple[str, ...], *, season: int,
            val: int, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Per volume group, replace the default model by a baseline that beat it at the holdout origins."""
    unknown = [c for c in candidates if c not in METHODS]
    if unknown:
        raise ConfigError(f"unknown candidate model(s) {unknown}: choose from {sorted(METHODS)}")
    T = y.shape[1]
    first = np.argmax(~np.isnan(y), axis=1)
    recent = np.nan_to_num(y[:, max(0, T - season):]).sum(1)
    groups = volume_groups(recent / np.maximum(np.minimum(T - first, season), 1))
    scale = lev.holdout_sse["scale"]
    errs = {DEFAULT_MODEL: lev.holdout_sse["sse"]}
    for c in candidates:
        errs[c] = holdout_sse(y, METHODS[c], season, val)
    names = list(errs)
    model = np.full(len(y), DEFAULT_MODEL, dtype=object)
    out = base.copy()
    for g in np.unique(groups):
        m = groups == g
        score = [float((recent[m] * np.sqrt(errs[k][m]) / scale[m]).sum()) for k in names]
        win = names[int(np.argmin(score))]
        if win != DEFAULT_MODEL and score[names.index(win)] < AUTO_MARGIN * score[0]:
            model[m] = win
            out[m] = baseline_means(y[m], base.shape[1], freq, win)
            lev.alpha[m] = holdout_alpha(y[m], METHODS[win], season, val)
    return out, model


def default_forecast(
    panel: pd.DataFrame,
    horizon: int = 13,
    *,
    auto: bool = True,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    windows: tuple[str, ...] | None = None,
    tree: Any = None,
    reconcile: bool = True,
    half_lives: tuple[float, ...] | None = None,
) -> pd.DataFrame:
    """The default model's forecast of every bottom series (``model="auto"`` or ``"nbglm"``).

    Parameters
    ----------
    panel, horizon, quantiles, freq, country, subdiv, windows, tree, reconcile, half_lives
        As in :func:`foresight.forecasting.forecast`.
    auto : bool
        Let a baseline of :data:`AUTO_CANDIDATES` replace the default model in a volume group where
        it did better at the holdout origins (``model="auto"``).

    Returns
    -------
    DataFrame
        ``area, category, ds, mean, pNN..., model, note``.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=104, freq="W-MON")
    >>> fc = default_forecast(pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": 3}), 2, auto=False,
    ...                       country="CN")
    >>> fc["model"].tolist(), fc["mean"].round(1).tolist()
    (['nbglm', 'nbglm'], [3.0, 3.0])
    """
    quantile_columns(quantiles)
    res = run_engine(panel, horizon, freq=freq, country=country, subdiv=subdiv, windows=windows,
                     tree=tree, reconcile=reconcile, candidates=AUTO_CANDIDATES if auto else (),
                     half_lives=half_lives)
    notes = series_notes(res.lev_b, res.matrix.y, res.matrix.starts, res.matrix.periods_per_year)
    fut = res.starts[res.design.n_hist:]
    return forecast_frame(res.matrix.keys, fut, res.mean_b, res.lev_b.alpha, tuple(quantiles), res.model_b, notes)


def forecast_hierarchy(
    panel: pd.DataFrame,
    horizon: int = 13,
    *,
    model: str = "auto",
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    windows: tuple[str, ...] | None = None,
    tree: Any = None,
    reconcile: bool = True,
) -> pd.DataFrame:
    """Coherent forecasts for every node: area x category, areas, categories, total (and parent areas).

    Aggregate means are the sums of the reconciled bottom means; each node's quantiles come from its
    own negative-binomial spread (fitted on that node's history), not from summing quantiles.

    Parameters
    ----------
    panel, horizon, quantiles, freq, country, subdiv, windows, tree, reconcile
        As in :func:`forecast`.
    model : {"auto", "nbglm"}
        ``"auto"`` lets a baseline replace the default model in a volume group where it did better
        at the holdout origins.

    Returns
    -------
    DataFrame
        ``level`` then the :func:`forecast` columns. Levels: ``area x category``, ``area``,
        ``category``, ``total``, and with a tree ``parent area`` and ``parent area x category``;
        :data:`foresight.panel.ALL` (``"(all)"``) stands for all areas or all categories.

    Raises
    ------
    DataError, ConfigError
        As in :func:`forecast`.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=104, freq="W-MON")
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "x", "ds": ds, "y": 2}) for a in "AB"])
    >>> h = forecast_hierarchy(panel, 2, country="CN")
    >>> sorted(h["level"].unique())
    ['area', 'area x category', 'category', 'total']
    >>> tot = h[h["level"] == "total"]["mean"].to_numpy()
    >>> bool(np.allclose(tot, h[h["level"] == "area x category"].groupby("ds")["mean"].sum()))
    True
    """
    quantile_columns(quantiles)
    if model not in ("auto", DEFAULT_MODEL):
        raise ConfigError(f"forecast_hierarchy runs the default model: model must be 'auto' or "
                          f"{DEFAULT_MODEL!r}, got {model!r}")
    res = run_engine(panel, horizon, freq=freq, country=country, subdiv=subdiv, windows=windows,
                     tree=tree, reconcile=reconcile, candidates=AUTO_CANDIDATES if model == "auto" else ())
    season = res.matrix.periods_per_year
    fut = res.starts[res.design.n_hist:]
    qs = tuple(quantiles)
    bottom = forecast_frame(res.matrix.keys, fut, res.mean_b, res.lev_b.alpha, qs, res.model_b,
                            series_notes(res.lev_b, res.matrix.y, res.matrix.starts, season))
    bottom.insert(0, "level", "area x category")
    return sort_levels(pd.concat([bottom, node_forecasts(res, qs, model=DEFAULT_MODEL)], ignore_index=True))


def level_shifts(
    panel: pd.DataFrame,
    *,
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    windows: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The level shifts the default model found (one row per shifted series).

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y``.
    freq, country, subdiv, windows
        As in :func:`forecast`.

    Returns
    -------
    DataFrame
        ``area, category, ds`` (first period of the new level), ``ratio`` (new rate / old rate, after
        the seasonal and calendar shape; ``inf`` when the series started from zero) and ``level``
        (the current count per ordinary period), largest changes first.

    Raises
    ------
    DataError, ConfigError
        As in :func:`forecast`.

    Examples
    --------
    >>> ds = pd.date_range("2021-01-04", periods=156, freq="W-MON")
    >>> y = np.where(np.arange(156) < 130, 20, 4)
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": y})
    >>> shifts = level_shifts(panel, country="CN")
    >>> str(shifts["ds"].iloc[0].date()), round(float(shifts["ratio"].iloc[0]), 1)
    ('2023-07-03', 0.2)
    """
    res = run_engine(panel, 1, freq=freq, country=country, subdiv=subdiv, windows=windows, reconcile=False)
    lev = res.lev_b
    rows = np.flatnonzero(lev.break_at >= 0)
    out = pd.DataFrame({
        "area": res.matrix.keys["area"].to_numpy()[rows],
        "category": res.matrix.keys["category"].to_numpy()[rows],
        "ds": res.matrix.starts[lev.break_at[rows]],
        "ratio": lev.break_ratio[rows],
        "level": lev.level[rows],
    })
    order = np.argsort(-np.abs(np.log(np.where(np.isfinite(out["ratio"]), out["ratio"], 1e6) + 1e-12)),
                       kind="stable")
    return out.iloc[order].reset_index(drop=True)

