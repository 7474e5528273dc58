"""``read_cases``: case-log exports in, canonical cases and a rejects table out, nothing lost."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from foresight.areas import AreaTree, load_areas
from foresight.categories import OTHER, Taxonomy, load_categories
from foresight.errors import ConfigError, DataError
from foresight.ingest._area_keys import area_keys
from foresight.ingest.dates import parse_dates
from foresight.ingest.mapping import CANONICAL, REQUIRED, ColumnMapping, load_mapping
from foresight.ingest.readers import read_table

__all__ = ["CASE_COLUMNS", "REJECT_COLUMNS", "IngestResult", "read_cases"]

CASE_COLUMNS: tuple[str, ...] = (*CANONICAL[:4], "category_raw", *CANONICAL[4:], "source", "source_row")
REJECT_COLUMNS: tuple[str, ...] = ("source", "source_row", "column", "value", "reason")
QUALITY_COLUMNS: tuple[str, ...] = ("source", "column", "issue", "rows", "example_rows", "fix")
_FLAG = {"--date-col": "received", "--area-col": "area", "--category-col": "category",
         "--case-id-col": "case_id"}

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
    progress: bool = False,
) -> IngestResult:
    """Read case-log exports into canonical cases, listing every rejected row with its reason.

    Every data row read is either accepted or rejected, and ``accepted + rejected = read`` per file.
    Columns the mapping does not name are dropped on reading, so personal data (names, ID numbers,
    phone numbers, free text) never enters the library.

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
        Override the mapping's CSV encoding (``auto``, ``utf-8``, ``gb18030``).
    sheet
        Override the mapping's Excel sheet.
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
        The mapping is invalid.

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
    as_of_ts = pd.Timestamp(as_of if as_of is not None else pd.Timestamp.today()).normalize()
    min_ts = pd.Timestamp(min_date).normalize()
    items = _as_items(source)

    parts, rejects, quality, rows_read, paths = [], [], [], {}, {}
    for order, (name, item) in enumerate(tqdm(items, desc="reading exports", unit="file",
                                              disable=not progress)):
        if isinstance(item, pd.DataFrame):
            raw = item.copy()
            raw.columns = [str(c).strip() for c in raw.columns]
        else:
            raw = read_table(item, encoding=encoding or cmap.encoding,
                             sheet=cmap.sheet if sheet is None else sheet)
            paths[name] = str(item)
        where = paths.get(name, name)
        if len(raw) == 0:
            raise DataError(f"{where}: the file has a header but no data rows. Check the export.")
        ok, rej, qual = _canonical(raw, name=name, where=where, mapping=cmap, tree=tree,
                                   as_of=as_of_ts, min_date=min_ts)
        ok["_order"] = order
        rows_read[name] = len(raw)
        parts.append(ok)
        rejects.append(rej)
        quality += qual

    cases = pd.concat(parts, ignore_index=True)
    cases, dup_rejects = _drop_superseded(cases)
    rejects.append(dup_rejects)
    rej_frame = (pd.concat([r for r in rejects if len(r)], ignore_index=True)
                 if any(len(r) for r in rejects) else _empty(REJECT_COLUMNS))
    rej_frame = rej_frame[list(REJECT_COLUMNS)].astype({"source_row": "Int64"})

    unmatched = pd.DataFrame(columns=["category_raw", "rows"])
    if tax is not None:
        matched = tax.match(cases["category_raw"])
        cases["category"] = matched["category"].to_numpy()
        miss = cases.loc[matched["how"].to_numpy() == "unmatched", "category_raw"]
        unmatched = miss.value_counts().rename_axis("category_raw").rename("rows").reset_index()
    cases = cases.sort_values(["received", "_order", "source_row"], kind="stable")
    cases = cases[list(CASE_COLUMNS)].reset_index(drop=True)
    result = IngestResult(
        cases=cases, rejects=rej_frame, rows_read=rows_read,
        quality=pd.DataFrame(quality, columns=list(QUALITY_COLUMNS)),
        unmatched_categories=unmatched, as_of=as_of_ts, paths=paths,
    )
    summary = result.summary()
    if not (summary["accepted"] + summary["rejected"] == summary["read"]).all():  # pragma: no cover
        raise AssertionError(f"row accounting broken, please report: {summary.to_dict('records')}")
    return result


