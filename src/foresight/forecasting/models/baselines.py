"""Baseline models: seasonal naive, seasonal window average and the trailing mean.

All three work on the dense series matrix at once. Their quantiles are negative-binomial with a
dispersion per series estimated from the baseline's own errors at two earlier origins (shrunk toward
the pooled value), so intervals fit small counts just like the default model's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from foresight.forecasting._dist import nb_quantiles
from foresight.forecasting._frame import check_panel, future_starts, infer_freq, quantile_columns, to_matrix

__all__ = ["predict_snaive", "predict_swa", "predict_mean", "baseline_means"]

Method = Callable[[np.ndarray, int, int], np.ndarray]


def _season(freq: str) -> int:
    return 52 if freq == "W" else 12


def _recent_mean(y: np.ndarray, m: int) -> np.ndarray:
    """Mean of each row's observed values in its last ``m`` columns (0 where none is observed yet,
    e.g. a series that starts after a holdout origin), as an n x 1 column."""
    if not y.shape[1]:
        return np.zeros((len(y), 1))
    last = y[:, -m:]
    obs = ~np.isnan(last)
    return (np.where(obs, last, 0.0).sum(1) / np.maximum(obs.sum(1), 1))[:, None]


def _snaive(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    T = y.shape[1]
    idx = T - m + (np.arange(horizon) % m)
    out = y[:, np.clip(idx, 0, T - 1)] if T >= m else np.repeat(y[:, -1:], horizon, 1)
    return np.nan_to_num(out)


def _swa(y: np.ndarray, horizon: int, m: int, years: int = 3, half_width: int | None = None) -> np.ndarray:
    """Mean over the same season in up to ``years`` past years, each a window of +-half_width periods."""
    w = (2 if m == 52 else 0) if half_width is None else half_width
    T = y.shape[1]
    acc = np.zeros((len(y), horizon))
    cnt = np.zeros((len(y), horizon))
    for k in range(1, years + 1):
        for d in range(-w, w + 1):
            idx = T - k * m + np.arange(horizon) % m + d
            ok = (idx >= 0) & (idx < T)
            v = y[:, np.clip(idx, 0, T - 1)]
            good = ok[None, :] & ~np.isnan(v)
            acc += np.where(good, v, 0.0)
            cnt += good
    return np.where(cnt > 0, acc / np.maximum(cnt, 1), _recent_mean(y, m))


def _mean(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    return np.repeat(_recent_mean(y, m), horizon, axis=1)


METHODS: dict[str, Method] = {"snaive": _snaive, "swa": _swa, "mean": _mean}


def holdout_alpha(y: np.ndarray, method: Method, m: int, val: int) -> np.ndarray:
    """NB dispersion per series from the method's errors at origins T - val and T - 2 val."""
    T = y.shape[1]
    num = np.zeros(len(y))
    den = np.zeros(len(y))
    for o in (T - val, T - 2 * val):
        if o < m // 2 or o < 2:
            continue
        mu = method(y[:, :o], val, m)
        act = y[:, o:o + val]
        ok = ~np.isnan(act)
        r = np.where(ok, act - mu, 0.0)
        num += np.where(ok, r**2 - mu, 0.0).sum(1)
        den += np.where(ok, mu**2, 0.0).sum(1)
    pool = max(num.sum(), 0.0) / max(den.sum(), 1e-9)
    kappa = 2.0 * max(den.mean(), 1e-9)
    return np.clip((num + kappa * pool) / (den + kappa), 0.0, 10.0)


def holdout_sse(y: np.ndarray, method: Method, m: int, val: int) -> np.ndarray:
    """Sum of squared errors of the method at origins T - val and T - 2 val (as the default model's)."""
    T = y.shape[1]
    first = np.argmax(~np.isnan(y), axis=1)
    sse = np.zeros(len(y))
    for o in (T - val, T - 2 * val):
        if o < max(m // 2, 4):
            continue
        mu = method(y[:, :o], val, m)
        act = y[:, o:o + val]
        ok = ~np.isnan(act) & (o > first)[:, None]
        sse += np.where(ok, (act - mu) ** 2, 0.0).sum(1)
    return sse


def baseline_means(y: np.ndarray, horizon: int, freq: str, name: str) -> np.ndarray:
    """Means (series x horizon) of a baseline on a dense matrix."""
    return np.maximum(METHODS[name](y, horizon, _season(freq)), 0.0)


def _predict(name: str, panel: pd.DataFrame, horizon: int, freq: str | None,
             quantiles: tuple[float, ...]) -> pd.DataFrame:
    p = check_panel(panel)
    f = infer_freq(p, freq)
    names = quantile_columns(quantiles)
    M = to_matrix(p, f)
    m = _season(f)
    mean = baseline_means(M.y, horizon, f, name)
    alpha = holdout_alpha(M.y, METHODS[name], m, min(horizon, 13 if f == "W" else 6))
    qv = nb_quantiles(mean, alpha[:, None], tuple(quantiles))
    fut = future_starts(M.starts[-1], horizon, f)
    n = len(M.keys)
    out = pd.DataFrame({
        "area": np.repeat(M.keys["area"].to_numpy(), horizon),
        "category": np.repeat(M.keys["category"].to_numpy(), horizon),
        "ds": np.tile(fut.to_numpy(), n),
        "mean": mean.ravel(),
    })
    for j, nm in enumerate(names):
        out[nm] = qv[..., j].ravel()
    out["model"] = name
    out["note"] = ""
    return out


def predict_snaive(panel: pd.DataFrame, *, horizon: int, freq: str | None = None,
                   quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), seed: int = 0, **_: object) -> pd.DataFrame:
    """Seasonal naive: each period repeats the same period one year earlier.

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y``.
    horizon : int
        Periods ahead.
    freq : {"W", "M"}, optional
        Period (default: from the panel).
    quantiles : tuple of float
        Quantile levels.
    seed : int
        Unused (deterministic).

    Returns
    -------
    DataFrame
        Forecast frame (``model`` = ``"snaive"``).

    Raises
    ------
    DataError
        A bad panel.

    Examples
    --------
    >>> ds = pd.date_range("2023-01-02", periods=60, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": np.arange(60) % 52})
    >>> predict_snaive(panel, horizon=2)["mean"].tolist()
    [8.0, 9.0]
    """
    return _predict("snaive", panel, horizon, freq, quantiles)


def predict_swa(panel: pd.DataFrame, *, horizon: int, freq: str | None = None,
                quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), seed: int = 0, **_: object) -> pd.DataFrame:
    """Seasonal window average: mean of the same weeks (+-2) in up to three past years.

    Parameters, Returns and Raises are as in :func:`predict_snaive` (``model`` = ``"swa"``).

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=156, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": 4})
    >>> predict_swa(panel, horizon=1)["mean"].tolist()
    [4.0]
    """
    return _predict("swa", panel, horizon, freq, quantiles)


def predict_mean(panel: pd.DataFrame, *, horizon: int, freq: str | None = None,
                 quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), seed: int = 0, **_: object) -> pd.DataFrame:
    """Trailing mean of the last year (52 weeks or 12 months), flat over the horizon.

    Parameters, Returns and Raises are as in :func:`predict_snaive` (``model`` = ``"mean"``).

    Examples
    --------
    >>> ds = pd.date_range("2023-01-02", periods=52, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": [0, 2] * 26})
    >>> predict_mean(panel, horizon=1)["mean"].tolist()
    [1.0]
    """
    return _predict("mean", panel, horizon, freq, quantiles)
