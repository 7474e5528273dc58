"""read_cases: formats, encodings, dates, rejects that add up, duplicates, personal data."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight.errors import ConfigError, DataError
from foresight.ingest import ColumnMapping, load_mapping, read_cases
from foresight.panel import to_panel

from _support import NYC_CASES, NYC_MAPPING, PII, contains_pii

MAPPING = ColumnMapping(columns={
    "case_id": "信访件编号", "received": "登记日期", "area": "网格编码", "category": "问题类别",
    "channel": "信访形式", "collective": "是否集体访", "headcount": "人数", "closed": "办结日期"})
AS_OF = "2024-12-31"


def _read(src, **kw):
    kw.setdefault("mapping", MAPPING)
    kw.setdefault("as_of", AS_OF)
    return read_cases(src, **kw)


def test_rows_add_up_and_reasons_name_column(raw_export, small_areas):
    res = _read(raw_export, areas=small_areas)
    assert res.n_accepted + res.n_rejected == len(raw_export)
    by_row = res.rejects.set_index("source_row")
    # spreadsheet rows: header is row 1, frame index i is row i + 2
    assert by_row.loc[5, "column"] == "received" and "unparseable date" in by_row.loc[5, "reason"]
    assert by_row.loc[7, "reason"] == "missing area"
    assert "after the as-of date" in by_row.loc[10, "reason"]
    assert "superseded by <frame> row 13" in by_row.loc[12, "reason"]
    assert "not in the area tree" in by_row.loc[15, "reason"]
    assert set(by_row.index) == {5, 7, 10, 12, 15}
    summary = res.summary()
    assert (summary["accepted"] + summary["rejected"] == summary["read"]).all()


def test_mixed_date_formats_parse_to_the_same_day(raw_export):
    res = _read(raw_export)
    got = res.cases.set_index("case_id")["received"]
    want = pd.Series(pd.date_range("2024-01-01", periods=len(raw_export), freq="3D"),
                     index=raw_export["信访件编号"])
    want = want[~want.index.duplicated(keep="last")]  # the later version of a repeated id wins
    assert len(got) >= 35
    assert (got == want.reindex(got.index)).all()


def test_optional_fields_are_canonical(raw_export):
    cases = _read(raw_export).cases
    assert set(cases["channel"].dropna()) <= {"visit", "letter", "phone", "online", "other"}
    assert cases["collective"].dtype == "boolean"
    assert cases["headcount"].dtype == "Int64"
    assert (cases["closed"] - cases["received"]).dt.days.eq(9).all()


def test_personal_data_never_passes_ingest(raw_export, tmp_path):
    res = _read(raw_export)
    panel = to_panel(res.cases, as_of="2024-06-03")
    for frame in (res.cases, res.rejects, panel, res.summary(), res.quality):
        text = frame.to_csv(index=False)
        assert contains_pii(text) == []
    assert not set(PII) & set(res.cases.columns)


def _write_all_formats(frame: pd.DataFrame, tmp_path):
    paths = {}
    paths["utf8"] = tmp_path / "export_utf8.csv"
    frame.to_csv(paths["utf8"], index=False, encoding="utf-8")
    paths["utf8bom"] = tmp_path / "export_bom.csv"
    frame.to_csv(paths["utf8bom"], index=False, encoding="utf-8-sig")
    paths["gb18030"] = tmp_path / "export_gb.csv"
    frame.to_csv(paths["gb18030"], index=False, encoding="gb18030")
    paths["gz"] = tmp_path / "export_gb.csv.gz"
    paths["gz"].write_bytes(gzip.compress(frame.to_csv(index=False).encode("gb18030"), mtime=0))
    paths["xlsx"] = tmp_path / "export.xlsx"
    frame.to_excel(paths["xlsx"], index=False)
    paths["parquet"] = tmp_path / "export.parquet"
    frame.to_parquet(paths["parquet"], index=False)
    return paths


def test_same_data_from_every_format_gives_the_same_frame(raw_export, tmp_path):
    paths = _write_all_formats(raw_export, tmp_path)
    frames = {k: _read(p) for k, p in paths.items()}
    base = frames["utf8"]
    cols = [c for c in base.cases.columns if c != "source"]
    for key, res in frames.items():
        pd.testing.assert_frame_equal(res.cases[cols], base.cases[cols], obj=key)
        own = res.rejects.assign(reason=res.rejects["reason"].str.replace(res.sources[0], "FILE"))
        ref = base.rejects.assign(reason=base.rejects["reason"].str.replace(base.sources[0], "FILE"))
        pd.testing.assert_frame_equal(own.drop(columns="source"), ref.drop(columns="source"), obj=key)


def test_excel_serial_and_datetime_cells(tmp_path):
    frame = pd.DataFrame({"date": [pd.Timestamp("2024-03-05 10:30"), 45356, "2024年3月5日"],
                          "area": ["A", "A", "A"], "type": ["x", "x", "x"]})
    path = tmp_path / "cells.xlsx"
    frame.to_excel(path, index=False)
    res = read_cases(path, date_col="date", area_col="area", category_col="type", as_of=AS_OF)
    assert res.cases["received"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05"] * 3


def test_gb18030_detected_and_encoding_override(raw_export, tmp_path):
    path = tmp_path / "gb.csv"
    raw_export.to_csv(path, index=False, encoding="gb18030")
    assert _read(path).n_read == len(raw_export)
    with pytest.raises(DataError, match="cannot decode the file as utf-8"):
        _read(path, encoding="utf-8")


def test_overlapping_exports_keep_latest_version(raw_export, tmp_path):
    first = raw_export.iloc[:30].copy()
    second = raw_export.iloc[20:].copy()
    second.loc[second.index[:5], "办结日期"] = "2024-12-01"  # updated cases
    a, b = tmp_path / "week1.csv", tmp_path / "week2.csv"
    first.to_csv(a, index=False, encoding="gb18030")
    second.to_csv(b, index=False, encoding="gb18030")
    res = _read([a, b])
    assert res.n_accepted + res.n_rejected == len(first) + len(second)
    assert res.cases["case_id"].is_unique
    updated = res.cases.set_index("case_id").loc[second["信访件编号"].iloc[:5]]
    assert (updated["closed"] == pd.Timestamp("2024-12-01")).all()
    assert (updated["source"] == "week2.csv").all()
    single = _read(raw_export)
    assert set(res.cases["case_id"]) == set(single.cases["case_id"])


def test_same_export_twice_changes_nothing(raw_export, tmp_path):
    path = tmp_path / "week.csv"
    raw_export.to_csv(path, index=False)
    once = _read(path)
    twice = _read([path, path])
    pd.testing.assert_frame_equal(once.cases.drop(columns="source"),
                                  twice.cases.drop(columns="source"))
    assert twice.n_read == 2 * once.n_read
    assert twice.n_accepted == once.n_accepted
    assert twice.summary()["source"].tolist() == ["week.csv", "week.csv (2)", "(total)"]


def test_missing_required_column_names_file_and_fix(raw_export, tmp_path):
    path = tmp_path / "no_area.csv"
    raw_export.drop(columns="网格编码").to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no_area\.csv.*area \(mapping \[columns\] area = .*--area-col"):
        _read(path)


@pytest.mark.parametrize("content", [b"", b"\n\n", "登记日期,网格编码,问题类别\n".encode()])
def test_empty_files_raise(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"empty\.csv"):
        _read(path)


def test_unknown_file_type_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        _read(tmp_path / "nope.csv")
    odd = tmp_path / "cases.json"
    odd.write_text("{}")
    with pytest.raises(DataError, match="unknown file type"):
        _read(odd)


def test_mapping_toml_roundtrip_and_errors(tmp_path):
    good = tmp_path / "m.toml"
    good.write_text('[columns]\nreceived = "登记日期"\narea = "网格编码"\ncategory = "问题类别"\n'
                    '[read]\nencoding = "gb18030"\n[values.channel]\n"走访" = "visit"\n',
                    encoding="utf-8")
    m = load_mapping(good)
    assert m.encoding == "gb18030" and m.value_table("channel")["走访"] == "visit"
    bad_key = tmp_path / "bad.toml"
    bad_key.write_text('[columns]\nrecieved = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Unknown canonical column\(s\) \['recieved'\].*bad\.toml"):
        load_mapping(bad_key)
    bad_val = tmp_path / "badval.toml"
    bad_val.write_text('[columns]\nreceived = "d"\narea = "a"\ncategory = "c"\n'
                       '[values.level]\n"进京" = "beijing"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[values.level\] '进京' = 'beijing'"):
        load_mapping(bad_val)


def test_taxonomy_maps_categories_and_lists_unmatched(raw_export, small_taxonomy):
    raw = raw_export.copy()
    raw.loc[0, "问题类别"] = "教育-入学报名咨询"
    raw.loc[1, "问题类别"] = "拖欠工资"
    raw.loc[2, "问题类别"] = "外星人"
    res = _read(raw, categories=small_taxonomy)
    by_id = res.cases.set_index("case_id")["category"]
    assert by_id[raw.loc[0, "信访件编号"]] == "edu"
    assert by_id[raw.loc[1, "信访件编号"]] == "wage"
    assert by_id[raw.loc[2, "信访件编号"]] == "other"
    assert res.unmatched_categories["category_raw"].tolist() == ["外星人"]
    assert set(res.cases["category"]) <= {"edu", "wage", "prop", "other"}


rows = st.lists(
    st.tuples(
        st.one_of(st.dates(min_value=pd.Timestamp("1995-01-01").date(),
                           max_value=pd.Timestamp("2026-12-31").date()).map(str),
                  st.sampled_from(["", "not a date", "2024/02/30", "45000"])),
        st.sampled_from(["G1", "G2", "", "G9"]),
        st.sampled_from(["入学", "欠薪", ""]),
        st.integers(0, 15).map(lambda i: f"ID{i}"),
    ),
    min_size=1, max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_property_accepted_plus_rejected_equals_read(small_areas, data):
    frame = pd.DataFrame(data, columns=["登记日期", "网格编码", "问题类别", "信访件编号"])
    res = _read(frame, areas=small_areas)
    assert res.n_accepted + res.n_rejected == len(frame)
    assert res.rejects["source_row"].is_unique
    assert res.cases["case_id"].is_unique
    assert res.cases["received"].le(pd.Timestamp(AS_OF)).all()
    assert set(res.cases["area"]) <= {"G1", "G2"}


@pytest.mark.requires_nyc
def test_nyc_cases_load_with_the_repository_mapping():
    res = read_cases(NYC_CASES, mapping=NYC_MAPPING, as_of="2021-12-31")
    assert res.n_read == 276_633
    assert res.n_accepted + res.n_rejected == res.n_read
    assert res.n_accepted > 270_000
    assert res.cases["area"].str.fullmatch(r"NYCC\d\d").all()
    # dirty fields are reported, not fatal
    assert "category" in set(res.quality["column"])
    assert set(res.reject_reasons()["reason"]) <= {"duplicate case id"}


def test_legacy_xls_export():
    """A legacy .xls export (written by an old case system) reads (python-calamine): date cells, text dates
    and serial numbers give the same kind of day; personal columns are dropped."""
    from _support import ROOT

    res = read_cases(ROOT / "tests" / "data" / "legacy_export.xls", date_col="登记日期",
                     area_col="网格编码", category_col="问题类别", case_id_col="信访件编号",
                     as_of=AS_OF)
    assert res.n_read == 4 and res.n_accepted == 3
    assert res.cases["received"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-05", "2024-03-06", "2024-03-07"]
    assert res.rejects["source_row"].tolist() == [5]
    assert contains_pii(res.cases.to_csv()) == []
