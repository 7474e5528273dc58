"""``foresight summary``: what an export holds, what was rejected and why, and the counts panel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foresight.cli import _common as c
from foresight.cli._app import app


@app.command("summary")
def summary_command(
    cases: c.Cases,
    mapping: c.Mapping = None,
    area_col: c.AreaCol = None,
    category_col: c.CategoryCol = None,
    date_col: c.DateCol = None,
    case_id_col: c.CaseIdCol = None,
    areas: c.Areas = None,
    categories: c.Categories = None,
    freq: c.Freq = "W",
    level: Annotated[str | None, typer.Option(
        "--level", help="Roll areas up to district, town, community or grid (needs --areas).")] = None,
    rejects_out: Annotated[Path | None, typer.Option(
        "--rejects-out", help="Write the rejected rows with their reasons to this CSV.")] = None,
    progress: c.Progress = True,
) -> None:
    """Read exports and print the row accounting (read = accepted + rejected), the reasons for
    rejected rows, data-quality notes, and a summary of the counts panel per category."""
    import pandas as pd

    from foresight._cells import safe_cells
    from foresight._io import atomic_write
    from foresight.panel import summarize_panel, to_panel

    with c.exit_codes():
        if rejects_out is not None:
            c.check_output(rejects_out, option="--rejects-out")
        result = c.read_input(cases, mapping=mapping, area_col=area_col, category_col=category_col,
                              date_col=date_col, case_id_col=case_id_col, areas=areas,
                              categories=categories, progress=progress)
        panel = to_panel(result.cases, freq=freq, level=level, areas=areas)
    with pd.option_context("display.width", 120, "display.max_columns", 20,
                           "display.max_colwidth", 60):
        typer.echo("\nRows per source (accepted + rejected = read)")
        typer.echo(result.summary().to_string(index=False))
        if result.n_rejected:
            typer.echo("\nRejected rows by reason")
            typer.echo(result.reject_reasons().to_string(index=False))
        if len(result.quality):
            typer.echo("\nData quality (rows kept)")
            typer.echo(result.quality[["source", "column", "issue", "rows"]].to_string(index=False))
        if len(result.unmatched_categories):
            typer.echo("\nCategory labels that matched no taxonomy entry (counted as other)")
            typer.echo(result.unmatched_categories.head(20).to_string(index=False))
        n_series = panel.groupby(["area", "category"]).ngroups
        typer.echo(f"\nPanel: {n_series} series (area x category), {panel['ds'].nunique()} periods "
                   f"({freq}) from {panel['ds'].min().date()} to {panel['ds'].max().date()}, "
                   f"{int(panel['y'].sum())} cases; as of {panel.attrs['as_of'].date()}")
        typer.echo(summarize_panel(panel).to_string(index=False))
    if rejects_out is not None:
        rejects = safe_cells(result.rejects)
        atomic_write(rejects_out, lambda p: rejects.to_csv(p, index=False, encoding="utf-8-sig"))
        typer.echo(f"\nrejected rows written to {rejects_out}")
