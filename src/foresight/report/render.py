"""Render a :class:`~foresight.report.build.ReportResult` as one self-contained HTML page (jinja2)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from foresight.report._steps import RISK_WINDOW
from foresight.report.charts import png_data_uri
from foresight.text import column_name, count, labels, level_name, period_label, reject_reason, render, team_name

__all__ = ["render_html"]


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


def _in_store(first_ingest: Any, language: str) -> str:
    """The quality table's note on a file the store had already taken (its counts are that ingest's)."""
    if first_ingest is None or first_ingest is pd.NA or (isinstance(first_ingest, float) and np.isnan(first_ingest)):
        return ""
    return render("quality.in_store", language, ingest=int(first_ingest))


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
    ...     "start": [cfg.as_of], "end": [cfg.as_of], "expected": [4.0], "baseline": [1.0],
    ...     "reason": ["<5 cases from 2026-11-23 to 2026-11-23 against <5 normally"]})
    >>> none = pd.DataFrame()
    >>> result = ReportResult(config=cfg, as_of=cfg.as_of, prev_as_of=None, forecasts=none, flags=flags,
    ...     plan=none, risk=none, waves=none, surges=none, backcheck=none, backcheck_summary={}, rejects=none,
    ...     reads=none, names={"area": {"T1": "Town 1"}, "category": {"wage": "Unpaid wages"}, "theme": {},
    ...     "department": {}}, charts={}, notes={"surges": "ValueError: no data"}, run={})
    >>> page = render_html(result)
    >>> page.startswith("<!DOCTYPE html>"), "Town 1 (T1)" in page, '<td class="n">&lt;5</td>' in page
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

    def kind(value: Any) -> str:  # a merged flag's kinds, e.g. wave+surge, each in the language
        return " + ".join(t.get(f"kind_{v}", v) for v in str(value).split("+"))

    flags = result.flags
    flag_rows = []
    for r in _rows(flags, top):
        lo, hi = count(r.get("expected_lo"), k), count(r.get("expected_hi"), k)
        flag_rows.append({
            "rank": r.get("rank", ""), "id": r.get("id", ""), "area": area(r.get("area")),
            "category": cat(r.get("category")), "kind": kind(r.get("kind", "")),
            "window": f"{_date(r.get('start'))} – {_date(r.get('end'))}" if r.get("start") is not None else "",
            "expected": count(r.get("expected"), k), "interval": f"{lo}–{hi}" if lo and hi else "",
            "observed": count(r.get("observed"), k), "baseline": count(r.get("baseline"), k),
            "reason": str(r.get("reason", "")),  # rendered with the suppression by foresight.text
            "theme": nm["theme"].get(str(r.get("category")), r.get("theme", "")) or "",
        })
    plan_weeks: list[dict[str, Any]] = []
    if result.plan is not None and len(result.plan) and "week" in result.plan:
        plan_weeks_all = sorted(result.plan["week"].unique())
        for week, g in result.plan[result.plan["week"].isin(plan_weeks_all[:4])].groupby("week", sort=True):
            plan_weeks.append({"week": _date(week), "rows": [
                {"team": team_name(r.get("team", ""), cfg.language), "area": area(r.get("area")), "category": cat(r.get("category")),
                 "theme": nm["theme"].get(str(r.get("category")), "") or "",
                 "department": nm["department"].get(str(r.get("category")), "") or "",
                 "kind": kind(r.get("kind", ""))} for r in g.to_dict(orient="records")]})
    risk_rows = [{"area": area(r["area"]), "n_flags": int(r["n_flags"]), "risk_score": count(r["risk_score"]),
                  "recent": count(r["recent"], k), "forecast": count(r["forecast"], k),
                  "change": "" if pd.isna(r["change"]) else f"{r['change']:+.0%}"}
                 for r in _rows(result.risk, top)]
    surge_rows = [{"area": area(r["area"]), "category": cat(r["category"]), "period": _date(r["ds"]),
                   "observed": count(r["y"], k), "expected": count(r["expected"], k),
                   "threshold": count(r.get("threshold"), k)}
                  for r in _rows(result.surges, top)]
    wave_rows = []
    if result.waves is not None and len(result.waves):
        w = result.waves.sort_values("excess", ascending=False) if "excess" in result.waves else result.waves
        for r in _rows(w, top):
            wave_rows.append({"area": area(r["area"]), "category": cat(r["category"]),
                              "onset": period_label(int(r["onset"]), freq, language=cfg.language),
                              "end": period_label(int(r["end"]), freq, language=cfg.language),
                              "confidence": f"{int(r.get('recurred', 0))}/{int(r.get('years', 0))}"})
    defs = _definitions(cfg)
    bc = result.backcheck_summary or {}
    bc_rows = [{"id": r.get("id", r.get("rank", "")), "area": area(r["area"]), "category": cat(r["category"]),
                "kind": kind(r.get("kind", "")), "forecast": count(r.get("forecast"), k),
                "actual": count(r.get("actual"), k), "usual": count(r.get("usual"), k),
                "outcome": t.get(f"out_{r.get('outcome')}", str(r.get("outcome")))}
               for r in _rows(result.backcheck, top)]

    def pct(v: Any) -> str:
        return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0%}"

    lift = bc.get("lift")
    acting = level_name(cfg.level, cfg.language) or t["area"]
    bc_metrics = [(t[key], value, defs[key]) for key, value in (
        ("flags_due", str(bc.get("flags_due", 0))), ("hit_rate", pct(bc.get("hit_rate"))),
        ("base_rate", pct(bc.get("base_rate"))), ("lift", "–" if lift is None else f"{lift:.1f}×"),
        ("coverage", pct(bc.get("coverage_80"))), ("wape_level", pct(bc.get("wape_series"))),
        ("wape", pct(bc.get("wape_total"))))]
    bc_metrics = [(name.format(level=acting), value, note) for name, value, note in bc_metrics]
    bc_fallback = (render("backcheck.fallback", cfg.language, prev=_date(result.as_of - (
        pd.DateOffset(weeks=cfg.backcheck_periods) if freq == "W" else pd.DateOffset(months=cfg.backcheck_periods))),
        used=bc.get("prev_as_of", "")) if bc.get("fallback") else "")
    headline = _headline(result, t, flag_rows, k)
    reads = [{"source": _source(r.get("source", ""), t), "read": count(r.get("read")),
              "accepted": count(r.get("accepted")), "rejected": count(r.get("rejected")),
              "note": _in_store(r.get("first_ingest"), cfg.language)}
             for r in _rows(result.reads)]
    rejects = [{"source": r["source"], "column": column_name(r["column"], cfg.language), "reason": reject_reason(r["reason"], cfg.language),
                "rows": count(r["rows"])} for r in _rows(result.rejects, 15)]
    charts = {name: png_data_uri(png) for name, png in result.charts.items()}
    tpl = _env().get_template("report.html.j2")
    return tpl.render(
        t=t, lang=cfg.language, standalone=standalone,
        title=t["title_M"] if freq == "M" else t["title"], as_of=_date(result.as_of),
        generated=pd.Timestamp.now().strftime("%Y-%m-%d %H:%M"), horizon=cfg.horizon,
        period_word=t[f"periods_{freq}"], level=level_name(cfg.level, cfg.language), headline=headline,
        flags=flag_rows, plan=plan_weeks, risk=risk_rows, defs=defs, outlook=_outlook(result, area, cat),
        surges=surge_rows, waves=wave_rows, charts=charts, backcheck=bc_rows, bc_metrics=bc_metrics,
        bc_intro=t["backcheck_intro"].format(prev=bc.get("prev_as_of", "")) if bc.get("prev_as_of") else "",
        bc_none=bool(bc.get("none")), bc_fallback=bc_fallback,
        reads=reads, rejects=rejects, notes=result.notes, info=result.info, k=k,
        suppressed=t["suppressed"].format(k=k) if k > 0 else "",
        plan_more=(len(result.plan["week"].unique()) > 4) if (result.plan is not None and "week" in result.plan) else False,
    )


def _source(source: Any, t: dict[str, str]) -> str:
    """A source file's name without its folder; the total row in the language."""
    name = str(source).rsplit("/", 1)[-1]
    return t["source_total"] if name == "(total)" else name


