"""``foresight ingest`` (exports into the case store) and ``foresight store-info`` (its ingest log)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from tqdm.auto import tqdm

from foresight.cli._app import EXIT_DATA, EXIT_OK, EXIT_USAGE, app
from foresight.errors import ConfigError, DataError

__all__ = ["ingest_command", "store_info_command"]

_COUNTS = ("rows_read", "accepted", "rejected", "skipped", "inserted", "updated", "unchanged")


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command("ingest")
def ingest_command(
    exports: Annotated[list[Path], typer.Argument(
        help="Export file(s) (CSV/Excel/Parquet), oldest first; each becomes one ingest.", show_default=False)],
    store: Annotated[Path, typer.Option(
        "--store", help="The case store file (DuckDB), created if missing.", show_default=False)],
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="Column mapping TOML naming the export's headers.")] = None,
    area_col: Annotated[str | None, typer.Option("--area-col", help="Header of the area column.")] = None,
    category_col: Annotated[str | None, typer.Option(
        "--category-col", help="Header of the category column.")] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Header of the date-received column.")] = None,
    case_id_col: Annotated[str | None, typer.Option("--case-id-col", help="Header of the case id column.")] = None,
    areas: Annotated[Path | None, typer.Option(
        "--areas", help="Area tree table (areas.csv); rows with an unknown area are rejected.")] = None,
    categories: Annotated[Path | None, typer.Option(
        "--categories", help="Category taxonomy table (categories.csv) to map raw labels to codes.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Latest valid received date, inclusive (default: today); later dates are rejected.")] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="CSV encoding: auto, utf-8, gb18030, big5 or utf-16 (default: the mapping's, "
                           "else auto).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Ingest files even if the same bytes (sha256) were ingested before.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Add weekly exports to the case store: new cases are inserted, changed cases updated, the rest
    counted unchanged. Each file is one transaction; a file already ingested (same sha256) is skipped
    and logged as a duplicate, so re-running after a failure is safe."""
    from foresight.cli._common import check_inputs, check_output
    from foresight.ingest import read_cases, load_mapping
    from foresight.store import CaseStore

    try:
        cmap = load_mapping(mapping) if mapping is not None else None
        tree = taxonomy = None
        if areas is not None:
            from foresight.areas import load_areas

            tree = load_areas(areas)
        if categories is not None:
            from foresight.categories import load_categories

            taxonomy = load_categories(categories)
        check_output(store, option="--store")
        check_inputs(exports)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except DataError as exc:
        _fail(str(exc), EXIT_DATA)

    read = functools.partial(
        read_cases, mapping=cmap, area_col=area_col, category_col=category_col, date_col=date_col,
        case_id_col=case_id_col, areas=tree, categories=taxonomy, as_of=as_of, encoding=encoding,
    )
    records = []
    done = 0
    reasons = None
    existed = store.exists()
    try:
        with CaseStore(store) as cs:
            bar = tqdm(exports, desc="ingesting exports", unit="file",
                       disable=not progress or len(exports) < 2)
            for export in bar:
                record = cs.ingest_file(export, read, force=force)
                records.append(record)
                done += 1
                if len(exports) > 1:
                    bar.write(f"{export.name}: {record.summary()}")
            ids = [r.ingest_id for r in records if r.rejected]
            if ids:
                rej = cs.rejects()
                reasons = _reason_counts(rej[rej["ingest_id"].isin(ids)])
    except (ConfigError, DataError) as exc:
        if not existed and not done:  # a failed first ingest leaves no store behind
            for leftover in (store, store.with_name(store.name + ".wal")):
                leftover.unlink(missing_ok=True)
        _fail(f"{exc}{_partial(exports, done)}", EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_DATA)

    if len(records) == 1:
        typer.echo(records[0].summary())
    else:
        totals = {c: sum(getattr(r, c) for r in records) for c in _COUNTS}
        counts = ", ".join(f"{c.replace('rows_', '')} {n}" for c, n in totals.items())
        typer.echo(f"{len(records)} exports: {counts}")
    if reasons is not None and len(reasons):
        typer.echo("rejected rows by reason (see 'foresight store-info --rejects'):")
        with pd.option_context("display.width", 200, "display.max_colwidth", 100, "display.max_rows", 500):
            typer.echo(reasons.to_string(index=False))
    typer.echo(f"store: {store}")
    raise typer.Exit(EXIT_OK)


def _reason_counts(rejects: pd.DataFrame) -> pd.DataFrame:
    """Reject reasons with the quoted values and numbers masked, counted per ingest, most first."""
    reason = (rejects["reason"].fillna("(no reason)").str.replace(r"'[^']*'", "'…'", regex=True)
              .str.replace(r"\b\d+\b", "N", regex=True))
    counts = rejects.assign(reason=reason).groupby(["ingest_id", "reason"]).size().rename("rows").reset_index()
    return counts.sort_values(["ingest_id", "rows"], ascending=[True, False], kind="stable")


def _partial(exports: list[Path], done: int) -> str:
    if done == 0:
        return ""
    names = ", ".join(p.name for p in exports[:done])
    return (f" (already committed: {names}; re-running the same command is safe, those files are "
            "skipped by sha256)")


@app.command("store-info")
def store_info_command(
    store: Annotated[Path, typer.Option("--store", help="The case store file (DuckDB).", show_default=False)],
    rejects: Annotated[bool, typer.Option(
        "--rejects", help="Also list the reject reasons of each ingest with their counts.")] = False,
) -> None:
    """Print the case store's ingest log: when each export came, its sources and row counts."""
    from foresight.store import SCHEMA_VERSION, CaseStore

    if not store.exists():
        _fail(f"no case store at {store}; create one with 'foresight ingest EXPORT --store {store}'", EXIT_USAGE)
    try:
        with CaseStore(store, read_only=True) as cs:
            log = cs.ingest_log()
            n_cases = int(cs.con.execute("SELECT count(*) FROM cases").fetchall()[0][0])
            n_versions = int(cs.con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0])
            rej = cs.rejects() if rejects else None
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except DataError as exc:
        _fail(str(exc), EXIT_DATA)
    typer.echo(f"store: {store} (schema {SCHEMA_VERSION}), {n_cases} cases, {n_versions} versions, "
               f"{len(log)} ingests")
    if len(log):
        shown = log.assign(at=log["at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
        with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 500):
            typer.echo(shown.to_string(index=False))
    if rej is not None and len(rej):
        reasons = _reason_counts(rej)
        with pd.option_context("display.width", 200, "display.max_colwidth", 100, "display.max_rows", 500):
            typer.echo(reasons.to_string(index=False))
    raise typer.Exit(EXIT_OK)
