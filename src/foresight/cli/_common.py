"""Options and helpers shared by the commands that read case exports."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer

from foresight.cli._app import EXIT_DATA, EXIT_USAGE
from foresight.errors import (CalendarError, ClusterError, ConfigError, DataError, ForesightError, ModelError,
                              PartitionError)
from foresight.periods import normalize_freq, period_start

__all__ = ["CalendarError", "ConfigError", "DataError", "ModelError", "check_inputs", "check_output",
           "exit_codes", "fail", "parse_as_of", "read_input", "run_step"]

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
    """Turn foresight errors into exit codes: 2 for usage/config, 1 for data problems.

    Warnings meant for the user (``UserWarning``, such as stale data) are printed as ``warning: ...``.
    """
    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, UserWarning):
            typer.echo(f"warning: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

    default = warnings.showwarning
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            yield
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except (DataError, CalendarError, ModelError, PartitionError, ClusterError) as exc:
        fail(str(exc), EXIT_DATA)
    except ForesightError as exc:  # pragma: no cover - every subclass is handled above
        fail(str(exc), EXIT_DATA)


def check_inputs(paths: list[Path], *, what: str = "export") -> None:
    """Every input file exists and is a file (checked before any work starts)."""
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise DataError(f"{what} file(s) not found: {', '.join(missing)}. Check the path(s).")


def check_output(path: Path, *, option: str, folder: bool = False) -> None:
    """``path`` can be written (checked before any work starts, so a long run does not fail at the end).

    The nearest existing folder on the way must be writable; a file target must not be a folder.
    """
    path = Path(path)
    if not folder and path.is_dir():
        raise ConfigError(f"{option} {path} is a folder; give a file name such as {path / 'out.csv'}.")
    if folder and path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file; give a folder.")
    probe = path if folder and path.is_dir() else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{option} {path}: {probe} is not a folder; give another path.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {path}: the folder {probe} is not writable; give another path.")
    if not folder and path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{option} {path}: the file exists and is not writable; give another path.")


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
    check_inputs(cases)
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
