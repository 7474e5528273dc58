"""The default model combined with the trailing mean by a weight learned on the panel's own past origins.

``forecast(..., combine=True)``: the default model is also fitted at ``COMBINE_ORIGINS`` past origins
(``ORIGIN_STEP`` periods apart, the last one ``horizon`` periods before the panel's end), next to the
trailing one-year mean (:mod:`foresight.forecasting._baselines`). The weight ``w`` of the default on the
grid ``WEIGHT_GRID`` is the one whose combination ``w x default + (1 - w) x trailing mean`` had the lowest
volume-weighted RMSSE over those origins' series (the scores of :mod:`foresight.evaluation`). The
combined series means are then scaled (iterative proportional fitting) so that their sums per area
and per category equal the default model's reconciled ones: the combination moves volume between the
series of an area or a category, not the aggregates, which the default forecasts better
(docs/benchmarks.md, "The default combined with robust baselines"). The quantiles stay the default's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from foresight.forecasting._baselines import baseline_means
from foresight.matrix import to_matrix
from foresight.periods import panel_freq, periods_per_year
from foresight.schemas import check_panel

__all__ = ["COMBINE_ORIGINS", "ORIGIN_STEP", "WEIGHT_GRID", "combine_with_mean", "learn_weight", "rake"]

#: Past origins the weight is learned on, and the periods between them (a quarter).
COMBINE_ORIGINS = 4
ORIGIN_STEP = {"W": 13, "M": 3}
#: Weights of the default model tried (the rest goes to the trailing mean).
WEIGHT_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)
#: Series the weight is learned on at most (a seeded sample beyond it).
MAX_SERIES = 20_000


def learn_weight(default: np.ndarray, other: np.ndarray, actual: np.ndarray, scale: np.ndarray,
                 volume: np.ndarray, *, grid: np.ndarray = WEIGHT_GRID) -> float:
    """The weight ``w`` of ``default`` (on ``grid``) whose ``w x default + (1 - w) x other`` has the
    lowest volume-weighted RMSSE.

    Parameters
    ----------
    default, other, actual : ndarray
        Means of the two forecasts and the actual counts, ``series x periods``.
    scale : ndarray
        RMSSE scale of each series (mean squared one-period change); series with a scale that is not
        positive and finite, or no volume, are left out.
    volume : ndarray
        Weight of each series (its recent volume).
    grid : ndarray
        Weights tried.

    Returns
    -------
    float
        The weight of ``default``; 1.0 when no series can be scored.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.uniform(5, 10, (200, 8))
    >>> good, bad = truth + rng.normal(0, 0.5, truth.shape), truth + rng.normal(0, 3, truth.shape)
    >>> learn_weight(good, bad, truth, np.ones(200), np.ones(200)) >= 0.9
    True
    """
    ok = np.isfinite(scale) & (scale > 0) & (volume > 0)
    if not ok.any():
        return 1.0
    e1, e2 = actual[ok] - default[ok], actual[ok] - other[ok]
    g11, g12, g22 = (e1 * e1).mean(1), (e1 * e2).mean(1), (e2 * e2).mean(1)
    w = np.asarray(grid, dtype=float)[:, None]
    mse = w**2 * g11 + 2 * w * (1 - w) * g12 + (1 - w) ** 2 * g22  # grid x series
    loss = (volume[ok] * np.sqrt(np.maximum(mse, 0.0) / scale[ok])).sum(1)
    return float(np.asarray(grid)[int(np.argmin(loss))])


def rake(mean: np.ndarray, target: np.ndarray, area: np.ndarray, category: np.ndarray, *,
         iters: int = 30) -> np.ndarray:
    """``mean`` (series x periods) scaled so that its sums per area and per category match ``target``'s.

    Iterative proportional fitting, ending on the areas, so area (and total) sums match exactly and
    category sums to the fit's precision. A group whose ``mean`` sums to 0 is left as it is.

    Parameters
    ----------
    mean, target : ndarray
        Series x periods.
    area, category : ndarray of int
        Group index of each series (e.g. from :func:`pandas.factorize`).
    iters : int
        Rounds of (category, area) scaling.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> m = np.array([[1.0], [1.0], [2.0], [0.0]])
    >>> t = np.array([[2.0], [1.0], [1.0], [0.0]])
    >>> rake(m, t, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])).round(2).ravel().tolist()
    [2.0, 1.0, 1.0, 0.0]
    """
    out = np.array(mean, dtype=float)
    h = out.shape[1]
    cols = np.arange(h)
    groups = []  # per grouping: each cell's (group, period) bin and the target's sums, fixed over the rounds
    for idx in (category, area):
        k = int(idx.max()) + 1
        flat = (idx[:, None] * h + cols[None, :]).ravel()
        groups.append((idx, flat, k, np.bincount(flat, target.ravel(), k * h).reshape(k, h)))
    for _ in range(iters):
        for idx, flat, k, want in groups:
            have = np.bincount(flat, out.ravel(), k * h).reshape(k, h)
            out *= np.where(have > 0, want / np.where(have > 0, have, 1.0), 1.0)[idx]
    return out


def _wide(fc: pd.DataFrame, keys: pd.MultiIndex, ds: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``fc``'s means as a ``len(keys) x len(ds)`` array (NaN where absent), and each row's position."""
    r = keys.get_indexer(pd.MultiIndex.from_frame(fc[["area", "category"]].astype(str)))
    c = ds.get_indexer(pd.DatetimeIndex(fc["ds"]))
    out = np.full((len(keys), len(ds)), np.nan)
    ok = (r >= 0) & (c >= 0)
    out[r[ok], c[ok]] = fc["mean"].to_numpy(float)[ok]
    return out, r, c


