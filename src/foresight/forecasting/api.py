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
from foresight.forecasting.engine import forecast_hierarchy as hierarchy_forecast
from foresight.forecasting.intervals import apply_interval_scales, learn_interval_scales, past_forecasts
from foresight.forecasting.models import get_model
from foresight.periods import panel_freq
from foresight.schemas import check_panel
from foresight.settings import IntervalSettings

__all__ = ["forecast", "forecast_hierarchy"]


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


def forecast_hierarchy(
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
    calibrate_intervals: int = 0,
    interval_settings: IntervalSettings | None = None,
) -> pd.DataFrame:
    """Coherent forecasts for every node: area x category, areas, categories, total (and parent areas).

    Aggregate means are the sums of the reconciled bottom means; each node's quantiles come from its
    own negative-binomial spread (fitted on that node's history), not from summing quantiles.

    Parameters
    ----------
    panel, horizon, quantiles, freq, country, subdiv, windows, tree, reconcile
        As in :func:`forecast`.
    model : {"auto", "nbglm"}
        ``"auto"`` lets a baseline replace the default model in a volume group where it did better
        at the holdout origins.
    calibrate_intervals : int
        0 (default): the quantiles as the model gives them. ``N > 0``: also fit the model at ``N``
        past origins of the panel (a quarter apart, the last ``horizon`` periods before its end: about
        ``N + 1`` times the time) and scale each level's quantile distances from ``p50`` so that their
        intervals would have covered those origins' actuals as nominal
        (:mod:`foresight.forecasting.intervals`); the scale table is in ``attrs["intervals"]``.
    interval_settings : IntervalSettings, optional
        The scale's grid, horizon bands, fewest origins (below it the scale is 1 and the table's
        ``note`` says so) and origin spacing; default ``IntervalSettings()``.

    Returns
    -------
    DataFrame
        ``level`` then the :func:`forecast` columns. Levels: ``area x category``, ``area``,
        ``category``, ``total``, and with a tree ``parent area`` and ``parent area x category``
        (never calibrated); :data:`foresight.panel.ALL` (``"(all)"``) stands for all areas or all
        categories.

    Raises
    ------
    DataError, ConfigError
        As in :func:`forecast`; ConfigError also for a negative ``calibrate_intervals``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = pd.date_range("2022-01-03", periods=104, freq="W-MON")
    >>> panel = pd.concat([pd.DataFrame({"area": a, "category": "x", "ds": ds, "y": 2}) for a in "AB"])
    >>> h = forecast_hierarchy(panel, 2, country="CN")
    >>> sorted(h["level"].unique())
    ['area', 'area x category', 'category', 'total']
    >>> tot = h[h["level"] == "total"]["mean"].to_numpy()
    >>> bool(np.allclose(tot, h[h["level"] == "area x category"].groupby("ds")["mean"].sum()))
    True
    """
    if calibrate_intervals < 0:
        raise ConfigError(f"calibrate_intervals={calibrate_intervals} must be 0 (off) or a number of past "
                          "origins, e.g. 4")
    run = partial(hierarchy_forecast, horizon=horizon, model=model, quantiles=quantiles, freq=freq,
                  country=country, subdiv=subdiv, windows=windows, tree=tree, reconcile=reconcile)
    fc = run(panel)
    if not calibrate_intervals:
        return fc
    s = interval_settings or IntervalSettings()
    past = past_forecasts(panel, horizon, n_origins=calibrate_intervals, forecaster=run, freq=freq,
                          spacing=s.spacing)
    if past.empty:
        past = past.assign(p50=[], **{c: [] for c in quantile_columns(quantiles)})
    return apply_interval_scales(fc, learn_interval_scales(past, settings=s))
