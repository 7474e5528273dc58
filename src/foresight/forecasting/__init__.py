"""Forecasts of petition counts: the default global-local negative-binomial model, baselines, level
shifts, reconciliation across the area tree and explanations of each forecast."""

from __future__ import annotations

from foresight.forecasting.api import forecast, forecast_hierarchy
from foresight.forecasting.components import forecast_components, plot_components
from foresight.forecasting.engine import level_shifts
from foresight.forecasting.intervals import apply_interval_scales, learn_interval_scales
from foresight.forecasting.reconcile import ALL
from foresight.settings import IntervalSettings

__all__ = ["ALL", "IntervalSettings", "apply_interval_scales", "forecast", "forecast_components",
           "forecast_hierarchy", "learn_interval_scales", "level_shifts", "plot_components"]
