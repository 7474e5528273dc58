"""The case store: idempotent, versioned, atomic ingests of overlapping weekly exports."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import foresight.cli.ingest_cmd  # noqa: F401  (registers the commands)
from foresight.cli._app import app
from foresight.errors import DataError
from foresight.store import SCHEMA_VERSION, CaseStore

NYC = Path(__file__).resolve().parents[2] / "shared/data/nyc-council-cases"
REPO = Path(__file__).resolve().parents[1]


def _cases(ids, *, source="w1.csv", closed=None, start="2024-03-04", area="T01", category="school"):
    n = len(ids)
    return pd.DataFrame({
        "case_id": [str(i) for i in ids],
        "received": pd.date_range(start, periods=n, freq="D"),
        "area": area,
        "category": category,
        "category_raw": "入学",
        "channel": "visit",
        "collective": False,
        "headcount": pd.array([1] * n, dtype="Int64"),
        "repeat": pd.array([None] * n, dtype="boolean"),
        "level": "town",
        "closed": pd.NaT if closed is None else closed,
        "source": source,
        "source_row": pd.array(range(2, n + 2), dtype="Int64"),
    })


def _result(cases, rejects=None, *, rows_read=None):
    rej = rejects if rejects is not None else pd.DataFrame(
        columns=["source", "source_row", "column", "value", "reason"])
    read = rows_read if rows_read is not None else len(cases) + len(rej)
    return types.SimpleNamespace(cases=cases, rejects=rej, rows_read=read, sources=None)


def _state(store: CaseStore) -> dict:
    con = store.con
    return {
        "cases": store.cases(),
        "log": store.ingest_log(),
        "versions": con.execute("SELECT * FROM case_versions ORDER BY case_id, ingest_id").df(),
        "bookkeeping": con.execute("SELECT case_id, first_seen, last_seen, version_ingest, row_hash FROM cases "
                                   "ORDER BY case_id").df(),
        "rejects": store.rejects(),
        "sources": store.sources(),
    }


def _assert_same_state(a: dict, b: dict) -> None:
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=key)


# -- basics -------------------------------------------------------------------------------------

def test_new_store_has_schema_and_round_trips_canonical_cases(tmp_path):
    path = tmp_path / "sub" / "cases.duckdb"
    cases = _cases(range(5))
    with CaseStore(path) as store:
        rec = store.ingest(_result(cases))
    assert (rec.ingest_id, rec.status, rec.inserted, rec.updated, rec.unchanged) == (1, "ingested", 5, 0, 0)
    with CaseStore(path, read_only=True) as store:
        version = store.con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
        out = store.cases()
    assert version == SCHEMA_VERSION
    expected = cases.astype({"case_id": "string", "area": "string", "category": "string",
                             "category_raw": "string", "channel": "string", "level": "string",
                             "source": "string", "collective": "boolean", "received": "datetime64[ns]",
                             "closed": "datetime64[ns]"})
    pd.testing.assert_frame_equal(out, expected)


def test_extra_columns_are_dropped_and_missing_optional_columns_filled(tmp_path):
    cases = _cases(range(3))[["case_id", "received", "area", "category", "source"]].assign(name="张三")
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(cases))
        out = store.cases()
    assert list(out.columns) == ["case_id", "received", "area", "category", "category_raw", "channel",
                                 "collective", "headcount", "repeat", "level", "closed", "source", "source_row"]
    assert out["closed"].isna().all() and out["headcount"].isna().all()


def test_same_export_twice_changes_nothing_but_is_logged(tmp_path):
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(_cases(range(10))))
        before = _state(store)
        rec = store.ingest(_result(_cases(range(10))))
        after = _state(store)
    assert rec.status == "duplicate"
    assert (rec.inserted, rec.updated, rec.unchanged, rec.skipped) == (0, 0, 0, 10)
    assert len(after["log"]) == 2 and after["log"]["status"].tolist() == ["ingested", "duplicate"]
    for key in ("cases", "versions", "bookkeeping", "rejects"):
        pd.testing.assert_frame_equal(before[key], after[key], obj=key)


def test_overlapping_export_inserts_updates_and_keeps_unchanged(tmp_path):
    week1 = _cases(range(0, 6), source="w1.csv")
    week2 = _cases(range(3, 9), source="w2.csv", start="2024-03-07")  # 3, 4, 5 overlap week 1
    week2.loc[week2["case_id"] == "4", "closed"] = pd.Timestamp("2024-03-12")  # case 4 closes
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(week1))
        rec = store.ingest(_result(week2))
        out = store.cases().set_index("case_id")
        book = store.con.execute("SELECT case_id, first_seen, last_seen, version_ingest FROM cases").df()
        hist = store.history("4")
        old = store.cases(ingest=1).set_index("case_id")
        n_versions = store.con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0]
    assert (rec.accepted, rec.inserted, rec.updated, rec.unchanged) == (6, 3, 1, 2)
    assert len(out) == 9  # no double counting
    assert out.loc["4", "closed"] == pd.Timestamp("2024-03-12")
    assert pd.isna(old.loc["4", "closed"]) and len(old) == 6
    assert hist["ingest_id"].tolist() == [1, 2] and hist["closed"].isna().tolist() == [True, False]
    assert n_versions == 6 + 3 + 1
    book = book.set_index("case_id")
    assert book.loc["0"].tolist() == [1, 1, 1]   # only in week 1
    assert book.loc["3"].tolist() == [1, 2, 1]   # seen again, unchanged
    assert book.loc["4"].tolist() == [1, 2, 2]   # changed in week 2
    assert book.loc["8"].tolist() == [2, 2, 2]   # new in week 2


def test_unchanged_row_at_a_new_position_is_not_a_new_version(tmp_path):
    week1 = _cases(range(3), source="w1.csv")
    week2 = week1.assign(source="w2.csv", source_row=pd.array([9, 8, 7], dtype="Int64"))
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(week1))
        rec = store.ingest(_result(week2))
    assert (rec.status, rec.unchanged, rec.updated) == ("ingested", 3, 0)


def test_as_of_is_exclusive_and_hides_later_closing_dates(tmp_path):
    cases = _cases(range(4), closed=pd.Timestamp("2024-03-06"))  # received 03-04 .. 03-07
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(cases))
        before = store.cases(as_of="2024-03-06")
        later = store.cases(as_of="2024-03-07")
        with pytest.raises(DataError, match="not a date"):
            store.cases(as_of="next tuesday")
        with pytest.raises(DataError, match="no ingest 5"):
            store.cases(ingest=5)
    assert before["case_id"].tolist() == ["0", "1"]
    assert before["closed"].isna().all()  # still open on 03-05, the last day before as_of
    assert later["closed"].notna().all()


def test_rejects_are_kept_per_ingest_and_counts_add_up(tmp_path):
    rejects = pd.DataFrame({"source": ["w1.csv", "w1.csv"], "source_row": [7, 9], "column": ["received", "area"],
                            "value": ["bad", ""], "reason": ["unparseable date 'bad'", "missing area"]})
    with CaseStore(tmp_path / "s.duckdb") as store:
        rec = store.ingest(_result(_cases(range(5)), rejects))
        stored = store.rejects(ingest=1)
        log = store.ingest_log().iloc[0]
    assert rec.rows_read == rec.accepted + rec.rejected + rec.skipped == 7
    assert stored["source_row"].tolist() == [7, 9] and stored["reason"].tolist()[1] == "missing area"
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (7, 5, 2)


def test_bad_frames_raise_data_error_and_leave_store_untouched(tmp_path):
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(_cases(range(3))))
        before = _state(store)
        dup = pd.concat([_cases(range(2)), _cases([1])], ignore_index=True)
        with pytest.raises(DataError, match="more than once"):
            store.ingest(_result(dup))
        with pytest.raises(DataError, match="lacks the column"):
            store.ingest(_result(_cases(range(2)).drop(columns="area")))
        with pytest.raises(DataError, match="no 'received'"):
            store.ingest(_result(_cases(range(2)).assign(received=pd.NaT)))
        _assert_same_state(before, _state(store))


def test_failure_inside_the_transaction_rolls_back(tmp_path, monkeypatch):
    import foresight.store._write as write

    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(_cases(range(3))))
        before = _state(store)

        def boom():
            raise RuntimeError("disk full")

        monkeypatch.setattr(write, "_before_commit", boom)
        week2 = _cases(range(2, 6), closed=pd.Timestamp("2024-04-01"), source="w2.csv")
        with pytest.raises(RuntimeError):
            store.ingest(_result(week2))
        monkeypatch.setattr(write, "_before_commit", None)
        _assert_same_state(before, _state(store))
        assert store.ingest(_result(week2)).ingest_id == 2  # still usable


def test_not_a_store_and_newer_schema_are_refused(tmp_path):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    with pytest.raises(DataError, match="not a foresight case store"):
        CaseStore(other)
    path = tmp_path / "s.duckdb"
    CaseStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(DataError, match="upgrade foresight"):
        CaseStore(path)
    with pytest.raises(DataError, match="no case store"):
        CaseStore(tmp_path / "missing.duckdb", read_only=True)


def test_older_store_is_migrated_on_open(tmp_path, monkeypatch):
    import foresight.store._schema as schema

    path = tmp_path / "s.duckdb"
    with CaseStore(path) as store:
        store.ingest(_result(_cases(range(3))))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, SCHEMA_VERSION,
                        lambda con: con.execute("ALTER TABLE cases ADD COLUMN note VARCHAR"))
    with pytest.raises(DataError, match="needs migrating"):
        CaseStore(path, read_only=True)
    with CaseStore(path) as store:
        versions = [r[0] for r in store.con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]
        columns = [r[0] for r in store.con.execute("DESCRIBE cases").fetchall()]
        assert len(store.cases()) == 3
    assert versions == [SCHEMA_VERSION, SCHEMA_VERSION + 1] and "note" in columns


def test_read_only_store_refuses_ingest(tmp_path):
    path = tmp_path / "s.duckdb"
    CaseStore(path).close()
    with CaseStore(path, read_only=True) as store, pytest.raises(DataError, match="read-only"):
        store.ingest(_result(_cases(range(2))))


# -- files, sha256 and read_cases ----------------------------------------------------------------

def _write_export(path: Path, rows: list[tuple]) -> Path:
    headers = ["编号", "登记日期", "网格编码", "问题类别", "办结日期", "姓名", "身份证号", "电话"]
    frame = pd.DataFrame(rows, columns=headers)
    frame.to_csv(path, index=False, encoding="gb18030")
    return path


PLANTED = ("王小明PLANTED", "110101199003077777", "13912345678")


def _week_rows(ids, closed=""):
    return [(f"X{i}", f"2024-03-{4 + i % 5:02d}", f"G{i % 3}", "入学" if i % 2 else "欠薪", closed, *PLANTED)
            for i in ids]


def test_ingest_file_hashes_bytes_and_skips_reading_a_seen_file(tmp_path):
    from foresight.ingest import read_cases

    calls = []

    def read(path):
        calls.append(path)
        return read_cases(path, case_id_col="编号", as_of="2024-12-31")

    w1 = _write_export(tmp_path / "week1.csv", _week_rows(range(8)))
    with CaseStore(tmp_path / "s.duckdb") as store:
        first = store.ingest_file(w1, read)
        assert store.ingested(w1) == 1
        again = store.ingest_file(w1, read)
        sources = store.sources()
        forced = store.ingest_file(w1, read, force=True)
    assert len(calls) == 2
    assert (forced.status, forced.unchanged, forced.inserted) == ("ingested", 8, 0)
    assert (first.inserted, again.status, again.rows_read, again.skipped) == (8, "duplicate", 8, 8)
    assert sources["sha256"].nunique() == 1 and len(sources["sha256"].iloc[0]) == 64
    assert sources["kind"].tolist() == ["file", "file"] and sources["skipped"].tolist() == [False, True]


def test_rereading_all_exports_so_far_skips_the_ingested_file(tmp_path):
    from foresight.ingest import read_cases

    w1 = _write_export(tmp_path / "week1.csv", _week_rows(range(6)))
    w2 = _write_export(tmp_path / "week2.csv", _week_rows(range(4, 9), closed="2024-03-20"))
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(read_cases(w1, case_id_col="编号", as_of="2024-12-31"))
        rec = store.ingest(read_cases([w1, w2], case_id_col="编号", as_of="2024-12-31"))
        out = store.cases().set_index("case_id")
    assert [(s.source, s.skipped) for s in rec.sources] == [("week1.csv", True), ("week2.csv", False)]
    assert (rec.rows_read, rec.skipped, rec.accepted) == (11, 6, 5)
    assert (rec.inserted, rec.updated, rec.unchanged) == (3, 2, 0)
    assert len(out) == 9 and out.loc[["X4", "X5"], "closed"].notna().all()


def test_personal_data_never_reaches_the_database_file(tmp_path):
    from foresight.ingest import read_cases

    w1 = _write_export(tmp_path / "week1.csv", _week_rows(range(40)))
    path = tmp_path / "s.duckdb"
    with CaseStore(path) as store:
        store.ingest_file(w1, lambda p: read_cases(p, case_id_col="编号", as_of="2024-12-31"))
        # a hand-made result with personal columns left in: the store must drop them too
        leaky = _cases(range(100, 140)).assign(name=PLANTED[0], id_number=PLANTED[1], phone=PLANTED[2])
        store.ingest(_result(leaky))
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.duckdb*"))
    assert "入学".encode() in blob and b"X17" in blob  # control: stored values are visible in the bytes
    for planted in PLANTED:
        for encoding in ("utf-8", "gb18030", "utf-16-le"):
            assert planted.encode(encoding) not in blob, planted


def test_store_tables_hold_only_canonical_and_bookkeeping_columns(tmp_path):
    with CaseStore(tmp_path / "s.duckdb") as store:
        store.ingest(_result(_cases(range(3)).assign(姓名=PLANTED[0])))
        rows = store.con.execute("SELECT table_name, column_name FROM information_schema.columns "
                                 "WHERE table_schema = 'main'").fetchall()
    canonical = {"case_id", "received", "area", "category", "category_raw", "channel", "collective", "headcount",
                 "repeat", "level", "closed", "source", "source_row"}
    allowed = canonical | {"row_hash", "first_seen", "last_seen", "version_ingest", "ingest_id", "at", "status",
                           "rows_read", "accepted", "rejected", "skipped", "inserted", "updated", "unchanged",
                           "sha256", "kind", "column", "value", "reason", "version", "applied_at"}
    # the report's runs (schema 2): aggregate flags and forecasts, never a case's own fields
    from foresight.store._runs import FLAG_FIELDS

    allowed |= set(FLAG_FIELDS) | {"as_of", "freq", "recorded_at", "horizon", "ds", "mean", "p10", "p50", "p90",
                                   "scored_as_of", "outcome", "actual", "usual", "forecast"}
    assert {c for _, c in rows} <= allowed
    assert {c for t, c in rows if t == "cases"} - canonical == {"row_hash", "first_seen", "last_seen",
                                                                  "version_ingest"}


SAMPLE = REPO / "data/samples/district"


@pytest.mark.skipif(not (SAMPLE / "exports/cases_history.csv.gz").exists(), reason="sample district not built")
def test_sample_district_export_leaves_no_personal_data(tmp_path):
    raw = pd.read_csv(SAMPLE / "exports/cases_history.csv.gz", encoding="gb18030", dtype=str, nrows=400)
    export = tmp_path / "history_head.csv"
    raw.to_csv(export, index=False, encoding="gb18030")
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["ingest", str(export), "--store", str(store), "--no-progress",
                                   "--mapping", str(SAMPLE / "mapping.toml"), "--areas", str(SAMPLE / "areas.csv"),
                                   "--categories", str(SAMPLE / "categories.csv")])
    assert res.exit_code == 0, res.output
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.duckdb*"))
    ids = raw["信访件编号"].dropna().unique()[:60]
    assert sum(v.encode() in blob for v in ids) > 0.9 * len(ids)  # control: values are findable
    for col in ("姓名", "身份证号", "联系电话", "诉求内容"):
        values = raw[col].dropna().unique()[:120]
        assert len(values) >= 50
        leaked = [v for v in values if v.encode("utf-8") in blob or v.encode("gb18030") in blob]
        assert not leaked, (col, leaked[:3])


# -- killed mid-ingest ---------------------------------------------------------------------------

_KILLED = textwrap.dedent("""
    import pathlib, sys, time, types
    import pandas as pd
    import foresight.store._write as write
    from foresight.store import CaseStore

    path, ready = sys.argv[1], pathlib.Path(sys.argv[2])
    n = 150_000
    cases = pd.DataFrame({"case_id": [f"K{i}" for i in range(n)], "area": "T02", "category": "wages",
                          "received": pd.Timestamp("2024-05-01"), "closed": pd.Timestamp("2024-06-01"),
                          "source": "big.csv", "source_row": range(2, n + 2)})
    cases.loc[: 99, "case_id"] = [str(i) for i in range(100)]  # also changes every existing case

    def hang():
        ready.write_text("inside the transaction")
        time.sleep(120)

    write._before_commit = hang
    with CaseStore(path) as store:
        store.ingest(types.SimpleNamespace(cases=cases, rejects=None, rows_read=n, sources=None))
