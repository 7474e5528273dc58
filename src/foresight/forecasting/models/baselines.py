"""Baseline models: seasonal naive, seasonal window average and the trailing mean.

All three work on the dense series matrix at once (the methods are in
:mod:`foresight.forecasting._baselines`). Their quantiles are negative-binomial with a dispersion per
series estimated from the baseline's own errors at two earlier origins (shrunk toward the pooled
value), so intervals fit small counts just like the default model's.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the docstring examples use it)
import pandas as pd

from foresight.forecasting._baselines import METHODS, baseline_means, holdout_alpha, validation_periods
from foresight.forecasting._dist import nb_quantiles
from foresight.forecasting._frame import quantile_columns
from foresight.matrix import to_long, to_matrix
from foresight.periods import future_starts, panel_freq, periods_per_year
from foresight.schemas import check_panel

__all__ = ["predict_snaive", "predict_swa", "predict_mean"]

def _predict(name: str, panel: pd.DataFrame, horizon: int, freq: str | None,
             quantiles: tuple[float, ...]) -> pd.DataFrame:
    p = check_panel(panel, allow_empty=False)
    f = panel_freq(p, freq)
    names = quantile_columns(quantiles)
    M = to_matrix(p, f)
    m = periods_per_year(f)
    mean = baseline_means(M.y, horizon, f, name)
    alpha = holdout_alpha(M.y, METHODS[name], m, validation_periods(horizon, f))
    qv = nb_quantiles(mean, alpha[:, None], tuple(quantiles))
    out = to_long(M.keys, future_starts(M.starts[-1], horizon, f), mean=mean,
                  **{nm: qv[..., j] for j, nm in enumerate(names)})
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