def _definitions(cfg: Any) -> dict[str, str]:
    """What every figure on the page is, in the language: the column headings and notes that carry them."""
    lang, freq = cfg.language, cfg.freq
    n = RISK_WINDOW
    when = {"n": n, "units": render(f"units.{freq}", lang), "unit": render(f"unit.{freq}", lang),
            "per": render(f"per.{freq}", lang), "level": level_name(cfg.level, lang) or labels(lang)["area"]}
    weight = getattr(cfg.flag_settings, "escalation_weight", 3.0)
    out = {key: render(f"def.{key}", lang, weight=f"{weight:g}", **when) for key in (
        "n_flags", "risk_score", "recent", "forecast", "change", "window", "expected", "expected_range",
        "observed", "baseline", "flags_due", "hit_rate", "base_rate", "lift", "coverage", "wape_level", "wape",
        "bc_forecast", "bc_actual", "bc_usual", "surge_observed", "surge_expected", "threshold", "wave_window",
        "confidence", "rows_read", "rejected")}
    out.update({f"head_{key}": render(f"risk.{key}", lang, **when) for key in ("recent", "forecast", "change")})
    out["risk_note"] = render("risk.note", lang, **when)
    return out


def _outlook(result: Any, area: Any, cat: Any) -> list[dict[str, Any]]:
    """The seasonal outlook of the top section: the waves of ``result.extra["outlook"]`` that start
    within the preparation time their theme needs (``weeks_to_start <= prep_weeks``), soonest first.

    The frame is the seasonal outlook (one row per upcoming wave: ``area, category, start, expected,
    lower, upper, weeks_to_start, prep_weeks``); without it the section shows nothing.
    """
    frame = result.extra.get("outlook")
    if frame is None or len(frame) == 0:
        return []
    due = frame[frame["weeks_to_start"] <= frame["prep_weeks"]].sort_values(["start", "expected"],
                                                                           ascending=[True, False])
    k = int(result.config.suppress_below)
    rows = []
    for r in _rows(due):
        lo, hi = count(r.get("lower"), k), count(r.get("upper"), k)
        rows.append({"area": area(r.get("area")), "category": cat(r.get("category")), "start": _date(r.get("start")),
                     "expected": count(r.get("expected"), k), "interval": f"{lo}–{hi}" if lo and hi else "",
                     "lead": int(r["weeks_to_start"]), "prep": int(round(float(r["prep_weeks"])))})
    return rows


def _headline(result: Any, t: dict[str, str], flag_rows: list[dict[str, Any]], k: int) -> list[str]:
    """Three to five plain sentences: the top flags with their reasons, then the totals."""
    lang, freq = result.config.language, result.config.freq
    lines = [render("headline.flag", lang, area=r["area"], category=r["category"], reason=r["reason"])
             for r in flag_rows[:3]]
    tot = result.extra.get("total_forecast")
    if tot is not None and len(tot):
        n = 4 if freq == "W" else 1
        lines.append(render("headline.total", lang, k=k, n=n, units=render(f"units.{freq}", lang),
                            total=float(tot.sort_values("ds")["mean"].head(n).sum())))
    lines.append(render("headline.counts", lang, flags=len(result.flags),
                        surges=len(result.surges) if result.surges is not None else 0,
                        visits=len(result.plan) if result.plan is not None else 0))
    if not flag_rows:
        lines.insert(0, t["no_flags"])
    return lines
