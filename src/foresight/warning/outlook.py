"""The seasonal outlook: every recurring wave expected in the coming year, its size, and the lead left.

A flag looks one horizon ahead (13 weeks); a team that must prepare with a bureau before a wave needs
to know months earlier. :func:`seasonal_outlook` lists, for every recurring wave found by
:func:`foresight.warning.waves`, when it next starts within ``weeks_ahead``, how many cases it should
bring (with an 80% interval), and how many weeks remain against the theme's preparation time
(``prep_weeks`` in the taxonomy).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ConfigError, DataError
from foresight.matrix import to_matrix
from foresight.periods import panel_freq, period_of_year, period_range, period_start, periods_per_year, shift
from foresight.schemas import check_panel
from foresight.warning.waves import waves as find_waves

__all__ = ["OUTLOOK_COLUMNS", "DEFAULT_PREP_WEEKS", "seasonal_outlook"]

#: Weeks of preparation assumed for a theme whose taxonomy row gives no ``prep_weeks``.
DEFAULT_PREP_WEEKS = 4

#: Columns of :func:`seasonal_outlook`, in order.
OUTLOOK_COLUMNS = [
    "area", "category", "theme", "department", "start", "peak", "end", "periods", "weeks_to_start",
    "prep_weeks", "prepare_by", "weeks_left", "act_now", "expected", "lower", "upper", "baseline",
    "last_start", "last_cases", "confidence", "recurred", "years",
]


def _as_of(panel: pd.DataFrame, as_of, f: str) -> pd.Timestamp:
    if as_of is None:
        as_of = panel.attrs.get("as_of")
    if as_of is None:
        return shift(pd.to_datetime(panel["ds"]).max(), 1, f)
    ts = pd.Timestamp(as_of).normalize()
    start = period_start(ts, f)
    if ts != start:
        what = "a Monday" if f == "W" else "the first of a month"
        raise ConfigError(f"as_of={ts.date()} is not {what}; an outlook starts on a period start, "
                          f"e.g. {start.date()}.")
    return ts


def _first_at(pos: np.ndarray, want: np.ndarray, after: np.ndarray | None = None) -> np.ndarray:
    """For each wanted period of the year, the first index of ``pos`` holding it (at or after ``after``)."""
    hit = pos[None, :] == (np.asarray(want, dtype=int)[:, None] - 1)
    if after is not None:
        hit &= np.arange(len(pos))[None, :] >= np.asarray(after)[:, None]
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


def _prep(categories, codes: pd.Series, default: float) -> pd.DataFrame:
    out = pd.DataFrame({"category": codes.to_numpy(), "theme": "", "department": "",
                        "prep_weeks": float(default)})
    if categories is None:
        return out
    from foresight.categories import load_categories

    t = load_categories(categories).table.set_index("code")
    info = t.reindex(codes.astype(str).to_numpy())
    out["theme"] = info["theme"].astype(object).fillna("").to_numpy()
    out["department"] = info["department"].astype(object).fillna("").to_numpy()
    weeks = pd.to_numeric(info["prep_weeks"], errors="coerce").to_numpy()
    out["prep_weeks"] = np.where(np.isfinite(weeks), weeks, float(default))
    return out


def _past_seasons(panel: pd.DataFrame, w: pd.DataFrame, as_of: pd.Timestamp, f: str) -> pd.DataFrame:
    """Per wave, from the history: the latest complete season (first period, cases), the mean share
    of a season in the year that ends with it, the CV of the season totals and the trailing year's
    cases (``NaN`` when under 90% of that year is observed)."""
    grid = to_matrix(panel, f, before=as_of, gaps="missing")
    P = grid.periods_per_year
    row = pd.MultiIndex.from_frame(grid.keys).get_indexer(
        pd.MultiIndex.from_frame(w[["area", "category"]].astype(str)))
    pos = period_of_year(grid.starts, f)
    T = len(grid.starts)
    zero = np.zeros((len(grid.keys), 1))
    cum = np.concatenate([zero, np.cumsum(np.nan_to_num(grid.y), axis=1)], axis=1)
    seen = np.concatenate([zero, np.cumsum(np.isfinite(grid.y), axis=1)], axis=1)
    out = []
    for r, onset, n in zip(row, w["onset"].to_numpy(), w["periods"].to_numpy(dtype=int)):
        k = np.flatnonzero((pos == onset - 1) & (np.arange(T) + n <= T)) if r >= 0 else []
        k = [j for j in k if seen[r, j + n] - seen[r, j] == n]
        k = [j for i, j in enumerate(k) if i == 0 or j - k[i - 1] > n]  # one start per season
        tot = np.array([cum[r, j + n] - cum[r, j] for j in k])
        year = [(j + n, cum[r, j + n] - cum[r, j + n - P]) for j in k
                if j + n >= P and seen[r, j + n] - seen[r, j + n - P] >= 0.9 * P]
        share = [t / y for (_, y), t in zip(year, tot[-len(year):]) if y > 0] if year else []
        trailing = cum[r, T] - cum[r, T - P] if r >= 0 and T >= P and \
            seen[r, T] - seen[r, T - P] >= 0.9 * P else np.nan
        out.append({"last_start": grid.starts[k[-1]] if k else pd.NaT,
                    "last_cases": tot[-1] if k else np.nan,
                    "cv": tot.std(ddof=1) / tot.mean() if len(tot) >= 2 and tot.mean() > 0 else 0.0,
                    "share": np.mean(share) if share else np.nan, "trailing": trailing})
    return pd.DataFrame(out, index=w.index)


def seasonal_outlook(
    panel: pd.DataFrame,
    as_of=None,
    *,
    weeks_ahead: int = 52,
    categories=None,
    default_prep_weeks: float = DEFAULT_PREP_WEEKS,
    level_cv: float = 0.3,
    min_expected: float = 1.0,
    waves: pd.DataFrame | None = None,
    freq: str | None = None,
    **wave_options,
) -> pd.DataFrame:
    """Every recurring wave expected to start within ``weeks_ahead``: when, how big, and the lead left.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y`` (weekly or monthly).
    as_of : date, optional
        The first period ahead (a Monday, or the first of a month); default ``panel.attrs["as_of"]``
        or the period after the panel's last. Only history before it is used.
    weeks_ahead : int
        How far ahead to look, in weeks (52: the coming year; a monthly panel looks
        ``ceil(weeks_ahead * 12 / 52)`` months ahead).
    categories : Taxonomy, DataFrame or path, optional
        The taxonomy; its ``theme``, ``department`` and ``prep_weeks`` (weeks a team needs to prepare
        for the theme) columns are used.
    default_prep_weeks : float
        Preparation weeks for a category without ``prep_weeks``.
    level_cv : float
        Uncertainty of the year-ahead level: the wave's total is negative binomial with mean ``m`` and
        variance ``m + v m**2``, ``v`` the larger of ``level_cv**2`` and the squared coefficient of
        variation of the past seasons' totals. It sets the 80% interval ``lower``-``upper``.
    min_expected : float
        Leave out waves expected to bring fewer cases than this.
    waves : DataFrame, optional
        The output of :func:`foresight.warning.waves` on the history before ``as_of`` (computed when
        absent).
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.
    **wave_options
        Passed to :func:`foresight.warning.waves` when ``waves`` is absent.

    Returns
    -------
    DataFrame
        One row per wave, sorted by ``start`` then ``expected`` (largest first), columns
        :data:`OUTLOOK_COLUMNS`: ``start``, ``peak``, ``end`` (first period, peak period and last
        period of the coming wave), ``periods`` (its length), ``weeks_to_start`` (weeks from
        ``as_of``; 0 = it starts this week), ``prep_weeks``, ``prepare_by`` (``start`` minus the
        preparation time), ``weeks_left`` (``weeks_to_start - prep_weeks``; negative = already late by
        that many weeks), ``act_now`` (``weeks_left <= 0``), ``expected`` with the 80% interval
        ``lower``-``upper`` (cases over the whole wave: the wave's mean share of the year ending
        with it, times the cases of the last 52 weeks), ``baseline`` (the off-season cases over as
        many periods), ``last_start``/``last_cases`` (the latest complete
        past season and its cases), and ``confidence``, ``recurred``, ``years`` from
        :func:`~foresight.warning.waves`.

    Raises
    ------
    DataError
        If the panel is malformed or has no history before ``as_of``.
    ConfigError
        If an option is out of range or ``as_of`` is not a period start.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2021-01-04", "2024-11-18", freq="W-MON")
    >>> wk = np.minimum((ds.day_of_year - 1) // 7, 51) + 1
    >>> y = np.random.default_rng(0).poisson(np.where((wk >= 9) & (wk <= 14), 40, 4))
    >>> panel = pd.DataFrame({"area": "T1", "category": "school", "ds": ds, "y": y})
    >>> cats = pd.DataFrame({"code": ["school"], "name_zh": ["入学学位"], "prep_weeks": [8]})
    >>> out = seasonal_outlook(panel, "2024-11-25", categories=cats)
    >>> out[["category", "start", "weeks_to_start", "prep_weeks", "act_now"]].to_string(index=False)
    'category      start  weeks_to_start  prep_weeks  act_now\\n  school 2025-02-03              10         8.0    False'
    >>> bool(out["lower"].iloc[0] <= out["expected"].iloc[0] <= out["upper"].iloc[0])
    True
    """
    panel = check_panel(panel)
    if weeks_ahead < 1 or not level_cv > 0 or default_prep_weeks < 0:
        raise ConfigError(f"weeks_ahead={weeks_ahead} must be >= 1, level_cv={level_cv} > 0 and "
                          f"default_prep_weeks={default_prep_weeks} >= 0.")
    f = panel_freq(panel, freq)
    as_of = _as_of(panel, as_of, f)
    hist = panel[pd.to_datetime(panel["ds"]) < as_of]
    if hist.empty:
        raise DataError(f"the panel has no periods before as_of={as_of.date()}; pass a later as_of.")
    w = find_waves(hist, freq=f, **wave_options) if waves is None else waves
    if len(w) and not {"area", "category", "onset", "peak", "end", "periods", "base", "excess"} <= set(w):
        raise DataError("waves lacks columns of foresight.warning.waves (area, category, onset, peak, "
                        "end, periods, base, excess); pass its output or leave it out.")
    n_ahead = weeks_ahead if f == "W" else int(np.ceil(weeks_ahead * 12 / 52))
    P = periods_per_year(f)
    if len(w) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTLOOK_COLUMNS})
    w = w.reset_index(drop=True)
    dates = period_range(as_of, shift(as_of, n_ahead + 2 * P - 1, f), f)
    pos = period_of_year(dates, f)
    k0 = _first_at(pos, w["onset"].to_numpy())
    keep = (k0 >= 0) & (k0 < n_ahead)
    w, k0 = w[keep].reset_index(drop=True), k0[keep]
    if w.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTLOOK_COLUMNS})
    kp = _first_at(pos, w["peak"].to_numpy(), k0)
    out = w[["area", "category"]].copy()
    out["start"] = dates[k0]
    out["peak"] = dates[kp]
    out["end"] = dates[k0 + w["periods"].to_numpy(dtype=int) - 1]
    out["periods"] = w["periods"].to_numpy(dtype=int)
    out["weeks_to_start"] = ((out["start"] - as_of).dt.days // 7).astype(int)
    prep = _prep(categories, out["category"], default_prep_weeks)
    for c in ("theme", "department", "prep_weeks"):
        out[c] = prep[c].to_numpy()
    out["prepare_by"] = out["start"] - pd.to_timedelta(out["prep_weeks"] * 7, unit="D")
    out["weeks_left"] = out["weeks_to_start"] - out["prep_weeks"]
    out["act_now"] = out["weeks_left"] <= 0
    # cases over the wave: its usual share of the year that ends with it, times the trailing year's
    # cases (the level now); the wave finder's estimate at the latest calendar year's level otherwise
    past = _past_seasons(hist, w, as_of, f)
    m0 = (w["base"] * w["periods"] + w["excess"]).to_numpy(dtype=float)
    m = (past["share"] * past["trailing"]).to_numpy(dtype=float)
    m = np.where(np.isfinite(m), m, m0)
    v = np.maximum(level_cv ** 2, past["cv"].to_numpy() ** 2)
    size, prob = 1.0 / v, 1.0 / (1.0 + v * np.maximum(m, 1e-9))
    out["expected"] = m
    out["lower"] = stats.nbinom.ppf(0.1, size, prob).astype(float)
    out["upper"] = stats.nbinom.ppf(0.9, size, prob).astype(float)
    out["baseline"] = (w["base"] * w["periods"]).to_numpy(dtype=float) * m / np.maximum(m0, 1e-9)
    out["last_start"] = past["last_start"].to_numpy()
    out["last_cases"] = past["last_cases"].to_numpy()
    for c in ("confidence", "recurred", "years"):
        out[c] = w[c].to_numpy()
    out = out[out["expected"] >= min_expected]
    out = out.sort_values(["start", "expected"], ascending=[True, False], kind="stable")
    out = out[OUTLOOK_COLUMNS].reset_index(drop=True)
    out.attrs.update(freq=f, as_of=as_of)
    return out
