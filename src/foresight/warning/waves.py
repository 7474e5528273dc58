"""Seasonal waves: for each area x category, the rises that come back at the same time every year.

Method (vectorised over all series at once):

1. Each series is laid out as ``years x periods of the year`` (52 weeks or 12 months; a 53rd Monday
   is folded into week 52). Only years the series covers almost entirely (``min_coverage``) count.
2. Each year is divided by its own mean, so growth, decline and level shifts between years do not
   look like seasons; each year's relative profile is smoothed circularly and the profiles are
   combined by their median over the years, so a one-off burst in one year does not make a season.
3. The off-season base is a low quantile of that profile (``base_quantile``, floored at 0.1 of the
   yearly mean); a wave is a circular run of periods where the profile is above ``base + level *
   (peak - base)`` (and above twice its own standard error); from there the onset and end walk
   outwards while the profile keeps falling (weekly panels), so they mark where the rise starts and
   the fall ends rather than where a level is crossed. A run counts when its
   peak is at least ``min_height`` times the base, it lasts ``min_periods`` periods, and its excess
   over the off-season is significant: the pooled count inside the run against the off-season rate,
   over-dispersion allowed, must reach ``min_z`` standard errors (3: about a Bonferroni bound at 5%
   for the 52 weeks a window can start in; the year with the largest excess is left out).
4. Recurrence: a year has the wave when its own in-wave rate is above its own off-season rate by at
   least half the typical excess; ``confidence = recurred / years``.

Onset, peak and end are periods of the year, 1-based: ISO-like week numbers 1..52 (week ``k`` starts
on day ``7 * (k - 1) + 1`` of the year) for a weekly panel, months 1..12 for a monthly one. A wave that
crosses the new year has ``onset > end``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ConfigError
from foresight.matrix import SeriesMatrix
from foresight.text import period_label
from foresight.warning import _seasons
from foresight.warning._seasons import seasons

__all__ = ["waves", "seasonal_profile", "WAVE_COLUMNS", "period_label"]

WAVE_COLUMNS = [
    "area", "category", "onset", "peak", "end", "periods", "base", "peak_level", "height",
    "peak_low", "peak_high", "excess", "years", "recurred", "confidence", "z",
]


def seasonal_profile(panel: pd.DataFrame, *, freq: str | None = None, as_of=None,
                     smooth: int | None = None, min_coverage: float = 0.9) -> pd.DataFrame:
    """The typical shape of each series over the year, relative to its yearly mean.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y``.
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    as_of : date, optional
        Ignore periods starting on or after it.
    smooth : int, optional
        Width of the circular smoothing window (default 3 weeks, 5 for series under 10 cases a
        week, 1 month).
    min_coverage : float
        Share of a year's periods a series must cover for that year to count.

    Returns
    -------
    DataFrame
        ``area, category, period, ratio, years``: ``period`` is the week (1..52) or month (1..12),
        ``ratio`` the smoothed rate relative to the series' yearly mean (mean 1 over the year),
        ``years`` how many years went into it.

    Raises
    ------
    DataError
        If the panel is malformed.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2020-01-01", "2022-12-31", freq="MS")
    >>> panel = pd.DataFrame({"area": "A", "category": "c", "ds": ds, "y": [1] * 11 + [13] + [1] * 11 + [13] + [1] * 11 + [13]})
    >>> prof = seasonal_profile(panel, freq="M")
    >>> int(prof.loc[prof["ratio"].idxmax(), "period"])
    12
    """
    s = seasons(panel, freq=freq, as_of=as_of, smooth=smooth, min_coverage=min_coverage)
    S, P = s.profile.shape
    keys = s.grid.keys
    return pd.DataFrame({
        "area": np.repeat(keys["area"].to_numpy(), P),
        "category": np.repeat(keys["category"].to_numpy(), P),
        "period": np.tile(np.arange(1, P + 1), S),
        "ratio": s.profile.ravel(),
        "years": np.repeat(s.valid.sum(axis=1), P),
    })


def waves(
    panel: pd.DataFrame,
    *,
    freq: str | None = None,
    as_of=None,
    min_years: int = 2,
    min_height: float = 1.5,
    min_periods: int | None = None,
    min_z: float = 3.0,
    min_confidence: float = 0.5,
    min_excess: float = 3.0,
    level: float = 0.1,
    base_quantile: float = 0.25,
    recur: float = 0.5,
    smooth: int | None = None,
    min_coverage: float = 0.9,
    matrix: SeriesMatrix | None = None,
) -> pd.DataFrame:
    """Find the recurring seasonal waves of every area x category.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y`` (see ``foresight.panel.to_panel``).
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    as_of : date, optional
        Ignore periods starting on or after it (to look at the waves known at a date).
    min_years : int
        Fewest (almost) complete years a series needs before its waves are reported.
    min_height : float
        Smallest peak-to-base ratio of a wave.
    min_periods : int, optional
        Shortest wave, in periods (default 3 weeks or 1 month).
    min_z : float
        Smallest significance of the wave's pooled excess (standard errors, over-dispersion allowed).
    min_confidence : float
        Smallest share of the years examined in which the wave came (a season recurs).
    min_excess : float
        Smallest expected number of extra cases per season (at the latest year's level).
    level : float
        Where onset and end are read: the first and last period above ``base + level * (peak -
        base)``, or above twice the profile's standard error if that is higher.
    base_quantile : float
        Quantile of the seasonal profile taken as the off-season base.
    recur : float
        A year has the wave when its in-wave rate is at least ``1 + recur * (typical ratio - 1)``
        times its off-season rate.
    smooth : int, optional
        Width of the circular smoothing of the profile (default 3 weeks, 5 for series under 10 cases a
        week, 1 month).
    min_coverage : float
        Share of a year's periods a series must cover for that year to count.
    matrix : SeriesMatrix, optional
        The panel's series matrix before ``as_of`` (:func:`foresight.matrix.to_matrix` with
        ``before=as_of, gaps="missing"``), when another step built it already (e.g. for
        :func:`~foresight.warning.surges`); checked against the panel, not rebuilt.

    Returns
    -------
    DataFrame
        One row per wave, columns ``area, category, onset, peak, end`` (period of the year, 1-based),
        ``periods`` (length), ``base`` and ``peak_level`` (cases per period at the latest year's
        level, off-season and at the peak), ``height`` (peak / base), ``peak_low, peak_high`` (the
        lowest and highest yearly peak count seen inside the wave window), ``excess`` (expected extra
        cases per season at the latest level), ``years`` (years examined), ``recurred`` (years the
        wave came), ``confidence`` (recurred / years) and ``z`` (significance). ``attrs["freq"]``
        names the period.

    Raises
    ------
    DataError
        If the panel is malformed, or ``matrix`` was built otherwise or from another panel.
    ConfigError
        If an option is out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2019-01-07", "2022-12-26", freq="W-MON")
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51)
    >>> y = np.random.default_rng(0).poisson(np.where((wk >= 9) & (wk <= 38), 30, 5))
    >>> w = waves(pd.DataFrame({"area": "A", "category": "school", "ds": ds, "y": y}))
    >>> w[["onset", "end", "recurred", "years"]].to_string(index=False)
    ' onset  end  recurred  years\\n     9   40         4      4'
    """
    if not 0 <= level < 1 or not 0 < base_quantile < 1 or not 0 <= recur <= 1:
        raise ConfigError("level must be in [0, 1), base_quantile in (0, 1) and recur in [0, 1].")
    if min_height <= 1:
        raise ConfigError(f"min_height={min_height} must be above 1 (a wave rises above its base).")
    s = seasons(panel, freq=freq, as_of=as_of, smooth=smooth, min_coverage=min_coverage, matrix=matrix)
    f = s.grid.freq
    P = s.grid.periods_per_year
    min_periods = (3 if f == "W" else 1) if min_periods is None else int(min_periods)
    prof = s.profile
    S = prof.shape[0]
    nyears = s.valid.sum(axis=1)
    # the base is floored at a tenth of the yearly mean so a near-empty off-season cannot make a
    # handful of cases look like a towering wave
    base = np.maximum(np.quantile(prof, base_quantile, axis=1), 0.1)
    peak = prof.max(axis=1)
    # onset and end are read low on the flanks, but never inside the profile's own noise
    thr = base + np.maximum(level * (peak - base), 2.0 * s.noise)
    above = (prof >= thr[:, None]) & (nyears[:, None] >= min_years) & (peak > base)[:, None]

    # runs in a rotation that starts at each series' lowest period (never inside a run)
    shift = prof.argmin(axis=1)
    idx = (np.arange(P)[None, :] + shift[:, None]) % P
    rot = np.take_along_axis(above, idx, axis=1)
    edges = np.diff(np.pad(rot.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    s_start, r_start = np.nonzero(edges == 1)
    s_end, r_end = np.nonzero(edges == -1)
    r_end = r_end - 1
    n_runs = len(s_start)
    empty = pd.DataFrame({c: pd.Series(dtype="object" if c in ("area", "category") else "float64")
                          for c in WAVE_COLUMNS})
    empty.attrs["freq"] = f
    if n_runs == 0:
        return empty
    length = r_end - r_start + 1
    # cells of every run: (run id, series, period of the year)
    run_of_cell = np.repeat(np.arange(n_runs), length)
    offs = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    cell_s = s_start[run_of_cell]
    cell_p = (r_start[run_of_cell] + offs + shift[cell_s]) % P
    in_wave = np.zeros((S, P), dtype=bool)
    in_wave[cell_s, cell_p] = True
    # the flanks: from the threshold crossing, walk outwards while the profile keeps falling (the
    # rise starts where the profile stops falling, not where it crosses a level)
    r_start, r_end = _walk_flanks(prof, base + s.noise, s_start, r_start, r_end, shift, in_wave, P,
                                  max_steps=8 if f == "W" else 0)
    length = r_end - r_start + 1
    run_of_cell = np.repeat(np.arange(n_runs), length)
    offs = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    cell_s = s_start[run_of_cell]
    cell_p = (r_start[run_of_cell] + offs + shift[cell_s]) % P
    in_wave = np.zeros((S, P), dtype=bool)
    in_wave[cell_s, cell_p] = True
    off = ~in_wave

    # the cells of a run are consecutive and every run has one: per-run reductions are reduceat
    run_first = np.cumsum(length) - length
    pv = prof[cell_s, cell_p]
    run_peak_val = np.maximum.reduceat(pv, run_first)
    is_peak = pv == run_peak_val[run_of_cell]
    first_peak = np.minimum.reduceat(np.where(is_peak, np.arange(len(pv)), len(pv)), run_first)
    peak_pos = cell_p[first_peak]
    onset_pos = (r_start + shift[s_start]) % P
    end_pos = (r_end + shift[s_start]) % P
    prof_in = np.bincount(run_of_cell, weights=pv, minlength=n_runs) / length
    off_prof = np.where(off, prof, 0.0).sum(axis=1) / np.maximum(off.sum(axis=1), 1)
    typical = prof_in / np.maximum(off_prof[s_start], 1e-12)

    # per year: in-wave and off-season rates (valid years only)
    Vc = np.where(s.valid[cell_s], s.A[cell_s, :, cell_p], np.nan)  # (cells, Y)
    in_sum = np.add.reduceat(np.nan_to_num(Vc), run_first, axis=0)
    in_n = np.add.reduceat(np.isfinite(Vc).astype(float), run_first, axis=0)
    off_sum, off_n = _off_season(s.A, s.valid, off)
    off_sum, off_n = off_sum[s_start], off_n[s_start]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_in = in_sum / in_n
        rate_off = off_sum / off_n
        yr_ok = s.valid[s_start] & (in_n > 0) & (off_n > 0)
        need = 1.0 + recur * (typical - 1.0)
        came = yr_ok & (rate_in >= need[:, None] * rate_off) & (rate_in > 0)
    years_n = yr_ok.sum(axis=1)
    recurred = came.sum(axis=1)
    # pooled significance of the excess, leaving out the year with the largest excess so that a
    # one-off burst cannot make a season on its own
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_y = np.where(yr_ok, rate_in / np.where(rate_off > 0, rate_off, np.nan), -np.inf)
    ratio_y = np.where(np.isnan(ratio_y), np.inf, ratio_y)  # empty off-season: the most extreme
    top = np.argmax(ratio_y, axis=1)
    drop = np.zeros_like(yr_ok)
    drop[np.arange(n_runs), top] = yr_ok.sum(axis=1) >= 3
    yr_ok_test = yr_ok & ~drop
    n_in = np.where(yr_ok_test, in_sum, 0).sum(axis=1)
    w_in = np.where(yr_ok_test, in_n, 0).sum(axis=1)
    n_out = np.where(yr_ok_test, off_sum, 0).sum(axis=1)
    w_out = np.where(yr_ok_test, off_n, 0).sum(axis=1)
    # conditional test: given all cases, is the in-wave share above the in-wave share of periods?
    # counts are divided by the over-dispersion (quasi-likelihood), then a binomial upper tail
    ph = s.phi[s_start]
    share = w_in / np.maximum(w_in + w_out, 1)
    pval = stats.binom.sf(np.ceil(n_in / ph) - 1, np.round((n_in + n_out) / ph), share)
    z = stats.norm.isf(np.clip(pval, 1e-300, 1.0))
    # yearly peak counts inside the window
    ymax = np.maximum.reduceat(np.where(np.isfinite(Vc), Vc, -np.inf), run_first, axis=0)
    ymax = np.where(yr_ok, ymax, np.nan)

    last_year = s.valid.shape[1] - 1 - np.argmax(s.valid[:, ::-1], axis=1)
    last_level = np.where(s.valid.any(axis=1), s.level[np.arange(S), last_year], np.nan)
    lvl = last_level[s_start]
    height = run_peak_val / np.maximum(base[s_start], 1e-12)
    excess = np.bincount(run_of_cell, weights=np.maximum(pv - base[cell_s], 0), minlength=n_runs) * lvl
    confidence = recurred / np.maximum(years_n, 1)
    keep = ((height >= min_height) & (length >= min_periods) & (z >= min_z) & (years_n >= min_years)
            & (confidence >= min_confidence) & (excess >= min_excess))
    keys = s.grid.keys
    with np.errstate(invalid="ignore"):
        out = pd.DataFrame({
            "area": keys["area"].to_numpy()[s_start],
            "category": keys["category"].to_numpy()[s_start],
            "onset": onset_pos + 1,
            "peak": peak_pos + 1,
            "end": end_pos + 1,
            "periods": length,
            "base": base[s_start] * lvl,
            "peak_level": run_peak_val * lvl,
            "height": height,
            "peak_low": np.nanmin(np.where(np.isfinite(ymax), ymax, np.inf), axis=1),
            "peak_high": np.nanmax(np.where(np.isfinite(ymax), ymax, -np.inf), axis=1),
            "excess": excess,
            "years": years_n,
            "recurred": recurred,
            "confidence": confidence,
            "z": z,
        })[keep]
    if out.empty:
        return empty
    out = out.sort_values(["area", "category", "onset"], kind="stable").reset_index(drop=True)
    out.attrs["freq"] = f
    return out


def _off_season(A: np.ndarray, valid: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per series and year: the sum and the number of observed off-season periods (0 and 0 for a
    year not used), ``_seasons.BLOCK`` series at a time (row by row: the blocks change no number)."""
    S, Y, _ = A.shape
    total, n = np.empty((S, Y)), np.empty((S, Y))
    for lo in range(0, S, _seasons.BLOCK):
        r = slice(lo, lo + _seasons.BLOCK)
        V = np.where(valid[r, :, None] & off[r, None, :], A[r], np.nan)
        total[r] = np.nansum(V, axis=2)
        n[r] = np.isfinite(V).sum(axis=2)
    return total, n


def _walk_flanks(prof, floor, s_start, r_start, r_end, shift, in_wave, P, max_steps: int = 8):
    """Move each run's first and last period outwards while the profile keeps falling (vectorised)."""
    r_start, r_end = r_start.copy(), r_end.copy()
    b = floor[s_start]
    for _ in range(max_steps):
        cur = (r_start + shift[s_start]) % P
        prev = (cur - 1) % P
        go = ((prof[s_start, prev] < prof[s_start, cur]) & (prof[s_start, prev] > b)
              & ~in_wave[s_start, prev] & (r_start > 0))
        r_start = r_start - go
        cur = (r_end + shift[s_start]) % P
        nxt = (cur + 1) % P
        go = ((prof[s_start, nxt] < prof[s_start, cur]) & (prof[s_start, nxt] > b)
              & ~in_wave[s_start, nxt] & (r_end < P - 1))
        r_end = r_end + go
    return r_start, r_end
