"""Baseline methods on the dense series matrix: seasonal naive, seasonal window average, trailing mean.

Each method maps a ``series x periods`` history to ``series x horizon`` means. Their spread is a
negative-binomial dispersion per series from the method's own errors at two earlier origins (shrunk
toward the pooled value), so intervals fit small counts just like the default model's. The engine's
``model="auto"`` compares them with the default model; :mod:`foresight.forecasting.models.baselines`
wraps them as models.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from foresight.periods import normalize_freq, periods_per_year

__all__ = ["METHODS", "HOLDOUT_PERIODS", "baseline_means", "holdout_alpha", "holdout_sse", "validation_periods"]

Method = Callable[[np.ndarray, int, int], np.ndarray]
#: Weeks either side of the same week a year earlier that the seasonal window average pools (months: 0).
SWA_HALF_WIDTH = 2


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
    w = (SWA_HALF_WIDTH if m == 52 else 0) if half_width is None else half_width
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
    return np.maximum(METHODS[name](y, horizon, periods_per_year(freq)), 0.0)


#: Periods of each holdout (two of them, ending at the last period) that choose half-lives and models and
#: measure dispersion: up to a quarter (13 weeks) or half a year (6 months), never more than the horizon
#: (set in the first engine, commit bcf12e9).
HOLDOUT_PERIODS = {"W": 13, "M": 6}


def validation_periods(horizon: int, freq: str) -> int:
    """Length of each holdout: the horizon, capped at :data:`HOLDOUT_PERIODS`."""
    return min(int(horizon), HOLDOUT_PERIODS[normalize_freq(freq)])
