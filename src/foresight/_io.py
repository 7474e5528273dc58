"""Files in and out: reading tables (exports, area trees, taxonomies), atomic writing, sha256.

Every module that touches a file goes through here: tables are read with one encoding rule (UTF-8,
else GB18030), outputs are written to a temporary file beside the target and renamed into place, and
a file is identified by the sha256 of its bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from foresight.errors import DataError

__all__ = ["atomic_path", "atomic_write", "detect_encoding", "read_table", "sha256_file"]

_CHUNK = 1 << 20  # bytes read at a time when hashing


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    A reader never sees a half-written file, and a failed or killed run leaves the old file in place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> out.read_text()
    'hello'
    >>> oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_current_umask())
    True
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():  # mkstemp makes 0600 files: give the result the mode a plain open() would
            os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write(target: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically; return ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> atomic_write(out, lambda p: p.write_text("x")).read_text()
    'x'
    """
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes (hex), read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
                                  engine="xlrd" if kind == ".xls" else "openpyxl")
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
