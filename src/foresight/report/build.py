"""The report pipeline: cases -> panel -> forecasts -> waves, surges, flags -> outreach plan (pure layer)."""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from foresight.errors import ConfigError, DataError
from foresight.report._inputs import (cases_at_level, input_files, names_of, read_inputs, reject_summary,
                                      versions)
from foresight.report._cluster import run_on_cluster
from foresight.report._steps import (backcheck_step, draw_charts, flags_step, outlook_step, plan_step,
                                     warning_matrix)
from foresight.report._steps import risk as rank_risk
from foresight.report.config import ReportConfig
from foresight.text import labels, render

__all__ = ["ReportResult", "ReportStepWarning", "build_report"]

T = TypeVar("T")
QUANTILES = (0.1, 0.5, 0.9)


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
        ``as_of`` of the earlier run whose recorded flags the back-check scores, or None when it is off
        or no earlier run was recorded.
    forecasts : DataFrame
        ``area, category, ds, mean, p10, p50, p90, model, note`` for every series.
    flags, plan, risk, waves, surges, backcheck : DataFrame
        The report's tables (``flags`` ranked, with ``reason``); empty frames when a step failed
        (see ``notes``) or was not asked for (no teams: no plan; ``backcheck = 0``).
    backcheck_summary : dict
        Flags due, hit rate, base rate (unflagged series that rose), lift, interval coverage, WAPE of
        the area x category series and of the total; ``{"none": True}`` when no earlier run was recorded.
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
        ``hierarchy`` (the one coherent forecast of every level, :func:`foresight.forecast_hierarchy`),
        and from it ``category_forecasts`` and ``total_forecast`` (for the charts); ``outlook``, when
        present, the seasonal outlook (``area, category, start, expected, lower, upper,
        weeks_to_start, prep_weeks``), whose waves due within their preparation time the top section
        shows.

    Examples
    --------
    ``build_report`` makes one; a bare one by hand:

    >>> from pathlib import Path
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


def _forecast(panel: pd.DataFrame, config: ReportConfig) -> pd.DataFrame:
    """The one coherent forecast of every level (area x category, categories, areas, total).

    The default model runs once, so each total on the page is the sum of its parts; ``attrs["fits"]``
    counts the model fits of the run for ``run.json``.
    """
    from foresight.forecasting import forecast_hierarchy

    hier = forecast_hierarchy(panel, config.horizon, quantiles=QUANTILES, freq=config.freq, country=config.country,
                              subdiv=config.subdiv)
    hier["ds"] = pd.to_datetime(hier["ds"])
    hier.attrs["fits"] = 1
    return hier


