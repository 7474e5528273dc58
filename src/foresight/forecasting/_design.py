"""The shared design matrix of the count regression: intercept, trend, annual Fourier terms, calendar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.forecasting._calendar import CALENDAR_FEATURES, calendar_design
from foresight.periods import periods_per_year

__all__ = ["Design", "build_design"]

# Ridge weights in "periods of average data" (see foresight.forecasting._core.per_period): the trend
# slope is nearly free, each trend knot and calendar effect needs a few periods of evidence, and the
# k-th annual harmonic costs 2k, so a season is smooth unless the data insist. Source: set in the first
# engine (commit bcf12e9); docs/benchmarks.md measures the model with these values.
TREND_PENALTY = 1e-2
KNOT_PENALTY = 3.0
FOURIER_PENALTY_PER_ORDER = 2.0
CALENDAR_PENALTY = 4.0
#: Periods between trend knots: a quarter (13 weeks or 3 months).
KNOT_STEP = {"W": 13, "M": 3}
#: Day of the period (from its start) at which the annual Fourier terms are read: about its middle.
SEASON_DAY = {"W": 3, "M": 14}
#: Annual Fourier order: 10 harmonics (shortest wave ~5 weeks) weekly, 5 monthly.
FOURIER_ORDER = {"W": 10, "M": 5}


@dataclass
class Design:
    """Regressors over history + horizon periods, with column groups and ridge penalties."""

    X: np.ndarray  # (T + H) x p
    names: list[str]
    group: np.ndarray  # per column: intercept, trend, season, holiday, window
    penalty: np.ndarray  # per column ridge weight (periods of average data)
    n_hist: int
    freq: str = "W"

    def cols(self, *groups: str) -> np.ndarray:
        return np.isin(self.group, groups)


def build_design(
    starts: pd.DatetimeIndex,
    n_hist: int,
    freq: str,
    *,
    country: str,
    subdiv: str | None,
    windows: tuple[str, ...],
    fourier: int | None = None,
) -> Design:
    """Regressors for ``starts`` (history then horizon); the trend is held flat after the history."""
    per_year = float(periods_per_year(freq))
    T = len(starts)
    t = np.minimum(np.arange(T), n_hist - 1) / per_year
    cols: list[np.ndarray] = [np.ones(T), t - t[n_hist - 1]]
    names = ["intercept", "trend"]
    group = ["intercept", "trend"]
    pen = [0.0, TREND_PENALTY]
    knot_step = KNOT_STEP[freq]
    for k in range(knot_step, n_hist - knot_step // 2, knot_step):
        kk = k / per_year
        cols.append(np.maximum(t - kk, 0.0))
        names.append(f"trend_{k}")
        group.append("trend")
        pen.append(KNOT_PENALTY)
    mid = starts + pd.Timedelta(days=SEASON_DAY[freq])
    frac = (mid.day_of_year.to_numpy() - 0.5) / 365.25
    K = fourier or FOURIER_ORDER[freq]
    for k in range(1, K + 1):
        for fn, nm in ((np.sin, "sin"), (np.cos, "cos")):
            cols.append(fn(2 * np.pi * k * frac))
            names.append(f"{nm}{k}")
            group.append("season")
            pen.append(FOURIER_PENALTY_PER_ORDER * k)
    cal = calendar_design(starts, freq, country=country, subdiv=subdiv, windows=windows)
    for c in cal.columns:
        v = cal[c].to_numpy(float)
        if not np.any(v[:n_hist]):
            continue  # never seen in history: no effect can be learned
        cols.append(v)
        names.append(c)
        group.append("holiday" if c in CALENDAR_FEATURES else "window")
        pen.append(CALENDAR_PENALTY)
    return Design(np.column_stack(cols), names, np.array(group), np.array(pen), n_hist, freq)
