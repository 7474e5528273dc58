"""Options every long command shares: --no-progress, and --as-of defaulting as the report does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from foresight.cli import app

LONG_COMMANDS = ["summary", "ingest", "forecast", "flags", "report"]


@pytest.mark.parametrize("command", LONG_COMMANDS)
def test_every_long_command_takes_no_progress(command):
    res = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "--no-progress" in res.output, res.output


@pytest.fixture
def export(tmp_path):
    rng = np.random.default_rng(1)
    days = pd.date_range("2023-01-02", "2024-06-12", freq="D")  # ends on a Wednesday
    n = rng.poisson(3, len(days))
    rows = pd.DataFrame({"date": np.repeat(days, n).strftime("%Y-%m-%d"),
                         "town": rng.choice(["T1", "T2"], n.sum()), "type": "school"})
    path = tmp_path / "cases.csv"
    rows.to_csv(path, index=False)
    return path


def test_forecast_defaults_as_of_to_the_period_after_the_last_complete_one(export, tmp_path):
    cols = ["--area-col", "town", "--category-col", "type", "--date-col", "date", "--horizon", "4",
            "--model", "mean", "--no-progress"]
    runner = CliRunner()
    auto = runner.invoke(app, ["forecast", str(export), "--out", str(tmp_path / "a.csv"), *cols])
    assert auto.exit_code == 0, auto.output
    # the last case is on Wednesday 2024-06-12: its week is incomplete, the forecast starts on its Monday
    assert "as of 2024-06-10" in auto.output
    given = runner.invoke(app, ["forecast", str(export), "--as-of", "2024-06-10",
                                "--out", str(tmp_path / "b.csv"), *cols])
    assert given.exit_code == 0, given.output
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)
    assert a["week"].min() == "2024-06-10"
