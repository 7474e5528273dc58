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
from foresight.warning.waves import period_label

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


def _change_text(change, language: str) -> str:
    if change is None or (isinstance(change, float) and np.isnan(change)) or not str(change):
        return ""
    change = str(change)
    up = re.fullmatch(r"up x([\d.]+)", change)
    down = re.fullmatch(r"down (\d+)%", change)
    if language == "zh":
        if up:
            return f"，约为此前的{up.group(1)}倍"
        if down:
            return f"，下降约{down.group(1)}%"
        return "，此前几乎为零" if change == "from zero" else ""
    if up:
        return f", x{up.group(1)} the level before"
    if down:
        return f", down {down.group(1)}%"
    return ", from near zero" if change == "from zero" else ""


def wave_reason(r, *, name: dict, horizon: int, f: str, language: str) -> str:
    """The reason of one wave flag (a row of :func:`wave_basis`'s output), in ``language``."""
    label = name.get(r.category, r.category)
    start = period_label(int(period_of_year(pd.DatetimeIndex([r.start]), f)[0]) + 1, f, language=language)
    unit_en, unit_zh = ("week", "周") if f == "W" else ("month", "月")
    now = r.now if np.isfinite(r.now) else 0.0
    if language == "zh":
        body = (f"未来{horizon}{unit_zh}约{r.expected:.0f}件（80%区间{r.lower:.0f}-{r.upper:.0f}件），"
                f"常态约{r.baseline:.0f}件")
        tail = f"；目前每{unit_zh}{now:.0f}件。"
    else:
        body = (f"{r.expected:.0f} cases in the next {horizon} {unit_en}s (80%: {r.lower:.0f}-{r.upper:.0f}) "
                f"against {r.baseline:.0f} normally")
        tail = f"; now {now:.0f} a {unit_en}."
    if r.basis == "seasonal":
        on = period_label(int(r.s_onset), f, language=language)
        en = period_label(int(r.s_end), f, language=language)
        hist = ""
        if np.isfinite(r.s_peak_low) and np.isfinite(r.s_years):
            lo, hi = int(r.s_peak_low), int(r.s_peak_high)
            rng_txt = f"{lo}" if lo == hi else f"{lo}-{hi}"
            hist = (f"；近{int(r.s_years)}年峰值每{unit_zh}{rng_txt}件" if language == "zh"
                    else f"; the last {int(r.s_years)} years peaked at {rng_txt} cases a {unit_en}")
        if language == "zh":
            return (f"预计{start}起出现{label}季节性波峰，往年{on}至{en}，近{int(r.s_years)}年中"
                    f"{int(r.s_recurred)}年出现：{body}{hist}{tail}")
        return (f"{label} seasonal wave expected from {start}; the season runs {on} to {en} and came in "
                f"{int(r.s_recurred)} of the last {int(r.s_years)} years: {body}{hist}{tail}")
    if r.basis == "level":
        change = _change_text(r.shift_change, language)
        down = str(r.shift_change or "").startswith("down")
        if language == "zh":
            moved = "变化" if down else "上移"
            return f"{label}自{r.shift_date}起水平{moved}{change}，非季节性波峰：{body}{tail}"
        return (f"{label} level {'changed' if down else 'shifted up'} since {r.shift_date}{change}; not a "
                f"seasonal wave: {body}{tail}")
    if language == "zh":
        return f"预计{start}起{label}偏高，未发现往年同期波峰或水平突变：{body}{tail}"
    return f"{label} rise expected from {start}; no recurring season or level shift found: {body}{tail}"
