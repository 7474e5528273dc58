"""The seasonal profile behind :mod:`foresight.warning.waves`: every series laid out as years x
periods of the year, each year relative to its own mean, smoothed circularly and combined by the
median over the years (array operations over the whole series matrix, no loop per series)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from foresight.matrix import SeriesMatrix, to_matrix
from foresight.periods import panel_freq, period_of_year
from foresight.schemas import check_panel


@dataclass(frozen=True)
class Seasons:
    """Every series' counts per year and period of the year, its yearly levels and seasonal profile."""

    grid: SeriesMatrix
    years: np.ndarray  # (Y,) calendar years
    A: np.ndarray  # (S, Y, P) counts per period of the year (NaN = not observed)
    level: np.ndarray  # (S, Y) mean count per period in that year
    valid: np.ndarray  # (S, Y) the year is used
    profile: np.ndarray  # (S, P) smoothed relative profile (mean 1 over the year)
    phi: np.ndarray  # (S,) over-dispersion around the seasonal model, >= 1
    noise: np.ndarray  # (S,) typical standard error of the profile (relative units)


def _smooth(profile: np.ndarray, width: int) -> np.ndarray:
    """Circular triangular moving average of odd ``width`` along the last axis."""
    if width <= 1:
        return profile
    h = width // 2
    P = profile.shape[-1]
    weights = np.array([h + 1 - abs(k) for k in range(-h, h + 1)], dtype=float)
    # circular padding: np.roll(profile, k)[..., i] is ext[..., h - k + i]
    ext = np.concatenate([profile[..., P - h:], profile, profile[..., :h]], axis=-1)
    out = np.zeros_like(profile)
    term = np.empty_like(profile)
    for k, wt in zip(range(-h, h + 1), weights):
        out += np.multiply(ext[..., h - k:h - k + P], wt, out=term)
    out /= weights.sum()
    return out


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """``numpy.nanmedian`` along ``axis`` (NaN where a slice is all NaN), by one sort instead of
    numpy's masked-array path for short axes."""
    srt = np.sort(a, axis=axis)  # NaNs sort last
    n = np.isfinite(srt).sum(axis=axis, keepdims=True)
    lo = np.take_along_axis(srt, np.maximum(n - 1, 0) // 2, axis=axis)
    hi = np.take_along_axis(srt, np.minimum(n // 2, max(srt.shape[axis] - 1, 0)), axis=axis)
    return np.squeeze(np.where(n > 0, (lo + hi) / 2, np.nan), axis=axis)


def _per_cell(values: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Sum the columns of ``values`` (S, T) into ``n_cells`` columns by ``cell[t]`` (0 where none).

    The periods are added in their order, a block of columns at a time: a block is a run of periods
    whose cells follow each other (a weekly grid breaks only where a 53rd week folds into the 52nd),
    so the sums equal ``numpy.add.at``'s at the cost of a few slice additions.
    """
    out = np.zeros((values.shape[0], n_cells))
    bounds = np.r_[0, np.flatnonzero(np.diff(cell) != 1) + 1, len(cell)] if len(cell) else [0]
    for a, b in zip(bounds[:-1], bounds[1:]):
        out[:, cell[a]:cell[a] + b - a] += values[:, a:b]
    return out


#: Series per block of the profile's arrays: every step works row by row, so blocks give the same
#: numbers while keeping the (block x years x periods) working arrays small enough to stay in cache
#: (at 100k series the whole-matrix arrays made the step 3-5 times slower per series than at 10k).
BLOCK = 4096


def seasons(panel: pd.DataFrame, *, freq: str | None, as_of, smooth: int | None,
             min_coverage: float, matrix: SeriesMatrix | None = None) -> Seasons:
    """The seasonal profile of every series of ``panel`` (see :func:`foresight.warning.waves`, steps 1-2).

    Returns the years x periods layout of the counts, each year's mean level, which years count
    (``min_coverage``), the smoothed relative profile (median over the years, mean 1), the Pearson
    over-dispersion around level x profile and the profile's typical standard error. ``matrix``:
    the panel's series matrix before ``as_of`` (``gaps="missing"``), if already built.
    """
    panel = check_panel(panel)
    f = panel_freq(panel, freq)
    before = pd.Timestamp(as_of) if as_of is not None else None
    grid = to_matrix(panel, f, before=before, gaps="missing", reuse=matrix)
    P = grid.periods_per_year
    S = len(grid.keys)
    yr = grid.starts.year.to_numpy()
    years = np.unique(yr)
    cell = np.searchsorted(years, yr) * P + period_of_year(grid.starts, f)
    parts = [_block(grid.y[lo:lo + BLOCK], cell, len(years), P, f, smooth, min_coverage)
             for lo in range(0, S, BLOCK)] or [_block(grid.y, cell, len(years), P, f, smooth, min_coverage)]
    A, level, valid, profile, phi, noise = (np.concatenate(x) for x in zip(*parts))
    return Seasons(grid=grid, years=years, A=A, level=level, valid=valid, profile=profile, phi=phi, noise=noise)


def _block(y: np.ndarray, cell: np.ndarray, Y: int, P: int, f: str, smooth: int | None,
           min_coverage: float) -> tuple[np.ndarray, ...]:
    """:func:`seasons` for the series (rows) of ``y``: ``A, level, valid, profile, phi, noise``."""
    S = len(y)
    obs = np.isfinite(y)
    tot = _per_cell(np.nan_to_num(y), cell, Y * P)
    cnt = _per_cell(obs.astype(float), cell, Y * P)
    A = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan).reshape(S, Y, P)
    del tot, cnt  # (S, Y * P) each: freed before the smoothing's working arrays
    cover = np.isfinite(A).sum(axis=2)
    level = np.where(cover > 0, np.nansum(A, axis=2) / np.maximum(cover, 1), 0.0)
    valid = (cover >= min_coverage * P) & (level > 0)
    rel = A / np.where(level > 0, level, 1.0)[:, :, None]
    rel = np.where(np.isfinite(rel), rel, 1.0)  # a missing period of a valid year counts as average
    if smooth is not None:
        rel = _smooth(rel, int(smooth))
    elif f == "W":  # sparse series (under 10 cases a week) need more smoothing than busy ones
        sparse = (np.where(valid, level, 0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)) < 10
        smoothed = np.empty_like(rel)
        smoothed[sparse] = _smooth(rel[sparse], 5)
        smoothed[~sparse] = _smooth(rel[~sparse], 3)
        rel = smoothed
    rel = np.where(valid[:, :, None], rel, np.nan)
    nv = valid.sum(axis=1)
    # median over years: a one-off burst in one year does not make a season
    profile = _nanmedian(rel, axis=1) if Y else np.ones((S, P))
    profile = np.where(np.isfinite(profile), profile, 1.0)
    norm = np.maximum(profile.mean(axis=1, keepdims=True), 1e-12)
    profile = profile / norm
    # standard error of a median of nv years ~ 1.2533 sd / sqrt(nv), typical over the year
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(rel, axis=1) / norm
        noise = 1.2533 * _nanmedian(sd, axis=1) / np.sqrt(np.maximum(nv, 1))
    noise = np.where(np.isfinite(noise), noise, 0.0)
    # Pearson over-dispersion of the counts around level x profile, valid years only
    E = level[:, :, None] * profile[:, None, :]
    ok = valid[:, :, None] & np.isfinite(A) & (E > 0)
    pearson = np.where(ok, (np.nan_to_num(A) - E) ** 2 / np.where(E > 0, E, 1.0), 0.0).sum(axis=(1, 2))
    dof = ok.sum(axis=(1, 2)) - P - nv
    phi = np.where(dof > 0, pearson / np.maximum(dof, 1), 1.0)
    return A, level, valid, profile, np.maximum(phi, 1.0), noise
