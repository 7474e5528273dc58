"""The promises of docs/reliability.md, end to end through the command line: personal data planted in
every mapped column reaches no store table, output file or printed line; no CSV or Excel cell that
foresight writes is a live formula; the weekly job's normal cases (a quiet week, stale data, an
export whose every row is rejected) behave; killed runs leave nothing half-done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from foresight.cli import app
from foresight.synth import generate_district, write_district

from _support import PLANTED, planted_in

MAPPED = ["信访件编号", "登记日期", "网格编码", "问题类别", "信访形式", "是否集体访", "人数", "是否重复访",
          "信访层级", "办结日期"]
# (a bare carriage return would end the CSV row the fixture writes: safe_cells' own test covers it)
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1"]
REPORT_CONFIG = """
cases = ["exports/cases_history.csv.gz", "exports/export_week_1.csv", "exports/export_week_2.csv"]
mapping = "mapping.toml"
areas = "areas.csv"
categories = "categories.csv"
as_of = 2025-06-30
horizon = 4
level = "town"
teams = ["A"]
capacity_per_week = 2
out_dir = "reports"
seed = 0
backcheck = 0
"""


def _cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _plant(path: Path) -> int:
    """Plant every kind of personal data into every mapped column of an export; return rows planted."""
    raw = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
    values = [v for vals in PLANTED.values() for v in vals]
    i = 0
    for col in MAPPED:
        for value in values:
            raw.loc[i % len(raw), col] = value
            i += 1
    raw.to_csv(path, index=False, encoding="gb18030")
    return i


def _hostile_names(folder: Path) -> None:
    """Formula-like names in the area tree and the taxonomy, and formula-like raw values in an export."""
    areas = pd.read_csv(folder / "areas.csv", dtype=str, keep_default_na=False)
    towns = areas.index[areas["level"] == "town"]
    for i, f in zip(towns, FORMULAS, strict=False):
        areas.loc[i, "name"] = f
    areas.to_csv(folder / "areas.csv", index=False)
    cats = pd.read_csv(folder / "categories.csv", dtype=str, keep_default_na=False)
    for i, f in enumerate(FORMULAS[: len(cats)]):
        cats.loc[i, "name_zh"] = f
        cats.loc[i, "name_en"] = f
    cats.to_csv(folder / "categories.csv", index=False)
    week1 = folder / "exports" / "export_week_1.csv"
    raw = pd.read_csv(week1, encoding="gb18030", dtype=str, keep_default_na=False)
    for i, f in enumerate(FORMULAS):
        raw.loc[i, "网格编码"] = f + "!"  # rejected: not in the area tree; the reject shows the value
        raw.loc[len(FORMULAS) + i, "问题类别"] = f
    raw.to_csv(week1, index=False, encoding="gb18030")


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("centre")
    write_district(generate_district(seed=5, start="2024-01-01", end="2025-06-29", scale=0.1), folder)
    _plant(folder / "exports" / "export_week_2.csv")
    _hostile_names(folder)
    (folder / "weekly.toml").write_text(REPORT_CONFIG, encoding="utf-8")
    return folder


def _common(centre: Path) -> list[str]:
    return ["--mapping", str(centre / "mapping.toml"), "--areas", str(centre / "areas.csv"),
            "--categories", str(centre / "categories.csv")]


def _cells(path: Path) -> list[object]:
    """Every cell of a CSV or Excel file as the spreadsheet would read it (Excel: also formula cells)."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        out: list[object] = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    out.append("=<formula cell>" if cell.data_type == "f" else cell.value)
        return out
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return [*frame.columns, *frame.to_numpy().ravel().tolist()]


def _live(cells: list[object]) -> list[str]:
    from foresight._cells import is_live_formula

    return [c for c in cells if is_live_formula(c)]


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(str).to_csv()
    return path.read_text(encoding="utf-8-sig", errors="ignore")


