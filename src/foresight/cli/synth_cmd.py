"""``foresight synth``: generate the sample district (reference tables, raw exports, ground truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foresight.cli._app import EXIT_DATA, EXIT_OK, EXIT_USAGE, app
from foresight.errors import CalendarError, ConfigError, DataError
from foresight.synth import DEFAULT_END, DEFAULT_SEED, DEFAULT_START

__all__ = ["synth_command"]


@app.command("synth")
def synth_command(
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).")] = Path(
        "data/samples/district"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives byte-identical files.")]
    = DEFAULT_SEED,
    start: Annotated[str, typer.Option("--start", help="First day received (YYYY-MM-DD).")] = DEFAULT_START,
    end: Annotated[str, typer.Option("--end", help="Last day received (YYYY-MM-DD), within 2004-2026.")]
    = DEFAULT_END,
    scale: Annotated[float, typer.Option("--scale", help="Multiplies the case volume (1.0 = ~20,000 a year).")]
    = 1.0,
) -> None:
    """Generate a synthetic Foshan/Nanhai-like district: areas.csv, categories.csv, mapping.toml, GB18030
    exports with personal data and planted defects, and the truth (waves, surges, campaigns, breaks)."""
    from foresight.synth import generate_district, write_district

    try:
        d = generate_district(seed=seed, start=start, end=end, scale=scale)
        paths = write_district(d, out)
    except (ConfigError, CalendarError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except DataError as exc:  # pragma: no cover - the generator reads no data
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"{len(d.cases)} cases, {len(d.areas)} areas: {len(paths)} files written to {out}")
    raise typer.Exit(EXIT_OK)
