"""Backtests and accuracy metrics (WAPE, RMSSE, scaled pinball loss, interval coverage).

See :func:`backtest`, :mod:`foresight.evaluation.metrics` (definitions) and
:mod:`foresight.evaluation.scores` (many series at once).
"""

from __future__ import annotations

from foresight.evaluation._aggregate import ALL, aggregate_forecasts
from foresight.evaluation.backtest import LEVELS, Backtest, backtest
from foresight.evaluation.metrics import (
    coverage,
    naive_scales,
    pinball_loss,
    rmsse,
    scaled_pinball,
    wape,
)
from foresight.evaluation.scores import series_scales

__all__ = [
    "ALL",
    "LEVELS",
    "Backtest",
    "aggregate_forecasts",
    "backtest",
    "coverage",
    "naive_scales",
    "pinball_loss",
    "rmsse",
    "scaled_pinball",
    "series_scales",
    "wape",
]
