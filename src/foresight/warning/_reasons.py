"""Reasons of wave flags that say what the expected rise comes from (internal).

A wave flag's rise has one of three bases, and its reason is worded for it:

* ``seasonal``: a recurring seasonal wave of the series (found by :func:`foresight.warning.waves`)
  overlaps the flag window: the reason names the season, how often it came and its past peaks;
* ``level``: the forecast found a level shift (its ``note`` reads ``level shift <date> (up x<r>)``):
  the reason says since when and by how much the level changed, and that it is not a season;
* ``other``: neither (a recent rise, a trend, a short history): the reason reports the expected rise
  and the recent level, without calling it a seasonal wave.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from foresight.periods import period_of_year
from foresight.text import period_label, render

__all__ = ["wave_basis", "wave_reason", "BASES"]

BASES = ("seasonal", "level", "other")
_SHIFT = re.compile(r"level shift (\d{4}-\d{2}-\d{2})(?: \(([^)]*)\))?")


def _in_window(onset: np.ndarray, end: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Whether period-of-year ``weeks`` (1-based) fall inside circular windows ``onset..end``."""
    return np.where(onset <= end, (weeks >= onset) & (weeks <= end), (weeks >= onset) | (weeks <= end))


def wave_basis(tot: pd.DataFrame, waves: pd.DataFrame, notes: pd.Series, *, f: str) -> pd.DataFrame:
    """Add ``basis`` and the facts its reason quotes to ``tot`` (one row per flagged series).

    ``tot`` needs ``area, category, start, end``; ``waves`` is the output of ``waves()``; ``notes`` maps
    ``(area, category)`` to the forecast's note.
    """
    out = tot.copy()
    out["basis"] = "other"
    for c in ("s_onset", "s_end", "s_peak_low", "s_peak_high", "s_recurred", "s_years"):
        out[c] = np.nan
    out["shift_date"] = None
    out["shift_change"] = None
    if waves is not None and len(waves):
        w = waves[["area", "category", "onset", "end", "peak_low", "peak_high", "recurred", "years",
                   "excess"]].merge(out[["area", "category", "start", "end"]].rename(
                       columns={"end": "w_end"}), on=["area", "category"])
        if len(w):
            # the season overlaps the flag window when a week of the window lies inside it
            span = ((pd.to_datetime(w["w_end"]) - pd.to_datetime(w["start"])).dt.days // 7).clip(0, 60)
            hit = np.zeros(len(w), dtype=bool)
            for k in range(int(span.max()) + 1):
                d = pd.to_datetime(w["start"]) + pd.to_timedelta(7 * k, unit="D")
                wk = period_of_year(pd.DatetimeIndex(d), f) + 1
                hit |= (k <= span.to_numpy()) & _in_window(w["onset"].to_numpy(), w["end"].to_numpy(), wk)
            w = (w[hit].sort_values("excess", ascending=False).drop_duplicates(["area", "category"])
                 .set_index(["area", "category"]))
            idx = pd.MultiIndex.from_frame(out[["area", "category"]])
            got = idx.isin(w.index)
            if got.any():
                sel = w.reindex(idx[got])
                out.loc[got, "basis"] = "seasonal"
                for src, dst in (("onset", "s_onset"), ("end", "s_end"), ("peak_low", "s_peak_low"),
                                 ("peak_high", "s_peak_high"), ("recurred", "s_recurred"),
                                 ("years", "s_years")):
                    out.loc[got, dst] = sel[src].to_numpy(dtype=float)
    note = pd.Series([notes.get((a, c), "") for a, c in zip(out["area"], out["category"])], index=out.index)
    m = note.fillna("").astype(str).str.extract(_SHIFT)
    shifted = m[0].notna() & (out["basis"] != "seasonal")
    out.loc[shifted, "basis"] = "level"
    out.loc[shifted, "shift_date"] = m.loc[shifted, 0]
    out.loc[shifted, "shift_change"] = m.loc[shifted, 1]
    return out


def _change(change, language: str) -> str:
    """The text of a level shift's change (``"up x2.50"``, ``"down 40%"``, ``"from zero"``)."""
    if change is None or (isinstance(change, float) and np.isnan(change)) or not str(change):
        return ""
    change = str(change)
    up = re.fullmatch(r"up x([\d.]+)", change)
    down = re.fullmatch(r"down (\d+)%", change)
    if up:
        return render("change.up", language, ratio=up.group(1))
    if down:
        return render("change.down", language, pct=down.group(1))
    return render("change.zero", language) if change == "from zero" else ""


def wave_reason(r, *, name: dict, f: str, language: str, k: int = 0, learned: bool = False) -> str:
    """The reason of one wave flag (a row of :func:`wave_basis`'s output), counts below ``k`` hidden.

    ``r`` carries the window (``start``, ``end``), the window's ``expected`` with ``expected_lo`` and
    ``expected_hi``, its ``baseline``, the current rate ``now`` and the basis facts; with ``learned``,
    its ``p_wave`` is the learned probability and the reason ends by saying it.
    """
    label = name.get(r.category, r.category)
    start_label = period_label(int(period_of_year(pd.DatetimeIndex([r.start]), f)[0]) + 1, f, language=language)
    per = render(f"per.{f}", language)
    now = r.now if np.isfinite(r.now) else 0.0
    body = render("wave.body", language, k=k, start=pd.Timestamp(r.start).date(), end=pd.Timestamp(r.end).date(),
                  expected=r.expected, lo=r.expected_lo, hi=r.expected_hi, baseline=r.baseline)
    tail = render("wave.tail", language, k=k, per=per, now=now)
    if learned and np.isfinite(r.p_wave):
        tail += render("wave.learned", language, pct=int(round(100 * float(r.p_wave))))
    if r.basis == "seasonal":
        history = ""
        if np.isfinite(r.s_peak_low) and np.isfinite(r.s_years):
            key = "wave.history" if int(r.s_peak_low) == int(r.s_peak_high) else "wave.history_range"
            history = render(key, language, k=k, years=int(r.s_years), per=per, peak_lo=int(r.s_peak_low),
                             peak_hi=int(r.s_peak_high))
        return render("wave.seasonal", language, start_label=start_label, label=label,
                      onset=period_label(int(r.s_onset), f, language=language),
                      season_end=period_label(int(r.s_end), f, language=language), years=int(r.s_years),
                      recurred=int(r.s_recurred), body=body, history=history, tail=tail)
    if r.basis == "level":
        down = str(r.shift_change or "").startswith("down")
        return render("wave.level", language, label=label, shift_date=r.shift_date,
                      moved=render("moved.down" if down else "moved.up", language),
                      change=_change(r.shift_change, language), body=body, tail=tail)
    return render("wave.other", language, start_label=start_label, label=label, body=body, tail=tail)
