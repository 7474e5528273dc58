"""Read one export file into a frame of raw cells, whatever its format and encoding."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd

from foresight.errors import DataError

__all__ = ["read_table", "detect_encoding"]

_CSV = (".csv", ".txt", ".tsv")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_PARQUET = (".parquet", ".pq")


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return suffixes[-2] if len(suffixes) > 1 else ""
    return suffixes[-1] if suffixes else ""


def detect_encoding(data: bytes) -> str:
    """Return ``"utf-8-sig"`` when ``data`` decodes as UTF-8 (with or without BOM), else ``"gb18030"``.

    Chinese text in GBK/GB18030 is almost never valid UTF-8, so strict UTF-8 decoding is a reliable
    test; GB18030 is a superset of GBK and GB2312.

    Examples
    --------
    >>> detect_encoding("登记日期".encode("utf-8"))
    'utf-8-sig'
    >>> detect_encoding("登记日期".encode("gb18030"))
    'gb18030'
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def read_table(path: str | Path, *, encoding: str = "auto", sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV (optionally gzipped), Excel or Parquet export; every CSV cell as a string.

    Parameters
    ----------
    path
        The export. Format by extension: ``.csv``/``.txt``/``.tsv`` (also ``.gz``), ``.xlsx``/``.xls``,
        ``.parquet``.
    encoding
        ``"auto"`` or a codec (CSV only).
    sheet
        Excel sheet name or index.

    Raises
    ------
    DataError
        The file is missing, empty, has no header, or cannot be decoded or parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found. Check the path.")
    kind = _suffix(path)
    try:
        if kind in _CSV:
            frame = _read_csv(path, encoding=encoding, sep="\t" if kind == ".tsv" else ",")
        elif kind in _EXCEL:
            frame = pd.read_excel(path, sheet_name=sheet, dtype=object,
                                  engine="calamine" if kind == ".xls" else "openpyxl")
        elif kind in _PARQUET:
            frame = pd.read_parquet(path)
        else:
            raise DataError(f"{path}: unknown file type {kind or '(none)'!r}. Export as CSV, "
                            "Excel (.xlsx/.xls) or Parquet.")
    except DataError:
        raise
    except (ValueError, OSError, KeyError, pd.errors.ParserError, ImportError) as exc:
        raise DataError(f"{path}: cannot read the file as {kind or 'a table'}: {exc}. "
                        "Check that it is a complete, uncorrupted export.") from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if frame.shape[1] == 0:
        raise DataError(f"{path}: the file is empty (no header row). Re-export it with a header row.")
    return frame


def _read_csv(path: Path, *, encoding: str, sep: str) -> pd.DataFrame:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: not a valid gzip file ({exc}).") from exc
    if not raw.strip():
        raise DataError(f"{path}: the file is empty. Re-export it, with a header row.")
    codec = detect_encoding(raw) if encoding == "auto" else encoding
    try:
        text = raw.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"{path}: cannot decode the file as {codec} ({exc}). Set the encoding "
                        "(mapping [read] encoding = \"gb18030\" or \"utf-8\", or --encoding).") from exc
    text = text.lstrip("\ufeff")
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                       na_filter=False, skip_blank_lines=True)