# -- helpers ---------------------------------------------------------------------------------
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
    return ColumnMapping(columns=columns, encoding=base.encoding, sheet=base.sheet,
                         values=base.values, origin=base.origin)


def _as_items(source) -> list[tuple[str, object]]:
    seq = source if isinstance(source, (list, tuple)) else [source]
    if not seq:
        raise DataError("No input given: pass at least one export file or frame.")
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


def _text(col: pd.Series) -> pd.Series:
    """Cells as stripped strings; integral floats (Excel) lose their '.0'; empty -> <NA>."""
    if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):  # CSV: all text already
        out = col.astype("string").str.strip()
        return out.mask(out == "")

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return pd.NA
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)
    out = col.map(one).astype("string").str.strip()
    return out.mask(out == "")


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _canonical(raw: pd.DataFrame, *, name: str, where: str, mapping: ColumnMapping,
               tree: AreaTree | None, as_of: pd.Timestamp, min_date: pd.Timestamp):
    found = mapping.resolve_headers(list(raw.columns))
    missing = [c for c in REQUIRED if c not in found]
    if "case_id" in mapping.columns and "case_id" not in found:
        missing.append("case_id")
    if missing:
        hints = "; ".join(
            f"{c} (mapping [columns] {c} = \"<header>\""
            + "".join(f" or {flag}" for flag, canon in _FLAG.items() if canon == c) + ")"
            for c in missing)
        raise DataError(f"{where}: required column(s) not found: {hints}. "
                        f"Headers in the file: {list(raw.columns)}.")
    n = len(raw)
    rows = pd.Series(np.arange(n) + 2, dtype="Int64")
    cells = {canon: raw[header].reset_index(drop=True) for canon, header in found.items()}
    reasons: list[tuple[pd.Series, str, pd.Series, pd.Series]] = []  # mask, column, value, reason

    def reject(mask: pd.Series, column: str, value: pd.Series, reason: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            r = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=mask.index)
            reasons.append((mask, column, value, r))

    out = pd.DataFrame(index=pd.RangeIndex(n))
    if "case_id" in found:
        out["case_id"] = _text(cells["case_id"]).astype(object)
        reject(out["case_id"].isna(), "case_id", out["case_id"], "missing case id")
    else:
        out["case_id"] = name + ":" + rows.astype(str)

    rec_text = _text(cells["received"]).astype(object)
    received, bad = parse_dates(cells["received"])
    out["received"] = received
    shown = rec_text.fillna("").astype(str)
    reject(rec_text.isna() & ~bad & received.isna(), "received", shown, "missing date")
    reject(bad, "received", shown, "unparseable date: '" + shown + "' (use YYYY-MM-DD, YYYY/M/D, "
           "YYYY年M月D日 or an Excel date)")
    fmt = received.dt.strftime("%Y-%m-%d")
    reject(received > as_of, "received", shown,
           "date after the as-of date: " + fmt + f" > {as_of.date()} (check the date or set as_of)")
    reject(received < min_date, "received", shown,
           "date too early: " + fmt + f" < {min_date.date()} (probably a typo in the year)")

    parents = [_text(raw[h].reset_index(drop=True)) for h in mapping.area_parents(list(raw.columns))]
    area, out["area"], area_rejects, area_notes = area_keys(_text(cells["area"]), parents, tree=tree,
                                                            headers=list(raw.columns),
                                                            area_header=found["area"])
    for mask, reason in area_rejects:
        reject(mask, "area", area, reason)
    cat = _text(cells["category"])
    out["category_raw"] = cat.astype(object)
    out["category"] = out["category_raw"].fillna(OTHER)

    quality: list[dict[str, object]] = []

    def note(mask: pd.Series, column: str, issue: str, fix: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            ex = rows[mask.to_numpy()].head(5).tolist()
            quality.append({"source": name, "column": column, "issue": issue,
                            "rows": int(mask.sum()), "example_rows": ex, "fix": fix})

    note(cat.isna(), "category", "missing category (counted as other)",
         "fill the category in the case system")
    for mask, issue, fix in area_notes:
        note(mask, "area", issue, fix)
    for col in ("channel", "level", "collective", "repeat"):
        if col not in found:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="boolean" if col in
                                 ("collective", "repeat") else object)
            continue
        text = _text(cells[col])
        table = mapping.value_table(col)
        mapped = text.str.lower().map(table)
        unknown = text.notna() & mapped.isna()
        for val, cnt in text[unknown].value_counts().head(5).items():
            note(text == val, col, f"value {val!r} not recognised ({cnt} rows)",
                 f"add it to [values.{col}] in the mapping")
        if col == "channel":
            mapped = mapped.where(~unknown, "other")
        out[col] = mapped.astype("boolean" if col in ("collective", "repeat") else object)
    if "headcount" in found:
        num = pd.to_numeric(_text(cells["headcount"]), errors="coerce")
        badh = _text(cells["headcount"]).notna() & (num.isna() | (num < 0) | (num % 1 != 0))
        note(badh, "headcount", "not a whole number >= 0", "correct the headcount in the export")
        out["headcount"] = num.where(~badh).astype("Int64")
    else:
        out["headcount"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if "closed" in found:
        closed, badc = parse_dates(cells["closed"])
        note(badc, "closed", "unparseable closing date (set to missing)",
             "use YYYY-MM-DD in the export")
        note(closed < received, "closed", "closing date before the received date",
             "check both dates in the case system")
        out["closed"] = closed
    else:
        out["closed"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["source"] = name
    out["source_row"] = rows

    if reasons:
        any_bad = np.logical_or.reduce([m.to_numpy() for m, *_ in reasons])
        first_col = pd.Series(pd.NA, index=out.index, dtype=object)
        first_val = pd.Series(pd.NA, index=out.index, dtype=object)
        all_reasons = pd.Series("", index=out.index, dtype=object)
        for mask, column, value, reason in reasons:
            fresh = mask & first_col.isna()
            first_col[fresh] = column
            first_val[fresh] = value[fresh].astype(object)
            all_reasons[mask] = all_reasons[mask].where(all_reasons[mask] == "",
                                                        all_reasons[mask] + "; ") + reason[mask]
        rej = pd.DataFrame({"source": name, "source_row": rows[any_bad].to_numpy(),
                            "column": first_col[any_bad].to_numpy(),
                            "value": first_val[any_bad].to_numpy(),
                            "reason": all_reasons[any_bad].to_numpy()})
        out = out[~any_bad]
    else:
        rej = _empty(REJECT_COLUMNS)
    return out.reset_index(drop=True), rej, quality


def _drop_superseded(cases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the latest version of each case id; list the earlier ones as rejected."""
    cases = cases.sort_values(["_order", "source_row"], kind="stable").reset_index(drop=True)
    dup = cases["case_id"].duplicated(keep="last")
    if not dup.any():
        return cases, _empty(REJECT_COLUMNS)
    last = cases[~dup].set_index("case_id")
    old = cases[dup]
    keeper = last.reindex(old["case_id"])
    reason = ("duplicate case id: superseded by "
              + keeper["source"].astype(str).to_numpy() + " row "
              + keeper["source_row"].astype(str).to_numpy())
    rej = pd.DataFrame({"source": old["source"].to_numpy(), "source_row": old["source_row"].to_numpy(),
                        "column": "case_id", "value": old["case_id"].to_numpy(), "reason": reason})
    return cases[~dup].reset_index(drop=True), rej
