"""Fuzz of ``read_cases``: random bytes, encodings, quoting, line endings and file extensions.

Whatever the file holds, ``read_cases`` either raises a ``ForesightError`` or returns rows that add up
(accepted + rejected = records read). Run it longer by hand with, e.g.,
``FORESIGHT_FUZZ_EXAMPLES=5000 pytest tests/test_ingest_fuzz.py``.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight.errors import ForesightError
from foresight.ingest import read_cases

from _support import PLANTED, planted_in

EXAMPLES = int(os.environ.get("FORESIGHT_FUZZ_EXAMPLES", "150"))
HEADERS = ["编号", "登记日期", "网格编码", "问题类别", "诉求内容", "信访形式", " 编号", ""]
# (repeats weight the draw towards the common cases, so that many files get past the first checks)
EXTENSIONS = [".csv"] * 4 + [".tsv", ".txt", ".csv.gz", ".xlsx", ".xls", ".parquet", ".json", ""]
ENCODINGS = ["utf-8", "utf-8", "gb18030", "gb18030", "utf-8-sig", "big5", "utf-16", "utf-16-le", "latin-1"]
PIECES = ["2024-03-04", "2024/3/5 14:22", "45000", "2024-03-03T20:00:00Z", "G1", "入学", "欠薪", "XF1",
          "ＸＦ１", "\ufeffXF1", "X\u200bF1", '"', '""', ",", "\n", "\r", "\r\n", "\t", "\x00", "\x1a", ";",
          "=1+1", "@SUM(A1)", "😀", "繁體", "", " ", *PLANTED["id"], *PLANTED["phone"], *PLANTED["name"]]

cell = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=4).map("".join)
REQUIRED = HEADERS[:4]
headers = st.one_of(
    st.permutations(REQUIRED).flatmap(lambda req: st.lists(st.sampled_from(HEADERS[4:]), max_size=2)
                                      .map(lambda extra: [*req, *extra])),
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
)
table = st.tuples(headers, st.lists(st.lists(cell, min_size=0, max_size=7), max_size=12))


@st.composite
def export(draw) -> tuple[str, bytes]:
    """A file name and its bytes: a messy table in some encoding, or plain random bytes."""
    ext = draw(st.sampled_from(EXTENSIONS))
    if draw(st.integers(0, 4)) == 0:
        return "export" + ext, draw(st.binary(max_size=600))
    header, body = draw(table)
    sep = draw(st.sampled_from(["\t"] if ext == ".tsv" else [",", ",", ",", "\t", ";"]))
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = nl.join(sep.join(row) for row in [header, *body])
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):  # splice in a line in another encoding, or cut the file short
        data = data + nl.encode() + draw(st.sampled_from(PIECES[:8])).encode("gb18030") \
            if draw(st.booleans()) else data[: draw(st.integers(0, len(data)))]
    if ext == ".csv.gz":
        data = gzip.compress(data, mtime=0) if draw(st.booleans()) else data
    elif ext in (".xlsx", ".parquet") and draw(st.booleans()) and header:
        frame = pd.DataFrame([r[: len(header)] + [""] * (len(header) - len(r)) for r in body],
                             columns=[f"{h}{i}" if header.count(h) > 1 else h for i, h in enumerate(header)])
        frame = frame.replace(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", regex=True)  # not storable in xlsx
        buf = io.BytesIO()
        if ext == ".xlsx":
            frame.to_excel(buf, index=False)
        else:
            frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    return "export" + ext, data


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(export(), st.sampled_from(["auto"] * 4 + ["utf-8", "gb18030", "big5", "utf-16"]))
def test_read_cases_raises_only_foresight_errors(file, encoding):
    name, data = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            res = read_cases(path, case_id_col="编号", date_col="登记日期", area_col="网格编码",
                             category_col="问题类别", as_of="2024-12-31", encoding=encoding)
        except ForesightError as exc:
            assert planted_in(str(exc)) == []
            return
    assert res.n_accepted + res.n_rejected == res.n_read
    # Without a taxonomy a category label cannot be told from a name (docs/reliability.md), so names
    # may stay there; ID and phone numbers may not.
    labels = res.cases[["category_raw", "category"]].to_csv(index=False)
    assert [v for v in planted_in(labels) if v not in PLANTED["name"]] == []
    others = pd.concat([res.cases.drop(columns=["category_raw", "category"]).astype(str), res.rejects.astype(str),
                        res.quality.astype(str)])
    assert planted_in(others.to_csv(index=False)) == []
