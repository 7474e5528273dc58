"""``read_cases``: case-log exports in, canonical cases and a rejects table out, nothing lost."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from foresight._pii import looks_like_name, mask_pii
from foresight._records import RawTable, header_names, read_raw
from foresight.areas import AreaTree, load_areas
from foresight.categories import Taxonomy, load_categories
from foresight.errors import ConfigError, DataError
from foresight.ingest._rows import QUALITY_COLUMNS, REJECT_COLUMNS, Rules, canonical_rows, empty
from foresight.ingest.dates import DEFAULT_TZ
from foresight.ingest.mapping import CANONICAL, ID_CASES, ColumnMapping, load_mapping

__all__ = ["CASE_COLUMNS", "REJECT_COLUMNS", "IngestResult", "read_cases"]

CASE_COLUMNS: tuple[str, ...] = (*CANONICAL[:4], "category_raw", *CANONICAL[4:], "source", "source_row")

Source = str | os.PathLike[str] | pd.DataFrame


@dataclass
class IngestResult:
    """What :func:`read_cases` read: accepted cases, rejected rows with reasons, and data quality notes.

    Attributes
    ----------
    cases
        One row per accepted case, columns :data:`CASE_COLUMNS`.
    rejects
        One row per rejected input row: ``source, source_row, column, value, reason``.
    rows_read
        Data rows read per source, in input order.
    quality
        Problems in optional fields that did not reject a row (the field was set to missing or
        ``other``): ``source, column, issue, rows, example_rows, fix``.
    unmatched_categories
        Raw category labels that matched no taxonomy entry (counted as ``other``), with counts.
    as_of
        The latest valid received date (inclusive) used for the future-date check.
    paths
        Source name -> the path it was read from (files only).

    Examples
    --------
    >>> raw = pd.DataFrame({"date": ["2024-03-05", "2024-03-99"], "area": ["A", "A"], "type": ["x", "x"]})
    >>> res = read_cases(raw, date_col="date", area_col="area", category_col="type", as_of="2024-12-31")
    >>> res.summary()[["source", "read", "accepted", "rejected"]].values.tolist()
    [['<frame>', 2, 1, 1], ['(total)', 2, 1, 1]]
    """

    cases: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: dict[str, int]
    quality: pd.DataFrame
    unmatched_categories: pd.DataFrame
    as_of: pd.Timestamp
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        """Source names in input order."""
        return list(self.rows_read)

    @property
    def n_read(self) -> int:
        """Data rows read in total."""
        return int(sum(self.rows_read.values()))

    @property
    def n_accepted(self) -> int:
        """Rows accepted."""
        return len(self.cases)

    @property
    def n_rejected(self) -> int:
        """Rows rejected."""
        return len(self.rejects)

    def summary(self) -> pd.DataFrame:
        """Rows read, accepted and rejected per source and in total (accepted + rejected = read).

        The ``rejected`` count is broken down by reason in :meth:`reject_reasons`.
        """
        acc = self.cases["source"].value_counts()
        rej = self.rejects["source"].value_counts()
        rows = [{"source": s, "read": n, "accepted": int(acc.get(s, 0)), "rejected": int(rej.get(s, 0))}
                for s, n in self.rows_read.items()]
        out = pd.DataFrame(rows, columns=["source", "read", "accepted", "rejected"])
        total = pd.DataFrame([{"source": "(total)", "read": self.n_read, "accepted": self.n_accepted,
                               "rejected": self.n_rejected}])
        return pd.concat([out, total], ignore_index=True)

    def reject_reasons(self) -> pd.DataFrame:
        """Rejected rows counted by column and kind of reason."""
        kind = self.rejects["reason"].str.split(";").str[0].str.split(":").str[0].str.strip()
        return (self.rejects.assign(reason=kind).groupby(["column", "reason"], sort=False)
                .size().rename("rows").reset_index().sort_values("rows", ascending=False,
                                                                  ignore_index=True))

    def __repr__(self) -> str:
        return (f"IngestResult({len(self.rows_read)} source(s): {self.n_read} rows read = "
                f"{self.n_accepted} accepted + {self.n_rejected} rejected; "
                f"{len(self.unmatched_categories)} unmatched category label(s); as of "
                f"{self.as_of.date()})")

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{self!r}</b></p>", self.summary().to_html(index=False)]
        if len(self.rejects):
            parts += ["<p>Rejected rows by reason</p>", self.reject_reasons().to_html(index=False)]
        if len(self.quality):
            parts += ["<p>Data quality (rows kept)</p>", self.quality.to_html(index=False)]
        return "\n".join(parts)


def read_cases(
    source: Source | Sequence[Source],
    *,
    mapping: ColumnMapping | str | os.PathLike[str] | None = None,
    date_col: str | None = None,
    area_col: str | None = None,
    category_col: str | None = None,
    case_id_col: str | None = None,
    areas: AreaTree | pd.DataFrame | str | os.PathLike[str] | None = None,
    categories: Taxonomy | pd.DataFrame | str | os.PathLike[str] | None = None,
    as_of: str | pd.Timestamp | None = None,
    min_date: str | pd.Timestamp = "2000-01-01",
    encoding: str | None = None,
    sheet: str | int | None = None,
    id_case: str | None = None,
    timezone: str | None = None,
    progress: bool = False,
) -> IngestResult:
    """Read case-log exports into canonical cases, listing every rejected row with its reason.

    Every data record of a file is either accepted or rejected, and ``accepted + rejected = read``
    per file, where ``read`` counts the records as the CSV reader splits them (a line in another
    encoding, or a row with the wrong number of cells, is a rejected record, not a lost one).
    Columns the mapping does not name are dropped on reading, and ID numbers, mobile numbers and
    personal names found in the mapped columns are masked (with a quality note), so personal data
    never enters the library.

    Parameters
    ----------
    source
        A path (CSV in UTF-8 or GB18030, optionally gzipped; Excel ``.xlsx``/``.xls``; Parquet), a
        DataFrame, or a list of them. Give overlapping weekly exports oldest first: when a case id
        repeats, the latest version (the later file, then the later row) is kept.
    mapping
        A :class:`~foresight.ingest.mapping.ColumnMapping` or the path of its TOML file.
    date_col, area_col, category_col, case_id_col
        Header names, instead of (or overriding) a mapping. Without a case id column each row gets
        the id ``<source>:<row>``.
    areas
        An area tree (or its table, or its file). When given, areas are matched by code, name or
        alias (former names); a name several areas share is told apart by the coarser area columns
        of the mapping (``area = ["所属镇街", "所属社区"]``), else the row is rejected as ambiguous;
        rows whose area is not in the tree are rejected. Without a tree, a name found under several
        coarser areas is kept apart as ``town/name`` and noted in ``quality``.
    categories
        A taxonomy (or its table). When given, raw labels are mapped to codes and unmatched labels
        count as ``other`` (listed in ``unmatched_categories``).
    as_of
        Latest valid received date, inclusive (default: today). Later dates are rejected.
    min_date
        Earliest plausible received date; earlier dates are rejected as typos.
    encoding
        Override the mapping's CSV encoding (``auto``, ``utf-8``, ``gb18030``, ``big5``,
        ``utf-16``). ``auto`` never guesses silently: a file it cannot place is an error naming
        the encoding to set, and lines in a second encoding are rejected rows.
    sheet
        Override the mapping's Excel sheet.
    id_case
        Override the mapping's case-id policy: ``upper`` (default: ``xf1`` and ``XF1`` are one
        case), ``lower`` or ``keep``. Ids are NFKC-normalised (``ＸＦ1`` is ``XF1``) and stripped of
        zero-width characters and BOMs in every case.
    timezone
        Override the mapping's time zone of the centre (default ``Asia/Shanghai``): timestamps that
        carry a time zone (a Parquet column in UTC) are converted to it before the date is taken.
    progress
        Show a progress bar over the files.

    Returns
    -------
    IngestResult

    Raises
    ------
    DataError
        A file is missing, unreadable or empty, or lacks a required column (the message lists the
        headers found and the mapping key to set).
    ConfigError
        The mapping, ``as_of``, ``id_case`` or ``timezone`` is invalid.

    Examples
    --------
    >>> raw = pd.DataFrame({"日期": ["2024/3/5", "2024年3月6日", "bad"], "镇街": ["T1", "T1", "T2"],
    ...                     "类别": ["入学", "欠薪", "入学"], "姓名": ["张三", "李四", "王五"]})
    >>> res = read_cases(raw, date_col="日期", area_col="镇街", category_col="类别", as_of="2024-12-31")
    >>> res.n_accepted, res.n_rejected, "姓名" in res.cases.columns
    (2, 1, False)
    >>> res.rejects["reason"].iloc[0]
    "unparseable date: 'bad' (use YYYY-MM-DD, YYYY/M/D, YYYY年M月D日 or an Excel date)"
    """
    cmap = _build_mapping(mapping, date_col=date_col, area_col=area_col, category_col=category_col,
                          case_id_col=case_id_col)
    tree = load_areas(areas) if areas is not None else None
    tax = load_categories(categories) if categories is not None else None
    rules = Rules(mapping=cmap, tree=tree,
                  as_of=_date(as_of if as_of is not None else pd.Timestamp.today(), "as_of"),
                  min_date=_date(min_date, "min_date"), id_case=_id_case(id_case or cmap.id_case),
                  tz=_timezone(timezone or cmap.timezone))
    items = _as_items(source)

    parts, rejects, quality, rows_read, paths = [], [], [], {}, {}
    for order, (name, item) in enumerate(tqdm(items, desc="reading exports", unit="file",
                                              disable=not progress)):
        raw = _raw(item, encoding=encoding or cmap.encoding, sheet=cmap.sheet if sheet is None else sheet)
        if not isinstance(item, pd.DataFrame):
            paths[name] = str(item)
        where = paths.get(name, name)
        if raw.n_records == 0:
            raise DataError(f"{where}: the file has a header but no data rows. Check the export.")
        ok, rej, qual = canonical_rows(raw, name=name, where=where, rules=rules)
        ok["_order"] = order
        rows_read[name] = raw.n_records
        parts.append(ok)
        rejects.append(rej)
        quality += qual

    cases = pd.concat(parts, ignore_index=True)
    cases, dup_rejects = _drop_superseded(cases)
    rejects.append(dup_rejects)
    rej_frame = (pd.concat([r for r in rejects if len(r)], ignore_index=True)
                 if any(len(r) for r in rejects) else empty(REJECT_COLUMNS))
    rej_frame = rej_frame[list(REJECT_COLUMNS)].astype({"source_row": "Int64"})

    unmatched = pd.DataFrame(columns=["category_raw", "rows"])
    if tax is not None:
        matched = tax.match(cases["category_raw"])
        cases["category"] = matched["category"].to_numpy()
        unmatched_rows = matched["how"].to_numpy() == "unmatched"
        quality += _mask_names(cases, unmatched_rows)
        miss = cases.loc[unmatched_rows, "category_raw"]
        unmatched = miss.value_counts().rename_axis("category_raw").rename("rows").reset_index()
    cases = cases.sort_values(["received", "_order", "source_row"], kind="stable")
    cases = cases[list(CASE_COLUMNS)].reset_index(drop=True)
    result = IngestResult(
        cases=cases, rejects=rej_frame, rows_read=rows_read,
        quality=pd.DataFrame(quality, columns=list(QUALITY_COLUMNS)),
        unmatched_categories=unmatched, as_of=rules.as_of, paths=paths,
    )
    summary = result.summary()
    if not (summary["accepted"] + summary["rejected"] == summary["read"]).all():  # pragma: no cover
        raise AssertionError(f"row accounting broken, please report: {summary.to_dict('records')}")
    return result


# -- helpers ---------------------------------------------------------------------------------
def _date(value: object, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise ConfigError(f"{what} = {value!r} is not a date; use YYYY-MM-DD.")
    return ts.tz_localize(None).normalize() if ts.tzinfo is not None else ts.normalize()


def _id_case(value: str) -> str:
    if value not in ID_CASES:
        raise ConfigError(f"id_case = {value!r}: use one of {', '.join(ID_CASES)}.")
    return value


def _timezone(value: str) -> str:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"timezone = {value!r} is not a known time zone; use an IANA name such as "
                          f"{DEFAULT_TZ!r}.") from None
    return value


def _raw(item: object, *, encoding: str, sheet: str | int) -> RawTable:
    if not isinstance(item, pd.DataFrame):
        return read_raw(item, encoding=encoding, sheet=sheet)  # type: ignore[arg-type]
    frame = item.copy()
    frame.columns = header_names([str(c) for c in frame.columns], Path("<frame>"))
    return RawTable(frame.reset_index(drop=True), np.arange(len(frame)) + 2)


def _mask_names(cases: pd.DataFrame, unmatched: np.ndarray) -> list[dict[str, object]]:
    """Category labels the taxonomy does not know that look like personal names: masked."""
    raw = cases["category_raw"].astype("string")
    looks = raw.dropna().map(looks_like_name).reindex(raw.index, fill_value=False).astype(bool)
    named = pd.Series(unmatched, index=cases.index) & looks
    if not named.any():
        return []
    masked, _ = mask_pii(raw.where(named), names=True)
    cases.loc[named, "category_raw"] = masked[named].astype(object)
    out = []
    for source, rows in cases.loc[named].groupby("source", sort=False)["source_row"]:
        out.append({"source": source, "column": "category",
                    "issue": "personal data (a personal name) in the category column, masked",
                    "rows": len(rows), "example_rows": rows.head(5).tolist(),
                    "fix": "remove personal data from the category column in the case system"})
    return out


def _build_mapping(mapping, **cols: str | None) -> ColumnMapping:
    if mapping is None:
        base = ColumnMapping(columns={})
    elif isinstance(mapping, ColumnMapping):
        base = mapping
    elif isinstance(mapping, (str, os.PathLike)):
        base = load_mapping(mapping)
    else:
        raise ConfigError(f"mapping must be a ColumnMapping or a TOML path, not {type(mapping).__name__}.")
    override = {canon: cols[f"{canon if canon != 'received' else 'date'}_col"]
                for canon in ("received", "area", "category", "case_id")}
    columns = {**base.columns, **{k: v for k, v in override.items() if v}}
    return dataclasses.replace(base, columns=columns)


def _as_items(source) -> list[tuple[str, object]]:
    seq = source if isinstance(source, (list, tuple)) else [source]
    if not seq:
        raise DataError("No input given: pass at least one export file or frame.")
    for item in seq:
        if not isinstance(item, (pd.DataFrame, str, os.PathLike)):
            raise DataError(f"read_cases needs export file paths or DataFrames, not "
                            f"{type(item).__name__}: pass the path of the export.")
    names: list[str] = []
    for i, item in enumerate(seq):
        if isinstance(item, pd.DataFrame):
            names.append("<frame>" if len(seq) == 1 else f"<frame {i + 1}>")
        else:
            names.append(Path(item).name)
    files = {(n, str(Path(item).resolve())) for n, item in zip(names, seq, strict=True)
             if not n.startswith("<")}
    if len({n for n, _ in files}) < len(files):  # same name in two folders: use the paths as given
        names = [n if n.startswith("<") else str(item) for n, item in zip(names, seq, strict=True)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # the very same file given twice
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n} ({seen[n]})"
    return list(zip(names, seq, strict=True))


def _drop_superseded(cases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the latest version of each case id; list the earlier ones as rejected."""
    cases = cases.sort_values(["_order", "source_row"], kind="stable").reset_index(drop=True)
    dup = cases["case_id"].duplicated(keep="last")
    if not dup.any():
        return cases, empty(REJECT_COLUMNS)
    last = cases[~dup].set_index("case_id")
    old = cases[dup]
    keeper = last.reindex(old["case_id"])
    reason = ("duplicate case id: superseded by "
              + keeper["source"].astype(str).to_numpy() + " row "
              + keeper["source_row"].astype(str).to_numpy())
    rej = pd.DataFrame({"source": old["source"].to_numpy(), "source_row": old["source_row"].to_numpy(),
                        "column": "case_id", "value": old["case_id"].to_numpy(), "reason": reason})
    return cases[~dup].reset_index(drop=True), rej
