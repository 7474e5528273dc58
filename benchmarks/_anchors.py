"""The forecast anchors of the benchmarks: a name -> model table, and the untuned global LightGBM.

``model_table`` maps the benchmark names to functions with the model signature of
docs/architecture.md (``auto`` runs ``forecast_hierarchy`` inside ``foresight.evaluation.backtest``, so
the default is scored on its own coherent aggregates). ``predict_lgbm`` is Nixtla's mlforecast with
LightGBM, the M5 recipe left untuned: lags 1-4, 13, 26 and 52 weeks, rolling means of lag 1 over 4, 13
and 52 weeks, the ISO week of the year, Tweedie loss, LightGBM's default hyperparameters, one global
model over every series; recursive forecasts. Its count quantiles are negative binomial around the
forecast, with each series' dispersion from its in-sample residuals (as statsforecast's TSB and
Croston in ``foresight.forecasting.models.statsforecast``).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

ALL_MODELS = ["auto", "snaive", "mean52", "autoets", "croston", "tsb", "prophet", "lgbm"]


def week_of_year(dates: pd.DatetimeIndex) -> np.ndarray:
    """ISO week number of each date (an mlforecast date feature)."""
    return pd.DatetimeIndex(dates).isocalendar()["week"].to_numpy(dtype="int64")


def predict_lgbm(panel: pd.DataFrame, *, horizon: int, freq: str, quantiles: tuple[float, ...],
                 seed: int = 0) -> pd.DataFrame:
    """Global LightGBM through mlforecast (weekly panels), count quantiles from a negative binomial."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    from foresight.evaluation.metrics import qcol
    from foresight.forecasting.models.statsforecast import _to_sf, moment_dispersion, nb_count_quantiles

    if freq != "W":
        raise ValueError("the LightGBM anchor is weekly only")
    df, keys = _to_sf(panel)
    model = lgb.LGBMRegressor(objective="tweedie", n_jobs=1, random_state=seed, verbose=-1)
    mlf = MLForecast(models={"lgbm": model}, freq="W-MON", lags=[1, 2, 3, 4, 13, 26, 52],
                     lag_transforms={1: [RollingMean(4), RollingMean(13), RollingMean(52)]},
                     date_features=[week_of_year], num_threads=1)
    mlf.fit(df, fitted=True)
    fc = mlf.predict(horizon).rename(columns={"lgbm": "mean"})
    fc["mean"] = fc["mean"].clip(lower=0).fillna(0.0)
    disp = moment_dispersion(mlf.forecast_fitted_values(), "lgbm")
    a = fc["unique_id"].map(disp).fillna(0.0).to_numpy()
    qs = nb_count_quantiles(fc["mean"].to_numpy(), a, quantiles)
    for q in quantiles:
        fc[qcol(q)] = qs[q]
    out = fc.merge(keys, on="unique_id").drop(columns="unique_id")
    return out.assign(model="lgbm")


def model_table(names: list[str], *, country: str, subdiv: str | None, jobs: int) -> dict[str, object]:
    """Benchmark name -> model (``auto`` as the string backtest runs through forecast_hierarchy)."""
    from foresight.forecasting.models import MODELS

    table: dict[str, object] = {}
    for n in names:
        if n == "auto":
            table[n] = "auto"
        elif n == "mean52":
            table[n] = MODELS["mean"]
        elif n == "prophet":
            from foresight.forecasting.models.prophet import predict_prophet

            table[n] = partial(predict_prophet, country=country, subdiv=subdiv, n_jobs=jobs)
        elif n == "autoets":
            from foresight.forecasting.models.statsforecast import predict_autoets

            table[n] = partial(predict_autoets, n_jobs=jobs)
        elif n == "lgbm":
            table[n] = predict_lgbm
        else:
            table[n] = MODELS[n]
    return table
