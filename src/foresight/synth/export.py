"""What a governance centre receives: raw GB18030 exports with Chinese headers, personal data and defects."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._io import atomic_path
from foresight.synth.district import Tree

__all__ = ["EXPORT_COLUMNS", "MAPPING_TOML", "build_exports", "write_csv"]

EXPORT_COLUMNS = ["信访件编号", "登记日期", "姓名", "身份证号", "联系电话", "所属镇街", "所属社区", "网格编码",
                  "问题类别", "诉求内容", "信访形式", "是否集体访", "人数", "是否重复访", "信访层级", "办理状态",
                  "办结日期"]
_CHANNEL_RAW = {"visit": "来访", "letter": "来信", "phone": "12345热线", "online": "网上信访"}
_LEVEL_RAW = {"town": "镇街", "district": "区", "city": "市", "province": "省", "national": "进京"}
_BAD_DATES = np.array(["待补录", "2023-13-45", "#VALUE!", "0000-00-00", "2O24-05-06", "45-45-2024"])

MAPPING_TOML = """\
# Column mapping of the sample district's case-system exports (see README.md).
[columns]            # canonical name = header in the export
case_id = "信访件编号"
received = "登记日期"
area = "网格编码"
category = "问题类别"
channel = "信访形式"
collective = "是否集体访"
headcount = "人数"
repeat = "是否重复访"
level = "信访层级"
closed = "办结日期"

[read]
encoding = "auto"     # auto | utf-8 | gb18030

[values.channel]      # export value = canonical value (visit/letter/phone/online/other)
"来访" = "visit"
"来信" = "letter"
"12345热线" = "phone"
"电话" = "phone"
"网上信访" = "online"

[values.level]        # export value = town/district/city/province/national
"镇街" = "town"
"区" = "district"
"市" = "city"
"省" = "province"
"进京" = "national"

[values.collective]   # export value = true/false
"是" = true
"否" = false

