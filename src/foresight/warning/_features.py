"""Features and wave labels per series and origin, vectorised over the series matrix (internal).

Every (series, origin) pair is one example: the features see only the periods before the origin,
the label is the wave definition of :func:`foresight.warning.flags` over the next ``horizon`` periods
(the horizon total is at least ``ratio`` x the trailing-year mean x ``horizon`` and at least
``min_cases``). Window sums come from prefix sums at the windows' edges (``_Sums``), so the whole
table for all series and hundreds of origins is a handful of numpy operations (no per-series Python
loop), and scoring one origin reads each series' row once instead of building cumulative sums over
the whole matrix. The category, parent-area and whole-log totals are one pass over the matrix in
blocks of rows. ``tests/test_learned_features.py`` checks every feature against a per-series
reference written from the definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

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


#: Rows of the series matrix handled at once: bounds the temporaries (a few MB each), not the result.
_BLOCK = 8192


def _edges(ppy: int, w: tuple[int, ...], horizon: int) -> np.ndarray:
    """Every window edge the features and labels read, relative to the origin (one place for all of them)."""
    return np.unique([0, horizon, -10 * ppy, -2 * ppy, -2 * ppy + horizon, -ppy, -ppy + horizon, -ppy - w[2],
                      *(-wi for wi in w)])


class _Sums:
    """Window sums and observed-period counts of a matrix's rows, from prefix sums at the windows' edges.

    Only the columns where a window starts or ends are kept (``np.add.reduceat`` over the segments
    between them, then a cumulative sum over the segments): for one origin that is a dozen columns
    instead of the whole matrix, and ``rows`` are read ``_BLOCK`` at a time, so no temporary is the
    size of the matrix. Integer counts sum exactly in float64, so the sums equal those of a
    cumulative sum over every column.
    """

    def __init__(self, values: np.ndarray, edges: np.ndarray, *, rows: np.ndarray | None = None,
                 kinds: tuple[str, ...] = ("s", "q", "n", "pos")):
        self.T = values.shape[1]
        self.edges = np.union1d(np.clip(edges, 0, self.T), [0, self.T])
        lo = self.edges[:-1]
        n = values.shape[0] if rows is None else len(rows)
        self._m = {k: np.zeros((n, len(self.edges))) for k in kinds}
        for i in range(0, n, _BLOCK):
            part = values[i:i + _BLOCK] if rows is None else values[rows[i:i + _BLOCK]]
            obs = ~np.isnan(part)
            z = np.where(obs, part, 0.0)
            parts = {"s": lambda: z, "q": lambda: z * z, "n": lambda: obs, "pos": lambda: z > 0}
            for k, m in self._m.items():
                np.cumsum(np.add.reduceat(parts[k](), lo, axis=1, dtype=np.float64), axis=1,
                          out=m[i:i + _BLOCK, 1:])

    def _at(self, cols: np.ndarray) -> np.ndarray:
        j = np.searchsorted(self.edges, cols)
        if not np.array_equal(self.edges[np.minimum(j, len(self.edges) - 1)], cols):
            raise AssertionError("a window edge missing from _edges")  # a feature reads a window not declared
        return j

    def sum(self, t, a, b, which="s"):
        lo = self._at(np.clip(t + a, 0, self.T))
        hi = self._at(np.clip(t + b, 0, self.T))
        m = self._m[which]
        return m[:, hi] - m[:, lo]

    def mean(self, t, a, b):
        """Mean over the observed periods of ``[t + a, t + b)``; NaN where none is observed."""
        n = self.sum(t, a, b, "n")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.sum(t, a, b) / np.maximum(n, 1), np.nan)


def _lr(a, b):
    return np.log((a + _EPS) / (b + _EPS))


def _group_sums(v: np.ndarray, codes: list[np.ndarray], sizes: list[int]) -> list[np.ndarray]:
    """Per-period totals of each group of rows (missing periods count 0), one pass over ``v`` in blocks."""
    out = [np.zeros((k, v.shape[1])) for k in sizes]
    for i in range(0, v.shape[0], _BLOCK):
        part = v[i:i + _BLOCK]
        z = np.where(np.isnan(part), 0.0, part)
        cols = np.arange(len(z))
        for acc, c, k in zip(out, codes, sizes):
            acc += sparse.csr_matrix((np.ones(len(z)), (c[i:i + _BLOCK], cols)), shape=(k, len(z))) @ z
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
    edges = (t[:, None] + _edges(ppy, w, horizon)[None, :]).ravel()
    own = _Sums(v, edges, rows=None if rows is None else np.asarray(rows))
    rows = np.arange(v.shape[0]) if rows is None else np.asarray(rows)
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
    codes = {col: pd.factorize(grid.keys[col]) for col in ("category", "area")}
    cat_m, area_m = _group_sums(v, [c for c, _ in codes.values()], [len(u) for _, u in codes.values()])
    for name, col, m, keep in (("cat", "category", cat_m, ("ratio_w1", "ratio_w3", "ly_next", "ly_ramp", "ly2_next")),
                               ("area", "area", area_m, ("ratio_w1", "ratio_w3", "ly_next"))):
        g = _movement(_Sums(m, edges, kinds=("s", "n")), t, ppy, w, horizon)
        for k in keep:
            f[f"{name}_{k}"] = g[k][codes[col][0][rows]]
    tot = _movement(_Sums(cat_m.sum(axis=0, keepdims=True), edges, kinds=("s", "n")), t, ppy, w, horizon)
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
