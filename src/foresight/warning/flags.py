"""Flags: a short, ranked list of (area, category, window) to act on, each with a reason people read.

Three kinds:

* ``wave``: the coming weeks will be a wave. Either the horizon total has at least a ``wave_prob``
  chance of reaching ``wave_ratio`` times the normal total (the trailing 52-week weekly mean times the
  horizon) and ``wave_min`` cases, the total being gamma-Poisson (negative binomial) around the
  forecast's expected total with the level's own uncertainty (the weeks of a horizon share one
  uncertain level, so their sum spreads far more than a sum of independent weekly counts; the
  level's squared coefficient of variation is ``level_cv**2 + level_cases / (n + 1)``, ``n`` the
  cases of the last 52 weeks, so a sparse series' level is far less certain than a busy one's) and
  the expected total is above normal, or a recurring seasonal wave (:func:`foresight.warning.waves`) starts
  within the horizon, the forecast over its weeks inside the horizon is at least ``wave_ratio`` times
  the off-season base, and the horizon total is at least ``wave_min`` cases: this second trigger
  gives the lead time, since a wave that starts in 4 weeks barely moves a 13-week total against a
  trailing mean that holds last year's wave. Its baseline is the off-season base. The reason says
  what the rise comes from: a recurring season (with its past peaks), a level shift the forecast
  found (since when, by how much), or neither.
* ``surge``: the surge detector (:func:`foresight.warning.surges`) alarmed in the last
  ``surge_weeks`` weeks.
* ``escalation``: collective, repeat or higher-level (city and above) petitions rose: the last
  ``escalation_weeks`` weeks hold a significantly larger share of them among all cases (one-sided
  conditional binomial test of the two windows, p < 0.01, at least 3 and at least twice the
  baseline) than the same weeks of the last two years (needs the cases frame).

The score of every kind is the number of cases above normal it is about (expected minus baseline over
the window), escalations weighted by ``escalation_weight``: flags rank by how many petitions acting
could prevent.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import ConfigError, DataError
from foresight.periods import panel_freq, period_of_year, period_offset, periods_per_year, shift
from foresight.schemas import check_panel
from foresight.warning._reasons import wave_basis, wave_reason
from foresight.warning.surges import surges as detect_surges
from foresight.warning.waves import waves as find_waves

__all__ = ["flags", "FLAG_COLUMNS", "expected_totals"]

FLAG_COLUMNS = [
    "rank", "area", "category", "kind", "start", "end", "expected", "lower", "upper", "baseline",
    "score", "theme", "department", "reason",
]

_Z80 = stats.norm.isf(0.1)


def _as_of(panel: pd.DataFrame, as_of, freq: str) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    if panel.attrs.get("as_of") is not None:
        return pd.Timestamp(panel.attrs["as_of"])
    return shift(pd.to_datetime(panel["ds"]).max(), 1, freq)


def expected_totals(fc: pd.DataFrame) -> pd.DataFrame:
    """Horizon totals per series from a forecast frame: ``expected`` and an 80% interval.

    The interval treats the periods as independent, each with the spread its ``p10``..``p90`` imply
    (normal approximation); without those columns a Poisson spread is used.

    Parameters
    ----------
    fc
        A forecast frame: ``area, category, ds, mean`` and optionally ``p10``, ``p90``.

    Returns
    -------
    DataFrame
        ``area, category, expected, lower, upper, periods``: one row per series, counts over the
        horizon.

    Examples
    --------
    >>> fc = pd.DataFrame({"area": "A", "category": "c", "ds": pd.date_range("2024-01-01", periods=2, freq="W-MON"),
    ...                    "mean": [10.0, 10.0], "p10": [6, 6], "p90": [14, 14]})
    >>> expected_totals(fc).round(1).to_dict("records")
    [{'area': 'A', 'category': 'c', 'expected': 20.0, 'lower': 14.3, 'upper': 25.7, 'periods': 2}]
    """
    f = fc.copy()
    if {"p10", "p90"} <= set(f.columns):
        sd = (f["p90"].astype(float) - f["p10"].astype(float)) / (2 * _Z80)
        f["var"] = np.maximum(sd, 0) ** 2
    else:
        f["var"] = f["mean"].astype(float)
    g = f.groupby(["area", "category"], sort=False).agg(expected=("mean", "sum"), var=("var", "sum"),
                                                       periods=("mean", "size")).reset_index()
    sd = np.sqrt(g["var"])
    g["lower"] = np.maximum(g["expected"] - _Z80 * sd, 0.0)
    g["upper"] = g["expected"] + _Z80 * sd
    return g[["area", "category", "expected", "lower", "upper", "periods"]]


def _names(categories, language: str) -> tuple[dict, dict, dict]:
    if categories is None:
        return {}, {}, {}
    from foresight.categories import load_categories

    categories = load_categories(categories).table  # a Taxonomy, its table or a path
    need = {"code", "theme", "department"}
    if not need <= set(categories.columns):
        raise DataError(f"categories lacks {sorted(need - set(categories.columns))}; pass the taxonomy "
                        "frame with columns code, name_zh, name_en, theme, department.")
    col = "name_zh" if language == "zh" else "name_en"
    code = categories["code"].astype(str)
    name = dict(zip(code, categories[col])) if col in categories.columns else {}
    return name, dict(zip(code, categories["theme"])), dict(zip(code, categories["department"]))


def flags(
    panel: pd.DataFrame,
    as_of=None,
    horizon: int = 13,
    *,
    cases: pd.DataFrame | None = None,
    categories: pd.DataFrame | str | os.PathLike[str] | None = None,
    forecasts: pd.DataFrame | None = None,
    wave_ratio: float = 1.5,
    wave_min: float = 10.0,
    wave_prob: float | None = 0.2,
    level_cv: float = 0.22,
    level_cases: float = 20.0,
    seasonal: bool = True,
    waves: pd.DataFrame | None = None,
    kinds: tuple[str, ...] = ("wave", "surge", "escalation"),
    alpha: float = 0.005,
    surge_weeks: int = 2,
    escalation_weeks: int = 8,
    escalation_weight: float = 3.0,
    max_flags: int | None = 20,
    language: str = "en",
    model: str = "auto",
    freq: str | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """A short, ranked list of flags (waves coming, surges now, escalations) with reasons.

    Parameters
    ----------
    panel : DataFrame
        Counts panel ``area, category, ds, y``.
    as_of : date, optional
        The first period of the horizon (exclusive end of the history); default ``panel.attrs["as_of"]``
        or the period after the panel's last.
    horizon : int
        Periods ahead the wave flags look.
    cases : DataFrame, optional
        Canonical cases (``read_cases(...).cases``) with ``area`` codes of the panel's level; needed for
        ``escalation`` flags (uses ``collective``, ``repeat``, ``level``).
    categories : DataFrame, Taxonomy or path, optional
        Taxonomy ``code, name_zh, name_en, theme, department``: names in reasons, theme, department.
    forecasts : DataFrame, optional
        A forecast frame (``foresight.forecasting.forecast``) starting at ``as_of``; computed when absent.
    wave_ratio, wave_min : float
        A wave: the horizon total is at least ``wave_ratio`` x normal and at least ``wave_min`` cases.
    wave_prob : float or None
        Flag a wave when the horizon total has at least this probability of reaching ``wave_ratio`` x
        normal and ``wave_min``. Below 0.5 it trades precision for recall: when waves are rare, the
        F1-optimal probability is about half the attainable F1 (Lipton et al. 2014). The default 0.2
        (with ``level_cv=0.22``, ``level_cases=20``) is the best pooled F1 on seven NYC council
        origins of 2017-2018 (``benchmarks/flags_nyc.py``, none of its test origins). ``None``: ask
        the expected total itself to reach the wave level.
    level_cv, level_cases : float
        Uncertainty of the forecast level over the horizon: the total is negative binomial with mean
        ``m`` and variance ``m + v * m**2``, ``v = level_cv**2 + level_cases / (n + 1)`` with ``n`` the
        series' cases in the last 52 weeks (the floor ``level_cv`` for busy series, wide for sparse
        ones); it also gives the 80% interval ``lower``-``upper`` of a wave flag (when ``wave_prob``
        is set).
    seasonal : bool
        Also flag recurring seasonal waves that start within the horizon (the lead-time trigger).
    waves : DataFrame, optional
        The output of :func:`foresight.warning.waves` on the same history (it is computed when absent);
        pass it when you already have it.
    kinds : tuple of str
        Which kinds to produce.
    alpha : float
        False-alarm level of the surge detector.
    surge_weeks : int
        Surges alarmed in this many latest periods are flagged.
    escalation_weeks : int
        Window of the escalation test (periods).
    escalation_weight : float
        Weight of an escalated petition in the score (against 1 for an ordinary one).
    max_flags : int, optional
        Keep the top ``max_flags`` (``None`` keeps all).
    language : {"en", "zh"}
        Language of the reasons.
    model, country, subdiv, seed
        Passed to ``foresight.forecasting.forecast``.
    freq : str, optional
        ``"W"`` or ``"M"``; default ``panel.attrs["freq"]`` or weekly.

    Returns
    -------
    DataFrame
        ``rank, area, category, kind, start, end, expected, lower, upper, baseline, score, theme,
        department, reason``, ranked by ``score``. ``start``/``end`` are the first and last period of the
        window; ``expected`` (with the 80% interval ``lower``-``upper``) and ``baseline`` are cases over
        the window: for a wave the forecast total over the horizon, for a surge or an escalation the
        cases counted in its (past) window, against what the season or the past share predicts.

    Raises
    ------
    DataError
        If the panel or an optional frame is malformed.
    ConfigError
        If an option is out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2020-01-06", "2023-12-25", freq="W-MON")
    >>> wk = np.minimum((ds.dayofyear - 1) // 7, 51) + 1
    >>> y = np.random.default_rng(0).poisson(np.where((wk >= 10) & (wk <= 35), 30, 5))
    >>> panel = pd.DataFrame({"area": "T1", "category": "school", "ds": ds, "y": y})
    >>> fc = pd.DataFrame({"area": "T1", "category": "school",
    ...                    "ds": pd.date_range("2024-01-01", periods=13, freq="W-MON"),
    ...                    "mean": [5.0] * 8 + [30.0] * 5, "p10": 2, "p90": 9})
    >>> f = flags(panel, "2024-01-01", forecasts=fc, kinds=("wave",))
    >>> f[["area", "kind", "start"]].to_string(index=False)
    'area kind      start\\n  T1 wave 2024-02-26'
    """
    panel = check_panel(panel)
    if language not in ("en", "zh"):
        raise ConfigError(f"language={language!r}: use 'en' or 'zh'.")
    unknown = set(kinds) - {"wave", "surge", "escalation"}
    if unknown:
        raise ConfigError(f"unknown flag kind(s) {sorted(unknown)}; use wave, surge, escalation.")
    if horizon < 1 or wave_ratio <= 1 or wave_min < 0:
        raise ConfigError("horizon must be >= 1, wave_ratio > 1 and wave_min >= 0.")
    if wave_prob is not None and not 0 < wave_prob < 1:
        raise ConfigError(f"wave_prob={wave_prob} must be between 0 and 1 (e.g. 0.2), or None.")
    if not level_cv > 0 or not level_cases >= 0:
        raise ConfigError(f"level_cv={level_cv} must be > 0 (e.g. 0.22) and level_cases={level_cases} >= 0.")
    if waves is not None and len(waves) and not {"area", "category", "onset", "end"} <= set(waves.columns):
        raise DataError("waves lacks columns area, category, onset, end; pass the frame "
                        "foresight.warning.waves returns (or leave it out).")
    f = panel_freq(panel, freq)
    as_of = _as_of(panel, as_of, f)
    hist = panel[pd.to_datetime(panel["ds"]) < as_of]
    if hist.empty:
        raise DataError(f"the panel has no periods before as_of={as_of.date()}; pass an earlier as_of.")
    name, theme, dept = _names(categories, language)
    parts = []
    if "wave" in kinds:
        parts.append(_wave_flags(hist, as_of, horizon, f=f, forecasts=forecasts, wave_ratio=wave_ratio,
                                 wave_min=wave_min, wave_prob=wave_prob, level_cv=level_cv,
                                 level_cases=level_cases,
                                 seasonal=seasonal, waves=waves, model=model,
                                 country=country,
                                 subdiv=subdiv, seed=seed, name=name, language=language))
    if "surge" in kinds:
        parts.append(_surge_flags(hist, as_of, f=f, alpha=alpha, weeks=surge_weeks, name=name,
                                  language=language))
    if "escalation" in kinds and cases is not None:
        parts.append(_escalation_flags(cases, hist, as_of, f=f, weeks=escalation_weeks,
                                       weight=escalation_weight, name=name, language=language))
    parts = [p for p in parts if len(p)]
    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in FLAG_COLUMNS})
        out.attrs.update(as_of=as_of, freq=f, horizon=horizon)
        return out
    out = pd.concat(parts, ignore_index=True)
    out["theme"] = out["category"].map(theme)
    out["department"] = out["category"].map(dept)
    out = out.sort_values(["score", "expected"], ascending=False, kind="stable").reset_index(drop=True)
    if max_flags is not None:
        out = out.head(int(max_flags))
    out["rank"] = np.arange(1, len(out) + 1)
    out = out[FLAG_COLUMNS]
    out.attrs.update(as_of=as_of, freq=f, horizon=horizon)
    return out


def _step(f: str) -> pd.DateOffset:
    return period_offset(f)


def _trailing_rate(hist: pd.DataFrame, as_of: pd.Timestamp, f: str) -> pd.DataFrame:
    start = shift(as_of, -periods_per_year(f), f)
    recent = hist[pd.to_datetime(hist["ds"]) >= start]
    last = hist.sort_values("ds").groupby(["area", "category"], sort=False).tail(4 if f == "W" else 1)
    r = recent.groupby(["area", "category"], sort=False)["y"].mean().rename("normal").reset_index()
    now = last.groupby(["area", "category"], sort=False)["y"].mean().rename("now").reset_index()
    return r.merge(now, on=["area", "category"], how="left")


def _nb_total(m, v):
    """Size and probability of the negative binomial total with mean ``m``, variance ``m + v m^2``."""
    m = np.maximum(np.asarray(m, dtype=float), 1e-9)
    k = 1.0 / v
    return k, k / (k + m)


def _wave_flags(hist, as_of, horizon, *, f, forecasts, wave_ratio, wave_min, wave_prob, level_cv, level_cases,
                seasonal,
                waves, model, country, subdiv, seed, name, language) -> pd.DataFrame:
    if forecasts is None:
        from foresight.forecasting import forecast

        fc = forecast(hist, horizon, model=model, freq=f, country=country, subdiv=subdiv, seed=seed)
    else:
        need = {"area", "category", "ds", "mean"}
        if not need <= set(forecasts.columns):
            raise DataError(f"forecasts lacks {sorted(need - set(forecasts.columns))}; pass the frame "
                            "foresight.forecasting.forecast returns.")
        fc = forecasts
    fc = fc[pd.to_datetime(fc["ds"]) >= as_of].copy()
    fc["ds"] = pd.to_datetime(fc["ds"])
    fc = fc[fc["ds"] < as_of + horizon * _step(f)] if f == "W" else fc.groupby(
        ["area", "category"], sort=False).head(horizon)
    if fc.empty:
        return pd.DataFrame()
    tot = expected_totals(fc)
    rate = _trailing_rate(hist, as_of, f)
    tot = tot.merge(rate, on=["area", "category"], how="left")
    tot["baseline"] = tot["normal"].fillna(0) * horizon
    if wave_prob is None:
        trig = (tot["expected"] >= wave_ratio * tot["baseline"]) & (tot["expected"] >= wave_min)
    else:
        # the horizon total is gamma-Poisson: Poisson counts around one uncertain level
        n_year = tot["normal"].fillna(0).to_numpy() * periods_per_year(f)
        size, prob = _nb_total(tot["expected"], level_cv ** 2 + level_cases / (n_year + 1.0))
        need = np.ceil(np.maximum(wave_ratio * tot["baseline"], wave_min))
        # and the expected total itself must be above normal: a likely-enough wave, not mere noise
        trig = pd.Series((stats.nbinom.sf(need - 1, size, prob) >= wave_prob)
                         & (tot["expected"] > tot["baseline"]).to_numpy(), index=tot.index)
        tot["lower"] = stats.nbinom.ppf(0.1, size, prob).astype(float)
        tot["upper"] = stats.nbinom.ppf(0.9, size, prob).astype(float)
    tot["trigger"] = np.where(trig, "forecast", "")
    notes = (fc.groupby(["area", "category"], sort=False)["note"].first().to_dict()
             if "note" in fc.columns else {})
    all_waves = waves if waves is not None else find_waves(hist, freq=f)
    w = all_waves if seasonal else pd.DataFrame(columns=["area", "category", "onset"])
    if seasonal and len(w):
        # a recurring wave whose onset falls within the horizon
        pos = period_of_year(pd.DatetimeIndex([as_of + k * _step(f) for k in range(horizon)]), f) + 1
        w = w[w["onset"].isin(pos)].copy()
        w["lead"] = w["onset"].map({int(p): k for k, p in reversed(list(enumerate(pos)))}).astype(int)
        w = (w.sort_values("excess", ascending=False).drop_duplicates(["area", "category"])
             [["area", "category", "onset", "peak", "base", "peak_low", "peak_high", "recurred", "years",
               "lead", "excess"]])
        tot = tot.merge(w, on=["area", "category"], how="left")
        # the forecast over the wave's weeks inside the horizon must itself look like a wave
        k = fc.groupby(["area", "category"], sort=False).cumcount()
        part = fc.assign(k=k).merge(w[["area", "category", "lead"]], on=["area", "category"])
        part = part[part["k"] >= part["lead"]]
        in_wave = part.groupby(["area", "category"], sort=False)["mean"].agg(["sum", "size"])
        in_wave.columns = ["wave_sum", "wave_n"]
        tot = tot.merge(in_wave.reset_index(), on=["area", "category"], how="left")
        season = (tot["onset"].notna() & (tot["expected"] >= wave_min)
                  & (tot["wave_sum"] >= wave_ratio * tot["base"].fillna(np.inf) * tot["wave_n"]) & ~trig)
        tot.loc[season, "trigger"] = "season"
        # a seasonal wave is measured against its off-season base
        tot.loc[season, "baseline"] = tot.loc[season, "base"] * horizon
    else:
        for c in ("onset", "peak", "base", "peak_low", "peak_high", "recurred", "years", "lead"):
            tot[c] = np.nan
    tot = tot[tot["trigger"] != ""]
    if tot.empty:
        return pd.DataFrame()
    # the window: forecast periods above the normal weekly rate (or from the seasonal onset)
    fc = fc.merge(tot[["area", "category", "normal", "lead", "trigger"]], on=["area", "category"])
    fc["k"] = fc.groupby(["area", "category"], sort=False).cumcount()
    hot = fc[(fc["mean"] >= wave_ratio * fc["normal"].fillna(0)) | ((fc["trigger"] == "season") & (fc["k"] >= fc["lead"]))]
    win = hot.groupby(["area", "category"], sort=False)["ds"].agg(["min", "max"]).reset_index()
    tot = tot.merge(win, on=["area", "category"], how="left")
    first = fc.groupby(["area", "category"], sort=False)["ds"].agg(["min", "max"]).reset_index()
    first.columns = ["area", "category", "fmin", "fmax"]
    tot = tot.merge(first, on=["area", "category"], how="left")
    tot["start"] = tot["min"].fillna(tot["fmin"])
    tot["end"] = tot["max"].fillna(tot["fmax"])
    tot["score"] = np.maximum(tot["expected"] - tot["baseline"], 0.0)
    tot["kind"] = "wave"
    tot = wave_basis(tot, all_waves, notes, f=f)
    tot["reason"] = [wave_reason(r, name=name, horizon=horizon, f=f, language=language)
                     for r in tot.itertuples()]
    return tot[["area", "category", "kind", "start", "end", "expected", "lower", "upper", "baseline",
                "score", "reason"]]


def _surge_flags(hist, as_of, *, f, alpha, weeks, name, language) -> pd.DataFrame:
    s = detect_surges(hist, as_of, weeks=weeks, alpha=alpha, freq=f)
    if s.empty:
        return pd.DataFrame()
    g = s.groupby(["area", "category"], sort=False).agg(
        start=("ds", "min"), end=("ds", "max"), expected=("y", "sum"), base=("expected", "sum"),
        thr=("threshold", "max"), n=("ds", "size"), last_y=("y", "last"), top=("score", "max")).reset_index()
    sd = np.sqrt(g["expected"].astype(float))
    g["lower"] = np.maximum(g["expected"] - _Z80 * sd, 0)
    g["upper"] = g["expected"] + _Z80 * sd
    g["baseline"] = g["base"]
    g["expected"] = g["expected"].astype(float)
    g["score"] = np.maximum(g["expected"] - g["baseline"], 0.0)
    g["kind"] = "surge"
    unit = "week" if f == "W" else "month"
    reasons = []
    for r in g.itertuples():
        label = name.get(r.category, r.category)
        if language == "zh":
            reasons.append(f"{label}异常上升：{r.start.date()}起{r.n}{'周' if f == 'W' else '个月'}共{int(r.expected)}件，"
                           f"按往年同期应约{r.baseline:.0f}件（报警线每{'周' if f == 'W' else '月'}{int(r.thr)}件）。")
        else:
            reasons.append(f"{label} surge: {int(r.expected)} cases in {r.n} {unit}(s) from {r.start.date()} "
                           f"against {r.baseline:.0f} expected for the season (alarm line {int(r.thr)} a {unit}).")
    g["reason"] = reasons
    return g[["area", "category", "kind", "start", "end", "expected", "lower", "upper", "baseline", "score",
              "reason"]]


def _escalation_flags(cases, hist, as_of, *, f, weeks, weight, name, language) -> pd.DataFrame:
    need = {"received", "area", "category", "collective", "repeat", "level"}
    if not need <= set(cases.columns):
        raise DataError(f"cases lacks {sorted(need - set(cases.columns))}; pass read_cases(...).cases.")
    c = cases[pd.to_datetime(cases["received"]) < as_of]
    high = c["level"].isin(["city", "province", "national"]).fillna(False).astype(bool)
    esc = (c["collective"].fillna(False).astype(bool) | c["repeat"].fillna(False).astype(bool) | high)
    if not esc.any():
        return pd.DataFrame()
    frame = pd.DataFrame({"area": c["area"].astype(str).to_numpy(), "category": c["category"].astype(str).to_numpy(),
                          "rec": pd.to_datetime(c["received"]).to_numpy(), "esc": esc.to_numpy(dtype=float)})
    step = weeks * period_offset(f)
    year = periods_per_year(f) * period_offset(f)
    w0 = as_of - step
    first = frame["rec"].min()

    def window(a, b):
        m = frame[(frame["rec"] >= a) & (frame["rec"] < b)]
        return m.groupby(["area", "category"])["esc"].agg(["sum", "size"])

    now = window(w0, as_of).rename(columns={"sum": "now", "size": "now_all"})
    # baseline: the escalated share of all cases in the same weeks of the last two years
    # (escalations have seasons too), or in the year before the window when the history is shorter;
    # the share, not the count, so that a rise in all petitions is not read as escalation
    past = [window(w0 - k * year, as_of - k * year) for k in (1, 2) if w0 - k * year >= first]
    if not past:
        past = [window(w0 - year, w0)]
    before = pd.concat(past).groupby(level=[0, 1]).sum().rename(columns={"sum": "before", "size": "before_all"})
    g = now.join(before, how="left").fillna(0).reset_index()
    keys = set(zip(hist["area"].astype(str), hist["category"].astype(str)))
    g = g[[k in keys for k in zip(g["area"], g["category"])]]
    # add half a case to the past so a category that never escalated is not infinitely surprising
    share = (g["before"] + 0.5) / (g["before_all"] + 1.0)
    g["baseline"] = share * g["now_all"]
    # one-sided Poisson test against the prior year's rate (with half a case of prior so 0 is not 0)
    # conditional test (two-sample, the past share is estimated too): given all escalated cases of
    # both windows, are too many in the recent one for its share of all cases?
    n_esc = (g["now"] + g["before"]).astype(int)
    frac = g["now_all"] / np.maximum(g["now_all"] + g["before_all"], 1)
    p = stats.binom.sf(g["now"] - 1, n_esc, frac)
    g = g[(p < 0.01) & (g["now"] >= 3) & (g["now"] >= 2 * g["baseline"])]
    if g.empty:
        return pd.DataFrame()
    g["expected"] = g["now"].astype(float)
    sd = np.sqrt(g["expected"])
    g["lower"] = np.maximum(g["expected"] - _Z80 * sd, 0)
    g["upper"] = g["expected"] + _Z80 * sd
    g["start"] = w0
    g["end"] = shift(as_of, -1, f)
    g["score"] = weight * (g["expected"] - g["baseline"])
    g["kind"] = "escalation"
    g["reason"] = [
        (f"{name.get(r.category, r.category)}：近{weeks}{'周' if f == 'W' else '个月'}集体访、重复访或越级访{int(r.now)}件，"
         f"按往年同期占比应约{r.baseline:.1f}件。") if language == "zh" else
        (f"{name.get(r.category, r.category)}: {int(r.now)} collective, repeat or higher-level petitions in the "
         f"last {weeks} {'weeks' if f == 'W' else 'months'} against {r.baseline:.1f} at their share in the same "
         f"weeks of past years.")
        for r in g.itertuples()]
    return g[["area", "category", "kind", "start", "end", "expected", "lower", "upper", "baseline", "score",
              "reason"]]