def _scales(y: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray]:
    """RMSSE scale (mean squared change from the first non-zero count on) and last-year volume."""
    y0 = np.nan_to_num(y)
    started = np.cumsum(y0, axis=1) > 0
    valid = started[:, 1:] & started[:, :-1]
    d2 = np.where(valid, np.diff(y0, axis=1) ** 2, 0.0)
    s2 = d2.sum(1) / np.maximum(valid.sum(1), 1)
    return np.where(valid.any(1), s2, np.nan), y0[:, -season:].sum(1)


def combine_with_mean(panel: pd.DataFrame, fc: pd.DataFrame, *, forecaster: Callable[[pd.DataFrame], pd.DataFrame],
                      freq: str | None = None, n_origins: int = COMBINE_ORIGINS, seed: int = 0) -> pd.DataFrame:
    """The default model's forecast ``fc`` combined with the trailing mean (module notes).

    Parameters
    ----------
    panel : DataFrame
        The panel ``fc`` was forecast from.
    fc : DataFrame
        The default model's forecast of every series (:func:`foresight.forecasting.forecast`).
    forecaster : callable
        Runs the default model with ``fc``'s options and horizon on a shorter panel.
    freq : {"W", "M"}, optional
        Period; defaults to what the panel shows.
    n_origins : int
        Past origins the weight is learned on (fewer when the history is short: each needs two
        years before it; none leaves the default as it is).
    seed : int
        Seed of the sample of series when there are more than ``MAX_SERIES``.

    Returns
    -------
    DataFrame
        ``fc`` with the combined ``mean``; ``attrs["combine"]`` holds ``weight_default`` and the
        ``origins`` it was learned on.

    Examples
    --------
    >>> from foresight.forecasting import forecast
    >>> ds = pd.date_range("2020-01-06", periods=160, freq="W-MON")
    >>> rng = np.random.default_rng(1)
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": rng.poisson(4, 160)})
    >>> fc = forecast(panel, 4, country="CN", combine=True)
    >>> 0.0 <= fc.attrs["combine"]["weight_default"] <= 1.0
    True
    """
    p = check_panel(panel, allow_empty=False)
    f = panel_freq(p, freq)
    season = periods_per_year(f)
    M = to_matrix(p, f)
    keys = pd.MultiIndex.from_frame(M.keys[["area", "category"]].astype(str))
    fut = pd.DatetimeIndex(sorted(pd.unique(fc["ds"])))
    h, T = len(fut), M.y.shape[1]
    rng = np.random.default_rng(seed)
    parts: list[tuple[np.ndarray, ...]] = []
    used = []
    for j in range(n_origins):
        o = T - h - j * ORIGIN_STEP[f]
        if o < 2 * season:
            break
        past = p[p["ds"] < M.starts[o]]
        past.attrs = {**p.attrs, "freq": f, "as_of": M.starts[o]}
        d, _, _ = _wide(forecaster(past), keys, M.starts[o:o + h])
        yo = M.y[:, :o]
        s2, vol = _scales(yo, season)
        rows = np.flatnonzero(~np.isnan(d).any(1) & ~np.isnan(M.y[:, o:o + h]).any(1))
        if rows.size > MAX_SERIES:
            rows = np.sort(rng.choice(rows, MAX_SERIES, replace=False))
        other = baseline_means(yo, h, f, "mean")
        parts.append((d[rows], other[rows], M.y[rows, o:o + h], s2[rows], vol[rows]))
        used.append(str(M.starts[o].date()))
    w = learn_weight(*(np.concatenate(x) for x in zip(*parts, strict=True))) if parts else 1.0
    base, r, c = _wide(fc, keys, fut)
    comb = w * base + (1 - w) * baseline_means(M.y, h, f, "mean")
    have = ~np.isnan(base)
    comb = rake(np.where(have, comb, 0.0), np.where(have, base, 0.0), pd.factorize(M.keys["area"])[0],
                pd.factorize(M.keys["category"])[0])
    out = fc.copy()
    out["mean"] = comb[r, c]
    out.attrs["combine"] = {"weight_default": w, "origins": used}
    return out
