"""The report pipeline: cases -> panel -> forecasts -> waves, surges, flags -> outreach plan (pure layer)."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from foresight._io import sha256_file
from foresight.errors import ConfigError, DataError
from foresight.report import charts
from foresight.report._backcheck import backcheck
from foresight.report._text import labels
from foresight.report.config import ReportConfig

__all__ = ["ReportResult", "ReportStepWarning", "build_report"]

T = TypeVar("T")
QUANTILES = (0.1, 0.5, 0.9)
_VERSIONS = ("foresight", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2", "duckdb",
             "openpyxl", "pyarrow", "chinesecalendar", "holidays")


class ReportStepWarning(UserWarning):
    """A step of the report (waves, surges, flags, plan, back-check) failed; the report was written without it.

    The step and the error are in the message and in :attr:`ReportResult.notes`; ``foresight report``
    prints it and exits with code 1.
    """


@dataclass(eq=False)
class ReportResult:
    """Everything the report shows, as frames; render with :func:`foresight.report.render_html` and
    write with :func:`foresight.report.write_outputs`.

    Attributes
    ----------
    config : ReportConfig
        What was asked (calendar, area level and back-check included).
    as_of : pandas.Timestamp
        First forecast period; the data end just before it.
    prev_as_of : pandas.Timestamp or None
        Date the earlier flags were re-run at (the back-check), or None when it is off.
    forecasts : DataFrame
        ``area, category, ds, mean, p10, p50, p90, model, note`` for every series.
    flags, plan, risk, waves, surges, backcheck : DataFrame
        The report's tables (``flags`` ranked, with ``reason``); empty frames when a step failed
        (see ``notes``) or was not asked for (no teams: no plan; ``backcheck = 0``).
    backcheck_summary : dict
        Hit rate, rise rate of unflagged series, interval coverage and WAPE of the back-check.
    rejects : DataFrame
        Rejected rows counted by ``source, column, reason`` (no row values).
    reads : DataFrame
        Rows ``read, accepted, rejected`` per source and in total.
    names : dict of str to dict
        Display names: ``area``, ``category``, ``theme`` and ``department`` by code.
    charts : dict of str to bytes
        PNG images by name.
    notes : dict of str to str
        Steps that failed, with the error (empty when every step ran). A report with notes is
        incomplete: ``foresight report`` exits with code 1.
    run : dict
        Inputs with sha256, row counts, versions, timings per step, as_of, seed and ``notes``
        (``run.json``).
    info : dict of str to str
        Remarks that are not failures: the data end early, no CJK font, outreach not configured.
    extra : dict
        ``category_forecasts`` and ``total_forecast`` (district-wide forecasts for the charts).

    Examples
    --------
    ``build_report`` makes one; a bare one by hand:

    >>> none = pd.DataFrame()
    >>> res = ReportResult(config=ReportConfig(store=Path("cases.duckdb")), as_of=pd.Timestamp("2026-11-23"),
    ...     prev_as_of=None, forecasts=none, flags=none, plan=none, risk=none, waves=none, surges=none,
    ...     backcheck=none, backcheck_summary={}, rejects=none, reads=none, names={}, charts={}, notes={},
    ...     run={})
    >>> res
    ReportResult(as_of=2026-11-23, freq='W', 0 flags, 0 planned visits, 0 surges, 0 waves)
    """

    config: ReportConfig
    as_of: pd.Timestamp
    prev_as_of: pd.Timestamp | None
    forecasts: pd.DataFrame
    flags: pd.DataFrame
    plan: pd.DataFrame
    risk: pd.DataFrame
    waves: pd.DataFrame
    surges: pd.DataFrame
    backcheck: pd.DataFrame
    backcheck_summary: dict[str, Any]
    rejects: pd.DataFrame
    reads: pd.DataFrame
    names: dict[str, dict[str, str]]
    charts: dict[str, bytes]
    notes: dict[str, str]
    run: dict[str, Any]
    info: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"ReportResult(as_of={self.as_of.date()}, freq={self.config.freq!r}, {len(self.flags)} flags, "
                f"{len(self.plan)} planned visits, {len(self.surges)} surges, {len(self.waves)} waves)")

    def _repr_html_(self) -> str:
        from foresight.report.render import render_html

        return render_html(self, standalone=False)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONS:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def _names(config: ReportConfig, language: str) -> dict[str, dict[str, str]]:
    """Display names and outreach themes from the area and category tables (codes when absent)."""
    out: dict[str, dict[str, str]] = {"area": {}, "category": {}, "theme": {}, "department": {}}
    if config.areas is not None:
        a = pd.read_csv(config.areas, dtype=str, keep_default_na=False)
        if {"code", "name"} <= set(a.columns):
            out["area"] = dict(zip(a["code"], a["name"]))
    if config.categories is not None:
        c = pd.read_csv(config.categories, dtype=str, keep_default_na=False)
        col = "name_zh" if language == "zh" else "name_en"
        if "code" in c.columns:
            for key, src in (("category", col), ("theme", "theme"), ("department", "department")):
                if src in c.columns:
                    out[key] = dict(zip(c["code"], c[src]))
    out["category"].setdefault("other", "其他" if language == "zh" else "Other")
    return out


class _Steps:
    """Runs named steps with timing and a tqdm bar; a failing optional step is recorded, warned and skipped."""

    def __init__(self, names: list[str], progress: bool) -> None:
        from tqdm.auto import tqdm

        self.timings: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        self.bar = tqdm(total=len(names), desc="report", unit="step", disable=not progress, leave=False)

    def __call__(self, name: str, func: Callable[[], T], *, optional: bool = False, default: Any = None) -> T:
        self.bar.set_description(f"report: {name}")
        t0 = time.perf_counter()
        try:
            return func()
        except Exception as exc:  # an optional step must not sink the weekly report, nor fail silently
            if not optional:
                raise
            self.notes[name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"report step {name!r} failed and is left out of the report: "
                          f"{type(exc).__name__}: {exc}", ReportStepWarning, stacklevel=3)
            return default
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _read(config: ReportConfig, *, progress: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cases, rejects and the per-source row counts, through the store when one is configured."""
    from functools import partial

    from foresight.ingest import read_cases

    reader = partial(read_cases, mapping=config.mapping, areas=config.areas, categories=config.categories)
    if config.store is None:
        res = reader(list(config.cases), progress=progress and len(config.cases) > 1)
        return res.cases, res.rejects, res.summary()
    from foresight.store import CaseStore

    with CaseStore(config.store) as store:
        records = [store.ingest_file(p, reader) for p in config.cases]
        cases = store.cases()
        rejects = store.rejects()
        log = store.ingest_log()
    if records:
        reads = pd.DataFrame([{"source": ", ".join(s.source for s in r.sources), "read": r.rows_read,
                               "accepted": r.accepted, "rejected": r.rejected, "skipped": r.skipped}
                              for r in records])
    else:
        reads = log[["sources", "rows_read", "accepted", "rejected"]].rename(
            columns={"sources": "source", "rows_read": "read"})
    return cases, rejects, reads


