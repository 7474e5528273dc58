"""Comparator model: Prophet (Taylor & Letham 2018), one fit per series.

``predict_prophet`` fits a linear-trend Prophet model to each series with yearly seasonality (Prophet's
``"auto"`` rule: on with two or more years of history), weekly and daily seasonality off (they have no
meaning for weekly or monthly counts), and the public holidays of ``country`` from
:func:`foresight.calendar.days` (China's by default, with the lunar Spring Festival) as events placed
on the period (week or month) that holds them. Forecast quantiles are empirical quantiles of Prophet's
posterior predictive samples (``uncertainty_samples`` draws, trend and noise uncertainty), clipped at 0
and rounded to counts; the mean is Prophet's point forecast ``yhat`` clipped at 0 (the mean of the
clipped samples would add a positive bias on sparse series, whose Gaussian noise often goes below 0). Prophet draws these samples with
numpy's legacy global generator, so the adapter seeds it from ``seed`` and restores its state after;
the Stan optimiser gets the same seed.

A series Prophet cannot fit (fewer than two observations, or an optimiser failure) falls back to the
mean of its last 52 periods with Poisson quantiles and says so in ``note``.

Needs the optional ``prophet`` package (``pip install foresight[prophet]``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ModelError
from foresight.forecasting._frame import qcol as _qcol
from foresight.periods import future_starts, normalize_freq, shift

__all__ = ["predict_prophet", "prophet_holidays"]


def prophet_holidays(
    start: Any, end: Any, *, freq: str = "W", country: str = "CN", subdiv: str | None = None
) -> pd.DataFrame:
    """Public holidays as Prophet events, each placed on the start of the period that holds it.

    Parameters
    ----------
    start, end : date-like
        Date range to cover (include the forecast horizon).
    freq : {"W", "M"}
        Period of the panel.
    country : str
        ISO country code for :func:`foresight.calendar.days` (``"CN"`` by default).
    subdiv : str, optional
        Subdivision (e.g. ``"NY"``).

    Returns
    -------
    pandas.DataFrame
        ``holiday, ds`` (one row per holiday and period), as Prophet's ``holidays`` argument.

    Raises
    ------
    ConfigError, CalendarError
        From the calendar, for an unknown country or a year it cannot answer.

    Examples
    --------
    >>> h = prophet_holidays("2024-02-01", "2024-02-29")
    >>> h["ds"].dt.strftime("%Y-%m-%d").unique().tolist()
    ['2024-02-05', '2024-02-12']
    >>> h["holiday"].unique().tolist()
    ['Spring Festival']
    """
    from foresight.calendar import days, period_start

    d = days(start, end, country=country, subdiv=subdiv)
    d = d[d["is_holiday"].astype(bool) & (d["holiday"].astype(str) != "")]
    out = pd.DataFrame(
        {
            "holiday": d["holiday"].astype(str).to_numpy(),
            "ds": pd.DatetimeIndex(period_start(pd.DatetimeIndex(d["date"]), freq)),
        }
    )
    return out.drop_duplicates().sort_values(["ds", "holiday"]).reset_index(drop=True)


def _fallback(y: np.ndarray, horizon: int, quantiles: Sequence[float]) -> tuple[np.ndarray, dict]:
    m = float(np.mean(y[-52:])) if len(y) else 0.0
    qs = {q: np.full(horizon, int(stats.poisson.ppf(q, m)) if m > 0 else 0) for q in quantiles}
    return np.full(horizon, m), qs


def _quiet() -> None:
    """Silence cmdstanpy's per-fit INFO lines (it adds its own handler unless one exists)."""
    for name in ("cmdstanpy", "prophet"):
        lg = logging.getLogger(name)
        if not lg.handlers:
            lg.addHandler(logging.NullHandler())
        lg.setLevel(logging.WARNING)


