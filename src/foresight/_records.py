"""Read one table file (CSV, Excel, Parquet) into raw cells, accounting for every record.

CSV files are split into records by the :mod:`csv` module and every record is accounted for: a
record is a data row, a rejected row (it does not decode, or its cell count differs from the
header's), or a blank line. A quoted cell that runs across lines which are themselves complete rows
(a stray ``"`` in free text) is split back into those rows, so no row disappears into a cell.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from foresight._decode import ENCODINGS, decode_lines
from foresight._pii import mask_text
from foresight.errors import DataError

__all__ = ["RawTable", "header_names", "read_raw"]

_CSV = (".csv", ".txt", ".tsv")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_PARQUET = (".parquet", ".pq")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawTable:
    """The raw cells of one export, with the rows that could not be split or decoded.

    Attributes
    ----------
    frame
        One row per well-formed data record, every column as read (CSV: strings).
    rows
        The spreadsheet row number of each row of ``frame`` (the header is row 1).
    bad
        ``(row, reason)`` for each record that is not a well-formed row.

    Examples
    --------
    >>> t = RawTable(pd.DataFrame({"a": ["1"]}), np.array([2]), [(3, "malformed row")])
    >>> t.n_records
    2
    """

    frame: pd.DataFrame
    rows: np.ndarray
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        """Data records in the file: well-formed rows plus rejected ones."""
        return len(self.frame) + len(self.bad)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return suffixes[-2] if len(suffixes) > 1 else ""
    return suffixes[-1] if suffixes else ""


def read_raw(path: str | Path, *, encoding: str = "auto", sheet: str | int = 0) -> RawTable:
    """Read an export into a :class:`RawTable`: its rows, their row numbers, and the rows it rejects.

    Parameters
    ----------
    path
        The file. Format by extension: ``.csv``/``.txt``/``.tsv`` (also ``.gz``), ``.xlsx``/``.xls``,
        ``.parquet``.
    encoding
        ``"auto"`` or a codec (CSV only): ``utf-8``, ``gb18030``, ``big5``, ``utf-16``.
    sheet
        Excel sheet name or index.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        The file is missing, empty, has no header, or cannot be decoded or parsed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3,4,5\\n")
    >>> t = read_raw(p)
    >>> len(t.frame), t.bad
    (1, [(3, 'malformed row: 3 cells where the header has 2 (a stray delimiter or quote?)')])
    """
    if path is None or not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise DataError(f"read_cases needs a file path or a DataFrame, not {type(path).__name__}.")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found. Check the path.")
    kind = _suffix(path)
    try:
        if kind in _CSV:
            table = _read_csv(path, encoding=encoding, sep="\t" if kind == ".tsv" else ",")
        elif kind in _EXCEL or kind in _PARQUET:
            if path.stat().st_size == 0:
                raise DataError(f"{path}: the file is empty. Re-export it, with a header row.")
            frame = (pd.read_parquet(path) if kind in _PARQUET else
                     pd.read_excel(path, sheet_name=sheet, dtype=object,
                                   engine="calamine" if kind == ".xls" else "openpyxl"))
            table = _drop_blank(frame)
        else:
            raise DataError(f"{path}: unknown file type {kind or '(none)'!r}. Export as CSV, "
                            "Excel (.xlsx/.xls) or Parquet.")
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a parser means the file is unreadable
        raise DataError(f"{path}: cannot read the file as {kind.lstrip('.') or 'a table'} "
                        f"({type(exc).__name__}: {exc}). Check that it is a complete, uncorrupted "
                        "export.") from exc
    table.frame.columns = header_names([str(c) for c in table.frame.columns], path)
    if table.frame.shape[1] == 0:
        raise DataError(f"{path}: the file is empty (no header row). Re-export it with a header row.")
    return table


def _drop_blank(frame: pd.DataFrame) -> RawTable:
    """Excel and Parquet rows, numbered as the spreadsheet shows them; rows with no value hold no case."""
    rows = np.arange(len(frame)) + 2
    if frame.shape[1] == 0 or len(frame) == 0:
        return RawTable(frame, rows)
    blank = frame.isna() | frame.astype(str).apply(lambda col: col.str.strip() == "")
    keep = ~blank.all(axis=1).to_numpy()
    return RawTable(frame[keep].reset_index(drop=True), rows[keep])


def header_names(names: list[str], path: Path) -> list[str]:
    """Trimmed header names; empty ones named by position; two equal names are an error."""
    clean = [n.replace("\ufeff", "").strip() for n in names]
    clean = [n or f"(column {i + 1})" for i, n in enumerate(clean)]
    seen: dict[str, int] = {}
    for i, n in enumerate(clean):
        if n in seen:
            shown = mask_text(n, names=True)[0]  # the "header" may be a row of data
            raise DataError(f"{path}: columns {seen[n] + 1} and {i + 1} have the same header {shown!r} "
                            "(after trimming spaces). Rename one of them in the export.")
        seen[n] = i
    return clean


def _bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: not a valid gzip file ({exc}). Re-export or re-compress it.") from exc
    if not raw.strip() or not raw.replace(b"\x00", b"").strip():
        raise DataError(f"{path}: the file is empty. Re-export it, with a header row.")
    return raw


def _read_csv(path: Path, *, encoding: str, sep: str) -> RawTable:
    if encoding.lower() not in ENCODINGS:
        raise DataError(f"{path}: encoding {encoding!r} is not supported; use one of {', '.join(ENCODINGS)}.")
    decoded = decode_lines(_bytes(path), encoding=encoding, where=str(path))
    records: list[list[str] | str] = []  # cells, or why the line is not a row
    segment: list[str] = []
    for i, line in enumerate(decoded.lines + [None]):
        if line is not None:
            segment.append(line)
            continue
        records += _split(segment, sep)
        segment = []
        if i < len(decoded.lines):
            records.append(f"row is not valid {decoded.encoding} (the rest of the file is); it "
                                  f"looks like {decoded.hints.get(i, 'another encoding')}: re-export the "
                                  "file in one encoding")
    return _table(records, path)


def _split(lines: list[str], sep: str) -> list[list[str]]:
    """Records of consecutive decoded lines; a multi-line record hiding whole rows is split again."""
    if not lines:
        return []
    text = "\n".join(lines)
    n_lines = len(lines) - (lines[-1] == "")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))
    if len(records) == n_lines:  # no record runs over a line break: the common case, fast
        return records
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    spans: list[tuple[int, int, list[str]]] = []
    start = 0
    for cells in reader:
        spans.append((start, reader.line_num, cells))
        start = reader.line_num
    width = len(next((c for _, _, c in spans if _nonblank(c)), []))
    out: list[list[str]] = []
    for lo, hi, cells in spans:
        if hi - lo > 1 and width > 2 and (len(cells) != width or any(
                len(_one(line, sep)) >= width for line in lines[lo + 1:hi])):
            out += [_one(line, sep) for line in lines[lo:hi]]
        else:
            out.append(cells)
    return out


def _one(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep, strict=False), [])


def _nonblank(cells: list[str]) -> bool:
    return bool("".join(cells).strip())


def _table(records: list[list[str] | str], path: Path) -> RawTable:
    header: list[str] | None = None
    width = -1
    good: list[list[str]] = []
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    row = 1
    for item in records:
        if item.__class__ is list and len(item) == width and header is not None:
            if _nonblank(item):
                row += 1
                good.append(item)
                rows.append(row)
            continue  # a blank line holds no case
        if isinstance(item, list) and not _nonblank(item):
            continue
        if header is None:
            if isinstance(item, str):
                raise DataError(f"{path}: the header row cannot be read: {item}.")
            header, width = item, len(item)
            continue
        row += 1
        if isinstance(item, str):
            bad.append((row, item))
        elif len(item) != len(header):
            bad.append((row, f"malformed row: {len(item)} cells where the header has {len(header)} "
                             "(a stray delimiter or quote?)"))
        else:
            good.append(item)
            rows.append(row)
    if header is None:
        raise DataError(f"{path}: the file is empty (no header row). Re-export it with a header row.")
    frame = pd.DataFrame(good, columns=range(len(header)), dtype=object) if good else \
        pd.DataFrame({i: pd.Series(dtype=object) for i in range(len(header))})
    frame.columns = header
    return RawTable(frame, np.asarray(rows, dtype=np.int64), bad)
