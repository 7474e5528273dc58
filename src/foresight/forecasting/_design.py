"""The shared design matrix of the count regression: intercept, trend, annual Fourier terms, calendar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.forecasting._calendar import CALENDAR_FEATURES, calendar_design

__all__ = ["Design", "build_design"]


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
    per_year = 52.0 if freq == "W" else 12.0
    T = len(starts)
    t = np.minimum(np.arange(T), n_hist - 1) / per_year
    cols: list[np.ndarray] = [np.ones(T), t - t[n_hist - 1]]
    names = ["intercept", "trend"]
    group = ["intercept", "trend"]
    pen = [0.0, 1e-2]
    knot_step = 13 if freq == "W" else 3
    for k in range(knot_step, n_hist - knot_step // 2, knot_step):
        kk = k / per_year
        cols.append(np.maximum(t - kk, 0.0))
        names.append(f"trend_{k}")
        group.append("trend")
        pen.append(3.0)
    mid = starts + (pd.Timedelta(days=3) if freq == "W" else pd.Timedelta(days=14))
    frac = (mid.day_of_year.to_numpy() - 0.5) / 365.25
    K = fourier or (10 if freq == "W" else 5)
    for k in range(1, K + 1):
        for fn, nm in ((np.sin, "sin"), (np.cos, "cos")):
            cols.append(fn(2 * np.pi * k * frac))
            names.append(f"{nm}{k}")
            group.append("season")
            pen.append(2.0 * k)
    cal = calendar_design(starts, freq, country=country, subdiv=subdiv, windows=windows)
    for c in cal.columns:
        v = cal[c].to_numpy(float)
        if not np.any(v[:n_hist]):
            continue  # never seen in history: no effect can be learned
        cols.append(v)
        names.append(c)
        group.append("holiday" if c in CALENDAR_FEATURES else "window")
        pen.append(4.0)
    return Design(np.column_stack(cols), names, np.array(group), np.array(pen), n_hist, freq)