def _run_record(config: ReportConfig, *, as_of: pd.Timestamp, prev_as_of: pd.Timestamp | None, cases: pd.DataFrame,
                rejects: pd.DataFrame, reads: pd.DataFrame, panel: pd.DataFrame, counts: dict[str, int], fits: int,
                backcheck: dict, timings: dict, font: str | None, notes: dict, info: dict) -> dict[str, Any]:
    """``run.json``: what was asked, read and computed, with versions and timings."""
    return {
        "as_of": as_of.date().isoformat(), "freq": config.freq, "horizon": config.horizon, "seed": config.seed,
        "language": config.language, "country": config.country, "subdiv": config.subdiv, "level": config.level,
        "backcheck_as_of": prev_as_of.date().isoformat() if prev_as_of is not None else None,
        "config": config.to_dict(), "inputs": input_files(config),
        "rows": {"reads": reads.to_dict(orient="records"), "cases": int(len(cases)),
                 "rejected": int(len(rejects)), "panel_rows": int(len(panel)),
                 "series": int(panel.groupby(["area", "category"], observed=True).ngroups),
                 **{k: int(v) for k, v in counts.items()}},
        "model_fits": int(fits),  # the back-check reads the earlier run's record: it fits nothing
        "backcheck": {k: v for k, v in backcheck.items() if k in ("prev_as_of", "source", "fallback", "flags_due",
                                                                   "none")},
        "versions": versions(), "timings_s": timings, "font": font, "notes": dict(notes), "info": dict(info),
        "argv": list(sys.argv[1:]),
    }


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
        Show a tqdm progress bar over the steps (and over the partitions on a cluster).

    Returns
    -------
    ReportResult

    Raises
    ------
    DataError
        The exports cannot be read, or hold no usable case before ``as_of``.
    ConfigError
        A setting does not fit the data (e.g. ``level`` without an area table).
    ClusterError
        ``config.cluster`` names a scheduler that cannot be reached (raised before anything is read).
    PartitionError
        On a cluster, a top-level area's forecast, waves, surges or flags failed after its retries; the
        error names the area and nothing is returned.

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
    from foresight.panel import ALL, rollup, to_panel
    from foresight.fonts import use_cjk_font
    from foresight.warning import surges as find_surges
    from foresight.warning import waves as find_waves

    freq, lang = config.freq, config.language
    labels(lang)
    if config.level is not None and config.areas is None:
        raise ConfigError(f"level = {config.level!r} needs the area table: set 'areas' in the config.")
    back = config.backcheck_periods
    settings = config.flag_settings
    t_start = time.perf_counter()
    client = None
    if config.cluster is not None:  # before any work: an unreachable scheduler is named at once
        from foresight.distributed import connect

        client = connect(config.cluster)
    per_series = ["forecast", "waves", "outlook", "surges", "flags"] if client is None else ["cluster", "outlook"]
    steps = _Steps(["read", "panel", *per_series, "plan", "backcheck", "charts"], progress)
    info: dict[str, str] = {}
    part = None
    try:
        if cases is None:
            cases, rejects, reads = steps("read", lambda: read_inputs(config, progress=progress))
        else:
            rejects = pd.DataFrame(columns=["source", "source_row", "column", "value", "reason"])
            reads = pd.DataFrame([{"source": "(frame)", "read": len(cases), "accepted": len(cases), "rejected": 0}])
        if cases.empty:
            raise DataError("no case was accepted from the exports; see the rejects (foresight ingest) and "
                            "check the mapping.")
        as_of = pd.Timestamp(config.as_of)
        level_kw = {"level": config.level, "areas": config.areas} if config.level else {}
        panel = steps("panel", lambda: to_panel(cases, freq=freq, as_of=as_of, **level_kw))
        if panel.empty or not (panel["ds"] < as_of).any():
            raise DataError(f"no case before as_of {as_of.date()}; set as_of later or check the exports' dates.")
        panel.attrs["country"] = config.country
        taxonomy = (pd.read_csv(config.categories, dtype=str, keep_default_na=False)
                    if config.categories is not None else None)
        if client is not None:  # forecast, waves, surges, flags: one task per top-level area on the cluster
            part = steps("cluster", lambda: run_on_cluster(panel, cases, config, taxonomy=taxonomy, client=client,
                                                           quantiles=QUANTILES, progress=progress))
        # the default model runs once: every level (area x category, categories, areas, total) comes
        # from the same coherent fit, so each total on the page is the sum of its parts
        hier = part.hierarchy if part is not None else steps("forecast", lambda: _forecast(panel, config))
        fc, cat_fc, tot_fc = (hier[hier["level"] == lv].drop(columns="level").reset_index(drop=True)
                              for lv in ("area x category", "category", "total"))
        cat_p = rollup(panel, over=("area",))
        tot_p = rollup(panel, over=("area", "category"))
        names = names_of(config, lang)
        level_cases = cases_at_level(cases, config)

        empty = pd.DataFrame()
        # waves and surges are found once, with the one set of settings, and passed into the flags;
        # they share one series matrix, built by the first of them to run
        grid = warning_matrix(panel, freq=freq, as_of=as_of)
        wv = part.waves if part is not None else steps(
            "waves", lambda: find_waves(panel, freq=freq, as_of=as_of, matrix=grid(), **settings.waves.kwargs()),
            optional=True, default=empty)
        outlook = steps("outlook", lambda: outlook_step(panel, as_of=as_of, config=config, taxonomy=taxonomy,
                                                        waves=wv), optional=True, default=empty)
        if part is not None:
            sg, flags = part.surges, part.flags
        else:
            sg = steps("surges", lambda: find_surges(panel, as_of, freq=freq, matrix=grid(),
                                                     **settings.surges.kwargs()),
                       optional=True, default=empty)
            flags = steps("flags", lambda: flags_step(panel, fc, as_of=as_of, config=config, taxonomy=taxonomy,
                                                       cases=level_cases, waves=wv, surges=sg),
                          optional=True, default=empty)
        learn = getattr(flags, "attrs", {}).get("wave_model", {})
        if "text" in learn:  # how the wave probabilities were learned, or why the rule was used instead
            info["wave_model"] = learn["text"]
        if config.teams is None or config.capacity_per_week is None:
            plan = empty
            info["plan"] = render("info.plan", lang)
        elif "flags" in steps.notes:
            plan = empty  # no flags to plan from: the failure is already noted
        else:
            plan = steps("plan", lambda: plan_step(flags, as_of=as_of, config=config), optional=True,
                         default=empty)
        prev_as_of = None
        bc, bc_sum = empty, {}
        if back > 0:
            bc, bc_sum = steps("backcheck", lambda: backcheck_step(panel, as_of=as_of, config=config),
                               optional=True, default=(empty, {}))
            if bc_sum.get("prev_as_of"):
                prev_as_of = pd.Timestamp(bc_sum["prev_as_of"])
        risk = rank_risk(panel, fc, flags, as_of=as_of, freq=freq)
        last = pd.Timestamp(cases["received"].max()).normalize()
        gap = (as_of - last).days - 1
        if gap >= (7 if freq == "W" else 31):
            info["data_end"] = render("data_end", lang, last=last.date(), as_of=as_of.date(), gap=gap)

        def draw() -> tuple[dict[str, bytes], str | None]:
            font = use_cjk_font()
            if font is None and lang == "zh":
                info["font"] = render("info.font", lang)
            return draw_charts(tot_p=tot_p, tot_fc=tot_fc, cat_p=cat_p, cat_fc=cat_fc, waves=wv, flags=flags,
                               names=names["category"], as_of=as_of, freq=freq, language=lang), font

        chart_pngs, font = steps("charts", draw)
    finally:
        steps.close()
        if client is not None:
            client.close()
    timings = dict(steps.timings, total=round(time.perf_counter() - t_start, 3))
    if part is not None:
        timings["partitions"] = dict(part.timings, count=len(part.partitions))
    run = _run_record(config, as_of=as_of, prev_as_of=prev_as_of, cases=cases, rejects=rejects, reads=reads,
                      panel=panel, counts={"forecast_rows": len(fc), "flags": len(flags), "plan_rows": len(plan)},
                      fits=hier.attrs["fits"], backcheck=bc_sum, timings=timings, font=font, notes=steps.notes,
                      info=info)
    cat_all = cat_fc.assign(area=ALL)
    return ReportResult(
        config=config, as_of=as_of, prev_as_of=prev_as_of, forecasts=fc, flags=flags, plan=plan,
        risk=risk, waves=wv, surges=sg, backcheck=bc, backcheck_summary=bc_sum,
        rejects=reject_summary(rejects), reads=reads, names=names, charts=chart_pngs,
        notes=dict(steps.notes), run=run, info=info,
        extra={"category_forecasts": cat_all, "total_forecast": tot_fc, "hierarchy": hier, "outlook": outlook},
    )
