"""Comparator models from Nixtla's statsforecast: AutoETS, TSB and Croston.

All three follow the model signature of docs/architecture.md and return ``area, category, ds, mean,
pNN..., model, note`` with non-negative means and integer (count) quantiles.

* ``predict_autoets``: ``statsforecast.models.AutoETS`` (additive/multiplicative error, trend and
  season chosen by AICc, season length 52 for weekly data). Its Gaussian prediction interval gives a
  standard deviation per period, ``sd = (hi80 - lo80) / (2 z_0.9)``; quantile ``q`` is
  ``mean + z_q sd``, clipped at 0 and rounded to a count.
* ``predict_tsb`` (Teunter-Syntetos-Babai, ``alpha_d = alpha_p = 0.1``) and ``predict_croston``
  (classic Croston, ``alpha = 0.1``) give point forecasts only. Their count quantiles come from a
  negative binomial around the point forecast ``f``, ``Var = f + a f^2`` (NB2), with the dispersion
  ``a`` of each series estimated by moments from its in-sample one-step residuals
  ``r = y - fitted`` over the last 104 periods: ``a = max(0, (mean(r^2) - mean(fitted)) /
  mean(fitted^2))``; ``a = 0`` gives Poisson quantiles.

These need the optional ``statsforecast`` package (``pip install foresight[intermittent]``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ModelError
from foresight.forecasting._frame import qcol as _qcol
from foresight.periods import normalize_freq, periods_per_year

__all__ = ["predict_autoets", "predict_croston", "predict_tsb"]

_SF_FREQ = {"W": "W-MON", "M": "MS"}  # statsforecast's (pandas) names of the two period lengths
_DISPERSION_WINDOW = 104


def _sf_freq(freq: str) -> str:
    return _SF_FREQ[normalize_freq(freq)]


def _to_sf(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel -> statsforecast long frame (unique_id, ds, y) and the id -> area/category key."""
    p = panel[["area", "category", "ds", "y"]].sort_values(["area", "category", "ds"])
    keys = p[["area", "category"]].drop_duplicates().reset_index(drop=True)
    keys["unique_id"] = np.arange(len(keys)).astype(str)
    df = p.merge(keys, on=["area", "category"])[["unique_id", "ds", "y"]]
    df["y"] = df["y"].astype(float)
    df["ds"] = pd.to_datetime(df["ds"])
    return df, keys


def _import_sf():  # noqa: ANN202
    try:
        import statsforecast  # noqa: F401
        from statsforecast import StatsForecast
        from statsforecast import models as sfm
    except ImportError as exc:  # pragma: no cover
        raise ModelError(
            "statsforecast is not installed; install it with pip install 'foresight[intermittent]'"
        ) from exc
    return StatsForecast, sfm


def _finish(out: pd.DataFrame, keys: pd.DataFrame, name: str) -> pd.DataFrame:
    out = out.merge(keys, on="unique_id").drop(columns="unique_id")
    out["model"] = name
    if "note" not in out:
        out["note"] = ""
    cols = ["area", "category", "ds", "mean", *[c for c in out.columns if c.startswith("p")]]
    out = out[[*cols, "model", "note"]].sort_values(["area", "category", "ds"])
    return out.reset_index(drop=True)


def nb_count_quantiles(
    mean: np.ndarray, dispersion: np.ndarray, quantiles: Sequence[float]
) -> dict[float, np.ndarray]:
    """Integer quantiles of NB2 counts, ``Var = mean + dispersion * mean^2`` (Poisson at 0).

    Examples
    --------
    >>> r = nb_count_quantiles(np.array([0.0, 3.0, 3.0]), np.array([0.5, 0.0, 1.0]), (0.1, 0.9))
    >>> r[0.1].tolist(), r[0.9].tolist()
    ([0, 1, 0], [0, 5, 8])
    """
    m = np.clip(np.asarray(mean, dtype=float), 0, None)
    a = np.clip(np.asarray(dispersion, dtype=float), 0, None)
    nb = (a > 1e-9) & (m > 0)
    n = np.where(nb, 1.0 / np.where(nb, a, 1.0), 1.0)
    p = np.where(nb, n / (n + np.where(m > 0, m, 1.0)), 0.5)
    out = {}
    for q in quantiles:
        v = np.where(nb, stats.nbinom.ppf(q, n, p), stats.poisson.ppf(q, np.where(m > 0, m, 1.0)))
        out[q] = np.where(m > 0, np.nan_to_num(v), 0).astype("int64")
    return out


