"""A catalogue of broken and hostile exports: each ends in a clear ForesightError, or in rows accounted
for (accepted + rejected = the records written) with the damage visible as a reject or a note."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from foresight.errors import ConfigError, DataError, ForesightError
from foresight.ingest import read_cases

from _support import PLANTED, planted_in

HEADER = ["编号", "登记日期", "网格编码", "问题类别", "诉求内容"]
COLS = dict(case_id_col="编号", date_col="登记日期", area_col="网格编码", category_col="问题类别")
AS_OF = "2024-12-31"


def rows(n: int = 6, *, start: int = 0) -> list[list[str]]:
    """``n`` clean data rows (distinct ids, dates in March 2024)."""
    return [[f"XF{i:04d}", f"2024-03-{1 + i % 28:02d}", f"G{1 + i % 3}", ["入学", "欠薪", "物业"][i % 3],
             f"情况说明{i}"] for i in range(start, start + n)]


def csv_text(body: list[list[str]], header: list[str] = HEADER, sep: str = ",", nl: str = "\n") -> str:
    return nl.join(sep.join(r) for r in [header, *body]) + nl


@dataclass
class Case:
    """One hostile input: how to build it, how many data records it holds, and what must happen."""

    build: Callable[[Path], object]          # tmp_path -> source (path, frame or anything)
    records: int | None = None               # raw data records written (None: an error is expected)
    error: str | None = None                 # regex of the ForesightError message
    expect: Callable[[object], None] | None = None   # further checks on the IngestResult
    kwargs: dict = field(default_factory=dict)


def write(name: str, data: bytes | str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return path
    return build


def frame(df: pd.DataFrame) -> Callable[[Path], pd.DataFrame]:
    return lambda tmp: df


def parquet(df: pd.DataFrame) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / "export.parquet"
        df.to_parquet(path, index=False)
        return path
    return build


def excel(df: pd.DataFrame) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / "export.xlsx"
        df.to_excel(path, index=False)
        return path
    return build


def rejected(*fragments: str, n: int = 1) -> Callable[[object], None]:
    """Exactly ``n`` rejects, whose reasons contain every fragment."""
    def check(res) -> None:
        assert res.n_rejected == n, res.rejects.to_dict("records")
        for frag in fragments:
            assert res.rejects["reason"].str.contains(frag, regex=False).all(), (frag, res.rejects["reason"].tolist())
    return check


def accepted_all(check: Callable[[object], None] | None = None) -> Callable[[object], None]:
    def run(res) -> None:
        assert res.n_rejected == 0, res.rejects.to_dict("records")
        if check:
            check(res)
    return run


def ids(*want: str) -> Callable[[object], None]:
    return lambda res: sorted(res.cases["case_id"]) == sorted(want) or pytest.fail(
        f"ids {sorted(res.cases['case_id'])} != {sorted(want)}")


def categories(*want: str) -> Callable[[object], None]:
    def check(res) -> None:
        assert set(res.cases["category_raw"].dropna()) == set(want), res.cases["category_raw"].tolist()
    return check


def day(case_id: str, date: str) -> Callable[[object], None]:
    def check(res) -> None:
        got = res.cases.set_index("case_id").loc[case_id, "received"]
        assert got == pd.Timestamp(date), got
    return check


def both(*checks: Callable[[object], None]) -> Callable[[object], None]:
    def run(res) -> None:
        for c in checks:
            c(res)
    return run


def noted(column: str, fragment: str) -> Callable[[object], None]:
    def check(res) -> None:
        q = res.quality[res.quality["column"] == column]
        assert q["issue"].str.contains(fragment, regex=False).any(), res.quality.to_dict("records")
    return check


R6 = rows(6)
ZH = ["入学", "欠薪", "物业"]


def _stray_quote() -> str:
    body = rows(10)
    body[2][4] = '"他说 情况'          # opens a quoted cell that the export never closes ...
    body[7][4] = '继续" 说明'          # ... until this row: rows 3-8 would merge into one cell
    return csv_text(body)


def _legit_multiline() -> str:
    body = rows(4)
    body[1][4] = '"第一行\n第二行"'
    return csv_text(body)


def _mixed_utf8_gb() -> bytes:
    return csv_text(R6).encode("utf-8") + ",".join(rows(1, start=6)[0]).encode("gb18030") + b"\n"


def _mixed_gb_utf8() -> bytes:
    return csv_text(rows(8)).encode("gb18030") + ",".join(rows(1, start=8)[0]).encode("utf-8") + b"\n"


def _big5() -> bytes:
    body = rows(6)
    for r in body:
        r[3] = {"入学": "入學", "欠薪": "欠薪", "物业": "物業"}[r[3]]
        r[4] = "繁體說明"
    return csv_text(body, ["編號", "登記日期", "網格編碼", "問題類別", "訴求內容"]).encode("big5")


def _utf16(codec: str, bom: bytes) -> bytes:
    return bom + csv_text(R6).encode(codec)


def _latin1_row() -> bytes:
    return csv_text(R6).encode("utf-8") + "XF0099,2024-03-05,G1,café,x\n".encode("latin-1")


def _cut_utf8() -> bytes:
    return csv_text(R6).encode("utf-8") + "XF0100,2024-03-05,G1,入学".encode("utf-8")[:-1]


def _id_variants() -> str:
    body = rows(4)
    body[1][0] = "\ufeff" + body[0][0]                 # BOM
    body[2][0] = body[0][0][:2] + "\u200b" + body[0][0][2:]  # zero-width space
    body[3][0] = "ＸＦ０００0"                           # full-width letters and digits
    return csv_text(body)


def _ids(text: list[str]) -> str:
    body = rows(len(text))
    for r, v in zip(body, text, strict=True):
        r[0] = v
    return csv_text(body)


def _col(index: int, values: dict[int, str], n: int = 6) -> str:
    body = rows(n)
    for i, v in values.items():
        body[i][index] = v
    return csv_text(body)


def _aware_frame(values: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"编号": [f"X{i}" for i in range(len(values))], "登记日期": values,
                         "网格编码": "G1", "问题类别": "入学"})


UTC_SUNDAY_NIGHT = pd.Series(pd.to_datetime(["2024-03-03 20:30", "2024-03-04 01:00"], utc=True))

CATALOGUE: dict[str, Case] = {
    # -- records, quoting, delimiters --------------------------------------------------------------
    "stray quotes swallow rows": Case(write("q.csv", _stray_quote()), 10, expect=accepted_all(
        lambda res: len(res.cases) == 10 or pytest.fail("rows lost"))),
    "unterminated quote at the end": Case(write("q.csv", csv_text(rows(5)) + 'XF9999,2024-03-09,G1,入学,"半句\n'
                                          + "\n".join(",".join(r) for r in rows(3, start=20)) + "\n"), 9,
                                          expect=accepted_all()),
    "legitimate multi-line cell": Case(write("m.csv", _legit_multiline()), 4, expect=accepted_all()),
    "quote inside an unquoted cell": Case(write("q.csv", _col(4, {1: 'ab"c"d'})), 6, expect=accepted_all()),
    "row with an extra cell": Case(write("x.csv", csv_text(R6).replace("情况说明2", "情况说明2,多余")), 6,
                                   expect=rejected("malformed row: 6 cells where the header has 5")),
    "row with a missing cell": Case(write("x.csv", csv_text(R6).replace(",情况说明2", "")), 6,
                                    expect=rejected("malformed row: 4 cells")),
    "semicolon row in a comma file": Case(write("x.csv", csv_text(R6) + "XF0050;2024-03-01;G1;入学;x\n"), 7,
                                          expect=rejected("malformed row: 1 cells")),
    "NUL byte inside an id": Case(write("n.csv", _col(0, {1: "XF\x000001"})), 6,
                                  expect=rejected("control character 0x00 in the case_id")),
    "NUL bytes in many ids keep them distinct": Case(
        write("n.csv", _col(0, {i: f"XF\x00{i:04d}" for i in range(6)})), 6,
        expect=rejected("control character 0x00", n=6)),
    "NUL byte in an unmapped free-text cell": Case(write("n.csv", _col(4, {2: "说明\x00截断"})), 6,
                                                   expect=accepted_all()),
    "control character in the area": Case(write("c.csv", _col(2, {0: "G1\x07"})), 6,
                                          expect=rejected("control character 0x07 in the area")),
    "ctrl-Z line at the end": Case(write("z.csv", csv_text(R6) + "\x1a"), 7,
                                   expect=rejected("malformed row: 1 cells")),
    "CR-only line endings": Case(write("cr.csv", csv_text(R6, nl="\r")), 6, expect=accepted_all()),
    "mixed CRLF and LF": Case(write("crlf.csv", csv_text(R6[:3], nl="\r\n") + csv_text(R6[3:], header=[])
                                    .lstrip("\n")), 6, expect=accepted_all()),
    "blank lines between rows": Case(write("b.csv", csv_text(R6).replace("\n", "\n\n", 3)), 6,
                                     expect=accepted_all()),
    "rows of empty cells": Case(write("e.csv", csv_text(R6) + ",,,,\n , , ,,\n"), 6, expect=accepted_all()),
    "tab-separated .tsv": Case(write("t.tsv", csv_text(R6, sep="\t")), 6, expect=accepted_all()),
    "a 1 MB free-text cell": Case(write("big.csv", _col(4, {0: "长" * 1_000_000})), 6, expect=accepted_all()),
    "header only": Case(write("h.csv", csv_text([])), error=r"h\.csv: the file has a header but no data rows"),
    "empty file": Case(write("e.csv", b""), error=r"e\.csv: the file is empty"),
    "only NUL bytes": Case(write("e.csv", b"\x00" * 64), error=r"e\.csv: the file is empty"),
    "only blank lines": Case(write("e.csv", b"\r\n \n\t\n"), error=r"e\.csv: the file is empty"),
    "two headers equal after trimming": Case(write("d.csv", csv_text(R6, header=[*HEADER[:4], " 编号 "])),
                                             error=r"columns 1 and 5 have the same header '编号'"),
    "required column missing": Case(write("m.csv", csv_text([r[:2] + r[3:] for r in R6],
                                                            header=HEADER[:2] + HEADER[3:])),
                                    error=r"required column\(s\) not found: area .*--area-col"),
    "semicolon-separated file": Case(write("s.csv", csv_text(R6, sep=";")), error="required column"),
    "no header row, personal data in row 1": Case(
        write("p.csv", "\n".join([f"XF1,2024-03-01,{PLANTED['id'][0]},{PLANTED['phone'][0]},x"]
                                 + [",".join(r) for r in R6]) + "\n"),
        error=r"required column"),
    # -- encodings ---------------------------------------------------------------------------------
    "Big5 export": Case(write("b5.csv", _big5()), 6, expect=accepted_all(categories("入學", "欠薪", "物業")),
                        kwargs={"case_id_col": "編號", "date_col": "登記日期", "area_col": "網格編碼",
                                "category_col": "問題類別"}),
    "UTF-8 export with a GB18030 row appended": Case(write("mix.csv", _mixed_utf8_gb()), 7,
                                                     expect=both(rejected("not valid utf-8", "gb18030"),
                                                                 categories(*ZH))),
    "GB18030 export with a UTF-8 row appended": Case(write("mix.csv", _mixed_gb_utf8()), 9,
                                                     expect=both(rejected("not valid gb18030", "utf-8"),
                                                                 categories(*ZH))),
    "UTF-16 LE with BOM": Case(write("u16.csv", _utf16("utf-16-le", b"\xff\xfe")), 6,
                               expect=accepted_all(categories(*ZH))),
    "UTF-16 BE with BOM": Case(write("u16.csv", _utf16("utf-16-be", b"\xfe\xff")), 6,
                               expect=accepted_all(categories(*ZH))),
    "UTF-16 LE without BOM": Case(write("u16.csv", _utf16("utf-16-le", b"")), 6,
                                  expect=accepted_all(categories(*ZH))),
    "UTF-8 with BOM": Case(write("bom.csv", b"\xef\xbb\xbf" + csv_text(R6).encode()), 6,
                           expect=accepted_all(categories(*ZH))),
    "GB18030 export": Case(write("gb.csv", csv_text(R6).encode("gb18030")), 6,
                           expect=accepted_all(categories(*ZH))),
    "gzipped GB18030": Case(write("gb.csv.gz", gzip.compress(csv_text(R6).encode("gb18030"))), 6,
                            expect=accepted_all(categories(*ZH))),
    "a Latin-1 row in a UTF-8 file": Case(write("l1.csv", _latin1_row()), 7, expect=rejected("not valid utf-8")),
    "UTF-8 cut inside the last character": Case(write("cut.csv", _cut_utf8()), 7,
                                                expect=rejected("not valid utf-8")),
    "random binary with a .csv name": Case(write("bin.csv", np.random.default_rng(3).bytes(4000)),
                                           error=r"bin\.csv: (cannot|the header|required|the file)"),
    "utf-8 forced on a GB18030 file": Case(write("gb.csv", csv_text(R6).encode("gb18030")),
                                           error=r"cannot decode the file as utf-8 .*gb18030",
                                           kwargs={"encoding": "utf-8"}),
    "unknown encoding": Case(write("gb.csv", csv_text(R6)), error="encoding 'klingon' is not supported",
                             kwargs={"encoding": "klingon"}),
    # -- ids -------------------------------------------------------------------------------------------
    "ids differing by BOM, zero-width space, full width": Case(
        write("ids.csv", _id_variants()), 4,
        expect=both(rejected("duplicate case id", n=3), ids("XF0000"))),
    "ids differing by case (upper policy)": Case(write("ids.csv", _ids(["xf1", "XF1", "Xf1"])), 3,
                                                 expect=both(rejected("duplicate case id", n=2), ids("XF1"))),
    "ids differing by case (keep policy)": Case(write("ids.csv", _ids(["xf1", "XF1"])), 2,
                                                expect=accepted_all(ids("xf1", "XF1")), kwargs={"id_case": "keep"}),
    "ids with no-break and ideographic spaces": Case(write("ids.csv", _ids(["XF1", "\u00a0XF1\u3000"])), 2,
                                                     expect=rejected("duplicate case id")),
    "an ID number as the case id": Case(write("ids.csv", _ids(["XF1", PLANTED["id"][0]])), 2,
                                        expect=rejected("personal data (an ID number) in the case_id")),
    "18-digit order numbers are not ID numbers": Case(
        write("ids.csv", _ids(["202403150012345678", "990101200001010012", PLANTED["id"][1]])), 3,
        expect=both(rejected("personal data (an ID number)"), ids("202403150012345678", "990101200001010012"))),
    "a personal name as the case id": Case(write("ids.csv", _ids(["XF1", PLANTED["name"][0]])), 2,
                                           expect=rejected("personal data (a personal name) in the case_id")),
    "missing case id": Case(write("ids.csv", _ids(["XF1", " "])), 2, expect=rejected("missing case id")),
    "bad id_case policy": Case(write("ids.csv", _ids(["XF1"])), error="id_case = 'title'",
                               kwargs={"id_case": "title"}),
    # -- dates -----------------------------------------------------------------------------------------
    "UTC Parquet timestamps: Sunday night UTC is Monday in China": Case(
        parquet(_aware_frame(list(UTC_SUNDAY_NIGHT)).assign(登记日期=UTC_SUNDAY_NIGHT)), 2,
        expect=accepted_all(both(day("X0", "2024-03-04"), day("X1", "2024-03-04")))),
    "ISO text with Z": Case(write("z.csv", _col(1, {0: "2024-03-03T20:30:00Z"})), 6,
                            expect=accepted_all(day("XF0000", "2024-03-04"))),
    "ISO text with +08:00": Case(write("z.csv", _col(1, {0: "2024-03-03 23:30:00+08:00"})), 6,
                                 expect=accepted_all(day("XF0000", "2024-03-03"))),
    "another centre time zone": Case(write("z.csv", _col(1, {0: "2024-03-04T02:00:00Z"})), 6,
                                     expect=accepted_all(day("XF0000", "2024-03-03")),
                                     kwargs={"timezone": "America/New_York"}),
    "unknown time zone": Case(write("z.csv", csv_text(R6)), error="timezone = 'Mars/Olympus'",
                              kwargs={"timezone": "Mars/Olympus"}),
    "year 9999": Case(write("d.csv", _col(1, {0: "9999-12-31"})), 6, expect=rejected("unparseable date")),
    "0000-00-00": Case(write("d.csv", _col(1, {0: "0000-00-00"})), 6, expect=rejected("unparseable date")),
    "30 February": Case(write("d.csv", _col(1, {0: "2024-02-30"})), 6, expect=rejected("unparseable date")),
    "year 1900": Case(write("d.csv", _col(1, {0: "1900-01-01"})), 6, expect=rejected("date too early")),
    "a phone number as the date": Case(write("d.csv", _col(1, {0: PLANTED["phone"][0]})), 6,
                                       expect=rejected("unparseable date: '[masked phone]'")),
    "Excel datetime out of range": Case(excel(pd.DataFrame({"编号": ["A", "B"], "登记日期": [
        pd.Timestamp("2024-03-01").to_pydatetime(), "9999-12-31 23:59:59"], "网格编码": "G1", "问题类别": "入学"})),
        2, expect=rejected("unparseable date")),
    "garbage as_of": Case(write("d.csv", csv_text(R6)), error="as_of = 'next tuesday' is not a date",
                          kwargs={"as_of": "next tuesday"}),
    # -- personal data in mapped columns -----------------------------------------------------------------
    "a phone number as the category": Case(write("p.csv", _col(3, {0: PLANTED["phone"][1]})), 6,
                                           expect=noted("category", "personal data (a phone number)")),
    "an ID number as the area": Case(write("p.csv", _col(2, {0: PLANTED["id"][1]})), 6,
                                     expect=rejected("personal data (an ID number) in the area")),
    "a personal name as the area": Case(write("p.csv", _col(2, {0: PLANTED["name"][1]})), 6,
                                        expect=rejected("personal data (a personal name) in the area")),
    "full-width digits hiding a phone number": Case(write("p.csv", _col(3, {0: "１３８１２３４５６７８"})), 6,
                                                    expect=noted("category", "a phone number")),
    # -- files and arguments ---------------------------------------------------------------------------
    "empty .xlsx": Case(write("e.xlsx", b""), error=r"e\.xlsx: the file is empty"),
    "corrupt .xlsx": Case(write("c.xlsx", b"PK\x03\x04 not really a zip"), error=r"c\.xlsx: cannot read the file as xlsx"),
    "CSV renamed to .xlsx": Case(write("r.xlsx", csv_text(R6)), error=r"r\.xlsx: cannot read the file as xlsx"),
    "corrupt .parquet": Case(write("c.parquet", b"PAR1 garbage"), error=r"c\.parquet: cannot read the file as parquet"),
    "corrupt .gz": Case(write("c.csv.gz", b"\x1f\x8b\x08garbage"), error=r"c\.csv\.gz: not a valid gzip file"),
    "truncated .gz": Case(write("t.csv.gz", gzip.compress(csv_text(rows(50)).encode())[:60]),
                          error=r"t\.csv\.gz: not a valid gzip file"),
    "unknown extension": Case(write("x.json", "{}"), error="unknown file type '.json'"),
    "a folder as the export": Case(lambda tmp: tmp, error="file not found"),
    "None as the source": Case(lambda tmp: None, error="needs export file paths or DataFrames, not NoneType"),
    "an empty list": Case(lambda tmp: [], error="No input given"),
    "a number as the source": Case(lambda tmp: 42, error="not int"),
    "frame with columns equal after trimming": Case(frame(pd.DataFrame([["A", "2024-03-01", "G1", "x"]],
                                                                       columns=["编号", "登记日期", "网格编码 ", "网格编码"])),
                                                    error="have the same header '网格编码'"),
    "frame with integer column names": Case(frame(pd.DataFrame([[1, 2, 3]])), error="required column"),
    "Parquet with numeric areas and ids": Case(parquet(pd.DataFrame({
        "编号": [1.0, 2.0, 2.0], "登记日期": ["2024-03-01"] * 3, "网格编码": [101, 102, 102], "问题类别": "入学"})), 3,
        expect=both(rejected("duplicate case id"), ids("1", "2"))),
    "headcount overflow": Case(frame(pd.DataFrame({"编号": ["A", "B"], "登记日期": "2024-03-01", "网格编码": "G1",
                                                   "问题类别": "x", "人数": ["1e400", "99999999999999999999"]})), 2,
                               expect=noted("headcount", "not a whole number")),
    "Excel sheet with blank rows": Case(excel(pd.DataFrame({"编号": ["A", None, "B", None], "登记日期": [
        "2024-03-01", None, "2024-03-02", " "], "网格编码": ["G1", None, "G1", None], "问题类别": ["x", None, "y", None]})),
        2, expect=accepted_all(ids("A", "B"))),
    "area tree with a malformed row": Case(write("x.csv", csv_text(R6)), error=r"areas\.csv: row 3: malformed row",
                                           kwargs={"areas": "AREAS"}),
    "formula text in mapped cells is kept as data": Case(write("f.csv", _col(3, {0: "=HYPERLINK(\"http://x\")",
                                                                                1: "@SUM(A1)"})), 6,
                                                         expect=accepted_all()),
}


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_hostile_input(name, tmp_path):
    case = CATALOGUE[name]
    source = case.build(tmp_path)
    kwargs = {**COLS, "as_of": AS_OF, **case.kwargs}
    if kwargs.get("areas") == "AREAS":
        kwargs["areas"] = tmp_path / "areas.csv"
        kwargs["areas"].write_text("code,name,parent,level\nD,区,,district\nT1,一镇,D,town,extra\n")
    if name == "headcount overflow":
        kwargs["mapping"] = _headcount_mapping()
    if case.error is not None:
        with pytest.raises(ForesightError, match=case.error) as info:
            read_cases(source, **kwargs)
        assert isinstance(info.value, (DataError, ConfigError))
        assert planted_in(str(info.value)) == []
        return
    res = read_cases(source, **kwargs)
    summary = res.summary()
    assert (summary["accepted"] + summary["rejected"] == summary["read"]).all()
    assert res.n_read == case.records, f"{res.n_read} records read, {case.records} written"
    assert res.n_accepted + res.n_rejected == case.records
    for frame_ in (res.cases, res.rejects, res.quality, res.unmatched_categories):
        assert planted_in(frame_.to_csv(index=False)) == []
    if case.expect is not None:
        case.expect(res)


def _headcount_mapping():
    from foresight.ingest import ColumnMapping

    return ColumnMapping.from_columns(received="登记日期", area="网格编码", category="问题类别",
                                      case_id="编号", headcount="人数")


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 60