[values.repeat]
"是" = true
"否" = false
"""


def _fmt_dates(ts: pd.Series, style: np.ndarray, minutes: np.ndarray) -> pd.Series:
    """Format dates in a case system's mixed styles: ISO, ``Y/M/D``, ``Y年M月D日``, with time, Excel serial."""
    ok = ts.notna()
    y = ts.dt.year.astype("Int64").astype("string")
    m = ts.dt.month.astype("Int64").astype("string")
    d = ts.dt.day.astype("Int64").astype("string")
    iso = ts.dt.strftime("%Y-%m-%d")
    slash = y + "/" + m + "/" + d
    zh = y + "年" + m + "月" + d + "日"
    hh = pd.Series(minutes // 60, index=ts.index).astype(str).str.zfill(2)
    mm = pd.Series(minutes % 60, index=ts.index).astype(str).str.zfill(2)
    timed = slash + " " + hh + ":" + mm
    serial = ((ts - pd.Timestamp("1899-12-30")).dt.days).astype("Int64").astype("string")
    out = pd.Series(np.select([style == 0, style == 1, style == 2, style == 3], [iso, slash, zh, timed], serial),
                    index=ts.index, dtype="object")
    return out.where(ok, "")


def _raw(rec: pd.DataFrame, tree: Tree, closed_until: pd.Timestamp) -> pd.DataFrame:
    """The export rows for ``rec`` as seen on the export day (closing dates up to ``closed_until``)."""
    comm = tree.comm
    closed = rec.closed.where(rec.closed <= closed_until)
    yn = lambda b: np.where(b.to_numpy(dtype=bool, na_value=False), "是", "否")  # noqa: E731
    return pd.DataFrame(
        {
            "信访件编号": rec.case_id.to_numpy(),
            "登记日期": _fmt_dates(rec.received, rec._style.to_numpy(), rec._min.to_numpy()).to_numpy(),
            "姓名": rec.name.to_numpy(),
            "身份证号": rec.id_number.to_numpy(),
            "联系电话": rec.phone.to_numpy(),
            "所属镇街": comm.town_name.to_numpy()[rec.comm.to_numpy()],
            "所属社区": comm.name.to_numpy()[rec.comm.to_numpy()],
            "网格编码": rec.area.to_numpy(dtype=object),
            "问题类别": rec.category_raw.to_numpy(dtype=object),
            "诉求内容": rec.text.to_numpy(),
            "信访形式": np.where(rec._tel.to_numpy() & (rec.channel == "phone").to_numpy(), "电话",
                             rec.channel.map(_CHANNEL_RAW).to_numpy(dtype=object)),
            "是否集体访": yn(rec.collective),
            "人数": rec.headcount.astype("string").to_numpy(dtype=object),
            "是否重复访": yn(rec.repeat),
            "信访层级": rec.level.map(_LEVEL_RAW).to_numpy(dtype=object),
            "办理状态": np.where(closed.notna(), "已办结", "办理中"),
            "办结日期": _fmt_dates(closed, rec._style2.to_numpy(), rec._min2.to_numpy()).to_numpy(),
        },
        index=rec.index,
    )


def build_exports(rng: np.random.Generator, rec: pd.DataFrame, tree: Tree, *, end: pd.Timestamp,
                  scale: float) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Return the raw exports (file name -> frame of strings) and the table of planted defects.

    The history holds cases received up to ``end - 21 days``; week 1 covers ``end - 34 .. end - 7`` and
    week 2 ``end - 27 .. end``, each showing closing dates known on its export day.
    """
    n = len(rec)
    rec = rec.copy()
    u = rng.random(n)
    rec["_style"] = np.select([u < 0.55, u < 0.75, u < 0.86, u < 0.9995], [0, 1, 2, 3], 4)
    u = rng.random(n)
    rec["_style2"] = np.select([u < 0.6, u < 0.8, u < 0.9, u < 0.9995], [0, 1, 2, 3], 4)
    rec["_min"] = rng.integers(8 * 60, 18 * 60, n)
    rec["_min2"] = rng.integers(8 * 60, 18 * 60, n)
    rec["_tel"] = rng.random(n) < 0.15

    hist_end = end - pd.Timedelta(days=21)
    w1 = (end - pd.Timedelta(days=34), end - pd.Timedelta(days=7))
    w2 = (end - pd.Timedelta(days=27), end)
    hist = _raw(rec[rec.received <= hist_end], tree, hist_end)

    # plant defects in the history: a few dozen of each kind
    k = max(5, int(round(30 * scale)))
    idx = rng.choice(len(hist), size=6 * k, replace=False)
    parts = np.split(idx, 6)
    hist = hist.copy()
    hist.iloc[parts[0], 1] = rng.choice(_BAD_DATES, k)
    fut = end + pd.to_timedelta(rng.integers(30, 400, k), unit="D")  # after every export of the sample
    hist.iloc[parts[1], 1] = np.asarray(fut.strftime("%Y-%m-%d"))
    hist.iloc[parts[2], 7] = ""
    hist.iloc[parts[3], 7] = [f"D01T{int(a):02d}C{int(b):03d}G1" for a, b in
                              zip(rng.integers(20, 99, k), rng.integers(1, 999, k))]
    hist.iloc[parts[4], 8] = ""
    dup = hist.iloc[parts[5]].copy()
    dup["_dup"] = 1
    hist["_dup"] = 0
    hist["_pos"] = np.arange(len(hist))
    dup["_pos"] = hist["_pos"].to_numpy()[parts[5]]
    hist = pd.concat([hist, dup]).sort_values(["_pos", "_dup"], kind="stable").drop(columns=["_pos", "_dup"])
    kinds = ["bad_date", "future_date", "missing_area", "unknown_area", "missing_category", "duplicate_id"]
    ids = rec.loc[rec.received <= hist_end, "case_id"].to_numpy()
    defects = pd.DataFrame({"file": "cases_history.csv.gz",
                            "case_id": np.concatenate([ids[p] for p in parts]),
                            "kind": np.repeat(kinds, k)}).sort_values(["kind", "case_id"]).reset_index(drop=True)

    exports = {
        "cases_history.csv.gz": hist.reset_index(drop=True),
        "export_week_1.csv": _raw(rec[(rec.received >= w1[0]) & (rec.received <= w1[1])], tree, w1[1])
        .reset_index(drop=True),
        "export_week_2.csv": _raw(rec[(rec.received >= w2[0]) & (rec.received <= w2[1])], tree, w2[1])
        .reset_index(drop=True),
    }
    return exports, defects


def write_csv(frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8", crlf: bool = False) -> None:
    """Write ``frame`` as CSV atomically and byte-reproducibly (gzip with mtime 0 when ``path`` ends in .gz)."""
    text = frame.to_csv(index=False, lineterminator="\r\n" if crlf else "\n")
    data = text.encode(encoding)
    with atomic_path(path) as tmp:
        if path.name.endswith(".gz"):
            with open(tmp, "wb") as fh, gzip.GzipFile(filename=path.name[:-3], mode="wb", fileobj=fh,
                                                      compresslevel=9, mtime=0) as gz:
                gz.write(data)
        else:
            tmp.write_bytes(data)
        os.chmod(tmp, 0o644)