""")


def test_killed_ingest_leaves_the_store_as_it_was(tmp_path):
    path = tmp_path / "s.duckdb"
    with CaseStore(path) as store:
        store.ingest(_result(_cases(range(100))))
        before = _state(store)
    ready = tmp_path / "ready"
    script = tmp_path / "killed.py"
    script.write_text(_KILLED)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(ready)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not ready.exists():
            if proc.poll() is not None:
                pytest.fail(f"the ingest process ended early: {proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the ingest process never reached its commit")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with CaseStore(path) as store:
        _assert_same_state(before, _state(store))
        assert store.ingest(_result(_cases(range(100, 103), source="w2.csv"))).ingest_id == 2


# -- command line --------------------------------------------------------------------------------

def test_cli_ingest_summary_duplicate_and_store_info(tmp_path):
    w1 = _write_export(tmp_path / "week1.csv", _week_rows(range(6)))
    w2 = _write_export(tmp_path / "week2.csv", _week_rows(range(3, 10), closed="2024-03-20"))
    store = tmp_path / "s.duckdb"
    args = ["ingest", str(w1), str(w2), "--store", str(store), "--date-col", "登记日期",
            "--area-col", "网格编码", "--category-col", "问题类别", "--case-id-col", "编号", "--as-of", "2024-12-31", "--no-progress"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "read 13, accepted 13, rejected 0, skipped 0, inserted 10, updated 3, unchanged 0" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "inserted 0, updated 0, unchanged 0" in second.output
    info = runner.invoke(app, ["store-info", "--store", str(store)])
    assert info.exit_code == 0, info.output
    assert "10 cases, 13 versions, 4 ingests" in info.output
    assert info.output.count("duplicate") == 2 and "week2.csv (skipped)" in info.output


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    store = tmp_path / "s.duckdb"
    cols = ["--date-col", "登记日期", "--area-col", "网格编码", "--category-col", "问题类别"]
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--store", str(store), *cols])
    assert missing.exit_code == 1 and "nope.csv" in missing.output
    bad_map = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--store", str(store),
                                  "--mapping", str(tmp_path / "nope.toml")])
    assert bad_map.exit_code == 2
    no_store = runner.invoke(app, ["store-info", "--store", str(tmp_path / "none.duckdb")])
    assert no_store.exit_code == 2 and "no case store" in no_store.output
    empty = tmp_path / "empty.csv"
    empty.write_text("登记日期,网格编码,问题类别\n", encoding="utf-8")
    export_as_store = runner.invoke(app, ["store-info", "--store", str(empty)])
    assert export_as_store.exit_code == 2 and "looks like an export" in export_as_store.output
    assert empty.read_text(encoding="utf-8") == "登记日期,网格编码,问题类别\n"
    no_rows = runner.invoke(app, ["ingest", str(empty), "--store", str(store), *cols])
    assert no_rows.exit_code == 1


# -- real data -----------------------------------------------------------------------------------

@pytest.mark.requires_nyc
def test_nyc_weekly_exports_overlap_without_double_counting(tmp_path):
    """Two overlapping 'exports' of real NYC cases; the second one closes cases the first had open."""
    if not NYC.exists():
        pytest.skip("NYC council cases are not available")
    from foresight.ingest import read_cases

    with gzip.open(NYC / "cases_2015_2021.csv.gz", "rt") as fh:
        raw = pd.read_csv(fh, nrows=30_000, dtype=str)
    mapping = tmp_path / "nyc.toml"
    mapping.write_text('[columns]\ncase_id = "unique_key"\nreceived = "opendate"\narea = "account"\n'
                       'category = "complaint_type"\nclosed = "closedate"\n', encoding="utf-8")
    cols = dict(mapping=mapping, as_of="2022-01-01")
    w1 = raw.iloc[:20_000].copy()
    reopened = w1["closedate"].notna() & (w1.index % 4 == 0)
    w1.loc[reopened, "closedate"] = None  # still open in the first export
    r1 = read_cases(w1, **cols)
    r2 = read_cases(raw.iloc[10_000:], **cols)
    with CaseStore(tmp_path / "nyc.duckdb") as store:
        a = store.ingest(r1)
        b = store.ingest(r2)
        out = store.cases()
    truth = read_cases(raw, **cols).cases
    assert a.inserted == r1.n_accepted
    assert b.inserted + b.updated + b.unchanged == r2.n_accepted
    assert set(out["case_id"]) == set(truth["case_id"])  # each case once
    # a case in both exports is updated exactly when its content differs, else unchanged
    content = ["received", "area", "category", "category_raw", "closed"]
    both = r1.cases.merge(r2.cases, on="case_id", suffixes=("_1", "_2"))
    differs = pd.Series(False, index=both.index)
    for col in content:
        x, y = both[f"{col}_1"], both[f"{col}_2"]
        differs |= ~((x == y).fillna(False) | (x.isna() & y.isna()))
    assert differs.sum() > 1000  # the test exercises updates
    assert (b.updated, b.unchanged) == (int(differs.sum()), int((~differs).sum()))
    closed = out.set_index("case_id")["closed"]
    assert closed.loc[both.loc[differs, "case_id"]].notna().all()  # the later version won
