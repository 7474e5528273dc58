"""``foresight forecast``: probabilistic weekly or monthly forecasts per area x category, to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foresight.cli import _common as c
from foresight.cli._app import app


@app.command("forecast")
def forecast_command(
    cases: c.Cases,
    out: Annotated[Path, typer.Option("--out", help="Output CSV.", show_default=False)],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Forecast origin (YYYY-MM-DD; a Monday for --freq W). Cases dated on or "
                        "after it are ignored; the first forecast period starts on it. Default: the "
                        "period after the last complete one in the data (as the report).",
        show_default=False)] = None,
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=104,
                                         help="Periods ahead to forecast.")] = 13,
    freq: c.Freq = "W",
    mapping: c.Mapping = None,
    area_col: c.AreaCol = None,
    category_col: c.CategoryCol = None,
    date_col: c.DateCol = None,
    case_id_col: c.CaseIdCol = None,
    areas: c.Areas = None,
    categories: c.Categories = None,
    level: Annotated[str | None, typer.Option(
        "--level", help="Forecast at this area level (needs --areas).")] = None,
    model: Annotated[str, typer.Option("--model", help="Model name, or auto.")] = "auto",
    quantiles: Annotated[str, typer.Option(
        "--quantiles", help="Comma-separated quantile levels.")] = "0.1,0.5,0.9",
    country: c.Country = "CN",
    subdiv: c.Subdiv = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    progress: c.Progress = True,
) -> None:
    """Forecast every area x category with at least one case in the 52 weeks before --as-of.

    Writes the columns area, category, week (or month), mean and one pNN column per quantile,
    one row per future period. Example on the NYC cases:

    foresight forecast cases_2015_2021.csv.gz --as-of 2019-07-01 --horizon 13 --freq W
    --area-col account --category-col complaint_type --date-col opendate --country US --out f.csv
    """
    from foresight._cells import safe_cells
    from foresight._io import atomic_write
    from foresight.forecasting import forecast
    from foresight.panel import to_panel
    from foresight.periods import normalize_freq, periods_per_year, shift

    with c.exit_codes():
        origin = c.parse_as_of(as_of, freq=freq)
        try:
            qs = tuple(float(q) for q in quantiles.split(","))
        except ValueError:
            raise c.ConfigError(f"--quantiles {quantiles!r}: give numbers such as 0.1,0.5,0.9.") \
                from None
        c.check_output(out, option="--out")
        result = c.read_input(cases, mapping=mapping, area_col=area_col, category_col=category_col,
                              date_col=date_col, case_id_col=case_id_col, areas=areas,
                              categories=categories, progress=progress)
        panel = to_panel(result.cases, freq=freq, level=level, areas=areas, as_of=origin)
        origin = panel.attrs["as_of"]
        if panel.empty:
            raise c.DataError(f"No cases before --as-of {origin.date()}: nothing to forecast.")
        if as_of is None:
            typer.echo(f"as of {origin.date()} (the period after the last complete one in the data)",
                       err=True)
        window = shift(origin, -periods_per_year(freq), freq)  # active: a case in the last year
        recent = panel[(panel["ds"] >= window) & (panel["y"] > 0)][["area", "category"]]
        active = recent.drop_duplicates()
        typer.echo(f"forecasting {len(active)} active series, {horizon} periods ahead...", err=True)
        fc = forecast(panel, horizon, model=model, quantiles=qs, freq=freq, country=country,
                      subdiv=subdiv, seed=seed)
        fc = fc.merge(active, on=["area", "category"], how="inner")
        label = "week" if normalize_freq(freq) == "W" else "month"
        qcols = [col for col in fc.columns if col[:1] == "p" and col[1:].isdigit()]
        fc = fc.rename(columns={"ds": label})[["area", "category", label, "mean", *qcols]]
        fc[label] = fc[label].dt.strftime("%Y-%m-%d")
        fc = fc.sort_values(["area", "category", label], ignore_index=True)
    fc = safe_cells(fc)
    atomic_write(out, lambda p: fc.to_csv(p, index=False, float_format="%.4f"))
    typer.echo(f"wrote {len(fc)} rows ({len(active)} series x {horizon}) to {out}", err=True)
