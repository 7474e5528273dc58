"""Options and helpers shared by the commands that read case exports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer

from foresight.cli._app import EXIT_DATA, EXIT_USAGE
from foresight.errors import CalendarError, ConfigError, DataError, ForesightError, ModelError
from foresight.periods import normalize_freq, period_start

__all__ = ["CalendarError", "ConfigError", "DataError", "ModelError", "exit_codes", "fail",
           "parse_as_of", "read_input", "run_step"]

T = TypeVar("T")

Cases = Annotated[list[Path], typer.Argument(
    help="Case export file(s): CSV (UTF-8 or GB18030, may be .gz), Excel or Parquet; oldest first.",
    show_default=False)]
Mapping = Annotated[Path | None, typer.Option(
    "--mapping", help="Column mapping TOML naming the export's headers (see docs: map your export).")]
AreaCol = Annotated[str | None, typer.Option("--area-col", help="Header of the area column.")]
CategoryCol = Annotated[str | None, typer.Option("--category-col", help="Header of the category column.")]
DateCol = Annotated[str | None, typer.Option("--date-col", help="Header of the date-received column.")]
CaseIdCol = Annotated[str | None, typer.Option("--case-id-col", help="Header of the case id column.")]
Areas = Annotated[Path | None, typer.Option(
    "--areas", help="Area tree table (code,name,parent,level[,population,start,end]).")]
Categories = Annotated[Path | None, typer.Option(
    "--categories", help="Category taxonomy table (code,name_zh,name_en,theme,department,...).")]
Freq = Annotated[str, typer.Option("--freq", help="Period: W (weeks starting Monday) or M (months).")]
Country = Annotated[str, typer.Option(
    "--country", help="Holiday calendar: CN (China, with make-up working days) or a country code "
                      "such as US.")]
Subdiv = Annotated[str | None, typer.Option("--subdiv", help="Subdivision for --country, e.g. NY.")]
Progress = Annotated[bool, typer.Option("--progress/--no-progress",
                                        help="Show progress bars (off for logs and cron jobs).")]


def fail(message: str, code: int) -> None:
    """Print ``error: message`` to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def exit_codes() -> Iterator[None]:
    """Turn foresight errors into exit codes: 2 for usage/config, 1 for data problems."""
    try:
        yield
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except (DataError, CalendarError, ModelError) as exc:
        fail(str(exc), EXIT_DATA)
    except ForesightError as exc:  # pragma: no cover - every subclass is handled above
        fail(str(exc), EXIT_DATA)


def parse_as_of(value: str | None, *, freq: str) -> pd.Timestamp | None:
    """Parse ``--as-of``; for weekly work it must be a Monday (the first forecast week starts on it)."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise ConfigError(f"--as-of {value!r} is not a date; use YYYY-MM-DD.") from None
    f = normalize_freq(freq)
    if f == "W" and ts != period_start(ts, f):
        raise ConfigError(f"--as-of {ts.date()} is a {ts.day_name()}; weekly work starts on a Monday "
                          f"(e.g. {period_start(ts, f).date()}).")
    if f == "M" and ts != period_start(ts, f):
        raise ConfigError(f"--as-of {ts.date()}: monthly work starts on the first of a month.")
    return ts


def read_input(cases: list[Path], *, mapping: Path | None, area_col: str | None,
               category_col: str | None, date_col: str | None, case_id_col: str | None = None,
               areas: Path | None = None, categories: Path | None = None,
               progress: bool = True) -> Any:
    """``read_cases`` with the CLI's options; prints the row accounting to stderr."""
    from foresight.ingest import read_cases

    if mapping is None and not (area_col and category_col and date_col):
        raise ConfigError("Say which columns hold the data: --mapping FILE, or all of --area-col, "
                          "--category-col and --date-col.")
    result = read_cases(cases, mapping=mapping, area_col=area_col, category_col=category_col,
                        date_col=date_col, case_id_col=case_id_col, areas=areas,
                        categories=categories, progress=progress and len(cases) > 1)
    typer.echo(f"read {result.n_read} rows: {result.n_accepted} accepted, "
               f"{result.n_rejected} rejected", err=True)
    return result


def run_step(label: str, func: Callable[[], T]) -> T:
    """Run one pipeline step, telling the user what is happening."""
    typer.echo(f"{label}...", err=True)
    return func()
