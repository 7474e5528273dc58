"""Features and wave labels per series and origin, vectorised over the series matrix (internal).

Every (series, origin) pair is one example: the features see only the periods before the origin,
the label is the wave definition of :func:`foresight.warning.flags` over the next ``horizon`` periods
(the horizon total is at least ``ratio`` x the trailing-year mean x ``horizon`` and at least
``min_cases``). Window sums come from cumulative sums over the matrix, so the whole table for all
series and hundreds of origins is a handful of numpy operations (no per-series Python loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight import periods
from foresight.matrix import SeriesMatrix

__all__ = ["FEATURES", "Examples", "examples", "windows"]

_EPS = 0.1

FEATURES = [
    # the series itself: level, recent movement, spread, sparsity, age
    "level", "ratio_w1", "ratio_w2", "ratio_w3", "ratio_w4", "cv", "zero_share", "observed_share", "age",
    # the same weeks in past years
    "ly_next", "ly_ramp", "ly_wave_ratio", "ly2_next", "ly_was_wave",
    # the bar the wave must clear
    "need_lift", "need",
    # the category (all areas) and the parent area (all categories), and everything
    "cat_ratio_w1", "cat_ratio_w3", "cat_ly_next", "cat_ly_ramp", "cat_ly2_next",
    "area_ratio_w1", "area_ratio_w3", "area_ly_next",
    "all_ratio_w3", "all_ly_next",
    # seasonal position
    "season_sin", "season_cos",
]


def windows(freq: str) -> tuple[int, tuple[int, int, int, int]]:
    """Periods per year and the four recent windows (weeks 4/8/13/26 or months 1/2/3/6)."""
    return (12, (1, 2, 3, 6)) if freq == "M" else (52, (4, 8, 13, 26))


@dataclass(frozen=True)
class Examples:
    """A feature table: row ``i`` is series ``series[i]`` (row of the grid) at origin ``origin[i]``.

    ``origin`` is a column index of the matrix: the history is the columns before it. ``label`` and
    ``total`` (the horizon total) are NaN where the horizon is not fully observed.
    """

    X: np.ndarray
    series: np.ndarray
    origin: np.ndarray
    normal: np.ndarray  # trailing-year mean per period
    need: np.ndarray  # the horizon total a wave must reach
    total: np.ndarray
    label: np.ndarray


class _Sums:
    """Window sums and observed-period counts of a matrix from cumulative sums."""

    def __init__(self, values: np.ndarray):
        obs = ~np.isnan(values)
        z = np.where(obs, values, 0.0)
        pad = np.zeros((values.shape[0], 1))
        self.T = values.shape[1]
        self.s = np.hstack([pad, np.cumsum(z, axis=1)])
        self.q = np.hstack([pad, np.cumsum(z * z, axis=1)])
        self.n = np.hstack([pad, np.cumsum(obs, axis=1, dtype=float)])
        self.pos = np.hstack([pad, np.cumsum(z > 0, axis=1, dtype=float)])

    def _ab(self, t: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        return np.clip(t + a, 0, self.T), np.clip(t + b, 0, self.T)

    def sum(self, t, a, b, which="s"):
        lo, hi = self._ab(t, a, b)
        m = getattr(self, which)
        return m[:, hi] - m[:, lo]

    def mean(self, t, a, b):
        """Mean over the observed periods of ``[t + a, t + b)``; NaN where none is observed."""
        n = self.sum(t, a, b, "n")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.sum(t, a, b) / np.maximum(n, 1), np.nan)


def _lr(a, b):
    return np.log((a + _EPS) / (b + _EPS))


def _group_rows(values: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((k, values.shape[1]))
    np.add.at(out, codes, np.nan_to_num(values))
    return out


def _movement(sums: _Sums, t: np.ndarray, ppy: int, w: tuple[int, ...], horizon: int) -> dict:
    m_year = sums.mean(t, -ppy, 0)
    ly_next = sums.mean(t, -ppy, -ppy + horizon)
    return {
        "ratio_w1": _lr(sums.mean(t, -w[0], 0), m_year),
        "ratio_w3": _lr(sums.mean(t, -w[2], 0), m_year),
        "ly_next": _lr(ly_next, m_year),
        "ly_ramp": _lr(ly_next, sums.mean(t, -ppy - w[2], -ppy)),
        "ly2_next": _lr(sums.mean(t, -2 * ppy, -2 * ppy + horizon), m_year),
    }


def examples(grid: SeriesMatrix, origins: np.ndarray, *, horizon: int, ratio: float, min_cases: float,
             rows: np.ndarray | None = None) -> Examples:
    """Features and labels of every series active in the year before each origin.

    Parameters
    ----------
    grid
        The series matrix (:func:`foresight.matrix.to_matrix` with ``gaps="missing"``).
    origins
        Column indices of the matrix (``len(grid.starts)`` is the period after the last).
    horizon, ratio, min_cases
        The wave definition.
    rows
        Only these series (grid rows); the category and area movements still sum over all series.

    Returns
    -------
    Examples
        One row per (active series, origin), series-major within each origin.
    """
    t = np.asarray(origins, dtype=np.int64)
    ppy, w = windows(grid.freq)
    v = grid.y
    rows = np.arange(v.shape[0]) if rows is None else np.asarray(rows)
    own = _Sums(v[rows])
    m_year = own.mean(t, -ppy, 0)
    s_year = own.sum(t, -ppy, 0)
    n_year = own.sum(t, -ppy, 0, "n")
    f: dict[str, np.ndarray] = {"level": np.log1p(m_year)}
    for i, wi in enumerate(w, 1):
        f[f"ratio_w{i}"] = _lr(own.mean(t, -wi, 0), m_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = own.sum(t, -ppy, 0, "q") / np.maximum(n_year, 1) - m_year ** 2
        f["cv"] = np.sqrt(np.maximum(var, 0)) / (m_year + _EPS)
        f["zero_share"] = 1 - own.sum(t, -ppy, 0, "pos") / np.maximum(n_year, 1)
    f["observed_share"] = n_year / ppy
    f["age"] = np.log1p(own.sum(t, -10 * ppy, 0, "n"))
    mv = _movement(own, t, ppy, w, horizon)
    f.update({k: mv[k] for k in ("ly_next", "ly_ramp", "ly2_next")})
    ly_total = own.sum(t, -ppy, -ppy + horizon)
    ly_normal = own.mean(t, -2 * ppy, -ppy)
    f["ly_wave_ratio"] = _lr(ly_total / horizon, ly_normal)
    f["ly_was_wave"] = np.where(np.isnan(ly_normal), np.nan,
                                ((ly_total >= ratio * ly_normal * horizon) & (ly_total >= min_cases)).astype(float))
    need = np.maximum(ratio * m_year * horizon, min_cases)
    f["need_lift"] = np.log(need / (ratio * m_year * horizon + _EPS))
    f["need"] = np.log1p(need)
    for name, col in (("cat", "category"), ("area", "area")):
        codes, uniq = pd.factorize(grid.keys[col])
        g = _movement(_Sums(_group_rows(v, codes, len(uniq))), t, ppy, w, horizon)
        keep = ("ratio_w1", "ratio_w3", "ly_next", "ly_ramp", "ly2_next") if name == "cat" else (
            "ratio_w1", "ratio_w3", "ly_next")
        for k in keep:
            f[f"{name}_{k}"] = g[k][codes[rows]]
    tot = _movement(_Sums(np.nansum(v, axis=0, keepdims=True)), t, ppy, w, horizon)
    f["all_ratio_w3"] = np.broadcast_to(tot["ratio_w3"], m_year.shape)
    f["all_ly_next"] = np.broadcast_to(tot["ly_next"], m_year.shape)
    ts = periods.period_at(t, grid.starts[0], grid.freq)
    phase = 2 * np.pi * periods.period_of_year(ts, grid.freq) / ppy
    f["season_sin"] = np.broadcast_to(np.sin(phase), m_year.shape)
    f["season_cos"] = np.broadcast_to(np.cos(phase), m_year.shape)
    full = (t + horizon <= v.shape[1])[None, :]
    total = np.where(full, own.sum(t, 0, horizon), np.nan)
    label = np.where(full, ((total >= ratio * m_year * horizon) & (total >= min_cases)).astype(float), np.nan)
    active = (s_year > 0).T.ravel()  # origin-major rows
    X = np.stack([np.asarray(f[k]).T.ravel() for k in FEATURES], axis=1)[active].astype(np.float32)
    series = np.broadcast_to(rows[:, None], m_year.shape).T.ravel()[active]
    cols = np.broadcast_to(t[None, :], m_year.shape).T.ravel()[active]

    def flat(a):
        return np.asarray(a).T.ravel()[active]

    return Examples(X=X, series=series, origin=cols, normal=flat(m_year), need=flat(need),
                    total=flat(total), label=flat(label))
