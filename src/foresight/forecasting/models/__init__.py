"""The model registry: name -> function ``(panel, *, horizon, freq, quantiles, seed) -> forecast frame``.

The comparator adapters (Prophet, statsforecast's TSB, Croston and AutoETS) are imported only when
called, so ``import foresight`` never imports prophet or statsforecast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd

from foresight.errors import ConfigError
from foresight.forecasting.engine import default_forecast
from foresight.forecasting.models.baselines import predict_mean, predict_snaive, predict_swa

__all__ = ["MODELS", "get_model", "predict_nbglm", "predict_auto"]

ModelFn = Callable[..., pd.DataFrame]


def _lazy(module: str, name: str) -> ModelFn:
    def call(panel: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        try:
            mod = importlib.import_module(f"foresight.forecasting.models.{module}")
        except ImportError as exc:
            extra = "prophet" if module == "prophet" else "intermittent"
            raise ConfigError(
                f"model {name!r} needs the optional dependency of foresight[{extra}]: "
                f"pip install 'foresight[{extra}]' ({exc})"
            ) from exc
        return getattr(mod, f"predict_{name}")(panel, **kwargs)

    call.__name__ = f"predict_{name}"
    call.__doc__ = f"Lazy adapter: foresight.forecasting.models.{module}.predict_{name}."
    return call


def predict_nbglm(panel: pd.DataFrame, *, horizon: int, freq: str | None = None,
                  quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), seed: int = 0, **kwargs: Any) -> pd.DataFrame:
    """The default global-local negative-binomial model, reconciled (see :func:`foresight.forecasting.forecast`).

    Extra keywords (``country``, ``subdiv``, ``windows``, ``tree``, ``reconcile``) pass through.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=60, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": 1})
    >>> predict_nbglm(panel, horizon=2, country="CN")["model"].unique().tolist()
    ['nbglm']
    """
    return default_forecast(panel, horizon, auto=False, quantiles=quantiles, freq=freq, **kwargs)


def predict_auto(panel: pd.DataFrame, *, horizon: int, freq: str | None = None,
                 quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), seed: int = 0, **kwargs: Any) -> pd.DataFrame:
    """``model="auto"`` of :func:`foresight.forecasting.forecast` with the model signature."""
    return default_forecast(panel, horizon, auto=True, quantiles=quantiles, freq=freq, **kwargs)


MODELS: dict[str, ModelFn] = {
    "auto": predict_auto,
    "nbglm": predict_nbglm,
    "snaive": predict_snaive,
    "swa": predict_swa,
    "mean": predict_mean,
    "mean52": predict_mean,  # alias: the trailing 52-week (12-month) mean
    "prophet": _lazy("prophet", "prophet"),
    "tsb": _lazy("statsforecast", "tsb"),
    "croston": _lazy("statsforecast", "croston"),
    "autoets": _lazy("statsforecast", "autoets"),
}


def get_model(name: str) -> ModelFn:
    """The model function registered under ``name``; ConfigError lists the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}: choose one of {sorted(MODELS)}") from None
