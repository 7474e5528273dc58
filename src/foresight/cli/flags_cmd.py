"""``foresight flags``: the ranked early-warning list (waves coming, surges now, escalations), to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foresight.cli import _common as c
from foresight.cli._app import app

from foresight.settings import FlagSettings

__all__ = ["flags_command"]

_D = FlagSettings()  # the library's defaults: the command line keeps no copy of its own


@app.command("flags")
def flags_command(
    cases: c.Cases,
    as_of: Annotated[str, typer.Option(
        "--as-of", help="First period of the horizon (YYYY-MM-DD; a Monday for --freq W). Cases dated "
                        "on or after it are ignored.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Output CSV, one row per flag, ranked.",
                                      show_default=False)],
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=52,
                                         help="Periods ahead the wave flags look.")] = 13,
    freq: c.Freq = "W",
    mapping: c.Mapping = None,
    area_col: c.AreaCol = None,
    category_col: c.CategoryCol = None,
    date_col: c.DateCol = None,
    case_id_col: c.CaseIdCol = None,
    areas: c.Areas = None,
    categories: c.Categories = None,
    level: Annotated[str | None, typer.Option(
        "--level", help="Flag at this area level (needs --areas), e.g. town.")] = None,
    kinds: Annotated[str, typer.Option(
        "--kinds", help="Comma-separated flag kinds: wave, surge, escalation.")] = "wave,surge,escalation",
    wave_ratio: Annotated[float, typer.Option(
        "--wave-ratio", help="A wave: the horizon total is at least this many times normal.")] = _D.wave_ratio,
    wave_min: Annotated[float, typer.Option(
        "--wave-min", help="A wave: the horizon total is at least this many cases.")] = _D.wave_min,
    wave_prob: Annotated[float, typer.Option(
        "--wave-prob", min=0.0, max=1.0,
        help="Flag a wave when the forecast gives at least this probability that the horizon total "
             "reaches the wave level (lower: more waves caught, more false ones).")] = _D.wave_prob,
    wave_model: Annotated[str, typer.Option(
        "--wave-model", help="learned: wave probabilities from a model fitted on this log's own history "
                             "before --as-of (falls back to the rule, with a note, when it is too short); rule: "
                             "the forecast's gamma-Poisson tail at --wave-prob.")] = _D.wave_model,
    alpha: Annotated[float, typer.Option(
        "--alpha", help="Surge false-alarm level (about 1000*alpha false alarms per 1,000 "
                        "series-weeks).")] = _D.surges.alpha,
    min_excess: Annotated[float, typer.Option(
        "--min-excess", min=0.0, help="No flag expecting fewer extra cases than this.")] = _D.min_excess,
    max_flags: Annotated[int, typer.Option("--max-flags", min=1, help="Keep the top N flags.")] = _D.max_flags,
    language: Annotated[str, typer.Option("--language", help="Language of the reasons: zh or en.")] = "zh",
    country: c.Country = "CN",
    subdiv: c.Subdiv = None,
    progress: c.Progress = True,
) -> None:
    """Write the ranked flags, one per area x category: area, category, kind, start, end, expected,
    baseline, score, reason, then rank, id, expected_lo, expected_hi, observed, excess, p_wave, theme,
    department, area_name, category_name (the columns of fs.flags and the report's flags.csv).

    Example on the NYC cases:

    foresight flags cases_2015_2021.csv.gz --as-of 2019-04-01 --horizon 13 --freq W
    --area-col account --category-col complaint_type --date-col opendate --country US
    --language en --out flags.csv
    """
    import pandas as pd

    from foresight._cells import safe_cells
    from foresight._io import atomic_write
    from foresight.panel import to_panel
    from foresight.warning import FLAG_COLUMNS, flags

    with c.exit_codes():
        origin = c.parse_as_of(as_of, freq=freq)
        if language not in ("zh", "en"):
            raise c.ConfigError(f"--language {language!r}: use zh or en.")
        c.check_output(out, option="--out")
        wanted = tuple(k.strip() for k in kinds.split(",") if k.strip())
        result = c.read_input(cases, mapping=mapping, area_col=area_col, category_col=category_col,
                              date_col=date_col, case_id_col=case_id_col, areas=areas,
                              categories=categories, progress=progress)
        panel = to_panel(result.cases, freq=freq, level=level, areas=areas, as_of=origin)
        if panel.empty:
            raise c.DataError(f"No cases before --as-of {origin.date()}: nothing to flag.")
        tax = None
        if categories is not None:
            from foresight.categories import load_categories

            tax = load_categories(categories)
        esc_cases = None
        if "escalation" in wanted:
            esc_cases = result.cases
            if level is not None:
                from foresight.areas import load_areas

                esc_cases = esc_cases.assign(area=load_areas(areas).lift(esc_cases["area"], level))
        typer.echo(f"flagging {panel.groupby(['area', 'category']).ngroups} series...", err=True)
        settings = _D.replace(kinds=wanted, wave_ratio=wave_ratio, wave_min=wave_min, wave_prob=wave_prob,
                              alpha=alpha, min_excess=min_excess, max_flags=max_flags, wave_model=wave_model)
        fl = flags(panel, origin, horizon, settings=settings, cases=esc_cases, categories=tax, areas=areas,
                   language=language, freq=freq, country=country, subdiv=subdiv)
        learn = fl.attrs.get("wave_model", {})
        if "text" in learn:  # learned, or fell back to the rule: one line, no personal data
            typer.echo(("note: " if learn["model"] == "learned" else "warning: ") + learn["text"], err=True)
        table = fl.reindex(columns=FLAG_COLUMNS)
        for col in ("start", "end"):
            table[col] = pd.to_datetime(table[col]).dt.strftime("%Y-%m-%d")
    table = safe_cells(table)
    atomic_write(out, lambda p: table.to_csv(p, index=False, float_format="%.1f", encoding="utf-8"))
    typer.echo(f"wrote {len(table)} flags to {out}", err=True)
