"""The report's analysis steps after the forecast: flags, plan, risk ranking, back-check, charts (internal).

Each combines results computed once per run (the forecast, the waves, the surges); none re-fits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from foresight.matrix import SeriesMatrix, to_matrix
from foresight.report import charts
from foresight.report._backcheck import backcheck
from foresight.report.config import ReportConfig

__all__ = ["RISK_WINDOW", "backcheck_step", "draw_charts", "flags_step", "outlook_step", "plan_step", "risk",
           "warning_matrix"]

#: Periods before and after the as-of date the risk ranking compares (its recent, forecast and change).
RISK_WINDOW = 4


def warning_matrix(panel: pd.DataFrame, *, freq: str, as_of: pd.Timestamp) -> Callable[[], SeriesMatrix]:
    """The series matrix before ``as_of`` that waves and surges share: built on the first call, then the same.

    Built inside whichever step asks first, so a panel it cannot pivot fails that (optional) step
    as it would on its own.
    """
    return functools.cache(functools.partial(to_matrix, panel, freq, before=as_of, gaps="missing"))


def flags_step(panel: pd.DataFrame, fc: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig,
                taxonomy: pd.DataFrame | None, cases: pd.DataFrame, waves: pd.DataFrame,
                surges: pd.DataFrame) -> pd.DataFrame:
    """:func:`foresight.warning.flags` combining this run's forecasts, waves and surges (nothing refitted)."""
    from foresight.warning import flags

    return flags(panel, as_of, config.horizon, settings=config.flag_settings, categories=taxonomy,
                 areas=config.areas, cases=cases, forecasts=fc, waves=waves, surges=surges,
                 language=config.language, suppress_below=config.suppress_below, freq=config.freq,
                 country=config.country, subdiv=config.subdiv, seed=config.seed)


def outlook_step(panel: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig,
                 taxonomy: pd.DataFrame | None, waves: pd.DataFrame) -> pd.DataFrame:
    """:func:`foresight.warning.seasonal_outlook` over the coming year, from this run's waves (nothing refitted).

    The taxonomy's ``prep_weeks`` sets each theme's preparation time; the report shows the waves due within it.
    """
    from foresight.warning import seasonal_outlook

    return seasonal_outlook(panel, as_of, categories=taxonomy, waves=waves, freq=config.freq)


def plan_step(flags: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig) -> pd.DataFrame:
    """:func:`foresight.warning.plan_outreach` over the horizon, from the Monday on or after ``as_of``."""
    from foresight.warning import plan_outreach

    start = as_of + pd.Timedelta(days=(7 - as_of.day_of_week) % 7)  # a Monday (monthly as_of may not be)
    weeks = config.horizon if config.freq == "W" else min(26, int(np.ceil(config.horizon * 4.35)))
    return plan_outreach(flags, teams=config.teams, capacity_per_week=max(1, int(round(config.capacity_per_week))),
                         start=start, weeks=weeks)


def risk(panel: pd.DataFrame, fc: pd.DataFrame, flags: pd.DataFrame, *, as_of: pd.Timestamp,
          freq: str, window: int = RISK_WINDOW) -> pd.DataFrame:
    """Areas ranked by the extra cases their flags expect, then by the forecast change.

    ``recent`` is the area's count (all categories) in the ``window`` periods before ``as_of``,
    ``forecast`` its forecast over the ``window`` periods from ``as_of``, ``change`` the second over the
    first minus one; ``risk_score`` is the sum of the area's flags' ``score``.
    """
    step = pd.DateOffset(weeks=window) if freq == "W" else pd.DateOffset(months=window)
    recent = panel[panel["ds"] >= as_of - step].groupby("area", observed=True)["y"].sum().rename("recent")
    ahead = fc[fc["ds"] < as_of + step].groupby("area", observed=True)["mean"].sum().rename("forecast")
    out = pd.concat([recent, ahead], axis=1).fillna(0.0)
    if flags is not None and len(flags) and {"area"} <= set(flags.columns):
        score_col = "score" if "score" in flags.columns else None
        g = flags.groupby("area", observed=True)
        out = out.join(g.size().rename("n_flags"), how="left")
        out = out.join(g[score_col].sum().rename("risk_score") if score_col else g.size().rename("risk_score"),
                       how="left")
    else:
        out["n_flags"], out["risk_score"] = 0, 0.0
    out = out.fillna({"n_flags": 0, "risk_score": 0.0})
    out["n_flags"] = out["n_flags"].astype(int)
    out["change"] = np.where(out["recent"] > 0, out["forecast"] / out["recent"].where(out["recent"] > 0) - 1, np.nan)
    out = out.reset_index().rename(columns={"index": "area"})
    return out.sort_values(["risk_score", "forecast"], ascending=False, ignore_index=True)


def backcheck_step(panel: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig) -> tuple[pd.DataFrame, dict]:
    """Score the flags an earlier run recorded (store, else the dated folders) against the counts since."""
    from foresight.report.history import find_run

    run, fallback = find_run(as_of=as_of, periods=config.backcheck_periods, freq=config.freq, store=config.store,
                             out_dir=config.out_dir)
    if run is None:
        return pd.DataFrame(), {"none": True}
    out, summary = backcheck(panel, run.flags, run.forecasts, prev_as_of=run.as_of, as_of=as_of, freq=config.freq)
    summary.update(source=run.source, fallback=fallback)
    return out, summary


def draw_charts(*, tot_p: pd.DataFrame, tot_fc: pd.DataFrame, cat_p: pd.DataFrame, cat_fc: pd.DataFrame,
                waves: pd.DataFrame, flags: pd.DataFrame, names: dict[str, str], as_of: pd.Timestamp, freq: str,
                language: str) -> dict[str, bytes]:
    """The report's PNG charts: the district total, the category trends (flagged first), the wave calendar."""
    out = {"total": charts.total_chart(tot_p[["ds", "y"]], tot_fc, as_of=as_of, language=language)}
    recent = cat_p[cat_p["ds"] >= as_of - pd.DateOffset(years=1)]
    vol = recent.groupby("category")["y"].sum().sort_values(ascending=False)
    flagged = list(dict.fromkeys(flags["category"])) if len(flags) and "category" in flags else []
    top = list(dict.fromkeys([*flagged[:3], *vol.index]))[:6]
    out["trends"] = charts.trend_chart(cat_p, cat_fc, categories=top, names=names, as_of=as_of, language=language)
    if len(waves):
        cats = list(dict.fromkeys(waves.groupby("category").size().sort_values(ascending=False).index))[:10]
        out["waves"] = charts.wave_calendar_chart(waves, categories=cats, names=names, as_of=as_of, freq=freq,
                                                  language=language)
    return out
