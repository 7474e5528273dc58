"""The typer application that every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="foresight",
    help=(
        "Forecast petition and complaint volumes by area and category, find seasonal waves, "
        "catch surges and plan themed outreach. Run 'foresight COMMAND --help' for each command."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
