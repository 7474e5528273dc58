"""Aggregate series-level count forecasts to coarser levels (area, category, total).

Means add up exactly. Quantiles do not: summing p90s overstates the aggregate p90 whenever the series
are not perfectly dependent. Here each series' forecast is read as a count distribution with the
forecast mean and a variance recovered from its 80% interval,
``var_i = max(((p90 - p10) / (2 z_0.9))^2, mean_i)`` (at least Poisson), the series are taken as
independent given the forecast, so the aggregate has mean ``sum mean_i`` and variance ``sum var_i``,
and its quantiles are those of a negative binomial with these two moments (Poisson when the variance
does not exceed the mean). This is exact for independent Poisson series and close to it for NB ones.
When series move together (a common shock) the independent aggregate is too narrow; a model that knows
better should return its own coherent aggregate rows (``ALL`` in ``area`` and/or ``category``), which
the backtest then scores instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ConfigError
from foresight.evaluation.metrics import qcol
from foresight.panel import ALL  # the one label of a summed-away key ("all areas"/"all categories")

__all__ = ["ALL", "LEVELS", "aggregate_forecasts", "aggregate_level", "count_quantiles"]

#: Scoring levels, finest first.
LEVELS = ("area x category", "area", "category", "total")
_LEVEL_KEYS = {"area x category": ("area", "category"), "area": ("area",), "category": ("category",)}
_LEVEL_KEYS["total"] = ()


_Z90 = float(stats.norm.ppf(0.9))


def count_quantiles(
    mean: np.ndarray, var: np.ndarray, quantiles: Sequence[float]
) -> dict[float, np.ndarray]:
    """Integer quantiles of NB (or Poisson when ``var <= mean``) counts with the given moments.

    Parameters
    ----------
    mean, var : numpy.ndarray
        Means and variances, element-wise.
    quantiles : sequence of float
        Quantile levels.

    Returns
    -------
    dict
        Level -> integer quantiles (int64), 0 where the mean is 0.

    Examples
    --------
    >>> r = count_quantiles(np.array([0.0, 4.0, 4.0]), np.array([0.0, 4.0, 16.0]), (0.1, 0.9))
    >>> r[0.1].tolist(), r[0.9].tolist()
    ([0, 2, 0], [0, 7, 9])
    """
    m = np.clip(np.asarray(mean, dtype=float), 0, None)
    v = np.maximum(np.asarray(var, dtype=float), m)
    over = v > m * (1 + 1e-9)
    safe_m = np.where(m > 0, m, 1.0)
    n = np.where(over, safe_m**2 / np.where(over, v - m, 1.0), 1.0)
    p = np.where(over, n / (n + safe_m), 0.5)
    out: dict[float, np.ndarray] = {}
    for q in quantiles:
        pois = stats.poisson.ppf(q, safe_m)
        nb = stats.nbinom.ppf(q, n, p)
        val = np.where(over, nb, pois)
        out[q] = np.where(m > 0, np.nan_to_num(val), 0).astype("int64")
    return out


def aggregate_forecasts(
    fc: pd.DataFrame,
    *,
    by: Sequence[str],
    quantiles: Sequence[float],
    method: str = "independent",
) -> pd.DataFrame:
    """Sum series forecasts within ``by`` groups and compute the aggregate count quantiles.

    ``method="independent"`` (default) gives the moment-matched negative binomial of the module
    notes; ``method="comonotonic"`` sums the series quantiles, which is exact when all series move
    together and otherwise gives the widest coherent interval (a sensitivity check).

    Parameters
    ----------
    fc : pandas.DataFrame
        Series-level forecasts with ``by``, ``mean``, ``p10`` and ``p90`` and one column per quantile.
    by : sequence of str
        Group columns (e.g. ``model, origin, area, ds``).
    quantiles : sequence of float
        Quantile levels to return.
    method : {"independent", "comonotonic"}
        How the series' uncertainties combine.

    Returns
    -------
    pandas.DataFrame
        ``by`` + ``mean`` + one ``pNN`` column per quantile.

    Examples
    --------
    >>> f = pd.DataFrame({"g": ["a", "a"], "mean": [2.0, 2.0], "p10": [0, 0], "p90": [4, 4]})
    >>> aggregate_forecasts(f, by=["g"], quantiles=(0.1, 0.9))
       g  mean  p10  p90
    0  a   4.0    1    7
    """
    by = list(by)
    if method == "comonotonic":
        cols = ["mean", *(qcol(q) for q in quantiles)]
        return fc[[*by, *cols]].groupby(by, sort=False, observed=True, dropna=False).sum().reset_index()
    if method != "independent":
        raise ConfigError(f"unknown aggregation {method!r}; use 'independent' or 'comonotonic'")
    m = fc["mean"].to_numpy(dtype=float)
    if "p10" in fc and "p90" in fc:
        sd = (fc["p90"].to_numpy(dtype=float) - fc["p10"].to_numpy(dtype=float)) / (2 * _Z90)
        var = np.maximum(sd**2, m)
    else:
        var = m
    tmp = fc[by].copy()
    tmp["mean"], tmp["_var"] = m, var
    agg = tmp.groupby(by, sort=False, observed=True, dropna=False).sum().reset_index()
    qs = count_quantiles(agg["mean"].to_numpy(), agg["_var"].to_numpy(), quantiles)
    for q in quantiles:
        agg[qcol(q)] = qs[q]
    return agg.drop(columns="_var")


def aggregate_level(
    bottom: pd.DataFrame, level: str, quantiles: tuple[float, ...], method: str
) -> pd.DataFrame:
    """The ``level`` rows (``ALL`` in the summed-away keys) built from the bottom forecasts by ``method``."""
    keys = _LEVEL_KEYS[level]
    cols = ["area", "category", "ds", "mean", *(qcol(q) for q in quantiles)]
    agg = aggregate_forecasts(bottom, by=[*keys, "ds"], quantiles=quantiles, method=method)
    for k in ("area", "category"):
        if k not in keys:
            agg[k] = ALL
    return agg[cols].assign(level=level, source=method)
