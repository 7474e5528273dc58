"""Forecasts of petition counts: the default global-local negative-binomial model, baselines, level
shifts, reconciliation across the area tree and explanations of each forecast."""

from __future__ import annotations

from foresight.forecasting.api import forecast
from foresight.forecasting.components import forecast_components, plot_components
from foresight.forecasting.engine import forecast_hierarchy, level_shifts
from foresight.forecasting.reconcile import ALL

__all__ = ["ALL", "forecast", "forecast_components", "forecast_hierarchy", "level_shifts",
           "plot_components"]