def _fit_one(args: tuple) -> tuple[np.ndarray, dict, str]:
    (y, ds, future, holidays, quantiles, seed, samples) = args
    horizon = len(future)
    if len(y) < 2 or not np.any(y > 0):
        mean, qs = _fallback(y, horizon, quantiles)
        return mean, qs, "prophet: too little history, trailing mean used"
    try:
        from prophet import Prophet
    except ImportError as exc:  # pragma: no cover
        raise ModelError(
            "prophet is not installed; install it with pip install 'foresight[prophet]'"
        ) from exc
    _quiet()
    state = np.random.get_state()
    try:
        np.random.seed(seed)  # Prophet samples with numpy's global generator
        m = Prophet(
            weekly_seasonality=False,
            daily_seasonality=False,
            holidays=holidays if len(holidays) else None,
            uncertainty_samples=samples,
        )
        m.fit(pd.DataFrame({"ds": ds, "y": y}), seed=seed)
        draws = m.predictive_samples(pd.DataFrame({"ds": future}))["yhat"]
        m.uncertainty_samples = 0  # the point forecast needs no second round of sampling
        yhat = m.predict(pd.DataFrame({"ds": future}))["yhat"].to_numpy(dtype=float)
    except Exception as exc:  # noqa: BLE001 - any optimiser failure falls back
        mean, qs = _fallback(y, horizon, quantiles)
        return mean, qs, f"prophet failed ({type(exc).__name__}), trailing mean used"
    finally:
        np.random.set_state(state)
    draws = np.clip(draws, 0, None)
    qv = np.quantile(draws, list(quantiles), axis=1)
    qs = {q: np.rint(qv[i]).astype("int64") for i, q in enumerate(quantiles)}
    return np.clip(yhat, 0, None), qs, ""


def predict_prophet(
    panel: pd.DataFrame,
    *,
    horizon: int,
    freq: str,
    quantiles: tuple[float, ...],
    seed: int = 0,
    country: str = "CN",
    subdiv: str | None = None,
    uncertainty_samples: int = 500,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Prophet forecasts per series, with holidays, and count quantiles from posterior samples.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts panel ``area, category, ds, y``.
    horizon : int
        Periods to forecast, starting the period after the panel's last period.
    freq : str
        ``"W"`` or ``"M"``.
    quantiles : tuple of float
        Quantile levels (columns ``pNN``).
    seed : int
        Seeds the Stan optimiser and the predictive sampling.
    country, subdiv : str
        Holiday calendar (``"CN"``: China's, with the Spring Festival; e.g. ``"US", "NY"``).
    uncertainty_samples : int
        Posterior predictive draws per series.
    n_jobs : int
        Worker processes (Prophet fits one series at a time; 2 halves the time on 2 cores).

    Returns
    -------
    pandas.DataFrame
        ``area, category, ds, mean, pNN..., model, note``; non-negative, integer quantiles.

    Raises
    ------
    ModelError
        When prophet is not installed.
    ConfigError
        For an unsupported frequency.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=110, freq="W-MON")
    >>> p = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": [4, 6] * 55})
    >>> f = predict_prophet(p, horizon=3, freq="W", quantiles=(0.1, 0.5, 0.9))
    >>> bool(f[["p10", "p50", "p90"]].ge(0).all().all()), f["model"].iloc[0], len(f)
    (True, 'prophet', 3)
    """
    fkey = normalize_freq(freq)
    p = panel[["area", "category", "ds", "y"]].copy()
    p["ds"] = pd.to_datetime(p["ds"])
    p = p.sort_values(["area", "category", "ds"])
    future = future_starts(p["ds"].max(), horizon, fkey)
    holidays = prophet_holidays(p["ds"].min(), shift(future[-1], 1, fkey), freq=fkey, country=country,
                                subdiv=subdiv)
    groups = list(p.groupby(["area", "category"], sort=True))
    jobs = [
        (g["y"].to_numpy(dtype=float), g["ds"].to_numpy(), future, holidays, tuple(quantiles), seed,
         uncertainty_samples)
        for _, g in groups
    ]
    if n_jobs > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=n_jobs) as ex:
            results = list(ex.map(_fit_one, jobs, chunksize=max(1, len(jobs) // (8 * n_jobs))))
    else:
        results = [_fit_one(j) for j in jobs]
    parts = []
    for ((area, cat), _), (mean, qs, note) in zip(groups, results, strict=True):
        d = pd.DataFrame({"area": area, "category": cat, "ds": future, "mean": mean})
        for q in quantiles:
            d[_qcol(q)] = qs[q]
        d["model"], d["note"] = "prophet", note
        parts.append(d)
    cols = ["area", "category", "ds", "mean", *(_qcol(q) for q in quantiles), "model", "note"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]
