"""``foresight report``: the weekly (or monthly) risk report from a config file, into a new dated folder."""

from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from foresight.cli import _common as c
from foresight.cli._app import EXIT_DATA, app


@app.command("report")
def report_command(
    config: Annotated[Path, typer.Option(
        "--config", help="Report config TOML (cases, store, mapping, areas, categories, as_of, horizon, freq, "
                         "teams, capacity_per_week, language, out_dir, suppress_below, seed, country, subdiv, level, "
                         "backcheck, min_excess, max_flags, wave_model, learned_floor, wave_prior, cluster). "
                         "Relative paths start at the config's folder.", show_default=False)],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Override the config's as_of (YYYY-MM-DD: a Monday for weekly, the 1st for monthly).",
        show_default=False)] = None,
    language: Annotated[str | None, typer.Option(
        "--language", help="Override the report language: zh (Chinese) or en (English).", show_default=False)] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out-dir", help="Override the parent folder of the dated report folder.", show_default=False)] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="Run the forecasts, waves, surges and flags on this dask.distributed scheduler "
                          "(e.g. tcp://10.0.0.5:8786), one task per top-level area; overrides the config's "
                          "cluster. An unreachable scheduler stops the run before any work (exit 1).",
        show_default=False)] = None,
    wave_model: Annotated[str | None, typer.Option(
        "--wave-model", help="Override the config's wave_model: learned (default: wave probabilities from a "
                             "model fitted on the centre's own history) or rule.", show_default=False)] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
) -> None:
    """Run store -> panel -> forecast -> waves, surges, flags -> outreach plan -> report.

    Writes report.html (self-contained), flags.xlsx, flags.csv, forecasts.parquet and run.json into
    OUT_DIR/weekly-YYYY-MM-DD (monthly-YYYY-MM), never overwriting an earlier report.

    Exit code 0 when every step ran; 1 on a data problem, or when a step (waves, surges, flags, plan,
    back-check) failed: the report is still written without that part, the step and its error are
    printed as a warning and kept in run.json "notes"; 2 on a config or usage error. With --cluster
    (or cluster = "tcp://..." in the config) the per-series work runs on that dask cluster; a scheduler
    that cannot be reached, or a top-level area that still fails after its retries, exits 1 with
    nothing written. Example:

    foresight report --config data/samples/weekly.toml
    """
    from foresight.report import ReportStepWarning, build_report, load_config
    from foresight.report.config import cluster_address
    from foresight.settings import WAVE_MODELS
    from foresight.report.outputs import write_outputs

    t0 = time.perf_counter()
    with c.exit_codes():
        cfg = load_config(config)
        changes: dict = {}
        if as_of is not None:
            changes["as_of"] = c.parse_as_of(as_of, freq=cfg.freq)
        if language is not None:
            if language not in ("zh", "en"):
                raise c.ConfigError(f"--language {language!r}: use zh (Chinese) or en (English).")
            changes["language"] = language
        if out_dir is not None:
            changes["out_dir"] = out_dir.resolve()
        if cluster is not None:
            changes["cluster"] = cluster_address(cluster, where="--cluster")
        if wave_model is not None:
            if wave_model not in WAVE_MODELS:
                raise c.ConfigError(f"--wave-model {wave_model!r}: use learned or rule.")
            changes["wave_model"] = wave_model
        if changes:
            cfg = dataclasses.replace(cfg, **changes)
        c.check_output(Path(cfg.out_dir), option="out_dir", folder=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = build_report(cfg, progress=progress)
        # each message once (a forecast per step repeats the calendar warning); step failures below
        for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning)
                                     and not issubclass(w.category, ReportStepWarning)):
            typer.echo(f"warning: {message}", err=True)
        try:
            folder = write_outputs(result)
        except OSError as exc:
            c.fail(f"cannot write the report under {cfg.out_dir}: {exc}", EXIT_DATA)
    typer.echo(f"{result!r}", err=True)
    if "wave_model" in result.info:  # learned from the centre's history, or fell back to the rule: one line
        typer.echo(f"note: {result.info['wave_model']}", err=True)
    for step, error in result.notes.items():
        typer.echo(f"warning: report step {step!r} failed and is missing from the report: {error}", err=True)
    typer.echo(f"report written to {folder} in {time.perf_counter() - t0:.1f} s", err=True)
    typer.echo(str(folder / "report.html"))
    if result.notes:
        typer.echo(f"error: {len(result.notes)} step(s) failed ({', '.join(result.notes)}); the report is "
                   "incomplete: see the warnings above and run.json \"notes\"", err=True)
        raise typer.Exit(EXIT_DATA)
