"""The ``foresight`` command line. Each command lives in its own ``*_cmd`` module."""

from __future__ import annotations

from foresight.cli import (  # noqa: F401  (register commands)
    flags_cmd, forecast_cmd, history_cmd, ingest_cmd, report_cmd, summary_cmd, synth_cmd)
from foresight.cli._app import app

__all__ = ["app"]
