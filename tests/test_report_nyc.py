"""`foresight report` on real data: four NYC Council offices, 2017-2019, US holiday calendar, English."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from _support import NYC_CASES, NYC_MAPPING
from foresight.cli import report_cmd  # noqa: F401  (registers the command)
from foresight.cli._app import app

OFFICES = ["NYCC02", "NYCC03", "NYCC05", "NYCC15"]


@pytest.mark.requires_nyc
def test_report_on_nyc_offices(tmp_path):
    cases = pd.read_csv(NYC_CASES, dtype=str, keep_default_na=False)
    keep = cases["account"].isin(OFFICES) & cases["opendate"].between("2017-01-01", "2019-12-29")
    subset = tmp_path / "nyc_2017_2019.csv"
    cases[keep].to_csv(subset, index=False)
    (tmp_path / "nyc.toml").write_text(f"""
cases = ["{subset.name}"]
mapping = "{NYC_MAPPING}"
as_of = 2019-12-30
horizon = 13
teams = 2
capacity_per_week = 1
language = "en"
out_dir = "reports"
country = "US"
subdiv = "NY"
""", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", "--config", str(tmp_path / "nyc.toml"), "--no-progress"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = tmp_path / "reports" / "weekly-2019-12-30"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["country"] == "US" and run["subdiv"] == "NY" and run["notes"] == {}
    total = [r for r in run["rows"]["reads"] if r["source"] == "(total)"][0]
    assert total["read"] == int(keep.sum()) and total["accepted"] + total["rejected"] == total["read"]
    every = pd.read_parquet(out / "forecasts.parquet")
    assert set(every["level"]) == {"area x category", "area", "category", "total"}
    fc = every[every["level"] == "area x category"]
    assert set(fc["area"]) <= set(OFFICES) and fc["ds"].min() == pd.Timestamp("2019-12-30")
    assert fc["ds"].nunique() == 13
    # one coherent run: the district total is the sum of its office x category series, week by week
    total = every[every["level"] == "total"].set_index("ds")["mean"]
    pd.testing.assert_series_equal(fc.groupby("ds")["mean"].sum(), total, check_names=False, rtol=1e-9)
    # the Christmas/New Year weeks are forecast lower than the December weeks before them (US calendar)
    by_week = fc.groupby("ds")["mean"].sum()
    assert by_week.loc["2019-12-30"] < by_week.loc["2020-01-13"]
    book = openpyxl.load_workbook(out / "flags.xlsx", read_only=True)
    header = next(book["flags"].iter_rows(values_only=True))
    assert "reason" in header and "area" in header
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Petition risk: weekly report" in html and "NYCC" in html