def moment_dispersion(fitted: pd.DataFrame, col: str) -> pd.Series:
    """NB2 dispersion per ``unique_id`` by moments of the one-step residuals ``y - fitted[col]``.

    Uses each series' last 104 fitted periods: ``a = max(0, (mean(r^2) - mean(f)) / mean(f^2))``
    (0, i.e. Poisson, where the fit is all zero).

    Parameters
    ----------
    fitted : pandas.DataFrame
        ``unique_id, ds, y`` and the fitted column (Nixtla's ``forecast_fitted_values()``).
    col : str
        The fitted column.

    Returns
    -------
    pandas.Series
        Dispersion indexed by ``unique_id``.

    Examples
    --------
    >>> f = pd.DataFrame({"unique_id": "a", "ds": range(4), "y": [0.0, 4.0, 0.0, 4.0], "m": 2.0})
    >>> float(moment_dispersion(f, "m").iloc[0])
    0.5
    """
    fit = fitted.groupby("unique_id", sort=False).tail(_DISPERSION_WINDOW).dropna(subset=[col])
    r2 = (fit["y"] - fit[col]) ** 2
    g = pd.DataFrame({"id": fit["unique_id"], "r2": r2, "f": fit[col], "f2": fit[col] ** 2})
    mom = g.groupby("id").mean()
    return ((mom["r2"] - mom["f"]) / mom["f2"].where(mom["f2"] > 0)).clip(lower=0).fillna(0.0)


def _intermittent(
    panel: pd.DataFrame, *, horizon: int, freq: str, quantiles: Sequence[float], kind: str
) -> pd.DataFrame:
    StatsForecast, sfm = _import_sf()
    df, keys = _to_sf(panel)
    if kind == "tsb":
        model, col, name = sfm.TSB(alpha_d=0.1, alpha_p=0.1), "TSB", "tsb"
    else:
        model, col, name = sfm.CrostonClassic(), "CrostonClassic", "croston"
    sf = StatsForecast(models=[model], freq=_sf_freq(freq), n_jobs=1)
    fc = sf.forecast(df=df, h=horizon, fitted=True)
    disp = moment_dispersion(sf.forecast_fitted_values(), col)
    fc = fc.rename(columns={col: "mean"})
    fc["mean"] = fc["mean"].clip(lower=0).fillna(0.0)
    a = fc["unique_id"].map(disp).fillna(0.0).to_numpy()
    qs = nb_count_quantiles(fc["mean"].to_numpy(), a, quantiles)
    for q in quantiles:
        fc[_qcol(q)] = qs[q]
    return _finish(fc, keys, name)


def predict_tsb(
    panel: pd.DataFrame,
    *,
    horizon: int,
    freq: str,
    quantiles: tuple[float, ...],
    seed: int = 0,
) -> pd.DataFrame:
    """TSB (Teunter-Syntetos-Babai) forecasts with negative-binomial count quantiles.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts panel ``area, category, ds, y``.
    horizon : int
        Periods to forecast.
    freq : str
        ``"W"`` or ``"M"``.
    quantiles : tuple of float
        Quantile levels (columns ``pNN``).
    seed : int
        Unused (the model is deterministic); kept for the model signature.

    Returns
    -------
    pandas.DataFrame
        ``area, category, ds, mean, pNN..., model, note``.

    Raises
    ------
    ModelError
        When statsforecast is not installed.
    ConfigError
        For an unsupported frequency.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    >>> p = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": [0, 2] * 15})
    >>> f = predict_tsb(p, horizon=2, freq="W", quantiles=(0.1, 0.9))
    >>> f.columns.tolist(), bool((f["mean"] > 0).all())
    (['area', 'category', 'ds', 'mean', 'p10', 'p90', 'model', 'note'], True)
    """
    return _intermittent(panel, horizon=horizon, freq=freq, quantiles=quantiles, kind="tsb")


