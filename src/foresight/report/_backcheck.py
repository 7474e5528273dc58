"""The back-check: the flags an earlier run issued against the counts observed since (internal).

Nothing is re-fitted: the flags and forecasts are the ones the earlier run recorded
(:mod:`foresight.report.history`); only the counts since are read from this run's panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["backcheck"]


def _base_rate(panel: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Mean count per period over the last year before ``as_of`` (``area, category, base``)."""
    year = pd.DateOffset(years=1)
    recent = panel[(panel["ds"] < as_of) & (panel["ds"] >= as_of - year)]
    return recent.groupby(["area", "category"], observed=True)["y"].mean().rename("base").reset_index()


def backcheck(panel: pd.DataFrame, prev_flags: pd.DataFrame, prev_fc: pd.DataFrame | None, *,
              prev_as_of: pd.Timestamp, as_of: pd.Timestamp, freq: str) -> tuple[pd.DataFrame, dict]:
    """Compare the flags raised at ``prev_as_of`` with the counts observed from then to ``as_of``.

    Returns the flags (``id, rank, area, category, kind, start, end``) with ``actual``, ``usual``,
    ``forecast`` and ``outcome`` (``rose``, ``flat``, ``pending``) and a summary: the flags due (window
    started), their hit rate, the rise rate among unflagged series at the same level (the base rate)
    and the lift (hit rate / base rate), forecast interval coverage, and WAPE of the total and of the
    area x category series (the level teams act on) over the observed periods.
    """
    seen = panel[(panel["ds"] >= prev_as_of) & (panel["ds"] < as_of)]
    base = _base_rate(panel, prev_as_of)
    act = seen.groupby(["area", "category"], observed=True)["y"].agg(actual="sum", n="size").reset_index()
    act = act.merge(base, on=["area", "category"], how="left").fillna({"base": 0.0})
    act["usual"] = act["base"] * act["n"]
    rose = (act["actual"] - act["usual"] >= np.maximum(2.0, 0.25 * act["usual"]))
    act["rose"] = rose
    summary: dict = {"prev_as_of": str(prev_as_of.date()), "periods": int(seen["ds"].nunique())}
    if prev_flags is None or prev_flags.empty:
        out = pd.DataFrame(columns=["id", "rank", "area", "category", "kind", "start", "end", "actual", "usual",
                                    "forecast", "outcome"])
        summary.update(flags=0, flags_started=0, hit_rate=None)
    else:
        out = prev_flags[[c for c in ("id", "rank", "area", "category", "kind", "start", "end")
                          if c in prev_flags.columns]].copy()
        out["start"] = pd.to_datetime(out["start"])
        out["end"] = pd.to_datetime(out["end"])
        # counts inside each flag's window, as far as it has been observed; a flag about the past (a
        # surge) is judged on the periods since it was raised: did the surge go on?
        past = out["end"] < prev_as_of
        win = out[["rank", "area", "category"]].assign(
            window_start=out["start"].where(~past, prev_as_of).clip(lower=prev_as_of),
            window_end=out["end"].where(~past, as_of))
        m = win.merge(
            seen[["area", "category", "ds", "y"]], on=["area", "category"], how="inner")
        m = m[(m["ds"] >= m["window_start"]) & (m["ds"] <= m["window_end"])]
        got = m.groupby("rank")["y"].agg(actual="sum", n="size")
        out = out.join(got, on="rank").merge(base, on=["area", "category"], how="left")
        out["actual"] = out["actual"].fillna(0).astype(int)
        out["usual"] = out["base"].fillna(0.0) * out["n"].fillna(0)
        out["rose"] = (out["n"].fillna(0) > 0) & (out["actual"] - out["usual"] >= np.maximum(2.0, 0.25 * out["usual"]))
        out = out.drop(columns=["base", "n"])
        if prev_fc is not None and len(prev_fc):
            pm = win.merge(
                prev_fc[prev_fc["ds"] < as_of][["area", "category", "ds", "mean"]], on=["area", "category"])
            pm = pm[(pm["ds"] >= pm["window_start"]) & (pm["ds"] <= pm["window_end"])]
            out = out.join(pm.groupby("rank")["mean"].sum().rename("forecast"), on="rank")
        else:
            out["forecast"] = np.nan
        started = win["window_start"] < as_of
        out["outcome"] = np.where(~started, "pending", np.where(out["rose"].fillna(False).astype(bool), "rose", "flat"))
        out = out.drop(columns="rose")
        n_started = int(started.sum())
        summary["flags"] = len(out)
        summary["flags_started"] = n_started
        summary["hit_rate"] = float((out["outcome"] == "rose").sum() / n_started) if n_started else None
    keys = out[["area", "category"]].drop_duplicates() if len(out) else pd.DataFrame(columns=["area", "category"])
    unflagged = (act[["area", "category"]].merge(keys, how="left", indicator=True)["_merge"]
                 .eq("left_only").to_numpy())
    summary["base_rate"] = float(act.loc[unflagged, "rose"].mean()) if unflagged.any() else None
    hit, base = summary.get("hit_rate"), summary["base_rate"]
    summary["flags_due"] = summary.get("flags_started", 0)
    summary["lift"] = float(hit / base) if hit is not None and base else None
    if prev_fc is not None and len(prev_fc):
        m = prev_fc.merge(seen[["area", "category", "ds", "y"]], on=["area", "category", "ds"], how="inner")
        m = m.dropna(subset=["mean"])
        if len(m) and {"p10", "p90"} <= set(m.columns):
            summary["coverage_80"] = float(((m["y"] >= m["p10"]) & (m["y"] <= m["p90"])).mean())
        if len(m) and m["y"].sum() > 0:
            summary["wape_series"] = float((m["y"] - m["mean"]).abs().sum() / m["y"].sum())
        tot = m.groupby("ds")[["y", "mean"]].sum()
        if len(tot) and tot["y"].sum() > 0:
            summary["wape_total"] = float((tot["y"] - tot["mean"]).abs().sum() / tot["y"].sum())
    return out.reset_index(drop=True), summary
