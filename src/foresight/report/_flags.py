"""Provisional flags and outreach plan (used while ``foresight.warning.flags`` is absent) and the
back-check of earlier flags against what happened (internal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.report._text import labels

__all__ = ["backcheck", "provisional_flags", "provisional_plan"]

FLAG_COLUMNS = ["rank", "area", "category", "kind", "window_start", "window_end", "lead", "expected",
                "baseline", "excess", "score", "reason"]


def _step(freq: str) -> pd.DateOffset:
    return pd.DateOffset(weeks=1) if freq == "W" else pd.DateOffset(months=1)


def _period_of_year(ds: pd.Series | pd.DatetimeIndex, freq: str) -> np.ndarray:
    ds = pd.DatetimeIndex(ds)
    if freq == "M":
        return np.asarray(ds.month, dtype=np.int64)
    return np.minimum((np.asarray(ds.dayofyear) - 1) // 7, 51).astype(np.int64) + 1


def _base_rate(panel: pd.DataFrame, as_of: pd.Timestamp, freq: str) -> pd.DataFrame:
    """Mean count per period over the last year before ``as_of`` (``area, category, base``)."""
    year = pd.DateOffset(years=1)
    recent = panel[(panel["ds"] < as_of) & (panel["ds"] >= as_of - year)]
    return recent.groupby(["area", "category"], observed=True)["y"].mean().rename("base").reset_index()


def provisional_flags(panel: pd.DataFrame, fc: pd.DataFrame, *, as_of: pd.Timestamp, freq: str,
                      waves: pd.DataFrame | None, surges: pd.DataFrame | None, language: str = "zh",
                      min_excess: float = 3.0, top: int = 30) -> pd.DataFrame:
    """Flags from the forecast, the seasonal waves and the surges, ranked by expected extra cases."""
    t = labels(language)
    unit = "周" if (freq == "W" and language == "zh") else ("个月" if language == "zh" else
                                                          ("weeks" if freq == "W" else "months"))
    base = _base_rate(panel, as_of, freq)
    f = fc[["area", "category", "ds", "mean"]].merge(base, on=["area", "category"], how="left")
    f["base"] = f["base"].fillna(0.0)
    f["poy"] = _period_of_year(f["ds"], freq)
    out = []
    # seasonal waves whose window overlaps the horizon
    if waves is not None and len(waves):
        w = waves[["area", "category", "onset", "peak", "end", "recurred", "years"]]
        fw = f.merge(w, on=["area", "category"], how="inner")
        inside = np.where(fw["onset"] <= fw["end"], (fw["poy"] >= fw["onset"]) & (fw["poy"] <= fw["end"]),
                          (fw["poy"] >= fw["onset"]) | (fw["poy"] <= fw["end"]))
        fw = fw[inside]
        if len(fw):
            g = fw.groupby(["area", "category", "onset", "peak", "end", "recurred", "years"], observed=True)
            agg = g.agg(window_start=("ds", "min"), window_end=("ds", "max"), expected=("mean", "sum"),
                        n=("mean", "size"), base=("base", "first")).reset_index()
            agg["kind"] = "wave"
            agg["baseline"] = agg["base"] * agg["n"]
            agg["reason"] = [
                (f"往年{r}/{y}年出现季节性波峰（第{o}至{e}{'周' if freq == 'W' else '月'}）；"
                 f"时间窗内预计{x:.0f}件，平时约{b:.0f}件" if language == "zh" else
                 f"seasonal wave in {r} of {y} years (period {o}-{e} of the year); "
                 f"{x:.0f} cases expected in the window against {b:.0f} usually")
                for r, y, o, e, x, b in zip(agg["recurred"], agg["years"], agg["onset"], agg["end"],
                                            agg["expected"], agg["baseline"])]
            out.append(agg)
    # forecast rises (series without a wave in the horizon)
    f["over"] = f["mean"] - f["base"]
    rise = f[f["mean"] > 1.5 * f["base"] + 0.5]
    if len(rise):
        g = rise.groupby(["area", "category"], observed=True)
        agg = g.agg(window_start=("ds", "min"), window_end=("ds", "max"), expected=("mean", "sum"),
                    n=("mean", "size"), base=("base", "first")).reset_index()
        agg["kind"] = "rise"
        agg["baseline"] = agg["base"] * agg["n"]
        agg["reason"] = [(f"预测未来{n}{unit}共{x:.0f}件，高于平时约{b:.0f}件" if language == "zh" else
                          f"forecast {x:.0f} cases over {n} {unit} against {b:.0f} usually")
                         for n, x, b in zip(agg["n"], agg["expected"], agg["baseline"])]
        out.append(agg)
    if surges is not None and len(surges):
        s = surges[surges["alarm"]] if "alarm" in surges else surges
        if len(s):
            g = s.groupby(["area", "category"], observed=True)
            agg = g.agg(window_start=("ds", "max"), y=("y", "sum"), expected=("expected", "sum"),
                        n=("y", "size")).reset_index()
            agg["window_start"] = as_of
            agg["window_end"] = as_of + 3 * _step(freq)
            agg["kind"] = "surge"
            agg["baseline"] = agg["expected"]
            agg["expected"] = agg["y"].astype(float)
            agg["reason"] = [(f"近期出现激增：{n}个{'周' if freq == 'W' else '月'}内{y}件，按往年同期预期约{e:.0f}件"
                              if language == "zh" else
                              f"surge: {y} cases in {n} recent period(s) against {e:.0f} expected for the season")
                             for n, y, e in zip(agg["n"], agg["y"], agg["baseline"])]
            out.append(agg)
    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    flags = pd.concat(out, ignore_index=True)
    flags["excess"] = flags["expected"] - flags["baseline"]
    # surges count double: they are happening now and nobody planned for them
    flags["score"] = flags["excess"] * np.where(flags["kind"] == "surge", 2.0, 1.0)
    order = {"surge": 0, "wave": 1, "rise": 2}
    flags["_k"] = flags["kind"].map(order)
    flags = (flags[flags["excess"] >= min_excess]
             .sort_values(["area", "category", "_k"]).drop_duplicates(["area", "category"], keep="first")
             .sort_values(["score", "area", "category"], ascending=[False, True, True]).head(top))
    flags["lead"] = ((flags["window_start"] - as_of).dt.days // (7 if freq == "W" else 30)).clip(lower=0)
    flags["rank"] = np.arange(1, len(flags) + 1)
    del t
    return flags[FLAG_COLUMNS].reset_index(drop=True)


def provisional_plan(flags: pd.DataFrame, *, as_of: pd.Timestamp, freq: str, teams: int | list[str],
                     capacity_per_week: int, weeks: int = 8) -> pd.DataFrame:
    """Greedy plan: each flag in rank order gets the earliest free team-slot ahead of its window."""
    names = [f"{i + 1}" for i in range(teams)] if isinstance(teams, int) else [str(x) for x in teams]
    cols = ["week", "team", "area", "category", "kind", "window_start", "rank"]
    if flags is None or flags.empty or not names or capacity_per_week <= 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    slots = len(names) * int(capacity_per_week)
    used: dict[int, int] = {}
    rows = []
    step_days = 7 if freq == "W" else 30
    for row in flags.sort_values("rank").itertuples(index=False):  # one pass over the few flags
        target = 0 if row.kind == "surge" else max(0, (pd.Timestamp(row.window_start) - as_of).days // step_days - 2)
        for wk in range(target, weeks):
            if used.get(wk, 0) < slots:
                k = used.get(wk, 0)
                used[wk] = k + 1
                rows.append((as_of + pd.Timedelta(weeks=wk), names[k % len(names)], row.area, row.category,
                             row.kind, row.window_start, row.rank))
                break
    plan = pd.DataFrame(rows, columns=cols)
    return plan.sort_values(["week", "team", "rank"]).reset_index(drop=True)


def backcheck(panel: pd.DataFrame, prev_flags: pd.DataFrame, prev_fc: pd.DataFrame | None, *,
              prev_as_of: pd.Timestamp, as_of: pd.Timestamp, freq: str) -> tuple[pd.DataFrame, dict]:
    """Compare the flags raised at ``prev_as_of`` with the counts observed from then to ``as_of``.

    Returns the flags with ``actual``, ``usual``, ``forecast`` and ``outcome`` (``rose``, ``flat``,
    ``pending``) and a summary: hit rate among flags whose window started, the rise rate among
    unflagged series, forecast interval coverage and total WAPE over the observed periods.
    """
    seen = panel[(panel["ds"] >= prev_as_of) & (panel["ds"] < as_of)]
    base = _base_rate(panel, prev_as_of, freq)
    act = seen.groupby(["area", "category"], observed=True)["y"].agg(actual="sum", n="size").reset_index()
    act = act.merge(base, on=["area", "category"], how="left").fillna({"base": 0.0})
    act["usual"] = act["base"] * act["n"]
    rose = (act["actual"] - act["usual"] >= np.maximum(2.0, 0.25 * act["usual"]))
    act["rose"] = rose
    summary: dict = {"prev_as_of": str(prev_as_of.date()), "periods": int(seen["ds"].nunique())}
    if prev_flags is None or prev_flags.empty:
        out = pd.DataFrame(columns=["rank", "area", "category", "kind", "window_start", "window_end", "actual", "usual",
                                    "forecast", "outcome"])
    else:
        out = prev_flags[["rank", "area", "category", "kind", "window_start", "window_end"]].copy()
        out["window_start"] = pd.to_datetime(out["window_start"])
        out["window_end"] = pd.to_datetime(out["window_end"])
        # counts inside each flag's window, as far as it has been observed; a flag about the past (a
        # surge) is judged on the periods since it was raised: did the surge go on?
        past = out["window_end"] < prev_as_of
        win = out[["rank", "area", "category"]].assign(
            window_start=out["window_start"].where(~past, prev_as_of).clip(lower=prev_as_of),
            window_end=out["window_end"].where(~past, as_of))
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
    if prev_fc is not None and len(prev_fc):
        m = prev_fc.merge(seen[["area", "category", "ds", "y"]], on=["area", "category", "ds"], how="inner")
        if len(m) and {"p10", "p90"} <= set(m.columns):
            summary["coverage_80"] = float(((m["y"] >= m["p10"]) & (m["y"] <= m["p90"])).mean())
        tot = m.groupby("ds")[["y", "mean"]].sum()
        if len(tot) and tot["y"].sum() > 0:
            summary["wape_total"] = float((tot["y"] - tot["mean"]).abs().sum() / tot["y"].sum())
    return out.reset_index(drop=True), summary