def predict_croston(
    panel: pd.DataFrame,
    *,
    horizon: int,
    freq: str,
    quantiles: tuple[float, ...],
    seed: int = 0,
) -> pd.DataFrame:
    """Classic Croston forecasts with negative-binomial count quantiles.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts panel ``area, category, ds, y``.
    horizon : int
        Periods to forecast.
    freq : str
        ``"W"`` or ``"M"``.
    quantiles : tuple of float
        Quantile levels (columns ``pNN``).
    seed : int
        Unused (the model is deterministic); kept for the model signature.

    Returns
    -------
    pandas.DataFrame
        ``area, category, ds, mean, pNN..., model, note``.

    Raises
    ------
    ModelError
        When statsforecast is not installed.

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    >>> p = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": [0, 0, 3] * 10})
    >>> f = predict_croston(p, horizon=3, freq="W", quantiles=(0.5,))
    >>> len(f), f["model"].unique().tolist()
    (3, ['croston'])
    """
    return _intermittent(panel, horizon=horizon, freq=freq, quantiles=quantiles, kind="croston")


def predict_autoets(
    panel: pd.DataFrame,
    *,
    horizon: int,
    freq: str,
    quantiles: tuple[float, ...],
    seed: int = 0,
    season_length: int | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """statsforecast AutoETS forecasts with quantiles from its Gaussian prediction interval.

    Parameters
    ----------
    panel : pandas.DataFrame
        Counts panel ``area, category, ds, y``.
    horizon : int
        Periods to forecast.
    freq : str
        ``"W"`` or ``"M"``.
    quantiles : tuple of float
        Quantile levels (columns ``pNN``).
    seed : int
        Unused (the model is deterministic); kept for the model signature.
    season_length : int, optional
        Season length; 52 for weekly and 12 for monthly data by default. statsforecast does try
        seasonal ETS with 52 weekly states, which costs about 10x a non-seasonal fit.
    n_jobs : int
        Processes statsforecast uses across series.

    Returns
    -------
    pandas.DataFrame
        ``area, category, ds, mean, pNN..., model, note``; means clipped at 0, quantiles rounded.

    Raises
    ------
    ModelError
        When statsforecast is not installed.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=60, freq="W-MON")
    >>> p = pd.DataFrame({"area": "a", "category": "c", "ds": ds, "y": [3, 5, 4, 6] * 15})
    >>> f = predict_autoets(p, horizon=4, freq="W", quantiles=(0.1, 0.5, 0.9))
    >>> bool((f["p10"] <= f["p50"]).all() and (f["p50"] <= f["p90"]).all())
    True
    """
    StatsForecast, sfm = _import_sf()
    if season_length is None:
        season_length = periods_per_year(freq)
    df, keys = _to_sf(panel)
    sf = StatsForecast(models=[sfm.AutoETS(season_length=season_length)], freq=_sf_freq(freq),
                       n_jobs=n_jobs)
    fc = sf.forecast(df=df, h=horizon, level=[80])
    mu = fc["AutoETS"].to_numpy(dtype=float)
    sd = (fc["AutoETS-hi-80"] - fc["AutoETS-lo-80"]).to_numpy(dtype=float) / (
        2 * stats.norm.ppf(0.9)
    )
    sd = np.nan_to_num(np.clip(sd, 0, None))
    out = fc[["unique_id", "ds"]].copy()
    out["mean"] = np.clip(np.nan_to_num(mu), 0, None)
    for q in quantiles:
        out[_qcol(q)] = np.clip(np.rint(mu + stats.norm.ppf(q) * sd), 0, None).astype("int64")
    return _finish(out, keys, "autoets")
