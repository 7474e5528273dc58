"""``forecast``: the one entry point to every model (the default model or any registered one).

It sits above both the engine and the model registry, so neither imports the other's caller.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from foresight.errors import ConfigError
from foresight.forecasting._frame import quantile_columns
from foresight.forecasting.combine import combine_with_mean
from foresight.forecasting.engine import DEFAULT_MODEL, default_forecast
from foresight.forecasting.models import get_model
from foresight.periods import panel_freq
from foresight.schemas import check_panel

__all__ = ["forecast"]


def forecast(
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
    half_lives: tuple[float, ...] | None = None,
    seed: int = 0,
    combine: bool = False,
) -> pd.DataFrame:
    """Forecast every area x category series of a panel, coherent with the area and category totals.

    The default model (``"auto"``/``"nbglm"``) is a global-local negative binomial: seasonal, holiday
    and known-window shape fitted once per category on its dense aggregate, a current level per series
    that restarts after a detected level shift, a dispersion per series shrunk toward its volume group,
    and MinT-WLS reconciliation with the area, category and grand totals (and the parent areas of
    ``tree``).

    Parameters
    ----------
    panel : DataFrame
        ``area, category, ds, y`` (see :func:`foresight.panel.to_panel`), weekly or monthly.
    horizon : int
        Periods to forecast after the last period of the panel.
    model : str
        ``"auto"`` (default: the default model, or per volume group a baseline from
        :data:`foresight.forecasting.engine.AUTO_CANDIDATES` when it beat the default model at two
        holdout origins; the ``model`` column says which), ``"nbglm"`` (the default model everywhere) or another name in
        :data:`foresight.forecasting.models.MODELS` (run as is, without reconciliation).
    quantiles : tuple of float
        Quantile levels; one column ``pNN`` each.
    freq : {"W", "M"}, optional
        Period; defaults to ``panel.attrs["freq"]`` or what the dates show.
    country, subdiv : str, optional
        Holiday calendar (default ``panel.attrs["country"]`` or ``"CN"``; ``"US"``/``"NY"`` for NYC).
    windows : tuple of str, optional
        Known windows (``"wage"``: four weeks before the Spring Festival, ``"enrolment"``: March to
        September); default both in China, none elsewhere.
    tree : mapping, AreaTree or path, optional
        child -> parent areas; parent areas join the reconciliation.
    reconcile : bool
        Reconcile with the aggregate forecasts (default) or return the bottom forecasts as fitted.
    half_lives : tuple of float, optional
        Half-lives (in periods) of the recent level that holdouts choose from; default 4 to 52 weeks
        (1 to 12 months). A counterfactual over a whole season is better based on the past year's
        level: pass ``(52.0,)``.
    seed : int
        Seed for models that sample (the default model is deterministic) and for the sample of
        series ``combine`` learns on (above 20,000 series).
    combine : bool
        Default model only: combine each series' mean with its trailing one-year mean by a weight
        learned on the panel's own past origins (the default model refitted at four past origins,
        so about five times the time), then scale the series so that their area and category sums
        stay the default model's; quantiles stay the default's. Off by default: on the development
        origins of two real logs it lowered the area x category RMSSE by 0.5-0.8% and left the other
        levels as they were (docs/benchmarks.md). The weight is in ``attrs["combine"]``
        (:mod:`foresight.forecasting.combine`).

    Returns
    -------
    DataFrame
        ``area, category, ds, mean, pNN..., model, note``; ``mean`` float >= 0, quantiles integer.

    Raises
    ------
    DataError
        Missing columns, negative or missing counts, duplicate rows.
    ConfigError
        Bad horizon, quantiles, freq, model name or calendar; ``combine`` with another model.

    Examples
    --------
    >>> ds = pd.date_range("2022-01-03", periods=104, freq="W-MON")
    >>> panel = pd.DataFrame({"area": "A", "category": "wage", "ds": ds, "y": 3})
    >>> fc = forecast(panel, 4, country="CN")
    >>> fc.columns.tolist()
    ['area', 'category', 'ds', 'mean', 'p10', 'p50', 'p90', 'model', 'note']
    >>> bool((fc["p10"] <= fc["p90"]).all()), len(fc)
    (True, 4)
    """
    quantile_columns(quantiles)
    if model in ("auto", DEFAULT_MODEL):
        run = partial(default_forecast, horizon=horizon, auto=model == "auto", quantiles=quantiles, freq=freq,
                      country=country, subdiv=subdiv, windows=windows, tree=tree, reconcile=reconcile,
                      half_lives=half_lives)
        fc = run(panel)
        return combine_with_mean(panel, fc, forecaster=run, freq=freq, seed=seed) if combine else fc
    if combine:
        raise ConfigError(f"combine=True combines the default model: use model='auto' or {DEFAULT_MODEL!r}, "
                          f"not {model!r}")
    fn = get_model(model)
    p = check_panel(panel, allow_empty=False)
    return fn(p, horizon=horizon, freq=panel_freq(p, freq), quantiles=tuple(quantiles), seed=seed)