# -- personal data -----------------------------------------------------------------------------------
def test_planted_personal_data_reaches_no_table_file_or_line(centre, tmp_path):
    export = centre / "exports" / "export_week_2.csv"
    store = tmp_path / "cases.duckdb"
    printed = []
    ingest = _cli("ingest", str(export), "--store", str(store), *_common(centre), "--as-of", "2025-06-29",
                  "--no-progress")
    assert ingest.exit_code == 0, ingest.output
    printed.append(ingest.output)
    info = _cli("store-info", "--store", str(store), "--rejects")
    printed.append(info.output)
    rejects_out = tmp_path / "rejects.csv"
    summary = _cli("summary", str(export), *_common(centre), "--rejects-out", str(rejects_out))
    assert summary.exit_code == 0, summary.output
    printed.append(summary.output)
    flags_out = tmp_path / "flags.csv"
    flags = _cli("flags", str(export), "--as-of", "2025-06-30", "--out", str(flags_out), "--kinds", "surge",
                 *_common(centre))
    printed.append(flags.output)
    with duckdb.connect(str(store), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:
            text = con.execute(f'SELECT * FROM "{table}"').df().to_csv(index=False)
            assert planted_in(text) == [], table
        quality_masked = con.execute("SELECT count(*) FROM rejects WHERE value LIKE '%[masked%'").fetchone()[0]
    assert quality_masked > 0  # the masked values are visible as such, not silently dropped
    for path in (rejects_out, flags_out):
        assert planted_in(_text(path)) == [], path
    for out in printed:
        assert planted_in(out) == [], out[-2000:]
    assert "personal data" in summary.output  # the quality note says what was masked


# -- formulas ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(centre) -> tuple[Path, object]:
    result = _cli("report", "--config", str(centre / "weekly.toml"), "--no-progress")
    folder = centre / "reports" / "weekly-2025-06-30"
    return folder, result


def test_no_output_of_the_report_holds_a_live_formula(report):
    folder, result = report
    assert result.exit_code in (0, 1), result.output
    sheets = [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx")]
    assert {p.name for p in sheets} == {"flags.csv", "flags.xlsx"}
    for path in sheets:
        assert _live(_cells(path)) == [], path
    # the hostile names are kept, as text, not dropped
    kept = [c for c in _cells(folder / "flags.xlsx") if isinstance(c, str) and _live([c[1:]])]
    assert {c[1:] for c in kept} & set(FORMULAS)
    assert planted_in(_text(folder / "flags.xlsx") + _text(folder / "flags.csv")) == []


def test_report_prints_no_personal_data(report):
    folder, result = report
    assert planted_in(result.output) == []
    for path in folder.iterdir():
        assert planted_in(_text(path)) == [], path


def test_flags_and_summary_csvs_hold_no_live_formula(centre, tmp_path):
    flags_out, rejects_out = tmp_path / "flags.csv", tmp_path / "rejects.csv"
    export = str(centre / "exports" / "export_week_1.csv")
    _cli("summary", export, *_common(centre), "--rejects-out", str(rejects_out))
    _cli("flags", export, "--as-of", "2025-06-30", "--out", str(flags_out), "--kinds", "surge", *_common(centre))
    assert any(str(c).startswith("'=") for c in _cells(rejects_out))
    for path in (flags_out, rejects_out):
        assert _live(_cells(path)) == [], path


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_cells_neutralises_every_formula_start(start):
    from foresight._cells import safe_cells

    frame = pd.DataFrame({f"{start}h": [f"{start}1+1", "ok", -1.5, None]})
    safe = safe_cells(frame)
    assert _live([*safe.columns, *safe.iloc[:, 0]]) == []
    assert safe.iloc[0, 0] == f"'{start}1+1" and safe.iloc[2, 0] == -1.5


# -- the weekly job's normal cases -----------------------------------------------------------------------
def _quiet_export(path: Path, *, end: str = "2024-06-30") -> Path:
    days = pd.date_range("2023-01-02", end, freq="2D")
    pd.DataFrame({"id": [f"Q{i}" for i in range(len(days))], "date": days.strftime("%Y-%m-%d"),
                  "area": "A", "cat": "c"}).to_csv(path, index=False)
    return path


COLS = ["--area-col", "area", "--category-col", "cat", "--date-col", "date"]


def test_quiet_week_writes_an_empty_flags_file_with_its_header(tmp_path):
    out = tmp_path / "flags.csv"
    res = _cli("flags", str(_quiet_export(tmp_path / "q.csv")), "--as-of", "2024-07-01", "--out", str(out),
               "--kinds", "surge", *COLS)
    assert res.exit_code == 0, res.output
    from foresight.warning import FLAG_COLUMNS

    assert out.read_text().strip() == ",".join(FLAG_COLUMNS)
    assert out.read_text().startswith("area,category,kind,start,end,expected,baseline,score,reason,")


def test_stale_data_is_warned(tmp_path):
    out = tmp_path / "flags.csv"
    res = _cli("flags", str(_quiet_export(tmp_path / "q.csv")), "--as-of", "2024-09-02", "--out", str(out),
               "--kinds", "surge", *COLS)
    assert res.exit_code == 0, res.output
    assert "warning: stale data: the latest case is from 2024-06-29, 9 weeks before" in res.output


def test_far_future_as_of_is_a_clear_error_and_quick(tmp_path):
    t0 = time.perf_counter()
    res = _cli("flags", str(_quiet_export(tmp_path / "q.csv")), "--as-of", "2044-09-05",
               "--out", str(tmp_path / "f.csv"), *COLS)
    assert res.exit_code == 1
    assert "error: as-of 2044-09-05 is" in res.output and "the data do not reach it" in res.output
    assert time.perf_counter() - t0 < 30
    assert not (tmp_path / "f.csv").exists()


def test_unwritable_output_is_refused_before_the_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    export = str(_quiet_export(tmp_path / "q.csv"))
    for args in (["flags", export, "--as-of", "2024-07-01", "--out", str(blocker / "f.csv"), *COLS],
                 ["flags", export, "--as-of", "2024-07-01", "--out", str(tmp_path), *COLS],
                 ["forecast", export, "--as-of", "2024-07-01", "--out", str(blocker / "f.csv"), *COLS],
                 ["summary", export, "--rejects-out", str(blocker / "r.csv"), *COLS],
                 ["ingest", export, "--store", str(blocker / "s.duckdb"), *COLS]):
        res = _cli(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output and "read " not in res.output, res.output


def test_all_rejected_ingest_is_not_marked_ingested(tmp_path):
    store = tmp_path / "s.duckdb"
    bad = tmp_path / "week.csv"
    pd.DataFrame({"id": ["A", "B"], "date": ["not a date", "2024-13-45"], "area": "A", "cat": "c"}).to_csv(bad, index=False)
    res = _cli("ingest", str(bad), "--store", str(store), *COLS, "--no-progress")
    assert res.exit_code == 1
    assert "every row of week.csv was rejected (2 rows: unparseable date (2))" in res.output
    assert not store.exists()  # a failed first ingest leaves no store file
    good = _quiet_export(tmp_path / "good.csv")
    assert _cli("ingest", str(good), "--store", str(store), *COLS, "--no-progress").exit_code == 0
    again = _cli("ingest", str(bad), "--store", str(store), *COLS, "--no-progress")
    assert again.exit_code == 1
    pd.DataFrame({"id": ["A", "B"], "date": ["2024-03-01", "2024-03-02"], "area": "A", "cat": "c"}).to_csv(bad, index=False)
    fixed = _cli("ingest", str(bad), "--store", str(store), *COLS, "--no-progress")
    assert fixed.exit_code == 0 and "(ingested)" in fixed.output and "inserted 2" in fixed.output


def test_truncated_store_is_a_data_error(tmp_path):
    store = tmp_path / "s.duckdb"
    assert _cli("ingest", str(_quiet_export(tmp_path / "q.csv")), "--store", str(store), *COLS,
                "--no-progress").exit_code == 0
    store.write_bytes(store.read_bytes()[:5000])
    res = _cli("store-info", "--store", str(store))
    assert res.exit_code == 1 and "error:" in res.output


# -- killed runs -------------------------------------------------------------------------------------
def _kill_when(script: str, ready: Path, cwd: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        deadline = time.time() + 600  # a guard against a hang only: a loaded machine takes minutes
        while not ready.exists():
            assert proc.poll() is None and time.time() < deadline, "the run ended before it could be killed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


def test_report_killed_while_writing_leaves_no_folder_and_the_next_run_cleans_up(centre, tmp_path):
    """A report killed inside write_outputs leaves only a hidden temporary folder; the next run removes it."""
    out = tmp_path / "reports"
    ready = tmp_path / "ready"
    _kill_when(f"""
        import time, pathlib, warnings
        warnings.simplefilter("ignore")
        import foresight.report.outputs as o
        from foresight.report import build_report, load_config
        import dataclasses
        real = o.render_html
        def slow(result):
            html = real(result)
            pathlib.Path({str(ready)!r}).touch()
            time.sleep(600)
            return html
        o.render_html = slow
        cfg = dataclasses.replace(load_config({str(centre / "weekly.toml")!r}), out_dir=pathlib.Path({str(out)!r}))
        o.write_outputs(build_report(cfg, progress=False))
    """, ready, tmp_path)
    leftovers = list(out.glob(".*.tmp"))
    assert leftovers and not [p for p in out.iterdir() if not p.name.startswith(".")]
    res = _cli("report", "--config", str(centre / "weekly.toml"), "--out-dir", str(out), "--no-progress")
    assert res.exit_code in (0, 1), res.output
    assert not list(out.glob(".*.tmp"))
    assert [p.name for p in out.iterdir()] == ["weekly-2025-06-30"]


def test_ingest_killed_mid_file_leaves_the_store_as_it_was(tmp_path):
    store = tmp_path / "s.duckdb"
    first = _quiet_export(tmp_path / "first.csv", end="2024-03-31")
    assert _cli("ingest", str(first), "--store", str(store), *COLS, "--no-progress").exit_code == 0
    second = _quiet_export(tmp_path / "second.csv")
    ready = tmp_path / "ready"
    _kill_when(f"""
        import time, pathlib
        import foresight.store._write as w
        def hook():
            pathlib.Path({str(ready)!r}).touch()
            time.sleep(600)
        w._before_commit = hook
        from foresight.cli import app
        app(["ingest", {str(second)!r}, "--store", {str(store)!r}, "--area-col", "area", "--category-col", "cat",
             "--date-col", "date", "--no-progress"])
    """, ready, tmp_path)
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ingests").fetchone()[0] == 1
    again = _cli("ingest", str(second), "--store", str(store), *COLS, "--no-progress")
    assert again.exit_code == 0 and "(ingested)" in again.output
