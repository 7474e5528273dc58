"""The three kinds of flag, each a frame of candidate flags in one vocabulary (internal).

Every builder returns a :class:`Part`: candidate flags with the columns of :data:`PART_COLUMNS` (and
what their reasons quote), and the function that renders the reasons of some of them, so that only
the flags kept (after merging the kinds and the ``max_flags`` cut) get their text. The columns: the
flag's window (``start``, ``end``),
``expected`` cases over that window with its 80% interval (``expected_lo``, ``expected_hi``),
``observed`` cases (past windows only: surges, escalations), the ``baseline`` (usual cases over the
window), ``excess`` (cases above usual: expected for a wave, observed for a surge or escalation),
``p_wave`` (the probability that the horizon total reaches the wave level; waves only) and ``score``;
the ``reason`` is rendered by :mod:`foresight.text`, counts below ``k`` hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from foresight.errors import DataError
from foresight.text import render
from foresight.periods import period_of_year, period_offset, periods_per_year, shift
from foresight.warning._reasons import wave_basis, wave_reason
from foresight.settings import FlagSettings

__all__ = ["PART_COLUMNS", "Part", "escalation_flags", "rank_learned", "surge_flags", "wave_flags"]

PART_COLUMNS = ["area", "category", "kind", "start", "end", "expected", "expected_lo", "expected_hi", "observed",
                "baseline", "excess", "p_wave", "score"]


@dataclass(frozen=True)
class Part:
    """The candidate flags of one kind and how to word them.

    ``flags`` has :data:`PART_COLUMNS` and the facts the reasons quote, one row per series;
    ``reasons(rows)`` returns the reason of each row of a subset of ``flags``, in its order.
    """

    flags: pd.DataFrame
    reasons: Callable[[pd.DataFrame], list[str]]


def _none() -> Part:
    return Part(pd.DataFrame(columns=PART_COLUMNS), lambda rows: [])


def _trailing_rate(hist: pd.DataFrame, as_of: pd.Timestamp, f: str) -> pd.DataFrame:
    """Per series: the mean count of the last year (``normal``) and of the last 4 weeks or month (``now``)."""
    ds = hist["ds"]  # a checked panel's: datetime64[ns]
    recent = hist[(ds >= shift(as_of, -periods_per_year(f), f)).to_numpy()]
    last = shift(as_of, -(4 if f == "W" else 1), f)
    r = recent.groupby(["area", "category"], sort=False, observed=True)["y"].mean().rename("normal")
    now = recent[(recent["ds"] >= last).to_numpy()].groupby(["area", "category"], sort=False,
                                                          observed=True)["y"].mean().rename("now")
    return pd.concat([r, now], axis=1).reset_index()


def _nb(m, v) -> tuple[np.ndarray, np.ndarray]:
    """Size and probability of the negative binomial with mean ``m``, variance ``m + v m^2``."""
    m = np.maximum(np.asarray(m, dtype=float), 1e-9)
    k = 1.0 / np.asarray(v, dtype=float)
    return k, k / (k + m)


def _poisson_interval(m: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    m = m.astype(float).to_numpy()
    return stats.poisson.ppf(0.1, m).astype(float), stats.poisson.ppf(0.9, m).astype(float)


def _horizon(fc: pd.DataFrame, as_of: pd.Timestamp, horizon: int, f: str) -> pd.DataFrame:
    need = {"area", "category", "ds", "mean"}
    if not need <= set(fc.columns):
        raise DataError(f"forecasts lacks {sorted(need - set(fc.columns))}; pass the frame "
                        "foresight.forecasting.forecast returns.")
    fc = fc[pd.to_datetime(fc["ds"]) >= as_of].copy()
    fc["ds"] = pd.to_datetime(fc["ds"])
    if f == "W":
        return fc[fc["ds"] < as_of + horizon * period_offset(f)]
    return fc.groupby(["area", "category"], sort=False).head(horizon)


def _seasonal(tot: pd.DataFrame, fc: pd.DataFrame, waves: pd.DataFrame, trig: pd.Series, *, as_of, horizon, f,
              s: FlagSettings) -> pd.DataFrame:
    """Mark the series whose recurring wave starts within the horizon (the lead-time trigger)."""
    pos = period_of_year(pd.DatetimeIndex([shift(as_of, k, f) for k in range(horizon)]), f) + 1
    w = waves[waves["onset"].isin(pos)].copy()
    if w.empty:
        tot["lead"], tot["base"] = np.nan, np.nan
        return tot
    w["lead"] = w["onset"].map({int(p): k for k, p in reversed(list(enumerate(pos)))}).astype(int)
    w = (w.sort_values("excess", ascending=False).drop_duplicates(["area", "category"])
         [["area", "category", "onset", "base", "lead"]])
    tot = tot.merge(w, on=["area", "category"], how="left")
    # the forecast over the wave's weeks inside the horizon must itself look like a wave
    part = fc.assign(k=fc.groupby(["area", "category"], sort=False).cumcount()).merge(
        w[["area", "category", "lead"]], on=["area", "category"])
    part = part[part["k"] >= part["lead"]]
    in_wave = part.groupby(["area", "category"], sort=False)["mean"].agg(wave_sum="sum", wave_n="size")
    tot = tot.merge(in_wave.reset_index(), on=["area", "category"], how="left")
    season = (tot["onset"].notna() & (tot["expected"] >= s.wave_min)
              & (tot["wave_sum"] >= s.wave_ratio * tot["base"].fillna(np.inf) * tot["wave_n"]) & ~trig.to_numpy())
    tot.loc[season, "trigger"] = "season"
    return tot


def wave_flags(hist: pd.DataFrame, fc: pd.DataFrame, waves: pd.DataFrame, *, as_of: pd.Timestamp, horizon: int,
               f: str, s: FlagSettings, name: dict, language: str, k: int,
               wave_p: pd.DataFrame | None = None) -> Part:
    """Waves coming: the forecast total (or a recurring season starting) within the horizon.

    ``wave_p`` (``area, category, p_wave``, e.g. the learned probability) replaces the gamma-Poisson
    trigger when given: every series of it with ``p_wave >= learned_floor`` is a candidate (exempt from
    ``min_excess``: the probability is its evidence), and the reasons quote the probability.
    """
    fc = _horizon(fc, as_of, horizon, f)
    if fc.empty:
        return _none()
    g = fc.groupby(["area", "category"], sort=False)["mean"].sum().rename("total").reset_index()
    tot = g.merge(_trailing_rate(hist, as_of, f), on=["area", "category"], how="left")
    tot["expected"] = tot["total"]
    normal = tot["normal"].fillna(0.0).to_numpy()
    # the horizon total is gamma-Poisson: Poisson counts around one uncertain level
    tot["v"] = s.level_cv ** 2 + s.level_cases / (normal * periods_per_year(f) + 1.0)
    size, prob = _nb(tot["total"], tot["v"])
    need = np.ceil(np.maximum(s.wave_ratio * normal * horizon, s.wave_min))
    tot["p_wave"] = stats.nbinom.sf(need - 1, size, prob)
    if wave_p is not None:
        p = tot[["area", "category"]].merge(wave_p[["area", "category", "p_wave"]], how="left")["p_wave"]
        tot["p_wave"] = p.fillna(0.0).to_numpy()
        # every series the model scored whose chance clears the floor: the candidates the learned
        # ranking (FlagSettings.wave_rank) orders, whatever the forecast's own total says
        trig = p.notna().to_numpy() & (tot["p_wave"] >= s.learned_floor)
    elif s.wave_prob is None:
        trig = (tot["total"] >= s.wave_ratio * normal * horizon) & (tot["total"] >= s.wave_min)
    else:  # a likely-enough wave whose expected total is above normal, not mere noise
        trig = (tot["p_wave"] >= s.wave_prob) & (tot["total"] > normal * horizon)
    tot["trigger"] = np.where(trig, "forecast", "")
    if s.seasonal and waves is not None and len(waves):
        tot = _seasonal(tot, fc, waves, trig, as_of=as_of, horizon=horizon, f=f, s=s)
    else:
        tot["lead"], tot["base"] = np.nan, np.nan
    tot = tot[tot["trigger"] != ""]
    if tot.empty:
        return _none()
    # the window: forecast periods above the normal rate (or from the seasonal onset)
    fc = fc.merge(tot[["area", "category", "normal", "lead", "trigger"]], on=["area", "category"])
    fc["k"] = fc.groupby(["area", "category"], sort=False).cumcount()
    hot = ((fc["mean"] >= s.wave_ratio * fc["normal"].fillna(0))
           | ((fc["trigger"] == "season") & (fc["k"] >= fc["lead"])))
    win = fc[hot].groupby(["area", "category"], sort=False).agg(
        start=("ds", "min"), end=("ds", "max"))
    every = fc.groupby(["area", "category"], sort=False).agg(fmin=("ds", "min"), fmax=("ds", "max"))
    win = every.join(win)
    win["start"] = win["start"].fillna(win["fmin"])
    win["end"] = win["end"].fillna(win["fmax"])
    tot = tot.merge(win[["start", "end"]].reset_index(), on=["area", "category"], how="left")
    inside = fc.merge(tot[["area", "category", "start", "end"]], on=["area", "category"])
    inside = inside[(inside["ds"] >= inside["start"]) & (inside["ds"] <= inside["end"])]
    sums = inside.groupby(["area", "category"], sort=False)["mean"].agg(w_exp="sum", w_n="size").reset_index()
    tot = tot.merge(sums, on=["area", "category"], how="left")
    tot["expected"] = tot["w_exp"]
    size, prob = _nb(tot["expected"], tot["v"])
    tot["expected_lo"] = stats.nbinom.ppf(0.1, size, prob).astype(float)
    tot["expected_hi"] = stats.nbinom.ppf(0.9, size, prob).astype(float)
    # usual cases over the window: the trailing rate, or a seasonal wave's off-season base
    rate = np.where(tot["trigger"] == "season", tot["base"], tot["normal"].fillna(0.0))
    tot["baseline"] = rate * tot["w_n"]
    tot["excess"] = np.maximum(tot["expected"] - tot["baseline"], 0.0)
    tot["score"] = tot["excess"]
    tot["observed"] = np.nan
    tot["kind"] = "wave"
    notes = (fc.groupby(["area", "category"], sort=False)["note"].first().to_dict() if "note" in fc.columns else {})

    def reasons(rows: pd.DataFrame) -> list[str]:
        rows = wave_basis(rows, waves, notes, f=f)
        return [wave_reason(r, name=name, f=f, language=language, k=k, learned=wave_p is not None)
                for r in rows.itertuples()]

    return Part(tot, reasons)


def surge_flags(surges: pd.DataFrame, *, as_of: pd.Timestamp, f: str, s: FlagSettings, name: dict, language: str,
                k: int) -> Part:
    """Surges now: the alarms of the surges frame (its latest periods before ``as_of``), one flag per series."""
    if surges is None or surges.empty:
        return _none()
    need = {"area", "category", "ds", "y", "expected", "threshold"}
    if not need <= set(surges.columns):
        raise DataError(f"surges lacks {sorted(need - set(surges.columns))}; pass the frame "
                        "foresight.warning.surges returns (or leave it out).")
    ds = pd.to_datetime(surges["ds"])
    recent = surges[ds < as_of]
    if "alarm" in recent.columns:
        recent = recent[recent["alarm"].astype(bool)]
    if recent.empty:
        return _none()
    g = recent.assign(ds=pd.to_datetime(recent["ds"])).groupby(["area", "category"], sort=False).agg(
        start=("ds", "min"), end=("ds", "max"), observed=("y", "sum"), baseline=("expected", "sum"),
        thr=("threshold", "max"), n=("ds", "size")).reset_index()
    g["observed"] = g["observed"].astype(float)
    g["expected"] = g["baseline"]  # what the season predicted for the window
    g["expected_lo"], g["expected_hi"] = _poisson_interval(g["expected"])
    g["excess"] = np.maximum(g["observed"] - g["baseline"], 0.0)
    g["score"] = g["excess"]
    g["p_wave"] = np.nan
    g["kind"] = "surge"
    unit, per = render(f"unit.{f}", language), render(f"per.{f}", language)

    def reasons(rows: pd.DataFrame) -> list[str]:
        return [render("surge", language, k=k, label=name.get(r.category, r.category), start=r.start.date(), n=r.n,
                       unit=unit, per=per, observed=r.observed, baseline=r.baseline, threshold=r.thr)
                for r in rows.itertuples()]

    return Part(g, reasons)


def escalation_flags(cases: pd.DataFrame, hist: pd.DataFrame, *, as_of: pd.Timestamp, f: str, s: FlagSettings,
                     name: dict, language: str, k: int) -> Part:
    """Collective, repeat or higher-level petitions rising in share (conditional binomial test)."""
    need = {"received", "area", "category", "collective", "repeat", "level"}
    if not need <= set(cases.columns):
        raise DataError(f"cases lacks {sorted(need - set(cases.columns))}; pass read_cases(...).cases.")
    c = cases[pd.to_datetime(cases["received"]) < as_of]
    high = c["level"].isin(["city", "province", "national"]).fillna(False).astype(bool)
    esc = (c["collective"].fillna(False).astype(bool) | c["repeat"].fillna(False).astype(bool) | high)
    if not esc.any():
        return _none()
    frame = pd.DataFrame({"area": c["area"].astype(str).to_numpy(), "category": c["category"].astype(str).to_numpy(),
                          "rec": pd.to_datetime(c["received"]).to_numpy(), "esc": esc.to_numpy(dtype=float)})
    weeks = s.escalation_weeks
    w0 = shift(as_of, -weeks, f)
    year = periods_per_year(f) * period_offset(f)
    first = frame["rec"].min()

    def window(a, b):
        m = frame[(frame["rec"] >= a) & (frame["rec"] < b)]
        return m.groupby(["area", "category"])["esc"].agg(["sum", "size"])

    now = window(w0, as_of).rename(columns={"sum": "now", "size": "now_all"})
    # baseline: the escalated share of all cases in the same weeks of the last two years (escalations
    # have seasons too), or in the year before the window when the history is shorter; the share, not
    # the count, so that a rise in all petitions is not read as escalation
    past = [window(w0 - j * year, as_of - j * year) for j in (1, 2) if w0 - j * year >= first]
    if not past:
        past = [window(w0 - year, w0)]
    before = pd.concat(past).groupby(level=[0, 1]).sum().rename(columns={"sum": "before", "size": "before_all"})
    g = now.join(before, how="left").fillna(0).reset_index()
    keys = hist[["area", "category"]].drop_duplicates().astype(str)
    g = g.merge(keys, on=["area", "category"], how="inner")
    # half a case of prior so a category that never escalated is not infinitely surprising
    share = (g["before"] + 0.5) / (g["before_all"] + 1.0)
    g["baseline"] = share * g["now_all"]
    # conditional two-sample test: given all escalated cases of both windows, are too many in the
    # recent one for its share of all cases?
    n_esc = (g["now"] + g["before"]).astype(int)
    frac = g["now_all"] / np.maximum(g["now_all"] + g["before_all"], 1)
    p = stats.binom.sf(g["now"] - 1, n_esc, frac)
    g = g[(p < 0.01) & (g["now"] >= 3) & (g["now"] >= 2 * g["baseline"])].copy()
    if g.empty:
        return _none()
    g["observed"] = g["now"].astype(float)
    g["expected"] = g["baseline"]
    g["expected_lo"], g["expected_hi"] = _poisson_interval(g["expected"])
    g["start"] = w0
    g["end"] = shift(as_of, -1, f)
    g["excess"] = g["observed"] - g["baseline"]
    g["score"] = s.escalation_weight * g["excess"]
    g["p_wave"] = np.nan
    g["kind"] = "escalation"
    units = render(f"units.{f}", language)

    def reasons(rows: pd.DataFrame) -> list[str]:
        return [render("escalation", language, k=k, label=name.get(r.category, r.category), n=weeks, units=units,
                       observed=r.observed, baseline=r.baseline) for r in rows.itertuples()]

    return Part(g, reasons)


# --- ranking by a learned probability (FlagSettings.wave_rank, issue 13) ---------------------------------
def rank_learned(out: pd.DataFrame, wave_p: pd.DataFrame, fc: pd.DataFrame, hist: pd.DataFrame, *,
                  as_of: pd.Timestamp, horizon: int, f: str) -> pd.DataFrame:
    """Reorder the wave flags, in the places their scores gave them, by ``wave_rank="rank_avg"``.

    The key is the mean of a series' rank by the learned probability (``p_raw`` when given) and by the
    forecast's horizon total over the normal total, both ranked among all series of ``wave_p``; ties
    go to the higher probability.
    """
    p = wave_p.set_index(["area", "category"])
    learned = p["p_raw" if "p_raw" in p.columns else "p_wave"].astype(float).fillna(0.0)
    total = _horizon(fc, as_of, horizon, f).groupby(["area", "category"], sort=False)["mean"].sum()
    normal = _trailing_rate(hist, as_of, f).set_index(["area", "category"])["normal"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total.reindex(p.index).fillna(0.0) / (normal.reindex(p.index) * horizon)
    ratio = ratio.replace(np.inf, np.nan).fillna(0.0)
    key = (learned.rank(ascending=False) + ratio.rank(ascending=False)) / 2
    slots = np.flatnonzero(out["kind"].str.contains("wave", regex=False).to_numpy())
    idx = pd.MultiIndex.from_frame(out.loc[slots, ["area", "category"]])
    k = key.reindex(idx).fillna(np.inf).to_numpy()  # a series without a probability goes last
    order = np.lexsort((-learned.reindex(idx).fillna(0.0).to_numpy(), k))
    rows = np.arange(len(out))
    rows[slots] = slots[order]
    return out.iloc[rows].reset_index(drop=True)
