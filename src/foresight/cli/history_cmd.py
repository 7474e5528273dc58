"""``foresight flags-history``: the flags earlier reports issued, with their outcomes, to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from foresight.cli import _common as c
from foresight.cli._app import app

__all__ = ["flags_history_command"]


@app.command("flags-history")
def flags_history_command(
    source: Annotated[Path, typer.Argument(
        help="The case store the reports recorded into (cases.duckdb), or the folder holding the dated "
             "report folders (the report config's out_dir).", show_default=False)],
    since: Annotated[str | None, typer.Option(
        "--since", help="Only flags issued on or after this date (YYYY-MM-DD), e.g. the start of last quarter.",
        show_default=False)] = None,
    freq: Annotated[str | None, typer.Option("--freq", help="Only weekly (W) or monthly (M) reports.",
                                             show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here instead of printing it.",
                                             show_default=False)] = None,
) -> None:
    """List the flags earlier reports issued with their outcome (rose, flat, pending, unscored).

    Columns: issued, id, rank, area, category, kind, start, end, expected, expected_lo, expected_hi,
    observed, baseline, excess, p_wave, score, outcome, actual, usual, scored_as_of. Example:

    foresight flags-history out/reports --since 2026-07-01 --out last_quarter.csv
    """
    from foresight._io import atomic_write
    from foresight.report.history import issued_flags

    with c.exit_codes():
        start = None
        if since is not None:
            try:
                start = pd.Timestamp(since)
            except ValueError:
                raise c.ConfigError(f"--since {since!r} is not a date; write YYYY-MM-DD.") from None
        if freq is not None and freq.upper() not in ("W", "M"):
            raise c.ConfigError(f"--freq {freq!r}: use W or M.")
        table = issued_flags(source, since=start, freq=freq.upper() if freq else None)
        for col in ("issued", "start", "end", "scored_as_of"):
            table[col] = pd.to_datetime(table[col]).dt.strftime("%Y-%m-%d").fillna("")
    if out is None:
        typer.echo(table.to_csv(index=False, float_format="%.1f").rstrip("\n"))
    else:
        atomic_write(out, lambda p: table.to_csv(p, index=False, float_format="%.1f", encoding="utf-8"))
    done = table["outcome"].value_counts().to_dict() if len(table) else {}
    typer.echo(f"{len(table)} flags issued; outcomes: {done or 'none yet'}", err=True)

