"""Render a :class:`~foresight.report.build.ReportResult` as one self-contained HTML page (jinja2)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from foresight.text import labels
from foresight.report.charts import png_data_uri

__all__ = ["display_count", "render_html", "suppress_counts", "suppress_text"]

# A count in a flag's reason: a number (or the low end of a range) followed by the unit or by the words
# the reasons of foresight.warning.flags put after a count. Dates, years, weeks and percentages do not match.
_COUNT_IN_TEXT = re.compile(
    r"(?<![\d.%:-])(\d+(?:\.\d+)?)(?=(?:-\d+(?:\.\d+)?)?(?:件| cases| normally| expected| a week| a month"
    r"| at their share| collective)|-\d+(?:\.\d+)?\))"
    r"|(?<=\d-)(\d+(?:\.\d+)?)(?=件| cases|\))")


def display_count(value: Any, k: int = 0) -> str:
    """A count for display: rounded, and ``"<k"`` when it is below ``k`` (small-count suppression).

    Parameters
    ----------
    value : number
        The count (a float is rounded to the nearest whole number).
    k : int, default 0
        Suppression threshold; 0 shows every count.

    Returns
    -------
    str

    Examples
    --------
    >>> display_count(12.4), display_count(2, k=5), display_count(5, k=5), display_count(float("nan"))
    ('12', '<5', '5', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    n = int(round(float(value)))
    if k > 0 and 0 < n < k or (k > 0 and n == 0 and float(value) > 0):
        return f"<{k}"
    return f"{n:,}"


def suppress_counts(frame: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
    """Copy of ``frame`` with the count ``columns`` as text, counts below ``k`` shown as ``"<k"``.

    Examples
    --------
    >>> suppress_counts(pd.DataFrame({"y": [1, 7]}), ["y"], 5)["y"].tolist()
    ['<5', '7']
    """
    out = frame.copy()
    if k <= 0:
        return out
    for col in columns:
        if col in out.columns:
            out[col] = [display_count(v, k).replace(",", "") for v in out[col].to_numpy()]
    return out


def suppress_text(text: str, k: int) -> str:
    """``text`` (a flag's reason) with every count below ``k`` written ``"<k"``.

    Parameters
    ----------
    text : str
        A reason from :func:`foresight.warning.flags` (Chinese or English).
    k : int
        Suppression threshold; 0 returns the text unchanged.

    Returns
    -------
    str

    Examples
    --------
    >>> suppress_text("wave expected from 2026-12-07: 7 cases in the next 13 weeks (80%: 3-12) "
    ...               "against 2 normally; now 1 a week.", 5)
    'wave expected from 2026-12-07: 7 cases in the next 13 weeks (80%: <5-12) against <5 normally; now <5 a week.'
    >>> suppress_text("近8周共3件，按往年同期应约1.5件。", 5)
    '近8周共<5件，按往年同期应约<5件。'
    """
    if k <= 0:
        return text

    def repl(m: re.Match[str]) -> str:
        value = float(m.group(0))
        return f"<{k}" if 0 < value < k else m.group(0)

    return _COUNT_IN_TEXT.sub(repl, text)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("foresight.report", "templates"),
                      autoescape=select_autoescape(("html", "j2", "html.j2"), default_for_string=True,
                                                   default=True),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def _date(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return ""
    return pd.Timestamp(v).date().isoformat()


def _rows(frame: pd.DataFrame | None, limit: int | None = None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    f = frame if limit is None else frame.head(limit)
    return f.to_dict(orient="records")


def render_html(result: Any, *, standalone: bool = True, top: int = 10) -> str:
    """The report as one HTML page: charts embedded as base64 PNG, no script or style from the network.

    Parameters
    ----------
    result : ReportResult
        From :func:`foresight.report.build_report`.
    standalone : bool, default True
        A whole document (``<html>...``); False gives a fragment for Jupyter.
    top : int, default 10
        Rows of each ranked table.

    Returns
    -------
    str

    Examples
    --------
    A bare result (a real one comes from ``build_report``) with one flag whose counts are below 5:

    >>> from pathlib import Path
    >>> from foresight.report import ReportConfig, ReportResult
    >>> cfg = ReportConfig(store=Path("cases.duckdb"), as_of=pd.Timestamp("2026-11-23"), language="en",
    ...                    suppress_below=5)
    >>> flags = pd.DataFrame({"rank": [1], "area": ["T1"], "category": ["wage"], "kind": ["wave"],
    ...     "window_start": [cfg.as_of], "window_end": [cfg.as_of], "expected": [4.0], "baseline": [1.0],
    ...     "reason": ["4 cases in the next 13 weeks against 1 normally"]})
    >>> none = pd.DataFrame()
    >>> result = ReportResult(config=cfg, as_of=cfg.as_of, prev_as_of=None, forecasts=none, flags=flags,
    ...     plan=none, risk=none, waves=none, surges=none, backcheck=none, backcheck_summary={}, rejects=none,
    ...     reads=none, names={"area": {"T1": "Town 1"}, "category": {"wage": "Unpaid wages"}, "theme": {},
    ...     "department": {}}, charts={}, notes={"surges": "ValueError: no data"}, run={})
    >>> page = render_html(result)
    >>> page.startswith("<!DOCTYPE html>"), "Town 1 (T1)" in page, "&lt;5 cases in the next 13 weeks" in page
    (True, True, True)
    >>> "Step surges failed and is missing from this report: ValueError: no data" in page
    True
    """
    cfg = result.config
    t = labels(cfg.language)
    k = int(cfg.suppress_below)
    freq = cfg.freq
    nm = result.names

    def area(code: Any) -> str:
        name = nm["area"].get(str(code))
        return f"{name}（{code}）" if (name and cfg.language == "zh") else (f"{name} ({code})" if name else str(code))

    def cat(code: Any) -> str:
        return nm["category"].get(str(code), str(code))

    def kind(value: Any) -> str:
        return t.get(f"kind_{value}", str(value))

    flags = result.flags
    flag_rows = []
    for r in _rows(flags, top):
        flag_rows.append({
            "rank": r.get("rank", ""), "area": area(r.get("area")), "category": cat(r.get("category")),
            "kind": kind(r.get("kind", "")),
            "window": f"{_date(r.get('window_start'))} – {_date(r.get('window_end'))}"
            if r.get("window_start") is not None else "",
            "expected": display_count(r.get("expected"), k), "baseline": display_count(r.get("baseline"), k),
            "reason": suppress_text(str(r.get("reason", "")), k),
            "theme": nm["theme"].get(str(r.get("category")), r.get("theme", "")) or "",
        })
    plan_weeks: list[dict[str, Any]] = []
    if result.plan is not None and len(result.plan) and "week" in result.plan:
        plan_weeks_all = sorted(result.plan["week"].unique())
        for week, g in result.plan[result.plan["week"].isin(plan_weeks_all[:4])].groupby("week", sort=True):
            plan_weeks.append({"week": _date(week), "rows": [
                {"team": str(r.get("team", "")), "area": area(r.get("area")), "category": cat(r.get("category")),
                 "theme": nm["theme"].get(str(r.get("category")), "") or "",
                 "department": nm["department"].get(str(r.get("category")), "") or "",
                 "kind": kind(r.get("kind", ""))} for r in g.to_dict(orient="records")]})
    risk_rows = [{"area": area(r["area"]), "n_flags": int(r["n_flags"]), "risk_score": display_count(r["risk_score"]),
                  "recent": display_count(r["recent"], k), "forecast": display_count(r["forecast"], k),
                  "change": "" if pd.isna(r["change"]) else f"{r['change']:+.0%}"}
                 for r in _rows(result.risk, top)]
    surge_rows = [{"area": area(r["area"]), "category": cat(r["category"]), "period": _date(r["ds"]),
                   "observed": display_count(r["y"], k), "expected": display_count(r["expected"], k),
                   "threshold": display_count(r.get("threshold"), k)}
                  for r in _rows(result.surges, top)]
    wave_rows = []
    if result.waves is not None and len(result.waves):
        from foresight.warning.waves import period_label

        w = result.waves.sort_values("excess", ascending=False) if "excess" in result.waves else result.waves
        for r in _rows(w, top):
            wave_rows.append({"area": area(r["area"]), "category": cat(r["category"]),
                              "onset": period_label(int(r["onset"]), freq, language=cfg.language),
                              "end": period_label(int(r["end"]), freq, language=cfg.language),
                              "confidence": f"{int(r.get('recurred', 0))}/{int(r.get('years', 0))}"})
    bc = result.backcheck_summary or {}
    bc_rows = [{"rank": r.get("rank", ""), "area": area(r["area"]), "category": cat(r["category"]),
                "kind": kind(r.get("kind", "")), "forecast": display_count(r.get("forecast"), k),
                "actual": display_count(r.get("actual"), k), "usual": display_count(r.get("usual"), k),
                "outcome": t.get(f"out_{r.get('outcome')}", str(r.get("outcome")))}
               for r in _rows(result.backcheck, top)]

    def pct(v: Any) -> str:
        return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0%}"

    bc_metrics = [(t["hit_rate"], pct(bc.get("hit_rate"))), (t["base_rate"], pct(bc.get("base_rate"))),
                  (t["coverage"], pct(bc.get("coverage_80"))), (t["wape"], pct(bc.get("wape_total")))]
    headline = _headline(result, t, flag_rows, k)
    reads = [{"source": str(r.get("source", "")).rsplit("/", 1)[-1], "read": display_count(r.get("read")),
              "accepted": display_count(r.get("accepted")), "rejected": display_count(r.get("rejected"))}
             for r in _rows(result.reads)]
    rejects = [{"source": r["source"], "column": r["column"], "reason": r["reason"], "rows": display_count(r["rows"])}
               for r in _rows(result.rejects, 15)]
    charts = {name: png_data_uri(png) for name, png in result.charts.items()}
    tpl = _env().get_template("report.html.j2")
    return tpl.render(
        t=t, lang=cfg.language, standalone=standalone,
        title=t["title_M"] if freq == "M" else t["title"], as_of=_date(result.as_of),
        generated=pd.Timestamp.now().strftime("%Y-%m-%d %H:%M"), horizon=cfg.horizon,
        period_word=t[f"periods_{freq}"], level=cfg.level or "", headline=headline,
        flags=flag_rows, plan=plan_weeks, risk=risk_rows,
        surges=surge_rows, waves=wave_rows, charts=charts, backcheck=bc_rows, bc_metrics=bc_metrics,
        bc_intro=t["backcheck_intro"].format(prev=bc.get("prev_as_of", "")) if bc else "",
        reads=reads, rejects=rejects, notes=result.notes, info=result.info, k=k,
        suppressed=t["suppressed"].format(k=k) if k > 0 else "",
        plan_more=(len(result.plan["week"].unique()) > 4) if (result.plan is not None and "week" in result.plan) else False,
    )


def _headline(result: Any, t: dict[str, str], flag_rows: list[dict[str, Any]], k: int) -> list[str]:
    """Three to five plain sentences: the top flags with their reasons, then the totals."""
    zh = result.config.language == "zh"
    lines = []
    for r in flag_rows[:3]:
        lines.append(f"{r['area']} · {r['category']}：{r['reason']}" if zh else
                     f"{r['area']} · {r['category']}: {r['reason']}")
    tot = result.extra.get("total_forecast")
    if tot is not None and len(tot):
        n = 4 if result.config.freq == "W" else 1
        nxt = float(tot.sort_values("ds")["mean"].head(n).sum())
        word = "周" if result.config.freq == "W" else "个月"
        lines.append(f"未来{n}{word}全区预计约 {display_count(nxt, k)} 件。" if zh else
                     f"About {display_count(nxt, k)} cases expected in the next {n} "
                     f"{'weeks' if result.config.freq == 'W' else 'month'} across all areas.")
    n_s = len(result.surges) if result.surges is not None else 0
    n_p = len(result.plan) if result.plan is not None else 0
    lines.append(f"共 {len(result.flags)} 条预警，{n_s} 处当前激增，已安排 {n_p} 次驻点。" if zh else
                 f"{len(result.flags)} flags, {n_s} current surges, {n_p} outreach visits planned.")
    if not flag_rows:
        lines.insert(0, t["no_flags"])
    return lines