def _reject_summary(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by source, column and kind of reason (values left out)."""
    if rejects is None or rejects.empty:
        return pd.DataFrame({"source": [], "column": [], "reason": [], "rows": []})
    kind = rejects["reason"].astype(str).str.split(";").str[0].str.split(":").str[0].str.strip()
    src = rejects["source"].astype(str).map(lambda s: Path(s).name)
    return (pd.DataFrame({"source": src, "column": rejects["column"].astype(str), "reason": kind})
            .groupby(["source", "column", "reason"], sort=False).size().rename("rows").reset_index()
            .sort_values("rows", ascending=False, ignore_index=True))


def _default_as_of(cases: pd.DataFrame, freq: str) -> pd.Timestamp:
    last = pd.Timestamp(cases["received"].max()).normalize() + pd.Timedelta(days=1)
    return last.replace(day=1) if freq == "M" else last - pd.Timedelta(days=int(last.dayofweek))


def _cases_at_level(cases: pd.DataFrame, config: ReportConfig) -> pd.DataFrame:
    """The cases with ``area`` moved up to ``config.level`` (areas without an ancestor there keep theirs)."""
    if config.level is None or config.areas is None:
        return cases
    from foresight.areas import load_areas

    return cases.assign(area=load_areas(config.areas).lift(cases["area"], config.level))


def _flags_step(panel: pd.DataFrame, fc: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig,
                taxonomy: pd.DataFrame | None, cases: pd.DataFrame) -> pd.DataFrame:
    """:func:`foresight.warning.flags` on the report's panel and forecasts (window as ``window_start/end``)."""
    from foresight.warning import flags

    out = flags(panel, as_of, config.horizon, categories=taxonomy, cases=cases, forecasts=fc,
                language=config.language, freq=config.freq, country=config.country, subdiv=config.subdiv,
                seed=config.seed)
    return out.rename(columns={"start": "window_start", "end": "window_end"})


def _plan_step(flags: pd.DataFrame, *, as_of: pd.Timestamp, config: ReportConfig) -> pd.DataFrame:
    """:func:`foresight.warning.plan_outreach` over the horizon, from the Monday on or after ``as_of``."""
    from foresight.warning import plan_outreach

    start = as_of + pd.Timedelta(days=(7 - as_of.dayofweek) % 7)  # a Monday (monthly as_of may not be)
    weeks = config.horizon if config.freq == "W" else min(26, int(np.ceil(config.horizon * 4.35)))
    fl = flags.rename(columns={"window_start": "start", "window_end": "end"})
    return plan_outreach(fl, teams=config.teams, capacity_per_week=max(1, int(round(config.capacity_per_week))),
                         start=start, weeks=weeks)


def _risk(panel: pd.DataFrame, fc: pd.DataFrame, flags: pd.DataFrame, *, as_of: pd.Timestamp,
          freq: str, window: int = 4) -> pd.DataFrame:
    """Areas ranked by the extra cases their flags expect, then by the forecast change."""
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


def build_report(config: ReportConfig, *, cases: pd.DataFrame | None = None,
                 progress: bool = False) -> ReportResult:
    """Run the whole weekly (or monthly) analysis and collect what the report shows.

    A failing waves, surges, flags, plan or back-check step does not stop the report: the step is left
    out, a :class:`ReportStepWarning` is issued and the error is kept in ``ReportResult.notes`` (and in
    ``run.json``). Reading, the panel, the forecasts and the charts must succeed.

    Parameters
    ----------
    config : ReportConfig
        From :func:`foresight.report.load_config` (or ``report_config_from_dict``): inputs, horizon,
        calendar (``country``, ``subdiv``), area ``level``, teams and back-check.
    cases : DataFrame, optional
        Canonical cases to use instead of reading ``config.cases``/``config.store`` (for notebooks).
    progress : bool, default False
        Show a tqdm progress bar over the steps.

    Returns
    -------
    ReportResult

    Raises
    ------
    DataError
        The exports cannot be read, or hold no usable case before ``as_of``.
    ConfigError
        A setting does not fit the data (e.g. ``level`` without an area table).

    Warns
    -----
    ReportStepWarning
        A step failed and is left out of the report.

    Examples
    --------
    >>> import tempfile
    >>> from foresight.synth import generate_district
    >>> from foresight.report.config import report_config_from_dict
    >>> d = generate_district(seed=3, start="2022-01-03", end="2024-06-30", scale=0.05)
    >>> cfg = report_config_from_dict({"store": "unused.duckdb", "as_of": "2024-07-01", "horizon": 4,
    ...                                "teams": 2, "capacity_per_week": 1, "backcheck": 0},
    ...                               check_files=False, base_dir=tempfile.mkdtemp())
    >>> res = build_report(cfg, cases=d.cases)
    >>> res.as_of.date().isoformat(), res.forecasts["ds"].min().date().isoformat(), res.notes
    ('2024-07-01', '2024-07-01', {})
    """
    from foresight.forecasting import forecast
    from foresight.panel import ALL, rollup, to_panel
    from foresight.report.fonts import use_cjk_font

    freq, lang = config.freq, config.language
    labels(lang)
    if config.level is not None and config.areas is None:
        raise ConfigError(f"level = {config.level!r} needs the area table: set 'areas' in the config.")
    back = config.backcheck_periods
    t_start = time.perf_counter()
    steps = _Steps(["read", "panel", "forecast", "waves", "surges", "flags", "plan", "backcheck", "charts"],
                   progress)
    info: dict[str, str] = {}
    fc_kw = dict(quantiles=QUANTILES, freq=freq, country=config.country, subdiv=config.subdiv, seed=config.seed)
    try:
        if cases is None:
            cases, rejects, reads = steps("read", lambda: _read(config, progress=progress))
        else:
            rejects = pd.DataFrame(columns=["source", "source_row", "column", "value", "reason"])
            reads = pd.DataFrame([{"source": "(frame)", "read": len(cases), "accepted": len(cases), "rejected": 0}])
        if cases.empty:
            raise DataError("no case was accepted from the exports; see the rejects (foresight ingest) and "
                            "check the mapping.")
        as_of = pd.Timestamp(config.as_of) if config.as_of is not None else _default_as_of(cases, freq)
        level_kw = {"level": config.level, "areas": config.areas} if config.level else {}
        panel = steps("panel", lambda: to_panel(cases, freq=freq, as_of=as_of, **level_kw))
        if panel.empty or not (panel["ds"] < as_of).any():
            raise DataError(f"no case before as_of {as_of.date()}; set as_of later or check the exports' dates.")
        panel.attrs["country"] = config.country

        def run_forecasts(p: pd.DataFrame):
            fc = forecast(p, config.horizon, **fc_kw)
            cat_p = rollup(p, over=("area",))
            tot_p = rollup(p, over=("area", "category"))
            return fc, cat_p, forecast(cat_p, config.horizon, **fc_kw), tot_p, forecast(tot_p, config.horizon, **fc_kw)

        fc, cat_p, cat_fc, tot_p, tot_fc = steps("forecast", lambda: run_forecasts(panel))
        names = _names(config, lang)
        taxonomy = (pd.read_csv(config.categories, dtype=str, keep_default_na=False)
                    if config.categories is not None else None)
        level_cases = _cases_at_level(cases, config)
        from foresight import warning

        empty = pd.DataFrame()
        wv = steps("waves", lambda: warning.waves(panel, freq=freq, as_of=as_of), optional=True, default=empty)
        sg = steps("surges", lambda: warning.surges(panel, as_of, freq=freq), optional=True, default=empty)
        flags = steps("flags", lambda: _flags_step(panel, fc, as_of=as_of, config=config, taxonomy=taxonomy,
                                                   cases=level_cases), optional=True, default=empty)
        if config.teams is None or config.capacity_per_week is None:
            plan = empty
            info["plan"] = ("没有安排驻点：在配置中设置 teams 和 capacity_per_week 即可生成驻点计划。" if lang == "zh"
                            else "outreach is not planned: set 'teams' and 'capacity_per_week' in the config.")
        elif "flags" in steps.notes:
            plan = empty  # no flags to plan from: the failure is already noted
        else:
            plan = steps("plan", lambda: _plan_step(flags, as_of=as_of, config=config), optional=True,
                         default=empty)
        prev_as_of = None
        bc, bc_sum = empty, {}
        if back > 0:
            prev_as_of = as_of - (pd.DateOffset(weeks=back) if freq == "W" else pd.DateOffset(months=back))

            def run_backcheck():
                p0 = panel[panel["ds"] < prev_as_of].reset_index(drop=True)
                p0.attrs.update(panel.attrs)
                p0.attrs["as_of"] = prev_as_of
                fc0 = forecast(p0, config.horizon, **fc_kw)
                f0 = _flags_step(p0, fc0, as_of=prev_as_of, config=config, taxonomy=taxonomy,
                                 cases=level_cases[level_cases["received"] < prev_as_of])
                return backcheck(panel, f0, fc0, prev_as_of=prev_as_of, as_of=as_of, freq=freq)

            bc, bc_sum = steps("backcheck", run_backcheck, optional=True, default=(empty, {}))
        risk = _risk(panel, fc, flags, as_of=as_of, freq=freq)
        last = pd.Timestamp(cases["received"].max()).normalize()
        gap = (as_of - last).days - 1
        if gap >= (7 if freq == "W" else 31):
            info["data_end"] = (
                f"最后一件的登记日期是 {last.date()}，比 {as_of.date()} 早 {gap} 天：最近的周期可能还没导出，件数偏低。"
                if lang == "zh" else
                f"the last case was received on {last.date()}, {gap} days before {as_of.date()}: the latest "
                "periods may not be exported yet and look too low.")

        def draw():
            font = use_cjk_font()
            if font is None and lang == "zh":
                info["font"] = ("没有找到中文字体，图中的中文可能显示为方框。请安装 fonts-wqy-microhei"
                                "（sudo apt-get install fonts-wqy-microhei）后重新生成。")
            cat_names = names["category"]
            out = {"total": charts.total_chart(tot_p[["ds", "y"]], tot_fc, as_of=as_of, language=lang)}
            recent = cat_p[cat_p["ds"] >= as_of - pd.DateOffset(years=1)]
            vol = recent.groupby("category")["y"].sum().sort_values(ascending=False)
            flagged = list(dict.fromkeys(flags["category"])) if len(flags) and "category" in flags else []
            top = list(dict.fromkeys([*flagged[:3], *vol.index]))[:6]
            out["trends"] = charts.trend_chart(cat_p, cat_fc, categories=top, names=cat_names, as_of=as_of,
                                               language=lang)
            if len(wv):
                cats = list(dict.fromkeys(wv.groupby("category").size().sort_values(ascending=False).index))[:10]
                out["waves"] = charts.wave_calendar_chart(wv, categories=cats, names=cat_names, as_of=as_of,
                                                          freq=freq, language=lang)
            return out, font

        chart_pngs, font = steps("charts", draw)
    finally:
        steps.close()
    timings = dict(steps.timings, total=round(time.perf_counter() - t_start, 3))
    inputs = []
    for kind, paths in (("export", list(config.cases)), ("mapping", [config.mapping]), ("areas", [config.areas]),
                        ("categories", [config.categories]), ("config", [config.source])):
        for p in paths:
            if p is not None and Path(p).is_file():
                inputs.append({"kind": kind, "path": str(p), "sha256": sha256_file(p),
                               "bytes": Path(p).stat().st_size})
    run = {
        "as_of": as_of.date().isoformat(), "freq": freq, "horizon": config.horizon, "seed": config.seed,
        "language": lang, "country": config.country, "subdiv": config.subdiv, "level": config.level,
        "backcheck_as_of": prev_as_of.date().isoformat() if prev_as_of is not None else None,
        "config": config.to_dict(), "inputs": inputs,
        "rows": {"reads": reads.to_dict(orient="records"), "cases": int(len(cases)),
                 "rejected": int(len(rejects)), "panel_rows": int(len(panel)),
                 "series": int(panel.groupby(["area", "category"], observed=True).ngroups),
                 "forecast_rows": int(len(fc)), "flags": int(len(flags)), "plan_rows": int(len(plan))},
        "versions": _versions(), "timings_s": timings, "font": font,
        "notes": dict(steps.notes), "info": dict(info),
        "argv": list(sys.argv[1:]),
    }
    fc_out = fc.assign(ds=pd.to_datetime(fc["ds"]))
    cat_all = cat_fc.assign(area=ALL)
    return ReportResult(
        config=config, as_of=as_of, prev_as_of=prev_as_of, forecasts=fc_out, flags=flags, plan=plan,
        risk=risk, waves=wv, surges=sg, backcheck=bc, backcheck_summary=bc_sum,
        rejects=_reject_summary(rejects), reads=reads, names=names, charts=chart_pngs,
        notes=dict(steps.notes), run=run, info=info,
        extra={"category_forecasts": cat_all, "total_forecast": tot_fc},
    )
